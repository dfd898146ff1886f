"""The models the emulator serves, as DeepSeek lists them since 2026 (see the README's "The
emulator" for what is a guess): today's two ids, legacy ids still answered by Flash, and the
retired 2025 ids, refused as DeepSeek refuses an unknown model."""

from __future__ import annotations

from typing import Any

CONTEXT_WINDOW = 1_048_576
MAX_OUTPUT_TOKENS = 393_216
EFFORT = {"supported_levels": ["low", "high", "max"], "default_level": "high"}
# Every effort DeepSeek accepts, and the level it runs at.
EFFORT_LEVELS = {"minimal": "low", "low": "low", "medium": "high", "high": "high", "xhigh": "high",
                 "max": "max", "ultra": "max"}
CAPABILITIES = ["chat_completions", "fim_completions", "responses", "anthropic_messages", "json_output",
                "tool_calls", "prefix_completion"]

CATALOGUE: dict[str, dict[str, Any]] = {
    "deepseek-flash": {"name": "DeepSeek-V4.1-Flash", "input_modalities": ["text", "image"],
                       "api_capabilities": [*CAPABILITIES, "files", "document_parsing"]},
    "deepseek-v4-pro": {"name": "DeepSeek-V4-Pro", "input_modalities": ["text"],
                        "api_capabilities": CAPABILITIES},
}
# Older ids DeepSeek still answers, with the current Flash model (not listed by GET /models).
LEGACY = {"deepseek-v4-flash": "deepseek-flash", "deepseek-v4-flash-vision-exp": "deepseek-flash"}
RETIRED = ("deepseek-chat", "deepseek-reasoner")  # inaccessible since 2026-07-24
MODELS = (*CATALOGUE, *LEGACY)


def listing() -> dict[str, Any]:
    """GET /models: each current model with its limits, input types and effort levels."""
    data = [{"id": model_id, "object": "model", "owned_by": "deepseek", "name": entry["name"],
             "context_window": CONTEXT_WINDOW, "max_output_tokens": MAX_OUTPUT_TOKENS,
             "input_modalities": entry["input_modalities"], "output_modalities": ["text"],
             "effort": EFFORT, "api_capabilities": entry["api_capabilities"]}
            for model_id, entry in CATALOGUE.items()]
    return {"object": "list", "data": data}


def served_by(model: str) -> dict[str, Any] | None:
    """The catalogue entry that answers `model`, or None for an unknown or retired id."""
    return CATALOGUE.get(LEGACY.get(model, model))


def takes_images(model: str) -> bool:
    entry = served_by(model)
    return entry is not None and "image" in entry["input_modalities"]
