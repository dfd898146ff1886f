"""The MCP server's tools and calls, as far as they go without the MCP SDK (the server itself is
driven by the SDK's client in tests/hosts/mcp/, in a venv of its own)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deepseek_connector import load_connector
from deepseek_connector.emulator import Emulator
from deepseek_connector.hosts.mcp.calls import LiveText, ToolCall
from deepseek_connector.hosts.mcp.command import is_loopback, listen_address
from deepseek_connector.hosts.mcp.tools import served_tools, structured, text_of
from deepseek_connector.runtime.connector import Connector
from deepseek_connector.runtime.errors import InputError
from deepseek_connector.runtime.manifest.form_schema import action_schema
from deepseek_connector.runtime.manifest.loading import check_manifest

KEY = "sk-test-mcp-unit-canary-0123456789"
MANIFEST = Path(__file__).resolve().parent.parent / "connector.yaml"


@pytest.fixture(scope="module")
def connection():
    with Emulator() as emulator:
        yield {"apiKey": KEY, "baseUrl": emulator.url}


def test_one_tool_per_action_from_the_manifest():
    connector = load_connector()
    tools = served_tools(connector)
    assert [tool.name for tool in tools] == [key for key in connector.action_keys() if key != "rawRequest"]
    assert [tool.name for tool in served_tools(connector, allow_raw_request=True)] == connector.action_keys()
    for tool in tools:
        spec = connector.spec(tool.name)
        schema = action_schema(connector.manifest, spec)
        assert schema.pop("x-lowcode-connection") == "apiKey"
        assert tool.input_schema == schema and tool.title == spec.label
        assert tool.hints == spec.hints.model_dump(by_alias=True)
    chat = next(tool for tool in tools if tool.name == "createChatCompletion")
    assert chat.choices_from == {"model": "selectModel"} and chat.streams
    assert chat.hints == {"readOnly": False, "destructive": False, "idempotent": False, "openWorld": True}


def test_a_new_action_is_served_with_no_mcp_code():
    data = yaml.safe_load(MANIFEST.read_text("utf-8"))
    copy = {**data["actions"][0], "key": "listModelsAgain", "label": "List Models Again"}
    data["actions"].append(copy)
    connector = Connector(check_manifest(data))
    [tool] = [tool for tool in served_tools(connector) if tool.name == "listModelsAgain"]
    assert tool.title == "List Models Again" and tool.hints["readOnly"] is True


@pytest.mark.parametrize(("data", "text"), [
    ({"object": "chat.completion", "choices": [{"message": {"content": "Hi"}}]}, "Hi"),
    ({"object": "text_completion", "choices": [{"text": "  x = 1"}]}, "  x = 1"),
    ({"text": "Hi", "finish_reason": "stop", "tool_calls": []}, "Hi"),
])
def test_a_completion_answers_with_its_text(data, text):
    assert text_of(data) == text and structured(data) == data


def test_other_results_answer_with_their_json():
    calls_only = {"object": "chat.completion", "choices": [{"message": {"content": None, "tool_calls": []}}]}
    assert json.loads(text_of(calls_only)) == calls_only
    assert structured([1, 2]) == {"data": [1, 2]} and json.loads(text_of([1, 2])) == [1, 2]


def test_a_call_gives_the_result_or_the_one_line_error(connection):
    connector = load_connector()
    tools = {tool.name: tool for tool in served_tools(connector)}
    done = ToolCall(connector, connection, tools["listModels"], {}).run()
    assert not done.is_error and done.structured["object"] == "list"
    bad = ToolCall(connector, connection, tools["createChatCompletion"],
                   {"model": "deepseek-flash", "messages": "Hi", "temperature": KEY}).run()
    assert bad.is_error and bad.structured["error"]["kind"] == "invalid_input"
    assert "Temperature" in bad.text and KEY[:8] not in bad.text and "\n" not in bad.text


def test_an_unexpected_error_shows_only_its_type(connection):
    class Broken:
        def run(self, *args):
            raise RuntimeError(f"something quoting {KEY}")

    tool = served_tools(load_connector())[0]
    outcome = ToolCall(Broken(), connection, tool, {}).run()  # type: ignore[arg-type]
    assert outcome.is_error and "RuntimeError" in outcome.text and KEY[:8] not in outcome.text


def test_a_watched_stream_hands_its_text_on_as_it_comes(connection):
    connector = load_connector()
    chat = next(tool for tool in served_tools(connector) if tool.name == "createChatCompletion")
    live = LiveText()
    outcome = ToolCall(connector, connection, chat, {"model": "deepseek-flash", "messages": "Hi",
                                                     "stream": True}, live=live).run()
    taken = live.take()
    # The messages are the answer's text; the progress counts the reasoning that came first too.
    reasoning = outcome.structured["choices"][0]["message"]["reasoning_content"]
    assert taken is not None and taken[0] == outcome.text and taken[1] == len(reasoning + outcome.text)
    assert live.take() is None
    live.add("more thought", "")
    assert live.take() == (None, len(reasoning + outcome.text) + 12)  # progress without a message
    unwatched = ToolCall(connector, connection, chat, {"model": "deepseek-flash", "messages": "Hi",
                                                       "stream": True}).run()
    assert unwatched.text == outcome.text


def test_listening_beyond_this_machine_needs_the_flag(capsys):
    assert listen_address("8765", allow_remote=False) == ("127.0.0.1", 8765)
    assert listen_address("[::1]:0", allow_remote=False) == ("::1", 0)
    assert listen_address("localhost:1", allow_remote=False) == ("localhost", 1)
    assert is_loopback("127.0.0.2") and not is_loopback("0.0.0.0") and not is_loopback("example.test")
    for wrong in ("0.0.0.0:8765", "example.test:1", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(InputError):
            listen_address(wrong, allow_remote=False)
    assert capsys.readouterr().err == ""
    assert listen_address("0.0.0.0:8765", allow_remote=True) == ("0.0.0.0", 8765)
    assert "anyone who can reach 0.0.0.0:8765" in capsys.readouterr().err


def test_the_connector_and_these_modules_never_import_the_sdk():
    code = ("import sys, deepseek_connector.hosts.mcp.command, deepseek_connector.hosts.mcp.calls\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'uvicorn', 'starlette')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.skipif(importlib.util.find_spec("mcp") is not None, reason="the MCP SDK is installed here")
def test_without_the_sdk_the_command_says_how_to_install_it():
    done = subprocess.run([sys.executable, "-m", "deepseek_connector", "mcp", "--emulator"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert done.stderr.strip() == ("Error: The MCP server needs the MCP SDK: "
                                   "pip install 'deepseek-connector[mcp]'.")
