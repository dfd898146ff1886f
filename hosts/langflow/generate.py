"""The files of the Langflow extension that are written from the manifest (by `deepseek-connector
docs`, and checked by the tests): extension.json and the bundle's component module."""

from __future__ import annotations

import json
from pathlib import Path

from ...runtime.manifest.models import Manifest

HERE = Path(__file__).resolve().parent
EXTENSION_FILE = HERE / "extension.json"
COMPONENTS_FILE = HERE / "components" / "deepseek.py"


def class_name(action_key: str) -> str:
    return f"DeepSeek{action_key[0].upper()}{action_key[1:]}Component"


def extension_json(manifest: Manifest, version: str) -> str:
    info = manifest.connector
    data = {
        "$schema": "https://schemas.langflow.org/extension/v1.json",
        "id": "deepseek-connector",
        "version": version,
        "name": info.label,
        "description": " ".join(info.description.split()),
        "lfx": {"compat": ["1"]},
        "capabilities": {"requiresCredentials": True},
        "bundles": [{"name": "deepseek", "path": "components", "display_name": info.label, "icon": "Brain"}],
    }
    return json.dumps(data, indent=2) + "\n"


def components_module(manifest: Manifest) -> str:
    lines = [
        "# Generated from connector.yaml by `deepseek-connector docs`; do not edit by hand.",
        "# Langflow stores this file's source in each flow and runs it again, so a class must exist",
        "# as real source and imports must be absolute; inputs and outputs are built from the manifest.",
        "from deepseek_connector.hosts.langflow.factory import (",
        "    DeepSeekComponent,",
        "    build_inputs,",
        "    build_outputs,",
        ")",
        "",
    ]
    for spec in manifest.actions:
        lines += [
            "",
            f"class {class_name(spec.key)}(DeepSeekComponent):",
            f"    display_name = {('DeepSeek ' + spec.label)!r}",
            f"    description = {' '.join(spec.description.split())!r}",
            f"    action_key = {spec.key!r}",
            f"    inputs = build_inputs({spec.key!r})",
            f"    outputs = build_outputs({spec.key!r})",
            "",
        ]
    return "\n".join(lines)
