"""The command line as users run it: real processes, exit codes, stdout JSON, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

from deepseek_connector.cli.commands import parse_inputs
from deepseek_connector.cli.main import main
from deepseek_connector.runtime.errors import InputError
from tests.conftest import FAKE_KEY


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPSEEK_")}
    env.update(extra)
    return env


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepseek_connector", *args], capture_output=True,
                          text=True, env=env or clean_env(), timeout=timeout)


def test_run_list_models_on_the_built_in_emulator():
    done = cli("run", "listModels", "--emulator")
    assert done.returncode == 0, done.stderr
    ids = [m["id"] for m in json.loads(done.stdout)["data"]["data"]]
    assert ids == ["deepseek-flash", "deepseek-v4-pro"]  # the legacy ids are answered, not listed


def test_console_script_is_installed():
    done = subprocess.run(["deepseek-connector", "run", "selectModel", "--emulator"],
                          capture_output=True, text=True, env=clean_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    options = json.loads(done.stdout)["data"]
    assert {"label": "deepseek-v4-pro (reads text)", "key": "deepseek-v4-pro"} in options


def test_base_url_and_key_reach_any_server_that_speaks_the_api(recorder):
    done = cli("run", "listModels", "--base-url", recorder.url, "--api-key", FAKE_KEY)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"data": {"object": "list", "data": []}}
    [request] = recorder.received
    assert request["method"] == "GET" and request["path"] == "/models"
    assert request["headers"]["Authorization"] == f"Bearer {FAKE_KEY}"
    assert FAKE_KEY not in done.stdout + done.stderr


def test_environment_variables_configure_the_connection(recorder):
    done = cli("run", "listModels", env=clean_env(DEEPSEEK_API_KEY=FAKE_KEY,
                                                  DEEPSEEK_BASE_URL=recorder.url + "/v1/"))
    assert done.returncode == 0, done.stderr
    assert recorder.received[0]["path"] == "/v1/models"


def test_missing_key_exits_2_and_sends_nothing(recorder):
    done = cli("run", "listModels", "--base-url", recorder.url)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "Error: Invalid input. API Key: is required: set DEEPSEEK_API_KEY or pass --api-key "
        "(or use --emulator)."]
    assert recorder.received == []


def test_invalid_input_exits_2_and_sends_nothing(recorder):
    done = cli("run", "listModels", "--base-url", recorder.url, "--api-key", FAKE_KEY,
               "--input", "colour=red")
    assert done.returncode == 2
    assert "colour: is not an input of this action" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert recorder.received == []


def test_invalid_base_url_exits_2(recorder):
    done = cli("run", "listModels", "--base-url", "ftp://example", "--api-key", FAKE_KEY)
    assert done.returncode == 2
    assert "Base URL: must be an http:// or https:// URL" in done.stderr


def test_unknown_action_exits_2():
    done = cli("run", "makeCoffee", "--emulator")
    assert done.returncode == 2
    assert "'makeCoffee' is not an action of this connector" in done.stderr


def test_api_error_exits_1_with_one_clear_line(recorder):
    body = b'{"error": {"message": "Authentication Fails (no such user)"}}'
    recorder.responder = lambda req: (401, {"Content-Type": "application/json"}, body)
    done = cli("run", "listModels", "--base-url", recorder.url, "--api-key", FAKE_KEY)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Error: DeepSeek rejected the API key (HTTP 401).")
    assert "Authentication Fails (no such user)" in line and "Check the API Key" in line
    assert len(recorder.received) == 1  # a 401 is never retried


def test_network_error_exits_1(closed_port, capsys, fast_backoff):
    code = main(["run", "listModels", "--base-url", f"http://127.0.0.1:{closed_port}",
                 "--api-key", FAKE_KEY])
    assert code == 1
    err = capsys.readouterr().err
    assert "connection was refused" in err and "Tried" not in err  # nothing was sent: not retried


def test_unexpected_failures_never_show_a_traceback(monkeypatch, capsys, emulator):
    from deepseek_connector.runtime.connector import Connector

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Connector, "run_result", explode)
    assert main(["run", "listModels", "--emulator"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "Error: Unexpected error (RuntimeError): boom"


def test_inputs_from_flags_and_file(tmp_path):
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps({"temperature": 0.5, "headers": [{"key": "a", "value": "b"}],
                                "model": "from-file"}))
    values = parse_inputs(["model=deepseek-flash", "stop=a", "stop=b"], str(path))
    assert values == {"temperature": 0.5, "headers": [{"key": "a", "value": "b"}],
                      "model": "deepseek-flash", "stop": ["a", "b"]}


@pytest.mark.parametrize("pairs, file_text", [(["novalue"], None), ([], "[1, 2]"), ([], "{bad")])
def test_bad_input_flags_are_input_errors(tmp_path, pairs, file_text):
    path = None
    if file_text is not None:
        path = tmp_path / "inputs.json"
        path.write_text(file_text)
    with pytest.raises(InputError):
        parse_inputs(pairs, str(path) if path else None)


def test_describe_json_lists_connection_actions_and_inputs():
    done = cli("describe", "--format", "json")
    assert done.returncode == 0, done.stderr
    described = json.loads(done.stdout)
    assert described["connector"]["key"] == "deepseek"
    api_key = next(i for i in described["connection"]["inputs"] if i["key"] == "apiKey")
    assert api_key["writeOnly"] is True and "default" not in api_key
    assert "listModels" in [a["key"] for a in described["actions"]]


def test_describe_markdown_shows_every_action():
    done = cli("describe")
    assert done.returncode == 0
    assert "### List Models (`listModels`)" in done.stdout
    assert "### Select Model (`selectModel`)" in done.stdout


def test_validate_checks_manifest_and_classes():
    done = cli("validate")
    assert done.returncode == 0, done.stderr
    assert "connector.yaml is valid" in done.stdout and "every class imports" in done.stdout


def test_docs_outside_the_repository_is_one_clear_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "deepseek_connector", "docs"], capture_output=True,
                          text=True, env=clean_env(), timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: There is no folder 'docs' here; run this in the connector's repository, or give "
        "--output FILE."]


def test_emulator_on_a_busy_port_is_one_clear_line(emulator):
    port = emulator.url.rsplit(":", 1)[1]
    done = cli("emulator", "--port", port)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"Error: Cannot listen on 127.0.0.1:{port} (") and "choose another --port" in line


def test_check_takes_the_timeout_input(emulator):
    done = cli("check", "-i", "timeout=5", "--base-url", emulator.url, "--api-key", FAKE_KEY)
    assert done.returncode == 0 and json.loads(done.stdout)["data"]["reason"] == "ok"
    bad = cli("check", "-i", "timeout=-1", "--base-url", emulator.url, "--api-key", FAKE_KEY)
    assert bad.returncode == 2 and "Timeout: must be a number from 0.1 to 3600" in bad.stderr


def test_emulator_command_serves_until_stopped(closed_port):
    process = subprocess.Popen([sys.executable, "-m", "deepseek_connector", "emulator", "--port",
                                str(closed_port)], stdout=subprocess.PIPE, text=True, env=clean_env())
    try:
        line = process.stdout.readline()
        assert line.startswith(f"DeepSeek emulator listening on http://127.0.0.1:{closed_port}")
        response = requests.get(f"http://127.0.0.1:{closed_port}/models",
                                headers={"Authorization": f"Bearer {FAKE_KEY}"}, timeout=10)
        assert response.status_code == 200 and response.json()["object"] == "list"
    finally:
        process.terminate()
        process.wait(timeout=10)
