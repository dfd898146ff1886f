"""Input that would be sent wrongly (billed, or refused by the server) is refused before sending."""

from __future__ import annotations

import pytest

from deepseek_connector.runtime.errors import InputError
from tests.hostile.conftest import KEY, cli, leaked

CHAT = {"model": "deepseek-flash", "messages": "hi"}


def refused(connector, emulator, action: str, inputs: dict, message: str) -> None:
    with pytest.raises(InputError) as caught:
        connector.run(action, inputs, {"apiKey": KEY, "baseUrl": emulator.url})
    assert message in str(caught.value)
    assert emulator.received() == []


@pytest.mark.parametrize("messages", ["[{'role': 'user'}]", '{"role": "user", "content": "x"', "[1, 2",
                                      '  [{"role": "user", "content": "unclosed"}', "{broken"])
def test_messages_that_look_like_broken_json_are_refused(connector, emulator, messages):
    refused(connector, emulator, "createChatCompletion", {**CHAT, "messages": messages},
            "Messages: looks like JSON but is not valid JSON")


@pytest.mark.parametrize("model", ["", "   ", "\t"])
def test_blank_model_names_are_refused(connector, emulator, model):
    refused(connector, emulator, "createChatCompletion", {**CHAT, "model": model}, "Model: is required.")


def test_padded_model_names_are_trimmed(connector, emulator):
    connector.run("createChatCompletion", {**CHAT, "model": "  deepseek-flash \n"},
                  {"apiKey": KEY, "baseUrl": emulator.url})
    assert emulator.received()[0].json()["model"] == "deepseek-flash"


@pytest.mark.parametrize("value", [1e29, "1e29", 10**20, "99999999999999999999", 2**53])
def test_absurd_integers_are_refused(connector, emulator, value):
    refused(connector, emulator, "createChatCompletion", {**CHAT, "max_tokens": value}, "Max Tokens: must be")


@pytest.mark.parametrize("url", ["", "   ", "\n"])
def test_a_blank_raw_request_url_is_refused(connector, emulator, url):
    refused(connector, emulator, "rawRequest", {"url": url, "method": "GET"}, "URL: is required.")


def test_query_parameters_that_overflow_the_url_limit(connector, emulator):
    refused(connector, emulator, "rawRequest",
            {"url": "/echo", "method": "GET", "queryParams": [{"key": "q", "value": "v" * 9000}]},
            "Query Parameter: make the URL longer than 8192 characters")


def test_a_header_value_over_the_header_limit(connector, emulator):
    refused(connector, emulator, "rawRequest",
            {"url": "/echo", "method": "GET", "headers": [{"key": "X-Big", "value": "v" * 9000}]},
            "Header: header 'X-Big' is longer than 8192 characters")


@pytest.mark.parametrize("value", [None, True, 12.5, [1, 2], {"name": "x"}, {"data": None}, {"data": 5}])
def test_file_data_that_is_not_content(connector, emulator, value):
    refused(connector, emulator, "rawRequest",
            {"url": "/echo", "method": "POST", "fileData": [{"key": "f", "value": value}]},
            "File Data: file 'f'")


def test_a_connection_inside_the_inputs_is_an_error(connector, emulator):
    refused(connector, emulator, "listModels", {"connection": {"apiKey": KEY}},
            "Connection: is given as an input")


@pytest.mark.parametrize("connection", [KEY, 42, ["a"]])
def test_a_connection_that_is_not_an_object_is_an_error(connector, emulator, connection):
    with pytest.raises(InputError) as caught:
        connector.run("listModels", {}, connection)
    assert "Connection: must be an object with the connection's values" in str(caught.value)
    assert not leaked(str(caught.value), repr(caught.value))
    assert emulator.received() == []


def test_a_connection_carrying_host_metadata_is_accepted(connector, emulator):
    result = connector.run("listModels", {}, {"apiKey": KEY, "baseUrl": emulator.url,
                                              "label": "Team key", "id": 7, "type": "apiKey"})
    assert result["data"]["object"] == "list"


def test_a_connection_key_in_the_wrong_case_is_named(connector, emulator):
    with pytest.raises(InputError, match="'apikey' is not a connection value; did you mean 'apiKey'"):
        connector.run("listModels", {}, {"apikey": KEY, "baseUrl": emulator.url})


def test_cli_refuses_a_connection_input(emulator):
    done = cli("run", "listModels", "-i", "connection=x",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": emulator.url})
    assert done.returncode == 2 and "Connection:" in done.stderr
    assert emulator.received() == []
