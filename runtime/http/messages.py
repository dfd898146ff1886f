"""What actions hand to the executor and get back: plain values, no HTTP library objects; and what
goes into a request before requests prepares it: the URL with its query, a JSON body, and a
step's own headers checked for what HTTP cannot carry, so that nothing fails half-sent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests

from ..errors import InputError
from ..forms.values import encodable
from .urls import UNPARSEABLE_TEXT, UrlProblem

if TYPE_CHECKING:
    from ..redaction import Redactor

# Headers that carry the request id: DeepSeek's own first, then common proxy spellings.
REQUEST_ID_HEADERS = ("x-ds-trace-id", "x-request-id", "request-id", "x-trace-id")


@dataclass(frozen=True, slots=True)
class FilePart:
    """One part of a multipart body: a plain field when `filename` is None, else a file.

    `content` is bytes, or a pathlib.Path or seekable binary file object, which is streamed,
    never loaded whole.
    """

    name: str
    content: bytes | Path | IO[bytes]
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request as an action wants it sent. With `stream`, the executor returns as soon as a
    successful status and headers arrive, and the body is read as it comes (HttpResponse.chunks)."""

    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = None
    data: bytes | None = None
    multipart: tuple[FilePart, ...] | None = None
    stream: bool = False
    #: False for binary answers: the body is returned exactly as sent, never redacted.
    redact_body: bool = True
    #: A download: the body is written to this file as it arrives (see download.py), and the
    #: response says where, how many bytes and what type (HttpResponse.saved).
    download_to: Path | None = None
    #: The server may stay silent until its answer is whole (a document parsed during its upload
    #: sends no byte for minutes): no single read is cut short; the call's deadline still holds.
    silent_answer: bool = False


class BodyStream(Protocol):
    def chunks(self) -> Iterator[bytes]: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


class HttpResponse:
    """Status, headers (case-insensitive) and, unless streamed, the whole body, read within the
    call's deadline and size limit."""

    __slots__ = ("status", "headers", "content", "attempts", "redactor", "saved", "_body")

    def __init__(self, status: int, headers: Mapping[str, str], content: bytes | None = None,
                 body: BodyStream | None = None, attempts: int = 1, redactor: Redactor | None = None,
                 saved: dict[str, Any] | None = None):
        self.status = status
        self.headers = headers
        self.content = content
        #: Which attempt brought this answer (1 unless earlier ones failed and were retried).
        self.attempts = attempts
        #: The connection's redactor, for text decoded from the body (None: binary, kept exact).
        self.redactor = redactor
        #: For a download: {"file", "bytes", "contentType"} of the file written.
        self.saved = saved
        self._body = body

    @property
    def request_id(self) -> str | None:
        return request_id(self.headers)

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives (streamed responses only)."""
        if self._body is None:
            return iter((self.content or b"",))
        return self._body.chunks()

    def finish(self) -> None:
        """The caller saw the end of the answer: read what is left briefly, then let go."""
        if self._body is not None:
            self._body.finish()

    def close(self) -> None:
        if self._body is not None:
            self._body.close()

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status})"


def request_id(headers: Mapping[str, str]) -> str | None:
    """The request id from a case-insensitive header mapping (as the executor returns)."""
    return next((headers[name] for name in REQUEST_ID_HEADERS if name in headers), None)


# What requests and http.client accept: a name without colons or white space, a value on one line.
HEADER_NAME = re.compile(r"[^:\s][^:\r\n]*")
HEADER_VALUE = re.compile(r"(\S[^\r\n]*)?")


def with_query(url: str, params: tuple[tuple[str, str], ...]) -> str:
    """`url` with `params` added to whatever query it already has; UrlProblem if it cannot be read."""
    if not params:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UrlProblem(UNPARSEABLE_TEXT) from None
    query = urlencode(params)
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


# json.dumps would make this encoder anew for every request.
_AS_JSON = json.JSONEncoder(allow_nan=False).encode


def json_bytes(value: object) -> bytes:
    try:
        return _AS_JSON(value).encode("utf-8")
    except (TypeError, ValueError) as exc:  # the inputs' own checks catch these first
        raise InputError.single("body", "Body", f"cannot be sent as JSON ({exc}).") from None


def check_sendable(headers: Mapping[str, str]) -> None:
    """A step's own headers checked for what HTTP can carry (the connector's own always can)."""
    for name, value in headers.items():
        if not (isinstance(name, str) and isinstance(value, str) and HEADER_NAME.fullmatch(name)
                and HEADER_VALUE.fullmatch(value) and name.isascii() and encodable(value, "latin-1")):
            raise InputError.single("headers", "Headers", f"header {name!r} cannot be sent: names are "
                                    "plain ASCII without colons or spaces, values one line of Latin-1 text.")


def prepared_request(method: str, url: str, headers: Mapping[str, Any], body: Any,
                     hooks: Mapping[str, Any]) -> requests.PreparedRequest:
    """requests' PreparedRequest.prepare, in its order, with the URL's preparation kept per URL
    and no auth step: the URL's user name is refused before (the key goes in the connection's own
    header), so that step could only ever do nothing."""
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    # A query may carry anything a step was given: only the plain URLs are kept.
    prepared.url = _prepared_url(url) if "?" not in url else _prepared_url.__wrapped__(url)
    prepared.prepare_headers(headers)
    prepared.prepare_cookies(None)
    prepared.prepare_body(body, None, None)
    prepared.prepare_hooks(hooks)
    return prepared


@lru_cache(maxsize=256)
def _prepared_url(url: str) -> str | None:
    """A URL as requests sends it (quoted, host name encoded): the same text every time, and the
    longest step of preparing a request, so kept for the URLs a connection calls."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    return prepared.url
