"""Create Chat Completion as DeepSeek is now: System Prompt and User Message, pictures and
documents on the last user message, thinking mode's rules kept before sending, JSON mode's word,
the JSON Schema stated on the first attempt, beta features sent under /beta, the Conversation
handed on, and advice for the refusals a form can explain. Exact bodies through a recording
server; DeepSeek's rules through the emulator."""

from __future__ import annotations

import base64
import io
import json

import pytest

from deepseek_connector.runtime.errors import InputError, InvalidRequestError, OutputError
from tests.actions.test_upload import PNG
from tests.conftest import FAKE_KEY

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def answer(content="ok", **message) -> dict:
    return {"id": "x", "object": "chat.completion", "created": 1, "model": "deepseek-flash",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content, **message}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12,
                      "completion_tokens_details": {"reasoning_tokens": 4}}}


def answering(recorder, *bodies: dict) -> None:
    recorder.scripted = True
    queue = list(bodies)
    recorder.responder = lambda request: (200, {"Content-Type": "application/json"},
                                          json.dumps(queue.pop(0) if len(queue) > 1 else queue[0]).encode())


def sent(connector, recorder, **inputs) -> dict:
    if not getattr(recorder, "scripted", False):
        answering(recorder, answer())
    connector.run("createChatCompletion", {"model": "deepseek-flash", **inputs},
                  {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    return json.loads(recorder.received[-1]["body"])


def refused(connector, inputs: dict, label: str, says: str) -> None:
    with pytest.raises(InputError) as raised:
        connector.run("createChatCompletion", {"model": "deepseek-flash", **inputs},
                      {"apiKey": FAKE_KEY, "baseUrl": "http://127.0.0.1:9"})
    assert f"{label}:" in str(raised.value) and says in str(raised.value), str(raised.value)


def test_system_prompt_and_user_message_around_messages(connector, recorder):
    body = sent(connector, recorder, system_prompt="Be brief.", user_message="And now?",
                messages=[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}])
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "Hello"},
                                {"role": "user", "content": "And now?"}]
    assert sent(connector, recorder, user_message="Only this")["messages"] == [
        {"role": "user", "content": "Only this"}]
    refused(connector, {"system_prompt": "A", "messages": [{"role": "system", "content": "B"},
                                                          {"role": "user", "content": "x"}]},
            "System Prompt", "Messages has another system message")
    # A Conversation handed on from a step with the same System Prompt begins with it: not twice.
    handed_on = [{"role": "system", "content": "A"}, {"role": "user", "content": "x"}]
    assert sent(connector, recorder, system_prompt="A", messages=handed_on)["messages"] == handed_on
    refused(connector, {"system_prompt": "A"}, "Messages", "or User Message is needed")


def test_pictures_and_documents_join_the_last_user_message(connector, recorder):
    body = sent(connector, recorder, user_message="What is this?", image_urls=["https://example.com/a.jpg"],
                images={"dot.png": PNG}, image_file_ids=["file-api-img"], document_file_ids=["file-api-doc"])
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert body["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}},
        {"type": "image_url", "image_url": {"url": data_url}},
        {"type": "file", "file_id": "file-api-img"}, {"type": "file", "file_id": "file-api-doc"}]}]
    parts = [{"type": "text", "text": "Look"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]
    given = [{"role": "user", "content": parts}]
    assert sent(connector, recorder, messages=given)["messages"] == given  # array content untouched


@pytest.mark.parametrize("inputs, label, says", [
    ({"user_message": "x", "images": {"notes.txt": b"hello"}}, "Images", "is not a JPEG, PNG, GIF or WebP"),
    ({"user_message": "x", "images": {"big.png": PNG + bytes(32 * 2**20)}}, "Images", "32 MB at most"),
    ({"user_message": "x", "images": {"a.png": PNG + bytes(25 * 2**20), "b.png": PNG + bytes(25 * 2**20)}},
     "Images", "larger than DeepSeek's 48 MB"),
    ({"user_message": "x", "image_urls": ["file:///etc/passwd"]}, "Image URLs", "https://"),
    ({"user_message": "x", "image_urls": ["https://e.com/" + "a" * 8200]}, "Image URLs", "8192"),
    ({"user_message": "x", "document_file_ids": ["../files"]}, "Document File IDs", "not a file id"),
    ({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
      "image_urls": ["https://e.com/a.png"]}, "Messages", "add a User Message"),
    ({"user_message": "x", "image_urls": ["https://a.com/x.png, https://b.com/y.png"]}, "Image URLs",
     "an entry of its own"),
    ({"user_message": "x", "image_urls": ["data:image/svg+xml,<svg onload=alert(1)>"]}, "Image URLs",
     "data:image/jpeg|png|gif|webp;base64"),
    ({"user_message": "x", "image_urls": ["https://"]}, "Image URLs", "https://host/"),
    ({"user_message": "x", "image_file_ids": ["ｆｉｌｅ"]}, "Image File IDs", "not a file id"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {
        "url": "data:image/png;base64," + "A" * (49 * 2**20)}}]}]}, "Messages", "48 MB"),
])
def test_attachments_deepseek_would_refuse_are_refused_before_sending(connector, inputs, label, says):
    refused(connector, inputs, label, says)


def test_thinking_leaves_auto_out_and_refuses_a_forced_tool(connector, recorder):
    body = sent(connector, recorder, user_message="x", tools=[WEATHER], tool_choice="auto")
    assert "tool_choice" not in body
    for forced in ("required", "get_weather"):
        refused(connector, {"user_message": "x", "tools": [WEATHER], "tool_choice": forced}, "Tool Choice",
                "set Thinking Mode to Disabled")
    body = sent(connector, recorder, user_message="x", tools=[WEATHER], tool_choice="get_weather",
                thinking="disabled")
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert body["thinking"] == {"type": "disabled"}


@pytest.mark.parametrize("effort", ["minimal", "low", "medium", "high", "xhigh", "max", "ultra"])
def test_every_effort_deepseek_maps_is_sent_as_given(connector, connection, emulator, effort):
    connector.run("createChatCompletion", {"model": "deepseek-flash", "user_message": "Hi",
                                           "reasoning_effort": effort}, connection)
    assert emulator.received()[-1].json()["reasoning_effort"] == effort


def test_json_mode_needs_the_word_json(connector, recorder):
    answering(recorder, answer('{"city": "Porto"}'))
    refused(connector, {"user_message": "Give me a city", "response_format": "json_object"},
            "Response Format", 'needs the word "json"')
    body = sent(connector, recorder, system_prompt="Answer in JSON.", user_message="A city?",
                response_format="json_object")
    assert body["response_format"] == {"type": "json_object"}


def test_a_json_schema_is_stated_on_the_first_attempt(connector, recorder):
    schema = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
    answering(recorder, answer('{"city": "Porto"}'))
    body = sent(connector, recorder, system_prompt="Be brief.", user_message="A city?", json_schema=schema)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Reply with only a JSON object that matches this JSON Schema: "
                                      + json.dumps(schema)},
        {"role": "user", "content": "A city?"}]
    assert len(recorder.received) == 1  # the first attempt matched


def test_a_blank_json_answer_is_invalid_output_and_repairable(connector, recorder):
    connection = {"apiKey": FAKE_KEY, "baseUrl": recorder.url}
    inputs = {"model": "deepseek-flash", "user_message": "Reply in json", "response_format": "json_object"}
    answering(recorder, answer("   \n "))
    with pytest.raises(OutputError) as raised:
        connector.run("createChatCompletion", inputs, connection)
    assert raised.value.kind == "invalid_output" and "blank" in str(raised.value)
    answering(recorder, answer("  "), answer('{"ok": true}'))
    data = connector.run("createChatCompletion", {**inputs, "repair_attempts": 1, "simplify_output": True},
                         connection)["data"]
    assert data["json"] == {"ok": True} and data["repairs"] == 1
    repair = json.loads(recorder.received[-1]["body"])["messages"]
    assert repair[-2:] == [{"role": "assistant", "content": "  "}, {
        "role": "user", "content": "Your answer was not a JSON object (it was blank (DeepSeek sends spaces "
                                   "when the JSON it wrote could not be decoded)). Reply again with only a "
                                   "JSON object."}]


def test_a_prefix_or_a_strict_tool_goes_to_beta(connector, recorder, connection, emulator):
    body = sent(connector, recorder, user_message="Write code", prefix="```python\n")
    assert recorder.received[-1]["path"] == "/beta/chat/completions"
    assert body["messages"][-1] == {"role": "assistant", "content": "```python\n", "prefix": True}
    parameters = {**WEATHER["function"]["parameters"], "additionalProperties": False}
    strict = {"type": "function",
              "function": {"name": "get_weather", "parameters": parameters, "strict": True}}
    sent(connector, recorder, user_message="Weather?", tools=[strict])
    assert recorder.received[-1]["path"] == "/beta/chat/completions"
    loose = {"type": "function", "function": {**WEATHER["function"], "strict": True}}
    refused(connector, {"user_message": "x", "tools": [loose]}, "Tools",
            'tool 1 (get_weather) is strict, so its parameters need "additionalProperties": false')
    sent(connector, recorder, user_message="Weather?", tools=[WEATHER])
    assert recorder.received[-1]["path"] == "/chat/completions"
    refused(connector, {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
                        "prefix": "c"}, "Answer Prefix", "end with a user message")
    data = connector.run("createChatCompletion", {"model": "deepseek-flash", "user_message": "Go on",
                                                  "prefix": "Once upon"}, connection)["data"]
    assert emulator.received()[-1].path == "/beta/chat/completions"
    reply = data["conversation"][-1]
    assert reply["content"].startswith("Once upon") and reply["content"] == \
        "Once upon" + data["choices"][0]["message"]["content"]


def test_a_tool_loop_with_thinking_on_through_the_conversation(connector, connection, emulator):
    asked = {"model": "deepseek-flash", "tools": [WEATHER], "user_message": "get_weather for Porto?"}
    first = connector.run("createChatCompletion", asked, connection)["data"]
    [call] = first["choices"][0]["message"]["tool_calls"]
    history = first["conversation"]
    assert history[-1]["reasoning_content"] and history[-1]["tool_calls"] == [call]
    result = {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 24 C"}
    second = connector.run("createChatCompletion", {"model": "deepseek-flash", "messages": [*history, result],
                                                    "tools": [WEATHER], "simplify_output": True},
                           connection)["data"]
    assert second["finish_reason"] == "stop" and second["usage"]["reasoning_tokens"] > 0
    assert second["conversation"][:-1] == [*history, result]
    stripped = [{k: v for k, v in m.items() if k != "reasoning_content"} for m in history]
    with pytest.raises(InvalidRequestError) as raised:
        connector.run("createChatCompletion", {"model": "deepseek-flash", "messages": [*stripped, result],
                                               "tools": [WEATHER]}, connection)
    assert "Message 2 of Messages (an assistant message that called tools) has no reasoning_content" \
        in str(raised.value)
    assert "Conversation output" in str(raised.value)


def test_a_text_only_model_given_a_picture_is_told_which_model_reads_images(connector, connection):
    with pytest.raises(InvalidRequestError) as raised:
        connector.run("createChatCompletion", {"model": "deepseek-v4-pro", "user_message": "What is it?",
                                               "image_urls": ["https://example.com/a.png"]}, connection)
    assert "reads text only" in str(raised.value) and "deepseek-flash" in str(raised.value)


def test_todays_roles_and_the_model_dropdown(connector, connection, emulator):
    reminder = {"role": "latest_reminder", "content": "2026-12-05,Saturday,Lisbon,Web,English"}
    messages = [reminder, {"role": "user", "content": "Hi"}]
    connector.run("createChatCompletion", {"model": "deepseek-flash", "messages": messages}, connection)
    assert emulator.received()[-1].json()["messages"][0] == reminder
    options = connector.run("selectModel", {}, connection)["data"]
    assert options == [{"label": "deepseek-flash (reads text, image)", "key": "deepseek-flash"},
                       {"label": "deepseek-v4-pro (reads text)", "key": "deepseek-v4-pro"}]


def test_json_with_an_answer_prefix_is_the_prefix_and_its_continuation(connector, recorder):
    answering(recorder, answer('"a": 1}'))
    connection = {"apiKey": FAKE_KEY, "baseUrl": recorder.url}
    inputs = {"model": "deepseek-flash", "user_message": "Reply in json", "prefix": "{",
              "response_format": "json_object", "simplify_output": True}
    data = connector.run("createChatCompletion", inputs, connection)["data"]
    assert data["json"] == {"a": 1} and data["conversation"][-1]["content"] == '{"a": 1}'
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
    del inputs["response_format"]
    data = connector.run("createChatCompletion", {**inputs, "json_schema": schema}, connection)["data"]
    assert data["json"] == {"a": 1} and "repairs" not in data
    # The same prefix given as the last of Messages.
    del inputs["prefix"], inputs["user_message"]
    inputs["messages"] = [{"role": "user", "content": "Reply in json"},
                          {"role": "assistant", "content": "{", "prefix": True}]
    for asked in ({"response_format": "json_object"}, {"json_schema": schema}):
        data = connector.run("createChatCompletion", {**inputs, **asked}, connection)["data"]
        assert (data["text"], data["json"]) == ('"a": 1}', {"a": 1}) and "repairs" not in data
        assert data["conversation"][-1]["content"] == '{"a": 1}'
    assert len(recorder.received) == 4  # no repair was asked


class CountingFile(io.BytesIO):
    """A picture handed over as a file object, counting the bytes read from it."""

    taken = 0

    def read(self, size=-1):
        data = super().read(size)
        self.taken += len(data)
        return data


def test_pictures_are_read_once_and_the_schema_instruction_is_not_handed_on(connector, recorder):
    answering(recorder, answer('{"city": "Porto"}'))
    picture = CountingFile(PNG)
    schema = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
    inputs = {"model": "deepseek-flash", "user_message": "Where is this?", "images": {"p.png": picture},
              "json_schema": schema, "simplify_output": True}
    connection = {"apiKey": FAKE_KEY, "baseUrl": recorder.url}
    data = connector.run("createChatCompletion", inputs, connection)["data"]
    assert picture.taken == 16 + len(PNG)  # its first bytes for the kind, then the whole, once
    sent = json.loads(recorder.received[0]["body"])["messages"]
    assert sent[0]["content"].startswith("Reply with only a JSON object")
    assert data["conversation"] == [*sent[1:], {"role": "assistant", "content": '{"city": "Porto"}'}]
