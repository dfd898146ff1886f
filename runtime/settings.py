"""Every tunable of the runtime in one place. Times are in seconds, sizes in bytes.

What a user may change per step (the Timeout, the retry inputs, Max Response Size) are inputs
in connector.yaml, with their defaults there; these are the limits and mechanics underneath.
"""

from __future__ import annotations

# DeepSeek keeps a request open with keep-alive lines while it queues work, and thinking
# models can reason for minutes, so one silent read may take long (a stall past this is an
# error); connecting may not. The step's Timeout bounds the whole call in any case.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 300.0

# Connections kept per connection (pooled by urllib3, see http/transport/adapter.py). Threads that find them
# all busy wait for one rather than opening more.
POOL_SIZE = 16

# Sessions (one per distinct key and base URL) kept by one connector; the least recently used
# is closed when another is needed. Checked connection values are kept the same way.
MAX_CACHED_SESSIONS = 64
MAX_CACHED_CONNECTIONS = 1024

# A Retry-After longer than this is not waited for: the call stops with the server's answer.
RETRY_AFTER_CAP = 60.0

# Exponential backoff: first wait, growth factor, longest wait, and the share of each wait
# that is randomised (so that many workflow runs do not retry in lockstep).
BACKOFF_INITIAL = 1.0
BACKOFF_MULTIPLIER = 2.0
BACKOFF_MAX = 30.0
BACKOFF_JITTER = 0.25

# Bodies are read in pieces of this size; each piece is checked against the deadline and
# the size limit.
READ_CHUNK = 64 * 1024

# One server-sent event (one line of a streamed answer) may not be larger than this.
MAX_EVENT_BYTES = 16 * 1024 * 1024
# The most choices, and tool calls in one choice, a streamed answer may build: each costs far
# more memory than the few bytes of the event that opens it. DeepSeek sends one choice.
MAX_STREAM_CHOICES = 16
MAX_STREAM_TOOL_CALLS = 256

# After a stream's [DONE], the end of the chunked body is read for at most this long and this
# much, so the connection can be reused; a server that keeps talking loses the connection.
DRAIN_TIMEOUT = 0.2
DRAIN_LIMIT = 64 * 1024

# Longest request URL (servers refuse longer request lines) and longest header value.
MAX_URL_LENGTH = 8192
MAX_HEADER_LENGTH = 8192

# How much text logs and error messages quote (after redaction).
LOG_BODY_LIMIT = 10 * 1024
LOG_FIELD_LIMIT = 200
QUOTE_LIMIT = 120
