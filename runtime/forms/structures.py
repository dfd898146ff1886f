"""Coercers for structured values: JSON, lists of values, key/value lists and request payloads.

Structures are checked iteratively (no recursion limit) for what JSON cannot carry: NaN and
Infinity, lone surrogates, and nesting deeper than MAX_JSON_DEPTH.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from .values import coerce_text, encodable, kind_of

if TYPE_CHECKING:
    from ..manifest.inputs import InputSpec

MAX_JSON_DEPTH = 64


def _parse_json_text(text: str) -> Any:
    def reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed in JSON")

    return json.loads(text, parse_constant=reject_constant)


def structure_problem(value: Any) -> str | None:
    """Why a structured value cannot be sent as JSON, or None. Iterative: no recursion limit."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
        if isinstance(node, float) and (math.isnan(node) or math.isinf(node)):
            return "must not contain NaN or Infinity; JSON has no such numbers."
        if isinstance(node, str) and not encodable(node):
            return "contains text that is not valid Unicode (a lone surrogate character)."
        if isinstance(node, dict):
            stack.extend((key, depth + 1) for key in node)
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend((child, depth + 1) for child in node)
    return None


def coerce_json(spec: InputSpec, value: Any) -> Any:
    shape = spec.json_shape or "any"
    expected = {"object": "a JSON object ({...})", "array": "a JSON array ([...])", "any": "JSON",
                "objectOrArray": "a JSON object or array"}[shape]
    text = None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"must be {expected}; the value given is not valid UTF-8 text.") from None
    if isinstance(value, str) and spec.allow_plain_text and shape != "any" \
            and not value.lstrip().startswith(("[", "{", '"')):
        # Text that cannot be the object or array asked for: plain text (a chat's message),
        # without a parse that fails (an exception costs more than the rest of a form).
        return coerce_text(spec, value)
    if isinstance(value, str):
        text = value
        try:
            value = _parse_json_text(value)
        except RecursionError:
            raise ValueError(f"is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from None
        except ValueError as exc:
            reason = _json_reason(exc)
            if spec.allow_plain_text and not text.lstrip().startswith(("[", "{")):
                return coerce_text(spec, value)
            if spec.allow_plain_text:
                raise ValueError(f"looks like JSON but is not valid JSON ({reason}); fix the JSON, "
                                 "or write plain text that does not start with [ or {.") from None
            raise ValueError(f"must be {expected}; the text is not valid JSON ({reason}).") from None
    problem = structure_problem(value)
    if problem:
        raise ValueError(problem)
    if isinstance(value, tuple):
        value = list(value)
    if spec.allow_plain_text and isinstance(value, str):
        return value
    if spec.allow_plain_text and text is not None and not _fits_shape(value, shape):
        return text  # text that parses as JSON of the wrong kind ("42", "true") was meant as text
    if not isinstance(value, (dict, list, str, int, float, bool)):
        raise ValueError(f"must be {expected}, not {kind_of(value)}.")
    if not _fits_shape(value, shape):
        raise ValueError(f"must be {expected}, not {kind_of(value)}.")
    if spec.max_items is not None and isinstance(value, list) and len(value) > spec.max_items:
        raise ValueError(f"may hold at most {spec.max_items} entries (got {len(value)}).")
    return value


def _fits_shape(value: Any, shape: str) -> bool:
    kinds: dict[str, type | tuple[type, ...]] = {"object": dict, "array": list, "objectOrArray": (dict, list)}
    return shape not in kinds or isinstance(value, kinds[shape])


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return str(exc)


def coerce_valuelist(spec: InputSpec, value: Any) -> list[str]:
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            parsed = _parse_json_text(value)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, list):
            value = parsed
    items = value if isinstance(value, (list, tuple)) else [value]
    result = []
    for position, item in enumerate(items, start=1):
        if item is None:
            continue
        if isinstance(item, (dict, list, tuple)):
            raise ValueError(f"entry {position} must be text, not {kind_of(item)}.")
        try:
            result.append(coerce_text(spec, item))
        except ValueError as exc:
            raise ValueError(f"entry {position} {exc}") from None
    if spec.max_items is not None and len(result) > spec.max_items:
        raise ValueError(f"may hold at most {spec.max_items} entries (got {len(result)}).")
    return result


def coerce_keyvaluelist(spec: InputSpec, value: Any) -> list[dict[str, Any]]:
    if isinstance(value, (str, bytes)):
        try:
            value = _parse_json_text(value.decode("utf-8") if isinstance(value, bytes) else value)
        except (ValueError, RecursionError, UnicodeDecodeError):
            raise ValueError('must be a list of {"key": ..., "value": ...} pairs or a JSON object.') from None
    if isinstance(value, dict):
        value = [{"key": key, "value": item} for key, item in value.items()]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f'must be a list of {{"key": ..., "value": ...}} pairs, not {kind_of(value)}.')
    pairs = []
    for position, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or "key" not in entry or set(entry) - {"key", "value"}:
            raise ValueError(f'entry {position} must be an object with "key" and "value".')
        key = entry["key"]
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"entry {position} needs a non-empty key.")
        if not encodable(key):
            raise ValueError(f"entry {position} has a key that is not valid Unicode.")
        problem = structure_problem(entry.get("value"))
        if problem:
            raise ValueError(f"entry {position} value {problem}")
        pairs.append({"key": key, "value": entry.get("value")})
    if spec.max_items is not None and len(pairs) > spec.max_items:
        raise ValueError(f"may hold at most {spec.max_items} entries (got {len(pairs)}).")
    return pairs


def coerce_payload(spec: InputSpec, value: Any) -> Any:
    if isinstance(value, str):
        return coerce_text(spec, value)
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    return coerce_json(spec, value)


