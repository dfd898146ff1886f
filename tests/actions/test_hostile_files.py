"""Raw Request's files against hostile values: content types that would write part headers, paths
swapped for pipes, host file objects that fail in odd ways, and output names that cannot be files.

Every case ends in a ConnectorError (an InputError with nothing sent, when it can be seen before
sending) and never in a raw exception or a hung step.
"""

from __future__ import annotations

import io
import mmap
import os
import secrets
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from deepseek_connector.runtime.errors import InputError, LocalFileError
from deepseek_connector.runtime.http.messages import FilePart, HttpRequest
from deepseek_connector.runtime.http.multipart import BLOCK
from tests.actions.test_raw_request import multipart_parts, raw
from tests.conftest import FAKE_KEY

BUSY = (503, {}, b'{"error": {"message": "busy"}}')
OK = (200, {"Content-Type": "application/json"}, b"{}")
RETRY_ONCE = {"maxRetries": 1, "retryDelayMS": 10, "useExponentialBackoff": False}


def upload(connector, recorder, value, **inputs):
    return raw(connector, recorder.url, url="/upload", method="POST", fileData=[{"key": "f", "value": value}],
               **inputs)


def busy_first(recorder, before_answer):
    """The first attempt is answered 503 after `before_answer` ran; later ones 200."""
    def respond(request):
        if len(recorder.received) == 1:
            before_answer()
            return BUSY
        return OK
    recorder.responder = respond


# -- content types ----------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", [
    "text/plain\r\nX-Injected: yes\r\n\r\nINJECTED-BODY",
    "text/plain\nX-Injected: yes",
    "text/plain\x00",
    'text/plain; charset="utf\r\n-8"',
    "plain text",
    "téxt/plain",
    "text/" + "x" * 2000,
])
def test_a_content_type_that_is_no_media_type_is_refused_before_sending(connector, recorder, content_type):
    with pytest.raises(InputError) as caught:
        upload(connector, recorder, {"data": b"hello", "contentType": content_type})
    [problem] = caught.value.problems
    assert (problem.key, problem.label) == ("fileData", "File Data")
    assert str(caught.value).startswith("Invalid input. File Data: file 'f' has a contentType that is not "
                                        "a media type: type/subtype")
    assert "Injected" not in str(caught.value) and "\n" not in str(caught.value)
    assert recorder.received == []


@pytest.mark.parametrize("content_type", [
    "text/plain; charset=utf-8", 'multipart/mixed; boundary="a b;c"', "application/vnd.api+json"])
def test_media_types_with_parameters_are_sent_as_given(connector, recorder, content_type):
    upload(connector, recorder, {"data": b"hello", "contentType": f" {content_type} "})
    body = recorder.received[0]["body"]
    assert f'filename="f"\r\nContent-Type: {content_type}\r\n\r\nhello\r\n'.encode() in body


def test_the_multipart_body_itself_never_writes_a_line_break_into_a_part_header(connector, recorder):
    # For callers other than Raw Request, which checks first: the executor refuses it unsent.
    executor = connector.executor(connector.connection({"apiKey": FAKE_KEY, "baseUrl": recorder.url}))
    part = FilePart("f", b"hello", "f.txt", "text/plain\r\nX-Injected: yes")
    with pytest.raises(InputError, match="File Data: file 'f' has a content type that is not a media type"):
        executor.send(HttpRequest("POST", recorder.url + "/upload", multipart=(part,)))
    assert recorder.received == []


# -- paths that stop being regular files ----------------------------------------------------------

def test_a_path_to_a_pipe_is_refused_before_sending(connector, recorder, tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(InputError, match=r"File Data: file 'f' is a path to a pipe, device or socket, not a "
                                         r"regular file: '.*/pipe'\."):
        upload(connector, recorder, pipe)
    assert recorder.received == []


def test_a_path_replaced_by_a_pipe_between_attempts_fails_at_once(connector, recorder, tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"hello" * 1000)

    def swap_for_a_pipe():
        path.unlink()
        os.mkfifo(path)

    busy_first(recorder, swap_for_a_pipe)
    started, pool = time.monotonic(), ThreadPoolExecutor(1)
    step = pool.submit(upload, connector, recorder, path, timeout=5000, **RETRY_ONCE)
    try:
        error = step.exception(timeout=10)
    except FutureTimeout:  # stuck opening the pipe for reading: a writer lets it go, so the test ends
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("the step waited on a pipe past its Timeout")
    finally:
        pool.shutdown(wait=False)
    assert time.monotonic() - started < 3
    assert isinstance(error, LocalFileError)
    assert str(error).startswith("File 'f' is no longer a regular file (it was replaced by a folder, pipe, "
                                 "device or socket) and was not sent. Tried 2 times.")
    assert stat.S_ISFIFO(path.stat().st_mode) and nothing_of_the_file_sent_again(recorder)


def nothing_of_the_file_sent_again(recorder):
    # The second attempt fails before its first body byte: at most its headers arrived.
    return recorder.received[0]["body"] and all(not r["body"] for r in recorder.received[1:])


# -- file objects from a host's code --------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: io.BytesIO(os.urandom(BLOCK + 1)),
                                  lambda: open(__file__, "rb")],  # noqa: SIM115 - closed by the server
                         ids=["BytesIO", "open file"])
def test_a_file_object_closed_between_attempts_is_a_local_file_error(connector, recorder, make):
    handle = make()
    busy_first(recorder, handle.close)
    with pytest.raises(LocalFileError) as caught:
        upload(connector, recorder, handle, **RETRY_ONCE)
    assert str(caught.value).startswith("File 'f' could not be read while it was being sent (the file "
                                        "object was closed). Tried 2 times.")
    assert nothing_of_the_file_sent_again(recorder)


class NoTell:
    def read(self, size=-1):
        return b""

    def seek(self, offset, whence=0):
        return 0


class NoSeekFromEnd(NoTell):
    def tell(self):
        return 0

    def seek(self, offset, whence=0):
        if whence == os.SEEK_END:
            raise TypeError("no seek from the end")
        return 0


class TellsText(NoTell):
    def tell(self):
        return "start"


@pytest.mark.parametrize("value, why", [
    (NoTell(), "that cannot be read and rewound (AttributeError)"),
    (NoSeekFromEnd(), "that cannot be read and rewound (TypeError)"),
    (TellsText(), "whose tell() gives no position"),
])
def test_file_objects_that_cannot_be_measured_are_refused_before_sending(connector, recorder, value, why):
    with pytest.raises(InputError) as caught:
        upload(connector, recorder, value)
    assert f"File Data: file 'f' is a file object {why}" in str(caught.value)
    assert recorder.received == []


def test_an_mmap_is_sent_whole(connector, recorder):
    # mmap's seek returns None (Python 3.11): the size comes from tell(), never from seek.
    content = os.urandom(3 * BLOCK + 11)
    mapped = mmap.mmap(-1, len(content))
    mapped.write(content)
    mapped.seek(5)
    upload(connector, recorder, mapped)
    assert multipart_parts(recorder.received[0]) == [("f", "f", None, content[5:])]


class FailsWhileSending(io.BytesIO):
    """Measures fine, then its reads fail (or misbehave) once sending has begun."""

    def __init__(self, content, misbehave):
        super().__init__(content)
        self.misbehave = misbehave

    def read(self, size=-1):
        return super().read(size) if size == 0 else self.misbehave(self, size)


def _raises(handle, size):
    raise RuntimeError("host storage went away")


@pytest.mark.parametrize("misbehave, message", [
    (_raises, "File 'f' could not be read while it was being sent (RuntimeError)."),
    (lambda handle, size: "text", "File 'f' gave str instead of bytes while it was being sent"),
])
def test_a_file_object_failing_mid_send_is_a_local_file_error(connector, recorder, misbehave, message):
    with pytest.raises(LocalFileError) as caught:
        upload(connector, recorder, FailsWhileSending(b"x" * BLOCK, misbehave))
    assert str(caught.value).startswith(message)


def test_a_file_object_reading_more_than_asked_sends_only_what_content_length_promised(connector, recorder):
    content = FailsWhileSending(b"x" * 1000, lambda handle, size: b"y" * (size + 100))
    upload(connector, recorder, content)
    assert multipart_parts(recorder.received[0]) == [("f", "f", None, b"y" * 1000)]


# -- output files ---------------------------------------------------------------------------------

def download(connector, recorder, output, url="/blob"):
    return connector.run("rawRequest", {"method": "GET", "url": url, "responseType": "binary"},
                         {"apiKey": FAKE_KEY, "baseUrl": recorder.url}, output=output)


def special_file(kind, path):
    try:
        os.mknod(path, 0o666 | (stat.S_IFIFO if kind == "pipe" else stat.S_IFCHR), os.makedev(1, 3))
    except PermissionError:  # a device node (here /dev/null's numbers) needs root
        pytest.skip("making a device node needs root")
    return path


LONGEST = os.pathconf("/tmp", "PC_NAME_MAX")


@pytest.mark.parametrize("name, message", [
    ("a\0b", "Output File: must not contain a NUL character."),
    ("a" * (LONGEST + 1), f"Output File: has a file name of {LONGEST + 1} bytes; this file system allows at "
                          f"most {LONGEST}."),
    ("\ud800.bin", "Output File: has characters that cannot be part of a file name on this system."),
])
def test_output_names_that_cannot_be_files_are_refused_before_sending(connector, recorder, tmp_path, name,
                                                                      message):
    with pytest.raises(InputError) as caught:
        download(connector, recorder, tmp_path / name)
    assert str(caught.value) == f"Invalid input. {message}"
    assert recorder.received == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_a_special_file_is_never_replaced_by_the_answer(connector, recorder, tmp_path, kind):
    target = special_file(kind, tmp_path / "sink")
    with pytest.raises(InputError) as caught:
        download(connector, recorder, target)
    assert f"Output File: '{target}' is a device, pipe or socket; only a regular file may be replaced" in str(
        caught.value)
    assert recorder.received == [] and not stat.S_ISREG(target.lstat().st_mode)


def test_a_target_that_becomes_a_pipe_while_the_answer_arrives_is_kept(connector, recorder, tmp_path):
    target = tmp_path / "out.bin"
    recorder.responder = lambda request: (special_file("pipe", target) and
                                          (200, {"Content-Type": "application/octet-stream"}, b"answer"))
    with pytest.raises(LocalFileError, match=r"The answer was not written to '.*out\.bin': it is now a "):
        download(connector, recorder, target)
    assert stat.S_ISFIFO(target.lstat().st_mode) and list(tmp_path.iterdir()) == [target]


def test_a_planted_link_is_never_followed(connector, recorder, tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_text("VICTIM")
    (tmp_path / "out.bin.part").symlink_to(victim)  # where the answer once went
    (tmp_path / ".out.bin.aaaaaaaa.part").symlink_to(victim)  # the temporary name, should it be guessed
    names = iter(["aaaaaaaa"])
    monkeypatch.setattr(secrets, "token_hex", lambda size: next(names, "b" * 2 * size))
    recorder.responder = lambda request: (200, {"Content-Type": "application/octet-stream"}, b"answer")
    download(connector, recorder, tmp_path / "out.bin")
    assert victim.read_text() == "VICTIM"
    assert (tmp_path / "out.bin").read_bytes() == b"answer" and not (tmp_path / "out.bin").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.bin.aaaaaaaa.part", "out.bin", "out.bin.part",
                                                          "victim.txt"]


class HalfNowHalfLater(BaseHTTPRequestHandler):
    """Answers GET /<letter> with SIZE letters: half at once, the rest once both answers have begun."""

    SIZE = 2 * 2**20
    halfway = threading.Barrier(2, timeout=10)

    def do_GET(self):
        body = self.path[-1].encode() * self.SIZE
        self.send_response(200)
        self.send_header("Content-Length", str(self.SIZE))
        self.end_headers()
        self.wfile.write(body[:self.SIZE // 2])
        self.wfile.flush()
        self.halfway.wait()
        time.sleep(0.5)  # both downloads are now writing to the same file name
        self.wfile.write(body[self.SIZE // 2:])

    def log_message(self, *args):
        pass


def test_concurrent_downloads_to_one_file_each_leave_it_whole(connector, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), HalfNowHalfLater)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target, size = tmp_path / "same.bin", HalfNowHalfLater.SIZE
    recorder = SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}")
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda name: download(connector, recorder, target, url=f"/{name}"), "PQ"))
    finally:
        server.shutdown()
        server.server_close()
    assert [result["data"]["bytes"] for result in results] == [size, size]
    assert target.read_bytes() in (b"P" * size, b"Q" * size)  # the last one wins, whole
    assert list(tmp_path.iterdir()) == [target]
