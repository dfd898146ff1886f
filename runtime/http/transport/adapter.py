"""The transport adapter calls go through (unless a platform mounted one of its own).

requests sends every call, through requests' own `HTTPAdapter.send`, so the tools platforms test
with (`responses`, `requests-mock`) intercept it. The adapter below is an HTTPAdapter that keeps
the connector's promises underneath: its connections attach to the call's deadline guard (the
name's look-up, connecting, TLS, a proxy's CONNECT and every read; see deadline.py), a thread
waits for a free pooled connection only until the deadline, and one verifying TLS context is
made per CA bundle (and client certificate), not per connection.
"""

from __future__ import annotations

import io
import os
import ssl
from functools import lru_cache
from typing import Any

import requests
from requests.adapters import DEFAULT_CA_BUNDLE_PATH, HTTPAdapter
from urllib3 import BaseHTTPResponse, HTTPResponse
from urllib3.util.ssl_ import create_urllib3_context

from ...errors import NetworkError
from .deadline import GUARDED_POOLS


class GuardedAdapter(HTTPAdapter):
    """requests' HTTPAdapter with the connector's bounds: guarded connections, a pool that blocks
    (within the deadline) rather than opening more than `pool_size` connections, no retries of
    its own (the client retries), shared TLS contexts."""

    def __init__(self, pool_size: int):
        super().__init__(pool_connections=4, pool_maxsize=pool_size, pool_block=True, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = True,
                         **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = GUARDED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        fresh = proxy not in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if fresh and not proxy.lower().startswith("socks"):  # SOCKS brings its own connection classes
            manager.pool_classes_by_scheme = GUARDED_POOLS
        return manager

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
        # A CA bundle's path (REQUESTS_CA_BUNDLE...) is looked at once, not by requests on every
        # call (a stat, to tell a file from a folder); what the pool is given stays the same.
        bundle = verify if isinstance(verify, str) and verify else None
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, True if bundle is not None else verify, cert)
        if host_params.get("scheme") == "https" and verify is not False:
            # One context per bundle and client certificate, made once: loading the CAs is the
            # costly part of a TLS connection, and urllib3 would do it for every new one.
            context = tls_context(bundle or DEFAULT_CA_BUNDLE_PATH, client_cert(cert))
            pool_kwargs = {"cert_reqs": "CERT_REQUIRED", "ssl_context": context}
        elif bundle is not None:  # a plain http call, perhaps through an https proxy
            pool_kwargs["ca_cert_dir" if is_folder(bundle) else "ca_certs"] = bundle
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if verify is False or not url.lower().startswith("https"):
            super().cert_verify(conn, url, verify, cert)
        # Otherwise the pool's TLS context already trusts the bundle and holds the client certificate.

    def close(self) -> None:
        # Close each pool's sockets first: from urllib3 2.7, PoolManager.clear() forgets pools
        # without closing their connections.
        for manager in (self.poolmanager, *self.proxy_manager.values()):
            for key in manager.pools.keys():  # noqa: SIM118 - this container cannot be iterated
                pool = manager.pools.get(key)
                if pool is not None:
                    pool.close()
        super().close()

    def build_response(self, req: Any, resp: Any) -> requests.Response:
        # requests would parse the answer's Set-Cookie headers into a jar for every response;
        # the connector keeps no cookies, so that work (some 20 µs a call) is skipped.
        if resp.status in REDIRECTS and resp.headers.get("Location") is not None:
            resp = bounded_redirect(resp)
        response = requests.Response()
        response.status_code = resp.status
        response.headers = requests.structures.CaseInsensitiveDict(resp.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url
        response.request = req
        response.connection = self
        return response


REDIRECTS = frozenset({301, 302, 303, 307, 308})
REDIRECT_BODY_LIMIT = 64 * 1024


def bounded_redirect(resp: BaseHTTPResponse) -> BaseHTTPResponse:
    """A redirect's answer with at most REDIRECT_BODY_LIMIT bytes of its body: a host's Session,
    redirects off, still reads a redirect's body whole (Session.resolve_redirects); the connector
    only reports where it points. A longer body drops the connection."""
    body = resp.read(REDIRECT_BODY_LIMIT, decode_content=False)
    complete = not resp.read(1, decode_content=False)
    if complete:
        resp.release_conn()
    else:
        resp.close()
    return HTTPResponse(io.BytesIO(body), headers=resp.headers, status=resp.status, reason=resp.reason,
                        preload_content=False, decode_content=False)


def client_cert(cert: Any) -> tuple[str, str | None] | None:
    """requests' `cert` (a path, or a (certificate, key) pair) as a (certificate, key) pair."""
    if not cert:
        return None
    return (cert, None) if isinstance(cert, str) else (cert[0], cert[1])


@lru_cache(maxsize=8)
def is_folder(bundle: str) -> bool:
    return os.path.isdir(bundle)


@lru_cache(maxsize=8)
def tls_context(bundle: str, cert: tuple[str, str | None] | None = None) -> ssl.SSLContext:
    """A verifying TLS context trusting `bundle` (a file or folder), with a client certificate if
    given; made once per pair and shared by every connection that uses them."""
    context = create_urllib3_context()
    try:
        if os.path.isdir(bundle):
            context.load_verify_locations(capath=bundle)
        else:
            context.load_verify_locations(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise NetworkError(f"The CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or the session's verify) "
                           f"could not be loaded ({type(exc).__name__}); fix or unset it.") from None
    if cert is not None:
        try:
            context.load_cert_chain(cert[0], cert[1])
        except (OSError, ssl.SSLError) as exc:
            raise NetworkError(f"The client certificate of the session could not be loaded "
                               f"({type(exc).__name__}); fix the session's cert.") from None
    return context
