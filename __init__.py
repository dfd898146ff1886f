"""DeepSeek connector for low-code integration platforms.

Hosts load it with `load_connector()` (also the `lowcode.connectors` entry point `deepseek`)
and run actions with `connector.run(action_key, inputs, connection)`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

    from .runtime.connector import Connector
    from .runtime.manifest.models import Manifest

__all__ = ["load_connector", "packaged_manifest", "__version__"]

# The one version string: pyproject.toml reads it, and so do describe, the docs and the hosts.
__version__ = "0.2.0"


@lru_cache(maxsize=1)
def packaged_manifest() -> Manifest:
    """connector.yaml as shipped in the package, checked against its typed models."""
    # The runtime (pydantic, requests) is imported on first use, not with the package, so a
    # host that only lists entry points does not pay for it.
    from .runtime.manifest.loading import load_packaged_manifest

    # Read beside this file rather than through importlib.resources, whose import (tempfile,
    # shutil, compressors) costs some 8 ms of every command's cold start; the package is
    # always installed as files (wheel, editable install, or vendored into a Dify plugin).
    return load_packaged_manifest(Path(__file__).with_name("connector.yaml"))


def load_connector(session: requests.Session | None = None) -> Connector:
    """The packaged connector; the same instance is returned again. With a host's requests
    Session, a new connector that sends every call through that Session (its headers, hooks,
    proxies, verify/cert and mounted adapters; the connection's key, origin check, deadline and
    size limits still apply)."""
    if session is None:
        return _shared_connector()
    from .runtime.connector import Connector

    return Connector(packaged_manifest(), version=__version__, session=session)


@lru_cache(maxsize=1)
def _shared_connector() -> Connector:
    from .runtime.connector import Connector

    return Connector(packaged_manifest(), version=__version__)
