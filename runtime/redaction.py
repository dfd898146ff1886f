"""Keeping secrets out of everything that might be shown: log lines, errors, URLs, headers, bodies.

The rule: text is redacted first and cut short after, and any run of characters that starts a
secret counts as the secret once it is FRAGMENT characters long, so that text cut inside a key,
or a server that quotes part of it, shows at most FRAGMENT - 1 of its characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, AnyStr
from urllib.parse import quote, quote_plus

from .texts import encoding_of

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


# Characters a person does not see between two others: white space, control and format
# characters, Unicode's default-ignorable code points (zero-width spaces and joiners, direction
# marks, variation selectors, fillers, tags) and blanks that look like a space. A key spelled
# with any of them between its characters (UTF-16 read as bytes puts a NUL after each) still
# shows as the key.
INVISIBLE = ("\\s\x00-\x1f\x7f-\xa0\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
             "\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u2800"
             "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
             "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
# Text that shows nothing, or stands for what shows nothing, between two characters: a terminal's
# escape sequences (colours, titles), and the escapes by which repr() and JSON write invisible
# characters (\\x00, \\u200b, \\t), as error messages quoting a value do.
SHOWS_NOTHING = ("\\x1b\\[[0-?]*[ -/]*[@-~]|\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)?"
                  "|\\\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abtnvfr])")
_GAP = f"(?:[{INVISIBLE}]|{SHOWS_NOTHING})*"
# The same without escapes, for text that has no ESC and no backslash: most text, and a pattern
# that costs a third less per scan (a streamed event is scanned as it arrives).
_PLAIN_GAP = f"[{INVISIBLE}]*+"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Controls that make what follows them show right to left (overrides, embeddings, isolates).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _spelled(form: str, *, partial: bool, gap: str = _GAP) -> re.Pattern[str]:
    """A pattern for `form` with invisible characters allowed between its characters.

    Whole: FRAGMENT or more of its first characters (as many as follow). Partial: one or more of
    its first characters, then invisible ones, up to the end of the text: what may yet become
    the key when more text arrives. The first character is a plain literal, so the regular
    expression engine looks for it as fast as str.find does.
    """
    chars = [re.escape(ch) for ch in form]
    first = FRAGMENT if not partial else 1
    tail = ""
    for ch in reversed(chars[first:]):
        tail = f"(?:{gap}{ch}{tail})?"
    pattern = gap.join(chars[:first]) + tail
    return re.compile(pattern + f"{gap}\\Z" if partial else pattern)


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
        # One pattern for every form: the common case, no secret in sight, is one scan of the text
        # (called on every streamed event). A secret too short to redact matches nothing.
        self._whole = self._pattern(_GAP)
        self._sub = self._whole.sub
        self._search_plain, self._search_escaped = self._pattern(_PLAIN_GAP).search, self._whole.search
        self._partial = [_spelled(form, partial=True) for form in self._forms]
        # Written backwards after a right-to-left override, the key shows forwards. Looked for
        # only in text that has such a control: a second pattern costs every text a second scan.
        backwards = [_spelled(form[::-1], partial=False).pattern for form in self._forms
                     if len(form) >= FRAGMENT]
        self._backwards = re.compile("|".join(backwards) if backwards else "(?!)")
        # The fast look at a whole value (see value()) needs every secret to be written in JSON
        # as it is; one with a quote or backslash is looked for string by string instead.
        self._plain_in_json = all('"' not in form and "\\" not in form for form in self._forms)

    def _pattern(self, gap: str) -> re.Pattern[str]:
        whole = [_spelled(form, partial=False, gap=gap).pattern if len(form) >= FRAGMENT else re.escape(form)
                 for form in self._forms]
        return re.compile("|".join(whole) if whole else "(?!)")

    def _search(self, value: str) -> object:
        if "\\" in value or "\x1b" in value:
            return self._search_escaped(value)
        return self._search_plain(value)

    def text(self, value: str) -> str:
        # Called on every streamed event: written out rather than through _search.
        search = self._search_escaped if "\\" in value or "\x1b" in value else self._search_plain
        if search(value):
            value = self._sub(REDACTED, value)
        if not value.isascii() and _BIDI.search(value):
            value = self._backwards.sub(REDACTED, value)
        return value

    def data(self, value: bytes) -> bytes:
        """The plain forms on raw bytes, for bodies before anything decodes them (defence in
        depth: the decoded text is redacted again, spellings included)."""
        marker = REDACTED.encode()
        for form in self._byte_forms:
            value = (_replace_runs(value, form, marker) if len(form) >= FRAGMENT
                     else value.replace(form, marker))
        return value

    def undecided(self, value: str) -> int:
        """Where the end of `value` starts to be what may become a key with more text (its
        first characters, invisible ones between): len(value) when nothing at its end is."""
        cut = len(value)
        for pattern in self._partial:
            found = pattern.search(value)
            if found:
                cut = min(cut, found.start())
        if cut < len(value):
            # A whole key that began earlier and reaches into the undecided end is undecided too.
            for match in self._whole.finditer(value):
                if match.start() < cut < match.end():
                    cut = match.start()
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
        large answer in Python costs seconds; this, a fraction."""
        if not self._plain_in_json:
            return False
        try:
            text = json.dumps(value, ensure_ascii=False, check_circular=False, default=repr)
        except (ValueError, TypeError, RecursionError):
            return False
        return not (self._search(text) or not text.isascii()
                    and (_SURROGATE.search(text) or _BIDI.search(text)))

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
