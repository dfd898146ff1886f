"""Bad-input suite: generated form values for every input of every action.

Each case ends in an InputError that names inputs by label (and nothing is sent), or in a
request sent (the emulator counts) whose outcome is a result or a ConnectorError. Anything
else, an uncaught exception, fails.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepseek_connector import load_connector
from deepseek_connector.runtime.errors import ConnectorError, InputError
from tests.examples import required_inputs
from tests.reliability.figures import count

CONNECTOR = load_connector()


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12)
NUMERIC_TEXT = st.sampled_from(["0", "-0", "1", "0.7", "2", "2.0001", "-2", "1e309", "nan", "inf",
                                "-Infinity", "1,5", " 3 ", "0x10", "½", "", "   ", "20", "21",
                                "16", "100000", "1.0", "true", "no"])
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40), NUMERIC_TEXT,
    st.binary(max_size=20), st.sampled_from([b"\xff\xfe\xfd", "x" * 200_000, "é" * 5000]),
    st.sampled_from([nested(70), nested(1500), {"a": nested(100)}]),
    JSON_VALUES, st.lists(st.text(max_size=10), max_size=20),
    st.lists(st.fixed_dictionaries({"key": st.text(max_size=8), "value": JSON_LEAVES}), max_size=4),
    st.sampled_from(['{"role": "user", "content": "x"}', "[1, 2]", "{bad json", '"auto"',
                     '[{"type": "function", "function": {"name": "f"}}]', "none", "required",
                     "json_object", "enabled", "max", "GET", "binary", "arraybuffer"]),
)
# The call settings every action has: junk, out-of-range values, or small valid ones, so that a
# valid draw never asks for minutes of waiting.
SMALL_INTS = st.one_of(st.integers(-5, -1), st.integers(0, 1), st.integers(4_000_000, 10**9),
                       st.sampled_from(["1", "0", "-1", "abc", "", "2.5", None]))
BOUNDED = {"maxRetries": SMALL_INTS,
           "retryDelayMS": st.one_of(SMALL_INTS, st.integers(0, 20)),
           "timeout": st.one_of(st.integers(-5, 0), st.sampled_from(["x", "", "0", None, "3", 2, 5.5, 2000])),
           "maxResponseMB": st.one_of(st.floats(-1, 0.001),
                                      st.sampled_from([1, "64", 0, None, "big", 10**7]))}
ACTIONS = CONNECTOR.action_keys() + CONNECTOR.data_source_keys()
# More cases for actions with more inputs: every form gets a fair share of the budget.
RUNS = {action: min(300, 25 * len(CONNECTOR.inputs(action))) for action in ACTIONS}


PLAIN_TEXT = st.text(max_size=30)  # any Unicode, surrogates included
PAIRS = st.lists(st.fixed_dictionaries({
    "key": st.one_of(st.text(min_size=1, max_size=10),
                     st.from_regex(r"[A-Za-z][A-Za-z-]{0,8}", fullmatch=True)),
    "value": st.one_of(PLAIN_TEXT, st.binary(max_size=10), JSON_LEAVES)}), max_size=3)


def plausible(field):
    """Values of roughly the right kind, so that generated cases also reach the sending paths."""
    if field.type == "select":
        return st.sampled_from([c.value for c in field.choices] + [c.label for c in field.choices])
    if field.type in ("number", "integer"):
        low = field.minimum if field.minimum is not None else -1000
        high = field.maximum if field.maximum is not None else 1000
        numbers = st.integers(int(low), int(high)) if field.type == "integer" else \
            st.floats(low, high, allow_nan=False)
        return st.one_of(numbers, numbers.map(str))
    return {"boolean": st.one_of(st.booleans(), st.sampled_from(["yes", "no", "TRUE", "0"])),
            "valuelist": st.lists(PLAIN_TEXT, max_size=4),
            "keyvaluelist": PAIRS,
            "payload": st.one_of(PLAIN_TEXT, st.binary(max_size=20), JSON_VALUES),
            "json": JSON_VALUES}.get(field.type, PLAIN_TEXT)


def form_values(action: str, with_junk: bool):
    """Inputs for `action`: junk mixed in, or only plausible values (which mostly get sent)."""
    fields = {i.key: i for i in CONNECTOR.inputs(action) if i.type != "connection"}
    keys = list(fields)

    def value_for(key):
        bounded = BOUNDED.get(key)
        if bounded is not None:
            return bounded
        return st.one_of(JUNK, plausible(fields[key])) if with_junk else plausible(fields[key])

    chosen = st.lists(st.sampled_from(keys), unique=True, max_size=min(5, len(keys))) if keys \
        else st.just([])
    unknown = st.dictionaries(st.sampled_from(["colour", "Model", "apikey", "stream_options", "n"]), JUNK,
                              max_size=1) if with_junk else st.just({})
    return st.tuples(
        chosen.flatmap(lambda picked: st.fixed_dictionaries({k: value_for(k) for k in picked})),
        unknown,
        st.booleans() if with_junk else st.just(True),
    ).map(lambda parts: {**(required_inputs(CONNECTOR.spec(action)) if parts[2] else {}), **parts[0],
                         **parts[1]})


def check_case(action: str, values: dict, emulator) -> None:
    labels = {i.label for i in CONNECTOR.inputs(action)}
    keys = {i.key for i in CONNECTOR.inputs(action)}
    before = len(emulator.received())
    count("bad_inputs")
    try:
        CONNECTOR.run(action, values, {"apiKey": "sk-test-fuzz", "baseUrl": emulator.url})
    except InputError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.label in labels or problem.key not in keys, problem
            assert problem.message and "Traceback" not in problem.message
        assert len(emulator.received()) == before, f"sent despite invalid input: {error}"
        count("bad_inputs_rejected")
        return
    except ConnectorError as error:
        assert str(error)
    sent = len(emulator.received()) - before
    assert sent >= 1, "a valid request must reach the server"


@pytest.mark.parametrize("with_junk", [True, False], ids=["junk", "plausible"])
@pytest.mark.parametrize("action", ACTIONS)
def test_generated_inputs_end_in_a_named_error_or_a_valid_request(action, with_junk, emulator_server):
    @settings(max_examples=RUNS[action], deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(values=form_values(action, with_junk))
    def check(values):
        check_case(action, values, emulator_server)

    check()


@pytest.mark.parametrize("action, key", [
    ("createChatCompletion", "temperature"), ("createChatCompletion", "max_tokens"),
    ("createChatCompletion", "top_logprobs"), ("rawRequest", "timeout"), ("rawRequest", "maxRetries")])
@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf, 10**400, "1e400", True])
def test_non_finite_and_absurd_numbers_are_rejected(action, key, number, emulator):
    with pytest.raises(InputError):
        CONNECTOR.run(action, {**required_inputs(CONNECTOR.spec(action)), key: number},
                      {"apiKey": "sk-test-fuzz", "baseUrl": emulator.url})
    assert emulator.received() == []
    count("bad_inputs")
    count("bad_inputs_rejected")
