"""Shared fixtures: a real emulator on 127.0.0.1, a fresh connector, and a recording server."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deepseek_connector import packaged_manifest
from deepseek_connector.emulator import Emulator
from deepseek_connector.runtime.connector import Connector

# Fake keys only; never a real one.
FAKE_KEY = "sk-test-5ecret-value-for-tests-only"


@pytest.fixture(scope="session")
def emulator_server():
    with Emulator() as server:
        yield server


@pytest.fixture
def emulator(emulator_server):
    emulator_server.clear()
    yield emulator_server
    emulator_server.clear()


@pytest.fixture
def connector():
    instance = Connector(packaged_manifest())
    yield instance
    instance.close()


@pytest.fixture
def connection(emulator):
    return {"apiKey": FAKE_KEY, "baseUrl": emulator.url}


@pytest.fixture
def http_log(caplog):
    """Capture every record of the connector's loggers, at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="deepseek_connector")
    return caplog


class Recorder:
    """A tiny HTTP server that records what it receives and answers from a script."""

    def __init__(self):
        self.received: list[dict] = []
        self.responder: Callable[[dict], tuple[int, dict, bytes]] = (
            lambda req: (200, {"Content-Type": "application/json"}, b'{"object":"list","data":[]}'))
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                entry = {"method": self.command, "path": self.path,
                         "headers": dict(self.headers.items()),
                         "body": self.rfile.read(length) if length else b""}
                recorder.received.append(entry)
                status, headers, body = recorder.responder(entry)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def json_bodies(self) -> list:
        return [json.loads(r["body"]) if r["body"] else None for r in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fast_backoff(monkeypatch):
    """Shrink backoff waits for tests that check outcomes, not the waits themselves."""
    from deepseek_connector.runtime import settings

    monkeypatch.setattr(settings, "BACKOFF_INITIAL", 0.01)
    monkeypatch.setattr(settings, "BACKOFF_MAX", 0.05)


def pytest_terminal_summary(terminalreporter):
    from tests.reliability import figures

    text = figures.table()
    if text:
        terminalreporter.write_sep("-", "reliability figures (from this run's own counts)")
        terminalreporter.write_line(text)
