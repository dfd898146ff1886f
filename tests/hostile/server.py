"""A deliberately misbehaving HTTP server on 127.0.0.1, written at the socket level.

Each route is a function that writes raw bytes, so framing is exactly what a hostile or broken
server would send: bodies that trickle, never end, or inflate; streams that never finish, hold
the connection after [DONE], or carry malformed chunks; bodies that echo the caller's key.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Route = Callable[["Exchange"], None]
ROUTES: dict[str, Route] = {}
STREAM_HEAD = {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}


def route(path: str) -> Callable[[Route], Route]:
    def register(handler: Route) -> Route:
        ROUTES[path] = handler
        return handler
    return register


@dataclass
class Exchange:
    """One request as received, and the socket to answer on."""

    sock: socket.socket
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    server: HostileServer

    @property
    def key(self) -> str:
        return self.headers.get("authorization", "").partition(" ")[2]

    def head(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def whole(self, body: bytes, status: int = 200, ctype: str = "application/json",
              extra: dict[str, str] | None = None) -> None:
        # One request per connection: saying so keeps a client from reusing a socket this closes.
        self.head(status, {"Content-Type": ctype, "Content-Length": str(len(body)), "Connection": "close",
                           **(extra or {})})
        self.sock.sendall(body)

    def chunk(self, data: bytes) -> None:
        self.sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def event(self, data: str | bytes) -> None:
        raw = data.encode() if isinstance(data, str) else data
        self.chunk(b"data: " + raw + b"\n\n")

    def alive(self) -> bool:
        return not self.server.stopping.is_set()


def chat_chunk(content: str = "tok ", **choice_extra) -> str:
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": None, **choice_extra}
    return json.dumps({"id": "h1", "object": "chat.completion.chunk", "created": 1,
                       "model": "deepseek-flash", "choices": [choice]})


# -- routes ---------------------------------------------------------------------------------------

@route("/hang")
def hang(ex: Exchange) -> None:
    """Accept the request and never answer."""
    while ex.alive():
        time.sleep(0.05)


@route("/trickle")
def trickle(ex: Exchange) -> None:
    """Headers at once, then one byte of a never-ending body every 0.2 s."""
    ex.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    while ex.alive():
        ex.chunk(b" ")
        time.sleep(0.2)


@route("/trickle-known-length")
def trickle_known_length(ex: Exchange) -> None:
    """A body whose length is stated (30 bytes), sent one byte every 0.5 s: each read returns
    well within any read timeout, so only a bound on the whole call ends it early."""
    ex.head(200, {"Content-Type": "application/json", "Content-Length": "30"})
    for _ in range(30):
        if not ex.alive():
            return
        ex.sock.sendall(b" ")
        time.sleep(0.5)


@route("/trickle-headers")
def trickle_headers(ex: Exchange) -> None:
    """A status line, then header bytes one at a time, forever."""
    ex.sock.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while ex.alive():
        ex.sock.sendall(b"a")
        time.sleep(0.2)


@route("/endless-stream")
def endless_stream(ex: Exchange) -> None:
    ex.head(200, STREAM_HEAD)
    while ex.alive():
        ex.event(chat_chunk())
        time.sleep(0.01)


@route("/endless-keepalive")
def endless_keepalive(ex: Exchange) -> None:
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("first "))
    while ex.alive():
        ex.chunk(b": keep-alive\n\n")
        time.sleep(0.05)


@route("/hold-after-done")
def hold_after_done(ex: Exchange) -> None:
    """A complete stream, then the connection held open without the chunked terminator."""
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("Hello"))
    ex.event(chat_chunk("", finish_reason="stop"))
    ex.event("[DONE]")
    while ex.alive():
        time.sleep(0.05)


@route("/trickle-after-done")
def trickle_after_done(ex: Exchange) -> None:
    """A complete stream, then a blank line every 0.1 s: each read is quicker than the drain's
    wait, so only a bound on the whole drain returns the result."""
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("Hello"))
    ex.event("[DONE]")
    while ex.alive():
        ex.chunk(b"\n")
        time.sleep(0.1)


@route("/big")
def big(ex: Exchange) -> None:
    """A body of ex.server.big_bytes bytes, sent as fast as the client reads."""
    size = ex.server.big_bytes
    ex.head(200, {"Content-Type": "application/json", "Content-Length": str(size)})
    block = b" " * (1 << 20)
    sent = 0
    while sent < size and ex.alive():
        piece = block[: min(len(block), size - sent)]
        ex.sock.sendall(piece)
        sent += len(piece)


@route("/lying-length")
def lying_length(ex: Exchange) -> None:
    """A small Content-Length beside Transfer-Encoding: chunked, then an endless chunked body."""
    ex.head(200, {"Content-Type": "application/json", "Content-Length": "2",
                  "Transfer-Encoding": "chunked"})
    while ex.alive():
        ex.chunk(b" " * 65536)


@route("/gzip-bomb")
def gzip_bomb(ex: Exchange) -> None:
    ex.whole(ex.server.bomb, extra={"Content-Encoding": "gzip"})


@route("/huge-event")
def huge_event(ex: Exchange) -> None:
    """One SSE line that never ends."""
    ex.head(200, STREAM_HEAD)
    ex.chunk(b"data: ")
    while ex.alive():
        ex.chunk(b"x" * 65536)


@route("/echo-key-json")
def echo_key_json(ex: Exchange) -> None:
    """JSON of the wrong shape that quotes the Authorization header."""
    ex.whole(json.dumps({"unexpected": f"Authorization: Bearer {ex.key}"}).encode())


@route("/echo-key-text")
def echo_key_text(ex: Exchange) -> None:
    """A body that is not JSON and quotes the key right where previews cut text."""
    pad = "p" * ex.server.pad
    ex.whole(f"{pad}{ex.key} is not allowed".encode(), ctype="text/plain")


@route("/echo-key-error")
def echo_key_error(ex: Exchange) -> None:
    pad = "p" * ex.server.pad
    ex.whole(f"{pad}{ex.key} failed".encode(), status=500, ctype="text/plain")


@route("/echo-key-stream")
def echo_key_stream(ex: Exchange) -> None:
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("Hi"))
    ex.event(f"not json {ex.key}")


@route("/malformed-stream")
def malformed_stream(ex: Exchange) -> None:
    ex.head(200, STREAM_HEAD)
    ex.event(chat_chunk("Good "))
    ex.event(ex.server.malformed)
    ex.event("[DONE]")
    ex.chunk(b"")


@route("/deep-json")
def deep_json(ex: Exchange) -> None:
    ex.whole(b"[" * 100_000 + b"]" * 100_000)


@route("/redirect")
def redirect(ex: Exchange) -> None:
    ex.whole(b"", status=302, extra={"Location": ex.server.redirect_to})


@route("/retry-after")
def retry_after(ex: Exchange) -> None:
    ex.whole(b'{"error": {"message": "slow down"}}', status=429,
             extra={"Retry-After": ex.server.retry_after})


@dataclass
class HostileServer:
    """Serve ROUTES on 127.0.0.1; tests tune the knobs below before a request."""

    big_bytes: int = 1 << 30
    bomb: bytes = b""
    pad: int = 0
    malformed: str | bytes = "{}"
    redirect_to: str = ""
    retry_after: str = "3600"
    fail: bool = False
    codec: str = "utf-8"
    status: int = 200
    stream_field: str = "content"
    count: int = 0
    spell: Any = None  # key -> the text a route echoes it as (tests/hostile/test_hidden_spellings.py)
    aliases: dict[str, str] = field(default_factory=dict)  # a path's last segment -> a route
    received: list[Exchange] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> HostileServer:
        hostile = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                exchange = read_request(self.request, hostile)
                if exchange is None:
                    return
                hostile.received.append(exchange)
                segment = tail(exchange.path)
                handler = ROUTES.get(hostile.aliases.get(segment, segment))
                try:
                    if handler is None:
                        exchange.whole(b'{"error": {"message": "no route"}}', status=404)
                    else:
                        handler(exchange)
                except OSError:
                    pass  # the client gave up: that is the point of most routes

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def tail(path: str) -> str:
    """The route is the last path segment, so /v1/x and /beta/x reach the same handler."""
    return "/" + path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def read_request(sock: socket.socket, server: HostileServer) -> Exchange | None:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            return None
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    while len(rest) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        rest += piece
    path, _, query = target.partition("?")
    return Exchange(sock, method, path, query, headers, rest, server)


def make_bomb(inflated: int) -> bytes:
    """gzip of `inflated` zero bytes (about 1 KiB per MiB)."""
    block = b"\0" * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    out = bytearray()
    for _ in range(inflated // len(block)):
        out += deflate.compress(block)
    out += deflate.flush()
    return bytes(out)
