"""`deepseek-connector`: run actions, describe and validate the manifest, serve the emulator.

Exit codes: 0 success; 2 invalid input or missing key (nothing was sent); 1 API, network,
timeout or any other error. Errors are one line on stderr, never a traceback, never the key.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
EMULATOR_KEY = "sk-emulator-local"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deepseek-connector",
                                     description="DeepSeek connector for low-code platforms.")
    parser.add_argument("--debug", action="store_true", help="log every HTTP attempt (secrets redacted)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run an action or data source")
    run.add_argument("action", help="action key, e.g. listModels or createChatCompletion")
    run.add_argument("--input", "-i", action="append", default=[], metavar="KEY=VALUE",
                     help="an input value as a form sends it; repeat a key to build a list")
    run.add_argument("--inputs-file", metavar="FILE.json", help="a JSON object of input values")
    _connection_arguments(run)
    run.add_argument("--live", action="store_true",
                     help="with a streamed chat, print the answer to stderr as it arrives")

    check = commands.add_parser("check", help="test a connection (exit 0 when the key is valid)")
    _connection_arguments(check)

    describe = commands.add_parser("describe", help="show the connection, actions and inputs")
    describe.add_argument("--format", choices=("markdown", "json"), default="markdown")

    validate = commands.add_parser("validate", help="check connector.yaml and its classes")
    validate.add_argument("--write", action="store_true",
                          help="regenerate runtime/manifest.schema.json from the typed models and "
                               "record the checked manifest's fingerprint")

    emulator = commands.add_parser("emulator", help="serve the DeepSeek emulator until stopped")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8000)

    schema = commands.add_parser("schema", help="print the JSON Schema of an action's form")
    schema.add_argument("action", help="action key, or 'connection'")

    docs = commands.add_parser("docs", help="write docs/reference.md from the manifest")
    docs.add_argument("--output", default=None, help="file to write (default: docs/reference.md)")
    docs.add_argument("--check", action="store_true", help="fail if the file is out of date")
    return parser


def _connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-key", help="DeepSeek API key (default: $DEEPSEEK_API_KEY)")
    parser.add_argument("--base-url", help="API base URL (default: $DEEPSEEK_BASE_URL or DeepSeek's)")
    parser.add_argument("--emulator", action="store_true",
                        help="start the built-in emulator and send everything to it (no key needed)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.debug)
    from ..runtime.errors import ConnectorError, InputError

    secret = args.__dict__.get("api_key") or os.environ.get("DEEPSEEK_API_KEY") or ""
    try:
        handler = COMMANDS[args.command]
        return handler(args)
    except InputError as exc:
        _error(str(exc), secret)
        return EXIT_INPUT
    except ConnectorError as exc:
        _error(str(exc), secret)
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("Interrupted.", secret)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a user must never see a traceback
        if os.environ.get("DEEPSEEK_CONNECTOR_TRACEBACK"):
            raise
        _error(f"Unexpected error ({type(exc).__name__}): {exc}", secret)
        return EXIT_FAILED


def _configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("deepseek_connector")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)


def _error(message: str, secret: str) -> None:
    from ..runtime.redaction import Redactor

    line = " ".join(Redactor([secret]).text(message).split())
    print(f"Error: {line}", file=sys.stderr)


def parse_inputs(pairs: list[str], inputs_file: str | None) -> dict[str, Any]:
    from ..runtime.errors import InputError

    values: dict[str, Any] = {}
    if inputs_file:
        try:
            with open(inputs_file, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, ValueError) as exc:
            raise InputError.single("inputs-file", "--inputs-file",
                                    f"must be a readable JSON object file ({exc}).") from None
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


def cmd_run(args: argparse.Namespace) -> int:
    inputs = parse_inputs(args.input, args.inputs_file)
    result, key = _with_connection(args, lambda connector, connection:
                                   _run_action(connector, args, inputs, connection))
    _print_json(result, key)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    result, key = _with_connection(args, lambda connector, connection:
                                   connector.check_connection(connection))
    _print_json(result, key)
    return EXIT_OK if result["data"]["valid"] else EXIT_FAILED


def _with_connection(args: argparse.Namespace, work) -> tuple[dict[str, Any], str]:
    """Run `work(connector, connection)` with the connection from flags, environment or emulator."""
    from .. import load_connector
    from ..runtime.errors import InputError

    connector = load_connector()
    connection = {"apiKey": args.api_key or os.environ.get("DEEPSEEK_API_KEY", ""),
                  "baseUrl": args.base_url or os.environ.get("DEEPSEEK_BASE_URL") or None}
    emulator = None
    if args.emulator:
        from ..emulator import Emulator

        emulator = Emulator().start()
        connection = {"apiKey": connection["apiKey"] or EMULATOR_KEY, "baseUrl": emulator.url}
    elif not connection["apiKey"]:
        raise InputError.single("apiKey", "API Key",
                                "is required: set DEEPSEEK_API_KEY or pass --api-key (or use --emulator).")
    try:
        return work(connector, connection), connection["apiKey"]
    finally:
        connector.close()
        if emulator is not None:
            emulator.stop()


def _print_json(result: dict[str, Any], key: str) -> None:
    from ..runtime.redaction import Redactor

    text = json.dumps(result, indent=2, ensure_ascii=False, default=_json_default)
    print(Redactor([key]).text(text))


def _run_action(connector, args, inputs, connection) -> dict[str, Any]:
    if args.live:
        from ..actions.chat_stream import chunk_text

        def show(chunk: dict[str, Any]) -> None:
            sys.stderr.write(chunk_text(chunk)[1])
            sys.stderr.flush()

        with connector.stream(args.action, inputs, connection, on_chunk=show) as stream:
            completion = stream.read_all()
        sys.stderr.write("\n")
        return {"data": completion}
    return connector.run_result(args.action, inputs, connection).to_cli()


def _json_default(value: Any) -> Any:
    import base64

    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def cmd_describe(args: argparse.Namespace) -> int:
    from .. import load_connector
    from ..runtime import describe

    connector = load_connector()
    if args.format == "json":
        print(json.dumps(describe.as_json(connector.manifest), indent=2, ensure_ascii=False))
    else:
        print(describe.as_markdown(connector.manifest))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from ..runtime import manifest as manifest_module
    from ..runtime.connector import import_implementation
    from ..runtime.errors import ManifestError
    from ..runtime.manifest_model import manifest_json_schema

    folder = os.path.dirname(manifest_module.__file__)
    generated = manifest_json_schema()
    if args.write:
        _write(os.path.join(folder, manifest_module.SCHEMA_FILE),
               json.dumps(generated, indent=2, sort_keys=True) + "\n")
    elif generated != manifest_module.packaged_schema():
        raise ManifestError("runtime/manifest.schema.json is out of date with the typed models; "
                            "run `deepseek-connector validate --write`.")
    text = manifest_module.packaged_manifest_text()
    data = manifest_module.parse_yaml(text, "connector.yaml")
    manifest = manifest_module.check_manifest(data)
    record = manifest_module.checked_record_text(text, data)
    if args.write:
        _write(os.path.join(folder, manifest_module.CHECKED_FILE), record)
    elif manifest_module.checked_record() != json.loads(record):
        raise ManifestError("connector.yaml changed since it was last checked; run "
                            "`deepseek-connector validate --write` to check it and record it.")
    implementations = [spec.implementation for spec in (*manifest.actions, *manifest.data_sources)]
    for implementation in [*implementations, manifest.connection.check]:
        if implementation:
            import_implementation(implementation)
    print(f"connector.yaml is valid: {len(manifest.actions)} actions, "
          f"{len(manifest.data_sources)} data sources, every class imports.")
    return EXIT_OK


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"Wrote {path}")


def cmd_emulator(args: argparse.Namespace) -> int:
    from ..emulator import Emulator

    emulator = Emulator(args.host, args.port)
    print(f"DeepSeek emulator listening on {emulator.url} (Ctrl-C to stop)", flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .. import load_connector
    from ..runtime import form_schema

    connector = load_connector()
    if args.action == "connection":
        schema = form_schema.connection_schema(connector.manifest)
    else:
        schema = form_schema.action_schema(connector.manifest, connector.spec(args.action))
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from .. import load_connector
    from ..runtime import describe

    text = describe.reference_page(load_connector().manifest)
    path = args.output or os.path.join("docs", "reference.md")
    if args.check:
        try:
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        except OSError:
            current = None
        if current != text:
            print(f"{path} is out of date; run `deepseek-connector docs`.", file=sys.stderr)
            return EXIT_FAILED
        print(f"{path} is up to date.")
        return EXIT_OK
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"Wrote {path}")
    return EXIT_OK


COMMANDS = {"run": cmd_run, "check": cmd_check, "describe": cmd_describe, "validate": cmd_validate,
            "emulator": cmd_emulator, "schema": cmd_schema, "docs": cmd_docs}
