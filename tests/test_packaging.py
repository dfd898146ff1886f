"""The wheel holds one import package and its data; no generic top-level modules."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    [built] = out.glob("deepseek_connector-*.whl")
    return built


def test_wheel_holds_only_the_deepseek_connector_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"deepseek_connector", next(t for t in tops if t.endswith(".dist-info"))}
    for generic in ("actions/", "connections/", "tests/", "docs/", "runtime/"):
        assert not any(name.startswith(generic) for name in names), generic


def test_wheel_carries_manifest_schema_assets_and_code(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("deepseek_connector/connector.yaml", "deepseek_connector/runtime/manifest.schema.json",
                   "deepseek_connector/__main__.py", "deepseek_connector/actions/models.py",
                   "deepseek_connector/connections/api_key.py", "deepseek_connector/emulator/server.py",
                   "deepseek_connector/cli/main.py"):
        assert needed in names, needed
    assert not any("/tests/" in name or name.startswith("deepseek_connector/tests") for name in names)


def test_wheel_declares_the_entry_points(wheel):
    archive = zipfile.ZipFile(wheel)
    entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    text = archive.read(entry_points).decode()
    assert "[lowcode.connectors]\ndeepseek = deepseek_connector:load_connector" in text
    assert "deepseek-connector = deepseek_connector.cli.main:main" in text
