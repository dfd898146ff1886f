"""Raw Request: any DeepSeek endpoint with the connection's key, inputs kept from the anchor.

The key only ever goes to the connection's own origin; retries follow the user's settings
through the shared executor; bodies, files, query and headers are sent exactly as given.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import re
from typing import Any
from urllib.parse import urlsplit

import requests

from ..connections.api_key import url_origin
from ..runtime import settings
from ..runtime.action import Action, ActionContext, ActionResult
from ..runtime.errors import InputError, InputProblem
from ..runtime.executor import HttpRequest
from ..runtime.inputs import FormValues
from ..runtime.responses import parse_json_body

# RFC 9110 field names are tokens; values are visible Latin-1 characters, spaces and tabs.
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
HEADER_VALUE = re.compile(r"^[\t\x20-\x7e\x80-\xff]*$")
# The connector frames the body itself; a user value for these would corrupt the request.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "host"})


class RawResult(ActionResult):
    """Binary data is bytes for Python hosts and base64 text in the CLI's JSON."""

    def to_cli(self) -> dict[str, Any]:
        if isinstance(self.data, bytes):
            return {"data": base64.b64encode(self.data).decode("ascii"), "encoding": "base64",
                    "contentType": self.headers.get("Content-Type")}
        return self.to_dict()


class RawRequest(Action):
    def perform(self, context: ActionContext, form: FormValues) -> RawResult:
        request, policy = build_request(context, form)
        response = context.send(request, policy=policy, debug=form["debugRequest"])
        return RawResult(read_response(response, form["responseType"]), response.status_code,
                         dict(response.headers))


def build_request(context: ActionContext, form: FormValues) -> tuple[HttpRequest, settings.RetryPolicy]:
    problems: list[InputProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(InputProblem(key, context.label(key), message))

    url = resolve_url(context, form["url"], problem)
    headers = user_headers(form.get("headers") or [], problem)
    request = HttpRequest(form["method"], url, headers=headers,
                          params=[(p["key"], _text(p["value"])) for p in form.get("queryParams") or []])
    multipart = build_multipart(form, problem)
    if form.get("data") is not None and multipart is not None:
        problem("data", "cannot be combined with Form Data or File Data; use one or the other.")
    elif multipart is not None:
        request.multipart = multipart
        # requests sets multipart/form-data with its boundary; a user value would break it.
        request.headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    elif form.get("data") is not None:
        set_body(request, form["data"])
    if "timeout" in form.given:
        request.connect_timeout = request.read_timeout = form["timeout"] / 1000
    if problems:
        raise InputError(problems)
    return request, retry_policy(form)


def resolve_url(context: ActionContext, url: str, problem) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number or out of range
    except ValueError as exc:
        problem("url", f"is not a valid URL ({exc}).")
        return url
    if parts.scheme or parts.netloc or url.startswith("//"):
        if url_origin(url) != context.connection.origin or parts.scheme not in ("http", "https"):
            base = context.connection.base_url
            problem("url", f"points at another host; only the connection's Base URL ({base}) may be "
                           "called, so that the API key never leaves it. Give a path such as /models.")
        return url
    return context.url(url)


def user_headers(pairs: list[dict[str, Any]], problem) -> dict[str, str]:
    headers: dict[str, str] = {}
    for pair in pairs:
        name, value = pair["key"].strip(), _text(pair["value"])
        if not HEADER_NAME.match(name):
            problem("headers", f"header name {name!r} may only use letters, digits and - (no spaces, "
                               "colons or accented letters).")
            continue
        if name.lower() in FRAMING_HEADERS:
            problem("headers", f"header {name!r} is set by the connector from the URL and body; "
                               "remove it.")
            continue
        if not HEADER_VALUE.match(value):
            problem("headers", f"header {name!r} has a value with line breaks, control characters or "
                               "characters outside Latin-1; encode such text first.")
            continue
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]  # a repeated header: the later one wins
        headers[name] = value
    return headers


def set_body(request: HttpRequest, data: Any) -> None:
    has_type = any(k.lower() == "content-type" for k in request.headers)
    if isinstance(data, bytes):
        request.data = data
        if not has_type:
            request.headers["Content-Type"] = "application/octet-stream"
    elif isinstance(data, str):
        request.data = data.encode("utf-8")
        if not has_type:
            request.headers["Content-Type"] = ("application/json" if _is_json(data)
                                               else "text/plain; charset=utf-8")
    else:
        request.data = json.dumps(data, ensure_ascii=False).encode("utf-8")
        if not has_type:
            request.headers["Content-Type"] = "application/json"


def build_multipart(form: FormValues, problem) -> list | None:
    fields = form.get("formData") or []
    files = form.get("fileData") or []
    names = {p["key"]: _text(p["value"]) for p in form.get("fileDataFileNames") or []}
    file_keys = {p["key"] for p in files}
    for key in names:
        if key not in file_keys:
            problem("fileDataFileNames", f"names a file for {key!r}, but File Data has no such key.")
    if not fields and not files:
        return None
    parts: list[tuple[str, str | None, bytes, str | None]] = [
        (p["key"], None, _field_bytes(p["value"]), None) for p in fields]
    for pair in files:
        try:
            content, ctype = file_content(pair["value"])
        except ValueError as exc:
            problem("fileData", f"file {pair['key']!r} {exc}")
            continue
        filename = names.get(pair["key"]) or pair["key"]
        ctype = ctype or mimetypes.guess_type(filename)[0]
        parts.append((pair["key"], filename, content, ctype))
    return parts


def file_content(value: Any) -> tuple[bytes, str | None]:
    """A file as platforms pass it: text, bytes, or {"data": bytes-or-base64, "contentType"}."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), None
    if isinstance(value, str):
        return value.encode("utf-8"), None
    if isinstance(value, dict) and "data" in value:
        ctype = value.get("contentType") or value.get("content_type")
        data = value["data"]
        if isinstance(data, (bytes, bytearray)):
            return bytes(data), ctype
        if isinstance(data, str):
            try:
                return base64.b64decode(data, validate=True), ctype
            except (binascii.Error, ValueError):
                raise ValueError("has data that is neither bytes nor valid base64 text.") from None
    raise ValueError('must be text, binary data, or {"data": ..., "contentType": ...}.')


def retry_policy(form: FormValues) -> settings.RetryPolicy:
    retry_on = {settings.NETWORK, settings.TIMEOUT, settings.SERVER}
    if form["retryAllErrors"]:
        retry_on |= {settings.RATE_LIMITED, settings.CLIENT}
    return settings.RetryPolicy(
        max_retries=form["maxRetries"], retry_on=frozenset(retry_on),
        exponential=form["useExponentialBackoff"], fixed_delay=form["retryDelayMS"] / 1000,
        honour_retry_after=True, total_budget=settings.RAW_REQUEST_TOTAL_LIMIT)


def read_response(response: requests.Response, response_type: str) -> Any:
    content = response.content or b""
    if not content:
        return None
    if response_type == "binary":
        return content
    if response_type == "text":
        return content.decode(response.encoding or "utf-8", "replace")
    return parse_json_body(response)  # only keep-alive lines is an error there, not null


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _field_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else _text(value).encode("utf-8")
