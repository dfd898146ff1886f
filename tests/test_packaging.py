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
    for needed in ("deepseek_connector/connector.yaml",
                   "deepseek_connector/runtime/manifest/manifest.schema.json",
                   "deepseek_connector/runtime/manifest/connector.parsed.json",
                   "deepseek_connector/docs/reference.md", "deepseek_connector/assets/icon.png"):
        assert needed in names, needed
    left_out = ("deepseek_connector/tests", "deepseek_connector/bench")
    assert not any("/tests/" in name or name.startswith(left_out) for name in names)


def test_wheel_holds_every_module_of_the_package_tree(wheel):
    """A subpackage left out of pyproject's list would import in an editable install only."""
    names = set(zipfile.ZipFile(wheel).namelist())
    skipped = {"tests", "bench", "build", "dist", ".venv", ".git", ".hostvenvs"}
    modules = [path.relative_to(ROOT) for path in ROOT.rglob("*.py")
               if not skipped & set(path.relative_to(ROOT).parts) and "egg-info" not in str(path)]
    assert modules
    missing = [str(m) for m in modules if f"deepseek_connector/{m.as_posix()}" not in names]
    assert missing == []


def test_the_manifests_documentation_ships_in_the_wheel(wheel):
    from deepseek_connector import packaged_manifest

    documentation = packaged_manifest().connector.documentation
    assert f"deepseek_connector/{documentation}" in zipfile.ZipFile(wheel).namelist()


def test_wheel_declares_the_entry_points(wheel):
    archive = zipfile.ZipFile(wheel)
    entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    text = archive.read(entry_points).decode()
    assert "[lowcode.connectors]\ndeepseek = deepseek_connector:load_connector" in text
    assert "deepseek-connector = deepseek_connector.cli:main" in text


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
    assert "deepseek-flash" in report["models"]
    from deepseek_connector import __version__

    assert report["version"] == __version__
    assert wheel.name.startswith(f"deepseek_connector-{__version__}-")


def test_one_version_string_everywhere():
    from importlib.metadata import version

    from deepseek_connector import __version__, load_connector
    from deepseek_connector.runtime.manifest.describe import as_json

    assert version("deepseek-connector") == __version__ == load_connector().version
    assert as_json(load_connector().manifest, __version__)["connector"]["version"] == __version__
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()
