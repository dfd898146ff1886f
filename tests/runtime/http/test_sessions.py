"""requests sends every call: the tools platforms test requests code with (responses, requests-mock)
intercept it, and a platform's own Session takes part (headers, hooks, proxies, adapters) while
the connection's key, the origin check and the bounds still win."""

from __future__ import annotations

import io
import json

import pytest
import requests
import requests_mock
import responses
import urllib3

from deepseek_connector import load_connector, packaged_manifest
from deepseek_connector.runtime.connector import Connector
from deepseek_connector.runtime.errors import InputError
from tests.conftest import FAKE_KEY

BASE = "https://api.deepseek.com"
CONNECTION = {"apiKey": FAKE_KEY, "baseUrl": BASE}
MODELS = {"object": "list", "data": [{"id": "deepseek-v4-flash", "object": "model", "owned_by": "deepseek"}]}
MESSAGE = {"role": "assistant", "content": "Hello"}
ANSWER = {"id": "c1", "object": "chat.completion", "created": 1, "model": "deepseek-v4-flash",
          "choices": [{"index": 0, "message": MESSAGE, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
CHAT = {"model": "deepseek-v4-flash", "messages": "Hi"}


def sse(*pieces: str) -> str:
    events = [{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "deepseek-v4-flash",
               "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
              for piece in pieces]
    return "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"


@pytest.fixture
def fresh():
    connector = Connector(packaged_manifest())
    yield connector
    connector.close()


def test_responses_answers_models_a_chat_and_a_streamed_chat(fresh):
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/models", json=MODELS)
        mock.post(f"{BASE}/chat/completions", json=ANSWER)
        mock.post(f"{BASE}/chat/completions", body=sse("Hel", "lo"), content_type="text/event-stream")
        assert fresh.run("listModels", {}, CONNECTION) == {"data": MODELS}
        assert fresh.run("createChatCompletion", CHAT, CONNECTION)["data"] == {
            **ANSWER, "conversation": [{"role": "user", "content": "Hi"}, MESSAGE]}
        with fresh.stream("createChatCompletion", CHAT, CONNECTION) as stream:
            assert [text for _, text in stream.live()] == ["Hel", "lo"]
        assert stream.result["choices"][0]["message"]["content"] == "Hello"
        sent = [call.request for call in mock.calls]
    assert [request.headers["Authorization"] for request in sent] == [f"Bearer {FAKE_KEY}"] * 3
    assert json.loads(sent[2].body) == {**CHAT, "messages": [{"role": "user", "content": "Hi"}],
                                        "stream": True}


def test_requests_mock_answers_models_a_chat_and_a_streamed_chat(fresh):
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/models", json=MODELS)
        stream = {"text": sse("a", "b"), "headers": {"Content-Type": "text/event-stream"}}
        mock.post(f"{BASE}/chat/completions", [{"json": ANSWER}, stream])
        assert fresh.run("listModels", {}, CONNECTION)["data"] == MODELS
        assert fresh.run("createChatCompletion", CHAT, CONNECTION)["data"]["choices"][0]["message"] == MESSAGE
        streamed = fresh.run("createChatCompletion", {**CHAT, "stream": True}, CONNECTION)["data"]
        assert streamed["choices"][0]["message"]["content"] == "ab"
        sent = mock.request_history
    assert [request.headers["Authorization"] for request in sent] == [f"Bearer {FAKE_KEY}"] * 3


def test_a_host_session_takes_part_but_never_replaces_the_key(recorder, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    seen: list[int] = []
    session = requests.Session()
    session.headers.update({"X-Gateway-Key": "gw-123", "Authorization": "Bearer sk-host-session-key"})
    session.auth = ("session-user", "session-secret")
    session.hooks["response"].append(lambda response, **kwargs: seen.append(response.status_code))
    connector = load_connector(session=session)
    try:
        data = connector.run("listModels", {}, {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    finally:
        connector.close()
    assert data == {"data": {"object": "list", "data": []}} and seen == [200]
    [received] = recorder.received
    assert received["headers"]["X-Gateway-Key"] == "gw-123"
    assert received["headers"]["Authorization"] == f"Bearer {FAKE_KEY}"
    assert received["headers"]["User-Agent"].startswith("deepseek-connector/")


def test_the_key_stays_on_its_origin_with_a_host_session(recorder):
    """A redirect to another origin is reported and not followed (a Session would follow it),
    and a URL on another origin is refused before anything is sent."""
    other = requests.Session()
    session = requests.Session()
    recorder.responder = lambda request: (302, {"Location": "http://127.0.0.2:9/steal"}, b"")
    connector = load_connector(session=session)
    try:
        redirect = connector.run("rawRequest", {"url": "/models", "method": "GET"},
                                 {"apiKey": FAKE_KEY, "baseUrl": recorder.url})["data"]
        assert redirect == {"redirect": True, "status": 302, "location": "http://127.0.0.2:9/steal"}
        with pytest.raises(InputError, match="Base URL"):
            connector.run("rawRequest", {"url": "http://127.0.0.2:9/models", "method": "GET"},
                          {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    finally:
        connector.close()
        other.close()
    assert [entry["path"] for entry in recorder.received] == ["/models"]


def test_a_host_adapter_mounted_for_the_api_is_used(fresh):
    class Canned(requests.adapters.BaseAdapter):
        def __init__(self):
            super().__init__()
            self.sent: list[requests.PreparedRequest] = []

        def send(self, request, **kwargs):
            self.sent.append(request)
            response = requests.Response()
            response.status_code, response.url, response.request = 200, request.url, request
            response.headers = requests.structures.CaseInsensitiveDict({"Content-Type": "application/json"})
            response.raw = urllib3.HTTPResponse(io.BytesIO(json.dumps(MODELS).encode()), status=200,
                                                preload_content=False)
            return response

        def close(self):
            pass

    adapter = Canned()
    session = requests.Session()
    session.mount(BASE, adapter)
    connector = load_connector(session=session)
    try:
        assert connector.run("listModels", {}, CONNECTION)["data"] == MODELS
    finally:
        connector.close()
    assert [request.url for request in adapter.sent] == [f"{BASE}/models"]
