"""What Create Chat Completion and Create FIM Completion share: streaming with Include Usage, the
answer's shape checked, and Simplify Output."""

from __future__ import annotations

from typing import Any, ClassVar

from ..runtime.action import Action, Call
from ..runtime.errors import ResponseError
from ..runtime.http import HttpResponse
from ..runtime.responses import expect_object, parse_json_body
from .structured import simplify


class CompletionAction(Action):
    stream_input = "stream"
    #: What each choice carries the answer in: "message" (chat) or "text" (FIM).
    answer_field: ClassVar[str]

    def parse_response(self, response: HttpResponse, call: Call) -> Any:
        """The answer, checked to have the shape the JSON checks and Simplify Output read (a
        streamed answer has it by construction: its assembler checks every chunk)."""
        answer = expect_object(parse_json_body(response, call.spec.label), call.spec.label,
                               required=("choices",))
        problem = shape_problem(answer, self.answer_field)
        if problem:
            raise ResponseError(f"The answer for {call.spec.label} has an unexpected shape: {problem}.")
        return answer

    def add_stream_options(self, call: Call, body: dict[str, Any]) -> None:
        """Include Usage asks for the usage at the end of a stream (only a stream has one)."""
        if call.form.get("include_usage"):
            if call.form.get("stream"):
                body["stream_options"] = {"include_usage": True}
            else:
                call.problems.add("include_usage", "can only be used when Stream is on.")

    def expects_json(self, call: Call) -> bool:
        return False

    def finish(self, data: Any, call: Call) -> Any:
        if not call.form.get("simplify_output"):
            return data
        return simplify(data, call.form.get("tools"), self.expects_json(call))


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
