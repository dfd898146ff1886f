"""A fake key fed in appears in no log record, error, repr or CLI output."""

from __future__ import annotations

import logging
import pickle

import pytest

from deepseek_connector.cli.main import main
from deepseek_connector.connections.api_key import ApiKeyConnection
from deepseek_connector.runtime.errors import ConnectorError
from deepseek_connector.runtime.redaction import REDACTED, Redactor, Secret
from tests.conftest import FAKE_KEY


def all_log_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def test_secret_hides_itself_everywhere():
    secret = Secret(FAKE_KEY)
    assert FAKE_KEY not in repr(secret) + str(secret) + f"{secret}" + f"{secret!s:>10}"
    assert secret.reveal() == FAKE_KEY
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_connection_repr_hides_the_key(connector, connection):
    conn = connector.connection(connection)
    assert FAKE_KEY not in repr(conn)
    assert FAKE_KEY not in repr(connector.executor(conn))
    assert isinstance(conn, ApiKeyConnection)


def test_debug_logs_of_success_failure_and_retry_hold_no_key(connector, connection, emulator, http_log,
                                                             fast_backoff):
    connector.run("listModels", {}, connection)
    emulator.add_fault(status=503, times=1)
    connector.run("listModels", {}, connection)
    emulator.add_fault(status=401, times=1)
    with pytest.raises(ConnectorError):
        connector.run("listModels", {}, connection)
    text = all_log_text(http_log)
    assert "GET " in text and "status: 503" in text and "status: 401" in text
    assert "Authorization" in text and "Bearer [REDACTED]" in text
    assert FAKE_KEY not in text


def test_a_key_echoed_back_by_a_server_is_redacted_in_errors_and_logs(connector, recorder, http_log):
    body = ('{"error": {"message": "bad key ' + FAKE_KEY + '"}}').encode()
    recorder.responder = lambda req: (401, {"Content-Type": "application/json"}, body)
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {}, {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    assert FAKE_KEY not in str(caught.value)
    assert REDACTED in str(caught.value)
    assert FAKE_KEY not in all_log_text(http_log)


def test_cli_output_and_errors_hold_no_key(emulator, capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="deepseek_connector")
    assert main(["--debug", "run", "listModels", "--api-key", FAKE_KEY,
                 "--base-url", emulator.url]) == 0
    emulator.add_fault(status=402, times=1)
    assert main(["run", "listModels", "--api-key", FAKE_KEY, "--base-url", emulator.url]) == 1
    assert main(["run", "listModels", "--api-key", FAKE_KEY, "--base-url", emulator.url,
                 "--input", "bogus=1"]) == 2
    captured = capsys.readouterr()
    assert "insufficient balance" in captured.err
    assert FAKE_KEY not in captured.out + captured.err + all_log_text(caplog)


def test_redactor_covers_encoded_forms_and_sensitive_headers():
    key = "sk-test key/with+odd=chars"
    redactor = Redactor([key])
    assert redactor.text(f"q=sk-test%20key%2Fwith%2Bodd%3Dchars and {key}") == f"q={REDACTED} and {REDACTED}"
    shown = redactor.headers({"Authorization": f"Bearer {key}", "X-Api-Key": key, "Accept": "x"})
    assert shown == {"Authorization": f"Bearer {REDACTED}", "X-Api-Key": REDACTED, "Accept": "x"}


def test_binary_and_long_bodies_are_summarised():
    redactor = Redactor([FAKE_KEY])
    assert redactor.body(b"\xff\xd8\xff", 100) == "<3 bytes of binary data>"
    long = ("x" * 50 + FAKE_KEY).encode()
    shown = redactor.body(long, 20)
    assert shown.startswith("x" * 20) and "truncated" in shown and FAKE_KEY not in shown


@pytest.mark.parametrize("cut", range(1, len(FAKE_KEY) + 1))
def test_a_key_cut_anywhere_shows_fewer_than_eight_of_its_characters(cut):
    redactor = Redactor([FAKE_KEY])
    for text in ("pad " + FAKE_KEY[:cut], "pad " + FAKE_KEY[:cut] + " more", FAKE_KEY[:cut]):
        shown = redactor.text(text)
        assert FAKE_KEY[:8] not in shown
        assert (REDACTED in shown) == (cut >= 8)


def test_cutting_happens_after_redaction():
    redactor = Redactor([FAKE_KEY])
    text = "x" * 10 + FAKE_KEY + "tail"
    for limit in range(len(text)):
        assert FAKE_KEY[:8] not in redactor.cut(text, limit)


def test_text_that_only_looks_like_a_short_prefix_is_kept():
    assert Redactor([FAKE_KEY]).text("the sk-test word") == "the sk-test word"


def test_a_key_anywhere_in_a_large_value_is_redacted():
    # A large value's JSON text is looked at in the pieces the encoder writes (on Python 3.11,
    # about 50,000 list items each): keys sit on either side of later joints, none in the first.
    items = ["filler"] * 240_000
    places = [*range(99_990, 100_010), *range(149_990, 150_010), 239_999]
    for place in places:
        items[place] = f"id {FAKE_KEY} end"
    shown = Redactor([FAKE_KEY]).value({"data": items})["data"]
    assert [shown[place] for place in places] == [f"id {REDACTED} end"] * len(places)
    assert shown[1] == "filler" and len(shown) == len(items)
