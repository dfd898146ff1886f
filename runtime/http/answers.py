"""Reading answers the way DeepSeek sends them, and quoting servers safely in messages.

Bodies reach this module already redacted by the executor; quotes are cut after that, so no
part of a key can appear in a message built here.
"""

from __future__ import annotations

import reprlib
from typing import Any

from .. import settings, texts
from ..errors import ResponseError
from .messages import HttpResponse

_GLIMPSE = reprlib.Repr()
_GLIMPSE.maxlevel, _GLIMPSE.maxdict, _GLIMPSE.maxlist = 3, 6, 6
_GLIMPSE.maxstring, _GLIMPSE.maxother = 60, 40


def quote(content: bytes | str, limit: int = settings.QUOTE_LIMIT) -> str:
    """The start of a server's text, on one line, for an error message."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")


def expect_success(response: HttpResponse, what: str) -> None:
    """Actions other than Raw Request need a 2xx answer; a redirect is reported, never followed."""
    if 300 <= response.status < 400:
        location = response.headers.get("Location", "nowhere")
        raise ResponseError(f"The server answered {what} with a redirect (HTTP {response.status}) to "
                            f"{quote(location)!r}. Redirects are not followed, so that the API key stays "
                            "on the connection's host; check the Base URL.")


def parse_json_body(response: HttpResponse, what: str = "the request") -> Any:
    """Parse a JSON body, skipping the blank keep-alive lines DeepSeek sends while it queues work.

    The body is decoded as a reader would (UTF-16 and UTF-32 included) and redacted as that
    text, before anything parses or quotes it; escapes (\\u0073k-...) can spell a key anew once
    parsed, so a body with any is redacted again as values."""
    expect_success(response, what)
    content = response.content or b""
    # json.loads skips surrounding whitespace itself; stripping first would copy a large body.
    if not content or content.isspace():
        if content:
            raise ResponseError(
                "DeepSeek kept the connection open with keep-alive lines and then closed it without "
                "an answer (the request waited too long in its queue).")
        raise ResponseError(f"The server answered HTTP {response.status} with an empty body "
                            "where a JSON answer was expected.")
    text = shown_body(response)
    try:
        value = texts.loads(text)
    except RecursionError:
        raise ResponseError(f"The server answered HTTP {response.status} with JSON nested too deeply "
                            "to read.") from None
    except ValueError:
        ctype = response.headers.get("Content-Type", "no content type")
        raise ResponseError(
            f"The server answered HTTP {response.status} ({quote(ctype, 60)}) with a body that is not "
            f"JSON (or holds numbers JSON cannot carry, such as NaN), starting: {quote(text)!r}.") from None
    if response.redactor is not None and "\\" in text:
        value = response.redactor.value(value)
    return value


def shown_body(response: HttpResponse) -> str:
    """The body as text, decoded by its charset (or BOM, or JSON's detection) and redacted."""
    text = texts.decode_body(response.content or b"", response.headers.get("Content-Type", ""))
    return response.redactor.text(text) if response.redactor is not None else text


def expect_object(body: Any, what: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check a parsed body has the shape an action relies on, with a clear error when not."""
    if not isinstance(body, dict) or any(key not in body for key in required):
        wanted = f" with {', '.join(required)}" if required else ""
        raise ResponseError(f"The answer for {what} was not a JSON object{wanted}; "
                            f"got {quote(glimpse(body))!r}.")
    return body


def glimpse(value: Any) -> str:
    """A short view of a value, for a message: a large answer is not written out whole to quote
    a few characters of it."""
    return _GLIMPSE.repr(value)
