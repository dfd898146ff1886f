"""The MCP tools, generated from the manifest: one per action, named by its key, with its label,
description, form schema and hints. A new action in connector.yaml is served with no code here.

Data sources are not served as tools: they fill a form's dropdowns (Select Model lists the same
models as List Models, in a dropdown's shape); here they complete the arguments they fill
(completion/complete).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# Every name this adapter takes from the connector's runtime is imported here, and only here.
from ...runtime.errors import ConnectorError, InputError
from ...runtime.manifest.form_schema import action_schema

if TYPE_CHECKING:
    from ...runtime.connector import Connector
    from ...runtime.manifest.models import ActionSpec

__all__ = ["ConnectorError", "InputError", "Tool", "served_tools", "structured", "text_of", "result_json"]

# Served only when the server is started with --allow-raw-request: an agent that can write Raw
# Requests can reach every endpoint of the account with its key.
GATED = {"rawRequest": "--allow-raw-request"}


@dataclass(frozen=True)
class Tool:
    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    hints: dict[str, bool] | None  # readOnly, destructive, idempotent, openWorld, as in the manifest
    #: Arguments filled from a data source (Model: selectModel), by argument name.
    choices_from: dict[str, str]
    #: Whether the action streams its answer (it has a Stream input), so a call can show progress.
    streams: bool


def tool_for(connector: Connector, spec: ActionSpec) -> Tool:
    schema = action_schema(connector.manifest, spec)
    # The connection is the server's own: never an argument (the form leaves it out) nor named.
    schema.pop("x-lowcode-connection", None)
    hints = spec.hints.model_dump(by_alias=True)
    return Tool(name=spec.key, title=spec.label, description=" ".join(spec.description.split()),
                input_schema=schema, hints=hints,
                choices_from={f.key: f.data_source for f in spec.inputs if f.data_source},
                streams=spec.input("stream") is not None)


def served_tools(connector: Connector, *, allow_raw_request: bool = False) -> list[Tool]:
    """The tools in the manifest's order: every action, the gated ones only when allowed."""
    allowed = {key for key in GATED if allow_raw_request}
    return [tool_for(connector, connector.spec(key)) for key in connector.action_keys()
            if key not in GATED or key in allowed]


def not_served(key: str, tools: list[Tool]) -> str:
    """The message for a call to a tool this server does not serve."""
    if key in GATED:
        return f"'{key}' is not served: start the server with {GATED[key]} to let agents call it."
    names = ", ".join(tool.name for tool in tools)
    return f"'{key}' is not a tool of this server (its tools are: {names})."


def result_json(data: Any) -> Any:
    """The result as plain JSON values: bytes (a binary Raw Request answer) as base64 text, as the
    command line prints them. Raises ConnectorError for what JSON cannot carry."""
    try:
        return json.loads(json.dumps(data, allow_nan=False, default=_bytes_as_base64))
    except (ValueError, TypeError) as exc:
        raise ConnectorError(f"The result cannot be written as JSON ({exc}).") from None


def _bytes_as_base64(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def structured(data: Any) -> dict[str, Any]:
    """Structured content is a JSON object: a result that is not one comes as {"data": ...}."""
    return data if isinstance(data, dict) else {"data": data}


def text_of(data: Any) -> str:
    """The text block: a completion's answer text (chat, FIM, or simplified), else the JSON."""
    answer = _answer(data) if isinstance(data, dict) else None
    if isinstance(answer, str) and answer:
        return answer
    return json.dumps(data, ensure_ascii=False, indent=2)


def _answer(data: dict[str, Any]) -> Any:
    choices = data.get("choices")
    if data.get("object") in ("chat.completion", "text_completion") and isinstance(choices, list) \
            and choices and isinstance(choices[0], dict):
        first = choices[0]
        message = first.get("message")
        return message.get("content") if isinstance(message, dict) else first.get("text")
    if "finish_reason" in data and "text" in data:  # Simplify Output's flat answer
        return data["text"]
    return None
