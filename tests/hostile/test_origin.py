"""The key goes only to the connection's origin, as the sending library parses the URL."""

from __future__ import annotations

import pytest

from deepseek_connector.runtime.errors import InputError
from tests.hostile.conftest import KEY, cli, leaked

TRICKS = ["{other}\\@{base_host}/x", "{other}\\\\@{base_host}/x", "{other}\t@{base_host}/x",
          "{other} @{base_host}/x", "{other}\n@{base_host}/x", "{other}%5C@{base_host}/x",
          "{other}/\\@{base_host}/x", "{other}\r\n@{base_host}/x"]


def urls(other: str, base: str) -> list[str]:
    host = base.split("://", 1)[1]
    return [trick.format(other=other, base_host=host) for trick in TRICKS]


@pytest.mark.parametrize("position", range(len(TRICKS)))
def test_raw_request_urls_that_parse_two_ways_are_refused(connector, recorder, emulator, position):
    url = urls(recorder.url, emulator.url)[position]
    with pytest.raises(InputError) as caught:
        connector.run("rawRequest", {"url": url, "method": "GET"},
                      {"apiKey": KEY, "baseUrl": emulator.url})
    assert "URL:" in str(caught.value)
    assert recorder.received == [] and emulator.received() == []


def test_cli_refuses_the_backslash_trick_and_sends_nothing(recorder, emulator):
    done = cli("run", "rawRequest", "-i", f"url={urls(recorder.url, emulator.url)[0]}", "-i", "method=GET",
               env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": emulator.url})
    assert done.returncode == 2, done.stderr
    assert "URL:" in done.stderr and not leaked(done.stdout, done.stderr)
    assert recorder.received == [] and emulator.received() == []


def test_the_executor_checks_the_url_as_it_will_be_sent(connector, recorder, emulator):
    """The last check sits in the executor: it reads the prepared URL, not the one given."""
    from deepseek_connector.runtime.http.client import HttpRequest

    conn = connector.connection({"apiKey": KEY, "baseUrl": emulator.url})
    executor = connector.executor(conn)
    for url in urls(recorder.url, emulator.url):
        with pytest.raises(InputError):
            executor.send(HttpRequest("GET", url))
    assert recorder.received == [] and emulator.received() == []


@pytest.mark.parametrize("base_url, message", [
    ("http://user:pa55word@127.0.0.1:{port}", "must not contain a user name or password"),
    ("http://127.0.0.1:{port}?region=eu", "must not have a query"),
    ("http://127.0.0.1:{port}#frag", "must not have a fragment"),
    ("http://127.0.0.1:{port}\\@evil.example", "must not contain"),
    ("http://api.deepseek.example", "must use https://"),
    ("ftp://127.0.0.1:{port}", "must be an http:// or https:// URL"),
])
def test_base_urls_that_could_misdirect_the_key_are_refused(connector, recorder, base_url, message):
    port = recorder.url.rsplit(":", 1)[1]
    with pytest.raises(InputError) as caught:
        connector.run("listModels", {}, {"apiKey": KEY, "baseUrl": base_url.format(port=port)})
    assert f"Base URL: {message}" in str(caught.value)
    assert "pa55word" not in str(caught.value) and not leaked(str(caught.value))
    assert recorder.received == []


def test_cli_never_prints_the_base_url_password(recorder):
    port = recorder.url.rsplit(":", 1)[1]
    done = cli("run", "listModels", "--base-url", f"http://user:pa55word@127.0.0.1:{port}",
               "--api-key", KEY)
    assert done.returncode == 2
    assert "pa55word" not in done.stdout + done.stderr
    assert recorder.received == []


def test_plain_http_elsewhere_needs_the_explicit_allow_insecure_input(connector):
    from deepseek_connector.runtime.errors import NetworkError

    base = "http://no-such-host.invalid"
    with pytest.raises(InputError, match="must use https://"):
        connector.run("listModels", {}, {"apiKey": KEY, "baseUrl": base})
    # With the box ticked the call is attempted (and fails only because the host does not exist).
    with pytest.raises(NetworkError):
        connector.run("listModels", {"maxRetries": 0},
                      {"apiKey": KEY, "baseUrl": base, "allowInsecureHttp": "true"})


@pytest.mark.parametrize("base", ["http://localhost:{port}", "http://127.0.0.1:{port}", "http://[::1]:{port}"])
def test_plain_http_on_loopback_is_allowed(connector, base):
    conn = connector.connection({"apiKey": KEY, "baseUrl": base.format(port=9)})
    assert conn.base_url.startswith("http://")


def test_a_redirect_to_another_origin_is_reported_never_followed(connector, hostile, recorder):
    hostile.redirect_to = recorder.url + "/models"
    result = connector.run_result("rawRequest", {"url": "/redirect", "method": "GET"},
                                  {"apiKey": KEY, "baseUrl": hostile.url})
    assert result.status == 302
    assert result.data == {"redirect": True, "status": 302, "location": recorder.url + "/models"}
    assert recorder.received == []
