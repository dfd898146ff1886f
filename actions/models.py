"""List Models and the Model dropdown's data source (both GET /models)."""

from __future__ import annotations

from typing import Any

from ..runtime.action import Action, Call
from ..runtime.http import HttpRequest, HttpResponse
from ..runtime.responses import expect_object, parse_json_body


class ListModels(Action):
    def build_request(self, call: Call) -> HttpRequest:
        return HttpRequest("GET", call.url("models"))

    def parse_response(self, response: HttpResponse, call: Call) -> Any:
        return expect_object(parse_json_body(response, call.spec.label), call.spec.label, required=("data",))


class SelectModel(ListModels):
    """Picklist options for the Model input: one per model id, as the API lists them now."""

    def finish(self, data: Any, call: Call) -> Any:
        models = data["data"] if isinstance(data["data"], list) else []
        ids = [m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]
        return [{"label": model_id, "key": model_id} for model_id in ids]
