"""`deepseek-connector`: run actions, describe and validate the manifest, serve the emulator.

Exit codes: 0 success; 2 invalid input or missing key (nothing was sent); 1 API, network,
timeout or any other error. Errors are one line on stderr, never a traceback, never the key.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from ..runtime.errors import ConnectorError, InputError
from ..runtime.log_redaction import install_log_redaction
from ..runtime.redaction import Redactor
from . import commands

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
# Commands that use the packaged connector; prepare() loads it before the command runs.
USES_CONNECTOR = ("run", "check", "describe", "schema", "docs", "export", "mcp")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deepseek-connector",
                                     description="DeepSeek connector for low-code platforms.")
    parser.add_argument("--debug", action="store_true", help="log every HTTP attempt (secrets redacted)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run an action or data source")
    run.add_argument("action", help="action key, e.g. listModels or createChatCompletion")
    _input_arguments(run)
    _connection_arguments(run)
    run.add_argument("--live", action="store_true",
                     help="with a streamed action, print the answer (and any reasoning) to stderr as "
                          "it arrives")
    run.add_argument("--file", "-F", action="append", default=[], metavar="KEY=@PATH",
                     help="Raw Request and Upload File: the file at PATH under KEY in File Data (for "
                          "Upload File, KEY is the file's name), streamed from disk; repeat for several "
                          "files in Raw Request")
    run.add_argument("--output", "-o", metavar="FILE",
                     help="Raw Request with Response Type binary: write the answer's body to FILE as it "
                          "arrives, instead of printing it as base64")

    check = sub.add_parser("check", help="test a connection (exit 0 when the key is valid)")
    _input_arguments(check)
    _connection_arguments(check)

    describe = sub.add_parser("describe", help="show the connection, actions and inputs")
    describe.add_argument("--format", choices=("markdown", "json"), default="markdown")

    validate = sub.add_parser("validate", help="check connector.yaml and its classes")
    validate.add_argument("--write", action="store_true",
                          help="regenerate runtime/manifest/manifest.schema.json from the typed models")

    emulator = sub.add_parser("emulator", help="serve the DeepSeek emulator until stopped")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8000)

    schema = sub.add_parser("schema", help="print the JSON Schema of an action's form")
    schema.add_argument("action", help="action key, or 'connection'")

    docs = sub.add_parser("docs", help="write the files generated from the manifest (docs, Langflow bundle)")
    docs.add_argument("--output", default=None,
                      help="where the reference page goes (default: docs/reference.md)")
    docs.add_argument("--check", action="store_true", help="fail if any of them is out of date")
    export = sub.add_parser("export", help="write a host's plugin generated from the manifest")
    export.add_argument("host", choices=("dify",), help="the host platform")
    export.add_argument("directory", help="where to write the plugin")
    export.add_argument("--package", action="store_true", help="also zip it into DIRECTORY.difypkg")

    mcp = sub.add_parser("mcp", help="serve the actions as MCP tools (stdio, or streamable HTTP with --http)")
    _connection_arguments(mcp)
    mcp.add_argument("--http", metavar="HOST:PORT",
                     help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio "
                          "(e.g. 127.0.0.1:8765)")
    mcp.add_argument("--allow-remote", action="store_true",
                     help="with --http, allow a host other than this machine: anyone who reaches it "
                          "spends the key")
    mcp.add_argument("--allow-raw-request", action="store_true",
                     help="also serve Raw Request (an agent could then call any endpoint of the account)")
    return parser


def _input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", "-i", action="append", default=[], metavar="KEY=VALUE",
                        help="an input value as a form sends it; repeat a key to build a list")
    parser.add_argument("--inputs-file", metavar="FILE.json", help="a JSON object of input values")


def _connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-key", help="DeepSeek API key (default: $DEEPSEEK_API_KEY)")
    parser.add_argument("--base-url", help="API base URL (default: $DEEPSEEK_BASE_URL or DeepSeek's)")
    parser.add_argument("--emulator", action="store_true",
                        help="start the built-in emulator and send everything to it (no key needed)")


def main(argv: list[str] | None = None) -> int:
    """Run one command; the console script goes through deepseek_connector.cli.main instead."""
    return prepare(argv)()


def prepare(argv: list[str] | None = None) -> Callable[[], int]:
    """Parse the arguments and load what the command needs; return the command to run."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.debug)
    install_log_redaction()
    secret = getattr(args, "api_key", None) or os.environ.get("DEEPSEEK_API_KEY") or ""
    if args.command in USES_CONNECTOR:
        try:
            commands.load_connector()
        except Exception as exc:  # noqa: BLE001 - reported like any failure of the command
            error = exc
            return lambda: _guarded(lambda: _raise(error), secret)
    return lambda: _guarded(lambda: commands.COMMANDS[args.command](args), secret)


def _raise(error: Exception) -> int:
    raise error


def _guarded(command: Callable[[], int], secret: str) -> int:
    """Run the command: errors become one line on stderr and an exit code, never a traceback."""
    try:
        return command()
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


class _TerminalFormatter(logging.Formatter):
    """Log lines for a terminal: a server's text may hold escape sequences that rewrite what the
    screen shows (and so could show a key the redaction saw split by them)."""

    def format(self, record: logging.LogRecord) -> str:
        return commands.terminal_safe(super().format(record))


def _configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_TerminalFormatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("deepseek_connector")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)


def _error(message: str, secret: str) -> None:
    line = " ".join(commands.terminal_safe(Redactor([secret]).text(message)).split())
    print(f"Error: {line}", file=sys.stderr)
