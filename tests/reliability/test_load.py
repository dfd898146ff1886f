"""Load and concurrency: one connector shared by many threads against the emulator.

Every call carries its own token and must get back an answer with that token; injected 503s
are retried (chat) or surface as the right error (raw request with no retries). Afterwards no
thread is left behind and the connections opened never exceed the pool size.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from deepseek_connector import packaged_manifest
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.connector import Connector
from deepseek_connector.runtime.errors import ServerError
from tests.conftest import FAKE_KEY
from tests.reliability.figures import count

THREADS = 16
CALLS_PER_THREAD = int(os.environ.get("LOAD_CALLS_PER_THREAD", "200"))


def one_call(connector: Connector, connection: dict, thread: int, number: int) -> str | None:
    """Run one call; return None when its answer is its own, or what went wrong."""
    token = f"t{thread}x{number}"
    kind = (thread + number) % 6
    if kind in (0, 1):
        try:
            data = connector.run("createChatCompletion", {"model": "deepseek-v4-flash", "messages": token,
                                                          "stream": "true" if kind else "false"},
                                 connection)["data"]
        except ServerError as error:
            # Queued 503s are taken by whichever call comes; one that meets three of them must
            # end exactly like this, after the policy's three attempts.
            return None if error.status == 503 and error.attempts == 3 else f"{token}: {error}"
        ok = data["choices"][0]["message"]["content"].endswith(f"You said: {token}")
    elif kind == 2:
        data = connector.run("rawRequest", {"url": f"/echo?token={token}", "method": "GET"},
                             connection)["data"]
        ok = data["path"] == f"/echo?token={token}"
    elif kind == 3:
        count("faults_injected")
        try:
            connector.run("rawRequest", {"url": f"/echo?token={token}", "method": "POST",
                                         "headers": {"X-Emulator-Fault": "status=503"}}, connection)
            return f"{token}: an injected 503 was not reported"
        except ServerError as error:
            ok = error.status == 503 and error.attempts == 1
            count("faults_survived", int(ok))
    elif kind == 4:
        data = connector.run("listModels", {}, connection)["data"]
        ok = "deepseek-flash" in [m["id"] for m in data["data"]]
    else:
        ok = connector.run("getUserBalance", {}, connection)["data"]["is_available"] is True
    return None if ok else f"{token}: wrong answer"


def test_many_threads_share_one_connector_without_cross_talk_or_leaks(emulator, monkeypatch):
    monkeypatch.setattr(settings, "BACKOFF_INITIAL", 0.01)
    connector = Connector(packaged_manifest())
    connection = {"apiKey": FAKE_KEY, "baseUrl": emulator.url}
    emulator.add_fault(path="/chat/completions", status=503, times=40)  # taken by whichever call
    threads_before = threading.active_count()
    opened_before = emulator.connections_opened
    received_before = emulator.requests_total

    def worker(thread: int) -> list[str]:
        problems = []
        for number in range(CALLS_PER_THREAD):
            try:
                problem = one_call(connector, connection, thread, number)
            except Exception as error:  # noqa: BLE001 - every failure is a lost request here
                problem = f"t{thread}x{number}: {type(error).__name__}: {error}"
            if problem:
                problems.append(problem)
        return problems

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    problems = [p for result in results for p in result]
    calls = THREADS * CALLS_PER_THREAD
    count("concurrent_calls", calls)
    count("faults_injected", 40)
    count("requests_lost", len(problems))
    assert problems == [], problems[:5]

    opened = emulator.connections_opened - opened_before
    connector.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.05)
    leaks = max(0, threading.active_count() - threads_before) + max(0, opened - settings.POOL_SIZE)
    count("leaks", leaks)
    assert opened <= settings.POOL_SIZE, f"{opened} connections opened for a pool of {settings.POOL_SIZE}"
    assert threading.active_count() <= threads_before, [t.name for t in threading.enumerate()]
    assert emulator.faults == []  # every injected fault was met and survived
    assert emulator.requests_total - received_before >= calls
    count("faults_survived", 40)  # the queued 503s: all met, and no call went wrong


@pytest.mark.slow
def test_soak_with_five_times_the_calls(emulator, monkeypatch):
    monkeypatch.setitem(globals(), "CALLS_PER_THREAD", 1000)
    test_many_threads_share_one_connector_without_cross_talk_or_leaks(emulator, monkeypatch)
