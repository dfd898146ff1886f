"""get_provider_info(): what Airflow reads to list the provider and draw the connection form.

Built from the manifest's connection inputs: the key becomes the connection's password field
(labelled API Key), the Base URL its host field, and any other input an extra field.
"""

from __future__ import annotations

from typing import Any

from ... import __version__, packaged_manifest
from ...runtime.manifest.inputs import InputSpec

DISTRIBUTION = "deepseek-connector"  # Airflow refuses a provider whose package-name differs from this
CONNECTION_TYPE = "deepseek"
HOOK = "deepseek_connector.hosts.airflow.hooks.DeepSeekHook"
# Which connection inputs take Airflow's own connection fields; the rest become extra fields.
STANDARD_FIELDS = {"apiKey": "password", "baseUrl": "host"}
JSON_TYPES = {"boolean": "boolean", "number": "number", "integer": "integer"}


def extra_field(field: InputSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": [JSON_TYPES.get(field.type, "string"), "null"]}
    if field.default is not None:
        schema["default"] = field.default
    if field.secret:
        schema["format"] = "password"
    return {"label": field.label, "description": " ".join(field.help.split()), "schema": schema}


def get_provider_info() -> dict[str, Any]:
    manifest = packaged_manifest()
    label = manifest.connector.label
    connection = manifest.connection
    by_key = {field.key: field for field in connection.inputs}
    return {
        "package-name": DISTRIBUTION,
        "name": label,
        "description": " ".join(manifest.connector.description.split()),
        "versions": [__version__],
        "integrations": [{"integration-name": label, "tags": ["service"]}],
        "hooks": [{"integration-name": label, "python-modules": ["deepseek_connector.hosts.airflow.hooks"]}],
        "operators": [{"integration-name": label,
                       "python-modules": ["deepseek_connector.hosts.airflow.operators"]}],
        "connection-types": [{
            "connection-type": CONNECTION_TYPE,
            "hook-class-name": HOOK,
            "hook-name": label,
            "conn-fields": {field.key: extra_field(field) for field in connection.inputs
                            if field.key not in STANDARD_FIELDS},
            "ui-field-behaviour": {
                "hidden-fields": ["port", "login", "schema"],
                "relabeling": {standard: by_key[key].label for key, standard in STANDARD_FIELDS.items()},
                "placeholders": {standard: str(by_key[key].default or by_key[key].placeholder or "")
                                 for key, standard in STANDARD_FIELDS.items()},
            },
        }],
    }
