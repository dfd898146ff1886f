"""The canned answers: DeepSeek-shaped chat streams of any length and kind, as bytes.

A stream of kind K and size N is N delta events, then one event with finish_reason and usage,
then `data: [DONE]`. Kinds:

- plain: N content deltas "tok " (the first one also carries the role, as DeepSeek's does);
- reasoning: N/2 reasoning_content deltas, then N/2 content deltas (a thinking answer);
- tool: one tool call whose arguments arrive in N fragments;
- logprobs: N content deltas, each with its token's logprobs;
- long-event: ONE event whose content is N*96 bytes (the other kinds' size, in one line).

Framing "chunked" sends each event as its own HTTP chunk, as DeepSeek does (the long event in
16 KiB chunks); "fixed" sends the same events under one Content-Length, which lets a client
read 64 KiB at a time and so hides per-chunk costs: it is kept as a separate, labelled case.
Every event of a kind but the first and last is identical, so a body is built by repetition
in milliseconds, once per (kind, size, framing).
"""

from __future__ import annotations

import json
from typing import Any

KINDS = ("plain", "reasoning", "tool", "logprobs", "long-event")
FRAMINGS = ("chunked", "fixed")
PIECE = 16 * 1024  # socket writes, and the long event's HTTP chunks
LONG_EVENT_UNIT = "tok " * 24  # 96 bytes of content per chunk of the other kinds

HEAD = {"id": "bench", "object": "chat.completion.chunk", "created": 1, "model": "deepseek-flash",
        "system_fingerprint": "fp_bench"}
LOGPROBS = {"content": [{"token": "tok", "logprob": -0.1, "bytes": [116, 111, 107], "top_logprobs": []}]}


def event(delta: dict[str, Any], *, finish: str | None = None, logprobs: Any = None,
          usage: dict[str, int] | None = None) -> bytes:
    chunk: dict[str, Any] = {**HEAD, "choices": [{"index": 0, "delta": delta, "logprobs": logprobs,
                                                  "finish_reason": finish}]}
    if usage is not None:
        chunk["usage"] = usage
    # Compact separators, as DeepSeek sends them.
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


def tool_fragment(arguments: str, *, head: bool = False) -> dict[str, Any]:
    call: dict[str, Any] = {"index": 0, "function": {"arguments": arguments}}
    if head:
        call = {"index": 0, "id": "call_0_bench", "type": "function",
                "function": {"name": "collect", "arguments": arguments}}
    return {"tool_calls": [call]}


def events(kind: str, n: int) -> list[tuple[bytes, int]]:
    """The stream as (event, repeat count) runs, in order; `n` >= 2."""
    usage = {"prompt_tokens": 7, "completion_tokens": n, "total_tokens": n + 7}
    role = {"role": "assistant", "content": ""}
    if kind == "plain":
        runs = [(event({**role, "content": "tok "}), 1), (event({"content": "tok "}), n - 1)]
        finish = "stop"
    elif kind == "reasoning":
        half = n // 2
        runs = [(event({**role, "content": None, "reasoning_content": "tok "}), 1),
                (event({"content": None, "reasoning_content": "tok "}), half - 1),
                (event({"content": "tok ", "reasoning_content": None}), n - half)]
        finish = "stop"
    elif kind == "tool":
        # The arguments, put together, are the JSON {"parts":["tok",...,"end"]}.
        runs = [(event({**role, "content": None, **tool_fragment('{"parts":[', head=True)}), 1),
                (event(tool_fragment('"tok",')), n - 2), (event(tool_fragment('"end"]}')), 1)]
        finish = "tool_calls"
    elif kind == "logprobs":
        runs = [(event({**role, "content": "tok "}, logprobs=LOGPROBS), 1),
                (event({"content": "tok "}, logprobs=LOGPROBS), n - 1)]
        finish = "stop"
    elif kind == "long-event":
        runs = [(event({**role, "content": LONG_EVENT_UNIT * n}), 1)]
        finish = "stop"
    else:
        raise ValueError(f"unknown stream kind {kind!r}")
    last = event({"content": ""}, finish=finish, usage=usage)
    return [*runs, (last, 1), (b"data: [DONE]\n\n", 1)]


def http_chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def body(kind: str, n: int, framing: str) -> bytes:
    """The whole response body: chunked-encoded (terminator included) or plain."""
    runs = events(kind, max(n, 2))
    if framing == "fixed":
        return b"".join(data * count for data, count in runs)
    if framing != "chunked":
        raise ValueError(f"unknown framing {framing!r}")
    parts = []
    for data, count in runs:
        if len(data) > PIECE:  # the long event: many HTTP chunks, as a server flushing would send it
            parts.append(b"".join(http_chunk(data[i:i + PIECE]) for i in range(0, len(data), PIECE)) * count)
        else:
            parts.append(http_chunk(data) * count)
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)
