"""The host adapters as far as they go without the hosts' SDKs (their own suites: tests/hosts/)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from deepseek_connector import __version__, load_connector
from deepseek_connector.hosts.airflow.provider import get_provider_info
from deepseek_connector.hosts.dify import export as dify
from deepseek_connector.runtime.errors import InputError
from deepseek_connector.runtime.manifest.loading import parse_manifest

HOST_SDKS = ("airflow", "lfx", "langflow", "dify_plugin", "gevent")


def test_the_connector_never_imports_a_host_sdk():
    code = ("import sys; from deepseek_connector import load_connector\n"
            "from deepseek_connector.emulator import Emulator\n"
            "from deepseek_connector.hosts.airflow.provider import get_provider_info; get_provider_info()\n"
            "with Emulator() as emulator:\n"
            "    load_connector().run('listModels', {}, {'apiKey': 'sk-test-x', 'baseUrl': emulator.url})\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HOST_SDKS!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_airflow_connection_form_comes_from_the_manifest():
    info = get_provider_info()
    assert info["package-name"] == "deepseek-connector" and info["versions"] == [__version__]
    [connection] = info["connection-types"]
    assert connection["connection-type"] == "deepseek"
    assert connection["ui-field-behaviour"]["relabeling"] == {"password": "API Key", "host": "Base URL"}
    assert connection["ui-field-behaviour"]["placeholders"]["host"] == "https://api.deepseek.com"
    extra = connection["conn-fields"]["allowInsecureHttp"]
    assert extra["schema"] == {"type": ["boolean", "null"], "default": False}


def test_the_dify_plugin_maps_every_input(tmp_path):
    directory = dify.export(tmp_path / "plugin", load_connector().manifest, __version__)
    manifest = yaml.safe_load((directory / "manifest.yaml").read_text())
    assert manifest["version"] == __version__ and manifest["meta"]["runner"]["version"] == "3.12"
    provider = yaml.safe_load((directory / "provider" / "deepseek.yaml").read_text())
    assert provider["credentials_for_provider"]["apiKey"]["type"] == "secret-input"
    assert provider["tools"] == [f"tools/{key}.yaml" for key in load_connector().action_keys()]
    chat = yaml.safe_load((directory / "tools" / "createChatCompletion.yaml").read_text())
    by_name = {parameter["name"]: parameter for parameter in chat["parameters"]}
    assert by_name["model"]["type"] == "dynamic-select"
    assert (by_name["max_tokens"]["type"], by_name["max_tokens"]["precision"]) == ("number", 0)
    assert by_name["temperature"]["min"] == 0 and by_name["temperature"]["max"] == 2
    assert [option["value"] for option in by_name["thinking"]["options"]] == ["enabled", "disabled"]
    # The agent gives the User Message; Messages (JSON) is the form's, for full control.
    assert by_name["user_message"] == {**by_name["user_message"], "type": "string", "required": False,
                                       "form": "llm"}
    assert by_name["messages"]["form"] == "form"
    assert by_name["timeout"]["default"] == 600
    vendored = directory / "vendor" / "deepseek_connector"
    assert (vendored / "connector.yaml").is_file() and (vendored / "runtime" / "http" / "client.py").is_file()
    assert not (vendored / "tests").exists() and not list(vendored.rglob("*.pyc"))
    assert (directory / "requirements.txt").read_text().startswith("dify_plugin==0.10.2\n")


def test_an_input_added_to_a_copy_of_the_manifest_reaches_the_dify_plugin(tmp_path):
    data = yaml.safe_load(resources.files("deepseek_connector").joinpath("connector.yaml").read_text("utf-8"))
    chat = next(action for action in data["actions"] if action["key"] == "createChatCompletion")
    chat["inputs"].append({"key": "seed", "label": "Seed", "type": "integer", "minimum": 0, "wire": "body",
                           "help": "Makes sampling repeatable."})
    directory = dify.export(tmp_path / "plugin", parse_manifest(yaml.safe_dump(data)), __version__)
    tool = yaml.safe_load((directory / "tools" / "createChatCompletion.yaml").read_text())
    [seed] = [parameter for parameter in tool["parameters"] if parameter["name"] == "seed"]
    assert (seed["type"], seed["precision"], seed["min"]) == ("number", 0, 0)


def test_the_dify_package_is_a_zip_of_the_directory(tmp_path):
    import zipfile

    directory = dify.export(tmp_path / "plugin", load_connector().manifest, __version__)
    archive = dify.package(directory, tmp_path / "plugin.difypkg")
    names = zipfile.ZipFile(archive).namelist()
    assert "manifest.yaml" in names and "main.py" in names and "_assets/icon.svg" in names
    assert names == sorted(names) and not any(name.startswith("/") or ".." in name for name in names)


def test_the_langflow_extension_manifest_matches_the_package():
    text = resources.files("deepseek_connector.hosts.langflow").joinpath("extension.json").read_text("utf-8")
    extension = json.loads(text)
    assert extension["version"] == __version__ and extension["id"] == "deepseek-connector"
    bundle = Path(__file__).resolve().parent.parent / "hosts" / "langflow" / extension["bundles"][0]["path"]
    assert bundle.is_dir()


def test_export_refuses_a_folder_holding_files_it_did_not_write(tmp_path):
    """--package would ship them: a .env with a key, a link to a file outside the folder."""
    outside = tmp_path / "secret.txt"
    outside.write_text("sk-test-outside-the-plugin")
    for planted in (".env", "notes/link"):
        directory = tmp_path / f"plugin-{planted.replace('/', '-')}"
        (directory / planted).parent.mkdir(parents=True)
        if planted == ".env":
            (directory / planted).write_text("DEEPSEEK_API_KEY=sk-test-in-a-dotenv")
        else:
            (directory / planted).symlink_to(outside)
        done = subprocess.run([sys.executable, "-m", "deepseek_connector", "export", "dify", str(directory),
                               "--package"], capture_output=True, text=True)
        assert done.returncode == 2 and "Plugin folder" in done.stderr
        assert planted.split("/")[0] in done.stderr
        assert not (directory / "manifest.yaml").exists() and not directory.with_suffix(".difypkg").exists()


def test_export_replaces_an_earlier_export_and_packs_exactly_its_own_files(tmp_path):
    import zipfile

    manifest = load_connector().manifest
    directory = dify.export(tmp_path / "plugin", manifest, __version__)
    (directory / "vendor" / "deepseek_connector" / "__pycache__").mkdir()
    (directory / "vendor" / "deepseek_connector" / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"\0")
    directory = dify.export(directory, manifest, __version__)  # again: replaced as a whole
    written = sorted(dify.plugin_files(manifest, __version__))
    assert dify.recorded_files(directory) == written
    names = zipfile.ZipFile(dify.package(directory, tmp_path / "plugin.difypkg")).namelist()
    assert names == written
    (tmp_path / "elsewhere.txt").write_text("not the plugin's")
    (directory / "main.py").unlink()
    (directory / "main.py").symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(InputError, match="main.py"):
        dify.package(directory, tmp_path / "again.difypkg")
    assert not (tmp_path / "again.difypkg").exists()
