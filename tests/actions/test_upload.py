"""Upload File, List Files, Get File, Delete File: the multipart body exactly as sent (purpose
before file), the checks made before anything is sent, DeepSeek's answers through the emulator,
and a document upload that is silent while it is parsed."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deepseek_connector.runtime.errors import InputError
from tests.actions.test_raw_request import multipart_parts
from tests.conftest import FAKE_KEY

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwAB"
                       "BAEAwS2OUAAAAABJRU5ErkJggg==")
PDF = b"%PDF-1.4\n1 0 obj << >> stream\nBT (Quarterly revenue grew 12 percent) Tj ET\nendstream\n%%EOF\n"
FILE_OBJECT = {"id": "file-api-abc", "object": "file", "bytes": len(PDF), "created_at": 1,
               "filename": "report.pdf", "purpose": "text_recognition"}


def answering(recorder, body: dict) -> None:
    encoded = json.dumps(body).encode()
    recorder.responder = lambda request: (200, {"Content-Type": "application/json"}, encoded)


def test_upload_sends_purpose_expiry_then_the_file(connector, recorder, tmp_path):
    answering(recorder, FILE_OBJECT)
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    inputs = {"fileData": {"report.pdf": path}, "purpose": "text_recognition", "expires_after": 7200}
    result = connector.run("uploadFile", inputs, {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    assert result == {"data": FILE_OBJECT}
    [sent] = recorder.received
    assert (sent["method"], sent["path"]) == ("POST", "/files")
    assert multipart_parts(sent) == [
        ("purpose", None, None, b"text_recognition"),
        ("expires_after[anchor]", None, None, b"created_at"),
        ("expires_after[seconds]", None, None, b"7200"),
        ("file", "report.pdf", "application/pdf", PDF)]


def test_a_picture_from_base64_with_its_type(connector, recorder):
    answering(recorder, {**FILE_OBJECT, "purpose": "user_data"})
    value = {"data": base64.b64encode(PNG).decode(), "contentType": "image/png"}
    connector.run("uploadFile", {"fileData": [{"key": "dot", "value": value}]},
                  {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    assert multipart_parts(recorder.received[0]) == [("purpose", None, None, b"user_data"),
                                                      ("file", "dot", "image/png", PNG)]


@pytest.mark.parametrize("inputs, label, says", [
    ({"fileData": {"notes.txt": b"hello"}}, "File Data", "is not a JPEG, PNG, GIF or WebP picture"),
    ({"fileData": {"big.png": PNG + b"\0" * (64 * 2**20)}}, "File Data",
     "DeepSeek takes at most 64 MB for a picture"),
    ({"fileData": {"big.txt": b"x" * (32 * 2**20 + 1)}, "purpose": "text_recognition"}, "File Data",
     "at most 32 MB for a .txt document"),
    ({"fileData": {"../etc/passwd.pdf": PDF}, "purpose": "text_recognition"}, "File Data", "not a path"),
    ({"fileData": {"a.png": PNG, "b.png": PNG}}, "File Data", "at most 1 entries"),
    ({"fileData": {"a.png": PNG}, "expires_after": 60}, "Expires After (seconds)", "3600"),
    ({"fileData": {"a.pdf": PDF}, "purpose": "archive"}, "Purpose", "user_data"),
    ({"fileData": {"report.pdf": "JVBERi0xLjQK"}, "purpose": "text_recognition"}, "File Data",
     "does not hold a .pdf file (text in a form is the file's content: give base64 as"),
    ({"fileData": {"notes": b"hello"}, "purpose": "text_recognition"}, "File Data",
     "is not a document DeepSeek reads"),
    ({"fileData": {"a\x00b.png": PNG}}, "File Data", "at most 255 printable characters"),
])
def test_files_deepseek_would_refuse_are_refused_before_sending(connector, recorder, inputs, label, says):
    with pytest.raises(InputError) as raised:
        connector.run("uploadFile", inputs, {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    assert label in str(raised.value) and says in str(raised.value)
    assert recorder.received == []


def test_a_hundred_megabyte_pdf_is_within_the_limit_and_a_larger_one_is_not(connector, recorder):
    answering(recorder, FILE_OBJECT)
    big = io.BytesIO(PDF + b"\0" * (100 * 2**20 - len(PDF)))
    connector.run("uploadFile", {"fileData": {"big.pdf": big}, "purpose": "rich_layout_recognition"},
                  {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    assert len(multipart_parts(recorder.received[0])[-1][3]) == 100 * 2**20
    with pytest.raises(InputError, match="at most 100 MB for a .pdf document"):
        too_big = io.BytesIO(b"\0" * (100 * 2**20 + 1))
        inputs = {"fileData": {"big.pdf": too_big}, "purpose": "text_recognition"}
        connector.run("uploadFile", inputs, {"apiKey": FAKE_KEY, "baseUrl": recorder.url})


def test_files_round_trip_on_the_emulator(connector, connection, emulator):
    uploaded = connector.run("uploadFile", {"fileData": {"report.pdf": PDF}, "purpose": "text_recognition"},
                             connection)["data"]
    picture = connector.run("uploadFile", {"fileData": {"dot.png": PNG}}, connection)["data"]
    assert uploaded["id"].startswith("file-api-") and uploaded["bytes"] == len(PDF)
    listed = connector.run("listFiles", {"order": "desc", "limit": 1}, connection)["data"]
    assert [f["id"] for f in listed["data"]] == [picture["id"]] and listed["has_more"] is True
    after = connector.run("listFiles", {"order": "desc", "after": listed["last_id"]}, connection)["data"]
    assert [f["id"] for f in after["data"]] == [uploaded["id"]]
    documents = connector.run("listFiles", {"purpose": "text_recognition"}, connection)["data"]["data"]
    assert [f["filename"] for f in documents] == ["report.pdf"]
    assert emulator.received("/files")[-1].query == [("purpose", "text_recognition")]
    assert connector.run("getFile", {"file_id": uploaded["id"]}, connection)["data"] == uploaded
    answer = connector.run("createChatCompletion", {"model": "deepseek-flash", "user_message": "Summarise it",
                                                    "document_file_ids": [uploaded["id"]]}, connection)
    assert "Quarterly revenue grew 12 percent" in answer["data"]["choices"][0]["message"]["content"]
    deleted = connector.run("deleteFile", {"file_id": uploaded["id"]}, connection)["data"]
    assert deleted == {"id": uploaded["id"], "object": "file", "deleted": True}
    assert emulator.received()[-1].method == "DELETE"


@pytest.mark.parametrize("file_id", ["../models", "file-api-x/..", "a b", "file?x=1"])
def test_file_ids_are_checked_before_they_reach_a_path(connector, recorder, file_id):
    for action in ("getFile", "deleteFile"):
        with pytest.raises(InputError, match="File ID"):
            connector.run(action, {"file_id": file_id}, {"apiKey": FAKE_KEY, "baseUrl": recorder.url})
    assert recorder.received == []


class SilentWhileParsing(BaseHTTPRequestHandler):
    """Reads the upload, then stays silent for longer than a single read may wait, then answers."""

    protocol_version = "HTTP/1.1"
    silence = 2.5

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.silence)
        body = json.dumps(FILE_OBJECT).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_document_parsed_in_silence_is_waited_for_within_the_timeout(connector, monkeypatch):
    from deepseek_connector.runtime import settings

    monkeypatch.setattr(settings, "READ_TIMEOUT", 1.0)  # a chat's single read would give up after 1 s
    server = ThreadingHTTPServer(("127.0.0.1", 0), SilentWhileParsing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = {"apiKey": FAKE_KEY, "baseUrl": f"http://127.0.0.1:{server.server_address[1]}"}
        result = connector.run("uploadFile", {"fileData": {"report.pdf": PDF}, "purpose": "text_recognition",
                                              "timeout": 10}, connection)
        assert result["data"]["id"] == "file-api-abc"
        with pytest.raises(Exception, match="(?i)time"):
            connector.run("uploadFile", {"fileData": {"report.pdf": PDF}, "purpose": "text_recognition",
                                         "timeout": 1.5}, connection)
    finally:
        server.shutdown()
        server.server_close()


def test_the_command_line_uploads_a_file_from_disk(tmp_path, capsys):
    from deepseek_connector.cli.main import main

    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    assert main(["run", "uploadFile", "--emulator", "--file", "report=@" + str(path),
                 "-i", "purpose=text_recognition"]) == 0
    uploaded = json.loads(capsys.readouterr().out)["data"]
    assert (uploaded["filename"], uploaded["bytes"], uploaded["purpose"]) == (
        "report.pdf", len(PDF), "text_recognition")  # the key had no extension: the file's own name
