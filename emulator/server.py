"""The local DeepSeek emulator: a real HTTP/1.1 server on 127.0.0.1 for offline flows and tests.

Routes (also under /v1 and /beta): GET /models, GET /user/balance, POST /chat/completions,
POST /completions (FIM, only under /beta as on DeepSeek), POST/GET /files and GET/DELETE
/files/{id}, and /echo and /status/N for trying Raw Request. A body over DeepSeek's 48 MiB (a
file upload: 101 MiB) is answered 413 as DeepSeek's front server does.
Control routes under /_emulator: faults (POST adds, DELETE clears), requests (GET lists what was
received, DELETE forgets). Access lines go to the `deepseek_connector.emulator` logger and never
include headers or bodies, so no key reaches a log.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from .chat import Completion
from .faults import Fault
from .file_routes import FileRoutes
from .files import BODY_LIMIT, FileStore, Part
from .fim import FimCompletion
from .messages import ChatRequestError
from .models import listing
from .writing import error_envelope

log = logging.getLogger("deepseek_connector.emulator")
PREFIXES = ("/v1", "/beta")
FIM_NEEDS_BETA = 'FIM completion is only available when using beta api (set base_url="https://api.deepseek.com/beta")'

MiB = 2**20
REQUEST_LIMIT = 48 * MiB
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
        self.host, self.port = str(self._server.server_address[0]), int(self._server.server_address[1])
        self.requests: deque[RecordedRequest] = deque(maxlen=record_limit)
        self.faults: list[Fault] = []
        self.connections_opened = 0
        self.requests_total = 0  # every request ever received; `requests` keeps only the latest
        self.files = FileStore()
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
            self.files = FileStore()

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


class _Handler(FileRoutes):
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

    do_LINK = do_UNLINK = do_PURGE = do_OPTIONS

    # -- plumbing ----------------------------------------------------------------------------
    def _handle(self) -> None:
        emulator = self.server.emulator
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        route, prefix = path, ""
        for known in PREFIXES:
            if route.startswith(known + "/"):
                route, prefix = route[len(known):], known
        upload = route == "/files" and self.command == "POST"
        if length > (BODY_LIMIT if upload else REQUEST_LIMIT):
            return self._too_large(length)
        self.upload_parts: list[Part] | ChatRequestError | None = None
        body = self._read_upload(length) if upload else self.rfile.read(length) if length else b""
        if path.startswith("/_emulator/"):
            return self._control(path, body)
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
        self._route(route, prefix, body, fault)

    def _route(self, route: str, prefix: str, body: bytes, fault: Fault) -> None:
        if route == "/models" and self.command == "GET":
            return self._send_json(200, listing(), fault)
        if route == "/user/balance" and self.command == "GET":
            return self._send_json(200, BALANCE, fault)
        if route == "/chat/completions" and self.command == "POST":
            return self._complete(body, fault, Completion, beta=prefix == "/beta")
        if route == "/completions" and self.command == "POST":
            if prefix != "/beta":  # as DeepSeek: FIM is a beta feature
                return self._send_json(400, error_envelope(400, FIM_NEEDS_BETA))
            return self._complete(body, fault, FimCompletion)
        if route == "/files" or route.startswith("/files/"):
            return self._files(route, fault)
        if route == "/echo":
            return self._echo(body, fault)
        if route.startswith("/status/"):
            code = route.rsplit("/", 1)[1]
            if not (code.isdigit() and 200 <= int(code) <= 599):
                message = f"/status/N needs N from 200 to 599, not {code!r}"
                return self._send_json(400, error_envelope(400, message))
            return self._send_raw(int(code), b"", "text/plain", fault)
        self._send_json(404, error_envelope(404, f"No route for {self.command} {route}"))

    def _complete(self, body: bytes, fault: Fault, kind: type[Completion] | type[FimCompletion],
                  beta: bool = False) -> None:
        """A chat completion, or a beta FIM one (filling the gap between prompt and suffix),
        answered whole or streamed, deterministically."""
        try:
            request = json.loads(body)
        except ValueError:
            return self._send_json(400, error_envelope(400, "Failed to parse the request body as JSON"))
        try:
            if kind is Completion:
                files = self.server.emulator.files.lookup(self._key())
                completion: Completion | FimCompletion = Completion(request, content=fault.content,
                                                                    beta=beta, files=files)
            else:
                completion = FimCompletion(request, content=fault.content)
        except ChatRequestError as exc:
            return self._send_json(exc.status, error_envelope(exc.status, exc.message, exc.param))
        if request.get("stream") is True:
            return self._send_stream(completion, fault)
        self._send_json(200, completion.as_body(), fault)

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
