"""The wheel holds one import package and its data; no generic top-level modules."""

from __future__ import annotations

import json
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
                   "deepseek_connector/runtime/manifest.checked.json",
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


HOST_SCRIPT = r"""
import json, sys
from importlib.metadata import entry_points
from importlib.resources import files

[entry] = [ep for ep in entry_points(group="lowcode.connectors") if ep.name == "deepseek"]
connector = entry.load()()
package = files("deepseek_connector")
manifest_text = package.joinpath("connector.yaml").read_text("utf-8")
icon = package.joinpath(connector.manifest.connector.icon).read_bytes()
result = connector.run("listModels", {}, {"apiKey": "sk-test-wheel-host", "baseUrl": sys.argv[1]})
print(json.dumps({"module": connector.__module__, "file": __import__("deepseek_connector").__file__,
                  "manifest_has_key": "key: deepseek" in manifest_text,
                  "icon_is_png": icon[:8] == b"\x89PNG\r\n\x1a\n",
                  "models": [m["id"] for m in result["data"]["data"]],
                  "version": connector.version}))
"""


def test_a_host_installs_the_wheel_in_a_fresh_venv_and_runs_an_action(wheel, tmp_path, emulator):
    venv = tmp_path / "host-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]
    done = subprocess.run([str(python), "-c", HOST_SCRIPT, emulator.url], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["file"].startswith(str(venv))  # the installed copy, not this checkout
    assert report["manifest_has_key"] and report["icon_is_png"]
    assert "deepseek-v4-flash" in report["models"]
    assert report["version"] == project_version()


def project_version() -> str:
    import re

    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def test_versions_agree_in_pyproject_manifest_package_and_describe():
    from deepseek_connector import __version__, load_connector
    from deepseek_connector.runtime.describe import as_json

    manifest = load_connector().manifest
    assert project_version() == manifest.connector.version == __version__
    assert as_json(manifest)["connector"]["version"] == __version__
