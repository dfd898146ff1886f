"""Retries: one immutable policy, and one tenacity loop that owns every attempt, the first included.

The policy comes from the step's retry inputs (Max Retry Count, Retry Delay (ms), Use
Exponential Backoff, Retry On All Errors), whose defaults are in connector.yaml. Deciding is by
the error's class; waiting honours the server's Retry-After and otherwise backs off exponentially
with jitter; the loop stops after its attempts, or when the next wait would go past the cap on
Retry-After or past the call's deadline. The error that ends the loop is raised as it was, with
a note saying why it stopped (a new error: raised errors are never changed).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

from .. import settings
from ..errors import (
    ApiError,
    ConnectorError,
    DeadlineError,
    NetworkError,
    ProxyAuthError,
    RateLimitError,
    ServerError,
    UnreachableError,
)
from .deadline import Deadline

T = TypeVar("T")
#: Usually over in seconds: worth another try without asking.
TRANSIENT = (NetworkError, RateLimitError, ServerError)
#: Not without Retry On All Errors: nothing was sent (an unknown host, a refused connection), or
#: the request itself was refused (any other 4xx).
ONLY_WHEN_ASKED = (UnreachableError, ApiError)
#: Never: the step's time is up, or a proxy refused a password that a retry would send again.
NEVER = (DeadlineError, ProxyAuthError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How one call retries. `fixed_delay` (seconds) applies when `exponential` is off."""

    max_retries: int = 0
    exponential: bool = True
    fixed_delay: float = 0.0
    retry_all_errors: bool = False

    @property
    def attempts(self) -> int:
        return self.max_retries + 1

    def retries(self, error: BaseException) -> bool:
        """Whether `error` is worth another attempt, by its class."""
        if isinstance(error, NEVER) or not isinstance(error, ConnectorError):
            return False
        if isinstance(error, ONLY_WHEN_ASKED) and not isinstance(error, (RateLimitError, ServerError)):
            return self.retry_all_errors
        return isinstance(error, TRANSIENT)

    def wait(self, retry_number: int, error: BaseException | None) -> float:
        """Seconds to wait before retry `retry_number` (1-based): the server's Retry-After if it
        sent one, else the backoff."""
        asked = getattr(error, "retry_after", None)
        if asked is not None:
            return asked
        return backoff(retry_number) if self.exponential else self.fixed_delay


def backoff(retry_number: int) -> float:
    """Wait before retry `retry_number` (1-based): grows from BACKOFF_INITIAL, capped, jittered down."""
    base = min(settings.BACKOFF_INITIAL * settings.BACKOFF_MULTIPLIER ** (retry_number - 1),
               settings.BACKOFF_MAX)
    return base * (1 - settings.BACKOFF_JITTER * random.random())


def _error(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None


class stop_when_waiting_is_futile(stop_base):  # noqa: N801 - named like tenacity's own stops
    """Stop rather than wait past the deadline (it would only end in a timeout), or for a server
    that asks for longer than the cap (it is not going to be ready soon either)."""

    def __init__(self, deadline: Deadline):
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        asked = getattr(_error(retry_state), "retry_after", None)
        return retry_state.upcoming_sleep >= self.deadline.remaining() or (
            asked is not None and asked > settings.RETRY_AFTER_CAP)


def with_retries(attempt: Callable[[int], T], policy: RetryPolicy, deadline: Deadline, *,
                 sleep: Callable[[float], None],
                 on_retry: Callable[[ConnectorError, float], None] = lambda error, wait: None) -> T:
    """Run `attempt(number)` for number = 1, 2, ... as the policy allows; return the first result,
    or raise the last error with a note on why retrying stopped."""

    def before_sleep(state: RetryCallState) -> None:
        error = _error(state)
        if isinstance(error, ConnectorError):
            on_retry(error, state.upcoming_sleep)

    retrying = Retrying(
        retry=retry_if_exception(policy.retries),
        wait=lambda state: policy.wait(state.attempt_number, _error(state)),
        stop=stop_after_attempt(policy.attempts) | stop_when_waiting_is_futile(deadline),
        sleep=sleep, before_sleep=before_sleep, reraise=True)
    try:
        for state in retrying:
            with state:
                result = attempt(state.retry_state.attempt_number)
    except ConnectorError as error:
        raise noted(error, policy, deadline) from None
    return result


def noted(error: ConnectorError, policy: RetryPolicy, deadline: Deadline) -> ConnectorError:
    """The error that ended the loop, with why retrying stopped when that is not plain."""
    reason = why_stopped(error, policy, deadline)
    if reason is None and error.attempts > 1:
        reason = f"Tried {error.attempts} times."
    return error if reason is None else error.evolve(message=f"{error.message} {reason}")


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
