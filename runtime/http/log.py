"""Logging of HTTP attempts: one record per attempt, built from redacted text only.

Records go to `deepseek_connector.http` at DEBUG, or at INFO when the user asked for Debug
Request. Every piece of text passes the connection's Redactor before it is cut or formatted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import requests

from .. import settings
from ..errors import ConnectorError
from ..redaction import Redactor
from .messages import HttpRequest, HttpResponse

log = logging.getLogger("deepseek_connector.http")
PLATFORM_VALUE = "[set by the platform's Session]"


def level_for(debug: bool) -> int:
    return logging.INFO if debug else logging.DEBUG


def log_attempt(redactor: Redactor, request: HttpRequest, url: str, headers: Mapping[str, str],
                number: int, elapsed: float, debug: bool, *, response: HttpResponse | None = None,
                error: ConnectorError | None = None, platform: Mapping[str, Any] | None = None) -> None:
    """`platform`: the headers of the platform's own Session, whose values are not shown."""
    level = level_for(debug)
    if not log.isEnabledFor(level):
        return
    shown = redactor.headers(without_platform_values(headers, platform or {}))
    lines = [f"{request.method} {redactor.text(url)} (attempt {number})",
             f"  request headers: {json.dumps(shown)}"]
    body = describe_request_body(redactor, request)
    if body:
        lines.append(f"  request body: {body}")
    if response is not None:
        lines.append(f"  status: {response.status} in {elapsed * 1000:.0f} ms")
        lines.append(f"  response headers: {json.dumps(redactor.headers(dict(response.headers)))}")
        if response.content is not None:  # a streamed body is read later, by the caller
            lines.append("  response body: " + redactor.body(response.content, settings.LOG_BODY_LIMIT,
                                                              response.headers.get("Content-Type", "")))
    if error is not None:
        lines.append(f"  failed after {elapsed * 1000:.0f} ms: {redactor.text(str(error))}")
    log.log(level, "\n".join(lines))


def without_platform_values(headers: Mapping[str, str], platform: Mapping[str, Any]) -> dict[str, str]:
    """The headers, with the value of each one the platform's Session set (a gateway's key, say)
    left out: a step that turns Debug Request on must not show the platform's secrets. Headers
    requests sends anyway, or that the step itself gave, are shown."""
    stock = requests.utils.default_headers()
    hidden = {name.lower() for name, value in platform.items()
              if stock.get(name) != value and headers.get(name) == value}
    return {name: PLATFORM_VALUE if name.lower() in hidden else value for name, value in headers.items()}


def log_retry(error: ConnectorError, attempts_allowed: int, wait: float, debug: bool) -> None:
    status = getattr(error, "status", None)
    reason = f"HTTP {status}" if status else error.kind
    log.log(level_for(debug), "Attempt %d of %d failed (%s); retrying in %.2f s.",
            error.attempts, attempts_allowed, reason, wait)


def describe_request_body(redactor: Redactor, request: HttpRequest) -> str:
    if request.json_body is not None:
        return redactor.cut(json.dumps(request.json_body, ensure_ascii=False), settings.LOG_BODY_LIMIT)
    if request.multipart is not None:
        parts = []
        for part in request.multipart:
            if part.filename is None and isinstance(part.content, bytes):
                text = redactor.cut(part.content.decode("utf-8", "replace"), settings.LOG_FIELD_LIMIT)
                parts.append(f"field {part.name}={text!r}")
            else:
                size = f"{len(part.content)} bytes" if isinstance(part.content, bytes) else "streamed"
                parts.append(f"file {part.name} ({redactor.text(part.filename or '')}, {size}, "
                             f"{part.content_type or 'no content type'})")
        # Field names and content types are a step's text too: redacted like the rest.
        return redactor.text("multipart: " + "; ".join(parts))
    if request.data:
        return redactor.body(request.data, settings.LOG_BODY_LIMIT)
    return ""
