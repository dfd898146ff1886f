"""JSON Schema (draft 2020-12) of a form, for builders that draw forms from a schema.

The schema describes the typed values a form renderer submits. The runtime accepts those and,
on top, the text forms platforms send ("0.7", "yes", JSON text, choice aliases).
Extensions: x-lowcode-dataSource (dynamic dropdown), x-lowcode-widget, x-lowcode-advanced,
x-lowcode-placeholder, x-lowcode-connection.
"""

from __future__ import annotations

from typing import Any

from .inputs import InputSpec
from .models import ActionSpec, Manifest

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KEY_VALUE_ITEM = {
    "type": "object",
    "properties": {"key": {"type": "string", "minLength": 1}, "value": {}},
    "required": ["key"],
    "additionalProperties": False,
}
WIDGETS = {"text": "textarea", "password": "password", "json": "code", "payload": "code"}


def input_schema(field: InputSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": field.label, "description": " ".join(field.help.split())}
    schema.update(_type_schema(field))
    if field.default is not None and not field.secret:
        schema["default"] = field.default
    if field.secret:
        schema["writeOnly"] = True
    if field.data_source:
        schema["x-lowcode-dataSource"] = field.data_source
    if field.type in WIDGETS:
        schema["x-lowcode-widget"] = WIDGETS[field.type]
    if field.advanced:
        schema["x-lowcode-advanced"] = True
    if field.placeholder:
        schema["x-lowcode-placeholder"] = field.placeholder
    return schema


def _type_schema(field: InputSpec) -> dict[str, Any]:
    kind = field.type
    if kind in ("string", "text", "password"):
        schema: dict[str, Any] = {"type": "string"}
        if field.min_length is not None:
            schema["minLength"] = field.min_length
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        if field.pattern:
            schema["pattern"] = f"^(?:{field.pattern})$"
        return schema
    if kind in ("number", "integer"):
        schema = {"type": kind}
        if field.minimum is not None:
            schema["minimum"] = _whole_if_possible(field.minimum)
        if field.maximum is not None:
            schema["maximum"] = _whole_if_possible(field.maximum)
        return schema
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "select":
        choices = field.choices or ()
        return {"type": "string", "oneOf": [{"const": c.value, "title": c.label} for c in choices]}
    if kind == "valuelist":
        return _array({"type": "string"}, field)
    if kind == "keyvaluelist":
        return _array(KEY_VALUE_ITEM, field)
    if kind == "json":
        shapes = {"object": ["object"], "array": ["array"], "objectOrArray": ["object", "array"]}.get(
            field.json_shape or "any", ["object", "array", "number", "boolean"])
        if field.allow_plain_text:
            shapes = [*shapes, "string"] if "array" in shapes or "object" in shapes else shapes
        if shapes == ["array"]:
            return _array({}, field)
        return {"type": shapes[0] if len(shapes) == 1 else shapes}
    return {}  # payload: text, JSON or bytes, as given


def _whole_if_possible(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _array(items: dict[str, Any], field: InputSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items}
    if field.max_items is not None:
        schema["maxItems"] = field.max_items
    return schema


def _form(title: str, description: str, inputs: tuple[InputSpec, ...], schema_id: str) -> dict[str, Any]:
    fields = [field for field in inputs if field.type != "connection"]
    schema = {
        "$schema": DRAFT,
        "$id": schema_id,
        "title": title,
        "description": " ".join(description.split()),
        "type": "object",
        "properties": {field.key: input_schema(field) for field in fields},
        "required": [field.key for field in fields if field.required and field.default is None],
        "additionalProperties": False,
    }
    return schema


def action_schema(manifest: Manifest, spec: ActionSpec) -> dict[str, Any]:
    schema = _form(spec.label, spec.description, spec.inputs,
                   f"urn:lowcode:{manifest.connector.key}:{spec.key}")
    if any(field.type == "connection" for field in spec.inputs):
        schema["x-lowcode-connection"] = manifest.connection.key
    return schema


def connection_schema(manifest: Manifest) -> dict[str, Any]:
    connection = manifest.connection
    return _form(connection.label, connection.description, connection.inputs,
                 f"urn:lowcode:{manifest.connector.key}:connection:{connection.key}")
