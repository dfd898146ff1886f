"""The shared executor over real HTTP: retries, waits (injected, asserted as literal values),
Retry-After, the deadline, timeouts, network failures, the origin check and pooling."""

from __future__ import annotations

import gc
import time
from email.utils import formatdate

import pytest
import requests
import urllib3

from deepseek_connector.connections.api_key import ApiKeyConnection
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.errors import (
    AuthenticationError,
    InputError,
    InsufficientBalanceError,
    InvalidRequestError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    UnreachableError,
)
from deepseek_connector.runtime.http import retries as retry
from deepseek_connector.runtime.http.client import Executor
from deepseek_connector.runtime.http.failures import parse_retry_after
from deepseek_connector.runtime.http.messages import HttpRequest
from deepseek_connector.runtime.http.retries import RetryPolicy
from deepseek_connector.runtime.http.transport.deadline import Deadline
from deepseek_connector.runtime.redaction import Secret
from tests.conftest import FAKE_KEY


@pytest.fixture
def slept() -> list[float]:
    return []


def make_executor(base_url: str, slept: list[float]) -> Executor:
    return Executor(ApiKeyConnection(Secret(FAKE_KEY), base_url), user_agent="deepseek-connector/test",
                    sleep=slept.append)


@pytest.fixture
def executor(emulator, slept):
    instance = make_executor(emulator.url, slept)
    yield instance
    instance.close()


def fixed(retries: int, delay: float, **extra) -> RetryPolicy:
    return RetryPolicy(max_retries=retries, exponential=False, fixed_delay=delay, **extra)


def models(emulator) -> HttpRequest:
    return HttpRequest("GET", f"{emulator.url}/models")


@pytest.fixture
def no_jitter(monkeypatch):
    monkeypatch.setattr(settings, "BACKOFF_JITTER", 0.0)


def test_success_sends_the_bearer_key_and_user_agent_once(executor, emulator, slept):
    response = executor.send(models(emulator), policy=fixed(2, 0))
    assert response.status == 200 and response.attempts == 1
    [received] = emulator.received("/models")
    assert received.header("Authorization") == f"Bearer {FAKE_KEY}"
    assert received.header("User-Agent") == "deepseek-connector/test"
    assert slept == []


def test_fixed_delay_is_waited_between_attempts(executor, emulator, slept):
    emulator.add_fault(status=503, times=2)
    response = executor.send(models(emulator), policy=fixed(2, 0.25))
    assert response.status == 200 and response.attempts == 3
    assert slept == [0.25, 0.25]
    assert len(emulator.received("/models")) == 3


def test_the_last_error_is_raised_after_the_retries(executor, emulator, slept):
    emulator.add_fault(status=503, times=5)
    with pytest.raises(ServerError) as caught:
        executor.send(models(emulator), policy=fixed(2, 0))
    assert caught.value.status == 503 and caught.value.attempts == 3
    assert "Tried 3 times." in str(caught.value)
    assert len(emulator.received("/models")) == 3 and slept == [0, 0]


@pytest.mark.parametrize("status, error", [
    (400, InvalidRequestError), (401, AuthenticationError), (402, InsufficientBalanceError),
    (422, InvalidRequestError),
])
def test_user_errors_are_not_retried_unless_all_errors_are(executor, emulator, slept, status, error):
    emulator.add_fault(status=status, times=3)
    with pytest.raises(error):
        executor.send(models(emulator), policy=RetryPolicy(max_retries=2))
    assert len(emulator.received("/models")) == 1 and slept == []
    with pytest.raises(error) as caught:
        executor.send(models(emulator), policy=RetryPolicy(max_retries=1, retry_all_errors=True))
    assert caught.value.attempts == 2


def test_exponential_backoff_doubles_from_one_second_and_is_capped(executor, emulator, slept, no_jitter,
                                                                   monkeypatch):
    monkeypatch.setattr(settings, "BACKOFF_MAX", 4.0)
    emulator.add_fault(status=500, times=5)
    executor.send(models(emulator), policy=RetryPolicy(max_retries=5, exponential=True))
    assert slept == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_shortens_each_wait_by_up_to_a_quarter(monkeypatch):
    monkeypatch.setattr(retry.random, "random", lambda: 1.0)
    assert retry.backoff(1) == 0.75 and retry.backoff(3) == 3.0
    monkeypatch.setattr(retry.random, "random", lambda: 0.0)
    assert retry.backoff(2) == 2.0


@pytest.mark.parametrize("header, expected", [("2.5", 2.5), ("0", 0.0)])
def test_retry_after_seconds_replace_the_backoff(executor, emulator, slept, header, expected):
    emulator.add_fault(status=429, retry_after=header, times=1)
    executor.send(models(emulator), policy=RetryPolicy(max_retries=1))
    assert slept == [expected]


def test_retry_after_as_an_http_date(executor, emulator, slept):
    emulator.add_fault(status=503, retry_after=formatdate(time.time() + 5, usegmt=True), times=1)
    executor.send(models(emulator), policy=RetryPolicy(max_retries=1))
    [wait] = slept
    assert 3.5 <= wait <= 5.0  # an HTTP date has whole-second precision


def test_retry_after_past_the_cap_stops_at_once_with_the_reason(executor, emulator, slept):
    emulator.add_fault(status=429, retry_after="3600", times=1)
    with pytest.raises(RateLimitError) as caught:
        executor.send(models(emulator), policy=RetryPolicy(max_retries=3))
    assert slept == [] and len(emulator.received("/models")) == 1
    assert "asked to wait 3600 s" in str(caught.value)
    assert "longer than the connector waits (60 s)" in str(caught.value)


def test_a_wait_that_would_end_past_the_deadline_is_not_started(executor, emulator, slept):
    emulator.add_fault(status=503, times=3)
    with pytest.raises(ServerError) as caught:
        executor.send(models(emulator), policy=fixed(3, 5.0), deadline=Deadline(3.0))
    assert slept == [] and caught.value.attempts == 1


def test_the_deadline_counts_the_first_attempt_too(executor, emulator, slept):
    emulator.add_fault(status=503, delay_ms=600, times=1)
    with pytest.raises(ServerError) as caught:
        executor.send(models(emulator), policy=fixed(3, 0.3), deadline=Deadline(0.8))
    assert caught.value.attempts == 1 and slept == []  # 0.6 s spent: a 0.3 s wait would end past 0.8 s


def test_a_silent_server_is_a_timeout_per_attempt_and_is_retried(executor, emulator, slept, monkeypatch):
    monkeypatch.setattr(settings, "READ_TIMEOUT", 0.3)
    emulator.add_fault(delay_ms=1500, times=2)
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        executor.send(models(emulator), policy=fixed(1, 0))
    assert time.monotonic() - started < 1.5
    assert "sent nothing for 0.3 s" in str(caught.value) and caught.value.attempts == 2


def test_a_refused_connection_is_not_retried_unless_all_errors_are(closed_port, slept):
    executor = make_executor(f"http://127.0.0.1:{closed_port}", slept)
    request = HttpRequest("GET", f"http://127.0.0.1:{closed_port}/models")
    with pytest.raises(UnreachableError) as caught:
        executor.send(request, policy=fixed(2, 0.05))
    assert "connection was refused" in str(caught.value) and caught.value.attempts == 1
    with pytest.raises(UnreachableError) as caught:
        executor.send(request, policy=fixed(2, 0.05, retry_all_errors=True))
    assert caught.value.attempts == 3 and slept == [0.05, 0.05]


def test_an_unknown_host_is_unreachable(slept):
    base = "http://no-such-host.invalid"
    with pytest.raises(UnreachableError) as caught:
        make_executor(base, slept).send(HttpRequest("GET", f"{base}/models"), policy=fixed(2, 0))
    assert "could not be resolved" in str(caught.value) and caught.value.attempts == 1


@pytest.mark.parametrize("session", [None, requests.Session], ids=["own session", "host session"])
def test_requests_to_another_origin_are_refused_before_sending(emulator, recorder, session):
    executor = Executor(ApiKeyConnection(Secret(FAKE_KEY), emulator.url), session=session and session())
    try:
        with pytest.raises(InputError, match="must be on the connection's Base URL"):
            executor.send(HttpRequest("GET", f"{recorder.url}/models"))
        port = recorder.url.rsplit(":", 1)[1]
        # The same place to urllib3, which decodes the host's escapes; another to urllib.parse.
        with pytest.raises(InputError, match="read as two different addresses"):
            executor.send(HttpRequest("GET", f"http://%31%32%37.0.0.1:{port}/models"))
    finally:
        executor.close()
    assert recorder.received == [] and emulator.received() == []


def test_a_host_sessions_proxies_take_part(recorder, slept):
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"http": recorder.url}
    base = "http://api.deepseek.invalid"
    executor = Executor(ApiKeyConnection(Secret(FAKE_KEY), base), session=session, sleep=slept.append)
    try:
        assert executor.send(HttpRequest("GET", f"{base}/models")).status == 200
    finally:
        executor.close()
    [received] = recorder.received
    assert received["path"] == f"{base}/models"  # absolute form: it went through the proxy
    assert received["headers"]["Authorization"] == f"Bearer {FAKE_KEY}"


def test_a_user_authorization_header_never_replaces_the_key(executor, emulator):
    executor.send(HttpRequest("GET", f"{emulator.url}/models", headers={"authorization": "Basic xyz"}))
    [received] = emulator.received("/models")
    assert received.header("Authorization") == f"Bearer {FAKE_KEY}"


def test_one_pooled_connection_serves_sequential_calls(executor, emulator):
    before = emulator.connections_opened
    for _ in range(5):
        executor.send(models(emulator))
    assert emulator.connections_opened - before == 1


@pytest.mark.parametrize("value, expected", [
    ("2", 2.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), ("", None), (None, None), ("nan", None),
])
def test_retry_after_parsing(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_http_date_in_the_past_is_zero():
    assert parse_retry_after(formatdate(time.time() - 60, usegmt=True)) == 0.0


def test_an_environment_proxy_is_honoured(recorder, monkeypatch, slept):
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    monkeypatch.setenv("NO_PROXY", "")
    base = "http://api.deepseek.invalid"
    executor = make_executor(base, slept)
    executor.send(HttpRequest("GET", f"{base}/models"))
    [received] = recorder.received
    assert received["path"] == f"{base}/models"  # absolute form: it went through the proxy
    executor.close()


def test_no_proxy_is_honoured(emulator, monkeypatch, closed_port, slept):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    executor = make_executor(emulator.url, slept)
    assert executor.send(models(emulator)).status == 200
    executor.close()


def test_a_finished_call_keeps_no_answer_alive_until_its_deadline(executor, emulator):
    """The watchdog holds each attempt's guard until its deadline; what a guard held of the
    answers must go when the attempt ends, or a long Timeout keeps every answer in memory."""
    for _ in range(40):
        executor.send(models(emulator), deadline=Deadline(600))
    gc.collect()
    alive = [item for item in gc.get_objects() if isinstance(item, urllib3.HTTPResponse)]
    assert len(alive) < 10
