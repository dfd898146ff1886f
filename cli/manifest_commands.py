"""The commands about the manifest itself: describe it, validate it, print a form's schema, write
the files generated from it (docs, Langflow bundle) and export a host's plugin."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .. import __version__, load_connector
from ..runtime.connector import import_action, import_check, import_connection
from ..runtime.errors import ConnectorError
from ..runtime.manifest import describe, form_schema
from ..runtime.manifest.models import manifest_json_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "runtime" / "manifest" / "manifest.schema.json"


MANIFEST_FILE = Path(__file__).resolve().parent.parent / "connector.yaml"


def cmd_describe(args: argparse.Namespace) -> int:
    manifest = load_connector().manifest
    if args.format == "json":
        print(json.dumps(describe.as_json(manifest, __version__), indent=2, ensure_ascii=False))
    else:
        print(describe.as_markdown(manifest, __version__))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    # jsonschema (about 50 ms to import) is needed by this command only.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    from ..runtime.manifest.loading import check_manifest, describe_path, parse_yaml

    generated = manifest_json_schema()
    if args.write:
        SCHEMA_FILE.write_text(json.dumps(generated, indent=2, sort_keys=True) + "\n", "utf-8")
        print(f"Wrote {SCHEMA_FILE}")
    elif json.loads(SCHEMA_FILE.read_text("utf-8")) != generated:
        raise ConnectorError("runtime/manifest/manifest.schema.json is out of date with the typed models; "
                             "run `deepseek-connector validate --write`.")
    data = parse_yaml(MANIFEST_FILE.read_text("utf-8"), "connector.yaml")
    error = best_match(Draft202012Validator(generated).iter_errors(data))
    if error is not None:
        where = describe_path(data, list(error.absolute_path))
        raise ConnectorError(f"connector.yaml: {where}: {error.message}")
    manifest = check_manifest(data)
    import_connection(manifest.connection.implementation)
    for spec in manifest.all_actions:
        import_action(spec.implementation)
    if manifest.connection.check is not None:
        import_check(manifest.connection.check.implementation)
    print(f"connector.yaml is valid: {len(manifest.actions)} actions, {len(manifest.data_sources)} data "
          "sources, every class imports.")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    connector = load_connector()
    if args.action == "connection":
        schema = form_schema.connection_schema(connector.manifest)
    else:
        schema = form_schema.action_schema(connector.manifest, connector.spec(args.action))
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def generated_files(reference: str | None = None) -> dict[Path, str]:
    """Every file written from the manifest, by path relative to the repository's root."""
    # The host adapters (with importlib.metadata and shutil, about 20 ms) load only for the
    # commands that write their files, so that running an action starts no slower.
    from ..hosts.airflow import generate as airflow
    from ..hosts.fields import hosts_page
    from ..hosts.langflow import generate as langflow
    from ..runtime.manifest.loading import parsed_copy

    manifest = load_connector().manifest
    reference_path = Path(reference or os.path.join("docs", "reference.md"))
    return {
        reference_path: describe.reference_page(manifest, __version__),
        Path("docs", "hosts.md"): hosts_page(manifest),
        Path("hosts", "langflow", "extension.json"): langflow.extension_json(manifest, __version__),
        Path("hosts", "langflow", "components", "deepseek.py"): langflow.components_module(manifest),
        Path("hosts", "airflow", "operators.py"): airflow.operators_module(manifest),
        # connector.yaml as JSON, so that a start need not import and run PyYAML (loading.py).
        Path("runtime", "manifest", "connector.parsed.json"): parsed_copy(MANIFEST_FILE.read_text("utf-8")),
    }


def cmd_docs(args: argparse.Namespace) -> int:
    files = generated_files(args.output)
    for path in files:
        if not path.parent.is_dir():
            raise ConnectorError(f"There is no folder {str(path.parent)!r} here; run this in the connector's "
                                 "repository, or give --output FILE.")
    stale = [path for path, text in files.items() if not path.exists() or path.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path} is out of date; run `deepseek-connector docs`.", file=sys.stderr)
        if not stale:
            print("Every generated file is up to date.")
        return 1 if stale else 0
    for path in stale:
        path.write_text(files[path], "utf-8")
        print(f"Wrote {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..hosts.dify import export as dify  # see generated_files(): loaded for this command only

    directory = dify.export(Path(args.directory), load_connector().manifest, __version__)
    print(f"Wrote the Dify plugin in {directory}")
    if args.package:
        archive = dify.package(directory, directory.with_suffix(".difypkg"))
        print(f"Wrote {archive}")
    return 0
