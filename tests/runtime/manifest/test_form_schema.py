"""Form schemas: valid 2020-12, and the runtime accepts exactly what they accept (typed values)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator

from deepseek_connector import load_connector
from deepseek_connector.runtime.errors import InputError
from deepseek_connector.runtime.manifest.form_schema import action_schema, connection_schema

CONNECTOR = load_connector()
MESSAGES = [{"role": "user", "content": "Hi"}]
CHAT = {"model": "deepseek-v4-flash", "messages": MESSAGES}
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


def schema_of(key: str) -> dict:
    return action_schema(CONNECTOR.manifest, CONNECTOR.spec(key))


@pytest.mark.parametrize("key", [*CONNECTOR.action_keys(), *CONNECTOR.data_source_keys()])
def test_every_form_schema_is_a_valid_2020_12_schema(key):
    schema = schema_of(key)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["x-lowcode-connection"] == "apiKey"
    assert schema["additionalProperties"] is False


def test_cli_schema_output_is_valid_json_schema():
    done = subprocess.run([sys.executable, "-m", "deepseek_connector", "schema", "createChatCompletion"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["model"]  # Messages or User Message: the action says which is missing


def test_chat_schema_details_a_form_renderer_needs():
    props = schema_of("createChatCompletion")["properties"]
    assert props["model"]["x-lowcode-dataSource"] == "selectModel"
    assert props["temperature"] == {
        "title": "Temperature", "description": props["temperature"]["description"], "type": "number",
        "minimum": 0, "maximum": 2}
    assert props["response_format"]["oneOf"] == [{"const": "text", "title": "Text"},
                                                 {"const": "json_object", "title": "JSON object"}]
    assert props["stop"] == {**props["stop"], "type": "array", "items": {"type": "string"}, "maxItems": 16}
    assert props["stream"] == {**props["stream"], "type": "boolean"} and "default" not in props["stream"]
    assert props["timeout"] == {**props["timeout"], "type": "number", "default": 600,
                                "x-lowcode-advanced": True}
    assert props["tools"]["maxItems"] == 128 and props["tools"]["x-lowcode-widget"] == "code"
    assert props["extra_body"]["x-lowcode-advanced"] is True
    assert "connection" not in props


def test_raw_request_keyvaluelists_are_arrays_of_key_value_objects():
    props = schema_of("rawRequest")["properties"]
    assert props["headers"]["items"]["required"] == ["key"]
    assert set(props["headers"]["items"]["properties"]) == {"key", "value"}
    assert props["responseType"]["default"] == "json"


def test_connection_schema_marks_the_key_write_only():
    schema = connection_schema(CONNECTOR.manifest)
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["apiKey"]["writeOnly"] is True
    assert "default" not in schema["properties"]["apiKey"]
    assert schema["properties"]["baseUrl"]["default"] == "https://api.deepseek.com"
    assert schema["required"] == ["apiKey"]


CASES = [
    ("createChatCompletion", CHAT, True),
    ("createChatCompletion", {**CHAT, "messages": "plain text"}, True),
    ("createChatCompletion", {**CHAT, "messages": {"role": "user", "content": "one"}}, True),
    ("createChatCompletion", {**CHAT, "messages": 5}, False),
    ("createChatCompletion", {"messages": MESSAGES}, False),
    ("createChatCompletion", {**CHAT, "temperature": 0}, True),
    ("createChatCompletion", {**CHAT, "temperature": 2}, True),
    ("createChatCompletion", {**CHAT, "temperature": 2.01}, False),
    ("createChatCompletion", {**CHAT, "temperature": -0.5}, False),
    ("createChatCompletion", {**CHAT, "top_p": 1}, True),
    ("createChatCompletion", {**CHAT, "top_p": 1.5}, False),
    ("createChatCompletion", {**CHAT, "max_tokens": 1}, True),
    ("createChatCompletion", {**CHAT, "max_tokens": 200000}, True),
    ("createChatCompletion", {**CHAT, "max_tokens": 0}, False),
    ("createChatCompletion", {**CHAT, "max_tokens": 1.5}, False),
    ("createChatCompletion", {**CHAT, "stop": ["a"] * 16}, True),
    ("createChatCompletion", {**CHAT, "stop": ["a"] * 17}, False),
    ("createChatCompletion", {**CHAT, "response_format": "json_object"}, True),
    ("createChatCompletion", {**CHAT, "response_format": "xml"}, False),
    ("createChatCompletion", {**CHAT, "stream": True}, True),
    ("createChatCompletion", {**CHAT, "tools": [TOOL]}, True),
    ("createChatCompletion", {**CHAT, "tools": TOOL}, False),
    ("createChatCompletion", {**CHAT, "tool_choice": {"type": "function"}}, True),
    ("createChatCompletion", {**CHAT, "tool_choice": [1]}, False),
    ("createChatCompletion", {**CHAT, "top_logprobs": 20}, True),
    ("createChatCompletion", {**CHAT, "top_logprobs": 21}, False),
    ("createChatCompletion", {**CHAT, "thinking": "enabled"}, True),
    ("createChatCompletion", {**CHAT, "thinking": "on"}, False),
    ("createChatCompletion", {**CHAT, "reasoning_effort": "max"}, True),
    ("createChatCompletion", {**CHAT, "user_id": "user_1-a"}, True),
    ("createChatCompletion", {**CHAT, "user_id": "user 1"}, False),
    ("createChatCompletion", {**CHAT, "user_id": "u" * 513}, False),
    ("createChatCompletion", {**CHAT, "extra_body": {"x": 1}}, True),
    ("createChatCompletion", {**CHAT, "extra_body": [1]}, False),
    ("createChatCompletion", {**CHAT, "colour": "blue"}, False),
    ("rawRequest", {"url": "/models", "method": "GET"}, True),
    ("rawRequest", {"url": "/models", "method": "BREW"}, False),
    ("rawRequest", {"url": "/models"}, False),
    ("rawRequest", {"url": "/x", "method": "POST", "data": {"a": 1}}, True),
    ("rawRequest", {"url": "/x", "method": "POST", "headers": [{"key": "A", "value": "b"}]}, True),
    ("rawRequest", {"url": "/x", "method": "POST", "headers": [{"value": "b"}]}, False),
    ("rawRequest", {"url": "/x", "method": "POST", "headers": [{"key": "", "value": "b"}]}, False),
    ("rawRequest", {"url": "/x", "method": "GET", "timeout": 1000}, True),
    ("rawRequest", {"url": "/x", "method": "GET", "timeout": 0}, False),
    ("rawRequest", {"url": "/x", "method": "GET", "maxRetries": 10}, True),
    ("rawRequest", {"url": "/x", "method": "GET", "maxRetries": 11}, False),
    ("rawRequest", {"url": "/x", "method": "GET", "responseType": "binary"}, True),
    ("rawRequest", {"url": "/x", "method": "GET", "debugRequest": True}, True),
    ("listModels", {}, True),
    ("listModels", {"model": "x"}, False),
]


@pytest.mark.parametrize("key, values, valid", CASES)
def test_runtime_accepts_exactly_what_the_schema_accepts(key, values, valid):
    schema_says = Draft202012Validator(schema_of(key)).is_valid(values)
    try:
        CONNECTOR.prepare(key, values, {"apiKey": "sk-test-schema", "baseUrl": "http://127.0.0.1:9"})
        runtime_says = True
    except InputError:
        runtime_says = False
    assert (schema_says, runtime_says) == (valid, valid)
