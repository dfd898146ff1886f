"""Action implementations, each named by connector.yaml."""
