"""What allo asks of AMI, and so the only permissions its AMI user needs (docs/security.md has this as a table).

Asterisk lets an action through when the user's `write` classes share one class with the action's privilege
(or the action needs none). `privilege` below is Asterisk 22's, checked against the running Asterisk by
tests/integration/allo/doctor/test_doctor.py (`manager show command`); `relies_on` is the class allo's user is given
for it. tests/unit/allo/doctor/test_ami_perms.py checks that every action the code sends is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AmiAction:
    name: str
    privilege: frozenset[str]  # Asterisk's; empty: any logged-in user
    relies_on: str | None  # the write class allo grants for it; None when no class is needed
    used_for: str


def _action(name: str, privilege: str, relies_on: str | None, used_for: str) -> AmiAction:
    return AmiAction(name, frozenset(p for p in privilege.split(",") if p), relies_on, used_for)


ACTIONS: tuple[AmiAction, ...] = (
    _action("Login", "", None, "every session (acd/ami/supervisor.py)"),
    _action("Logoff", "", None, "closing a session"),
    _action("Ping", "", None, "keep-alive of the service's session"),
    _action("QueueStatus", "", None, "resync of queues and members after (re)connecting"),
    _action("Filter", "system", "system", "the session asks for the events allo reads only (acd.ami.events)"),
    _action("QueueAdd", "agent", "agent", "an agent logs in to a queue"),
    _action("QueueRemove", "agent", "agent", "an agent logs out"),
    _action("QueuePause", "agent", "agent", "pause and resume (agents, supervisors)"),
    _action("QueuePenalty", "agent", "agent", "an adviser's penalty changed by ops (the advisers' reconciler)"),
    _action("QueueReload", "", None, "queue parameters after an ops publish (allo/queues/conf_sync.py)"),
    _action("QueueChangePriorityCaller", "", None, "a callback close to its deadline rises ahead of new arrivals"),
    _action("Setvar", "call", "call", "call variables for transfers"),
    _action("Getvar", "call,reporting", "call", "the supervisor's phone state before a listen (DEVICE_STATE)"),
    _action("BlindTransfer", "call", "call", "level-1 to level-2 transfer without a disconnection"),
    _action("Hangup", "system,call", "call", "ending a callback's waiting leg, a waiting announcement cut short"),
    _action("Originate", "originate", "originate",
            "callbacks, supervisor listen/whisper/barge, waiting announcements (ChanSpy)"),
    _action("Reload", "system,config", "system", "Reload res_pjsip.so after an agent is created or changed"),
    _action("DBPut", "system", "system", "callback attempt state in AstDB"),
    _action("DBDel", "system", "system", "removing a finished callback attempt from AstDB"),
    _action("DBGet", "system,reporting", "system", "reading one callback attempt"),
    _action("DBGetTree", "system,reporting", "system", "reconciling callback attempts after a restart"),
    _action("CoreShowChannels", "system,reporting", "system", "reconciling callbacks with live channels"),
    _action("CoreStatus", "system,reporting", "system",
            "Asterisk's start-up time at each (re)connection of a cluster node: calls a restart cut (allo/cluster)"),
)

# Event classes allo reads (acd.ami.events.SUBSCRIBED_EVENTS), with the events that need each one.
READ: dict[str, str] = {
    "system": "FullyBooted (the session is ready), Shutdown",
    "call": "Hangup (end of a call, call records)",
    "agent": "QueueCallerJoin/Leave/Abandon, AgentCalled/Connect/Complete/RingNoAnswer, QueueMember*",
    "user": "UserEvent: AlloPreferredAnswer (repeat callers), AlloCallback (callback attempts)",
}


def write_classes() -> dict[str, str]:
    """Each write class allo's user needs, with the actions that need it."""
    needed: dict[str, list[str]] = {}
    for action in ACTIONS:
        if action.relies_on is not None:
            needed.setdefault(action.relies_on, []).append(action.name)
    return {name: ", ".join(actions) for name, actions in needed.items()}


# Classes that let an AMI user run shell commands or rewrite files, whatever else it is meant to do.
DANGEROUS = {"all": "every class", "command": "runs any Asterisk CLI command (shell with `!`)",
             "config": "reads and rewrites configuration files (GetConfig/UpdateConfig)"}
