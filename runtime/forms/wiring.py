"""The declarative part of a request: every input's value placed where connector.yaml says.

An input wired to `body`, `query`, `header` or `path` needs no code: its coerced value (given, or
the manifest default) is sent under its wire name, wrapped as {"<wrap>": value} when asked, or
put in place of {key} in the action's request path, escaped. `managed` inputs are the action's
to send; `setting` inputs configure the call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..errors import InputError
from ..manifest.inputs import PLACEHOLDER
from ..manifest.models import ActionSpec
from .form import FormValues

_ABSENT = object()


@dataclass(slots=True)
class WiredParts:
    body: dict[str, Any] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)


def wire_inputs(spec: ActionSpec, form: FormValues) -> WiredParts:
    parts = WiredParts()
    for field_spec in spec.wired:
        value = form.get(field_spec.key, _ABSENT)
        if value is _ABSENT:
            continue
        wire = field_spec.wire
        assert wire is not None  # spec.wired holds wired inputs only
        name = field_spec.wire_name
        if wire.to == "body":
            parts.body[name] = {wire.wrap: value} if wire.wrap else value
        elif wire.to == "query":
            parts.query.append((name, as_text(value)))
        elif wire.to == "path":
            if as_text(value) in ("", ".", ".."):
                # Escaping leaves dots alone, and a server would read them as "here" or "up".
                raise InputError.single(field_spec.key, field_spec.label, "must not be empty, '.' or '..'.")
            parts.path[field_spec.key] = quote(as_text(value), safe="")
        else:
            parts.headers[name] = as_text(value)
    return parts


def declared_path(template: str, values: dict[str, str]) -> str:
    """The request path with each {key} replaced by its escaped value."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def as_text(value: Any) -> str:
    """A value as it travels in a query string or header: JSON for structures, words for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
