"""What the runtime needs from a connection; connections/ implements it, named by connector.yaml."""

from __future__ import annotations

from typing import Protocol

from ..forms.form import FormValues
from ..manifest.models import ConnectionSpec


class Connection(Protocol):
    """Where requests go, how they authenticate, and which values must never be shown."""

    base_url: str

    @classmethod
    def from_form(cls, spec: ConnectionSpec, form: FormValues) -> Connection:
        """Build the connection from coerced form values; raise InputError when they cannot work."""
        ...

    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request (sent only to the base URL's origin)."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """Values to redact from every log line, error and output."""
        ...

    @property
    def fingerprint(self) -> str:
        """A hash that tells connections apart (for caching sessions), never the secret itself."""
        ...
