"""`--file KEY=@PATH` uploads and `--output FILE` downloads through Raw Request, as real processes."""

from __future__ import annotations

import json
import os
import stat

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


def test_a_content_type_that_would_write_part_headers_exits_2_and_sends_nothing(recorder, tmp_path):
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"url": "/upload", "method": "POST", "fileData": [{"key": "f", "value": {
        "data": "aGVsbG8=", "contentType": "text/plain\r\nX-Injected: yes\r\n\r\nINJECTED-BODY"}}]}))
    done = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY,
               "--inputs-file", str(inputs))
    assert done.returncode == 2
    assert "File Data: file 'f' has a contentType that is not a media type" in done.stderr
    assert "INJECTED" not in done.stderr and "Traceback" not in done.stderr
    assert recorder.received == []


def test_a_pipe_is_neither_uploaded_nor_replaced_by_a_download(recorder, tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    upload = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY, "-i", "method=POST",
                 "-i", "url=/upload", "--file", f"doc=@{pipe}")
    download = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY, "-i", "method=GET",
                   "-i", "url=/blob", "-i", "responseType=binary", "-o", str(pipe))
    assert (upload.returncode, download.returncode) == (2, 2)
    assert "File Data: file 'doc' is a path to a pipe, device or socket, not a regular file" in upload.stderr
    assert f"Output File: '{pipe}' is a device, pipe or socket" in download.stderr
    assert recorder.received == [] and stat.S_ISFIFO(pipe.lstat().st_mode)


def test_an_output_name_too_long_for_the_file_system_exits_2_and_sends_nothing(recorder, tmp_path):
    longest = os.pathconf(tmp_path, "PC_NAME_MAX")
    done = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY, "-i", "method=GET",
               "-i", "url=/blob", "-i", "responseType=binary", "-o", str(tmp_path / ("a" * (longest + 1))))
    assert done.returncode == 2
    assert done.stderr == (f"Error: Invalid input. Output File: has a file name of {longest + 1} bytes; this "
                           f"file system allows at most {longest}.\n")
    assert recorder.received == []


def test_output_never_follows_a_planted_part_link(recorder, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("VICTIM")
    (tmp_path / "out.bin.part").symlink_to(victim)
    recorder.responder = lambda request: (200, {"Content-Type": "application/octet-stream"}, b"answer")
    done = cli("run", "rawRequest", "--base-url", recorder.url, "--api-key", FAKE_KEY, "-i", "method=GET",
               "-i", "url=/blob", "-i", "responseType=binary", "-o", str(tmp_path / "out.bin"))
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "VICTIM" and (tmp_path / "out.bin").read_bytes() == b"answer"
