"""DeepSeek's Files API in the emulator: POST /files (multipart, read as it arrives and never held
whole), GET /files with its cursor, GET and DELETE /files/{id}; one store per API key.

A file's bytes are not kept: only its object, its first bytes (to tell an image's kind) and, for a
document, the beginning of its text, which the chat quotes when a message refers to the file.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .messages import ChatRequestError, image_kind

MiB = 2**20
PURPOSES = ("user_data", "text_recognition", "rich_layout_recognition")
LARGE_DOCUMENTS = {"pdf", "doc", "docx", "ppt", "pptx"}
SMALL_DOCUMENTS = {"txt", "md", "markdown", "csv", "tsv", "json", "xml", "html", "htm", "xls", "xlsx",
                   "epub", "mobi", "azw3", "fb2"}
BODY_LIMIT = 100 * MiB + MiB  # the largest file and the multipart framing around it
EXPIRY_SECONDS = (3600, 2_592_000)
CHUNK = 256 * 1024
TEXT_KEPT = 4096


@dataclass
class Part:
    """One multipart part as it arrived: its names, its size, and only its first bytes."""

    name: str
    filename: str | None
    size: int = 0
    head: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        if len(self.head) < TEXT_KEPT:
            self.head += data[:TEXT_KEPT - len(self.head)]

    @property
    def text(self) -> str:
        return bytes(self.head).decode("utf-8", "replace")


def _part_of(header_block: bytes) -> Part:
    disposition = next((line for line in header_block.decode("utf-8", "replace").split("\r\n")
                        if line.lower().startswith("content-disposition:")), "")
    name = re.search(r'\bname="([^"]*)"', disposition)
    filename = re.search(r'\bfilename="([^"]*)"', disposition)
    return Part(name.group(1) if name else "", filename.group(1) if filename else None)


def read_multipart(read: Callable[[int], bytes], length: int, boundary: str) -> list[Part]:
    """The parts of a multipart/form-data body of `length` bytes, read in chunks."""
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    buffer, remaining = b"\r\n", length

    def more() -> None:
        nonlocal buffer, remaining
        chunk = read(min(CHUNK, remaining)) if remaining > 0 else b""
        if not chunk:
            raise ChatRequestError(400, "The multipart body ended early")
        remaining -= len(chunk)
        buffer += chunk

    while (found := buffer.find(delimiter)) < 0:
        buffer = buffer[-len(delimiter):]
        more()
    buffer = buffer[found + len(delimiter):]
    parts: list[Part] = []
    while True:
        while len(buffer) < 2:
            more()
        if buffer.startswith(b"--"):
            return parts
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            if len(buffer) > 16384:
                raise ChatRequestError(400, "A multipart part's headers are too long")
            more()
        part = _part_of(buffer[2:end])
        buffer = buffer[end + 4:]
        while (found := buffer.find(delimiter)) < 0:
            keep = len(delimiter)
            part.feed(buffer[:-keep])
            buffer = buffer[-keep:]
            more()
        part.feed(buffer[:found])
        buffer = buffer[found + len(delimiter):]
        parts.append(part)


def size_limit(filename: str, purpose: str) -> int:
    """The most bytes DeepSeek takes for this kind of file, refusing kinds the purpose cannot use."""
    kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if purpose == "user_data":  # a picture is told from its bytes, whatever its name (see upload)
        return 64 * MiB
    if kind in LARGE_DOCUMENTS:
        return 100 * MiB
    if kind in SMALL_DOCUMENTS:
        return 32 * MiB
    raise ChatRequestError(400, f"Unsupported file type for {purpose}: .{kind or '(none)'}", "file")


def document_text(part: Part) -> str:
    """The beginning of a document's text: a PDF's shown strings, or the text itself."""
    head = bytes(part.head)
    if head.startswith(b"%PDF"):
        shown = re.findall(rb"\(((?:[^()\\]|\\.){1,400})\)\s*Tj", head)
        return " ".join(piece.decode("latin-1") for piece in shown)
    return part.text


class FileStore:
    """Every key's files, as DeepSeek keeps them per account."""

    def __init__(self) -> None:
        self._files: dict[str, dict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _of(self, key: str) -> dict[str, dict[str, Any]]:
        return self._files.setdefault(key, {})

    def lookup(self, key: str) -> Callable[[str], dict[str, Any] | None]:
        def find(file_id: str) -> dict[str, Any] | None:
            with self._lock:
                return self._of(key).get(file_id)
        return find

    def upload(self, key: str, parts: list[Part]) -> dict[str, Any]:
        fields = {part.name: part.text for part in parts if part.filename is None}
        names = [part.name for part in parts]
        upload = next((part for part in parts if part.name == "file" and part.filename is not None), None)
        purpose = fields.get("purpose")
        if upload is None:
            raise ChatRequestError(400, "file is required", "file")
        if purpose not in PURPOSES:
            raise ChatRequestError(400, f"purpose must be one of {', '.join(PURPOSES)}", "purpose")
        if purpose != "user_data" and names.index("purpose") > names.index("file"):
            raise ChatRequestError(400, "purpose must come before file in the multipart body", "purpose")
        filename = upload.filename or "file"
        if upload.size > size_limit(filename, purpose):
            raise ChatRequestError(400, f"The file is larger than DeepSeek takes for {filename}", "file")
        if purpose == "user_data" and image_kind(bytes(upload.head)) is None:
            raise ChatRequestError(400, "The file is not a JPEG, PNG, GIF or WebP image", "file")
        created = int(time.time())
        stored: dict[str, Any] = {"id": f"file-api-{secrets.token_hex(12)}", "object": "file",
                                  "bytes": upload.size, "created_at": created, "filename": filename,
                                  "purpose": purpose}
        expiry = _expiry(fields)
        if expiry is not None:
            stored["expires_at"] = created + expiry
        text = document_text(upload) if purpose != "user_data" else ""
        with self._lock:
            self._of(key)[stored["id"]] = {**stored, "text": text}
        return stored

    def listing(self, key: str, query: dict[str, str]) -> dict[str, Any]:
        limit = query.get("limit", "1000")
        if not limit.isdigit() or not 1 <= int(limit) <= 1000:
            raise ChatRequestError(400, "limit must be between 1 and 1000", "limit")
        order = query.get("order", "asc")
        if order not in ("asc", "desc"):
            raise ChatRequestError(400, "order must be asc or desc", "order")
        with self._lock:
            files = [_public(item) for item in self._of(key).values()]
        if order == "desc":
            files.reverse()
        if "purpose" in query:
            files = [item for item in files if item["purpose"] == query["purpose"]]
        if "after" in query:
            ids = [item["id"] for item in files]
            if query["after"] not in ids:
                raise ChatRequestError(400, "after must be the id of a listed file", "after")
            files = files[ids.index(query["after"]) + 1:]
        page = files[:int(limit)]
        return {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None, "has_more": len(files) > len(page)}

    def get(self, key: str, file_id: str) -> dict[str, Any]:
        found = self.lookup(key)(file_id)
        if found is None:
            raise ChatRequestError(404, f"No such file: {file_id}", "file_id")
        return _public(found)

    def delete(self, key: str, file_id: str) -> dict[str, Any]:
        with self._lock:
            found = self._of(key).pop(file_id, None)
        if found is None:
            raise ChatRequestError(404, f"No such file: {file_id}", "file_id")
        return {"id": file_id, "object": "file", "deleted": True}


def _public(stored: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in stored.items() if name != "text"}


def _expiry(fields: dict[str, str]) -> int | None:
    anchor, seconds = fields.get("expires_after[anchor]"), fields.get("expires_after[seconds]")
    if anchor is None and seconds is None:
        return None
    low, high = EXPIRY_SECONDS
    if anchor != "created_at" or seconds is None or not seconds.isdigit() or not low <= int(seconds) <= high:
        raise ChatRequestError(400, f"expires_after needs anchor created_at and seconds from {low} to {high}",
                               "expires_after")
    return int(seconds)
