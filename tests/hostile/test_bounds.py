"""Every call is bounded in memory (size limits, decompressed bytes counted) and in time (a deadline)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.hostile.conftest import KEY, cli
from tests.hostile.server import make_bomb

SLACK = 1.0  # seconds past the deadline a call may take to notice and unwind
CHAT = {"model": "deepseek-flash", "messages": "hi"}

CHILD = r"""
import json, sys
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from deepseek_connector import load_connector
from deepseek_connector.runtime.errors import ConnectorError
connector = load_connector()
action, inputs, conn = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
connector.run("listModels", {}, {**conn, "baseUrl": sys.argv[4]})  # warm: everything imported
before = hwm()
try:
    connector.run(action, inputs, conn)
    outcome = {"kind": None}
except ConnectorError as error:
    outcome = error.to_dict()
outcome.update(before_kib=before, after_kib=hwm())
print(json.dumps(outcome))
"""


def in_child(action: str, inputs: dict, base_url: str, warm_url: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, action, json.dumps(inputs),
                           json.dumps({"apiKey": KEY, "baseUrl": base_url}), warm_url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def growth_mib(outcome: dict) -> float:
    return (outcome["after_kib"] - outcome["before_kib"]) / 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return make_bomb(1 << 30)  # 1 GiB of zeros in about 1 MiB


def test_a_1_gib_body_stops_at_the_size_limit_with_bounded_memory(hostile, emulator):
    outcome = in_child("rawRequest", {"url": "/big", "method": "GET"}, hostile.url, emulator.url)
    assert outcome["kind"] == "bad_response"
    assert "Max Response Size (MB)" in outcome["message"] and "64" in outcome["message"]
    assert growth_mib(outcome) < 100, outcome


def test_a_small_content_length_beside_chunked_framing_is_not_trusted(hostile, emulator):
    # The body's framing is chunked, so its stated length means nothing: reading must still count.
    outcome = in_child("rawRequest", {"url": "/lying-length", "method": "GET", "maxResponseMB": 4},
                       hostile.url, emulator.url)
    assert outcome["kind"] == "bad_response" and "4 MB" in outcome["message"]
    assert growth_mib(outcome) < 40, outcome


def test_a_gzip_bomb_counts_decompressed_bytes(hostile, emulator, bomb):
    hostile.bomb = bomb
    outcome = in_child("rawRequest", {"url": "/gzip-bomb", "method": "GET", "maxResponseMB": 8},
                       hostile.url, emulator.url)
    assert outcome["kind"] == "bad_response" and "8 MB" in outcome["message"]
    assert growth_mib(outcome) < 40, outcome


@pytest.mark.parametrize("action", ["listModels", "getUserBalance", "createChatCompletion"])
def test_every_action_has_the_size_limit(connector, hostile, conn, action):
    hostile.big_bytes = 3 << 20
    hostile.aliases.update({"/models": "/big", "/balance": "/big", "/completions": "/big"})
    inputs = {**(CHAT if action == "createChatCompletion" else {}), "maxResponseMB": 1}
    with pytest.raises(ConnectorError) as caught:
        connector.run(action, inputs, conn)
    assert caught.value.kind == "bad_response" and "Max Response Size (MB)" in str(caught.value)


def test_one_endless_sse_line_hits_the_event_limit(hostile, emulator):
    hostile.aliases["/completions"] = "/huge-event"
    outcome = in_child("createChatCompletion", {**CHAT, "stream": True}, hostile.url, emulator.url)
    assert outcome["kind"] == "bad_response" and "one event" in outcome["message"].lower()
    assert growth_mib(outcome) < 60, outcome


def test_an_endless_stream_hits_the_answer_limit(connector, hostile, conn):
    hostile.aliases["/completions"] = "/endless-stream"
    with pytest.raises(ConnectorError) as caught:
        connector.run("createChatCompletion", {**CHAT, "stream": True, "maxResponseMB": 0.05}, conn)
    assert caught.value.kind == "bad_response" and "Max Response Size (MB)" in str(caught.value)
    assert caught.value.partial["choices"][0]["message"]["content"].startswith("tok tok")


def elapsed(work) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        work()
    except ConnectorError as error:
        return time.monotonic() - started, error
    return time.monotonic() - started, None


@pytest.mark.parametrize("route", ["/trickle", "/trickle-headers", "/hang"])
def test_raw_request_timeout_is_a_deadline_not_a_per_read_limit(connector, hostile, conn, route):
    took, error = elapsed(lambda: connector.run("rawRequest", {"url": route, "method": "GET",
                                                               "timeout": 1000, "maxRetries": 3}, conn))
    assert error is not None and error.kind == "timeout", error
    assert took < 1 + SLACK, took
    assert "Timeout" in str(error)


@pytest.mark.parametrize("route", ["/endless-stream", "/endless-keepalive"])
def test_streams_that_never_end_stop_at_the_deadline_with_the_partial_answer(connector, hostile, conn, route):
    hostile.aliases["/completions"] = route
    took, error = elapsed(lambda: connector.run("createChatCompletion",
                                                {**CHAT, "stream": True, "timeout": 1}, conn))
    assert error is not None and error.kind == "timeout", error
    assert took < 1 + SLACK, took
    assert error.partial["choices"][0]["message"]["content"]
    assert error.to_dict()["partial"] == error.partial


@pytest.mark.parametrize("route", ["/hold-after-done", "/trickle-after-done"])
def test_after_done_the_result_returns_at_once(connector, hostile, conn, route):
    hostile.aliases["/completions"] = route
    # A Timeout of 5 s: held to it, the call would end in a timeout error rather than hang.
    inputs = {**CHAT, "stream": True, "timeout": 5}
    took, error = elapsed(lambda: connector.run("createChatCompletion", inputs, conn))
    assert error is None and took < 1.0, (took, error)


@pytest.mark.parametrize("work", ["check", "listModels", "selectModel", "getUserBalance"])
def test_a_hung_server_is_bounded_by_each_actions_timeout(connector, hostile, conn, work):
    hostile.aliases.update({"/models": "/hang", "/balance": "/hang"})
    if work == "check":
        took, error = elapsed(lambda: connector.check_connection(conn, {"timeout": 1}))
        assert error is None
    else:
        took, error = elapsed(lambda: connector.run(work, {"timeout": 1}, conn))
        assert error is not None and error.kind == "timeout"
        assert "raise the Timeout" in str(error)
    assert took < 1 + SLACK, took


def test_the_check_reports_a_hung_server_as_unreachable(connector, hostile, conn):
    hostile.aliases["/models"] = "/hang"
    result = connector.check_connection(conn, {"timeout": 0.5})["data"]
    assert result["valid"] is False and result["reason"] == "timeout"


@pytest.mark.parametrize("wait, timeout", [("3600", 600), ("30", 2)])
def test_retry_after_past_the_cap_or_the_deadline_stops_now(connector, hostile, conn, wait, timeout):
    hostile.aliases["/models"] = "/retry-after"
    hostile.retry_after = wait
    took, error = elapsed(lambda: connector.run("listModels", {"timeout": timeout}, conn))
    assert error is not None and error.kind == "rate_limited"
    assert took < 1.0 and len(hostile.received) == 1
    assert f"asked to wait {wait} s" in str(error)


def test_cli_deadline(hostile):
    started = time.monotonic()
    done = cli("run", "rawRequest", "-i", "url=/trickle", "-i", "method=GET", "-i", "timeout=1000",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 1 and "Timeout" in done.stderr
    assert time.monotonic() - started < 1 + SLACK + 1.5  # plus the interpreter's start


def test_cli_check_has_a_timeout_input(hostile):
    hostile.aliases["/models"] = "/hang"
    started = time.monotonic()
    done = cli("check", "-i", "timeout=1", env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 1 and json.loads(done.stdout)["data"]["reason"] == "timeout"
    assert time.monotonic() - started < 1 + SLACK + 1.5


def test_cli_size_limit(hostile):
    done = cli("run", "rawRequest", "-i", "url=/big", "-i", "method=GET", "-i", "maxResponseMB=1",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 1 and "larger than the Max Response Size (MB) of 1 MB" in done.stderr


def test_waiting_for_a_free_pooled_connection_is_bounded_by_the_deadline(hostile):
    from deepseek_connector.connections.api_key import ApiKeyConnection
    from deepseek_connector.runtime.http.client import Executor
    from deepseek_connector.runtime.http.messages import HttpRequest
    from deepseek_connector.runtime.http.transport.deadline import Deadline
    from deepseek_connector.runtime.redaction import Secret

    executor = Executor(ApiKeyConnection(Secret(KEY), hostile.url), pool_size=1)
    # The pool's one connection is held by an answer that never ends.
    held = executor.send(HttpRequest("POST", f"{hostile.url}/endless-stream", stream=True),
                         deadline=Deadline(30))
    outcome: list = []
    # In a thread, so that a wait the deadline does not bound fails this test instead of hanging it.
    waiter = threading.Thread(target=lambda: outcome.append(elapsed(lambda: executor.send(
        HttpRequest("GET", f"{hostile.url}/models"), deadline=Deadline(0.5)))), daemon=True)
    waiter.start()
    waiter.join(0.5 + SLACK)
    held.close()  # frees the connection, so the thread ends either way
    waiter.join(5)
    executor.close()
    [(took, error)] = outcome
    assert isinstance(error, ConnectorError) and error.kind == "timeout", error
    assert "Timeout of 0.5 s ran out" in str(error)
    assert took < 0.5 + SLACK, took
