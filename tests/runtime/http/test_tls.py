"""TLS through urllib3 directly: certificates are verified, against requests' bundle by default
or the one REQUESTS_CA_BUNDLE names, and nothing is sent over a connection that failed it."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deepseek_connector.runtime.errors import ConnectorError
from tests.conftest import FAKE_KEY

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (its own CA), as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def https_server(certificate):
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append({"path": self.path, "authorization": self.headers.get("Authorization")})
            body = json.dumps({"object": "list", "data": [{"id": "deepseek-flash", "object": "model",
                                                           "owned_by": "deepseek"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_a_certificate_from_the_named_bundle_is_trusted(https_server, certificate, connector, monkeypatch):
    url, seen = https_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))
    data = connector.run("listModels", {}, {"apiKey": FAKE_KEY, "baseUrl": url})
    assert [model["id"] for model in data["data"]["data"]] == ["deepseek-flash"]
    assert seen == [{"path": "/models", "authorization": f"Bearer {FAKE_KEY}"}]


def test_an_unknown_certificate_is_refused_and_nothing_is_sent(https_server, connector, monkeypatch):
    url, seen = https_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {"maxRetries": 0}, {"apiKey": FAKE_KEY, "baseUrl": url})
    assert caught.value.kind == "network"
    assert "secure connection (TLS) could not be set up" in str(caught.value)
    assert seen == []


def test_an_unreadable_bundle_is_a_clear_error(https_server, connector, monkeypatch, tmp_path):
    url, seen = https_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConnectorError) as caught:
        connector.run("listModels", {}, {"apiKey": FAKE_KEY, "baseUrl": url})
    assert "REQUESTS_CA_BUNDLE" in str(caught.value)
    assert seen == []
