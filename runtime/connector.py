"""The loaded connector: what hosts and the CLI use to list, run and stream actions.

One instance is meant to be shared by all of a host's threads. Connections are checked once
and kept, with the sessions behind them, in small least-recently-used caches keyed by a hash
(never by the key's text); a session pushed out of its cache is closed.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import settings
from .contract.action import Action, ActionResult, Call, LiveHandler
from .contract.connection import Connection
from .contract.running import open_stream, run
from .errors import ConnectorError, InputError, ManifestError
from .forms.form import coerce_connection, coerce_inputs
from .http.client import Executor
from .log_redaction import install_log_redaction
from .manifest.inputs import InputSpec
from .manifest.models import ActionSpec, Manifest
from .redaction import Redactor, Secret
from .streaming.events import EventHandler, EventStream

if TYPE_CHECKING:
    import requests

ConnectionValues = Mapping[str, Any] | Connection
T = TypeVar("T")


def import_named(path: str) -> Any:
    """What connector.yaml names as module:Name."""
    module_name, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ManifestError(f"connector.yaml names {path}, which cannot be imported: {exc}") from None


def import_action(path: str | None) -> type[Action]:
    """An action's class; without one, the declared request and its JSON answer do (Action)."""
    if path is None:
        return Action
    cls = import_named(path)
    if not (isinstance(cls, type) and issubclass(cls, Action)):
        raise ManifestError(f"connector.yaml names {path}, which is not an Action class.")
    return cls


def import_connection(path: str | None) -> type[Connection]:
    cls = import_named(path or "")
    if not (isinstance(cls, type) and hasattr(cls, "from_form")):
        raise ManifestError(f"connector.yaml names {path}, which is not a connection class.")
    return cast("type[Connection]", cls)


def import_check(path: str | None) -> Callable[[Call], dict[str, Any]]:
    """The connection check: a function of the check's Call to its report."""
    check = import_named(path or "")
    if not callable(check) or isinstance(check, type):
        raise ManifestError(f"connector.yaml names {path}, which is not a function of a call.")
    return cast("Callable[[Call], dict[str, Any]]", check)


class _LRU(OrderedDict[str, T]):
    """A small cache that closes what it pushes out (through `on_evict`)."""

    def __init__(self, size: int, on_evict: Callable[[T], None] = lambda item: None):
        super().__init__()
        self.size, self.on_evict = size, on_evict

    def lookup(self, key: str) -> T | None:
        item = self.get(key)
        if item is not None:
            self.move_to_end(key)
        return item

    def put(self, key: str, item: T) -> T:
        self[key] = item
        self.move_to_end(key)
        while len(self) > self.size:
            self.on_evict(self.popitem(last=False)[1])
        return item


def _values_hash(values: Mapping[str, Any]) -> str | None:
    """A hash of connection values made only of text and flags, else None (not cached)."""
    plain = {str(k): (v.reveal() if isinstance(v, Secret) else v) for k, v in values.items()}
    if not all(isinstance(v, (str, bool, int, float, type(None))) for v in plain.values()):
        return None
    # The repr of text, flags and numbers tells them apart as JSON would, in half the time.
    return hashlib.sha256(repr(sorted(plain.items())).encode()).hexdigest()


class _ShownErrors:
    """A block whose ConnectorError leaves it redacted (a class rather than a generator-based
    context manager: it runs twice on every call)."""

    __slots__ = ("redactor",)

    def __init__(self, redactor: Redactor):
        self.redactor = redactor

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        if isinstance(error, ConnectorError):
            raise error.redacted(self.redactor.text, self.redactor.value) from None


class Connector:
    """One loaded connector. Thread-safe: share one instance across a host's workers."""

    def __init__(self, manifest: Manifest, *, version: str = "0", redact_library_logs: bool = True,
                 session: requests.Session | None = None):
        self.manifest = manifest
        self.version = version
        #: A host's requests Session every call goes through (None: the connector's own).
        self.session = session
        if redact_library_logs:
            # urllib3 logs request lines, query included, at DEBUG; a host that turns that on
            # must not see a key a user put in a query parameter. (Not done on import: importing
            # a module should not change other libraries' loggers.)
            install_log_redaction()
        self._lock = threading.Lock()
        self._executors: _LRU[Executor] = _LRU(settings.MAX_CACHED_SESSIONS, Executor.close)
        self._connections: _LRU[Connection] = _LRU(settings.MAX_CACHED_CONNECTIONS)
        self._actions: dict[str, Action] = {}
        self._connection_class = import_connection(manifest.connection.implementation)

    # -- what hosts read -------------------------------------------------------------------
    @property
    def key(self) -> str:
        return self.manifest.connector.key

    def action_keys(self) -> list[str]:
        return [spec.key for spec in self.manifest.actions]

    def data_source_keys(self) -> list[str]:
        return [spec.key for spec in self.manifest.data_sources]

    def spec(self, key: str) -> ActionSpec:
        spec = self.manifest.action(key)
        if spec is None:
            known = ", ".join(self.action_keys() + self.data_source_keys())
            raise InputError.single("action", "Action", f"'{key}' is not an action of this connector "
                                                        f"(its actions are: {known}).")
        return spec

    def inputs(self, key: str) -> tuple[InputSpec, ...]:
        return self.spec(key).inputs

    # -- connections -----------------------------------------------------------------------
    def connection(self, values: ConnectionValues | None) -> Connection:
        """Checked connection values; the same values are checked once and kept."""
        if isinstance(values, self._connection_class):
            return values
        values = {} if values is None else values
        cache_key = _values_hash(values) if isinstance(values, Mapping) else None
        if cache_key is not None:
            with self._lock:
                cached = self._connections.lookup(cache_key)
            if cached is not None:
                return cached
        spec = self.manifest.connection
        connection = self._connection_class.from_form(spec, coerce_connection(spec, values))
        if cache_key is not None:
            with self._lock:
                self._connections.put(cache_key, connection)
        return connection

    def executor(self, connection: Connection) -> Executor:
        """The shared executor (and so the pooled session) for this connection."""
        with self._lock:
            executor = self._executors.lookup(connection.fingerprint)
            if executor is None:
                executor = self._executors.put(connection.fingerprint, Executor(
                    connection, session=self.session, user_agent=f"deepseek-connector/{self.version}"))
            return executor

    def close(self) -> None:
        with self._lock:
            while self._executors:
                self._executors.popitem()[1].close()

    # -- running ---------------------------------------------------------------------------
    # What leaves the connector is redacted here, as the final value or text it is: results,
    # errors (their partial answers too) and the connection check's report. Streams hand out
    # events, their assembled answer and live text redacted by EventStream the same way.
    def prepare(self, key: str, inputs: Mapping[str, Any] | None, connection: ConnectionValues | None, *,
                output: str | os.PathLike[str] | None = None, live: LiveHandler | None = None
                ) -> tuple[Action, Call]:
        """Check everything the user gave; raises InputError before anything is sent."""
        spec = self.spec(key)
        conn = self.connection(connection)
        executor = self.executor(conn)
        with self._shown_errors(executor.redactor):
            form = coerce_inputs(spec, inputs)  # a value quoted in a problem could hold the key
            if live is not None:
                stream_input = spec.request.stream_input if spec.request else None
                if stream_input is None:
                    raise InputError.single("action", "Action", f"'{key}' does not stream, so it has no "
                                            "live text.")
                form = form.with_given(**{stream_input: True})
        return self._action(spec), Call.start(spec, form, conn, executor,
                                              output=None if output is None else Path(output), live=live)

    def run_result(self, key: str, inputs: Mapping[str, Any] | None = None,
                   connection: ConnectionValues | None = None, *,
                   output: str | os.PathLike[str] | None = None,
                   on_text: LiveHandler | None = None) -> ActionResult:
        """Run an action. With `output` (Raw Request, Response Type binary), the answer's body is
        written to that file as it arrives and the data says where, how many bytes, what type.
        With `on_text` (streamed actions), the answer is streamed and its text handed to
        on_text(reasoning, answer) as it arrives (redacted, safe to show); the result is the
        same as without."""
        action, call = self.prepare(key, inputs, connection, output=output, live=on_text)
        redactor = call.executor.redactor
        with self._shown_errors(redactor):
            result = run(action, call)
        # Binary data (bytes) is returned exactly as sent.
        return ActionResult(redactor.value(result.data), result.status, result.headers,
                            result.text and redactor.shown(result.text))

    def run(self, key: str, inputs: Mapping[str, Any] | None = None,
            connection: ConnectionValues | None = None, *,
            output: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """Run an action and return `{"data": ...}`, exactly what the CLI prints."""
        return self.run_result(key, inputs, connection, output=output).to_dict()

    def stream(self, key: str, inputs: Mapping[str, Any] | None = None,
               connection: ConnectionValues | None = None,
               on_chunk: EventHandler | None = None) -> EventStream:
        """Open a streamed action; iterate it for events as they arrive (or `live()` for the text
        to show), then read `.result`: the step's data, as `run` gives it."""
        action, call = self.prepare(key, inputs, connection)
        with self._shown_errors(call.executor.redactor):
            return open_stream(action, call, on_chunk)

    def check_connection(self, connection: ConnectionValues | None,
                         inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Test a connection as a builder does when a user saves it: {"data": {"valid", "reason", ...}}."""
        spec = self.manifest.connection.check
        if spec is None:
            raise ManifestError("connector.yaml declares no connection check.")
        check = import_check(spec.implementation)
        conn = self.connection(connection)
        executor = self.executor(conn)
        with self._shown_errors(executor.redactor):
            form = coerce_inputs(spec, inputs)
            # The check's reason may quote what the server said: it is shown like an error.
            return {"data": executor.redactor.value(check(Call.start(spec, form, conn, executor)))}

    @staticmethod
    def _shown_errors(redactor: Redactor) -> _ShownErrors:
        return _ShownErrors(redactor)

    def _action(self, spec: ActionSpec) -> Action:
        with self._lock:
            action = self._actions.get(spec.key)
            if action is None:
                action = self._actions[spec.key] = import_action(spec.implementation)()
            return action


__all__ = ["Connector", "ConnectorError"]
