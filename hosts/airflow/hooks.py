"""DeepSeekHook: an Airflow connection of type `deepseek` turned into the connector's connection."""

from __future__ import annotations

import os
import time
from typing import Any

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from ... import load_connector
from ...runtime.contract.action import ActionResult
from ...runtime.errors import ConnectorError
from ...runtime.http.urls import UrlProblem, origin_of
from ..mapping import airflow_fields, from_airflow
from .provider import CONNECTION_TYPE, call_line


class DeepSeekHook(BaseHook):
    """Runs the connector's actions with the key and Base URL of one Airflow connection."""

    conn_name_attr = "deepseek_conn_id"
    default_conn_name = "deepseek_default"
    conn_type = CONNECTION_TYPE
    hook_name = "DeepSeek"

    def __init__(self, deepseek_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deepseek_conn_id = deepseek_conn_id

    def connection_values(self) -> dict[str, Any]:
        """The connector's connection values from the Airflow connection's fields."""
        conn = self.get_connection(self.deepseek_conn_id)
        spec = load_connector().manifest.connection
        fields = {field: getattr(conn, field) for field in airflow_fields(spec).values()}
        values = from_airflow(fields, conn.extra_dejson, spec)
        if values.get(spec.credential):
            mask_secret(values[spec.credential])  # Airflow masks the password field; this makes sure
        return values

    def run(self, action: str, inputs: dict[str, Any] | None = None, *,
            output: str | os.PathLike[str] | None = None) -> ActionResult:
        """Run an action of the connector; a streamed answer comes back assembled. With `output`
        (Raw Request, Response Type binary), the answer is written to that file as it arrives.
        One line in the task log says what was called and what came back (never the key or what
        the messages say)."""
        inputs = inputs or {}
        connection = self.connection_values()
        spec = load_connector().manifest.connection
        origin = shown_origin(connection.get(spec.endpoint) or spec.by_key[spec.endpoint].default)
        started = time.monotonic()
        try:
            result = load_connector().run_result(action, inputs, connection, output=output)
        except ConnectorError as error:
            self.log.error("%s", call_line(action, self.deepseek_conn_id, origin, inputs, error=error,
                                           seconds=time.monotonic() - started))
            raise
        self.log.info("%s", call_line(action, self.deepseek_conn_id, origin, inputs, result,
                                      seconds=time.monotonic() - started))
        return result

    def test_connection(self) -> tuple[bool, str]:
        """What Airflow's "Test" button and `airflow connections test` run: the connector's check."""
        try:
            report = load_connector().check_connection(self.connection_values())["data"]
        except ConnectorError as error:
            return False, str(error)
        return bool(report["valid"]), report["message"]


def shown_origin(base_url: Any) -> str:
    """The Base URL's scheme, host and port for a log line (its path and anything else dropped)."""
    try:
        return str(origin_of(str(base_url)))
    except UrlProblem:
        return "an unusable Base URL"
