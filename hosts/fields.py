"""How each host shows each input: one decision per host, used by its adapter and by the docs table.

Hosts differ in the widgets they offer. Inputs a host cannot show natively (JSON, request
bodies, lists in Dify) travel as text, which the runtime parses as it does for any form.
"""

from __future__ import annotations

from typing import Literal

from ..runtime.manifest.inputs import InputSpec
from ..runtime.manifest.models import ActionSpec, Manifest

LangflowWidget = Literal["secret", "dropdown", "model", "toggle", "float", "integer", "list", "dict",
                         "message", "json", "text", "number-text"]
LANGFLOW_WORDS: dict[LangflowWidget, tuple[str, bool]] = {
    "secret": ("secret input", True), "dropdown": ("dropdown", True),
    "model": ("dropdown, refreshed from the API", True), "toggle": ("toggle", True),
    "float": ("float", True), "integer": ("integer", True), "list": ("list of text", True),
    "dict": ("key/value table", True), "message": ("message text (a ChatInput can wire in)", True),
    "json": ("multiline JSON text", False), "text": ("text", True),
    "number-text": ("text, blank = not sent", False),
}


def form_inputs(spec: ActionSpec) -> list[InputSpec]:
    """The inputs a host shows for an action (the connection is the host's own object)."""
    return [field for field in spec.inputs if field.type != "connection"]


def airflow_type(field: InputSpec) -> str:
    """The Python type of the operator argument (Airflow draws no form for operators)."""
    if field.type in ("json", "payload"):
        return "dict | list | str"
    if field.type == "keyvaluelist":
        return "dict | list"
    return {"number": "float", "integer": "int", "boolean": "bool", "valuelist": "list[str] | str"}.get(
        field.type, "str")


def native_number(field: InputSpec) -> bool:
    """Langflow's number widgets cannot be left empty (they hold 0): use one only where 0 cannot be
    meant as a value (a default is set, or the minimum is above 0, so 0 means "not set")."""
    return field.default is not None or (field.minimum is not None and field.minimum > 0)


def langflow_widget(field: InputSpec) -> LangflowWidget:
    if field.secret or field.type == "password":
        return "secret"
    if field.data_source:
        return "model"
    if field.type == "select":
        return "dropdown"
    if field.type == "boolean":
        return "toggle"
    if field.type in ("number", "integer"):
        return ("integer" if field.type == "integer" else "float") if native_number(field) else "number-text"
    if field.type == "valuelist":
        return "list"
    if field.type == "keyvaluelist":
        return "dict"
    if field.allow_plain_text or field.type == "text":
        return "message"
    if field.type in ("json", "payload"):
        return "json"
    return "text"


def dify_type(field: InputSpec) -> tuple[str, bool]:
    """The Dify tool parameter type, and whether it shows the input natively."""
    if field.secret or field.type == "password":
        return "secret-input", True
    if field.data_source:
        return "dynamic-select", True
    if field.type == "select":
        return "select", True
    if field.type in ("number", "integer", "boolean"):
        return ("boolean" if field.type == "boolean" else "number"), True
    if field.type in ("string", "text"):
        return "string", True
    return "string", False  # JSON, lists, key/value lists and bodies: as text


def hosts_page(manifest: Manifest) -> str:
    """docs/hosts.md: for every input of every action, how each host shows it."""
    lines = ["# How each host shows each input", "",
             "<!-- Generated from connector.yaml by `deepseek-connector docs`; do not edit by hand. -->", "",
             "*As text* means the host shows a text field and the connector parses what is typed (JSON, "
             "a list, a number), exactly as it does for any form. Every host also has the connection (API "
             "Key as a secret, Base URL, Allow Insecure HTTP) as its own object: an Airflow connection, "
             "inputs of each Langflow component, Dify provider credentials. Airflow draws no form for "
             "operators: its column is the Python type each operator argument takes.", ""]
    native = {"Langflow": 0, "Dify": 0}
    total = 0
    for spec in manifest.all_actions:
        lines += [f"## {spec.label} (`{spec.key}`)", "", "| Input | Airflow | Langflow | Dify |",
                  "| --- | --- | --- | --- |"]
        for field in form_inputs(spec):
            total += 1
            words, langflow_native = LANGFLOW_WORDS[langflow_widget(field)]
            dify, dify_native = dify_type(field)
            native["Langflow"] += langflow_native
            native["Dify"] += dify_native
            cells = [f"`{airflow_type(field)}`", words if langflow_native else f"*as text*: {words}",
                     dify if dify_native else f"*as text*: {dify}"]
            row = [f"{field.label} (`{field.key}`)", *cells]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        lines.append("")
    lines += ["## In all", "", f"Of {total} inputs, Airflow takes every one as a typed argument; Langflow "
              f"shows {native['Langflow']} natively and Dify {native['Dify']}.", ""]
    return "\n".join(lines)
