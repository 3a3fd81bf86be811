"""Header sets of the AMI actions we send (pure builders, with header-injection checks)."""

from __future__ import annotations

from collections.abc import Mapping

from acd.ami.connection import ActionFields
from acd.ami.errors import AmiError

#: The headers of one action, ``Action`` first; a list value is sent as a repeated header.
Payload = dict[str, str | list[str]]

_FORBIDDEN_IN_VALUES = ("\r", "\n")
_RESERVED_KEYS = frozenset({"action"})


def _check_value(key: str, value: str) -> None:
    if any(char in value for char in _FORBIDDEN_IN_VALUES):
        raise AmiError(f"AMI header {key!r} must not contain a line break")


def build_action(name: str, fields: ActionFields | None = None) -> Payload:
    """``{"Action": name, **fields}`` after refusing anything that could inject extra headers."""
    if not name or not name.isascii() or not name.isalnum():
        raise AmiError(f"invalid AMI action name {name!r}")
    payload: Payload = {"Action": name}
    for key, value in (fields or {}).items():
        if not key or ":" in key or any(char.isspace() for char in key):
            raise AmiError(f"invalid AMI header name {key!r}")
        if key.lower() in _RESERVED_KEYS:
            raise AmiError(f"header {key!r} is set from the action name")
        for item in [value] if isinstance(value, str) else value:
            _check_value(key, item)
        payload[key] = value
    return payload


def _flag(value: bool) -> str:
    return "true" if value else "false"


def login(username: str, secret: str) -> Payload:
    return build_action("Login", {"Username": username, "Secret": secret, "Events": "on"})


def event_filter(event_name: str) -> Payload:
    """Include ``event_name`` in this session's events (Asterisk >= 21 advanced filter: a hash match on the
    name, no regex over the payload). Once one include filter exists, every other event is dropped."""
    return build_action("Filter", {"Operation": "Add", "MatchCriteria": f"name({event_name})"})


def queue_status(queue: str | None) -> Payload:
    return build_action("QueueStatus", {"Queue": queue} if queue else None)


def queue_add(
    queue: str,
    interface: str,
    member_name: str,
    *,
    paused: bool = False,
    penalty: int = 0,
    state_interface: str | None = None,
) -> Payload:
    fields = {
        "Queue": queue,
        "Interface": interface,
        "MemberName": member_name,
        "Paused": _flag(paused),
        "Penalty": str(int(penalty)),
    }
    if state_interface:
        fields["StateInterface"] = state_interface
    return build_action("QueueAdd", fields)


def queue_remove(queue: str, interface: str) -> Payload:
    return build_action("QueueRemove", {"Queue": queue, "Interface": interface})


def queue_penalty(queue: str, interface: str, penalty: int) -> Payload:
    return build_action("QueuePenalty", {"Queue": queue, "Interface": interface, "Penalty": str(int(penalty))})


def queue_pause(queue: str | None, interface: str, paused: bool, reason: str = "") -> Payload:
    fields = {"Interface": interface, "Paused": _flag(paused)}
    if queue:
        fields["Queue"] = queue
    if reason:
        fields["Reason"] = reason
    return build_action("QueuePause", fields)


def originate(
    channel: str,
    context: str,
    exten: str,
    priority: int = 1,
    *,
    variables: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    run_async: bool = True,
    caller_id: str | None = None,
) -> Payload:
    """``Originate`` to a dialplan location; ``timeout`` (seconds) is how long it may ring."""
    fields: Payload = {
        "Channel": channel,
        "Context": context,
        "Exten": exten,
        "Priority": str(int(priority)),
        "Timeout": str(max(0, round(timeout * 1000))),
        "Async": _flag(run_async),
    }
    if caller_id:
        fields["CallerID"] = caller_id
    if variables:
        for name in variables:
            if not name or "=" in name or "," in name:
                raise AmiError(f"invalid channel variable name {name!r}")
        fields["Variable"] = [f"{name}={value}" for name, value in variables.items()]
    return build_action("Originate", fields)


def blind_transfer(channel: str, context: str, exten: str) -> Payload:
    return build_action("BlindTransfer", {"Channel": channel, "Context": context, "Exten": exten})


def setvar(channel: str, name: str, value: str) -> Payload:
    return build_action("Setvar", {"Channel": channel, "Variable": name, "Value": value})
