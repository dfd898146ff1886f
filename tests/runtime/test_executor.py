"""The shared executor over real HTTP: classification, waits, Retry-After, budget, timeouts."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from deepseek_connector.connections.api_key import ApiKeyConnection
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.errors import (
    AuthenticationError,
    InputError,
    InsufficientBalanceError,
    InvalidRequestError,
    NetworkError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from deepseek_connector.runtime.executor import (
    Executor,
    HttpRequest,
    backoff_delay,
    classify_status,
    parse_retry_after,
)
from deepseek_connector.runtime.redaction import Secret

from tests.conftest import FAKE_KEY

RETRY_ALL_TRANSIENT = frozenset({settings.NETWORK, settings.TIMEOUT, settings.SERVER,
                                 settings.RATE_LIMITED})


@pytest.fixture
def executor(emulator):
    instance = Executor(ApiKeyConnection(Secret(FAKE_KEY), emulator.url))
    yield instance
    instance.close()


def fixed(retries: int, delay: float, **extra) -> settings.RetryPolicy:
    return settings.RetryPolicy(max_retries=retries, retry_on=RETRY_ALL_TRANSIENT,
                                exponential=False, fixed_delay=delay, **extra)


def get_models(executor, emulator, **extra) -> HttpRequest:
    return HttpRequest("GET", f"{emulator.url}/models", **extra)


@pytest.mark.parametrize("status, expected", [
    (200, None), (204, None), (302, None), (400, settings.CLIENT), (401, settings.CLIENT),
    (402, settings.CLIENT), (422, settings.CLIENT), (429, settings.RATE_LIMITED),
    (500, settings.SERVER), (503, settings.SERVER), (504, settings.SERVER),
])
def test_statuses_are_classified(status, expected):
    assert classify_status(status) == expected


def test_success_sends_bearer_key_once(executor, emulator):
    response = executor.send(get_models(executor, emulator), fixed(2, 0))
    assert response.status_code == 200
    [received] = emulator.received("/models")
    assert received.header("Authorization") == f"Bearer {FAKE_KEY}"


def test_fixed_delay_waits_between_attempts(executor, emulator):
    emulator.add_fault(status=503, times=2)
    started = time.monotonic()
    response = executor.send(get_models(executor, emulator), fixed(2, 0.2))
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    stamps = [r.received_at for r in emulator.received("/models")]
    assert len(stamps) == 3
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert all(0.18 <= gap < 1.5 for gap in gaps), gaps
    assert elapsed >= 0.38


def test_last_error_is_raised_after_the_retries(executor, emulator):
    emulator.add_fault(status=503, times=5)
    with pytest.raises(ServerError) as caught:
        executor.send(get_models(executor, emulator), fixed(2, 0))
    assert caught.value.status == 503
    assert caught.value.attempts == 3
    assert "Tried 3 times." in str(caught.value)
    assert len(emulator.received("/models")) == 3


@pytest.mark.parametrize("status, error", [
    (400, InvalidRequestError), (401, AuthenticationError), (402, InsufficientBalanceError),
    (422, InvalidRequestError),
])
def test_user_errors_are_never_retried_by_the_standard_policy(executor, emulator, status, error):
    emulator.add_fault(status=status, times=3)
    with pytest.raises(error):
        executor.send(get_models(executor, emulator), settings.POLICIES["standard"])
    assert len(emulator.received("/models")) == 1


def test_backoff_grows_from_about_one_second_and_is_capped():
    for attempt in range(1, 12):
        base = min(settings.BACKOFF_INITIAL * settings.BACKOFF_MULTIPLIER ** (attempt - 1),
                   settings.BACKOFF_MAX)
        delays = [backoff_delay(attempt) for _ in range(200)]
        assert all(base * (1 - settings.BACKOFF_JITTER) <= d <= base for d in delays)
        assert len(set(delays)) > 1  # jittered
    assert backoff_delay(1) >= 0.75 and backoff_delay(50) <= settings.BACKOFF_MAX


def test_exponential_waits_are_real_and_growing(executor, emulator, monkeypatch):
    monkeypatch.setattr(settings, "BACKOFF_INITIAL", 0.1)
    monkeypatch.setattr(settings, "BACKOFF_JITTER", 0.0)
    emulator.add_fault(status=500, times=3)
    policy = settings.RetryPolicy(max_retries=3, retry_on=RETRY_ALL_TRANSIENT, exponential=True)
    executor.send(get_models(executor, emulator), policy)
    stamps = [r.received_at for r in emulator.received("/models")]
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(gaps) == 3
    for gap, expected in zip(gaps, (0.1, 0.2, 0.4), strict=True):
        assert expected * 0.9 <= gap < expected + 1.0, gaps


@pytest.mark.parametrize("header", ["0.4", "date"])
def test_retry_after_is_honoured(executor, emulator, header):
    value = formatdate(time.time() + 2, usegmt=True) if header == "date" else header
    emulator.add_fault(status=429, retry_after=value, times=1)
    executor.send(get_models(executor, emulator), fixed(1, 0))
    first, second = [r.received_at for r in emulator.received("/models")]
    low = 0.35 if header != "date" else 0.9  # an HTTP date has whole-second precision
    assert low <= second - first < 3.5


def test_retry_after_is_capped(executor, emulator, monkeypatch):
    monkeypatch.setattr(settings, "RETRY_AFTER_CAP", 0.3)
    emulator.add_fault(status=503, retry_after="3600", times=1)
    started = time.monotonic()
    executor.send(get_models(executor, emulator), fixed(1, 0))
    assert 0.25 <= time.monotonic() - started < 2.0


def test_budget_stops_retries_whose_wait_would_overrun_it(executor, emulator):
    emulator.add_fault(status=503, times=5)
    policy = fixed(5, 0.5, total_budget=0.8)
    started = time.monotonic()
    with pytest.raises(ServerError):
        executor.send(get_models(executor, emulator), policy)
    assert time.monotonic() - started < 1.5
    assert len(emulator.received("/models")) == 2  # the third try would start after 1.0 s


def test_rate_limit_error_after_retries(executor, emulator):
    emulator.add_fault(status=429, times=2)
    with pytest.raises(RateLimitError) as caught:
        executor.send(get_models(executor, emulator), fixed(1, 0))
    assert caught.value.status == 429


def test_read_timeout_is_a_timeout_error_and_retried(executor, emulator):
    emulator.add_fault(delay_ms=1500, times=2)
    request = get_models(executor, emulator, read_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        executor.send(request, fixed(1, 0))
    assert time.monotonic() - started < 1.5
    assert "read timeout 0.3 s" in str(caught.value)
    assert caught.value.attempts == 2


def test_connection_refused_is_a_network_error(closed_port):
    executor = Executor(ApiKeyConnection(Secret(FAKE_KEY), f"http://127.0.0.1:{closed_port}"))
    with pytest.raises(NetworkError) as caught:
        executor.send(HttpRequest("GET", f"http://127.0.0.1:{closed_port}/models"), fixed(1, 0.05))
    assert "connection was refused" in str(caught.value)
    assert caught.value.attempts == 2


def test_unknown_host_is_a_network_error():
    base = "http://no-such-host.invalid"
    executor = Executor(ApiKeyConnection(Secret(FAKE_KEY), base))
    with pytest.raises(NetworkError) as caught:
        executor.send(HttpRequest("GET", f"{base}/models"), fixed(0, 0))
    assert "could not be resolved" in str(caught.value)


def test_requests_to_another_origin_are_refused_before_sending(executor, recorder):
    with pytest.raises(InputError):
        executor.send(HttpRequest("GET", f"{recorder.url}/models"), fixed(0, 0))
    assert recorder.received == []


def test_one_pooled_connection_serves_sequential_calls(executor, emulator):
    before = emulator.connections_opened
    for _ in range(5):
        executor.send(get_models(executor, emulator), fixed(0, 0))
    assert emulator.connections_opened - before == 1


@pytest.mark.parametrize("value, expected", [
    ("2", 2.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), ("", None), (None, None),
])
def test_retry_after_parsing(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_http_date_in_the_past_is_zero():
    assert parse_retry_after(formatdate(time.time() - 60, usegmt=True)) == 0.0


def test_budget_counts_the_first_attempt_too(executor, emulator):
    emulator.add_fault(status=503, delay_ms=600, times=1)
    policy = fixed(3, 0.3, total_budget=0.8)
    with pytest.raises(ServerError) as caught:
        executor.send(get_models(executor, emulator), policy)
    assert caught.value.attempts == 1  # 0.6 s spent, a 0.3 s wait would end past 0.8 s


def test_tenacity_is_loaded_only_when_a_retry_is_needed():
    import subprocess
    import sys

    code = ("import sys; from deepseek_connector.emulator import Emulator; "
            "from deepseek_connector import load_connector\n"
            "with Emulator() as emu:\n"
            "    c = load_connector(); conn = {'apiKey': 'sk-test-x', 'baseUrl': emu.url}\n"
            "    c.run('listModels', {}, conn); print('tenacity' in sys.modules)\n"
            "    emu.add_fault(status=503, times=1); c.run('listModels', {}, conn)\n"
            "    print('tenacity' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_an_environment_proxy_is_honoured(recorder, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    monkeypatch.setenv("NO_PROXY", "")
    base = "http://api.deepseek.invalid"
    executor = Executor(ApiKeyConnection(Secret(FAKE_KEY), base))
    executor.send(HttpRequest("GET", f"{base}/models"), fixed(0, 0))
    [received] = recorder.received
    assert received["path"] == f"{base}/models"  # absolute form: it went through the proxy
    executor.close()


def test_no_proxy_is_honoured(emulator, monkeypatch, closed_port):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    executor = Executor(ApiKeyConnection(Secret(FAKE_KEY), emulator.url))
    assert executor.send(HttpRequest("GET", f"{emulator.url}/models"), fixed(0, 0)).status_code == 200
    executor.close()
