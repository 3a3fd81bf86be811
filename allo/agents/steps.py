"""The reconciler's actions carried out on this node's Asterisk over AMI (the adapter of `reconciler.diff`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from acd.agents import interface_of
from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed
from allo.agents.reconciler import Action, Step

log = logging.getLogger(__name__)

# Asterisk's answers that mean the member is already as wanted (another path got there first).
_ALREADY = {Step.ADD: ("already there",), Step.REMOVE: ("not there", "unable to remove")}


async def carry_out(ami: AmiClient, action: Action) -> None:
    interface = interface_of(action.agent)
    try:
        if action.step is Step.ADD:
            await ami.queue_add(action.queue, interface, action.agent, paused=True, penalty=action.penalty,
                                state_interface=interface)
        elif action.step is Step.REMOVE:
            await ami.queue_remove(action.queue, interface)
        elif action.step is Step.PENALTY:
            await ami.queue_penalty(action.queue, interface, action.penalty)
        else:
            await ami.queue_pause(action.queue, interface, action.step is Step.PAUSE, action.reason)
    except AmiActionFailed as exc:
        message = exc.response.message.lower()
        if not any(word in message for word in _ALREADY.get(action.step, ())):
            raise


async def carry_out_all(ami: AmiClient, actions: Sequence[Action]) -> tuple[int, int]:
    """Each action in turn; one refused does not stop the others (the next round tries it again).
    (done, refused)."""
    done = refused = 0
    for action in actions:
        try:
            await carry_out(ami, action)
            done += 1
        except AmiActionFailed as exc:
            refused += 1
            log.warning("reconciler: Asterisk refused %s of %s in %s: %s", action.step.value, action.agent,
                        action.queue, exc.response.message or "no reason given")
    return done, refused
