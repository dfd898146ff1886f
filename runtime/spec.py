"""The manifest as the runtime uses it: light, immutable records built from connector.yaml.

Validation lives in manifest_model.py (pydantic, and the JSON Schema generated from it); these
classes only carry checked data, so the run path never imports pydantic or jsonschema. They are
NamedTuples because those cost a fraction of a millisecond to define, where dataclasses cost
several (and importing `dataclasses` more). A test keeps their fields in step with the pydantic
models, name for name and default for default.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {_snake(key): value for key, value in data.items()}


def to_dict(item: Any) -> Any:
    """camelCase plain data, None fields left out: what `describe --format json` prints."""
    if hasattr(item, "_fields"):  # a record (NamedTuples are tuples too, so this comes first)
        return {_camel(name): to_dict(getattr(item, name)) for name in item._fields
                if getattr(item, name) is not None}
    if isinstance(item, tuple):
        return [to_dict(value) for value in item]
    return item


class Choice(NamedTuple):
    value: str
    label: str
    aliases: tuple[str, ...] = ()

    @classmethod
    def build(cls, data: dict[str, Any]) -> Choice:
        kwargs = _kwargs(data)
        kwargs["aliases"] = tuple(kwargs.get("aliases", ()))
        return cls(**kwargs)


class InputSpec(NamedTuple):
    key: str
    label: str
    type: str
    help: str
    required: bool = False
    default: Any = None
    placeholder: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    max_items: int | None = None
    pattern: str | None = None
    choices: tuple[Choice, ...] | None = None
    json_shape: str | None = None
    allow_plain_text: bool = False
    secret: bool = False
    data_source: str | None = None
    advanced: bool = False

    @classmethod
    def build(cls, data: dict[str, Any]) -> InputSpec:
        kwargs = _kwargs(data)
        if kwargs.get("choices") is not None:
            kwargs["choices"] = tuple(Choice.build(choice) for choice in kwargs["choices"])
        return cls(**kwargs)


def _inputs(data: dict[str, Any]) -> dict[str, Any]:
    kwargs = _kwargs(data)
    kwargs["inputs"] = tuple(InputSpec.build(item) for item in kwargs.get("inputs", ()))
    return kwargs


class ConnectionSpec(NamedTuple):
    key: str
    label: str
    description: str
    inputs: tuple[InputSpec, ...]
    check: str | None = None

    @classmethod
    def build(cls, data: dict[str, Any]) -> ConnectionSpec:
        return cls(**_inputs(data))


class ActionSpec(NamedTuple):
    key: str
    label: str
    description: str
    implementation: str
    inputs: tuple[InputSpec, ...]
    retry_policy: str = "standard"

    @classmethod
    def build(cls, data: dict[str, Any]) -> ActionSpec:
        return cls(**_inputs(data))


class DataSourceSpec(NamedTuple):
    key: str
    label: str
    description: str
    implementation: str
    result_type: str
    inputs: tuple[InputSpec, ...]
    retry_policy: str = "standard"

    @classmethod
    def build(cls, data: dict[str, Any]) -> DataSourceSpec:
        return cls(**_inputs(data))


class ConnectorInfo(NamedTuple):
    key: str
    label: str
    description: str
    version: str
    icon: str
    category: str
    documentation: str
    icon_svg: str | None = None


class Manifest(NamedTuple):
    connector: ConnectorInfo
    connection: ConnectionSpec
    actions: tuple[ActionSpec, ...]
    data_sources: tuple[DataSourceSpec, ...] = ()

    @classmethod
    def build(cls, data: dict[str, Any]) -> Manifest:
        return cls(connector=ConnectorInfo(**_kwargs(data["connector"])),
                   connection=ConnectionSpec.build(data["connection"]),
                   actions=tuple(ActionSpec.build(item) for item in data["actions"]),
                   data_sources=tuple(DataSourceSpec.build(item) for item in data.get("dataSources", ())))

    def action(self, key: str) -> ActionSpec | DataSourceSpec | None:
        for spec in (*self.actions, *self.data_sources):
            if spec.key == key:
                return spec
        return None
