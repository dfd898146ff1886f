"""`deepseek-connector mcp`: serve the tools over stdio, or streamable HTTP with --http.

The connection comes as `run` finds it: --emulator, else --api-key / DEEPSEEK_API_KEY and
--base-url / DEEPSEEK_BASE_URL. It is checked before serving, and lives only in this process.
"""

from __future__ import annotations

import argparse
import ctypes
import ipaddress
import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ... import load_connector
from .tools import ConnectorError, InputError

EMULATOR_KEY = "sk-emulator-local"
EMULATOR_START_SECONDS = 20
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SDK_MISSING = "The MCP server needs the MCP SDK: pip install 'deepseek-connector[mcp]'."


def run_mcp(args: argparse.Namespace) -> int:
    address = listen_address(args.http, allow_remote=args.allow_remote) if args.http else None
    try:
        import anyio

        from . import server
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("mcp", "anyio", "uvicorn"):
            raise
        raise ConnectorError(SDK_MISSING) from None
    connector = load_connector()
    with connection_values(args) as connection:
        connector.connection(connection)  # a Base URL or key that cannot be used fails now, once
        app = server.build_server(connector, connection, allow_raw_request=args.allow_raw_request)
        try:
            if address is None:
                anyio.run(serve_stdio, app)
            else:
                anyio.run(serve_http, app, *address)
        finally:
            connector.close()
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


@contextmanager
def connection_values(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    values: dict[str, Any] = {"apiKey": args.api_key or os.environ.get("DEEPSEEK_API_KEY", "")}
    base_url = args.base_url or os.environ.get("DEEPSEEK_BASE_URL")
    if base_url:
        values["baseUrl"] = base_url
    if args.emulator:
        with emulator_process() as url:
            yield {"apiKey": values["apiKey"] or EMULATOR_KEY, "baseUrl": url}
        return
    if not values["apiKey"]:
        raise InputError.single("apiKey", "API Key",
                                "is required: set DEEPSEEK_API_KEY or pass --api-key (or use --emulator).")
    yield values


@contextmanager
def emulator_process() -> Iterator[str]:
    """The built-in emulator, in a child process (`deepseek-connector emulator --port 0`): the
    host adapters sit below the emulator in the package's layers and do not import it. It is
    stopped on the way out, on SIGTERM too, and (on Linux) when this process is killed."""
    child = subprocess.Popen([sys.executable, "-m", "deepseek_connector", "emulator", "--port", "0"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                             preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], EMULATOR_START_SECONDS)
        line = child.stdout.readline() if ready else ""
        url = next((word for word in line.split() if word.startswith("http://")), None)
        if url is None:
            raise ConnectorError("The built-in emulator did not start.")
        yield url
    finally:
        signal.signal(signal.SIGTERM, previous)
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()


def _die_with_parent() -> None:
    """In the child: ask Linux to send it SIGTERM when its parent dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
