"""Connections: how the connector authenticates with DeepSeek."""

from .api_key import ApiKeyConnection

__all__ = ["ApiKeyConnection"]
