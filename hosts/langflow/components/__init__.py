"""The Langflow bundle: one component per action (deepseek.py, generated)."""
