"""Cold start: a whole fresh process listing the models, from its start to its exit.

Measured twice: in this virtual environment (the editable install) and from the wheel installed
in a throwaway one (what a user gets from `pip install`), built from a copy of the working tree
so that the build leaves nothing behind in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from clients import KEY
from report import Spread, Table, Target, interleave, judged, number, timed
from server import CannedServer

REPO = Path(__file__).resolve().parent.parent
BARE = ("import json, os, requests; url = os.environ['DEEPSEEK_BASE_URL']; "
        "r = requests.get(url + '/models', headers={'Authorization': 'Bearer ' + "
        "os.environ['DEEPSEEK_API_KEY']}, timeout=(10, 300)); r.raise_for_status(); "
        "print(json.dumps({'data': r.json()}))")
OPENAI = ("import os; from openai import OpenAI; c = OpenAI(api_key=os.environ['DEEPSEEK_API_KEY'], "
          "base_url=os.environ['DEEPSEEK_BASE_URL']); print(c.models.list().model_dump_json())")
# What the copy of the working tree leaves out: nothing of it goes into the wheel.
NOT_PACKAGED = shutil.ignore_patterns(".git", ".venv", ".hostvenvs", "build", "dist", "*.egg-info",
                                      ".*_cache", ".hypothesis", "__pycache__", "tests")


def measure(server: CannedServer, python: Path, rounds: int) -> dict[str, list[float]]:
    # Without PYTHONDONTWRITEBYTECODE (set on some CI machines): a user's Python caches bytecode,
    # so the warm-up run below writes it and every measured run reads it, for every contender.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env |= {"DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": server.url}
    commands = {"connector": [str(python.parent / "deepseek-connector"), "run", "listModels"],
                "requests": [str(python), "-c", BARE],
                "openai": [str(python), "-c", OPENAI]}

    def start(command: list[str]) -> None:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or "deepseek-flash" not in done.stdout:
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip()[-300:]}")

    for command in commands.values():
        start(command)  # the first run compiles bytecode and fills the file cache
    contenders = {name: timed(lambda c=command: start(c)) for name, command in commands.items()}
    seconds = interleave(rounds, contenders)
    return {name: [s * 1000 for s in values] for name, values in seconds.items()}


def wheel_python(workdir: Path) -> Path:
    """A fresh venv (no system site-packages) with the wheel and its bench extra installed."""
    source, wheels, venv = workdir / "src", workdir / "wheels", workdir / "venv"
    shutil.copytree(REPO, source, ignore=NOT_PACKAGED)
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True,
                   capture_output=True)
    wheel = next(wheels.glob("deepseek_connector-*.whl"))
    # --without-pip: this venv's pip installs into it (pip --python), which saves ensurepip's time.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", f"{wheel}[bench]"], check=True,
                   capture_output=True)
    return python


def rows_for(label: str, ms: dict[str, list[float]]) -> list[list[str]]:
    rows = []
    for other, target in (("requests", Target("<=", 2.0)), ("openai", Target("<=", 0.40))):
        ratio = Spread.ratio(ms["connector"], ms[other])
        rows.append([f"ms per process, {label}, vs {other}",
                     *[number(Spread.of(ms[name]).median) for name in ("connector", "requests", "openai")],
                     *judged(ratio, target)])
    return rows


def cold_start(server: CannedServer, rounds: int, workdir: Path | None) -> Table:
    rows = rows_for("this venv (editable install)", measure(server, Path(sys.executable), rounds))
    problem = ""
    if workdir is not None:
        try:
            python = wheel_python(workdir)
        except subprocess.CalledProcessError as error:  # e.g. no package index reachable
            stderr = error.stderr.decode(errors="replace").strip() if error.stderr else ""
            problem = f" The wheel's venv could not be built: {(stderr.splitlines() or ['?'])[-1]}"
        else:
            rows += rows_for("wheel in a fresh venv", measure(server, python, rounds))
    note = (f"Wall time of one process, median of {rounds} interleaved rounds: `deepseek-connector run "
            "listModels` (key and Base URL from DEEPSEEK_API_KEY / DEEPSEEK_BASE_URL), a bare requests "
            "script and an openai script doing the same GET /models and printing the JSON.")
    if workdir is None:
        note += " The wheel in a fresh venv was skipped (--no-wheel)."
    note += problem
    return Table("e. Cold start", note, ["figure", "connector", "requests script", "openai script",
                                         "ratio (median, min-max)", "target", "met?"], rows)
