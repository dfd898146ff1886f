"""One coercer per input type, looked up by the type's name in connector.yaml."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .structures import coerce_json, coerce_keyvaluelist, coerce_payload, coerce_valuelist, structure_problem
from .values import coerce_boolean, coerce_integer, coerce_number, coerce_select, coerce_text, shown

if TYPE_CHECKING:
    from ..manifest.inputs import InputSpec

__all__ = ["COERCERS", "coerce_value", "shown", "structure_problem"]


def coerce_value(spec: InputSpec, value: Any) -> Any:
    """Return `value` as the input's type, or raise ValueError saying what is allowed."""
    return COERCERS[spec.type](spec, value)


def _reject_connection(spec: InputSpec, value: Any) -> Any:
    raise ValueError("is given as an input; a step's connection is passed separately, not among its "
                     "inputs.")


COERCERS: dict[str, Callable[[InputSpec, Any], Any]] = {
    "string": coerce_text,
    "text": coerce_text,
    "password": coerce_text,
    "number": coerce_number,
    "integer": coerce_integer,
    "boolean": coerce_boolean,
    "select": coerce_select,
    "json": coerce_json,
    "valuelist": coerce_valuelist,
    "keyvaluelist": coerce_keyvaluelist,
    "payload": coerce_payload,
    "connection": _reject_connection,
}
