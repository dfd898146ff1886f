"""What each `deepseek-connector` command does; main.py parses arguments and reports errors."""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import load_connector
from ..runtime.connector import Connector
from ..runtime.errors import ConnectorError, InputError, ResponseError
from ..runtime.forms.structures import MAX_JSON_DEPTH
from ..runtime.redaction import Redactor
from .manifest_commands import cmd_describe, cmd_docs, cmd_export, cmd_schema, cmd_validate

EMULATOR_KEY = "sk-test-0e5d8c41f7a2b963"  # fake; random after its prefix: no part of it is a word
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def parse_inputs(pairs: list[str], inputs_file: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if inputs_file:
        try:
            with open(inputs_file, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, ValueError) as exc:
            raise InputError.single("inputs-file", "--inputs-file",
                                    f"must be a readable JSON object file ({exc}).") from None
        except RecursionError:
            raise InputError.single("inputs-file", "--inputs-file",
                                    f"is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from None
        if not isinstance(loaded, dict):
            raise InputError.single("inputs-file", "--inputs-file", "must hold a JSON object.")
        values.update(loaded)
    repeated: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError.single("input", "--input", f"must look like KEY=VALUE; got {pair!r}.")
        repeated.setdefault(key, []).append(value)
    for key, items in repeated.items():
        values[key] = items[0] if len(items) == 1 else items
    return values


@contextmanager
def connection_for(args: argparse.Namespace) -> Iterator[tuple[Connector, dict[str, Any]]]:
    """The connector and connection values from flags, environment or the built-in emulator."""
    connector = load_connector()
    spec = connector.manifest.connection
    key, endpoint = spec.by_key[spec.credential], spec.by_key[spec.endpoint]
    values: dict[str, Any] = {key.key: args.api_key or os.environ.get(key.env or "", "")}
    base_url = args.base_url or os.environ.get(endpoint.env or "")
    if base_url:
        values[endpoint.key] = base_url
    emulator = None
    if args.emulator:
        emulator = start_emulator()
        values = {key.key: values[key.key] or EMULATOR_KEY, endpoint.key: emulator.url}
    elif not values[key.key]:
        raise InputError.single(key.key, key.label, f"is required: set {key.env} or pass --api-key (or use "
                                                    "--emulator).")
    try:
        yield connector, values
    finally:
        connector.close()
        if emulator is not None:
            emulator.stop()


def start_emulator(host: str = "127.0.0.1", port: int = 0, *, serve: bool = True) -> Any:
    # The emulator (http.server and its engine, about 20 ms) loads only when asked for, so
    # that every other command starts faster.
    from ..emulator import Emulator

    emulator = Emulator(host, port)
    return emulator.start() if serve else emulator


def print_json(result: dict[str, Any], key: str) -> None:
    """The result as strict JSON on stdout (results hold no NaN or Infinity: see runtime/texts.py),
    redacted once more as the text it is."""
    try:
        text = json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default)
    except ValueError as exc:
        raise ResponseError(f"The result cannot be written as JSON ({exc}).") from None
    print(Redactor([key]).shown(text))


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def parse_files(pairs: list[str]) -> list[dict[str, Any]]:
    """`--file KEY=@PATH` as File Data entries holding paths (streamed from disk, never read whole)."""
    files = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value.startswith("@") or len(value) < 2:
            raise InputError.single("file", "--file", f"must look like KEY=@PATH; got {pair!r}.")
        files.append({"key": key, "value": Path(value[1:]).expanduser()})
    return files


def cmd_run(args: argparse.Namespace) -> int:
    inputs = parse_inputs(args.input, args.inputs_file)
    if args.file:
        if "fileData" in inputs:
            raise InputError.single("file", "--file", "cannot be combined with a fileData input; give "
                                                      "every file with --file (KEY=@PATH).")
        inputs["fileData"] = parse_files(args.file)
    if args.output and args.live:
        raise InputError.single("output", "--output", "cannot be combined with --live.")
    with connection_for(args) as (connector, connection):
        if args.live:
            result = {"data": run_live(connector, args.action, inputs, connection)}
        else:
            result = connector.run_result(args.action, inputs, connection, output=args.output).to_cli()
        print_json(result, secret_of(connector, connection))
    return 0


def secret_of(connector: Connector, connection: dict[str, Any]) -> str:
    return str(connection.get(connector.manifest.connection.credential) or "")


def run_live(connector: Connector, action: str, inputs: dict[str, Any], connection: dict[str, Any]) -> Any:
    """Stream to stderr as the answer arrives: reasoning first (dimmed on a terminal), then the answer.
    The text is redacted, with anything that may start the key held back until the next piece shows
    it does not; stdout gets the result as without --live."""
    dim, plain = ("\x1b[2m", "\x1b[0m") if sys.stderr.isatty() else ("", "")
    shown = {"reasoning": False, "answer": False}

    def show(reasoning: str, answer: str) -> None:
        if reasoning:
            if not shown["reasoning"]:
                sys.stderr.write("Reasoning:\n")
                shown["reasoning"] = True
            sys.stderr.write(f"{dim}{terminal_safe(reasoning)}{plain}")
        if answer:
            if shown["reasoning"] and not shown["answer"]:
                sys.stderr.write("\n\nAnswer:\n")
            shown["answer"] = True
            sys.stderr.write(terminal_safe(answer))
        sys.stderr.flush()

    result = connector.run_result(action, inputs, connection, on_text=show)
    sys.stderr.write("\n")
    return result.data


def terminal_safe(text: str) -> str:
    """Text for a terminal: control characters other than line breaks and tabs (escape
    sequences a server could use to rewrite the screen) are dropped."""
    return CONTROL.sub("", text)


def cmd_check(args: argparse.Namespace) -> int:
    inputs = parse_inputs(args.input, args.inputs_file)
    with connection_for(args) as (connector, connection):
        result = connector.check_connection(connection, inputs)
        print_json(result, secret_of(connector, connection))
    return 0 if result["data"]["valid"] else 1


def cmd_emulator(args: argparse.Namespace) -> int:
    try:
        emulator = start_emulator(args.host, args.port, serve=False)
    except OSError as exc:
        raise ConnectorError(f"Cannot listen on {args.host}:{args.port} ({exc.strerror}); choose another "
                             "--port.") from None
    print(f"DeepSeek emulator listening on {emulator.url} (Ctrl-C to stop)", flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    # The MCP SDK is an optional extra: loaded only for this command (hosts/mcp/).
    from ..hosts.mcp.command import run_mcp

    with connection_for(args) as (connector, connection):
        return run_mcp(args, connector, connection)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run, "check": cmd_check, "describe": cmd_describe, "validate": cmd_validate,
    "emulator": cmd_emulator, "schema": cmd_schema, "docs": cmd_docs, "export": cmd_export,
    "mcp": cmd_mcp,
}
