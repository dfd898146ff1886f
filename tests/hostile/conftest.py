"""Fixtures for the hostile-server suite: the server, a canary key, and leak checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.hostile.server import HostileServer
from tests.reliability.figures import count

# A fake key; its first 8 characters are the shortest fragment the suite calls a leak.
KEY = "sk-test-hostile-canary-7f3a9c2e51d0"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each hostile test counts as a checked case once its assertions ran; a failure is a broken promise."""
    report = yield
    if report.when == "call":
        count("hostile_cases")
        count("hostile_broken", int(report.failed))
    return report


@pytest.fixture
def hostile():
    server = HostileServer().start()
    yield server
    server.stop()


@pytest.fixture
def conn(hostile):
    return {"apiKey": KEY, "baseUrl": hostile.url}


def leaked(*texts: object) -> list[str]:
    """The texts holding any prefix of the key of 8 or more characters."""
    return [str(text)[:300] for text in texts if KEY[:8] in str(text)]


def error_texts(error) -> list[str]:
    return [str(error), repr(error), json.dumps(error.to_dict(), default=str)]


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DEEPSEEK_")}
    return subprocess.run([sys.executable, "-m", "deepseek_connector", *args], capture_output=True,
                          text=True, env={**clean, **(env or {})}, timeout=timeout)
