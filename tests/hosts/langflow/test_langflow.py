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

from tests.hosts.echo_server import (
    FIM,
    SPELLED_CHAT,
    STREAMED_CHAT,
    TOOL_CHAT,
    EchoServer,
    echoed_in,
    leaks,
    shows_echo,
)
from tests.hosts.echo_server import KEY as ECHO_KEY

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


# -- a server echoing the key back (issue 18): no output, option or error shows it --------------

@pytest.fixture(scope="module")
def echo():
    with EchoServer() as server:
        yield server


def built(name: str, **values):
    """A component's outputs (Answer Message, Result Data) as Langflow builds them: what the next
    step receives, and the copies it shows (results, artifacts, status), which Langflow masks
    where they hold the exact key (not where they spell it otherwise)."""
    from deepseek_connector.hosts.langflow.components import deepseek

    component = getattr(deepseek, f"DeepSeek{name}Component")()
    component.set(apiKey=ECHO_KEY, **values)
    results, artifacts = asyncio.run(component.build_results())
    passed_on = {key: component.get_output(key).value for key in results}
    dump = {key: getattr(value, "model_dump", lambda v=value: v)() for key, value in passed_on.items()}
    assert not leaks(dump, results, artifacts, component.status), leaks(dump, results, artifacts)
    return dump


def answer(out):
    return echoed_in(out["answer"]["text"])


def first_model(out):
    return out["result"]["data"]["data"][0]["id"]


SHAPES = {  # component, inputs, and where its outputs must show the echoed header, redacted
    "models_in_utf16": ("ListModels", {}, first_model),
    "raw_in_utf16": ("RawRequest", {"url": "/models", "method": "GET"}, first_model),
    "split_over_stream": ("CreateChatCompletion", STREAMED_CHAT, answer),
    "spelled_over_stream": ("CreateChatCompletion", SPELLED_CHAT, answer),
    "decoded_twice": ("CreateChatCompletion", {**TOOL_CHAT, "tools": json.dumps(TOOL_CHAT["tools"])},
                      lambda out: out["result"]["data"]["tool_calls"][0]["arguments"]["auth"]),
    "fim_split_over_stream": ("CreateFimCompletion", {**FIM, "stream": True}, answer),
    "fim_in_utf16": ("CreateFimCompletion", FIM, answer),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_echoed_key_shows_in_no_component_output(echo, shape):
    name, inputs, where = SHAPES[shape]
    assert where(built(name, baseUrl=echo.url, **inputs)) == "Bearer [REDACTED]"  # built() checks leaks


def test_an_echoed_key_in_an_error_is_redacted(echo):
    with pytest.raises(Exception) as caught:  # HTTP 500 in UTF-16-LE
        built("GetUserBalance", baseUrl=echo.url, maxRetries=0)
    assert not leaks(str(caught.value), repr(caught.value))
    assert shows_echo(str(caught.value))


@pytest.mark.parametrize("say", ["Echo it", "Echo it spelled"])
def test_a_flow_against_an_echoing_server_shows_no_key(templates, echo, tmp_path, say):
    """Langflow masks a component's secret where it shows it exactly, so only the spelled echo
    would show the key here (what a step passes on to the next is not masked: built() checks it)."""
    flow = flow_file(templates, tmp_path, echo.url)  # ChatInput -> streamed chat -> ChatOutput
    done = lfx("run", str(flow), say, "--format", "json", env={**ENV, "DEEPSEEK_API_KEY": ECHO_KEY})
    assert not leaks(done.stdout, done.stderr, json.loads(done.stdout))
    assert echoed_in(json.loads(done.stdout)["result"]) == "Bearer [REDACTED]"


def test_a_failed_flow_shows_no_echoed_key(templates, echo, tmp_path):
    flow = flow_file(templates, tmp_path, echo.refusing_url)  # every request answered 400 in UTF-16-LE
    done = lfx("run", str(flow), "Echo it", "--format", "json", env={**ENV, "DEEPSEEK_API_KEY": ECHO_KEY},
               check=False)
    assert not leaks(done.stdout, done.stderr, json.loads(done.stdout))  # escaped NULs decoded too
    assert done.returncode == 1 and shows_echo(json.loads(done.stdout))


@pytest.mark.parametrize("refused", [False, True], ids=["models_in_utf16", "refused_in_utf16"])
def test_the_model_dropdown_never_shows_an_echoed_key(templates, echo, refused):
    from deepseek_connector.hosts.langflow.components import deepseek
    from lfx.custom.utils import update_component_build_config
    from lfx.schema.dotdict import dotdict

    component = deepseek.DeepSeekCreateChatCompletionComponent()
    component.set(apiKey=ECHO_KEY, baseUrl=echo.refusing_url if refused else echo.url)
    build_config = dotdict(templates[CHAT]["template"])
    model = asyncio.run(update_component_build_config(component, build_config, None, "model"))["model"]
    assert not leaks(model["options"], model["value"], model["info"])
    if refused:  # the refresh failed: why is in the field's info
        assert shows_echo(model["info"])
    else:
        assert model["options"] == ["Bearer [REDACTED]"] and model["value"] == "Bearer [REDACTED]"
