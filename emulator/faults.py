"""Faults the emulator can be asked to inject, per request (header) or queued (control API).

Header form, for anyone with a Raw Request step:  X-Emulator-Fault: status=503,retry-after=2
Queued form, for tests and flows whose requests carry no custom header:
    POST /_emulator/faults  {"path": "/chat/completions", "times": 2, "status": 503}
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

DROP_MODES = ("reset", "mid_body", "after_keepalive", "before_done")


@dataclass
class Fault:
    status: int | None = None            # answer with this status and DeepSeek's error envelope
    retry_after: str | None = None       # Retry-After header value (seconds or HTTP date)
    body: str | None = None              # raw body instead of the envelope or the real answer
    content_type: str | None = None      # with body
    delay_ms: int = 0                    # wait before answering at all
    keepalive: int = 0                   # blank lines (plain) or ": keep-alive" comments (SSE)
    keepalive_interval_ms: int = 0       # pause between those keep-alive lines
    drop: str | None = None              # one of DROP_MODES
    stall_ms: int = 0                    # pause in the middle of a stream
    stream_error: bool = False           # send an error event in the middle of a stream
    crlf: bool = False                   # end SSE lines with CRLF
    usage: str | None = None             # "separate" or "last": where a stream's usage goes
    gzip: bool = False                   # gzip-encode the response body
    content: str | None = None           # the answer's text instead of the usual one (chat, FIM)
    path: str | None = None              # queued faults: which path they apply to
    times: int = 1                       # queued faults: how many requests they apply to

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Fault:
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = str(raw_key).replace("-", "_")
            if key not in known:
                raise ValueError(f"unknown fault setting '{raw_key}' (known: {', '.join(known)})")
            kind = known[key].type
            if "int" in kind:
                value = int(value)
            elif "bool" in kind:
                value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            elif value is not None:
                value = str(value)
            values[key] = value
        fault = cls(**values)
        if fault.drop is not None and fault.drop not in DROP_MODES:
            raise ValueError(f"drop must be one of {', '.join(DROP_MODES)}")
        return fault

    @classmethod
    def from_header(cls, text: str) -> Fault:
        pairs = {}
        for item in text.split(","):
            if item.strip():
                key, _, value = item.partition("=")
                pairs[key.strip()] = value.strip() or "true"
        return cls.from_mapping(pairs)

    def matches(self, path: str) -> bool:
        return self.path is None or path.endswith(self.path)
