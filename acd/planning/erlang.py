"""Erlang C (docs/planning.md): the agents a queue needs, and what a number of agents achieves.

Exact for large traffic: the blocking probability comes from the Erlang B recursion
B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)), every step of which stays within [0, 1], so it never overflows where
A^N / N! does in floating point (1,000 erlangs, 1,011 agents). Erlang C follows from Erlang B.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from acd.planning.types import Staffing, Targets

# Beyond this the search would take seconds and the figures mean nothing for a call centre.
MAX_TRAFFIC_ERLANGS = 50_000.0
# Shrinkage 0.3 and 21 agents: 21 / 0.7 is 30.000000000000004 in binary floating point, not 31 agents.
_SCHEDULE_EPSILON = 1e-9
# A computed service level equal to the target up to rounding meets it (0.8 stored as 0.8000000000000000444).
_TARGET_EPSILON = 1e-12


class PlanningInputError(ValueError):
    """Inputs for which no staffing can be computed; the message (French) says which and why."""


def _finite(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PlanningInputError(f"{what} doit être un nombre fini (reçu : {value!r})")
    return float(value)


def _check_agents(agents: int) -> int:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise PlanningInputError(f"le nombre d'agents doit être un entier positif ou nul (reçu : {agents!r})")
    return agents


def _check_traffic(traffic: float) -> float:
    value = _finite(traffic, "le trafic (erlangs)")
    if value < 0:
        raise PlanningInputError(f"le trafic ne peut pas être négatif (reçu : {traffic!r} erlangs)")
    if value > MAX_TRAFFIC_ERLANGS:
        raise PlanningInputError(f"trafic trop élevé : {value:g} erlangs (au plus {MAX_TRAFFIC_ERLANGS:g})")
    return value


def _erlang_b_steps(traffic: float) -> Iterator[float]:
    """B(0), B(1), B(2), … for this traffic."""
    blocking = 1.0
    n = 0
    while True:
        yield blocking
        n += 1
        blocking = traffic * blocking / (n + traffic * blocking)


def erlang_b(agents: int, traffic: float) -> float:
    """Probability that a call finds every one of `agents` servers busy (loss system), by the recursion."""
    agents = _check_agents(agents)
    traffic = _check_traffic(traffic)
    steps = _erlang_b_steps(traffic)
    for _ in range(agents):
        next(steps)
    return next(steps)


def _erlang_c_from_b(agents: int, traffic: float, blocking: float) -> float:
    if agents <= traffic:
        return 1.0  # unstable: the queue grows without end, every call waits
    return min(1.0, agents * blocking / (agents - traffic * (1.0 - blocking)))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a call waits (Erlang C) with `agents` agents and `traffic` erlangs; 1 when agents <= traffic."""
    return _erlang_c_from_b(agents, traffic, erlang_b(agents, traffic))


def _check_rate(calls_per_hour: float, aht_s: float) -> tuple[float, float]:
    calls = _finite(calls_per_hour, "le nombre d'appels par heure")
    aht = _finite(aht_s, "la durée moyenne de traitement")
    if calls <= 0:
        raise PlanningInputError(f"aucun trafic : le nombre d'appels par heure doit être positif (reçu : "
                                 f"{calls_per_hour!r})")
    if aht <= 0:
        raise PlanningInputError(f"la durée moyenne de traitement (communication + post-appel) doit être positive "
                                 f"(reçu : {aht_s!r} s)")
    return calls, aht


def _check_seconds(target_seconds: float) -> float:
    seconds = _finite(target_seconds, "le délai cible")
    if seconds < 0:
        raise PlanningInputError(f"le délai cible ne peut pas être négatif (reçu : {target_seconds!r} s)")
    return seconds


def _check_shrinkage(shrinkage: float) -> float:
    value = _finite(shrinkage, "le taux d'indisponibilité (shrinkage)")
    if not 0.0 <= value < 1.0:
        raise PlanningInputError(f"le taux d'indisponibilité (shrinkage) doit être compris entre 0 (inclus) et 1 "
                                 f"(exclu) (reçu : {shrinkage!r})")
    return value


def check_targets(targets: Targets) -> Targets:
    """The targets themselves, or PlanningInputError when no staffing can meet them."""
    _check_seconds(targets.target_seconds)
    percent = _finite(targets.target_percent, "le pourcentage cible")
    if not 0.0 < percent <= 100.0:
        raise PlanningInputError(f"le pourcentage d'appels répondus dans le délai doit être compris entre 0 (exclu) "
                                 f"et 100 % (reçu : {targets.target_percent!r} %)")
    if targets.max_asa_s is not None and _finite(targets.max_asa_s, "l'attente moyenne maximale") <= 0:
        raise PlanningInputError(f"l'attente moyenne maximale doit être positive (reçu : {targets.max_asa_s!r} s)")
    return targets


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `agents` are on the phone once breaks, training and meetings are taken out."""
    return math.ceil(agents / (1.0 - shrinkage) - _SCHEDULE_EPSILON)


def _staffing(agents: int, traffic: float, aht: float, *, target_seconds: float, shrinkage: float,
              blocking: float) -> Staffing:
    scheduled = scheduled_agents(agents, shrinkage)
    if agents <= traffic:
        return Staffing(agents, 0.0, 1.0, math.inf, 1.0, scheduled)
    p_wait = _erlang_c_from_b(agents, traffic, blocking)
    spare = agents - traffic
    service_level = 1.0 - p_wait * math.exp(-spare * target_seconds / aht)
    return Staffing(agents=agents, service_level=min(1.0, max(0.0, service_level)), p_wait=p_wait,
                    asa_s=p_wait * aht / spare, occupancy=traffic / agents, scheduled=scheduled)


def figures(calls_per_hour: float, aht_s: float, agents: int, target_seconds: float,
            shrinkage: float = 0.0) -> Staffing:
    """What `agents` agents on the phone achieve: service level within `target_seconds`, P(wait), ASA, occupancy.

    With agents <= traffic the queue is unstable: service level 0, P(wait) 1, ASA infinite, occupancy 1.
    """
    calls, aht = _check_rate(calls_per_hour, aht_s)
    agents = _check_agents(agents)
    seconds = _check_seconds(target_seconds)
    shrink = _check_shrinkage(shrinkage)
    traffic = _check_traffic(calls * aht / 3600.0)
    return _staffing(agents, traffic, aht, target_seconds=seconds, shrinkage=shrink,
                     blocking=erlang_b(agents, traffic))


def meets(staffing: Staffing, targets: Targets) -> bool:
    """Whether these figures meet the service level and, when there is one, the maximum ASA."""
    if staffing.service_level < targets.target_percent / 100.0 - _TARGET_EPSILON:
        return False
    return targets.max_asa_s is None or staffing.asa_s <= targets.max_asa_s + _TARGET_EPSILON


def agents_needed(calls_per_hour: float, aht_s: float, targets: Targets, shrinkage: float = 0.0) -> Staffing:
    """The fewest agents on the phone that meet `targets`, with their figures (always a stable queue)."""
    calls, aht = _check_rate(calls_per_hour, aht_s)
    check_targets(targets)
    shrink = _check_shrinkage(shrinkage)
    traffic = _check_traffic(calls * aht / 3600.0)
    # Fewer agents than the traffic never meet a target: start at the first stable count, and step B(n) along.
    first = math.floor(traffic) + 1
    steps = _erlang_b_steps(traffic)
    for _ in range(first):
        next(steps)
    for agents, blocking in enumerate(steps, start=first):
        staffing = _staffing(agents, traffic, aht, target_seconds=targets.target_seconds, shrinkage=shrink,
                             blocking=blocking)
        # Ends: C(n) falls towards 0 as n grows, until the service level is 1.0 and the ASA 0 in floating point.
        if meets(staffing, targets):
            return staffing
    raise AssertionError("unreachable")  # pragma: no cover - the steps never end
