"""The `deepseek-connector` command line."""
