"""The rules DeepSeek checks a chat request against before answering it, with its refusals'
texts (see the reference's "Errors" and "Thinking mode")."""

from __future__ import annotations

import re
from typing import Any

from .messages import ChatRequestError, FileLookup, check_messages
from .models import EFFORT_LEVELS, served_by

FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
JSON_WORD_MISSING = ("Prompt must contain the word 'json' in some form to use 'response_format' of type "
                     "'json_object'")
THINKING_TOOL_CHOICE = "Thinking mode does not support this tool_choice"

def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def number_in_range(body: dict, name: str, low: float, high: float | None) -> None:
    value = body.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ChatRequestError(422, f"{name} must be a number", name)
    if value < low or (high is not None and value > high):
        bound = f"[{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        raise ChatRequestError(422, f"Invalid {name} value, the valid range of {name} is {bound}", name)


def validate(body: Any, beta: bool = False, files: FileLookup = lambda file_id: None) -> list[str]:
    """Raise ChatRequestError the way DeepSeek rejects a request; return the attachments described."""
    if not isinstance(body, dict):
        raise ChatRequestError(400, "Failed to deserialize the JSON body into the target type")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ChatRequestError(400, "Missing required parameter: model", "model")
    if served_by(model) is None:
        raise ChatRequestError(400, "Model Not Exist", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ChatRequestError(400, "messages must be a non-empty array", "messages")
    _check_v4_fields(body)
    thinking = thinking_on(body)
    attached = check_messages(body, thinking, beta, files)
    for name, low, high in (("temperature", 0, 2), ("top_p", 0, 1), ("frequency_penalty", -2, 2),
                            ("presence_penalty", -2, 2), ("max_tokens", 1, None)):
        number_in_range(body, name, low, high)
    if "top_logprobs" in body:
        top = body["top_logprobs"]
        if not isinstance(top, int) or isinstance(top, bool) or not 0 <= top <= 20:
            raise ChatRequestError(400, "top_logprobs must be an integer between 0 and 20", "top_logprobs")
        if body.get("logprobs") is not True:
            raise ChatRequestError(400, "top_logprobs requires logprobs to be true", "top_logprobs")
    if "stream_options" in body and body.get("stream") is not True:
        raise ChatRequestError(400, "stream_options is only allowed when stream is true", "stream_options")
    stop = body.get("stop")
    if stop is not None and not (isinstance(stop, str) or isinstance(stop, list) and len(stop) <= 16
                                 and all(isinstance(s, str) for s in stop)):
        raise ChatRequestError(400, "stop must be a string or at most 16 strings", "stop")
    _check_response_format(body)
    _check_tools(body, thinking, beta)
    return attached


def _check_response_format(body: dict) -> None:
    fmt = body.get("response_format")
    if fmt is None:
        return
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        raise ChatRequestError(400, "This response_format type is unavailable now", "response_format")
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object"):
        raise ChatRequestError(400, "response_format.type must be text or json_object", "response_format")
    said = " ".join(text_of(m.get("content")) for m in body["messages"] if isinstance(m, dict))
    if fmt["type"] == "json_object" and "json" not in said.lower():
        raise ChatRequestError(400, JSON_WORD_MISSING, "response_format")


def _check_v4_fields(body: dict) -> None:
    thinking = body.get("thinking")
    if thinking is not None and (not isinstance(thinking, dict)
                                 or thinking.get("type") not in ("enabled", "disabled")):
        raise ChatRequestError(400, "thinking.type must be enabled or disabled", "thinking")
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in EFFORT_LEVELS:
        expected = ", ".join(f"`{level}`" for level in EFFORT_LEVELS)
        message = f"reasoning_effort: unknown variant `{effort}`, expected one of {expected}"
        raise ChatRequestError(400, f"Failed to deserialize the JSON body into the target type: {message}",
                               "reasoning_effort")
    user_id = body.get("user_id")
    if user_id is not None and (not isinstance(user_id, str)
                                or not re.fullmatch(r"[a-zA-Z0-9_-]{1,512}", user_id)):
        raise ChatRequestError(400, "user_id may hold only letters, digits, _ and -, up to 512", "user_id")


def _check_tools(body: dict, thinking: bool, beta: bool) -> None:
    tools = body.get("tools")
    names = []
    if tools is not None:
        if not isinstance(tools, list) or len(tools) > 128:
            raise ChatRequestError(400, "tools must be an array of at most 128 tools", "tools")
        for tool in tools:
            function = tool.get("function") if isinstance(tool, dict) else None
            if not isinstance(function, dict) or tool.get("type") != "function" \
                    or not FUNCTION_NAME.match(str(function.get("name", ""))):
                raise ChatRequestError(400, "each tool must be a function with a valid name", "tools")
            if beta and function.get("strict") is True:  # outside /beta the flag is ignored
                _check_strict(function)
            names.append(function["name"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name not in names:
            raise ChatRequestError(400, f"tool_choice names function '{name}', which is not in tools",
                                   "tool_choice")
    elif choice not in (None, "none", "auto", "required"):
        raise ChatRequestError(400, "tool_choice must be none, auto, required or a function object",
                               "tool_choice")
    elif choice == "required" and not names:
        raise ChatRequestError(400, "tool_choice required needs tools", "tool_choice")
    if thinking and (choice == "required" or isinstance(choice, dict)):
        raise ChatRequestError(400, THINKING_TOOL_CHOICE, "tool_choice")


def _check_strict(function: dict) -> None:
    """Strict mode's schema rule (wording the emulator's own: DeepSeek's text was not captured)."""
    parameters = function.get("parameters")
    properties = (parameters.get("properties") or {}) if isinstance(parameters, dict) else {}
    if not isinstance(parameters, dict) or parameters.get("additionalProperties") is not False \
            or set(properties) - set(parameters.get("required") or ()):
        message = (f"Invalid schema for function '{function['name']}': in strict mode every property must "
                   "be required and additionalProperties must be false")
        raise ChatRequestError(400, message, "tools")


def thinking_on(body: dict) -> bool:
    """Thinking is on unless turned off (both of today's models think by default)."""
    thinking = body.get("thinking")
    return not (isinstance(thinking, dict) and thinking.get("type") == "disabled")
