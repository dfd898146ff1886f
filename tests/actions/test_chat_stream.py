"""Streamed chat completions over real SSE from the emulator, and the SSE reader itself."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from deepseek_connector.actions.chat_assembler import ChatCompletionAssembler
from deepseek_connector.cli.main import main
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.errors import StreamError
from deepseek_connector.runtime.streaming.sse import iter_events
from tests.conftest import FAKE_KEY

STREAM = {"model": "deepseek-v4-flash", "messages": "Tell me something", "stream": "true"}
LONG_TOOL = {"type": "function", "function": {"name": "book_trip", "parameters": {
    "type": "object", "required": ["origin", "destination", "passengers", "window_seat"],
    "properties": {"origin": {"type": "string"}, "destination": {"type": "string"},
                   "passengers": {"type": "integer"}, "window_seat": {"type": "boolean"}}}}}


def message_of(result: dict) -> dict:
    return result["data"]["choices"][0]["message"]


def test_streamed_answer_equals_the_non_streamed_one(connector, connection, emulator):
    plain = connector.run("createChatCompletion", {**STREAM, "stream": "false"}, connection)
    streamed = connector.run("createChatCompletion", STREAM, connection)
    assert [r.json().get("stream") for r in emulator.received("/chat/completions")] == [False, True]
    assert message_of(streamed) == message_of(plain)
    assert streamed["data"]["object"] == "chat.completion"
    assert streamed["data"]["choices"][0]["finish_reason"] == "stop"
    assert streamed["data"]["usage"] == plain["data"]["usage"]  # usage on the last chunk


def test_reasoning_is_assembled_separately(connector, connection):
    result = connector.run("createChatCompletion", {**STREAM, "thinking": "enabled"}, connection)
    message = message_of(result)
    assert message["reasoning_content"] == "The user wrote 3 words. A short, direct answer fits best."
    assert message["content"] == "Hello from the DeepSeek emulator. You said: Tell me something"
    assert result["data"]["usage"]["completion_tokens_details"]["reasoning_tokens"] == 11


def test_tool_calls_split_over_many_chunks_are_merged(connector, connection):
    chunks = []
    inputs = {**STREAM, "tools": [LONG_TOOL], "tool_choice": "book_trip", "thinking": "disabled"}
    with connector.stream("createChatCompletion", inputs, connection) as stream:
        for chunk in stream:
            chunks.append(chunk)
    fragments = [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("tool_calls")]
    assert len(fragments) > 10
    [call] = stream.completion["choices"][0]["message"]["tool_calls"]
    assert call["index"] == 0  # as in a non-streamed answer, so the two are the same shape
    assert call["id"] == "call_0_book_trip" and call["type"] == "function"
    assert call["function"]["name"] == "book_trip"
    assert json.loads(call["function"]["arguments"]) == {
        "origin": "example", "destination": "example", "passengers": 1, "window_seat": True}
    assert stream.completion["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("style", ["separate", "last"])
def test_usage_on_its_own_chunk_or_on_the_last_one(connector, connection, emulator, style):
    emulator.add_fault(usage=style, path="/chat/completions")
    with connector.stream("createChatCompletion", {**STREAM, "include_usage": "true"}, connection) as s:
        chunks = list(s)
    final = chunks[-1]
    if style == "separate":
        assert final["choices"] == [] and final["usage"]["total_tokens"] > 0
    else:
        assert final["choices"][0]["finish_reason"] == "stop" and final["usage"]["total_tokens"] > 0
    assert s.completion["usage"] == final["usage"]
    assert s.completion["choices"][0]["finish_reason"] == "stop"


def test_keep_alive_comments_between_chunks_are_ignored(connector, connection, emulator):
    emulator.add_fault(keepalive=5, path="/chat/completions")
    result = connector.run("createChatCompletion", STREAM, connection)
    assert message_of(result)["content"].endswith("You said: Tell me something")


def test_crlf_line_endings(connector, connection, emulator):
    emulator.add_fault(crlf=True, path="/chat/completions")
    result = connector.run("createChatCompletion", {**STREAM, "thinking": "enabled"}, connection)
    assert message_of(result)["content"].endswith("You said: Tell me something")
    assert message_of(result)["reasoning_content"].startswith("The user wrote")


def test_an_error_event_in_the_stream_is_an_error_saying_what_arrived(connector, connection, emulator):
    emulator.add_fault(stream_error=True, path="/chat/completions")
    with pytest.raises(StreamError) as caught:
        connector.run("createChatCompletion", {**STREAM, "thinking": "disabled"}, connection)
    text = str(caught.value)
    assert 'DeepSeek reported an error in the middle of the answer: "The stream was interrupted' in text
    assert "chunks had arrived (" in text and "characters of answer" in text
    assert caught.value.partial["choices"][0]["message"]["content"].startswith("Hello")
    assert len(emulator.received("/chat/completions")) == 1  # never retried after the first byte


def test_a_stream_cut_before_done_is_incomplete_not_success(connector, connection, emulator):
    emulator.add_fault(drop="before_done", path="/chat/completions")
    with pytest.raises(StreamError) as caught:
        connector.run("createChatCompletion", STREAM, connection)
    assert "ended before DeepSeek marked it complete" in str(caught.value) \
        or "cut off by the network" in str(caught.value)
    assert caught.value.kind == "stream_incomplete"
    assert len(emulator.received("/chat/completions")) == 1


def test_a_stream_that_stalls_past_the_read_timeout_is_reported(connector, connection, emulator,
                                                               monkeypatch):
    monkeypatch.setattr(settings, "READ_TIMEOUT", 0.4)
    emulator.add_fault(stall_ms=2000, path="/chat/completions")
    with pytest.raises(StreamError) as caught:
        connector.run("createChatCompletion", STREAM, connection)
    assert "stream stalled" in str(caught.value) and "sent nothing for 0.4 s" in str(caught.value)


def test_errors_before_the_stream_starts_are_retried(connector, connection, emulator, fast_backoff):
    emulator.add_fault(status=503, path="/chat/completions", times=2)
    result = connector.run("createChatCompletion", STREAM, connection)
    assert message_of(result)["content"].endswith("Tell me something")
    assert len(emulator.received("/chat/completions")) == 3


def test_python_api_streams_chunks_as_they_arrive(connector, connection):
    seen = []
    with connector.stream("createChatCompletion", {**STREAM, "stream": "false"}, connection,
                          on_chunk=seen.append) as stream:
        texts = [ChatCompletionAssembler.live_text(chunk)[1] for chunk in stream]
    assert "".join(texts) == stream.completion["choices"][0]["message"]["content"]
    assert len(seen) == len(texts) > 5


def test_stream_refuses_actions_that_do_not_stream(connector, connection):
    from deepseek_connector.runtime.errors import InputError

    with pytest.raises(InputError, match="does not stream"):
        connector.stream("listModels", {}, connection)


def test_cli_live_prints_text_to_stderr_and_json_to_stdout(emulator, capsys):
    code = main(["run", "createChatCompletion", "--live", "--base-url", emulator.url,
                 "--api-key", FAKE_KEY, "-i", "model=deepseek-flash", "-i", "messages=Live please",
                 "-i", "thinking=disabled"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.strip() == "Hello from the DeepSeek emulator. You said: Live please"
    assert message_of(json.loads(captured.out))["content"] == captured.err.strip()
    assert emulator.received("/chat/completions")[0].json()["stream"] is True


def test_cli_live_shows_the_reasoning_then_the_answer(emulator, capsys):
    code = main(["run", "createChatCompletion", "--live", "--base-url", emulator.url, "--api-key", FAKE_KEY,
                 "-i", "model=deepseek-v4-pro", "-i", "messages=Think first", "-i", "thinking=enabled"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.strip() == ("Reasoning:\nThe user wrote 2 words. A short, direct answer fits best."
                                    "\n\nAnswer:\nHello from the DeepSeek emulator. You said: Think first")
    assert message_of(json.loads(captured.out))["reasoning_content"].startswith("The user wrote 2 words")


# -- the SSE reader on hand-made byte streams ------------------------------------------------

def events_of(*chunks: bytes) -> list[str]:
    return list(iter_events(chunks, 1 << 20))


def test_sse_line_endings_split_across_network_chunks():
    assert events_of(b"data: a\r", b"\n\r\n", b"data: b\r\rdata: c\n\n") == ["a", "b", "c"]


def test_sse_multi_line_data_comments_and_other_fields():
    stream = b": keep-alive\n\nevent: message\nid: 7\nretry: 10\ndata: first\ndata:second\n\n"
    assert events_of(stream) == ["first\nsecond"]


def test_sse_utf8_split_inside_a_character():
    text = "data: café ☕\n\n".encode()
    assert events_of(text[:8], text[8:]) == ["café ☕"]


def test_sse_last_event_without_blank_line_is_kept():
    assert events_of(b"data: [DONE]") == ["[DONE]"]


def test_assembler_memory_does_not_grow_with_chunk_count():
    def peak(count: int) -> int:
        assembler = ChatCompletionAssembler()
        chunk = {"id": "x", "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": None}]}
        tracemalloc.start()
        for _ in range(count):
            assembler.add(chunk)
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(2_000), peak(40_000)
    assert large < small + 64 * 1024  # empty deltas: nothing may accumulate per chunk


def test_finished_streams_give_their_connection_back_to_the_pool(connector, connection, emulator):
    before = emulator.connections_opened
    for _ in range(5):
        connector.run("createChatCompletion", STREAM, connection)
    assert emulator.connections_opened - before == 1
