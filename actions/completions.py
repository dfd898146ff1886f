"""What Create Chat Completion and Create FIM Completion share: streaming with Include Usage, and
Simplify Output."""

from __future__ import annotations

from typing import Any

from ..runtime.action import Action, Call
from .structured import simplify


class CompletionAction(Action):
    stream_input = "stream"

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
