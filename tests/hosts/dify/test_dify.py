"""The exported Dify tool plugin, run by the real dify-plugin SDK in its own Python 3.12 venv.

The plugin is exported with the CLI, zipped into a .difypkg, unzipped and installed as Dify
does (a venv of its own from requirements.txt alone: the connector comes vendored), then
started with `python -m main` and spoken to over the SDK's stdio protocol.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deepseek_connector import load_connector
from deepseek_connector.emulator import Emulator
from tests.hosts.dify.driver import PluginProcess
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

KEY = "sk-test-dify-canary-9f1e2d3c"
PROVIDER = "deepseek_connector"


def run(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=timeout)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The plugin as Dify would install it: exported, packaged, unzipped, its own venv."""
    out = tmp_path_factory.mktemp("dify")
    run(sys.executable, "-m", "deepseek_connector", "export", "dify", str(out / "plugin"), "--package")
    unpacked = out / "unpacked"
    with zipfile.ZipFile(out / "plugin.difypkg") as archive:
        archive.extractall(unpacked)
    run(sys.executable, "-m", "venv", str(unpacked / ".venv"))
    run(str(unpacked / ".venv" / "bin" / "python"), "-m", "pip", "install", "-q", "-r", "requirements.txt",
        cwd=unpacked)
    return unpacked


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as server:
        yield server


@pytest.fixture(scope="module")
def plugin(installed):
    process = PluginProcess(installed, installed / ".venv" / "bin" / "python")
    yield process
    process.close()


@pytest.fixture
def credentials(emulator):
    emulator.clear()
    return {"apiKey": KEY, "baseUrl": emulator.url}


def test_the_plugin_venv_has_no_connector_installed_only_the_vendored_copy(installed):
    python = installed / ".venv" / "bin" / "python"
    done = run(str(python), "-c", "import importlib.util as u; print(u.find_spec('deepseek_connector'))")
    assert done.stdout.strip() == "None"
    assert (installed / "vendor" / "deepseek_connector" / "connector.yaml").is_file()


def test_every_yaml_file_is_valid_for_the_sdks_own_models(installed):
    check = (f"import os, yaml; from pathlib import Path; os.chdir({str(installed)!r})\n"
             "from dify_plugin.core.entities.plugin.setup import PluginConfiguration\n"
             "from dify_plugin.entities.tool import ToolProviderConfiguration\n"
             "manifest = PluginConfiguration(**yaml.safe_load(open('manifest.yaml')))\n"
             "for path in manifest.plugins.tools:\n"
             "    data = yaml.safe_load(open(path))\n"
             "    assert all(Path(tool).is_file() for tool in data['tools'])\n"
             "    provider = ToolProviderConfiguration(**data)\n"
             "    assert Path('_assets', provider.identity.icon).is_file()\n"
             "    print(sorted(tool.identity.name for tool in provider.tools))\n")
    done = run(str(installed / ".venv" / "bin" / "python"), "-c", check)
    assert done.stdout.strip() == str(sorted(load_connector().action_keys()))


def test_the_manifest_line_names_the_plugin(plugin):
    assert plugin.manifest["name"] == PROVIDER and plugin.manifest["type"] == "plugin"


def validate(plugin, credentials):
    return plugin.request({"type": "tool", "action": "validate_tool_credentials", "user_id": "u",
                           "provider": PROVIDER, "credentials": credentials})


def test_credential_validation_accepts_a_valid_key(plugin, credentials, emulator):
    chunks, error = validate(plugin, credentials)
    assert error is None and chunks == [{"result": True}]
    assert emulator.received()[0].header("Authorization") == f"Bearer {KEY}"


def test_credential_validation_refuses_a_rejected_key_the_sdks_way(plugin, credentials, emulator):
    emulator.add_fault(status=401, times=1)
    chunks, error = validate(plugin, credentials)
    assert error["error_type"] == "ToolProviderCredentialValidationError"
    assert "DeepSeek rejected this API key" in error["message"] and KEY[:8] not in json.dumps(error)


def test_the_model_options_come_from_the_api(plugin, credentials):
    chunks, error = plugin.request({"type": "dynamic_parameter", "action": "fetch_parameter_options",
                                    "user_id": "u", "provider": PROVIDER, "parameter": "model",
                                    "provider_action": "createChatCompletion", "credentials": credentials})
    assert error is None
    assert [option["value"] for option in chunks[0]["options"]] == ["deepseek-flash", "deepseek-v4-pro"]


def invoke(plugin, credentials, tool, parameters):
    return plugin.request({"type": "tool", "action": "invoke_tool", "user_id": "u", "provider": PROVIDER,
                           "tool": tool, "credentials": credentials, "tool_parameters": parameters})


PNG_BASE64 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5Er"
              "kJggg==")
EXAMPLES = {
    "listModels": {},
    "getUserBalance": {},
    "createChatCompletion": {"model": "deepseek-flash", "messages": "Hello Dify", "stream": True,
                             "temperature": 0.3, "max_tokens": 64},
    "rawRequest": {"url": "/user/balance", "method": "GET"},
    "createFimCompletion": {"model": "deepseek-flash", "prompt": "def add(a, b):",
                            "suffix": "    return c"},
    # A form's File Data: a JSON object of file name to {"data": base64, "contentType"}.
    "uploadFile": {"fileData": json.dumps({"dot.png": {"data": PNG_BASE64, "contentType": "image/png"}}),
                   "purpose": "user_data"},
    "listFiles": {"order": "desc", "limit": 5},
    "getFile": {"file_id": "{uploaded}"},
    "deleteFile": {"file_id": "{uploaded}"},
}


def uploaded(credentials) -> str:
    """A file of the credentials' key on the emulator, for the tools that name one."""
    file = {"dot.png": {"data": PNG_BASE64, "contentType": "image/png"}}
    return load_connector().run("uploadFile", {"fileData": file}, credentials)["data"]["id"]


@pytest.mark.parametrize("tool", sorted(EXAMPLES))
def test_each_tool_is_invoked(plugin, credentials, emulator, tool):
    assert set(EXAMPLES) == set(load_connector().action_keys()), "give every action an example here"
    parameters = dict(EXAMPLES[tool])
    if parameters.get("file_id") == "{uploaded}":
        parameters["file_id"] = uploaded(credentials)
    chunks, error = invoke(plugin, credentials, tool, parameters)
    assert error is None, error
    result = next(chunk["message"]["json_object"] for chunk in chunks if chunk["type"] == "json")
    if tool == "createChatCompletion":  # streamed: text messages as it arrives (see below)
        text = "".join(chunk["message"]["text"] for chunk in chunks if chunk["type"] == "text")
        assert text == "Hello from the DeepSeek emulator. You said: Hello Dify"
        sent = emulator.received("/chat/completions")[-1].json()
        assert sent == {"model": "deepseek-flash", "stream": True, "temperature": 0.3, "max_tokens": 64,
                        "messages": [{"role": "user", "content": "Hello Dify"}]}
    else:
        assert result and emulator.received()


# -- a streamed chat as it arrives (issue 21): text messages before the end, outputs unchanged -----

STALL = 1.0  # seconds the emulator pauses in the middle of a stream
# No reasoning first (thinking is on by default): the answer's text comes before the stall.
CHAT = {"model": "deepseek-flash", "messages": "Hello live Dify", "stream": True, "maxRetries": 0,
        "thinking": "disabled"}


def texts(chunks) -> list[str]:
    return [chunk["message"]["text"] for chunk in chunks if chunk["type"] == "text"]


def without_ids(data: dict) -> dict:
    """An emulator answer without what differs from one call to the next."""
    return {key: value for key, value in data.items() if key not in ("id", "created")}


def test_a_streamed_chat_sends_text_messages_as_they_arrive(plugin, credentials, emulator):
    emulator.add_fault(stall_ms=int(STALL * 1000), path="/chat/completions")
    reply = plugin.exchange({"type": "tool", "action": "invoke_tool", "user_id": "u", "provider": PROVIDER,
                             "tool": "createChatCompletion", "credentials": credentials,
                             "tool_parameters": CHAT})
    assert reply.error is None, reply.error
    timed = [(chunk["type"], round(reply.ended - arrived, 2))
             for chunk, arrived in zip(reply.chunks, reply.arrived, strict=True)]
    early = [kind for kind, before_end in timed if kind == "text" and before_end > STALL * 0.8]
    assert len(early) > 1, timed  # more than one text message before the stall, so before the end
    # Joined, the text messages are the answer; the JSON message is what a step without live text
    # gets (the same call, run here without the plugin).
    [data] = [chunk["message"]["json_object"] for chunk in reply.chunks if chunk["type"] == "json"]
    assert reply.chunks[-1]["type"] == "json"
    assert "".join(texts(reply.chunks)) == "Hello from the DeepSeek emulator. You said: Hello live Dify"
    expected = load_connector().run("createChatCompletion", CHAT, credentials)["data"]
    assert without_ids(data) == without_ids(expected)


def test_a_picture_by_its_address_in_the_chat_tool(plugin, credentials, emulator):
    emulator.clear()
    address = "https://example.com/harbour.jpg"
    chunks, error = invoke(plugin, credentials, "createChatCompletion",
                           {"model": "deepseek-flash", "user_message": "What is in it?",
                            "image_urls": address, "thinking": "disabled"})
    assert error is None, error
    assert emulator.received("/chat/completions")[-1].json()["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "What is in it?"}, {"type": "image_url", "image_url": {"url": address}}]}]
    assert texts(chunks) == [f"Hello from the DeepSeek emulator. You said: What is in it? (with the image at "
                             f"{address})"]


def test_a_chat_with_stream_off_sends_one_text_message(plugin, credentials):
    chunks, error = invoke(plugin, credentials, "createChatCompletion", {**CHAT, "stream": False})
    assert error is None and texts(chunks) == ["Hello from the DeepSeek emulator. You said: Hello live Dify"]


def test_a_stream_that_breaks_ends_as_the_connectors_typed_error(plugin, credentials, emulator):
    emulator.add_fault(stream_error=True, path="/chat/completions")
    with pytest.raises(Exception) as direct:  # the same call, run here without the plugin
        load_connector().run("createChatCompletion", CHAT, credentials)
    emulator.add_fault(stream_error=True, path="/chat/completions")
    chunks, error = invoke(plugin, credentials, "createChatCompletion", CHAT)
    assert (error["error_type"], error["message"]) == (type(direct.value).__name__, str(direct.value))
    assert error["error_type"] == "StreamError" and len(texts(chunks)) > 1  # what came before the break


def test_an_answer_a_json_schema_may_replace_is_not_shown_live(plugin, credentials):
    """A repaired answer replaces the first one, whose text would have been shown already."""
    schema = json.dumps({"type": "object", "required": ["reply"]})
    chunks, error = invoke(plugin, credentials, "createChatCompletion",
                           {**CHAT, "messages": "Reply in JSON", "json_schema": schema})
    assert error is None and len(texts(chunks)) == 1


def test_a_bad_input_becomes_the_sdks_error_and_nothing_is_sent(plugin, credentials, emulator):
    chunks, error = invoke(plugin, credentials, "createChatCompletion",
                           {"model": "deepseek-flash", "messages": "x", "temperature": 9})
    assert chunks == [] and error["error_type"] == "InputError"
    assert error["message"] == "Invalid input. Temperature: must be a number from 0 to 2; got 9."
    assert emulator.received() == []


def test_an_api_error_names_what_to_do(plugin, credentials, emulator):
    emulator.add_fault(status=402, times=1)
    chunks, error = invoke(plugin, credentials, "listModels", {"maxRetries": 0})
    assert error["error_type"] == "InsufficientBalanceError" and "Top up" in error["message"]


# -- a server echoing the key back (issue 18): no tool message, option or error shows it ---------

@pytest.fixture(scope="module")
def echo():
    with EchoServer() as server:
        yield server


@pytest.fixture
def printed(plugin):
    """What the plugin process writes during a test: its protocol lines (as values, so an escaped
    NUL is a NUL again) and its stderr."""
    lines, errors = len(plugin.stdout), len(plugin.stderr)
    return lambda: [json.loads(line) for line in plugin.stdout[lines:]] + plugin.stderr[errors:]


def shown(chunks) -> tuple[dict, str]:
    """A tool's JSON message and its text (the answer Dify shows)."""
    [data] = [chunk["message"]["json_object"] for chunk in chunks if chunk["type"] == "json"]
    return data, "".join(chunk["message"]["text"] for chunk in chunks if chunk["type"] == "text")


RAW_MODELS = {"url": "/models", "method": "GET"}
TOOL_PARAMETERS = {**TOOL_CHAT, "tools": json.dumps(TOOL_CHAT["tools"])}  # a text parameter in Dify


def answer(data, text):
    return echoed_in(text)


def first_model(data, text):
    return data["data"][0]["id"]


SHAPES = {  # tool, its parameters, and where its messages must show the echoed header, redacted
    "models_in_utf16": ("listModels", {}, first_model),
    "raw_in_utf16": ("rawRequest", RAW_MODELS, first_model),
    "split_over_stream": ("createChatCompletion", STREAMED_CHAT, answer),
    "spelled_over_stream": ("createChatCompletion", SPELLED_CHAT, answer),
    "decoded_twice": ("createChatCompletion", TOOL_PARAMETERS,
                      lambda data, text: data["tool_calls"][0]["arguments"]["auth"]),
    "fim_split_over_stream": ("createFimCompletion", {**FIM, "stream": True}, answer),
    "fim_in_utf16": ("createFimCompletion", FIM, answer),
}


@pytest.mark.parametrize("chat", [STREAMED_CHAT, SPELLED_CHAT], ids=["split", "spelled"])
def test_a_key_echoed_over_a_stream_shows_in_no_live_text_message(plugin, echo, printed, chat):
    """Five characters of the echoed key per event: each live text message is redacted alone
    (its end held back while it may still start the key); joined, they are the JSON's answer."""
    chunks, error = invoke(plugin, {"apiKey": ECHO_KEY, "baseUrl": echo.url}, "createChatCompletion", chat)
    assert error is None, error
    assert len(texts(chunks)) > 1 and not leaks(chunks, printed())
    data, text = shown(chunks)
    assert text == data["choices"][0]["message"]["content"] and echoed_in(text) == "Bearer [REDACTED]"


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_echoed_key_shows_in_no_tool_message(plugin, echo, printed, shape):
    tool, parameters, where = SHAPES[shape]
    chunks, error = invoke(plugin, {"apiKey": ECHO_KEY, "baseUrl": echo.url}, tool, parameters)
    assert error is None, error
    assert not leaks(chunks, printed())
    assert where(*shown(chunks)) == "Bearer [REDACTED]"  # the key was there: the echo happened


def test_an_echoed_key_in_a_tool_error_is_redacted(plugin, echo, printed):
    credentials = {"apiKey": ECHO_KEY, "baseUrl": echo.url}
    chunks, error = invoke(plugin, credentials, "getUserBalance", {"maxRetries": 0})  # HTTP 500 in UTF-16-LE
    assert not leaks(chunks, error, printed())
    assert error["error_type"] == "ServerError" and shows_echo(error["message"])


def test_an_echoed_key_in_the_model_options_is_redacted(plugin, echo, printed):
    chunks, error = plugin.request({"type": "dynamic_parameter", "action": "fetch_parameter_options",
                                    "user_id": "u", "provider": PROVIDER, "parameter": "model",
                                    "provider_action": "createChatCompletion",
                                    "credentials": {"apiKey": ECHO_KEY, "baseUrl": echo.url}})
    assert error is None and not leaks(chunks, printed())
    [option] = chunks[0]["options"]
    assert option["value"] == option["label"]["en_US"] == "Bearer [REDACTED]"


def test_an_echoed_key_in_a_credential_validation_error_is_redacted(plugin, echo, printed):
    chunks, error = validate(plugin, {"apiKey": ECHO_KEY, "baseUrl": echo.refusing_url})  # 400 in UTF-16-LE
    assert not leaks(chunks, error, printed())
    assert error["error_type"] == "ToolProviderCredentialValidationError" and shows_echo(error["message"])
