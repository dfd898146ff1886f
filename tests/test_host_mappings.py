"""How each host's connection values become the connector's, and the Airflow task log's line about
a call: plain functions, checked here without any host SDK (the host suites check them in place)."""

from __future__ import annotations

import pytest
from requests.structures import CaseInsensitiveDict

from deepseek_connector import packaged_manifest
from deepseek_connector.hosts.airflow.provider import call_line, get_provider_info
from deepseek_connector.hosts.mapping import airflow_fields, from_airflow, from_form
from deepseek_connector.runtime.contract.action import ActionResult
from deepseek_connector.runtime.errors import InputError, RateLimitError
from tests.conftest import FAKE_KEY

SPEC = packaged_manifest().connection
REMOTE = "http://10.1.2.3:8080"


def test_airflow_fields_come_from_the_connection_declaration():
    assert airflow_fields(SPEC) == {"apiKey": "password", "baseUrl": "host"}
    [kind] = get_provider_info()["connection-types"]
    assert set(kind["conn-fields"]) == {field.key for field in SPEC.inputs} - {"apiKey", "baseUrl"}


def test_an_airflow_connection_with_its_extras(connector):
    fields = {"password": FAKE_KEY, "host": REMOTE}
    values = from_airflow(fields, {"allowInsecureHttp": True, "notAnInput": "x"}, SPEC)
    assert values == {"apiKey": FAKE_KEY, "baseUrl": REMOTE, "allowInsecureHttp": True}
    assert connector.connection(values).base_url == REMOTE  # the extra is what allows plain http there
    with pytest.raises(InputError, match="Allow Insecure HTTP"):
        connector.connection(from_airflow(fields, {}, SPEC))


def test_blank_airflow_fields_leave_the_defaults():
    assert from_airflow({"password": FAKE_KEY, "host": ""}, {"allowInsecureHttp": None}, SPEC) == \
        {"apiKey": FAKE_KEY}


def test_langflow_and_dify_forms_by_input_key():
    given = {"apiKey": FAKE_KEY, "baseUrl": "", "allowInsecureHttp": False, "label": "my key"}
    assert from_form(given, SPEC) == {"apiKey": FAKE_KEY, "allowInsecureHttp": False}


def test_the_airflow_log_line_of_a_call_says_what_came_back_but_no_content():
    data = {"model": "deepseek-v4-flash", "choices": [{"finish_reason": "stop", "message": {
        "content": f"secret answer with {FAKE_KEY}"}}], "usage": {"prompt_tokens": 9, "completion_tokens": 4,
                                                                  "total_tokens": 13}}
    result = ActionResult(data, 200, CaseInsensitiveDict({"X-Ds-Trace-Id": "trace-1"}), "secret answer")
    inputs = {"model": "deepseek-v4-flash", "messages": "tell me the secret plan"}
    line = call_line("createChatCompletion", "deepseek_default", "https://api.deepseek.com:443", inputs,
                     result, seconds=1.25)
    assert line == ("DeepSeek createChatCompletion on connection 'deepseek_default' "
                    "(https://api.deepseek.com:443), model deepseek-v4-flash: HTTP 200, finish reason stop, "
                    "9 prompt + 4 completion tokens, request id trace-1 in 1.2 s.")
    error = RateLimitError("DeepSeek rate limit reached (HTTP 429).", status=429, attempts=3)
    failed = call_line("listModels", "deepseek_default", "https://api.deepseek.com:443", {}, error=error,
                       seconds=2)
    assert failed == ("DeepSeek listModels on connection 'deepseek_default' (https://api.deepseek.com:443) "
                      "failed after 2.0 s: rate_limited, 3 attempt(s).")


def test_an_airflow_operator_must_be_given_its_required_inputs():
    # Read from the generated source, so no Airflow is needed: a DAG that leaves out a required
    # input fails as Airflow loads it (a missing keyword argument), not when the task runs.
    import ast

    from deepseek_connector.hosts.airflow import generate

    tree = ast.parse(generate.OPERATORS_FILE.read_text(encoding="utf-8"))
    signatures = {node.name: next(f for f in node.body if isinstance(f, ast.FunctionDef)).args
                  for node in tree.body if isinstance(node, ast.ClassDef)}

    def without_default(operator: str) -> set[str]:
        args = signatures[operator]
        pairs = zip(args.kwonlyargs, args.kw_defaults, strict=True)
        return {arg.arg for arg, default in pairs if default is None}

    assert without_default("DeepSeekUploadFileOperator") == {"fileData"}  # purpose has a default
    assert without_default("DeepSeekCreateChatCompletionOperator") == {"model"}
    assert without_default("DeepSeekRawRequestOperator") == {"url", "method"}
    assert without_default("DeepSeekListModelsOperator") == set()
