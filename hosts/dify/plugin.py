"""What the exported Dify plugin runs: credential validation, tool invocation, dynamic options.

The plugin's provider and tool files are one class each (Dify allows no more per file) and
call these functions; the connector itself ships inside the plugin (vendor/). A failure is
raised as the connector's own error, so Dify shows its class (InputError, RateLimitError, ...)
and its message, written for the person running the workflow.

A streamed answer (Stream on) is sent as text messages while it arrives, as Dify's own model
tools stream theirs: the connector's live text (redacted, its end held back while it may still
start the key), one text message per piece; joined, they are the answer's text, and the JSON
message that follows is the same as without streaming.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities import I18nObject, ParameterOption
from dify_plugin.entities.tool import ToolInvokeMessage
from dify_plugin.errors.tool import ToolProviderCredentialValidationError

from ... import load_connector
from ...runtime.contract.action import ActionResult, LiveHandler
from ...runtime.errors import ConnectorError
from ..mapping import from_form

# An answer checked against a JSON Schema may be replaced by a repaired one (a follow-up the
# connector runs quietly), so its first text is not what the step ends with: not shown live.
REPLACEABLE_BY = ("json_schema",)


def connection(credentials: Mapping[str, Any]) -> dict[str, Any]:
    """The connection values from the provider's credentials (named after the connection's inputs)."""
    return from_form(credentials, load_connector().manifest.connection)


def validate_credentials(credentials: Mapping[str, Any]) -> None:
    """Dify's credential check: the connector's connection check, failures as the SDK expects."""
    try:
        report = load_connector().check_connection(connection(credentials))["data"]
    except ConnectorError as error:
        raise ToolProviderCredentialValidationError(str(error)) from None
    if not report["valid"]:
        raise ToolProviderCredentialValidationError(report["message"])


def invoke(tool: Tool, action: str,
           parameters: Mapping[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
    inputs = {key: value for key, value in parameters.items() if value not in (None, "")}
    values = connection(tool.runtime.credentials)
    if not shows_live(action, inputs):
        result = load_connector().run_result(action, inputs, values)
        yield from messages(tool, result)
        return
    live = LiveText(lambda on_text: load_connector().run_result(action, inputs, values, on_text=on_text))
    shown = ""
    for piece in live:
        shown += piece
        yield tool.create_text_message(piece)
    assert live.result is not None
    yield from messages(tool, live.result, shown)


def shows_live(action: str, inputs: Mapping[str, Any]) -> bool:
    """Stream on for an action that streams, and an answer that stays the one streamed."""
    declared = load_connector().spec(action).request
    wanted = inputs.get(declared.stream_input) if declared is not None and declared.stream_input else None
    on = wanted is True or (isinstance(wanted, str) and wanted.strip().lower() == "true")
    return on and not any(key in inputs for key in REPLACEABLE_BY)


def messages(tool: Tool, result: ActionResult, shown: str = "") -> Iterator[ToolInvokeMessage]:
    """The result's messages: its text (what is left of it after the `shown` live pieces), then
    its data as JSON (a file's bytes as a blob)."""
    data = result.data
    if isinstance(data, bytes):
        yield tool.create_blob_message(data, meta={"mime_type": result.headers.get("Content-Type",
                                                                                  "application/octet-stream")})
        return
    text = result.text
    if text is not None and not shown:
        yield tool.create_text_message(text)
    elif text is not None and text.startswith(shown) and text != shown:  # joined, the pieces are the text
        yield tool.create_text_message(text[len(shown):])
    yield tool.create_json_message(data if isinstance(data, dict) else {"data": data})


class Stopped(Exception):
    """Raised in the worker when nobody reads the answer any more; unwinding closes the stream."""


class LiveText:
    """The answer's pieces as they arrive, from run(on_text) in a worker thread (green under the
    SDK's gevent); iterate once, then read `result`. A failure ends the iteration with the
    connector's own typed error, as it ends a step without live text."""

    def __init__(self, run: Callable[[LiveHandler], ActionResult]):
        self._run = run
        self.result: ActionResult | None = None

    def __iter__(self) -> Iterator[str]:
        pieces: queue.Queue[str | None] = queue.Queue()
        stop = threading.Event()
        outcome: dict[str, Any] = {}

        def show(reasoning: str, answer: str) -> None:
            if stop.is_set():
                raise Stopped
            if answer:
                pieces.put(answer)

        def work() -> None:
            try:
                outcome["result"] = self._run(show)
            except BaseException as error:  # noqa: BLE001 - raised again where the pieces are read
                outcome["error"] = error
            finally:
                pieces.put(None)

        worker = threading.Thread(target=work, name="deepseek-live-text", daemon=True)
        worker.start()
        try:
            while (piece := pieces.get()) is not None:
                yield piece
        finally:
            stop.set()  # the reader gave up (or all came): the worker stops at its next piece
        worker.join()
        if "error" in outcome:
            raise outcome["error"]
        self.result = outcome["result"]


def options(tool: Tool, action: str, parameter: str) -> list[ParameterOption]:
    """A dynamic-select's options: the data source the input names (the Model dropdown: /models)."""
    field = load_connector().spec(action).input(parameter)
    if field is None or field.data_source is None:
        return []
    listed = load_connector().run(field.data_source, {}, connection(tool.runtime.credentials))["data"]
    return [ParameterOption(value=option["key"], label=I18nObject(en_US=option["label"]))
            for option in listed]

