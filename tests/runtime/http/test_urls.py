"""URLs Python's parser cannot read (bracketed hosts that are no IPv6 address, ports out of range,
hosts that change under NFKC): invalid input naming the input, never a raw ValueError, and never
repeating the URL, which may hold a password, through the Python API and the command line."""

from __future__ import annotations

import pytest

from deepseek_connector.runtime.errors import InputError
from deepseek_connector.runtime.http.urls import (
    UNPARSEABLE_TEXT,
    USERINFO_TEXT,
    UrlProblem,
    has_userinfo,
    is_absolute,
    origin_of,
    parse_base_url,
)
from tests.cli.test_cli import cli
from tests.conftest import FAKE_KEY

PASSWORD = "hunter2secret"
UNPARSEABLE = [
    "http://[x]/models",
    "//[::1",
    "http://[::1/models",
    f"https://gw.example]{PASSWORD}/",
    f"https://[{PASSWORD}]/models",
    "http://127.0.0.1:99999/models",
    f"http://{PASSWORD}\uff03.example/",  # becomes another host under NFKC
]
BRACKETED_PASSWORDS = [f"https://[admin:{PASSWORD}]@gw.example", f"https://[admin:{PASSWORD}@gw.example",
                       f"https://admin:[{PASSWORD}]@gw.example"]


@pytest.mark.parametrize("url", UNPARSEABLE)
def test_an_unparseable_url_is_a_url_problem_that_repeats_none_of_it(url):
    with pytest.raises(UrlProblem) as caught:
        origin_of(url)
    assert str(caught.value) == UNPARSEABLE_TEXT
    assert is_absolute(url)  # never joined to the Base URL as if it were a path


@pytest.mark.parametrize("url", UNPARSEABLE)
def test_an_unparseable_base_url_is_a_url_problem(url):
    with pytest.raises(UrlProblem) as caught:
        parse_base_url(url, allow_insecure=True)
    assert PASSWORD not in str(caught.value)
    assert "[" not in str(caught.value).replace("[::1]", "")


@pytest.mark.parametrize("url", BRACKETED_PASSWORDS)
def test_a_bracketed_password_in_the_base_url_is_named_for_what_it_is(url):
    with pytest.raises(UrlProblem) as caught:
        parse_base_url(url, allow_insecure=False)
    assert str(caught.value) == USERINFO_TEXT
    assert has_userinfo(url)  # also when Python cannot parse it: the check fails closed


@pytest.mark.parametrize("url", BRACKETED_PASSWORDS + UNPARSEABLE[3:])
def test_the_python_api_refuses_such_a_base_url_as_input_without_its_password(connector, url):
    with pytest.raises(InputError) as caught:
        connector.run("listModels", {}, {"apiKey": FAKE_KEY, "baseUrl": url})
    [problem] = caught.value.problems
    assert (problem.key, problem.label) == ("baseUrl", "Base URL")
    assert PASSWORD not in str(caught.value.to_dict())


@pytest.mark.parametrize("url", UNPARSEABLE)
def test_raw_request_refuses_an_unparseable_url_before_sending(connector, recorder, url):
    with pytest.raises(InputError) as caught:
        connector.run("rawRequest", {"method": "GET", "url": url},
                      {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    assert str(caught.value) == f"Invalid input. URL: {UNPARSEABLE_TEXT}"
    assert recorder.received == []


def test_the_command_line_exits_2_without_the_password_or_a_traceback(recorder):
    done = cli("run", "listModels", "--api-key", FAKE_KEY, "--base-url", BRACKETED_PASSWORDS[0])
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"Error: Invalid input. Base URL: {USERINFO_TEXT}\n"
    done = cli("run", "rawRequest", "-i", "url=http://[x]/models", "-i", "method=GET", "--api-key", FAKE_KEY,
               "--base-url", recorder.url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"Error: Invalid input. URL: {UNPARSEABLE_TEXT}\n"
    assert recorder.received == []
