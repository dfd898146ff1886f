"""What every action and data source implements, and the context it runs in.

Actions are thin: build an HttpRequest from the coerced form values, hand it to the context
(which hands it to the shared executor), and shape the result.
"""

from __future__ import annotations

from typing import Any

import requests

from ..connections.api_key import ApiKeyConnection
from . import settings
from .executor import Executor, HttpRequest
from .inputs import FormValues
from .spec import ActionSpec, DataSourceSpec


class ActionResult:
    """An action's answer: `data` is what the CLI prints; status and headers are for hosts."""

    def __init__(self, data: Any, status: int | None = None, headers: dict[str, str] | None = None):
        self.data, self.status = data, status
        self.headers = headers if headers is not None else {}

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data}

    def to_cli(self) -> dict[str, Any]:
        """What the command line prints as JSON; results holding bytes override it."""
        return self.to_dict()


class ActionContext:
    """What an action runs with: its manifest entry, the connection and the shared executor."""

    def __init__(self, spec: ActionSpec | DataSourceSpec, connection: ApiKeyConnection,
                 executor: Executor):
        self.spec, self.connection, self.executor = spec, connection, executor

    @property
    def policy(self) -> settings.RetryPolicy:
        return settings.POLICIES[self.spec.retry_policy]

    def url(self, path: str) -> str:
        """Join a path to the connection's base URL with exactly one slash."""
        return f"{self.connection.base_url.rstrip('/')}/{path.lstrip('/')}"

    def send(self, request: HttpRequest, *, policy: settings.RetryPolicy | None = None,
             debug: bool = False) -> requests.Response:
        return self.executor.send(request, policy or self.policy, debug=debug)

    def label(self, key: str) -> str:
        return next((i.label for i in self.spec.inputs if i.key == key), key)


class Action:
    """Base of every action and data source named in connector.yaml."""

    def perform(self, context: ActionContext, inputs: FormValues) -> ActionResult:
        raise NotImplementedError
