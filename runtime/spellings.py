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
# A terminal's escape sequences (CSI, and OSC up to its terminator), also as repr() and JSON
# write their ESC and BEL (\u001b[0m, \x1b]0;title\x07), and the escapes of one character.
_ESC = r"(?:\x1b|\\(?:u001[bB]|x1[bB]|033|e))"
_BEL = r"(?:\x07|\\(?:u0007|x07|a))"
SHOWS_NOTHING = (rf"{_ESC}\[[0-?]*[ -/]*[@-~]|{_ESC}\][^\x07\x1b\\]*(?:{_BEL}|{_ESC}\\{{1,2}})?"
                 r"|\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abtnvfr])")
# One thing that shows nothing: an escape sequence is tried first, so that it is taken whole
# rather than as an invisible ESC followed by visible characters.
GAP_UNIT = f"{SHOWS_NOTHING}|[{INVISIBLE}]"
# An escape whose end has not arrived yet (a stream may be cut anywhere): the beginnings of
# the ESCs above, of a sequence they start, and of one character's escape.
_ESC_BEGUN = r"(?:\x1b|\\(?:u(?:0(?:0(?:1[bB]?)?)?)?|x(?:1[bB]?)?|03{0,2}|e)?)"
_ESCAPE_BEGUN = re.compile(rf"{_ESC_BEGUN}(?:\[[0-?]*[ -/]*|\][^\x07\x1b\\]*{_ESC_BEGUN}?)?"
                           r"|\\(?:x[0-9a-fA-F]?|u[0-9a-fA-F]{0,3}|U[0-9a-fA-F]{0,7})")
# Every invisible character is outside printable ASCII; escapes need a backslash or an ESC.
_ROUGH_GAP = "[^!-~]*+"
_gap_unit: re.Pattern[str] | None = None


def gap_unit() -> re.Pattern[str]:
    """One thing that shows nothing; compiled when first needed (some milliseconds of a start)."""
    global _gap_unit  # noqa: PLW0603 - a cache of one compiled pattern
    if _gap_unit is None:
        _gap_unit = re.compile(GAP_UNIT)
    return _gap_unit


def gap_before(ch: str) -> str:
    """Things that show nothing, as many as there are, none of them starting with `ch` (the
    secret's next character, which a gap must leave to it). Atomic: a gap is never taken apart
    again, so no text makes the search slow however its escapes and invisible characters mix."""
    return f"(?>(?:(?!{re.escape(ch)})(?:{GAP_UNIT}))*)"


def escape_begun(text: str, position: int) -> bool:
    """Whether text[position:] is the beginning of an escape that more text may complete."""
    return _ESCAPE_BEGUN.fullmatch(text, position) is not None


class Spelling:
    """One written form of a secret, looked for with invisible characters between its characters."""

    def __init__(self, form: str):
        self.form = form
        head = form[:FRAGMENT]
        # A character of the secret that a gap could take is left to the gap (the rough look is
        # only ever too generous), so the gaps can be possessive: no text makes this look slow.
        shown = [re.escape(ch) for ch in head if "!" <= ch <= "~"] or [re.escape(head[0])]
        self.rough = _ROUGH_GAP.join(shown)
        self._rough = re.compile(self.rough)
        self._head = head
        self._close: re.Pattern[str] | None = None

    def _closely(self) -> re.Pattern[str]:
        if self._close is None:  # a few milliseconds: only for a text that may hold the secret
            pieces = [re.escape(self._head[0])]
            pieces += [gap_before(ch) + re.escape(ch) for ch in self._head[1:]]
            self._close = re.compile("".join(pieces))
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
            end, _ = self._follow(text, match.end(), FRAGMENT)
            yield match.start(), end
            position = end

    def _follow(self, text: str, position: int, known: int) -> tuple[int, int]:
        """How far the secret's characters after its first `known` go on from `position`, with
        things that show nothing between them: the end of the last one, and how many are known.
        At each step the secret's own character comes first, then one thing that shows nothing."""
        end = at = position
        while known < len(self.form) and at < len(text):
            if text[at] == self.form[known]:
                at, known = at + 1, known + 1
                end = at
                continue
            unit = gap_unit().match(text, at)
            if unit is None:
                break
            at = unit.end()
        return end, known

    def starts_at_end(self, text: str, start: int) -> bool:
        """Whether text[start:] is the secret's first characters (one or more, things that show
        nothing between and after them, or an escape not yet complete), up to the text's end:
        what may become the secret with more text."""
        if text[start:start + 1] != self.form[:1]:
            return False
        position, known = start + 1, 1
        while position < len(text):
            if known < len(self.form) and text[position] == self.form[known]:
                position, known = position + 1, known + 1
                continue
            if escape_begun(text, position):
                return True
            unit = gap_unit().match(text, position)
            if unit is None:
                return False
            position = unit.end()
        return True
