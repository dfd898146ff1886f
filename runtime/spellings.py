"""Finding a secret however a text spells it: with invisible characters between its characters,
and cut anywhere after its first FRAGMENT characters.

A person does not see white space, control and format characters, Unicode's default-ignorable
code points (zero-width spaces and joiners, direction marks, variation selectors, fillers, tags),
a terminal's escape sequences, or the escapes by which repr() and JSON write such characters
(\\x00, \\u200b, \\t), so a key with any of them between its characters (UTF-16 read as bytes
puts a NUL after each) still shows as the key.

Most text has no secret at all: each spelling is first looked for with a pattern that is cheap
to compile and to run (anything but printable ASCII between the characters, a superset of the
invisible ones), and only a text that passes it, or that has a backslash or an ESC, is looked at
closely. The close look finds the first FRAGMENT characters and follows the rest in Python, so
its pattern stays small too: a connector with thousands of tenants builds one per key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

FRAGMENT = 8
INVISIBLE = ("\\s\x00-\x1f\x7f-\xa0\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
             "\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u2800"
             "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
             "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
SHOWS_NOTHING = ("\\x1b\\[[0-?]*[ -/]*[@-~]|\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)?"
                 "|\\\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abtnvfr])")
GAP = f"(?:[{INVISIBLE}]|{SHOWS_NOTHING})*"
# Every invisible character is outside printable ASCII; escapes need a backslash or an ESC.
_ROUGH_GAP = "[^!-~]*+"
_gap_run: re.Pattern[str] | None = None


def gap_run() -> re.Pattern[str]:
    """A run of what shows nothing; compiled when first needed (some milliseconds of a start)."""
    global _gap_run  # noqa: PLW0603 - a cache of one compiled pattern
    if _gap_run is None:
        _gap_run = re.compile(f"(?:[{INVISIBLE}]|{SHOWS_NOTHING})+")
    return _gap_run


class Spelling:
    """One written form of a secret, looked for with invisible characters between its characters."""

    def __init__(self, form: str):
        self.form = form
        head = [re.escape(ch) for ch in form[:FRAGMENT]]
        # Possessive (faster) unless a character of the secret is itself one a gap could take.
        rough_gap = _ROUGH_GAP if all("!" <= ch <= "~" for ch in form) else _ROUGH_GAP[:-1]
        self.rough = rough_gap.join(head)
        self._rough = re.compile(self.rough)
        self._head = head
        self._close: re.Pattern[str] | None = None

    def _closely(self) -> re.Pattern[str]:
        if self._close is None:  # a few milliseconds: only for a text that may hold the secret
            self._close = re.compile(GAP.join(self._head))
        return self._close

    def may_be_in(self, text: str) -> bool:
        """False when `text` certainly does not hold this spelling (fast: most texts)."""
        return "\\" in text or "\x1b" in text or self._rough.search(text) is not None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where the secret is: FRAGMENT or more of its first characters, as many as follow."""
        if len(self.form) < FRAGMENT:  # too short to be cut: only whole
            start = text.find(self.form)
            while start >= 0:
                yield start, start + len(self.form)
                start = text.find(self.form, start + len(self.form))
            return
        if not self.may_be_in(text):
            return
        pattern, position = self._closely(), 0
        while (match := pattern.search(text, position)) is not None:
            end = self._follow(text, match.end(), FRAGMENT)
            yield match.start(), end
            position = end

    def _follow(self, text: str, position: int, known: int) -> int:
        """The end of the secret's characters after its first `known`, invisible ones between."""
        end = position
        while known < len(self.form):
            at = end
            if at >= len(text) or text[at] != self.form[known]:
                gap = gap_run().match(text, end)
                at = gap.end() if gap else end
                if at >= len(text) or text[at] != self.form[known]:
                    break
            end, known = at + 1, known + 1
        return end

    def starts_at_end(self, text: str, start: int) -> bool:
        """Whether text[start:] is the secret's first characters (one or more, invisible ones
        between and after), up to the text's end: what may become the secret with more text."""
        position, known = start, 0
        while position < len(text):
            if known < len(self.form) and text[position] == self.form[known]:
                position, known = position + 1, known + 1
                continue
            gap = gap_run().match(text, position)
            if gap is None or known == 0:
                return False
            position = gap.end()
        return known > 0
