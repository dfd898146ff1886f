"""The Airflow provider, in Airflow's own runtime (apache-airflow 3.3), against the emulator."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deepseek_connector import load_connector
from deepseek_connector.emulator import Emulator
from tests.hosts.echo_server import KEY as ECHO_KEY
from tests.hosts.echo_server import EchoServer, echoed_in, leaks, shows_echo

HERE = Path(__file__).resolve().parent
KEY = "sk-test-airflow-canary-5a6b7c"


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as server:
        yield server


@pytest.fixture(scope="module")
def echo():
    with EchoServer() as server:
        yield server


def connection(url: str, key: str) -> str:
    return json.dumps({"conn_type": "deepseek", "host": url, "password": key})


@pytest.fixture(scope="module")
def airflow_env(emulator, echo, tmp_path_factory):
    """A fresh Airflow home (SQLite), the DAGs folder, a `deepseek_default` connection (the
    emulator), and two to a server echoing the key (one that answers, one that refuses)."""
    home = tmp_path_factory.mktemp("airflow")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_FOLDER": str(HERE / "dags"), "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
           "DEEPSEEK_TEST_KEY": KEY,
           "AIRFLOW_CONN_DEEPSEEK_DEFAULT": connection(emulator.url, KEY),
           "AIRFLOW_CONN_DEEPSEEK_ECHO": connection(echo.url, ECHO_KEY),
           "AIRFLOW_CONN_DEEPSEEK_REFUSED": connection(echo.refusing_url, ECHO_KEY),
           # The connection's inputs may also come as extras, which win over the standard fields:
           # the host field names a closed port, the extra the emulator.
           "AIRFLOW_CONN_DEEPSEEK_EXTRAS": json.dumps({"conn_type": "deepseek", "host": "http://127.0.0.1:9",
                                                       "password": KEY,
                                                       "extra": {"baseUrl": emulator.url,
                                                                 "allowInsecureHttp": True}})}
    airflow("db", "migrate", env=env)
    return env


def airflow(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "airflow"), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


def test_the_provider_is_listed_by_airflow(airflow_env):
    listed = json.loads(airflow("providers", "list", "-o", "json", env=airflow_env).stdout)
    [ours] = [p for p in listed if p["package_name"] == "deepseek-connector"]
    from deepseek_connector import __version__

    assert ours["version"] == __version__
    hooks = airflow("providers", "hooks", "-o", "json", env=airflow_env).stdout
    assert "deepseek_connector.hosts.airflow.hooks.DeepSeekHook" in hooks


DOCUMENTATION = "https://github.com/deepseek-connector/deepseek-connector/blob/main/docs/reference.md"


def test_the_providers_page_links_the_documentation(airflow_env):
    """Airflow reads a provider's documentation link from its distribution's Documentation
    project URL (the installed metadata) and the Providers page links what its API gives."""
    from importlib.metadata import metadata

    urls = dict(entry.split(", ", 1) for entry in metadata("deepseek-connector").get_all("Project-URL"))
    assert urls["Documentation"] == DOCUMENTATION
    assert (HERE.parents[2] / DOCUMENTATION.split("/blob/main/")[1]).is_file()  # a page that exists
    shown = ("from airflow.providers_manager import ProvidersManager\n"
             "from airflow.api_fastapi.core_api.services.public.providers import _provider_mapper\n"
             "print(_provider_mapper(ProvidersManager().providers['deepseek-connector']).documentation_url)")
    done = subprocess.run([sys.executable, "-c", shown], env=airflow_env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip().splitlines()[-1] == DOCUMENTATION, done.stderr[-2000:]


def test_connections_test_succeeds_with_a_valid_key(airflow_env, emulator):
    emulator.clear()
    done = airflow("connections", "test", "deepseek_default", env=airflow_env)
    assert "Connection success!" in done.stdout
    assert emulator.received("/models")[0].header("Authorization") == f"Bearer {KEY}"


def test_a_connections_extras_are_its_inputs(airflow_env, emulator):
    emulator.clear()
    done = airflow("connections", "test", "deepseek_extras", env=airflow_env)
    assert "Connection success!" in done.stdout
    assert emulator.received("/models")[0].header("Authorization") == f"Bearer {KEY}"


def test_connections_test_fails_clearly_on_a_rejected_key(airflow_env, emulator):
    emulator.clear()
    emulator.add_fault(status=401, times=1)
    done = airflow("connections", "test", "deepseek_default", env=airflow_env, check=False)
    assert done.returncode == 1
    assert "Connection failed!" in done.stdout and "DeepSeek rejected this API key" in done.stdout
    assert KEY[:8] not in done.stdout + done.stderr


def run_dag(env: dict[str, str], dag_id: str) -> tuple[dict, subprocess.CompletedProcess]:
    done = subprocess.run([sys.executable, str(HERE / "check_dag.py"), dag_id], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done


def test_list_models_then_a_templated_streamed_chat_then_a_task_reading_the_xcom(airflow_env, emulator):
    emulator.clear()
    report, _ = run_dag(airflow_env, "deepseek_flow")
    assert report["state"] == "success" and set(report["tasks"].values()) == {"success"}, report
    assert report["answer_in_logs"] and not report["key_in_logs"]
    # One line per call in the task log: connection, origin, action, model, what came back.
    origin = emulator.url.rstrip("/")
    lines = [line for line in report["logs"].splitlines()
             if "DeepSeek " in line and " on connection " in line]
    assert any(f"DeepSeek listModels on connection 'deepseek_default' ({origin}): HTTP 200" in line
               for line in lines), lines
    assert any("DeepSeek createChatCompletion on connection 'deepseek_default'" in line and
               "model deepseek-flash" in line and "finish reason stop" in line and "request id" in line
               for line in lines), lines
    assert not any("Summarise" in line or KEY[:8] in line for line in lines)
    [chat] = emulator.received("/chat/completions")
    assert chat.json() == {"model": "deepseek-flash", "stream": True, "temperature": 0.2,
                           "messages": [{"role": "user", "content": "Summarise 2 models"}]}


def test_a_file_uploaded_in_one_task_is_read_by_the_chat_of_the_next(airflow_env, emulator):
    emulator.clear()
    report, _ = run_dag(airflow_env, "deepseek_files")
    assert report["state"] == "success" and set(report["tasks"].values()) == {"success"}, report
    uploaded = report["xcom"]["upload"]
    assert uploaded["id"].startswith("file-api-") and uploaded["filename"] == "report.pdf"
    [upload] = emulator.received("/files")
    assert upload.header("Content-Type").startswith("multipart/form-data")
    [chat] = emulator.received("/chat/completions")
    assert chat.json()["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "What does the report say?"}, {"type": "file", "file_id": uploaded["id"]}]}]
    answer = report["xcom"]["chat"]["text"]
    assert answer.endswith("(with the document report.pdf (it begins: Revenue grew 12 percent))")
    assert not report["key_in_logs"]


def test_one_typed_templated_operator_per_action():
    from deepseek_connector.hosts.airflow import operators

    for key, operator in operators.OPERATORS.items():
        spec = load_connector().spec(key)
        keys = [field.key for field in spec.inputs if field.type != "connection"]
        assert operator.__module__ == operators.__name__ and operator.template_fields == tuple(keys)
        assert operator.__init__.__qualname__ == f"{operator.__name__}.__init__"  # real source, not type()
        parameters = inspect.signature(operator.__init__).parameters
        assert [name for name in parameters if name in keys] == keys
    chat = inspect.signature(operators.DeepSeekCreateChatCompletionOperator.__init__).parameters
    assert chat["temperature"].annotation == "float | None" and chat["stream"].annotation == "bool | None"


# -- a server echoing the key back (issue 18): XCom, task logs and `connections test` never show it --

@pytest.fixture(scope="module")
def echo_run(airflow_env):
    """One run of the deepseek_echo DAG: each task one shape of the echo, the last one failing."""
    return run_dag(airflow_env, "deepseek_echo")


ECHOED_IN_XCOM = {  # task: where its XCom must show the echoed header, redacted
    "models_in_utf16": lambda data: data["data"][0]["id"],
    "raw_models_in_utf16": lambda data: data["data"][0]["owned_by"],
    "split_over_stream": lambda data: echoed_in(data["choices"][0]["message"]["content"]),
    "spelled_over_stream": lambda data: echoed_in(data["choices"][0]["message"]["content"]),
    "decoded_twice": lambda data: data["tool_calls"][0]["arguments"]["auth"],
    "fim_split_over_stream": lambda data: echoed_in(data["choices"][0]["text"]),
    "fim_in_utf16": lambda data: echoed_in(data["choices"][0]["text"]),
}


@pytest.mark.parametrize("task", sorted(ECHOED_IN_XCOM))
def test_an_echoed_key_reaches_no_xcom(echo_run, task):
    report, _ = echo_run
    assert report["tasks"][task] == "success", report["tasks"]
    assert not leaks(report["xcom"][task])
    assert ECHOED_IN_XCOM[task](report["xcom"][task]) == "Bearer [REDACTED]"


def test_an_echoed_key_reaches_no_task_log(echo_run):
    report, done = echo_run
    assert report["tasks"]["error_in_utf16"] == "failed"  # HTTP 500 in UTF-16-LE, in the task's log
    printed = done.stdout.strip().splitlines()[:-1]  # all but the report itself
    assert not leaks(report["logs"], printed, done.stderr)
    assert "invalid request for Bearer [REDACTED]" in report["logs"]


def test_connections_test_never_shows_an_echoed_key(airflow_env):
    done = airflow("connections", "test", "deepseek_refused", env=airflow_env, check=False)  # 400, UTF-16-LE
    assert not leaks(done.stdout, done.stderr)
    assert done.returncode == 1 and "Connection failed!" in done.stdout and shows_echo(done.stdout)
