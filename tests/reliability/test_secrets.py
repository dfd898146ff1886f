"""Secret safety: a fake key fed in everywhere, in debug mode, shows up nowhere it should not."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from deepseek_connector.runtime.errors import ConnectorError, InputError, ResponseError
from deepseek_connector.runtime.manifest.form_schema import connection_schema
from tests.reliability.figures import count

KEY = "sk-test-leak-canary-0000-zzzz"


def everything_logged(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def test_key_through_connection_headers_query_and_body_in_debug_mode(connector, emulator, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, the emulator's included
    connection = {"apiKey": KEY, "baseUrl": emulator.url}
    emulator.add_fault(status=500, times=1, path="/echo")
    result = connector.run_result("rawRequest", {
        "url": "/echo", "method": "POST", "debugRequest": "true", "maxRetries": "1",
        "headers": [{"key": "X-Api-Key", "value": KEY}, {"key": "Authorization", "value": KEY}],
        "queryParams": [{"key": "api_key", "value": KEY}], "data": {"copy": KEY}}, connection)
    connector.run("createChatCompletion", {"model": "deepseek-flash", "messages": f"my key is {KEY}",
                                           "stream": "true"}, connection)
    emulator.add_fault(status=401, times=1, body=json.dumps({"error": {"message": f"bad key {KEY}"}}))
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {}, connection)
    shown = [everything_logged(caplog), str(caught.value), repr(caught.value),
             json.dumps(caught.value.to_dict()), repr(connector.connection(connection)),
             repr(connector.executor(connector.connection(connection))), repr(result.headers)]
    leaks = sum(KEY in text for text in shown)
    count("leaks", leaks)
    assert leaks == 0, [text[:200] for text in shown if KEY in text]
    assert "[REDACTED]" in shown[0]


def test_key_never_leaves_for_another_origin(connector, emulator, recorder):
    """Neither a URL nor a redirect (a real one, with Location on another origin) moves the key."""
    for url in (emulator.url + "/models", emulator.url.replace("127.0.0.1", "localhost") + "/x"):
        with pytest.raises(InputError):
            connector.run("rawRequest", {"url": url, "method": "GET"},
                          {"apiKey": KEY, "baseUrl": recorder.url})
    recorder.responder = lambda req: (302, {"Location": emulator.url + "/models"}, b"")
    connection = {"apiKey": KEY, "baseUrl": recorder.url}
    result = connector.run("rawRequest", {"url": "/models", "method": "GET"}, connection)
    assert result["data"] == {"redirect": True, "status": 302, "location": emulator.url + "/models"}
    with pytest.raises(ResponseError, match="redirect"):
        connector.run("listModels", {}, connection)
    with pytest.raises(ResponseError, match="redirect"):
        connector.run("createChatCompletion", {"model": "deepseek-flash", "messages": "hi", "stream": True},
                      connection)
    assert len(recorder.received) == 3
    assert emulator.received() == []
    count("leaks", len(emulator.received()))


def test_manifest_schema_and_describe_treat_the_key_as_write_only(connector):
    field = next(i for i in connector.manifest.connection.inputs if i.key == "apiKey")
    assert field.secret and field.type == "password"
    assert connection_schema(connector.manifest)["properties"]["apiKey"]["writeOnly"] is True


def test_cli_in_debug_mode_never_prints_the_key(emulator):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DEEPSEEK_")},
           "DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": emulator.url}
    runs = [
        ["--debug", "run", "rawRequest", "-i", "url=/echo", "-i", "method=POST", "-i",
         f"data={KEY}", "-i", "debugRequest=true", "-i", f'headers=[{{"key": "X-Key", "value": "{KEY}"}}]'],
        ["--debug", "run", "createChatCompletion", "-i", "model=deepseek-flash", "-i", f"messages={KEY}"],
        ["--debug", "run", "listModels", "-i", f"nonsense={KEY}"],
        ["describe", "--format", "json"],
        ["describe"],
        ["check"],
    ]
    for args in runs:
        done = subprocess.run([sys.executable, "-m", "deepseek_connector", *args], capture_output=True,
                              text=True, env=env, timeout=60)
        count("leaks", int(KEY in done.stdout + done.stderr))
        assert KEY not in done.stdout + done.stderr, args
        assert "Traceback" not in done.stderr
