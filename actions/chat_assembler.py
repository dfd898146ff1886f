"""Assembling streamed chat.completion.chunk events into one chat.completion object.

Memory stays flat: only the answer's text, tool calls, logprobs and usage are kept, never the
chunks, and each is appended to (never copied), so assembly is linear in the answer's length.
Every field the assembler relies on is checked; a chunk of an impossible shape is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..runtime import settings
from ..runtime.streaming.assembling import Assembler, TextBuffer


def typed_field(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    """`value` when it is None or of `kind`; a ValueError naming the field otherwise."""
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is int):
        raise ValueError(f"{what} is {type(value).__name__}")
    return value


def whole_number(value: Any, what: str) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError(f"{what} is not a whole number")
    return value


@dataclass(frozen=True, slots=True)
class _Fragment:
    """One checked piece of a tool call."""

    index: int | None
    id: str | None
    type: str | None
    name: str | None
    arguments: str | None


@dataclass(frozen=True, slots=True)
class _Delta:
    """One checked choice of a chunk; nothing is merged until the whole chunk has been read."""

    index: int
    role: str | None
    content: str | None
    reasoning: str | None
    tool_calls: tuple[_Fragment, ...]
    finish_reason: str | None
    logprobs: list[Any] | None


def _read_fragment(fragment: Any) -> _Fragment:
    fragment = typed_field(fragment, dict, "a tool call fragment") or {}
    function = typed_field(fragment.get("function"), dict, "a tool call's function") or {}
    return _Fragment(whole_number(fragment.get("index"), "a tool call index"),
                     typed_field(fragment.get("id"), str, "a tool call id"),
                     typed_field(fragment.get("type"), str, "a tool call type"),
                     typed_field(function.get("name"), str, "a tool call's name"),
                     typed_field(function.get("arguments"), str, "a tool call's arguments"))


def _read_choice(choice: Any) -> _Delta:
    choice = typed_field(choice, dict, "a choice") or {}
    delta = typed_field(choice.get("delta"), dict, "delta") or {}
    logprobs = typed_field(choice.get("logprobs"), dict, "logprobs") or {}
    fragments = typed_field(delta.get("tool_calls"), list, "tool_calls") or ()
    return _Delta(index=whole_number(choice.get("index"), "a choice index") or 0,
                  role=typed_field(delta.get("role"), str, "role"),
                  content=typed_field(delta.get("content"), str, "content"),
                  reasoning=typed_field(delta.get("reasoning_content"), str, "reasoning_content"),
                  tool_calls=tuple(_read_fragment(fragment) for fragment in fragments),
                  finish_reason=typed_field(choice.get("finish_reason"), str, "finish_reason"),
                  logprobs=typed_field(logprobs.get("content"), list, "logprobs.content"))


# Exact types, as json.loads makes them: a bool is no index, and no subclass ever arrives.
_TEXT = frozenset({str, type(None)})
_WHOLE = frozenset({int, type(None)})


class _ToolCall:
    __slots__ = ("index", "id", "type", "name", "arguments")

    def __init__(self, index: int):
        self.index = index
        self.id: str | None = None
        self.type = "function"
        self.name: str | None = None
        self.arguments = TextBuffer()

    def add(self, fragment: _Fragment) -> None:
        self.id = fragment.id or self.id
        self.type = fragment.type or self.type
        self.name = fragment.name or self.name
        if fragment.arguments:
            self.arguments.write(fragment.arguments)

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "type": self.type,
                "function": {"name": self.name, "arguments": self.arguments.getvalue()}}


class _Choice:
    __slots__ = ("index", "role", "content", "reasoning", "tool_calls", "finish_reason", "logprobs")

    def __init__(self, index: int):
        self.index = index
        self.role = "assistant"
        self.content = TextBuffer()
        self.reasoning: TextBuffer | None = None
        self.tool_calls: dict[int, _ToolCall] = {}
        self.finish_reason: str | None = None
        self.logprobs: list[Any] | None = None

    def add_text(self, role: str | None, content: str | None, reasoning: str | None,
                 finish_reason: str | None) -> None:
        if role:
            self.role = role
        if content:
            self.content.write(content)
        if reasoning is not None:
            if self.reasoning is None:
                self.reasoning = TextBuffer()
            self.reasoning.write(reasoning)
        if finish_reason:
            self.finish_reason = finish_reason

    def add(self, delta: _Delta) -> None:
        self.add_text(delta.role, delta.content, delta.reasoning, delta.finish_reason)
        for fragment in delta.tool_calls:
            index = len(self.tool_calls) if fragment.index is None else fragment.index
            call = self.tool_calls.get(index)
            if call is None:
                if len(self.tool_calls) >= settings.MAX_STREAM_TOOL_CALLS:
                    raise ValueError(f"more than {settings.MAX_STREAM_TOOL_CALLS} tool calls in one choice")
                call = self.tool_calls[index] = _ToolCall(index)
            call.add(fragment)
        if delta.logprobs:
            if self.logprobs is None:
                self.logprobs = []
            self.logprobs.extend(delta.logprobs)

    def as_dict(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role, "content": self.content.getvalue()}
        if self.reasoning is not None:
            message["reasoning_content"] = self.reasoning.getvalue()
        if self.tool_calls:
            message["tool_calls"] = [call.as_dict() for _, call in sorted(self.tool_calls.items())]
        return {"index": self.index, "message": message,
                "logprobs": {"content": self.logprobs} if self.logprobs is not None else None,
                "finish_reason": self.finish_reason}


# What the first chunk of a stream says about the whole answer.
META = ("id", "created", "model", "system_fingerprint")


class ChoicesAssembler(Assembler):
    """What the chat and FIM assemblers share: the answer's metadata from its first chunk, its
    choices by index (each a `choice_class` with `as_dict()`), its usage, and the envelope of
    the result, in the shape DeepSeek gives the same answer unstreamed."""

    object_name: ClassVar[str]
    choice_class: ClassVar[type[Any]]

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}
        self.choices: dict[int, Any] = {}
        self.usage: dict[str, Any] | None = None
        self.chunks = 0

    def counted(self, event: dict[str, Any], usage: dict[str, Any] | None) -> None:
        """Note one merged chunk: its metadata if it is the first, its usage if it has one."""
        self.chunks += 1
        if not self.meta:
            self.meta = {key: event.get(key) for key in META}
        if usage:
            self.usage = usage

    def choice(self, index: int) -> Any:
        target = self.choices.get(index)
        if target is None:
            if len(self.choices) >= settings.MAX_STREAM_CHOICES:
                raise ValueError(f"more than {settings.MAX_STREAM_CHOICES} choices")
            target = self.choices[index] = self.choice_class(index)
        return target

    def result(self) -> dict[str, Any]:
        meta = self.meta
        result = {"id": meta.get("id"), "object": self.object_name, "created": meta.get("created"),
                  "model": meta.get("model"),
                  "choices": [choice.as_dict() for _, choice in sorted(self.choices.items())],
                  "usage": self.usage}
        if meta.get("system_fingerprint"):
            result["system_fingerprint"] = meta["system_fingerprint"]
        return result


class ChatCompletionAssembler(ChoicesAssembler):
    """Feeds on chunks; `result()` gives the same shape as a non-streamed answer."""

    object_name = "chat.completion"
    choice_class = _Choice

    def add(self, event: dict[str, Any]) -> None:
        choices = event.get("choices")
        usage = event.get("usage")
        if type(choices) is not list or not (usage is None or type(usage) is dict):
            choices = typed_field(choices, list, "choices") or []
            usage = typed_field(usage, dict, "usage")
        if not (len(choices) == 1 and self._add_text_choice(choices[0])):
            deltas = [_read_choice(choice) for choice in choices]
            for delta in deltas:
                self.choice(delta.index).add(delta)
        self.counted(event, usage)

    def _add_text_choice(self, choice: Any) -> bool:
        """Merge the common chunk, one choice carrying only text, after a few cheap checks, and
        say whether it was one; anything else (tool calls, logprobs, a wrong type) takes the full
        check, which names what is wrong. Most of a stream's time per chunk is spent here."""
        if type(choice) is not dict:
            return False
        delta, index = choice.get("delta"), choice.get("index")
        if type(delta) is not dict or type(index) not in _WHOLE or choice.get("logprobs") is not None:
            return False
        content, reasoning, role = delta.get("content"), delta.get("reasoning_content"), delta.get("role")
        finish_reason = choice.get("finish_reason")
        if not (type(content) in _TEXT and type(reasoning) in _TEXT and type(role) in _TEXT
                and type(finish_reason) in _TEXT and delta.get("tool_calls") is None):
            return False
        self.choice(index or 0).add_text(role, content, reasoning, finish_reason)
        return True

    def progress(self) -> str:
        content = sum(len(c.content) for c in self.choices.values())
        reasoning = sum(len(c.reasoning) for c in self.choices.values() if c.reasoning)
        calls = sum(len(c.tool_calls) for c in self.choices.values())
        text = f"{self.chunks} chunks had arrived ({content} characters of answer"
        if reasoning:
            text += f", {reasoning} of reasoning"
        if calls:
            text += f", {calls} tool call(s) in progress"
        return text + ")"

    @staticmethod
    def live_text(event: dict[str, Any]) -> tuple[str, str]:
        reasoning, content = [], []
        for choice in event.get("choices") or ():
            delta = choice.get("delta") or {}
            reasoning.append(delta.get("reasoning_content") or "")
            content.append(delta.get("content") or "")
        return "".join(reasoning), "".join(content)
