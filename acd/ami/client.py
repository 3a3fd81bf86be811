"""Public AMI client: the supervised connection of :mod:`acd.ami.supervisor` plus actions.

Every action has a timeout and is sent with an explicit ``as_list`` (panoramisk guesses otherwise,
and e.g. never resolves ``QueueAdd``). Actions are refused with :class:`AmiNotConnected` unless the
client is READY: nothing is queued for replay after a reconnection.
"""

from __future__ import annotations

from collections.abc import Mapping

from acd.ami import commands
from acd.ami.connection import ActionFields
from acd.ami.errors import AmiActionFailed
from acd.ami.event_types import AmiEvent, AmiResponse
from acd.ami.supervisor import AmiState, AmiSupervisor

__all__ = ["AmiClient", "AmiState"]


class AmiClient(AmiSupervisor):
    """Supervised AMI connection with typed actions.

    ``AmiClient(host, port, username, secret, *, action_timeout=5.0, connect_timeout=5.0,
    ping_interval=10.0, ping_timeout=5.0, backoff_initial=0.5, backoff_max=30.0,
    boot_timeout=30.0)``; ``await start()`` … ``await stop()``.
    """

    async def action(
        self,
        name: str,
        fields: ActionFields | None = None,
        *,
        timeout: float | None = None,
    ) -> AmiResponse:
        """Send a single-response action; raise AmiNotConnected / AmiTimeout / AmiActionFailed."""
        payload = commands.build_action(name, fields)
        return await self._send(payload, timeout)

    async def list_action(
        self,
        name: str,
        fields: ActionFields | None = None,
        complete_event: str | None = None,
        *,
        timeout: float | None = None,
    ) -> list[AmiEvent]:
        """Send a list action (``as_list=True``); return the events up to ``complete_event``.

        ``complete_event`` defaults to ``<name>Complete`` (``QueueStatus`` → ``QueueStatusComplete``).
        """
        payload = commands.build_action(name, fields)
        conn = self._ready_connection()
        response, events = await conn.send_list(
            payload, complete_event or f"{name}Complete", within=self._within(timeout)
        )
        if not response.success:
            raise AmiActionFailed(name, response)
        return events

    async def _send(self, payload: commands.Payload, within: float | None) -> AmiResponse:
        conn = self._ready_connection()
        response = await conn.send(payload, within=self._within(within))
        if not response.success:
            raise AmiActionFailed(str(payload["Action"]), response)
        return response

    def _within(self, seconds: float | None) -> float:
        return self.action_timeout if seconds is None else seconds

    # -- helpers ----------------------------------------------------------------------------

    async def queue_status(self, queue: str | None = None) -> list[AmiEvent]:
        """QueueParams / QueueMember / QueueEntry items of one queue, or of all queues."""
        conn = self._ready_connection()
        response, events = await conn.send_list(
            commands.queue_status(queue), "QueueStatusComplete", within=self.action_timeout
        )
        if not response.success:
            raise AmiActionFailed("QueueStatus", response)
        return events

    async def queue_add(
        self,
        queue: str,
        interface: str,
        member_name: str,
        *,
        paused: bool = False,
        penalty: int = 0,
        state_interface: str | None = None,
    ) -> AmiResponse:
        payload = commands.queue_add(
            queue, interface, member_name, paused=paused, penalty=penalty, state_interface=state_interface
        )
        return await self._send(payload, None)

    async def queue_remove(self, queue: str, interface: str) -> AmiResponse:
        return await self._send(commands.queue_remove(queue, interface), None)

    async def queue_penalty(self, queue: str, interface: str, penalty: int) -> AmiResponse:
        return await self._send(commands.queue_penalty(queue, interface, penalty), None)

    async def queue_pause(self, queue: str | None, interface: str, paused: bool, reason: str = "") -> AmiResponse:
        """Pause or unpause ``interface`` in ``queue`` (in all its queues when ``queue`` is None)."""
        return await self._send(commands.queue_pause(queue, interface, paused, reason), None)

    async def originate(
        self,
        channel: str,
        context: str,
        exten: str,
        priority: int = 1,
        *,
        variables: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        run_async: bool = True,
        caller_id: str | None = None,
    ) -> AmiResponse:
        """Originate ``channel`` into ``context,exten,priority``.

        With ``run_async`` (AMI ``Async: true``) the response only says the call was queued; the
        outcome comes later as an ``OriginateResponse`` event. Otherwise the response waits for
        the answer, so the action may take up to ``timeout`` seconds more than usual.
        """
        payload = commands.originate(
            channel,
            context,
            exten,
            priority,
            variables=variables,
            timeout=timeout,
            run_async=run_async,
            caller_id=caller_id,
        )
        within = self.action_timeout if run_async else self.action_timeout + timeout
        return await self._send(payload, within)

    async def blind_transfer(self, channel: str, context: str, exten: str) -> AmiResponse:
        return await self._send(commands.blind_transfer(channel, context, exten), None)

    async def setvar(self, channel: str, name: str, value: str) -> AmiResponse:
        return await self._send(commands.setvar(channel, name, value), None)
