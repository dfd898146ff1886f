"""The API-key connection: a DeepSeek key and the base URL it is valid for."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..runtime.errors import InputError
from ..runtime.forms.form import FormValues
from ..runtime.http.urls import UrlProblem, parse_base_url
from ..runtime.manifest.models import ConnectionSpec
from ..runtime.redaction import Secret

# A key travels in an HTTP header: visible ASCII only. A pasted zero-width space or a control
# character would otherwise crash the send or be sent as is.
PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True, slots=True)
class ApiKeyConnection:
    api_key: Secret
    base_url: str

    @classmethod
    def from_form(cls, spec: ConnectionSpec, form: FormValues) -> ApiKeyConnection:
        key_input, url_input = spec.credential, spec.endpoint
        key = form.get(key_input) or ""
        if isinstance(key, Secret):
            key = key.reveal()
        if any(ch.isspace() for ch in key):
            raise InputError.single(key_input, spec.label_of(key_input),
                                    "must not contain spaces or line breaks.")
        if not PRINTABLE_ASCII.fullmatch(key):
            # Never echo the key, not even the offending character's neighbours.
            raise InputError.single(key_input, spec.label_of(key_input),
                                    "may only contain printable ASCII characters (letters, digits and "
                                    "punctuation); copy the key again, without invisible characters.")
        try:
            insecure = bool(spec.insecure and form.get(spec.insecure))
            base_url = parse_base_url(form[url_input], allow_insecure=insecure)
        except UrlProblem as problem:
            raise InputError.single(url_input, spec.label_of(url_input), str(problem)) from None
        return cls(api_key=Secret(key), base_url=base_url)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key.reveal()}"}

    def secrets(self) -> tuple[str, ...]:
        return (self.api_key.reveal(),)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.api_key.reveal()}\0{self.base_url}".encode()).hexdigest()
