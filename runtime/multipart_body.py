"""A multipart/form-data body that is read as it is sent, so files stream from disk.

requests builds a multipart body whole in memory, file contents included: a 100 MiB upload
would cost 200 MiB. This body instead knows its length up front (so it goes with a
Content-Length, like any upload), hands the connection one block at a time, and can be
rewound so that a retried attempt sends it again from the start.

A file part's content is bytes, a `pathlib.Path` (opened only while it is read), or a seekable
binary file object (read from where it stood when the body was made). Paths only arrive from
code (a host, the command line's `--file`), never from a form's text: a user of a shared
platform must not be able to name a file on its disk.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import LocalFileError
from .http import FilePart

BLOCK = 256 * 1024


def _quoted(value: str) -> str:
    # The WHATWG form encoding that browsers (and urllib3) use for names in the part header.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class _Source:
    """One file's bytes: its size now, and its blocks later, however often it is rewound."""

    def __init__(self, part: FilePart):
        self.part = part
        content = part.content
        if isinstance(content, Path):
            self._start = 0
            self.size = content.stat().st_size
        else:
            assert not isinstance(content, bytes), "bytes are sent as they are"
            self._start = content.tell()
            self.size = content.seek(0, os.SEEK_END) - self._start
            content.seek(self._start)

    def blocks(self) -> Iterator[bytes]:
        content = self.part.content
        try:
            if isinstance(content, Path):
                with content.open("rb") as handle:
                    yield from self._read(handle)
            else:
                assert not isinstance(content, bytes), "bytes are sent as they are"
                content.seek(self._start)
                yield from self._read(content)
        except OSError as exc:
            # Left alone, urllib3 would take this for a broken connection.
            raise LocalFileError(f"File {self.part.name!r} could not be read while it was being sent "
                              f"({type(exc).__name__}: {exc.strerror or exc}).") from None

    def _read(self, handle: IO[bytes]) -> Iterator[bytes]:
        left = self.size
        while left > 0:
            block = handle.read(min(BLOCK, left))
            if not block:
                raise LocalFileError(f"File {self.part.name!r} became shorter while it was being sent "
                                  f"({self.size - left} of {self.size} bytes had gone).")
            left -= len(block)
            yield block


class MultipartBody:
    """A file-like body for urllib3: `read(n)` hands out the next piece, `len()` its size."""

    def __init__(self, parts: tuple[FilePart, ...]):
        self.boundary = secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self._pieces: list[bytes | _Source] = []
        for part in parts:
            self._pieces.append(self._head(part))
            self._pieces.append(part.content if isinstance(part.content, bytes) else _Source(part))
            self._pieces.append(b"\r\n")
        self._pieces.append(f"--{self.boundary}--\r\n".encode())
        self._length = sum(len(p) if isinstance(p, bytes) else p.size for p in self._pieces)
        self._blocks: Iterator[bytes] = iter(())
        self._buffer = memoryview(b"")
        self.rewind()

    def _head(self, part: FilePart) -> bytes:
        disposition = f'form-data; name="{_quoted(part.name)}"'
        if part.filename is not None:
            disposition += f'; filename="{_quoted(part.filename)}"'
        head = f"--{self.boundary}\r\nContent-Disposition: {disposition}\r\n"
        if part.content_type:
            head += f"Content-Type: {part.content_type}\r\n"
        return (head + "\r\n").encode("utf-8")

    def __len__(self) -> int:
        return self._length

    def rewind(self) -> None:
        """Start again from the first byte (before every attempt)."""
        self._blocks = self._all_blocks()
        self._buffer = memoryview(b"")

    def _all_blocks(self) -> Iterator[bytes]:
        for piece in self._pieces:
            if isinstance(piece, bytes):
                yield piece
            else:
                yield from piece.blocks()

    def read(self, size: int = -1) -> bytes:
        wanted = self._length if size is None or size < 0 else size
        pieces: list[memoryview] = []
        got = 0
        while got < wanted:
            if not self._buffer:
                block = next(self._blocks, None)
                if block is None:
                    break
                self._buffer = memoryview(block)
            take = self._buffer[:wanted - got]
            pieces.append(take)
            got += len(take)
            self._buffer = self._buffer[len(take):]
        return b"".join(pieces)
