"""Typed models of connector.yaml.

These models are the one definition of the manifest's structure: the JSON Schema shipped as
`manifest.schema.json` is generated from them (`deepseek-connector validate --write`) and a
test keeps the two in step. Every model forbids unknown keys so that a typo fails loudly.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# payload: a request body as given: text kept exactly as typed, or bytes, or a JSON value
# wired from an earlier step.
InputType = Literal[
    "string", "text", "password", "number", "integer", "boolean", "select", "json",
    "valuelist", "keyvaluelist", "payload", "connection",
]
KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
CLASS_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              frozen=True)


class Choice(_Model):
    value: str
    label: str
    aliases: tuple[str, ...] = Field(default=(), description="Other spellings accepted for this choice.")


class InputSpec(_Model):
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


class ConnectionSpec(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    label: str
    description: str
    check: str | None = Field(default=None, pattern=CLASS_PATTERN,
                              description="module:Class a builder runs to test a saved connection.")
    inputs: tuple[InputSpec, ...]


class ActionSpec(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    label: str
    description: str
    implementation: str = Field(pattern=CLASS_PATTERN, description="module:Class implementing it.")
    retry_policy: str = Field(default="standard", description="Named policy from runtime.settings.")
    inputs: tuple[InputSpec, ...]


class DataSourceSpec(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    label: str
    description: str
    implementation: str = Field(pattern=CLASS_PATTERN)
    result_type: Literal["picklist"]
    retry_policy: str = "standard"
    inputs: tuple[InputSpec, ...]


class ConnectorInfo(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    label: str
    description: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+([.-]?\w+)?$")
    icon: str = Field(description="Path of the PNG icon, relative to the package.")
    icon_svg: str | None = None
    category: str
    documentation: str = Field(description="Link to the generated reference page.")


class Manifest(_Model):
    connector: ConnectorInfo
    connection: ConnectionSpec
    actions: tuple[ActionSpec, ...]
    data_sources: tuple[DataSourceSpec, ...] = ()

    def action(self, key: str) -> ActionSpec | DataSourceSpec | None:
        for spec in (*self.actions, *self.data_sources):
            if spec.key == key:
                return spec
        return None


def manifest_json_schema() -> dict[str, Any]:
    schema = Manifest.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "connector.yaml"
    return schema
