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


def line_batches(chunks: Iterable[bytes], limit: int) -> Iterator[list[bytes]]:
    """The complete lines of each network chunk, without their line ends, one list per chunk
    (a list rather than a line at a time: a stream has hundreds of thousands of lines)."""
    pending: list[bytes] = []  # the pieces of a line still going on
    pending_size = 0
    skip_lf = False  # the previous chunk ended with CR: a LF starting this one belongs to it
    for chunk in chunks:
        if skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        skip_lf = False
        if not chunk:
            continue
        lines = chunk.splitlines()
        tail = None
        if chunk[-1:] in (b"\n", b"\r"):
            skip_lf = chunk[-1:] == b"\r"
        else:
            tail = lines.pop()  # the last line goes on in the next chunk
        if lines:
            if pending:
                lines[0] = b"".join(pending) + lines[0]
                pending, pending_size = [], 0
                if len(lines[0]) > limit:
                    raise EventTooLarge(len(lines[0]))
            if len(chunk) > limit and max(map(len, lines)) > limit:
                raise EventTooLarge(max(map(len, lines)))
            yield lines
        if tail is not None:
            pending.append(tail)
            pending_size += len(tail)
            if pending_size > limit:
                raise EventTooLarge(pending_size)
    if pending:
        yield [b"".join(pending)]


def iter_events(chunks: Iterable[bytes], limit: int) -> Iterator[str]:
    """Yield the data of each event. An event still open when the stream ends is yielded too.

    An event's data lines are joined as they arrive, so an event costs its bytes however many
    lines it has (ten million empty `data:` lines are ten million bytes, not a list of them);
    the common event of one line is kept as it came."""
    data: bytes | bytearray | None = None
    try:
        for lines in line_batches(chunks, limit):
            for line in lines:
                if line.startswith(b"data:"):
                    piece = line[6:] if line[5:6] == b" " else line[5:]
                elif line == b"data":  # a field with no colon has an empty value
                    piece = b""
                else:
                    if not line and data is not None:
                        yield data.decode()
                        data = None
                    continue  # a comment (":"), or a field DeepSeek's answers do not use
                if data is None:
                    data = piece
                    continue
                if isinstance(data, bytes):
                    data = bytearray(data)
                data += b"\n"
                data += piece
                if len(data) > limit:
                    raise EventTooLarge(len(data))
        if data is not None:
            yield data.decode()
    except UnicodeDecodeError:
        raise EventNotText() from None
