"""The connection pools one connection sends through: urllib3, set up once from the environment.

Requests go to urllib3 directly: requests' own layers (its PreparedRequest, adapter and Response)
cost more per call than everything else the connector does (bench/). What requests decides
for the environment is kept, once per connection: the proxy for the Base URL (HTTP(S)_PROXY,
ALL_PROXY, NO_PROXY, read by requests' own helpers) and the CA bundle (REQUESTS_CA_BUNDLE or
CURL_CA_BUNDLE, else requests' own, certifi's). A host that changes these at run time creates a
new connector.
"""

from __future__ import annotations

import os
import ssl
import sys
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import certifi
import urllib3
from urllib3.util import make_headers
from urllib3.util.ssl_ import create_urllib3_context

from .errors import NetworkError
from .transport import GUARDED_POOLS

# What requests sends by default besides its User-Agent (Accept-Encoding: what urllib3 can
# decode here, gzip and deflate at least).
DEFAULT_HEADERS = {
    "Accept-Encoding": ", ".join(make_headers(accept_encoding=True)["accept-encoding"].split(",")),
    "Accept": "*/*",
    "Connection": "keep-alive",
}


def open_pools(base_url: str, pool_size: int) -> urllib3.PoolManager:
    """Pools for one connection: at most `pool_size` connections per host, and a thread that
    finds them all busy waits for one rather than opening more."""
    options: dict[str, Any] = {"num_pools": 4, "maxsize": pool_size, "block": True}
    if urlsplit(base_url).scheme == "https":  # loading the CA bundle costs some 20 ms: only when used
        options |= {"cert_reqs": "CERT_REQUIRED", "ssl_context": tls_context(ca_bundle())}
    try:
        proxy = environment_proxy(base_url)
        if not proxy:
            manager = urllib3.PoolManager(**options)
        elif proxy.lower().startswith("socks"):
            return socks_pools(proxy, options)  # SOCKS brings its own connection classes
        else:
            manager = urllib3.ProxyManager(proxy, proxy_headers=proxy_auth(proxy), **options)
    except ValueError:  # urllib3's URL and scheme errors among them; they quote the URL
        raise NetworkError("The proxy set in the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) is "
                           "not a URL that can be used; fix or unset it.") from None
    manager.pool_classes_by_scheme = GUARDED_POOLS
    return manager


def environment_proxy(base_url: str) -> str | None:
    """The proxy the environment names for `base_url`, as requests reads it (NO_PROXY with host
    suffixes and address ranges included), or None."""
    # On Linux proxies come only from *_proxy variables (elsewhere also from the system's
    # settings); without any, requests, whose import costs some 15 ms of every command's
    # start, is not needed.
    if sys.platform.startswith("linux") and not any(name.lower().endswith("_proxy") for name in os.environ):
        return None
    from requests.utils import get_environ_proxies, prepend_scheme_if_needed, select_proxy

    proxy = select_proxy(base_url, get_environ_proxies(base_url))
    return prepend_scheme_if_needed(proxy, "http") if proxy else None


def ca_bundle() -> str:
    """REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE, as requests reads them, else certifi's bundle, which
    requests uses by default."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()


@lru_cache(maxsize=8)
def tls_context(bundle: str) -> ssl.SSLContext:
    """A verifying TLS context trusting `bundle` (a file or folder), made once per bundle and
    shared by every connection: loading the CAs is the costly part, not each socket."""
    context = create_urllib3_context()
    try:
        if os.path.isdir(bundle):
            context.load_verify_locations(capath=bundle)
        else:
            context.load_verify_locations(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise NetworkError(f"The CA bundle in REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE could not be loaded "
                           f"({type(exc).__name__}); fix or unset it.") from None
    return context


def proxy_auth(proxy: str) -> dict[str, str]:
    """Proxy-Authorization from the proxy URL's user and password, as requests sends it."""
    parts = urlsplit(proxy)
    if not parts.username:
        return {}
    return make_headers(proxy_basic_auth=f"{unquote(parts.username)}:{unquote(parts.password or '')}")


def socks_pools(proxy: str, options: dict[str, Any]) -> urllib3.PoolManager:
    try:
        from urllib3.contrib.socks import SOCKSProxyManager
    except ImportError:  # PySocks, as with requests
        raise NetworkError("The environment names a SOCKS proxy, which needs the PySocks package: "
                           "pip install 'requests[socks]'.") from None
    parts = urlsplit(proxy)
    return SOCKSProxyManager(proxy, username=unquote(parts.username or "") or None,
                             password=unquote(parts.password or "") or None, **options)
