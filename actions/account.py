"""The account: Get User Balance, and the connection check builders run when a key is saved."""

from __future__ import annotations

from typing import Any

from ..runtime.action import Action, ActionResult, Call
from ..runtime.errors import (
    AuthenticationError,
    ConnectorError,
    InsufficientBalanceError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    UnreachableError,
)
from ..runtime.http import HttpRequest, HttpResponse
from ..runtime.responses import expect_object, parse_json_body
from .models import ListModels


class GetUserBalance(Action):
    def build_request(self, call: Call) -> HttpRequest:
        return HttpRequest("GET", call.url("user/balance"))

    def parse_response(self, response: HttpResponse, call: Call) -> Any:
        return expect_object(parse_json_body(response, call.spec.label), call.spec.label,
                             required=("is_available", "balance_infos"))


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


class CheckConnection(ListModels):
    """GET /models with the key; the outcome is reported as data, never raised, for a save dialog."""

    def run(self, call: Call) -> ActionResult:
        try:
            result = super().run(call)
        except ConnectorError as error:
            return self._report(error)
        models = result.data["data"]
        count = len(models) if isinstance(models, list) else 0
        return ActionResult({"valid": True, "reason": "ok",
                             "message": f"Connected: the API key works and {count} models are available.",
                             "status": result.status}, result.status, result.headers)

    @staticmethod
    def _report(error: ConnectorError) -> ActionResult:
        valid, reason, message = False, error.kind, str(error)
        for error_class, outcome_valid, outcome_reason, outcome_message in OUTCOMES:
            if isinstance(error, error_class):
                valid, reason = outcome_valid, outcome_reason or reason
                message = outcome_message or message
                break
        status = getattr(error, "status", None)
        return ActionResult({"valid": valid, "reason": reason, "message": message, "status": status}, status)
