"""One coercer per input type: a value as a platform sends it in, the typed value out.

Each coercer raises ValueError with a message that says what is allowed; coerce_inputs (in
inputs.py) adds the input's label. Values wired from earlier steps may already be typed.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .manifest import InputSpec

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off"})
MAX_JSON_DEPTH = 64
# Integers beyond this are not carried exactly by JSON parsers, and no DeepSeek setting needs them.
LARGEST_INTEGER = 2**53 - 1
# Types whose text has no meaningful surrounding whitespace (a padded model name, URL or key).
TRIMMED_TYPES = frozenset({"string", "password"})
SHOWN_VALUE_LIMIT = 40
# repr() of user values in messages: bounded in depth and size, so a huge or deeply nested
# value cannot blow up an error message.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxstring = SHOWN_VALUE_LIMIT
_SHORT_REPR.maxother = SHOWN_VALUE_LIMIT


def coerce_value(spec: InputSpec, value: Any) -> Any:
    """Return `value` as the input's type, or raise ValueError saying what is allowed."""
    return COERCERS[spec.type](spec, value)


def shown(spec: InputSpec, value: Any) -> str:
    if spec.secret or spec.type == "password":
        return "the value given"
    text = value if isinstance(value, str) else _SHORT_REPR.repr(value)
    if len(text) > SHOWN_VALUE_LIMIT:
        text = text[:SHOWN_VALUE_LIMIT] + "..."
    return repr(text) if isinstance(value, str) else text


def _range_text(spec: InputSpec) -> str:
    low, high = spec.minimum, spec.maximum
    fmt = _format_number
    if low is not None and high is not None:
        return f" from {fmt(low)} to {fmt(high)}"
    if low is not None:
        return f" of at least {fmt(low)}"
    if high is not None:
        return f" of at most {fmt(high)}"
    return ""


def _format_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _check_range(spec: InputSpec, number: float, kind: str, original: Any) -> None:
    too_low = spec.minimum is not None and number < spec.minimum
    too_high = spec.maximum is not None and number > spec.maximum
    if too_low or too_high:
        raise ValueError(f"must be {kind}{_range_text(spec)}; got {shown(spec, original)}.")


def _coerce_number(spec: InputSpec, value: Any) -> int | float:
    kind = "a number"
    number = _to_float(value)
    if number is None or math.isnan(number) or math.isinf(number):
        raise ValueError(f"must be {kind}{_range_text(spec)}; got {shown(spec, value)}.")
    _check_range(spec, number, kind, value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _coerce_integer(spec: InputSpec, value: Any) -> int:
    kind = "a whole number"
    number = _to_float(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d{1,30}\s*", value):
        whole = int(value)
    elif number is not None and not math.isinf(number) and number.is_integer():
        whole = int(number)
    else:
        raise ValueError(f"must be {kind}{_range_text(spec)}; got {shown(spec, value)}.")
    if abs(whole) > LARGEST_INTEGER:
        raise ValueError(f"must be {kind}{_range_text(spec) or ' of a sensible size'}; "
                         f"got {shown(spec, value)}.")
    _check_range(spec, whole, kind, value)
    return whole


def _to_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
            return None
        try:
            return float(text)
        except (ValueError, OverflowError):
            return None
    return None


def _coerce_boolean(spec: InputSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError(f"must be true or false (yes/no also work); got {shown(spec, value)}.")


def _coerce_text(spec: InputSpec, value: Any) -> str:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("must be text; the value given is not valid UTF-8.") from None
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = _format_number(value) if isinstance(value, float) and value.is_integer() else str(value)
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {_kind_of(value)}.")
    if spec.type in TRIMMED_TYPES:
        value = value.strip()
    if not _encodable(value):
        raise ValueError("contains text that is not valid Unicode (a lone surrogate character).")
    if spec.min_length is not None and len(value) < spec.min_length:
        raise ValueError(f"must be at least {spec.min_length} characters long.")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ValueError(f"must be at most {spec.max_length} characters long (got {len(value)}).")
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        hint = f" ({spec.placeholder})" if spec.placeholder else ""
        raise ValueError(f"has an invalid format{hint}; it must match {spec.pattern}.")
    return value


def _coerce_select(spec: InputSpec, value: Any) -> str:
    text = value if isinstance(value, str) else str(value) if isinstance(value, (int, float)) else None
    choices = spec.choices or ()
    if text is not None:
        wanted = text.strip()
        for choice in choices:
            if wanted == choice.value:
                return choice.value
        folded = wanted.lower()
        for choice in choices:
            names = (choice.value, choice.label, *choice.aliases)
            if folded in (name.lower() for name in names):
                return choice.value
    allowed = ", ".join(choice.value for choice in choices)
    raise ValueError(f"must be one of: {allowed}; got {shown(spec, value)}.")


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
        if isinstance(node, str) and not _encodable(node):
            return "contains text that is not valid Unicode (a lone surrogate character)."
        if isinstance(node, dict):
            stack.extend((key, depth + 1) for key in node)
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend((child, depth + 1) for child in node)
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _coerce_json(spec: InputSpec, value: Any) -> Any:
    shape = spec.json_shape or "any"
    expected = {"object": "a JSON object ({...})", "array": "a JSON array ([...])", "any": "JSON",
                "objectOrArray": "a JSON object or array"}[shape]
    text = None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"must be {expected}; the value given is not valid UTF-8 text.") from None
    if isinstance(value, str):
        text = value
        try:
            value = _parse_json_text(value)
        except RecursionError:
            raise ValueError(f"is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from None
        except ValueError as exc:
            reason = _json_reason(exc)
            if spec.allow_plain_text and not text.lstrip().startswith(("[", "{")):
                return _coerce_text(spec, value)
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
        raise ValueError(f"must be {expected}, not {_kind_of(value)}.")
    if not _fits_shape(value, shape):
        raise ValueError(f"must be {expected}, not {_kind_of(value)}.")
    if spec.max_items is not None and isinstance(value, list) and len(value) > spec.max_items:
        raise ValueError(f"may hold at most {spec.max_items} entries (got {len(value)}).")
    return value


def _fits_shape(value: Any, shape: str) -> bool:
    kinds = {"object": dict, "array": list, "objectOrArray": (dict, list)}
    return shape not in kinds or isinstance(value, kinds[shape])


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return str(exc)


def _coerce_valuelist(spec: InputSpec, value: Any) -> list[str]:
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
            raise ValueError(f"entry {position} must be text, not {_kind_of(item)}.")
        try:
            result.append(_coerce_text(spec, item))
        except ValueError as exc:
            raise ValueError(f"entry {position} {exc}") from None
    if spec.max_items is not None and len(result) > spec.max_items:
        raise ValueError(f"may hold at most {spec.max_items} entries (got {len(result)}).")
    return result


def _coerce_keyvaluelist(spec: InputSpec, value: Any) -> list[dict[str, Any]]:
    if isinstance(value, (str, bytes)):
        try:
            value = _parse_json_text(value.decode("utf-8") if isinstance(value, bytes) else value)
        except (ValueError, RecursionError, UnicodeDecodeError):
            raise ValueError('must be a list of {"key": ..., "value": ...} pairs or a JSON object.') from None
    if isinstance(value, dict):
        value = [{"key": key, "value": item} for key, item in value.items()]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f'must be a list of {{"key": ..., "value": ...}} pairs, not {_kind_of(value)}.')
    pairs = []
    for position, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or "key" not in entry or set(entry) - {"key", "value"}:
            raise ValueError(f'entry {position} must be an object with "key" and "value".')
        key = entry["key"]
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"entry {position} needs a non-empty key.")
        if not _encodable(key):
            raise ValueError(f"entry {position} has a key that is not valid Unicode.")
        problem = structure_problem(entry.get("value"))
        if problem:
            raise ValueError(f"entry {position} value {problem}")
        pairs.append({"key": key, "value": entry.get("value")})
    if spec.max_items is not None and len(pairs) > spec.max_items:
        raise ValueError(f"may hold at most {spec.max_items} entries (got {len(pairs)}).")
    return pairs


def _kind_of(value: Any) -> str:
    names = {dict: "an object", list: "a list", tuple: "a list", bool: "true/false",
             int: "a number", float: "a number", str: "text", bytes: "binary data"}
    return names.get(type(value), f"a {type(value).__name__}")


def _coerce_payload(spec: InputSpec, value: Any) -> Any:
    if isinstance(value, str):
        return _coerce_text(spec, value)
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    return _coerce_json(spec, value)


def _reject_connection(spec: InputSpec, value: Any) -> Any:
    raise ValueError("is given as an input; a step's connection is passed separately, not among its "
                     "inputs.")


COERCERS: dict[str, Callable[[InputSpec, Any], Any]] = {
    "string": _coerce_text,
    "text": _coerce_text,
    "password": _coerce_text,
    "number": _coerce_number,
    "integer": _coerce_integer,
    "boolean": _coerce_boolean,
    "select": _coerce_select,
    "json": _coerce_json,
    "valuelist": _coerce_valuelist,
    "keyvaluelist": _coerce_keyvaluelist,
    "payload": _coerce_payload,
    "connection": _reject_connection,
}
