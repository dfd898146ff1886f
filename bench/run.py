"""Benchmark: the connector beside bare requests, requests' and httpx's defaults, and openai.

    pip install -e '.[bench]' && python bench/run.py [--quick] [--no-wheel]

Everything talks to a canned server in its own process on 127.0.0.1 (server.py), which streams
as DeepSeek does. Every figure is taken in the same run as its baselines, the contenders
interleaved round by round; every memory figure is a fresh process's own peak (probe.py).
Prints one Markdown document to stdout, for the README as it is.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from clients import httpx_name
from coldstart import cold_start
from memory import answer_memory, stream_memory, upload_memory
from server import CannedServer
from timing import linearity, per_call, stream_throughput, threads

# Rounds and sizes: the full run (about 6-8 minutes on 2 cores) and a smoke run (under a minute).
FULL = {
    "rounds": 15, "calls": 300,  # a. per-call overhead (more rounds: a steadier median)
    "stream_chunks": 100_000, "stream_rounds": 3,  # b. throughput
    "memory_sizes": (10_000, 100_000), "memory_rounds": 3,  # c. stream memory
    "kinds": ("logprobs", "long-event", "tool", "reasoning"),  # d. linearity
    "linear_sizes": (10_000, 40_000, 160_000), "linear_rounds": 3,
    "cold_rounds": 15,  # e. cold start
    "threads": (1, 2, 4, 8, 16, 32, 64), "thread_calls": 960, "thread_rounds": 5,  # f. threads
    "upload_mib": 100, "json_mib": 50, "blob_mib": 100, "file_rounds": 3,  # g, h. files
}
QUICK = {
    **FULL, "rounds": 3, "calls": 50, "stream_chunks": 10_000, "stream_rounds": 1,
    "memory_sizes": (2_000, 20_000), "memory_rounds": 1, "linear_sizes": (2_000, 8_000), "linear_rounds": 1,
    "cold_rounds": 3, "threads": (1, 8, 64), "thread_calls": 192, "thread_rounds": 1,
    "upload_mib": 20, "json_mib": 10, "blob_mib": 20, "file_rounds": 1,
}


def versions() -> str:
    names = ["requests", "urllib3", httpx_name(), "openai"]
    return ", ".join(f"{name} {metadata.version(name)}" for name in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer rounds, smaller sizes")
    parser.add_argument("--no-wheel", action="store_true",
                        help="skip the cold start from a wheel in a fresh venv (builds and installs, ~10 s)")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    started = time.monotonic()
    server = CannedServer()
    tables = []
    try:
        with tempfile.TemporaryDirectory(prefix="deepseek-bench-") as tmp:
            workdir = Path(tmp)
            steps = [
                lambda: per_call(server, plan["calls"], plan["rounds"]),
                lambda: stream_throughput(server, plan["stream_chunks"], plan["stream_rounds"]),
                lambda: stream_memory(server, plan["memory_sizes"], plan["memory_rounds"]),
                lambda: linearity(server, plan["kinds"], plan["linear_sizes"], plan["linear_rounds"]),
                lambda: cold_start(server, plan["cold_rounds"], None if args.no_wheel else workdir / "wheel"),
                lambda: threads(server, plan["threads"], plan["thread_calls"], plan["thread_rounds"]),
                lambda: upload_memory(server, plan["upload_mib"], plan["file_rounds"], workdir),
                lambda: answer_memory(server, plan["json_mib"], plan["blob_mib"], plan["file_rounds"],
                                      workdir),
            ]
            for step in steps:
                tables.append(step())
                # Progress on stderr, so that stdout stays the Markdown document.
                print(f"bench: {tables[-1].title}: done at {time.monotonic() - started:.0f} s",
                      file=sys.stderr)
    finally:
        server.stop()

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()} "
          f"({versions()}); {'quick (smoke) run, small sizes' if args.quick else 'full run'}, rounds as each "
          f"table says; {when}; took {time.monotonic() - started:.0f} s.")
    print("\nEvery figure was taken in this run, against a canned server in its own process on 127.0.0.1. "
          "Ratios are connector / baseline, taken per round and summarised as median (min-max); a target "
          "is judged on the median.")
    for table in tables:
        print("\n" + table.markdown())


if __name__ == "__main__":
    main()
