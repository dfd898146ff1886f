"""The rules DeepSeek applies to a chat's messages since 2026: roles, content parts (text, images
by URL or base64, uploaded files), reasoning passed back after tool calls, prefix completion.

Error texts are DeepSeek's where a capture exists (the 2026 digest quotes them); the others are
the emulator's own wording and say so in the README.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from .models import takes_images

ROLES = ("system", "user", "assistant", "tool", "latest_reminder")
REASONING_PASS_BACK = "The reasoning_content in the thinking mode must be passed back to the API."
PREFIX_NEEDS_BETA = 'prefix is only available when using beta api (set base_url="https://api.deepseek.com/beta")'
IMAGE_URL_LIMIT = 8192
DATA_URL = re.compile(r"data:(image/[a-z0-9.+-]+);base64,(.*)", re.DOTALL | re.IGNORECASE)
IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
                    (b"GIF89a", "gif"))
# file id -> its file object and, for a document, the text parsed from it
FileLookup = Callable[[str], "dict[str, Any] | None"]


class ChatRequestError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def image_kind(data: bytes) -> str | None:
    """JPEG, PNG, GIF or WebP, told from the bytes as DeepSeek tells them; None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return next((kind for signature, kind in IMAGE_SIGNATURES if data.startswith(signature)), None)


def check_messages(body: dict[str, Any], thinking: bool, beta: bool, files: FileLookup) -> list[str]:
    """Raise ChatRequestError where DeepSeek would; return what the user attached, described."""
    messages = body["messages"]
    attached: list[str] = []
    for position, message in enumerate(messages):
        where = f"messages[{position}]"
        if not isinstance(message, dict):
            raise ChatRequestError(400, f"{where} must be an object", "messages")
        role = message.get("role")
        if role not in ROLES:
            expected = ", ".join(f"`{name}`" for name in ROLES)
            raise ChatRequestError(400, "Failed to deserialize the JSON body into the target type: "
                                        f"{where}: unknown variant `{role}`, expected one of {expected}",
                                   "messages")
        content = message.get("content")
        if role in ("system", "user", "tool", "latest_reminder") and not isinstance(content, (str, list)):
            raise ChatRequestError(400, f"{where}: content is required for role {role}", "messages")
        if isinstance(content, list):
            attached += _check_parts(content, where, role, body["model"], files)
        if role == "tool" and not message.get("tool_call_id"):
            raise ChatRequestError(400, f"{where}: tool_call_id is required for role tool", "messages")
        if role == "assistant" and message.get("tool_calls") and thinking \
                and not message.get("reasoning_content"):
            raise ChatRequestError(400, REASONING_PASS_BACK, "messages")
        if message.get("prefix") is True:
            _check_prefix(message, position, len(messages), beta)
    return attached


def _check_prefix(message: dict[str, Any], position: int, count: int, beta: bool) -> None:
    if not beta:
        raise ChatRequestError(400, PREFIX_NEEDS_BETA, "messages")
    if message.get("role") != "assistant" or position != count - 1:
        raise ChatRequestError(400, "prefix is only allowed on the last message, which must be the "
                                    "assistant's", "messages")


def _check_parts(parts: list[Any], where: str, role: str, model: str, files: FileLookup) -> list[str]:
    attached = []
    for number, part in enumerate(parts):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            continue
        if kind in ("image_url", "file") and role == "user" and takes_images(model):
            attached.append(_image(part, f"{where}.content[{number}]") if kind == "image_url"
                            else _file(part, f"{where}.content[{number}]", files))
            continue
        raise ChatRequestError(400, "Failed to deserialize the JSON body into the target type: "
                                    f"{where}: unknown variant `{kind}`, expected `text`", "messages")
    return attached


def _image(part: dict[str, Any], where: str) -> str:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url:
        raise ChatRequestError(400, f"{where}: image_url.url is required", "messages")
    found = DATA_URL.fullmatch(url)
    if found:
        try:
            data = base64.b64decode(found.group(2), validate=True)
        except (binascii.Error, ValueError):
            raise ChatRequestError(400, f"{where}: the image's base64 data is invalid", "messages") from None
        kind = image_kind(data)
        if kind is None:
            raise ChatRequestError(400, f"{where}: the image is not JPEG, PNG, GIF or WebP", "messages")
        return f"a {kind} image of {len(data)} bytes"
    if len(url) > IMAGE_URL_LIMIT:
        raise ChatRequestError(400, f"{where}: the image URL is longer than {IMAGE_URL_LIMIT} characters",
                               "messages")
    if not url.startswith(("https://", "http://")):
        raise ChatRequestError(400, f"{where}: the image URL must be http(s) or a base64 data URL",
                               "messages")
    return f"the image at {url}"


def _file(part: dict[str, Any], where: str, files: FileLookup) -> str:
    file_id = part.get("file_id")
    found = files(file_id) if isinstance(file_id, str) else None
    if found is None:
        raise ChatRequestError(400, f"{where}: file {file_id!r} does not exist", "messages")
    if found["purpose"] == "user_data":
        return f"the uploaded image {found['filename']}"
    words = " ".join(found.get("text", "").split()[:12])
    return f"the document {found['filename']} (it begins: {words})"
