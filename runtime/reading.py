"""Reading one response body within the call's bounds: its deadline and its size limit.

Bodies are read in pieces with urllib3's `read1`, which inflates compressed data a bounded
amount at a time, so decompressed bytes are what is counted and a gzip bomb stops at the limit.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass

from urllib3 import BaseHTTPResponse, HTTPResponse
from urllib3.exceptions import HTTPError as Urllib3Error

from . import settings
from .errors import (
    ConnectorError,
    DeadlineError,
    NetworkError,
    RequestTimeoutError,
    ResponseError,
    UnreachableError,
    error_for_status,
)
from .transport import Deadline, Guard, failure_kind

TRANSPORT_ERRORS = (Urllib3Error, http.client.HTTPException, OSError)


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """The most bytes an answer may bring, and the input that sets it (named in the error)."""

    bytes: int
    label: str = "Max Response Size (MB)"

    def exceeded(self, what: str = "answer", attempts: int = 0) -> ResponseError:
        return ResponseError(f"The {what} was larger than the {self.label} of "
                             f"{self.bytes / 2**20:g} MB, so reading stopped there; raise "
                             f"{self.label} if answers this large are expected.", attempts=attempts)


def deadline_error(deadline: Deadline, attempts: int = 0) -> DeadlineError:
    return DeadlineError(f"The step's Timeout of {deadline.seconds:g} s ran out before the answer "
                         "was complete.", attempts=attempts)


@dataclass(frozen=True, slots=True)
class Waits:
    """The longest single waits of one attempt: to connect, and for each read."""

    connect: float
    read: float


def transport_error(exc: BaseException, site: str, deadline: Deadline, guard: Guard, waits: Waits,
                    attempts: int = 0, *, proxied: bool = False) -> ConnectorError:
    """The ConnectorError for a transport exception, told apart by the exception types: the one
    place where requests', urllib3's and the socket's exceptions become the connector's."""
    if guard.aborted or deadline.expired():
        return deadline_error(deadline, attempts)
    kind = failure_kind(exc, proxied=proxied)
    if kind == "proxy_auth":
        return error_for_status(407, attempts=attempts)
    if kind == "proxy_setting":
        # Never repeated: a proxy URL may hold a password.
        return NetworkError("The proxy set for this platform (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, or the "
                            "platform's requests Session) is not a URL that can be used; fix or unset it.",
                            attempts=attempts)
    if kind == "connect_timeout":
        return RequestTimeoutError(f"Could not connect to {site} within {waits.connect:g} s.",
                                   attempts=attempts)
    if kind == "timeout":
        return RequestTimeoutError(f"{site} sent nothing for {waits.read:g} s.", attempts=attempts)
    if kind == "decoding":
        return ResponseError(f"The answer from {site} could not be decompressed.", attempts=attempts)
    what = {"unresolvable": "its host name could not be resolved",
            "refused": "the connection was refused",
            "tls": "the secure connection (TLS) could not be set up; check the Base URL and its certificate",
            "broken": "the connection broke before the answer was complete"}[kind]
    error_class = UnreachableError if kind in ("unresolvable", "refused") else NetworkError
    return error_class(f"Could not reach {site}: {what}.", attempts=attempts)


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
            if self._plain_length() is not None:
                # Its size is known, within the limit, and nothing to inflate: one read does,
                # and the watchdog still ends it at the deadline.
                try:
                    content = self._response.read(decode_content=True)
                    self._complete = True
                    return content
                except TRANSPORT_ERRORS as exc:
                    raise self._failure(exc) from None
            return b"".join(self.chunks())
        finally:
            self.close()

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
