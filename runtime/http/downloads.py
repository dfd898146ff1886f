"""Raw Request's answer written to a file as it arrives, so a large download never sits in memory.

The answer goes to a new temporary file beside the target, created exclusively (never an
existing file or a symbolic link planted there), and is renamed onto the target only when
complete: a failed download leaves the target as it was, and two downloads to the same file each
yield a whole file (the last one wins), never a mix of both.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, LocalFileError
from .messages import HttpResponse

OUTPUT_LABEL = "Output File"
# The temporary file's name: ".<start of the name>.<random>.part", well within any name limit.
TEMP_NAME_CHARS = 32
_CREATE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_BINARY", 0))


def check_output(path: Path) -> None:
    """Before anything is sent: the name can be a file here, its folder exists and can be written,
    and what the name holds now, if anything, is a regular file (never a folder, device or pipe)."""
    problem = output_problem(path)
    if problem:
        raise InputError.single("output", OUTPUT_LABEL, problem)


def output_problem(path: Path) -> str | None:
    text = str(path)
    if "\0" in text:
        return "must not contain a NUL character."
    try:
        os.fsencode(text)
        name = os.fsencode(path.name)
    except UnicodeEncodeError:
        return "has characters that cannot be part of a file name on this system."
    folder = path.parent
    longest = _longest_name(folder)
    if len(name) > longest:
        return f"has a file name of {len(name)} bytes; this file system allows at most {longest}."
    try:
        if path.is_dir():
            return f"{text!r} is a folder; give a file name."
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot be written: {str(folder)!r} is not a folder this step may write to."
        if not _is_replaceable(path):
            return (f"{text!r} is a device, pipe or socket; only a regular file may be replaced by the "
                    "answer.")
    except OSError as exc:
        return f"cannot be written: {exc.strerror or type(exc).__name__}."
    return None


def _longest_name(folder: Path) -> int:
    try:
        longest = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no such folder yet
        return 255
    return longest if longest > 0 else 255


def _is_replaceable(path: Path) -> bool:
    """Nothing there yet, or a regular file (through a symbolic link, the link is what is replaced)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True


def save_body(response: HttpResponse, path: Path) -> dict[str, Any]:
    """Write the body to a fresh temporary file beside `path`, then rename it onto `path`."""
    written = 0
    temp: Path | None = None
    try:
        temp, handle = _create_temp(path)
        with handle:
            for piece in response.chunks():
                handle.write(piece)
                written += len(piece)
        if not _is_replaceable(path):  # it became a device or pipe while the answer arrived
            raise LocalFileError(f"The answer was not written to {str(path)!r}: it is now a device, pipe, "
                                 "socket or folder, which is never replaced.")
        os.replace(temp, path)
        temp = None
    except OSError as exc:
        raise LocalFileError(f"The answer could not be written to {str(path)!r} "
                             f"({type(exc).__name__}: {exc.strerror or exc}).") from None
    finally:
        response.close()
        if temp is not None:
            _remove_quietly(temp)
    return {"file": str(path), "bytes": written, "contentType": response.headers.get("Content-Type")}


def _create_temp(path: Path) -> tuple[Path, IO[bytes]]:
    # O_EXCL|O_NOFOLLOW: a name someone else created (a link to another file above all) is never
    # opened; another random name is tried instead. Mode 0o666 lets the umask decide, as open() does.
    for _ in range(100):
        temp = path.with_name(f".{path.name[:TEMP_NAME_CHARS]}.{secrets.token_hex(4)}.part")
        try:
            descriptor = os.open(temp, _CREATE_FLAGS, 0o666)
        except FileExistsError:
            continue
        try:
            return temp, os.fdopen(descriptor, "wb")
        except BaseException:
            os.close(descriptor)
            _remove_quietly(temp)
            raise
    raise FileExistsError(17, "no free temporary file name beside it")


def _remove_quietly(temp: Path) -> None:
    # Cleanup must never replace the error that brought us here.
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)
