"""Speaks the Dify plugin SDK's stdio protocol to a plugin started as `python -m main`.

The plugin prints its manifest, then log and heartbeat events; a request is one JSON line on
stdin, answered by session events of type stream (payloads), error (at most one) and end. Each
line is timed as it arrives, so a test can tell what came before the end.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Reply:
    """A request's answer: its stream payloads with the time each arrived, its error, its end."""

    chunks: list[Any] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic(), one per chunk
    error: dict[str, Any] | None = None
    ended: float = 0.0


class PluginProcess:
    def __init__(self, plugin_dir: Path, python: Path, start_timeout: float = 60):
        env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SSL_CERT_FILE") if key in os.environ}
        env.update({"INSTALL_METHOD": "local", "PYTHONUNBUFFERED": "1"})
        self.process = subprocess.Popen([str(python), "-m", "main"], cwd=plugin_dir, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_errors, daemon=True).start()
        self.manifest = self._next(start_timeout)[1]  # the first line: the plugin's manifest
        while self._next(start_timeout)[1].get("event") != "heartbeat":  # the first heartbeat: ready
            pass

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self.stdout.append(line)
                self.lines.put((time.monotonic(), json.loads(line)))

    def _pump_errors(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.stderr.append(raw.decode("utf-8", "replace"))

    def _next(self, timeout: float) -> tuple[float, dict[str, Any]]:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"the plugin said nothing; stderr: {''.join(self.stderr)[-2000:]}") from None

    def request(self, data: dict[str, Any], timeout: float = 60) -> tuple[list[Any], dict[str, Any] | None]:
        """Send one request; return its stream payloads and its error (or None)."""
        reply = self.exchange(data, timeout)
        return reply.chunks, reply.error

    def exchange(self, data: dict[str, Any], timeout: float = 60) -> Reply:
        """Send one request; its reply, timed."""
        session = uuid.uuid4().hex
        assert self.process.stdin is not None
        line = json.dumps({"session_id": session, "event": "request", "data": data}) + "\n"
        self.process.stdin.write(line.encode())
        self.process.stdin.flush()
        reply = Reply()
        ends_at = time.monotonic() + timeout
        while True:
            arrived, message = self._next(max(0.01, ends_at - time.monotonic()))
            if message.get("session_id") != session:
                if message.get("event") == "error":  # a request the plugin could not even read
                    reply.error, reply.ended = message.get("data"), arrived
                    return reply
                continue
            payload = message["data"]
            if payload["type"] == "stream":
                reply.chunks.append(payload["data"])
                reply.arrived.append(arrived)
            elif payload["type"] == "error":
                reply.error = payload["data"]
            elif payload["type"] == "end":
                reply.ended = arrived
                return reply

    def close(self) -> int:
        # The SDK keeps reading stdin after EOF; it ends on a signal.
        self.process.terminate()
        return self.process.wait(10)
