"""AgiServer construction checks; socket behaviour is covered by the integration tests."""

from __future__ import annotations

import functools

import pytest

from agi import AgiServer, AgiSession, SessionOutcome


async def handler(session: AgiSession) -> None:
    await session.verbose("hi")


def plain_handler(session: AgiSession) -> None:
    pass


def test_plain_function_handler_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match=r"'ivr' must be an async function"):
        AgiServer({"ivr": plain_handler})  # type: ignore[dict-item]


def test_lambda_returning_a_coroutine_is_refused() -> None:
    with pytest.raises(TypeError, match="async function"):
        AgiServer({"ivr": lambda session: handler(session)})  # noqa: PLW0108 - the point of the test


def test_partial_of_an_async_function_is_accepted() -> None:
    async def with_prompt(session: AgiSession, prompt: str) -> None:
        await session.stream_file(prompt)

    AgiServer({"ivr": functools.partial(with_prompt, prompt="welcome")})


@pytest.mark.parametrize("name", ["", 3])
def test_route_names_must_be_non_empty_strings(name: object) -> None:
    with pytest.raises(ValueError):
        AgiServer({name: handler})  # type: ignore[dict-item]


@pytest.mark.parametrize("kwargs", [{"header_timeout": 0}, {"command_timeout": -1.0}])
def test_timeouts_must_be_positive(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AgiServer({"ivr": handler}, **kwargs)  # type: ignore[arg-type]


def test_not_started_server() -> None:
    server = AgiServer({"ivr": handler})
    assert not server.accepting
    assert server.active_sessions == 0
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port


async def test_stop_before_start_is_a_no_op() -> None:
    await AgiServer({"ivr": handler}).stop()


def test_outcome_values_are_stable_metric_labels() -> None:
    assert [outcome.value for outcome in SessionOutcome] == [
        "completed",
        "hangup",
        "protocol_error",
        "timeout",
        "handler_error",
        "no_route",
        "cancelled",
    ]
