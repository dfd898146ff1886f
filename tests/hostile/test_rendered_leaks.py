"""Found by a cold attacker's review: text that shows the key once a terminal or a viewer renders
it (escape sequences, escapes in a quoted value, right-to-left overrides, format characters), a key
in a header's name or a library's traceback, and server headers or charsets that cost unbounded
work or raised untyped exceptions."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from deepseek_connector.runtime.redaction import Redactor
from tests.hostile.conftest import KEY, cli, error_texts, leaked
from tests.hostile.server import Exchange, route

CHAT = {"model": "deepseek-flash", "messages": "hi"}
# What a terminal, a log viewer or a reader shows: escape sequences do nothing, and an escape in a
# quoted value stands for an invisible character.
SHOWS_NOTHING = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|[\x00\u200b\u070f\u2800]")


def rendered(*texts: object) -> list[str]:
    return leaked(*(SHOWS_NOTHING.sub("", str(text)) for text in texts))


def answer(content: str) -> bytes:
    message = {"role": "assistant", "content": content}
    return json.dumps({"id": "h", "object": "chat.completion", "model": "m", "created": 1,
                       "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}).encode()


@route("/escaped-error")
def escaped_error(ex: Exchange) -> None:
    shown = ex.key[:7] + "\x1b[0m" + ex.key[7:]
    ex.whole(json.dumps({"error": {"message": f"Your api key: {shown} is invalid"}}).encode(), status=401)


@route("/styled-answer")
def styled_answer(ex: Exchange) -> None:
    gap = ex.server.malformed
    ex.whole(answer(f"a {ex.key[:7]}{gap}{ex.key[7:]} b; c \u202e{ex.key[::-1]}\u202c d"))


@route("/quoted-invisible")
def quoted_invisible(ex: Exchange) -> None:
    ex.whole(answer(json.dumps({"a": ex.key[:7] + "\u200b" + ex.key[7:]})))


@route("/key-header-name")
def key_header_name(ex: Exchange) -> None:
    ex.whole(b'{"object": "list", "data": []}', extra={ex.key: "x", "X-Ok": "1"})


@route("/unparsable-header")
def unparsable_header(ex: Exchange) -> None:
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{ex.key}\r\n"
            "Content-Length: 30\r\nConnection: close\r\n\r\n")
    ex.sock.sendall(head.encode() + b'{"object": "list", "data": []}')


@route("/odd-headers")
def odd_headers(ex: Exchange) -> None:
    if ex.server.fail:
        ex.whole(b"{}", status=503, extra={"Retry-After": "Mon, 01 Jan 99999999999 00:00:00 GMT"})
    else:
        ex.head(200, {"Content-Type": "application/json", "Content-Length": "9" * 5000})
        ex.sock.sendall(b'{"object": "list", "data": []}')


@route("/punycode")
def punycode(ex: Exchange) -> None:
    ex.whole(b"-" + b"9zz" * 200_000, status=400, ctype="application/json; charset=punycode")


def test_terminal_escapes_inside_the_key(connector, hostile, conn):
    hostile.aliases["/models"] = "/escaped-error"
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {}, conn)
    assert "[REDACTED]" in str(caught.value) and not rendered(*error_texts(caught.value))
    done = cli("run", "listModels", env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 1 and "\x1b" not in done.stderr and not rendered(done.stderr)


@pytest.mark.parametrize("gap", ["\x1b[31m", "\u070f", "\u2800", "\\x00"])
def test_keys_that_render_whole_in_an_answer(connector, hostile, conn, gap):
    hostile.malformed = gap
    hostile.aliases["/completions"] = "/styled-answer"
    content = connector.run("createChatCompletion", CHAT, conn)["data"]["choices"][0]["message"]["content"]
    assert content == "a [REDACTED] b; c \u202e[REDACTED]\u202c d"


def test_a_quoted_value_escaping_an_invisible_character(connector, hostile, conn):
    hostile.aliases["/completions"] = "/quoted-invisible"
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    with pytest.raises(ConnectorError) as caught:
        connector.run("createChatCompletion", {**CHAT, "json_schema": schema}, conn)
    assert caught.value.kind == "invalid_output" and not rendered(*error_texts(caught.value))
    tools = [{"type": "function", "function": {"name": "f", "parameters": schema}}]
    inputs = {**CHAT, "tools": tools, "simplify_output": True, "response_format": "json_object",
              "messages": "json"}
    simplified = connector.run("createChatCompletion", inputs, conn)
    assert not rendered(json.dumps(simplified))


def test_a_key_as_a_header_name(connector, hostile, conn, caplog):
    caplog.set_level(logging.DEBUG)
    hostile.aliases["/models"] = "/key-header-name"
    result = connector.run_result("listModels", {}, conn)
    assert result.headers["X-Ok"] == "1" and not leaked(json.dumps(dict(result.headers)), caplog.text)


def test_a_library_traceback_quoting_the_key(connector, hostile, conn, caplog):
    """urllib3 logs a header it cannot parse with its traceback, which quotes the line."""
    caplog.set_level(logging.DEBUG)
    hostile.aliases["/models"] = "/unparsable-header"
    try:
        connector.run("listModels", {"maxRetries": 0}, conn)
    except ConnectorError as error:
        assert not leaked(*error_texts(error))
    assert "Failed to parse headers" in caplog.text and not leaked(caplog.text)
    formatted = [logging.Formatter().format(record) for record in caplog.records]
    assert not leaked(*formatted)


@pytest.mark.parametrize("fail", [True, False])
def test_headers_past_what_python_parses(connector, hostile, conn, fail):
    hostile.fail = fail
    hostile.aliases["/models"] = "/odd-headers"
    try:
        connector.run("listModels", {"maxRetries": 1}, conn)
    except ConnectorError as error:
        assert error.kind in ("server_error", "bad_response")


def test_a_charset_whose_decoding_costs_unbounded_work(connector, hostile, conn):
    hostile.aliases["/models"] = "/punycode"
    started = time.monotonic()
    with pytest.raises(ConnectorError):
        connector.run("listModels", {"timeout": 5, "maxRetries": 0}, conn)
    assert time.monotonic() - started < 6


def test_a_clean_large_value_is_not_walked(monkeypatch):
    redactor, walked = Redactor([KEY]), []
    monkeypatch.setattr(Redactor, "shown", lambda self, text: walked.append(text) or text)
    redactor.value({"data": [{"id": f"model-{n}", "n": n} for n in range(50_000)]})
    assert walked == []
    redactor.value({"data": [{"id": KEY}]})
    assert walked
