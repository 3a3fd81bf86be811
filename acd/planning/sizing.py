"""The road to many (docs/scaling.md): from calls per year to peak rate, concurrent calls, advisers, SIP nodes,
Kamailio instances and database shards. Pure arithmetic over stated inputs; `allo cluster size` prints it.

- Peak rate: calls per year / open days x the busiest weekday's factor x the busiest hour's share of a day
  (allo's planning profile, acd/planning/profile.py).
- Shards: one ACD per shard (an active/standby pair of nodes, its own queues, Kamailio routing by the dialled
  number); a shard is sized to stay within `headroom` of one node's measured ceiling (calls/s and calls held at
  once), so the traffic is cut into equal shards until each fits.
- Advisers: Erlang C per shard (a shard's callers are only answered by its advisers) at the stated service level,
  then scheduled with the shrinkage.
- Concurrent calls: Little's law, L = lambda x (menu + mean wait + talk), the mean wait being Erlang C's ASA. A
  node carries channels: a call in talk has two (the caller's and the adviser's leg, both with media), so a node's
  load is lambda x (menu + wait + 2 x talk) channels, against the channels with audio the bench held at once.
- Kamailio: SIP requests per second (calls x requests per call, advisers' REGISTER refreshes, the nodes' qualify
  OPTIONS to every adviser of their shard) over the planned requests/s of one instance, plus one spare.
- Database: row writes per second (rows per call x peak rate) over the planned rows/s of one primary.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from acd.planning.erlang import agents_needed
from acd.planning.profile import peak_day_factor, peak_hour_share
from acd.planning.types import Targets

MAX_SHARDS = 10_000  # beyond, the inputs are wrong (a node holding almost nothing)


class SizingInputError(ValueError):
    """Inputs with which nothing can be sized; the message (French) says which."""


@dataclass(frozen=True)
class NodeCapacity:
    """What one node (Asterisk + allo) was measured to hold (docs/benchmarks.md), and the planned share of it."""

    calls_per_s: float  # new calls per second held with zero failures
    concurrent: int  # channels held at once with audio (one per call in the menu or waiting)
    headroom: float = 0.5  # plan a node at this share of its measured ceiling


@dataclass(frozen=True)
class SizingInputs:
    calls_per_year: float
    open_days: int  # days a year the lines are open (see open_days())
    open_weekdays: int = 5  # Monday to Friday
    open_from: int = 8  # opening hours (whole hours, Paris)
    open_to: int = 20
    menu_s: float = 60.0  # answer to queue: welcome, menu, orientation
    talk_s: float = 300.0  # adviser's talk
    wrapup_s: float = 60.0  # adviser's after-call work (busy, but no channel)
    target_percent: float = 80.0  # service level: share answered within target_seconds
    target_seconds: float = 60.0
    shrinkage: float = 0.3  # share of scheduled time off the phone
    node: NodeCapacity = NodeCapacity(calls_per_s=60.0, concurrent=400)
    sip_requests_per_call: float = 8.0  # through Kamailio: caller's and adviser's INVITE, ACK, BYE, plus INFO/re-INVITE
    register_s: float = 600.0  # advisers' registration refresh
    qualify_s: float = 30.0  # each node's OPTIONS to each adviser of its shard
    kamailio_requests_per_s: float = 2000.0  # planned for one Kamailio instance
    db_rows_per_call: float = 10.0  # rows written per call (inserts + updates)
    db_rows_per_s: float = 2000.0  # planned for one PostgreSQL primary with its synchronous standby


@dataclass(frozen=True)
class Sizing:
    calls_per_open_day: float
    peak_day_factor: float
    peak_hour_share: float
    peak_calls_per_hour: float
    peak_calls_per_s: float
    shards: int
    traffic_erlangs: float  # advisers' busy time at the peak hour (talk + wrap-up)
    mean_wait_s: float  # Erlang C's ASA at the staffing
    concurrent_calls: float  # Little's law at the peak hour
    channels: float  # the nodes' channels at the peak hour (two per call in talk)
    advisers_on_phone: int
    advisers_scheduled: int
    service_level: float  # achieved per shard
    sip_nodes_pairs: int  # active/standby pair per shard
    sip_nodes_n_plus_1: int  # one active node per shard plus one spare for all
    sip_requests_per_s: float
    kamailio_instances: int  # N+1
    db_rows_per_s: float
    db_shards: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_days(year: int, open_weekdays: int, holidays: Collection[date]) -> int:
    """Days of `year` on the first `open_weekdays` weekdays (Monday first) that are not public holidays."""
    day, days = date(year, 1, 1), 0
    while day.year == year:
        if day.weekday() < open_weekdays and day not in holidays:
            days += 1
        day += timedelta(days=1)
    return days


def _check(inputs: SizingInputs) -> None:
    positive = {"calls_per_year": inputs.calls_per_year, "open_days": inputs.open_days,
                "talk_s": inputs.talk_s, "node.calls_per_s": inputs.node.calls_per_s,
                "node.concurrent": inputs.node.concurrent, "sip_requests_per_call": inputs.sip_requests_per_call,
                "register_s": inputs.register_s, "qualify_s": inputs.qualify_s,
                "kamailio_requests_per_s": inputs.kamailio_requests_per_s, "db_rows_per_s": inputs.db_rows_per_s}
    for name, value in positive.items():
        if not math.isfinite(value) or value <= 0:
            raise SizingInputError(f"{name} doit être un nombre positif (reçu : {value!r})")
    for name, value in {"menu_s": inputs.menu_s, "wrapup_s": inputs.wrapup_s,
                        "db_rows_per_call": inputs.db_rows_per_call}.items():
        if not math.isfinite(value) or value < 0:
            raise SizingInputError(f"{name} ne peut pas être négatif (reçu : {value!r})")
    if not 0 < inputs.node.headroom <= 1:
        raise SizingInputError(f"la marge (headroom) doit être dans ]0, 1] (reçu : {inputs.node.headroom!r})")


def size(inputs: SizingInputs) -> Sizing:
    _check(inputs)
    try:
        day_factor = peak_day_factor(inputs.open_weekdays)
        hour_share = peak_hour_share(inputs.open_from, inputs.open_to)
    except ValueError as exc:
        raise SizingInputError(str(exc)) from exc
    per_day = inputs.calls_per_year / inputs.open_days
    per_hour = per_day * day_factor * hour_share
    per_s = per_hour / 3600.0
    node = inputs.node
    # Calls per second bound the shards at once; the calls held at once depend on the wait, which depends on the
    # shard's size (Erlang C): add shards until both fit one node's planned share.
    shards = max(1, math.ceil(per_s / (node.calls_per_s * node.headroom)))
    targets = Targets(target_seconds=inputs.target_seconds, target_percent=inputs.target_percent)
    aht = inputs.talk_s + inputs.wrapup_s
    while True:
        staffing = agents_needed(per_hour / shards, aht, targets, inputs.shrinkage)
        concurrent = per_s * (inputs.menu_s + staffing.asa_s + inputs.talk_s)
        channels = concurrent + per_s * inputs.talk_s
        if channels / shards <= node.concurrent * node.headroom:
            break
        shards += 1
        if shards > MAX_SHARDS:
            raise SizingInputError(f"plus de {MAX_SHARDS} partitions : la capacité d'un nœud est-elle juste ?")
    advisers = staffing.agents * shards
    requests = (per_s * inputs.sip_requests_per_call + advisers / inputs.register_s
                + advisers * 2 / inputs.qualify_s)  # both nodes of a pair qualify their shard's advisers
    rows = per_s * inputs.db_rows_per_call
    return Sizing(calls_per_open_day=per_day, peak_day_factor=day_factor, peak_hour_share=hour_share,
                  peak_calls_per_hour=per_hour, peak_calls_per_s=per_s, shards=shards,
                  traffic_erlangs=per_hour * aht / 3600.0, mean_wait_s=staffing.asa_s, concurrent_calls=concurrent,
                  channels=channels,
                  advisers_on_phone=advisers, advisers_scheduled=staffing.scheduled * shards,
                  service_level=staffing.service_level, sip_nodes_pairs=2 * shards, sip_nodes_n_plus_1=shards + 1,
                  sip_requests_per_s=requests,
                  kamailio_instances=math.ceil(requests / inputs.kamailio_requests_per_s) + 1,
                  db_rows_per_s=rows, db_shards=max(1, math.ceil(rows / inputs.db_rows_per_s)))
