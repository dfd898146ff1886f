"""Keeping secrets out of everything that might be shown: log lines, errors, URLs, headers, bodies.

The rule: text is redacted first and cut short after, and any run of characters that starts a
secret counts as the secret once it is FRAGMENT characters long, so that text cut inside a key,
or a server that quotes part of it, shows at most FRAGMENT - 1 of its characters.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any, AnyStr
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
FRAGMENT = 8
# Secrets shorter than this are not redacted at all: they would blank out ordinary words.
SHORTEST_SECRET = 4
# Headers whose value is a credential whatever it contains.
SENSITIVE_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie",
})
# Scheme words kept in a redacted Authorization header, so that logs still show how it was sent.
AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest"})


class Secret:
    """A value that never shows itself in repr, str, format or logs; `reveal()` is explicit."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):
        raise TypeError("A Secret cannot be pickled.")


def _replace_runs(value: AnyStr, form: AnyStr, marker: AnyStr) -> AnyStr:
    """Replace every run that starts like `form` (FRAGMENT or more matching characters) by `marker`."""
    head = form[:FRAGMENT]
    found = value.find(head)
    if found < 0:
        return value
    pieces = []
    start = 0
    while found >= 0:
        end = found + len(head)
        while end < len(value) and end - found < len(form) and value[end] == form[end - found]:
            end += 1
        pieces += [value[start:found], marker]
        start = end
        found = value.find(head, start)
    pieces.append(value[start:])
    return value[:0].join(pieces)


class Redactor:
    """Knows the secrets of one connection and scrubs them, in every common encoding, from text."""

    def __init__(self, secrets: Iterable[str]):
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= SHORTEST_SECRET:
                forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so that an encoded form is not half-replaced by a shorter one.
        self._forms = sorted(forms, key=len, reverse=True)
        self._byte_forms = [form.encode("utf-8") for form in self._forms]
        self._heads = [(form[:FRAGMENT], form) for form in self._forms]

    def text(self, value: str) -> str:
        # Called on every streamed event: the common case, no secret in sight, is one scan per form.
        for head, form in self._heads:
            if head in value:
                value = (_replace_runs(value, form, REDACTED) if len(form) >= FRAGMENT
                         else value.replace(form, REDACTED))
        return value

    def data(self, value: bytes) -> bytes:
        """The same rule on raw bytes, for bodies before anything reads them."""
        marker = REDACTED.encode()
        for form in self._byte_forms:
            value = (_replace_runs(value, form, marker) if len(form) >= FRAGMENT
                     else value.replace(form, marker))
        return value

    def value(self, value: Any) -> Any:
        """A decoded JSON value with the secrets redacted from every string in it, keys included,
        changed in place: for answers that spelled a key with escapes (\\u0073k-...), which
        the redaction of the raw bytes cannot see. Iterative, so no nesting is too deep."""
        if isinstance(value, str):
            return self.text(value)
        pending = [value] if isinstance(value, (dict, list)) else []
        while pending:
            node = pending.pop()
            if isinstance(node, list):
                for index, item in enumerate(node):
                    if isinstance(item, str):
                        node[index] = self.text(item)
                    elif isinstance(item, (dict, list)):
                        pending.append(item)
                continue
            for key, item in list(node.items()):
                if isinstance(item, str):
                    node[key] = self.text(item)
                elif isinstance(item, (dict, list)):
                    pending.append(item)
                if isinstance(key, str) and self.text(key) != key:
                    node[self.text(key)] = node.pop(key)
        return value

    def cut(self, value: str, limit: int, *, total: str = "characters") -> str:
        """Redacted text, cut at `limit` characters with a note of the full length."""
        value = self.text(value)
        if len(value) <= limit:
            return value
        return f"{value[:limit]}... <truncated, {len(value)} {total} in all>"

    def body(self, content: bytes, limit: int) -> str:
        """Readable, redacted and cut text of a body; binary is shown as its size."""
        if not content:
            return ""
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(content)} bytes of binary data>"
        return self.cut(text, limit)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        shown = {}
        for name, value in headers.items():
            if name.lower() in SENSITIVE_HEADERS:
                first_word = str(value).split(" ", 1)[0]
                scheme = first_word if first_word.lower() in AUTH_SCHEMES else ""
                shown[name] = f"{scheme} {REDACTED}".strip()
            else:
                shown[name] = self.text(str(value))
        return shown


# Loggers of the HTTP stack below the executor. urllib3 logs request lines, query included,
# at DEBUG; a key a user put in a query parameter would appear there.
THIRD_PARTY_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager",
                       "urllib3.response", "urllib3.util.retry", "requests")


class _SecretFilter(logging.Filter):
    """Rewrites log records with every live connection's secrets redacted."""

    def __init__(self):
        super().__init__()
        self._redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()
        self._lock = threading.Lock()

    def add(self, redactor: Redactor) -> None:
        with self._lock:
            self._redactors.add(redactor)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            redactors = list(self._redactors)
        if redactors:
            text = record.getMessage()
            for redactor in redactors:
                text = redactor.text(text)
            record.msg, record.args = text, None
        return True


SECRET_FILTER = _SecretFilter()


def install_log_redaction(loggers: Iterable[str] = THIRD_PARTY_LOGGERS) -> None:
    """Redact live connections' secrets from other libraries' log records.

    Called by the command line and the host adapters; a host that embeds the Python API and
    turns on urllib3's DEBUG logging should call it too.
    """
    for name in loggers:
        logger = logging.getLogger(name)
        if SECRET_FILTER not in logger.filters:
            logger.addFilter(SECRET_FILTER)
