"""DeepSeek connector for low-code integration platforms.

Hosts load it with `load_connector()` (also the `lowcode.connectors` entry point `deepseek`)
and run actions with `connector.run(action_key, inputs, connection)`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runtime.connector import Connector

__all__ = ["load_connector", "__version__"]
__version__ = "0.1.0"


@lru_cache(maxsize=1)
def load_connector() -> Connector:
    """Load the packaged connector (manifest checked on load). The same instance is returned again."""
    from .runtime.connector import Connector
    from .runtime.manifest import load_packaged_manifest

    return Connector(load_packaged_manifest())
