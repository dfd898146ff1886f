"""Valid example values for any input of any action, derived from connector.yaml.

Suites that cover every action (the wiring walk, the bad-input fuzzer, the fault suite) take
their inputs from here, so a new action is covered as soon as it is in the manifest. A new
required input needs an entry in REQUIRED_EXAMPLES; the suites say so when one is missing.
"""

from __future__ import annotations

import base64
from typing import Any

from deepseek_connector.runtime.forms.coercers import coerce_value
from deepseek_connector.runtime.manifest.inputs import InputSpec
from deepseek_connector.runtime.manifest.models import ActionSpec

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwAB"
                       "BAEAwS2OUAAAAABJRU5ErkJggg==")
REQUIRED_EXAMPLES: dict[str, Any] = {
    "model": "deepseek-flash",
    "messages": "Ping",
    "fileData": [{"key": "dot.png", "value": PNG}],
    "file_id": "file-api-example",
    "url": "/echo",
    "method": "POST",
    "prompt": "def add(a, b):",
}
# Inputs of which an action needs one, none of them required alone: the example gives this one.
ONE_OF: dict[str, dict[str, Any]] = {"createChatCompletion": {"messages": "Ping"}}
# Inputs that only make sense together with another one.
COMPANIONS: dict[str, dict[str, Any]] = {"top_logprobs": {"logprobs": True}}


def required_inputs(spec: ActionSpec) -> dict[str, Any]:
    values = {}
    for field in spec.inputs:
        if field.required and field.default is None and field.type != "connection":
            assert field.key in REQUIRED_EXAMPLES, \
                f"add an example for the required input {spec.key}.{field.key} to tests/examples.py"
            values[field.key] = REQUIRED_EXAMPLES[field.key]
    return {**values, **ONE_OF.get(spec.key, {})}


def example_value(field: InputSpec) -> Any:
    """A valid value for the input, as a form would send it."""
    if field.key in REQUIRED_EXAMPLES:
        return REQUIRED_EXAMPLES[field.key]
    if field.placeholder is not None:
        try:
            coerce_value(field, field.placeholder)
            return field.placeholder
        except ValueError:
            pass
    if field.choices:
        return field.choices[0].value
    if field.type in ("number", "integer"):
        low = field.minimum if field.minimum is not None else 1
        return int(low) if field.type == "integer" else low
    return {"boolean": True, "valuelist": ["example"], "keyvaluelist": [{"key": "k", "value": "v"}],
            "payload": {"a": 1}, "json": {"object": {}, "array": [], "objectOrArray": {}}.get(
                field.json_shape or "", {})}.get(field.type, "example")
