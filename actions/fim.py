"""Create FIM Completion: fill in the middle between a prompt and a suffix (DeepSeek's beta API).

FIM lives only under the beta base URL, so the request goes to /beta/completions on the
connection's origin, whatever path the Base URL has. Streamed or not, the answer is one
`text_completion` object; the assembler below merges the streamed pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..runtime.contract.action import Call, declared_request
from ..runtime.http.messages import HttpRequest
from ..runtime.streaming.assembling import TextBuffer
from .chat_assembler import ChoicesAssembler, typed_field, whole_number
from .completions import CompletionAction, with_stream_options

LOGPROB_LISTS = ("tokens", "token_logprobs", "top_logprobs", "text_offset")


@dataclass(frozen=True, slots=True)
class _Piece:
    """One checked choice of a chunk."""

    index: int
    text: str | None
    finish_reason: str | None
    logprobs: dict[str, list[Any]] | None


def _read_choice(choice: Any) -> _Piece:
    choice = typed_field(choice, dict, "a choice") or {}
    logprobs = typed_field(choice.get("logprobs"), dict, "logprobs")
    lists = None
    if logprobs is not None:
        lists = {name: typed_field(logprobs.get(name), list, f"logprobs.{name}") or []
                 for name in LOGPROB_LISTS}
    return _Piece(whole_number(choice.get("index"), "a choice index") or 0,
                  typed_field(choice.get("text"), str, "text"),
                  typed_field(choice.get("finish_reason"), str, "finish_reason"), lists)


class _Choice:
    __slots__ = ("index", "text", "finish_reason", "logprobs")

    def __init__(self, index: int):
        self.index = index
        self.text = TextBuffer()
        self.finish_reason: str | None = None
        self.logprobs: dict[str, list[Any]] | None = None

    def add(self, piece: _Piece) -> None:
        if piece.text:
            self.text.write(piece.text)
        self.finish_reason = piece.finish_reason or self.finish_reason
        if piece.logprobs is not None:
            if self.logprobs is None:
                self.logprobs = {name: [] for name in LOGPROB_LISTS}
            for name in LOGPROB_LISTS:
                self.logprobs[name].extend(piece.logprobs[name])

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text.getvalue(), "index": self.index, "logprobs": self.logprobs,
                "finish_reason": self.finish_reason}


class TextCompletionAssembler(ChoicesAssembler):
    """Merges text_completion chunks; `result()` has the shape of a non-streamed answer."""

    object_name = "text_completion"
    choice_class = _Choice

    def add(self, event: dict[str, Any]) -> None:
        pieces = [_read_choice(choice) for choice in typed_field(event.get("choices"), list, "choices") or ()]
        usage = typed_field(event.get("usage"), dict, "usage")
        for piece in pieces:
            self.choice(piece.index).add(piece)
        self.counted(event, usage)

    def progress(self) -> str:
        text = sum(len(choice.text) for choice in self.choices.values())
        return f"{self.chunks} chunks had arrived ({text} characters of text)"

    @staticmethod
    def live_text(event: dict[str, Any]) -> tuple[str, str]:
        return "", "".join(choice.get("text") or "" for choice in event.get("choices") or ())


class CreateFimCompletion(CompletionAction):
    """The declared request (POST /beta/completions) with Include Usage's stream options."""

    assembler = TextCompletionAssembler
    answer_field = "text"

    def request(self, call: Call) -> HttpRequest:
        problems = call.problems()
        wired = call.wired()
        with_stream_options(call, wired.body, problems)
        if call.form.get("echo") is True:
            for key in ("suffix", "logprobs"):
                other = call.spec.input(key)
                if call.form.get(key) is not None and other is not None:
                    problems.add("echo", f"cannot be combined with {other.label}; DeepSeek returns the "
                                         "prompt only for a plain completion.")
        problems.raise_any()
        return declared_request(call, wired)

