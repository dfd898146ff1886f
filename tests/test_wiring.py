"""Every input of every action, walked from connector.yaml, reaches the wire as declared; a
managed input is covered by a named test; a new input is sent with a YAML edit only."""

from __future__ import annotations

import contextlib
import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from deepseek_connector import __version__, load_connector
from deepseek_connector.runtime.connector import Connector
from deepseek_connector.runtime.errors import ConnectorError, InputError
from deepseek_connector.runtime.forms.coercers import coerce_value
from deepseek_connector.runtime.manifest.loading import parse_manifest
from tests.conftest import FAKE_KEY
from tests.examples import COMPANIONS, example_value, required_inputs

ROOT = Path(__file__).resolve().parent
CONNECTOR = load_connector()
# Inputs the actions' code sends (wire: managed), each with the test that proves it.
MANAGED_COVERAGE = {
    ("createChatCompletion", "messages"): "actions/test_chat.py::test_messages_as_array_object_or_plain_text",
    ("createChatCompletion", "include_usage"):
        "actions/test_chat.py::test_stream_with_include_usage_sets_stream_options",
    ("createChatCompletion", "tool_choice"): "actions/test_chat.py::test_tool_choice_forms",
    ("createChatCompletion", "extra_body"):
        "actions/test_chat.py::test_extra_body_fields_are_merged_into_the_body",
    ("createChatCompletion", "json_schema"):
        "actions/test_json_output.py::test_a_json_schema_asks_for_json_and_a_matching_answer_passes",
    ("createChatCompletion", "repair_attempts"):
        "actions/test_json_output.py::test_a_repair_sends_the_mistake_back_and_counts_both_answers_usage",
    ("createChatCompletion", "simplify_output"):
        "actions/test_json_output.py::test_simplified_output_of_a_thinking_answer",
    ("createChatCompletion", "system_prompt"):
        "actions/test_chat_2026.py::test_system_prompt_and_user_message_around_messages",
    ("createChatCompletion", "user_message"):
        "actions/test_chat_2026.py::test_system_prompt_and_user_message_around_messages",
    ("createChatCompletion", "image_urls"):
        "actions/test_chat_2026.py::test_pictures_and_documents_join_the_last_user_message",
    ("createChatCompletion", "images"):
        "actions/test_chat_2026.py::test_pictures_and_documents_join_the_last_user_message",
    ("createChatCompletion", "image_file_ids"):
        "actions/test_chat_2026.py::test_pictures_and_documents_join_the_last_user_message",
    ("createChatCompletion", "document_file_ids"):
        "actions/test_chat_2026.py::test_pictures_and_documents_join_the_last_user_message",
    ("createChatCompletion", "prefix"):
        "actions/test_chat_2026.py::test_a_prefix_or_a_strict_tool_goes_to_beta",
    ("uploadFile", "fileData"): "actions/test_upload.py::test_upload_sends_purpose_expiry_then_the_file",
    ("uploadFile", "purpose"): "actions/test_upload.py::test_upload_sends_purpose_expiry_then_the_file",
    ("uploadFile", "expires_after"): "actions/test_upload.py::test_upload_sends_purpose_expiry_then_the_file",
    ("createFimCompletion", "include_usage"):
        "actions/test_fim.py::test_a_streamed_answer_is_the_same_text_completion",
    ("createFimCompletion", "simplify_output"):
        "actions/test_fim.py::test_simplify_output_gives_the_text_to_map",
    ("rawRequest", "url"): "actions/test_raw_request.py::test_paths_join_the_base_url_with_exactly_one_slash",
    ("rawRequest", "method"): "actions/test_raw_request.py::test_every_offered_method_is_sent",
    ("rawRequest", "data"): "actions/test_raw_request.py::test_bodies_are_sent_as_given",
    ("rawRequest", "formData"): "actions/test_raw_request.py::test_multipart_with_fields_and_several_files",
    ("rawRequest", "fileData"): "actions/test_raw_request.py::test_multipart_with_fields_and_several_files",
    ("rawRequest", "fileDataFileNames"):
        "actions/test_raw_request.py::test_multipart_with_fields_and_several_files",
    ("rawRequest", "queryParams"): "actions/test_raw_request.py::test_query_parameters_in_order_with_repeats",
    ("rawRequest", "headers"): "actions/test_raw_request.py::test_connection_authorization_always_wins",
    ("rawRequest", "responseType"): "actions/test_raw_request.py::test_response_types",
    ("connection", "apiKey"):
        "runtime/http/test_client.py::test_success_sends_the_bearer_key_and_user_agent_once",
    ("connection", "baseUrl"): "cli/test_cli.py::test_environment_variables_configure_the_connection",
    ("connection", "allowInsecureHttp"):
        "hostile/test_origin.py::test_plain_http_elsewhere_needs_the_explicit_allow_insecure_input",
}
# Call settings (wire: setting) and the tests that prove each is enforced.
SETTING_COVERAGE = {
    "timeout": "hostile/test_bounds.py::test_raw_request_timeout_is_a_deadline_not_a_per_read_limit",
    "maxRetries":
        "reliability/test_faults.py::test_persistent_faults_end_in_the_right_error_after_three_attempts",
    "retryDelayMS": "actions/test_raw_request.py::test_fixed_retry_delay_is_waited",
    "useExponentialBackoff":
        "actions/test_raw_request.py::test_exponential_backoff_is_never_zero_even_with_zero_delay",
    "retryAllErrors":
        "actions/test_raw_request.py::test_429_is_retried_and_other_4xx_need_retry_on_all_errors",
    "maxResponseMB": "hostile/test_bounds.py::test_every_action_has_the_size_limit",
    "debugRequest": "actions/test_raw_request.py::test_debug_request_logs_every_attempt_without_the_key",
}


def wired_inputs():
    for spec in CONNECTOR.manifest.all_actions:
        for field in spec.inputs:
            if field.wire is not None and field.wire.to in ("body", "query", "header"):
                yield pytest.param(spec.key, field.key, id=f"{spec.key}.{field.key}")


def sent_value(field, value):
    coerced = coerce_value(field, value)
    return {field.wire.wrap: coerced} if field.wire.wrap else coerced


@pytest.mark.parametrize("action, key", list(wired_inputs()))
def test_every_declared_input_reaches_the_wire_as_declared(recorder, action, key):
    spec = CONNECTOR.spec(action)
    field = spec.input(key)
    value = example_value(field)
    inputs = {**required_inputs(spec), **COMPANIONS.get(key, {}), key: value}
    # The recorder's canned answer may not suit the action; only what was sent matters here.
    with contextlib.suppress(ConnectorError):
        CONNECTOR.run(action, inputs, {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    [request] = recorder.received
    if field.wire.to == "body":
        assert json.loads(request["body"])[field.wire_name] == sent_value(field, value)
    elif field.wire.to == "query":
        assert f"{field.wire_name}=" in request["path"]
    else:
        assert request["headers"][field.wire_name] == str(value)


def test_every_managed_input_and_call_setting_names_a_test_that_exists():
    manifest = CONNECTOR.manifest
    owners = [(spec.key, spec) for spec in (*manifest.all_actions, manifest.connection.check)]
    owners.append(("connection", manifest.connection))
    for owner, spec in owners:
        for field in spec.inputs:
            if field.wire is None:
                continue
            if field.wire.to == "managed":
                named = MANAGED_COVERAGE.get((owner, field.key))
            elif field.wire.to == "setting":
                named = SETTING_COVERAGE.get(field.key)
            else:
                continue
            assert named, f"{owner}.{field.key} is {field.wire.to}: name the test that covers it here"
            path, _, name = named.partition("::")
            assert re.search(rf"^def {name}\(", (ROOT / path).read_text("utf-8"), re.M), named


def test_an_input_added_to_a_copy_of_the_manifest_is_sent_with_no_code_change(emulator):
    data = yaml.safe_load(resources.files("deepseek_connector").joinpath("connector.yaml").read_text("utf-8"))
    chat = next(action for action in data["actions"] if action["key"] == "createChatCompletion")
    chat["inputs"].append({"key": "seed", "label": "Seed", "type": "integer", "minimum": 0, "wire": "body",
                           "help": "Makes sampling repeatable."})
    connector = Connector(parse_manifest(yaml.safe_dump(data)), version=__version__)
    connector.run("createChatCompletion", {"model": "deepseek-flash", "messages": "hi", "seed": "42"},
                  {"apiKey": FAKE_KEY, "baseUrl": emulator.url})
    assert emulator.received("/chat/completions")[0].json()["seed"] == 42
    connector.close()


def test_a_path_input_is_escaped_and_dot_segments_are_refused(recorder):
    """With no pattern of its own to narrow it, a `wire: path` value still cannot change the path:
    '/', '?' and '#' are escaped, and '.' or '..' (which escaping leaves alone) are refused."""
    data = yaml.safe_load(resources.files("deepseek_connector").joinpath("connector.yaml").read_text("utf-8"))
    get_file = next(action for action in data["actions"] if action["key"] == "getFile")
    field = next(field for field in get_file["inputs"] if field["key"] == "file_id")
    field.pop("pattern")
    connector = Connector(parse_manifest(yaml.safe_dump(data)), version=__version__)
    connection = {"apiKey": FAKE_KEY, "baseUrl": f"{recorder.url}/v1"}
    try:
        with contextlib.suppress(ConnectorError):  # the recorder's answer is no file
            connector.run("getFile", {"file_id": "../a/b?c=1#d %"}, connection)
        for dots in (".", ".."):
            with pytest.raises(InputError, match=rf"{field['label']}.*must not be empty, '\.' or '\.\.'"):
                connector.run("getFile", {"file_id": dots}, connection)
    finally:
        connector.close()
    assert [request["path"] for request in recorder.received] == ["/v1/files/..%2Fa%2Fb%3Fc%3D1%23d%20%25"]
