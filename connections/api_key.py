"""The API-key connection: a DeepSeek key and the base URL it is valid for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ..runtime.errors import InputError
from ..runtime.inputs import coerce_inputs
from ..runtime.redaction import Secret
from ..runtime.spec import ConnectionSpec


class ApiKeyConnection(NamedTuple):
    api_key: Secret
    base_url: str

    @classmethod
    def from_inputs(cls, spec: ConnectionSpec, values: Mapping[str, Any] | None) -> ApiKeyConnection:
        """Build the connection from form values, checked by the manifest's declarations."""
        raw = dict(values or {})
        if isinstance(raw.get("apiKey"), Secret):
            raw["apiKey"] = raw["apiKey"].reveal()
        form = coerce_inputs(spec.inputs, raw)
        key = form["apiKey"].strip()
        if any(ch.isspace() for ch in key):
            label = next(i.label for i in spec.inputs if i.key == "apiKey")
            raise InputError.single("apiKey", label, "must not contain spaces or line breaks.")
        base_url = form["baseUrl"].strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            label = next(i.label for i in spec.inputs if i.key == "baseUrl")
            raise InputError.single("baseUrl", label,
                                    "must be an http:// or https:// URL such as https://api.deepseek.com.")
        return cls(api_key=Secret(key), base_url=base_url)

    @property
    def origin(self) -> tuple[str, str, int]:
        return url_origin(self.base_url)

    def authorization(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key.reveal()}"}


DEFAULT_PORTS = {"http": 80, "https": 443}


def url_origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme, 0)
