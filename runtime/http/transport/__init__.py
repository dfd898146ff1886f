"""Under requests: the Sessions (sessions.py) and the transport adapter (adapter.py) calls are
sent through, the deadline that bounds each exchange (deadline.py) and opening connections within
it (connecting.py)."""
