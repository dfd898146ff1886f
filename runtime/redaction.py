"""Removing secrets from anything that might be shown: log lines, errors, URLs, headers, bodies."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
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


class Redactor:
    """Knows the secrets of one connection and scrubs them, in every common encoding, from text."""

    def __init__(self, secrets: Iterable[str]):
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= 4:
                variants.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so that an encoded form is not half-replaced by a shorter one.
        self._variants = sorted(variants, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._variants:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def bytes_text(self, value: bytes, limit: int) -> str:
        """Readable, redacted and truncated text of a body; binary is shown as its size."""
        if not value:
            return ""
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(value)} bytes of binary data>"
        text = self.text(text)
        if len(value) > limit:
            return f"{text[:limit]}... <truncated, {len(value)} bytes in all>"
        return text

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
    """Rewrites third-party log records with every live connection's secrets redacted."""

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


_SECRET_FILTER = _SecretFilter()
for _name in THIRD_PARTY_LOGGERS:
    logging.getLogger(_name).addFilter(_SECRET_FILTER)


def guard_third_party_logs(redactor: Redactor) -> None:
    """Keep `redactor`'s secrets out of the HTTP libraries' own log records while it lives."""
    _SECRET_FILTER.add(redactor)
