"""What urllib3 leaves to its caller: a deadline while an https call talks to a proxy, interim
(1xx) answers that must not reach the next call, and proxy settings that cannot be used."""

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


def test_an_https_call_through_a_trickling_proxy_keeps_its_deadline(connector, trickling_proxy):
    outcome: list = []

    def call() -> None:
        started = time.monotonic()
        try:
            connector.run("listModels", {"timeout": 1, "maxRetries": 0},
                          {"apiKey": KEY, "baseUrl": "https://api.deepseek.invalid"})
        except ConnectorError as error:
            outcome.append((time.monotonic() - started, error))

    # In a thread, so that a wait the deadline does not bound fails this test instead of hanging it.
    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(1 + SLACK + 2)
    [(took, error)] = outcome
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
