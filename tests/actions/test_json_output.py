"""Answers a next step can map: Simplify Output, JSON checked against a JSON Schema, repairs."""

from __future__ import annotations

import json
import re

import pytest

from deepseek_connector.emulator.chat import tokens_of
from deepseek_connector.runtime.errors import InputError, OutputError
from tests.conftest import FAKE_KEY

CITY = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": CITY}}
ASK = {"model": "deepseek-flash", "messages": "Where do I land? Answer in json."}


def chat(connector, connection, **inputs):
    return connector.run("createChatCompletion", {**ASK, **inputs}, connection)["data"]


def test_simplified_output_of_a_thinking_answer(connector, connection):
    data = chat(connector, connection, messages="Hi", thinking="enabled", simplify_output=True)
    assert data["text"] == "Hello from the DeepSeek emulator. You said: Hi"
    assert data["reasoning"] == "The user wrote 1 words. A short, direct answer fits best."
    assert (data["finish_reason"], data["tool_calls"], data["json"]) == ("stop", [], None)
    usage = data["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert (usage["cache_hit_tokens"], usage["cache_miss_tokens"]) == (0, usage["prompt_tokens"])
    assert data["model"] == "deepseek-flash" and data["id"].startswith("emu-")


def test_json_mode_answers_are_parsed_and_the_raw_object_is_untouched(connector, connection):
    raw = chat(connector, connection, response_format="json_object")
    simple = chat(connector, connection, response_format="json_object", simplify_output=True)
    assert json.loads(raw["choices"][0]["message"]["content"]) == simple["json"]
    assert simple["json"] == {"reply": "You said: Where do I land? Answer in json.",
                              "source": "deepseek-emulator"}


def test_json_mode_text_that_is_not_json_is_said_not_raised(connector, connection, emulator):
    emulator.add_fault(content='{"cut": ', path="/chat/completions")
    simple = chat(connector, connection, response_format="json_object", simplify_output=True)
    assert simple["json"] is None and "not valid JSON" in simple["json_error"]


def canned_tool_call(arguments: str):
    body = {"id": "c1", "object": "chat.completion", "model": "deepseek-flash", "created": 1,
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": "", "tool_calls": [
                    {"index": 0, "id": "call_1", "type": "function",
                     "function": {"name": "get_weather", "arguments": arguments}}]}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
    return lambda request: (200, {"Content-Type": "application/json"}, json.dumps(body).encode())


@pytest.mark.parametrize("arguments, parsed, valid, reason", [
    ('{"city": "Porto"}', {"city": "Porto"}, True, None),
    ('{"city": 5}', {"city": 5}, False, "at /city: 5 is not of type 'string'"),
    ("{}", {}, False, "at the top level: 'city' is a required property"),
    ('{"city": ', '{"city": ', False, "it is not valid JSON"),
])
def test_tool_call_arguments_are_parsed_and_checked_against_the_tool(connector, recorder, arguments, parsed,
                                                                     valid, reason):
    recorder.responder = canned_tool_call(arguments)
    data = connector.run("createChatCompletion", {**ASK, "tools": [WEATHER], "simplify_output": True},
                         {"apiKey": FAKE_KEY, "baseUrl": recorder.url})["data"]
    [call] = data["tool_calls"]
    assert (call["id"], call["name"], call["arguments"], call["arguments_valid"]) == (
        "call_1", "get_weather", parsed, valid)
    assert (reason is None and "arguments_error" not in call) or reason in call["arguments_error"]


@pytest.mark.parametrize("inputs, message", [
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "objet"}}}]},
     "Tools: tool 1 (f) has parameters that are not a valid JSON Schema"),
    ({"json_schema": {"type": 5}}, "JSON Schema: is not a valid JSON Schema (draft 2020-12)"),
    ({"json_schema": CITY, "response_format": "text"}, "JSON Schema: needs Response Format JSON object"),
    ({"json_schema": CITY, "repair_attempts": 4}, "Repair Attempts: must be a whole number from 0 to 3"),
])
def test_schemas_are_checked_before_anything_is_sent(connector, connection, emulator, inputs, message):
    with pytest.raises(InputError, match=re.escape(message)):
        chat(connector, connection, **inputs)
    assert emulator.received() == []


def test_a_json_schema_asks_for_json_and_a_matching_answer_passes(connector, connection, emulator):
    schema = {"type": "object", "required": ["reply"], "properties": {"reply": {"type": "string"}}}
    data = chat(connector, connection, json_schema=schema, simplify_output=True)
    assert data["json"] == {"reply": "example"} and "repairs" not in data  # the schema was stated
    [request] = emulator.received("/chat/completions")
    stated = "Reply with only a JSON object that matches this JSON Schema: " + json.dumps(schema)
    assert request.json() == {"model": "deepseek-flash", "response_format": {"type": "json_object"},
                              "messages": [{"role": "system", "content": stated},
                                           {"role": "user", "content": ASK["messages"]}]}


def test_a_mismatch_is_an_invalid_output_error_with_the_path_and_the_answer(connector, connection, emulator):
    emulator.add_fault(content='{"source": "deepseek-emulator"}', path="/chat/completions")
    with pytest.raises(OutputError) as caught:
        chat(connector, connection, json_schema=CITY)
    error = caught.value
    assert error.kind == "invalid_output"
    assert ("The answer did not match the JSON Schema: at the top level: 'city' is a required property."
            in str(error))
    assert json.loads(error.partial["choices"][0]["message"]["content"])["source"] == "deepseek-emulator"
    assert len(emulator.received("/chat/completions")) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_a_repair_sends_the_mistake_back_and_counts_both_answers_usage(connector, connection, emulator,
                                                                       stream):
    first_answer = '{"reply": "no city"}'
    emulator.add_fault(content=first_answer, path="/chat/completions")
    streaming = {"stream": stream, "include_usage": stream, "thinking": "disabled"}
    data = chat(connector, connection, json_schema=CITY, repair_attempts=2, **streaming)
    original, repair = [request.json() for request in emulator.received("/chat/completions")]
    assert repair["messages"][:3] == [*original["messages"], {"role": "assistant", "content": first_answer}]
    correction = repair["messages"][3]
    assert correction["role"] == "user"
    assert "at the top level: 'city' is a required property" in correction["content"]
    assert json.dumps(CITY) in correction["content"]
    assert json.loads(data["choices"][0]["message"]["content"]) == {"city": "example"}
    assert data["repairs"] == 1
    # Usage adds both answers up, as the emulator counts them: 4 a message plus its words.
    prompts = sum(len(tokens_of(message["content"])) + 4 for request in (original, repair)
                  for message in request["messages"])
    completions = len(tokens_of(first_answer)) + len(tokens_of('{"city": "example"}'))
    usage = data["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (prompts, completions)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_repairs_that_never_match_end_in_the_error(connector, connection, emulator):
    emulator.add_fault(content='{"town": "x"}', path="/chat/completions", times=3)
    with pytest.raises(OutputError, match="after 2 repair attempt"):
        chat(connector, connection, json_schema=CITY, repair_attempts=2)
    assert len(emulator.received("/chat/completions")) == 3


def test_an_answer_that_is_not_json_is_repaired_too(connector, connection, emulator):
    emulator.add_fault(content="Sure! Here it is: {city}", path="/chat/completions", times=1)
    data = chat(connector, connection, json_schema=CITY, repair_attempts=1, simplify_output=True)
    assert data["json"] == {"city": "example"} and data["repairs"] == 1
    correction = emulator.received("/chat/completions")[1].json()["messages"][-1]["content"]
    assert "it is not valid JSON" in correction


@pytest.mark.parametrize("simplify", [False, True])
def test_a_repaired_answer_to_an_answer_prefix_is_whole_and_not_joined_to_the_prefix(
        connector, connection, emulator, simplify):
    # The first answer continues the prefix ('{"city": ' + '5}'): a JSON that does not match. The
    # repair asks again without the prefix, so its answer is the whole JSON on its own.
    emulator.add_fault(content="5}", path="/chat/completions")
    data = chat(connector, connection, json_schema=CITY, repair_attempts=1, prefix='{"city": ',
                thinking="disabled", simplify_output=simplify)
    first, repair = emulator.received("/chat/completions")
    assert (first.path, repair.path) == ("/beta/chat/completions", "/chat/completions")
    assert first.json()["messages"][-1] == {"role": "assistant", "content": '{"city": ', "prefix": True}
    assert repair.json()["messages"][-2] == {"role": "assistant", "content": '{"city": 5}'}
    assert data["repairs"] == 1
    assert data["conversation"][-1] == {"role": "assistant", "content": '{"city": "example"}'}
    if simplify:
        assert (data["text"], data["json"]) == ('{"city": "example"}', {"city": "example"})
