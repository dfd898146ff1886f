"""What urllib3 leaves to its caller: a deadline while an https call talks to a proxy, while a
host name is looked up and while its addresses are tried, interim (1xx) answers that must not
reach the next call, and proxy settings that cannot be used."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.hostile.conftest import KEY, cli, error_texts, leaked
from tests.hostile.server import Exchange, route

SLACK = 1.0


@pytest.fixture
def trickling_proxy(monkeypatch):
    """A proxy that accepts CONNECT, then trickles header lines forever."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n")
                while not stop.is_set():
                    conn.sendall(b"X-Trickle: 1\r\n")
                    time.sleep(0.2)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("HTTPS_PROXY", url)
    monkeypatch.setenv("NO_PROXY", "")
    yield url
    stop.set()
    listener.close()


def timed_call(connector, base_url: str) -> tuple[float, ConnectorError]:
    """List Models with a Timeout of 1 s against `base_url`: how long it took and how it failed."""
    outcome: list = []

    def call() -> None:
        started = time.monotonic()
        try:
            connector.run("listModels", {"timeout": 1, "maxRetries": 0}, {"apiKey": KEY, "baseUrl": base_url})
        except ConnectorError as error:
            outcome.append((time.monotonic() - started, error))

    # In a thread, so that a wait the deadline does not bound fails this test instead of hanging it.
    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(1 + SLACK + 8)
    [(took, error)] = outcome
    return took, error


def test_an_https_call_through_a_trickling_proxy_keeps_its_deadline(connector, trickling_proxy):
    took, error = timed_call(connector, "https://api.deepseek.invalid")
    assert error.kind == "timeout" and "Timeout of 1 s ran out" in str(error)
    assert took < 1 + SLACK


def test_a_name_server_that_never_answers_does_not_outlast_the_deadline(connector, monkeypatch):
    # The Base URL's domain may be anyone's, and so may its name server: socket.getaddrinfo takes
    # no timeout. Here a look-up of the name hangs for 6 s, then fails.
    real_getaddrinfo = socket.getaddrinfo
    released = threading.Event()

    def slow_getaddrinfo(host, *args, **kwargs):
        if host == "slow-names.test":
            released.wait(6)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    try:
        took, error = timed_call(connector, "https://slow-names.test")
    finally:
        released.set()
    assert error.kind == "timeout" and "Timeout of 1 s ran out" in str(error)
    assert took < 1 + SLACK
    assert leaked(*error_texts(error)) == []


def test_a_name_with_many_silent_addresses_does_not_outlast_the_deadline(connector, monkeypatch):
    # A listener whose queue is full: a connection to it waits, unanswered, for its timeout.
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    address = listener.getsockname()
    held = socket.create_connection(address)
    real_getaddrinfo = socket.getaddrinfo

    def many_addresses(host, *args, **kwargs):
        if host == "many-addresses.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)] * 8
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", many_addresses)
    try:
        # Each address alone is given the connect timeout (or what is left of the call's time):
        # eight of them one after another must still end with the call's Timeout.
        took, error = timed_call(connector, f"https://many-addresses.test:{address[1]}")
    finally:
        held.close()
        listener.close()
    assert error.kind == "timeout" and "Timeout of 1 s ran out" in str(error)
    assert took < 1 + SLACK


@route("/interim-first")
def interim_first(ex: Exchange) -> None:
    """The first request on each connection gets 103 Early Hints before its answer."""
    ex.server.count += 1
    if ex.server.count == 1:
        ex.sock.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n")
        time.sleep(0.2)
    ex.whole(b'{"object": "list", "data": [{"id": "answer-%d", "object": "model", "owned_by": "x"}]}'
             % ex.server.count)


def test_an_interim_answer_is_an_error_and_never_reaches_the_next_call(connector, hostile, conn):
    hostile.aliases["/models"] = "/interim-first"
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {"maxRetries": 0}, conn)
    assert caught.value.kind == "bad_response" and "interim answer (HTTP 103)" in str(caught.value)
    data = connector.run("listModels", {}, conn)["data"]
    assert [model["id"] for model in data["data"]] == ["answer-2"]  # its own answer, not the first's


@pytest.mark.parametrize("proxy", ["http://proxyuser:proxysecret@proxy.invalid:99999",
                                   "http://proxyuser:proxysecret@[bad", "ftp://proxyuser:proxysecret@x:21"])
def test_a_proxy_setting_that_cannot_be_used(connector, monkeypatch, proxy):
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "")
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {}, {"apiKey": KEY, "baseUrl": "https://api.deepseek.invalid"})
    assert caught.value.kind == "network" and "HTTPS_PROXY" in str(caught.value)
    assert not any("proxysecret" in text for text in error_texts(caught.value))
    done = cli("run", "listModels", env={"DEEPSEEK_API_KEY": KEY, "HTTPS_PROXY": proxy,
                                         "DEEPSEEK_BASE_URL": "https://api.deepseek.invalid"})
    assert done.returncode == 1 and "Traceback" not in done.stderr and "Unexpected error" not in done.stderr
    assert "proxysecret" not in done.stderr + done.stdout and not leaked(done.stderr, done.stdout)
