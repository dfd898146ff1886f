"""Upload File: one file from a form onto DeepSeek's multipart POST /files, checked first.

List Files, Get File and Delete File need no code: connector.yaml declares them.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from ..runtime.contract.action import Action, Call, declared_request
from ..runtime.errors import Problems
from ..runtime.http.messages import FilePart, HttpRequest
from .media import (
    DOCUMENT_LIMIT,
    IMAGE_NAMES,
    LARGE_DOCUMENT_LIMIT,
    LARGE_DOCUMENTS,
    UPLOAD_IMAGE_LIMIT,
    document_problem,
    extension,
    head_of,
    image_kind,
    megabytes,
    size_of,
)
from .multipart import FileContent, file_content


class UploadFile(Action):
    def request(self, call: Call) -> HttpRequest:
        form, problems = call.form, call.problems()
        [entry] = form["fileData"]
        filename = entry["key"].strip()
        purpose = form["purpose"]
        try:
            content, content_type = file_content(entry["value"])
        except ValueError as exc:
            problems.add("fileData", f"file {filename!r} {exc}")
        else:
            if isinstance(content, Path) and "." not in filename:
                filename = content.name  # --file report=@report.pdf: the file's own name tells its kind
            check_upload(filename, content, purpose, problems)
        problems.raise_any()
        # DeepSeek reads purpose before the file (a document is parsed as it arrives).
        parts = [FilePart("purpose", purpose.encode())]
        if form.get("expires_after") is not None:
            parts += [FilePart("expires_after[anchor]", b"created_at"),
                      FilePart("expires_after[seconds]", str(form["expires_after"]).encode())]
        content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        parts.append(FilePart("file", content, filename, content_type))
        return declared_request(call, multipart=tuple(parts))


def check_upload(filename: str, content: FileContent, purpose: str, problems: Problems) -> None:
    """The file's kind and size against what DeepSeek takes for the purpose."""
    if "/" in filename or "\\" in filename or filename in (".", "..") or len(filename) > 255 \
            or not filename.isprintable():
        problems.add("fileData", f"has the key {filename!r}; the key is the file's name (report.pdf, at most "
                                 "255 printable characters), not a path.")
        return
    size = size_of(content)
    if purpose == "user_data":
        if image_kind(head_of(content)) is None:
            problems.add("fileData", f"file {filename!r} is not a {IMAGE_NAMES} picture, which Purpose "
                                     "Images needs (choose Text recognition or Rich layout recognition for a "
                                     'document; give base64 text as {"data": "...", "contentType": "..."}).')
        limit = UPLOAD_IMAGE_LIMIT
    else:
        problem = document_problem(filename, head_of(content))
        if problem:
            problems.add("fileData", f"file {filename!r} {problem}.")
        limit = LARGE_DOCUMENT_LIMIT if extension(filename) in LARGE_DOCUMENTS else DOCUMENT_LIMIT
    if size > limit:
        kind = "a picture" if purpose == "user_data" else f"a .{extension(filename) or 'file'} document"
        problems.add("fileData", f"file {filename!r} is {size / 2**20:.1f} MB; DeepSeek takes at most "
                             f"{megabytes(limit)} for {kind}.")
    if size == 0:
        problems.add("fileData", f"file {filename!r} is empty.")
