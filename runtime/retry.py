"""Retry policy: which failures are retried, how long to wait, and why retrying stopped early.

The policy comes from the step's retry inputs (Max Retries, Retry Delay (ms), Use Exponential
Backoff, Retry On All Errors), whose defaults per action are in connector.yaml. Deciding is
the error's retry class; waiting honours the server's Retry-After and otherwise backs off
exponentially with jitter; the call stops after its attempts, or when the next wait would go
past the cap on Retry-After or past the call's deadline. The loop itself (tenacity) is in
retry_loop.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

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
