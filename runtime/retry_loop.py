"""The retry loop itself: one tenacity Retrying per call, built from a RetryPolicy.

Kept apart from retry.py because only a call whose first attempt failed in a way worth
retrying needs it: importing tenacity costs some 5 ms of every command's cold start.
"""

from __future__ import annotations

from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

from . import settings
from .retry import RetryPolicy, backoff
from .transport import Deadline


def server_wait(state: RetryCallState) -> float | None:
    """Seconds the failed attempt's server asked to wait (Retry-After), if it said."""
    error = state.outcome.exception() if state.outcome else None
    return getattr(error, "retry_after", None)


class stop_when_waiting_is_futile(stop_base):  # noqa: N801 - named like tenacity's own stops
    """Stop rather than wait past the deadline (it would only end in a timeout), or for a server
    that asks for longer than the cap (it is not going to be ready soon either)."""

    def __init__(self, deadline: Deadline):
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        asked = server_wait(retry_state)
        return retry_state.upcoming_sleep >= self.deadline.remaining() or (
            asked is not None and asked > settings.RETRY_AFTER_CAP)


def retrying(policy: RetryPolicy, deadline: Deadline, *, sleep: Callable[[float], None],
             before_sleep: Callable[[RetryCallState], None]) -> Retrying:
    """A Retrying for one call: tenacity counts, waits and stops; the last error is re-raised."""

    def wait(state: RetryCallState) -> float:
        asked = server_wait(state)
        if asked is not None:
            return asked
        return backoff(state.attempt_number) if policy.exponential else policy.fixed_delay

    return Retrying(
        retry=retry_if_exception(policy.retries),
        wait=wait,
        stop=stop_after_attempt(policy.attempts) | stop_when_waiting_is_futile(deadline),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
