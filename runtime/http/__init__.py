"""HTTP under the actions: the client that sends, retries, bounds and logs every call (client.py),
and what it builds on."""
