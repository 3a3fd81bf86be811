"""A Channel that plays a script of key presses: for tests and the route simulator."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence

from ivr.errors import CallerHungUp


class ScriptedChannel:
    """Each `read_digits` takes the next scripted entry; "" (a timeout) once the script is over.

    An entry is what the caller types at one GET DATA: it stops at `#` (not returned), and is cut to
    `max_digits`. `play` never interrupts. `hang_up_at=n` hangs up on the n-th channel operation
    (play, read_digits or set_variable, counted from 1): it and every later one raise CallerHungUp.
    Prompts in `missing` are "not found": recorded in `failed_prompts`, and the call goes on.
    """

    def __init__(
        self, inputs: Sequence[str] = (), *, hang_up_at: int | None = None, missing: Collection[str] = frozenset()
    ) -> None:
        self._script = deque(inputs)
        self.hang_up_at = hang_up_at
        self.missing = frozenset(missing)
        self.operations = 0
        self.hung_up = False
        self.played: list[str] = []  # every prompt asked for, in order (read_digits prompts and missing ones too)
        self.reads: list[str] = []  # the prompts of read_digits
        self.waited_ms: list[int] = []  # the timeout of each read_digits the caller let run out (an entry "")
        self.failed_prompts: list[str] = []
        self.variables: dict[str, str] = {}

    @property
    def remaining(self) -> list[str]:
        """The scripted entries not read yet."""
        return list(self._script)

    def _operation(self) -> None:
        self.operations += 1
        if self.hung_up or (self.hang_up_at is not None and self.operations >= self.hang_up_at):
            self.hung_up = True
            raise CallerHungUp(f"scripted hang-up at operation {self.operations}")

    def _hear(self, prompt: str) -> None:
        self.played.append(prompt)
        if prompt in self.missing:
            self.failed_prompts.append(prompt)

    async def play(self, prompts: Sequence[str], *, interruptible: bool = False) -> str:
        self._operation()
        for prompt in prompts:
            self._hear(prompt)
        return ""

    async def read_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        self._operation()
        self._hear(prompt)
        self.reads.append(prompt)
        entry = self._script.popleft() if self._script else ""
        if not entry:
            self.waited_ms.append(timeout_ms)
        return entry.partition("#")[0][:max_digits]

    async def set_variable(self, name: str, value: str) -> None:
        self._operation()
        self.variables[name] = value
