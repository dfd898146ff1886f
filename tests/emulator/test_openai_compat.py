"""The official openai client, pointed at the emulator, reads its answers and streams."""

from __future__ import annotations

import json

import pytest

openai = pytest.importorskip("openai")

from tests.conftest import FAKE_KEY  # noqa: E402

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


@pytest.fixture
def client(emulator):
    with openai.OpenAI(api_key=FAKE_KEY, base_url=emulator.url, max_retries=0) as instance:
        yield instance


def test_models_list(client):
    assert [model.id for model in client.models.list()] == ["deepseek-flash", "deepseek-v4-pro"]


def test_non_streamed_completion_with_logprobs(client):
    completion = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": "Hi"}],
        logprobs=True, top_logprobs=2)
    choice = completion.choices[0]
    assert choice.message.content == "Hello from the DeepSeek emulator. You said: Hi"
    assert choice.finish_reason == "stop"
    assert len(choice.logprobs.content[0].top_logprobs) == 2
    usage = completion.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_streamed_completion_with_reasoning_and_usage(client):
    stream = client.chat.completions.create(
        model="deepseek-flash", messages=[{"role": "user", "content": "Think"}], stream=True,
        stream_options={"include_usage": True})
    content, reasoning, usage = [], [], None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            content.append(choice.delta.content or "")
            reasoning.append(getattr(choice.delta, "reasoning_content", None) or "")
    assert "".join(content) == "Hello from the DeepSeek emulator. You said: Think"
    assert "".join(reasoning).startswith("The user wrote 1 words.")
    assert usage is not None and usage.total_tokens > 0


def test_streamed_tool_call_fragments(client):
    stream = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": "Weather?"}], stream=True,
        tools=[WEATHER], tool_choice="required", extra_body={"thinking": {"type": "disabled"}})
    arguments, name = [], None
    for chunk in stream:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or ():
                name = name or call.function.name
                arguments.append(call.function.arguments or "")
    assert name == "get_weather"
    assert json.loads("".join(arguments)) == {"city": "example"}


def test_fim_completion_on_beta(emulator):
    with openai.OpenAI(api_key=FAKE_KEY, base_url=emulator.url + "/beta", max_retries=0) as beta:
        completion = beta.completions.create(model="deepseek-v4-flash", prompt="def fib(a):",
                                             suffix="    return fib(a-1) + fib(a-2)", max_tokens=128)
        assert completion.object == "text_completion"
        filled = "    # filled by the DeepSeek emulator: 11 characters before, 30 after"
        assert completion.choices[0].text == filled
        assert completion.choices[0].finish_reason == "stop" and completion.usage.total_tokens > 0
        pieces = [chunk.choices[0].text for chunk in beta.completions.create(
            model="deepseek-v4-flash", prompt="def fib(a):", max_tokens=4, stream=True) if chunk.choices]
        assert "".join(pieces) == "    # filled by the"


def test_fim_is_refused_off_beta_as_deepseek_does(client):
    with pytest.raises(openai.BadRequestError, match="only available when using beta api"):
        client.completions.create(model="deepseek-v4-flash", prompt="def f():")


def test_errors_use_the_openai_envelope(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="deepseek-v4-flash",
                                       messages=[{"role": "wizard", "content": "x"}])
    assert "unknown variant `wizard`" in str(caught.value)
    emulator.add_fault(status=402, times=1)
    with pytest.raises(openai.APIStatusError) as caught:
        client.models.list()
    assert caught.value.status_code == 402


def test_missing_key_is_401(emulator):
    import requests

    response = requests.get(f"{emulator.url}/models", timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
