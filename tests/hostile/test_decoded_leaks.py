"""A key a server spells so that the redaction of raw bytes cannot see it (JSON escapes, another
charset), or puts where only decoded values go (headers, a request id), is still never shown."""

from __future__ import annotations

import json
import logging

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.hostile.conftest import KEY, cli, error_texts, leaked
from tests.hostile.server import STREAM_HEAD, Exchange, chat_chunk, route


def escaped(text: str) -> str:
    """`text` as JSON string content written wholly in \\u escapes."""
    return "".join(f"\\u{ord(ch):04x}" for ch in text)


@route("/escaped-models")
def escaped_models(ex: Exchange) -> None:
    model = f'{{"id": "{escaped(ex.key)}", "object": "model", "owned_by": "x"}}'
    ex.whole(f'{{"object": "list", "data": [{model}]}}'.encode())


@route("/escaped-list")
def escaped_list(ex: Exchange) -> None:
    """Wrongly shaped JSON: the connection check quotes it in its reason."""
    ex.whole(f'["{escaped(ex.key)}"]'.encode())


@route("/escaped-stream")
def escaped_stream(ex: Exchange) -> None:
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("Hi ").replace('"Hi "', f'"{escaped(ex.key)}"'))
    ex.event(chat_chunk("", finish_reason="stop"))
    ex.event("[DONE]")
    ex.chunk(b"")


@route("/utf16-text")
def utf16_text(ex: Exchange) -> None:
    ex.whole(f"the key is {ex.key}".encode("utf-16"), ctype="text/plain; charset=utf-16")


@route("/upload")
def upload(ex: Exchange) -> None:
    ex.whole(b"{}")


@route("/key-in-headers")
def key_in_headers(ex: Exchange) -> None:
    status = 400 if ex.server.fail else 200
    body = b'{"error": {"message": "bad"}}' if status == 400 else b'{"object": "list", "data": []}'
    ex.whole(body, status=status, extra={"X-Ds-Trace-Id": ex.key, "X-Echo": f"Bearer {ex.key}"})


def test_escaped_key_in_a_json_answer(connector, hostile, conn):
    hostile.aliases["/models"] = "/escaped-models"
    for data in (connector.run("listModels", {}, conn),
                 connector.run("rawRequest", {"url": "/models", "method": "GET"}, conn)):
        shown = json.dumps(data)
        assert "[REDACTED]" in shown and not leaked(shown)


def test_escaped_key_in_a_streamed_answer(connector, hostile, conn):
    hostile.aliases["/completions"] = "/escaped-stream"
    inputs = {"model": "deepseek-flash", "messages": "hi", "stream": True}
    data = connector.run("createChatCompletion", inputs, conn)
    assert data["data"]["choices"][0]["message"]["content"] == "[REDACTED]"
    with connector.stream("createChatCompletion", inputs, conn) as stream:
        events = list(stream)
    assert not leaked(json.dumps(events), json.dumps(stream.result))


def test_escaped_key_in_the_live_answer_on_the_command_line(hostile):
    hostile.aliases["/completions"] = "/escaped-stream"
    done = cli("run", "createChatCompletion", "--live", "-i", "model=deepseek-flash", "-i", "messages=hi",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 0, done.stderr
    assert "[REDACTED]" in done.stderr and not leaked(done.stdout, done.stderr)


def test_key_in_another_charset(connector, hostile, conn):
    data = connector.run("rawRequest", {"url": "/utf16-text", "method": "GET", "responseType": "text"}, conn)
    assert data["data"] == "the key is [REDACTED]"


def test_escaped_key_quoted_by_the_connection_check(connector, hostile, conn):
    hostile.aliases["/models"] = "/escaped-list"
    result = connector.check_connection(conn, {"timeout": 5})["data"]
    assert result["valid"] is False and "[REDACTED]" in result["message"]
    assert not leaked(json.dumps(result))


def test_key_in_response_headers_and_the_request_id(connector, hostile, conn):
    hostile.aliases["/models"] = "/key-in-headers"
    result = connector.run_result("listModels", {}, conn)
    assert result.headers["X-Echo"] == "Bearer [REDACTED]"
    assert not leaked(repr(result), json.dumps(dict(result.headers)))
    hostile.fail = True
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {"maxRetries": 0}, conn)
    assert caught.value.to_dict()["request_id"] == "[REDACTED]"
    assert not leaked(*error_texts(caught.value))


def test_key_as_a_multipart_field_name_and_type_in_the_debug_log(connector, hostile, conn, caplog):
    caplog.set_level(logging.DEBUG)
    connector.run("rawRequest", {"url": "/upload", "method": "POST", "debugRequest": "true",
                                 "formData": [{"key": KEY, "value": "x"}],
                                 "fileData": [{"key": "f", "value": {"data": "aGVsbG8=",
                                                                     "contentType": f"text/{KEY}"}}]},
                  conn)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "multipart: field [REDACTED]=" in text and "text/[REDACTED]" in text
    assert not leaked(text)
