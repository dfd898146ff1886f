"""Malformed answers end in a ConnectorError with a kind (and, for streams, the partial answer)."""

from __future__ import annotations

import json

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.hostile.conftest import KEY, cli
from tests.hostile.server import Exchange, chat_chunk, route

STREAM = {"model": "deepseek-flash", "messages": "hi", "stream": True}


def chunk_with(**fields) -> str:
    base = json.loads(chat_chunk("x"))
    base.update(fields)
    return json.dumps(base)


def choice_with(**fields) -> str:
    base = json.loads(chat_chunk("x"))
    base["choices"][0].update(fields)
    return json.dumps(base)


MALFORMED = {
    "invalid-utf8": b'{"choices": [{"index": 0, "delta": {"content": "\xff\xfe"}}]}',
    "choices-number": chunk_with(choices=5),
    "choice-text": chunk_with(choices=["x"]),
    "delta-text": choice_with(delta="x"),
    "tool-calls-text": choice_with(delta={"tool_calls": "call it"}),
    "tool-call-text": choice_with(delta={"tool_calls": ["call"]}),
    "index-list": choice_with(index=[]),
    "tool-index-list": choice_with(delta={"tool_calls": [{"index": [], "function": {"arguments": "{"}}]}),
    "content-number": choice_with(delta={"content": 5}),
    "reasoning-number": choice_with(delta={"reasoning_content": {"a": 1}}),
    "logprobs-text": choice_with(logprobs="high"),
    "logprobs-content-text": choice_with(logprobs={"content": "x"}),
    "function-text": choice_with(delta={"tool_calls": [{"index": 0, "function": "f"}]}),
    "usage-text": chunk_with(usage="lots"),
    "array": "[1, 2]",
    # Few bytes that would each open a choice or a tool call: bounded, not built without end.
    "too-many-choices": chunk_with(choices=[{"index": i, "delta": {}} for i in range(17)]),
    "too-many-tool-calls": choice_with(delta={"tool_calls": [{"index": i} for i in range(257)]}),
    "deep": "[" * 5000 + "]" * 5000,
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_stream_chunks(connector, hostile, name):
    hostile.aliases["/completions"] = "/malformed-stream"
    hostile.malformed = MALFORMED[name]
    with pytest.raises(ConnectorError) as caught:
        connector.run("createChatCompletion", STREAM, {"apiKey": KEY, "baseUrl": hostile.url})
    error = caught.value
    assert error.kind == "bad_response", (name, error)
    assert error.partial["choices"][0]["message"]["content"] == "Good "
    assert error.to_dict()["partial"] == error.partial
    assert error.to_dict()["attempts"] == 1


def test_cli_reports_a_malformed_stream_as_an_api_error_not_a_crash(hostile):
    hostile.aliases["/completions"] = "/malformed-stream"
    hostile.malformed = MALFORMED["choices-number"]
    done = cli("run", "createChatCompletion", "-i", "model=deepseek-flash", "-i", "messages=hi",
               "-i", "stream=true", env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and "Unexpected error" not in done.stderr


@pytest.mark.parametrize("action", ["listModels", "rawRequest", "createChatCompletion"])
def test_a_deeply_nested_json_body(connector, hostile, action):
    hostile.aliases.update({"/models": "/deep-json", "/completions": "/deep-json"})
    inputs = {"listModels": {}, "rawRequest": {"url": "/deep-json", "method": "GET"},
              "createChatCompletion": {"model": "deepseek-flash", "messages": "hi"}}[action]
    with pytest.raises(ConnectorError) as caught:
        connector.run(action, inputs, {"apiKey": KEY, "baseUrl": hostile.url})
    assert caught.value.kind == "bad_response"


def test_iterating_a_finished_stream_again_yields_nothing(connector, emulator):
    with connector.stream("createChatCompletion", {"model": "deepseek-flash", "messages": "hi"},
                          {"apiKey": KEY, "baseUrl": emulator.url}) as stream:
        first = list(stream)
        again = list(stream)
    assert first and again == []
    assert stream.result["choices"][0]["message"]["content"].endswith("You said: hi")


def test_a_quoted_chunk_is_redacted_before_it_is_cut(connector, hostile):
    """The key begins 5 characters before the quote's 80-character cut: cut first, those 5 would
    show (too few for the 8-character rule to catch); redacted first, none do."""
    head = '{"choices": 5, "pad": "'
    hostile.aliases["/completions"] = "/malformed-stream"
    hostile.malformed = head + "p" * (75 - len(head)) + KEY + '"}'
    with pytest.raises(ConnectorError) as caught:
        connector.run("createChatCompletion", STREAM, {"apiKey": KEY, "baseUrl": hostile.url})
    assert "unexpected shape" in str(caught.value)
    assert KEY[:5] not in str(caught.value)


@route("/malformed-answer")
def malformed_answer(ex: Exchange) -> None:
    body = ex.server.malformed
    ex.whole(body.encode() if isinstance(body, str) else body)


WRONG_ANSWERS = {
    "choice-number": {"choices": [5]},
    "choices-text": {"choices": "abc"},
    "message-text": {"choices": [{"message": "x"}]},
    "content-number": {"choices": [{"message": {"content": 5}}]},
    "tool-call-text": {"choices": [{"message": {"content": "hi", "tool_calls": ["x"]}}]},
    "function-text": {"choices": [{"message": {"tool_calls": [{"function": "f"}]}}]},
    "usage-list": {"choices": [{"message": {"content": "{}"}}], "usage": [1]},
    "fim-text-number": {"choices": [{"text": 5}]},
}
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]


CHAT_READERS = [{"simplify_output": True, "tools": TOOLS}, {"json_schema": {"type": "object"}}]
ANSWER_CASES = [("createChatCompletion", {"messages": "hi", **reader}, name)
                for reader in CHAT_READERS for name in WRONG_ANSWERS if not name.startswith("fim")]
ANSWER_CASES += [("createFimCompletion", {"prompt": "def f(", "simplify_output": True}, name)
                 for name in ("choice-number", "choices-text", "usage-list", "fim-text-number")]


@pytest.mark.parametrize("action, inputs, name", ANSWER_CASES)
def test_wrongly_typed_answers_are_bad_responses(connector, hostile, action, inputs, name):
    """What Simplify Output and the JSON checks read is checked first: never a raw AttributeError."""
    hostile.aliases["/completions"] = "/malformed-answer"
    hostile.malformed = json.dumps(WRONG_ANSWERS[name])
    with pytest.raises(ConnectorError) as caught:
        connector.run(action, {"model": "deepseek-flash", **inputs}, {"apiKey": KEY, "baseUrl": hostile.url})
    assert caught.value.kind == "bad_response" and "unexpected shape" in str(caught.value)
