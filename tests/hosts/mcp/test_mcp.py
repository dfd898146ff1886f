"""`deepseek-connector mcp` as MCP clients use it, driven by the official MCP SDK's client (mcp 2.3)
in its own venv, over stdio and over streamable HTTP, against the emulator: the built-in one
(--emulator) or the canary-keyed one of conftest.py. Security and set-up: test_mcp_security.py."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
from mcp import types

from deepseek_connector import load_connector
from tests.hosts.mcp.serving import (
    CHAT,
    HIDDEN,
    KEY,
    REPLY,
    TRANSPORTS,
    assert_no_key,
    cli,
    drive,
    http_server,
)


def served_schema(key: str) -> dict:
    done = cli("schema", key)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    del schema["x-lowcode-connection"]  # which connection the form needs: the server's own
    return schema


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_initialize_and_the_tools_from_the_manifest(kind):
    manifest = load_connector().manifest
    listed: list[types.Tool] = []

    async def body(client):
        assert client.server_info.name == "deepseek" and client.server_info.version
        assert client.server_capabilities.tools is not None
        assert client.server_capabilities.completions is not None
        listed.extend((await client.list_tools()).tools)

    drive(kind, ["--emulator"], body)
    expected = [spec for spec in manifest.actions if spec.key != HIDDEN]
    assert [tool.name for tool in listed] == [spec.key for spec in expected]  # no data sources either
    for tool, spec in zip(listed, expected, strict=True):
        assert tool.title == spec.label and tool.description == " ".join(spec.description.split())
        assert tool.input_schema == served_schema(spec.key)
        assert "connection" not in tool.input_schema["properties"]
        assert not any(p.get("writeOnly") for p in tool.input_schema["properties"].values())
        shown, declared = tool.annotations, spec.hints
        assert (shown.read_only_hint, shown.destructive_hint, shown.idempotent_hint, shown.open_world_hint) \
            == (declared.read_only, declared.destructive, declared.idempotent, declared.open_world)
    assert listed[0].annotations.read_only_hint is True  # listModels, from connector.yaml


@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize("mode", ["legacy", "auto"])  # initialize (2025-11-25), or discovery (2026-07-28)
def test_each_read_action_and_chat(kind, mode):
    results: dict[str, types.CallToolResult] = {}

    async def body(client):
        for name in ("listModels", "getUserBalance"):
            results[name] = await client.call_tool(name, {})
        results["chat"] = await client.call_tool("createChatCompletion", CHAT)
        results["simple"] = await client.call_tool("createChatCompletion", {**CHAT, "simplify_output": True})
        results["fim"] = await client.call_tool("createFimCompletion", {"model": "deepseek-flash",
                                                                        "prompt": "def f(", "suffix": ")"})

    drive(kind, ["--emulator"], body, mode=mode)
    assert not any(result.is_error for result in results.values())
    for name in ("listModels", "getUserBalance"):
        done = cli("run", name, "--emulator")
        assert results[name].structured_content == json.loads(done.stdout)["data"]
        assert json.loads(results[name].content[0].text) == results[name].structured_content
    assert results["chat"].structured_content["object"] == "chat.completion"
    assert results["chat"].content[0].text == REPLY
    assert results["simple"].structured_content["text"] == REPLY
    assert results["simple"].content[0].text == REPLY
    assert results["fim"].content[0].text == results["fim"].structured_content["choices"][0]["text"]


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_bad_input_is_an_error_result_naming_the_input(kind):
    results: dict[str, types.CallToolResult] = {}

    async def body(client):
        results["range"] = await client.call_tool("createChatCompletion", {**CHAT, "temperature": 9})
        results["missing"] = await client.call_tool("createChatCompletion", {"model": "deepseek-flash"})
        results["connection"] = await client.call_tool("listModels", {"connection": {"baseUrl": "https://x.test"}})
        results["unknown"] = await client.call_tool("noSuchTool", {})

    drive(kind, ["--emulator"], body)
    for result in results.values():
        assert result.is_error and len(result.content) == 1 and "\n" not in result.content[0].text
        assert "Traceback" not in result.content[0].text
    assert "Temperature" in results["range"].content[0].text
    assert results["range"].structured_content["error"]["kind"] == "invalid_input"
    assert "Messages: or User Message is needed" in results["missing"].content[0].text
    assert "Connection" in results["connection"].content[0].text
    assert "listModels" in results["unknown"].content[0].text


@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_a_streamed_chat_reports_progress_as_it_arrives(kind, mode, emulator, canary):
    # The emulator pauses mid-stream, and its answer spells the key, which must arrive redacted.
    emulator.add_fault(path="/chat/completions", stall_ms=800, content=f"Here is the key {KEY} as asked.")
    notes: list[tuple[float, float, str | None]] = []
    results: list[tuple[float, types.CallToolResult]] = []

    async def noted(progress: float, total: float | None, message: str | None) -> None:
        notes.append((time.monotonic(), progress, message))

    async def body(client):
        result = await client.call_tool("createChatCompletion", {**CHAT, "stream": True},
                                        progress_callback=noted)
        results.append((time.monotonic(), result))

    record = drive(kind, **canary(kind), body=body, mode=mode)
    [(ended, result)] = results
    assert not result.is_error
    assert len(notes) > 1, notes
    assert ended - notes[0][0] > 0.5, "the first progress came only when the answer was complete"
    assert [progress for _, progress, _ in notes] == sorted({progress for _, progress, _ in notes})
    assert "".join(message or "" for _, _, message in notes) == result.content[0].text
    assert result.content[0].text.startswith("Here is the key ") and KEY not in result.content[0].text
    [sent] = emulator.received("/chat/completions")
    assert sent.header("Authorization") == f"Bearer {KEY}"  # the key was used, and shown nowhere
    assert_no_key(record)


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_the_model_argument_completes_from_the_live_list(kind):
    answers: dict[str, types.CompleteResult] = {}

    async def body(client):
        for typed in ("deepseek-v", "deepseek-f", "x"):
            answers[typed] = await client.complete(types.PromptReference(name="createChatCompletion"),
                                                   {"name": "model", "value": typed})
        answers["other"] = await client.complete(types.PromptReference(name="listModels"),
                                                 {"name": "timeout", "value": ""})

    drive(kind, ["--emulator"], body)
    assert answers["deepseek-v"].completion.values == ["deepseek-v4-pro"]
    assert answers["deepseek-f"].completion.values == ["deepseek-flash"]
    assert answers["x"].completion.values == [] and answers["other"].completion.values == []


def test_a_streamed_chat_with_progress_is_finished_like_any_other():
    results: list[types.CallToolResult] = []

    async def ignore(progress: float, total: float | None, message: str | None) -> None:
        pass

    async def body(client):
        results.append(await client.call_tool("createChatCompletion", {**CHAT, "stream": True,
                                                                       "simplify_output": True},
                                              progress_callback=ignore))

    drive("stdio", ["--emulator"], body)
    assert results[0].structured_content.get("text") == REPLY


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads child processes from /proc")
def test_the_emulator_runs_inside_the_server_so_none_outlives_it():
    with tempfile.TemporaryFile("w+") as errlog, http_server(["--emulator"], errlog) as (_, server):
        assert Path(f"/proc/{server}/task/{server}/children").read_text().split() == []
