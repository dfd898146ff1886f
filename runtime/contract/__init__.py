"""The action contract (action.py), how the runtime runs an action (running.py), and what it needs
from a connection (connection.py)."""
