"""What Create Chat Completion and Create FIM Completion share: streaming with Include Usage, the
answer's shape checked, and Simplify Output."""

from __future__ import annotations

from typing import Any, ClassVar

from ..runtime.contract.action import Action, Answer, Call
from ..runtime.errors import Problems, ResponseError
from .json_output import simplify


class CompletionAction(Action):
    #: What each choice carries the answer in: "message" (chat) or "text" (FIM).
    answer_field: ClassVar[str]

    def result(self, answer: Answer, call: Call) -> Any:
        return finish(self.checked(answer, call), call, self.expects_json(call))

    def checked(self, answer: Answer, call: Call) -> dict[str, Any]:
        """The answer, checked to have the shape the JSON checks and Simplify Output read (a
        streamed answer has it by construction: its assembler checks every chunk)."""
        data = answer.json_object(call.spec.label, ("choices",))
        if answer.assembled is None:
            problem = shape_problem(data, self.answer_field)
            if problem:
                raise ResponseError(f"The answer for {call.spec.label} has an unexpected shape: {problem}.")
        return data

    def text(self, data: Any) -> str | None:
        return answer_text(data)

    def expects_json(self, call: Call) -> bool:
        return False


def with_stream_options(call: Call, body: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """Include Usage asks for the usage at the end of a stream (only a stream has one)."""
    if call.form.get("include_usage"):
        if call.form.get("stream"):
            body["stream_options"] = {"include_usage": True}
        else:
            problems.add("include_usage", "can only be used when Stream is on.")
    return body


def finish(data: dict[str, Any], call: Call, expects_json: bool, prefix: str = "") -> Any:
    """Simplify Output, when asked for. `prefix`: what the answer continues (a chat's Answer
    Prefix, when the answer is its continuation)."""
    if not call.form.get("simplify_output"):
        return data
    return simplify(data, call.form.get("tools"), expects_json, prefix)


def answer_text(data: Any) -> str | None:
    """The answer's text: a chat message's content, a FIM completion's text, or Simplify Output's
    text; None for data that is no such answer."""
    if not isinstance(data, dict):
        return None
    if "choices" not in data:
        text = data.get("text")
        return text if isinstance(text, str) and "finish_reason" in data else None
    choices = data["choices"]
    first = choices[0] if isinstance(choices, list) and choices else None
    if not isinstance(first, dict):
        return None
    message = first.get("message")
    if isinstance(message, dict):
        return message.get("content") or ""
    text = first.get("text")
    return text if isinstance(text, str) else None


def shape_problem(answer: dict[str, Any], answer_field: str) -> str | None:
    """What in a non-streamed answer is not of the type DeepSeek sends, or None."""
    if not isinstance(answer["choices"], list):
        return "choices is not a list"
    if not isinstance(answer.get("usage"), (dict, type(None))):
        return "usage is not an object"
    for choice in answer["choices"]:
        if not isinstance(choice, dict):
            return "a choice is not an object"
        if answer_field == "text":
            if not isinstance(choice.get("text"), (str, type(None))):
                return "a choice's text is not text"
            continue
        message = choice.get("message")
        if message is None:
            continue
        if not isinstance(message, dict):
            return "a message is not an object"
        if not isinstance(message.get("content"), (str, type(None))):
            return "a message's content is not text"
        calls = message.get("tool_calls")
        if calls is not None and not (isinstance(calls, list) and all(
                isinstance(call, dict) and isinstance(call.get("function"), (dict, type(None)))
                for call in calls)):
            return "tool_calls is not a list of calls with a function object"
    return None
