"""`--file KEY=@PATH` uploads and `--output FILE` downloads through Raw Request, as real processes."""

from __future__ import annotations

import json
import os

import pytest

from tests.actions.test_raw_request import multipart_parts
from tests.cli.test_cli import cli
from tests.conftest import FAKE_KEY


def test_file_flags_upload_files_from_disk(recorder, tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.bin"
    first.write_text("alpha")
    second.write_bytes(os.urandom(1000))
    done = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY, "-i", "method=POST",
               "-i", "url=/upload", "-i", "formData={\"purpose\": \"x\"}", "--file", f"doc=@{first}",
               "-F", f"blob=@{second}")
    assert done.returncode == 0, done.stderr
    assert multipart_parts(recorder.received[0]) == [
        ("purpose", None, None, b"x"), ("doc", "a.txt", "text/plain", b"alpha"),
        ("blob", "b.bin", "application/octet-stream", second.read_bytes())]


@pytest.mark.parametrize("flags, message", [
    (["--file", "doc=/etc/hostname"], "--file: must look like KEY=@PATH; got 'doc=/etc/hostname'."),
    (["--file", "doc=@/no/such"], "File Data: file 'doc' is a path to no file: '/no/such'."),
    (["--file", "doc=@/etc/hostname", "-i", "fileData={\"x\": \"y\"}"], "--file: cannot be combined"),
    (["-o", "/no/such/dir/out"], "Output File: cannot be written: '/no/such/dir'"),
    (["-o", "out.bin", "-i", "responseType=json"], "Response Type: must be binary to write the answer"),
])
def test_file_flag_mistakes_exit_2_and_send_nothing(recorder, flags, message):
    done = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY, "-i", "method=POST",
               "-i", "url=/upload", *flags)
    assert done.returncode == 2
    assert message in done.stderr
    assert recorder.received == []


def test_output_flag_writes_the_answer_to_a_file(recorder, tmp_path):
    blob = os.urandom(70_000)
    recorder.responder = lambda request: (200, {"Content-Type": "image/png"}, blob)
    target = tmp_path / "picture.png"
    done = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY, "-i", "method=GET",
               "-i", "url=/picture", "-i", "responseType=binary", "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"data": {"file": str(target), "bytes": len(blob),
                                                "contentType": "image/png"}}
    assert target.read_bytes() == blob
