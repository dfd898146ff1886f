"""DeepSeekOperator: what every generated operator (operators.py) does with its action's inputs."""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.sdk import BaseOperator

from .hooks import DeepSeekHook


class DeepSeekOperator(BaseOperator):
    """Runs one action of the DeepSeek connector; operators.py has one subclass per action, with the
    action's inputs as typed, templated keyword arguments."""

    action_key: ClassVar[str] = ""
    input_keys: ClassVar[tuple[str, ...]] = ()
    ui_color = "#4D6BFE"

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 inputs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deepseek_conn_id = deepseek_conn_id
        for key in self.input_keys:  # one attribute per input, so Airflow can template each
            setattr(self, key, (inputs or {}).get(key))

    def execute(self, context: Any) -> Any:
        inputs = {key: getattr(self, key) for key in self.input_keys if getattr(self, key) is not None}
        data = DeepSeekHook(self.deepseek_conn_id).run(self.action_key, inputs).data
        context["ti"].xcom_push(key="data", value=data)
        return data
