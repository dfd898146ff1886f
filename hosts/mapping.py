"""How each host's own connection values become the connector's: from the connection's
declaration (its credential and endpoint inputs), so no host hard-codes a key. Plain functions,
with no host SDK: the main test suite checks them, the host suites check them in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..runtime.manifest.models import ConnectionSpec


def airflow_fields(spec: ConnectionSpec) -> dict[str, str]:
    """Which of Airflow's own connection fields hold which input: the key in the password field
    (masked), the Base URL in the host field; every other input is an extra field."""
    return {spec.credential: "password", spec.endpoint: "host"}


def from_airflow(fields: Mapping[str, Any], extra: Mapping[str, Any], spec: ConnectionSpec) -> dict[str, Any]:
    """Connection values from an Airflow connection: its standard fields by name (password, host)
    and its extras (a key that is no input of the connection is ignored; blanks are not set)."""
    values = {key: fields.get(standard) for key, standard in airflow_fields(spec).items()}
    inputs = {field.key for field in spec.inputs}
    values.update({key: value for key, value in extra.items() if key in inputs})
    return {key: value for key, value in values.items() if value not in (None, "")}


def from_form(given: Mapping[str, Any], spec: ConnectionSpec) -> dict[str, Any]:
    """Connection values from a host form holding them under the inputs' keys (Langflow's
    component fields, Dify's provider credentials): blanks are not set, so defaults apply."""
    return {field.key: given[field.key] for field in spec.inputs if given.get(field.key) not in (None, "")}
