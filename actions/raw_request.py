"""Raw Request: any DeepSeek endpoint with the connection's key, inputs kept from the anchor.

The key only ever goes to the connection's own origin; retries follow the user's retry inputs
through the shared executor; bodies, files, query and headers are sent exactly as given.
Redirects are reported, never followed.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from ..runtime import settings
from ..runtime.contract.action import Action, Answer, Call
from ..runtime.errors import Problems
from ..runtime.forms.wiring import as_text
from ..runtime.http.answers import parse_json_body, shown_body
from ..runtime.http.downloads import OUTPUT_LABEL, output_problem
from ..runtime.http.messages import HttpRequest
from ..runtime.http.urls import UrlProblem, has_userinfo, is_absolute, join, origin_of
from .multipart import build_multipart

# RFC 9110 field names are tokens; values are visible Latin-1 characters, spaces and tabs.
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
HEADER_VALUE = re.compile(r"^[\t\x20-\x7e\x80-\xff]*$")
# The connector frames the body itself; a user value for these would corrupt the request.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "host"})


class RawRequest(Action):
    def request(self, call: Call) -> HttpRequest:
        form, problems = call.form, call.problems()
        url = resolve_url(call, form["url"], problems)
        headers = user_headers(form.get("headers") or [], problems)
        params = tuple((pair["key"], as_text(pair["value"])) for pair in form.get("queryParams") or [])
        if params and len(url) + 1 + len(urlencode(params)) > settings.MAX_URL_LENGTH:
            problems.add("queryParams", f"make the URL longer than {settings.MAX_URL_LENGTH} characters; "
                                        "servers refuse such requests. Send large values in Data instead.")
        multipart = build_multipart(form, problems)
        data = None
        if form.get("data") is not None and multipart is not None:
            problems.add("data", "cannot be combined with Form Data or File Data; use one or the other.")
        elif multipart is not None:
            # The multipart body carries its own Content-Type with the boundary; a user value would break it.
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        elif form.get("data") is not None:
            data, headers = encode_data(form["data"], headers)
        if call.output is not None:
            if form["responseType"] != "binary":
                problems.add("responseType", "must be binary to write the answer to a file.")
            unwritable = output_problem(call.output)
            if unwritable:
                problems.add("output", unwritable, OUTPUT_LABEL)
        problems.raise_any()
        # With an output file, the answer is a download: written to the file as it arrives.
        return HttpRequest(form["method"], url, params=params, headers=headers, data=data,
                           multipart=multipart, redact_body=form["responseType"] != "binary",
                           download_to=call.output)

    def result(self, answer: Answer, call: Call) -> Any:
        response = answer.response
        assert response is not None  # Raw Request never streams
        if 300 <= response.status < 400:
            return {"redirect": True, "status": response.status, "location": response.headers.get("Location")}
        if response.saved is not None:
            return response.saved
        content = response.content or b""
        if not content:
            return None
        response_type = call.form["responseType"]
        if response_type == "binary":
            return content
        if response_type == "text":
            return shown_body(response)
        return parse_json_body(response, call.spec.label)  # only keep-alive lines is an error there, not null


def resolve_url(call: Call, given: str, problems: Problems) -> str:
    url = given.strip()
    if not is_absolute(url):
        try:
            origin_of(join(call.connection.base_url, url))
        except UrlProblem as problem:
            problems.add("url", str(problem))
        return join(call.connection.base_url, url)
    try:
        same = origin_of(url) == origin_of(call.connection.base_url)
    except UrlProblem as problem:
        problems.add("url", str(problem))
        return url
    if has_userinfo(url):
        problems.add("url", "must not contain a user name or password (user:password@).")
    elif not same:
        problems.add("url", f"points at another host; only the connection's Base URL "
                            f"({call.connection.base_url}) may be called, so that the API key never leaves "
                            "it. Give a path such as /models.")
    return url


def user_headers(pairs: list[dict[str, Any]], problems: Problems) -> dict[str, str]:
    headers: dict[str, str] = {}
    for pair in pairs:
        name, value = pair["key"].strip(), as_text(pair["value"])
        if not HEADER_NAME.match(name):
            problems.add("headers", f"header name {name[:40]!r} may only use letters, digits and - (no "
                                    "spaces, colons or accented letters).")
        elif name.lower() in FRAMING_HEADERS:
            problems.add("headers", f"header {name!r} is set by the connector from the URL and body; "
                                    "remove it.")
        elif not HEADER_VALUE.match(value):
            problems.add("headers", f"header {name!r} has a value with line breaks, control characters or "
                                    "characters outside Latin-1; encode such text first.")
        elif len(value) > settings.MAX_HEADER_LENGTH:
            problems.add("headers", f"header {name!r} is longer than {settings.MAX_HEADER_LENGTH} "
                                    "characters; servers refuse such headers.")
        else:
            for existing in [k for k in headers if k.lower() == name.lower()]:
                del headers[existing]  # a repeated header: the later one wins
            headers[name] = value
    return headers


def encode_data(data: Any, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """The body bytes for Data, with a Content-Type unless the user gave one."""
    if isinstance(data, bytes):
        content, ctype = data, "application/octet-stream"
    elif isinstance(data, str):
        content = data.encode("utf-8")
        ctype = "application/json" if _is_json(data) else "text/plain; charset=utf-8"
    else:
        content, ctype = json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json"
    if not any(k.lower() == "content-type" for k in headers):
        headers = {**headers, "Content-Type": ctype}
    return content, headers


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True
