"""Raw Request with files: uploads streamed from a path or file object, downloads written to a file.

The memory tests run the connector in a fresh process that reads its own peak (VmHWM) before
and after, against a server in this process that hashes what it receives.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deepseek_connector.runtime.errors import InputError, LocalFileError, ResponseError
from deepseek_connector.runtime.http.multipart import BLOCK
from tests.actions.test_raw_request import multipart_parts, raw
from tests.conftest import FAKE_KEY

BIG = 64 * 2**20


def test_a_path_is_streamed_as_a_file_with_its_own_name(connector, recorder, tmp_path):
    content = os.urandom(3 * BLOCK + 17)
    path = tmp_path / "report.csv"
    path.write_bytes(content)
    raw(connector, recorder.url, url="/upload", method="POST", formData={"purpose": "batch"},
        fileData=[{"key": "file", "value": path}])
    [received] = recorder.received
    assert int(received["headers"]["Content-Length"]) == len(received["body"])
    assert "Transfer-Encoding" not in received["headers"]
    assert multipart_parts(received) == [("purpose", None, None, b"batch"),
                                         ("file", "report.csv", "text/csv", content)]


def test_a_file_object_is_sent_from_where_it_stands(connector, recorder):
    handle = io.BytesIO(b"HEADER-body of the file")
    handle.seek(7)
    raw(connector, recorder.url, url="/upload", method="POST",
        fileData=[{"key": "doc", "value": {"data": handle, "contentType": "application/pdf"}}],
        fileDataFileNames={"doc": "a.pdf"})
    assert multipart_parts(recorder.received[0]) == [("doc", "a.pdf", "application/pdf", b"body of the file")]


def test_text_is_content_never_a_path(connector, recorder, tmp_path):
    # A form's text must never open a file on the host's disk.
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("do not send")
    raw(connector, recorder.url, url="/upload", method="POST", fileData={"f": str(secret_file)})
    assert multipart_parts(recorder.received[0]) == [("f", "f", None, str(secret_file).encode())]


@pytest.mark.parametrize("value, message", [
    (Path("/no/such/file.bin"), "File Data: file 'f' is a path to no file: '/no/such/file.bin'."),
    (Path("/"), "File Data: file 'f' is a path to a folder: '/'."),
    (io.StringIO("text"), "File Data: file 'f' is a file opened in text mode; open it in binary mode"),
])
def test_unusable_files_are_refused_before_sending(connector, recorder, value, message):
    with pytest.raises(InputError) as caught:
        raw(connector, recorder.url, url="/upload", method="POST", fileData=[{"key": "f", "value": value}])
    assert message in str(caught.value)
    assert recorder.received == []


def test_a_retried_upload_is_sent_whole_again(connector, recorder, tmp_path, fast_backoff):
    content = os.urandom(2 * BLOCK + 5)
    path = tmp_path / "data.bin"
    path.write_bytes(content)
    answers = iter([(503, {}, b'{"error": {"message": "busy"}}'), (200, {"Content-Type": "application/json"},
                                                                    b"{}")])
    recorder.responder = lambda request: next(answers)
    raw(connector, recorder.url, url="/upload", method="POST", fileData=[{"key": "f", "value": path}],
        maxRetries=1)
    assert len(recorder.received) == 2
    assert [multipart_parts(r)[0][3] for r in recorder.received] == [content, content]


def test_a_file_that_shrinks_while_sending_is_a_local_file_error(connector, recorder):
    class Shrinking(io.BytesIO):
        def read(self, size=-1):
            data = super().read(size)
            if data:
                self.truncate(self.tell())  # nothing after what was just read
            return data

    with pytest.raises(LocalFileError) as caught:
        raw(connector, recorder.url, url="/upload", method="POST",
            fileData=[{"key": "f", "value": Shrinking(os.urandom(3 * BLOCK))}])
    assert caught.value.kind == "local_file"
    assert "File 'f' became shorter while it was being sent" in str(caught.value)


def test_a_file_is_read_in_blocks_never_whole(connector, recorder):
    reads = []

    class Watched(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    raw(connector, recorder.url, url="/upload", method="POST",
        fileData=[{"key": "f", "value": Watched(os.urandom(10 * BLOCK))}])
    assert len(multipart_parts(recorder.received[0])[0][3]) == 10 * BLOCK
    assert reads and all(0 <= size <= BLOCK for size in reads[1:])  # the first is the read(0) probe


def test_a_binary_answer_is_written_to_the_output_file(connector, recorder, tmp_path):
    blob = os.urandom(5 * 2**20)
    recorder.responder = lambda request: (200, {"Content-Type": "application/zip"}, blob)
    target = tmp_path / "answer.zip"
    result = connector.run("rawRequest", {"method": "GET", "url": "/blob", "responseType": "binary"},
                           {"apiKey": FAKE_KEY, "baseUrl": recorder.url}, output=target)
    assert result == {"data": {"file": str(target), "bytes": len(blob), "contentType": "application/zip"}}
    assert target.read_bytes() == blob
    assert [p.name for p in tmp_path.iterdir()] == ["answer.zip"]  # no .part file left behind


def test_an_output_file_needs_a_binary_raw_request(connector, recorder, tmp_path):
    connection = {"apiKey": FAKE_KEY, "baseUrl": recorder.url}
    with pytest.raises(InputError, match="Response Type: must be binary to write the answer to a file"):
        connector.run("rawRequest", {"method": "GET", "url": "/x"}, connection, output=tmp_path / "f")
    with pytest.raises(InputError, match="Output File: is not supported by 'listModels'"):
        connector.run("listModels", {}, connection, output=tmp_path / "f")
    with pytest.raises(InputError, match="Output File: cannot be written"):
        connector.run("rawRequest", {"method": "GET", "url": "/x", "responseType": "binary"}, connection,
                      output=tmp_path / "missing" / "f")
    assert recorder.received == []


def test_a_failed_download_leaves_no_file(connector, tmp_path):
    # The server promises more than it sends, then closes the connection.
    class Short(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(2**20))
            self.end_headers()
            self.wfile.write(b"x" * 1000)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Short)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(Exception) as caught:
            connector.run("rawRequest", {"method": "GET", "url": "/x", "responseType": "binary"},
                          {"apiKey": FAKE_KEY, "baseUrl": f"http://127.0.0.1:{server.server_address[1]}"},
                          output=tmp_path / "f.bin")
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.kind == "network"
    assert list(tmp_path.iterdir()) == []


def binary_download(connector, recorder, output, **inputs):
    recorder.responder = lambda request: (200, {"Content-Type": "application/octet-stream"}, b"x" * 2**21)
    return connector.run("rawRequest", {"method": "GET", "url": "/x", "responseType": "binary", **inputs},
                         {"apiKey": FAKE_KEY, "baseUrl": recorder.url}, output=output)


def test_a_name_as_long_as_the_file_system_allows_is_written(connector, recorder, tmp_path):
    # The temporary file's name is short whatever the target's: FILE.part might not fit.
    target = tmp_path / ("a" * os.pathconf(tmp_path, "PC_NAME_MAX"))
    assert binary_download(connector, recorder, target)["data"]["bytes"] == 2**21
    assert list(tmp_path.iterdir()) == [target]


def test_a_failed_cleanup_never_hides_why_the_download_failed(connector, recorder, tmp_path, monkeypatch):
    def unlink(self, missing_ok=False):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(ResponseError, match="larger than the Max Response Size"):
        binary_download(connector, recorder, tmp_path / "out.bin", maxResponseMB=1)
    assert not (tmp_path / "out.bin").exists()


class HashingServer:
    """Hashes the one file of each multipart upload as it arrives (never holding it), and answers
    GET /blob with BIG bytes."""

    def __init__(self):
        self.digests: list[tuple[int, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                boundary = self.headers["Content-Type"].split("boundary=")[1]
                trailer = len(f"\r\n--{boundary}--\r\n")
                left = int(self.headers["Content-Length"])
                first = self.rfile.read(min(left, 2**16))
                left -= len(first)
                pending = first[first.index(b"\r\n\r\n") + 4:]  # after the part's headers
                digest, size = hashlib.sha256(), len(pending)
                while left:
                    piece = self.rfile.read(min(left, 2**20))
                    left -= len(piece)
                    size += len(piece)
                    pending += piece
                    digest.update(pending[:-trailer])
                    pending = pending[-trailer:]
                owner.digests.append((size - trailer, digest.hexdigest()))
                self._answer(b"application/json", [b"{}"], 2)

            def do_GET(self):
                block = bytes(range(256)) * 4096  # 1 MiB
                self._answer(b"application/octet-stream", (block for _ in range(BIG // len(block))), BIG)

            def _answer(self, ctype, pieces, length):
                self.send_response(200)
                self.send_header("Content-Type", ctype.decode())
                self.send_header("Content-Length", str(length))
                self.end_headers()
                for piece in pieces:
                    self.wfile.write(piece)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# Runs in a fresh process: warms up with a small call, then reports its own peak growth (KiB).
CHILD = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from deepseek_connector import load_connector

    def peak_kib():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

    mode, url, path = sys.argv[1:]
    connector = load_connector()
    connection = {"apiKey": "sk-test-memory", "baseUrl": url}
    upload = {"method": "POST", "url": "/upload"}
    download = {"method": "GET", "url": "/blob", "responseType": "binary", "maxResponseMB": 1024}
    connector.run("rawRequest", {**upload, "fileData": {"warm": b"up"}}, connection)
    before = peak_kib()
    if mode == "upload":
        connector.run("rawRequest", {**upload, "fileData": [{"key": "f", "value": Path(path)}]}, connection)
    else:
        connector.run("rawRequest", download, connection, output=path)
    print(json.dumps({"growth_kib": peak_kib() - before}))
""")


@pytest.fixture(scope="module")
def hashing_server():
    server = HashingServer()
    yield server
    server.close()


def child_growth_kib(mode: str, url: str, path: Path) -> int:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, url, str(path)], capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)["growth_kib"]


def test_a_large_upload_streams_from_disk_in_bounded_memory(hashing_server, tmp_path):
    path = tmp_path / "big.bin"
    expected = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(BIG // 2**20):
            block = os.urandom(2**20)
            expected.update(block)
            handle.write(block)
    growth = child_growth_kib("upload", hashing_server.url, path)
    assert hashing_server.digests[-1] == (BIG, expected.hexdigest())
    assert growth <= 10 * 1024, f"uploading {BIG >> 20} MiB grew the process by {growth} KiB"


def test_a_large_download_to_a_file_stays_out_of_memory(hashing_server, tmp_path):
    target = tmp_path / "blob.bin"
    growth = child_growth_kib("download", hashing_server.url, target)
    assert target.stat().st_size == BIG
    assert growth <= 10 * 1024, f"downloading {BIG >> 20} MiB grew the process by {growth} KiB"
