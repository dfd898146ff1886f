"""Server-sent events as DeepSeek sends them, read incrementally with flat memory.

Lines end in LF, CR or CRLF (a CRLF may be split across network chunks); lines starting with
":" are comments (DeepSeek's `: keep-alive`); fields other than `data` are ignored; several
`data:` lines of one event are joined with a newline; a blank line ends an event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def iter_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    buffer = b""
    for chunk in chunks:
        if not chunk:
            continue
        buffer = buffer + chunk if buffer else chunk
        start = 0
        for match in LINE_BREAK.finditer(buffer):
            if match.end() == len(buffer) and match.group() == b"\r":
                break  # maybe the first half of a CRLF; wait for the next chunk
            yield buffer[start:match.start()]
            start = match.end()
        buffer = buffer[start:]
    if buffer:
        yield buffer[:-1] if buffer.endswith(b"\r") else buffer


def iter_events(lines: Iterable[bytes]) -> Iterator[str]:
    """Yield the data of each event. An event still open when the stream ends is yielded too."""
    data: list[bytes] = []
    for line in lines:
        if not line:
            if data:
                yield b"\n".join(data).decode("utf-8")
                data = []
            continue
        if line[:1] == b":":
            continue
        name, _, value = line.partition(b":")
        if name == b"data":
            data.append(value[1:] if value[:1] == b" " else value)
    if data:
        yield b"\n".join(data).decode("utf-8")
