"""Under the executor: a real deadline for every exchange, and bodies read within bounds.

urllib3 only bounds each socket wait, so a server that trickles a byte now and then, or never
finishes a stream, can hold a call forever. Here every attempt registers with one watchdog
thread; when the call's deadline passes, the watchdog shuts the attempt's socket down and
the blocked read returns at once. The socket is known through urllib3's documented hook for
connection classes (`ConnectionCls`), so no private attribute of urllib3 is read. Before there
is a socket, the name's look-up and each address tried are bounded by the deadline too
(connecting.py), through the method urllib3's own SOCKS connection overrides (`_new_conn`).
"""

from __future__ import annotations

import heapq
import itertools
import socket
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from .connecting import open_socket


class Deadline:
    """The moment a whole call must be over by, on an injectable clock."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.expires_at = clock() + seconds

    def remaining(self) -> float:
        return self.expires_at - self.clock()

    def expired(self) -> bool:
        return self.remaining() <= 0


class Guard:
    """One attempt's hold on the connection it uses, so the watchdog can cut it off when the
    call's deadline passes."""

    def __init__(self, deadline: Deadline | None = None) -> None:
        self.deadline = deadline
        self.connection: HTTPConnection | None = None
        self.aborted = False
        self.finished = False
        # Every answer the connector's pools gave during the attempt: the one read, and any a
        # platform's hook opened or set aside (closed with the attempt if it fails).
        self.opened: list[Any] = []
        self._lock = threading.Lock()

    def attach(self, connection: HTTPConnection) -> None:
        with self._lock:
            self.connection = connection

    def release(self) -> None:
        """The attempt is over: nothing to cut off any more."""
        with self._lock:
            self.connection = None
            self.finished = True
            self.opened = []  # the watchdog keeps the guard until its deadline, never the answers
        WATCHDOG.forget()

    def close_opened(self) -> None:
        """The attempt failed: every answer it opened gives its connection back, closed."""
        for answer in self.opened:
            with suppress(Exception):
                answer.close()
                answer.release_conn()
        self.opened.clear()

    def socket(self) -> socket.socket | None:
        connection = self.connection
        return getattr(connection, "sock", None) if connection is not None else None

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            connection = self.connection
            # A connection handed on to another request belongs to that request's guard now.
            if connection is None or getattr(connection, "guard", None) is not self:
                return
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()


class guarding:  # noqa: N801 - used as the function-style context manager it was
    """Connections that send requests in this block (on this thread) attach to `guard`."""

    __slots__ = ("guard",)

    def __init__(self, guard: Guard):
        self.guard = guard

    def __enter__(self) -> None:
        _current.guard = self.guard

    def __exit__(self, *exc: object) -> None:
        _current.guard = None


class _GuardedMixin:
    guard: Guard | None = None

    def _attach_current(self) -> None:
        guard = getattr(_current, "guard", None)
        if guard is not None:
            self.guard = guard
            guard.attach(self)

    def connect(self) -> None:
        # Connecting can take long too: through a proxy, an https call first talks to the proxy
        # (CONNECT), before any request is sent.
        self._attach_current()
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._attach_current()  # a pooled connection, already connected, serves a new attempt
        super().request(*args, **kwargs)  # type: ignore[misc]

    def _new_conn(self) -> socket.socket:
        """The socket, as urllib3 opens it (and with its errors), but with the name's look-up and
        the addresses tried all within the call's deadline."""
        deadline = self.guard.deadline if self.guard is not None else None
        if deadline is None:
            return super()._new_conn()  # type: ignore[misc]
        connection: Any = self
        wait = connection.timeout if isinstance(connection.timeout, (int, float)) else None
        try:
            sock = open_socket(connection.host, connection.port, wait, deadline.remaining,
                               connection.source_address, connection.socket_options)
        except socket.gaierror as exc:
            raise NameResolutionError(connection.host, connection, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(connection, f"Connection to {connection.host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(connection, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", connection, connection.host, connection.port)
        return sock


class GuardedHTTPConnection(_GuardedMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedMixin, HTTPSConnection):
    pass


class _GuardedPoolMixin:
    def urlopen(self, *args: Any, **kwargs: Any) -> Any:
        # A thread finding every pooled connection busy waits for one (the pool blocks rather than
        # opening more), but only until the call's deadline: requests gives no pool_timeout.
        guard = getattr(_current, "guard", None)
        if guard is not None and guard.deadline is not None and kwargs.get("pool_timeout") is None:
            kwargs["pool_timeout"] = max(guard.deadline.remaining(), 0.001)
        answer = super().urlopen(*args, **kwargs)  # type: ignore[misc]
        if guard is not None:
            guard.opened.append(answer)
        return answer


class GuardedHTTPConnectionPool(_GuardedPoolMixin, HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(_GuardedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


GUARDED_POOLS = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}


class Watchdog:
    """One daemon thread that aborts attempts whose call ran past its deadline."""

    # Finished guards stay in the heap until their time comes or, when they are most of it,
    # a rebuild drops them, so a long Timeout on many quick calls costs no memory.
    COMPACT_AT = 1024

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Guard]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._finished = 0

    def watch(self, seconds: float, guard: Guard) -> None:
        entry = (time.monotonic() + seconds, next(self._order), guard)
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deepseek-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:
                self._wake.notify()

    def forget(self) -> None:
        with self._wake:
            self._finished += 1
            if self._finished > self.COMPACT_AT and self._finished * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].finished]
                heapq.heapify(self._heap)
                self._finished = 0

    def size(self) -> int:
        with self._wake:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._wake.wait(timeout)
                _, _, guard = heapq.heappop(self._heap)
                if guard.finished:
                    self._finished = max(0, self._finished - 1)
                    continue
            guard.abort()


WATCHDOG = Watchdog()


@dataclass(frozen=True, slots=True)
class Waits:
    """The longest single waits of one attempt: to connect, and for each read."""

    connect: float
    read: float
