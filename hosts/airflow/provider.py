"""get_provider_info(): what Airflow reads to list the provider and draw the connection form.

Built from the manifest's connection inputs: the key becomes the connection's password field
(labelled API Key), the Base URL its host field, and any other input an extra field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import __version__, packaged_manifest
from ...runtime.contract.action import ActionResult
from ...runtime.errors import ConnectorError
from ...runtime.http.messages import request_id
from ...runtime.manifest.inputs import InputSpec
from ..mapping import airflow_fields

DISTRIBUTION = "deepseek-connector"  # Airflow refuses a provider whose package-name differs from this
CONNECTION_TYPE = "deepseek"
HOOK = "deepseek_connector.hosts.airflow.hooks.DeepSeekHook"
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
    standard = airflow_fields(connection)
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
                            if field.key not in standard},
            "ui-field-behaviour": {
                "hidden-fields": ["port", "login", "schema"],
                "relabeling": {field: by_key[key].label for key, field in standard.items()},
                "placeholders": {field: str(by_key[key].default or by_key[key].placeholder or "")
                                 for key, field in standard.items()},
            },
        }],
    }


def call_line(action: str, connection_id: str, origin: str, inputs: Mapping[str, Any],
              result: ActionResult | None = None, error: ConnectorError | None = None,
              seconds: float = 0.0) -> str:
    """The task log's one line about a call: which connection and where, which action and model,
    and what came back (finish reason, tokens, DeepSeek's request id) or how it failed. Never the
    key, and never what the messages or the answer say."""
    head = f"DeepSeek {action} on connection {connection_id!r} ({origin})"
    model = inputs.get("model")
    if model:
        head += f", model {model}"
    if error is not None:
        return f"{head} failed after {seconds:.1f} s: {error.kind}, {error.attempts} attempt(s)."
    assert result is not None
    data: dict[str, Any] = result.data if isinstance(result.data, dict) else {}
    usage: dict[str, Any] = data["usage"] if isinstance(data.get("usage"), dict) else {}
    choices = data["choices"] if isinstance(data.get("choices"), list) else []
    first: dict[str, Any] = choices[0] if choices and isinstance(choices[0], dict) else {}
    parts = [f"HTTP {result.status}"]
    if first.get("finish_reason") or data.get("finish_reason"):
        parts.append(f"finish reason {first.get('finish_reason') or data.get('finish_reason')}")
    if usage.get("total_tokens") is not None:
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        parts.append(f"{prompt} prompt + {completion} completion tokens")
    trace = request_id(result.headers)
    if trace:
        parts.append(f"request id {trace}")
    return f"{head}: {', '.join(parts)} in {seconds:.1f} s."
