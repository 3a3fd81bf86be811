"""decide(rules, request, now) -> Decision: pure, no I/O, tested without a network.

The menu engine asks at each point where the route depends on the rules: on entry, when the caller
wants a human (level 1), picks a service (the specialist service before the access code) or a queue.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from routing.calendar import OpenState, status
from routing.route import ClosedInfo, Decision, Route, RouteKind
from routing.rules import RulesSnapshot, Service


class Target(enum.StrEnum):
    ENTRY = "entry"
    LEVEL1 = "level1"
    SERVICE = "service"
    QUEUE = "queue"


@dataclass(frozen=True)
class CallRequest:
    target: Target
    queue: str | None = None
    service: str | None = None
    why: str = ""  # e.g. "key 0", "3 failed inputs": goes into the trace


def _state(rules: RulesSnapshot, service: Service, now: datetime) -> OpenState:
    return status(rules.calendars[service.calendar], now)


def _closed_info(service: Service, state: OpenState) -> ClosedInfo:
    exception = state.exception
    return ClosedInfo(service.code, service.calendar, state.reason.value, state.holiday_name,
                      exception.message_prompt if exception else None,
                      exception.message_text if exception else None, state.next_open)


def _describe(service: Service, state: OpenState) -> str:
    verdict = "open" if state.is_open else "closed"
    extra = f" ({state.holiday_name})" if state.holiday_name else ""
    return (f"service {service.code} {verdict} at {state.local_now:%a %Y-%m-%d %H:%M} "
            f"by calendar {service.calendar}: {state.reason.value}{extra}")


def decide(rules: RulesSnapshot, request: CallRequest, now: datetime) -> Decision:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    level1 = rules.services[rules.level1_service]
    level1_state = _state(rules, level1, now)
    trace = [f"rules v{rules.version}: {request.target.value}" + (f" ({request.why})" if request.why else "")]

    def to_level1(extra: list[str], closed: ClosedInfo | None = None) -> Decision:
        trace.extend(extra)
        trace.append(_describe(level1, level1_state))
        if level1_state.is_open:
            trace.append(f"-> queue {level1.default_queue}")
            return Decision(Route.to_queue(level1.default_queue), tuple(trace), closed)
        trace.append("-> closed message, hang up")
        return Decision(Route(RouteKind.CLOSED), tuple(trace), closed or _closed_info(level1, level1_state))

    if request.target is Target.ENTRY:
        trace.append(_describe(level1, level1_state))
        if level1_state.is_open:
            return Decision(Route(RouteKind.MENU), (*trace, "-> menu"))
        return Decision(Route(RouteKind.CLOSED), (*trace, "-> closed message, hang up"),
                        _closed_info(level1, level1_state))
    if request.target is Target.LEVEL1:
        return to_level1([])

    if request.target is Target.SERVICE:
        service = rules.services.get(request.service or "")
        queue = None
    else:
        queue = request.queue or ""
        service = rules.service_of_queue(queue)
    if service is None:
        return to_level1([f"unknown {request.target.value} {request.service or request.queue!r}"])
    state = _state(rules, service, now)
    if not state.is_open:
        # Heard first: this service's hours; then level 1 if it is open (a caller is never dropped).
        return to_level1([_describe(service, state)], _closed_info(service, state))
    trace.append(_describe(service, state))
    if queue is None:
        return Decision(Route(RouteKind.MENU), (*trace, "-> menu"))
    return Decision(Route.to_queue(queue), (*trace, f"-> queue {queue}"))
