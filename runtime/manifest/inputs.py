"""The inputs of a form, as connector.yaml declares them: their types, choices, limits, and where
each value goes on the request (Wire)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from ..forms.coercers import coerce_value

# payload: a request body as given: text kept exactly as typed, or bytes, or a JSON value
# wired from an earlier step.
InputType = Literal[
    "string", "text", "password", "number", "integer", "boolean", "select", "json",
    "valuelist", "keyvaluelist", "payload", "connection",
]


WireTarget = Literal["body", "query", "header", "path", "managed", "setting"]


KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"


PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")


# The inputs that configure the call itself, which the runtime reads (runtime/contract/action.py): the
# manifest's callSettings declares exactly these, and every action and the connection check
# take them after their own inputs.
CALL_SETTINGS = ("timeout", "maxRetries", "retryDelayMS", "useExponentialBackoff", "retryAllErrors",
                 "maxResponseMB", "debugRequest")


class Model(BaseModel):
    # defer_build: a model's validator is built when first used, and the runtime validates only
    # the whole Manifest (one validator, not one per model).
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              frozen=True, defer_build=True)


class Choice(Model):
    value: str
    label: str
    aliases: tuple[str, ...] = Field(default=(), description="Other spellings accepted for this choice.")

    @property
    def short_label(self) -> str:
        """The label without its note in brackets: "Extra high" of "Extra high (DeepSeek treats it
        as High)"."""
        return self.label.split(" (", 1)[0]

    @property
    def shown(self) -> str:
        """How an error names this choice: as the form shows it, with the value to type when
        that differs ("JSON object (json_object)")."""
        short = self.short_label
        return short if short.lower() == self.value.lower() else f"{short} ({self.value})"


class Wire(Model):
    """Where an input's value goes on the request."""

    to: WireTarget = Field(description=(
        "body: a JSON body field; query: a query parameter; header: a request header; path: the "
        "{key} in the action's request path (escaped; '.' and '..' refused); managed: the action's "
        "code sends it (a named test covers it); setting: configures the call (timeout, retries, "
        "limits) and is never sent."))
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
    agent: bool = Field(default=False, description="An agent gives it when the action is one of its tools "
                                                   "(Langflow's tool mode), besides the required inputs: "
                                                   "what an action needs one of, such as a chat's message.")
    unit: Literal["seconds", "milliseconds", "megabytes"] | None = Field(
        default=None, description="The unit of a number, shown in forms and docs.")
    wire: WireField = Field(default=None, description="Where the value goes on the request (see Wire); "
                                                      "a bare word is short for {to: word}.")
    env: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]*$",
                            description="Connection inputs: the environment variable the command line "
                                        "and the MCP server read it from.")

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
        if (self.wire.to == "setting") != (self.key in CALL_SETTINGS):
            known = ", ".join(CALL_SETTINGS)
            raise ValueError(f"wire: only the call settings ({known}) are wire: setting, and they are")
        if self.wire.to == "path" and not (self.required and self.type in ("string", "select")):
            raise ValueError("wire: a path input must be a required string or select")
        if self.default is not None:
            try:
                coerce_value(self, self.default)
            except ValueError as exc:
                raise ValueError(f"default: {exc}") from None
        return self

    @property
    def wire_name(self) -> str:
        return (self.wire.name if self.wire else None) or self.key
