"""Keeping secrets out of everything that might be shown: log lines, errors, URLs, headers, bodies.

The rule: text is redacted first and cut short after, and any run of characters that starts a
secret counts as the secret once it is FRAGMENT characters long, so that text cut inside a key,
or a server that quotes part of it, shows at most FRAGMENT - 1 of its characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from .spellings import BLOCK, FRAGMENT, Spelling, has_escape
from .texts import encoding_of

REDACTED = "[REDACTED]"
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


_SURROGATE = re.compile("[\ud800-\udfff]")
# Controls that make what follows them show right to left (overrides, embeddings, isolates).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


# json.dumps would make this encoder anew for every value.
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False, default=repr)


def _replaced(value: str, spans: list[tuple[int, int]]) -> str:
    """`value` with each span (merged where they overlap) replaced by REDACTED."""
    if not spans:
        return value
    pieces, position = [], 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        if start > position:
            pieces.append(value[position:start])
        if not pieces or pieces[-1] != REDACTED or start > position:
            pieces.append(REDACTED)
        position = max(position, end)
    pieces.append(value[position:])
    return "".join(pieces)


class Redactor:
    """Knows the secrets of one connection and scrubs them, in every common encoding, from text."""

    def __init__(self, secrets: Iterable[str]):
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= SHORTEST_SECRET:
                forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so that an encoded form is not half-replaced by a shorter one.
        self._forms = sorted(forms, key=len, reverse=True)
        self._spellings = [Spelling(form) for form in self._forms]
        # Every spelling's rough look in one pattern: one scan of a text that holds no secret.
        rough = [spelling.rough for spelling in self._spellings if len(spelling.form) >= FRAGMENT]
        rough += [re.escape(form) for form in self._forms if len(form) < FRAGMENT]
        self._rough_search = re.compile("|".join(rough) if rough else "(?!)").search
        self._blocks = sorted({form[i:i + BLOCK] for form in self._forms if len(form) > FRAGMENT
                               for i in range(0, len(form) - BLOCK + 1, BLOCK)})
        # Written backwards after a right-to-left override, the key shows forwards: looked for only
        # in text that has such a control.
        self._backwards: list[Spelling] | None = None
        # The fast look at a whole value (see value()) needs every secret to be written in JSON
        # as it is; one with a quote or backslash is looked for string by string instead.
        self._plain_in_json = all('"' not in form and "\\" not in form for form in self._forms)

    def text(self, value: str) -> str:
        # Called on every streamed event: the common case, no secret in sight, is one rough scan
        # for the secret's head and a look for its blocks.
        if has_escape(value) or self._rough_search(value) or self._has_block(value):
            value = _replaced(value, self._spans(value, self._spellings))
        if not value.isascii() and _BIDI.search(value):
            if self._backwards is None:
                self._backwards = [Spelling(form[::-1]) for form in self._forms if len(form) >= FRAGMENT]
            value = _replaced(value, self._spans(value, self._backwards))
        return value

    def clean(self, texts: Iterable[str]) -> bool:
        """Whether none of `texts` has anything to redact: one look at them joined, since a key
        spelled in any one of them is in the join too (a match across two only costs the
        caller the look at each)."""
        joined = "\n".join(texts)
        return self.text(joined) is joined

    def _has_block(self, value: str) -> bool:
        return any(map(value.__contains__, self._blocks))

    @staticmethod
    def _spans(value: str, spellings: list[Spelling]) -> list[tuple[int, int]]:
        return [span for spelling in spellings for found in (spelling.spans(value), spelling.parts(value))
                for span in found]

    def undecided(self, value: str) -> int:
        """Where the end of `value` starts to be what may become a key with more text (its
        first characters, invisible ones between): len(value) when nothing at its end is."""
        cut = len(value)
        for spelling in self._spellings:
            first = spelling.form[0]
            start = value.find(first)
            while 0 <= start < cut:
                if spelling.starts_at_end(value, start):
                    cut = start
                    break
                start = value.find(first, start + 1)
        if cut < len(value):
            # A whole key that began earlier and reaches into the undecided end is undecided too.
            for start, end in self._spans(value, self._spellings):
                if start < cut < end:
                    cut = start
        return cut

    def value(self, value: Any) -> Any:
        """A decoded JSON value as it may be shown: every string in it, keys included, redacted
        and any lone surrogate (which no output can encode) replaced by U+FFFD, changed in
        place. For answers that spelled a key with escapes (\\u0073k-...), or whose text was
        joined from pieces, which the redaction of raw text cannot see. Iterative, so no nesting
        is too deep."""
        if isinstance(value, str):
            return self.shown(value)
        if not isinstance(value, (dict, list)) or self._clean(value):
            return value
        pending = [value]
        while pending:
            node = pending.pop()
            if isinstance(node, list):
                for index, item in enumerate(node):
                    if isinstance(item, str):
                        node[index] = self.shown(item)
                    elif isinstance(item, (dict, list)):
                        pending.append(item)
                continue
            for key, item in list(node.items()):
                if isinstance(item, str):
                    node[key] = self.shown(item)
                elif isinstance(item, (dict, list)):
                    pending.append(item)
                if isinstance(key, str) and self.shown(key) != key:
                    node[self.shown(key)] = node.pop(key)
        return value

    def _clean(self, value: Any) -> bool:
        """Whether a value certainly needs nothing redacted or replaced: its JSON text, written by
        the json module at C speed, shows no secret (invisible characters between its characters
        are written as escapes, which count as invisible too) and no lone surrogate. A walk of a
        large answer in Python costs seconds; this, a fraction.

        The text is looked at in the pieces the encoder hands back (its one-shot mode, which
        writes at C speed), never joined: each piece holds whole strings, and the walk redacts
        string by string, so a piece is as good as the whole; a large answer's JSON is then
        not held twice (its pieces and their join) on top of the answer itself."""
        if not self._plain_in_json:
            return False
        try:
            for text in _JSON.iterencode(value, _one_shot=True):
                # A backslash a string holds is written doubled; an escape it spells (\\u200b)
                # must still count as one.
                probe = text.replace("\\\\", "\\") if "\\\\" in text else text
                if self._spans(probe, self._spellings) or not text.isascii() \
                        and (_SURROGATE.search(text) or _BIDI.search(text)):
                    return False
        except (ValueError, TypeError, RecursionError):
            return False
        return True

    def shown(self, text: str) -> str:
        """One string of a value as it may be shown: redacted, lone surrogates replaced."""
        if not text.isascii() and _SURROGATE.search(text):
            text = _SURROGATE.sub("\ufffd", text)
        return self.text(text)

    def cut(self, value: str, limit: int, *, total: str = "characters") -> str:
        """Redacted text, cut at `limit` characters with a note of the full length."""
        value = self.text(value)
        if len(value) <= limit:
            return value
        return f"{value[:limit]}... <truncated, {len(value)} {total} in all>"

    def body(self, content: bytes, limit: int, content_type: str = "") -> str:
        """Readable, redacted and cut text of a body, decoded as a reader would (its charset, a
        byte order mark, UTF-16 told by its NULs); binary is shown as its size."""
        if not content:
            return ""
        try:
            text = content.decode(encoding_of(content, content_type))
        except (LookupError, UnicodeError, TypeError, ValueError):
            return f"<{len(content)} bytes of binary data>"
        return self.cut(text, limit)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers as a log shows them: credentials by name, and a secret in any name or value."""
        shown = {}
        for name, value in headers.items():
            if name.lower() in SENSITIVE_HEADERS:
                first_word = str(value).split(" ", 1)[0]
                scheme = first_word if first_word.lower() in AUTH_SCHEMES else ""
                shown[self.text(name)] = f"{scheme} {REDACTED}".strip()
            else:
                shown[self.text(name)] = self.text(str(value))
        return shown
