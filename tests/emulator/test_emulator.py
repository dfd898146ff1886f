"""The emulator's own rules and fault injection, spoken to with plain requests."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

from tests.conftest import FAKE_KEY

AUTH = {"Authorization": f"Bearer {FAKE_KEY}"}
CHAT = {"model": "deepseek-flash", "messages": [{"role": "user", "content": "Hi"}]}


def post_chat(emulator, body, **headers):
    return requests.post(f"{emulator.url}/chat/completions", json=body, headers={**AUTH, **headers},
                         timeout=10)


@pytest.mark.parametrize("prefix", ["", "/v1", "/beta"])
def test_routes_answer_under_every_prefix(emulator, prefix):
    models = requests.get(f"{emulator.url}{prefix}/models", headers=AUTH, timeout=10).json()
    assert models["object"] == "list"
    balance = requests.get(f"{emulator.url}{prefix}/user/balance", headers=AUTH, timeout=10).json()
    assert balance["is_available"] is True and balance["balance_infos"][0]["currency"] == "USD"


@pytest.mark.parametrize("change, status, message", [
    ({"top_logprobs": 21, "logprobs": True}, 400, "top_logprobs must be an integer between 0 and 20"),
    ({"top_logprobs": 2}, 400, "top_logprobs requires logprobs"),
    ({"messages": [{"role": "robot", "content": "x"}]}, 400, "unknown variant `robot`"),
    ({"messages": []}, 400, "messages must be a non-empty array"),
    ({"model": "gpt-9"}, 400, "Model Not Exist"),
    ({"temperature": 2.5}, 422, "Invalid temperature value"),
    ({"max_tokens": 0}, 422, "Invalid max_tokens value"),
    ({"stream_options": {"include_usage": True}}, 400, "stream_options is only allowed"),
    ({"tool_choice": "required"}, 400, "tool_choice required needs tools"),
    ({"thinking": {"type": "sometimes"}}, 400, "thinking.type must be enabled or disabled"),
    ({"user_id": "not ok!"}, 400, "user_id may hold only"),
])
def test_invalid_requests_get_deepseeks_error_envelope(emulator, change, status, message):
    response = post_chat(emulator, {**CHAT, **change})
    assert response.status_code == status
    error = response.json()["error"]
    assert message in error["message"]
    assert set(error) == {"message", "type", "param", "code"}


def test_queued_faults_through_the_control_api(emulator):
    queued = requests.post(f"{emulator.url}/_emulator/faults",
                           json={"path": "/models", "times": 2, "status": 429, "retry_after": "7"},
                           timeout=10)
    assert queued.json() == {"queued": 1}
    first = requests.get(f"{emulator.url}/models", headers=AUTH, timeout=10)
    second = requests.get(f"{emulator.url}/models", headers=AUTH, timeout=10)
    third = requests.get(f"{emulator.url}/models", headers=AUTH, timeout=10)
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "7"
    listed = requests.get(f"{emulator.url}/_emulator/requests", timeout=10).json()["requests"]
    assert [r["path"] for r in listed] == ["/models"] * 3
    requests.delete(f"{emulator.url}/_emulator/requests", timeout=10)
    assert requests.get(f"{emulator.url}/_emulator/requests", timeout=10).json() == {"requests": []}


@pytest.mark.parametrize("code", ["abc", "99", "600", "2000", "-1"])
def test_a_bad_status_route_is_refused(emulator, code):
    response = requests.get(f"{emulator.url}/status/{code}", headers=AUTH, timeout=10)
    assert response.status_code == 400
    assert "/status/N needs N from 200 to 599" in response.json()["error"]["message"]


def test_fim_is_served_under_beta_only_as_deepseek_does(emulator):
    body = {"model": "deepseek-flash", "prompt": "def f():", "suffix": "return 1"}
    for prefix in ("", "/v1"):
        response = requests.post(f"{emulator.url}{prefix}/completions", json=body, headers=AUTH, timeout=10)
        assert response.status_code == 400 and "only available when using beta api" in response.text
    beta = requests.post(f"{emulator.url}/beta/completions", json=body, headers=AUTH, timeout=10)
    assert beta.status_code == 200 and beta.json()["object"] == "text_completion"
    assert "x-request-id" not in beta.headers and len(beta.headers["X-Ds-Trace-Id"]) == 32


def test_bad_fault_settings_are_refused(emulator):
    response = requests.post(f"{emulator.url}/_emulator/faults", json={"stauts": 500}, timeout=10)
    assert response.status_code == 400 and "unknown fault setting 'stauts'" in response.text
    response = requests.get(f"{emulator.url}/models", headers={**AUTH, "X-Emulator-Fault": "drop=never"},
                            timeout=10)
    assert response.status_code == 400


def test_header_fault_and_gzip(emulator):
    response = requests.get(f"{emulator.url}/models",
                            headers={**AUTH, "X-Emulator-Fault": "gzip=true"}, timeout=10)
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.json()["object"] == "list"  # requests decodes it
    raw = requests.get(f"{emulator.url}/models", headers={**AUTH, "X-Emulator-Fault": "gzip",
                                                          "Accept-Encoding": "gzip"},
                       timeout=10, stream=True).raw.read()
    assert json.loads(gzip.decompress(raw))["object"] == "list"


def test_reset_drops_the_connection(emulator):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{emulator.url}/models", headers={**AUTH, "X-Emulator-Fault": "drop=reset"},
                     timeout=10)


def test_keep_alive_blank_lines_precede_the_body(emulator):
    response = post_chat(emulator, CHAT, **{"X-Emulator-Fault": "keepalive=3"})
    assert response.content.startswith(b"\n\n\n{")
    assert json.loads(response.content)["object"] == "chat.completion"


def test_streams_end_with_done(emulator):
    response = post_chat(emulator, {**CHAT, "stream": True})
    assert response.headers["Content-Type"].startswith("text/event-stream")
    lines = [line for line in response.text.split("\n") if line]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[0][6:])["object"] == "chat.completion.chunk"


def test_beta_fim_completion_through_raw_request(connector, emulator):
    result = connector.run("rawRequest", {"url": "/completions", "method": "POST",
                                          "data": {"model": "deepseek-flash", "prompt": "def add(a, b):",
                                                   "suffix": "return c"}},
                           {"apiKey": FAKE_KEY, "baseUrl": emulator.url + "/beta"})
    assert result["data"]["object"] == "text_completion"
    filled = "    # filled by the DeepSeek emulator: 14 characters before, 8 after"
    assert result["data"]["choices"][0]["text"] == filled
    assert emulator.received()[0].path == "/beta/completions"
