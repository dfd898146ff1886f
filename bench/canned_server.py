"""A minimal HTTP/1.1 keep-alive server with canned DeepSeek answers, for the benchmark.

Runs in its own process (so it never competes with the client for the GIL) and answers in
microseconds, so client overhead is what the benchmark sees. Streams of any length are built
once and cached. GET /_stats reports the connections accepted.
Usage: python bench/canned_server.py PORT
"""

from __future__ import annotations

import asyncio
import json
import sys

COMPLETION = json.dumps({
    "id": "bench", "object": "chat.completion", "created": 1, "model": "deepseek-chat",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help you?"},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 7, "completion_tokens": 8, "total_tokens": 15},
    "system_fingerprint": "fp_bench"}).encode()
MODELS = json.dumps({"object": "list", "data": [
    {"id": "deepseek-chat", "object": "model", "owned_by": "deepseek"},
    {"id": "deepseek-reasoner", "object": "model", "owned_by": "deepseek"}]}).encode()
CHUNK = ('data: {"id":"bench","object":"chat.completion.chunk","created":1,"model":"deepseek-chat",'
         '"choices":[{"index":0,"delta":{"content":"tok "},"logprobs":null,"finish_reason":null}]}\n\n')
LAST = ('data: {"id":"bench","object":"chat.completion.chunk","created":1,"model":"deepseek-chat",'
        '"choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"stop"}],'
        '"usage":{"prompt_tokens":7,"completion_tokens":%d,"total_tokens":%d}}\n\ndata: [DONE]\n\n')
streams: dict[int, bytes] = {}
stats = {"connections": 0, "requests": 0}


def stream_body(chunks: int) -> bytes:
    if chunks not in streams:
        streams[chunks] = (CHUNK * chunks + LAST % (chunks, chunks + 7)).encode()
    return streams[chunks]


def answer(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[bytes, bytes]:
    path = target.split("?", 1)[0]
    if path.endswith("/_stats"):
        return b"application/json", json.dumps(stats).encode()
    if path.endswith("/models"):
        return b"application/json", MODELS
    if path.endswith("/chat/completions"):
        if b'"stream": true' in body or b'"stream":true' in body:
            return b"text/event-stream", stream_body(int(headers.get("x-bench-chunks", "20")))
        return b"application/json", COMPLETION
    return b"application/json", b'{"error": {"message": "no such route"}}'


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    stats["connections"] += 1
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
            length = int(headers.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
            stats["requests"] += 1
            ctype, payload = answer(method, target, headers, body)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
                         + str(len(payload)).encode() + b"\r\n\r\n")
            writer.write(payload)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(serve_connection, "127.0.0.1", port, backlog=256)
    print(f"ready {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
