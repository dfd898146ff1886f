"""`deepseek-connector mcp`: serve the tools over stdio, or streamable HTTP with --http.

The connection comes as `run` finds it (the command line's connection_for): --emulator, else
--api-key / DEEPSEEK_API_KEY and --base-url / DEEPSEEK_BASE_URL. It is checked before serving,
and lives only in this process.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from typing import TYPE_CHECKING, Any

from .tools import ConnectorError, InputError

if TYPE_CHECKING:
    from .tools import Connector

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SDK_MISSING = "The MCP server needs the MCP SDK: pip install 'deepseek-connector[mcp]'."


def run_mcp(args: argparse.Namespace, connector: Connector, connection: dict[str, Any]) -> int:
    """Serve `connector`'s tools with `connection` (found as `run` finds it: the command line's
    connection_for, which also starts the emulator for --emulator)."""
    address = listen_address(args.http, allow_remote=args.allow_remote) if args.http else None
    try:
        import anyio

        from . import server
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("mcp", "anyio", "uvicorn"):
            raise
        raise ConnectorError(SDK_MISSING) from None
    connector.connection(connection)  # a Base URL or key that cannot be used fails now, once
    app = server.build_server(connector, connection, allow_raw_request=args.allow_raw_request)
    if address is None:
        anyio.run(serve_stdio, app)
    else:
        anyio.run(serve_http, app, *address)
    return 0


async def serve_stdio(app: Any) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await app.run(read, write, app.create_initialization_options())


async def serve_http(app: Any, host: str, port: int) -> None:
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    # Bound here rather than by uvicorn: a port in use is one line, and port 0 gets a free port.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ConnectorError(f"Cannot listen on {host}:{port} ({exc.strerror}); choose another "
                             "address for --http.") from None
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    port = listener.getsockname()[1]
    security = None
    if is_loopback(host):  # requests that name another host are refused (DNS rebinding)
        names = (*LOOPBACK_NAMES, shown)
        security = TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                             allowed_hosts=[f"{name}:*" for name in names],
                                             allowed_origins=[f"http://{name}:*" for name in names])
    starlette = app.streamable_http_app(host=host, transport_security=security)
    print(f"DeepSeek MCP server: http://{shown}:{port}/mcp (streamable HTTP; Ctrl-C to stop)",
          file=sys.stderr, flush=True)
    await uvicorn.Server(uvicorn.Config(starlette, log_level="warning")).serve(sockets=[listener])


def listen_address(value: str, *, allow_remote: bool) -> tuple[str, int]:
    """HOST:PORT (or PORT alone, on 127.0.0.1); a host other than this machine needs allow_remote."""
    host, sep, port = value.rpartition(":")
    host = (host if sep else "").strip("[]") or "127.0.0.1"
    if not (port.isdigit() and int(port) <= 65535):
        raise InputError.single("http", "--http", f"must look like HOST:PORT (e.g. 127.0.0.1:8765); "
                                                  f"got {value!r}.")
    if not is_loopback(host):
        if not allow_remote:
            raise InputError.single("http", "--http", f"'{host}' is not this machine: anyone who reaches "
                                    "the server can spend the API key. Pass --allow-remote to serve it "
                                    "there anyway.")
        print(f"Warning: serving on {host}: anyone who can reach {host}:{port} can call DeepSeek with this "
              "server's API key and spend its balance. Keep it behind a firewall or an authenticating "
              "proxy.", file=sys.stderr, flush=True)
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
