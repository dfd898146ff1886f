"""The shared executor: the one place that sends HTTP requests, retries, bounds and logs them.

One set of connection pools per connection (urllib3, see pools.py), safe to share between
threads. A request is prepared once and its URL checked as urllib3 will send it (the key only
goes to the connection's origin); then it is sent, and if that fails in a way worth retrying,
tenacity runs the further attempts. Each attempt is bounded by the call's deadline (the
watchdog cuts it off) and its body by the size limit; each is logged from redacted text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import urllib3
from urllib3.exceptions import EmptyPoolError

from . import settings
from .connection import Connection
from .errors import ApiError, ConnectorError, InputError, LocalFileError, ResponseError, error_for_status
from .http import FilePart, HttpRequest, HttpResponse, request_id
from .http_log import log_attempt, log_retry
from .multipart_body import MultipartBody
from .outgoing import Outgoing, check_sendable, content_length, json_bytes, with_query
from .pools import DEFAULT_HEADERS, open_pools
from .reading import TRANSPORT_ERRORS, BodyReader, SizeLimit, Waits, deadline_error, transport_error
from .redaction import SECRET_FILTER, Redactor
from .responses import api_error_message, parse_retry_after, shown_body
from .retry import RetryPolicy, why_stopped
from .transport import WATCHDOG, Deadline, Guard, guarding
from .urls import UrlProblem, has_userinfo, origin_of

if TYPE_CHECKING:
    from tenacity import RetryCallState

NO_RETRIES = RetryPolicy()
DEFAULT_LIMIT = SizeLimit(64 * 2**20)
# Used only when a caller gives no deadline; every action passes its Timeout.
DEFAULT_TIMEOUT = 900.0


class Executor:
    """Sends requests for one connection. Create once per connection and share it."""

    def __init__(self, connection: Connection, *, user_agent: str = "deepseek-connector",
                 pool_size: int = settings.POOL_SIZE, sleep: Callable[[float], None] = time.sleep):
        self.connection = connection
        self.origin = origin_of(connection.base_url)
        self.redactor = Redactor(connection.secrets())
        SECRET_FILTER.add(self.redactor)
        self.sleep = sleep
        # Retries live in this class only (urllib3 is told never to retry or follow a redirect).
        # No cookie a server sets is kept or sent back.
        self.pools = open_pools(connection.base_url, pool_size)
        self.headers = {"User-Agent": user_agent, **DEFAULT_HEADERS}

    def close(self) -> None:
        # Close each pool's sockets first: in urllib3 2.7 PoolManager.clear() forgets pools
        # without closing their connections.
        for key in self.pools.pools.keys():  # noqa: SIM118 - this container cannot be iterated
            pool = self.pools.pools.get(key)
            if pool is not None:
                pool.close()
        self.pools.clear()

    def __repr__(self) -> str:
        return f"Executor(origin={str(self.origin)!r})"

    def send(self, request: HttpRequest, *, policy: RetryPolicy = NO_RETRIES,
             deadline: Deadline | None = None, limit: SizeLimit = DEFAULT_LIMIT,
             debug: bool = False) -> HttpResponse:
        """Send with retries; return a successful (or redirect) response, or raise the last error."""
        deadline = deadline or Deadline(DEFAULT_TIMEOUT)
        try:
            prepared = self.prepare(request)
            try:
                return self._attempt(request, prepared, 1, deadline, limit, debug)
            except ConnectorError as error:
                if not (policy.max_retries and policy.retries(error)):
                    raise
                first_failure = error
            # Only a call whose first attempt failed in a way worth retrying builds a Retrying:
            # tenacity's bookkeeping costs a tenth of a whole local call (bench/). It starts from
            # that first outcome, so it counts, waits, logs and stops as if it had made it.
            # Imported here: tenacity costs some 5 ms of every command's cold start.
            from .retry_loop import retrying

            def before_sleep(state: RetryCallState) -> None:
                error = state.outcome.exception() if state.outcome else None
                if isinstance(error, ConnectorError):
                    log_retry(error, policy.attempts, state.upcoming_sleep, debug)

            response: HttpResponse | None = None
            for attempt in retrying(policy, deadline, sleep=self.sleep, before_sleep=before_sleep):
                with attempt:
                    number = attempt.retry_state.attempt_number
                    if number == 1:
                        raise first_failure
                    response = self._attempt(request, prepared, number, deadline, limit, debug)
            assert response is not None  # tenacity either returned an attempt's result or raised
            return response
        except ConnectorError as error:
            reason = why_stopped(error, policy, deadline)
            if reason:
                error.message += " " + reason
            elif error.attempts > 1:
                error.message += f" Tried {error.attempts} times."
            raise error.scrub(self.redactor.text) from None

    def prepare(self, request: HttpRequest) -> Outgoing:
        """The request exactly as it will be sent, checked to go to the connection's origin."""
        try:
            url = with_query(request.url, request.params)
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
        check_sendable(request.headers)
        headers = urllib3.HTTPHeaderDict(self.headers)
        headers.update(request.headers)  # case-insensitive: a step's own spelling replaces ours
        body: bytes | MultipartBody | None = request.data
        if request.multipart is not None:
            body = multipart_body(request.multipart)
            headers["Content-Type"] = body.content_type
        elif body is None and request.json_body is not None:
            body = json_bytes(request.json_body)
            headers.setdefault("Content-Type", "application/json")
        headers.pop("Authorization", None)  # any spelling a step gave goes
        headers.update(self.connection.auth_headers())
        method = request.method.upper()
        length = content_length(method, body)
        if length is not None:
            headers["Content-Length"] = length
        return Outgoing(method, url, headers, body)

    def _attempt(self, request: HttpRequest, prepared: Outgoing, number: int,
                 deadline: Deadline, limit: SizeLimit, debug: bool) -> HttpResponse:
        remaining = deadline.remaining()
        started = time.monotonic()
        response: HttpResponse | None = None
        error: ConnectorError | None = None
        guard = Guard()
        try:
            if remaining <= 0:
                raise deadline_error(deadline)
            waits = Waits(min(settings.CONNECT_TIMEOUT, remaining), min(settings.READ_TIMEOUT, remaining))
            if isinstance(prepared.body, MultipartBody):
                prepared.body.rewind()  # a retried attempt sends the files again from the start
            WATCHDOG.watch(remaining, guard)
            try:
                with guarding(guard):
                    raw = self.pools.urlopen(prepared.method, prepared.url, body=prepared.body,
                                             headers=prepared.headers, redirect=False, retries=False,
                                             preload_content=False, decode_content=False, chunked=False,
                                             timeout=urllib3.Timeout(connect=waits.connect, read=waits.read),
                                             pool_timeout=remaining)
            except EmptyPoolError:
                # Every pooled connection stayed busy until the deadline (the pool blocks rather
                # than opening more): the call's time is up.
                raise deadline_error(deadline) from None
            except TRANSPORT_ERRORS as exc:
                raise transport_error(exc, self.connection.base_url, deadline, guard, waits) from None
            reader = BodyReader(raw, guard, deadline, limit, self.connection.base_url, waits)
            if raw.status < 200:
                # An interim answer (103 Early Hints...): the real one would follow on this
                # connection, and must never reach the next call that uses it.
                reader.close()
                raise ResponseError(f"The server sent an interim answer (HTTP {raw.status}) where a final "
                                    "one was expected.")
            headers = self._shown(raw.headers)
            if raw.status >= 400:
                content = self.redactor.data(reader.read_all())
                response = HttpResponse(raw.status, headers, content, redactor=self.redactor)
                raise self._status_error(response)
            if request.stream and raw.status < 300:
                response = HttpResponse(raw.status, headers, None, reader, attempts=number)
            elif request.redact_body:
                response = HttpResponse(raw.status, headers, self.redactor.data(reader.read_all()),
                                        attempts=number, redactor=self.redactor)
            else:  # a binary download: the body exactly as sent
                response = HttpResponse(raw.status, headers, reader.read_all(), attempts=number)
            return response
        except ConnectorError as failure:
            failure.attempts = number
            error = failure
            guard.release()
            raise
        finally:
            log_attempt(self.redactor, request, prepared.url, prepared.headers, number,
                        time.monotonic() - started, debug, response=response, error=error)

    def _shown(self, headers: urllib3.HTTPHeaderDict) -> urllib3.HTTPHeaderDict:
        """The response's headers, with any secret a server echoed in them redacted."""
        if all(self.redactor.text(value) == value for value in headers.values()):
            return headers
        return urllib3.HTTPHeaderDict({name: self.redactor.text(value) for name, value in headers.items()})

    def _status_error(self, response: HttpResponse) -> ApiError:
        message = api_error_message(shown_body(response), response.headers.get("Content-Type", ""))
        return error_for_status(response.status, api_message=message, request_id=request_id(response.headers),
                                retry_after=parse_retry_after(response.headers.get("Retry-After")))


def multipart_body(parts: tuple[FilePart, ...]) -> MultipartBody:
    try:
        return MultipartBody(parts)
    except OSError as exc:
        raise LocalFileError(f"A file to upload could not be opened ({type(exc).__name__}: "
                          f"{exc.strerror or exc}).") from None
