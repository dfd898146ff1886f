"""Reading response bodies the way DeepSeek sends them."""

from __future__ import annotations

import json
from typing import Any

import requests

from .errors import ResponseError

PREVIEW_LIMIT = 120


def body_preview(content: bytes) -> str:
    text = content.decode("utf-8", "replace").strip()
    return text[:PREVIEW_LIMIT] + ("..." if len(text) > PREVIEW_LIMIT else "")


def parse_json_body(response: requests.Response) -> Any:
    """Parse a JSON body, skipping the blank keep-alive lines DeepSeek sends while it queues work."""
    content = response.content or b""
    stripped = content.strip()
    if not stripped:
        if content:
            raise ResponseError(
                "DeepSeek kept the connection open with keep-alive lines and then closed it without "
                "an answer (the request waited too long in its queue).")
        raise ResponseError(f"The server answered HTTP {response.status_code} with an empty body "
                            "where a JSON answer was expected.")
    try:
        return json.loads(stripped)
    except (ValueError, UnicodeDecodeError):
        ctype = response.headers.get("Content-Type", "no content type")
        raise ResponseError(
            f"The server answered HTTP {response.status_code} ({ctype}) with a body that is not "
            f"JSON, starting: {body_preview(content)!r}.") from None


def expect_object(body: Any, what: str, required: tuple[str, ...] = ()) -> dict:
    """Check a parsed body has the shape an action relies on, with a clear error when not."""
    if not isinstance(body, dict) or any(key not in body for key in required):
        wanted = f" with {', '.join(required)}" if required else ""
        raise ResponseError(f"The answer for {what} was not a JSON object{wanted}; "
                            f"got {body_preview(json.dumps(body).encode())!r}.")
    return body
