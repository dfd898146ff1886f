"""Server text, cut text and unsendable keys never put the key (or 8+ characters of it) anywhere."""

from __future__ import annotations

import logging

import pytest

from deepseek_connector.runtime import settings
from deepseek_connector.runtime.errors import ConnectorError, InputError
from tests.hostile.conftest import KEY, cli, error_texts, leaked


def log_text(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("offset", [1, 4, 8, 20, len(KEY) - 1])
def test_debug_log_cut_inside_the_key_shows_no_part_of_it(connector, emulator, caplog, offset):
    """The key straddles the 10 KiB cut of a logged body: redaction comes before the cut."""
    caplog.set_level(logging.DEBUG)
    body = "x" * (settings.LOG_BODY_LIMIT - offset) + KEY + "y" * 50
    connector.run("rawRequest", {"url": "/echo", "method": "POST", "data": body, "debugRequest": "true"},
                  {"apiKey": KEY, "baseUrl": emulator.url})
    text = log_text(caplog)
    assert "truncated" in text
    assert not leaked(text)


def test_a_multipart_field_cut_inside_the_key_shows_no_part_of_it(connector, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    connector.run("rawRequest", {"url": "/echo", "method": "POST", "debugRequest": "true",
                                 "formData": [{"key": "f", "value": "z" * 190 + KEY}]},
                  {"apiKey": KEY, "baseUrl": emulator.url})
    assert not leaked(log_text(caplog))


@pytest.mark.parametrize("pad", [0, 100, 115, 118, 190, 195, 199])
@pytest.mark.parametrize("route, action", [("/echo-key-text", "rawRequest"),
                                            ("/echo-key-error", "rawRequest"),
                                            ("/echo-key-error", "getUserBalance")])
def test_server_text_cut_inside_the_key_in_an_error(connector, hostile, conn, caplog, pad, route, action):
    caplog.set_level(logging.DEBUG)
    hostile.pad = pad
    hostile.aliases["/balance"] = route  # Get User Balance calls /user/balance
    inputs = {"url": route, "method": "GET"} if action == "rawRequest" else {}
    with pytest.raises(ConnectorError) as caught:
        connector.run(action, {**inputs, "maxRetries": 0}, conn)
    assert not leaked(*error_texts(caught.value), log_text(caplog))


@pytest.mark.parametrize("action, route", [
    ("listModels", "/echo-key-json"), ("selectModel", "/echo-key-json"),
    ("getUserBalance", "/echo-key-json"), ("createChatCompletion", "/echo-key-json"),
])
def test_wrongly_shaped_json_quoting_the_header(connector, hostile, conn, action, route):
    for alias in ("/models", "/balance", "/completions"):
        hostile.aliases[alias] = route
    inputs = {"model": "deepseek-flash", "messages": "hi"} if action == "createChatCompletion" else {}
    with pytest.raises(ConnectorError) as caught:
        connector.run(action, inputs, conn)
    assert caught.value.kind == "bad_response"
    assert not leaked(*error_texts(caught.value))


def test_a_streamed_data_line_quoting_the_key(connector, hostile, conn):
    hostile.aliases["/completions"] = "/echo-key-stream"
    with pytest.raises(ConnectorError) as caught:
        connector.run("createChatCompletion", {"model": "deepseek-flash", "messages": "hi", "stream": True},
                      conn)
    assert caught.value.kind == "bad_response"
    assert not leaked(*error_texts(caught.value))


def test_cli_errors_from_echoing_servers(hostile):
    hostile.aliases["/models"] = "/echo-key-json"
    done = cli("run", "listModels", env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": hostile.url})
    assert done.returncode == 1 and "Error:" in done.stderr
    assert not leaked(done.stdout, done.stderr)


@pytest.mark.parametrize("bad_key, message", [
    (KEY + "\u200b", "may only contain printable ASCII characters"),
    ("\u200b" + KEY, "may only contain printable ASCII characters"),
    (KEY[:10] + "\x07" + KEY[10:], "may only contain printable ASCII characters"),
    (KEY[:10] + "\u00e9" + KEY[10:], "may only contain printable ASCII characters"),
    (KEY[:10] + " " + KEY[10:], "must not contain spaces"),
    ("   ", "is required"),
    ("\t\n", "is required"),
])
def test_keys_that_cannot_be_sent_are_invalid_input(connector, recorder, bad_key, message):
    for run in (lambda: connector.run("listModels", {}, {"apiKey": bad_key, "baseUrl": recorder.url}),
                lambda: connector.check_connection({"apiKey": bad_key, "baseUrl": recorder.url})):
        with pytest.raises(InputError) as caught:
            run()
        assert f"API Key: {message}" in str(caught.value)
        assert not leaked(*error_texts(caught.value))
    assert recorder.received == []


@pytest.mark.parametrize("command", [["run", "listModels"], ["check"]])
@pytest.mark.parametrize("bad_key", [KEY + "\u200b", KEY[:5] + "\x01" + KEY[5:], "  "])
def test_cli_refuses_unsendable_keys_with_exit_2(recorder, command, bad_key):
    done = cli(*command, "--base-url", recorder.url, env={"DEEPSEEK_API_KEY": bad_key})
    assert done.returncode == 2, done.stderr
    assert "API Key:" in done.stderr and "Traceback" not in done.stderr
    assert not leaked(done.stdout, done.stderr)
    assert recorder.received == []
