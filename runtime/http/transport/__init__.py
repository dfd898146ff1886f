"""Under requests: the transport adapter every call is sent through (adapter.py), the deadline
that bounds each exchange (deadline.py) and opening connections within it (connecting.py)."""
