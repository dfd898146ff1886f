"""Streams are assembled in linear time: no step copies what arrived before it.

Measured without clocks: tracemalloc gives, for each step (one network chunk read, or one event
merged), the most memory the step had allocated at once. A step that copies everything so far
(bytes or lists concatenated, a buffer rescanned) allocates more the longer the stream is, so
the total over a stream four times as long grows sixteenfold; here it must grow about fourfold.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from deepseek_connector.actions.chat_assembler import ChatCompletionAssembler
from deepseek_connector.actions.fim import TextCompletionAssembler
from deepseek_connector.runtime.streaming.assembling import TextBuffer
from deepseek_connector.runtime.streaming.sse import iter_events

LINEAR = 5.0  # work at 4x the length may be at most this many times the work at 1x (quadratic: 16)


class Metered:
    """Hands out items one at a time and, at each hand-over, notes the most memory the consumer
    allocated at once since the previous one."""

    def __init__(self, items: list[Any]):
        self._items = iter(items)
        self.step_peaks: list[int] = []
        self._base = 0

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        current, peak = tracemalloc.get_traced_memory()
        if self._base:
            self.step_peaks.append(max(0, peak - self._base))
        tracemalloc.reset_peak()
        self._base = tracemalloc.get_traced_memory()[0] or 1
        return next(self._items)


def allocation_work(items: list[Any], consume: Callable[[Iterable[Any]], None]) -> int:
    """The sum over steps of what each step allocated at its peak; the items exist beforehand."""
    metered = Metered(items)
    tracemalloc.start()
    try:
        consume(metered)
    finally:
        tracemalloc.stop()
    return sum(metered.step_peaks)


def growth(make_items: Callable[[int], list[Any]], consume: Callable[[Iterable[Any]], None], n: int) -> float:
    small = allocation_work(make_items(n), consume)
    large = allocation_work(make_items(4 * n), consume)
    return large / small


def drain_events(chunks: Iterable[bytes]) -> None:
    for _ in iter_events(chunks, 1 << 30):
        pass


def one_long_event(pieces: int) -> list[bytes]:
    """One event of `pieces` x 16 KiB, cut into 16 KiB network chunks (no line end until the last)."""
    body = b"data: " + b"x" * (pieces * 16384) + b"\n\n"
    return [body[i:i + 16384] for i in range(0, len(body), 16384)]


def many_events(events: int) -> list[bytes]:
    body = b"".join(b'data: {"choices":[{"index":0,"delta":{"content":"tok "}}]}\n\n' for _ in range(events))
    return [body[i:i + 1000] for i in range(0, len(body), 1000)]  # events cut mid-line


def chunk(choice: dict[str, Any]) -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "deepseek-flash",
            "choices": [choice]}


def logprob_events(n: int) -> list[dict[str, Any]]:
    entry = {"token": "tok", "logprob": -0.1, "bytes": [116, 111, 107], "top_logprobs": []}
    return [chunk({"index": 0, "delta": {"content": "tok "}, "logprobs": {"content": [dict(entry)]}})
            for _ in range(n)]


def tool_argument_events(n: int) -> list[dict[str, Any]]:
    first = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}
    rest = [{"index": 0, "function": {"arguments": '{"a": 1} '}} for _ in range(n)]
    return [chunk({"index": 0, "delta": {"tool_calls": [fragment]}}) for fragment in [first, *rest]]


def text_events(n: int) -> list[dict[str, Any]]:
    return [chunk({"index": 0, "delta": {"reasoning_content": "hmm ", "content": "tok "}}) for _ in range(n)]


def fim_events(n: int) -> list[dict[str, Any]]:
    return [{"id": "x", "object": "text_completion", "created": 1, "model": "deepseek-flash",
             "choices": [{"index": 0, "text": "tok ", "logprobs": {
                 "tokens": ["tok"], "token_logprobs": [-0.1], "text_offset": [i], "top_logprobs": [{}]}}]}
            for i in range(n)]


def assemble_with(assembler_class: type) -> Callable[[Iterable[dict[str, Any]]], None]:
    def consume(events: Iterable[dict[str, Any]]) -> None:
        assembler = assembler_class()
        for event in events:
            assembler.add(event)
        json.dumps(assembler.result())  # the whole answer is there
    return consume


@pytest.mark.parametrize("make_items, consume, n", [
    (one_long_event, drain_events, 64),
    (many_events, drain_events, 5_000),
    (logprob_events, assemble_with(ChatCompletionAssembler), 5_000),
    (tool_argument_events, assemble_with(ChatCompletionAssembler), 5_000),
    (text_events, assemble_with(ChatCompletionAssembler), 5_000),
    (fim_events, assemble_with(TextCompletionAssembler), 5_000),
], ids=["one long SSE event", "many SSE events", "logprobs", "tool call arguments", "content and reasoning",
        "FIM text and logprobs"])
def test_work_grows_linearly_with_the_stream(make_items, consume, n):
    assert growth(make_items, consume, n) <= LINEAR


def test_a_text_buffer_holds_about_its_characters():
    pieces = [f"t{i % 10}   " for i in range(100_000)]  # five characters, four of them sent
    tracemalloc.start()
    try:
        buffer = TextBuffer()
        for piece in pieces:
            buffer.write(piece[:4])  # a new string each time, as each event's text is
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(buffer) == 400_000 and buffer.getvalue() == "".join(piece[:4] for piece in pieces)
    assert held < 2 * 400_000  # 100,000 separate strings would take over 5,000,000 bytes
