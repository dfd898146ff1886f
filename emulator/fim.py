"""A deterministic stand-in for DeepSeek's FIM completion (POST /beta/completions).

The model "fills" the gap between prompt and suffix with one line that says how long each was,
so tests can predict every token; max_tokens, stop, echo, logprobs and streaming behave as on
the real endpoint, whose answers are `text_completion` objects (OpenAI's legacy shape).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

from .chat import tokens_of
from .chat_rules import number_in_range
from .messages import ChatRequestError
from .models import served_by

MAX_TOKENS = 4096

_ids = itertools.count(1)


def validate(body: Any) -> None:
    """Raise ChatRequestError the way DeepSeek rejects a FIM request."""
    if not isinstance(body, dict):
        raise ChatRequestError(400, "Failed to deserialize the JSON body into the target type")
    if not isinstance(body.get("model"), str) or served_by(body["model"]) is None:
        raise ChatRequestError(400, "Model Not Exist", "model")
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        raise ChatRequestError(400, "FIM completion does not support thinking mode", "thinking")
    if not isinstance(body.get("prompt"), str):
        raise ChatRequestError(400, "prompt is required and must be a string", "prompt")
    if body.get("suffix") is not None and not isinstance(body["suffix"], str):
        raise ChatRequestError(400, "suffix must be a string", "suffix")
    for name, low, high in (("temperature", 0, 2), ("top_p", 0, 1), ("frequency_penalty", -2, 2),
                            ("presence_penalty", -2, 2), ("max_tokens", 1, MAX_TOKENS)):
        number_in_range(body, name, low, high)
    if body.get("echo") is True and (body.get("suffix") or body.get("logprobs") is not None):
        raise ChatRequestError(400, "echo cannot be used together with suffix or logprobs", "echo")
    logprobs = body.get("logprobs")
    if logprobs is not None and (not isinstance(logprobs, int) or isinstance(logprobs, bool)
                                 or not 0 <= logprobs <= 20):
        raise ChatRequestError(400, "logprobs must be an integer between 0 and 20", "logprobs")
    stop = body.get("stop")
    if stop is not None and not (isinstance(stop, str) or isinstance(stop, list) and len(stop) <= 16
                                 and all(isinstance(s, str) for s in stop)):
        raise ChatRequestError(400, "stop must be a string or at most 16 strings", "stop")
    if "stream_options" in body and body.get("stream") is not True:
        raise ChatRequestError(400, "stream_options is only allowed when stream is true", "stream_options")


class FimCompletion:
    """Everything about one FIM answer, computed once, then shaped as a body or as stream chunks."""

    def __init__(self, body: dict[str, Any], content: str | None = None):
        validate(body)
        self.body = body
        self.id = f"emu-fim-{next(_ids)}"
        self.created = int(time.time())
        self.model = body["model"]
        prompt, suffix = body["prompt"], body.get("suffix") or ""
        middle = content if content is not None else (
            f"    # filled by the DeepSeek emulator: {len(prompt)} characters before, {len(suffix)} after")
        tokens = tokens_of(middle)
        self.finish_reason = "stop"
        limit = body.get("max_tokens")
        if limit is not None and len(tokens) > limit:
            tokens, self.finish_reason = tokens[:limit], "length"
        stops = [body["stop"]] if isinstance(body.get("stop"), str) else body.get("stop") or []
        text = "".join(tokens)
        cut = min((text.find(s) for s in stops if s and s in text), default=-1)
        if cut >= 0:
            tokens, self.finish_reason = tokens_of(text[:cut]), "stop"
        self.tokens = ([prompt] if body.get("echo") is True and prompt else []) + tokens
        self.offsets = list(itertools.accumulate((len(token) for token in self.tokens), initial=0))
        self.top = body.get("logprobs")
        completion = len(tokens)
        prompt_tokens = len(tokens_of(prompt)) + len(tokens_of(suffix))
        self.usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                      "total_tokens": prompt_tokens + completion,
                      "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": prompt_tokens}

    def _logprobs(self, tokens: list[str], offset: int) -> dict[str, Any] | None:
        """The legacy completions shape: parallel lists, one entry per token."""
        if self.top is None:
            return None
        positions = range(offset, offset + len(tokens))
        return {"tokens": tokens, "token_logprobs": [-0.01 * (p + 1) for p in positions],
                "top_logprobs": [self._alternatives(token, position)
                                 for token, position in zip(tokens, positions, strict=True)],
                "text_offset": [self.offsets[p] for p in positions]}

    def _alternatives(self, token: str, position: int) -> dict[str, float]:
        best = -0.01 * (position + 1)
        return {token: best, **{f"{token.strip()}~{rank}": best - rank for rank in range(1, self.top or 0)}}

    def as_body(self) -> dict[str, Any]:
        choice = {"text": "".join(self.tokens), "index": 0, "logprobs": self._logprobs(self.tokens, 0),
                  "finish_reason": self.finish_reason}
        return {"id": self.id, "object": "text_completion", "created": self.created, "model": self.model,
                "system_fingerprint": "fp_emulator", "choices": [choice], "usage": self.usage}

    def _chunk(self, text: str, offset: int, finish: str | None = None,
               usage: dict[str, Any] | None = None) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            "id": self.id, "object": "text_completion", "created": self.created, "model": self.model,
            "system_fingerprint": "fp_emulator",
            "choices": [{"text": text, "index": 0, "finish_reason": finish,
                         "logprobs": self._logprobs([text], offset) if text else None}]}
        if usage is not None:
            chunk["usage"] = usage
        return chunk

    def chunks(self, usage_style: str | None = None) -> Iterator[dict[str, Any]]:
        """Every token, then the finish with the usage on it: FIM sends no usage-only chunk (a
        queued `usage: separate` fault asks for one anyway, as an older gateway might send)."""
        separate = usage_style == "separate"
        for position, token in enumerate(self.tokens):
            yield self._chunk(token, position)
        yield self._chunk("", len(self.tokens), finish=self.finish_reason,
                          usage=None if separate else self.usage)
        if separate:
            final = self._chunk("", len(self.tokens), usage=self.usage)
            final["choices"] = []
            yield final
