"""Fault suite: injected faults against every action of the manifest, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from email.utils import formatdate

import pytest

from deepseek_connector import load_connector
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.errors import (
    AuthenticationError,
    ConnectorError,
    DeadlineError,
    InsufficientBalanceError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ResponseError,
    ServerError,
)
from tests.conftest import FAKE_KEY
from tests.examples import required_inputs
from tests.reliability.figures import count

CONNECTOR = load_connector()
CHAT = {"model": "deepseek-v4-flash", "messages": "Ping"}
# Every action and data source of the manifest, each with the same retries (Raw Request's
# defaults are the anchor's: none), so that each meets the same faults the same way.
RETRIES = {"maxRetries": "2", "useExponentialBackoff": "true"}
ACTIONS = {key: {**required_inputs(CONNECTOR.spec(key)), **RETRIES}
           for key in CONNECTOR.action_keys() + CONNECTOR.data_source_keys()}
STREAMING = [key for key in ACTIONS
             if CONNECTOR.spec(key).request and CONNECTOR.spec(key).request.stream_input]
TRANSIENT = [
    pytest.param({"status": 429}, id="429"),
    pytest.param({"status": 429, "retry_after": "0.2"}, id="429-retry-after-seconds"),
    pytest.param({"status": 429, "retry_after": "date"}, id="429-retry-after-date"),
    pytest.param({"status": 500}, id="500"),
    pytest.param({"status": 502, "body": "<html><h1>502 Bad Gateway</h1></html>"}, id="502-html"),
    pytest.param({"status": 503}, id="503"),
    pytest.param({"status": 504}, id="504"),
    pytest.param({"drop": "mid_body"}, id="reset-mid-body"),
]
FINAL_ERROR = {429: RateLimitError, 500: ServerError, 502: ServerError, 503: ServerError,
               504: ServerError, None: NetworkError}


@pytest.fixture
def quick_backoff(monkeypatch):
    monkeypatch.setattr(settings, "BACKOFF_INITIAL", 0.05)
    monkeypatch.setattr(settings, "BACKOFF_MAX", 0.2)


def fault_settings(fault: dict) -> dict:
    fault = dict(fault)
    if fault.get("retry_after") == "date":
        fault["retry_after"] = formatdate(time.time() + 1, usegmt=True)
    return fault


def run(connector, connection, action):
    return connector.run(action, with_a_file(ACTIONS[action], connection), connection)


def with_a_file(inputs: dict, connection: dict) -> dict:
    """Inputs naming a file (Get File, Delete File) name one the emulator holds for the key: put
    in its store directly, so that no request is counted."""
    if "file_id" not in inputs:
        return inputs
    from deepseek_connector.emulator.files import Part

    picture = Part("file", "dot.png", head=bytearray(b"\x89PNG\r\n\x1a\n"))
    picture.size = len(picture.head)
    emulator = THE_EMULATOR.get("server")
    if emulator is None or connection["baseUrl"] != emulator.url:
        return inputs  # another server: it never answers, the id does not matter
    purpose = Part("purpose", None, 9, bytearray(b"user_data"))
    stored = emulator.files.upload(connection["apiKey"], [purpose, picture])
    return {**inputs, "file_id": stored["id"]}


THE_EMULATOR: dict = {}


@pytest.fixture(autouse=True)
def _known_emulator(emulator_server):
    THE_EMULATOR["server"] = emulator_server


def done_before_the_drop(action: str, fault: dict) -> bool:
    """A delete whose answer broke off mid-body had deleted the file: its retry finds none."""
    return action == "deleteFile" and fault.get("drop") == "mid_body"


def expect_already_deleted(connector, connection, faults: int) -> None:
    """The retry says the file is not there, as DeepSeek's would (it is gone, as was asked).

    That is the right outcome of the whole fault set injected, so each of its faults counts."""
    with pytest.raises(NotFoundError, match="No such file"):
        run(connector, connection, "deleteFile")
    count("faults_survived", faults)


def stamps(emulator):
    return [r.received_at for r in emulator.received()]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("fault", TRANSIENT)
def test_transient_faults_are_retried_to_success(connector, connection, emulator, quick_backoff,
                                                 action, fault):
    emulator.add_fault(times=2, **fault_settings(fault))
    count("faults_injected", 2)
    if done_before_the_drop(action, fault):
        expect_already_deleted(connector, connection, 2)
        return
    result = run(connector, connection, action)
    assert result["data"]
    times = stamps(emulator)
    assert len(times) == 3
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    if fault.get("retry_after") == "date":
        low = 0.0  # an HTTP date has whole-second precision: anything up to ~1 s is right
    elif "retry_after" in fault:
        low = 0.18
    else:
        low = 0.05 * (1 - settings.BACKOFF_JITTER) - 0.01
    assert all(low <= gap < 2.5 for gap in gaps), gaps
    count("faults_survived", 2)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("fault", TRANSIENT)
def test_persistent_faults_end_in_the_right_error_after_three_attempts(connector, connection, emulator,
                                                                       quick_backoff, action, fault):
    emulator.add_fault(times=3, **fault_settings(fault))
    count("faults_injected", 3)
    if done_before_the_drop(action, fault):
        expect_already_deleted(connector, connection, 3)
        return
    with pytest.raises(ConnectorError) as caught:
        run(connector, connection, action)
    assert isinstance(caught.value, FINAL_ERROR[fault.get("status")])
    assert caught.value.attempts == 3 and "Tried 3 times." in str(caught.value)
    assert len(emulator.received()) == 3
    assert "<html>" not in str(caught.value)
    count("faults_survived", 3)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status, error, advice", [
    (400, InvalidRequestError, "Fix the inputs"),
    (401, AuthenticationError, "Check the API Key"),
    (402, InsufficientBalanceError, "Top up the DeepSeek account balance"),
    (422, InvalidRequestError, "Fix the inputs"),
])
def test_user_errors_are_never_retried_and_say_what_to_do(connector, connection, emulator, action,
                                                          status, error, advice):
    emulator.add_fault(times=3, status=status)
    count("faults_injected")
    with pytest.raises(error) as caught:
        run(connector, connection, action)
    assert len(emulator.received()) == 1
    assert advice in str(caught.value)
    assert caught.value.api_message and f'The API said: "{caught.value.api_message}"' in str(caught.value)
    count("faults_survived")


@pytest.mark.parametrize("action", ACTIONS)
def test_connection_refused(connector, closed_port, quick_backoff, action):
    started = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        run(connector, {"apiKey": FAKE_KEY, "baseUrl": f"http://127.0.0.1:{closed_port}"}, action)
    # Nothing was sent, so only Retry On All Errors retries a refused connection.
    assert "connection was refused" in str(caught.value) and caught.value.attempts == 1
    assert time.monotonic() - started < 5
    count("faults_injected")
    count("faults_survived")


@pytest.mark.parametrize("action", ACTIONS)
def test_dns_failure(connector, quick_backoff, action):
    with pytest.raises(NetworkError) as caught:
        run(connector, {"apiKey": FAKE_KEY, "baseUrl": "https://deepseek.invalid"}, action)
    assert "could not be resolved" in str(caught.value)
    count("faults_injected")
    count("faults_survived")


@pytest.fixture
def silent_server():
    """Accepts connections (through the backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("action", ACTIONS)
def test_a_server_that_never_answers_times_out_within_the_configured_time(connector, silent_server,
                                                                          monkeypatch, quick_backoff,
                                                                          action):
    monkeypatch.setattr(settings, "READ_TIMEOUT", 0.3)
    inputs = dict(ACTIONS[action])
    if action == "rawRequest":
        inputs["timeout"] = "5000"  # milliseconds, for the whole call
    silent = getattr(CONNECTOR.spec(action).request, "silent_answer", False)
    if silent:  # an upload parsed in silence: no read is cut short, the step's Timeout ends it
        inputs["timeout"] = 1.2
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        connector.run(action, inputs, {"apiKey": FAKE_KEY, "baseUrl": silent_server})
    elapsed = time.monotonic() - started
    if silent:
        assert isinstance(caught.value, DeadlineError) and 1.2 <= elapsed < 4, elapsed
    else:
        assert caught.value.attempts == 3
        assert 0.9 <= elapsed < 4, elapsed  # three reads of 0.3 s plus short waits, never a hang
    count("faults_injected")
    count("faults_survived")


@pytest.mark.parametrize("action", ACTIONS)
def test_keep_alive_lines_then_the_body(connector, connection, emulator, action):
    emulator.add_fault(keepalive=4, keepalive_interval_ms=20)
    count("faults_injected")
    assert run(connector, connection, action)["data"]
    count("faults_survived")


@pytest.mark.parametrize("action", ACTIONS)
def test_keep_alive_lines_then_a_closed_connection(connector, connection, emulator, action):
    emulator.add_fault(keepalive=3, drop="after_keepalive")
    count("faults_injected")
    with pytest.raises(ResponseError) as caught:
        run(connector, connection, action)
    assert "closed it without an answer" in str(caught.value)
    count("faults_survived")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("body, expected", [
    ('{"choices": [', "not JSON"),
    ("", "empty body"),
])
def test_malformed_and_empty_bodies(connector, connection, emulator, action, body, expected):
    emulator.add_fault(body=body)
    count("faults_injected")
    if action == "rawRequest" and body == "":
        assert run(connector, connection, action) == {"data": None}  # an empty answer is null there
    else:
        with pytest.raises(ResponseError) as caught:
            run(connector, connection, action)
        assert expected in str(caught.value) and "HTTP 200" in str(caught.value)
    count("faults_survived")


@pytest.mark.parametrize("action, body", [
    ("listModels", '{"models": []}'), ("createChatCompletion", "[1, 2]"),
    ("getUserBalance", '{"balance": "1"}'),
])
def test_json_of_the_wrong_shape(connector, connection, emulator, action, body):
    emulator.add_fault(body=body)
    count("faults_injected")
    with pytest.raises(ResponseError, match="was not a JSON object"):
        connector.run(action, CHAT if action == "createChatCompletion" else {}, connection)
    count("faults_survived")


@pytest.mark.parametrize("action", ACTIONS)
def test_gzip_encoded_answers(connector, connection, emulator, action):
    emulator.add_fault(gzip=True)
    count("faults_injected")
    assert run(connector, connection, action)["data"]
    count("faults_survived")


@pytest.mark.parametrize("action", STREAMING)
@pytest.mark.parametrize("fault, outcome", [
    ({"keepalive": 6}, "ok"),
    ({"crlf": True}, "ok"),
    ({"usage": "last"}, "ok"),
    ({"drop": "before_done"}, "incomplete"),
    ({"stream_error": True}, "incomplete"),
    ({"stall_ms": 1500}, "incomplete"),
    ({"drop": "mid_body"}, "incomplete"),
    ({"drop": "after_keepalive"}, "incomplete"),
    ({"body": "data: {bad json\n\n"}, "bad"),
])
def test_stream_faults_are_parsed_or_reported_incomplete(connector, connection, emulator, monkeypatch,
                                                         action, fault, outcome):
    monkeypatch.setattr(settings, "READ_TIMEOUT", 0.4)
    whole = connector.run(action, {**ACTIONS[action], "maxRetries": "0"}, connection)["data"]
    emulator.clear()
    emulator.add_fault(**fault)
    count("faults_injected")
    inputs = {**ACTIONS[action], "stream": "true", "include_usage": "true", "maxRetries": "0"}
    if outcome == "ok":
        data = connector.run(action, inputs, connection)["data"]
        assert data["choices"] == whole["choices"]  # the same answer as when not streamed
        assert data["usage"]["total_tokens"] > 0
    else:
        with pytest.raises(ResponseError) as caught:
            connector.run(action, inputs, connection)
        kind = "bad_response" if outcome == "bad" else "stream_incomplete"
        assert caught.value.kind == kind and "chunks had arrived" in str(caught.value)
    assert len(emulator.received()) == 1
    count("faults_survived")
