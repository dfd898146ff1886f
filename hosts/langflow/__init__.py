"""The Langflow extension: extension.json (package data) and one component per action.

Langflow finds it through the `langflow.extensions` entry point, which names this package;
components/deepseek.py is generated from the manifest (hosts/langflow/generate.py) and imports
lfx, so nothing here imports Langflow until Langflow loads the bundle.
"""
