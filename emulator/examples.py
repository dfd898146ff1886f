"""Values the emulator makes up: a tool call's arguments from its parameters, and JSON answers
that follow a JSON Schema a message states (a model told the schema in so many words does)."""

from __future__ import annotations

import json
from typing import Any


def placeholder(schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(schema, dict) and schema.get("enum"):
        return schema["enum"][0]
    examples: dict[str, Any] = {"string": "example", "number": 1, "integer": 1, "boolean": True,
                                "array": [], "object": {}}
    return examples.get(kind, "example") if isinstance(kind, str) else "example"


SCHEMA_MARKER = "JSON Schema:"


def stated_schema(text: str) -> dict | None:
    """The JSON Schema a message states after "JSON Schema:", if any."""
    start = text.find(SCHEMA_MARKER)
    if start < 0:
        return None
    try:
        schema, _ = json.JSONDecoder().raw_decode(text[start + len(SCHEMA_MARKER):].lstrip())
    except ValueError:
        return None
    return schema if isinstance(schema, dict) else None


def example_of(schema: Any, depth: int = 0) -> Any:
    """A value that satisfies a simple schema: required properties, first enum values, minimums."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    for combined in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(combined), list) and schema[combined]:
            return example_of(schema[combined][0], depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        names = schema.get("required") or list(properties)
        return {name: example_of(properties.get(name, {}), depth + 1) for name in names}
    if kind == "array":
        return [example_of(schema.get("items", {}), depth + 1) for _ in range(schema.get("minItems", 1))]
    if kind in ("number", "integer"):
        return schema.get("minimum", 1)
    return placeholder(schema)
