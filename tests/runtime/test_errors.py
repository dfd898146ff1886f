"""Each status maps to the error class that says what the user must do, with the API's words."""

from __future__ import annotations

import re

import pytest

from deepseek_connector.runtime.errors import (
    AuthenticationError,
    InsufficientBalanceError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    error_for_status,
)


@pytest.mark.parametrize("status, error, advice", [
    (400, InvalidRequestError, "Fix the inputs"),
    (401, AuthenticationError, "Check the API Key"),
    (402, InsufficientBalanceError, "Top up the DeepSeek account balance"),
    (403, PermissionDeniedError, "not allowed"),
    (404, NotFoundError, "Check the URL"),
    (422, InvalidRequestError, "Fix the inputs"),
    (429, RateLimitError, "wait a little"),
    (500, ServerError, "try again in a few minutes"),
    (502, ServerError, "try again"),
    (503, ServerError, "try again"),
    (504, ServerError, "try again"),
])
def test_emulated_statuses_raise_the_matching_error(connector, connection, emulator, fast_backoff,
                                                    status, error,
                                                    advice):
    emulator.add_fault(status=status, times=3)
    with pytest.raises(error) as caught:
        connector.run("listModels", {}, connection)
    raised = caught.value
    assert raised.status == status
    assert re.fullmatch(r"[0-9a-f]{32}", raised.request_id)  # the emulator's X-Ds-Trace-Id
    assert raised.api_message  # DeepSeek's own words from the error envelope
    assert raised.api_message in str(raised)
    assert advice in str(raised)


def test_html_from_a_proxy_is_summarised_not_dumped(connector, connection, emulator, fast_backoff):
    emulator.add_fault(status=502, body="<html><body><h1>502 Bad Gateway</h1></body></html>", times=3)
    with pytest.raises(ServerError) as caught:
        connector.run("listModels", {}, connection)
    assert "<html>" not in str(caught.value)
    assert "HTML page" in caught.value.api_message


def test_unlisted_statuses_fall_back_by_range():
    assert isinstance(error_for_status(418), InvalidRequestError)
    assert isinstance(error_for_status(599), ServerError)
    assert error_for_status(418).status == 418


def test_errors_serialise_for_hosts():
    error = error_for_status(402, api_message="Insufficient Balance", request_id="r-1")
    error.attempts = 1
    assert error.to_dict() == {"kind": "insufficient_balance", "message": str(error), "status": 402,
                               "api_message": "Insufficient Balance", "request_id": "r-1", "attempts": 1}


def test_the_request_id_is_deepseeks_trace_header(connector, recorder):
    body = b'{"error": {"message": "Model Not Exist"}}'
    headers = {"Content-Type": "application/json", "X-Ds-Trace-Id": "ds-7f3a"}
    recorder.responder = lambda req: (400, headers, body)
    with pytest.raises(InvalidRequestError) as caught:
        connector.run("listModels", {}, {"apiKey": "sk-test-trace", "baseUrl": recorder.url})
    assert caught.value.request_id == "ds-7f3a"
    assert "(request id ds-7f3a)" in str(caught.value)
