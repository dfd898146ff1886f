"""The retry loop: one tenacity loop per policy, shared by every call (runtime/http/retries.py).
Each call keeps its own attempts, deadline and callback, also when a call runs inside another
call's attempt or retry callback on the same thread, and across threads."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from deepseek_connector.runtime.errors import (
    DeadlineError,
    InvalidRequestError,
    NetworkError,
    ProxyAuthError,
    ServerError,
)
from deepseek_connector.runtime.http.retries import RetryPolicy, with_retries
from deepseek_connector.runtime.http.transport.deadline import Deadline

POLICY = RetryPolicy(max_retries=2, exponential=False, fixed_delay=0.0)


def no_sleep(seconds: float) -> None:
    return None


def failing(times: int, result: str, seen: list[int]):
    """An attempt that fails `times` times (retryable), then returns `result`; records numbers."""
    def attempt(number: int) -> str:
        seen.append(number)
        if number <= times:
            raise NetworkError("dropped", attempts=number)
        return result
    return attempt


def test_each_call_counts_its_own_attempts():
    first, second = [], []
    assert with_retries(failing(2, "a", first), POLICY, Deadline(60), sleep=no_sleep) == "a"
    assert with_retries(failing(0, "b", second), POLICY, Deadline(60), sleep=no_sleep) == "b"
    assert (first, second) == ([1, 2, 3], [1])
    with pytest.raises(NetworkError) as raised:
        with_retries(failing(5, "c", []), POLICY, Deadline(60), sleep=no_sleep)
    assert raised.value.attempts == 3


def test_each_call_is_stopped_by_its_own_deadline():
    slow = RetryPolicy(max_retries=5, exponential=False, fixed_delay=10.0)
    seen: list[int] = []
    with pytest.raises(NetworkError):
        with_retries(failing(9, "x", seen), slow, Deadline(5), sleep=no_sleep)
    assert seen == [1]  # a 10 s wait is past a 5 s deadline: no retry
    seen.clear()
    assert with_retries(failing(2, "y", seen), slow, Deadline(60), sleep=no_sleep) == "y"
    assert seen == [1, 2, 3]


def test_a_call_inside_another_calls_attempt_or_retry_callback_leaves_it_whole():
    """A platform's hook or log handler may run a step of its own while a call is under way."""
    inner: list[int] = []
    outer: list[int] = []
    retried: list[tuple[int, float]] = []

    def attempt(number: int) -> str:
        outer.append(number)
        assert with_retries(failing(1, "inner", inner), POLICY, Deadline(60), sleep=no_sleep) == "inner"
        if number < 3:
            raise ServerError("busy", status=503, attempts=number)
        return "outer"

    def on_retry(error, wait: float) -> None:
        retried.append((error.attempts, wait))
        assert with_retries(failing(2, "nested", []), POLICY, Deadline(60), sleep=no_sleep) == "nested"

    assert with_retries(attempt, POLICY, Deadline(60), sleep=no_sleep, on_retry=on_retry) == "outer"
    assert outer == [1, 2, 3] and inner == [1, 2] * 3
    assert retried == [(1, 0.0), (2, 0.0)]


def test_threads_sharing_a_policy_keep_their_own_attempts():
    results: dict[int, tuple[str, list[int]]] = {}
    start = threading.Barrier(8)

    def work(index: int) -> None:
        seen: list[int] = []
        start.wait()
        results[index] = (with_retries(failing(index % 3, str(index), seen), POLICY, Deadline(60),
                                       sleep=no_sleep), seen)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {index: (str(index), list(range(1, index % 3 + 2))) for index in range(8)}


def test_a_policy_is_a_value_that_cannot_change():
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY.max_retries = 5  # type: ignore[misc]
    same = RetryPolicy(max_retries=2, exponential=False, fixed_delay=0.0)
    assert (same, hash(same)) == (POLICY, hash(POLICY))


def test_a_proxy_refusing_its_password_or_a_spent_deadline_is_never_retried():
    """Not even with Retry On All Errors: the proxy would be sent the same password again."""
    everything = RetryPolicy(max_retries=3, retry_all_errors=True)
    assert not everything.retries(ProxyAuthError("refused", status=407))
    assert not everything.retries(DeadlineError("late"))
    assert everything.retries(InvalidRequestError("bad", status=400))


def test_an_error_is_copied_never_changed_once_raised():
    error = ServerError("busy", status=503, attempts=1)
    evolved = error.evolve(attempts=3, message="busy again")
    assert evolved is not error and type(evolved) is ServerError
    assert (error.attempts, error.message, error.args) == (1, "busy", ("busy",))
    assert (evolved.attempts, evolved.message, evolved.args) == (3, "busy again", ("busy again",))
    assert evolved.status == 503
