"""One Airflow operator per action of connector.yaml, generated when this module is imported.

DeepSeekListModelsOperator, DeepSeekCreateChatCompletionOperator, ... take the action's inputs
as keyword arguments (typed, all templated, so Jinja and XCom values work), run the action
through DeepSeekHook and push its result to XCom under the key `data` (and as the return
value). A streamed chat is assembled into one answer. The connector retries inside one task
try (Max Retry Count and friends); Airflow's own `retries` re-run the whole task after that.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from airflow.sdk import BaseOperator

from ... import packaged_manifest
from ...runtime.errors import ManifestError
from ...runtime.manifest.models import ActionSpec
from ..fields import airflow_type, form_inputs
from .hooks import DeepSeekHook


class DeepSeekOperator(BaseOperator):
    """Runs one action of the DeepSeek connector; one subclass per action is generated below."""

    action_key: ClassVar[str] = ""
    input_keys: ClassVar[tuple[str, ...]] = ()
    ui_color = "#4D6BFE"

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name, **kwargs: Any) -> None:
        values = {key: kwargs.pop(key) for key in self.input_keys if key in kwargs}
        super().__init__(**kwargs)
        self.deepseek_conn_id = deepseek_conn_id
        for key in self.input_keys:
            setattr(self, key, values.get(key))

    def execute(self, context: Any) -> Any:
        inputs = {key: getattr(self, key) for key in self.input_keys if getattr(self, key) is not None}
        data = DeepSeekHook(self.deepseek_conn_id).run(self.action_key, inputs).data
        context["ti"].xcom_push(key="data", value=data)
        return data


def class_name(spec: ActionSpec) -> str:
    return f"DeepSeek{spec.key[0].upper()}{spec.key[1:]}Operator"


def operator_for(spec: ActionSpec) -> type[DeepSeekOperator]:
    fields = form_inputs(spec)
    clashing = [field.key for field in fields if hasattr(BaseOperator, field.key)]
    if clashing:
        raise ManifestError(f"{spec.key}: inputs {clashing} would hide attributes of Airflow's BaseOperator.")
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                  inspect.Parameter("deepseek_conn_id", inspect.Parameter.KEYWORD_ONLY,
                                    default=DeepSeekHook.default_conn_name, annotation=str)]
    parameters += [inspect.Parameter(field.key, inspect.Parameter.KEYWORD_ONLY, default=None,
                                     annotation=f"{airflow_type(field)} | None") for field in fields]
    parameters.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))

    def __init__(self: DeepSeekOperator, **kwargs: Any) -> None:
        DeepSeekOperator.__init__(self, **kwargs)

    __init__.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    name = class_name(spec)
    keys = tuple(field.key for field in fields)
    return type(name, (DeepSeekOperator,), {
        "__module__": __name__, "__qualname__": name, "__doc__": " ".join(spec.description.split()),
        "__init__": __init__, "action_key": spec.key, "input_keys": keys, "template_fields": keys,
        "template_fields_renderers": {field.key: "json" for field in fields
                                      if field.type in ("json", "payload")},
    })


OPERATORS = {spec.key: operator_for(spec) for spec in packaged_manifest().actions}
globals().update({cls.__name__: cls for cls in OPERATORS.values()})
__all__ = ["DeepSeekOperator", *(cls.__name__ for cls in OPERATORS.values())]
