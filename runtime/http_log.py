"""Logging of HTTP attempts for the executor: one record per attempt, built from redacted text.

Records go to `deepseek_connector.http` at DEBUG, or at INFO when the user asked for Debug
Request. The key never reaches a record: URLs, headers and bodies pass the connection's
Redactor before they are formatted.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import requests

from . import settings
from .redaction import Redactor

if TYPE_CHECKING:
    from .executor import Attempt, HttpRequest

log = logging.getLogger("deepseek_connector.http")


def level_for(debug: bool) -> int:
    return logging.INFO if debug else logging.DEBUG


def log_attempt(redactor: Redactor, request: HttpRequest, headers: dict[str, str], outcome: Attempt,
                elapsed: float, debug: bool) -> None:
    level = level_for(debug)
    if not log.isEnabledFor(level):
        return
    prepared_url = requests.Request("GET", request.url, params=request.params or None).prepare().url
    lines = [f"{request.method} {redactor.text(prepared_url)} (attempt {outcome.number})",
             f"  request headers: {json.dumps(redactor.headers(headers))}"]
    body = describe_request_body(request)
    if body:
        lines.append(f"  request body: {redactor.text(body)[:settings.LOG_BODY_LIMIT]}")
    response = outcome.response
    if response is not None:
        lines.append(f"  status: {response.status_code} in {elapsed * 1000:.0f} ms")
        lines.append(f"  response headers: {json.dumps(redactor.headers(dict(response.headers)))}")
        if response._content_consumed:  # streamed bodies are read later, by the caller
            lines.append("  response body: "
                         + redactor.bytes_text(response.content or b"", settings.LOG_BODY_LIMIT))
    else:
        lines.append(f"  failed after {elapsed * 1000:.0f} ms: {redactor.text(str(outcome.error))}")
    log.log(level, "\n".join(lines))


def log_retry(outcome: Attempt, attempts_allowed: int, wait: float, debug: bool) -> None:
    reason = f"HTTP {outcome.response.status_code}" if outcome.response is not None else outcome.retry_class
    log.log(level_for(debug), "Attempt %d of %d failed (%s); retrying in %.2f s.",
            outcome.number, attempts_allowed, reason, wait)


def describe_request_body(request: HttpRequest) -> str:
    if request.json_body is not None:
        text = json.dumps(request.json_body, ensure_ascii=False)
    elif request.multipart is not None:
        parts = []
        for name, filename, content, ctype in request.multipart:
            if filename is None:
                parts.append(f"field {name}={content.decode('utf-8', 'replace')[:200]!r}")
            else:
                parts.append(f"file {name} ({filename}, {len(content)} bytes, "
                             f"{ctype or 'no content type'})")
        return "multipart: " + "; ".join(parts)
    elif isinstance(request.data, bytes):
        try:
            text = request.data.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(request.data)} bytes of binary data>"
    else:
        text = request.data or ""
    if len(text) > settings.LOG_BODY_LIMIT:
        return f"{text[:settings.LOG_BODY_LIMIT]}... <truncated, {len(text)} characters in all>"
    return text
