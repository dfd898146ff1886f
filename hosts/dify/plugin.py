"""What the exported Dify plugin runs: credential validation, tool invocation, dynamic options.

The plugin's provider and tool files are one class each (Dify allows no more per file) and
call these functions; the connector itself ships inside the plugin (vendor/). A failure is
raised as the connector's own error, so Dify shows its class (InputError, RateLimitError, ...)
and its message, written for the person running the workflow.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities import I18nObject, ParameterOption
from dify_plugin.entities.tool import ToolInvokeMessage
from dify_plugin.errors.tool import ToolProviderCredentialValidationError

from ... import load_connector
from ...runtime.errors import ConnectorError
from ..mapping import from_form


def connection(credentials: Mapping[str, Any]) -> dict[str, Any]:
    """The connection values from the provider's credentials (named after the connection's inputs)."""
    return from_form(credentials, load_connector().manifest.connection)


def validate_credentials(credentials: Mapping[str, Any]) -> None:
    """Dify's credential check: the connector's connection check, failures as the SDK expects."""
    try:
        report = load_connector().check_connection(connection(credentials))["data"]
    except ConnectorError as error:
        raise ToolProviderCredentialValidationError(str(error)) from None
    if not report["valid"]:
        raise ToolProviderCredentialValidationError(report["message"])


def invoke(tool: Tool, action: str,
           parameters: Mapping[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
    inputs = {key: value for key, value in parameters.items() if value not in (None, "")}
    result = load_connector().run_result(action, inputs, connection(tool.runtime.credentials))
    data = result.data
    if isinstance(data, bytes):
        yield tool.create_blob_message(data, meta={"mime_type": result.headers.get("Content-Type",
                                                                                  "application/octet-stream")})
        return
    if result.text is not None:
        yield tool.create_text_message(result.text)
    yield tool.create_json_message(data if isinstance(data, dict) else {"data": data})


def options(tool: Tool, action: str, parameter: str) -> list[ParameterOption]:
    """A dynamic-select's options: the data source the input names (the Model dropdown: /models)."""
    field = load_connector().spec(action).input(parameter)
    if field is None or field.data_source is None:
        return []
    listed = load_connector().run(field.data_source, {}, connection(tool.runtime.credentials))["data"]
    return [ParameterOption(value=option["key"], label=I18nObject(en_US=option["label"]))
            for option in listed]

