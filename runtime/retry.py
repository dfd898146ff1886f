"""Retries as tenacity means them to be used: classify, wait, stop; one Retrying per call.

The policy comes from the step's retry inputs (Max Retries, Retry Delay (ms), Use Exponential
Backoff, Retry On All Errors), whose defaults per action are in connector.yaml. Deciding is
the error's retry class; waiting honours the server's Retry-After and otherwise backs off
exponentially with jitter; the call stops after its attempts, or when the next wait would go
past the cap on Retry-After or past the call's deadline.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

from . import settings
from .errors import CLIENT, NETWORK, RATE_LIMITED, SERVER, TIMEOUT, UNREACHABLE, ConnectorError
from .transport import Deadline

# Failures that are worth another try without asking: they are usually over in seconds.
TRANSIENT = frozenset({NETWORK, TIMEOUT, SERVER, RATE_LIMITED})
# With Retry On All Errors: also other 4xx answers, unknown hosts and refused connections.
ALL_ERRORS = TRANSIENT | {CLIENT, UNREACHABLE}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How one call retries. `fixed_delay` (seconds) applies when `exponential` is off."""

    max_retries: int = 0
    exponential: bool = True
    fixed_delay: float = 0.0
    retry_all_errors: bool = False

    def retries(self, error: BaseException) -> bool:
        classes = ALL_ERRORS if self.retry_all_errors else TRANSIENT
        return isinstance(error, ConnectorError) and error.retry_class in classes

    @property
    def attempts(self) -> int:
        return self.max_retries + 1


def backoff(retry_number: int) -> float:
    """Wait before retry `retry_number` (1-based): grows from BACKOFF_INITIAL, capped, jittered down."""
    base = min(settings.BACKOFF_INITIAL * settings.BACKOFF_MULTIPLIER ** (retry_number - 1),
               settings.BACKOFF_MAX)
    return base * (1 - settings.BACKOFF_JITTER * random.random())


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


def why_stopped(error: ConnectorError, policy: RetryPolicy, deadline: Deadline) -> str | None:
    """The reason to add to an error when retrying stopped early because of a wait."""
    asked = getattr(error, "retry_after", None)
    if asked is None or not policy.retries(error) or error.attempts >= policy.attempts:
        return None
    if asked > settings.RETRY_AFTER_CAP:
        return (f"The server asked to wait {asked:g} s before trying again, longer than the connector "
                f"waits ({settings.RETRY_AFTER_CAP:g} s); try again later.")
    if asked >= deadline.remaining():
        return (f"The server asked to wait {asked:g} s before trying again, which is past the step's "
                f"Timeout of {deadline.seconds:g} s.")
    return None
