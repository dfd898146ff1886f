"""The committed reference page is exactly what the manifest generates, with every input."""

from __future__ import annotations

from pathlib import Path

from deepseek_connector import __version__, load_connector
from deepseek_connector.runtime.manifest.describe import reference_page

ROOT = Path(__file__).resolve().parent.parent


def test_committed_reference_page_matches_the_manifest():
    committed = (ROOT / "docs" / "reference.md").read_text("utf-8")
    generated = reference_page(load_connector().manifest, __version__)
    assert committed == generated, "docs/reference.md is stale: run `deepseek-connector docs`"


def test_every_file_generated_from_the_manifest_is_current(monkeypatch):
    from deepseek_connector.cli.manifest_commands import generated_files

    monkeypatch.chdir(ROOT)
    files = generated_files()
    stale = [str(path) for path, text in files.items() if (ROOT / path).read_text("utf-8") != text]
    assert stale == [], "run `deepseek-connector docs`"


def section(page: str, heading: str) -> list[str]:
    """The lines under one action's heading, up to the next heading."""
    lines = page.splitlines()
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return lines[start:end]


def test_every_input_of_every_action_is_documented_in_its_own_section():
    page = (ROOT / "docs" / "reference.md").read_text("utf-8")
    manifest = load_connector().manifest
    for spec in (*manifest.all_actions, manifest.connection.check):
        rows = section(page, f"### {spec.label} (`{spec.key}`)")
        for field in spec.inputs:
            start = f"| {field.label} | `{field.key}` |"
            row = next(line for line in rows if line.startswith(start))
            assert " ".join(field.help.split()) in row.replace("\\|", "|"), (spec.key, field.key)
            if field.default is not None and not field.secret:
                assert f"`{field.default}`" in row, (spec.key, field.key)
