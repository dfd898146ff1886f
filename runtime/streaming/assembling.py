"""What turns a stream's events into one answer: the Assembler an action names, and TextBuffer for
text built from many small pieces in linear time and memory."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class Assembler(ABC):
    """Merges a stream's events into one result; the runtime calls it once per event."""

    @abstractmethod
    def add(self, event: dict[str, Any]) -> None:
        """Merge one event; raise ValueError saying what is wrong when its shape is impossible."""

    @abstractmethod
    def result(self) -> dict[str, Any]:
        """The whole answer so far, in the shape of a non-streamed result."""

    @abstractmethod
    def progress(self) -> str:
        """How much had arrived, for messages: "12 chunks had arrived (...)"."""

    @staticmethod
    def live_text(event: dict[str, Any]) -> tuple[str, str]:
        """The (reasoning, answer) text this event adds, for hosts that show an answer live."""
        return "", ""


class TextBuffer:
    """Text built from many small pieces, for assemblers. Pieces are joined every BATCH, so that a
    stream of 100,000 four-character deltas costs about its characters rather than 100,000 string
    objects of some 50 bytes each (io.StringIO and a plain list both keep every piece). Linear:
    every character is copied twice at most."""

    BATCH = 256
    __slots__ = ("_blocks", "_pieces", "_length")

    def __init__(self) -> None:
        self._blocks: list[str] = []
        self._pieces: list[str] = []
        self._length = 0

    def write(self, text: str) -> None:
        self._pieces.append(text)
        self._length += len(text)
        if len(self._pieces) >= self.BATCH:
            self._blocks.append("".join(self._pieces))
            self._pieces.clear()

    def getvalue(self) -> str:
        return "".join(self._blocks) + "".join(self._pieces)

    def __len__(self) -> int:
        return self._length
