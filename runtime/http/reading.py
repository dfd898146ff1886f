"""Reading one response body within the call's bounds: its deadline and its size limit.

Bodies are read in pieces with urllib3's `read1`, which inflates compressed data a bounded
amount at a time, so decompressed bytes are what is counted and a gzip bomb stops at the limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from urllib3 import BaseHTTPResponse, HTTPResponse

from .. import settings
from ..errors import (
    ConnectorError,
    ResponseError,
)
from .failures import TRANSPORT_ERRORS, deadline_error, transport_error
from .transport.deadline import Deadline, Guard, Waits


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """The most bytes an answer may bring, and the input that sets it (named in the error)."""

    bytes: int
    label: str = "Max Response Size (MB)"

    def exceeded(self, what: str = "answer", attempts: int = 0) -> ResponseError:
        return ResponseError(f"The {what} was larger than the {self.label} of "
                             f"{self.bytes / 2**20:g} MB, so reading stopped there; raise "
                             f"{self.label} if answers this large are expected.", attempts=attempts)


class BodyReader:
    """One response's body, read in pieces within the call's deadline and size limit."""

    def __init__(self, response: BaseHTTPResponse, guard: Guard, deadline: Deadline, limit: SizeLimit,
                 site: str, waits: Waits, attempt: int = 1):
        self._response = response
        self._guard = guard
        self._deadline = deadline
        self._limit = limit
        self._site = site
        self._waits = waits
        self._attempt = attempt
        self._source: Iterator[bytes] | None = None
        self._complete = False

    def chunks(self) -> Iterator[bytes]:
        pieces = self._pieces()
        received = 0
        clock, expires_at = self._deadline.clock, self._deadline.expires_at
        while True:
            if clock() >= expires_at:
                raise deadline_error(self._deadline, self._attempt)
            try:
                piece = next(pieces, b"")
            except TRANSPORT_ERRORS as exc:
                raise self._failure(exc) from None
            if not piece:
                self._complete = True
                return
            received += len(piece)
            if received > self._limit.bytes:
                raise self._limit.exceeded(attempts=self._attempt)
            yield piece

    def _pieces(self) -> Iterator[bytes]:
        """The body's pieces as urllib3 reads them, at most READ_CHUNK each after inflating; made
        once, so that draining after the end marker goes on where reading stopped."""
        if self._source is None:
            raw = self._response
            if isinstance(raw, HTTPResponse) and raw.chunked and raw.supports_chunked_reads():
                # DeepSeek streams one event per HTTP chunk; reading chunk by chunk this way costs
                # a third of what read1 does per chunk (bench/).
                self._source = raw.read_chunked(settings.READ_CHUNK, decode_content=True)
            else:
                self._source = iter(lambda: raw.read1(settings.READ_CHUNK, decode_content=True), b"")
        return self._source

    def read_all(self) -> bytes:
        try:
            if self._watched() and self._plain_length() is not None:
                # Its size is known, within the limit, and nothing to inflate: one read does, as
                # the watchdog holds the connection and ends it at the deadline. (An answer from
                # a platform's own adapter, or one a hook fetched, has no watchdog: its body is
                # read in pieces, the deadline checked between them.)
                try:
                    content = self._response.read(decode_content=True)
                    self._complete = True
                    return content
                except TRANSPORT_ERRORS as exc:
                    raise self._failure(exc) from None
            return b"".join(self.chunks())
        finally:
            self.close()

    def _watched(self) -> bool:
        connection = self._guard.connection
        return connection is not None and getattr(self._response, "connection", None) is connection

    def _failure(self, exc: BaseException) -> ConnectorError:
        return transport_error(exc, self._site, self._deadline, self._guard, self._waits, self._attempt)

    def _plain_length(self) -> int | None:
        """The body's size when the headers state it, it is within the limit and not compressed."""
        headers = self._response.headers
        length = headers.get("Content-Length", "")
        if not (length.isascii() and length.isdigit() and len(length) < 19) \
                or int(length) > self._limit.bytes:
            return None
        # With Transfer-Encoding the length is ignored, so the body could be any size.
        if "Transfer-Encoding" in headers:
            return None
        if headers.get("Content-Encoding", "identity").strip().lower() != "identity":
            return None
        return int(length)

    def finish(self) -> None:
        """After the answer's end marker, read the body's end briefly so the connection can be
        reused; a server that keeps the connection open (or keeps talking) loses it instead.
        DRAIN_TIMEOUT bounds the whole drain: each read waits at most that, and no read starts
        after it has passed since the marker."""
        sock = self._guard.socket()
        clock = self._deadline.clock
        stop_at = clock() + settings.DRAIN_TIMEOUT
        try:
            if sock is not None:
                sock.settimeout(settings.DRAIN_TIMEOUT)  # urllib3 resets it when the connection is reused
            left = settings.DRAIN_LIMIT
            for piece in self._pieces():
                left -= len(piece)
                if left <= 0 or clock() >= stop_at:
                    break
            else:
                self._complete = True
        except TRANSPORT_ERRORS:
            pass
        finally:
            self.close()

    def close(self) -> None:
        self._guard.release()
        if not self._complete:
            self._response.close()  # the rest of the body is not wanted: drop the connection
        self._response.release_conn()  # back to the pool, whole or to be opened again
