"""The Model dropdown's data source: GET /models (declared in connector.yaml) as picklist options,
labelled with what each model reads (the capabilities GET /models gives).

List Models itself needs no code: it is the request connector.yaml declares and its JSON answer.
"""

from __future__ import annotations

from typing import Any

from ..runtime.contract.action import Action, Answer, Call


class SelectModel(Action):
    """Picklist options for the Model input: one per model id, as the API lists them now, each
    labelled with what it reads when the API says (deepseek-flash: text, image)."""

    def result(self, answer: Answer, call: Call) -> Any:
        models = super().result(answer, call)["data"]
        listed = [m for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)] \
            if isinstance(models, list) else []
        return [{"label": label(model), "key": model["id"]} for model in listed]


def label(model: dict[str, Any]) -> str:
    reads = model.get("input_modalities")
    if isinstance(reads, list) and reads and all(isinstance(kind, str) for kind in reads):
        return f"{model['id']} (reads {', '.join(reads)})"
    return str(model["id"])
