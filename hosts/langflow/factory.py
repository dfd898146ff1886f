"""The base of the Langflow components and the inputs and outputs they take from the manifest.

Each component (components/deepseek.py, generated) is a small class statement: Langflow stores
that source in every flow and runs it again, so a class must exist in real source. Its inputs
and outputs come from here, built from connector.yaml when the module loads, so an input added
to the manifest reaches Langflow with no code change. This module stays outside the bundle
folder, or Langflow would list the base class as a component too.

A streamed answer wired to a Chat Output reaches the playground as it arrives (live.py), as
Langflow's own model components stream theirs. Every component can be switched to tool mode:
lfx's ComponentToolkit builds one tool per component, named by the action's key and described
by the manifest, whose arguments are the inputs an agent supplies (agent_inputs); the key and
the other settings stay the component's own.

No `from __future__ import annotations`: Langflow reads the output methods' annotations.
"""

import asyncio
import json
from typing import Any

from lfx.custom.custom_component.component import Component, get_component_toolkit
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
from lfx.io.schema import create_input_schema
from lfx.schema.data import Data
from lfx.schema.message import Message
from lfx.utils.constants import MESSAGE_SENDER_AI, MESSAGE_SENDER_NAME_AI

from deepseek_connector import load_connector
from deepseek_connector.hosts.fields import form_inputs, langflow_widget
from deepseek_connector.hosts.langflow.live import LiveAnswer
from deepseek_connector.hosts.mapping import from_form
from deepseek_connector.runtime.contract.action import ActionResult, LiveHandler
from deepseek_connector.runtime.manifest.inputs import InputSpec
from deepseek_connector.runtime.manifest.models import ActionSpec

ICON = "Brain"


# The components' outputs; an input may not share their names.
OUTPUT_NAMES = ("answer", "result")


def field_name(key: str) -> str:
    """Langflow refuses input names that are the component's methods (stop, user_id, ...) or its
    outputs' names."""
    return f"{key}_value" if hasattr(Component, key) or key in OUTPUT_NAMES else key


def agent_inputs(spec: ActionSpec) -> list[InputSpec]:
    """What an agent gives when it calls the action as a tool: the inputs the manifest marks for
    agents (a chat's User Message) and those the action cannot run without that have no default
    (a prompt, a URL), except those filled from a data source (the Model, which the person
    building the flow picks)."""
    return [field for field in form_inputs(spec)
            if field.agent or field.required and field.default is None and not field.data_source]


def langflow_input(field: InputSpec, tool_mode: bool = False) -> Any:
    """The lfx input for a manifest input (hosts/fields.py decides which widget); `tool_mode`:
    an agent gives it when the component is one of its tools."""
    common: dict[str, Any] = {"name": field_name(field.key), "display_name": field.label,
                              "info": " ".join(field.help.split()), "advanced": field.advanced,
                              "required": field.required and field.default is None}
    if tool_mode:  # only the inputs an agent can fill take the flag (a secret input does not)
        common["tool_mode"] = True
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
    given = {field.key for field in agent_inputs(spec)}
    return [*connection_inputs(), *(langflow_input(field, field.key in given) for field in form_inputs(spec))]


def stream_input(spec: ActionSpec) -> str | None:
    """The input that turns streaming on, for an action that streams (chat, FIM)."""
    return spec.request.stream_input if spec.request is not None else None


def build_outputs(action: str) -> list[Output]:
    """Data for every action; a streamed one (chat, FIM) answers in text too, for a ChatOutput.
    The one output a tool gives an agent: the answer's text where there is one, else the data."""
    streams = stream_input(load_connector().spec(action)) is not None
    outputs = [Output(display_name="Result", name="result", method="build_data", tool_mode=not streams)]
    if streams:
        outputs.insert(0, Output(display_name="Answer", name="answer", method="build_message"))
    return outputs


class DeepSeekComponent(Component):
    """Runs one action of the DeepSeek connector with the component's key and inputs."""

    action_key = ""
    icon = ICON

    def __init__(self, **data: Any):
        super().__init__(**data)
        # Tool mode for every action, those without agent inputs too (List Models, the balance).
        # An instance attribute: Component's own __init__ sets it to False on each instance.
        self.add_tool_output = True

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

    def _deepseek_run(self, on_text: LiveHandler | None = None) -> ActionResult:
        inputs, connection = self._deepseek_inputs(), self._deepseek_connection()
        return load_connector().run_result(self.action_key, inputs, connection, on_text=on_text)

    def build_data(self) -> Data:
        data = self._deepseek_run().data
        return Data(data=data if isinstance(data, dict) else {"data": data})

    async def build_message(self) -> Message:
        """The answer's text. Streamed into a Chat Output's playground message as it arrives
        when Stream is on (as Langflow's model components do); the Message passed on is the same."""
        if self._deepseek_shows_live():
            return await self._deepseek_live_message()
        result = await asyncio.to_thread(self._deepseek_run)
        text = answer_text(result)
        self.status = text
        return Message(text=text)

    def _deepseek_shows_live(self) -> bool:
        """Stream on, and someone watching: wired to a Chat Output in a run with a session and an
        event manager (the playground); elsewhere (lfx run, tool calls) the answer comes whole."""
        streams = stream_input(load_connector().spec(self.action_key))
        if streams is None or getattr(self, field_name(streams), None) is not True:
            return False
        if getattr(self, "_vertex", None) is None or getattr(self, "_event_manager", None) is None:
            return False
        return bool(self.graph.session_id) and self.is_connected_to_chat_output()

    async def _deepseek_live_message(self) -> Message:
        live = LiveAnswer(self._deepseek_run)
        message = Message(text=live, sender=MESSAGE_SENDER_AI, sender_name=MESSAGE_SENDER_NAME_AI,
                          properties={"icon": self.icon, "state": "partial"},
                          session_id=self.graph.session_id)
        message.properties.source = self._build_source(self._id, self.display_name, self)
        sent = await self.send_message(message)  # Langflow reads `live` to its end, or its error
        assert live.result is not None
        # The Chat Output passes this same message on (and stores it again with this text), so the
        # playground ends with the answer as a step without live text has it.
        sent.text = text = answer_text(live.result)
        self.status = text
        return sent

    async def _get_tools(self) -> list[Any]:
        """Tool mode: lfx's ComponentToolkit builds the tool from the output marked for tools;
        its name and description are the manifest's, its arguments the agent inputs (none for an
        action without any: never every input, which would hand an agent the key's field)."""
        spec = load_connector().spec(self.action_key)
        description = " ".join(spec.description.split())
        tools = get_component_toolkit()(component=self).get_tools(
            tool_name=spec.key, tool_description=description, callbacks=self.get_langchain_callbacks())
        for tool in tools:
            tool.metadata = {**(tool.metadata or {}), "display_name": spec.key,
                             "display_description": description}
            if not agent_inputs(spec):
                tool.args_schema = create_input_schema([])
        return tools

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


def answer_text(result: ActionResult) -> str:
    """The Answer output's text: the answer's, or the data as JSON where there is none."""
    return result.text if result.text is not None else json.dumps(result.data, ensure_ascii=False)
