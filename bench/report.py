"""Rounds, ratios and the Markdown the benchmark prints.

A ratio is taken per round (the contenders of one round ran back to back, so they saw the same
machine), then summarised as its median and its spread (min-max over rounds). Whether a target
is met is judged on the median; the spread says how far to trust it.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Shown where a figure could not be taken (the connector does not offer it yet).


def rotated(names: Sequence[str], round_number: int) -> list[str]:
    """The contenders in this round's order: each one goes first in turn."""
    shift = round_number % len(names)
    return [*names[shift:], *names[:shift]]


def interleave(rounds: int, contenders: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Each contender once per round, the order rotating; what each measured, round by round."""
    measured: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        for name in rotated(list(contenders), round_number):
            measured[name].append(contenders[name]())
    return measured


def timed(work: Callable[[], object]) -> Callable[[], float]:
    """A contender that returns the seconds `work` took."""
    def run() -> float:
        gc.collect()  # the previous contender's garbage is not this one's cost
        started = time.perf_counter()
        work()
        return time.perf_counter() - started
    return run


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    @classmethod
    def ratio(cls, numerators: Sequence[float], denominators: Sequence[float]) -> Spread:
        """The ratio taken round by round, not the ratio of the medians."""
        return cls.of([a / b for a, b in zip(numerators, denominators, strict=True)])

    def times(self, digits: int = 2) -> str:
        return f"{self.median:.{digits}f}x ({self.low:.{digits}f}-{self.high:.{digits}f})"

    def amount(self, digits: int = 0) -> str:
        if self.low == self.high:
            return f"{self.median:,.{digits}f}"
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


@dataclass(frozen=True)
class Target:
    """A bound on a ratio: `ratio <op> bound`, judged on the median."""

    op: str  # "<=", "<" or ">="
    bound: float

    def __str__(self) -> str:
        return f"{self.op} {self.bound:.2f}x"

    def met_by(self, ratio: Spread) -> bool:
        value = ratio.median
        return {"<=": value <= self.bound, "<": value < self.bound, ">=": value >= self.bound}[self.op]

    def cell(self, ratio: Spread) -> str:
        """The ratio's cell; a median that would round to the bound gets a third digit, so that
        the cell shows why the target was or was not met."""
        close = round(ratio.median, 2) == round(self.bound, 2) and ratio.median != self.bound
        return ratio.times(3 if close else 2)


def number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "**no**")


def judged(ratio: Spread, target: Target | None) -> list[str]:
    """The ratio, target and met? cells of a row (a row without a target is for information)."""
    if target is None:
        return [ratio.times(), "-", "-"]
    return [target.cell(ratio), str(target), met(target.met_by(ratio))]


@dataclass
class Table:
    """One section: a title, a note on how it was measured, and rows of cells."""

    title: str
    note: str
    columns: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", self.note, "",
                 "| " + " | ".join(self.columns) + " |",
                 "| " + " | ".join(self._alignments()) + " |"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)

    def _alignments(self) -> list[str]:
        # Figures right-aligned; the row's name, the target and met? read as text.
        last = len(self.columns) - 1
        return ["---" if i in (0, last - 1, last) else "---:" for i in range(len(self.columns))]
