"""Pure parts of the desk section (bench/sections/desk.py): the calls answered by the bench's phones (from the AMI
`AgentConnect` events), each desk's receipts (a `pop`, or the first poll of `GET /api/desk/state` showing the
call), their pairing and the delay figures. No network here: tested in tests/unit/bench/test_bench_desk.py.

A receipt is paired with an answer by (desk's agent, call id). An answer with no receipt on its adviser's desk is
*lost*; a receipt on a desk whose agent did not answer that call is *wrong* (another adviser's call); a receipt for
a call no bench phone answered in the window is *unmatched* (reported, not judged: e.g. a call answered just
before the window). Only a desk's first receipt of a call is timed; later ones are counted as duplicates. Each is
timed twice: from the receipt's `event_wall` (allo's receipt of the AMI event: the issue's measure for a pop) and
from Asterisk's own `AgentConnect` timestamp (the same reference for push and polling: a polled
`GET /api/desk/state` of a desk with no stream open builds the call's context at the poll, with that time as its
`event_wall`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.sections._httpkit import percentile


@dataclass(frozen=True)
class Answer:
    """A call answered on an adviser's phone: Asterisk's `AgentConnect` (Uniqueid = the caller's channel = allo's
    call id; Linkedid kept in case allo keys the call by it)."""

    call_id: str
    agent: str
    asterisk_ts: float
    linkedid: str = ""


@dataclass(frozen=True)
class Receipt:
    """A desk showing a call: `agent` is the desk's adviser, `event_wall` allo's receipt of the AMI event,
    `received` the client's wall clock (same machine)."""

    agent: str
    call_id: str
    event_wall: float
    received: float


@dataclass
class Pairing:
    delays_s: list[float] = field(default_factory=list)  # allo's event_wall -> the desk's receipt
    from_asterisk_s: list[float] = field(default_factory=list)  # Asterisk's AgentConnect timestamp -> receipt
    allo_delays_s: list[float] = field(default_factory=list)  # Asterisk's event timestamp -> allo's event_wall
    lost: list[tuple[str, str]] = field(default_factory=list)
    wrong: list[tuple[str, str]] = field(default_factory=list)
    unmatched: int = 0
    duplicates: int = 0
    answers: int = 0


def answers_from(events: Iterable[Any], agents: set[str]) -> list[Answer]:
    """`AgentConnect` events (bench.amiwatch.Seen) of the members in `agents` (MemberName, else the endpoint of
    Interface `PJSIP/<agent>`)."""
    found = []
    for event in events:
        if event.name != "AgentConnect":
            continue
        fields = event.fields
        agent = fields.get("MemberName", "")
        if agent not in agents:
            agent = fields.get("Interface", "").removeprefix("PJSIP/")
        if agent in agents:
            found.append(Answer(event.uniqueid, agent, event.asterisk_ts, fields.get("Linkedid", "")))
    return found


def pair(answers: Sequence[Answer], receipts: Sequence[Receipt]) -> Pairing:
    result = Pairing(answers=len(answers))
    alias = {a.linkedid: a.call_id for a in answers if a.linkedid and a.linkedid != a.call_id}
    owner = {a.call_id: a for a in answers}
    first: dict[tuple[str, str], Receipt] = {}
    for receipt in sorted(receipts, key=lambda r: r.received):
        call_id = alias.get(receipt.call_id, receipt.call_id)
        key = (receipt.agent, call_id)
        if key in first:
            result.duplicates += 1
            continue
        first[key] = receipt
        answer = owner.get(call_id)
        if answer is None:
            result.unmatched += 1
        elif answer.agent != receipt.agent:
            result.wrong.append(key)
        else:
            result.delays_s.append(receipt.received - receipt.event_wall)
            if answer.asterisk_ts:
                result.from_asterisk_s.append(receipt.received - answer.asterisk_ts)
                result.allo_delays_s.append(receipt.event_wall - answer.asterisk_ts)
    result.lost = [(a.agent, a.call_id) for a in answers if (a.agent, a.call_id) not in first]
    return result


def latency_ms(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """count, p50, p95, p99, max (nearest rank) of durations in seconds, in milliseconds."""
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)
    return {"count": len(seconds), "p50_ms": ms(percentile(seconds, 50)), "p95_ms": ms(percentile(seconds, 95)),
            "p99_ms": ms(percentile(seconds, 99)), "max_ms": ms(max(seconds) if seconds else None)}


def per_desk(receipts: Sequence[Receipt], desks: Sequence[str]) -> dict[str, Any]:
    """Receipts per desk: min / median / max over `desks` (the phones), and how many desks got none."""
    counts = Counter(r.agent for r in receipts)
    values = sorted(counts.get(d, 0) for d in desks)
    if not values:
        return {"desks": 0, "min": None, "median": None, "max": None, "none": 0}
    return {"desks": len(values), "min": values[0], "median": values[len(values) // 2], "max": values[-1],
            "none": sum(1 for v in values if v == 0)}


def summary(answers: Sequence[Answer], receipts: Sequence[Receipt], phones: Sequence[str]) -> dict[str, Any]:
    """What the report shows for one mode (push or polling)."""
    paired = pair(answers, receipts)
    others = sum(1 for r in receipts if r.agent not in set(phones))
    return {"answered": paired.answers, "receipts": len(receipts), "timed": len(paired.delays_s),
            "delay": latency_ms(paired.delays_s), "from_agentconnect": latency_ms(paired.from_asterisk_s),
            "asterisk_to_allo": latency_ms(paired.allo_delays_s),
            "lost": len(paired.lost), "lost_sample": [list(k) for k in paired.lost[:5]],
            "wrong_desk": len(paired.wrong), "wrong_sample": [list(k) for k in paired.wrong[:5]],
            "on_desks_without_phone": others, "unmatched": paired.unmatched, "duplicates": paired.duplicates,
            "per_phone_desk": per_desk(receipts, phones)}


def state_delays(answers: Sequence[Answer], states: dict[str, list[tuple[float, bool, bool]]],
                 before_s: float = 0.5, within_s: float = 5.0) -> dict[str, Any]:
    """The `state` event that shows a phone's adviser in a call: for each answer, the first state received with
    `in_call` turning true (the previous state of that desk said not in a call) between `before_s` before and
    `within_s` after Asterisk's `AgentConnect` timestamp; delay = receipt - that timestamp (the state carries no
    `event_wall`; the adviser's device goes busy at the answer, so a state can come just before AgentConnect)."""
    delays: list[float] = []
    unpaired = 0
    for agent, rows in states.items():
        ordered = sorted(rows)
        rises = [row[0] for i, row in enumerate(ordered) if row[1] and (i == 0 or not ordered[i - 1][1])]
        for answer in (a for a in answers if a.agent == agent):
            near = [t for t in rises if answer.asterisk_ts - before_s <= t <= answer.asterisk_ts + within_s]
            if near:
                delays.append(near[0] - answer.asterisk_ts)
            else:
                unpaired += 1
    unpaired += sum(1 for a in answers if a.agent not in states)
    return {"delay_from_agentconnect": latency_ms(delays), "unpaired": unpaired}
