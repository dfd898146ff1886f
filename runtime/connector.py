"""The loaded connector: what hosts and the CLI use to list and run actions."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..connections.api_key import ApiKeyConnection
from .action import Action, ActionContext, ActionResult
from .errors import ConnectorError, InputError, ManifestError
from .executor import Executor
from .inputs import FormValues, coerce_inputs
from .spec import ActionSpec, DataSourceSpec, InputSpec, Manifest

ConnectionValues = Mapping[str, Any] | ApiKeyConnection


MAX_CACHED_CONNECTIONS = 1024


def _plain_text_key(values: Mapping[str, Any] | None) -> tuple | None:
    """A cache key for connection values made only of text, else None (not cached)."""
    items = tuple(sorted((values or {}).items(), key=lambda item: str(item[0])))
    plain = all(isinstance(k, str) and isinstance(v, (str, type(None))) for k, v in items)
    return items if plain else None


def import_implementation(path: str) -> type[Action]:
    module_name, _, class_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise ManifestError(f"connector.yaml names {path}, which cannot be imported: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, Action)):
        raise ManifestError(f"connector.yaml names {path}, which is not an Action class.")
    return cls


class Connector:
    """One loaded connector. Thread-safe: share one instance across a host's workers."""

    def __init__(self, manifest: Manifest):
        self.manifest = manifest
        self._executors: dict[tuple[str, str], Executor] = {}
        self._connections: dict[tuple, ApiKeyConnection] = {}
        self._implementations: dict[str, Action] = {}
        self._lock = threading.Lock()

    # -- what hosts read -------------------------------------------------------------------
    @property
    def key(self) -> str:
        return self.manifest.connector.key

    @property
    def version(self) -> str:
        return self.manifest.connector.version

    def action_keys(self) -> list[str]:
        return [spec.key for spec in self.manifest.actions]

    def data_source_keys(self) -> list[str]:
        return [spec.key for spec in self.manifest.data_sources]

    def spec(self, key: str) -> ActionSpec | DataSourceSpec:
        spec = self.manifest.action(key)
        if spec is None:
            known = ", ".join(self.action_keys() + self.data_source_keys())
            raise InputError.single("action", "Action", f"'{key}' is not an action of this connector "
                                                        f"(its actions are: {known}).")
        return spec

    def inputs(self, key: str) -> tuple[InputSpec, ...]:
        return self.spec(key).inputs

    # -- connections -----------------------------------------------------------------------
    def connection(self, values: ConnectionValues | None) -> ApiKeyConnection:
        if isinstance(values, ApiKeyConnection):
            return values
        # Hosts pass the same connection values on every call: check them once.
        cache_key = _plain_text_key(values)
        connection = self._connections.get(cache_key) if cache_key is not None else None
        if connection is None:
            connection = ApiKeyConnection.from_inputs(self.manifest.connection, values)
            if cache_key is not None:
                with self._lock:
                    if len(self._connections) < MAX_CACHED_CONNECTIONS:
                        self._connections[cache_key] = connection
        return connection

    def executor(self, connection: ApiKeyConnection) -> Executor:
        """The shared executor (and so the pooled session) for this connection."""
        cache_key = (connection.base_url, connection.api_key.reveal())
        with self._lock:
            executor = self._executors.get(cache_key)
            if executor is None:
                executor = self._executors[cache_key] = Executor(connection)
            return executor

    def close(self) -> None:
        with self._lock:
            for executor in self._executors.values():
                executor.close()
            self._executors.clear()

    # -- running ---------------------------------------------------------------------------
    def prepare(self, key: str, inputs: Mapping[str, Any] | None,
                connection: ConnectionValues | None) -> tuple[Action, ActionContext, FormValues]:
        """Check everything the user gave; raises InputError before anything is sent."""
        spec = self.spec(key)
        form = coerce_inputs(spec.inputs, inputs)
        conn = self.connection(connection)
        return self._implementation(spec), ActionContext(spec, conn, self.executor(conn)), form

    def run_result(self, key: str, inputs: Mapping[str, Any] | None = None,
                   connection: ConnectionValues | None = None) -> ActionResult:
        action, context, form = self.prepare(key, inputs, connection)
        return action.perform(context, form)

    def run(self, key: str, inputs: Mapping[str, Any] | None = None,
            connection: ConnectionValues | None = None) -> dict[str, Any]:
        """Run an action and return `{"data": ...}`, exactly what the CLI prints."""
        return self.run_result(key, inputs, connection).to_dict()

    def check_connection(self, connection: ConnectionValues | None) -> dict[str, Any]:
        """Test a connection as a builder does when a user saves it: {"data": {"valid", "reason", ...}}."""
        spec = self.manifest.connection
        if spec.check is None:
            raise ManifestError("connector.yaml declares no connection check.")
        conn = self.connection(connection)
        check_spec = ActionSpec(key="checkConnection", label=spec.label, description=spec.description,
                                implementation=spec.check, inputs=())
        context = ActionContext(check_spec, conn, self.executor(conn))
        return import_implementation(spec.check)().perform(context, coerce_inputs((), {})).to_dict()

    def stream(self, key: str, inputs: Mapping[str, Any] | None = None,
               connection: ConnectionValues | None = None,
               on_chunk: Callable[[dict[str, Any]], None] | None = None):
        """Open a streamed action; iterate it for chunks as they arrive, then read `.completion`."""
        spec = self.spec(key)
        action = self._implementation(spec)
        if not hasattr(action, "open_stream"):
            raise InputError.single("action", "Action", f"'{key}' does not stream.")
        action, context, form = self.prepare(key, {**(inputs or {}), "stream": True}, connection)
        return action.open_stream(context, form, on_chunk)

    def _implementation(self, spec: ActionSpec | DataSourceSpec) -> Action:
        with self._lock:
            action = self._implementations.get(spec.key)
            if action is None:
                action = self._implementations[spec.key] = import_implementation(spec.implementation)()
            return action


__all__ = ["Connector", "ConnectorError"]
