"""The contract an action fills in, the call it works from, and how the runtime runs it.

An action is at most two methods and, for streamed answers, an assembler:
- `request(call)`: the HttpRequest to send. By default, the one connector.yaml declares
  (`request: {method, path, beta}`, with the wired inputs in its body, query, headers and path).
- `result(answer, call)`: the step's data from the answer. By default, the answer's JSON object
  (with the `requiredFields` the manifest names).
- `assembler`: merges a stream's events into the answer a non-streamed call would give.
An action with none of these needs no code at all. The Call is immutable; the runtime owns
sending, retries, streaming, downloads (a mode of the request) and the result's envelope.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import ApiError, InputError, Problems
from ..forms.form import FormValues
from ..forms.wiring import WiredParts, declared_path, wire_inputs
from ..http.answers import expect_object, parse_json_body
from ..http.client import Executor
from ..http.messages import FilePart, HttpRequest, HttpResponse
from ..http.reading import SizeLimit
from ..http.retries import RetryPolicy
from ..http.transport.deadline import Deadline
from ..http.urls import beta_url, join
from ..manifest.models import ActionSpec
from ..streaming.assembling import Assembler
from .connection import Connection

#: Live text as a stream arrives: (reasoning, answer) pieces, redacted, safe to show.
LiveHandler = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class ActionResult:
    """An action's answer: `data` is what the CLI prints; `text` the answer's text for hosts that
    show one (chat, FIM); status and headers are for hosts."""

    data: Any
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data}

    def to_cli(self) -> dict[str, Any]:
        """What the command line prints as JSON: binary data as base64 text."""
        if isinstance(self.data, bytes):
            return {"data": base64.b64encode(self.data).decode("ascii"), "encoding": "base64",
                    "contentType": self.headers.get("Content-Type")}
        return self.to_dict()


@dataclass(frozen=True, slots=True)
class Call:
    """One run of an action: its manifest entry, the checked form, the connection, and the means to
    send within the step's Timeout, retry inputs and Max Response Size."""

    spec: ActionSpec
    form: FormValues
    connection: Connection
    executor: Executor
    deadline: Deadline
    policy: RetryPolicy
    limit: SizeLimit
    debug: bool = False
    #: A file the answer's body is written to as it arrives (Raw Request, Response Type binary).
    output: Path | None = None
    #: Receives the live text while a streamed answer arrives.
    live: LiveHandler | None = None
    #: What the action's request built that its result needs again (a chat's conversation, its
    #: pictures read once), for this call only.
    made: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, spec: ActionSpec, form: FormValues, connection: Connection, executor: Executor, *,
              output: Path | None = None, live: LiveHandler | None = None,
              clock: Callable[[], float] = time.monotonic) -> Call:
        """A call with its settings read from the form (connector.yaml's callSettings)."""
        timeout = float(form["timeout"])
        if spec.by_key["timeout"].unit == "milliseconds":
            timeout /= 1000
        policy = RetryPolicy(max_retries=form["maxRetries"], exponential=form["useExponentialBackoff"],
                             fixed_delay=form["retryDelayMS"] / 1000, retry_all_errors=form["retryAllErrors"])
        limit = SizeLimit(int(form["maxResponseMB"] * 2**20), spec.label_of("maxResponseMB"))
        return cls(spec, form, connection, executor, Deadline(timeout, clock), policy, limit,
                   bool(form.get("debugRequest")), output, live)

    def with_form(self, form: FormValues) -> Call:
        """The same call (deadline, policy, limits) with other values: a follow-up request."""
        return dataclasses.replace(self, form=form, made={})

    def quiet(self) -> Call:
        """The same call without live text (a follow-up whose text is not the answer shown)."""
        return dataclasses.replace(self, live=None)

    def problems(self) -> Problems:
        """A collector for problems across inputs, named by their labels."""
        return Problems(self.spec.label_of)

    def url(self, path: str) -> str:
        return join(self.connection.base_url, path)

    def wired(self) -> WiredParts:
        """The request parts connector.yaml declares (body fields, query, headers, path)."""
        return wire_inputs(self.spec, self.form)

    def send(self, request: HttpRequest) -> HttpResponse:
        return self.executor.send(request, policy=self.policy, deadline=self.deadline, limit=self.limit,
                                  debug=self.debug)


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back: a response read whole, or a streamed answer assembled."""

    status: int
    headers: Mapping[str, str]
    response: HttpResponse | None = None
    assembled: dict[str, Any] | None = None

    def json(self, what: str) -> Any:
        return self.assembled if self.response is None else parse_json_body(self.response, what)

    def json_object(self, what: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
        return expect_object(self.json(what), what, required)


class Action:
    """What an action does with a call; subclasses change what differs from connector.yaml's
    declaration (see the module's docstring)."""

    assembler: ClassVar[type[Assembler] | None] = None

    def request(self, call: Call) -> HttpRequest:
        return declared_request(call)

    def result(self, answer: Answer, call: Call) -> Any:
        required = call.spec.request.required_fields if call.spec.request else ()
        return answer.json_object(call.spec.label, required)

    def text(self, data: Any) -> str | None:
        """The answer's text, for hosts that show one; None for data that is not an answer."""
        return None

    def explained(self, error: ApiError, call: Call) -> ApiError:
        """The API's refusal with advice that knows this action's inputs (by default, as it is)."""
        return error


def declared_request(call: Call, wired: WiredParts | None = None, *, beta: bool | None = None,
                     multipart: tuple[FilePart, ...] | None = None) -> HttpRequest:
    """The request connector.yaml declares, with the wired inputs (`wired`: as an action completed
    them, its body built on the wired body fields). `beta` sends it under /beta (DeepSeek's beta
    features) when the declaration does not; `multipart` sends those parts as the body instead."""
    declared = call.spec.request
    if declared is None:
        raise InputError.single("action", "Action", f"'{call.spec.key}' declares no request.")
    wired = wired or call.wired()
    path = declared_path(declared.path, wired.path)
    url = beta_url(call.connection.base_url, path) if beta or declared.beta else call.url(path)
    body = None if multipart is not None else wired.body or None
    stream = declared.stream_input is not None and call.form.get(declared.stream_input) is True
    return HttpRequest(declared.method, url, params=tuple(wired.query), headers=wired.headers,
                       json_body=body, multipart=multipart, stream=stream,
                       silent_answer=declared.silent_answer)
