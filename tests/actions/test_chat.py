"""Create Chat Completion: the exact JSON body DeepSeek receives for every form input."""

from __future__ import annotations

import json

import pytest

from deepseek_connector.cli.main import main
from deepseek_connector.runtime.errors import InputError, InvalidRequestError, ResponseError
from tests.conftest import FAKE_KEY

BASE = {"model": "deepseek-v4-flash", "messages": '[{"role": "user", "content": "Hi"}]'}
BASE_BODY = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "Hi"}]}
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get-time", "parameters": {"type": "object"}}}


def sent_body(emulator) -> dict:
    [request] = emulator.received("/chat/completions")
    return request.json()


def run_chat(connector, connection, **inputs):
    return connector.run("createChatCompletion", {**BASE, **inputs}, connection)


@pytest.mark.parametrize("inputs, extra", [
    ({"frequency_penalty": "0.5"}, {"frequency_penalty": 0.5}),
    ({"max_tokens": "100000"}, {"max_tokens": 100000}),
    ({"presence_penalty": "-1.5"}, {"presence_penalty": -1.5}),
    ({"response_format": "json_object", "messages": "Reply in json"},
     {"response_format": {"type": "json_object"},
      "messages": [{"role": "user", "content": "Reply in json"}]}),
    ({"response_format": "text"}, {"response_format": {"type": "text"}}),
    ({"stop": "END"}, {"stop": ["END"]}),
    ({"stop": ["a", "b"]}, {"stop": ["a", "b"]}),
    ({"stream": "false"}, {"stream": False}),
    ({"temperature": "0.7"}, {"temperature": 0.7}),
    ({"top_p": "0.9"}, {"top_p": 0.9}),
    ({"tools": json.dumps([WEATHER])}, {"tools": [WEATHER]}),
    ({"logprobs": "true"}, {"logprobs": True}),
    ({"logprobs": "true", "top_logprobs": "5"}, {"logprobs": True, "top_logprobs": 5}),
    ({"thinking": "enabled"}, {"thinking": {"type": "enabled"}}),
    ({"thinking": "disabled"}, {"thinking": {"type": "disabled"}}),
    ({"reasoning_effort": "max"}, {"reasoning_effort": "max"}),
    ({"reasoning_effort": "medium"}, {"reasoning_effort": "medium"}),  # OpenAI's spellings, sent as given
    ({"reasoning_effort": "xhigh"}, {"reasoning_effort": "xhigh"}),
    ({"user_id": "customer_42"}, {"user_id": "customer_42"}),
    ({"extra_body": '{"future_option": {"x": 1}}'}, {"future_option": {"x": 1}}),
], ids=lambda v: ",".join(v) if isinstance(v, dict) and all(isinstance(k, str) for k in v) else None)
def test_each_input_alone_reaches_the_wire(connector, connection, emulator, inputs, extra):
    result = run_chat(connector, connection, **inputs)
    assert sent_body(emulator) == {**BASE_BODY, **extra}
    assert result["data"]["object"] == "chat.completion"


def test_extra_body_fields_are_merged_into_the_body(connector, connection, emulator):
    run_chat(connector, connection, extra_body={"future_option": {"x": 1}, "seed": 7})
    assert sent_body(emulator) == {**BASE_BODY, "future_option": {"x": 1}, "seed": 7}


def test_blank_inputs_are_not_sent_at_all(connector, connection, emulator):
    blanks = {key: "" for key in ("frequency_penalty", "max_tokens", "presence_penalty",
                                  "response_format", "stop", "stream", "include_usage", "temperature",
                                  "top_p", "tools", "tool_choice", "logprobs", "top_logprobs",
                                  "thinking", "reasoning_effort", "user_id", "extra_body")}
    blanks["stop"] = []
    run_chat(connector, connection, **blanks)
    assert sent_body(emulator) == BASE_BODY


def test_zero_and_false_given_by_the_user_are_sent(connector, connection, emulator):
    run_chat(connector, connection, temperature="0", top_p=0.0, frequency_penalty=0,
             presence_penalty="0.0", logprobs="no", stream=False)
    assert sent_body(emulator) == {**BASE_BODY, "temperature": 0, "top_p": 0, "frequency_penalty": 0,
                                   "presence_penalty": 0, "logprobs": False, "stream": False}


def test_typed_values_wired_from_earlier_steps(connector, connection, emulator):
    run_chat(connector, connection, messages=[{"role": "user", "content": "Hi"}], temperature=1.25,
             max_tokens=64, logprobs=True, top_logprobs=3, tools=[WEATHER], stop=("x",))
    assert sent_body(emulator) == {**BASE_BODY, "temperature": 1.25, "max_tokens": 64, "logprobs": True,
                                   "top_logprobs": 3, "tools": [WEATHER], "stop": ["x"]}


def test_stream_with_include_usage_sets_stream_options(connector, connection, emulator):
    run_chat(connector, connection, stream="yes", include_usage="TRUE")
    assert sent_body(emulator) == {**BASE_BODY, "stream": True, "stream_options": {"include_usage": True}}


@pytest.mark.parametrize("choice, tools, expected", [
    ("none", [WEATHER], "none"),
    ("auto", [WEATHER], "auto"),
    ("Required", [WEATHER], "required"),
    ("none", None, "none"),
    ('{"type": "function", "function": {"name": "get_weather"}}', [WEATHER],
     {"type": "function", "function": {"name": "get_weather"}}),
    ({"type": "function", "function": {"name": "get-time"}}, [WEATHER, TIME],
     {"type": "function", "function": {"name": "get-time"}}),
    ("get_weather", [WEATHER, TIME], {"type": "function", "function": {"name": "get_weather"}}),
    ('"auto"', [WEATHER], "auto"),
])
def test_tool_choice_forms(connector, connection, emulator, choice, tools, expected):
    inputs = {"tool_choice": choice, "thinking": "disabled"}  # a thinking model only takes auto or none
    if tools:
        inputs["tools"] = tools
    run_chat(connector, connection, **inputs)
    body = sent_body(emulator)
    assert body["tool_choice"] == expected
    assert body.get("tools") == tools


@pytest.mark.parametrize("messages, expected", [
    ('[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]',
     [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]),
    ('{"role": "user", "content": "Just one"}', [{"role": "user", "content": "Just one"}]),
    ("What is the capital of France?", [{"role": "user", "content": "What is the capital of France?"}]),
    ("(not json) plain", [{"role": "user", "content": "(not json) plain"}]),
    ({"role": "user", "content": "typed object"}, [{"role": "user", "content": "typed object"}]),
])
def test_messages_as_array_object_or_plain_text(connector, connection, emulator, messages, expected):
    run_chat(connector, connection, messages=messages)
    assert sent_body(emulator)["messages"] == expected


def test_reasoning_content_and_tool_fields_pass_back_untouched(connector, connection, emulator):
    history = [
        {"role": "user", "content": "Weather in Paris?", "name": "ana"},
        {"role": "assistant", "content": "", "reasoning_content": "I should call get_weather.",
         "tool_calls": [{"id": "call_0", "type": "function",
                         "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": '{"temp_c": 21}'},
    ]
    result = run_chat(connector, connection, messages=json.dumps(history), thinking="enabled",
                      tools=[WEATHER])
    assert sent_body(emulator)["messages"] == history
    message = result["data"]["choices"][0]["message"]
    assert message["content"].endswith('The tool returned: {"temp_c": 21}')
    assert message["reasoning_content"]


def test_dropping_reasoning_content_is_refused_by_the_api_with_its_message(connector, connection,
                                                                           emulator):
    history = [{"role": "user", "content": "Weather?"},
               {"role": "assistant", "content": "", "tool_calls": [
                   {"id": "c", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
               {"role": "tool", "tool_call_id": "c", "content": "sunny"}]
    with pytest.raises(InvalidRequestError) as caught:
        run_chat(connector, connection, messages=history, thinking="enabled", tools=[WEATHER])
    assert "reasoning_content in the thinking mode must be passed back" in str(caught.value)
    assert len(emulator.received("/chat/completions")) == 1  # a 400 is not retried


@pytest.mark.parametrize("inputs, message", [
    ({"model": ""}, "Model: is required."),
    ({"messages": None}, "Messages: or User Message is needed"),
    ({"temperature": "3"}, "Temperature: must be a number from 0 to 2; got '3'."),
    ({"temperature": "warm"}, "Temperature: must be a number from 0 to 2; got 'warm'."),
    ({"top_p": "1.1"}, "Top P: must be a number from 0 to 1"),
    ({"frequency_penalty": "-3"}, "Frequency Penalty: must be a number from -2 to 2"),
    ({"presence_penalty": "9"}, "Presence Penalty: must be a number from -2 to 2"),
    ({"max_tokens": "0"}, "Max Tokens: must be a whole number of at least 1"),
    ({"max_tokens": "2.5"}, "Max Tokens: must be a whole number"),
    ({"top_logprobs": "21", "logprobs": "true"},
     "Top Log Probabilities: must be a whole number from 0 to 20"),
    ({"top_logprobs": "2"}, "Top Log Probabilities: needs Log Probabilities to be on."),
    ({"include_usage": "true"}, "Include Usage: can only be used when Stream is on."),
    ({"stream": "sometimes"}, "Stream: must be true or false"),
    ({"response_format": "xml"}, "Response Format: must be one of: Text, JSON object (json_object)"),
    ({"thinking": "on"}, "Thinking Mode: must be one of: Enabled, Disabled"),
    ({"reasoning_effort": "extreme"},
     "Reasoning Effort: must be one of: Minimal, Low, Medium, High, Extra high (xhigh), Max, Ultra"),
    ({"stop": [str(i) for i in range(17)]}, "Stop Sequences: may hold at most 16 entries (got 17)."),
    ({"tools": '{"type": "function"}'}, "Tools: must be a JSON array"),
    ({"tools": json.dumps([{"type": "function", "function": {"name": "bad name"}}])},
     "Tools: tool 1 has name 'bad name'"),
    ({"tools": json.dumps([{"name": "x"}])}, 'Tools: tool 1 must look like {"type": "function"'),
    ({"tools": json.dumps([WEATHER] * 129)}, "Tools: may hold at most 128 entries (got 129)."),
    ({"tool_choice": "auto"}, "Tool Choice: needs Tools: there is no tool to choose."),
    ({"tool_choice": "required"}, "Tool Choice: needs Tools"),
    ({"tool_choice": "get_time", "tools": [WEATHER]},
     "Tool Choice: 'get_time' is not none, auto, required, or the name of a function in Tools"),
    ({"tool_choice": {"type": "function", "function": {"name": "nope"}}, "tools": [WEATHER]},
     "Tool Choice: names function 'nope', which is not in Tools."),
    ({"tool_choice": '{"type": "function"}', "tools": [WEATHER]},
     'Tool Choice: must be {"type": "function", "function": {"name": "..."}}.'),
    ({"messages": '[{"role": "bot", "content": "hi"}]'},
     "Messages: message 1 has role 'bot'; allowed roles are system, user, assistant, tool, latest_reminder."),
    ({"messages": '[{"role": "user"}]'}, "Messages: message 1 (role user) needs a content text."),
    ({"messages": '[{"role": "tool", "content": "x"}]'},
     "Messages: message 1 (role tool) needs the tool_call_id"),
    ({"messages": "[]"}, "Messages: must be a JSON array of messages"),
    ({"messages": "[1]"}, "Messages: message 1 must be an object"),
    ({"messages": "   "}, "Messages: or User Message is needed"),
    ({"messages": "[not json"}, "Messages: looks like JSON but is not valid JSON"),
    ({"user_id": "has spaces"}, "User ID: has an invalid format"),
    ({"extra_body": '{"temperature": 1}'},
     "Extra Body Fields: sets 'temperature', which is set by Temperature; use that instead."),
    ({"extra_body": '{"stream_options": {}}'}, "Extra Body Fields: sets 'stream_options'"),
    ({"extra_body": "[1]"}, "Extra Body Fields: must be a JSON object"),
    ({"temperature": "NaN"}, "Temperature: must be a number"),
    ({"colour": "blue"}, "colour: is not an input of this action"),
])
def test_input_errors_name_the_input_and_send_nothing(connector, connection, emulator, inputs, message):
    with pytest.raises(InputError) as caught:
        run_chat(connector, connection, **inputs)
    assert message in str(caught.value)
    assert emulator.received() == []


def test_max_tokens_cuts_the_answer_with_finish_reason_length(connector, connection):
    result = run_chat(connector, connection, max_tokens="2")
    choice = result["data"]["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == "Hello from"


def test_json_mode_answer_parses_as_json(connector, connection):
    result = run_chat(connector, connection, response_format="json_object",
                      messages="Reply in json please")
    content = json.loads(result["data"]["choices"][0]["message"]["content"])
    assert content["reply"] == "You said: Reply in json please"


def test_logprobs_come_back_with_top_alternatives(connector, connection):
    result = run_chat(connector, connection, logprobs="true", top_logprobs="3")
    entries = result["data"]["choices"][0]["logprobs"]["content"]
    assert [e["token"] for e in entries][:2] == ["Hello", " from"]
    assert all(len(e["top_logprobs"]) == 3 for e in entries)


def test_required_tool_choice_returns_a_tool_call(connector, connection):
    result = run_chat(connector, connection, tools=[WEATHER], tool_choice="required", thinking="disabled")
    choice = result["data"]["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    [call] = choice["message"]["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "example"}'}


def test_keep_alive_lines_before_the_body_are_skipped(connector, connection, emulator):
    emulator.add_fault(keepalive=5, path="/chat/completions")
    result = run_chat(connector, connection)
    assert result["data"]["choices"][0]["message"]["content"].endswith("You said: Hi")


def test_a_body_of_only_keep_alive_lines_is_a_clear_error(connector, connection, emulator):
    emulator.add_fault(keepalive=3, body="\n\n", path="/chat/completions")
    with pytest.raises(ResponseError) as caught:
        run_chat(connector, connection)
    assert "closed it without an answer" in str(caught.value)


def test_cli_sends_form_strings_and_prints_the_completion(emulator, capsys):
    code = main(["run", "createChatCompletion", "--base-url", emulator.url, "--api-key", FAKE_KEY,
                 "-i", "model=deepseek-v4-pro", "-i", "messages=Hello CLI", "-i", "temperature=0.2",
                 "-i", "stop=one", "-i", "stop=two", "-i", "logprobs=false"])
    out = capsys.readouterr().out
    assert code == 0
    assert sent_body(emulator) == {"model": "deepseek-v4-pro",
                                   "messages": [{"role": "user", "content": "Hello CLI"}],
                                   "temperature": 0.2, "stop": ["one", "two"], "logprobs": False}
    assert json.loads(out)["data"]["choices"][0]["message"]["content"].endswith("You said: Hello CLI")


def test_cli_inputs_file_with_typed_values(emulator, capsys, tmp_path):
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps({"model": "deepseek-flash", "messages": [{"role": "user", "content": "x"}],
                                "max_tokens": 5, "tools": [WEATHER], "tool_choice": "get_weather",
                                "thinking": "disabled"}))
    assert main(["run", "createChatCompletion", "--base-url", emulator.url, "--api-key", FAKE_KEY,
                 "--inputs-file", str(path)]) == 0
    assert sent_body(emulator)["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}


def test_cli_input_error_exits_2_and_sends_nothing(emulator, capsys):
    code = main(["run", "createChatCompletion", "--base-url", emulator.url, "--api-key", FAKE_KEY,
                 "-i", "model=deepseek-flash", "-i", "messages=hi", "-i", "top_logprobs=3"])
    assert code == 2
    assert "Top Log Probabilities: needs Log Probabilities to be on." in capsys.readouterr().err
    assert emulator.received() == []
