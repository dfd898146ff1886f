"""Loading connector.yaml: parse, check against the shipped JSON Schema and the typed pydantic
models, then check what a schema cannot express (unique keys, references, valid defaults).

The full check needs jsonschema and pydantic (and the YAML parser), which together take longer
to import than the rest of a CLI run. So `deepseek-connector validate --write` records the
checked manifest as JSON with the SHA-256 of its YAML text, and loading uses that record for
exactly that text (a test keeps it in step). Any other manifest text, an edited packaged one
included, is parsed and checked in full.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ManifestError
from .spec import Manifest

SCHEMA_FILE = "manifest.schema.json"
CHECKED_FILE = "manifest.checked.json"
MANIFEST_FILE = "connector.yaml"


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def checked_record() -> dict[str, Any] | None:
    """{"sha256": ..., "manifest": ...} written by `validate --write`, or None."""
    try:
        text = resources.files("deepseek_connector.runtime").joinpath(CHECKED_FILE).read_text("utf-8")
        record = json.loads(text)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "sha256" in record and "manifest" in record else None


def checked_record_text(text: str, data: Any) -> str:
    return json.dumps({"sha256": fingerprint(text), "manifest": data}, indent=1, sort_keys=True) + "\n"


def packaged_manifest_text() -> str:
    return resources.files("deepseek_connector").joinpath(MANIFEST_FILE).read_text("utf-8")


def packaged_schema() -> dict[str, Any]:
    text = resources.files("deepseek_connector.runtime").joinpath(SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def load_packaged_manifest() -> Manifest:
    return parse_manifest(packaged_manifest_text(), source=MANIFEST_FILE, checked=checked_record())


def load_manifest(path: str | Path | None = None) -> Manifest:
    if path is None:
        return load_packaged_manifest()
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror}).") from None
    return parse_manifest(text, source=str(path))


def parse_manifest(text: str, *, source: str = MANIFEST_FILE,
                   checked: dict[str, Any] | None = None) -> Manifest:
    """The runtime manifest; parsed and checked in full unless `text` is the one recorded."""
    if checked is not None and fingerprint(text) == checked["sha256"]:
        return Manifest.build(checked["manifest"])
    return check_manifest(parse_yaml(text, source), source)


def check_manifest(data: Any, source: str = MANIFEST_FILE) -> Manifest:
    _check_schema(data, source)
    _check_typed_models(data, source)
    manifest = Manifest.build(data)
    _check_semantics(manifest, source)
    return manifest


def parse_yaml(text: str, source: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader is chosen above
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(f"{source}: not valid YAML{where}: {problem}.") from None


def describe_path(data: Any, path: list[Any] | tuple[Any, ...]) -> str:
    """Turn a JSON path into text, naming list items by their `key` where they have one."""
    text = ""
    node = data
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("key"), str):
                text += f"({node['key']})"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(top level)"


def _check_schema(data: Any, source: str) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(packaged_schema())
    error = best_match(validator.iter_errors(data))
    if error is not None:
        where = describe_path(data, list(error.absolute_path))
        raise ManifestError(f"{source}: {where}: {error.message}")


def _check_typed_models(data: Any, source: str) -> None:
    from pydantic import ValidationError

    from .manifest_model import Manifest as TypedManifest

    try:
        TypedManifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = describe_path(data, list(first["loc"]))
        raise ManifestError(f"{source}: {where}: {first['msg']}") from None


def _check_semantics(manifest: Manifest, source: str) -> None:
    from .inputs import coerce_value
    from .settings import POLICIES

    problems: list[str] = []
    source_keys = {spec.key for spec in manifest.data_sources}
    seen: set[str] = set()
    groups = [("connection", [manifest.connection])]
    groups += [("actions", list(manifest.actions)), ("dataSources", list(manifest.data_sources))]
    for group, specs in groups:
        for index, spec in enumerate(specs):
            base = group if group == "connection" else f"{group}[{index}]({spec.key})"
            if group != "connection":
                if spec.key in seen:
                    problems.append(f"{base}.key: '{spec.key}' is used twice")
                seen.add(spec.key)
                if spec.retry_policy not in POLICIES:
                    problems.append(f"{base}.retryPolicy: unknown policy '{spec.retry_policy}'"
                                    f" (known: {', '.join(sorted(POLICIES))})")
            input_keys: set[str] = set()
            for position, field in enumerate(spec.inputs):
                where = f"{base}.inputs[{position}]({field.key})"
                if field.key in input_keys:
                    problems.append(f"{where}.key: '{field.key}' is used twice")
                input_keys.add(field.key)
                problems += _input_problems(field, where, source_keys, coerce_value)
    if problems:
        raise ManifestError(f"{source}: {problems[0]}")


def _input_problems(field, where, source_keys, coerce_value) -> list[str]:
    problems = []
    if (field.type == "select") != (field.choices is not None):
        problems.append(f"{where}.choices: required for select inputs and only for them")
    if field.minimum is not None and field.maximum is not None and field.minimum > field.maximum:
        problems.append(f"{where}.minimum: greater than maximum")
    if field.data_source is not None and field.data_source not in source_keys:
        problems.append(f"{where}.dataSource: no data source named '{field.data_source}'")
    if field.default is not None and field.type != "connection":
        try:
            coerce_value(field, field.default)
        except ValueError as exc:
            problems.append(f"{where}.default: {exc}")
    return problems
