"""The code stays lint- and type-clean, its layers point one way, and its files stay small."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "deepseek_connector"
SKIPPED = {"tests", "bench", "build", "dist", ".venv", ".git", ".hostvenvs"}
# What each part of the package may import from the package (besides itself).
ALLOWED = {
    "runtime": set(),
    "connections": {"runtime"},
    "actions": {"runtime"},
    "emulator": set(),
    "hosts": {"runtime", ""},
    "cli": {"runtime", "emulator", "hosts", ""},
    "": {"runtime"},  # the package root: load_connector()
}
LONGEST_FILE = 300


def modules() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py")
                  if not SKIPPED & set(path.relative_to(ROOT).parts) and "egg-info" not in str(path))


def module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]' installs it)")
    return found


def package_imports(path: Path, *, at_import_time: bool) -> set[str]:
    """Modules of the package that `path` imports (only those run on import, if asked)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found = set()
    nodes = tree.body if at_import_time else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
                names = [f"{target}.{alias.name}" for alias in node.names] if not node.module else [target]
                found.update(names)
            elif node.module and node.module.startswith(PACKAGE):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(PACKAGE))
    return found


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 2 or (len(pieces) == 2 and pieces[1] in ALLOWED) else ""


def test_ruff_is_clean():
    done = subprocess.run([tool("ruff"), "check", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]


def test_mypy_is_clean(tmp_path):
    # The import name is not the folder's name, so mypy reads the package through a link.
    (tmp_path / PACKAGE).symlink_to(ROOT, target_is_directory=True)
    done = subprocess.run([tool("mypy"), "-p", PACKAGE, "--config-file", str(ROOT / "pyproject.toml"),
                           "--cache-dir", str(ROOT / ".mypy_cache")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]


def test_layers_point_one_way():
    wrong = []
    for path in modules():
        # At the root: the package's __init__ (load_connector) and __main__ (the command line).
        source = part(module_name(path)) if path.parent != ROOT else "cli" if path.stem == "__main__" else ""
        for target in package_imports(path, at_import_time=False):
            target_part = part(target)
            if target_part != source and target_part not in ALLOWED[source]:
                wrong.append(f"{module_name(path)} imports {target}")
    assert wrong == []


def test_no_import_cycles():
    graph = {module_name(path): {t for t in package_imports(path, at_import_time=True)} for path in modules()}
    known = set(graph)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    edges = {source: {resolve(t) for t in targets} - {None, source} for source, targets in graph.items()}
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            cycle = trail[trail.index(node):] + [node]
            # A package importing its own submodule is not a cycle of concern.
            if not all(b.startswith(a + ".") or a.startswith(b + ".") for a, b in pairwise(cycle)):
                raise AssertionError(" -> ".join(cycle))
            return
        if node in done:
            return
        for target in edges.get(node, ()):
            visit(target, [*trail, node])
        done.add(node)

    for module in edges:
        visit(module, [])


GENERATED = "Generated from connector.yaml by `deepseek-connector docs`"


def test_files_stay_small():
    """Written files; one generated from the manifest (`deepseek-connector docs`, checked by
    tests/test_docs.py) grows with it and is read through connector.yaml instead."""
    long = []
    for path in modules():
        text = path.read_text("utf-8")
        if len(text.splitlines()) > LONGEST_FILE and GENERATED not in " ".join(text[:600].split()):
            long.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())}")
    assert long == []


MOST_MODULES_IN_A_FOLDER = 12


def test_folders_hold_few_enough_modules_to_read_at_a_glance():
    """A folder of the package holds at most 12 modules beside its __init__; more is a sign that
    it holds more than one concern and wants a package of its own (as http/transport/ is)."""
    by_folder: dict[Path, int] = {}
    for path in modules():
        if path.name != "__init__.py":
            by_folder[path.parent] = by_folder.get(path.parent, 0) + 1
    crowded = [f"{folder.relative_to(ROOT)}: {count}" for folder, count in by_folder.items()
               if count > MOST_MODULES_IN_A_FOLDER]
    assert crowded == []
