"""The manifest's one definition: typed, frozen models of connector.yaml.

The runtime uses these objects directly; the JSON Schema shipped for editors and for
`deepseek-connector validate` (manifest.schema.json) is generated from them. Every model
forbids unknown keys so that a typo fails loudly, and checks what a schema cannot express:
unique keys, references between entries, defaults that fit their input, wire mappings.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from .coercers import coerce_value

# payload: a request body as given: text kept exactly as typed, or bytes, or a JSON value
# wired from an earlier step.
InputType = Literal[
    "string", "text", "password", "number", "integer", "boolean", "select", "json",
    "valuelist", "keyvaluelist", "payload", "connection",
]
WireTarget = Literal["body", "query", "header", "managed", "setting"]
KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
CLASS_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"

# Inputs that configure the call itself (runtime/action.py reads them), and the ones every
# action and the connection check must offer.
CALL_SETTINGS = frozenset({"timeout", "maxRetries", "retryDelayMS", "useExponentialBackoff",
                           "retryAllErrors", "maxResponseMB", "debugRequest"})
REQUIRED_CALL_SETTINGS = ("timeout", "maxRetries", "retryDelayMS", "useExponentialBackoff",
                          "retryAllErrors", "maxResponseMB")


class Model(BaseModel):
    # defer_build: a model's validator is built when first used, and the runtime validates only
    # the whole Manifest (one validator, not one per model).
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              frozen=True, defer_build=True)


class Choice(Model):
    value: str
    label: str
    aliases: tuple[str, ...] = Field(default=(), description="Other spellings accepted for this choice.")


class Wire(Model):
    """Where an input's value goes on the request."""

    to: WireTarget = Field(description=(
        "body: a JSON body field; query: a query parameter; header: a request header; managed: "
        "the action's code sends it (a named test covers it); setting: configures the call "
        "(timeout, retries, limits) and is never sent."))
    name: str | None = Field(default=None, description="Field, parameter or header name; default: the key.")
    wrap: str | None = Field(default=None, description='Body only: send {"<wrap>": value}, e.g. type.')


def _expand_wire(value: Any) -> Any:
    return {"to": value} if isinstance(value, str) else value


WireField = Annotated[Wire | None,
                      BeforeValidator(_expand_wire, json_schema_input_type=Wire | WireTarget | None)]


class InputSpec(Model):
    key: str = Field(pattern=KEY_PATTERN)
    label: str = Field(min_length=1)
    type: InputType
    help: str = Field(min_length=1, description="Help text shown under the field.")
    required: bool = False
    default: Any = None
    placeholder: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    max_items: int | None = Field(default=None, ge=1, description="Most entries a list input may hold.")
    pattern: str | None = None
    choices: tuple[Choice, ...] | None = None
    json_shape: Literal["object", "array", "objectOrArray", "any"] | None = Field(
        default=None, description="For json inputs: the JSON value kind accepted.")
    allow_plain_text: bool = Field(
        default=False, description="For json inputs: text that is not JSON is kept as text.")
    secret: bool = Field(default=False, description="Never shown, logged or exported (write-only).")
    data_source: str | None = Field(default=None, description="Data source that fills a dropdown.")
    advanced: bool = Field(default=False, description="Shown under 'advanced' in forms.")
    unit: Literal["seconds", "milliseconds", "megabytes"] | None = Field(
        default=None, description="The unit of a number, shown in forms and docs.")
    wire: WireField = Field(default=None, description="Where the value goes on the request (see Wire); "
                                                      "a bare word is short for {to: word}.")

    @model_validator(mode="after")
    def _consistent(self) -> InputSpec:
        if (self.type == "select") != (self.choices is not None):
            raise ValueError("choices: required for select inputs and only for them")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum: greater than maximum")
        if self.type == "connection":
            if self.wire is not None:
                raise ValueError("wire: a connection input is never sent as a value")
            return self
        if self.wire is None:
            raise ValueError("wire: say where the value goes (body, query, header, managed or setting)")
        if self.wire.wrap is not None and self.wire.to != "body":
            raise ValueError("wire.wrap: only a body field can be wrapped")
        if self.wire.to == "setting" and self.key not in CALL_SETTINGS:
            known = ", ".join(sorted(CALL_SETTINGS))
            raise ValueError(f"wire: '{self.key}' is not a call setting (known: {known})")
        if self.default is not None:
            try:
                coerce_value(self, self.default)
            except ValueError as exc:
                raise ValueError(f"default: {exc}") from None
        return self

    @property
    def wire_name(self) -> str:
        return (self.wire.name if self.wire else None) or self.key


class FormSpec(Model):
    """Something with a form: an action, a data source, the connection."""

    key: str = Field(pattern=KEY_PATTERN)
    label: str
    description: str
    implementation: str = Field(pattern=CLASS_PATTERN, description="module:Class implementing it.")
    inputs: tuple[InputSpec, ...]

    @model_validator(mode="after")
    def _unique_inputs(self) -> FormSpec:
        keys = [field.key for field in self.inputs]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"inputs: '{twice[0]}' is used twice")
        return self

    def input(self, key: str) -> InputSpec | None:
        return self.by_key.get(key)

    def label_of(self, key: str) -> str:
        field = self.by_key.get(key)
        return field.label if field else key

    @cached_property
    def by_key(self) -> dict[str, InputSpec]:
        return {field.key: field for field in self.inputs}

    @cached_property
    def defaults(self) -> dict[str, Any]:
        """The coerced manifest defaults of the form (checked when the manifest loaded)."""
        return {field.key: coerce_value(field, field.default) for field in self.inputs
                if field.default is not None and field.type != "connection"}


class ToolHints(Model):
    """What running an action does to the world, for hosts that hand actions to an agent as
    tools (MCP's tool annotations): a client may ask before running one that is not read-only."""

    read_only: bool = Field(description="It only reads (a list, the balance) and changes nothing, "
                                        "not even by spending the account's balance.")
    destructive: bool = Field(description="It may delete or overwrite something (meaningful when not "
                                          "read-only); false means it only adds, such as billed usage.")
    idempotent: bool = Field(description="Running it again with the same inputs has no further effect "
                                         "(meaningful when not read-only).")
    open_world: bool = Field(description="It reaches beyond the connector: DeepSeek's API, the account, "
                                         "the model's answers.")

    @model_validator(mode="after")
    def _consistent(self) -> ToolHints:
        if self.read_only and self.destructive:
            raise ValueError("destructive: a read-only action cannot be destructive")
        return self


class ActionSpec(FormSpec):
    hints: ToolHints | None = Field(default=None, description="What running it does, for agents' tool "
                                                              "lists (MCP tool annotations).")

    @model_validator(mode="after")
    def _call_settings(self) -> ActionSpec:
        missing = [key for key in REQUIRED_CALL_SETTINGS if key not in self.by_key]
        if missing:
            raise ValueError(f"inputs: every action needs the call settings; missing {', '.join(missing)}")
        return self


class DataSourceSpec(ActionSpec):
    result_type: Literal["picklist"]


class ConnectionSpec(FormSpec):
    check: ActionSpec | None = Field(default=None, description="The action a builder runs to test a "
                                                               "saved connection.")


class ConnectorInfo(Model):
    key: str = Field(pattern=KEY_PATTERN)
    label: str
    description: str
    icon: str = Field(description="Path of the PNG icon, relative to the package.")
    icon_svg: str | None = None
    category: str
    documentation: str = Field(description="The generated reference page, relative to the package.")


class Manifest(Model):
    connector: ConnectorInfo
    shared_inputs: dict[str, InputSpec] = Field(
        default_factory=dict, description="Inputs several actions share; actions include them with "
                                          "YAML aliases (*name) or merge keys (<<: *name).")
    connection: ConnectionSpec
    actions: tuple[ActionSpec, ...]
    data_sources: tuple[DataSourceSpec, ...] = ()

    @model_validator(mode="after")
    def _unique_and_resolvable(self) -> Manifest:
        seen: set[str] = set()
        for spec in self.all_actions:
            if spec.key in seen:
                raise ValueError(f"'{spec.key}' is used twice as an action or data source key")
            seen.add(spec.key)
        sources = {spec.key for spec in self.data_sources}
        for spec in self.all_actions:
            for field in spec.inputs:
                if field.data_source is not None and field.data_source not in sources:
                    raise ValueError(f"{spec.key}.{field.key}.dataSource: no data source named "
                                     f"'{field.data_source}'")
        return self

    @property
    def all_actions(self) -> tuple[ActionSpec, ...]:
        return (*self.actions, *self.data_sources)

    def action(self, key: str) -> ActionSpec | None:
        return next((spec for spec in self.all_actions if spec.key == key), None)


def manifest_json_schema() -> dict[str, Any]:
    schema = Manifest.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "connector.yaml"
    return schema
