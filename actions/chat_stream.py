"""Reading a streamed chat completion and assembling it into one chat.completion object.

Memory stays flat: only the assembled text, tool calls and usage are kept, never the chunks.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import requests

from ..runtime.errors import ResponseError
from ..runtime.sse import iter_events, iter_lines

DONE = "[DONE]"
# After [DONE] only the end of the chunked body should follow; reading it lets the connection
# go back to the pool. A server that keeps talking past this much loses the connection instead.
DRAIN_LIMIT = 64 * 1024


class StreamError(ResponseError):
    """The stream broke off or reported an error; `partial` holds what had arrived."""

    kind = "stream_incomplete"

    def __init__(self, message: str, partial: dict[str, Any]):
        super().__init__(message)
        self.partial = partial


class _Choice:
    __slots__ = ("index", "role", "content", "reasoning", "tool_calls", "finish_reason", "logprobs")

    def __init__(self, index: int):
        self.index = index
        self.role = "assistant"
        self.content = io.StringIO()
        self.reasoning: io.StringIO | None = None
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason = None
        self.logprobs: list | None = None

    def add(self, choice: dict[str, Any]) -> None:
        delta = choice.get("delta") or {}
        if delta.get("role"):
            self.role = delta["role"]
        if delta.get("content"):
            self.content.write(delta["content"])
        if delta.get("reasoning_content") is not None:
            if self.reasoning is None:
                self.reasoning = io.StringIO()
            self.reasoning.write(delta["reasoning_content"])
        for fragment in delta.get("tool_calls") or ():
            self._merge_tool_call(fragment)
        if choice.get("finish_reason"):
            self.finish_reason = choice["finish_reason"]
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict) and logprobs.get("content"):
            self.logprobs = (self.logprobs or []) + logprobs["content"]

    def _merge_tool_call(self, fragment: dict[str, Any]) -> None:
        index = fragment.get("index", len(self.tool_calls))
        call = self.tool_calls.setdefault(index, {"id": None, "type": "function", "name": None,
                                                  "arguments": io.StringIO()})
        if fragment.get("id"):
            call["id"] = fragment["id"]
        if fragment.get("type"):
            call["type"] = fragment["type"]
        function = fragment.get("function") or {}
        if function.get("name"):
            call["name"] = function["name"]
        if function.get("arguments"):
            call["arguments"].write(function["arguments"])

    def as_dict(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role, "content": self.content.getvalue()}
        if self.reasoning is not None:
            message["reasoning_content"] = self.reasoning.getvalue()
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": call["id"], "type": call["type"],
                 "function": {"name": call["name"], "arguments": call["arguments"].getvalue()}}
                for _, call in sorted(self.tool_calls.items())]
        return {"index": self.index, "message": message,
                "logprobs": {"content": self.logprobs} if self.logprobs is not None else None,
                "finish_reason": self.finish_reason}


class ChatCompletionAssembler:
    """Feeds on chunks; `completion()` gives the same shape as a non-streamed answer."""

    def __init__(self):
        self.meta: dict[str, Any] = {}
        self.choices: dict[int, _Choice] = {}
        self.usage = None
        self.chunks = 0

    def add(self, chunk: dict[str, Any]) -> None:
        self.chunks += 1
        if not self.meta:
            self.meta = {key: chunk.get(key) for key in ("id", "created", "model", "system_fingerprint")}
        for choice in chunk.get("choices") or ():
            index = choice.get("index", 0)
            target = self.choices.get(index)
            if target is None:
                target = self.choices[index] = _Choice(index)
            target.add(choice)
        if chunk.get("usage"):
            self.usage = chunk["usage"]

    def completion(self) -> dict[str, Any]:
        result = {"id": self.meta.get("id"), "object": "chat.completion",
                  "created": self.meta.get("created"), "model": self.meta.get("model"),
                  "choices": [choice.as_dict() for _, choice in sorted(self.choices.items())],
                  "usage": self.usage}
        if self.meta.get("system_fingerprint"):
            result["system_fingerprint"] = self.meta["system_fingerprint"]
        return result

    def received_text(self) -> str:
        content = sum(len(c.content.getvalue()) for c in self.choices.values())
        reasoning = sum(len(c.reasoning.getvalue()) for c in self.choices.values() if c.reasoning)
        calls = sum(len(c.tool_calls) for c in self.choices.values())
        text = f"{self.chunks} chunks had arrived ({content} characters of answer"
        if reasoning:
            text += f", {reasoning} of reasoning"
        if calls:
            text += f", {calls} tool call(s) in progress"
        return text + ")"


def chunk_text(chunk: dict[str, Any]) -> tuple[str, str]:
    """The (reasoning, answer) text a chunk adds, for hosts that show tokens live."""
    reasoning, content = [], []
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        reasoning.append(delta.get("reasoning_content") or "")
        content.append(delta.get("content") or "")
    return "".join(reasoning), "".join(content)


def _drain(raw: Iterator[bytes]) -> None:
    left = DRAIN_LIMIT
    try:
        for piece in raw:
            left -= len(piece)
            if left < 0:
                return
    except requests.exceptions.RequestException:
        return  # the answer is complete; a broken tail only costs the connection


class ChatStream:
    """Iterate for each chunk as it arrives; afterwards `completion` holds the assembled answer.

    Closing (or leaving a `with` block) releases the connection back to the pool.
    """

    def __init__(self, response: requests.Response, read_timeout: float,
                 on_chunk: Callable[[dict[str, Any]], None] | None = None):
        self._response = response
        self._read_timeout = read_timeout
        self._on_chunk = on_chunk
        self.assembler = ChatCompletionAssembler()
        self.completion: dict[str, Any] | None = None

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._response.close()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            yield from self._chunks()
        finally:
            self.close()

    def read_all(self) -> dict[str, Any]:
        for _ in self:
            pass
        return self.completion

    def _chunks(self) -> Iterator[dict[str, Any]]:
        assembler = self.assembler
        raw = self._response.iter_content(chunk_size=None)
        try:
            for data in iter_events(iter_lines(raw)):
                if data == DONE:
                    self.completion = assembler.completion()
                    _drain(raw)
                    return
                chunk = self._parse(data)
                assembler.add(chunk)
                if self._on_chunk is not None:
                    self._on_chunk(chunk)
                yield chunk
        except requests.exceptions.RequestException as exc:
            stalled = "timed out" in str(exc).lower() or isinstance(exc, requests.exceptions.Timeout)
            why = (f"stalled for more than {self._read_timeout:g} s" if stalled
                   else "was cut off by the network")
            raise StreamError(f"The answer stream {why}; {assembler.received_text()}.",
                              assembler.completion()) from None
        raise StreamError("The answer stream ended before DeepSeek marked it complete (no [DONE]); "
                          f"{assembler.received_text()}.", assembler.completion())

    def _parse(self, data: str) -> dict[str, Any]:
        try:
            chunk = json.loads(data)
        except ValueError:
            raise StreamError(f"The answer stream carried an event that is not JSON: {data[:80]!r}; "
                              f"{self.assembler.received_text()}.", self.assembler.completion()) from None
        if not isinstance(chunk, dict):
            raise StreamError(f"The answer stream carried an unexpected event: {data[:80]!r}.",
                              self.assembler.completion())
        if "error" in chunk:
            error = chunk["error"]
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise StreamError(f'DeepSeek reported an error in the middle of the answer: "{message}"; '
                              f"{self.assembler.received_text()}.", self.assembler.completion())
        return chunk
