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


def iter_events(chunks: Iterable[bytes], limit: int) -> Iterator[str]:
    """Yield the data of each event. An event still open when the stream ends is yielded too.

    An event's data lines are joined as they arrive, so an event costs its bytes however many
    lines it has (ten million empty `data:` lines are ten million bytes, not a list of them);
    the common event of one line is kept as it came. DeepSeek sends each event as a network
    chunk of its own, `data: {...}` and a blank line: such a chunk is taken whole."""
    data: bytes | bytearray | None = None
    lines = LineSplitter(limit)
    try:
        for chunk in chunks:
            if (data is None and lines.idle() and chunk[:6] == b"data: " and chunk[-2:] == b"\n\n"
                    and chunk.count(b"\n") == 2 and b"\r" not in chunk):
                if len(chunk) > limit:
                    raise EventTooLarge(len(chunk))
                yield chunk[6:-2].decode()
                continue
            for line in lines.feed(chunk):
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
        rest = lines.rest()
        if rest is not None and rest.startswith(b"data:"):
            piece = rest[6:] if rest[5:6] == b" " else rest[5:]
            data = piece if data is None else bytes(data) + b"\n" + piece
        if data is not None:
            yield data.decode()
    except UnicodeDecodeError:
        raise EventNotText() from None


class LineSplitter:
    """The complete lines of each network chunk, without their line ends (a CRLF may be split
    across chunks); an unfinished line is kept as pieces joined only when it ends."""

    def __init__(self, limit: int):
        self.limit = limit
        self._pending: list[bytes] = []  # the pieces of a line still going on
        self._pending_size = 0
        self._skip_lf = False  # the previous chunk ended with CR: a LF starting this one belongs to it

    def idle(self) -> bool:
        """Whether no line is unfinished: the next chunk starts a line."""
        return not self._pending and not self._skip_lf

    def feed(self, chunk: bytes) -> list[bytes]:
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        if not chunk:
            return []
        lines = chunk.splitlines()
        tail = None
        if chunk[-1:] in (b"\n", b"\r"):
            self._skip_lf = chunk[-1:] == b"\r"
        else:
            tail = lines.pop()  # the last line goes on in the next chunk
        if lines:
            if self._pending:
                lines[0] = b"".join(self._pending) + lines[0]
                self._pending, self._pending_size = [], 0
                if len(lines[0]) > self.limit:
                    raise EventTooLarge(len(lines[0]))
            if len(chunk) > self.limit and max(map(len, lines)) > self.limit:
                raise EventTooLarge(max(map(len, lines)))
        if tail is not None:
            self._pending.append(tail)
            self._pending_size += len(tail)
            if self._pending_size > self.limit:
                raise EventTooLarge(self._pending_size)
        return lines

    def rest(self) -> bytes | None:
        """The unfinished last line, once the stream has ended."""
        return b"".join(self._pending) if self._pending else None
