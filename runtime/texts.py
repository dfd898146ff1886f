"""A server's bytes as the text people will see, and JSON read strictly.

A body is decoded the way a reader of it would decode it (a byte order mark first, then the
charset its Content-Type names, then JSON's own detection of UTF-16 and UTF-32, else UTF-8),
so that redaction sees the same characters a person sees. JSON from a server or a model is
read strictly: NaN, Infinity and numbers too large for a float are not JSON, and would make
the connector's own output invalid JSON.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
# Longest first: a UTF-32 little-endian mark begins like a UTF-16 one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


# The charsets a server may declare, as web browsers know them (WHATWG's encoding list, by the
# names Python knows): anything else a codec would accept (punycode, whose decoding is quadratic,
# idna, unicode_escape, base64) is not a body's charset, and UTF-8 is used instead.
CHARSETS = frozenset({
    "utf-8", "utf8", "unicode-1-1-utf-8", "utf-16", "utf-16le", "utf-16-le", "utf-16be", "utf-16-be",
    "utf-32", "utf-32le", "utf-32-le", "utf-32be", "utf-32-be", "us-ascii", "ascii", "iso-8859-1",
    "latin1", "latin-1", "l1", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6",
    "iso-8859-7", "iso-8859-8", "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16",
    "koi8-r", "koi8-u", "macintosh", "mac-roman", "windows-874", "cp874", "windows-1250", "windows-1251",
    "windows-1252", "windows-1253", "windows-1254", "windows-1255", "windows-1256", "windows-1257",
    "windows-1258", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "gbk", "gb2312", "gb18030", "big5", "big5-hkscs", "euc-jp", "iso-2022-jp", "shift-jis",
    "shift_jis", "sjis", "euc-kr", "ks-c-5601-1987", "cp949", "ibm866", "cp866",
})


def encoding_of(content: bytes, content_type: str = "") -> str:
    """The encoding a reader would decode `content` with."""
    for mark, name in _BOMS:
        if content.startswith(mark):
            return name
    declared = _CHARSET.search(content_type or "")
    if declared and declared.group(1).lower().replace("_", "-") in CHARSETS:
        return declared.group(1)
    # JSON's own rule: NUL bytes among the first four tell UTF-16 and UTF-32 apart from UTF-8.
    return json.detect_encoding(content) if content[:4].count(0) else "utf-8"


def decode_body(content: bytes, content_type: str = "") -> str:
    """`content` as text; bytes that do not decode become U+FFFD, never an error. A declared
    charset that is unknown, or not a text encoding (base64, zlib), falls back to UTF-8."""
    try:
        return content.decode(encoding_of(content, content_type), "replace")
    except (LookupError, UnicodeError, TypeError, ValueError):
        return content.decode("utf-8", "replace")


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text[:20]} is too large for a number")
    return number


#: A decoder that refuses NaN, Infinity and numbers a float cannot hold (raw_decode for streams).
STRICT = json.JSONDecoder(parse_constant=_not_a_number, parse_float=_finite)


def loads(text: str | bytes) -> Any:
    """json.loads, strictly (see STRICT); ValueError or RecursionError when it is not JSON."""
    if isinstance(text, bytes):
        text = decode_body(text)
    return json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
