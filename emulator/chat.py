"""A deterministic stand-in for DeepSeek's chat completions: same request rules, same shapes.

Replies echo the last user message so that flows can be tried offline and tests can predict
every token. Tokens are words with their leading space, which is close enough for max_tokens,
logprobs and streaming to behave like the real API.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from typing import Any

from .chat_rules import text_of, thinking_on, validate
from .examples import example_of, placeholder, stated_schema
from .messages import FileLookup
from .models import EFFORT_LEVELS

_ids = itertools.count(1)


def tokens_of(text: str) -> list[str]:
    return re.findall(r"\s*\S+|\s+$", text)


def _tool_calls(body: dict) -> list[dict]:
    tools = body.get("tools") or []
    choice = body.get("tool_choice", "auto" if tools else "none")
    last = body["messages"][-1]
    if not tools or choice == "none" or last.get("role") == "tool":
        return []
    if isinstance(choice, dict):
        chosen = [choice["function"]["name"]]
    elif choice == "required":
        chosen = [tools[0]["function"]["name"]]
    else:  # auto: call every tool whose name the user mentioned
        said = text_of(last.get("content"))
        chosen = [t["function"]["name"] for t in tools if t["function"]["name"] in said]
    calls = []
    for index, name in enumerate(chosen):
        function = next(t["function"] for t in tools if t["function"]["name"] == name)
        params = function.get("parameters") or {}
        props = params.get("properties") or {}
        args = {key: placeholder(props.get(key)) for key in params.get("required") or props}
        calls.append({"index": index, "id": f"call_{index}_{name}", "type": "function",
                      "function": {"name": name, "arguments": json.dumps(args)}})
    return calls


def _reply_text(body: dict, attached: list[str]) -> str:
    messages = body["messages"]
    last = messages[-1]
    if last.get("prefix") is True:  # prefix completion: the answer goes on from the given start
        return " and so the emulator carries on from the given beginning."
    if last.get("role") == "tool":
        said = f"The tool returned: {text_of(last.get('content'))}"
    else:
        user = next((m for m in reversed(messages) if m.get("role") == "user"), last)
        said = f"You said: {text_of(user.get('content'))}"
    if attached:
        said += f" (with {'; '.join(attached)})"
    if (body.get("response_format") or {}).get("type") == "json_object":
        # Told a JSON Schema in so many words, the model follows it; otherwise it answers its own way.
        schema = stated_schema(" ".join(text_of(m.get("content")) for m in messages))
        if schema is not None:
            return json.dumps(example_of(schema))
        return json.dumps({"reply": said, "source": "deepseek-emulator"})
    return f"Hello from the DeepSeek emulator. {said}"


def _before_stop(text: str, stop: Any) -> str:
    """The answer up to the first stop sequence, which is not included (as DeepSeek does)."""
    sequences = [stop] if isinstance(stop, str) else stop or []
    cut = min((text.find(sequence) for sequence in sequences if sequence and sequence in text),
              default=len(text))
    return text[:cut]


def _logprob_entry(token: str, position: int, top: int) -> dict:
    entry = {"token": token, "logprob": -0.01 * (position + 1), "bytes": list(token.encode())}
    entry["top_logprobs"] = [
        {"token": token if rank == 0 else f"{token.strip()}~{rank}",
         "logprob": -0.01 * (position + 1) - rank, "bytes": list(token.encode())}
        for rank in range(top)]
    return entry


class Completion:
    """Everything about one answer, computed once, then shaped as a body or as stream chunks."""

    def __init__(self, body: dict, content: str | None = None, *, beta: bool = False,
                 files: FileLookup = lambda file_id: None):
        attached = validate(body, beta, files)
        self.body = body
        self.id = f"emu-{next(_ids)}"
        self.created = int(time.time())
        self.model = body["model"]
        self.thinking = thinking_on(body)
        self.tool_calls = _tool_calls(body)
        reply = content if content is not None else _reply_text(body, attached)
        reply = _before_stop(reply, body.get("stop"))
        content_tokens = [] if self.tool_calls else tokens_of(reply)
        limit = body.get("max_tokens")
        self.finish_reason = "tool_calls" if self.tool_calls else "stop"
        if limit is not None and len(content_tokens) > limit:
            content_tokens, self.finish_reason = content_tokens[:limit], "length"
        self.content_tokens = content_tokens
        words = len(tokens_of(text_of(body["messages"][-1].get("content"))))
        effort = EFFORT_LEVELS.get(body.get("reasoning_effort") or "high")
        reasoning = f"The user wrote {words} words. A short, direct answer fits best."
        if effort == "max":
            reasoning += " Checking every step once more before answering."
        self.reasoning_tokens = tokens_of(reasoning) if self.thinking else []
        self.logprobs = body.get("logprobs") is True
        self.top_logprobs = body.get("top_logprobs", 0)
        prompt = sum(len(tokens_of(text_of(m.get("content")))) + 4 for m in body["messages"])
        completion = len(self.content_tokens) + len(self.reasoning_tokens) + 10 * len(self.tool_calls)
        self.usage = {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion,
                      "prompt_tokens_details": {"cached_tokens": 0},
                      "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": prompt}
        if self.thinking:
            self.usage["completion_tokens_details"] = {"reasoning_tokens": len(self.reasoning_tokens)}

    def _logprobs_for(self, tokens: list[str], offset: int = 0) -> dict:
        return {"content": [_logprob_entry(t, offset + i, self.top_logprobs) for i, t in enumerate(tokens)]}

    def as_body(self) -> dict:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.content_tokens)}
        if self.thinking:
            message["reasoning_content"] = "".join(self.reasoning_tokens)
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        choice = {"index": 0, "message": message,
                  "logprobs": self._logprobs_for(self.content_tokens) if self.logprobs else None,
                  "finish_reason": self.finish_reason}
        return {"id": self.id, "object": "chat.completion", "created": self.created,
                "model": self.model, "choices": [choice], "usage": self.usage,
                "system_fingerprint": "fp_emulator"}

    def _chunk(self, delta: dict, finish: str | None = None, logprobs: dict | None = None,
               usage: dict | None = None, with_usage_field: bool = False) -> dict:
        chunk = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                 "model": self.model, "system_fingerprint": "fp_emulator",
                 "choices": [{"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]}
        if usage is not None or with_usage_field:
            chunk["usage"] = usage
        return chunk

    def chunks(self, usage_style: str | None = None) -> Iterator[dict]:
        """The stream: role, reasoning, content (with logprobs), tool call fragments, finish, usage."""
        include = bool((self.body.get("stream_options") or {}).get("include_usage"))
        style = usage_style or ("separate" if include else "last")
        separate = style == "separate" and include
        first = {"role": "assistant", "content": None if self.thinking else ""}
        if self.thinking:
            first["reasoning_content"] = ""
        yield self._chunk(first, with_usage_field=separate)
        for token in self.reasoning_tokens:
            yield self._chunk({"reasoning_content": token}, with_usage_field=separate)
        for position, token in enumerate(self.content_tokens):
            logprobs = self._logprobs_for([token], position) if self.logprobs else None
            yield self._chunk({"content": token}, logprobs=logprobs, with_usage_field=separate)
        for index, call in enumerate(self.tool_calls):
            head = {"index": index, "id": call["id"], "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": ""}}
            yield self._chunk({"tool_calls": [head]}, with_usage_field=separate)
            arguments = call["function"]["arguments"]
            for start in range(0, len(arguments), 6):
                piece = {"index": index, "id": None, "type": None,
                         "function": {"name": None, "arguments": arguments[start:start + 6]}}
                yield self._chunk({"tool_calls": [piece]}, with_usage_field=separate)
        last_usage = self.usage if not separate else None
        yield self._chunk({"content": ""}, finish=self.finish_reason, usage=last_usage,
                          with_usage_field=separate)
        if separate:
            chunk = self._chunk({}, usage=self.usage)
            chunk["choices"] = []
            yield chunk
