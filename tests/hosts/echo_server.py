"""A hostile DeepSeek for the host suites: it echoes the Authorization header it receives, spelled
so that only redaction at the connector's boundary hides it (issue 18). Standard library only,
since each host suite runs in a virtual environment of its own; 127.0.0.1 only.

- GET  .../models: the model list as JSON in UTF-16-LE (no byte order mark, no charset: JSON's
  own detection reads it), every model id and owner the echoed header.
- POST .../chat/completions, streamed ("stream": true): reasoning, then an answer, quoting the
  header five characters per delta, so the key shows only once the pieces are joined; when the
  messages say "spelled", the answer has a zero-width space after each of the key's characters
  (which a plain search for the key, such as a host's own secret masker, does not find).
- POST .../chat/completions, not streamed: a tool call whose arguments are JSON text holding the
  header with its first letter \\u-escaped, so the key shows only when that text is decoded again
  (Simplify Output parses the arguments).
- POST .../beta/completions (FIM): the same answer as text, five characters per event when
  streamed, else as one JSON answer in UTF-16-LE.
- GET  .../user/balance: HTTP 500, text/plain in UTF-16-LE, "invalid request for " + the header.
- Any path under /refuse/ (a Base URL of `url + "/refuse"`): HTTP 400 with that same text, so a
  connection check fails quoting it.

`leaks(...)` finds the key (8 or more of its first characters) in any text or nested value, also
once NULs and other invisible characters are removed (a key with a NUL after each character, as
UTF-16 read as bytes shows it, is still the key).
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-echo-hostsuite-canary-0123456789"  # fake; its first 8 characters are the shortest leak
ECHOED = "Bearer [REDACTED]"  # where the echoed header must show: proof the echo really happened


def strings(value: Any) -> Iterator[str]:
    """Every text in a value: nested dicts (keys too), lists and tuples; anything else as str()."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    else:
        yield str(value)


def visible(text: str) -> str:
    """The text without the characters a reader does not see (NUL, controls, format characters)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


def leaks(*values: Any) -> list[str]:
    """The texts (in any of the values) that show the key; an empty list when none does."""
    return [text[:300] for text in strings(values) if KEY[:8] in text or KEY[:8] in visible(text)]


def shows_echo(*values: Any) -> bool:
    """Whether the echoed header shows, redacted, in any of the values."""
    return any(ECHOED in text for text in strings(values))


def echoed_in(answer: str) -> str:
    """What an answer ("Your key: ... (echoed)") quotes of the header, as a reader sees it."""
    return visible(answer).removeprefix("Your key: ").removesuffix(" (echoed)")


def _event(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def _chat(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "echo", "object": "chat.completion.chunk", "created": 1, "model": "deepseek-chat",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _fim(text: str, finish: str | None = None) -> dict[str, Any]:
    return {"id": "echo", "object": "text_completion", "created": 1, "model": "deepseek-chat",
            "choices": [{"index": 0, "text": text, "finish_reason": finish}]}


def _pieces(text: str) -> list[str]:
    return [text[start:start + 5] for start in range(0, len(text), 5)]


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet: the suites look at what the hosts show, not at this server's log

    @property
    def header(self) -> str:
        return self.headers.get("Authorization", "")

    @property
    def answer(self) -> str:
        return f"Your key: {self.header} (echoed)"

    def spelled_answer(self) -> str:
        scheme, _, key = self.header.partition(" ")
        return f"Your key: {scheme} {''.join(ch + chr(0x200B) for ch in key)} (echoed)"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._route(None)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        self._route(request if isinstance(request, dict) else {})

    def _route(self, request: dict[str, Any] | None) -> None:
        path = self.path.partition("?")[0]
        complaint = f"invalid request for {self.header}".encode("utf-16-le")
        if path.startswith("/refuse/"):
            self._whole(400, complaint, "text/plain")
        elif path.endswith("/models") and request is None:
            model = {"id": self.header, "object": "model", "owned_by": self.header}
            self._whole(200, json.dumps({"object": "list", "data": [model]}).encode("utf-16-le"))
        elif path.endswith("/user/balance") and request is None:
            self._whole(500, complaint, "text/plain")
        elif path.endswith("/chat/completions") and request is not None:
            if request.get("stream") is True:
                thought = f"They sent {self.header}. "
                reasoning = [_chat({"reasoning_content": piece}) for piece in _pieces(thought)]
                spelled = "spelled" in json.dumps(request.get("messages"))
                text = self.spelled_answer() if spelled else self.answer
                answer = [_chat({"content": piece}) for piece in _pieces(text)]
                self._stream([*reasoning, *answer, _chat({}, "stop")])
            else:
                self._tool_call()
        elif path.endswith("/beta/completions") and request is not None:
            if request.get("stream") is True:
                self._stream([*(_fim(piece) for piece in _pieces(self.answer)), _fim("", "stop")])
            else:
                self._whole(200, json.dumps(_fim(self.answer, "stop")).encode("utf-16-le"))
        else:
            self._whole(404, json.dumps({"error": {"message": "no such endpoint"}}).encode())

    def _whole(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _stream(self, events: list[dict[str, Any]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in [*map(_event, events), b"data: [DONE]\n\n"]:
            self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def _tool_call(self) -> None:
        scheme, _, key = self.header.partition(" ")
        escaped = f"\\u{ord(key[:1] or ' '):04x}{key[1:]}"  # the first letter as a JSON escape
        inner = '{"auth": "' + scheme + " " + escaped + '"}'
        call = {"id": "call_echo", "type": "function", "function": {"name": "echo", "arguments": inner}}
        message = {"role": "assistant", "content": "", "tool_calls": [call]}
        body = {"id": "echo", "object": "chat.completion", "created": 1, "model": "deepseek-chat",
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        self._whole(200, json.dumps(body).encode())


class EchoServer:
    """`with EchoServer() as server:` serves on 127.0.0.1 at `server.url` until the block ends."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.refusing_url = self.url + "/refuse"

    def __enter__(self) -> EchoServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# What a step sends to get each shape back: a streamed chat (the key split over deltas; spelled with
# invisible characters too), a chat with a tool and Simplify Output (the key decoded a second time,
# from the tool call's arguments), FIM (split when streamed, else in UTF-16-LE).
TOOLS = [{"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}}]
STREAMED_CHAT = {"model": "deepseek-chat", "messages": "Echo it", "stream": True}
SPELLED_CHAT = {**STREAMED_CHAT, "messages": "Echo it spelled"}
FIM = {"model": "deepseek-chat", "prompt": "def echo():"}
TOOL_CHAT = {"model": "deepseek-chat", "messages": "Echo it", "tools": TOOLS, "simplify_output": True}
