"""The canned server: an HTTP/1.1 keep-alive server with DeepSeek-shaped answers.

It runs in its own process (so it never competes with a client for the GIL) and answers from
bodies built once and cached, so what the benchmark sees is the client's cost. Routes, under
an optional prefix /k/<kind>/n/<chunks>/f/<chunked|fixed> that picks the stream (the
connector sends custom headers only through Raw Request, but carries any Base URL):

    POST .../chat/completions   JSON answer, or with "stream": true the prefix's stream
    GET  .../models             the model list
    POST .../files              any body (Content-Length or chunked), read and thrown away
    GET  .../big-json/<MiB>     a JSON list of about that many MiB
    GET  .../blob/<MiB>         that many MiB of application/octet-stream
    GET  .../_prepare           build the prefix's stream now (so no timed call pays for it)
    GET  /_stats                connections that sent a request (other than /_stats), requests

Usage: python bench/server.py PORT   (prints "ready PORT" once listening)
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from streams import PIECE, body

COMPLETION = json.dumps({
    "id": "bench", "object": "chat.completion", "created": 1, "model": "deepseek-flash",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help you?"},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 7, "completion_tokens": 8, "total_tokens": 15},
    "system_fingerprint": "fp_bench"}).encode()
MODELS = json.dumps({"object": "list", "data": [
    {"id": "deepseek-flash", "object": "model", "owned_by": "deepseek"},
    {"id": "deepseek-v4-pro", "object": "model", "owned_by": "deepseek"}]}).encode()
ROUTE = re.compile(r"^(?:/k/(?P<kind>[\w-]+)/n/(?P<n>\d+)/f/(?P<framing>chunked|fixed))?(?P<rest>/[^?]*)")
MIB = 2**20
BLOCK = bytes(range(256)) * 4096  # 1 MiB of the blob, written again and again

stats = {"connections": 0, "requests": 0, "uploaded": 0}


@lru_cache(maxsize=32)  # every stream of a run (about 250 MB in all), so none is rebuilt mid-figure
def stream_body(kind: str, n: int, framing: str) -> bytes:
    return body(kind, n, framing)


@lru_cache(maxsize=2)
def big_json(mib: int) -> bytes:
    record = {"id": 0, "text": "tok " * 16, "score": 0.5, "tags": ["a", "b"]}
    count = mib * MIB // (len(json.dumps(record)) + 2)
    return json.dumps([{**record, "id": i} for i in range(count)]).encode()


def head(ctype: str, length: int | None) -> bytes:
    framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    return f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n{framing}\r\n\r\n".encode()


async def send(writer: asyncio.StreamWriter, data: bytes | memoryview) -> None:
    """Write in 16 KiB pieces, as a server flushing as it goes does, waiting for the socket."""
    view = memoryview(data)
    for start in range(0, len(view), PIECE):
        writer.write(view[start:start + PIECE])
        await writer.drain()


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str], keep: bool) -> tuple[bytes, int]:
    """The request body (kept only when `keep`; uploads are counted and thrown away)."""
    kept: list[bytes] = []
    count = 0

    async def take(size: int) -> None:
        nonlocal count
        while size > 0:
            piece = await reader.read(min(size, 256 * 1024))
            if not piece:
                raise asyncio.IncompleteReadError(b"", size)
            size -= len(piece)
            count += len(piece)
            if keep:
                kept.append(piece)

    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            await take(size)
            await reader.readexactly(2)  # the CRLF after each chunk
    else:
        await take(int(headers.get("content-length", "0")))
    return b"".join(kept), count


async def answer(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, method: str, target: str,
                 headers: dict[str, str]) -> None:
    match = ROUTE.match(target)
    path = match["rest"] if match else target
    kind, n, framing = (match["kind"], int(match["n"]), match["framing"]) if match and match["kind"] \
        else ("plain", 20, "chunked")
    is_upload = path.endswith("/files")
    payload, received = await read_body(reader, headers, keep=not is_upload)
    if is_upload:
        stats["uploaded"] += received
        # A file object as DeepSeek's Files API answers, with what arrived (framing included).
        reply = json.dumps({"id": "file-api-bench", "object": "file", "received": received}).encode()
        await send(writer, head("application/json", len(reply)) + reply)
    elif path == "/_stats":
        reply = json.dumps(stats).encode()
        await send(writer, head("application/json", len(reply)) + reply)
    elif path.endswith("/_prepare"):
        reply = json.dumps({"bytes": len(stream_body(kind, n, framing))}).encode()
        await send(writer, head("application/json", len(reply)) + reply)
    elif path.endswith("/models"):
        await send(writer, head("application/json", len(MODELS)) + MODELS)
    elif path.endswith("/chat/completions") and json.loads(payload or b"{}").get("stream") is True:
        data = stream_body(kind, n, framing)
        ctype = "text/event-stream; charset=utf-8"
        await send(writer, head(ctype, None if framing == "chunked" else len(data)))
        await send(writer, data)
    elif path.endswith("/chat/completions"):
        await send(writer, head("application/json", len(COMPLETION)) + COMPLETION)
    elif "/big-json/" in path:
        data = big_json(int(path.rsplit("/", 1)[1]))
        await send(writer, head("application/json", len(data)) + data)
    elif "/blob/" in path:
        mib = int(path.rsplit("/", 1)[1])
        await send(writer, head("application/octet-stream", mib * MIB))
        for _ in range(mib):
            await send(writer, BLOCK)
    else:
        reply = b'{"error": {"message": "no such route", "type": "invalid_request_error"}}'
        writer.write(f"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(reply)}\r\n\r\n".encode() + reply)
        await writer.drain()


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    counted = False
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            method, target, _ = line.decode("latin-1").split(" ", 2)
            headers = {}
            while True:
                header = await reader.readline()
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if not counted and "/_" not in target:
                # Only clients' connections count, not the harness's own (/_stats, /_prepare).
                stats["connections"] += 1
                counted = True
            stats["requests"] += 1
            await answer(writer, reader, method, target, headers)
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        return
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(serve_connection, "127.0.0.1", port, backlog=512)
    print(f"ready {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


class CannedServer:
    """Starts the server in its own process; `url` is its root, `stats()` its counters."""

    def __init__(self) -> None:
        # Port 0: the server picks a free port and says which, so no other process can take it
        # between choosing and binding.
        self.process = subprocess.Popen([sys.executable, str(Path(__file__)), "0"], stdout=subprocess.PIPE,
                                        text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.process.kill()
            raise RuntimeError(f"the canned server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stream_url(self, kind: str, n: int, framing: str = "chunked") -> str:
        """The Base URL whose chat streams are `n` chunks of `kind`, built and cached now."""
        url = f"{self.url}/k/{kind}/n/{n}/f/{framing}"
        self._get(f"{url}/_prepare")
        return url

    def stats(self) -> dict[str, int]:
        return self._get(f"{self.url}/_stats")

    def _get(self, url: str) -> dict[str, int]:
        # http.client, not urllib: urllib would honour proxy settings from the environment.
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=120)
        try:
            connection.request("GET", urlsplit(url).path)
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
