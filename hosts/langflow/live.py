"""A streamed answer as Langflow's playground takes one: an async iterator of chunks.

Langflow's own model components hand `send_message` a Message whose text is an async iterator
of chunks (objects with `.content`); Langflow sends each chunk to the playground as a token
event and stores the joined text. Here the chunks are the connector's live text: the action runs
with run_result(on_text=...) in a worker thread (the connector is synchronous), and each answer
piece it hands on, already redacted with its end held back while it may still start the key,
becomes one chunk. When the iterator ends, `result` is the action's result, the same as without
live text; a failure ends the iteration with the connector's own typed error.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ...runtime.contract.action import ActionResult, LiveHandler

Run = Callable[[LiveHandler], ActionResult]


@dataclass(frozen=True)
class Chunk:
    """One piece of the answer, shaped as Langflow reads a model's stream chunk."""

    content: str


class Stopped(Exception):
    """Raised in the worker when nobody reads the answer any more; unwinding closes the stream."""


class LiveAnswer(AsyncIterator[Chunk]):
    """Iterate (once) for the answer's pieces as they arrive; then read `result`. An async
    iterator itself, since that is what Langflow checks a message's text for."""

    def __init__(self, run: Run):
        self._run = run
        self._pieces = self._chunks()
        self.result: ActionResult | None = None

    def __anext__(self) -> Awaitable[Chunk]:
        return self._pieces.__anext__()

    async def aclose(self) -> None:
        await self._pieces.aclose()

    async def _chunks(self) -> AsyncGenerator[Chunk, None]:
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        stop = threading.Event()

        def show(reasoning: str, answer: str) -> None:
            if stop.is_set():
                raise Stopped
            if answer:  # the answer only: the playground's message is the answer, as downstream
                loop.call_soon_threadsafe(pieces.put_nowait, answer)

        def work() -> ActionResult:
            try:
                return self._run(show)
            finally:
                loop.call_soon_threadsafe(pieces.put_nowait, None)

        running = loop.run_in_executor(None, work)
        try:
            while (piece := await pieces.get()) is not None:
                yield Chunk(piece)
            self.result = await running  # the connector's typed error, if the stream broke
        finally:
            if not running.done():  # the reader gave up: the worker stops at its next piece
                stop.set()
                running.add_done_callback(_ignore_outcome)


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not report it as never retrieved
