"""Form inputs: every action's values coerced and validated from the manifest's declarations.

Platforms send most values as text ("0.7", "true", JSON text); values wired from an earlier step
may already be numbers, booleans, lists, objects or bytes. The per-type coercers live in
coercers.py; actions never parse numbers or booleans themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .coercers import coerce_value
from .errors import InputError, InputProblem
from .spec import InputSpec

__all__ = ["FormValues", "coerce_inputs", "coerce_value", "is_blank"]


class FormValues(Mapping[str, Any]):
    """Coerced inputs: the values the user gave, with manifest defaults behind them."""

    def __init__(self, given: dict[str, Any], defaults: dict[str, Any]):
        self.given = given
        self._merged = {**defaults, **given}

    def __getitem__(self, key: str) -> Any:
        return self._merged[key]

    def __iter__(self):
        return iter(self._merged)

    def __len__(self) -> int:
        return len(self._merged)

    def is_given(self, key: str) -> bool:
        return key in self.given


def is_blank(spec: InputSpec, value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        keeps_spaces = spec.type in ("string", "text", "password")
        return value == "" if keeps_spaces else value.strip() == ""
    if isinstance(value, (list, tuple, dict)) and spec.type in ("valuelist", "keyvaluelist"):
        return len(value) == 0
    return False


_defaults_cache: dict[int, tuple[Any, dict[str, Any]]] = {}


def _defaults(specs: tuple[InputSpec, ...]) -> dict[str, Any]:
    """The coerced manifest defaults of a form, computed once per form (they never change)."""
    cached = _defaults_cache.get(id(specs))
    if cached is None or cached[0] is not specs:
        defaults = {spec.key: coerce_value(spec, spec.default) for spec in specs
                    if spec.default is not None and spec.type != "connection"}
        cached = _defaults_cache[id(specs)] = (specs, defaults)
    return cached[1]


def coerce_inputs(specs: Iterable[InputSpec], raw: Mapping[str, Any] | None) -> FormValues:
    """Coerce every input, collecting all problems so that the user can fix them in one go."""
    specs = tuple(specs)
    raw = dict(raw or {})
    problems: list[InputProblem] = []
    given: dict[str, Any] = {}
    defaults = _defaults(specs)
    known = set()
    for spec in specs:
        known.add(spec.key)
        if spec.type == "connection":
            continue
        value = raw.get(spec.key)
        if is_blank(spec, value):
            if spec.required and spec.default is None:
                problems.append(InputProblem(spec.key, spec.label, "is required."))
            continue
        try:
            given[spec.key] = coerce_value(spec, value)
        except ValueError as exc:
            problems.append(InputProblem(spec.key, spec.label, str(exc)))
    for key in raw:
        if key not in known:
            allowed = ", ".join(sorted(known)) or "none"
            problems.append(InputProblem(str(key), str(key),
                                         f"is not an input of this action (its inputs are: {allowed})."))
    if problems:
        raise InputError(problems)
    return FormValues(given, defaults)
