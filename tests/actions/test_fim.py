"""Create FIM Completion: the exact body on the beta endpoint, streamed or not, and what comes back."""

from __future__ import annotations

import pytest

from deepseek_connector.cli.main import main
from deepseek_connector.runtime.errors import InputError, InvalidRequestError
from tests.conftest import FAKE_KEY

FIM = {"model": "deepseek-flash", "prompt": "def add(a, b):", "suffix": "    return c"}
FILLED = "    # filled by the DeepSeek emulator: 14 characters before, 12 after"


def sent(emulator) -> dict:
    [request] = emulator.received("/completions")
    assert request.path == "/beta/completions"
    return request.json()


@pytest.mark.parametrize("base_suffix", ["", "/v1", "/beta", "/some/proxy/path/"])
def test_the_beta_endpoint_is_called_whatever_the_base_urls_path(connector, emulator, base_suffix):
    connection = {"apiKey": FAKE_KEY, "baseUrl": emulator.url + base_suffix}
    result = connector.run("createFimCompletion", FIM, connection)
    assert sent(emulator) == FIM
    choice = result["data"]["choices"][0]
    assert result["data"]["object"] == "text_completion"
    assert (choice["text"], choice["finish_reason"]) == (FILLED, "stop")


def test_every_input_reaches_the_body(connector, connection, emulator):
    connector.run("createFimCompletion", {
        **FIM, "max_tokens": "4", "temperature": "0.2", "top_p": 0.9, "frequency_penalty": "0.5",
        "presence_penalty": -1, "stop": ["after"], "logprobs": "2"}, connection)
    assert sent(emulator) == {**FIM, "max_tokens": 4, "temperature": 0.2, "top_p": 0.9,
                              "frequency_penalty": 0.5, "presence_penalty": -1, "stop": ["after"],
                              "logprobs": 2}
    plain = {"model": FIM["model"], "prompt": FIM["prompt"]}
    connector.run("createFimCompletion", {**plain, "echo": "yes"}, connection)
    assert emulator.received("/completions")[-1].json() == {**plain, "echo": True}


def test_max_tokens_echo_and_logprobs_come_back(connector, connection):
    plain = {"model": FIM["model"], "prompt": FIM["prompt"]}
    data = connector.run("createFimCompletion", {**plain, "max_tokens": 3, "echo": True}, connection)["data"]
    choice = data["choices"][0]
    assert choice["text"] == "def add(a, b):    # filled by" and choice["finish_reason"] == "length"
    data = connector.run("createFimCompletion", {**FIM, "max_tokens": 3, "logprobs": 2}, connection)["data"]
    choice = data["choices"][0]
    assert choice["logprobs"]["tokens"] == ["    #", " filled", " by"]
    assert [len(top) for top in choice["logprobs"]["top_logprobs"]] == [2, 2, 2]


@pytest.mark.parametrize("inputs, says", [
    ({"echo": True}, "Echo: cannot be combined with Suffix"),
    ({"echo": True, "logprobs": 1, "suffix": None}, "Echo: cannot be combined with Log Probabilities"),
    ({"max_tokens": 4097}, "Max Tokens"),
])
def test_fim_limits_are_kept_before_sending(connector, connection, emulator, inputs, says):
    with pytest.raises(InputError, match=says):
        connector.run("createFimCompletion", {**FIM, **inputs}, connection)
    assert emulator.received() == []


def test_a_streamed_answer_is_the_same_text_completion(connector, connection, emulator):
    plain = connector.run("createFimCompletion", {**FIM, "logprobs": 1}, connection)["data"]
    streamed = connector.run("createFimCompletion", {**FIM, "logprobs": 1, "stream": True,
                                                     "include_usage": True}, connection)["data"]
    bodies = [request.json() for request in emulator.received("/completions")]
    assert bodies[1] == {**FIM, "logprobs": 1, "stream": True, "stream_options": {"include_usage": True}}
    assert streamed["choices"] == plain["choices"] and streamed["usage"] == plain["usage"]
    assert streamed["object"] == "text_completion"


def test_simplify_output_gives_the_text_to_map(connector, connection):
    data = connector.run("createFimCompletion", {**FIM, "simplify_output": True}, connection)["data"]
    assert data == {"text": FILLED, "reasoning": None, "finish_reason": "stop", "tool_calls": [],
                    "json": None,
                    "usage": {"prompt_tokens": 5, "completion_tokens": 11, "total_tokens": 16,
                              "cache_hit_tokens": 0, "cache_miss_tokens": 5, "reasoning_tokens": None},
                    "model": "deepseek-flash", "id": data["id"]}


@pytest.mark.parametrize("inputs, message", [
    ({"prompt": ""}, "Prompt: is required."),
    ({"logprobs": 21}, "Log Probabilities: must be a whole number from 0 to 20"),
    ({"include_usage": True}, "Include Usage: can only be used when Stream is on."),
    ({"stop": [str(i) for i in range(17)]}, "Stop Sequences: may hold at most 16 entries"),
])
def test_input_errors_send_nothing(connector, connection, emulator, inputs, message):
    with pytest.raises(InputError, match=message):
        connector.run("createFimCompletion", {**FIM, **inputs}, connection)
    assert emulator.received() == []


def test_deepseeks_own_refusals_are_reported(connector, connection):
    with pytest.raises(InvalidRequestError, match="Model Not Exist"):
        connector.run("createFimCompletion", {**FIM, "model": "gpt-9"}, connection)


def test_cli_live_shows_the_fill_as_it_streams(emulator, capsys):
    assert main(["run", "createFimCompletion", "--live", "--base-url", emulator.url, "--api-key", FAKE_KEY,
                 "-i", "model=deepseek-flash", "-i", "prompt=def f():"]) == 0
    live = capsys.readouterr().err.strip()
    assert live == "# filled by the DeepSeek emulator: 8 characters before, 0 after"
