"""What the MCP server keeps from agents and strangers: the key (searched for in every message and
the server's stderr), Raw Request, other hosts' requests, addresses beyond this machine; and the
README's client settings, started as a client starts them."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from mcp import types

from tests.hosts.mcp.serving import CHAT, HIDDEN, KEY, TRANSPORTS, assert_no_key, cli, drive, http_server

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_a_rejected_key_is_an_error_result(kind, emulator, canary):
    emulator.add_fault(path="/models", status=401)
    results: list[types.CallToolResult] = []

    async def body(client):
        results.append(await client.call_tool("listModels", {}))

    record = drive(kind, **canary(kind), body=body)
    [result] = results
    assert result.is_error and result.structured_content["error"]["kind"] == "authentication"
    assert "\n" not in result.content[0].text
    assert_no_key(record)


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_raw_request_is_hidden_unless_allowed(kind, emulator, canary):
    seen: dict[str, object] = {}

    async def hidden(client):
        seen["hidden"] = [tool.name for tool in (await client.list_tools()).tools]
        seen["refused"] = await client.call_tool(HIDDEN, {"url": "/user/balance", "method": "GET"})

    async def allowed(client):
        seen["allowed"] = {tool.name: tool for tool in (await client.list_tools()).tools}
        seen["called"] = await client.call_tool(HIDDEN, {"url": "/user/balance", "method": "GET"})

    drive(kind, **canary(kind), body=hidden)
    assert emulator.received() == []  # nothing was sent for the refused call
    record = drive(kind, **canary(kind, "--allow-raw-request"), body=allowed)
    assert HIDDEN not in seen["hidden"]
    assert seen["refused"].is_error and "--allow-raw-request" in seen["refused"].content[0].text
    assert seen["allowed"][HIDDEN].annotations.destructive_hint is True
    assert not seen["called"].is_error
    assert seen["called"].structured_content["balance_infos"][0]["currency"] == "USD"
    assert_no_key(record)


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_the_key_is_in_no_message_and_no_log_line(kind, emulator, canary):
    emulator.add_fault(path="/beta/completions", content=f"key: {KEY}")
    emulator.add_fault(path="/user/balance", status=500, body=f'{{"error": {{"message": "bad key {KEY}"}}}}',
                       times=3)

    async def body(client):
        await client.list_tools()
        for name, arguments in [("listModels", {}), ("getUserBalance", {"maxRetries": 0}),
                                ("createFimCompletion", {"model": "deepseek-flash", "prompt": "a"}),
                                ("createChatCompletion", {**CHAT, "messages": f"repeat {KEY}"}),
                                ("createChatCompletion", {**CHAT, "temperature": KEY})]:
            await client.call_tool(name, arguments)
        await client.complete(types.PromptReference(name="createChatCompletion"),
                              {"name": "model", "value": ""})

    record = drive(kind, **canary(kind, "--debug"), body=body)
    assert len(emulator.received()) >= 4
    assert_no_key(record)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2"])  # the SDK guards only the first itself
def test_requests_naming_another_host_are_refused(address):
    """Against DNS rebinding: a page elsewhere cannot reach the local server through its own name."""
    hello = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}})
    statuses = {}
    with tempfile.TemporaryFile("w+") as log, http_server(["--emulator"], log, host=address) as (url, _):
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        for host in ("rebound.example", address):
            connection = http.client.HTTPConnection(address, port, timeout=30)
            connection.request("POST", "/mcp", hello, headers={
                "Host": f"{host}:{port}", "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream"})
            statuses[host] = connection.getresponse().status
            connection.close()
    assert statuses == {"rebound.example": 421, address: 200}


def test_a_host_beyond_this_machine_needs_the_flag_and_warns():
    refused = cli("mcp", "--emulator", "--http", "192.0.2.1:0")  # TEST-NET-1: no interface here
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    # Allowed, it warns, then fails to listen cleanly (nothing here has that address).
    warned = cli("mcp", "--api-key", KEY, "--http", "192.0.2.1:0", "--allow-remote")
    assert warned.returncode == 1 and "Traceback" not in warned.stderr
    assert "anyone who can reach" in warned.stderr and "Cannot listen on 192.0.2.1" in warned.stderr
    assert KEY[:8] not in warned.stderr


def test_the_readmes_client_settings_start_a_working_server(emulator):
    section = README.read_text("utf-8").split("\n## MCP server\n", 1)[1]
    settings = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))["mcpServers"]["deepseek"]
    command = shutil.which(settings["command"], path=str(Path(sys.executable).parent))
    assert command, "the console script the settings name is not installed"
    env = {**settings["env"], "DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": emulator.url}
    results: list[types.CallToolResult] = []

    async def body(client):
        results.append(await client.call_tool("getUserBalance", {}))

    record = drive("stdio", [], body, env=env, command=[command, *settings["args"]])
    assert not results[0].is_error and results[0].structured_content["is_available"] is True
    assert_no_key(record)
