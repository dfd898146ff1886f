"""The connection check builders run when a key is saved (Get User Balance needs no code: its
request and the fields its answer must have are declared in connector.yaml)."""

from __future__ import annotations

from typing import Any

from ..runtime.contract.action import Action, Call
from ..runtime.contract.running import run
from ..runtime.errors import (
    AuthenticationError,
    ConnectorError,
    InsufficientBalanceError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    UnreachableError,
)

# (valid, reason, message) for outcomes a save dialog should explain rather than fail on.
OUTCOMES: list[tuple[type[ConnectorError], bool, str | None, str | None]] = [
    (AuthenticationError, False, "invalid_key",
     "DeepSeek rejected this API key. Copy the key again from the DeepSeek platform, or create a new one."),
    (InsufficientBalanceError, True, "no_balance",
     "The API key is valid, but the account has no balance: top it up before running chat steps."),
    (RateLimitError, True, "rate_limited",
     "The API key was not rejected, but DeepSeek is rate limiting this account right now; the key "
     "can be saved."),
    (ServerError, True, "server_error",
     "The API key was not rejected, but DeepSeek had a server problem; the key can be saved. Check "
     "again later."),
    (UnreachableError, False, "unreachable", None),
    (RequestTimeoutError, False, "timeout", None),
]


def check_connection(call: Call) -> dict[str, Any]:
    """GET /models with the key (the check's declared request); the outcome is reported as data,
    never raised, for a save dialog."""
    try:
        result = run(Action(), call)
    except ConnectorError as error:
        return report(error)
    models = result.data["data"]
    count = len(models) if isinstance(models, list) else 0
    return {"valid": True, "reason": "ok", "message": f"Connected: the API key works and {count} models "
            "are available.", "status": result.status}


def report(error: ConnectorError) -> dict[str, Any]:
    valid, reason, message = False, error.kind, str(error)
    for error_class, outcome_valid, outcome_reason, outcome_message in OUTCOMES:
        if isinstance(error, error_class):
            valid, reason = outcome_valid, outcome_reason or reason
            message = outcome_message or message
            break
    return {"valid": valid, "reason": reason, "message": message, "status": getattr(error, "status", None)}
