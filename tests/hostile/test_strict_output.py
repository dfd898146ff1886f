"""What the connector hands on is strict JSON, whatever a server (or a model) sends: no NaN or
Infinity, no text no output can encode; and hostile shapes of input cost bounded work."""

from __future__ import annotations

import json

import pytest

from deepseek_connector.runtime.errors import ResponseError
from tests.hostile.conftest import KEY, cli
from tests.hostile.server import STREAM_HEAD, Exchange, chat_chunk, route

NUMBERS = ("NaN", "Infinity", "-Infinity", "1e400")


@route("/odd-number")
def odd_number(ex: Exchange) -> None:
    ex.whole(f'{{"object": "list", "data": [{{"id": "m", "created": {ex.server.malformed}}}]}}'.encode())


@route("/odd-number-stream")
def odd_number_stream(ex: Exchange) -> None:
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("Hi").replace('"created": 1', f'"created": {ex.server.malformed}'))
    ex.event("[DONE]")
    ex.chunk(b"")


@route("/surrogate")
def surrogate(ex: Exchange) -> None:
    message = '{"role": "assistant", "content": "x\\ud800 y"}'
    ex.whole(('{"id": "h", "object": "chat.completion", "model": "m", "choices": [{"index": 0, '
              f'"message": {message}, "finish_reason": "stop"}}]}}').encode())


@route("/surrogate-stream")
def surrogate_stream(ex: Exchange) -> None:
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("Hi").replace('"Hi"', '"x\\udfff y"'))
    ex.event("[DONE]")
    ex.chunk(b"")


@route("/model-nan")
def model_nan(ex: Exchange) -> None:
    """A model whose JSON answer holds NaN (text the connector parses for Simplify Output)."""
    body = {"id": "h", "object": "chat.completion", "model": "m", "created": 1,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": '{"score": NaN}'}}]}
    ex.whole(json.dumps(body).encode())


CHAT = {"model": "deepseek-flash", "messages": "hi"}


@pytest.mark.parametrize("number", NUMBERS)
def test_numbers_json_cannot_carry_are_a_malformed_answer(connector, hostile, conn, number):
    hostile.malformed = number
    hostile.aliases["/models"] = "/odd-number"
    with pytest.raises(ResponseError) as caught:
        connector.run("listModels", {"maxRetries": 0}, conn)
    assert caught.value.kind == "bad_response" and "NaN" in str(caught.value)
    hostile.aliases["/completions"] = "/odd-number-stream"
    with pytest.raises(ResponseError):
        connector.run("createChatCompletion", {**CHAT, "stream": True, "maxRetries": 0}, conn)
    done = cli("run", "listModels", "-i", "maxRetries=0",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1


def test_nan_in_a_models_json_answer_is_not_json(connector, hostile, conn):
    hostile.aliases["/completions"] = "/model-nan"
    inputs = {**CHAT, "messages": "json", "response_format": "json_object", "simplify_output": True}
    data = connector.run("createChatCompletion", inputs, conn)["data"]
    assert data["json"] is None and "not valid JSON" in data["json_error"]
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("path, stream", [("/surrogate", False), ("/surrogate-stream", True)])
def test_a_lone_surrogate_becomes_a_replacement_character(connector, hostile, conn, path, stream):
    hostile.aliases["/completions"] = path
    data = connector.run("createChatCompletion", {**CHAT, "stream": stream}, conn)["data"]
    assert data["choices"][0]["message"]["content"] == "x\ufffd y"
    json.dumps(data, ensure_ascii=False).encode("utf-8")
    done = cli("run", "createChatCompletion", "-i", "model=m", "-i", "messages=hi", "-i", f"stream={stream}",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"]["choices"][0]["message"]["content"] == "x\ufffd y"


def test_an_inputs_file_nested_past_the_limit_is_invalid_input(hostile, tmp_path):
    deep = tmp_path / "inputs.json"
    deep.write_text('{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}")
    done = cli("run", "createChatCompletion", "--inputs-file", str(deep),
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 2, done.stderr
    assert "--inputs-file: is nested too deeply" in done.stderr and "Unexpected" not in done.stderr
    assert not hostile.received


@route("/many-data-lines")
def many_data_lines(ex: Exchange) -> None:
    """One event of ex.server.count empty `data:` lines, 10,000 to an HTTP chunk."""
    ex.head(200, STREAM_HEAD)
    block = b"data:\n" * 10_000
    for _ in range(ex.server.count // 10_000):
        if not ex.alive():
            return
        ex.chunk(block)
    ex.chunk(b"\n")
    ex.event("[DONE]")
    ex.chunk(b"")


def test_ten_million_data_lines_cost_their_bytes_not_an_object_each(hostile, emulator):
    """An event's data lines are joined as they come, so memory follows the event's bytes (60 MB
    on the wire here, within the 64 MB limit), not a list item per line."""
    from tests.hostile.test_bounds import growth_mib, in_child

    hostile.count = 10_000_000
    hostile.aliases["/completions"] = "/many-data-lines"
    outcome = in_child("createChatCompletion", {**CHAT, "stream": True, "maxRetries": 0}, hostile.url,
                       emulator.url)
    assert outcome["kind"] == "bad_response", outcome  # ten million line breaks are not JSON
    wire_mib = hostile.count * len(b"data:\n") / 2**20
    assert growth_mib(outcome) < 2 * wire_mib, (growth_mib(outcome), outcome)
