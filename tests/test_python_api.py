"""The Python API a host platform uses: discover, list, run; same result as the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from deepseek_connector import load_connector
from deepseek_connector.runtime.connector import Connector


def test_host_discovers_the_connector_through_its_entry_point():
    [found] = [ep for ep in entry_points(group="lowcode.connectors") if ep.name == "deepseek"]
    connector = found.load()()
    assert isinstance(connector, Connector)
    assert connector is load_connector()
    assert connector.key == "deepseek"
    assert "listModels" in connector.action_keys()
    assert connector.data_source_keys() == ["selectModel"]
    assert [i.key for i in connector.inputs("listModels")][:2] == ["connection", "timeout"]


def test_run_gives_the_same_result_as_the_cli(connector, connection, emulator):
    from_api = connector.run("listModels", {}, connection)
    done = subprocess.run([sys.executable, "-m", "deepseek_connector", "run", "listModels",
                           "--base-url", emulator.url, "--api-key", connection["apiKey"]],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == from_api


def test_run_result_exposes_status_and_headers(connector, connection):
    result = connector.run_result("listModels", None, connection)
    assert result.status == 200
    assert result.headers["Content-Type"] == "application/json"


def test_one_session_per_connection_is_reused(connector, connection):
    first = connector.executor(connector.connection(connection))
    second = connector.executor(connector.connection(dict(connection)))
    other = connector.executor(connector.connection({**connection, "apiKey": "sk-test-other"}))
    assert first is second and first is not other


def test_connection_values_are_checked_once_and_invalid_ones_never_cached(connector, connection):
    from deepseek_connector.runtime.errors import InputError

    assert connector.connection(dict(connection)) is connector.connection(dict(connection))
    bad = {"apiKey": "sk-test-x", "baseUrl": "ftp://nowhere"}
    for _ in range(2):
        with pytest.raises(InputError):
            connector.connection(bad)
    # A host's own metadata rides along unharmed; a key in the wrong case is named.
    assert connector.connection({**connection, "label": "Team"}).base_url == connection["baseUrl"]
    with pytest.raises(InputError, match="did you mean 'baseUrl'"):
        connector.connection({"apiKey": "sk-test-x", "baseurl": connection["baseUrl"]})
