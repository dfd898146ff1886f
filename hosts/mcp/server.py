"""The MCP server on the official SDK's low-level Server: tools/list, tools/call and
completion/complete, each answered from the manifest's tools (tools.py) and the connector.

Calls run in worker threads (at most MAX_CALLS at once, the connector's pool size), so the
event loop only ever waits; a streamed answer's text reaches the client as progress
notifications taken every PROGRESS_INTERVAL seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import anyio
from mcp import types
from mcp.server import Server

from ... import __version__
from .calls import Choices, LiveText, Outcome, ToolCall, failure
from .tools import Tool, not_served, served_tools

if TYPE_CHECKING:
    from .tools import Connector

log = logging.getLogger("deepseek_connector.hosts.mcp")
MAX_CALLS = 16
PROGRESS_INTERVAL = 0.1  # seconds between two progress notifications of one call, at least
MAX_COMPLETIONS = 100  # the protocol's limit per answer
INSTRUCTIONS = ("Each tool calls DeepSeek's API with this server's own API key; the key is never an "
                "argument. Chat and FIM calls are billed to the account.")


def build_server(connector: Connector, connection: Mapping[str, Any], *,
                 allow_raw_request: bool = False) -> Server[Any]:
    tools = served_tools(connector, allow_raw_request=allow_raw_request)
    by_name = {tool.name: tool for tool in tools}
    listing = types.ListToolsResult(tools=[_mcp_tool(tool) for tool in tools])
    limiter = anyio.CapacityLimiter(MAX_CALLS)
    choices = Choices(connector, connection)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return listing

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            return _result(failure("not_served", not_served(params.name, tools)))
        watched = bool(ctx.meta and ctx.meta.get("progress_token") is not None)
        call = ToolCall(connector, connection, tool, params.arguments or {},
                        live=LiveText() if watched else None)
        try:
            if call.live is None:
                outcome = await _in_worker(call.run, limiter)
            else:
                outcome = await _with_progress(call, call.live, ctx.session, limiter)
        finally:
            call.cancelled.set()  # a cancelled request stops its stream at the next event
        return _result(outcome)

    async def complete(ctx: Any, params: types.CompleteRequestParams) -> types.CompleteResult:
        source = _choices_source(tools, params.ref, params.argument.name)
        keys = await _in_worker(lambda: choices.keys(source), limiter) if source else []
        typed = params.argument.value.casefold()
        matches = [key for key in keys if key.casefold().startswith(typed)]
        return types.CompleteResult(completion=types.Completion(
            values=matches[:MAX_COMPLETIONS], total=len(matches), has_more=len(matches) > MAX_COMPLETIONS))

    schemas = {tool.name: tool.input_schema for tool in tools}
    return Server(connector.manifest.connector.key, version=__version__,
                  title=connector.manifest.connector.label,
                  description=" ".join(connector.manifest.connector.description.split()),
                  instructions=INSTRUCTIONS, get_tool_input_schema=schemas.get,
                  on_list_tools=list_tools, on_call_tool=call_tool, on_completion=complete)


def _mcp_tool(tool: Tool) -> types.Tool:
    hints = tool.hints
    annotations = None if hints is None else types.ToolAnnotations(
        title=tool.title, read_only_hint=hints["readOnly"], destructive_hint=hints["destructive"],
        idempotent_hint=hints["idempotent"], open_world_hint=hints["openWorld"])
    return types.Tool(name=tool.name, title=tool.title, description=tool.description,
                      input_schema=tool.input_schema, annotations=annotations)


def _result(outcome: Outcome) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=outcome.text)],
                                structured_content=outcome.structured, is_error=outcome.is_error)


async def _in_worker(work: Any, limiter: anyio.CapacityLimiter) -> Any:
    # abandon_on_cancel: a cancelled request answers at once; its thread ends within the call's
    # own Timeout (a stream at its next event).
    return await anyio.to_thread.run_sync(work, limiter=limiter, abandon_on_cancel=True)


async def _with_progress(call: ToolCall, live: LiveText, session: Any,
                         limiter: anyio.CapacityLimiter) -> Outcome:
    """Run the call while a task sends what has arrived every PROGRESS_INTERVAL seconds; the
    rest goes out before the result."""
    reachable = True

    async def send_taken() -> None:
        nonlocal reachable
        taken = live.take()
        if taken is None or not reachable:
            return
        text, characters = taken
        try:
            await session.report_progress(characters, None, text)
        except Exception as error:  # noqa: BLE001 - the client went away: the call still ends
            reachable = False
            log.debug("progress not sent: %s", type(error).__name__)

    async def forward() -> None:
        while True:
            await anyio.sleep(PROGRESS_INTERVAL)
            await send_taken()

    async with anyio.create_task_group() as group:
        group.start_soon(forward)
        outcome: Outcome = await _in_worker(call.run, limiter)
        group.cancel_scope.cancel()
    await send_taken()
    return outcome


def _choices_source(tools: list[Tool], ref: Any, argument: str) -> str | None:
    """The data source that fills `argument`. MCP has no reference to a tool's argument (only
    prompts' and resource templates'); a `ref/prompt` naming a tool asks for that tool's argument,
    any other reference for the first served tool's argument of that name."""
    named = [tool for tool in tools if tool.name == getattr(ref, "name", None)]
    for tool in named or tools:
        if argument in tool.choices_from:
            return tool.choices_from[argument]
    return None
