"""Server-sent events as DeepSeek sends them, read incrementally in linear time and bounded memory.

Lines end in LF, CR or CRLF (a CRLF may be split across network chunks); lines starting with
":" are comments (DeepSeek's `: keep-alive`); fields other than `data` are ignored; several
`data:` lines of one event are joined with a newline; a blank line ends an event.

Each network chunk is searched for line ends once, and an unfinished line is kept as a list of
pieces joined only when it ends, so a long line arriving in small pieces costs linear time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class EventTooLarge(ValueError):
    """One line or event is larger than the stream allows."""


class EventNotText(ValueError):
    """An event's data is not UTF-8 text."""


def iter_lines(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    pending: list[bytes] = []
    pending_size = 0
    skip_lf = False  # the previous chunk ended with CR: a LF starting this one belongs to it
    for chunk in chunks:
        if skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        skip_lf = False
        if not chunk:
            continue
        lines = chunk.splitlines(keepends=True)
        last = lines[-1]
        open_tail = last[-1:] not in (b"\n", b"\r")
        for line in lines[:-1] if open_tail else lines:
            text = line.rstrip(b"\r\n")
            if pending:
                text = b"".join(pending) + text
                pending.clear()
                pending_size = 0
            if len(text) > limit:
                raise EventTooLarge(len(text))
            yield text
        if open_tail:
            pending.append(last)
            pending_size += len(last)
            if pending_size > limit:
                raise EventTooLarge(pending_size)
        else:
            skip_lf = last.endswith(b"\r")
    if pending:
        yield b"".join(pending)


def iter_events(lines: Iterable[bytes], limit: int) -> Iterator[str]:
    """Yield the data of each event. An event still open when the stream ends is yielded too."""
    data: list[bytes] = []
    size = 0
    for line in lines:
        if not line:
            if data:
                yield _text(data)
                data, size = [], 0
            continue
        if line[:1] == b":":
            continue
        name, _, value = line.partition(b":")
        if name == b"data":
            piece = value[1:] if value[:1] == b" " else value
            size += len(piece) + 1
            if size > limit:
                raise EventTooLarge(size)
            data.append(piece)
    if data:
        yield _text(data)


def _text(data: list[bytes]) -> str:
    try:
        return (data[0] if len(data) == 1 else b"\n".join(data)).decode("utf-8")
    except UnicodeDecodeError:
        raise EventNotText() from None
