"""Raw Request's answer written to a file as it arrives, so a large download never sits in memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..runtime.errors import InputError, LocalFileError
from ..runtime.http import HttpResponse

OUTPUT_LABEL = "Output File"


def check_output(path: Path) -> None:
    """Before anything is sent: the file's folder exists and can be written, and it is no folder."""
    folder = path.parent
    if path.is_dir():
        raise InputError.single("output", OUTPUT_LABEL, f"{str(path)!r} is a folder; give a file name.")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError.single("output", OUTPUT_LABEL, f"cannot be written: {str(folder)!r} is not a "
                                                        "folder this step may write to.")


def save_body(response: HttpResponse, path: Path) -> dict[str, Any]:
    """Write the body to `path` through a temporary file beside it, so that a failed download never
    leaves a half-written file under the name asked for."""
    partial = path.with_name(path.name + ".part")
    written = 0
    try:
        with partial.open("wb") as handle:
            for piece in response.chunks():
                handle.write(piece)
                written += len(piece)
        os.replace(partial, path)
    except OSError as exc:
        raise LocalFileError(f"The answer could not be written to {str(path)!r} "
                             f"({type(exc).__name__}: {exc.strerror or exc}).") from None
    finally:
        response.close()
        partial.unlink(missing_ok=True)
    return {"file": str(path), "bytes": written, "contentType": response.headers.get("Content-Type")}
