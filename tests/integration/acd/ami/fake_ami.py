"""A fake Asterisk Manager Interface server, good enough to exercise the AMI client.

asyncio TCP server on 127.0.0.1, port 0. Speaks AMI framing (``Key: Value\\r\\n`` lines, blank line
ends a frame), echoes ActionID, answers Login (then FullyBooted), Ping, QueueStatus (as an event
list), QueueAdd/QueueRemove/QueuePause/Setvar/Originate/BlindTransfer, Logoff. Knobs let a test
refuse logins, delay or ignore actions, make current connections go silent (half-open), drop them,
and push events.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Protocol

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def frame(fields: dict[str, str] | list[tuple[str, str]]) -> bytes:
    items = fields.items() if isinstance(fields, dict) else fields
    return "".join(f"{key}: {value}\r\n" for key, value in items).encode() + b"\r\n"


def parse_frame(raw: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in raw.decode().split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = f"{fields[key]}\n{value}" if key in fields else value
    return fields


class ReplyFn(Protocol):
    def __call__(self, response: str, message: str = "", **extra: str) -> None: ...


@dataclass(eq=False)
class _Client:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    logged_in: bool = False
    silent: bool = False
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def send(self, data: bytes) -> None:
        if not self.silent and not self.writer.is_closing():
            self.writer.write(data)


def default_params() -> list[dict[str, str]]:
    return [
        {
            "Queue": "general",
            "Max": "0",
            "Strategy": "leastrecent",
            "Calls": "1",
            "Holdtime": "12",
            "TalkTime": "95",
            "Completed": "40",
            "Abandoned": "3",
            "ServiceLevel": "60",
            "ServicelevelPerf": "87.5",
            "ServicelevelPerf2": "80.0",
            "Weight": "0",
        }
    ]


def default_members() -> list[dict[str, str]]:
    return [
        {
            "Queue": "general",
            "Name": "Agent One",
            "Location": "PJSIP/agent1",
            "StateInterface": "PJSIP/agent1",
            "Membership": "dynamic",
            "Penalty": "0",
            "CallsTaken": "4",
            "LastCall": "0",
            "LastPause": "0",
            "LoginTime": "0",
            "InCall": "0",
            "Status": "1",
            "Paused": "0",
            "PausedReason": "",
            "Wrapuptime": "0",
        }
    ]


def default_entries() -> list[dict[str, str]]:
    return [
        {
            "Queue": "general",
            "Position": "1",
            "Channel": "PJSIP/trunk-00000001",
            "Uniqueid": "1700000000.1",
            "CallerIDNum": "0612345678",
            "CallerIDName": "Jean Dupont",
            "ConnectedLineNum": "0612345678",
            "ConnectedLineName": "Jean Dupont",
            "Wait": "42",
            "Priority": "0",
        }
    ]


class FakeAmi:
    def __init__(self, username: str = "allo", secret: str = "s3cret") -> None:
        self.username = username
        self.secret = secret
        self.refuse_login = False
        self.shutting_down = False  # answer Login like Asterisk between `core stop` and its exit
        self.send_fully_booted = True
        self.boot_delay = 0.0
        self.delays: dict[str, float] = {}  # lower-case action name -> seconds before replying
        self.ignored: set[str] = set()  # lower-case action names never answered
        self.failing: dict[str, str] = {}  # lower-case action name -> error message
        self.queue_params = default_params()
        self.queue_members = default_members()
        self.queue_entries = default_entries()
        self.received: list[dict[str, str]] = []
        self.login_attempts = 0
        self.connections_total = 0
        self._clients: set[_Client] = set()
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def open_connections(self) -> int:
        return len(self._clients)

    def actions(self, name: str) -> list[dict[str, str]]:
        return [fields for fields in self.received if fields.get("Action", "").lower() == name.lower()]

    async def start(self, port: int = 0) -> int:
        """Listen on 127.0.0.1:`port` (0: a free port chosen by the system); returns the port."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port)
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.drop_connections()

    async def drop_connections(self) -> None:
        """Abort every client connection (like an Asterisk crash) and wait for the handlers."""
        clients = list(self._clients)
        for client in clients:
            client.writer.transport.abort()
        for client in clients:
            await client.done.wait()

    def go_silent(self) -> None:
        """Current connections stay open but never answer again (half-open connection)."""
        for client in self._clients:
            client.silent = True

    def emit(self, fields: dict[str, str] | list[tuple[str, str]]) -> None:
        """Send an event frame to every logged-in client."""
        for client in self._clients:
            if client.logged_in:
                client.send(frame(fields))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = _Client(reader, writer)
        self._clients.add(client)
        self.connections_total += 1
        writer.write(BANNER)
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                    break
                fields = parse_frame(raw)
                self.received.append(fields)
                task = asyncio.create_task(self._respond(client, fields))
                client.tasks.add(task)
                task.add_done_callback(client.tasks.discard)
        finally:
            for task in list(client.tasks):
                task.cancel()
            await asyncio.gather(*client.tasks, return_exceptions=True)
            self._clients.discard(client)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            client.done.set()

    async def _respond(self, client: _Client, fields: dict[str, str]) -> None:
        name = fields.get("Action", "").lower()
        action_id = fields.get("ActionID", "")
        if name in self.ignored:
            return
        if self.delays.get(name):
            await asyncio.sleep(self.delays[name])

        def reply(response: str, message: str = "", **extra: str) -> None:
            items = [("Response", response), ("ActionID", action_id)]
            if message:
                items.append(("Message", message))
            items.extend(extra.items())
            client.send(frame(items))

        if name == "login":
            await self._login(client, fields, reply)
        elif not client.logged_in:
            reply("Error", "Permission denied")
        elif name in self.failing:
            reply("Error", self.failing[name])
        elif name == "ping":
            reply("Success", Ping="Pong", Timestamp="1700000000.000000")
        elif name == "queuestatus":
            self._queue_status(client, fields, action_id)
        elif name == "queueadd":
            reply("Success", "Added interface to queue")
            self.emit(
                {
                    "Event": "QueueMemberAdded",
                    "Queue": fields.get("Queue", ""),
                    "MemberName": fields.get("MemberName", ""),
                    "Interface": fields.get("Interface", ""),
                    "StateInterface": fields.get("StateInterface", fields.get("Interface", "")),
                    "Status": "1",
                    "Paused": "1" if fields.get("Paused") == "true" else "0",
                    "InCall": "0",
                    "CallsTaken": "0",
                }
            )
        elif name in {"queueremove", "queuepause", "setvar", "blindtransfer"}:
            reply("Success", f"{fields['Action']} done")
        elif name == "originate":
            reply("Success", "Originate successfully queued")
        elif name == "logoff":
            reply("Goodbye", "Thanks for all the fish.")
            client.writer.close()
        else:
            reply("Error", "Invalid/unknown command")

    async def _login(self, client: _Client, fields: dict[str, str], reply: ReplyFn) -> None:
        self.login_attempts += 1
        if self.shutting_down:
            reply("Error", "Asterisk is shutting down")
            client.writer.close()
            return
        accepted = (
            not self.refuse_login and fields.get("Username") == self.username and fields.get("Secret") == self.secret
        )
        if not accepted:
            reply("Error", "Authentication failed")
            client.writer.close()  # Asterisk hangs up after a failed login
            return
        client.logged_in = True
        reply("Success", "Authentication accepted")
        if self.send_fully_booted:
            if self.boot_delay:
                await asyncio.sleep(self.boot_delay)
            client.send(
                frame(
                    {
                        "Event": "FullyBooted",
                        "Privilege": "system,all",
                        "Uptime": "100",
                        "LastReload": "100",
                        "Status": "Fully Booted",
                    }
                )
            )

    def _queue_status(self, client: _Client, fields: dict[str, str], action_id: str) -> None:
        wanted = fields.get("Queue")
        client.send(
            frame(
                [
                    ("Response", "Success"),
                    ("ActionID", action_id),
                    ("EventList", "start"),
                    ("Message", "Queue status will follow"),
                ]
            )
        )
        count = 0
        for event, rows in (
            ("QueueParams", self.queue_params),
            ("QueueMember", self.queue_members),
            ("QueueEntry", self.queue_entries),
        ):
            for row in rows:
                if wanted and row.get("Queue") != wanted:
                    continue
                client.send(frame([("Event", event), *row.items(), ("ActionID", action_id)]))
                count += 1
        client.send(
            frame(
                [
                    ("Event", "QueueStatusComplete"),
                    ("ActionID", action_id),
                    ("EventList", "Complete"),
                    ("ListItems", str(count)),
                ]
            )
        )
