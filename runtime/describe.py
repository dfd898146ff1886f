"""Renderings of the manifest for people and hosts: JSON for hosts, Markdown for docs/."""

from __future__ import annotations

from typing import Any

from .spec import InputSpec, Manifest, to_dict

TYPE_NAMES = {
    "string": "text", "text": "long text", "password": "secret text", "number": "number",
    "integer": "whole number", "boolean": "true/false", "select": "choice", "json": "JSON",
    "valuelist": "list of values", "keyvaluelist": "list of key/value pairs",
    "payload": "text, JSON or binary",
    "connection": "connection",
}


def as_json(manifest: Manifest) -> dict[str, Any]:
    """The resolved manifest; secret inputs carry no value of any kind (not even a default)."""
    data = to_dict(manifest)
    for spec in [data["connection"], *data["actions"], *data.get("dataSources", [])]:
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
    if field.max_length:
        parts.append(f"at most {field.max_length} characters")
    if field.json_shape in ("object", "array"):
        parts.append(f"a JSON {field.json_shape}")
    if field.data_source:
        parts.append(f"dropdown filled by `{field.data_source}`")
    if field.secret:
        parts.append("secret, never shown")
    return "; ".join(parts)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _input_table(inputs: tuple[InputSpec, ...]) -> list[str]:
    rows = ["| Input | Key | Type | Required | Default | Constraints | Help |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for field in inputs:
        default = "" if field.default is None or field.secret else f"`{_cell(field.default)}`"
        rows.append(f"| {_cell(field.label)} | `{field.key}` | {TYPE_NAMES[field.type]} | "
                    f"{'yes' if field.required else 'no'} | {default} | {_cell(constraints(field))} | "
                    f"{_cell(field.help)} |")
    return rows


def reference_page(manifest: Manifest) -> str:
    info = manifest.connector
    lines = [
        f"# {info.label} connector reference",
        "",
        "<!-- Generated from connector.yaml by `deepseek-connector docs`; do not edit by hand. -->",
        "",
        f"![{info.label}](../{info.icon})",
        "",
        _cell(info.description),
        "",
        f"Version {info.version} · category: {info.category} · key `{info.key}`",
        "",
        "## Connection",
        "",
        f"### {manifest.connection.label} (`{manifest.connection.key}`)",
        "",
        _cell(manifest.connection.description),
        "",
        *_input_table(manifest.connection.inputs),
        "",
        *([("When a connection is saved, builders can test it (`deepseek-connector check`): the "
            "connector calls GET /models and reports `valid` with a `reason`: `ok`, `invalid_key` "
            "(HTTP 401), `no_balance` (HTTP 402: the key is valid but the account needs a top-up), "
            "`unreachable`, or another error kind.")] if manifest.connection.check else []),
        "",
        "## Actions",
        "",
    ]
    for spec in manifest.actions:
        lines += [f"### {spec.label} (`{spec.key}`)", "", _cell(spec.description), "",
                  f"Retry policy: `{spec.retry_policy}`.", "", *_input_table(spec.inputs), ""]
    if manifest.data_sources:
        lines += ["## Data sources", ""]
        for spec in manifest.data_sources:
            lines += [f"### {spec.label} (`{spec.key}`)", "", _cell(spec.description), "",
                      f"Returns a {spec.result_type}: a list of `{{\"label\", \"key\"}}` options.", "",
                      *_input_table(spec.inputs), ""]
    return "\n".join(lines).rstrip() + "\n"


def as_markdown(manifest: Manifest) -> str:
    return reference_page(manifest)
