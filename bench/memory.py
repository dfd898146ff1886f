"""Figures of peak memory, each taken by a fresh process about itself (probe.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from report import Spread, Table, Target, judged, met, rotated
from server import CannedServer

HERE = Path(__file__).resolve().parent
BARE = "requests + json.loads"
MIB = 2**20


def probe(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh process; its JSON answer, or {"error": ...}."""
    done = subprocess.run([sys.executable, str(HERE / "probe.py"), json.dumps(spec)], capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0 or not done.stdout.strip():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last}
    return json.loads(done.stdout.splitlines()[-1])


class Growths:
    """Each contender's peak growth per round (KiB), or why there is none."""

    def __init__(self) -> None:
        self.kib: dict[str, list[float]] = {}
        self.problem: dict[str, str] = {}
        self.last: dict[str, dict[str, Any]] = {}

    def add(self, name: str, result: dict[str, Any], wanted: tuple[str, int] | None = None) -> None:
        """One probe's answer; `wanted` = (field, least value) checks the work was really done."""
        if wanted is not None and "before_kib" in result and result.get(wanted[0], 0) < wanted[1]:
            result = {"error": f"{wanted[0]} was {result.get(wanted[0])}, expected {wanted[1]:,}"}
        if "error" in result:
            self.problem[name] = "error"
            self.last[name] = result
        else:
            self.kib.setdefault(name, []).append(result["after_kib"] - result["before_kib"])
            self.last[name] = result

    def ok(self, name: str) -> bool:
        return name in self.kib and name not in self.problem

    def cell(self, name: str, unit: int = 1) -> str:
        if not self.ok(name):
            return self.problem.get(name, "-")
        return Spread.of([k / unit for k in self.kib[name]]).amount(1 if unit > 1 else 0)

    def ratio(self, name: str, other: str) -> Spread | None:
        # A growth of zero (all of it fitted under the warm-up's peak) has no meaningful ratio.
        if not (self.ok(name) and self.ok(other)) or min(self.kib[other]) <= 0:
            return None
        return Spread.ratio(self.kib[name], self.kib[other])

    def median(self, name: str) -> float | None:
        return Spread.of(self.kib[name]).median if self.ok(name) else None

    def notes(self) -> list[str]:
        notes = []
        for name, result in self.last.items():
            if name in self.problem:
                # Names are "client|size" or "figure|client": keep the client.
                client = name.split("|")[1] if name.startswith(("json|", "blob|")) else name.split("|")[0]
                note = f"{client}: {result.get('error')}"
                if note not in notes:
                    notes.append(note)
        return notes


def with_notes(note: str, growths: Growths) -> str:
    problems = growths.notes()
    return note if not problems else note + " Not measured: " + "; ".join(problems)


def stream_memory(server: CannedServer, sizes: tuple[int, int], rounds: int) -> Table:
    clients = ("connector", BARE, "openai")
    growths = Growths()
    for n in sizes:
        server.stream_url("plain", n)
    for round_number in range(rounds):
        for client in rotated(clients, round_number):
            for n in sizes:
                growths.add(f"{client}|{n}", probe({"task": "stream", "client": client, "root": server.url,
                                                     "kind": "plain", "n": n, "framing": "chunked"}),
                            wanted=("text_chars", 4 * n))
    small, large = sizes
    for client in clients:  # growth(large) - growth(small), round by round
        before, after = f"{client}|{small}", f"{client}|{large}"
        if growths.ok(before) and growths.ok(after):
            growths.kib[f"{client}|diff"] = [b - a for a, b in zip(growths.kib[before], growths.kib[after],
                                                                    strict=True)]
    text_kib = 4 * (large - small) / 1024  # "tok " per chunk, as each probe was checked to assemble
    bound = text_kib + 2048
    rows = []
    for suffix, label in ((str(small), f"peak growth, {small:,} chunks (KiB)"),
                          (str(large), f"peak growth, {large:,} chunks (KiB)"),
                          ("diff", f"growth({large:,}) - growth({small:,}) (KiB)")):
        ratio = growths.ratio(f"connector|{suffix}", f"{BARE}|{suffix}")
        target, ok = "-", None
        if suffix == "diff":
            mine = growths.median("connector|diff")
            target = f"<= answer text growth ({text_kib:,.0f} KiB) + 2 MiB = {bound:,.0f} KiB"
            ok = None if mine is None else mine <= bound
        rows.append([label, *[growths.cell(f"{client}|{suffix}") for client in clients],
                     ratio.times() + f" vs {BARE}" if ratio else "-", target, met(ok)])
    return Table("c. Streaming peak memory",
                 with_notes(f"Growth of VmHWM (KiB) in a fresh process per figure, {rounds} round(s), "
                            "median (min-max): read after imports and a 10-chunk warm-up stream, and "
                            "after the whole stream (plain kind, chunked). The bare loop keeps every "
                            "content piece in a list, as its ten lines do.", growths),
                 ["figure", "connector", BARE, "openai", "ratio (median, min-max)", "target", "met?"], rows)


def upload_memory(server: CannedServer, mib: int, rounds: int, workdir: Path) -> Table:
    path = workdir / "upload.bin"
    # Sent as report.pdf: the connector checks a document begins as its kind does, as DeepSeek reads it.
    pdf_head = b"%PDF-1.7\n"
    with path.open("wb") as file:
        file.write(pdf_head)
        file.write((bytes(range(256)) * 4096)[len(pdf_head):])
        for _ in range(mib - 1):
            file.write(bytes(range(256)) * 4096)
    path.with_suffix(".warm").write_bytes(pdf_head + b"x" * 1024)
    clients = ("connector, Path", "httpx, file object", "requests, bytes", "connector, bytes")
    growths = Growths()
    for round_number in range(rounds):
        for client in rotated(clients, round_number):
            # The server counts what arrived: a path sent as its name would look very cheap.
            growths.add(client, probe({"task": "upload", "client": client, "root": server.url,
                                       "path": str(path)}), wanted=("received", mib * MIB))
    path.unlink()
    mine = growths.median(clients[0])
    # No ratio: the target is a bound, and a ratio of two near-zero growths is noise.
    rows = [[f"peak growth, {mib} MiB file as File Data (MiB)", growths.cell(clients[0], 1024),
             *[growths.cell(client, 1024) for client in clients[1:3]], "-", "<= 10 MiB",
             met(None if mine is None else mine <= 10 * 1024)],
            ["for comparison: the connector given the file's bytes (MiB)",
             growths.cell(clients[3], 1024), *[growths.cell(client, 1024) for client in clients[1:3]],
             "-", "-", "-"]]
    return Table("g. Upload memory",
                 with_notes(f"Growth of VmHWM (MiB) in a fresh process, {rounds} round(s): Upload File (a "
                            "document, POST /files) with File Data [{key: report.pdf, value: pathlib.Path}] "
                            "against httpx "
                            "streaming a file object and requests given the bytes. Reading the file is "
                            "part of the measured work.", growths),
                 ["figure", "connector", "httpx, file object", "requests, bytes", "ratio (median, min-max)",
                  "target", "met?"], rows)


def answer_memory(server: CannedServer, json_mib: int, blob_mib: int, rounds: int, workdir: Path) -> Table:
    growths = Growths()
    json_clients = ("connector", "requests")
    blob_clients = ("connector, output=", "requests, iter_content to a file", "connector, bytes")
    for round_number in range(rounds):
        for client in rotated(json_clients, round_number):
            growths.add(f"json|{client}", probe({"task": "big-json", "client": client, "root": server.url,
                                                  "mib": json_mib}), wanted=("items", 1000))
        for client in rotated(blob_clients, round_number):
            growths.add(f"blob|{client}", probe({"task": "blob", "client": client, "root": server.url,
                                                  "mib": blob_mib, "out": str(workdir / "blob.bin")}),
                        wanted=("bytes", blob_mib * MIB))
    json_ratio = growths.ratio("json|connector", "json|requests")
    json_target = Target("<=", 1.0)
    blob_mine = growths.median("blob|connector, output=")
    rows = [[f"peak growth, {json_mib} MiB JSON answer, parsed (MiB)", growths.cell("json|connector", 1024),
             growths.cell("json|requests", 1024),
             *(judged(json_ratio, json_target) if json_ratio else ["-", str(json_target), "-"])],
            [f"peak growth, {blob_mib} MiB binary answer written to a file (MiB)",
             growths.cell("blob|connector, output=", 1024),
             growths.cell("blob|requests, iter_content to a file", 1024), "-", "<= 10 MiB",  # a bound
             met(None if blob_mine is None else blob_mine <= 10 * 1024)],
            ["for comparison: the connector returning the answer as bytes (MiB)",
             growths.cell("blob|connector, bytes", 1024), "-", "-", "-", "-"]]
    return Table("h. Large answer memory",
                 with_notes(f"Growth of VmHWM (MiB) in a fresh process, {rounds} round(s). JSON: Raw Request "
                            f"GET /big-json/{json_mib} (responseType json, Max Response Size raised) against "
                            "requests `.json()`; both keep the parsed answer. Binary: Raw Request GET "
                            f"/blob/{blob_mib} with `output=path` against requests streaming "
                            "`iter_content` into a file.", growths),
                 ["figure", "connector", "requests", "ratio (median, min-max)", "target", "met?"], rows)
