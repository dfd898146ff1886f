"""The requests Sessions calls are sent through: the connector's own, or a view of a host's.

A platform may hand over a Session of its own. The connector never changes it (mounting an
adapter on it would reach the platform's own calls and other tenants' connectors, and race
with threads using it): it sends through a view instead. The view sends with requests'
`Session.send` (so instrumentation that wraps it, and `responses` or `requests-mock`, take
part), uses whatever adapter the platform mounted for a URL, and the connector's guarded
adapter where the platform has only requests' stock one. Neither Session keeps cookies or
looks into a redirect (with redirects off, requests still reads a redirect's whole body to
prepare the next request). The host Session's hooks run contained: one that fails or hands
back another answer cannot leave a pooled connection behind.
"""

from __future__ import annotations

import base64
import io
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import BaseHTTPResponse, HTTPResponse

from ...errors import ConnectorError


class HookFailed(Exception):  # noqa: N818 - carries a hook's failure to the client, not an error itself
    """A response hook of the platform's Session raised `cause`, or handed back something that is
    not an answer (its answer is closed)."""

    def __init__(self, cause: BaseException):
        super().__init__(type(cause).__name__)
        self.cause_name = type(cause).__name__


class _NoCookies(requests.cookies.RequestsCookieJar):
    """A cookie jar that keeps nothing: no cookie a server sets is sent back (and no answer's
    headers are parsed for cookies, some 10 µs a call)."""

    def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


class _ConnectorSession(requests.Session):
    """The Session the connector makes when the host gives none: proxies and CA bundles from the
    environment as requests reads them, no cookies kept, no redirect ever looked into."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies = _NoCookies()

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


def own_session(adapter: HTTPAdapter) -> requests.Session:
    session = _ConnectorSession()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HostSessionView(_ConnectorSession):
    """A host's Session as the connector sends through it, the host's object left as it is.

    Only sending goes through the view; the client reads the host's headers, hooks, proxies,
    verify and cert from the host's Session itself, at each call."""

    def __init__(self, host: requests.Session, guarded: HTTPAdapter):
        self.host = host
        self.guarded = guarded
        super().__init__()

    @property  # type: ignore[override]
    def adapters(self) -> OrderedDict[str, BaseAdapter]:
        """The host's adapters as they are now, with the connector's guarded adapter where the
        host has requests' stock one (what every Session starts with). A table rather than a
        get_adapter override: tools that patch get_adapter (requests-mock) fall back to
        requests' own, which reads this."""
        return OrderedDict((prefix, self.guarded if type(adapter) is HTTPAdapter else adapter)
                           for prefix, adapter in snapshot(self.host.adapters))

    @adapters.setter
    def adapters(self, value: Any) -> None:
        return None  # Session.__init__'s table of stock adapters is not wanted

    def close(self) -> None:
        return None  # the adapters are the host's, or the connector's (closed by the client)


def snapshot(mapping: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The mapping's items now: a platform's thread may change its Session's headers or adapters
    while a call copies them (an OrderedDict then refuses to go on)."""
    for _ in range(100):
        try:
            return list(mapping.items())
        except (RuntimeError, KeyError):
            continue
    raise ConnectorError("The platform's requests Session kept changing while a call read it.")


Hook = Callable[..., Any]


def contained_hooks(hooks: Mapping[str, Any]) -> dict[str, list[Hook]]:
    """The Session's response hooks, each made safe for the pool: a hook that raises has the
    answer closed and its failure carried as HookFailed (never mistaken for a broken connection
    and retried); a hook that hands back another answer has the one it replaced closed."""
    given = hooks.get("response") or []
    listed: Iterable[Hook] = [given] if callable(given) else given
    return {"response": [_contained(hook) for hook in listed]}


def _contained(hook: Hook) -> Hook:
    def run(response: requests.Response, **kwargs: Any) -> Any:
        try:
            result = hook(response, **kwargs)
        except Exception as exc:  # noqa: BLE001 - whatever the platform's hook raises is reported
            response.close()
            raise HookFailed(exc) from None
        except BaseException:  # cancelled or interrupted: goes on as it is, the answer closed
            response.close()
            raise
        if result is not None and not isinstance(result, requests.Response):
            response.close()  # requests would take it for the answer, and fail on it
            raise HookFailed(TypeError(f"handed back {type(result).__name__}, not an answer"))
        if result is not None and result is not response and result.raw is not response.raw:
            response.close()
        return result

    return run


def body_source(answer: requests.Response, limit: int) -> BaseHTTPResponse:
    """What the answer's body is read from. Normally its raw stream; when a platform's hook (or a
    mock) already read the body into memory, that copy, as long as it is within `limit`.
    Raises ValueError, saying why, when there is no body to read (a hook read the stream away,
    or handed back an answer without one)."""
    content = answer.__dict__.get("_content")
    if isinstance(content, bytes):
        if len(content) > limit:
            raise OverflowError("read whole by a hook of the platform's Session")
        # requests inflated it: it is no longer what the framing headers describe.
        headers = {name: value for name, value in answer.headers.items()
                   if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")}
        return HTTPResponse(io.BytesIO(content), headers=headers, status=answer.status_code,
                            preload_content=False, decode_content=False)
    raw = answer.raw
    if answer.__dict__.get("_content_consumed") or not isinstance(raw, BaseHTTPResponse) or raw.tell():
        raise ValueError("a hook of the platform's Session read the answer's body (or part of it) away, "
                         "or handed back an answer without one")
    return raw


def proxy_passwords(proxies: Mapping[str, str] | None) -> list[str]:
    """The passwords of the proxies in use, and the Basic credentials requests sends them in."""
    passwords = []
    for proxy in (proxies or {}).values():
        try:
            parts = urlsplit(proxy) if "@" in proxy else None
        except ValueError:
            continue
        if parts is not None and parts.password:
            passwords.append(unquote(parts.password))
            credentials = f"{unquote(parts.username or '')}:{unquote(parts.password)}"
            passwords.append(base64.b64encode(credentials.encode("latin-1", "replace")).decode("ascii"))
    return passwords
