"""Every tunable of the connector in one place.

Timeouts are in seconds. Retry policies are referred to by name from connector.yaml.
"""

from __future__ import annotations

from typing import NamedTuple

USER_AGENT = "deepseek-connector/0.1"
DEFAULT_BASE_URL = "https://api.deepseek.com"

# DeepSeek keeps a request open with keep-alive lines while it queues work, and thinking
# models can reason for minutes, so reads are allowed to take long; connects are not.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 300.0

# Connections kept per connection (pooled by requests' HTTPAdapter).
POOL_SIZE = 16

# Longest wait the connector accepts from a server's Retry-After before giving up on it.
RETRY_AFTER_CAP = 60.0

# Debug logging shows bodies up to this many bytes.
LOG_BODY_LIMIT = 10 * 1024

# Exponential backoff: first wait, growth factor, longest wait, and the share of each wait
# that is randomised (so that many workflow runs do not retry in lockstep).
BACKOFF_INITIAL = 1.0
BACKOFF_MULTIPLIER = 2.0
BACKOFF_MAX = 30.0
BACKOFF_JITTER = 0.25

# Raw Request: however many retries and waits a user asks for, one call ends within this.
RAW_REQUEST_TOTAL_LIMIT = 900.0

# Outcome classes a retry policy can name.
NETWORK = "network"            # connection refused, reset, DNS failure
TIMEOUT = "timeout"            # connect or read timeout
SERVER = "server"              # HTTP 5xx
RATE_LIMITED = "rate_limited"  # HTTP 429
CLIENT = "client"              # any other HTTP 4xx (only with "retry on all errors")
RETRYABLE_CLASSES = (NETWORK, TIMEOUT, SERVER, RATE_LIMITED, CLIENT)

# Statuses that mean the request itself is wrong or unpaid: never retried by a default policy.
NEVER_RETRIED_BY_DEFAULT = (400, 401, 402, 403, 404, 422)


class RetryPolicy(NamedTuple):
    """How often and how long to retry. `fixed_delay` applies when `exponential` is off."""

    max_retries: int = 0
    retry_on: frozenset[str] = frozenset()
    exponential: bool = True
    fixed_delay: float = 0.0
    honour_retry_after: bool = True
    # Upper bound on the whole call, retries and waits included.
    total_budget: float = 900.0


POLICIES: dict[str, RetryPolicy] = {
    # Reads and chat: transient failures are retried twice with backoff.
    "standard": RetryPolicy(
        max_retries=2,
        retry_on=frozenset({NETWORK, TIMEOUT, SERVER, RATE_LIMITED}),
    ),
    "none": RetryPolicy(max_retries=0),
}
