"""A platform's own requests Session, as a careless or hostile platform configures it: hooks that
raise, swap or read the answer, adapters of its own, several tenants sharing it. The connector's
pool, deadline and size limit hold, every failure is a ConnectorError, and the platform's Session
is left as it was."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import requests

from deepseek_connector import load_connector
from deepseek_connector.runtime.errors import ConnectorError, DeadlineError, NotFoundError, ResponseError
from tests.hostile.conftest import KEY

POOL = 16  # the connector's pool per connection: more leaked connections than this would hang
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
    connector = load_connector(session=session)
    started = time.monotonic()
    try:
        # 30 stated bytes, one every 0.5 s: the deadline is checked between reads.
        with pytest.raises(DeadlineError):
            connector.run("rawRequest", {"url": "/trickle-known-length", "method": "GET", "timeout": 1000},
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
