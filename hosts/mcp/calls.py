"""One tool call, run in a worker thread: the connector's result or its error as an Outcome, and
a streamed answer's text handed to the event loop as it arrives. No MCP SDK here."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .tools import ConnectorError, Tool, result_json, structured, text_of

if TYPE_CHECKING:
    from .tools import Connector

log = logging.getLogger("deepseek_connector.hosts.mcp")


@dataclass(frozen=True)
class Outcome:
    structured: dict[str, Any]
    text: str
    is_error: bool = False


def failure(kind: str, message: str) -> Outcome:
    return Outcome({"error": {"kind": kind, "message": message}}, message, is_error=True)


class Cancelled(Exception):
    """The client cancelled a call while its answer streamed."""


class LiveText:
    """A streamed answer's text as it arrives, for progress notifications: the worker adds pieces,
    the event loop takes what has come since it last looked. Taking at an interval bounds the
    notifications however fast tokens come, and the worker never waits for the client. The
    model's reasoning counts as progress (a thinking model may reason for minutes before it
    answers) without being sent: the messages, joined, are the answer's text, as the result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pieces: list[str] = []
        self._moved = False
        self.characters = 0  # so far, reasoning included: the progress value, which only grows

    def add(self, reasoning: str, answer: str) -> None:
        with self._lock:
            if reasoning or answer:
                self._moved = True
                self.characters += len(reasoning) + len(answer)
            if answer:
                self._pieces.append(answer)

    def take(self) -> tuple[str | None, int] | None:
        """The answer's text added since the last take (None when only reasoning came) and the
        characters so far, or None if nothing came."""
        with self._lock:
            if not self._moved:
                return None
            text = "".join(self._pieces) or None
            self._pieces, self._moved = [], False
            return text, self.characters


@dataclass
class ToolCall:
    """One call: `run()` in a worker thread; `cancelled` stops a stream between two events."""

    connector: Connector
    connection: Mapping[str, Any]
    tool: Tool
    arguments: Mapping[str, Any]
    live: LiveText | None = None  # given when the client asked for progress
    cancelled: threading.Event = field(default_factory=threading.Event)

    def run(self) -> Outcome:
        try:
            data = self._stream() if self._streams() else \
                self.connector.run(self.tool.name, self.arguments, self.connection)["data"]
            data = result_json(data)
            return Outcome(structured(data), text_of(data))
        except ConnectorError as error:
            # Already redacted by the connector; one line, as the command line shows it.
            return failure(error.kind, " ".join(str(error).split()))
        except Exception as error:  # noqa: BLE001 - a client must never see a traceback
            # Only the type: an unexpected error's text could quote anything, the key included.
            log.error("%s: unexpected %s", self.tool.name, type(error).__name__)
            return failure("unexpected", f"Unexpected error ({type(error).__name__}) in "
                                         f"{self.tool.title}.")

    def _streams(self) -> bool:
        """Stream only when asked to (Stream on) and someone watches (a progress token)."""
        wanted = self.arguments.get("stream")
        return self.live is not None and self.tool.streams and (
            wanted is True or (isinstance(wanted, str) and wanted.strip().lower() == "true"))

    def _stream(self) -> Any:
        """The same result as an unwatched call (Simplify Output, the JSON Schema check), its text
        handed to the event loop as it arrives (redacted, held back while it may start the key)."""
        live = self.live
        assert live is not None

        def show(reasoning: str, answer: str) -> None:
            if self.cancelled.is_set():
                raise Cancelled  # the client gave up: unwinding closes the stream
            live.add(reasoning, answer)

        try:
            return self.connector.run_result(self.tool.name, self.arguments, self.connection,
                                             on_text=show).data
        except Cancelled:
            return None


class Choices:
    """A data source's options (the Model list), for completing the arguments it fills; kept for
    a minute, since a client may ask on every keystroke. A failure is logged, not kept."""

    TTL = 60.0
    TIMEOUT = 10  # seconds: someone is typing

    def __init__(self, connector: Connector, connection: Mapping[str, Any]):
        self.connector, self.connection = connector, connection
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[float, list[str]]] = {}

    def keys(self, source: str) -> list[str]:
        with self._lock:
            kept = self._kept.get(source)
        if kept is not None and time.monotonic() - kept[0] < self.TTL:
            return kept[1]
        try:
            options = self.connector.run(source, {"timeout": self.TIMEOUT}, self.connection)["data"]
        except ConnectorError as error:
            log.warning("Completing from %s failed: %s", source, " ".join(str(error).split()))
            return []
        keys = [str(option["key"]) for option in options if isinstance(option, dict) and "key" in option] \
            if isinstance(options, list) else []
        with self._lock:
            self._kept[source] = (time.monotonic(), keys)
        return keys
