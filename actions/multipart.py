"""Raw Request's Form Data and File Data, as the parts of a multipart/form-data body."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
import stat
from pathlib import Path
from typing import IO, Any

from ..runtime.errors import Problems
from ..runtime.forms.form import FormValues
from ..runtime.forms.wiring import as_text
from ..runtime.http.messages import FilePart
from ..runtime.http.multipart import MEDIA_TYPE_TEXT, is_media_type

FileContent = bytes | Path | IO[bytes]


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
        filename = names.get(pair["key"]) or (content.name if isinstance(content, Path) else pair["key"])
        parts.append(FilePart(pair["key"], content, filename,
                              content_type or mimetypes.guess_type(filename)[0]))
    return tuple(parts)


def file_content(value: Any) -> tuple[FileContent, str | None]:
    """A file as platforms pass it: text, bytes, {"data": bytes-or-base64, "contentType"}, or,
    from code only, a pathlib.Path or a binary file object (both streamed, never read whole).
    Text is always the file's content, never a path: form text must not reach the host's disk."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), None
    if isinstance(value, str):
        return value.encode("utf-8"), None
    if isinstance(value, Path) or _is_file_object(value):
        return streamed_file(value), None
    if isinstance(value, dict) and "data" in value:
        content_type = _content_type(value.get("contentType") or value.get("content_type"))
        data = value["data"]
        if isinstance(data, (bytes, bytearray)):
            return bytes(data), content_type
        if isinstance(data, Path) or _is_file_object(data):
            return streamed_file(data), content_type
        if isinstance(data, str):
            try:
                return base64.b64decode(data, validate=True), content_type
            except (binascii.Error, ValueError):
                raise ValueError("has data that is neither bytes nor valid base64 text.") from None
    raise ValueError('must be text, binary data, or {"data": <bytes or base64 text>, "contentType": ...} '
                     "(or, from code, a pathlib.Path or binary file object); got no file content.")


def _content_type(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("has a contentType that is not text.")
    if value.strip() and not is_media_type(value.strip()):
        # Never quoted back: it may hold the very line breaks it was refused for.
        raise ValueError(f"has a contentType that is not {MEDIA_TYPE_TEXT}.")
    return value.strip() or None


def _is_file_object(value: Any) -> bool:
    return callable(getattr(value, "read", None)) and callable(getattr(value, "seek", None))


def streamed_file(value: Path | IO[bytes]) -> FileContent:
    """A path to a regular file, or a file object checked to be readable from the start again (for
    retries) and to know its length; refused here, before anything is sent, rather than mid-upload."""
    if isinstance(value, Path):
        try:
            mode = value.stat().st_mode
        except (OSError, ValueError):
            raise ValueError(f"is a path to no file: {str(value)!r}.") from None
        if stat.S_ISDIR(mode):
            raise ValueError(f"is a path to a folder: {str(value)!r}.")
        if not stat.S_ISREG(mode):
            raise ValueError(f"is a path to a pipe, device or socket, not a regular file: {str(value)!r}.")
        if not os.access(value, os.R_OK):
            raise ValueError(f"is a path to a file that cannot be read: {str(value)!r}.")
        return value
    try:
        start = value.tell()
        probe = value.read(0)
        value.seek(0, os.SEEK_END)
        end = value.tell()
        value.seek(start)
    except Exception as exc:  # a host's object may fail in any way; so it fails here, not mid-send
        raise ValueError(f"is a file object that cannot be read and rewound ({type(exc).__name__}); "
                         "give a path or a seekable binary file.") from None
    if not isinstance(probe, bytes):
        raise ValueError("is a file opened in text mode; open it in binary mode ('rb').")
    if not (isinstance(start, int) and isinstance(end, int)):
        raise ValueError("is a file object whose tell() gives no position; give a path or a seekable "
                         "binary file.")
    return value


def _field_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else as_text(value).encode("utf-8")
