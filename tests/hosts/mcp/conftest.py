"""The emulator the MCP suite's canary tests talk to, and the server settings that reach it."""

from __future__ import annotations

import pytest

from deepseek_connector.emulator import Emulator
from tests.hosts.mcp.serving import KEY


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as server:
        yield server


@pytest.fixture
def canary(emulator):
    """Server arguments and environment for the emulator started here, with the canary key (on
    the command line over HTTP, in the environment over stdio, as a desktop client passes it)."""
    emulator.clear()

    def arguments(kind: str, *extra: str) -> dict:
        if kind == "http":
            return {"args": ["--api-key", KEY, "--base-url", emulator.url, *extra]}
        return {"args": [*extra], "env": {"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": emulator.url}}

    return arguments
