"""Errors grouped by what the person running the workflow must do.

Every error a user can see derives from ConnectorError and carries a message written for a
no-code user. API errors also carry the HTTP status, the API's own message and the request id;
errors from a stream carry the part of the answer that had arrived (`partial`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Clean = Callable[[str], str]
CleanValue = Callable[[Any], Any]


class ConnectorError(Exception):
    """Base of every error the connector raises on purpose."""

    #: A short machine-readable name hosts can branch on.
    kind = "connector_error"
    #: What the user should do next; shown after the message.
    advice = ""

    def __init__(self, message: str, *, partial: Any = None, attempts: int = 0):
        super().__init__(message)
        self.message = message
        #: How many HTTP attempts were made before this error was raised.
        self.attempts = attempts
        #: For streamed answers: what had arrived, in the shape of the full result.
        self.partial = partial

    def __str__(self) -> str:
        return f"{self.message} {self.advice}".strip()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "message": str(self), "attempts": self.attempts}
        if self.partial is not None:
            data["partial"] = self.partial
        return data

    def evolve(self, **changes: Any) -> ConnectorError:
        """A copy of this error with some attributes changed: an error is never changed once
        raised (a stream's caller may hold it), so notes and redaction make new ones."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.__dict__.update(changes)
        clone.args = (clone.message,)
        return clone

    def redacted(self, clean: Clean, clean_value: CleanValue) -> ConnectorError:
        """A copy with every text passed through `clean` and the partial answer through
        `clean_value` (the connection's Redactor.text and .value), as people will see it."""
        partial = None if self.partial is None else clean_value(self.partial)
        return self.evolve(message=clean(self.message), partial=partial, **self._redacted_fields(clean))

    def _redacted_fields(self, clean: Clean) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class InputProblem:
    key: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


class InputError(ConnectorError):
    """An input is missing or invalid. Nothing was sent."""

    kind = "invalid_input"

    def __init__(self, problems: list[InputProblem]):
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = f"Invalid input. {self.problems[0]}"
        else:
            # One sentence (or more) per input, each ending as a sentence does.
            listed = " ".join(_sentence(str(p)) for p in self.problems)
            text = f"{len(self.problems)} inputs are invalid. {listed}"
        super().__init__(text)

    @classmethod
    def single(cls, key: str, label: str, message: str) -> InputError:
        return cls([InputProblem(key, label, message)])

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["inputs"] = [{"key": p.key, "label": p.label, "message": p.message} for p in self.problems]
        return data

    def _redacted_fields(self, clean: Clean) -> dict[str, Any]:
        return {"problems": [InputProblem(p.key, p.label, clean(p.message)) for p in self.problems]}


class Problems:
    """Collects input problems across fields so the user can fix them all at once.

    `labels` maps input keys to the labels users see; problems name inputs by label.
    """

    def __init__(self, labels: Callable[[str], str]):
        self._label = labels
        self.items: list[InputProblem] = []

    def add(self, key: str, message: str, label: str | None = None) -> None:
        self.items.append(InputProblem(key, label or self._label(key), message))

    def raise_any(self) -> None:
        if self.items:
            raise InputError(self.items)


class ManifestError(ConnectorError):
    """connector.yaml is broken; the message names the bad path."""

    kind = "invalid_manifest"


class ApiError(ConnectorError):
    """The DeepSeek API (or the server at the base URL) answered with an error status."""

    kind = "api_error"
    advice = "Check the request and try again."

    def __init__(self, message: str, *, status: int | None = None, api_message: str | None = None,
                 request_id: str | None = None, retry_after: float | None = None, attempts: int = 0):
        self.status = status
        self.api_message = api_message
        self.request_id = request_id
        #: Seconds the server asked to wait before trying again (Retry-After), if it said.
        self.retry_after = retry_after
        parts = [message]
        if api_message:
            parts.append(f'The API said: "{api_message}".')
        if request_id:
            parts.append(f"(request id {request_id})")
        super().__init__(" ".join(parts), attempts=attempts)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update(status=self.status, api_message=self.api_message, request_id=self.request_id)
        return data

    def _redacted_fields(self, clean: Clean) -> dict[str, Any]:
        # The request id is a header the server chose.
        return {"api_message": self.api_message and clean(self.api_message),
                "request_id": self.request_id and clean(self.request_id)}


class AuthenticationError(ApiError):
    kind = "authentication"
    advice = ("Check the API Key in the DeepSeek connection; create a new key in the DeepSeek platform "
              "if needed.")


class InsufficientBalanceError(ApiError):
    kind = "insufficient_balance"
    advice = "Top up the DeepSeek account balance, then run the step again."


class InvalidRequestError(ApiError):
    kind = "invalid_request"
    advice = "Fix the inputs named in the message and run the step again."


class PermissionDeniedError(ApiError):
    kind = "permission_denied"
    advice = "The key is not allowed to do this; check the account's permissions."


class NotFoundError(ApiError):
    kind = "not_found"
    advice = "Check the URL or model name, and the connection's Base URL."


class ProxyAuthError(ApiError):
    """A proxy between this platform and the API refused the credentials it was given (HTTP 407),
    in answer to a request or to an https call's CONNECT."""

    kind = "proxy_auth"
    advice = ("Check the user name and password of the proxy this platform uses (HTTPS_PROXY or "
              "HTTP_PROXY); DeepSeek itself was not reached.")


class RateLimitError(ApiError):
    kind = "rate_limited"
    advice = ("DeepSeek is limiting this account; wait a little, lower the workflow's concurrency, "
              "or raise Max Retries.")


class ServerError(ApiError):
    kind = "server_error"
    advice = "DeepSeek had a problem or is overloaded; try again in a few minutes."


class NetworkError(ConnectorError):
    kind = "network"
    advice = ("Check the connection's Base URL and the network between this platform and DeepSeek, "
              "then try again.")


class UnreachableError(NetworkError):
    """The host name did not resolve or the connection was refused: nothing was sent."""



class RequestTimeoutError(NetworkError):
    kind = "timeout"
    advice = ("The server took too long. Try again, raise the Timeout (an advanced input of this step), "
              "or ask for a shorter answer.")


class DeadlineError(RequestTimeoutError):
    """The step's whole Timeout ran out; there is no time left to retry."""



class ResponseError(ConnectorError):
    """The response arrived but cannot be used (not JSON, wrong shape, too large)."""

    kind = "bad_response"
    advice = ("This is usually temporary; run the step again. If it persists, check that the Base "
              "URL points at the DeepSeek API.")


class OutputError(ConnectorError):
    """The model's answer is not what the step asked for: not JSON, or not matching the JSON Schema.
    `partial` holds the answer as it came."""

    kind = "invalid_output"
    advice = ("Describe the shape more precisely in the messages (say json and show an example), raise "
              "Repair Attempts, or loosen the JSON Schema.")


class LocalFileError(ConnectorError):
    """A file on this machine could not be read to its end (an upload's source: deleted, cut short,
    unreadable) or written (a download's target: no space, no permission)."""

    kind = "local_file"
    advice = ("Check the file's path, permissions and free space, and that nothing changes the file "
              "while the step runs; then run it again.")


class StreamError(ResponseError):
    """The stream broke off, stalled or reported an error; `partial` holds what had arrived."""

    kind = "stream_incomplete"


#: One table from status to error class; anything else falls back by range.
STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionDeniedError,
    404: NotFoundError,
    407: ProxyAuthError,
    422: InvalidRequestError,
    429: RateLimitError,
}

STATUS_SUMMARIES: dict[int, str] = {
    400: "DeepSeek rejected the request as invalid (HTTP 400).",
    401: "DeepSeek rejected the API key (HTTP 401).",
    402: "The DeepSeek account has insufficient balance (HTTP 402).",
    403: "DeepSeek refused the request (HTTP 403).",
    404: "The server has no such endpoint or resource (HTTP 404).",
    407: "The proxy refused the credentials it was given (HTTP 407).",
    422: "DeepSeek rejected a parameter value (HTTP 422).",
    429: "DeepSeek rate limit reached (HTTP 429).",
}


def error_for_status(status: int, *, api_message: str | None = None, request_id: str | None = None,
                     retry_after: float | None = None, attempts: int = 0) -> ApiError:
    cls = STATUS_ERRORS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else InvalidRequestError if status >= 400 else ApiError
    fallback = f"DeepSeek had a server error (HTTP {status})." if status >= 500 else \
        f"The request failed with HTTP {status}."
    summary = STATUS_SUMMARIES.get(status, fallback)
    return cls(summary, status=status, api_message=api_message, request_id=request_id,
               retry_after=retry_after, attempts=attempts)
