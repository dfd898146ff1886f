"""The `deepseek-connector` command line (cli/main.py), and its console-script entry point."""

from __future__ import annotations

import gc


def main(argv: list[str] | None = None) -> int:
    """The console script.

    Loading the runtime (requests, pydantic, the manifest's models) allocates many objects that
    live as long as the process, and the cyclic garbage collector would scan them again and
    again while they load; paused, a command starts about 30 ms (a sixth) sooner, as
    bench/run.py's cold-start figure shows. What was loaded is then frozen out of later
    collections. Only the command line does this: importing the package never touches the
    collector.
    """
    gc.disable()
    try:
        from .main import prepare  # noqa: PLC0415 - imported with collection paused, see above

        command = prepare(argv)
    finally:
        gc.freeze()
        gc.enable()
    return command()
