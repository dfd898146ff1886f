"""Text shown live as a stream arrives, minus whatever may still become the key.

A server can send a key a few characters per event, so each event alone shows no key while the
pieces joined do. HeldBack holds back the end of the text while it may still start the key and
hands it on with the next piece that shows it does not (or redacted, once it does).
"""

from __future__ import annotations

import re

from ..redaction import Redactor
from ..spellings import GAP_UNIT


class HeldBack:
    """Text shown as it arrives, piece by piece, minus its end while that end may still become
    the key: a server can send a key a few characters per piece, so each piece alone shows no
    key while the pieces joined do. What is held back comes with a later piece, or from rest().
    """

    # Invisible characters between held characters can pile up without end; past this many held
    # characters they are dropped (a person does not see them), so each piece costs little.
    LIMIT = 512
    _INVISIBLE_RUN = re.compile(f"(?:{GAP_UNIT})+")

    def __init__(self, redactor: Redactor):
        self._redactor = redactor
        self._pending = ""

    def feed(self, piece: str) -> str:
        if not piece:
            return ""
        text = self._pending + piece
        cut = self._redactor.undecided(text)
        if len(text) - cut > self.LIMIT:
            text = text[:cut] + self._INVISIBLE_RUN.sub("", text[cut:])
            cut = self._redactor.undecided(text)
        self._pending = text[cut:]
        return self._redactor.shown(text[:cut])

    def rest(self) -> str:
        text, self._pending = self._pending, ""
        return self._redactor.shown(text)
