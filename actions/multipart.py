"""Raw Request's Form Data and File Data, as the parts of a multipart/form-data body."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from typing import Any

from ..runtime.errors import Problems
from ..runtime.http import FilePart
from ..runtime.inputs import FormValues
from ..runtime.wiring import as_text


def build_multipart(form: FormValues, problems: Problems) -> tuple[FilePart, ...] | None:
    fields = form.get("formData") or []
    files = form.get("fileData") or []
    names = {pair["key"]: as_text(pair["value"]) for pair in form.get("fileDataFileNames") or []}
    file_keys = {pair["key"] for pair in files}
    for key in names:
        if key not in file_keys:
            problems.add("fileDataFileNames", f"names a file for {key!r}, but File Data has no such key.")
    if not fields and not files:
        return None
    parts = [FilePart(pair["key"], _field_bytes(pair["value"])) for pair in fields]
    for pair in files:
        try:
            content, content_type = file_content(pair["value"])
        except ValueError as exc:
            problems.add("fileData", f"file {pair['key']!r} {exc}")
            continue
        filename = names.get(pair["key"]) or pair["key"]
        parts.append(FilePart(pair["key"], content, filename,
                              content_type or mimetypes.guess_type(filename)[0]))
    return tuple(parts)


def file_content(value: Any) -> tuple[bytes, str | None]:
    """A file as platforms pass it: text, bytes, or {"data": bytes-or-base64, "contentType"}."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), None
    if isinstance(value, str):
        return value.encode("utf-8"), None
    if isinstance(value, dict) and "data" in value:
        content_type = value.get("contentType") or value.get("content_type")
        if content_type is not None and not isinstance(content_type, str):
            raise ValueError("has a contentType that is not text.")
        data = value["data"]
        if isinstance(data, (bytes, bytearray)):
            return bytes(data), content_type
        if isinstance(data, str):
            try:
                return base64.b64decode(data, validate=True), content_type
            except (binascii.Error, ValueError):
                raise ValueError("has data that is neither bytes nor valid base64 text.") from None
    raise ValueError('must be text, binary data, or {"data": <bytes or base64 text>, "contentType": ...}; '
                     "got no file content.")


def _field_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else as_text(value).encode("utf-8")
