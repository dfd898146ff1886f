"""What went wrong, in the connector's own errors: the one place where requests', urllib3's and the
socket's exceptions become ConnectorErrors (told apart by their types), and where an error
answer's body and Retry-After are read."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

from requests.exceptions import InvalidProxyURL, InvalidSchema, InvalidURL
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    EmptyPoolError,
    LocationValueError,
    NameResolutionError,
    NewConnectionError,
    ProxySchemeUnknown,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from .. import texts
from ..errors import (
    ConnectorError,
    DeadlineError,
    NetworkError,
    RequestTimeoutError,
    ResponseError,
    UnreachableError,
    error_for_status,
)
from .answers import quote
from .transport.deadline import Deadline, Guard, Waits

# What requests and urllib3 raise for a proxy URL they cannot use (a bad port, host or scheme).
PROXY_SETTING_ERRORS = (InvalidProxyURL, InvalidSchema, InvalidURL, ProxySchemeUnknown, LocationValueError)


def failure_kind(exc: BaseException, *, proxied: bool = False) -> str:
    """What went wrong in a transport exception, read from the exception types in its chain.
    `proxied`: a proxy is set, so a URL or scheme the sending library refuses is the proxy's (the
    request's own URL was checked before sending)."""
    links = list(_chain(exc))
    if any(_is_proxy_refusal(link) for link in links):
        return "proxy_auth"
    if proxied and any(isinstance(link, PROXY_SETTING_ERRORS) for link in links):
        return "proxy_setting"
    if any(isinstance(link, (NameResolutionError, socket.gaierror)) for link in links):
        return "unresolvable"
    if any(isinstance(link, ConnectionRefusedError) for link in links):
        return "refused"
    # urllib3 makes a failed connection (NewConnectionError) a kind of ConnectTimeoutError.
    if any(isinstance(link, ConnectTimeoutError) and not isinstance(link, NewConnectionError)
           for link in links):
        return "connect_timeout"
    if any(isinstance(link, (Urllib3Timeout, socket.timeout)) for link in links):
        return "timeout"
    if any(isinstance(link, ssl.SSLError) for link in links):
        return "tls"
    if any(isinstance(link, DecodeError) for link in links):
        return "decoding"
    return "broken"


def _is_proxy_refusal(link: BaseException) -> bool:
    """http.client reports a proxy's refusal of CONNECT only as text: an OSError saying
    "Tunnel connection failed: 407 ...", with no status of its own to check."""
    return (type(link) is OSError and bool(link.args) and isinstance(link.args[0], str)
            and link.args[0].startswith("Tunnel connection failed: 407"))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every one it wraps: causes, contexts, urllib3's `reason`, wrapped args."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        link = pending.pop()
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        wrapped = [link.__cause__, link.__context__, getattr(link, "reason", None), *link.args]
        pending += [item for item in wrapped if isinstance(item, BaseException)]


TRANSPORT_ERRORS = (Urllib3Error, http.client.HTTPException, OSError)


def deadline_error(deadline: Deadline, attempts: int = 0) -> DeadlineError:
    return DeadlineError(f"The step's Timeout of {deadline.seconds:g} s ran out before the answer "
                         "was complete.", attempts=attempts)


def transport_error(exc: BaseException, site: str, deadline: Deadline, guard: Guard, waits: Waits,
                    attempts: int = 0, *, proxied: bool = False) -> ConnectorError:
    """The ConnectorError for a transport exception, told apart by the exception types: the one
    place where requests', urllib3's and the socket's exceptions become the connector's."""
    if guard.aborted or deadline.expired() or isinstance(exc, EmptyPoolError):
        # (EmptyPoolError: every pooled connection stayed busy until the deadline, as the pool
        # blocks rather than opening more: the call's time is up.)
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


def api_error_message(text: str, content_type: str) -> str | None:
    """The API's own words from DeepSeek's error envelope, or a hint about a non-API body.
    `text` is the body already decoded and redacted (shown_body)."""
    try:
        body = texts.loads(text)
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return quote(error["message"], 500)
        if isinstance(error, str):
            return quote(error, 500)
        for key in ("message", "error_msg"):  # error_msg: DeepSeek's 404 for an unknown path
            if isinstance(body.get(key), str):
                return quote(body[key], 500)
        return None
    if "html" in content_type.lower() or text.lstrip()[:1] == "<":
        return "the server answered with an HTML page, likely from a proxy or gateway in between"
    return quote(text, 200) or None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date); None when absent or unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):  # a year 99999999999, say
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds or seconds == float("inf"):  # NaN or infinity
        return None
    return max(0.0, seconds)
