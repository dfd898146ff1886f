"""The base of the Langflow components and the inputs and outputs they take from the manifest.

Each component (components/deepseek.py, generated) is a small class statement: Langflow stores
that source in every flow and runs it again, so a class must exist in real source. Its inputs
and outputs come from here, built from connector.yaml when the module loads, so an input added
to the manifest reaches Langflow with no code change. This module stays outside the bundle
folder, or Langflow would list the base class as a component too.

No `from __future__ import annotations`: Langflow reads the output methods' annotations.
"""

import json
from typing import Any

from deepseek_connector import load_connector
from deepseek_connector.hosts.fields import form_inputs, langflow_widget
from deepseek_connector.hosts.mapping import from_form
from deepseek_connector.runtime.contract.action import ActionResult
from deepseek_connector.runtime.manifest.inputs import InputSpec
from lfx.custom.custom_component.component import Component
from lfx.io import (
    BoolInput,
    DropdownInput,
    FloatInput,
    IntInput,
    MessageTextInput,
    MultilineInput,
    NestedDictInput,
    Output,
    SecretStrInput,
    StrInput,
)
from lfx.schema.data import Data
from lfx.schema.message import Message

ICON = "Brain"


# The components' outputs; an input may not share their names.
OUTPUT_NAMES = ("answer", "result")


def field_name(key: str) -> str:
    """Langflow refuses input names that are the component's methods (stop, user_id, ...) or its
    outputs' names."""
    return f"{key}_value" if hasattr(Component, key) or key in OUTPUT_NAMES else key


def langflow_input(field: InputSpec) -> Any:
    """The lfx input for a manifest input (hosts/fields.py decides which widget)."""
    common: dict[str, Any] = {"name": field_name(field.key), "display_name": field.label,
                              "info": " ".join(field.help.split()), "advanced": field.advanced,
                              "required": field.required and field.default is None}
    widget = langflow_widget(field)
    default = field.default
    if widget == "secret":
        return SecretStrInput(**common, real_time_refresh=True)
    if widget == "model":
        options = [str(default or field.placeholder or "")]
        return DropdownInput(**common, options=options, value=options[0], combobox=True, refresh_button=True)
    if widget == "dropdown":
        values = [choice.value for choice in field.choices or ()]
        options = values if default is not None or field.required else ["", *values]
        return DropdownInput(**common, options=options, value=default or options[0])
    if widget == "toggle":
        return BoolInput(**common, value=bool(default))
    if widget in ("integer", "float"):
        return (IntInput if widget == "integer" else FloatInput)(**common, value=default or 0)
    if widget == "list":
        return StrInput(**common, is_list=True, value=default or [])
    if widget == "dict":
        return NestedDictInput(**common, value={})
    if widget == "message":
        return MessageTextInput(**common, value=default or "")
    if widget == "json":
        return MultilineInput(**common, value="")
    return StrInput(**common, value="" if default is None else str(default))


def is_unset(field: InputSpec, value: Any) -> bool:
    """Empty widgets, and 0 in a number widget whose input has no default (0 is its "not set")."""
    if value in (None, "", [], {}):
        return True
    return langflow_widget(field) in ("integer", "float") and field.default is None and value == 0


def connection_inputs() -> list[Any]:
    return [langflow_input(field) for field in load_connector().manifest.connection.inputs]


def build_inputs(action: str) -> list[Any]:
    spec = load_connector().spec(action)
    return [*connection_inputs(), *(langflow_input(field) for field in form_inputs(spec))]


def build_outputs(action: str) -> list[Output]:
    """Data for every action; a streamed one (chat, FIM) answers in text too, for a ChatOutput."""
    outputs = [Output(display_name="Result", name="result", method="build_data")]
    declared = load_connector().spec(action).request
    if declared is not None and declared.stream_input is not None:
        outputs.insert(0, Output(display_name="Answer", name="answer", method="build_message"))
    return outputs


class DeepSeekComponent(Component):
    """Runs one action of the DeepSeek connector with the component's key and inputs."""

    action_key = ""
    icon = ICON

    def _deepseek_connection(self) -> dict[str, Any]:
        spec = load_connector().manifest.connection
        return from_form({field.key: getattr(self, field.key, None) for field in spec.inputs}, spec)

    def _deepseek_inputs(self) -> dict[str, Any]:
        values = {}
        for field in form_inputs(load_connector().spec(self.action_key)):
            value = getattr(self, field_name(field.key), None)
            if isinstance(value, Message):  # wired from an earlier step, a ChatInput's say
                value = value.text
            if not is_unset(field, value):
                values[field.key] = value
        return values

    def _deepseek_run(self) -> ActionResult:
        inputs, connection = self._deepseek_inputs(), self._deepseek_connection()
        return load_connector().run_result(self.action_key, inputs, connection)

    def build_data(self) -> Data:
        data = self._deepseek_run().data
        return Data(data=data if isinstance(data, dict) else {"data": data})

    def build_message(self) -> Message:
        result = self._deepseek_run()
        text = result.text if result.text is not None else json.dumps(result.data, ensure_ascii=False)
        self.status = text
        return Message(text=text)

    def update_build_config(self, build_config: Any, field_value: Any, field_name: str | None = None) -> Any:
        """The Model dropdown's refresh button (and a new key or Base URL) lists the models now."""
        spec = load_connector().manifest.connection
        if "model" not in build_config or field_name not in ("model", spec.credential, spec.endpoint):
            return build_config
        connection = from_form({field.key: (getattr(self, field.key, None) or
                                            build_config.get(field.key, {}).get("value"))
                                for field in spec.inputs if field.key in build_config}, spec)
        try:
            listed = load_connector().run("selectModel", {}, connection)["data"]
            options = [option["key"] for option in listed]
        except Exception as error:  # noqa: BLE001 - shown in the form rather than failing it
            build_config["model"]["info"] = f"Could not list the models: {error}"
            return build_config
        build_config["model"]["options"] = options
        if options and build_config["model"].get("value") not in options:
            build_config["model"]["value"] = options[0]
        return build_config
