"""The account: Get User Balance, and the connection check builders run when a key is saved."""

from __future__ import annotations

from ..runtime.action import Action, ActionContext, ActionResult
from ..runtime.errors import (
    AuthenticationError,
    ConnectorError,
    InsufficientBalanceError,
    NetworkError,
)
from ..runtime.executor import HttpRequest
from ..runtime.inputs import FormValues
from ..runtime.responses import expect_object, parse_json_body


class GetUserBalance(Action):
    def perform(self, context: ActionContext, inputs: FormValues) -> ActionResult:
        response = context.send(HttpRequest("GET", context.url("user/balance")))
        body = expect_object(parse_json_body(response), "Get User Balance",
                             required=("is_available", "balance_infos"))
        return ActionResult(body, response.status_code, dict(response.headers))


class CheckConnection(Action):
    """GET /models with the key; the outcome is reported as data, never raised, for a save dialog."""

    def perform(self, context: ActionContext, inputs: FormValues) -> ActionResult:
        try:
            response = context.send(HttpRequest("GET", context.url("models")))
            body = expect_object(parse_json_body(response), "the connection check", required=("data",))
        except AuthenticationError as exc:
            return self._report(False, "invalid_key",
                                "DeepSeek rejected this API key. Copy the key again from the DeepSeek "
                                "platform, or create a new one.", exc)
        except InsufficientBalanceError as exc:
            return self._report(True, "no_balance",
                                "The API key is valid, but the account has no balance: top it up "
                                "before running chat steps.", exc)
        except NetworkError as exc:
            return self._report(False, "unreachable", str(exc), exc)
        except ConnectorError as exc:
            return self._report(False, exc.kind, str(exc), exc)
        count = len(body["data"]) if isinstance(body["data"], list) else 0
        return ActionResult({"valid": True, "reason": "ok",
                             "message": f"Connected: the API key works and {count} models are available.",
                             "status": response.status_code}, response.status_code)

    @staticmethod
    def _report(valid: bool, reason: str, message: str, error: ConnectorError) -> ActionResult:
        status = getattr(error, "status", None)
        return ActionResult({"valid": valid, "reason": reason, "message": message, "status": status},
                            status)
