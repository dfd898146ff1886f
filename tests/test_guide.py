"""Every command in docs/guide.md runs against the emulator and succeeds."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from deepseek_connector.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "guide.md").read_text("utf-8")


def guide_commands() -> list[str]:
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", GUIDE, re.S):
        commands.append(" ".join(line.rstrip("\\").strip() for line in block.strip().splitlines()))
    return commands


def test_the_guide_has_the_promised_examples():
    text = " ".join(guide_commands())
    for needed in ("response_format=json_object", "tool-call-step1.json", "tool-call-step2.json",
                   "--live", "url=/user/balance", "createFimCompletion", "simplify_output=true",
                   "json_schema=", "repair_attempts=1", "reasoning_effort=medium", "image_urls=",
                   "uploadFile", "prefix="):
        assert needed in text
    snippets = " ".join(guide_snippets())
    for needed in ('step["conversation"] + results', '"document_file_ids": [uploaded["id"]]'):
        assert needed in snippets


def guide_snippets() -> list[str]:
    return [snippet for snippet in re.findall(r"```python\n(.*?)```", GUIDE, re.S) if "Emulator()" in snippet]


# What each runnable snippet prints, told apart by a line of its own.
SNIPPET_PRINTS = {"get_weather": "The tool returned: {\"rain_mm\": 4}",
                  "report.pdf": "(with the document report.pdf (it begins: Revenue grew 12 percent))"}


@pytest.mark.parametrize("snippet", guide_snippets())
def test_guide_snippet_runs_as_written(snippet, tmp_path):
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    [expected] = [prints for marker, prints in SNIPPET_PRINTS.items() if marker in snippet]
    assert expected in done.stdout, done.stdout


def test_the_picture_and_prefix_examples(capsys, monkeypatch):
    described = run_guide("image_urls=", capsys, monkeypatch)
    assert described["choices"][0]["message"]["content"].endswith(
        "You said: What is in this picture? (with the image at https://upload.wikimedia.org/wikipedia/"
        "commons/4/47/PNG_transparency_demonstration_1.png)")
    continued = run_guide("prefix=", capsys, monkeypatch)
    assert continued["conversation"][-1]["content"] == "def add(a, b):" + continued["text"]


@pytest.mark.parametrize("command", guide_commands())
def test_guide_command_runs(command, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    assert args[0] == "deepseek-connector" and "--emulator" in args
    assert main(args[1:]) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert "data" in out


def test_tool_round_trip_in_the_guide_really_round_trips(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    main(["run", "createChatCompletion", "--emulator", "--inputs-file", "docs/examples/tool-call-step1.json"])
    first = json.loads(capsys.readouterr().out)["data"]["choices"][0]
    assert first["finish_reason"] == "tool_calls"
    step2 = json.loads((ROOT / "docs/examples/tool-call-step2.json").read_text())
    assistant = step2["messages"][1]
    assert assistant["tool_calls"] == first["message"]["tool_calls"]
    assert assistant["reasoning_content"] == first["message"]["reasoning_content"]
    main(["run", "createChatCompletion", "--emulator", "--inputs-file", "docs/examples/tool-call-step2.json"])
    second = json.loads(capsys.readouterr().out)["data"]["choices"][0]
    assert "rain_mm" in second["message"]["content"]


def run_guide(fragment: str, capsys, monkeypatch) -> dict:
    """Run the guide's command that contains `fragment`; its printed data."""
    monkeypatch.chdir(ROOT)
    [command] = [command for command in guide_commands() if fragment in command]
    assert main(shlex.split(command)[1:]) == 0
    return json.loads(capsys.readouterr().out)["data"]


def test_the_fim_example_fills_the_gap(capsys, monkeypatch):
    data = run_guide("createFimCompletion", capsys, monkeypatch)
    assert data["object"] == "text_completion"
    filled = "    # filled by the DeepSeek emulator: 14 characters before, 17 after"
    assert data["choices"][0]["text"] == filled


def test_the_simplify_example_gives_the_tool_call_arguments_as_an_object(capsys, monkeypatch):
    data = run_guide("Use get_weather", capsys, monkeypatch)
    [call] = data["tool_calls"]
    assert (call["name"], call["arguments"], call["arguments_valid"]) == (
        "get_weather", {"city": "example"}, True)


def test_the_schema_example_matches_on_the_first_attempt(capsys, monkeypatch):
    data = run_guide("json_schema=", capsys, monkeypatch)
    assert data["json"] == {"city": "example", "date": "example"}
    assert "repairs" not in data  # the schema was stated on the first attempt
