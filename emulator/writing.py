"""How the emulator writes answers: JSON, raw bodies with keep-alive lines or drops, SSE streams.

A mixin for the request handler, kept apart from routing so each file reads on its own.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from .chat import Completion
from .faults import Fault
from .fim import FimCompletion


def trace_id() -> str:
    """A request id in DeepSeek's header (X-Ds-Trace-Id): 32 hex digits."""
    return uuid.uuid4().hex


ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "insufficient_balance",
               422: "invalid_request_error", 429: "rate_limit_error"}
ERROR_MESSAGES = {400: "Invalid request", 401: "Authentication Fails (no such user)",
                  402: "Insufficient Balance", 404: "Not Found", 422: "Invalid parameters",
                  429: "Rate Limit Reached", 500: "Internal Server Error",
                  502: "Bad Gateway", 503: "Server overloaded, please try again later",
                  504: "Gateway Timeout"}


def error_envelope(status: int, message: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message or ERROR_MESSAGES.get(status, "Error"),
                      "type": ERROR_TYPES.get(status, "api_error"), "param": param,
                      "code": "invalid_request_error" if status < 500 else "server_error"}}


class ResponseWriter(BaseHTTPRequestHandler):
    """The request handler's writing half: JSON, raw bodies with faults, SSE streams."""

    def _send_fault_status(self, fault: Fault) -> None:
        status = fault.status or 500
        if fault.body is not None:
            content = fault.body.encode()
            ctype = fault.content_type or "text/html"
        else:
            content = json.dumps(error_envelope(status)).encode()
            ctype = "application/json"
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        self._send_raw(status, content, ctype, Fault(gzip=fault.gzip), headers)

    def _send_json(self, status: int, payload: Any, fault: Fault | None = None) -> None:
        fault = fault or Fault()
        if fault.body is not None:
            ctype = fault.content_type or "application/json"
            return self._send_raw(status, fault.body.encode(), ctype, fault)
        self._send_raw(status, json.dumps(payload).encode(), "application/json", fault)

    def _send_raw(self, status: int, content: bytes, ctype: str, fault: Fault,
                  headers: dict[str, str] | None = None) -> None:
        if fault.gzip:
            content = gzip.compress(content)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("X-Ds-Trace-Id", trace_id())
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if fault.gzip:
            self.send_header("Content-Encoding", "gzip")
        if fault.keepalive or fault.drop in ("mid_body", "after_keepalive"):
            # Like DeepSeek while it queues work: headers now, blank lines, then the body.
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(fault.keepalive or 3):
                self._chunk(b"\n")
                if fault.keepalive_interval_ms:
                    time.sleep(fault.keepalive_interval_ms / 1000)
            if fault.drop == "after_keepalive":
                # DeepSeek giving up on a queued request: keep-alive lines, then a clean end.
                self._chunk(b"")
                self.close_connection = True
                return
            if fault.drop == "mid_body":
                self._chunk(content[: max(1, len(content) // 2)])
                return self._reset()
            self._chunk(content)
            self._chunk(b"")
            return
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def _send_stream(self, completion: Completion | FimCompletion, fault: Fault) -> None:
        if fault.body is not None:  # a raw body in place of the stream, as a broken proxy sends
            return self._send_raw(200, fault.body.encode(), fault.content_type or "text/event-stream", fault)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Ds-Trace-Id", trace_id())
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        newline = b"\r\n" if fault.crlf else b"\n"
        try:
            if fault.drop == "after_keepalive":
                # DeepSeek giving up on a queued request: keep-alive comments, then a clean end.
                for _ in range(fault.keepalive or 3):
                    self._chunk(b": keep-alive" + newline + newline)
                self._chunk(b"")
                self.close_connection = True
                return
            for event in self._stream_events(completion, fault, newline):
                self._chunk(event)
        except (BrokenPipeError, ConnectionResetError):
            return
        if fault.drop in ("before_done", "mid_body"):
            return self._reset()
        self._chunk(b"data: [DONE]" + newline + newline)
        self._chunk(b"")

    def _stream_events(self, completion: Completion | FimCompletion, fault: Fault,
                       newline: bytes) -> Iterator[bytes]:
        chunks = list(completion.chunks(fault.usage))
        middle = len(chunks) // 2
        for position, chunk in enumerate(chunks):
            if fault.drop == "before_done" and position == middle + 1 or fault.drop == "mid_body" \
                    and position == middle:
                return
            if position == middle:
                for _ in range(fault.keepalive):
                    yield b": keep-alive" + newline + newline
                if fault.stall_ms:
                    time.sleep(fault.stall_ms / 1000)
                if fault.stream_error:
                    error = error_envelope(500, "The stream was interrupted by a server error")
                    yield b"data: " + json.dumps(error).encode() + newline + newline
                    return
            yield b"data: " + json.dumps(chunk).encode() + newline + newline

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _reset(self) -> None:
        """Drop the connection abruptly (a TCP reset), as a failing proxy would."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
