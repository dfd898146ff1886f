"""A proxy that refuses its credentials (HTTP 407) is reported as that, whether it answers an
https call's CONNECT or a plain http request, and never repeats the proxy's password."""

from __future__ import annotations

import base64
import socket
import threading

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.hostile.conftest import KEY, cli, error_texts, leaked


def refusal(request: bytes) -> bytes:
    """A 407 whose page quotes the credentials it was sent, as some proxies' pages do."""
    sent = [line for line in request.split(b"\r\n") if line.lower().startswith(b"proxy-authorization")]
    body = b"Access denied for " + b"".join(sent) + b" (password proxysecret)"
    return (b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
            b"Content-Type: text/plain\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\nConnection: close\r\n\r\n" + body)


@pytest.fixture
def refusing_proxy():
    """A proxy that answers every request, CONNECT included, with 407; it records what it got."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                try:
                    received.append(conn.recv(65536))
                    conn.sendall(refusal(received[-1]))
                except OSError:
                    pass

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://proxyuser:proxysecret@127.0.0.1:{listener.getsockname()[1]}", received
    listener.close()


@pytest.mark.parametrize("base_url", ["https://api.deepseek.invalid", "http://127.0.0.1:9"])
def test_a_proxy_that_refuses_the_credentials(connector, refusing_proxy, monkeypatch, base_url):
    proxy, received = refusing_proxy
    for name in ("HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.setenv("NO_PROXY", "")
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {"maxRetries": 2}, {"apiKey": KEY, "baseUrl": base_url})
    error = caught.value
    assert error.kind == "proxy_auth" and "proxy" in str(error) and "credentials" in str(error)
    assert error.attempts == 1  # retrying cannot fix a password
    assert b"proxy-authorization: basic" in received[0].lower()
    token = base64.b64encode(b"proxyuser:proxysecret").decode()
    assert not any("proxysecret" in text or token in text for text in error_texts(error))
    done = cli("run", "listModels", env={"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": base_url,
                                         "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": ""})
    assert done.returncode == 1 and "proxy refused the credentials" in done.stderr
    assert "proxysecret" not in done.stderr + done.stdout and not leaked(done.stderr, done.stdout)
