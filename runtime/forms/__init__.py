"""Form values: coerced and checked from the manifest's declarations, and placed on the request."""
