"""URLs as the sending library reads them: origins, base URLs and joining paths.

The key may only go to the connection's origin. An origin check is only as good as its parser:
urllib.parse and urllib3 (which the executor sends with) read some URLs differently, for example a
backslash in the authority. So a URL is accepted only when both parsers agree on its origin,
and never with spaces, control characters or backslashes anywhere in it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

DEFAULT_PORTS = {"http": 80, "https": 443}
AMBIGUOUS = re.compile(r"[\x00-\x20\x7f\\]")
AMBIGUOUS_TEXT = "must not contain spaces, line breaks, control characters or backslashes"
UNPARSEABLE_TEXT = ("is not a valid URL: check the host name, the port (0 to 65535) and the square "
                    "brackets, which may only surround an IPv6 address such as [::1].")
USERINFO_TEXT = "must not contain a user name or password (user:password@); the API Key is sent on its own."


class UrlProblem(ValueError):
    """A URL that cannot be used; the message completes "<input label>: ..."."""


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


@lru_cache(maxsize=256)  # every request's URL is checked; most calls repeat a few URLs
def origin_of(url: str) -> Origin:
    """The origin urllib3 would connect to for `url`; UrlProblem when the parsers disagree."""
    if AMBIGUOUS.search(url):
        raise UrlProblem(AMBIGUOUS_TEXT + ".")
    try:
        ours = urlsplit(url)
        ours_port = ours.port
        theirs = parse_url(url)
    except (ValueError, LocationParseError):
        # Both parsers quote the offending part (a bracketed host may be a password): say no more.
        raise UrlProblem(UNPARSEABLE_TEXT) from None
    scheme = (ours.scheme or "").lower()
    seen = {
        (scheme, (ours.hostname or "").lower(), ours_port or DEFAULT_PORTS.get(scheme, 0)),
        ((theirs.scheme or "").lower(), (theirs.host or "").strip("[]").lower(),
         theirs.port or DEFAULT_PORTS.get((theirs.scheme or "").lower(), 0)),
    }
    if len(seen) != 1:
        raise UrlProblem("is read as two different addresses by different URL parsers; write it plainly.")
    return Origin(*seen.pop())


def has_userinfo(url: str) -> bool:
    """Whether the URL names a user or password; an unparseable URL counts as one (fail closed)."""
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return True


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_base_url(text: str, *, allow_insecure: bool) -> str:
    """A connection's Base URL, checked and without a trailing slash; UrlProblem when unusable.

    The messages never repeat the URL: it might hold a password.
    """
    url = text.strip().rstrip("/")
    if AMBIGUOUS.search(url):
        raise UrlProblem(AMBIGUOUS_TEXT + ".")
    if "@" in _authority(url):
        # Before parsing: `https://[user:password]@host` fails to parse, and is still a password.
        raise UrlProblem(USERINFO_TEXT)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UrlProblem(UNPARSEABLE_TEXT) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UrlProblem("must be an http:// or https:// URL such as https://api.deepseek.com.")
    if has_userinfo(url):
        raise UrlProblem(USERINFO_TEXT)
    if parts.query or url.endswith("?"):
        raise UrlProblem("must not have a query (?...); give the address only.")
    if parts.fragment or "#" in url:
        raise UrlProblem("must not have a fragment (#...); give the address only.")
    origin = origin_of(url)
    if not origin.host:
        raise UrlProblem("must be an http:// or https:// URL such as https://api.deepseek.com.")
    if origin.scheme == "http" and not allow_insecure and not is_loopback(origin.host):
        raise UrlProblem("must use https://; plain http:// sends the key unencrypted and is allowed only "
                         "for this machine (localhost, 127.0.0.1) unless Allow Insecure HTTP is on.")
    return url


def join(base_url: str, path: str) -> str:
    """A path joined to the base URL with exactly one slash between them."""
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}"


def beta_url(base_url: str, path: str) -> str:
    """`path` under /beta on the Base URL's host, whatever path the Base URL has: DeepSeek's beta
    features live only there."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/beta/{path.lstrip('/')}"


def is_absolute(url: str) -> bool:
    """Whether the URL names its own origin rather than a path on the Base URL's.

    A URL Python cannot parse counts as absolute: it is then checked (and refused) as an origin
    of its own by origin_of, never quietly joined to the Base URL as if it were a path.
    """
    if url.startswith("//"):
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return True
    return bool(parts.scheme or parts.netloc)


def _authority(url: str) -> str:
    """The text between `scheme://` and the path, as written (no parsing that could fail)."""
    _, slashes, rest = url.partition("//")
    return re.split(r"[/?#]", rest, maxsplit=1)[0] if slashes else ""
