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
from functools import lru_cache
from typing import Any, TypeVar, cast

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
from .transport.deadline import Deadline

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
    """Stop rather than wait past the call's deadline (it would only end in a timeout), or for a
    server that asks for longer than the cap (it is not going to be ready soon either)."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        asked = getattr(_error(retry_state), "retry_after", None)
        return retry_state.upcoming_sleep >= _run_of(retry_state).deadline.remaining() or (
            asked is not None and asked > settings.RETRY_AFTER_CAP)


@dataclass(eq=False, slots=True)
class _Run:
    """One call's attempts, as the loop runs them: tenacity hands it back to the stop and to the
    callback before a retry (as `retry_state.fn`), which is how a policy's loop, shared by every
    call, sees each call's deadline."""

    attempt: Callable[[int], Any]
    deadline: Deadline
    on_retry: Callable[[ConnectorError, float], None]
    number: int = 0

    def __call__(self) -> Any:
        self.number += 1
        return self.attempt(self.number)


def _run_of(retry_state: RetryCallState) -> _Run:
    return cast("_Run", retry_state.fn)


def _before_sleep(retry_state: RetryCallState) -> None:
    error = _error(retry_state)
    if isinstance(error, ConnectorError):
        _run_of(retry_state).on_retry(error, retry_state.upcoming_sleep)


@lru_cache(maxsize=64)
def _loop(policy: RetryPolicy, sleep: Callable[[float], None]) -> Retrying:
    """The tenacity loop of one policy, made once: making one for every call, and the reference
    cycles it leaves behind, cost more than the rest of the loop. Sharing is safe: tenacity keeps
    what one run decides in that run's state, and what it reuses per thread."""
    return Retrying(
        retry=retry_if_exception(policy.retries),
        wait=lambda state: policy.wait(state.attempt_number, _error(state)),
        stop=stop_after_attempt(policy.attempts) | stop_when_waiting_is_futile(),
        sleep=sleep, before_sleep=_before_sleep, reraise=True)


def _no_callback(error: ConnectorError, wait: float) -> None:
    return None


def with_retries(attempt: Callable[[int], T], policy: RetryPolicy, deadline: Deadline, *,
                 sleep: Callable[[float], None],
                 on_retry: Callable[[ConnectorError, float], None] = _no_callback) -> T:
    """Run `attempt(number)` for number = 1, 2, ... as the policy allows; return the first result,
    or raise the last error with a note on why retrying stopped."""
    try:
        return cast("T", _loop(policy, sleep)(_Run(attempt, deadline, on_retry)))
    except ConnectorError as error:
        raise noted(error, policy, deadline) from None


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
