"""Benchmark: the connector side by side with bare requests and the official openai client.

    pip install -e '.[bench]' && python bench/run.py [--quick]

Every figure is a ratio taken in the same run, against the same canned server (its own
process), as the median of interleaved rounds. Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
KEY = "sk-test-bench"
CHAT = {"model": "deepseek-chat", "messages": [{"role": "user", "content": "Hello"}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CannedServer:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, str(HERE / "canned_server.py"), str(self.port)],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().startswith("ready")
        self.url = f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        with requests.get(f"{self.url}/_stats", timeout=10) as response:
            return response.json()["connections"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def median_rounds(rounds: int, contenders: dict) -> dict[str, float]:
    """Run each contender once per round, rotating the order; return median seconds."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_number in range(rounds):
        order = names[round_number % len(names):] + names[:round_number % len(names)]
        for name in order:
            started = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def per_call(server: CannedServer, calls: int, rounds: int) -> dict[str, float]:
    from deepseek_connector import load_connector
    from openai import OpenAI

    connector = load_connector()
    connection = {"apiKey": KEY, "baseUrl": server.url}
    inputs = {"model": "deepseek-chat", "messages": '[{"role": "user", "content": "Hello"}]'}
    session = requests.Session()
    headers = {"Authorization": f"Bearer {KEY}"}
    client = OpenAI(api_key=KEY, base_url=server.url)

    def with_connector():
        for _ in range(calls):
            connector.run("createChatCompletion", inputs, connection)

    def with_requests():
        for _ in range(calls):
            session.post(f"{server.url}/chat/completions", json=CHAT, headers=headers,
                         timeout=(10, 300)).json()

    def with_openai():
        for _ in range(calls):
            client.chat.completions.create(**CHAT)

    with_connector(), with_requests(), with_openai()  # warm up pools and caches
    medians = median_rounds(rounds, {"connector": with_connector, "requests": with_requests,
                                     "openai": with_openai})
    return {name: seconds / calls * 1e6 for name, seconds in medians.items()}  # microseconds


def cold_start(server: CannedServer, rounds: int) -> dict[str, float]:
    env = {**os.environ, "DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": server.url}
    script = shutil.which("deepseek-connector", path=str(Path(sys.executable).parent))
    cli = [script] if script else [sys.executable, "-m", "deepseek_connector"]
    bare = ("import json, os, requests; url = os.environ['DEEPSEEK_BASE_URL']; "
            "r = requests.get(url + '/models', headers={'Authorization': 'Bearer ' + "
            "os.environ['DEEPSEEK_API_KEY']}, timeout=(10, 300)); r.raise_for_status(); "
            "print(json.dumps({'data': r.json()}))")
    openai_script = ("import os; from openai import OpenAI; c = OpenAI(api_key=os.environ["
                     "'DEEPSEEK_API_KEY'], base_url=os.environ['DEEPSEEK_BASE_URL']); "
                     "print(c.models.list().model_dump_json())")
    commands = {"connector": [*cli, "run", "listModels"],
                "requests": [sys.executable, "-c", bare],
                "openai": [sys.executable, "-c", openai_script]}

    def runner(command):
        return lambda: subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)

    for command in commands.values():
        runner(command)()  # warm the file cache
    medians = median_rounds(rounds, {name: runner(command) for name, command in commands.items()})
    return {name: seconds * 1000 for name, seconds in medians.items()}  # milliseconds


def streaming(server: CannedServer, sizes: tuple[int, int], rounds: int) -> dict:
    results: dict = {}
    for client in ("connector", "openai"):
        for size in sizes:
            runs = []
            for _ in range(rounds):
                done = subprocess.run([sys.executable, str(HERE / "stream_client.py"), client, server.url,
                                       str(size)], check=True, capture_output=True, text=True, timeout=600)
                runs.append(json.loads(done.stdout))
            results[(client, size)] = {
                "chunks_per_s": size / statistics.median(r["seconds"] for r in runs),
                "growth_kib": statistics.median(r["rss_peak_kib"] - r["rss_before_kib"] for r in runs),
                "content_kib": runs[0]["content_length"] / 1024,
            }
    return results


def concurrency(server: CannedServer, threads: int, calls: int, rounds: int) -> dict[str, float]:
    from deepseek_connector.runtime.connector import Connector
    from deepseek_connector.runtime.manifest import load_packaged_manifest
    from deepseek_connector.runtime.settings import POOL_SIZE

    inputs = {"model": "deepseek-chat", "messages": "Hello"}
    connection = {"apiKey": KEY, "baseUrl": server.url}
    opened: list[int] = []

    def with_connector():
        connector = Connector(load_packaged_manifest())
        before = server.connections()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: [connector.run("createChatCompletion", inputs, connection)
                                     for _ in range(calls)], range(threads)))
        opened.append(server.connections() - before - 1)  # less the stats request's own
        connector.close()

    def with_requests():
        local = threading.local()

        def work(_):
            local.session = getattr(local, "session", None) or requests.Session()
            for _ in range(calls):
                local.session.post(f"{server.url}/chat/completions", json=CHAT, timeout=(10, 300),
                                   headers={"Authorization": f"Bearer {KEY}"}).json()

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, range(threads)))

    medians = median_rounds(rounds, {"connector": with_connector, "requests": with_requests})
    total = threads * calls
    return {"connector": total / medians["connector"], "requests": total / medians["requests"],
            "opened": max(opened), "pool": POOL_SIZE}


def row(figure, connector, bare, openai, ratio, target, met) -> str:
    return f"| {figure} | {connector} | {bare} | {openai} | {ratio} | {target} | {'yes' if met else 'no'} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7
    server = CannedServer()
    try:
        calls = per_call(server, 100 if args.quick else 400, rounds)
        cold = cold_start(server, rounds)
        sizes = (10_000, 100_000)
        stream = streaming(server, sizes, 1 if args.quick else 3)
        conc = concurrency(server, 8, 50 if args.quick else 150, 3 if args.quick else 5)
    finally:
        server.stop()

    c_small, c_big = stream[("connector", sizes[0])], stream[("connector", sizes[1])]
    o_small, o_big = stream[("openai", sizes[0])], stream[("openai", sizes[1])]
    c_growth = c_big["growth_kib"] - c_small["growth_kib"]
    o_growth = o_big["growth_kib"] - o_small["growth_kib"]
    text_growth = c_big["content_kib"] - c_small["content_kib"]
    lines = [
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{rounds} rounds, medians.",
        "",
        "| figure | connector | requests | openai | ratio | target | met? |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        row("per-call overhead, chat (µs/call)", f"{calls['connector']:.0f}", f"{calls['requests']:.0f}",
            f"{calls['openai']:.0f}", f"{calls['connector'] / calls['requests']:.2f}x requests, "
            f"{calls['connector'] / calls['openai']:.2f}x openai",
            "<= 1.10x requests, < 1x openai",
            calls["connector"] <= 1.10 * calls["requests"] and calls["connector"] < calls["openai"]),
        row("cold start, List Models process (ms)", f"{cold['connector']:.0f}", f"{cold['requests']:.0f}",
            f"{cold['openai']:.0f}", f"{cold['connector'] / cold['requests']:.2f}x requests, "
            f"{cold['connector'] / cold['openai']:.2f}x openai", "<= 1.5x requests, <= 0.6x openai",
            cold["connector"] <= 1.5 * cold["requests"] and cold["connector"] <= 0.6 * cold["openai"]),
        row("stream of 100,000 chunks (chunks/s)", f"{c_big['chunks_per_s']:.0f}", "-",
            f"{o_big['chunks_per_s']:.0f}", f"{c_big['chunks_per_s'] / o_big['chunks_per_s']:.2f}x openai",
            ">= 1x openai", c_big["chunks_per_s"] >= o_big["chunks_per_s"]),
        row("stream of 10,000 chunks (chunks/s)", f"{c_small['chunks_per_s']:.0f}", "-",
            f"{o_small['chunks_per_s']:.0f}",
            f"{c_small['chunks_per_s'] / o_small['chunks_per_s']:.2f}x openai", ">= 1x openai",
            c_small["chunks_per_s"] >= o_small["chunks_per_s"]),
        row("peak memory growth, 10k -> 100k chunks (KiB)", f"{c_growth:.0f}", "-", f"{o_growth:.0f}",
            f"answer text grew {text_growth:.0f} KiB", "growth <= text + 1 MiB",
            c_growth <= text_growth + 1024),
        row(f"8 threads, one shared connector (calls/s; {conc['opened']} connections, pool "
            f"{conc['pool']})", f"{conc['connector']:.0f}", f"{conc['requests']:.0f}", "-",
            f"{conc['connector'] / conc['requests']:.2f}x requests", ">= 0.9x, connections <= pool",
            conc["connector"] >= 0.9 * conc["requests"] and conc["opened"] <= conc["pool"]),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
