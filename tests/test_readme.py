"""The README's Python snippets run as written, and its set-up commands are the ones CI runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


# Snippets for a host (an Airflow DAG) run in that host's suite, tests/hosts/; the rest run here.
SNIPPETS = [snippet for snippet in re.findall(r"```python\n(.*?)```", README, re.S)
            if "deepseek_connector.hosts." not in snippet]


def test_there_is_a_snippet_to_run():
    assert SNIPPETS


# What each snippet prints, told apart by a line of its own.
PRINTS = {"stream.live()": ["Hello from the DeepSeek emulator", "\nok\n"], "X-Gateway-Key": ["[200]"]}


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_python_snippet_runs_as_written(snippet, tmp_path):
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    [expected] = [prints for marker, prints in PRINTS.items() if marker in snippet]
    assert all(text in done.stdout for text in expected), done.stdout


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    [test_command] = [line for line in re.findall(r"```bash\n(.*?)```", README, re.S) if "pytest" in line]
    assert test_command.strip().split(" && ")[-1] in ci
