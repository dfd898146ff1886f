"""Retries, statuses and redaction decided without a socket: a scripted adapter mounted on a host's
requests Session answers (the hostile suites keep real sockets), and four behaviours no other test
pinned: sensitive header names in any case, URLs the two parsers read differently, a CRLF split
across network chunks."""

from __future__ import annotations

import io
import json
import logging

import pytest
import requests
import urllib3

from deepseek_connector import load_connector
from deepseek_connector.runtime.errors import ConnectorError, InputError
from deepseek_connector.runtime.streaming.sse import iter_events
from tests.conftest import FAKE_KEY

BASE = "https://api.deepseek.com"
CONNECTION = {"apiKey": FAKE_KEY, "baseUrl": BASE}
NO_WAIT = {"useExponentialBackoff": False, "retryDelayMS": 0}


class Scripted(requests.adapters.BaseAdapter):
    """Answers each request with the next of `answers` (status, headers, body); records them."""

    def __init__(self, *answers: tuple[int, dict[str, str], bytes]):
        super().__init__()
        self.answers, self.sent = list(answers), []

    def send(self, request, **kwargs):
        self.sent.append(request)
        status, headers, body = self.answers.pop(0)
        response = requests.Response()
        response.status_code, response.url, response.request = status, request.url, request
        response.headers = requests.structures.CaseInsensitiveDict(headers)
        response.raw = urllib3.HTTPResponse(io.BytesIO(body), headers=headers, status=status,
                                            preload_content=False)
        return response

    def close(self):
        pass


def connector_with(adapter: Scripted):
    session = requests.Session()
    session.mount(BASE, adapter)
    return load_connector(session=session)


def answer(body: dict, status: int = 200, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


MODELS = answer({"object": "list", "data": []})


@pytest.mark.parametrize("statuses, calls, kind", [
    ((503, 503), 3, None), ((429,), 2, None), ((500, 502, 504), 3, "server_error"),
    ((400,), 1, "invalid_request"), ((401,), 1, "authentication"), ((402,), 1, "insufficient_balance"),
    ((407,), 1, "proxy_auth"),
])
def test_which_statuses_are_retried_and_what_they_become(statuses, calls, kind):
    failures = [answer({"error": {"message": f"failed {status}"}}, status) for status in statuses]
    adapter = Scripted(*failures, MODELS)
    connector = connector_with(adapter)
    try:
        if kind is None:
            assert connector.run("listModels", NO_WAIT, CONNECTION)["data"] == {"object": "list", "data": []}
        else:
            with pytest.raises(ConnectorError) as caught:
                connector.run("listModels", NO_WAIT, CONNECTION)
            assert caught.value.kind == kind and caught.value.attempts == calls
    finally:
        connector.close()
    assert len(adapter.sent) == calls


def test_retry_on_all_errors_retries_other_4xx():
    adapter = Scripted(answer({"error": {"message": "bad"}}, 400), MODELS)
    connector = connector_with(adapter)
    try:
        connector.run("listModels", {**NO_WAIT, "retryAllErrors": True}, CONNECTION)
    finally:
        connector.close()
    assert len(adapter.sent) == 2


def test_a_key_a_server_echoes_is_redacted_in_answers_headers_and_errors():
    echoed = answer({"object": "list", "data": [{"id": f"Bearer {FAKE_KEY}"}]}, **{"X-Echo": FAKE_KEY})
    refused = answer({"error": {"message": f"key {FAKE_KEY} refused"}}, 401)
    connector = connector_with(Scripted(echoed, refused))
    try:
        result = connector.run_result("listModels", {}, CONNECTION)
        assert result.data["data"][0]["id"] == "Bearer [REDACTED]"
        assert result.headers["X-Echo"] == "[REDACTED]"
        with pytest.raises(ConnectorError) as caught:
            connector.run("listModels", {}, CONNECTION)
        assert caught.value.api_message == "key [REDACTED] refused"
    finally:
        connector.close()


def test_sensitive_headers_are_redacted_in_the_debug_log_whatever_their_case(caplog):
    caplog.set_level(logging.DEBUG)
    connector = connector_with(Scripted(MODELS))
    headers = [{"key": "X-API-KEY", "value": "gateway-secret-1"},
               {"key": "cookie", "value": "session=abc123"}]
    try:
        connector.run("rawRequest", {"url": "/models", "method": "GET", "debugRequest": True,
                                     "headers": headers}, CONNECTION)
    finally:
        connector.close()
    assert '"X-API-KEY": "[REDACTED]"' in caplog.text and '"cookie": "[REDACTED]"' in caplog.text
    assert "gateway-secret-1" not in caplog.text and "abc123" not in caplog.text


def test_a_url_the_two_parsers_read_differently_is_refused(connector):
    """urllib.parse keeps the host name as written; urllib3 (which sends) encodes it as IDNA."""
    with pytest.raises(InputError) as caught:
        connector.run("listModels", {}, {"apiKey": FAKE_KEY, "baseUrl": "https://bücher.example"})
    assert "read as two different addresses" in str(caught.value)


def test_a_crlf_split_across_two_network_chunks_is_one_line_end():
    chunks = [b"data: first\r", b"\ndata: second\r\n\r\n", b"data: [DONE]\r\n\r\n"]
    assert list(iter_events(chunks, 1 << 20)) == ["first\nsecond", "[DONE]"]
