"""connector.yaml: valid as shipped, its schema generated from the one definition, and a broken
manifest fails with the bad path named."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import pytest
import yaml
from jsonschema import Draft202012Validator

from deepseek_connector import packaged_manifest
from deepseek_connector.runtime.errors import ManifestError
from deepseek_connector.runtime.manifest import loading
from deepseek_connector.runtime.manifest.inputs import CALL_SETTINGS
from deepseek_connector.runtime.manifest.loading import current_parsed_copy, load_manifest, parse_manifest
from deepseek_connector.runtime.manifest.models import manifest_json_schema


def manifest_text() -> str:
    return resources.files("deepseek_connector").joinpath("connector.yaml").read_text("utf-8")


def manifest_data() -> dict:
    # A JSON round trip unshares the YAML anchors, so an edit changes one place only.
    return json.loads(json.dumps(yaml.safe_load(manifest_text())))


def broken(edit) -> str:
    data = manifest_data()
    edit(data)
    return yaml.safe_dump(data, sort_keys=False)


def committed_schema() -> dict:
    return json.loads(resources.files("deepseek_connector.runtime.manifest").joinpath("manifest.schema.json")
                      .read_text("utf-8"))


def test_packaged_manifest_loads_with_every_action_and_data_source():
    manifest = packaged_manifest()
    assert manifest.connector.key == "deepseek"
    assert manifest.connection.key == "apiKey"
    assert "listModels" in [a.key for a in manifest.actions]
    assert [d.key for d in manifest.data_sources] == ["selectModel"]


def test_committed_schema_is_generated_from_the_typed_models():
    assert committed_schema() == manifest_json_schema(), "run `deepseek-connector validate --write`"


def test_the_schema_accepts_the_shipped_manifest_and_forbids_unknown_keys():
    schema = committed_schema()
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(yaml.safe_load(manifest_text()))) == []
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name


def test_manifest_file_can_be_loaded_from_a_path(tmp_path):
    path = tmp_path / "connector.yaml"
    path.write_text(manifest_text())
    assert load_manifest(path).connector.label == "DeepSeek"


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["actions"][0]["inputs"][0].update(type="nmber"),
     "actions[0](listModels).inputs[0](connection).type: Input should be 'string'"),
    (lambda d: d["actions"][0].update(lable="typo"),
     "actions[0](listModels).lable: Extra inputs are not permitted"),
    (lambda d: d["connection"]["inputs"][1].pop("help"),
     "connection.inputs[1](baseUrl).help: Field required"),
    (lambda d: d["actions"][0].update(implementation="no colon here"),
     "actions[0](listModels).implementation: String should match pattern"),
    (lambda d: d["actions"].append(dict(d["actions"][0])),
     "'listModels' is used twice as an action or data source key"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "flavour", "label": "Flavour", "type": "select", "help": "h", "wire": "body"}),
     "actions[0](listModels).inputs[1](flavour).choices: required for select inputs"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "n", "label": "N", "type": "integer", "help": "h", "default": "many", "wire": "body"}),
     "inputs[1](n).default: must be a whole number"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "m", "label": "M", "type": "string", "help": "h", "dataSource": "nowhere", "wire": "body"}),
     "listModels.m.dataSource: no data source named 'nowhere'"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "t", "label": "T", "type": "number", "help": "h", "minimum": 3, "maximum": 1,
         "wire": "body"}),
     "inputs[1](t).minimum: greater than maximum"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "seed", "label": "Seed", "type": "integer", "help": "h"}),
     "inputs[1](seed).wire: say where the value goes"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "seed", "label": "Seed", "type": "integer", "help": "h", "wire": "setting"}),
     "inputs[1](seed).wire: only the call settings (timeout, maxRetries, retryDelayMS"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "seed", "label": "Seed", "type": "integer", "help": "h",
         "wire": {"to": "query", "wrap": "x"}}),
     "inputs[1](seed).wire.wrap: only a body field can be wrapped"),
    (lambda d: d["actions"][0].update(callSettings={"colour": {"default": 1}}),
     "callSettings: 'colour' is not a call setting"),
    (lambda d: d["actions"][0]["inputs"].append(dict(d["callSettings"][0])),
     "actions[0](listModels).inputs: 'timeout' is used twice"),
    (lambda d: d["actions"][0].pop("request"),
     "actions[0](listModels).request: an action without an implementation declares its request"),
    (lambda d: d["connection"].update(credential="baseUrl"),
     "connection.credential: the key's input must be secret"),
    (lambda d: d["connection"].update(insecure="baseUrl"),
     "connection.insecure: 'baseUrl' is not one of the connection's boolean inputs"),
])
def test_errors_name_the_bad_path(edit, expected):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(broken(edit))
    assert expected in str(caught.value)
    assert str(caught.value).startswith("connector.yaml: ")


def test_invalid_yaml_names_the_line():
    with pytest.raises(ManifestError) as caught:
        parse_manifest("connector:\n  key: [unclosed\n")
    assert "not valid YAML at line" in str(caught.value)


def test_unreadable_manifest_path(tmp_path):
    with pytest.raises(ManifestError, match="cannot be read"):
        load_manifest(tmp_path / "missing.yaml")


def test_every_action_and_the_check_offer_the_call_settings_as_advanced_inputs():
    manifest = packaged_manifest()
    for spec in (*manifest.all_actions, manifest.connection.check):
        keys = [field.key for field in spec.inputs]
        assert keys[-len(CALL_SETTINGS):] == list(CALL_SETTINGS), spec.key
        for key in CALL_SETTINGS:
            assert spec.input(key).wire.to == "setting"
            # Raw Request keeps the anchor's form, where these are ordinary inputs.
            assert spec.input(key).advanced or spec.key == "rawRequest", (spec.key, key)


def test_the_run_path_imports_no_schema_validator():
    code = ("import sys; from deepseek_connector import load_connector; c = load_connector(); "
            "c.prepare('createChatCompletion', {'model': 'm', 'messages': 'hi'}, "
            "{'apiKey': 'sk-test-x', 'baseUrl': 'http://127.0.0.1:9'}); "
            "import deepseek_connector.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'jsonschema'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_parsed_copy_is_of_the_shipped_manifest_and_spares_the_yaml_parser():
    # Current, so that a wheel built from this tree starts without importing PyYAML.
    assert current_parsed_copy(manifest_text()) == yaml.safe_load(manifest_text()), \
        "run `deepseek-connector docs`"
    code = ("import sys; from deepseek_connector import load_connector; load_connector(); "
            "print('yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("copy", [None, '{"source_sha256": "0", "manifest": {}}', "not json"])
def test_a_stale_or_missing_parsed_copy_leaves_the_yaml_in_charge(tmp_path, monkeypatch, copy):
    # A connector.yaml edited after its copy was written (or a copy lost) is read as it is now.
    edited = manifest_text().replace("label: List Models", "label: Every Model", 1)
    assert edited != manifest_text()
    if copy is not None:
        (tmp_path / "copy.json").write_text(copy, "utf-8")
    monkeypatch.setattr(loading, "PARSED_FILE", tmp_path / "copy.json")
    source = tmp_path / "connector.yaml"
    source.write_text(edited, "utf-8")
    assert loading.load_packaged_manifest(source).action("listModels").label == "Every Model"
    # A copy written for that very text is what is read (this one says so by its label).
    (tmp_path / "copy.json").write_text(loading.parsed_copy(edited), "utf-8")
    assert loading.current_parsed_copy(edited) == yaml.safe_load(edited)
    marked = json.loads(loading.parsed_copy(edited).replace("Every Model", "From The Copy"))
    (tmp_path / "copy.json").write_text(json.dumps(marked), "utf-8")
    assert loading.load_packaged_manifest(source).action("listModels").label == "From The Copy"
