"""The emulator's Files API routes, and DeepSeek's front server refusing a body too large:
a mixin of the request handler (server.py), which gives it the store and the recorded body."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .faults import Fault
from .files import Part, read_multipart
from .messages import ChatRequestError
from .writing import ResponseWriter, error_envelope

MiB = 2**20
RECORDED_BODY = 64 * 1024  # an upload is recorded by its beginning only
TOO_LARGE = (b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
             b"<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>openresty</center>\r\n"
             b"</body>\r\n</html>\r\n")


class FileRoutes(ResponseWriter):
    server: Any
    upload_parts: list[Part] | ChatRequestError | None

    def _too_large(self, length: int) -> None:
        """DeepSeek's front server refusing a body over its limit: HTML, then the body read away
        so that the client, still sending, sees the answer rather than a broken connection."""
        self._send_raw(413, TOO_LARGE, "text/html", Fault())
        while length > 0:
            chunk = self.rfile.read(min(length, MiB))
            if not chunk:
                break
            length -= len(chunk)
        self.close_connection = True

    def _read_upload(self, length: int) -> bytes:
        """A multipart upload read as it arrives; returns the beginning, for the request record."""
        kept = bytearray()

        def read(size: int) -> bytes:
            chunk = self.rfile.read(size)
            if len(kept) < RECORDED_BODY:
                kept.extend(chunk[:RECORDED_BODY - len(kept)])
            return chunk

        boundary = self.headers.get_param("boundary") if self.headers.get_content_type() == \
            "multipart/form-data" else None
        try:
            self.upload_parts = read_multipart(read, length, str(boundary)) if boundary else None
        except ChatRequestError as exc:
            self.upload_parts = exc
        return bytes(kept)

    def _key(self) -> str:
        return self.headers.get("Authorization", "")[7:].strip()

    def _files(self, route: str, fault: Fault) -> None:
        store, key = self.server.emulator.files, self._key()
        file_id = route[len("/files/"):] if route.startswith("/files/") else None
        try:
            if file_id is None and self.command == "POST":
                if isinstance(self.upload_parts, ChatRequestError):
                    raise self.upload_parts
                if self.upload_parts is None:
                    raise ChatRequestError(400, "Expected a multipart/form-data body", "file")
                return self._send_json(200, store.upload(key, self.upload_parts), fault)
            if file_id is None and self.command == "GET":
                query = dict(parse_qsl(urlsplit(self.path).query, True))
                return self._send_json(200, store.listing(key, query), fault)
            if file_id and "/" not in file_id and self.command == "GET":
                return self._send_json(200, store.get(key, file_id), fault)
            if file_id and "/" not in file_id and self.command == "DELETE":
                return self._send_json(200, store.delete(key, file_id), fault)
        except ChatRequestError as exc:
            return self._send_json(exc.status, error_envelope(exc.status, exc.message, exc.param))
        self._send_json(404, error_envelope(404, f"No route for {self.command} {route}"))
