"""Get User Balance and the connection check, against the emulator."""

from __future__ import annotations

import json

import pytest

from deepseek_connector.cli.main import main
from deepseek_connector.runtime.errors import ResponseError
from tests.conftest import FAKE_KEY


def test_get_user_balance(connector, connection, emulator):
    result = connector.run("getUserBalance", {}, connection)
    assert result["data"]["is_available"] is True
    assert result["data"]["balance_infos"][0] == {
        "currency": "USD", "total_balance": "110.00", "granted_balance": "10.00",
        "topped_up_balance": "100.00"}
    [request] = emulator.received()
    assert (request.method, request.path) == ("GET", "/user/balance")
    assert request.header("Authorization") == f"Bearer {FAKE_KEY}"


def test_balance_of_the_wrong_shape_is_a_clear_error(connector, connection, emulator):
    emulator.add_fault(body='{"balance": 3}', path="/user/balance")
    with pytest.raises(ResponseError, match="with is_available, balance_infos"):
        connector.run("getUserBalance", {}, connection)


@pytest.mark.parametrize("status, valid, reason", [
    (None, True, "ok"), (401, False, "invalid_key"), (402, True, "no_balance"),
    (403, False, "permission_denied"),
    # The key was not rejected: DeepSeek was busy. Valid, with a warning reason.
    (429, True, "rate_limited"), (503, True, "server_error"),
])
def test_connection_check_outcomes(connector, connection, emulator, status, valid, reason):
    if status:
        emulator.add_fault(status=status, path="/models")
    result = connector.check_connection(connection, {"maxRetries": 0})["data"]
    assert (result["valid"], result["reason"]) == (valid, reason)
    assert result["status"] == (status or 200)
    assert [r.path for r in emulator.received()] == ["/models"]


def test_connection_check_reports_an_unreachable_host(connector, closed_port, fast_backoff):
    result = connector.check_connection({"apiKey": FAKE_KEY,
                                         "baseUrl": f"http://127.0.0.1:{closed_port}"})["data"]
    assert result["valid"] is False and result["reason"] == "unreachable"
    assert "connection was refused" in result["message"]


def test_cli_check_exit_codes(emulator, capsys):
    assert main(["check", "--base-url", emulator.url, "--api-key", FAKE_KEY]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["reason"] == "ok"
    emulator.add_fault(status=401, path="/models")
    assert main(["check", "--base-url", emulator.url, "--api-key", FAKE_KEY]) == 1
    out = capsys.readouterr().out
    assert json.loads(out)["data"]["reason"] == "invalid_key" and FAKE_KEY not in out


def test_describe_json_carries_marketplace_metadata(capsys):
    assert main(["describe", "--format", "json"]) == 0
    described = json.loads(capsys.readouterr().out)
    info = described["connector"]
    assert info["icon"] == "assets/icon.png" and info["iconSvg"] == "assets/icon.svg"
    assert info["category"] == "Artificial Intelligence"
    assert info["documentation"] == "docs/reference.md"
    from deepseek_connector import __version__

    assert info["version"] == __version__
    model = next(i for a in described["actions"] if a["key"] == "createChatCompletion"
                 for i in a["inputs"] if i["key"] == "model")
    assert model["dataSource"] == "selectModel"
    assert described["connection"]["check"]["implementation"].endswith("account:check_connection")
    assert "timeout" in [i["key"] for i in described["connection"]["check"]["inputs"]]
