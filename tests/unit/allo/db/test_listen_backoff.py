"""The LISTEN helper's pure parts: the back-off series, and nothing listening before `run()`."""

from __future__ import annotations

from allo.db.listen import FIRST_RETRY_S, PgListener, next_backoff


def _series(cap: float, n: int) -> list[float]:
    delays, delay = [], FIRST_RETRY_S
    for _ in range(n):
        delays.append(delay)
        delay = next_backoff(delay, cap)
    return delays


def test_the_back_off_doubles_from_half_a_second_up_to_the_cap() -> None:
    assert _series(10.0, 7) == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_the_rules_cache_cap_of_2_s_is_reached_after_two_failures() -> None:
    assert _series(2.0, 5) == [0.5, 1.0, 2.0, 2.0, 2.0]


def test_a_new_listener_is_not_listening_and_keeps_its_owner_name() -> None:
    listener = PgListener("postgresql://allo:secret@127.0.0.1:1/allo", "allo_rules", lambda _payload: None,
                          name="rules", retry_max_s=2.0)
    assert listener.listening is False
    assert listener.name == "rules" and listener.retry_max_s == 2.0
