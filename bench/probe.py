"""One measured piece of work in a fresh process, which reports its own peak memory.

    python bench/probe.py '{"task": "stream", "client": "connector", "root": "http://...", ...}'

The peak is VmHWM (the resident set's high-water mark) from /proc/self/status, read by this
process itself: once right before the work (after the imports and a small warm-up call of the
same kind, since a high-water mark only ever rises) and once after it; growth = after - before.
(A child's ru_maxrss would not do: it starts from its parent's peak.)
Prints one JSON line: before_kib, after_kib, seconds and what the work produced.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clients import AUTH, READERS, connection, import_httpx, requests_session

Work = Callable[[], dict[str, Any]]
MIB = 2**20


def vm_hwm_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (this benchmark needs Linux)")


def stream(spec: dict[str, Any]) -> tuple[Work, Work]:
    read = READERS[spec["client"]]()
    root, kind, framing = spec["root"], spec["kind"], spec["framing"]

    def run(n: int) -> Work:
        return lambda: {"text_chars": read(f"{root}/k/{kind}/n/{n}/f/{framing}")}

    return run(10), run(spec["n"])


def connector_raw(root: str, inputs: dict[str, Any], **options: Any) -> dict[str, Any]:
    from deepseek_connector import load_connector

    # Raw Request refuses answers over its Max Response Size (64 MB by default).
    return load_connector().run("rawRequest", {"maxResponseMB": 1024, **inputs}, connection(root), **options)


def connector_upload(root: str, content: Any) -> dict[str, Any]:
    """Upload File with a document (the bench server answers a file object with what it got)."""
    from deepseek_connector import load_connector

    inputs = {"fileData": [{"key": "report.pdf", "value": content}], "purpose": "text_recognition"}
    return load_connector().run("uploadFile", inputs, connection(root))["data"]


def upload(spec: dict[str, Any]) -> tuple[Work, Work]:
    client, root, path = spec["client"], spec["root"], Path(spec["path"])
    warm = path.with_suffix(".warm")  # a small file the harness writes beside the big one
    url = f"{root}/files"

    def send(file: Path) -> Work:
        def work() -> dict[str, Any]:
            if client == "connector, Path":
                data = connector_upload(root, file)
            elif client == "connector, bytes":
                data = connector_upload(root, file.read_bytes())  # reading it is the cost of this way
            elif client == "httpx, file object":
                with import_httpx().Client(timeout=300) as http, file.open("rb") as handle:
                    data = http.post(url, files={"file": handle}, headers=AUTH).json()
            elif client == "requests, bytes":
                data = requests_session(False).post(url, files={"file": ("file", file.read_bytes())},
                                                    headers=AUTH, timeout=(10, 300)).json()
            else:
                raise ValueError(client)
            return {"received": data["received"]}  # multipart framing included
        return work

    return send(warm), send(path)


def big_json(spec: dict[str, Any]) -> tuple[Work, Work]:
    client, root, mib = spec["client"], spec["root"], spec["mib"]
    session = requests_session(False)
    kept: list[Any] = []  # the parsed answer stays alive until the peak is read, as a user's would

    def fetch(path: str) -> Work:
        def work() -> dict[str, Any]:
            if client == "connector":
                data = connector_raw(root, {"method": "GET", "url": path, "responseType": "json"})["data"]
            else:
                data = session.get(f"{root}{path}", headers=AUTH, timeout=(10, 300)).json()
            kept.append(data)
            return {"items": len(data["data"] if isinstance(data, dict) else data)}
        return work

    return fetch("/models"), fetch(f"/big-json/{mib}")


def blob(spec: dict[str, Any]) -> tuple[Work, Work]:
    client, root, out = spec["client"], spec["root"], Path(spec["out"])
    session = requests_session(False)

    def fetch(mib: int) -> Work:
        def work() -> dict[str, Any]:
            path = f"/blob/{mib}"
            if client == "connector, output=":
                connector_raw(root, {"method": "GET", "url": path, "responseType": "binary"}, output=out)
            elif client == "connector, bytes":
                data = connector_raw(root, {"method": "GET", "url": path, "responseType": "binary"})["data"]
                return {"bytes": len(data)}
            else:
                with session.get(f"{root}{path}", headers=AUTH, stream=True, timeout=(10, 300)) as r, \
                        out.open("wb") as file:
                    for piece in r.iter_content(64 * 1024):
                        file.write(piece)
            return {"bytes": out.stat().st_size}
        return work

    return fetch(1), fetch(spec["mib"])


TASKS = {"stream": stream, "upload": upload, "big-json": big_json, "blob": blob}


def main() -> None:
    spec = json.loads(sys.argv[1])
    warm_up, work = TASKS[spec["task"]](spec)
    warm_up()
    gc.collect()
    before = vm_hwm_kib()
    started = time.perf_counter()
    produced = work()
    seconds = time.perf_counter() - started
    print(json.dumps({"before_kib": before, "after_kib": vm_hwm_kib(), "seconds": seconds, **produced}))


if __name__ == "__main__":
    main()
