"""Opening a connection within the call's deadline: the host name's look-up and every address.

`socket.getaddrinfo` takes no timeout and cannot be interrupted: a slow or hostile name server
(the Base URL's domain may be anyone's) can hold it for many seconds. And urllib3 gives each
address a name resolves to the whole connect timeout in turn, so a name with twenty silent
addresses would wait twenty times as long. Here the look-up runs on its own daemon thread that
the call waits on only until its deadline, and the addresses share what is left of it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from urllib3.util.connection import allowed_gai_family

AddressInfo = tuple[Any, ...]  # as socket.getaddrinfo gives each address


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def look_up(host: str, port: int, remaining: Callable[[], float]) -> list[AddressInfo]:
    """The addresses of `host`, or TimeoutError once the deadline passes first (`remaining`
    tells the seconds left to it). An address given as such is not looked up."""
    family = allowed_gai_family()
    if _is_address(host):
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["addresses"] = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting call, raised there
            outcome["error"] = exc
        finally:
            done.set()

    # A look-up that outlives its call ends on its own (the resolver's own time-outs) and is
    # then dropped: nothing waits for it.
    threading.Thread(target=run, name="deepseek-name-look-up", daemon=True).start()
    if not done.wait(max(remaining(), 0.0)):
        raise TimeoutError(f"looking up {host} took until the call's deadline")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["addresses"]


def open_socket(host: str, port: int, connect_wait: float | None, remaining: Callable[[], float],
                source_address: tuple[str, int] | None = None,
                socket_options: Sequence[tuple[int, int, Any]] | None = None) -> socket.socket:
    """A socket connected to one of `host`'s addresses, tried in turn, each for at most
    `connect_wait` and all of them together within the deadline (what urllib3's
    create_connection does, but bounded as a whole)."""
    host = host.strip("[]")  # an IPv6 address as a URL writes it
    last_error: OSError | None = None
    for family, kind, protocol, _, address in look_up(host, port, remaining):
        left = remaining()
        if left <= 0:
            raise TimeoutError(f"connecting to {host} took until the call's deadline")
        sock = socket.socket(family, kind, protocol)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(left if connect_wait is None else min(connect_wait, left))
            if source_address:
                sock.bind(source_address)
            sock.connect(address)
            return sock
        except OSError as exc:
            last_error = exc
            sock.close()
    if last_error is not None:
        raise last_error
    raise OSError(f"no address was found for {host}")
