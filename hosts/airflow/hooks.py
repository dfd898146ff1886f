"""DeepSeekHook: an Airflow connection of type `deepseek` turned into the connector's connection."""

from __future__ import annotations

import os
from typing import Any

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from ... import load_connector
from ...runtime.contract.action import ActionResult
from ...runtime.errors import ConnectorError
from .provider import CONNECTION_TYPE, STANDARD_FIELDS


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
        values: dict[str, Any] = {key: getattr(conn, standard) for key, standard in STANDARD_FIELDS.items()
                                  if getattr(conn, standard)}
        inputs = {field.key for field in load_connector().manifest.connection.inputs}
        values.update({key: value for key, value in conn.extra_dejson.items() if key in inputs})
        if values.get("apiKey"):
            mask_secret(values["apiKey"])  # Airflow masks the password field; this makes sure
        return values

    def run(self, action: str, inputs: dict[str, Any] | None = None, *,
            output: str | os.PathLike[str] | None = None) -> ActionResult:
        """Run an action of the connector; a streamed answer comes back assembled. With `output`
        (Raw Request, Response Type binary), the answer is written to that file as it arrives."""
        return load_connector().run_result(action, inputs or {}, self.connection_values(), output=output)

    def test_connection(self) -> tuple[bool, str]:
        """What Airflow's "Test" button and `airflow connections test` run: the connector's check."""
        try:
            report = load_connector().check_connection(self.connection_values())["data"]
        except ConnectorError as error:
            return False, str(error)
        return bool(report["valid"]), report["message"]
