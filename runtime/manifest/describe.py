"""Renderings of the manifest for people and hosts: JSON for hosts, Markdown for docs/."""

from __future__ import annotations

from typing import Any

from .inputs import InputSpec
from .models import ActionSpec, Manifest

TYPE_NAMES = {
    "string": "text", "text": "long text", "password": "secret text", "number": "number",
    "integer": "whole number", "boolean": "true/false", "select": "choice", "json": "JSON",
    "valuelist": "list of values", "keyvaluelist": "list of key/value pairs",
    "payload": "text, JSON or binary",
    "connection": "connection",
}


def as_json(manifest: Manifest, version: str) -> dict[str, Any]:
    """The resolved manifest; secret inputs carry no value of any kind (not even a default)."""
    data = manifest.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"shared_inputs"})
    data["connector"]["version"] = version
    specs = [data["connection"], *data["actions"], *data.get("dataSources", [])]
    if "check" in data["connection"]:
        specs.append(data["connection"]["check"])
    for spec in specs:
        for field in spec["inputs"]:
            if field.get("secret"):
                field.pop("default", None)
                field["writeOnly"] = True
    return data


def constraints(field: InputSpec) -> str:
    """Plain-words limits of an input, for the docs' constraints column."""
    parts = []
    if field.minimum is not None and field.maximum is not None:
        parts.append(f"{_num(field.minimum)} to {_num(field.maximum)}")
    elif field.minimum is not None:
        parts.append(f"at least {_num(field.minimum)}")
    elif field.maximum is not None:
        parts.append(f"at most {_num(field.maximum)}")
    if field.choices:
        parts.append("one of " + ", ".join(f"`{c.value}`" for c in field.choices))
    if field.max_items:
        parts.append(f"at most {field.max_items} entries")
    if field.min_length and field.max_length:
        parts.append(f"{field.min_length} to {field.max_length} characters")
    elif field.max_length:
        parts.append(f"at most {field.max_length} characters")
    elif field.min_length:
        parts.append(f"at least {field.min_length} characters")
    if field.pattern:
        parts.append(f"matching `{field.pattern}`")
    if field.json_shape in ("object", "array"):
        parts.append(f"a JSON {field.json_shape}")
    if field.unit:
        parts.append(f"in {field.unit}")
    if field.data_source:
        parts.append(f"dropdown filled by `{field.data_source}`")
    if field.secret:
        parts.append("secret, never shown")
    return "; ".join(parts)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def sent_as(field: InputSpec) -> str:
    """Where the value goes on the request, in the docs' words."""
    wire = field.wire
    if wire is None:
        return ""
    if wire.to == "body":
        name = f"`{field.wire_name}`"
        return f"body {name} as `{{\"{wire.wrap}\": value}}`" if wire.wrap else f"body {name}"
    if wire.to in ("query", "header"):
        return f"{wire.to} `{field.wire_name}`"
    if wire.to == "path":
        return f"path `{{{field.wire_name}}}`, escaped"
    return {"managed": "by the action", "setting": "call setting"}[wire.to]


def _input_table(inputs: tuple[InputSpec, ...]) -> list[str]:
    rows = ["| Input | Key | Type | Required | Default | Constraints | Sent as | Help |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for field in inputs:
        default = "" if field.default is None or field.secret else f"`{_cell(field.default)}`"
        rows.append(f"| {_cell(field.label)} | `{field.key}` | {TYPE_NAMES[field.type]} | "
                    f"{'yes' if field.required else 'no'} | {default} | {_cell(constraints(field))} | "
                    f"{_cell(sent_as(field))} | {_cell(field.help)} |")
    return rows


def _section(spec: ActionSpec, extra: list[str]) -> list[str]:
    return [f"### {spec.label} (`{spec.key}`)", "", _cell(spec.description), "", *extra,
            *_input_table(spec.inputs), ""]


def reference_page(manifest: Manifest, version: str) -> str:
    info = manifest.connector
    connection = manifest.connection
    lines = [
        f"# {info.label} connector reference",
        "",
        "<!-- Generated from connector.yaml by `deepseek-connector docs`; do not edit by hand. -->",
        "",
        f"![{info.label}](../{info.icon})",
        "",
        _cell(info.description),
        "",
        f"Version {version} · category: {info.category} · key `{info.key}`",
        "",
        "Every action has the advanced inputs Timeout (the whole call, retries and streaming "
        "included), Max Retries, Retry Delay (ms), Use Exponential Backoff, Retry On All Errors and "
        "Max Response Size (MB); their defaults differ per action and are listed in each table.",
        "",
        "## Connection",
        "",
        f"### {connection.label} (`{connection.key}`)",
        "",
        _cell(connection.description),
        "",
        *_input_table(connection.inputs),
        "",
    ]
    if connection.check is not None:
        lines += _section(connection.check, [
            "When a connection is saved, builders can test it (`deepseek-connector check`): the "
            "connector calls GET /models and reports `valid` with a `reason`: `ok`, `invalid_key` "
            "(HTTP 401), `no_balance` (HTTP 402: the key is valid but the account needs a top-up), "
            "`rate_limited` or `server_error` (the key was not rejected, but DeepSeek is busy: valid, "
            "with a warning), `unreachable`, `timeout`, or another error kind.", ""])
    lines += ["## Actions", ""]
    for spec in manifest.actions:
        lines += _section(spec, [])
    if manifest.data_sources:
        lines += ["## Data sources", ""]
        for source in manifest.data_sources:
            lines += _section(source, [f"Returns a {source.result_type}: a list of `{{\"label\", \"key\"}}` "
                                       "options.", ""])
    return "\n".join(lines).rstrip() + "\n"


def as_markdown(manifest: Manifest, version: str) -> str:
    return reference_page(manifest, version)
