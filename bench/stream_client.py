"""One streamed completion read by one client, in its own process, for clean memory figures.

Usage: python bench/stream_client.py connector|openai BASE_URL CHUNKS
Prints JSON: seconds spent streaming, content length, peak RSS in KiB after imports and after.
"""

from __future__ import annotations

import json
import resource
import sys
import time

KEY = "sk-test-bench"


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def with_connector(base_url: str, chunks: int) -> str:
    from deepseek_connector import load_connector

    connector = load_connector()
    inputs = {"model": "deepseek-chat", "messages": "Stream please"}
    # The canned server reads the chunk count from a header; Raw Request is not involved, so
    # the header travels through a session default instead.
    executor = connector.executor(connector.connection({"apiKey": KEY, "baseUrl": base_url}))
    executor.session.headers["X-Bench-Chunks"] = str(chunks)
    with connector.stream("createChatCompletion", inputs, {"apiKey": KEY, "baseUrl": base_url}) as stream:
        for _ in stream:
            pass
    return stream.completion["choices"][0]["message"]["content"]


def with_openai(base_url: str, chunks: int) -> str:
    from openai import OpenAI

    client = OpenAI(api_key=KEY, base_url=base_url, default_headers={"X-Bench-Chunks": str(chunks)})
    parts = []
    stream = client.chat.completions.create(model="deepseek-chat", stream=True,
                                            messages=[{"role": "user", "content": "Stream please"}])
    for chunk in stream:
        for choice in chunk.choices:
            parts.append(choice.delta.content or "")
    return "".join(parts)


def main() -> None:
    client, base_url, chunks = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run = with_connector if client == "connector" else with_openai
    import deepseek_connector  # noqa: F401 - both pay the same interpreter start
    if client == "openai":
        import openai  # noqa: F401
    else:
        import deepseek_connector.actions.chat  # noqa: F401
    before = peak_kib()
    started = time.perf_counter()
    content = run(base_url, chunks)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "content_length": len(content),
                      "rss_before_kib": before, "rss_peak_kib": peak_kib()}))


if __name__ == "__main__":
    main()
