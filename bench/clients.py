"""The contenders: the connector and the baselines, each making the same call the same way.

Libraries are imported inside the factories, so a fresh process measuring one client (see
probe.py) loads only that client. Every baseline talks to the canned server exactly as a
careful user would: one pooled session or client, the key in a Bearer header.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

KEY = "sk-test-7c1f0e9a2b4d6e8f5a3c"  # fake; random after its prefix, so no part of it is in the answers
AUTH = {"Authorization": f"Bearer {KEY}"}
CHAT = {"model": "deepseek-flash", "messages": [{"role": "user", "content": "Hello"}]}
# The connector's form for the same request. Max Response Size is raised because the longest
# streams here (160k chunks with logprobs, about 50 MB of events) come near its 64 MB default.
CONNECTOR_CHAT = {"model": "deepseek-flash", "messages": "Hello", "maxResponseMB": 1024}
TIMEOUT = (10, 300)  # the connector's connect and read waits, given to requests too

Reader = Callable[[str], int]


def connection(base_url: str) -> dict[str, str]:
    return {"apiKey": KEY, "baseUrl": base_url}


def import_httpx() -> Any:
    """httpx; or httpx2, the fork with the same API that recent openai releases depend on."""
    try:
        import httpx
    except ImportError:
        import httpx2 as httpx
    return httpx


def httpx_name() -> str:
    return import_httpx().__name__


def requests_session(trust_env: bool) -> Any:
    import requests

    session = requests.Session()
    # trust_env=False skips requests' per-call lookup of proxy and CA settings in the
    # environment; the connector does that lookup once per connection, so this is the fair floor.
    session.trust_env = trust_env
    return session


# -- one non-streamed chat call each -------------------------------------------------------

def chat_callers(root: str) -> dict[str, Callable[[], Any]]:
    from openai import OpenAI

    from deepseek_connector import load_connector

    connector, conn = load_connector(), connection(root)
    bare, default = requests_session(False), requests_session(True)
    httpx_client = import_httpx().Client()
    openai_client = OpenAI(api_key=KEY, base_url=root)
    url = f"{root}/chat/completions"
    options = {"json": CHAT, "headers": AUTH, "timeout": TIMEOUT}
    return {
        "connector": lambda: connector.run("createChatCompletion", CONNECTOR_CHAT, conn),
        "requests, trust_env=False": lambda: bare.post(url, **options).json(),
        "requests, default Session": lambda: default.post(url, **options).json(),
        httpx_name(): lambda: httpx_client.post(url, json=CHAT, headers=AUTH).json(),
        "openai": lambda: openai_client.chat.completions.create(**CHAT),
    }


# -- one whole stream each: base URL -> characters of answer text assembled ----------------

def connector_reader() -> Reader:
    from deepseek_connector import load_connector

    connector = load_connector()

    def read(base_url: str) -> int:
        # Iterating to the end is what a host showing the answer live does; the result is then
        # assembled (content, reasoning, tool calls, logprobs, usage) as a non-streamed answer.
        with connector.stream("createChatCompletion", CONNECTOR_CHAT, connection(base_url)) as stream:
            for _ in stream:
                pass
        assert stream.result is not None
        return text_length(stream.result["choices"][0]["message"])

    return read


def connector_step_reader() -> Reader:
    from deepseek_connector import load_connector

    connector = load_connector()

    def read(base_url: str) -> int:
        # A workflow step with Stream on, as every host runs it: the answer comes back whole,
        # assembled and redacted, with no event handed out on the way.
        data = connector.run("createChatCompletion", {**CONNECTOR_CHAT, "stream": True},
                             connection(base_url))["data"]
        return text_length(data["choices"][0]["message"])

    return read


def bare_reader() -> Reader:
    session = requests_session(False)

    def read(base_url: str) -> int:
        # The ten lines a user would write: content only, no checks, no assembly.
        parts = []
        with session.post(f"{base_url}/chat/completions", json={**CHAT, "stream": True}, headers=AUTH,
                          stream=True, timeout=TIMEOUT) as r:
            for line in r.iter_lines():
                if line.startswith(b"data: ") and line != b"data: [DONE]":
                    ev = json.loads(line[6:])
                    parts.append(ev["choices"][0]["delta"].get("content") or "")
        return len("".join(parts))

    return read


def openai_reader() -> Reader:
    from openai import OpenAI

    clients: dict[str, Any] = {}  # the client's Base URL picks the stream, so one per URL

    def read(base_url: str) -> int:
        client = clients.get(base_url) or clients.setdefault(base_url, OpenAI(api_key=KEY, base_url=base_url))
        parts = []
        for chunk in client.chat.completions.create(**CHAT, stream=True):
            for choice in chunk.choices:
                parts.append(choice.delta.content or "")
        return len("".join(parts))

    return read


READERS: dict[str, Callable[[], Reader]] = {
    "connector": connector_reader, "connector, step": connector_step_reader,
    "requests + json.loads": bare_reader, "openai": openai_reader}


def text_length(message: dict[str, Any]) -> int:
    arguments = sum(len(call["function"]["arguments"]) for call in message.get("tool_calls") or ())
    return len(message["content"] or "") + len(message.get("reasoning_content") or "") + arguments
