"""What goes into a request before requests prepares it: the URL with its query, a JSON body,
and a step's own headers checked for what HTTP cannot carry, so that nothing fails half-sent.
The executor checks the prepared URL's origin."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from .errors import InputError
from .urls import UNPARSEABLE_TEXT, UrlProblem
from .values import encodable

# What requests and http.client accept: a name without colons or white space, a value on one line.
HEADER_NAME = re.compile(r"[^:\s][^:\r\n]*")
HEADER_VALUE = re.compile(r"(\S[^\r\n]*)?")


def with_query(url: str, params: tuple[tuple[str, str], ...]) -> str:
    """`url` with `params` added to whatever query it already has; UrlProblem if it cannot be read."""
    if not params:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UrlProblem(UNPARSEABLE_TEXT) from None
    query = urlencode(params)
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


def json_bytes(value: object) -> bytes:
    try:
        return json.dumps(value, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # the inputs' own checks catch these first
        raise InputError.single("body", "Body", f"cannot be sent as JSON ({exc}).") from None


def check_sendable(headers: Mapping[str, str]) -> None:
    """A step's own headers checked for what HTTP can carry (the connector's own always can)."""
    for name, value in headers.items():
        if not (isinstance(name, str) and isinstance(value, str) and HEADER_NAME.fullmatch(name)
                and HEADER_VALUE.fullmatch(value) and name.isascii() and encodable(value, "latin-1")):
            raise InputError.single("headers", "Headers", f"header {name!r} cannot be sent: names are "
                                    "plain ASCII without colons or spaces, values one line of Latin-1 text.")
