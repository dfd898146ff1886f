"""Writing an exported plugin's folder and packing it, so that exactly its own files ship.

The folder is written only if it is new, empty, or an earlier export (whose record lists every
file there); the package holds exactly the recorded files, each read without following links.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from ...runtime.errors import InputError

# The export's record of the files it wrote: what a later export may replace and a package packs.
RECORD = ".deepseek-export.json"


def write_folder(directory: Path, files: dict[str, bytes | Path]) -> Path:
    """Write `files` into `directory`, which must be new, empty, or an earlier export (its record of
    what it wrote lists everything there): a folder holding anything else (a .env with a key, a
    link to a file elsewhere) is refused, since packing it would ship it. The files are written
    to a fresh folder beside it first, then put in its place."""
    directory = Path(os.path.abspath(directory))  # "." is a folder too, beside which the export is staged
    check_replaceable(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name[:32]}.", dir=directory.parent))
    except OSError as exc:
        raise folder_problem(f"{str(directory)!r} cannot be written ({exc.strerror or type(exc).__name__})") \
            from None
    try:
        for relative, content in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.read_bytes() if isinstance(content, Path) else content)
        (staging / RECORD).write_text(json.dumps(sorted(files), indent=1) + "\n", "utf-8")
        if os.path.lexists(directory):
            shutil.rmtree(directory)  # only what an earlier export wrote (check_replaceable)
        os.rename(staging, directory)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        reason = exc.strerror or type(exc).__name__
        raise folder_problem(f"{str(directory)!r} could not be written ({reason})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def check_replaceable(directory: Path) -> None:
    if not os.path.lexists(directory):
        return
    if directory.is_symlink() or not directory.is_dir():
        raise folder_problem(f"{str(directory)!r} is not a folder (or is a link to one)")
    found = {path.relative_to(directory).as_posix(): path for path in directory.rglob("*")}
    if not found:
        return
    written = set(recorded_files(directory)) | {RECORD}
    folders = {str(PurePosixPath(name).parent) for name in written}
    for name, path in sorted(found.items()):
        mode = path.lstat().st_mode
        ours = (stat.S_ISREG(mode) and (name in written or _is_bytecode(name))
                or stat.S_ISDIR(mode) and (name in folders or any(f.startswith(name + "/") for f in folders)
                                           or PurePosixPath(name).name == "__pycache__"))
        if not ours:
            raise folder_problem(f"{str(directory)!r} holds {name!r}, which an export did not write")


def _is_bytecode(name: str) -> bool:
    # Running the plugin from its folder (python -m main) leaves Python's own caches behind.
    return "/__pycache__/" in f"/{name}" and name.endswith(".pyc")


def recorded_files(directory: Path) -> list[str]:
    """What the export in `directory` wrote, from its record; [] when there is none."""
    record = directory / RECORD
    try:
        if not stat.S_ISREG(record.lstat().st_mode):
            return []
        names = json.loads(record.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(names, list):
        return []
    # Only paths inside the folder, as an export writes them: never absolute, never "..".
    return [name for name in names if isinstance(name, str) and name and not name.startswith("/")
            and ".." not in PurePosixPath(name).parts and "\\" not in name]


def folder_problem(what: str) -> InputError:
    return InputError.single("directory", "Plugin folder", f"{what}; give a new or empty folder (an "
                             "earlier export there is replaced), so that nothing else is packed.")


def pack(directory: Path, archive: Path) -> Path:
    """The .difypkg: a zip of exactly the files the export wrote (from its record), paths relative
    to its root, sorted; a file that is no longer a regular file there (a link put in its place)
    is refused, never followed. Written beside `archive` first, then renamed onto it."""
    names = recorded_files(directory)
    if not names:
        raise folder_problem(f"{str(directory)!r} holds no export to package")
    if os.path.isdir(archive):
        raise folder_problem(f"the package {str(archive)!r} would replace a folder")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{archive.name[:32]}.", dir=archive.parent)
    except OSError as exc:
        raise folder_problem(f"the package {str(archive)!r} cannot be written "
                             f"({exc.strerror or type(exc).__name__})") from None
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zipped:
            for name in sorted(names):
                entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                entry.external_attr = 0o644 << 16  # rw-r--r--, as the files were written
                zipped.writestr(entry, _read_regular(directory / name), zipfile.ZIP_DEFLATED)
        os.replace(temporary, archive)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return archive


def _read_regular(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        raise folder_problem(f"{str(path)!r} is missing or is a link now") from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise folder_problem(f"{str(path)!r} is not a regular file now")
        return handle.read()
