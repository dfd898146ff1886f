"""Coercers for single values: numbers, whole numbers, true/false, text and choices.

Each coercer takes a value as a platform sends it in and gives the typed value out, or raises
ValueError with a message that says what is allowed; coerce_inputs (in inputs.py) adds the
input's label. Values wired from earlier steps may already be typed.
"""

from __future__ import annotations

import math
import re
import reprlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..manifest.inputs import InputSpec

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off"})
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


def shown(spec: InputSpec, value: Any) -> str:
    if spec.secret or spec.type == "password":
        return "the value given"
    text = value if isinstance(value, str) else _SHORT_REPR.repr(value)
    if len(text) > SHOWN_VALUE_LIMIT:
        text = text[:SHOWN_VALUE_LIMIT] + "..."
    return repr(text) if isinstance(value, str) else text


def _range_text(spec: InputSpec) -> str:
    low, high = spec.minimum, spec.maximum
    fmt = format_number
    if low is not None and high is not None:
        return f" from {fmt(low)} to {fmt(high)}"
    if low is not None:
        return f" of at least {fmt(low)}"
    if high is not None:
        return f" of at most {fmt(high)}"
    return ""


def format_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _check_range(spec: InputSpec, number: float, kind: str, original: Any) -> None:
    too_low = spec.minimum is not None and number < spec.minimum
    too_high = spec.maximum is not None and number > spec.maximum
    if too_low or too_high:
        raise ValueError(f"must be {kind}{_range_text(spec)}; got {shown(spec, original)}.")


def coerce_number(spec: InputSpec, value: Any) -> int | float:
    kind = "a number"
    number = _to_float(value)
    if number is None or math.isnan(number) or math.isinf(number):
        raise ValueError(f"must be {kind}{_range_text(spec)}; got {shown(spec, value)}.")
    _check_range(spec, number, kind, value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def coerce_integer(spec: InputSpec, value: Any) -> int:
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


def coerce_boolean(spec: InputSpec, value: Any) -> bool:
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


def coerce_text(spec: InputSpec, value: Any) -> str:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("must be text; the value given is not valid UTF-8.") from None
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = format_number(value) if isinstance(value, float) and value.is_integer() else str(value)
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {kind_of(value)}.")
    if spec.type in TRIMMED_TYPES:
        value = value.strip()
    if not encodable(value):
        raise ValueError("contains text that is not valid Unicode (a lone surrogate character).")
    if spec.min_length is not None and len(value) < spec.min_length:
        raise ValueError(f"must be at least {spec.min_length} characters long.")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ValueError(f"must be at most {spec.max_length} characters long (got {len(value)}).")
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        hint = f" ({spec.placeholder})" if spec.placeholder else ""
        raise ValueError(f"has an invalid format{hint}; it must match {spec.pattern}.")
    return value


def coerce_select(spec: InputSpec, value: Any) -> str:
    text = value if isinstance(value, str) else str(value) if isinstance(value, (int, float)) else None
    choices = spec.choices or ()
    if text is not None:
        wanted = text.strip()
        for choice in choices:
            if wanted == choice.value:
                return choice.value
        folded = wanted.lower()
        for choice in choices:
            names = (choice.value, choice.label, choice.short_label, *choice.aliases)
            if folded in (name.lower() for name in names):
                return choice.value
    allowed = ", ".join(choice.shown for choice in choices)
    raise ValueError(f"must be one of: {allowed}; got {shown(spec, value)}.")


def encodable(text: str, encoding: str = "utf-8") -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def kind_of(value: Any) -> str:
    names = {dict: "an object", list: "a list", tuple: "a list", bool: "true/false",
             int: "a number", float: "a number", str: "text", bytes: "binary data"}
    return names.get(type(value), f"a {type(value).__name__}")


