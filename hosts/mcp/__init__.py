"""The MCP server (`deepseek-connector mcp`): every action of the manifest as an MCP tool.

`tools` and `calls` are plain Python (what is served and how a call turns into a result);
`server` and `command` use the MCP SDK, an optional extra (`pip install
'deepseek-connector[mcp]'`), imported only when the command runs.
"""
