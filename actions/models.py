"""The Model dropdown's data source: GET /models (declared in connector.yaml) as picklist options.

List Models itself needs no code: it is the request connector.yaml declares and its JSON answer.
"""

from __future__ import annotations

from typing import Any

from ..runtime.contract.action import Action, Answer, Call


class SelectModel(Action):
    """Picklist options for the Model input: one per model id, as the API lists them now."""

    def result(self, answer: Answer, call: Call) -> Any:
        models = super().result(answer, call)["data"]
        ids = [m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)] \
            if isinstance(models, list) else []
        return [{"label": model_id, "key": model_id} for model_id in ids]
