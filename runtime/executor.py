"""The shared executor: the one place that sends HTTP requests, retries, times out and logs.

One requests.Session per connection, pooled and safe to share between threads. Each attempt is
classified (success, or one of the retryable classes in settings); tenacity decides whether to
try again and how long to wait. Each attempt is logged (http_log.py) from redacted text.
"""

from __future__ import annotations

import json
import os
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from ..connections.api_key import ApiKeyConnection, url_origin
from . import settings
from .errors import (
    ConnectorError,
    InputError,
    NetworkError,
    RequestTimeoutError,
    error_for_status,
)
from .http_log import log_attempt, log_retry
from .redaction import Redactor, guard_third_party_logs

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-ds-request-id", "x-trace-id")


class HttpRequest:
    """What an action asks the executor to send. (A plain class: cheaper to define than a dataclass.)

    `multipart` holds (field name, file name or None for a plain field, content, content type);
    timeouts are seconds, None meaning the settings' defaults; with `stream` the executor
    returns as soon as a 2xx status and headers arrive, and the caller reads the body.
    """

    __slots__ = ("method", "url", "params", "headers", "json_body", "data", "multipart",
                 "connect_timeout", "read_timeout", "stream")

    def __init__(self, method: str, url: str, *, params: list[tuple[str, str]] | None = None,
                 headers: dict[str, str] | None = None, json_body: Any = None, data: bytes | None = None,
                 multipart: list[tuple[str, str | None, bytes, str | None]] | None = None,
                 connect_timeout: float | None = None, read_timeout: float | None = None,
                 stream: bool = False):
        self.method, self.url = method, url
        self.params = params if params is not None else []
        self.headers = headers if headers is not None else {}
        self.json_body, self.data, self.multipart = json_body, data, multipart
        self.connect_timeout, self.read_timeout, self.stream = connect_timeout, read_timeout, stream


class Attempt:
    """What one try produced: a response, or the error that ended it, and its retry class."""

    __slots__ = ("number", "response", "error", "retry_class", "retry_after")

    def __init__(self, number: int, response: requests.Response | None = None,
                 error: ConnectorError | None = None, retry_class: str | None = None):
        self.number, self.response, self.error = number, response, error
        self.retry_class = retry_class
        self.retry_after: float | None = None


def backoff_delay(retry_number: int) -> float:
    """Wait before retry `retry_number` (1-based): grows from BACKOFF_INITIAL, capped, jittered down."""
    base = min(settings.BACKOFF_INITIAL * settings.BACKOFF_MULTIPLIER ** (retry_number - 1),
               settings.BACKOFF_MAX)
    return base * (1 - settings.BACKOFF_JITTER * random.random())


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
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds)


def classify_status(status: int) -> str | None:
    if status < 400:
        return None
    if status == 429:
        return settings.RATE_LIMITED
    if status >= 500:
        return settings.SERVER
    return settings.CLIENT


class Executor:
    """Sends requests for one connection. Create once per connection and share it."""

    def __init__(self, connection: ApiKeyConnection, *, pool_size: int = settings.POOL_SIZE):
        self.connection = connection
        self.redactor = Redactor([connection.api_key.reveal()])
        guard_third_party_logs(self.redactor)
        self.session = requests.Session()
        # Retries live in this class only; the adapter never retries on its own.
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = settings.USER_AGENT
        # Proxy and CA settings come from the environment once, here, rather than on every
        # request: requests' per-call lookup cost about a quarter of a local call (bench/).
        self.session.trust_env = False
        self.session.proxies.update(requests.utils.get_environ_proxies(connection.base_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            self.session.verify = bundle

    def close(self) -> None:
        # Close each pool's sockets first: in urllib3 2.7 PoolManager.clear(), which
        # Session.close() relies on, forgets pools without closing their connections.
        adapters = {id(adapter): adapter for adapter in self.session.adapters.values()}
        for adapter in adapters.values():
            pools = adapter.poolmanager.pools
            for key in pools.keys():  # noqa: SIM118 - this container cannot be iterated
                pool = pools.get(key)
                if pool is not None:
                    pool.close()
        self.session.close()

    def __repr__(self) -> str:
        return f"Executor(base_url={self.connection.base_url!r})"

    def send(self, request: HttpRequest, policy: settings.RetryPolicy, *,
             debug: bool = False) -> requests.Response:
        """Send with retries; return a successful response or raise the error of the last try."""
        if url_origin(request.url) != self.connection.origin:
            # Last line of defence: the key is only ever sent to the connection's own origin.
            raise InputError.single("url", "URL", "must be on the connection's Base URL host.")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        headers.update(self.connection.authorization())
        started = time.monotonic()
        counter = iter(range(1, 10_000))

        def attempt() -> Attempt:
            remaining = policy.total_budget - (time.monotonic() - started)
            return self._attempt(next(counter), request, headers, debug, remaining)

        final = attempt()
        if final.retry_class in policy.retry_on and policy.max_retries > 0:
            final = self._retry(final, attempt, policy, debug, started)
        if final.error is not None:
            final.error.attempts = final.number
            if final.number > 1:
                final.error.message += f" Tried {final.number} times."
            raise final.error
        return final.response

    def _retry(self, first: Attempt, attempt, policy: settings.RetryPolicy, debug: bool,
               started: float) -> Attempt:
        """Hand a retryable first attempt to tenacity, which waits, retries and stops.

        tenacity (and the dataclasses module it imports) is loaded only here: most calls succeed
        at the first try, and a command-line run should not pay for the import. tenacity is
        given the first attempt's outcome as its own attempt 1, so its counting, waits and
        budget cover every attempt.
        """
        from tenacity import Retrying, retry_if_result, stop_after_attempt

        pending = [first]

        def next_attempt() -> Attempt:
            return pending.pop() if pending else attempt()

        def over_budget(state) -> bool:
            # Measured from the call's start, the first attempt included; stops before a wait
            # that would end past the budget.
            return time.monotonic() - started + (state.upcoming_sleep or 0) >= policy.total_budget

        retrying = Retrying(
            stop=stop_after_attempt(policy.max_retries + 1) | over_budget,
            wait=lambda state: self._wait(policy, state.outcome.result(), state.attempt_number),
            retry=retry_if_result(lambda result: result.retry_class in policy.retry_on),
            before_sleep=lambda state: log_retry(state.outcome.result(), policy.max_retries + 1,
                                                 state.next_action.sleep if state.next_action else 0.0,
                                                 debug),
            retry_error_callback=lambda state: state.outcome.result(),
            sleep=time.sleep,
        )
        return retrying(next_attempt)

    def _wait(self, policy: settings.RetryPolicy, result: Attempt, attempt_number: int) -> float:
        if policy.honour_retry_after and result.retry_after is not None:
            return min(result.retry_after, settings.RETRY_AFTER_CAP)
        if policy.exponential:
            return backoff_delay(attempt_number)
        return policy.fixed_delay

    def _attempt(self, number: int, request: HttpRequest, headers: dict[str, str], debug: bool,
                 remaining: float) -> Attempt:
        connect = request.connect_timeout or settings.CONNECT_TIMEOUT
        read = request.read_timeout or settings.READ_TIMEOUT
        # Never let one attempt outlive the call's whole budget.
        read = max(0.001, min(read, remaining))
        connect = max(0.001, min(connect, remaining))
        started = time.monotonic()
        response = None
        try:
            response = self.session.request(
                request.method, request.url, params=request.params or None, headers=headers,
                json=request.json_body, data=request.data, files=_multipart_files(request),
                timeout=(connect, read), stream=True, allow_redirects=False,
            )
            retry_class = classify_status(response.status_code)
            if retry_class is not None or not request.stream:
                _ = response.content  # read now, inside this attempt's timeouts
        except requests.exceptions.Timeout:
            outcome = Attempt(number, error=RequestTimeoutError(self._timeout_text(connect, read)),
                              retry_class=settings.TIMEOUT)
        except requests.exceptions.RequestException as exc:
            outcome = Attempt(number, error=NetworkError(self._network_text(exc)),
                              retry_class=settings.NETWORK)
        else:
            outcome = Attempt(number, response=response, retry_class=retry_class)
            if retry_class is not None:
                outcome.error = self._status_error(response)
                outcome.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        log_attempt(self.redactor, request, headers, outcome, time.monotonic() - started, debug)
        if outcome.error is not None and response is not None:
            response.close()
        return outcome

    def _timeout_text(self, connect: float, read: float) -> str:
        return (f"No answer from {self.connection.base_url} in time "
                f"(connect timeout {connect:g} s, read timeout {read:g} s).")

    def _network_text(self, exc: Exception) -> str:
        detail = str(exc)
        if "Name or service not known" in detail or "nodename nor servname" in detail \
                or "NameResolution" in detail or "getaddrinfo" in detail:
            what = "its host name could not be resolved"
        elif "refused" in detail.lower():
            what = "the connection was refused"
        elif "reset" in detail.lower() or "aborted" in detail.lower() or "IncompleteRead" in detail \
                or "ChunkedEncoding" in type(exc).__name__ or "closed" in detail.lower():
            what = "the connection broke before the answer was complete"
        else:
            what = "the network request failed"
        return f"Could not reach {self.connection.base_url}: {what}."

    def _status_error(self, response: requests.Response) -> ConnectorError:
        api_message = api_error_message(response)
        if api_message:
            api_message = self.redactor.text(api_message)
        request_id = next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)
        return error_for_status(response.status_code, api_message=api_message, request_id=request_id)

def _multipart_files(request: HttpRequest) -> list | None:
    if request.multipart is None:
        return None
    # A None file name makes requests send a plain form field, still inside multipart.
    return [(name, (filename, content, ctype) if ctype else (filename, content))
            for name, filename, content, ctype in request.multipart]


def api_error_message(response: requests.Response) -> str | None:
    """The API's own words from DeepSeek's error envelope, or a hint about a non-API body."""
    content = response.content or b""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
        if isinstance(body.get("message"), str):
            return body["message"]
        return None
    ctype = response.headers.get("Content-Type", "")
    if "html" in ctype.lower() or content.lstrip()[:1] == b"<":
        return "the server answered with an HTML page, likely from a proxy or gateway in between"
    text = content.decode("utf-8", "replace").strip()
    return text[:200] or None
