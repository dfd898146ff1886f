"""The emulator keeps DeepSeek's 2026 rules (../shared/reference/deepseek-api-2026.md), spoken to
with plain requests: today's models, thinking by default, refusals, images, files and limits."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.conftest import FAKE_KEY

AUTH = {"Authorization": f"Bearer {FAKE_KEY}"}
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwAB"
                       "BAEAwS2OUAAAAABJRU5ErkJggg==")
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def chat(emulator, prefix="", **body):
    body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": "Hi"}], **body}
    return requests.post(f"{emulator.url}{prefix}/chat/completions", json=body, headers=AUTH, timeout=10)


def refused(response, status, text):
    assert response.status_code == status, response.text
    assert text in response.json()["error"]["message"]


def upload(emulator, content, filename, purpose="user_data", order=("purpose", "file"), **fields):
    parts = {"purpose": (None, purpose), "file": (filename, content)}
    ordered = [(name, parts[name]) for name in order] + [(k, (None, v)) for k, v in fields.items()]
    return requests.post(f"{emulator.url}/files", files=ordered, headers=AUTH, timeout=10)


def test_models_list_todays_ids_with_their_capabilities(emulator):
    data = requests.get(f"{emulator.url}/models", headers=AUTH, timeout=10).json()["data"]
    by_id = {model["id"]: model for model in data}
    assert list(by_id) == ["deepseek-flash", "deepseek-v4-pro"]
    assert by_id["deepseek-flash"]["input_modalities"] == ["text", "image"]
    assert by_id["deepseek-v4-pro"]["input_modalities"] == ["text"]
    assert by_id["deepseek-flash"]["context_window"] == 1048576
    assert by_id["deepseek-flash"]["max_output_tokens"] == 393216
    assert by_id["deepseek-v4-pro"]["effort"] == {"supported_levels": ["low", "high", "max"],
                                                  "default_level": "high"}


@pytest.mark.parametrize("model", ["deepseek-chat", "deepseek-reasoner"])
def test_retired_ids_are_refused(emulator, model):
    refused(chat(emulator, model=model), 400, "Model Not Exist")


def test_legacy_flash_id_is_still_answered(emulator):
    assert chat(emulator, model="deepseek-v4-flash").status_code == 200


def test_thinking_is_on_unless_turned_off(emulator):
    thought = chat(emulator).json()["choices"][0]["message"]
    assert thought["reasoning_content"]
    plain = chat(emulator, thinking={"type": "disabled"}).json()["choices"][0]["message"]
    assert "reasoning_content" not in plain


@pytest.mark.parametrize("effort", ["minimal", "low", "medium", "high", "xhigh", "max", "ultra"])
def test_every_mapped_effort_is_accepted(emulator, effort):
    assert chat(emulator, reasoning_effort=effort).status_code == 200


def test_an_unknown_effort_is_refused(emulator):
    refused(chat(emulator, reasoning_effort="extreme"), 400, "unknown variant `extreme`")


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_forced_tool_choice_is_refused_while_thinking(emulator, choice):
    refused(chat(emulator, tools=[WEATHER], tool_choice=choice), 400,
            "Thinking mode does not support this tool_choice")
    calm = chat(emulator, tools=[WEATHER], tool_choice=choice, thinking={"type": "disabled"})
    assert calm.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_tool_turns_need_their_reasoning_passed_back(emulator):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    turns = [{"role": "user", "content": "Weather?"},
             {"role": "assistant", "content": "", "tool_calls": [call]},
             {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
             {"role": "user", "content": "Thanks"}]
    refused(chat(emulator, messages=turns, tools=[WEATHER]), 400,
            "The reasoning_content in the thinking mode must be passed back to the API.")
    turns[1]["reasoning_content"] = "I should look it up."
    assert chat(emulator, messages=turns, tools=[WEATHER]).status_code == 200


def test_prefix_completion_only_under_beta(emulator):
    turns = [{"role": "user", "content": "Write a poem"},
             {"role": "assistant", "content": "Roses are", "prefix": True}]
    refused(chat(emulator, messages=turns), 400, "prefix is only available when using beta api")
    answer = chat(emulator, "/beta", messages=turns).json()["choices"][0]["message"]["content"]
    assert answer == " and so the emulator carries on from the given beginning."
    turns.reverse()
    refused(chat(emulator, "/beta", messages=turns), 400, "prefix is only allowed on the last message")


def test_json_mode_needs_the_word_json(emulator):
    refused(chat(emulator, response_format={"type": "json_object"}), 400,
            "Prompt must contain the word 'json' in some form")
    said = [{"role": "user", "content": "Answer in JSON"}]
    assert chat(emulator, messages=said, response_format={"type": "json_object"}).status_code == 200
    refused(chat(emulator, messages=said, response_format={"type": "json_schema"}), 400,
            "This response_format type is unavailable now")


def test_stop_sequences_cut_the_answer(emulator):
    whole = chat(emulator, thinking={"type": "disabled"}).json()["choices"][0]["message"]["content"]
    assert whole == "Hello from the DeepSeek emulator. You said: Hi"
    cut = chat(emulator, stop=["emulator"]).json()["choices"][0]
    assert cut["message"]["content"] == "Hello from the DeepSeek " and cut["finish_reason"] == "stop"


def test_roles_of_today(emulator):
    refused(chat(emulator, messages=[{"role": "developer", "content": "x"}]), 400,
            "unknown variant `developer`")
    reminder = [{"role": "latest_reminder", "content": "2026-11-09,Monday,Singapore,Web,English"},
                {"role": "user", "content": "Hi"}]
    assert chat(emulator, messages=reminder).status_code == 200


def image_message(url):
    return [{"role": "user", "content": [{"type": "text", "text": "Describe"},
                                         {"type": "image_url", "image_url": {"url": url}}]}]


def test_images_only_for_models_that_take_them(emulator):
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    answer = chat(emulator, messages=image_message(data_url)).json()["choices"][0]["message"]["content"]
    assert answer.endswith(f"You said: Describe (with a png image of {len(PNG)} bytes)")
    refused(chat(emulator, model="deepseek-v4-pro", messages=image_message(data_url)), 400,
            "unknown variant `image_url`, expected `text`")
    not_an_image = "data:image/png;base64," + base64.b64encode(b"GIF? no").decode()
    refused(chat(emulator, messages=image_message(not_an_image)), 400, "not JPEG, PNG, GIF or WebP")
    refused(chat(emulator, messages=image_message("https://example.com/" + "a" * 8200)), 400,
            "longer than 8192")


def test_a_body_over_48_mib_gets_deepseeks_413(emulator):
    big = "x" * (48 * 2**20 + 1)
    response = chat(emulator, messages=[{"role": "user", "content": big}])
    assert response.status_code == 413 and "413 Request Entity Too Large" in response.text


def test_fim_limits(emulator):
    def fim(**body):
        body = {"model": "deepseek-flash", "prompt": "def f():", **body}
        return requests.post(f"{emulator.url}/beta/completions", json=body, headers=AUTH, timeout=10)

    refused(fim(max_tokens=4097), 422, "Invalid max_tokens value")
    refused(fim(echo=True, suffix="x"), 400, "echo cannot be used together with suffix or logprobs")
    refused(fim(thinking={"type": "enabled"}), 400, "does not support thinking")
    assert fim(max_tokens=4096).status_code == 200


def test_files_upload_list_get_delete(emulator):
    image = upload(emulator, PNG, "dot.png")
    assert image.status_code == 200, image.text
    stored = image.json()
    assert stored["object"] == "file" and stored["bytes"] == len(PNG) and stored["purpose"] == "user_data"
    assert stored["id"].startswith("file-api-") and "expires_at" not in stored
    notes = upload(emulator, b"Quarterly revenue grew by twelve percent.", "notes.txt", "text_recognition",
                   **{"expires_after[anchor]": "created_at", "expires_after[seconds]": "3600"}).json()
    assert notes["expires_at"] == notes["created_at"] + 3600
    listed = requests.get(f"{emulator.url}/files", headers=AUTH, timeout=10).json()
    assert [item["id"] for item in listed["data"]] == [stored["id"], notes["id"]]
    page = requests.get(f"{emulator.url}/files", params={"limit": 1, "order": "desc"}, headers=AUTH,
                        timeout=10).json()
    assert page["data"] == [notes] and page["has_more"] is True and page["last_id"] == notes["id"]
    after = requests.get(f"{emulator.url}/files", params={"after": notes["id"], "order": "desc"},
                         headers=AUTH, timeout=10).json()
    assert after["data"] == [stored] and after["has_more"] is False
    assert requests.get(f"{emulator.url}/files/{stored['id']}", headers=AUTH, timeout=10).json() == stored
    asked = [{"role": "user", "content": [{"type": "text", "text": "Summarise"},
                                          {"type": "file", "file_id": notes["id"]}]}]
    answer = chat(emulator, messages=asked).json()["choices"][0]["message"]["content"]
    assert "the document notes.txt (it begins: Quarterly revenue grew by twelve percent.)" in answer
    gone = requests.delete(f"{emulator.url}/files/{stored['id']}", headers=AUTH, timeout=10).json()
    assert gone == {"id": stored["id"], "object": "file", "deleted": True}
    assert requests.get(f"{emulator.url}/files/{stored['id']}", headers=AUTH, timeout=10).status_code == 404


def test_files_are_the_keys_own(emulator):
    stored = upload(emulator, PNG, "dot.png").json()
    other = {"Authorization": "Bearer sk-test-someone-else"}
    assert requests.get(f"{emulator.url}/files/{stored['id']}", headers=other, timeout=10).status_code == 404


@pytest.mark.parametrize("content, filename, purpose, order, text", [
    (PNG, "dot.png", "mystery", ("purpose", "file"), "purpose must be one of"),
    (b"not an image", "dot.png", "user_data", ("purpose", "file"), "not a JPEG, PNG, GIF or WebP"),
    (b"%PDF-1.4", "a.pdf", "user_data", ("purpose", "file"), "not a JPEG, PNG, GIF or WebP"),
    (b"%PDF-1.4", "a.pdf", "text_recognition", ("file", "purpose"), "purpose must come before file"),
    (b"data", "a.exe", "text_recognition", ("purpose", "file"), "Unsupported file type"),
])
def test_uploads_refused_as_deepseek_refuses_them(emulator, content, filename, purpose, order, text):
    refused(upload(emulator, content, filename, purpose, order), 400, text)


def test_an_expiry_out_of_range_is_refused(emulator):
    refused(upload(emulator, PNG, "dot.png", **{"expires_after[anchor]": "created_at",
                                               "expires_after[seconds]": "60"}), 400, "expires_after needs")


def test_strict_tools_keep_their_schema_rule_under_beta_only(emulator):
    strict = {"type": "function", "function": {**WEATHER["function"], "strict": True}}
    refused(chat(emulator, "/beta", tools=[strict], thinking={"type": "disabled"}), 400,
            "every property must be required and additionalProperties must be false")
    assert chat(emulator, tools=[strict]).status_code == 200  # outside /beta the flag is ignored
    closed = {**strict["function"], "parameters": {**WEATHER["function"]["parameters"],
                                                   "additionalProperties": False}}
    assert chat(emulator, "/beta", tools=[{"type": "function", "function": closed}]).status_code == 200


def test_a_picture_is_told_from_its_bytes_not_its_name(emulator):
    assert upload(emulator, PNG, "scan").status_code == 200
    refused(upload(emulator, b"not a picture", "photo.png"), 400, "not a JPEG, PNG, GIF or WebP")
