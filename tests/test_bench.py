"""The benchmark's measured work still runs: each memory probe does what its table says, at a
small size (a probe that fails shows as "error" in the README's table, which no test would see)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from memory import answer_memory, upload_memory  # noqa: E402 - found through the path set above
from server import CannedServer  # noqa: E402


@pytest.fixture(scope="module")
def server():
    canned = CannedServer()
    yield canned
    canned.stop()


def cells(table) -> list[str]:
    return [str(cell) for row in table.rows for cell in row]


def test_upload_probes_send_the_whole_file(server, tmp_path):
    table = upload_memory(server, 2, 1, tmp_path)
    assert "error" not in cells(table), table.note
    assert "Not measured" not in table.note


def test_answer_probes_read_the_whole_answer(server, tmp_path):
    table = answer_memory(server, 1, 2, 1, tmp_path)
    assert "error" not in cells(table), table.note
    assert "Not measured" not in table.note
