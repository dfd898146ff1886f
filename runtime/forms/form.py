"""Form inputs: every action's values coerced and validated from the manifest's declarations.

Platforms send most values as text ("0.7", "true", JSON text); values wired from an earlier step
may already be numbers, booleans, lists, objects or bytes. The per-type coercers live in
coercers.py; actions never parse numbers or booleans themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import InputError, InputProblem
from ..manifest.inputs import InputSpec
from ..manifest.models import ActionSpec, ConnectionSpec, FormSpec
from .coercers import coerce_value

__all__ = ["FormValues", "coerce_inputs", "coerce_connection", "coerce_value", "is_blank"]


class FormValues(Mapping[str, Any]):
    """Coerced inputs: the values the user gave, with manifest defaults behind them."""

    def __init__(self, given: dict[str, Any], defaults: Mapping[str, Any]):
        self.given = given
        self._merged = {**defaults, **given}
        self._defaults = defaults

    def __getitem__(self, key: str) -> Any:
        return self._merged[key]

    # Mapping's own `in` and get() go through __getitem__ and an exception; forms are read often.
    def __contains__(self, key: object) -> bool:
        return key in self._merged

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged)

    def __len__(self) -> int:
        return len(self._merged)

    def get(self, key: str, default: Any = None) -> Any:
        return self._merged.get(key, default)

    def is_given(self, key: str) -> bool:
        return key in self.given

    def with_given(self, **values: Any) -> FormValues:
        """The same form with more values given (e.g. streaming turned on by the caller)."""
        return FormValues({**self.given, **values}, self._defaults)


def is_blank(spec: InputSpec, value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == "" if spec.type == "text" else value.strip() == ""
    if isinstance(value, (list, tuple, dict)) and spec.type in ("valuelist", "keyvaluelist"):
        return len(value) == 0
    return False


def _coerce_given(form: FormSpec, raw: Mapping[str, Any], problems: list[InputProblem]) -> dict[str, Any]:
    """The values given for the form's inputs, coerced (a form has dozens of inputs, a step
    gives a few: only those are walked). Keys that are not inputs are left to the caller."""
    given: dict[str, Any] = {}
    by_key = form.by_key
    for key, value in raw.items():
        spec = by_key.get(key)
        if spec is None or value is None or is_blank(spec, value):
            continue
        try:
            given[key] = coerce_value(spec, value)
        except ValueError as exc:
            problems.append(InputProblem(spec.key, spec.label, str(exc)))
    for key in form.required_keys:
        if key not in given and not any(problem.key == key for problem in problems):
            problems.append(InputProblem(key, by_key[key].label, "is required."))
    return given


def _in_form_order(form: FormSpec, problems: list[InputProblem]) -> list[InputProblem]:
    """Problems in the order of the form's inputs (keys that are not inputs last, as given)."""
    last = len(form.inputs)
    return sorted(problems, key=lambda problem: form.order.get(problem.key, last))


def coerce_inputs(spec: ActionSpec, raw: Mapping[str, Any] | None) -> FormValues:
    """Coerce every input of an action, collecting all problems so the user fixes them in one go."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise InputError.single("inputs", "Inputs", "must be an object of input values by key.")
    problems: list[InputProblem] = []
    given = _coerce_given(spec, raw, problems)
    for key in raw:
        if key not in spec.by_key:
            allowed = ", ".join(sorted(f.key for f in spec.inputs if f.type != "connection")) or "none"
            problems.append(InputProblem(str(key), str(key),
                                         f"is not an input of this action (its inputs are: {allowed})."))
    if problems:
        raise InputError(_in_form_order(spec, problems))
    return FormValues(given, spec.defaults)


def coerce_connection(spec: ConnectionSpec, raw: Any) -> FormValues:
    """Coerce connection values. Keys that are not inputs (a host's label, id, ...) are ignored,
    unless they look like an input spelt in another case, which is almost surely a typo."""
    if not isinstance(raw, Mapping):
        # Never echo the value: it may well be the key itself.
        raise InputError.single("connection", "Connection", "must be an object with the connection's "
                                "values (such as apiKey and baseUrl), not text or a number.")
    problems: list[InputProblem] = []
    known = {field.key.lower(): field.key for field in spec.inputs}
    for key in raw:
        folded = str(key).lower()
        if folded in known and key != known[folded]:
            problems.append(InputProblem(str(key), str(key), f"'{key}' is not a connection value; "
                                         f"did you mean '{known[folded]}'?"))
    given = _coerce_given(spec, raw, problems)
    if problems:
        raise InputError(_in_form_order(spec, problems))
    return FormValues(given, spec.defaults)
