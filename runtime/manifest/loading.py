"""Reading connector.yaml into the typed manifest, with errors that name the bad path."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ManifestError
from .models import Manifest

#: connector.yaml's data as JSON, with the hash of the text it was parsed from: written by
#: `deepseek-connector docs` (with the other generated files), used only while it is of the very
#: same text.
PARSED_FILE = Path(__file__).with_name("connector.parsed.json")


def parse_manifest(text: str, *, source: str = "connector.yaml") -> Manifest:
    return check_manifest(parse_yaml(text, source), source)


def load_packaged_manifest(path: Path) -> Manifest:
    """The shipped connector.yaml: through its parsed copy when that is current (importing
    PyYAML and parsing take about a tenth of a command's cold start), else parsed now. The
    models check the data either way."""
    text = path.read_text("utf-8")
    parsed = current_parsed_copy(text)
    return check_manifest(parsed, str(path.name)) if parsed is not None else parse_manifest(text)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_parsed_copy(text: str) -> Any | None:
    """The parsed copy's data if it was made from `text`, else None."""
    try:
        copy = json.loads(PARSED_FILE.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(copy, dict) or copy.get("source_sha256") != text_hash(text):
        return None
    return copy.get("manifest")


def parsed_copy(text: str, source: str = "connector.yaml") -> str:
    """The parsed copy of `text`, as PARSED_FILE holds it."""
    data = parse_yaml(text, source)
    if json.loads(json.dumps(data)) != data:
        raise ManifestError(f"{source}: holds values JSON cannot carry (dates, non-text keys); "
                            "write them as text.")
    return json.dumps({"source_sha256": text_hash(text), "manifest": data}, ensure_ascii=False,
                      separators=(",", ":")) + "\n"


def load_manifest(path: str | Path) -> Manifest:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror}).") from None
    return parse_manifest(text, source=str(path))


def parse_yaml(text: str, source: str) -> Any:
    import yaml  # only when connector.yaml changed since its parsed copy was written

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader is chosen above
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(f"{source}: not valid YAML{where}: {problem}.") from None


def check_manifest(data: Any, source: str = "connector.yaml") -> Manifest:
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = describe_path(data, list(first["loc"]))
        message = first["msg"].removeprefix("Value error, ")
        # A model's own check names its field first ("choices: ..."): make it part of the path.
        field = re.match(r"([A-Za-z_.]+): ", message)
        if field and first["loc"]:
            where, message = f"{where}.{field.group(1)}", message[field.end():]
        raise ManifestError(f"{source}: {where}: {message}") from None


def describe_path(data: Any, path: list[Any]) -> str:
    """Turn a location into text, naming list items by their `key` where they have one."""
    text = ""
    node = data
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("key"), str):
                text += f"({node['key']})"
        elif isinstance(node, dict) and part not in node and _camel(part) in node:
            text += f".{_camel(part)}" if text else _camel(part)
            node = node.get(_camel(part))
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(top level)"


def _camel(name: str) -> str:
    head, *rest = str(name).split("_")
    return head + "".join(part.title() for part in rest)
