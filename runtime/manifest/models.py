"""The manifest's one definition: typed, frozen models of connector.yaml.

The runtime uses these objects directly; the JSON Schema shipped for editors and for
`deepseek-connector validate` (manifest.schema.json) is generated from them. Every model
forbids unknown keys so that a typo fails loudly, and checks what a schema cannot express:
unique keys, references between entries, defaults that fit their input, wire mappings.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import Field, model_validator

from ..forms.coercers import coerce_value
from .inputs import CALL_SETTINGS, KEY_PATTERN, PLACEHOLDER, InputSpec, InputType, Model

CLASS_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"


class FormSpec(Model):
    """Something with a form: an action, a data source, the connection."""

    key: str = Field(pattern=KEY_PATTERN)
    label: str
    description: str
    implementation: str | None = Field(
        default=None, pattern=CLASS_PATTERN,
        description="module:Name implementing it; an action without one sends its declared request "
                    "and returns the JSON answer.")
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
    def required_keys(self) -> tuple[str, ...]:
        """Inputs a user must give: required, with no default to stand in."""
        return tuple(field.key for field in self.inputs
                     if field.required and field.default is None and field.type != "connection")

    @cached_property
    def wired(self) -> tuple[InputSpec, ...]:
        """Inputs placed in the request by connector.yaml (body, query, header, path), in order."""
        return tuple(field for field in self.inputs
                     if field.wire is not None and field.wire.to not in ("managed", "setting"))

    @cached_property
    def order(self) -> dict[str, int]:
        """Each input's place in the form, for listing problems in the order a user sees them."""
        return {field.key: place for place, field in enumerate(self.inputs)}

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


class RequestSpec(Model):
    """The request an action sends: everything an action without code needs, and what an action
    with code builds on."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str = Field(description="Joined to the connection's Base URL; {key} stands for a wire: path "
                                  "input, escaped.")
    beta: bool = Field(default=False, description="Sent under /beta on the Base URL's host (DeepSeek's "
                                                  "beta features), whatever path the Base URL has.")
    stream_input: str | None = Field(default=None, description="The boolean input that asks for a "
                                                               "streamed answer.")
    required_fields: tuple[str, ...] = Field(default=(), description="Fields the JSON answer must have; "
                                                                     "an answer without them is an error.")
    silent_answer: bool = Field(default=False, description="The server may send nothing until its answer "
                                                           "is whole (a document parsed while it uploads): "
                                                           "no single read is cut short, only the Timeout.")


class SettingChange(Model):
    """How an action changes a call setting (its default, limits, unit, wording)."""

    label: str | None = None
    type: InputType | None = None
    help: str | None = None
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    unit: Literal["seconds", "milliseconds", "megabytes"] | None = None
    advanced: bool | None = None
    placeholder: str | None = None


class ActionSpec(FormSpec):
    request: RequestSpec | None = Field(default=None, description="The request it sends (required "
                                                                  "without an implementation).")
    call_settings: dict[str, SettingChange] = Field(
        default_factory=dict, description="Changes to the manifest's callSettings for this action, by "
                                          "key, e.g. {timeout: {default: 600}}.")
    hints: ToolHints = Field(description="What running it does, for agents' tool lists (MCP tool "
                                         "annotations): readOnly means it changes and spends nothing.")

    @model_validator(mode="after")
    def _call_settings(self) -> ActionSpec:
        missing = [key for key in CALL_SETTINGS if key not in self.by_key]
        if missing:
            raise ValueError(f"inputs: every action takes the call settings; missing {', '.join(missing)}")
        if self.implementation is None and self.request is None:
            raise ValueError("request: an action without an implementation declares its request")
        if self.request is not None:
            placeholders = set(PLACEHOLDER.findall(self.request.path))
            path_inputs = {field.key for field in self.inputs if field.wire and field.wire.to == "path"}
            if placeholders != path_inputs:
                named = ", ".join(sorted(placeholders)) or "none"
                raise ValueError(f"request.path: its {{placeholders}} ({named}) must be the wire: path "
                                 f"inputs ({', '.join(sorted(path_inputs)) or 'none'})")
            stream = self.request.stream_input
            if stream is not None and (stream not in self.by_key or self.by_key[stream].type != "boolean"):
                raise ValueError(f"request.streamInput: '{stream}' is not a boolean input")
        return self


class DataSourceSpec(ActionSpec):
    result_type: Literal["picklist"]


class ConnectionSpec(FormSpec):
    credential: str = Field(description="The input holding the key, sent only to the endpoint's origin.")
    endpoint: str = Field(description="The input holding the Base URL requests go to.")
    insecure: str | None = Field(default=None, description="The boolean input that allows a plain "
                                                          "http:// Base URL beyond this machine.")
    check: ActionSpec | None = Field(default=None, description="The action a builder runs to test a "
                                                               "saved connection.")

    @model_validator(mode="after")
    def _roles(self) -> ConnectionSpec:
        for role in ("credential", "endpoint"):
            if getattr(self, role) not in self.by_key:
                raise ValueError(f"{role}: '{getattr(self, role)}' is not one of the connection's inputs")
        if not self.by_key[self.credential].secret:
            raise ValueError("credential: the key's input must be secret")
        if self.insecure is not None and getattr(self.by_key.get(self.insecure), "type", None) != "boolean":
            raise ValueError(f"insecure: '{self.insecure}' is not one of the connection's boolean inputs")
        return self


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
    call_settings: tuple[InputSpec, ...] = Field(
        description="The inputs that configure a call (Timeout, retries, size limit, debug logging), "
                    "given once: every action and the connection check take them after their own "
                    "inputs, changed per action by its callSettings.")
    connection: ConnectionSpec
    actions: tuple[ActionSpec, ...]
    data_sources: tuple[DataSourceSpec, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _apply_call_settings(cls, data: Any) -> Any:
        """Every action's inputs with the call settings after them, as the action changes them."""
        if not isinstance(data, dict) or not isinstance(data.get("callSettings"), list):
            return data
        settings = [setting for setting in data["callSettings"] if isinstance(setting, dict)]
        specs = [*(data.get("actions") or []), *(data.get("dataSources") or [])]
        connection = data.get("connection")
        if isinstance(connection, dict) and isinstance(connection.get("check"), dict):
            specs.append(connection["check"])
        for spec in specs:
            if isinstance(spec, dict) and isinstance(spec.get("inputs", []), list):
                spec["inputs"] = [*spec.get("inputs", []), *with_changes(settings, spec.get("callSettings"))]
        return data

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


def with_changes(settings: list[dict[str, Any]], changes: Any) -> list[dict[str, Any]]:
    """The call settings as an action changes them (unknown keys are left for validation to name)."""
    if not isinstance(changes, dict):
        return settings
    unknown = set(changes) - {setting.get("key") for setting in settings}
    if unknown:
        raise ValueError(f"callSettings: '{sorted(unknown)[0]}' is not a call setting")
    return [{**setting, **(changes.get(setting.get("key")) or {})} for setting in settings]


def manifest_json_schema() -> dict[str, Any]:
    schema = Manifest.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "connector.yaml"
    return schema
