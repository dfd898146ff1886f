"""Counts kept by the reliability suites; the session prints them as the README's figures table."""

from __future__ import annotations

import threading
from collections import Counter

ROWS = (
    ("faults_injected", "Faults injected (HTTP errors, drops, stalls, keep-alive, bad bodies)"),
    ("faults_survived", "Faults whose outcome was checked and right (retried to success, or the right "
                        "error)"),
    ("hostile_cases", "Hostile-server and hostile-input cases checked (origin, redaction, deadlines, sizes, "
                      "malformed answers)"),
    ("hostile_broken", "Hostile cases where a promise broke (key shown or sent away, deadline or bound "
                       "missed)"),
    ("bad_inputs", "Bad-input cases generated (hypothesis)"),
    ("bad_inputs_rejected", "Cases rejected by input validation, nothing sent"),
    ("concurrent_calls", "Concurrent calls made (threads sharing one connector)"),
    ("requests_lost", "Requests lost or answered with another call's result"),
    ("leaks", "Leaks found (threads, connections above the pool size, keys in output)"),
)
_counts: Counter[str] = Counter()
_lock = threading.Lock()


def count(name: str, amount: int = 1) -> None:
    with _lock:
        _counts[name] += amount


def table() -> str | None:
    if not _counts:
        return None
    lines = ["| figure | count |", "| --- | ---: |"]
    lines += [f"| {label} | {_counts.get(name, 0)} |" for name, label in ROWS]
    return "\n".join(lines)
