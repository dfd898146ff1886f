"""A platform's own requests Session, as a careless or hostile platform configures it: hooks that
raise, swap or read the answer, adapters of its own, several tenants sharing it. The connector's
pool, deadline and size limit hold, every failure is a ConnectorError, and the platform's Session
is left as it was."""

from __future__ import annotations

import asyncio
import gzip
import logging
import sys
import threading
import time

import pytest
import requests
import requests_mock

from deepseek_connector import load_connector
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.errors import ConnectorError, DeadlineError, NotFoundError, ResponseError
from tests.hostile.conftest import KEY

POOL = settings.POOL_SIZE  # the pool per connection: more leaked connections than this would hang
ERROR_BODY = b'{"error": {"message": "no such thing"}}'


def answer_by_path(request: dict) -> tuple[int, dict, bytes]:
    if request["path"].startswith("/missing"):
        return 404, {"Content-Type": "application/json"}, ERROR_BODY
    return 200, {"Content-Type": "application/json", "Set-Cookie": "tenant=a"}, b'{"object":"list","data":[]}'


def with_hook(hook) -> requests.Session:
    session = requests.Session()
    session.hooks["response"].append(hook)
    return session


@pytest.fixture
def keepalive(recorder):
    """The recording server (keep-alive, so a leaked connection stays leaked)."""
    recorder.responder = answer_by_path
    return recorder


def test_a_hook_that_raises_is_reported_once_and_leaves_no_connection_behind(keepalive):
    connector = load_connector(session=with_hook(lambda response, **kwargs: response.raise_for_status()))
    connection = {"apiKey": KEY, "baseUrl": keepalive.url}
    try:
        for _ in range(POOL + 4):
            with pytest.raises(ConnectorError) as caught:
                connector.run("rawRequest", {"url": "/missing", "method": "GET", "timeout": 2000}, connection)
            assert caught.value.kind == "connector_error" and caught.value.attempts == 1
            assert "response hook of the platform's requests Session failed (HTTPError)" in str(caught.value)
        # Not taken for a broken connection: never retried.
        assert len(keepalive.received) == POOL + 4
        assert connector.run("listModels", {"timeout": 2}, connection)["data"]["object"] == "list"
    finally:
        connector.close()


def test_a_hook_that_hands_back_another_answer_leaves_no_connection_behind(keepalive):
    def sent_again(response, **kwargs):
        return response.connection.send(response.request, **kwargs)

    connector = load_connector(session=with_hook(sent_again))
    connection = {"apiKey": KEY, "baseUrl": keepalive.url}
    try:
        for _ in range(POOL + 4):
            data = connector.run("listModels", {"timeout": 2}, connection)["data"]
            assert data == {"object": "list", "data": []}
    finally:
        connector.close()
    assert len(keepalive.received) == 2 * (POOL + 4)


def test_a_hook_that_read_the_body_leaves_it_readable_within_the_limit(hostile, keepalive):
    def reads_it(response, **kwargs):
        assert response.content is not None  # a logging hook, say

    session = with_hook(reads_it)
    connector = load_connector(session=session)
    try:
        data = connector.run("listModels", {}, {"apiKey": KEY, "baseUrl": keepalive.url})["data"]
        assert data == {"object": "list", "data": []}
        hostile.big_bytes = 3 * 2**20
        with pytest.raises(ResponseError, match="larger than the Max Response Size"):
            connector.run("rawRequest", {"url": "/big", "method": "GET", "maxResponseMB": 1},
                          {"apiKey": KEY, "baseUrl": hostile.url})
    finally:
        connector.close()


def test_a_hook_that_hands_back_an_answer_without_a_body_is_a_typed_error(keepalive):
    def bodiless(response, **kwargs):
        made = requests.Response()
        made.status_code, made.request = 200, response.request
        return made

    connector = load_connector(session=with_hook(bodiless))
    try:
        with pytest.raises(ResponseError, match="could not be read"):
            connector.run("listModels", {"timeout": 2}, {"apiKey": KEY, "baseUrl": keepalive.url})
    finally:
        connector.close()


def test_a_hook_that_hands_back_something_else_is_a_typed_error(keepalive):
    connector = load_connector(session=with_hook(lambda response, **kwargs: response.content))
    try:
        for _ in range(POOL + 4):
            with pytest.raises(ConnectorError, match=r"Session failed \(TypeError\)"):
                connector.run("listModels", {"timeout": 2}, {"apiKey": KEY, "baseUrl": keepalive.url})
    finally:
        connector.close()


def test_the_platform_session_is_left_as_it_was(keepalive):
    session = requests.Session()
    adapters = dict(session.adapters)
    connector = load_connector(session=session)
    try:
        connector.run("listModels", {}, {"apiKey": KEY, "baseUrl": keepalive.url})
        # The connector's adapter is not mounted on it: the platform's own calls stay its own.
        assert session.adapters == adapters and all(session.adapters[k] is v for k, v in adapters.items())
    finally:
        connector.close()
    assert len(session.cookies) == 0  # the answer's Set-Cookie was not kept for the platform
    assert session.get(f"{keepalive.url}/models", timeout=5).status_code == 200


def test_tenants_sharing_a_session_keep_the_deadline_after_one_closes(hostile):
    session = requests.Session()
    first, second = load_connector(session=session), load_connector(session=session)
    connection = {"apiKey": KEY, "baseUrl": hostile.url}
    try:
        for tenant in (first, second):  # each has its executor for the connection
            with pytest.raises(NotFoundError):
                tenant.run("rawRequest", {"url": "/no-such-route", "method": "GET"}, connection)
        first.close()
        outcome: list[BaseException] = []

        def call() -> None:
            try:
                second.run("rawRequest", {"url": "/trickle-headers", "method": "GET", "timeout": 1000},
                           connection)
            except BaseException as error:  # noqa: BLE001 - what the call ended with is checked below
                outcome.append(error)

        # Header bytes trickle in forever: only the connector's watchdog ends such a call (on a
        # thread, so that a call that never ends fails this test rather than hanging the suite).
        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(2.5)
        assert not worker.is_alive(), "the call went on past its Timeout"
        assert [type(error) for error in outcome] == [DeadlineError]
    finally:
        second.close()


def test_a_platform_adapter_without_the_watchdog_still_ends_at_the_timeout(hostile):
    class PlatformAdapter(requests.adapters.HTTPAdapter):
        pass

    session = requests.Session()
    session.mount("http://", PlatformAdapter())
    # 30 stated bytes, one every 0.5 s: the deadline is checked between reads.
    assert_ends_at_a_1_s_timeout(session, hostile, "/trickle-known-length")


def assert_ends_at_a_1_s_timeout(session: requests.Session, hostile, path: str) -> None:
    connector = load_connector(session=session)
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineError):
            connector.run("rawRequest", {"url": path, "method": "GET", "timeout": 1000},
                          {"apiKey": KEY, "baseUrl": hostile.url})
    finally:
        connector.close()
    assert time.monotonic() - started < 3


def test_the_debug_log_does_not_show_the_platform_session_headers(keepalive, caplog):
    caplog.set_level(logging.DEBUG)
    session = requests.Session()
    session.headers["X-Gateway-Key"] = "gw-platform-secret-value"
    connector = load_connector(session=session)
    try:
        connector.run("rawRequest", {"url": "/models", "method": "GET", "debugRequest": True,
                                     "headers": {"X-Step": "step-value"}},
                      {"apiKey": KEY, "baseUrl": keepalive.url})
    finally:
        connector.close()
    assert keepalive.received[0]["headers"]["X-Gateway-Key"] == "gw-platform-secret-value"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "X-Gateway-Key" in logged and "step-value" in logged
    assert "gw-platform" not in logged


def gzip_answer(request: dict) -> tuple[int, dict, bytes]:
    body = gzip.compress(b'{"object":"list","data":[]}')
    return 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, body


def test_a_gzip_body_a_hook_read_is_not_inflated_twice(recorder):
    recorder.responder = gzip_answer

    def reads_it(response, **kwargs):
        assert response.content  # a logging hook, or instrumentation, reading the body

    connector = load_connector(session=with_hook(reads_it))
    try:
        data = connector.run("listModels", {}, {"apiKey": KEY, "baseUrl": recorder.url})["data"]
    finally:
        connector.close()
    assert data == {"object": "list", "data": []}


@pytest.mark.parametrize("raised", [asyncio.CancelledError, KeyboardInterrupt])
def test_a_hook_cancelled_or_interrupted_leaves_no_connection_behind(keepalive, raised):
    cancel = [True]

    def hook(response, **kwargs):
        if cancel[0]:
            raise raised()

    connector = load_connector(session=with_hook(hook))
    connection = {"apiKey": KEY, "baseUrl": keepalive.url}
    try:
        for _ in range(POOL + 2):
            with pytest.raises(raised):  # cancellation goes on as it is
                connector.run("listModels", {"timeout": 2}, connection)
        cancel[0] = False
        assert connector.run("listModels", {"timeout": 2}, connection)["data"]["object"] == "list"
    finally:
        connector.close()


class Recording:
    """A hook's wrapper around the answer's stream (progress, recording)."""

    def __init__(self, raw):
        self._raw = raw

    def __getattr__(self, name):
        return getattr(self._raw, name)


@pytest.mark.parametrize("swap", ["wrapped", "dropped", "partly read"])
def test_a_hook_that_swaps_or_reads_the_stream_is_a_typed_error_and_leaks_nothing(keepalive, swap):
    def hook(response, **kwargs):
        if swap == "wrapped":
            response.raw = Recording(response.raw)
        elif swap == "dropped":
            response.raw = None
        else:
            response.raw.read(5)

    connector = load_connector(session=with_hook(hook))
    connection = {"apiKey": KEY, "baseUrl": keepalive.url}
    try:
        for _ in range(POOL + 2):
            with pytest.raises(ResponseError, match="could not be read"):
                connector.run("listModels", {"timeout": 2}, connection)
    finally:
        connector.close()
    fresh = load_connector(session=requests.Session())
    try:  # the server is fine: only the hook was wrong
        assert fresh.run("listModels", {"timeout": 2}, connection)["data"]["object"] == "list"
    finally:
        fresh.close()


def test_a_hook_that_sends_again_and_fails_leaks_neither_answer(keepalive):
    def refresh_and_retry(response, **kwargs):
        again = response.connection.send(response.request, **kwargs)
        again.raise_for_status()
        return again

    connector = load_connector(session=with_hook(refresh_and_retry))
    connection = {"apiKey": KEY, "baseUrl": keepalive.url}
    try:
        for _ in range(POOL):
            with pytest.raises(ConnectorError, match="HTTPError"):
                connector.run("rawRequest", {"url": "/missing", "method": "GET", "timeout": 2000}, connection)
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            connector.run("listModels", {"timeout": 3}, connection))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert [result["data"]["object"] for result in results] == ["list"] * 4
    finally:
        connector.close()


def test_a_hook_sending_again_through_the_platform_session_still_ends_at_the_timeout(hostile):
    session = requests.Session()
    # An answer fetched by the hook, outside the connector's pool: no watchdog holds it.
    session.hooks["response"].append(
        lambda response, **kwargs: session.send(requests.Request("GET", f"{hostile.url}/trickle-known-length")
                                                .prepare(), stream=True, timeout=5))
    assert_ends_at_a_1_s_timeout(session, hostile, "/no-such-route")


def test_the_debug_log_hides_a_platform_header_the_session_changed_during_the_call(keepalive, caplog):
    caplog.set_level(logging.DEBUG)
    session = requests.Session()
    session.headers["X-Gateway-Token"] = "gw-token-one-secret"

    def refresh(response, **kwargs):
        session.headers["X-Gateway-Token"] = "gw-token-two-secret"

    session.hooks["response"].append(refresh)
    connector = load_connector(session=session)
    try:
        connector.run("listModels", {"debugRequest": True}, {"apiKey": KEY, "baseUrl": keepalive.url})
    finally:
        connector.close()
    assert keepalive.received[0]["headers"]["X-Gateway-Token"] == "gw-token-one-secret"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "X-Gateway-Token" in logged and "gw-token" not in logged


def test_a_platform_thread_changing_the_session_while_calls_run(keepalive):
    session = requests.Session()
    for number in range(30):
        session.headers[f"X-Platform-{number}"] = "v"
    session.headers["Accept-Encoding"] = None  # requests leaves out a header set to None
    connector = load_connector(session=session)
    stop = threading.Event()

    def platform() -> None:
        while not stop.is_set():
            session.headers["X-Request-Id"] = "1"
            del session.headers["X-Request-Id"]
            session.mount(f"{keepalive.url}/other/", requests.adapters.HTTPAdapter())

    changer = threading.Thread(target=platform, daemon=True)
    changer.start()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # makes the race frequent
    try:
        outcomes = [connector.run("listModels", {"timeout": 5},
                                  {"apiKey": KEY, "baseUrl": keepalive.url})["data"]["object"]
                    for _ in range(150)]
    finally:
        sys.setswitchinterval(switch)
        stop.set()
        changer.join()
        connector.close()
    assert outcomes == ["list"] * 150
    assert "Accept-Encoding" not in keepalive.received[0]["headers"] or \
        keepalive.received[0]["headers"]["Accept-Encoding"] != "None"


def test_requests_mock_leaves_a_host_session_connector_working(keepalive):
    connector = load_connector(session=requests.Session())
    connection = {"apiKey": KEY, "baseUrl": keepalive.url}
    try:
        with requests_mock.Mocker(real_http=True) as mock:
            mock.get("http://other.test/", text="x")
            assert connector.run("listModels", {}, connection)["data"]["object"] == "list"
        assert connector.run("listModels", {}, connection)["data"]["object"] == "list"
    finally:
        connector.close()


def test_a_hook_reading_a_stalled_body_ends_as_a_timeout(hostile):
    def reads_it(response, **kwargs):
        assert response.content is not None

    # Header bytes arrive, then a body that never ends: the hook is reading when time runs out.
    assert_ends_at_a_1_s_timeout(with_hook(reads_it), hostile, "/trickle")
