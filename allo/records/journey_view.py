"""One call as the lookup shows it (pure): its journey in French steps, the keys (codes masked), the decision trace
with French labels, the queue legs. Built from plain values so it is tested without a database."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from allo.records.trace_labels import end_label, trace_label

CODE_SHOWN = "code (masqué)"
NUMBER_SHOWN = "numéro (masqué)"
NO_KEY = "aucune touche"
OUTCOMES = {"in_menu": "dans le menu", "queued": "en file", "answered": "répondu", "abandoned": "abandonné",
            "completed": "terminé", "closed": "fermé (message de fermeture)",
            "hung_up_in_menu": "raccroché dans le menu",
            "error": "erreur", "info": "information donnée", "external": "renvoyé vers un autre numéro",
            "callback": "rappel réservé"}
LEG_OUTCOMES = {"waiting": "en attente", "answered": "répondu", "abandoned": "abandonné",
                "timeout": "attente maximale atteinte", "callback": "rappel réservé", "overflow": "débordement",
                "left": "sorti de la file"}


def shown_key(value: str) -> str:
    """A menu read as it may be shown. The engine already records "<code>" and "<number>" instead of digits; any
    other read longer than one key is masked too, so typed digits can never reach a page whatever records them."""
    if value == "":
        return NO_KEY
    if value == "<number>":
        return NUMBER_SHOWN
    if value == "<code>" or len(value) > 1:
        return CODE_SHOWN
    return value


def shown_keys(keys: str | None) -> list[str]:
    return [shown_key(value) for value in keys.split(",")] if keys else []


class TraceLine(BaseModel):
    label: str  # French, for people
    raw: str  # as recorded (English), for those who read the code


class Leg(BaseModel):
    queue: str
    joined_at: datetime
    position: int | None
    priority: int
    left_at: datetime | None
    outcome: str
    outcome_label: str
    wait_seconds: int | None
    agent: str | None
    end_reason: str | None = None


class Step(BaseModel):
    at: datetime | None
    label: str


class RulesVersionRef(BaseModel):
    id: int  # the editor's version (GET /api/rules/versions/{id})
    published_at: datetime
    published_by: str
    comment: str


class CallView(BaseModel):
    call_id: str
    dialled: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    outcome_label: str
    route_queue: str | None
    sector: str | None
    agent: str | None
    level1_agent: str | None
    transferred_to: str | None
    keys: list[str]
    prompts: list[str]
    trace: list[TraceLine]
    queue_notes: list[TraceLine]
    rules_version: int | None  # rules_meta.version the call was routed on
    rules_editor_version: RulesVersionRef | None
    legs: list[Leg]
    journey: list[Step]
    node: str | None = None  # where the call lived (two nodes, docs/scaling.md); None on a single node
    end_reason: str | None = None
    end_label: str | None = None  # « coupé : perte du nœud b » (why it ended, when the outcome does not say it)


def split_menu_trace(menu_trace: str | None, trace: list[str]) -> tuple[list[str], list[str]]:
    """(prompts heard, queue notes) from `calls.menu_trace` = "played=a,b; <trace lines>; <queue notes>"."""
    if not menu_trace:
        return [], []
    parts = menu_trace.split("; ")
    prompts: list[str] = []
    if parts[0].startswith("played="):
        prompts = [p for p in parts[0].removeprefix("played=").split(",") if p]
        parts = parts[1:]
    return prompts, parts[len(trace):] if len(parts) > len(trace) else []


def journey_steps(call: CallView) -> list[Step]:
    """The call's life in order: arrival, menus, queues, answer, transfer, end."""
    node = f" (nœud {call.node})" if call.node else ""
    steps = [Step(at=call.started_at, label=f"Appel reçu sur le {call.dialled}{node}")]
    menus = [line.label for line in call.trace if line.raw.startswith("menu ")]
    if menus:
        steps.append(Step(at=None, label="Menu : " + " ; ".join(menus)))
    if call.keys:
        steps.append(Step(at=None, label="Touches : " + ", ".join(call.keys)))
    for leg in call.legs:
        where = f"position {leg.position}" if leg.position else "position inconnue"
        steps.append(Step(at=leg.joined_at, label=f"Entré dans la file {leg.queue} ({where})"))
        if leg.agent and leg.outcome == "answered":
            wait = f" après {leg.wait_seconds} s" if leg.wait_seconds is not None else ""
            steps.append(Step(at=leg.left_at, label=f"Répondu par {leg.agent} dans {leg.queue}{wait}"))
        elif leg.left_at is not None:
            cut = end_label(leg.end_reason, call.node)
            steps.append(Step(at=leg.left_at, label=f"Sorti de la file {leg.queue} : {cut or leg.outcome_label}"))
    if not call.legs and call.route_queue and call.outcome in ("queued", "answered", "completed", "abandoned"):
        steps.append(Step(at=None, label=f"Dirigé vers la file {call.route_queue}"))
    if call.transferred_to:
        steps.append(Step(at=None, label=f"Transféré au secteur {call.transferred_to}"
                          + (f" par {call.level1_agent}" if call.level1_agent else "")))
    issue = call.outcome_label if call.end_label is None else f"{call.end_label} ({call.outcome_label})"
    steps.append(Step(at=call.ended_at, label=f"Issue : {issue}"))
    return steps


def trace_lines(lines: list[str]) -> list[TraceLine]:
    return [TraceLine(label=trace_label(line), raw=line) for line in lines]
