"""The Langflow extension, in Langflow's own runtime (lfx 1.13), against the emulator."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from deepseek_connector import __version__, load_connector
from deepseek_connector.emulator import Emulator

KEY = "sk-test-langflow-canary-1a2b3c"
CHAT = "ext:deepseek:DeepSeekCreateChatCompletionComponent@official"
ENV = {**os.environ, "DO_NOT_TRACK": "true", "LANGFLOW_DO_NOT_TRACK": "true"}


def lfx(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(Path(sys.executable).parent / "lfx"), *args], capture_output=True, text=True,
                          env=env or ENV, timeout=300)
    if check:
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as server:
        yield server


@pytest.fixture(scope="module")
def templates():
    """The component templates Langflow builds from the installed extension (what its palette shows)."""
    from lfx.interface.components import import_extension_components
    from lfx.services.deps import get_settings_service

    return asyncio.run(import_extension_components(get_settings_service()))["deepseek"]


def test_lfx_finds_the_installed_extension():
    listed = json.loads(lfx("extension", "list", "-f", "json").stdout)
    [ours] = [entry for entry in listed["extensions"] if entry["id"] == "deepseek-connector"]
    assert ours["version"] == __version__ and ours["bundle"] == "deepseek"
    assert not [error for error in listed["errors"] if "deepseek" in json.dumps(error)]


def test_one_component_per_action_with_inputs_mapped_by_type(templates):
    assert len(templates) == len(load_connector().action_keys())
    fields = templates[CHAT]["template"]
    assert fields["apiKey"]["_input_type"] == "SecretStrInput" and fields["apiKey"]["password"]
    assert fields["model"]["_input_type"] == "DropdownInput" and fields["model"]["refresh_button"]
    assert fields["response_format"]["options"] == ["", "text", "json_object"]
    assert fields["messages"]["_input_type"] == "MessageTextInput"
    assert fields["top_p"]["advanced"] and not fields["model"]["advanced"]
    assert fields["stop_value"]["list"]  # "stop" is one of Component's own names
    assert [output["name"] for output in templates[CHAT]["outputs"]] == ["answer", "result"]
    raw = templates["ext:deepseek:DeepSeekRawRequestComponent@official"]["template"]
    assert raw["data"]["_input_type"] == "MultilineInput"
    assert raw["headers"]["_input_type"] == "NestedDictInput"


def flow_file(templates, tmp_path: Path, base_url: str) -> Path:
    """ChatInput -> our chat component -> ChatOutput, built with lfx's own flow builder."""
    from lfx.graph.flow_builder import add_component, add_connection, configure_component, empty_flow
    from lfx.graph.flow_builder.builder import load_local_registry

    registry = {**load_local_registry(), CHAT: templates[CHAT]}
    flow = empty_flow("DeepSeek chat")
    flow["id"] = str(uuid.uuid4())
    chat_input = add_component(flow, "ChatInput", registry, component_id="ChatInput-aaaaa")["id"]
    chat = add_component(flow, CHAT, registry, component_id="DeepSeek-bbbbb")["id"]
    chat_output = add_component(flow, "ChatOutput", registry, component_id="ChatOutput-ccccc")["id"]
    add_connection(flow, chat_input, "message", chat, "messages")
    add_connection(flow, chat, "answer", chat_output, "input_value")
    configure_component(flow, chat, {"model": "deepseek-v4-flash", "baseUrl": base_url, "stream": True,
                                     "temperature": "0.4"})
    node = next(n for n in flow["data"]["nodes"] if n["id"] == chat)["data"]["node"]["template"]
    node["apiKey"]["value"], node["apiKey"]["load_from_db"] = "DEEPSEEK_API_KEY", True  # a global variable
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(flow))
    return path


def test_lfx_runs_chat_input_to_deepseek_to_chat_output(templates, emulator, tmp_path):
    emulator.clear()
    flow = flow_file(templates, tmp_path, emulator.url)
    done = lfx("run", str(flow), "Hello Langflow", "--format", "json", env={**ENV, "DEEPSEEK_API_KEY": KEY})
    result = json.loads(done.stdout)
    assert result["success"]
    assert result["result"] == "Hello from the DeepSeek emulator. You said: Hello Langflow"
    [request] = emulator.received("/chat/completions")
    assert request.header("Authorization") == f"Bearer {KEY}"
    body = request.json()
    assert body["messages"] == [{"role": "user", "content": "Hello Langflow"}]
    assert (body["model"], body["stream"], body["temperature"]) == ("deepseek-v4-flash", True, 0.4)
    assert KEY[:8] not in done.stdout + done.stderr


def test_a_rejected_key_fails_the_flow_with_the_connectors_message(templates, emulator, tmp_path):
    emulator.clear()
    emulator.add_fault(status=401, times=1)
    done = lfx("run", str(flow_file(templates, tmp_path, emulator.url)), "Hi", "--format", "json",
               env={**ENV, "DEEPSEEK_API_KEY": KEY}, check=False)
    assert done.returncode == 1 and "DeepSeek rejected the API key (HTTP 401)" in done.stdout
    assert KEY[:8] not in done.stdout + done.stderr


def test_the_model_dropdown_refreshes_from_the_api(templates, emulator):
    from deepseek_connector.hosts.langflow.components import deepseek
    from lfx.custom.utils import update_component_build_config
    from lfx.schema.dotdict import dotdict

    component = deepseek.DeepSeekCreateChatCompletionComponent()
    component.set(apiKey=KEY, baseUrl=emulator.url)
    build_config = dotdict(templates[CHAT]["template"])
    refreshed = asyncio.run(update_component_build_config(component, build_config, None, "model"))
    assert refreshed["model"]["options"] == ["deepseek-v4-flash", "deepseek-v4-pro", "deepseek-chat",
                                             "deepseek-reasoner"]
