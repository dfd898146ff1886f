"""List Models and the Model dropdown's data source (both GET /models)."""

from __future__ import annotations

from ..runtime.action import Action, ActionContext, ActionResult
from ..runtime.executor import HttpRequest
from ..runtime.inputs import FormValues
from ..runtime.responses import expect_object, parse_json_body


def fetch_models(context: ActionContext) -> tuple[dict, ActionResult]:
    response = context.send(HttpRequest("GET", context.url("models")))
    body = expect_object(parse_json_body(response), "List Models", required=("data",))
    return body, ActionResult(body, response.status_code, dict(response.headers))


class ListModels(Action):
    def perform(self, context: ActionContext, inputs: FormValues) -> ActionResult:
        return fetch_models(context)[1]


class SelectModel(Action):
    """Picklist options for the Model input: one per model id, as the API lists them now."""

    def perform(self, context: ActionContext, inputs: FormValues) -> ActionResult:
        body, result = fetch_models(context)
        models = body["data"] if isinstance(body["data"], list) else []
        ids = [m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]
        result.data = [{"label": model_id, "key": model_id} for model_id in ids]
        return result
