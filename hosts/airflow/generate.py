"""operators.py, written from the manifest (by `deepseek-connector docs`, checked by `docs --check`
and the tests): one operator class per action, its inputs as typed keyword arguments, so that
IDEs and type checkers see the classes the README tells users to import."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ...runtime.errors import ManifestError
from ...runtime.manifest.models import ActionSpec, InputSpec, Manifest
from ..fields import airflow_type, form_inputs

OPERATORS_FILE = Path(__file__).resolve().parent / "operators.py"
WIDTH = 108
# What Airflow's BaseOperator already is: an input may not take one of these names.
RESERVED = frozenset({"task_id", "owner", "email", "retries", "retry_delay", "start_date", "end_date",
                      "depends_on_past", "queue", "pool", "priority_weight", "params", "default_args",
                      "trigger_rule", "resources", "executor", "outlets", "inlets", "doc", "dag", "log"})


def class_name(spec: ActionSpec) -> str:
    return f"DeepSeek{spec.key[0].upper()}{spec.key[1:]}Operator"


def wrapped(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False)


def names(keys: tuple[str, ...], indent: str) -> list[str]:
    """A tuple of names, wrapped to the line width."""
    return wrapped(" ".join(f"{key!r}," for key in keys), indent)


def argument(field: InputSpec) -> str:
    """An input as a keyword argument: a required one without a default must be given, so a DAG
    that leaves it out fails when Airflow loads it, not when the task runs."""
    if field.required and field.default is None:
        return f"{field.key}: {airflow_type(field)}"
    return f"{field.key}: {airflow_type(field)} | None = None"


def operator_class(spec: ActionSpec) -> list[str]:
    fields = form_inputs(spec)
    clashing = [field.key for field in fields if field.key in RESERVED]
    if clashing:
        raise ManifestError(f"{spec.key}: inputs {clashing} would hide attributes of Airflow's "
                            "BaseOperator.")
    keys = tuple(field.key for field in fields)
    renderers = ", ".join(f"{field.key!r}: 'json'" for field in fields if field.type in ("json", "payload"))
    docstring = textwrap.wrap(" ".join(spec.description.split()), width=WIDTH - 8, initial_indent="    ",
                              subsequent_indent="    ", break_on_hyphens=False)
    docstring[0] = '    """' + docstring[0].lstrip()
    docstring[-1] += '"""'
    return [f"class {class_name(spec)}(DeepSeekOperator):", *docstring, "",
            f"    action_key = {spec.key!r}", "    input_keys = (", *names(keys, "        "), "    )",
            "    template_fields = input_keys",
            *wrapped(f"template_fields_renderers: dict[str, str] = {{{renderers}}}", "    "), "",
            "    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,",
            *(f"                 {argument(field)}," for field in fields),
            "                 **kwargs: Any) -> None:",
            "        given = locals()",
            "        super().__init__(deepseek_conn_id=deepseek_conn_id,",
            "                         inputs={key: given[key] for key in self.input_keys}, **kwargs)"]


def operators_module(manifest: Manifest) -> str:
    exported = ["DeepSeekOperator", *(class_name(spec) for spec in manifest.actions)]
    lines = ['"""One Airflow operator per action of connector.yaml: the action\'s inputs as typed keyword',
             "arguments (all templated, so Jinja and XCom values work), the result pushed to XCom under",
             "`data` and returned. Generated from connector.yaml by `deepseek-connector docs`; do not",
             'edit by hand."""',
             "",
             "from __future__ import annotations",
             "",
             "from typing import Any",
             "",
             "from .base import DeepSeekOperator",
             "from .hooks import DeepSeekHook",
             "",
             "__all__ = [", *wrapped(" ".join(f"{name!r}," for name in exported), "    "), "]"]
    for spec in manifest.actions:
        lines += ["", "", *operator_class(spec)]
    lines += ["", "", "#: The operator of each action, by the action's key.",
              "OPERATORS: dict[str, type[DeepSeekOperator]] = {",
              *(f"    {spec.key!r}: {class_name(spec)}," for spec in manifest.actions), "}"]
    return "\n".join(lines) + "\n"
