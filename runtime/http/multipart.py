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
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, LocalFileError
from .messages import FilePart

BLOCK = 256 * 1024
# RFC 9110's media type: type/subtype, then `; name=value` parameters (a token or a quoted string).
# Anything else, line breaks above all, would be written into the part's headers as it is.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t !#-\[\]-~]|\\[\t -~])*"'
MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*(?:{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))?)*")
MEDIA_TYPE_MAX = 1024
MEDIA_TYPE_TEXT = ("a media type: type/subtype with optional ; name=value parameters, in printable ASCII "
                   "on one line, such as text/csv or text/plain; charset=utf-8")
# Opening a pipe (or some devices) for reading waits for a writer; O_NONBLOCK returns at once, so
# fstat can refuse it. O_NOCTTY: a terminal named here must not become this process's own.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS = os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def is_media_type(text: str) -> bool:
    return len(text) <= MEDIA_TYPE_MAX and MEDIA_TYPE.fullmatch(text) is not None


def _quoted(value: str) -> str:
    # The WHATWG form encoding that browsers (and urllib3) use for names in the part header.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class _Source:
    """One file's bytes: its size now, and its blocks later, however often it is rewound.

    A file object comes from a host's code and may fail in any way (closed, no tell, a seek that
    returns None as mmap's does): every failure becomes a LocalFileError, never a raw exception.
    """

    def __init__(self, part: FilePart):
        self.part = part
        content = part.content
        try:
            if isinstance(content, Path):
                self._start = 0
                self.size = content.stat().st_size
            else:
                assert not isinstance(content, bytes), "bytes are sent as they are"
                self._start = content.tell()
                content.seek(0, os.SEEK_END)
                self.size = max(0, content.tell() - self._start)  # seek's own answer is not trusted
                content.seek(self._start)
        except Exception as exc:  # any failure: see the class docstring
            raise self._failure("could not be opened", exc) from None

    def blocks(self) -> Iterator[bytes]:
        handle = self._open()
        try:
            yield from self._read(handle)
        finally:
            if isinstance(self.part.content, Path):
                handle.close()

    def _open(self) -> IO[bytes]:
        content = self.part.content
        try:
            if not isinstance(content, Path):
                assert not isinstance(content, bytes), "bytes are sent as they are"
                content.seek(self._start)
                return content
            descriptor = os.open(content, _OPEN_FLAGS)
        except Exception as exc:  # any failure: see the class docstring
            raise self._failure("could not be read while it was being sent", exc) from None
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise LocalFileError(f"File {self.part.name!r} is no longer a regular file (it was replaced "
                                     "by a folder, pipe, device or socket) and was not sent.")
            if _NONBLOCK:
                os.set_blocking(descriptor, True)  # from here on, read as any regular file
            return os.fdopen(descriptor, "rb")
        except BaseException:
            os.close(descriptor)
            raise

    def _read(self, handle: IO[bytes]) -> Iterator[bytes]:
        left = self.size
        while left > 0:
            try:
                block: Any = handle.read(min(BLOCK, left))
            except Exception as exc:  # any failure: see the class docstring
                raise self._failure("could not be read while it was being sent", exc) from None
            if not isinstance(block, (bytes, bytearray)):
                raise LocalFileError(f"File {self.part.name!r} gave {type(block).__name__} instead of bytes "
                                     "while it was being sent; open it in binary mode.")
            if not block:
                raise LocalFileError(f"File {self.part.name!r} became shorter while it was being sent "
                                  f"({self.size - left} of {self.size} bytes had gone).")
            block = bytes(block[:left])  # never more than the Content-Length promised
            left -= len(block)
            yield block

    def _failure(self, what: str, exc: BaseException) -> LocalFileError:
        if isinstance(exc, LocalFileError):
            return exc
        if isinstance(exc, OSError):
            reason = f"{type(exc).__name__}: {exc.strerror or exc}"
        elif _is_closed(self.part.content):
            reason = "the file object was closed"
        else:
            reason = type(exc).__name__  # a host object's own message may say anything
        # Left alone, urllib3 would take an OSError for a broken connection.
        return LocalFileError(f"File {self.part.name!r} {what} ({reason}).")


def _is_closed(content: object) -> bool:
    try:
        return getattr(content, "closed", False) is True
    except Exception:  # a host object's property may raise anything
        return False


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
            if not is_media_type(part.content_type):
                # The action checks this first; here it guards the wire for any other caller.
                raise InputError.single("fileData", "File Data", f"file {part.name!r} has a content type "
                                                                 f"that is not {MEDIA_TYPE_TEXT}.")
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
