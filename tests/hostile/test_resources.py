"""Many tenants' keys on one connector: sessions are bounded, closed when evicted, keyed by hash."""

from __future__ import annotations

import contextlib
import gc
import os
import time

from deepseek_connector import packaged_manifest
from deepseek_connector.runtime import settings
from deepseek_connector.runtime.connector import Connector

TENANTS = 1500


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


def settled_sockets(bound: int, before: int) -> int:
    """Sockets held above `before`, once the emulator has closed its ends of closed connections
    (its handler threads notice a client's close a moment later)."""
    deadline = time.monotonic() + 3
    held = open_sockets() - before
    while held > bound and time.monotonic() < deadline:
        time.sleep(0.05)
        held = open_sockets() - before
    return held


def strings_in_keys(root: object, depth: int = 3) -> list[str]:
    """Every string used as (part of) a dictionary key reachable from `root`."""
    found, seen, layer = [], set(), [root]
    for _ in range(depth):
        following = []
        for item in layer:
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                for key in item:
                    parts = key if isinstance(key, tuple) else (key,)
                    found += [part for part in parts if isinstance(part, str)]
            following += gc.get_referents(item)
        layer = following
    return found


def test_thousands_of_tenant_keys_hold_a_bounded_number_of_sockets(emulator):
    connector = Connector(packaged_manifest())
    before = open_sockets()
    keys = [f"sk-test-tenant-{number:05d}-abcdef" for number in range(TENANTS)]
    for key in keys:
        connector.run("listModels", {}, {"apiKey": key, "baseUrl": emulator.url})
    # The emulator runs in this process: each pooled connection holds a socket at both ends.
    bound = 2 * settings.MAX_CACHED_SESSIONS + 4
    held = settled_sockets(bound, before)
    assert held <= bound, held
    texts = strings_in_keys(connector)
    assert not [text for text in texts for key in keys[-50:] if key in text]
    connector.close()
    assert settled_sockets(2, before) <= 2
