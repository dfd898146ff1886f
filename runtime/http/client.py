"""The shared executor: the one place that sends HTTP requests, retries, bounds and logs them.

Every call goes through a requests Session (the connector's own, or one a host platform gives) and
requests' HTTPAdapter.send: the connector's GuardedAdapter (transport/adapter.py), or an adapter
the host mounted on its Session. A request is prepared once and its URL checked as requests and
urllib3 will send it (the key only goes to the connection's origin); then the retry loop
(retries.py) runs its attempts. Each attempt is bounded by the call's deadline (the watchdog cuts
it off) and its body by the size limit; each is logged from redacted text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict
from urllib3 import BaseHTTPResponse

from .. import settings
from ..contract.connection import Connection
from ..errors import ApiError, ConnectorError, InputError, LocalFileError, ResponseError, error_for_status
from ..log_redaction import SECRET_FILTER
from ..redaction import Redactor
from .answers import shown_body
from .downloads import check_output, save_body
from .failures import TRANSPORT_ERRORS, api_error_message, deadline_error, parse_retry_after, transport_error
from .log import log_attempt, log_retry
from .messages import (
    FilePart,
    HttpRequest,
    HttpResponse,
    check_sendable,
    json_bytes,
    prepared_request,
    request_id,
    with_query,
)
from .multipart import MultipartBody
from .reading import BodyReader, SizeLimit
from .retries import RetryPolicy, with_retries
from .transport.adapter import GuardedAdapter
from .transport.deadline import WATCHDOG, Deadline, Guard, Waits, guarding
from .transport.sessions import (
    HookFailed,
    HostSessionView,
    body_source,
    contained_hooks,
    own_session,
    proxy_passwords,
    snapshot,
)
from .urls import UNPARSEABLE_TEXT, UrlProblem, has_userinfo, origin_of

NO_RETRIES = RetryPolicy()
DEFAULT_LIMIT = SizeLimit(64 * 2**20)
# Used only when a caller gives no deadline; every action passes its Timeout.
DEFAULT_TIMEOUT = 900.0


class Executor:
    """Sends requests for one connection. Create once per connection and share it.

    `session`: a host's requests.Session to send through; its headers, hooks, proxies,
    verify/cert and mounted adapters take part, while the connection's Authorization, the
    origin check, the deadline and the size limits still apply. Without one, the connector's
    own Session reads proxies and CA bundles from the environment, as requests does.
    """

    def __init__(self, connection: Connection, *, session: requests.Session | None = None,
                 user_agent: str = "deepseek-connector", pool_size: int = settings.POOL_SIZE,
                 sleep: Callable[[float], None] = time.sleep):
        self.connection = connection
        self.origin = origin_of(connection.base_url)
        self.sleep = sleep
        self.user_agent = user_agent
        # Retries live in the executor only: the adapter never retries or follows a redirect.
        self.adapter = GuardedAdapter(pool_size)
        # The Session whose settings count (the host's, if it gave one), and the one that sends:
        # a host's Session is sent through a view of it (sessions.py), never changed.
        self.host_session = session
        self.session = HostSessionView(session, self.adapter) if session else own_session(self.adapter)
        # Proxies, CA bundle and client certificate, from the Session and (as requests reads
        # them) the environment: read once per connection.
        self.environment: Mapping[str, Any] = (session or self.session).merge_environment_settings(
            connection.base_url, {}, True, None, None)
        # A proxy's password is a secret too: a proxy's error page may quote what it was sent.
        self.redactor = Redactor([*connection.secrets(), *proxy_passwords(self.environment["proxies"])])
        SECRET_FILTER.add(self.redactor)

    def close(self) -> None:
        self.session.close()
        self.adapter.close()

    def __repr__(self) -> str:
        return f"Executor(origin={str(self.origin)!r})"

    def send(self, request: HttpRequest, *, policy: RetryPolicy = NO_RETRIES,
             deadline: Deadline | None = None, limit: SizeLimit = DEFAULT_LIMIT,
             debug: bool = False) -> HttpResponse:
        """Send with retries; return a successful (or redirect) response, or raise the last error."""
        deadline = deadline or Deadline(DEFAULT_TIMEOUT)
        platform = self.platform_headers()
        prepared = self.prepare(request, platform)
        if request.download_to is not None:
            check_output(request.download_to)  # before anything is sent

        def attempt(number: int) -> HttpResponse:
            return self._attempt(request, prepared, number, deadline, limit, debug, platform)

        def on_retry(error: ConnectorError, wait: float) -> None:
            log_retry(error, policy.attempts, wait, debug)

        return with_retries(attempt, policy, deadline, sleep=self.sleep, on_retry=on_retry)

    def platform_headers(self) -> Mapping[str, Any]:
        """The Session's headers as they are when a call starts (None drops one, as in requests);
        the connector's own Session's never change."""
        if self.host_session is None:
            return self.session.headers
        return {name: value for name, value in snapshot(self.host_session.headers) if value is not None}

    def prepare(self, request: HttpRequest,
                platform: Mapping[str, Any] | None = None) -> requests.PreparedRequest:
        """The request exactly as it will be sent, checked to go to the connection's origin."""
        try:
            url = with_query(request.url, request.params)
        except UrlProblem as problem:
            raise InputError.single("url", "URL", str(problem)) from None
        self._checked_url(url)
        check_sendable(request.headers)
        configured = self.host_session or self.session
        headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict(
            self.platform_headers() if platform is None else platform)
        headers["User-Agent"] = self.user_agent
        headers.update(request.headers)  # case-insensitive: a step's own spelling replaces ours
        body: bytes | MultipartBody | None = request.data
        if request.multipart is not None:
            body = multipart_body(request.multipart)
            headers["Content-Type"] = body.content_type
        elif body is None and request.json_body is not None:
            body = json_bytes(request.json_body)
            headers.setdefault("Content-Type", "application/json")
        try:
            hooks = contained_hooks(configured.hooks) if self.host_session is not None else configured.hooks
            prepared = prepared_request(request.method.upper(), url, headers, body, hooks)
        except (ValueError, requests.RequestException):
            raise InputError.single("url", "URL", UNPARSEABLE_TEXT) from None
        # The URL as requests will send it (it re-quotes and encodes host names) is what counts.
        self._checked_url(prepared.url or "")
        # Any spelling a step or the Session gave goes: the key is the connection's, and
        # neither a Session's auth, .netrc nor a URL's user name ever replace it.
        prepared.headers.update(self.connection.auth_headers())
        return prepared

    def _checked_url(self, url: str) -> str:
        try:
            origin = origin_of(url)
        except UrlProblem as problem:
            raise InputError.single("url", "URL", str(problem)) from None
        if origin != self.origin or has_userinfo(url):
            # Last line of defence: the key is only ever sent to the connection's own origin.
            raise InputError.single("url", "URL", f"must be on the connection's Base URL ({self.origin}), "
                                                  "so that the API key never leaves it.")
        if len(url) > settings.MAX_URL_LENGTH:
            raise InputError.single("url", "URL", f"is longer than {settings.MAX_URL_LENGTH} characters "
                                                  "with its query; servers refuse such requests.")
        return url

    def _attempt(self, request: HttpRequest, prepared: requests.PreparedRequest, number: int,
                 deadline: Deadline, limit: SizeLimit, debug: bool,
                 platform: Mapping[str, Any]) -> HttpResponse:
        remaining = deadline.remaining()
        started = time.monotonic()
        response: HttpResponse | None = None
        error: ConnectorError | None = None
        guard = Guard(deadline)
        try:
            if remaining <= 0:
                raise deadline_error(deadline, number)
            read_wait = remaining if request.silent_answer else min(settings.READ_TIMEOUT, remaining)
            waits = Waits(min(settings.CONNECT_TIMEOUT, remaining), read_wait)
            if isinstance(prepared.body, MultipartBody):
                prepared.body.rewind()  # a retried attempt sends the files again from the start
            WATCHDOG.watch(remaining, guard)
            answer, body = self._exchange(prepared, guard, deadline, waits, limit, number)
            reader = BodyReader(body, guard, deadline, limit, self.connection.base_url, waits, number)
            if answer.status_code < 200:
                # An interim answer (103 Early Hints...): the real one would follow on this
                # connection, and must never reach the next call that uses it.
                reader.close()
                raise ResponseError(f"The server sent an interim answer (HTTP {answer.status_code}) where a "
                                    "final one was expected.", attempts=number)
            headers = self._shown(answer.headers)
            if answer.status_code >= 400:
                content = reader.read_all()  # redacted as the text it decodes to, when quoted
                response = HttpResponse(answer.status_code, headers, content, attempts=number,
                                        redactor=self.redactor)
                raise self._status_error(response)
            if request.download_to is not None and answer.status_code < 300:
                # A download: the body goes to the file as it arrives, never into memory.
                streamed = HttpResponse(answer.status_code, headers, None, reader, attempts=number)
                response = HttpResponse(answer.status_code, headers, attempts=number,
                                        saved=save_body(streamed, request.download_to))
            elif request.stream and answer.status_code < 300:
                response = HttpResponse(answer.status_code, headers, None, reader, attempts=number,
                                        redactor=self.redactor)
            elif request.redact_body:
                response = HttpResponse(answer.status_code, headers, reader.read_all(),
                                        attempts=number, redactor=self.redactor)
            else:  # a binary download: the body exactly as sent
                response = HttpResponse(answer.status_code, headers, reader.read_all(), attempts=number)
            return response
        except ConnectorError as failure:
            # Raised by code that does not know the attempt (a file read while it is sent): the
            # error is made again, complete, rather than changed.
            error = failure if failure.attempts == number else failure.evolve(attempts=number)
            guard.release()
            raise error from None
        finally:
            log_attempt(self.redactor, request, prepared.url or "", prepared.headers, number,
                        time.monotonic() - started, debug, response=response, error=error,
                        platform=platform if self.host_session is not None else None)

    def _exchange(self, prepared: requests.PreparedRequest, guard: Guard, deadline: Deadline,
                  waits: Waits, limit: SizeLimit, number: int) -> tuple[requests.Response, BaseHTTPResponse]:
        """Send through the Session, redirects off, up to the answer's status and headers: requests'
        HTTPAdapter.send through the connector's adapter (or one the host mounted); the Session's
        response hooks run then. Returns the answer and what its body is read from."""
        try:
            return self._sent(prepared, guard, deadline, waits, limit, number)
        except BaseException:
            guard.close_opened()  # whatever the attempt opened (a hook may have opened more) goes back
            raise

    def _sent(self, prepared: requests.PreparedRequest, guard: Guard, deadline: Deadline,
              waits: Waits, limit: SizeLimit, number: int) -> tuple[requests.Response, BaseHTTPResponse]:
        try:
            with guarding(guard):
                answer = self.session.send(prepared, stream=True, timeout=(waits.connect, waits.read),
                                           allow_redirects=False, verify=self.environment["verify"],
                                           cert=self.environment["cert"], proxies=self.environment["proxies"])
        except HookFailed as failed:
            if guard.aborted or deadline.expired():  # the hook was reading when time ran out
                raise deadline_error(deadline, number) from None
            raise ConnectorError(f"A response hook of the platform's requests Session failed "
                                 f"({failed.cause_name}); the platform should fix or remove it.",
                                 attempts=number) from None
        except TRANSPORT_ERRORS as exc:
            raise transport_error(exc, self.connection.base_url, deadline, guard, waits, number,
                                  proxied=bool(self.environment["proxies"])) from None
        except ConnectorError:
            raise  # a file that could not be read while it was sent
        except Exception as exc:  # noqa: BLE001 - a host's hook or adapter: reported, never raised raw
            whose = "A hook or adapter of the platform's requests Session" if self.host_session else "Sending"
            raise ConnectorError(f"{whose} failed ({type(exc).__name__}).", attempts=number) from None
        problem: ConnectorError
        if self.host_session is not None and deadline.remaining() <= 0:
            problem = deadline_error(deadline, number)  # an adapter of the platform's waited or retried
        else:
            try:
                return answer, body_source(answer, limit.bytes)
            except OverflowError:
                problem = limit.exceeded(attempts=number)
            except ValueError as reason:
                problem = ResponseError(f"The answer could not be read: {reason}.", attempts=number)
        with suppress(Exception):  # an answer from a platform's adapter, perhaps without a body
            answer.close()
        raise problem

    def _shown(self, headers: Any) -> CaseInsensitiveDict[str]:
        """The response's headers, with any secret a server echoed in them redacted."""
        pairs = list(headers.items())
        if self.redactor.clean(text for pair in pairs for text in pair):
            return CaseInsensitiveDict(pairs)
        text = self.redactor.text
        return CaseInsensitiveDict({text(name): text(value) for name, value in pairs})

    def _status_error(self, response: HttpResponse) -> ApiError:
        message = api_error_message(shown_body(response), response.headers.get("Content-Type", ""))
        return error_for_status(response.status, api_message=message, request_id=request_id(response.headers),
                                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                                attempts=response.attempts)


def multipart_body(parts: tuple[FilePart, ...]) -> MultipartBody:
    try:
        return MultipartBody(parts)
    except OSError as exc:
        raise LocalFileError(f"A file to upload could not be opened ({type(exc).__name__}: "
                             f"{exc.strerror or exc}).") from None
