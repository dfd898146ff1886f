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
from functools import cache

FRAGMENT = 8
BLOCK = FRAGMENT // 2
INVISIBLE = ("\\s\x00-\x1f\x7f-\xa0\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
             "\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u2800"
             "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
             "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
# A terminal's escape sequences, also as repr() and JSON write their ESC and BEL (\u001b[0m,
# \x1b]0;title\x07): CSI (also as its one byte), strings (OSC, DCS, APC, PM, SOS) with their
# terminator (one without it hides all that follows, key included), the short ones (ESC 7,
# ESC ( B); then the escapes of one character. Lengths are bounded (a terminal's sequences are
# short), so that no text keeps a search going. An escape's backslash may be doubled, as JSON
# writes a backslash the text holds (a body is redacted as JSON text before it is parsed).
_ESC = r"(?:\x1b|\\\\?(?:u001[bB]|x1[bB]|033|e))"
_BEL = r"(?:\x07|\\\\?(?:u0007|x07|a))"
_CSI = rf"(?:{_ESC}\[|\x9b)"
_STRING = rf"(?:{_ESC}[\]P_^X]|[\x90\x98\x9d\x9e\x9f])"
# A string's body: anything but its terminators (a backslash only where it escapes one).
_BODY = r"(?:[^\x07\x1b\x9c\\]|\\(?!u0007|x07|u001[bB]|x1[bB]|033|[ae]))"
SHOWS_NOTHING = (rf"{_CSI}[0-?]{{0,32}}[ -/]{{0,8}}[@-~]"
                 rf"|{_STRING}{_BODY}{{0,256}}(?:{_BEL}|{_ESC}\\{{1,2}}|\x9c)"
                 rf"|{_ESC}[ -/]{{0,4}}[0-~]"
                 r"|\\\\?(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abtnvfr])")
# One thing that shows nothing: an escape sequence is tried first, so that it is taken whole
# rather than as an invisible ESC followed by visible characters.
GAP_UNIT = f"{SHOWS_NOTHING}|[{INVISIBLE}]"
# The most things that show nothing between two characters of a secret: more, and they are
# not the secret (a person would see a gap), which keeps every look short.
MOST_UNITS = 32
# An escape whose end has not arrived yet (a stream may be cut anywhere): a sequence without
# its final byte, an ESC or BEL escape begun, one character's escape begun.
_ESC_PART = r"\\\\?(?:u(?:0(?:0(?:1)?)?)?|x1?|03?)?"
ESCAPE_BEGUN = (rf"{_CSI}[0-?]{{0,32}}[ -/]{{0,8}}|{_STRING}{_BODY}{{0,256}}(?:{_ESC}|{_ESC_PART})?"
                rf"|{_ESC}[ -/]{{0,4}}|\x1b|{_ESC_PART}"
                r"|\\\\?(?:x[0-9a-fA-F]?|u[0-9a-fA-F]{0,3}|U[0-9a-fA-F]{0,7})")
_C1_STARTS = re.compile("[\x90\x98\x9b\x9d-\x9f]")
# Every invisible character is outside printable ASCII; escapes need a backslash or an ESC.
_ROUGH_GAP = "[^!-~]*+"


@cache
def gap_unit() -> re.Pattern[str]:
    """One thing that shows nothing; compiled when first needed (some milliseconds of a start)."""
    return re.compile(GAP_UNIT)


def gap_before(ch: str) -> str:
    """Things that show nothing, as many as there are, none of them starting with `ch` (the
    secret's next character, which a gap must leave to it). Atomic: a gap is never taken apart
    again, so no text makes the search slow however its escapes and invisible characters mix."""
    return f"(?>(?:(?!{re.escape(ch)})(?:{GAP_UNIT})){{0,{MOST_UNITS}}})"


def _spelled_at(text: str, position: int, ch: str, *, before: bool) -> int:
    """How many characters spell `ch` just before (or from) `position`: 1 for the character
    itself, an escape's length for \\u0073 (or \\x73, either with its backslash doubled), else 0."""
    if text[position - 1:position] == ch if before else text[position:position + 1] == ch:
        return 1
    code = ord(ch)
    escapes = [f"\\u{code:04x}"] + ([f"\\x{code:02x}"] if code < 256 else [])
    for escape in escapes:
        for written in ("\\" + escape, escape):
            start = position - len(written) if before else position
            if start >= 0 and text[start:start + len(written)].lower() == written:
                return len(written)
    return 0


def has_escape(text: str) -> bool:
    """Whether a text may hold an escape (a backslash, an ESC, a control of C1's that starts one)."""
    return "\\" in text or "\x1b" in text or not text.isascii() and _C1_STARTS.search(text) is not None


@cache
def _escape_begun() -> re.Pattern[str]:
    return re.compile(ESCAPE_BEGUN)  # when first needed: a start need not pay for it


def escape_begun(text: str, position: int) -> bool:
    """Whether text[position:] is the beginning of an escape that more text may complete."""
    return _escape_begun().fullmatch(text, position) is not None


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
        # Every run of FRAGMENT characters of the secret holds one of these whole (each block
        # starts at a multiple of BLOCK): finding the blocks finds any part of the secret.
        self._blocks = [(form[i:i + BLOCK], i) for i in range(0, len(form) - BLOCK + 1, BLOCK)] \
            if len(form) > FRAGMENT else []

    def _closely(self) -> re.Pattern[str]:
        if self._close is None:  # a few milliseconds: only for a text that may hold the secret
            pieces = [re.escape(self._head[0])]
            pieces += [gap_before(ch) + re.escape(ch) for ch in self._head[1:]]
            self._close = re.compile("".join(pieces))
        return self._close

    def may_be_in(self, text: str) -> bool:
        """False when `text` certainly does not hold this spelling (fast: most texts)."""
        return has_escape(text) or self._rough.search(text) is not None

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

    def parts(self, text: str) -> Iterator[tuple[int, int]]:
        """Where FRAGMENT or more of the secret's characters, from anywhere in it, stand in a row
        (a server that quotes the key without its first characters), each written as itself or
        as an escape of itself (\\u0073 for s)."""
        form = self.form
        for block, offset in self._blocks:
            found = text.find(block)
            while found >= 0:
                start, known = found, offset
                while known > 0 and (step := _spelled_at(text, start, form[known - 1], before=True)):
                    start, known = start - step, known - 1
                end, upto = found + BLOCK, offset + BLOCK
                while upto < len(form) and (step := _spelled_at(text, end, form[upto], before=False)):
                    end, upto = end + step, upto + 1
                if end - start >= FRAGMENT:
                    yield start, end
                found = text.find(block, found + 1)

    def _follow(self, text: str, position: int, known: int) -> tuple[int, int]:
        """How far the secret's characters after its first `known` go on from `position`, with
        things that show nothing between them: the end of the last one, and how many are known.
        At each step the secret's own character comes first, then one thing that shows nothing."""
        end = at = position
        units = 0
        while known < len(self.form) and at < len(text):
            if text[at] == self.form[known]:
                at, known, units = at + 1, known + 1, 0
                end = at
                continue
            unit = gap_unit().match(text, at)
            units += 1
            if unit is None or units > MOST_UNITS:
                break
            at = unit.end()
        return end, known

    def starts_at_end(self, text: str, start: int) -> bool:
        """Whether text[start:] is the secret's first characters (one or more, things that show
        nothing between and after them, or an escape not yet complete), up to the text's end:
        what may become the secret with more text."""
        if text[start:start + 1] != self.form[:1]:
            return False
        position, known, units = start + 1, 1, 0
        while position < len(text):
            if known < len(self.form) and text[position] == self.form[known]:
                position, known, units = position + 1, known + 1, 0
                continue
            if escape_begun(text, position):
                return True
            unit = gap_unit().match(text, position)
            units += 1
            if unit is None or units > MOST_UNITS:
                return False
            position = unit.end()
        return True
