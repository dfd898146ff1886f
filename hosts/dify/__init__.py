"""The Dify tool plugin: `deepseek-connector export dify DIR` writes it (export.py, no Dify SDK
needed); plugin.py is the code it runs inside Dify, shared by its provider and tools."""
