"""The key spelled with things a person does not see between its characters, where the
connector decodes, quotes and streams what a server sent: escape sequences a terminal swallows
(also as JSON and repr() write them), invisible characters after the first eight, an escape cut
in two by a stream's pieces; and texts made to keep a pattern searching for ever. What a person
sees must show no eight characters of the key in a row, its head or its tail."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.hostile.conftest import KEY, error_texts
from tests.hostile.server import STREAM_HEAD, Exchange, route
from tests.hostile.test_spelled_keys import delta_chunk

# What shows nothing, as a person reads the text: terminal sequences (raw or escaped as JSON and
# repr() write them), one character's escapes, invisible characters.
_ESC = r"(?:\x1b|\\u001b|\\x1b)"
_UNSEEN = re.compile(rf"{_ESC}\[[0-?]*[ -/]*[@-~]|{_ESC}\][^\x07\x1b\\]*(?:\x07|\\u0007|\\x07)?"
                     r"|\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})|[\x00-\x1f\x7f\u200b-\u200f\u2060\ufeff]")


def shows_key(*texts: object) -> list[str]:
    """The texts in which a person would read eight characters of the key in a row."""
    windows = {KEY[i:i + 8] for i in range(len(KEY) - 7)}
    seen = [_UNSEEN.sub("", str(text)) for text in texts]
    return [text[:300] for text in seen if any(window in text for window in windows)]


SPELLINGS = {
    "CSI after the tenth character": lambda key: key[:10] + "\x1b[0m" + key[10:],
    "OSC title after the ninth": lambda key: key[:9] + "\x1b]0;x\x07" + key[9:],
    "CSI inside the first eight": lambda key: key[:3] + "\x1b[31m" + key[3:],
    "zero-width space after the eleventh": lambda key: key[:11] + "\u200b" + key[11:],
    "NUL after every character": lambda key: "".join(ch + "\0" for ch in key),
    "without its first three characters": lambda key: "****" + key[3:],
    "character set selections between": lambda key: "\x1b(B".join(key),
    "cursor saves between": lambda key: "\x1b7".join(key),
    "DCS strings between": lambda key: "\x1bP0;1|x\x1b\\".join(key),
    "OSC with backslashes between": lambda key: "\x1b]0;a\\b\x07".join(key),
    "8-bit CSI between": lambda key: "\x9b0m".join(key),
}


@route("/spelled-json")
def spelled_json(ex: Exchange) -> None:
    echoed = ex.server.spell(ex.key)
    models = {"object": "list", "data": [{"id": echoed, "object": "model", "owned_by": "x"}]}
    ex.whole(json.dumps(models).encode())


@route("/spelled-error")
def spelled_error(ex: Exchange) -> None:
    message = f"Authentication Fails, Your api key: {ex.server.spell(ex.key)} is invalid"
    ex.whole(json.dumps({"error": {"message": message, "type": "authentication_error"}}).encode(), status=400)


@route("/spelled-pieces")
def spelled_pieces(ex: Exchange) -> None:
    """The text ex.server.spell gives, one event per piece it returns (a list)."""
    ex.head(200, STREAM_HEAD)
    for piece in ex.server.spell(ex.key):
        ex.event(delta_chunk("content", piece))
    ex.event("[DONE]")
    ex.chunk(b"")


@pytest.mark.parametrize("name", SPELLINGS)
def test_a_spelled_key_in_an_answer_and_in_an_error(connector, hostile, conn, name):
    hostile.spell = SPELLINGS[name]
    hostile.aliases["/models"] = "/spelled-json"
    answer = connector.run("listModels", {}, conn)
    assert answer["data"]["data"][0]["id"].rstrip("\0").endswith("[REDACTED]")
    hostile.aliases["/models"] = "/spelled-error"
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {"maxRetries": 0}, conn)
    assert re.search(r"Your api key: \W*\[REDACTED\] is invalid", str(caught.value).replace("\0", ""))
    assert not shows_key(json.dumps(answer), *error_texts(caught.value))


def test_a_stream_event_that_carries_the_rest_of_a_key_shows_none_of_it(connector, hostile, conn):
    hostile.spell = lambda key: ["Your key: " + key[:5], key[5:] + " (echoed)"]
    hostile.aliases["/completions"] = "/spelled-pieces"
    inputs = {"model": "deepseek-flash", "messages": "hi", "stream": True}
    with connector.stream("createChatCompletion", inputs, conn) as stream:
        events = list(stream)
    assert not shows_key(*(json.dumps(event) for event in events))
    assert stream.result["choices"][0]["message"]["content"] == "Your key: [REDACTED] (echoed)"


def test_latex_in_the_live_text_is_not_held_back(connector, hostile, conn):
    """A backslash and a bracket (LaTeX's \\]) after an s is not the beginning of an escape."""
    answer = "The area is \\[ A = \\pi r^2 \\] for all radii s \\]\nso it grows. " + "More prose. " * 60
    hostile.spell = lambda key: [answer[i:i + 4] for i in range(0, len(answer), 4)]
    hostile.aliases["/completions"] = "/spelled-pieces"
    inputs = {"model": "deepseek-flash", "messages": "hi", "stream": True}
    with connector.stream("createChatCompletion", inputs, conn) as stream:
        pieces = [text for _, text in stream.live()]
    assert "".join(pieces) == answer
    assert sum(len(piece) for piece in pieces[:-1]) > len(answer) - 20  # it came as it arrived


CUTS = {
    "nothing but the cut": lambda key: ["Your key: " + key[:12], key[12:] + " (echoed)"],
    "a backslash escape": lambda key: ["Your key: " + key[:7] + "\\", "u200b" + key[7:] + " (echoed)"],
    "a CSI": lambda key: ["Your key: " + key[:9] + "\x1b[", "0m" + key[9:] + " (echoed)"],
    "an escaped ESC": lambda key: ["Your key: " + key[:4] + "\\u00", "1b[0m" + key[4:] + " (echoed)"],
}


@pytest.mark.parametrize("name", CUTS)
def test_a_key_cut_by_the_pieces_of_a_stream_is_held_back_in_the_live_text(connector, hostile, conn, name):
    hostile.spell = CUTS[name]
    hostile.aliases["/completions"] = "/spelled-pieces"
    inputs = {"model": "deepseek-flash", "messages": "hi", "stream": True}
    with connector.stream("createChatCompletion", inputs, conn) as stream:
        pieces = [answer for _, answer in stream.live()]
    assert "".join(pieces) == "Your key: [REDACTED] (echoed)"
    assert stream.result["choices"][0]["message"]["content"] == "Your key: [REDACTED] (echoed)"
    assert pieces[0].startswith("Your key: ")  # what could not start the key was not held back
    assert not shows_key(*pieces)


ENDLESS = {  # texts that once kept the pattern searching for seconds to centuries
    "OSC bodies of NULs": "{k:.1}" + "\x1b]\x00\x00\x00\x00" * 40 + "X",
    "escaped OSC bodies": "{k:.2}" + "\\u001b]\\x00\\x00" * 40 + "X",
    "spaces in a spaced secret": "p" + " " * 20000 + "x",
    "OSC introducers after each s": "s\x1b]" * 40000 + "\\zz",
    "escaped OSC introducers after each s": "s\\u001b]" * 40000,
}


@pytest.mark.parametrize("name", ENDLESS)
def test_no_text_keeps_redaction_searching(name, tmp_path):
    """In a process of its own: a pattern that backtracks holds the interpreter, so no deadline
    of the call could end it; this one must finish, whatever the text."""
    path = tmp_path / "text.txt"
    path.write_text(ENDLESS[name].replace("{k:.1}", KEY[:1]).replace("{k:.2}", KEY[:2]), "utf-8")
    script = ("import pathlib, sys; from deepseek_connector.runtime.redaction import Redactor\n"
              "r = Redactor([sys.argv[1], 'pass word with ä spaces'])\n"
              "text = pathlib.Path(sys.argv[2]).read_text('utf-8')\n"
              "r.text(text); r.value({'a': [text]}); r.undecided(text); print('done')\n")
    done = subprocess.run([sys.executable, "-c", script, KEY, str(path)], capture_output=True, text=True,
                          timeout=30)
    assert done.stdout.strip() == "done", done.stderr
