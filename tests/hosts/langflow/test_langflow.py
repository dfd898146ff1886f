"""The Langflow extension, in Langflow's own runtime (lfx 1.13), against the emulator."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import queue
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


def flow_file(templates, tmp_path: Path, base_url: str, into: str = "messages", **settings) -> Path:
    """ChatInput -> our chat component (Stream on unless `settings` say) -> ChatOutput, built with
    lfx's own flow builder."""
    from lfx.graph.flow_builder import add_component, add_connection, configure_component, empty_flow
    from lfx.graph.flow_builder.builder import load_local_registry

    registry = {**load_local_registry(), CHAT: templates[CHAT]}
    flow = empty_flow("DeepSeek chat")
    flow["id"] = str(uuid.uuid4())
    chat_input = add_component(flow, "ChatInput", registry, component_id="ChatInput-aaaaa")["id"]
    chat = add_component(flow, CHAT, registry, component_id="DeepSeek-bbbbb")["id"]
    chat_output = add_component(flow, "ChatOutput", registry, component_id="ChatOutput-ccccc")["id"]
    add_connection(flow, chat_input, "message", chat, into)
    add_connection(flow, chat, "answer", chat_output, "input_value")
    configure_component(flow, chat, {"model": "deepseek-flash", "baseUrl": base_url, "stream": True,
                                     "temperature": "0.4", **settings})
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
    assert (body["model"], body["stream"], body["temperature"]) == ("deepseek-flash", True, 0.4)
    assert KEY[:8] not in done.stdout + done.stderr


def test_a_picture_by_its_address_with_the_chat_inputs_text_as_user_message(templates, emulator, tmp_path):
    emulator.clear()
    address = "https://example.com/harbour.jpg"
    flow = flow_file(templates, tmp_path, emulator.url, into="user_message", image_urls=[address],
                     thinking="disabled")
    done = lfx("run", str(flow), "What is in it?", "--format", "json", env={**ENV, "DEEPSEEK_API_KEY": KEY})
    result = json.loads(done.stdout)
    assert result["success"], done.stdout[-2000:]
    said = f"You said: What is in it? (with the image at {address})"
    assert result["result"] == f"Hello from the DeepSeek emulator. {said}"
    [request] = emulator.received("/chat/completions")
    assert request.json()["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "What is in it?"}, {"type": "image_url", "image_url": {"url": address}}]}]


def test_a_rejected_key_fails_the_flow_with_the_connectors_message(templates, emulator, tmp_path):
    emulator.clear()
    emulator.add_fault(status=401, times=1)
    done = lfx("run", str(flow_file(templates, tmp_path, emulator.url)), "Hi", "--format", "json",
               env={**ENV, "DEEPSEEK_API_KEY": KEY}, check=False)
    assert done.returncode == 1 and "DeepSeek rejected the API key (HTTP 401)" in done.stdout
    assert KEY[:8] not in done.stdout + done.stderr


def test_the_model_dropdown_refreshes_from_the_api(templates, emulator):
    from lfx.custom.utils import update_component_build_config
    from lfx.schema.dotdict import dotdict

    from deepseek_connector.hosts.langflow.components import deepseek

    component = deepseek.DeepSeekCreateChatCompletionComponent()
    component.set(apiKey=KEY, baseUrl=emulator.url)
    build_config = dotdict(templates[CHAT]["template"])
    refreshed = asyncio.run(update_component_build_config(component, build_config, None, "model"))
    assert refreshed["model"]["options"] == ["deepseek-flash", "deepseek-v4-pro"]  # the emulator's list


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
    from lfx.custom.utils import update_component_build_config
    from lfx.schema.dotdict import dotdict

    from deepseek_connector.hosts.langflow.components import deepseek

    component = deepseek.DeepSeekCreateChatCompletionComponent()
    component.set(apiKey=ECHO_KEY, baseUrl=echo.refusing_url if refused else echo.url)
    build_config = dotdict(templates[CHAT]["template"])
    model = asyncio.run(update_component_build_config(component, build_config, None, "model"))["model"]
    assert not leaks(model["options"], model["value"], model["info"])
    if refused:  # the refresh failed: why is in the field's info
        assert shows_echo(model["info"])
    else:
        assert model["options"] == ["Bearer [REDACTED]"] and model["value"] == "Bearer [REDACTED]"


# -- the playground: a streamed answer as it arrives (issue 21) ----------------------------------

STALL = 1.0  # seconds the emulator pauses in the middle of a stream
ANSWER_ONLY = {"thinking": "disabled"}  # no reasoning first: the answer's tokens come before the stall


class Playground:
    """A flow run as Langflow's playground runs it: the flow JSON the builder saved, loaded into a
    Graph and run with lfx's streaming event manager; `events` are what the browser would receive
    (decoded from the manager's queue), each with the time it was sent."""

    def __init__(self, flow: Path):
        self.flow = json.loads(flow.read_text())
        self.events: list[tuple[float, str, dict]] = []

    def run(self, say: str) -> str:
        """Run the flow; the text the Chat Output passes on. Raises what the flow raised."""
        from lfx.events.event_manager import create_stream_tokens_event_manager
        from lfx.graph import Graph
        from lfx.schema.schema import InputValueRequest

        async def go() -> str:
            sent: queue.Queue = queue.Queue()
            graph = Graph.from_payload(self.flow, flow_id=self.flow["id"])
            graph.session_id = str(uuid.uuid4())
            try:
                async for _ in graph.async_start(inputs=InputValueRequest(input_value=say),
                                                 fallback_to_env_vars=True,
                                                 event_manager=create_stream_tokens_event_manager(sent)):
                    pass
            finally:
                while not sent.empty():
                    _, raw, at = sent.get()
                    event = json.loads(raw)
                    self.events.append((at, event["event"], event["data"]))
            return graph.get_vertex("ChatOutput-ccccc").built_object["message"].text

        return asyncio.run(go())

    def tokens(self) -> list[tuple[float, dict]]:
        return [(at, data) for at, kind, data in self.events if kind == "token"]

    def messages(self) -> list[dict]:
        return [data for _, kind, data in self.events if kind == "add_message"]


def test_a_streamed_answer_reaches_the_playground_as_it_arrives(templates, emulator, tmp_path, monkeypatch):
    emulator.clear()
    emulator.add_fault(stall_ms=int(STALL * 1000), path="/chat/completions")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    playground = Playground(flow_file(templates, tmp_path, emulator.url, **ANSWER_ONLY))  # Stream on
    passed_on = playground.run("Hello live Langflow")
    tokens = playground.tokens()
    ended = tokens[-1][0]
    early = [data["chunk"] for at, data in tokens if ended - at > STALL * 0.8]
    assert len(early) > 1, [(data["chunk"], round(ended - at, 2)) for at, data in tokens]  # before the stall
    # One playground message takes every token and ends complete with their text, which is the
    # text passed on: the answer as a run without live text has it.
    answer = "Hello from the DeepSeek emulator. You said: Hello live Langflow"
    ours = [message for message in playground.messages() if message["sender"] == "Machine"]
    assert {data["id"] for _, data in tokens} == {message["id"] for message in ours}
    assert ours[0]["properties"]["state"] == "partial" and ours[-1]["properties"]["state"] == "complete"
    assert "".join(data["chunk"] for _, data in tokens) == ours[-1]["text"] == passed_on == answer
    assert emulator.received("/chat/completions")[0].json()["stream"] is True


@pytest.mark.parametrize("say", ["Echo it", "Echo it spelled"])
def test_a_key_echoed_over_a_stream_shows_in_no_playground_update(templates, echo, tmp_path, monkeypatch,
                                                                   say):
    """Five characters of the echoed key per event: each token is redacted alone (its end held
    back while it may still start the key); Langflow's own masker sees no exact key here."""
    monkeypatch.setenv("DEEPSEEK_API_KEY", ECHO_KEY)
    playground = Playground(flow_file(templates, tmp_path, echo.url))
    passed_on = playground.run(say)
    tokens = [data["chunk"] for _, data in playground.tokens()]
    assert len(tokens) > 1 and not leaks(playground.events, passed_on)
    assert echoed_in("".join(tokens)) == echoed_in(passed_on) == "Bearer [REDACTED]"


def test_a_stream_that_breaks_ends_as_the_connectors_typed_error(templates, emulator, tmp_path, monkeypatch):
    emulator.clear()
    inputs = {"model": "deepseek-flash", "messages": "Hello live Langflow", "stream": True,
              "maxRetries": 0, **ANSWER_ONLY}
    emulator.add_fault(stream_error=True, path="/chat/completions")
    with pytest.raises(Exception) as direct:  # the same call without Langflow
        load_connector().run("createChatCompletion", inputs, {"apiKey": KEY, "baseUrl": emulator.url})
    emulator.add_fault(stream_error=True, path="/chat/completions")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    flow = flow_file(templates, tmp_path, emulator.url, maxRetries=0, **ANSWER_ONLY)
    playground = Playground(flow)
    with pytest.raises(Exception) as caught:
        playground.run("Hello live Langflow")
    error = caught.value.__cause__  # Langflow's "Error building Component ..." wraps the step's own
    assert type(error) is type(direct.value) and str(error) == str(direct.value)
    assert type(error).__name__ == "StreamError" and len(playground.tokens()) > 1  # what came before


def test_without_stream_the_answer_comes_whole(templates, emulator, tmp_path, monkeypatch):
    emulator.clear()
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    playground = Playground(flow_file(templates, tmp_path, emulator.url, stream=False))
    assert playground.run("Hello") == "Hello from the DeepSeek emulator. You said: Hello"
    assert playground.tokens() == [] and emulator.received("/chat/completions")[0].json()["stream"] is False


# -- tool mode: the components as an Agent's tools (issue 21) ------------------------------------

AGENT_GIVES = {  # what an agent gives each action in tool mode; the rest is the component's own
    "listModels": set(), "getUserBalance": set(), "createChatCompletion": {"user_message"},
    "createFimCompletion": {"prompt"}, "rawRequest": {"url", "method"}, "uploadFile": {"fileData"},
    "listFiles": set(), "getFile": {"file_id"}, "deleteFile": {"file_id"},
}


def tool_mode(templates, name: str, **values):
    """A component switched to tool mode as Langflow's Tool Mode toggle switches it (the server
    reruns run_and_validate_update_outputs with tool_mode on); the node it returns."""
    from deepseek_connector.hosts.langflow.components import deepseek

    component = getattr(deepseek, name)()
    component.set(**values)
    node = copy.deepcopy(templates[f"ext:deepseek:{name}@official"])
    return component, asyncio.run(component.run_and_validate_update_outputs(node, "tool_mode", True))


def test_every_component_switches_to_tool_mode_named_and_described_by_the_manifest(templates):
    from lfx.graph.flow_builder import add_component, empty_flow
    from lfx.graph.flow_builder.connect import ensure_tool_mode_supported

    from deepseek_connector.hosts.langflow.generate import class_name

    connector = load_connector()
    assert set(AGENT_GIVES) == set(connector.action_keys()), "say what an agent gives each new action"
    flow = empty_flow("tools")
    for key in connector.action_keys():
        spec = connector.spec(key)
        # The palette's template offers tool mode (lfx's flow builder checks as the UI's toggle shows).
        type_ = f"ext:deepseek:{class_name(key)}@official"
        ensure_tool_mode_supported(flow, add_component(flow, type_, {type_: templates[type_]})["id"])
        component, node = tool_mode(templates, class_name(key))
        assert [output["name"] for output in node["outputs"]] == ["component_as_tool"]
        [tool] = node["template"]["tools_metadata"]["value"]  # the Actions table the UI shows
        description = " ".join(spec.description.split())
        assert (tool["name"], tool["description"], tool["display_name"]) == (key, description, key)
        assert set(tool["args"]) == AGENT_GIVES[key]
        for arg, schema in tool["args"].items():
            assert schema["description"] == " ".join(spec.input(arg).help.split())
        [built] = asyncio.run(component.to_toolkit())  # what the Agent receives
        assert built.name == key and set(built.args) == AGENT_GIVES[key]
    raw = tool_mode(templates, "DeepSeekRawRequestComponent")[1]["template"]["tools_metadata"]["value"][0]
    assert raw["args"]["method"]["enum"][:2] == ["GET", "POST"]


class EmulatorModel:
    """A LangChain chat model that asks the emulator over HTTP (an OpenAI-compatible model on
    127.0.0.1, which calls the tools a user's message names and then answers with their result).
    Built inside a function: langchain_core is imported only in this suite's environment."""

    @staticmethod
    def component(base_url: str):
        import requests
        from langchain_core.language_models import BaseChatModel
        from langchain_core.messages import AIMessage, convert_to_openai_messages
        from langchain_core.outputs import ChatGeneration, ChatResult
        from langchain_core.utils.function_calling import convert_to_openai_tool
        from lfx.custom.custom_component.component import Component
        from lfx.io import Output

        class Model(BaseChatModel):
            @property
            def _llm_type(self) -> str:
                return "deepseek-emulator"

            def bind_tools(self, tools, **kwargs):
                return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

            def _generate(self, messages, stop=None, run_manager=None, tools=None, **kwargs):
                body = {"model": "deepseek-flash", "messages": convert_to_openai_messages(messages),
                        "thinking": {"type": "disabled"}}
                if tools:
                    body["tools"] = tools
                answer = requests.post(f"{base_url}/chat/completions", json=body, timeout=30,
                                       headers={"Authorization": f"Bearer {AGENT_MODEL_KEY}"}).json()
                said = answer["choices"][0]["message"]
                calls = [{"name": call["function"]["name"], "id": call["id"],
                          "args": json.loads(call["function"]["arguments"])}
                         for call in said.get("tool_calls") or ()]
                message = AIMessage(content=said.get("content") or "", tool_calls=calls)
                return ChatResult(generations=[ChatGeneration(message=message)])

        class EmulatorModelComponent(Component):
            display_name = "Emulator Model"
            outputs = [Output(display_name="Language Model", name="model_output", method="build_model",
                              types=["LanguageModel"])]

            def build_model(self) -> Model:
                return Model()

        return EmulatorModelComponent(_id="Model-eeeee")


AGENT_MODEL_KEY = "sk-test-agent-model-4f5e6d"


def test_the_agent_calls_our_actions_in_tool_mode(templates, emulator):
    from lfx.components.input_output import ChatInput, ChatOutput
    from lfx.components.models_and_agents.agent import AgentComponent
    from lfx.graph import Graph

    emulator.clear()
    models, _ = tool_mode(templates, "DeepSeekListModelsComponent", apiKey=KEY, baseUrl=emulator.url)
    chat, _ = tool_mode(templates, "DeepSeekCreateChatCompletionComponent", apiKey=KEY, baseUrl=emulator.url,
                        model="deepseek-v4-pro", stream=True)
    chat_input = ChatInput(_id="ChatInput-aaaaa")
    chat_input.set(input_value="Call listModels and createChatCompletion, please.")
    agent = AgentComponent(_id="Agent-ddddd")
    agent.set(model=EmulatorModel.component(emulator.url).build_model,
              tools=[models.to_toolkit, chat.to_toolkit], input_value=chat_input.message_response,
              add_current_date_tool=False, add_calculator_tool=False)
    chat_output = ChatOutput(_id="ChatOutput-ccccc")
    chat_output.set(input_value=agent.message_response)
    graph = Graph(chat_input, chat_output, flow_id=str(uuid.uuid4()))
    graph.session_id = str(uuid.uuid4())

    async def go() -> None:
        async for _ in graph.async_start():
            pass

    asyncio.run(go())
    # The model's first answer called both tools; each ran as its component, with its key and settings.
    [listed] = emulator.received("/models")
    ours = [request for request in emulator.received("/chat/completions")
            if request.header("Authorization") == f"Bearer {KEY}"]
    assert listed.header("Authorization") == f"Bearer {KEY}" and len(ours) == 1
    assert (ours[0].json()["model"], ours[0].json()["stream"]) == ("deepseek-v4-pro", True)
    # Their results went back to the model as tool messages, and its answer to the Chat Output.
    last = emulator.received("/chat/completions")[-1].json()
    results = {message["tool_call_id"].split("_", 2)[2]: message["content"] for message in last["messages"]
               if message["role"] == "tool"}  # the emulator's call ids: call_<index>_<tool name>
    assert '"deepseek-v4-pro"' in results["listModels"]
    assert results["createChatCompletion"].startswith("Hello from the DeepSeek emulator. You said: ")
    said = graph.get_vertex("ChatOutput-ccccc").built_object["message"].text
    assert said.startswith("Hello from the DeepSeek emulator. The tool returned: ") and KEY[:8] not in said
