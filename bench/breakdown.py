"""Where one non-streamed chat call's time goes: `python bench/breakdown.py`.

Each part is timed on its own, many times, against the canned server, and summarised as the
median over interleaved rounds: the whole call, its parts as the runtime runs them (checking
the form and connection; the action building its request and making its result of the answer;
the client preparing, sending and reading), a tuned requests session and bare urllib3 doing the
same exchange.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402 - after the path set-up above, like the other bench scripts
import urllib3  # noqa: E402
from clients import AUTH, CHAT, CONNECTOR_CHAT, connection  # noqa: E402
from report import interleave, timed  # noqa: E402
from server import CannedServer  # noqa: E402

from deepseek_connector import load_connector  # noqa: E402
from deepseek_connector.runtime.contract.action import Answer  # noqa: E402

CALLS = 300
ROUNDS = 9


def main() -> None:
    server = CannedServer()
    try:
        connector, conn = load_connector(), connection(server.url)
        action, call = connector.prepare("createChatCompletion", CONNECTOR_CHAT, conn)
        request = action.request(call)
        response = call.send(request)
        answer = Answer(response.status, response.headers, response)
        pools = urllib3.PoolManager(maxsize=16, block=True)
        session = requests.Session()
        session.trust_env = False
        headers = {**AUTH, "Content-Type": "application/json"}

        def bare() -> object:
            raw = pools.urlopen("POST", f"{server.url}/chat/completions", body=json.dumps(CHAT).encode(),
                                headers=headers, retries=False, redirect=False, preload_content=False)
            body = raw.read()
            raw.release_conn()
            return json.loads(body)

        def tuned() -> object:
            return session.post(f"{server.url}/chat/completions", json=CHAT, headers=AUTH).json()

        parts = {
            "whole call (Connector.run)": lambda: connector.run("createChatCompletion", CONNECTOR_CHAT, conn),
            "form and connection checked (Connector.prepare)":
                lambda: connector.prepare("createChatCompletion", CONNECTOR_CHAT, conn),
            "request built (Action.request)": lambda: action.request(call),
            "request prepared and checked (Executor.prepare)": lambda: call.executor.prepare(request),
            "sent and read (Executor.send)": lambda: call.send(request),
            "result made of the answer (Action.result)": lambda: action.result(answer, call),
            "requests, trust_env=False, the same exchange": tuned,
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
