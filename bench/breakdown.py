"""Where one non-streamed chat call's time goes: `python bench/breakdown.py`.

Each part is timed on its own, many times, against the canned server, and summarised as the
median over interleaved rounds: the whole call, its parts as the runtime runs them (checking
the form and connection; the action building its request and parsing the answer; the
executor preparing, sending and reading), and bare urllib3 doing the same exchange.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import urllib3  # noqa: E402 - after the path set-up above, like the other bench scripts
from clients import AUTH, CHAT, CONNECTOR_CHAT, connection  # noqa: E402
from deepseek_connector import load_connector  # noqa: E402
from report import interleave, timed  # noqa: E402
from server import CannedServer  # noqa: E402

CALLS = 300
ROUNDS = 9


def main() -> None:
    server = CannedServer()
    try:
        connector, conn = load_connector(), connection(server.url)
        action, call = connector.prepare("createChatCompletion", CONNECTOR_CHAT, conn)
        request = action.checked_request(call)
        answer = call.send(request)
        pools = urllib3.PoolManager(maxsize=16, block=True)
        headers = {**AUTH, "Content-Type": "application/json"}

        def bare() -> object:
            raw = pools.urlopen("POST", f"{server.url}/chat/completions", body=json.dumps(CHAT).encode(),
                                headers=headers, retries=False, redirect=False, preload_content=False)
            body = raw.read()
            raw.release_conn()
            return json.loads(body)

        parts = {
            "whole call (Connector.run)": lambda: connector.run("createChatCompletion", CONNECTOR_CHAT, conn),
            "form and connection checked (Connector.prepare)":
                lambda: connector.prepare("createChatCompletion", CONNECTOR_CHAT, conn),
            "request built (Action.checked_request)": lambda: action.checked_request(call),
            "request prepared and checked (Executor.prepare)": lambda: call.executor.prepare(request),
            "sent and read (Executor.send)": lambda: call.send(request),
            "answer parsed (Action.parse_response)": lambda: action.parse_response(answer, call),
            "bare urllib3, the same exchange": bare,
        }
        for work in parts.values():
            for _ in range(CALLS):
                work()
        contenders = {name: timed(lambda w=work: [w() for _ in range(CALLS)]) for name, work in parts.items()}
        seconds = interleave(ROUNDS, contenders)
        for name, values in seconds.items():
            print(f"{statistics.median(values) / CALLS * 1e6:8.1f} µs  {name}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
