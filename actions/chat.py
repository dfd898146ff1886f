"""Create Chat Completion: form inputs to DeepSeek's /chat/completions body, and back."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..runtime import settings
from ..runtime.action import Action, ActionContext, ActionResult
from ..runtime.errors import InputError, InputProblem
from ..runtime.executor import HttpRequest
from ..runtime.inputs import FormValues
from ..runtime.responses import expect_object, parse_json_body
from .chat_stream import ChatStream

ROLES = ("system", "user", "assistant", "tool")
TOOL_CHOICE_WORDS = ("none", "auto", "required")
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Inputs sent exactly as coerced, under their own names.
PLAIN_FIELDS = ("model", "frequency_penalty", "max_tokens", "presence_penalty", "stop", "temperature",
                "top_p", "tools", "logprobs", "top_logprobs", "reasoning_effort", "user_id")
# Inputs whose value is wrapped as {"type": value}.
TYPED_FIELDS = ("response_format", "thinking")
MANAGED_FIELDS = ("messages", "stream", "stream_options", "tool_choice")


class _Problems:
    def __init__(self, context: ActionContext):
        self.context = context
        self.items: list[InputProblem] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(InputProblem(key, self.context.label(key), message))

    def raise_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def build_body(context: ActionContext, form: FormValues) -> dict[str, Any]:
    """The JSON body for the inputs given; raises InputError (nothing sent) when they conflict."""
    given = form.given
    problems = _Problems(context)
    body: dict[str, Any] = {"model": given["model"],
                            "messages": normalise_messages(given["messages"], problems)}
    body.update((key, given[key]) for key in PLAIN_FIELDS if key in given and key != "model")
    body.update((key, {"type": given[key]}) for key in TYPED_FIELDS if key in given)
    if form.is_given("stream"):
        body["stream"] = form["stream"]
    if form["include_usage"]:
        if form["stream"]:
            body["stream_options"] = {"include_usage": True}
        else:
            problems.add("include_usage", "can only be used when Stream is on.")
    if "top_logprobs" in given and form["logprobs"] is not True:
        problems.add("top_logprobs", "needs Log Probabilities to be on.")
    tool_names = check_tools(given.get("tools"), problems)
    if "tool_choice" in given:
        choice = parse_tool_choice(given["tool_choice"], tool_names, problems)
        if choice is not None:
            body["tool_choice"] = choice
    if "extra_body" in given:
        merge_extra_body(body, given["extra_body"], context, problems)
    problems.raise_any()
    return body


def normalise_messages(value: Any, problems: _Problems) -> list[dict[str, Any]]:
    if isinstance(value, str):
        if not value.strip():
            problems.add("messages", "is empty; give the conversation as JSON or as plain text.")
        return [{"role": "user", "content": value}]
    messages = [value] if isinstance(value, dict) else value
    if not isinstance(messages, list) or not messages:
        problems.add("messages", "must be a JSON array of messages, one message object, or plain text.")
        return []
    for number, message in enumerate(messages, start=1):
        problem = message_problem(message)
        if problem:
            problems.add("messages", f"message {number} {problem}")
    return messages


def message_problem(message: Any) -> str | None:
    if not isinstance(message, dict):
        return 'must be an object such as {"role": "user", "content": "Hello"}.'
    role = message.get("role")
    if role not in ROLES:
        return f"has role {role!r}; allowed roles are {', '.join(ROLES)}."
    content = message.get("content")
    if role in ("system", "user", "tool") and not isinstance(content, (str, list)):
        return f"(role {role}) needs a content text."
    if role == "assistant" and content is None and not message.get("tool_calls") \
            and not message.get("prefix"):
        return "(role assistant) needs a content text or tool_calls."
    if role == "tool" and not message.get("tool_call_id"):
        return "(role tool) needs the tool_call_id of the call it answers."
    return None


def check_tools(tools: list | None, problems: _Problems) -> list[str]:
    names: list[str] = []
    for number, tool in enumerate(tools or (), start=1):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function":
            problems.add("tools", f'tool {number} must look like {{"type": "function", "function": '
                                  '{"name": ..., "parameters": {...}}}.')
            continue
        name = function.get("name")
        if not isinstance(name, str) or not FUNCTION_NAME.match(name):
            problems.add("tools", f"tool {number} has name {name!r}; a name is 1 to 64 letters, digits, "
                                  "_ or -.")
            continue
        names.append(name)
    return names


def parse_tool_choice(value: Any, tool_names: list[str], problems: _Problems) -> Any:
    """none / auto / required, a function object (or its JSON text), or a bare function name."""
    choice: Any = value
    if isinstance(value, str):
        word = value.strip()
        if word.lower() in TOOL_CHOICE_WORDS:
            choice = word.lower()
        elif word in tool_names:
            choice = {"type": "function", "function": {"name": word}}
        else:
            listed = ", ".join(tool_names) or "no tools are set"
            problems.add("tool_choice", f"{word!r} is not none, auto, required, or the name of a "
                                        f"function in Tools ({listed}).")
            return None
    elif isinstance(value, dict):
        name = (value.get("function") or {}).get("name") if isinstance(value.get("function"), dict) else None
        if value.get("type") != "function" or not isinstance(name, str):
            problems.add("tool_choice", 'must be {"type": "function", "function": {"name": "..."}}.')
            return None
        if name not in tool_names:
            problems.add("tool_choice", f"names function {name!r}, which is not in Tools.")
            return None
    else:
        problems.add("tool_choice", "must be none, auto, required, a function name or a function object.")
        return None
    if choice != "none" and not tool_names:
        problems.add("tool_choice", "needs Tools: there is no tool to choose.")
        return None
    return choice


def merge_extra_body(body: dict[str, Any], extra: dict[str, Any], context: ActionContext,
                     problems: _Problems) -> None:
    input_keys = {spec.key for spec in context.spec.inputs}
    for key, value in extra.items():
        if key in body or key in input_keys or key in MANAGED_FIELDS:
            owner = context.label(key) if key in input_keys else "the connector"
            problems.add("extra_body", f"sets {key!r}, which is set by {owner}; use that instead.")
        else:
            body[key] = value


class CreateChatCompletion(Action):
    def request(self, context: ActionContext, form: FormValues) -> HttpRequest:
        body = build_body(context, form)
        return HttpRequest("POST", context.url("chat/completions"), json_body=body,
                           stream=bool(body.get("stream")))

    def perform(self, context: ActionContext, form: FormValues) -> ActionResult:
        request = self.request(context, form)
        if request.stream:
            with self._open(context, request) as stream:
                completion = stream.read_all()
            return ActionResult(completion, 200)
        response = context.send(request)
        body = expect_object(parse_json_body(response), "Create Chat Completion", required=("choices",))
        return ActionResult(body, response.status_code, dict(response.headers))

    def open_stream(self, context: ActionContext, form: FormValues,
                    on_chunk: Callable[[dict], None] | None = None) -> ChatStream:
        request = self.request(context, form)
        request.stream = True
        request.json_body["stream"] = True
        return self._open(context, request, on_chunk)

    def _open(self, context: ActionContext, request: HttpRequest,
              on_chunk: Callable[[dict], None] | None = None) -> ChatStream:
        response = context.send(request)
        return ChatStream(response, request.read_timeout or settings.READ_TIMEOUT, on_chunk)
