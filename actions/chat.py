"""Create Chat Completion: the form onto DeepSeek's /chat/completions body, and back.

Inputs wired to the body in connector.yaml reach it without code; this module handles the
managed ones (the conversation, tool choice, include usage, extra body fields, the JSON
Schema) and the cross-field checks that keep a request DeepSeek would refuse from being sent
(and billed): thinking mode's rules, JSON mode's word, where beta features are sent.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from ..runtime.contract.action import Answer, Call, declared_request
from ..runtime.contract.running import exchange
from ..runtime.errors import ApiError, OutputError, Problems
from ..runtime.http.messages import HttpRequest, json_bytes
from ..runtime.manifest.models import ActionSpec
from .chat_assembler import ChatCompletionAssembler
from .chat_messages import conversation, handed_on, normalise_messages, said
from .completions import CompletionAction, answer_text, finish, with_stream_options
from .json_output import add_usage, mismatch, parse_json, schema_problem
from .media import REQUEST_LIMIT, megabytes

TOOL_CHOICE_WORDS = ("none", "auto", "required")
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Body fields the action sets itself; Extra Body Fields may not override them either.
MANAGED_FIELDS = ("messages", "stream", "stream_options", "tool_choice")
REPAIR_JSON_REQUEST = "Your answer was not a JSON object ({problem}). Reply again with only a JSON object."
# Inputs the conversation is built from: a repair sends the conversation as Messages instead.
FOLDED_INPUTS = ("system_prompt", "user_message", "image_urls", "images", "image_file_ids",
                 "document_file_ids", "prefix")
SCHEMA_INSTRUCTION = "Reply with only a JSON object that matches this JSON Schema: {schema}"
REPAIR_REQUEST = ("Your answer did not match the JSON Schema ({problem}). Reply again with only a JSON "
                  "object that matches this JSON Schema: {schema}")


class CreateChatCompletion(CompletionAction):
    assembler = ChatCompletionAssembler
    answer_field = "message"

    def request(self, call: Call) -> HttpRequest:
        form, problems = call.form, call.problems()
        wired = call.wired()
        body = wired.body
        body["messages"] = conversation(form, problems)
        call.made["conversation"] = list(body["messages"])  # as sent, before any schema instruction
        with_stream_options(call, body, problems)
        if "json_schema" in form:
            check_json_schema(form, body, problems)
        elif form.get("response_format") == "json_object" and "json" not in said(body["messages"]).lower():
            problems.add("response_format", 'JSON object needs the word "json" in a message (DeepSeek '
                                            'refuses JSON mode without it): say, for example, "Reply in '
                                            'json".')
        if "top_logprobs" in form and form.get("logprobs") is not True:
            problems.add("top_logprobs", "needs Log Probabilities to be on.")
        tool_names = check_tools(form.get("tools"), problems)
        if "tool_choice" in form:
            choice = parse_tool_choice(form["tool_choice"], tool_names, problems)
            if choice is not None and thinking(form):
                if choice not in ("auto", "none"):
                    problems.add("tool_choice", "can only be auto or none while the model thinks; set "
                                                "Thinking Mode to Disabled to make it call a tool.")
                choice = None if choice == "auto" else choice  # auto is what a thinking model does
            if choice is not None:
                body["tool_choice"] = choice
        if "extra_body" in form:
            merge_extra_body(body, form["extra_body"], call.spec, problems)
        oversized = not problems.items and carries_pictures(body["messages"]) \
            and len(json_bytes(body)) > REQUEST_LIMIT
        if oversized:
            problems.add("images" if form.get("images") else "messages",
                         "hold pictures that make the request larger than DeepSeek's "
                         f"{megabytes(REQUEST_LIMIT)}; send fewer or smaller pictures, or upload them "
                         "(Upload File, Image File IDs).")
        problems.raise_any()
        return declared_request(call, wired, beta=uses_beta(body))

    def explained(self, error: ApiError, call: Call) -> ApiError:
        advice = refusal_advice(error, call)
        return error if advice is None else cast("ApiError", error.evolve(advice=advice))

    def expects_json(self, call: Call) -> bool:
        return call.form.get("response_format") == "json_object" or "json_schema" in call.form

    def result(self, answer: Answer, call: Call) -> Any:
        data = self.checked(answer, call)
        sent = call.made.get("conversation") or conversation(call.form, call.problems())
        # An answer to a prefix (Answer Prefix, or Messages ending in one) continues it.
        prefix = sent[-1]["content"] if sent and sent[-1].get("prefix") else ""
        if self.expects_json(call):
            data = repaired(self, call, data, prefix)
        if data.get("repairs"):
            # A repair was asked without the prefix: its answer is whole, not a continuation.
            sent, prefix = [message for message in sent if not message.get("prefix")], ""
        return finish({**data, "conversation": handed_on(sent, data)}, call, self.expects_json(call), prefix)


def carries_pictures(messages: list[dict[str, Any]]) -> bool:
    """Whether any message holds a picture inline (its base64 counts toward the 48 MB body)."""
    parts = [part for message in messages if isinstance(message, dict)
             and isinstance(message.get("content"), list) for part in message["content"]]
    return any(isinstance(part, dict) and isinstance(part.get("image_url"), dict)
               and str(part["image_url"].get("url", ""))[:5] == "data:" for part in parts)


def thinking(form: Any) -> bool:
    """Today's models think unless told not to."""
    return form.get("thinking") != "disabled"


def uses_beta(body: dict[str, Any]) -> bool:
    """A prefix completion or a strict tool: DeepSeek serves both only under /beta."""
    last = body["messages"][-1] if body["messages"] else {}
    strict = any(isinstance(tool, dict) and isinstance(tool.get("function"), dict)
                 and tool["function"].get("strict") is True for tool in body.get("tools") or ())
    return bool(isinstance(last, dict) and last.get("prefix")) or strict


def refusal_advice(error: ApiError, call: Call) -> str | None:
    """What to do about DeepSeek's refusals that a form's inputs explain."""
    said_by_api = (error.api_message or "").lower()
    if "reasoning_content" in said_by_api:
        # Numbered as the user sees them: within Messages.
        given = normalise_messages(call.form["messages"], call.problems()) if "messages" in call.form else []
        lacking = [str(number) for number, message in enumerate(given, start=1)
                   if isinstance(message, dict) and message.get("role") == "assistant"
                   and message.get("tool_calls") and not message.get("reasoning_content")]
        which = f"Message {', '.join(lacking)} of Messages (an assistant message that called tools) has" \
            if lacking else "An assistant message that called tools has"
        return (f"{which} no reasoning_content. A thinking model needs it back: map the earlier "
                "step's Conversation output into Messages (it keeps reasoning_content), or copy the "
                "reasoning_content of that answer into the message, or set Thinking Mode to Disabled.")
    if "unknown variant `image_url`" in said_by_api:
        return (f"The model {call.form.get('model')!r} reads text only. Choose a model that reads "
                "images, such as deepseek-flash (the Model dropdown says what each model reads), or "
                "leave out the pictures.")
    return None


def repaired(action: CreateChatCompletion, call: Call, data: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The answer (the continuation of `prefix`, when one was sent), or (when it is no JSON,
    blank, or does not match the JSON Schema) as many repairs as Repair Attempts allow: the
    model is sent its mistake and asked again; usage adds up every attempt."""
    schema = call.form.get("json_schema")
    repairs = 0
    while (problem := answer_problem(data, schema, prefix)) is not None:
        if repairs >= call.form["repair_attempts"]:
            tried = f" after {repairs} repair attempt(s)" if repairs else ""
            wanted = "match the JSON Schema" if schema is not None else "give a JSON object"
            raise OutputError(f"The answer did not {wanted}{tried}: {problem}.", partial=data)
        repairs += 1
        follow_up = call.quiet().with_form(repair_form(call, data, problem, schema, prefix))
        prefix = ""  # the repair's answer is whole
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
    # The schema is stated to the model from the first (paid) attempt, after the leading system
    # messages; it also says "JSON", which JSON mode requires.
    messages = body["messages"]
    leading = next((i for i, m in enumerate(messages) if m.get("role") != "system"), len(messages))
    messages.insert(leading, {"role": "system", "content": SCHEMA_INSTRUCTION.format(
        schema=json.dumps(form["json_schema"]))})


def answer_problem(data: dict[str, Any], schema: dict[str, Any] | None, prefix: str = "") -> str | None:
    """Why the answer is blank, or (with a schema) not JSON matching it; None when it is fine. An
    answer that calls tools instead is not judged: its text comes after the tools' results."""
    choices = data.get("choices") or []
    if choices and isinstance(choices[0], dict) and choices[0].get("finish_reason") == "tool_calls":
        return None
    text = answer_text(data)
    text = None if text is None else prefix + text  # an Answer Prefix is the answer's beginning
    if text is None or not text.strip():
        return "it was blank (DeepSeek sends spaces when the JSON it wrote could not be decoded)"
    if schema is None:  # JSON mode: other text is left to the next step (Simplify Output's json_error)
        return None
    value, problem = parse_json(text)
    return problem or mismatch(value, schema)


def repair_form(call: Call, answer: dict[str, Any], problem: str, schema: dict[str, Any] | None,
                prefix: str = "") -> Any:
    """The conversation again, with the answer (its prefix joined) and a message saying what was
    wrong with it."""
    assistant = {"role": "assistant", "content": prefix + (answer_text(answer) or "")}
    request = REPAIR_REQUEST.format(problem=problem, schema=json.dumps(schema)) if schema is not None \
        else REPAIR_JSON_REQUEST.format(problem=problem)
    correction = {"role": "user", "content": request}
    sent = [m for m in conversation(call.form, call.problems()) if not m.get("prefix")]
    folded = {key: None for key in FOLDED_INPUTS}
    return call.form.with_given(messages=[*sent, assistant, correction], **folded)


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
        if function.get("strict") is True:
            problem = strict_problem(function.get("parameters"))
            if problem:
                problems.add("tools", f"tool {number} ({name}) is strict, so {problem}.")
        names.append(name)
    return names


def strict_problem(parameters: Any) -> str | None:
    """What DeepSeek's strict mode needs of a function's parameters: an object whose every
    property is required, with no others allowed."""
    if not isinstance(parameters, dict) or parameters.get("type") != "object":
        return 'its parameters must be {"type": "object", ...}'
    properties = parameters.get("properties") or {}
    missing = sorted(set(properties) - set(parameters.get("required") or ()))
    if missing:
        return f"every property must be in required (missing: {', '.join(missing)})"
    if parameters.get("additionalProperties") is not False:
        return 'its parameters need "additionalProperties": false'
    return None


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
