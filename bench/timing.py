"""Figures timed in this process: per-call overhead, stream throughput, linearity, threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from clients import (
    AUTH,
    CHAT,
    CONNECTOR_CHAT,
    READERS,
    TIMEOUT,
    chat_callers,
    connection,
    connector_reader,
    httpx_name,
    requests_session,
)
from report import Spread, Table, Target, interleave, judged, met, number, timed
from server import CannedServer

BARE = "requests + json.loads"


def per_call(server: CannedServer, calls: int, rounds: int) -> Table:
    callers = chat_callers(server.url)
    for call in callers.values():
        for _ in range(30):  # pools open, caches filled, lazy imports done
            call()

    def batch(call: Callable[[], object]) -> Callable[[], float]:
        def run() -> None:
            for _ in range(calls):
                call()
        return timed(run)

    seconds = interleave(rounds, {name: batch(call) for name, call in callers.items()})
    micros = {name: [s / calls * 1e6 for s in values] for name, values in seconds.items()}
    mine = micros["connector"]
    baselines = [name for name in callers if name != "connector"]
    # The connector sends through requests, and adds its checks, deadline, bounds and redaction.
    targets = {"requests, trust_env=False": Target("<=", 1.15), "requests, default Session": None,
               httpx_name(): None, "openai": None}
    rows = []
    for name, target in targets.items():
        ratio = Spread.ratio(mine, micros[name])
        rows.append([f"µs per call, vs {name}", number(Spread.of(mine).median),
                     *[number(Spread.of(micros[other]).median) for other in baselines],
                     *judged(ratio, target)])
    return Table("a. Per-call overhead, non-streamed chat",
                 f"Median µs per call over {rounds} rounds of {calls} calls each, contenders interleaved; "
                 "ratio = connector / baseline, per round.",
                 ["figure", "connector", *baselines, "ratio (median, min-max)", "target", "met?"], rows)


def stream_throughput(server: CannedServer, n: int, rounds: int) -> Table:
    readers = {name: factory() for name, factory in READERS.items()}
    contenders = {}
    for framing in ("chunked", "fixed"):
        url = server.stream_url("plain", n, framing)
        for name, read in readers.items():
            read(server.stream_url("plain", 100, framing))  # warm up: imports, pools, parsers
            contenders[f"{name}|{framing}"] = timed(checked(read, url, 4 * n))
    seconds = interleave(rounds, contenders)
    rate = {name: [n / s for s in values] for name, values in seconds.items()}
    rows = []
    for framing, label in (("chunked", "chunked (as DeepSeek)"), ("fixed", "fixed Content-Length")):
        for way, how in (("connector, step", "a step's answer"), ("connector", "events iterated")):
            mine = rate[f"{way}|{framing}"]
            for other in (BARE, "openai"):
                ratio = Spread.ratio(mine, rate[f"{other}|{framing}"])
                target = Target(">=", 0.9) if (framing, way, other) == ("chunked", "connector, step", BARE) \
                    else None
                rows.append([f"chunks/s, {label}, {how}, vs {other}", number(Spread.of(mine).median),
                             *[number(Spread.of(rate[f"{o}|{framing}"]).median) for o in (BARE, "openai")],
                             *judged(ratio, target)])
    return Table(f"b. Streaming throughput, {n:,} chunks of content",
                 f"Chunks per second, median of {rounds} interleaved rounds. A step's answer: "
                 "`c.run(...)` with Stream on, as every host runs a step (the answer checked, assembled "
                 "from content, reasoning, tool calls, logprobs and usage, and redacted whole); events "
                 "iterated: `c.stream(...)` read to the end, each event also redacted on its own for "
                 "the host that shows it; the bare loop json-decodes each line and keeps its content; openai "
                 "yields its chunk objects. Chunked: each event is its own HTTP chunk, as DeepSeek sends "
                 "it. Fixed Content-Length (the old canned server, kept for comparison) lets a client read "
                 "64 KiB at a time and so hides the cost of reading chunk by chunk.",
                 ["figure", "connector", BARE, "openai", "ratio (median, min-max)", "target", "met?"], rows)


def checked(read: Callable[[str], int], url: str, expected: int) -> Callable[[], None]:
    def run() -> None:
        got = read(url)
        if got != expected:
            raise RuntimeError(f"{url}: assembled {got} characters, expected {expected}")
    return run


def linearity(server: CannedServer, kinds: tuple[str, ...], sizes: tuple[int, ...], rounds: int) -> Table:
    read = connector_reader()
    contenders = {}
    for kind in kinds:
        read(server.stream_url(kind, 10))  # warm up this kind's path
        for n in sizes:
            url = server.stream_url(kind, n)
            contenders[f"{kind}|{n}"] = timed(lambda url=url: read(url))
    seconds = interleave(rounds, contenders)
    per_chunk = {name: [s / int(name.split("|")[1]) * 1e6 for s in values]
                 for name, values in seconds.items()}
    rows = []
    for kind in kinds:
        small, large = per_chunk[f"{kind}|{sizes[0]}"], per_chunk[f"{kind}|{sizes[-1]}"]
        rows.append([kind, *[number(Spread.of(per_chunk[f"{kind}|{n}"]).median, 2) for n in sizes],
                     *judged(Spread.ratio(large, small), Target("<=", 1.5))])
    return Table("d. Linearity: time to assemble a stream, by its length",
                 f"µs per chunk, connector only, median of {rounds} interleaved rounds; ratio = µs per chunk "
                 f"at {sizes[-1]:,} / at {sizes[0]:,}, per round (1.00x is linear). long-event is one event "
                 "of chunks x 96 bytes, arriving in 16 KiB HTTP chunks.",
                 ["kind", *[f"{n:,} chunks" for n in sizes], "ratio (median, min-max)", "target", "met?"],
                 rows)


def run_threads(count: int, work: Callable[[], None]) -> float:
    """Seconds from the moment `count` threads start `work` together until the last one ends."""
    start = threading.Barrier(count + 1)
    errors: list[BaseException] = []

    def thread_main() -> None:
        start.wait()
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - re-raised in the measuring thread
            errors.append(error)

    pool = [threading.Thread(target=thread_main) for _ in range(count)]
    for thread in pool:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def threads(server: CannedServer, counts: tuple[int, ...], total_calls: int, rounds: int) -> Table:
    from deepseek_connector import __version__, packaged_manifest
    from deepseek_connector.runtime.connector import Connector
    from deepseek_connector.runtime.settings import POOL_SIZE

    conn, url = connection(server.url), f"{server.url}/chat/completions"
    opened: dict[str, list[int]] = {}

    def shared_connector(count: int) -> Callable[[], float]:
        def run() -> float:
            # A new connector per round, so that its pool starts empty and what it opens is seen.
            connector = Connector(packaged_manifest(), version=__version__)

            def work() -> None:
                for _ in range(total_calls // count):
                    connector.run("createChatCompletion", CONNECTOR_CHAT, conn)

            before = server.stats()["connections"]
            seconds = run_threads(count, work)
            opened.setdefault(f"connector|{count}", []).append(server.stats()["connections"] - before)
            connector.close()
            return seconds
        return run

    def sessions_per_thread(count: int) -> Callable[[], float]:
        def work() -> None:
            with requests_session(False) as session:
                for _ in range(total_calls // count):
                    session.post(url, json=CHAT, headers=AUTH, timeout=TIMEOUT).json()

        def run() -> float:
            before = server.stats()["connections"]
            seconds = run_threads(count, work)
            opened.setdefault(f"requests|{count}", []).append(server.stats()["connections"] - before)
            return seconds
        return run

    contenders = {}
    for count in counts:
        contenders[f"connector|{count}"] = shared_connector(count)
        contenders[f"requests|{count}"] = sessions_per_thread(count)
    shared_connector(2)()  # warm up
    opened.clear()
    seconds = interleave(rounds, contenders)
    rows = []
    for count in counts:
        calls = total_calls // count * count
        mine = [calls / s for s in seconds[f"connector|{count}"]]
        theirs = [calls / s for s in seconds[f"requests|{count}"]]
        ratio = Spread.ratio(mine, theirs)
        connections = max(opened[f"connector|{count}"])
        ok, target = connections <= POOL_SIZE, f"connections <= {POOL_SIZE}"
        cell = ratio.times()
        if count == 8:
            speed = Target(">=", 0.9)
            ok, target, cell = ok and speed.met_by(ratio), f"{target}, calls/s {speed}", speed.cell(ratio)
        rows.append([f"{count} thread{'s' if count > 1 else ''}", number(Spread.of(mine).median),
                     str(connections), number(Spread.of(theirs).median),
                     str(max(opened[f"requests|{count}"])), cell, target, met(ok)])
    return Table("f. Threads sharing one connector",
                 f"{total_calls} non-streamed calls split over the threads, median calls/s of {rounds} "
                 "interleaved rounds; connections = opened during the round as counted by the server (most "
                 f"over the rounds); the connector's pool holds {POOL_SIZE} (runtime.settings.POOL_SIZE). "
                 "Baseline: one requests Session (trust_env=False) per thread.",
                 ["threads", "connector calls/s", "connector connections", "requests calls/s",
                  "requests connections", "ratio (median, min-max)", "target", "met?"], rows)
