"""Streamed answers: server-sent events over a response, fed to an action's assembler.

The EventStream owns the transport side: SSE framing, DeepSeek's `[DONE]` marker and keep-alive
comments, error events, stalls, the deadline, size limits, redaction, and draining the
connection afterwards. An Assembler owns the answer: it merges events into one result of
the same shape a non-streamed call returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .. import settings
from ..errors import ConnectorError, DeadlineError, RequestTimeoutError, ResponseError, StreamError
from ..http.answers import quote
from ..http.messages import HttpResponse
from ..redaction import Redactor
from ..texts import STRICT
from .assembling import Assembler
from .live_text import HeldBack
from .sse import EventNotText, EventTooLarge, iter_events

DONE = "[DONE]"


EventHandler = Callable[[dict[str, Any]], None]


class EventStream:
    """Iterate for each event as it arrives; afterwards `result` holds the assembled answer.

    Closing (or leaving a `with` block) releases the connection. Iterating again after the end
    yields nothing.
    """

    def __init__(self, response: HttpResponse, assembler: Assembler, *, redactor: Redactor,
                 on_event: EventHandler | None = None, finish: Callable[[dict[str, Any]], Any] | None = None):
        self.response = response
        self.assembler = assembler
        #: The answer assembled from the events, in the shape a non-streamed call gives.
        self.assembled: dict[str, Any] | None = None
        #: The step's data once the stream ended: the assembled answer as the action returns it.
        self.result: Any = None
        self._finish = finish
        self._redactor = redactor
        self._on_event = on_event
        self._started = False
        self._live = (HeldBack(redactor), HeldBack(redactor))
        self._live_wanted = False
        self._live_piece = ("", "")
        # Whether the events themselves are seen (iterated by a host, or handed to on_event).
        self._shown = True

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self.response.headers

    @property
    def completion(self) -> dict[str, Any] | None:
        """The assembled answer (the name earlier versions used for `result`)."""
        return self.result

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.response.close()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._started:
            return
        self._started = True
        try:
            yield from self._events()
        except ConnectorError as error:
            partial = self.assembler.result() if error.partial is None else error.partial
            complete = error.evolve(partial=partial, attempts=error.attempts or self.response.attempts)
            # The partial answer was joined from pieces: redacted as the whole it now is.
            raise complete.redacted(self._redactor.text, self._redactor.value) from None
        finally:
            self.close()

    def live(self) -> Iterator[tuple[str, str]]:
        """Iterate the stream as (reasoning, answer) text to show as it arrives, for hosts that
        show an answer live; afterwards `result` holds the assembled answer, as when iterating
        events. Joined, the pieces are the answer's text, redacted (see live_text)."""
        self._live_wanted = True
        self._shown = self._on_event is not None  # only the live text and the result are seen
        for _ in self:
            reasoning, answer = self._live_piece
            if reasoning or answer:
                yield reasoning, answer
        reasoning, answer = self.live_rest()
        if reasoning or answer:
            yield reasoning, answer

    def live_text(self, event: dict[str, Any]) -> tuple[str, str]:
        """The (reasoning, answer) text an event as sent adds, safe to show: the last characters
        are held back while they might be the start of the key (a server can send it a few
        characters per event), and come with a later event or from live_rest()."""
        reasoning, answer = self.assembler.live_text(event)
        held_reasoning, held_answer = self._live
        return held_reasoning.feed(reasoning), held_answer.feed(answer)

    def live_rest(self) -> tuple[str, str]:
        """What live_text still holds back, once the stream has ended."""
        held_reasoning, held_answer = self._live
        return held_reasoning.rest(), held_answer.rest()

    def read_all(self) -> Any:
        """Read the stream to its end; the step's data (see `result`)."""
        self._shown = self._on_event is not None  # only the result is seen
        for _ in self:
            pass
        return self.result

    def _events(self) -> Iterator[dict[str, Any]]:
        # The body's reader counts every byte against the size limit; events need no count of their own.
        add = self.assembler.add
        try:
            for data in iter_events(self.response.chunks(), settings.MAX_EVENT_BYTES):
                if data == DONE:
                    # The answer was joined from pieces: a key split over events shows only now.
                    self.assembled = self._redactor.value(self.assembler.result())
                    self.response.finish()
                    self.result = self.assembled if self._finish is None else \
                        self._redactor.value(self._finish(self.assembled))
                    return
                # An event someone sees is redacted on its own; the assembler and the live text
                # take it as sent, so that a key split over events, even one whose first
                # characters an event shows as [REDACTED], is redacted whole once joined. Read
                # only to be joined (a step's result, live text), an event is not redacted twice.
                if self._shown:
                    text = self._redactor.text(data)  # before any message quotes (and cuts) it
                    event = self._parse(text)
                    sent = event if text is data else self._parse_sent(data)
                else:
                    event = sent = self._parse_sent(data)
                try:
                    add(sent)
                except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
                    raise self._unexpected_shape(exc, self._redactor.text(data)) from None
                if self._live_wanted:
                    self._live_piece = self.live_text(sent)
                if self._shown and "\\" in data:  # escapes (\u0073k-...) can spell a key anew
                    event = self._redactor.value(event)
                if self._on_event is not None:
                    self._on_event(event)
                yield event
        except EventTooLarge:
            limit = settings.MAX_EVENT_BYTES // 2**20
            raise ResponseError(f"One event of the answer stream was larger than {limit} MB; "
                                f"{self.assembler.progress()}.") from None
        except EventNotText:
            raise ResponseError(f"The answer stream carried an event that is not UTF-8 text; "
                                f"{self.assembler.progress()}.") from None
        except DeadlineError as error:
            raise error.evolve(message=error.message.rstrip(".") +
                               f" (while streaming; {self.assembler.progress()}).") from None
        except RequestTimeoutError as error:
            raise StreamError(f"The answer stream stalled: {error.message.rstrip('.')}; "
                              f"{self.assembler.progress()}.") from None
        except ResponseError:
            raise
        except ConnectorError:
            raise StreamError(f"The answer stream was cut off by the network; {self.assembler.progress()}.") \
                from None
        raise StreamError("The answer stream ended before DeepSeek marked it complete (no [DONE]); "
                          f"{self.assembler.progress()}.")

    def _parse(self, data: str) -> dict[str, Any]:
        try:
            # raw_decode skips json.loads' wrappers, a tenth of the time per event (bench/);
            # anything but one whole JSON value goes through json.loads for its error.
            event, end = STRICT.raw_decode(data)
            if end != len(data):
                event = STRICT.decode(data)
        except (ValueError, RecursionError):
            raise ResponseError("The answer stream carried an event that is not JSON (or holds numbers JSON "
                                f"cannot carry, such as NaN): {quote(data, 80)!r}; "
                                f"{self.assembler.progress()}.") from None
        if type(event) is dict and "error" not in event:
            return event
        if not isinstance(event, dict):
            raise ResponseError(f"The answer stream carried an unexpected event: {quote(data, 80)!r}; "
                                f"{self.assembler.progress()}.")
        error = event["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise StreamError("DeepSeek reported an error in the middle of the answer: "
                          f'"{quote(str(message))}"; {self.assembler.progress()}.')

    def _parse_sent(self, data: str) -> dict[str, Any]:
        """An event as sent; when it cannot be read, the error quotes its redacted text."""
        try:
            return self._parse(data)
        except ConnectorError:
            self._parse(self._redactor.text(data))  # raises the same error, quoting what may be shown
            raise ResponseError("The answer stream carried an event that could not be read once the API key "
                                f"in it was hidden; {self.assembler.progress()}.") from None

    def _unexpected_shape(self, exc: Exception, data: str) -> ResponseError:
        # The assembler checks the shapes it relies on (ValueError); anything else from a
        # shape it did not foresee is reported the same way rather than as a crash.
        reason = str(exc) if isinstance(exc, ValueError) else "its fields have unexpected types"
        return ResponseError(f"The answer stream carried a chunk of an unexpected shape ({reason}): "
                             f"{quote(data, 80)!r}; {self.assembler.progress()}.")
