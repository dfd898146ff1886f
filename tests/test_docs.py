"""The committed reference page is exactly what the manifest generates, with every input."""

from __future__ import annotations

from pathlib import Path

from deepseek_connector import load_connector
from deepseek_connector.runtime.describe import reference_page

ROOT = Path(__file__).resolve().parent.parent


def test_committed_reference_page_matches_the_manifest():
    committed = (ROOT / "docs" / "reference.md").read_text("utf-8")
    generated = reference_page(load_connector().manifest)
    assert committed == generated, "docs/reference.md is stale: run `deepseek-connector docs`"


def test_every_input_of_every_action_is_documented_with_its_help():
    page = (ROOT / "docs" / "reference.md").read_text("utf-8")
    manifest = load_connector().manifest
    for spec in (*manifest.actions, *manifest.data_sources):
        assert f"### {spec.label} (`{spec.key}`)" in page
        for field in spec.inputs:
            row = next(line for line in page.splitlines() if f"| `{field.key}` |" in line)
            assert " ".join(field.help.split()) in row.replace("\\|", "|")
