"""The local DeepSeek emulator: a real HTTP/1.1 server on 127.0.0.1 for offline flows and tests.

Routes (also under /v1 and /beta): GET /models, GET /user/balance, POST /chat/completions,
POST /completions (FIM, as on /beta), and /echo and /status/N for trying Raw Request.
Control routes under /_emulator: faults (POST adds, DELETE clears), requests (GET lists what was
received, DELETE forgets). Access lines go to the `deepseek_connector.emulator` logger and never
include headers or bodies, so no key reaches a log.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from .chat import MODELS, ChatRequestError, Completion
from .faults import Fault

log = logging.getLogger("deepseek_connector.emulator")
PREFIXES = ("/v1", "/beta")
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "insufficient_balance",
               422: "invalid_request_error", 429: "rate_limit_error"}
ERROR_MESSAGES = {400: "Invalid request", 401: "Authentication Fails (no such user)",
                  402: "Insufficient Balance", 404: "Not Found", 422: "Invalid parameters",
                  429: "Rate Limit Reached", 500: "Internal Server Error",
                  502: "Bad Gateway", 503: "Server overloaded, please try again later",
                  504: "Gateway Timeout"}
BALANCE = {"is_available": True, "balance_infos": [
    {"currency": "USD", "total_balance": "110.00", "granted_balance": "10.00",
     "topped_up_balance": "100.00"}]}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def to_dict(self) -> dict[str, Any]:
        try:
            body: Any = self.json()
        except (ValueError, UnicodeDecodeError):
            body = self.body.decode("utf-8", "replace")
        return {"method": self.method, "path": self.path, "query": self.query,
                "headers": self.headers, "body": body}


def error_envelope(status: int, message: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message or ERROR_MESSAGES.get(status, "Error"),
                      "type": ERROR_TYPES.get(status, "api_error"), "param": param,
                      "code": "invalid_request_error" if status < 500 else "server_error"}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, emulator: Emulator):
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        # Clients that give up (timeouts, dropped streams) are normal here, not server faults.
        log.debug("connection from %s ended early", client_address[0], exc_info=True)


class Emulator:
    """Start with `start()` (background thread) or use as a context manager; `url` is its base URL."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, record_limit: int = 10_000):
        self._server = _Server((host, port), self)
        self.host, self.port = self._server.server_address[:2]
        self.requests: deque[RecordedRequest] = deque(maxlen=record_limit)
        self.faults: list[Fault] = []
        self.connections_opened = 0
        self.requests_total = 0  # every request ever received; `requests` keeps only the latest
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Emulator:
        # A short poll interval keeps stop() quick (it waits for one poll).
        self._thread = threading.Thread(target=self._server.serve_forever, name="deepseek-emulator",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_fault(self, fault: Fault | None = None, **settings: Any) -> Fault:
        fault = fault or Fault.from_mapping(settings)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def received(self, path_suffix: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            items = list(self.requests)
        return [r for r in items if path_suffix is None or r.path.endswith(path_suffix)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.emulator.lock:
            self.server.emulator.connections_opened += 1

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        line = format % args
        auth = self.headers.get("Authorization", "") if getattr(self, "headers", None) else ""
        token = auth.split(" ", 1)[1].strip() if " " in auth else ""
        if len(token) >= 4:  # a key the caller also put in the URL stays out of the log
            line = line.replace(token, "[REDACTED]").replace(quote(token, safe=""), "[REDACTED]")
        log.debug("%s %s", self.address_string(), line)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_OPTIONS(self) -> None:
        self._handle()

    # -- plumbing ----------------------------------------------------------------------------
    def _handle(self) -> None:
        emulator = self.server.emulator
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith("/_emulator/"):
            return self._control(path, body)
        route = path
        for prefix in PREFIXES:
            if route.startswith(prefix + "/"):
                route = route[len(prefix):]
        with emulator.lock:
            emulator.requests_total += 1
            emulator.requests.append(RecordedRequest(self.command, path, parse_qsl(parts.query, True),
                                                     dict(self.headers.items()), body))
        fault = emulator.take_fault(route)
        if self.headers.get("X-Emulator-Fault"):
            try:
                fault = Fault.from_header(self.headers["X-Emulator-Fault"])
            except ValueError as exc:
                return self._send_json(400, error_envelope(400, f"X-Emulator-Fault: {exc}"))
        fault = fault or Fault()
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000)
        if fault.drop == "reset":
            return self._reset()
        if fault.status is not None:
            return self._send_fault_status(fault)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return self._send_json(401, error_envelope(401, "Authentication Fails, no API key was given"))
        self._route(route, body, fault)

    def _route(self, route: str, body: bytes, fault: Fault) -> None:
        if route == "/models" and self.command == "GET":
            models = [{"id": m, "object": "model", "owned_by": "deepseek"} for m in MODELS]
            return self._send_json(200, {"object": "list", "data": models}, fault)
        if route == "/user/balance" and self.command == "GET":
            return self._send_json(200, BALANCE, fault)
        if route == "/chat/completions" and self.command == "POST":
            return self._chat(body, fault)
        if route == "/completions" and self.command == "POST":
            return self._fim(body, fault)
        if route == "/echo":
            return self._echo(body, fault)
        if route.startswith("/status/"):
            return self._send_raw(int(route.rsplit("/", 1)[1]), b"", "text/plain", fault)
        self._send_json(404, error_envelope(404, f"No route for {self.command} {route}"))

    def _chat(self, body: bytes, fault: Fault) -> None:
        try:
            request = json.loads(body)
        except ValueError:
            return self._send_json(400, error_envelope(400, "Failed to parse the request body as JSON"))
        try:
            completion = Completion(request)
        except ChatRequestError as exc:
            return self._send_json(exc.status, error_envelope(exc.status, exc.message, exc.param))
        if request.get("stream") is True:
            return self._send_stream(completion, fault)
        self._send_json(200, completion.as_body(), fault)

    def _fim(self, body: bytes, fault: Fault) -> None:
        """Beta FIM completion: fills the gap between prompt and suffix, deterministically."""
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("prompt"), str) \
                or request.get("model") not in MODELS:
            return self._send_json(400, error_envelope(400, "model and prompt are required", "prompt"))
        text = f"<filled between {len(request['prompt'])} and {len(request.get('suffix') or '')} characters>"
        tokens = len(request["prompt"].split())
        self._send_json(200, {"id": "emu-fim", "object": "text_completion", "created": int(time.time()),
                              "model": request["model"], "choices": [
                                  {"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
                              "usage": {"prompt_tokens": tokens, "completion_tokens": 5,
                                        "total_tokens": tokens + 5}}, fault)

    def _echo(self, body: bytes, fault: Fault) -> None:
        """Reflects the request, for trying Raw Request against every method."""
        if self.command == "HEAD":
            return self._send_raw(200, b"", "application/json", fault)
        payload = {"method": self.command, "path": self.path,
                   "content_type": self.headers.get("Content-Type"), "length": len(body)}
        self._send_json(200, payload, fault)

    def _control(self, path: str, body: bytes) -> None:
        emulator = self.server.emulator
        if path == "/_emulator/faults" and self.command == "POST":
            try:
                data = json.loads(body or b"{}")
                items = data if isinstance(data, list) else [data]
                added = [emulator.add_fault(Fault.from_mapping(item)) for item in items]
            except (ValueError, TypeError) as exc:
                return self._send_json(400, error_envelope(400, str(exc)))
            return self._send_json(200, {"queued": len(added)})
        if path in ("/_emulator/faults", "/_emulator/requests") and self.command == "DELETE":
            emulator.clear()
            return self._send_json(200, {"cleared": True})
        if path == "/_emulator/requests" and self.command == "GET":
            return self._send_json(200, {"requests": [r.to_dict() for r in emulator.received()]})
        self._send_json(404, error_envelope(404, "Unknown emulator control route"))

    # -- writing -----------------------------------------------------------------------------
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
        self.send_header("x-request-id", f"emu-req-{id(self):x}")
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

    def _send_stream(self, completion: Completion, fault: Fault) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        newline = b"\r\n" if fault.crlf else b"\n"
        events = self._stream_events(completion, fault, newline)
        try:
            for event in events:
                self._chunk(event)
        except (BrokenPipeError, ConnectionResetError):
            return
        if fault.drop == "before_done":
            return self._reset()
        self._chunk(b"data: [DONE]" + newline + newline)
        self._chunk(b"")

    def _stream_events(self, completion: Completion, fault: Fault, newline: bytes) -> Iterator[bytes]:
        chunks = list(completion.chunks(fault.usage))
        middle = len(chunks) // 2
        for position, chunk in enumerate(chunks):
            if fault.drop == "before_done" and position == middle + 1:
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

