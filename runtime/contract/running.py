"""How the runtime runs an action: one exchange (sent, or streamed with its live text handed on),
the step's result, and streams hosts iterate themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ApiError, InputError
from ..http.answers import expect_success
from ..http.messages import HttpRequest
from ..streaming.events import EventHandler, EventStream
from .action import Action, ActionResult, Answer, Call


def exchange(action: Action, call: Call) -> Answer:
    """One request and its answer, streamed (its live text handed on) or not."""
    try:
        return _exchange(action, call)
    except ApiError as error:
        raise action.explained(error, call) from None


def _exchange(action: Action, call: Call) -> Answer:
    request = action.request(call)
    if call.output is not None and request.download_to is None:
        raise InputError.single("output", "Output File", f"is not supported by '{call.spec.key}'; only "
                                "Raw Request with Response Type binary writes its answer to a file.")
    if not request.stream or request.download_to is not None:
        response = call.send(request)
        return Answer(response.status, response.headers, response)
    with _stream(action, call, request) as stream:
        if call.live is None:
            stream.read_all()
        else:
            for reasoning, answer in stream.live():
                call.live(reasoning, answer)
    return Answer(stream.status, stream.headers, assembled=stream.assembled)


def run(action: Action, call: Call) -> ActionResult:
    answer = exchange(action, call)
    data = action.result(answer, call)
    return ActionResult(data, answer.status, answer.headers, action.text(data))


def open_stream(action: Action, call: Call, on_event: EventHandler | None = None) -> EventStream:
    """Stream the answer event by event; the stream's `result` is then the step's data (the
    action's result of the assembled answer)."""
    stream_input = call.spec.request.stream_input if call.spec.request else None
    if action.assembler is None or stream_input is None:
        raise InputError.single("action", "Action", f"'{call.spec.key}' does not stream.")
    call = call.with_form(call.form.with_given(**{stream_input: True}))
    try:
        return _stream(action, call, action.request(call), on_event,
                       finish=lambda assembled: action.result(Answer(200, {}, assembled=assembled), call))
    except ApiError as error:
        raise action.explained(error, call) from None


def _stream(action: Action, call: Call, request: HttpRequest, on_event: EventHandler | None = None,
            finish: Callable[[dict[str, Any]], Any] | None = None) -> EventStream:
    assert action.assembler is not None, f"{type(action).__name__} streams but names no assembler"
    response = call.send(request)
    if response.status >= 300:
        response.close()
        expect_success(response, call.spec.label)
    return EventStream(response, action.assembler(), redactor=call.executor.redactor, on_event=on_event,
                       finish=finish)
