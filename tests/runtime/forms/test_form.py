"""Input coercion: every type, as platforms send it (text) and as earlier steps wire it (typed)."""

from __future__ import annotations

import pytest

from deepseek_connector import packaged_manifest
from deepseek_connector.runtime.errors import InputError
from deepseek_connector.runtime.forms.form import coerce_inputs, coerce_value
from deepseek_connector.runtime.manifest.inputs import Choice, InputSpec
from deepseek_connector.runtime.manifest.models import ActionSpec, ToolHints


def spec(type_: str, **extra) -> InputSpec:
    return InputSpec(key="field", label="The Field", type=type_, help="help", wire="body", **extra)


def field(key: str, label: str, type_: str, **extra) -> InputSpec:
    return InputSpec(key=key, label=label, type=type_, help="h", wire="body", **extra)


def form_of(*fields: InputSpec) -> ActionSpec:
    """An action with these inputs and the call settings every action has."""
    settings = [f for f in packaged_manifest().action("listModels").inputs if f.wire is not None]
    hints = ToolHints(read_only=True, destructive=False, idempotent=True, open_world=True)
    return ActionSpec(key="a", label="A", description="d", implementation="m:C", hints=hints,
                      inputs=(*fields, *settings))


TEMPERATURE = spec("number", minimum=0, maximum=2)
COUNT = spec("integer", minimum=1)
FORMAT = spec("select", choices=(Choice(value="text", label="Text"),
                                 Choice(value="binary", label="Binary", aliases=("arraybuffer",))))
EFFORT = spec("select", choices=(Choice(value="high", label="High"),
                                 Choice(value="xhigh", label="Extra high (treated as High)")))


@pytest.mark.parametrize("field, given, expected", [
    (spec("string"), "hello", "hello"),
    (spec("string"), "  padded model \n", "padded model"),
    (spec("text"), "  kept as typed \n", "  kept as typed \n"),
    (spec("string"), 42, "42"),
    (spec("string"), 2.5, "2.5"),
    (spec("string"), True, "true"),
    (spec("text"), "line one\nline two", "line one\nline two"),
    (spec("password"), "sk-test-x", "sk-test-x"),
    (TEMPERATURE, "0.7", 0.7),
    (TEMPERATURE, " 1.5 ", 1.5),
    (TEMPERATURE, 0, 0),
    (TEMPERATURE, "0", 0),
    (TEMPERATURE, "2", 2),
    (TEMPERATURE, 1.0, 1),
    (TEMPERATURE, ".5", 0.5),
    (spec("number"), "-1e-3", -0.001),
    (COUNT, "12", 12),
    (COUNT, 12, 12),
    (COUNT, 12.0, 12),
    (COUNT, "1e3", 1000),
    (spec("boolean"), "true", True),
    (spec("boolean"), "TRUE", True),
    (spec("boolean"), "yes", True),
    (spec("boolean"), "y", True),
    (spec("boolean"), "t", True),
    (spec("boolean"), "false", False),
    (spec("boolean"), "No", False),
    (spec("boolean"), "0", False),
    (spec("boolean"), False, False),
    (spec("boolean"), 1, True),
    (FORMAT, "text", "text"),
    (FORMAT, "Binary", "binary"),
    (FORMAT, "arraybuffer", "binary"),
    (EFFORT, "Extra high (treated as High)", "xhigh"),
    (EFFORT, " extra HIGH", "xhigh"),  # the label as a form shows it, without its note
    (spec("json"), '{"a": [1, 2]}', {"a": [1, 2]}),
    (spec("json"), {"a": 1}, {"a": 1}),
    (spec("json"), [1, "x"], [1, "x"]),
    (spec("json"), b'{"b": true}', {"b": True}),
    (spec("json", json_shape="array"), "[]", []),
    (spec("json", allow_plain_text=True), "just words", "just words"),
    (spec("valuelist"), "one", ["one"]),
    (spec("valuelist"), ["a", "b"], ["a", "b"]),
    (spec("valuelist"), ["a", 2, None], ["a", "2"]),
    (spec("valuelist"), '["x", "y"]', ["x", "y"]),
    (spec("keyvaluelist"), [{"key": "a", "value": "1"}], [{"key": "a", "value": "1"}]),
    (spec("keyvaluelist"), {"a": "1", "b": 2}, [{"key": "a", "value": "1"}, {"key": "b", "value": 2}]),
    (spec("keyvaluelist"), '[{"key": "k", "value": "v"}]', [{"key": "k", "value": "v"}]),
    (spec("keyvaluelist"), [{"key": 7}], [{"key": "7", "value": None}]),
])
def test_values_are_coerced_to_their_declared_type(field, given, expected):
    result = coerce_value(field, given)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("field, given, message", [
    (TEMPERATURE, "abc", "must be a number from 0 to 2; got 'abc'."),
    (TEMPERATURE, "2.5", "must be a number from 0 to 2; got '2.5'."),
    (TEMPERATURE, -0.1, "must be a number from 0 to 2; got -0.1."),
    (TEMPERATURE, "nan", "must be a number from 0 to 2"),
    (TEMPERATURE, float("inf"), "must be a number from 0 to 2"),
    (TEMPERATURE, True, "must be a number from 0 to 2"),
    (TEMPERATURE, "1,5", "must be a number"),
    (COUNT, "1.5", "must be a whole number of at least 1; got '1.5'."),
    (COUNT, "0", "must be a whole number of at least 1; got '0'."),
    (COUNT, [], "must be a whole number"),
    (spec("boolean"), "maybe", "must be true or false (yes/no also work); got 'maybe'."),
    (spec("boolean"), 2, "must be true or false"),
    (FORMAT, "xml", "must be one of: Text, Binary; got 'xml'."),
    (EFFORT, "extra", "must be one of: High, Extra high (xhigh); got 'extra'."),
    (spec("json"), "{bad", "must be JSON; the text is not valid JSON (Expecting property name"),
    (spec("json"), "NaN", "NaN is not allowed in JSON"),
    (spec("json"), {"x": float("nan")}, "must not contain NaN or Infinity"),
    (spec("json"), "[" * 100 + "]" * 100, "is nested too deeply"),
    (spec("json", json_shape="object"), "[1]", "must be a JSON object ({...}), not a list."),
    (spec("json", json_shape="array"), '{"a": 1}', "must be a JSON array ([...]), not an object."),
    (spec("json", json_shape="array", max_items=2), "[1, 2, 3]", "may hold at most 2 entries (got 3)."),
    (spec("json"), b"\xff\xfe", "not valid UTF-8"),
    (spec("string"), {"a": 1}, "must be text, not an object."),
    (spec("string", max_length=3), "abcd", "must be at most 3 characters long (got 4)."),
    (spec("string", pattern="[a-z]+"), "ABC", "has an invalid format"),
    (spec("valuelist", max_items=2), ["a", "b", "c"], "may hold at most 2 entries (got 3)."),
    (spec("valuelist"), [{"a": 1}], "entry 1 must be text, not an object."),
    (spec("keyvaluelist"), [{"value": "x"}], 'entry 1 must be an object with "key" and "value".'),
    (spec("keyvaluelist"), [{"key": "", "value": "x"}], "entry 1 needs a non-empty key."),
    (spec("keyvaluelist"), "not json", 'must be a list of {"key": ..., "value": ...} pairs'),
    (spec("keyvaluelist"), 5, 'must be a list of {"key": ..., "value": ...} pairs, not a number.'),
])
def test_invalid_values_say_what_is_allowed(field, given, message):
    with pytest.raises(ValueError) as caught:
        coerce_value(field, given)
    assert message in str(caught.value)


def test_secret_values_are_never_echoed_in_errors():
    field = spec("password", max_length=5)
    with pytest.raises(ValueError) as caught:
        coerce_value(field, "sk-test-very-secret")
    assert "sk-test" not in str(caught.value)


def test_form_keeps_given_values_apart_from_defaults():
    action = form_of(field("stream", "Stream", "boolean", default=False),
                     field("temperature", "Temperature", "number", minimum=0, maximum=2),
                     field("logprobs", "Log Probabilities", "boolean", default=False))
    form = coerce_inputs(action, {"temperature": "0", "stream": "", "logprobs": "false"})
    assert form.given == {"temperature": 0, "logprobs": False}
    assert form["stream"] is False
    assert form.is_given("logprobs") and not form.is_given("stream")


def test_all_problems_are_reported_at_once_by_label():
    action = form_of(field("model", "Model", "string", required=True),
                     field("temperature", "Temperature", "number", minimum=0, maximum=2))
    with pytest.raises(InputError) as caught:
        coerce_inputs(action, {"temperature": "hot", "colour": "red"})
    text = str(caught.value)
    assert text.startswith("3 inputs are invalid.")
    assert "Model: is required. Temperature: must be a number from 0 to 2; got 'hot'. colour: " in text
    assert ("colour: is not an input of this action (its inputs are: debugRequest, maxResponseMB, "
            "maxRetries, model,") in text
    assert [p.key for p in caught.value.problems] == ["model", "temperature", "colour"]


def test_a_required_input_given_a_bad_value_is_reported_once_for_what_is_wrong():
    action = form_of(field("count", "Count", "integer", required=True, minimum=1))
    with pytest.raises(InputError) as caught:
        coerce_inputs(action, {"count": "many"})
    assert [p.key for p in caught.value.problems] == ["count"]
    assert "is required" not in str(caught.value) and "whole number" in str(caught.value)


@pytest.mark.parametrize("blank", [None, "", []])
def test_blank_values_are_left_out(blank):
    assert coerce_inputs(form_of(field("stop", "Stop", "valuelist")), {"stop": blank}).given == {}


def test_whitespace_is_blank_for_numbers_and_names_but_kept_for_long_text():
    action = form_of(field("n", "N", "number"), field("s", "S", "string"), field("t", "T", "text"))
    assert coerce_inputs(action, {"n": "  ", "s": " ", "t": " "}).given == {"t": " "}


def test_connection_inputs_are_not_form_values():
    connection = InputSpec(key="connection", label="Connection", type="connection", help="h", required=True)
    assert coerce_inputs(form_of(connection), {}).given == {}
    with pytest.raises(InputError, match="Connection: is given as an input"):
        coerce_inputs(form_of(connection), {"connection": {"apiKey": "x"}})


@pytest.mark.parametrize("given, expected", [
    ("42", "42"), ("true", "true"), ('"quoted"', "quoted"), ("plain", "plain"),
    ('{"role": "user"}', {"role": "user"}), ("[1]", [1]), ({"a": 1}, {"a": 1}),
])
def test_text_allowed_json_keeps_text_that_is_not_of_the_declared_shape(given, expected):
    field = spec("json", json_shape="objectOrArray", allow_plain_text=True)
    assert coerce_value(field, given) == expected


def test_typed_values_of_the_wrong_shape_are_still_refused():
    field = spec("json", json_shape="objectOrArray", allow_plain_text=True)
    with pytest.raises(ValueError, match="must be a JSON object or array, not a number"):
        coerce_value(field, 42)


@pytest.mark.parametrize("given, expected", [
    ('{"kept":   "as typed"}', '{"kept":   "as typed"}'),
    ("plain", "plain"),
    (b"\x00\xff", b"\x00\xff"),
    (bytearray(b"ab"), b"ab"),
    ({"a": [1]}, {"a": [1]}),
    ([1, "x"], [1, "x"]),
])
def test_payload_values_are_kept_as_given(given, expected):
    assert coerce_value(spec("payload"), given) == expected


@pytest.mark.parametrize("given, message", [
    ({"a": float("nan")}, "NaN or Infinity"),
    ("\ud800", "not valid Unicode"),
    ("deep", "nested too deeply"),
])
def test_payload_structures_must_be_sendable(given, message):
    if given == "deep":
        given = []
        for _ in range(70):
            given = [given]
    with pytest.raises(ValueError, match=message):
        coerce_value(spec("payload"), given)
