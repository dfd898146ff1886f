"""Raw Request: exactly what the server receives, and the anchor's defects fixed."""

from __future__ import annotations

import base64
import json
import logging
import time
from email import message_from_bytes
from email.policy import HTTP

import pytest

from deepseek_connector.cli.main import main
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.errors import (
    InputError,
    InvalidRequestError,
    NotFoundError,
    RequestTimeoutError,
    ResponseError,
    ServerError,
)
from tests.conftest import FAKE_KEY

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def raw(connector, base_url, **inputs):
    inputs.setdefault("method", "GET")
    return connector.run_result("rawRequest", inputs, {"apiKey": FAKE_KEY, "baseUrl": base_url})


def multipart_parts(request: dict) -> list:
    head = f"Content-Type: {request['headers']['Content-Type']}\r\n\r\n".encode()
    message = message_from_bytes(head + request["body"], policy=HTTP)
    assert message.is_multipart()
    return [(part.get_param("name", header="content-disposition"), part.get_filename(),
             part.get_content_type() if part.get("Content-Type") else None,
             part.get_payload(decode=True)) for part in message.iter_parts()]


@pytest.mark.parametrize("base_suffix, url, path", [
    ("", "models", "/models"),
    ("", "/models", "/models"),
    ("/", "models", "/models"),
    ("/", "/models", "/models"),
    ("/beta", "completions", "/beta/completions"),
    ("/beta/", "/completions", "/beta/completions"),
    ("/v1", "/user/balance?x=1", "/v1/user/balance?x=1"),
])
def test_paths_join_the_base_url_with_exactly_one_slash(connector, recorder, base_suffix, url, path):
    raw(connector, recorder.url + base_suffix, url=url)
    assert recorder.received[0]["path"] == path


def test_absolute_url_on_the_base_origin_is_allowed(connector, recorder):
    raw(connector, recorder.url + "/beta", url=recorder.url + "/user/balance")
    assert recorder.received[0]["path"] == "/user/balance"
    assert recorder.received[0]["headers"]["Authorization"] == f"Bearer {FAKE_KEY}"


@pytest.mark.parametrize("foreign", ["http://127.0.0.2:{port}/steal", "https://127.0.0.1:{port}/x",
                                     "//evil.example/x", "http://evil.example/models",
                                     "ftp://127.0.0.1:{port}/x"])
def test_another_origin_is_refused_and_nothing_is_sent(connector, recorder, emulator, foreign):
    port = recorder.url.rsplit(":", 1)[1]
    with pytest.raises(InputError) as caught:
        raw(connector, recorder.url, url=foreign.format(port=port))
    assert "URL: points at another host" in str(caught.value)
    assert recorder.received == [] and emulator.received() == []


def test_a_different_port_is_a_different_origin(connector, recorder, emulator):
    with pytest.raises(InputError):
        raw(connector, recorder.url, url=emulator.url + "/models")
    assert emulator.received() == [] and recorder.received == []


@pytest.mark.parametrize("data, body, content_type", [
    ({"a": 1, "b": [True, None]}, b'{"a": 1, "b": [true, null]}', "application/json"),
    ([1, "x"], b'[1, "x"]', "application/json"),
    ('{"kept":   "as typed"}', b'{"kept":   "as typed"}', "application/json"),
    ("plain words ü", "plain words ü".encode(), "text/plain; charset=utf-8"),
    (b"\x00\x01binary", b"\x00\x01binary", "application/octet-stream"),
])
def test_bodies_are_sent_as_given(connector, recorder, data, body, content_type):
    raw(connector, recorder.url, url="/echo", method="POST", data=data)
    [received] = recorder.received
    assert received["body"] == body
    assert received["headers"]["Content-Type"] == content_type


def test_a_user_content_type_is_kept(connector, recorder):
    raw(connector, recorder.url, url="/x", method="PUT", data='{"a": 1}',
        headers=[{"key": "content-type", "value": "application/vnd.custom+json"}])
    assert recorder.received[0]["headers"]["content-type"] == "application/vnd.custom+json"
    assert "Content-Type" not in recorder.received[0]["headers"]


def test_multipart_with_fields_and_several_files(connector, recorder):
    raw(connector, recorder.url, url="/upload", method="POST",
        formData=[{"key": "purpose", "value": "batch"}, {"key": "count", "value": 2}],
        fileData=[{"key": "doc", "value": "hello text"},
                  {"key": "image", "value": {"data": base64.b64encode(PNG).decode(),
                                             "contentType": "image/png"}},
                  {"key": "blob", "value": b"\xff\x00raw"}],
        fileDataFileNames=[{"key": "doc", "value": "notes.txt"}, {"key": "image", "value": "pic.png"}])
    [received] = recorder.received
    assert received["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert multipart_parts(received) == [
        ("purpose", None, None, b"batch"),
        ("count", None, None, b"2"),
        ("doc", "notes.txt", "text/plain", b"hello text"),
        ("image", "pic.png", "image/png", PNG),
        ("blob", "blob", None, b"\xff\x00raw"),
    ]


def test_form_data_alone_is_still_multipart(connector, recorder):
    raw(connector, recorder.url, url="/f", method="POST", formData={"a": "1"},
        headers=[{"key": "Content-Type", "value": "text/plain"}])
    [received] = recorder.received
    assert received["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert multipart_parts(received) == [("a", None, None, b"1")]


@pytest.mark.parametrize("inputs, message", [
    ({"data": "x", "formData": {"a": "1"}}, "Data: cannot be combined with Form Data or File Data"),
    ({"fileData": {"f": "x"}, "fileDataFileNames": {"g": "g.txt"}},
     "File Data File Names: names a file for 'g', but File Data has no such key."),
    ({"fileData": {"f": {"data": "not base64!!"}}}, "File Data: file 'f' has data that is neither"),
    ({"fileData": {"f": 12}}, "File Data: file 'f' must be text, binary data"),
    ({"method": "BREW"},
     "Method: must be one of: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, LINK, UNLINK, PURGE"),
    ({"url": ""}, "URL: is required."),
    ({"timeout": "0"}, "Timeout (ms): must be a whole number from 1 to 3600000"),
    ({"maxRetries": "-1"}, "Max Retry Count: must be a whole number from 0 to 10"),
    ({"responseType": "xml"}, "Response Type: must be one of: JSON, Text, Binary"),
    ({"headers": [{"key": "X-A", "value": "1\r\nInjected: yes"}]},
     "Header: header 'X-A' has a value with line"),
    ({"headers": [{"key": "bad name", "value": "v"}]}, "Header: header name 'bad name' may only use"),
    ({"headers": [{"key": "Content-Length", "value": "5"}]}, "Header: header 'Content-Length' is set by"),
    ({"headers": [{"key": "host", "value": "evil.example"}]}, "Header: header 'host' is set by"),
    ({"headers": [{"key": "X-B", "value": "snow \u2603"}]}, "outside Latin-1"),
])
def test_input_errors_send_nothing(connector, recorder, inputs, message):
    with pytest.raises(InputError) as caught:
        raw(connector, recorder.url, **{"url": "/x", "method": "POST", **inputs})
    assert message in str(caught.value)
    assert recorder.received == []


def test_query_parameters_in_order_with_repeats(connector, recorder):
    raw(connector, recorder.url, url="/search?fixed=0",
        queryParams=[{"key": "tag", "value": "a"}, {"key": "q", "value": "x y&z"},
                     {"key": "tag", "value": "b"}, {"key": "n", "value": 3}])
    assert recorder.received[0]["path"] == "/search?fixed=0&tag=a&q=x+y%26z&tag=b&n=3"


def test_connection_authorization_always_wins(connector, recorder):
    raw(connector, recorder.url, url="/x", headers=[
        {"key": "authorization", "value": "Bearer sk-test-someone-else"},
        {"key": "X-Trace", "value": "1"}, {"key": "x-trace", "value": "2"}])
    headers = recorder.received[0]["headers"]
    assert headers["Authorization"] == f"Bearer {FAKE_KEY}"
    assert "sk-test-someone-else" not in json.dumps(headers)
    assert headers["x-trace"] == "2" and "X-Trace" not in headers


def test_response_types(connector, recorder):
    recorder.responder = lambda req: (200, {"Content-Type": "application/json"}, b'\n\n{"ok": true}')
    assert raw(connector, recorder.url, url="/a").data == {"ok": True}
    assert raw(connector, recorder.url, url="/a", responseType="text").data == '\n\n{"ok": true}'
    recorder.responder = lambda req: (200, {"Content-Type": "image/png"}, PNG)
    assert raw(connector, recorder.url, url="/a", responseType="binary").data == PNG
    result = raw(connector, recorder.url, url="/a", responseType="arraybuffer")
    assert result.data == PNG and result.status == 200 and result.headers["Content-Type"] == "image/png"


def test_binary_in_cli_output_is_base64_with_content_type(recorder, capsys):
    recorder.responder = lambda req: (200, {"Content-Type": "image/png"}, PNG)
    assert main(["run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY,
                 "-i", "url=/img", "-i", "method=GET", "-i", "responseType=binary"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"data": base64.b64encode(PNG).decode(), "encoding": "base64",
                       "contentType": "image/png"}


def test_a_non_json_body_under_json_is_an_error_naming_status_type_and_start(connector, recorder):
    recorder.responder = lambda req: (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>")
    with pytest.raises(ResponseError) as caught:
        raw(connector, recorder.url, url="/a")
    assert "HTTP 200 (text/html)" in str(caught.value) and "'<html>maintenance</html>'" in str(caught.value)


@pytest.mark.parametrize("method, status", [("GET", 204), ("HEAD", 200), ("DELETE", 204)])
def test_empty_bodies_are_null(connector, emulator, method, status):
    result = raw(connector, emulator.url, url=f"/status/{status}", method=method)
    assert result.data is None and result.status == status


def test_errors_are_not_retried_without_max_retries(connector, emulator):
    emulator.add_fault(status=503, times=3)
    with pytest.raises(ServerError):
        raw(connector, emulator.url, url="/echo", method="POST")
    assert len(emulator.received()) == 1


def test_post_5xx_is_retried_when_retries_are_on(connector, emulator):
    emulator.add_fault(status=502, times=2)
    result = raw(connector, emulator.url, url="/echo", method="POST", data={"a": 1}, maxRetries="2")
    assert result.data["method"] == "POST"
    assert [r.method for r in emulator.received()] == ["POST"] * 3
    assert all(r.body == b'{"a": 1}' for r in emulator.received())


def test_429_is_retried_and_other_4xx_need_retry_on_all_errors(connector, emulator):
    emulator.add_fault(status=429, times=1)
    assert raw(connector, emulator.url, url="/echo", maxRetries="3").status == 200
    assert len(emulator.received()) == 2
    emulator.clear()
    emulator.add_fault(status=404, times=1)
    with pytest.raises(NotFoundError):
        raw(connector, emulator.url, url="/echo", maxRetries="3")
    assert len(emulator.received()) == 1
    emulator.clear()
    emulator.add_fault(status=429, times=1)
    emulator.add_fault(status=400, times=1)
    result = raw(connector, emulator.url, url="/echo", maxRetries="3", retryAllErrors="true")
    assert result.status == 200 and len(emulator.received()) == 3
    emulator.clear()
    emulator.add_fault(status=400, times=5)
    with pytest.raises(InvalidRequestError) as caught:
        raw(connector, emulator.url, url="/echo", maxRetries="2", retryAllErrors="true")
    assert caught.value.attempts == 3


def gaps(emulator) -> list[float]:
    stamps = [r.received_at for r in emulator.received()]
    return [b - a for a, b in zip(stamps, stamps[1:], strict=False)]


def test_fixed_retry_delay_is_waited(connector, emulator):
    emulator.add_fault(status=500, times=2)
    raw(connector, emulator.url, url="/echo", maxRetries="2", retryDelayMS="250")
    assert all(0.23 <= gap < 1.5 for gap in gaps(emulator)), gaps(emulator)


def test_exponential_backoff_is_never_zero_even_with_zero_delay(connector, emulator, monkeypatch):
    monkeypatch.setattr(settings, "BACKOFF_INITIAL", 0.2)
    emulator.add_fault(status=500, times=2)
    raw(connector, emulator.url, url="/echo", maxRetries="2", retryDelayMS="0",
        useExponentialBackoff="true")
    first, second = gaps(emulator)
    assert 0.14 <= first < 1.2 and 0.29 <= second < 1.5, (first, second)


def test_retry_after_on_429_is_honoured(connector, emulator):
    emulator.add_fault(status=429, retry_after="0.5", times=1)
    raw(connector, emulator.url, url="/echo", maxRetries="1", retryAllErrors="true")
    [gap] = gaps(emulator)
    assert 0.45 <= gap < 2.0


def test_timeout_bounds_the_whole_call_retries_included(connector, emulator):
    emulator.add_fault(delay_ms=2000, times=2)
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        raw(connector, emulator.url, url="/echo", timeout="300", maxRetries="1")
    assert "Timeout of 0.3 s ran out" in str(caught.value)
    assert time.monotonic() - started < 1.0
    assert len(emulator.received()) == 1  # no time was left for the retry


def test_debug_request_logs_every_attempt_without_the_key(connector, emulator, caplog):
    caplog.set_level(logging.INFO, logger="deepseek_connector")
    emulator.add_fault(status=503, times=1)
    big = "x" * (settings.LOG_BODY_LIMIT + 500)
    raw(connector, emulator.url, url="/echo", method="POST", debugRequest="true", maxRetries="1",
        queryParams=[{"key": "key", "value": FAKE_KEY}, {"key": "page", "value": "2"}],
        headers=[{"key": "X-Api-Key", "value": FAKE_KEY}],
        data=json.dumps({"note": FAKE_KEY, "padding": big}))
    records = [r for r in caplog.records if r.levelno == logging.INFO]
    text = "\n".join(r.getMessage() for r in records)
    attempts = [r for r in records if r.getMessage().startswith("POST ")]
    assert len(attempts) == 2
    assert "status: 503" in attempts[0].getMessage() and "status: 200" in attempts[1].getMessage()
    assert "?key=%5BREDACTED%5D&page=2" in text or "?key=[REDACTED]&page=2" in text
    assert '"Authorization": "Bearer [REDACTED]"' in text and '"X-Api-Key": "[REDACTED]"' in text
    assert "truncated" in text
    assert "retrying in" in text
    assert FAKE_KEY not in text
    # ...while the server still received the user's values.
    assert emulator.received()[0].query[0] == ("key", FAKE_KEY)


def test_without_debug_request_nothing_is_logged_at_info(connector, emulator, caplog):
    caplog.set_level(logging.INFO, logger="deepseek_connector")
    raw(connector, emulator.url, url="/echo")
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


@pytest.mark.parametrize("method", ["PUT", "PATCH", "OPTIONS", "LINK", "UNLINK", "PURGE", "delete"])
def test_every_offered_method_is_sent(connector, emulator, method):
    result = raw(connector, emulator.url, url="/echo", method=method)
    assert result.data["method"] == method.upper()
    assert emulator.received()[0].method == method.upper()
