"""The contract every action fills in, and the context one run of it works with.

An action builds an HttpRequest from the form (`build_request`) and turns the answer into data
(`parse_response`); a streamed action also names its `assembler` and the boolean input that
turns streaming on. The base class owns the rest: cross-field problems are raised before
anything is sent, the request goes through the shared executor with the step's Timeout,
retry inputs and size limit, and the result carries status and headers.
"""

from __future__ import annotations

import copy
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .connection import Connection
from .errors import InputError, Problems
from .executor import Executor
from .http import HttpRequest, HttpResponse
from .inputs import FormValues
from .manifest import ActionSpec
from .reading import SizeLimit
from .responses import expect_object, expect_success, parse_json_body
from .retry import RetryPolicy
from .streaming import Assembler, EventHandler, EventStream
from .transport import Deadline
from .urls import join
from .wiring import WiredParts, wire_inputs


@dataclass(slots=True)
class ActionResult:
    """An action's answer: `data` is what the CLI prints; status and headers are for hosts."""

    data: Any
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data}

    def to_cli(self) -> dict[str, Any]:
        """What the command line prints as JSON; results holding bytes override it."""
        return self.to_dict()


def call_timeout(spec: ActionSpec, form: FormValues) -> float:
    """The step's Timeout in seconds (the input's unit says whether it was given in ms)."""
    field_spec = spec.input("timeout")
    value = float(form["timeout"])
    return value / 1000 if field_spec is not None and field_spec.unit == "milliseconds" else value


def retry_policy(form: FormValues) -> RetryPolicy:
    return RetryPolicy(max_retries=form["maxRetries"], exponential=form["useExponentialBackoff"],
                       fixed_delay=form["retryDelayMS"] / 1000, retry_all_errors=form["retryAllErrors"])


class Call:
    """One run of an action: its manifest entry, the checked form, the connection, and the
    means to send within the step's Timeout, retry inputs and Max Response Size."""

    def __init__(self, spec: ActionSpec, form: FormValues, connection: Connection, executor: Executor,
                 clock: Callable[[], float] = time.monotonic):
        self.spec = spec
        self.form = form
        self.connection = connection
        self.executor = executor
        self.problems = Problems(spec.label_of)
        self.deadline = Deadline(call_timeout(spec, form), clock)
        self.policy = retry_policy(form)
        self.limit = SizeLimit(int(form["maxResponseMB"] * 2**20), spec.label_of("maxResponseMB"))
        self.debug = bool(form.get("debugRequest", False))
        #: A file the answer's body is written to as it arrives, for actions that download.
        self.output: Path | None = None

    def url(self, path: str) -> str:
        return join(self.connection.base_url, path)

    def with_form(self, form: FormValues) -> Call:
        """The same call (deadline, policy, limits) with other values: a follow-up request."""
        follow_up = copy.copy(self)
        follow_up.form = form
        follow_up.problems = Problems(self.spec.label_of)
        return follow_up

    def wired(self) -> WiredParts:
        """The request parts connector.yaml declares (body fields, query, headers)."""
        return wire_inputs(self.spec, self.form)

    def send(self, request: HttpRequest) -> HttpResponse:
        return self.executor.send(request, policy=self.policy, deadline=self.deadline, limit=self.limit,
                                  debug=self.debug)


class Action(ABC):
    """Base of every action and data source named in connector.yaml."""

    #: Streamed actions: the assembler that merges events, and the boolean input that asks for a stream.
    assembler: ClassVar[type[Assembler] | None] = None
    stream_input: ClassVar[str | None] = None

    @abstractmethod
    def build_request(self, call: Call) -> HttpRequest:
        """The request for this form; report cross-field problems with call.problems.add()."""

    def parse_response(self, response: HttpResponse, call: Call) -> Any:
        """The result's data from a (non-streamed) answer: by default, a JSON object."""
        return expect_object(parse_json_body(response, call.spec.label), call.spec.label)

    def finish(self, data: Any, call: Call) -> Any:
        """A last step on the data, streamed or not (e.g. simplified output); by default none."""
        return data

    def make_result(self, data: Any, status: int | None, headers: Mapping[str, str]) -> ActionResult:
        return ActionResult(data, status, headers)

    def run(self, call: Call) -> ActionResult:
        result = self.exchange(call)
        result.data = self.finish(result.data, call)
        return result

    def exchange(self, call: Call) -> ActionResult:
        """One request and its answer, streamed or not (before `finish`)."""
        if call.output is not None:
            raise InputError.single("output", "Output File", f"is not supported by '{call.spec.key}'; only "
                                    "Raw Request with Response Type binary writes its answer to a file.")
        request = self.checked_request(call)
        if request.stream:
            with self._stream(call, request) as stream:
                data = stream.read_all()
            return self.make_result(data, stream.status, stream.headers)
        response = call.send(request)
        return self.make_result(self.parse_response(response, call), response.status, response.headers)

    def open_stream(self, call: Call, on_event: EventHandler | None = None) -> EventStream:
        """Stream the answer event by event (the caller iterates, then reads `.result`)."""
        if self.assembler is None or self.stream_input is None:
            raise InputError.single("action", "Action", f"'{call.spec.key}' does not stream.")
        call.form = call.form.with_given(**{self.stream_input: True})
        return self._stream(call, self.checked_request(call), on_event)

    def checked_request(self, call: Call) -> HttpRequest:
        """build_request, then every problem it found raised at once, before anything is sent."""
        request = self.build_request(call)
        call.problems.raise_any()
        return request

    def _stream(self, call: Call, request: HttpRequest, on_event: EventHandler | None = None) -> EventStream:
        assert self.assembler is not None, f"{type(self).__name__} streams but names no assembler"
        response = call.send(request)
        if response.status >= 300:
            response.close()
            expect_success(response, call.spec.label)
        return EventStream(response, self.assembler(), redactor=call.executor.redactor, on_event=on_event)
