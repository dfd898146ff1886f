"""Answers the next step can use: JSON checked against a schema, tool arguments parsed and
checked, and the flat "simplified" output a form can map field by field."""

from __future__ import annotations

from typing import Any

from ..runtime import texts

# jsonschema takes about 50 ms to import: it loads only when a step uses a schema (a JSON Schema
# input, or tools whose parameters are checked).


def schema_problem(schema: Any) -> str | None:
    """Why `schema` is not a valid JSON Schema (draft 2020-12), or None."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return f"{error.message} (at {pointer(error.path)})"
    return None


def mismatch(value: Any, schema: dict[str, Any]) -> str | None:
    """Where and why `value` does not match `schema`, or None."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(value))
    return None if error is None else f"at {pointer(error.absolute_path)}: {error.message}"


def pointer(path: Any) -> str:
    return "/" + "/".join(str(part) for part in path) if path else "the top level"


def parse_json(text: Any) -> tuple[Any, str | None]:
    """(value, None) for JSON text, or (None, why it is not JSON)."""
    if not isinstance(text, str):
        return None, "there is no text to parse"
    try:
        return texts.loads(text), None  # NaN and Infinity are not JSON: the answer would not be either
    except (ValueError, RecursionError) as error:
        return None, f"it is not valid JSON ({error})"


def tool_call(call: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """One tool call with its arguments parsed, and checked against its tool's parameters."""
    function = call.get("function") or {}
    name = function.get("name")
    arguments, problem = parse_json(function.get("arguments"))
    schema = schemas.get(name) if isinstance(name, str) else None
    if problem is None and isinstance(schema, dict):
        problem = mismatch(arguments, schema)
    entry: dict[str, Any] = {"id": call.get("id"), "name": name,
                             "arguments": function.get("arguments") if arguments is None else arguments,
                             "arguments_valid": problem is None}
    if problem is not None:
        entry["arguments_error"] = problem
    return entry


def simplify(data: dict[str, Any], tools: list[Any] | None, expects_json: bool,
             prefix: str = "") -> dict[str, Any]:
    """The flat output: text, reasoning, finish_reason, tool calls, json, usage, model and id (and
    the conversation to send next, for chat)."""
    choice = (data.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    text = message.get("content") if "message" in choice else choice.get("text")
    schemas = {tool["function"]["name"]: tool["function"].get("parameters")
               for tool in tools or () if isinstance(tool, dict) and isinstance(tool.get("function"), dict)}
    # With an Answer Prefix, the JSON is the prefix and its continuation together.
    value, problem = parse_json(prefix + text if isinstance(text, str) else text) if expects_json \
        else (None, None)
    usage = data.get("usage") or {}
    details = usage.get("completion_tokens_details")
    simplified = {
        "text": text, "reasoning": message.get("reasoning_content"),
        "finish_reason": choice.get("finish_reason"),
        "tool_calls": [tool_call(call, schemas) for call in message.get("tool_calls") or ()],
        "json": value,
        "usage": {"prompt_tokens": usage.get("prompt_tokens"),
                  "completion_tokens": usage.get("completion_tokens"),
                  "total_tokens": usage.get("total_tokens"),
                  "cache_hit_tokens": usage.get("prompt_cache_hit_tokens"),
                  "cache_miss_tokens": usage.get("prompt_cache_miss_tokens"),
                  "reasoning_tokens": details.get("reasoning_tokens") if isinstance(details, dict) else None},
        "model": data.get("model"), "id": data.get("id"),
    }
    if problem is not None:
        simplified["json_error"] = problem
    if "repairs" in data:
        simplified["repairs"] = data["repairs"]
    if "conversation" in data:
        simplified["conversation"] = data["conversation"]
    return simplified


def add_usage(total: Any, more: Any) -> Any:
    """Usage of two answers added field by field (nested details too)."""
    if not isinstance(total, dict) or not isinstance(more, dict):
        return more if total is None else total
    added = dict(total)
    for key, value in more.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            added[key] = (total.get(key) or 0) + value
        elif isinstance(value, dict):
            added[key] = add_usage(total.get(key), value)
    return added
