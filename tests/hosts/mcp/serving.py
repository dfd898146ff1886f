"""`deepseek-connector mcp` started as a user starts it, driven by the MCP SDK's own client over
a transport that records every message the server sends, with the server's stderr kept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.message import SessionMessage

KEY = "sk-test-mcp-canary-0123456789abcdef"
TRANSPORTS = ["stdio", "http"]
HIDDEN = "rawRequest"
CHAT = {"model": "deepseek-flash", "messages": "Hi"}
REPLY = "Hello from the DeepSeek emulator. You said: Hi"


def server_command(args: list[str]) -> list[str]:
    """`deepseek-connector [--debug] mcp ARGS` (--debug is the command line's, before `mcp`)."""
    debug = ["--debug"] if "--debug" in args else []
    return [sys.executable, "-m", "deepseek_connector", *debug, "mcp", *(a for a in args if a != "--debug")]
URL_LINE = re.compile(r"(http://\S+/mcp)")


@dataclass
class Record:
    """What one session saw: every message from the server (as JSON) and the server's stderr."""

    messages: list[str] = field(default_factory=list)
    stderr: str = ""

    def everything(self) -> str:
        return "\n".join([*self.messages, self.stderr])


class RecordingStream:
    """The transport's read stream, noting each message before the SDK's session reads it."""

    def __init__(self, inner: Any, record: Record):
        self.inner, self.record = inner, record

    def _note(self, item: Any) -> Any:
        text = item.message.model_dump_json(by_alias=True) if isinstance(item, SessionMessage) else repr(item)
        self.record.messages.append(text)
        return item

    async def receive(self) -> Any:
        return self._note(await self.inner.receive())

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __aiter__(self) -> RecordingStream:
        return self

    async def __anext__(self) -> Any:
        return self._note(await self.inner.__anext__())

    async def __aenter__(self) -> RecordingStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Recorded:
    """A transport whose read stream records (see RecordingStream)."""

    def __init__(self, inner: Any, record: Record):
        self.inner, self.record = inner, record

    async def __aenter__(self) -> Any:
        read, write = await self.inner.__aenter__()
        return RecordingStream(read, self.record), write

    async def __aexit__(self, *exc: Any) -> Any:
        return await self.inner.__aexit__(*exc)


def assert_no_key(record: Record) -> None:
    seen = record.everything()
    assert record.messages and KEY[:8] not in seen, "the key (or 8 characters of it) was sent or logged"


Body = Callable[[Client], Awaitable[None]]


def drive(kind: str, args: list[str], body: Body, *, mode: str = "legacy",
          env: dict[str, str] | None = None, command: list[str] | None = None) -> Record:
    """Start the server (stdio: as the client's child, by `command` if given; http: on a free
    port of 127.0.0.1), run `body` with a connected client, stop the server; return what was seen."""
    record = Record()
    with tempfile.TemporaryFile("w+") as errlog:
        if kind == "stdio":
            command = command or server_command(args)
            params = StdioServerParameters(command=command[0], args=command[1:], env=env)
            transport = Recorded(stdio_client(params, errlog=errlog), record)
            anyio.run(_session, transport, body, mode)
        else:
            with http_server(args, errlog, env) as (url, _):
                anyio.run(_session, Recorded(streamable_http_client(url), record), body, mode)
        errlog.seek(0)
        record.stderr = errlog.read()
    return record


async def _session(transport: Any, body: Body, mode: str) -> None:
    with anyio.fail_after(120):
        async with Client(transport, mode=mode) as client:
            await body(client)


@contextmanager
def http_server(args: list[str], errlog: Any, env: dict[str, str] | None = None,
                host: str = "127.0.0.1") -> Iterator[tuple[str, int]]:
    """`deepseek-connector mcp --http HOST:0 ARGS`; yields the URL it prints and its process id."""
    process = subprocess.Popen(server_command(["--http", f"{host}:0", *args]), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=errlog, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 60
        while True:
            errlog.seek(0)
            found = URL_LINE.search(errlog.read())
            if found:
                break
            assert process.poll() is None and time.monotonic() < deadline, errlog.read()
            time.sleep(0.05)
        yield found.group(1), process.pid
    finally:
        process.terminate()
        process.wait(10)
        errlog.seek(0, 2)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepseek_connector", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})
