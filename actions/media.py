"""Files a form hands over (pictures and documents): what kind they are and how large, told
before anything is sent, with DeepSeek's limits for each kind."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from .multipart import FileContent

MiB = 2**20
IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
                    (b"GIF89a", "gif"))
IMAGE_NAMES = ("JPEG, PNG, GIF or WebP")
# DeepSeek's upload limits: pictures 64 MiB; PDF, Word and PowerPoint 100 MiB; other documents
# (plain text, sheets, e-books) 32 MiB. A picture inside a chat message: 32 MiB, and the whole
# request 48 MiB.
UPLOAD_IMAGE_LIMIT = 64 * MiB
LARGE_DOCUMENTS = frozenset({"pdf", "doc", "docx", "ppt", "pptx"})
LARGE_DOCUMENT_LIMIT = 100 * MiB
DOCUMENT_LIMIT = 32 * MiB
INLINE_IMAGE_LIMIT = 32 * MiB
REQUEST_LIMIT = 48 * MiB


def image_kind(head: bytes) -> str | None:
    """jpeg, png, gif or webp, told from a file's first bytes as DeepSeek tells them; else None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((kind for signature, kind in IMAGE_SIGNATURES if head.startswith(signature)), None)


# Documents DeepSeek parses, by extension, and how the binary ones begin (a file that does not
# is not what its name says: often base64 text or a web address pasted as the content).
DOCUMENT_KINDS = frozenset({"pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "csv", "tsv", "txt", "md",
                            "markdown", "json", "xml", "html", "htm", "epub", "mobi", "azw3", "fb2"})
DOCUMENT_SIGNATURES = {"pdf": (b"%PDF",), "docx": (b"PK\x03\x04",), "pptx": (b"PK\x03\x04",),
                       "xlsx": (b"PK\x03\x04",), "epub": (b"PK\x03\x04",),
                       "doc": (b"\xd0\xcf\x11\xe0",), "ppt": (b"\xd0\xcf\x11\xe0",),
                       "xls": (b"\xd0\xcf\x11\xe0",)}


def document_problem(filename: str, head: bytes) -> str | None:
    """Why DeepSeek would not parse this document, or None."""
    kind = extension(filename)
    if kind not in DOCUMENT_KINDS:
        return (f"is not a document DeepSeek reads (.{kind or '?'}); give the file's name with its "
                "extension: .pdf, .docx, .pptx, .xlsx, .txt, .md, .csv, .epub and the like")
    signatures = DOCUMENT_SIGNATURES.get(kind)
    if signatures and not head.startswith(signatures):
        return (f"does not hold a .{kind} file (text in a form is the file's content: give base64 as "
                '{"data": "...", "contentType": "..."}; a web address is not fetched)')
    return None


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def size_of(content: FileContent) -> int:
    """The bytes a file will send (a file object: from its position to its end)."""
    if isinstance(content, bytes):
        return len(content)
    if isinstance(content, Path):
        return content.stat().st_size
    start = content.tell()
    end = content.seek(0, os.SEEK_END)
    content.seek(start)
    return end - start


def head_of(content: FileContent, size: int = 16) -> bytes:
    """A file's first bytes, the file object left where it was."""
    if isinstance(content, bytes):
        return content[:size]
    if isinstance(content, Path):
        with content.open("rb") as opened:
            return opened.read(size)
    return _peek(content, size)


def whole(content: FileContent, limit: int) -> bytes:
    """A file's bytes, at most `limit` and one more (a file may grow after its size was looked at:
    the caller refuses what is longer)."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, Path):
        with content.open("rb") as opened:
            return opened.read(limit + 1)
    return _peek(content, limit + 1)


def _peek(file: IO[bytes], size: int) -> bytes:
    start = file.tell()
    try:
        return file.read(size)
    finally:
        file.seek(start)


def megabytes(limit: int) -> str:
    return f"{limit // MiB} MB"
