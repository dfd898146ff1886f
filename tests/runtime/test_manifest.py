"""connector.yaml: valid as shipped, and a broken one fails with the bad path named."""

from __future__ import annotations

import json

import pytest
import yaml
from deepseek_connector.runtime.errors import ManifestError
from deepseek_connector.runtime.manifest import (
    load_manifest,
    packaged_manifest_text,
    packaged_schema,
    parse_manifest,
)
from deepseek_connector.runtime.manifest_model import manifest_json_schema


def manifest_data() -> dict:
    # A JSON round trip unshares the YAML anchors, so an edit changes one place only.
    return json.loads(json.dumps(yaml.safe_load(packaged_manifest_text())))


def broken(edit) -> str:
    data = manifest_data()
    edit(data)
    return yaml.safe_dump(data, sort_keys=False)


def test_packaged_manifest_loads_with_every_action_and_data_source():
    manifest = load_manifest()
    assert manifest.connector.key == "deepseek"
    assert manifest.connection.key == "apiKey"
    assert "listModels" in [a.key for a in manifest.actions]
    assert [d.key for d in manifest.data_sources] == ["selectModel"]


def test_shipped_schema_is_generated_from_the_typed_models():
    assert packaged_schema() == manifest_json_schema()


def test_schema_forbids_unknown_keys_everywhere():
    schema = packaged_schema()
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name


def test_manifest_file_can_be_loaded_from_a_path(tmp_path):
    path = tmp_path / "connector.yaml"
    path.write_text(packaged_manifest_text())
    assert load_manifest(path).connector.label == "DeepSeek"


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["actions"][0]["inputs"][0].update(type="nmber"),
     "actions[0](listModels).inputs[0](connection).type: 'nmber' is not one of"),
    (lambda d: d["actions"][0].update(lable="typo"),
     "actions[0](listModels): Additional properties are not allowed ('lable' was unexpected)"),
    (lambda d: d["connection"]["inputs"][1].pop("help"),
     "connection.inputs[1](baseUrl): 'help' is a required property"),
    (lambda d: d["connector"].update(version="one"),
     "connector.version: 'one' does not match"),
    (lambda d: d["actions"][0].update(implementation="no colon here"),
     "actions[0](listModels).implementation"),
])
def test_schema_errors_name_the_bad_path(edit, expected):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(broken(edit))
    assert expected in str(caught.value)
    assert str(caught.value).startswith("connector.yaml: ")


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["actions"].append(dict(d["actions"][0])),
     "(listModels).key: 'listModels' is used twice"),
    (lambda d: d["actions"][0].update(retryPolicy="forever"),
     "actions[0](listModels).retryPolicy: unknown policy 'forever'"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "flavour", "label": "Flavour", "type": "select", "help": "h"}),
     "actions[0](listModels).inputs[1](flavour).choices: required for select inputs"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "n", "label": "N", "type": "integer", "help": "h", "default": "many"}),
     "actions[0](listModels).inputs[1](n).default: must be a whole number"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "m", "label": "M", "type": "string", "help": "h", "dataSource": "nowhere"}),
     "actions[0](listModels).inputs[1](m).dataSource: no data source named 'nowhere'"),
    (lambda d: d["actions"][0]["inputs"].append(
        {"key": "t", "label": "T", "type": "number", "help": "h", "minimum": 3, "maximum": 1}),
     "actions[0](listModels).inputs[1](t).minimum: greater than maximum"),
])
def test_semantic_errors_name_the_bad_path(edit, expected):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(broken(edit))
    assert expected in str(caught.value)


def test_invalid_yaml_names_the_line():
    with pytest.raises(ManifestError) as caught:
        parse_manifest("connector:\n  key: [unclosed\n")
    assert "not valid YAML at line" in str(caught.value)


def test_unreadable_manifest_path(tmp_path):
    with pytest.raises(ManifestError, match="cannot be read"):
        load_manifest(tmp_path / "missing.yaml")


def test_runtime_dataclasses_mirror_the_typed_models_field_for_field():
    from deepseek_connector.runtime import manifest_model, spec

    for name in ("Choice", "InputSpec", "ConnectionSpec", "ActionSpec", "DataSourceSpec",
                 "ConnectorInfo", "Manifest"):
        typed = getattr(manifest_model, name).model_fields
        light = getattr(spec, name)
        assert set(typed) == set(light._fields), name
        for field_name, info in typed.items():
            assert (field_name not in light._field_defaults) == info.is_required(), (name, field_name)
            if not info.is_required():
                assert light._field_defaults[field_name] == info.default, (name, field_name)


def test_checked_record_is_the_packaged_manifest():
    from deepseek_connector.runtime.manifest import checked_record, fingerprint

    record = checked_record()
    text = packaged_manifest_text()
    assert record["sha256"] == fingerprint(text), "connector.yaml changed: run validate --write"
    assert record["manifest"] == yaml.safe_load(text)


def test_a_manifest_that_differs_from_the_recorded_one_is_checked_in_full(monkeypatch):
    from deepseek_connector.runtime import manifest as loader

    calls = []
    original = loader.check_manifest
    monkeypatch.setattr(loader, "check_manifest", lambda *a, **k: calls.append(1) or original(*a, **k))
    text = packaged_manifest_text()
    record = loader.checked_record()
    assert parse_manifest(text, checked=record).connector.key == "deepseek"
    assert calls == []
    edited = text.replace("label: List Models", "label: List The Models")
    reloaded = parse_manifest(edited, checked=record)
    assert reloaded.action("listModels").label == "List The Models"
    assert calls == [1]
    with pytest.raises(ManifestError, match="'nmber' is not one of"):
        parse_manifest(edited.replace("type: integer", "type: nmber", 1), checked=record)


def test_the_run_path_imports_no_validator_and_no_yaml_parser():
    import subprocess
    import sys

    code = ("import sys; from deepseek_connector import load_connector; c = load_connector(); "
            "c.prepare('createChatCompletion', {'model': 'm', 'messages': 'hi'}, "
            "{'apiKey': 'sk-test-x', 'baseUrl': 'http://127.0.0.1:9'}); "
            "import deepseek_connector.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'jsonschema', 'yaml')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
