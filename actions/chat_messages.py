"""The conversation Create Chat Completion sends, from the inputs a form fills: System Prompt,
Messages, User Message, the pictures and documents attached to the last user message, and the
Answer Prefix; and the Conversation a step hands on to the next turn."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlsplit

from ..runtime.errors import Problems
from ..runtime.forms.form import FormValues
from .media import IMAGE_NAMES, INLINE_IMAGE_LIMIT, head_of, image_kind, megabytes, size_of, whole
from .multipart import file_content

ROLES = ("system", "user", "assistant", "tool", "latest_reminder")
IMAGE_URL_LIMIT = 8192
FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,256}")
DATA_URL = re.compile(r"data:image/(?:jpeg|jpg|png|gif|webp);base64,[A-Za-z0-9+/]+={0,2}", re.IGNORECASE)


def image_url_ok(url: str) -> bool:
    """One web address with a host, or one picture as base64 data of a kind DeepSeek reads."""
    if len(url) > IMAGE_URL_LIMIT or any(ch.isspace() or not ch.isprintable() for ch in url):
        return False
    if url[:5].lower() == "data:":
        return DATA_URL.fullmatch(url) is not None
    parts = urlsplit(url)
    return parts.scheme.lower() in ("https", "http") and bool(parts.hostname) and "," not in url


def conversation(form: FormValues, problems: Problems) -> list[dict[str, Any]]:
    """The messages to send: System Prompt first, then Messages, then User Message with the
    attachments (on the last user message when there is no User Message), then the prefix."""
    messages: list[dict[str, Any]] = []
    given = normalise_messages(form["messages"], problems) if form.get("messages") is not None else []
    system = form.get("system_prompt")
    # A Conversation handed on from a step with this System Prompt already begins with it.
    if system is not None and given[:1] != [{"role": "system", "content": system}]:
        messages.append({"role": "system", "content": system})
        if any(m.get("role") == "system" for m in given if isinstance(m, dict)):
            problems.add("system_prompt", "is given and Messages has another system message; keep one of "
                                          "them.")
    messages += given
    if form.get("user_message") is not None:
        messages.append({"role": "user", "content": form["user_message"]})
    if form.get("messages") is None and form.get("user_message") is None:
        problems.add("messages", "or User Message is needed: the model needs something to answer.")
        return messages
    parts = attachments(form, problems)
    if parts:
        attach(messages, parts, problems)
    if form.get("prefix") is not None:
        if messages and messages[-1].get("prefix"):
            problems.add("prefix", "is given and Messages already ends with a prefix message; leave it "
                                   "blank.")
        elif messages and messages[-1].get("role") == "assistant":
            problems.add("prefix", "needs the conversation to end with a user message, not an assistant one.")
        messages.append({"role": "assistant", "content": form["prefix"], "prefix": True})
    return messages


def normalise_messages(value: Any, problems: Problems) -> list[dict[str, Any]]:
    if isinstance(value, str):
        if not value.strip():
            problems.add("messages", "is empty; give the conversation as JSON or as plain text.")
        return [{"role": "user", "content": value}]
    messages = [value] if isinstance(value, dict) else value
    if not isinstance(messages, list) or not messages:
        problems.add("messages", "must be a JSON array of messages, one message object, or plain text.")
        return []
    for number, message in enumerate(messages, start=1):
        problem = message_problem(message)
        if problem:
            problems.add("messages", f"message {number} {problem}")
    return messages


def message_problem(message: Any) -> str | None:
    if not isinstance(message, dict):
        return 'must be an object such as {"role": "user", "content": "Hello"}.'
    role = message.get("role")
    if role not in ROLES:
        return f"has role {role!r}; allowed roles are {', '.join(ROLES)}."
    content = message.get("content")
    if role in ("system", "user", "tool", "latest_reminder") and not isinstance(content, (str, list)):
        return f"(role {role}) needs a content text."
    if role == "assistant" and content is None and not message.get("tool_calls") \
            and not message.get("prefix"):
        return "(role assistant) needs a content text or tool_calls."
    if role == "tool" and not message.get("tool_call_id"):
        return "(role tool) needs the tool_call_id of the call it answers."
    return None


def attachments(form: FormValues, problems: Problems) -> list[dict[str, Any]]:
    """DeepSeek's content parts for Image URLs, Images, Image File IDs and Document File IDs."""
    parts: list[dict[str, Any]] = []
    for number, url in enumerate(form.get("image_urls") or (), start=1):
        url = url.strip()
        if not image_url_ok(url):
            problems.add("image_urls", f"entry {number} must be one web address (https://host/...) or "
                                       "one data:image/jpeg|png|gif|webp;base64,... text, without spaces, "
                                       f"of at most {IMAGE_URL_LIMIT} characters; give each picture an entry "
                                       "of its own.")
            continue
        parts.append({"type": "image_url", "image_url": {"url": url}})
    for pair in form.get("images") or ():
        url = inline_image(pair["key"], pair["value"], problems)
        if url is not None:
            parts.append({"type": "image_url", "image_url": {"url": url}})
    for key in ("image_file_ids", "document_file_ids"):
        for number, file_id in enumerate(form.get(key) or (), start=1):
            file_id = file_id.strip()
            if not FILE_ID.fullmatch(file_id):
                problems.add(key, f"entry {number} is not a file id (such as file-api-...).")
                continue
            parts.append({"type": "file", "file_id": file_id})
    return parts


def inline_image(name: str, value: Any, problems: Problems) -> str | None:
    """A picture as a data URL, checked: one of DeepSeek's kinds, within its size."""
    try:
        content, _ = file_content(value)
    except ValueError as exc:
        problems.add("images", f"image {name!r} {exc}")
        return None
    size = size_of(content)
    if size > INLINE_IMAGE_LIMIT:
        problems.add("images", f"image {name!r} is {size / 2**20:.1f} MB; a picture in a message may "
                               f"be {megabytes(INLINE_IMAGE_LIMIT)} at most (upload larger ones with Upload "
                               "File).")
        return None
    kind = image_kind(head_of(content))
    if kind is None:
        problems.add("images", f"image {name!r} is not a {IMAGE_NAMES} picture.")
        return None
    data = whole(content, INLINE_IMAGE_LIMIT)
    if len(data) > INLINE_IMAGE_LIMIT:
        problems.add("images", f"image {name!r} grew past {megabytes(INLINE_IMAGE_LIMIT)} while it was read.")
        return None
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def attach(messages: list[dict[str, Any]], parts: list[dict[str, Any]], problems: Problems) -> None:
    """The parts join the last message, which must be the user's: its text first, then them."""
    last = messages[-1] if messages else None
    if last is None or last.get("role") != "user":
        problems.add("messages", "ends with an assistant or tool message, so the pictures and documents have "
                                 "no user message to join; add a User Message.")
        return
    content = last.get("content")
    text_parts = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or ())
    messages[-1] = {**last, "content": [*text_parts, *parts]}


def said(messages: list[dict[str, Any]]) -> str:
    """Every text the messages hold, for looking for a word in them."""
    texts: list[str] = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts += [p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return "\n".join(texts)


def handed_on(sent: list[dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The Conversation: what was sent (a prefix joined to its continuation) and the answer's
    message, with its reasoning and tool calls, as the next request must carry them."""
    history = sent[:-1] if sent and sent[-1].get("prefix") else list(sent)
    prefix = sent[-1]["content"] if sent and sent[-1].get("prefix") else ""
    choices = data.get("choices") or []
    message = choices[0].get("message") if choices and isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        return history
    reply: dict[str, Any] = {"role": "assistant", "content": prefix + (message.get("content") or "")}
    if message.get("reasoning_content"):
        reply["reasoning_content"] = message["reasoning_content"]
    if message.get("tool_calls"):
        reply["tool_calls"] = message["tool_calls"]
    return [*history, reply]
