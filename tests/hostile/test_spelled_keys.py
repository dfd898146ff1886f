"""A server that echoes the Authorization header however it likes (another charset, a NUL after
each character, split over stream chunks, escaped inside text the connector decodes again) never
gets the key, or 8 or more of its first characters, into anything a person sees: results, stream
events, the assembled answer, errors and their partial answers, log lines and the live text."""

from __future__ import annotations

import json
import logging

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.hostile.conftest import KEY, cli, error_texts, leaked
from tests.hostile.server import STREAM_HEAD, Exchange, route

CODECS = ("utf-16-le", "utf-16-be", "utf-16", "utf-32")


def spelled(text: str) -> str:
    """The key with a NUL after each character, as UTF-16-LE read as bytes shows it."""
    return "".join(ch + "\0" for ch in text)


@route("/wide-json")
def wide_json(ex: Exchange) -> None:
    """Every JSON answer DeepSeek gives, echoing the header, encoded in ex.server.codec."""
    echoed = f"Bearer {ex.key}"
    body = {"object": "list", "data": [{"id": echoed, "object": "model", "owned_by": echoed}],
            "is_available": True, "balance_infos": [{"currency": echoed}],
            "id": echoed, "model": echoed, "created": 1,
            "choices": [{"index": 0, "finish_reason": "stop", "text": echoed,
                         "message": {"role": "assistant", "content": echoed}}]}
    ex.whole(json.dumps(body).encode(ex.server.codec), ctype="application/json")


@route("/wide-text")
def wide_text(ex: Exchange) -> None:
    status = ex.server.status
    ex.whole(f"invalid request for Bearer {ex.key}".encode("utf-16-le"), status=status, ctype="text/plain")


def delta_chunk(field: str, piece: str) -> str:
    if field == "text":
        choice = {"index": 0, "text": piece, "finish_reason": None}
        return json.dumps({"id": "h", "object": "text_completion", "model": "m", "choices": [choice]})
    if field == "arguments":
        delta = {"tool_calls": [{"index": 0, "id": "c1", "type": "function",
                                 "function": {"name": "f", "arguments": piece}}]}
    else:
        delta = {field: piece}
    return json.dumps({"id": "h", "object": "chat.completion.chunk", "model": "m",
                       "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})


@route("/split-stream")
def split_stream(ex: Exchange) -> None:
    """The key five characters per event, in the field ex.server.stream_field; then [DONE], or a break."""
    ex.head(200, STREAM_HEAD)
    text = f"Your key: {ex.key} (echoed)"
    for start in range(0, len(text), 5):
        ex.event(delta_chunk(ex.server.stream_field, text[start:start + 5]))
    if ex.server.fail:
        return  # the stream breaks off: the error's partial answer holds the key's pieces
    ex.event("[DONE]")
    ex.chunk(b"")


@route("/nested-escape")
def nested_escape(ex: Exchange) -> None:
    """Text that is itself JSON, holding the key with its first letter escaped: only decoding it
    again (Simplify Output's arguments, JSON output's json) spells the key."""
    inner = json.dumps({"q": "\\u0073" + ex.key[1:]}).replace("\\\\", "\\")
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": inner}}
    message = {"role": "assistant", "content": inner, "tool_calls": [call]}
    body = {"id": "h", "object": "chat.completion", "model": "m", "created": 1,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": None}
    ex.whole(json.dumps(body).encode())


def log_text(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


CHAT = {"model": "deepseek-flash", "messages": "hi"}
FIM = {"model": "deepseek-flash", "prompt": "def f():"}


@pytest.mark.parametrize("codec", CODECS)
def test_json_answers_in_another_encoding(connector, hostile, conn, codec):
    hostile.codec = codec
    for alias in ("/models", "/balance", "/completions"):
        hostile.aliases[alias] = "/wide-json"
    results = [connector.run("listModels", {}, conn), connector.run("selectModel", {}, conn),
               connector.run("getUserBalance", {}, conn), connector.run("createChatCompletion", CHAT, conn),
               connector.run("createFimCompletion", FIM, conn),
               connector.run("rawRequest", {"url": "/models", "method": "GET"}, conn)]
    shown = json.dumps(results, ensure_ascii=False)
    assert "Bearer [REDACTED]" in shown and not leaked(shown)
    assert results[0]["data"]["data"][0]["id"] == "Bearer [REDACTED]"


@pytest.mark.parametrize("status", [400, 500, 200])
def test_error_text_in_utf16(connector, hostile, conn, caplog, status):
    caplog.set_level(logging.DEBUG)
    hostile.status = status
    hostile.aliases["/models"] = "/wide-text"
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {"maxRetries": 0}, conn)
    texts = [*error_texts(caught.value), log_text(caplog)]
    assert not leaked(*texts) and not leaked(*(text.replace("\0", "") for text in texts))
    assert "invalid request for Bearer [REDACTED]" in str(caught.value)
    done = cli("--debug", "run", "listModels", "-i", "maxRetries=0",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 1
    assert not leaked(done.stdout, done.stderr, done.stderr.replace("\0", ""))


@pytest.mark.parametrize("field", ["content", "reasoning_content", "arguments"])
def test_a_key_split_over_chat_stream_chunks(connector, hostile, conn, field):
    hostile.stream_field = field
    hostile.aliases["/completions"] = "/split-stream"
    inputs = {**CHAT, "stream": True}
    with connector.stream("createChatCompletion", inputs, conn) as stream:
        events = list(stream)
    shown = json.dumps(stream.result)
    assert "[REDACTED]" in shown and not leaked(shown)
    assert all(not leaked(json.dumps(event)) for event in events)  # each event on its own, too
    assert not leaked(json.dumps(connector.run("createChatCompletion", inputs, conn)))
    simplified = connector.run("createChatCompletion", {**inputs, "simplify_output": True}, conn)
    assert not leaked(json.dumps(simplified))


def test_a_key_split_over_fim_stream_chunks(connector, hostile, conn):
    hostile.stream_field = "text"
    hostile.aliases["/completions"] = "/split-stream"
    data = connector.run("createFimCompletion", {**FIM, "stream": True}, conn)["data"]
    assert data["choices"][0]["text"] == "Your key: [REDACTED] (echoed)"


@pytest.mark.parametrize("field", ["content", "arguments", "text"])
def test_a_split_key_in_the_partial_answer_of_a_broken_stream(connector, hostile, conn, field):
    hostile.stream_field, hostile.fail = field, True
    hostile.aliases["/completions"] = "/split-stream"
    action, inputs = ("createFimCompletion", FIM) if field == "text" else ("createChatCompletion", CHAT)
    with pytest.raises(ConnectorError) as caught:
        connector.run(action, {**inputs, "stream": True, "maxRetries": 0}, conn)
    assert caught.value.partial is not None
    assert "[REDACTED]" in json.dumps(caught.value.partial)
    assert not leaked(*error_texts(caught.value))


@pytest.mark.parametrize("field", ["content", "reasoning_content"])
def test_a_split_key_in_the_live_text(connector, hostile, conn, field):
    hostile.stream_field = field
    hostile.aliases["/completions"] = "/split-stream"
    with connector.stream("createChatCompletion", {**CHAT, "stream": True}, conn) as stream:
        pieces = list(stream.live())
    joined = "".join(reasoning + answer for reasoning, answer in pieces)
    assert joined == "Your key: [REDACTED] (echoed)"
    assert len(pieces) > 3  # it streamed: only what might start a key was held back
    done = cli("run", "createChatCompletion", "--live", "-i", "model=deepseek-flash", "-i", "messages=hi",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 0, done.stderr
    assert "Your key: [REDACTED] (echoed)" in done.stderr and not leaked(done.stdout, done.stderr)


def test_text_decoded_a_second_time(connector, hostile, conn):
    hostile.aliases["/completions"] = "/nested-escape"
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    runs = [connector.run("createChatCompletion", {**CHAT, "tools": tools, "simplify_output": True}, conn),
            connector.run("createChatCompletion", {**CHAT, "messages": "json please",
                                                   "response_format": "json_object",
                                                   "simplify_output": True}, conn)]
    assert runs[0]["data"]["tool_calls"][0]["arguments"] == {"q": "[REDACTED]"}
    assert runs[1]["data"]["json"] == {"q": "[REDACTED]"}
    schema = {"type": "object", "properties": {"q": {"type": "integer"}}}
    with pytest.raises(ConnectorError) as caught:
        connector.run("createChatCompletion", {**CHAT, "json_schema": schema, "maxRetries": 0}, conn)
    assert not leaked(json.dumps(runs), *error_texts(caught.value))
