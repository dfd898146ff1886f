"""Create Chat Completion: the form onto DeepSeek's /chat/completions body, and back.

Inputs wired to the body in connector.yaml reach it without code; this module handles the
managed ones (messages, tool choice, include usage, extra body fields) and the cross-field
checks that keep a request DeepSeek would refuse from being sent (and billed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..runtime.contract.action import Answer, Call, declared_request
from ..runtime.contract.running import exchange
from ..runtime.errors import OutputError, Problems
from ..runtime.http.messages import HttpRequest
from ..runtime.manifest.models import ActionSpec
from .chat_assembler import ChatCompletionAssembler
from .completions import CompletionAction, answer_text, finish, with_stream_options
from .json_output import add_usage, mismatch, parse_json, schema_problem

ROLES = ("system", "user", "assistant", "tool")
TOOL_CHOICE_WORDS = ("none", "auto", "required")
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Body fields the action sets itself; Extra Body Fields may not override them either.
MANAGED_FIELDS = ("messages", "stream", "stream_options", "tool_choice")
REPAIR_REQUEST = ("Your answer did not match the JSON Schema ({problem}). Reply again with only a JSON "
                  "object that matches this JSON Schema: {schema}")


class CreateChatCompletion(CompletionAction):
    assembler = ChatCompletionAssembler
    answer_field = "message"

    def request(self, call: Call) -> HttpRequest:
        form, problems = call.form, call.problems()
        wired = call.wired()
        body = wired.body
        body["messages"] = normalise_messages(form["messages"], problems)
        with_stream_options(call, body, problems)
        if "json_schema" in form:
            check_json_schema(form, body, problems)
        if "top_logprobs" in form and form.get("logprobs") is not True:
            problems.add("top_logprobs", "needs Log Probabilities to be on.")
        tool_names = check_tools(form.get("tools"), problems)
        if "tool_choice" in form:
            choice = parse_tool_choice(form["tool_choice"], tool_names, problems)
            if choice is not None:
                body["tool_choice"] = choice
        if "extra_body" in form:
            merge_extra_body(body, form["extra_body"], call.spec, problems)
        problems.raise_any()
        return declared_request(call, wired)

    def expects_json(self, call: Call) -> bool:
        return call.form.get("response_format") == "json_object" or "json_schema" in call.form

    def result(self, answer: Answer, call: Call) -> Any:
        data = self.checked(answer, call)
        if "json_schema" in call.form:
            data = repaired(self, call, data)
        return finish(data, call, self.expects_json(call))


def repaired(action: CreateChatCompletion, call: Call, data: dict[str, Any]) -> dict[str, Any]:
    """The answer, or (with a JSON Schema) as many repairs as Repair Attempts allow: the model is
    sent its mistake and asked again; usage adds up every attempt."""
    schema = call.form["json_schema"]
    repairs = 0
    while (problem := answer_problem(data, schema)) is not None:
        if repairs >= call.form["repair_attempts"]:
            tried = f" after {repairs} repair attempt(s)" if repairs else ""
            raise OutputError(f"The answer did not match the JSON Schema{tried}: {problem}.", partial=data)
        repairs += 1
        follow_up = call.quiet().with_form(repair_form(call, data, problem, schema))
        usage = data.get("usage")
        data = action.checked(exchange(action, follow_up), follow_up)
        data["usage"] = add_usage(usage, data.get("usage"))
        data["repairs"] = repairs
    return data


def check_json_schema(form: Any, body: dict[str, Any], problems: Problems) -> None:
    """A JSON Schema must be one, and asks for a JSON answer (unless the user chose text)."""
    problem = schema_problem(form["json_schema"])
    if problem:
        problems.add("json_schema", f"is not a valid JSON Schema (draft 2020-12): {problem}.")
    if form.get("response_format") == "text":
        problems.add("json_schema", "needs Response Format JSON object (or blank), not Text.")
    body["response_format"] = {"type": "json_object"}


def answer_problem(data: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """Why the answer is not JSON matching `schema`, or None."""
    value, problem = parse_json(answer_text(data))
    return problem or mismatch(value, schema)


def repair_form(call: Call, answer: dict[str, Any], problem: str, schema: dict[str, Any]) -> Any:
    """The conversation again, with the answer and a message saying what was wrong with it."""
    assistant = {"role": "assistant", "content": answer_text(answer) or ""}
    request = REPAIR_REQUEST.format(problem=problem, schema=json.dumps(schema))
    correction = {"role": "user", "content": request}
    messages = normalise_messages(call.form["messages"], call.problems())
    return call.form.with_given(messages=[*messages, assistant, correction])


def normalise_messages(value: Any, problems: Problems) -> list[dict[str, Any]]:
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


def check_tools(tools: list[Any] | None, problems: Problems) -> list[str]:
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
        if "parameters" in function:
            problem = schema_problem(function["parameters"])
            if problem:
                problems.add("tools", f"tool {number} ({name}) has parameters that are not a valid JSON "
                                      f"Schema: {problem}.")
        names.append(name)
    return names


def parse_tool_choice(value: Any, tool_names: list[str], problems: Problems) -> Any:
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
        function = value.get("function")
        name = function.get("name") if isinstance(function, dict) else None
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


def merge_extra_body(body: dict[str, Any], extra: dict[str, Any], spec: ActionSpec,
                     problems: Problems) -> None:
    owners = {field.wire_name: field.label for field in spec.inputs if field.wire is not None}
    owners.update({field.key: field.label for field in spec.inputs})
    for key, value in extra.items():
        if key in body or key in owners or key in MANAGED_FIELDS:
            problems.add("extra_body", f"sets {key!r}, which is set by {owners.get(key, 'the connector')}; "
                                       "use that instead.")
        else:
            body[key] = value
