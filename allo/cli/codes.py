"""`allo codes unblock`: a caller held by the wrong-code limit (docs/hostile-input.md) is asked a code again.

The number is read from standard input, never from the command line (shell history, process list), and only its
pseudonyms (current and previous keys) reach the database; the audit log names the operator and the count, never
the caller.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from allo.audit.record import audit
from allo.auth.roles import AuthMethod, Principal, Role
from allo.db.engine import make_engine
from allo.db.models import WrongAccessCode
from allo.errors import ConfigError
from allo.privacy.pseudonyms import PseudonymKeys
from allo.settings import Settings


def _read_number() -> str:
    if sys.stdin.isatty():
        print("Caller number to unblock: ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip()


def unblock_command(settings: Settings, read_number: Callable[[], str] = _read_number) -> int:
    keys = PseudonymKeys.of(settings.pseudonym_key.get_secret_value(),
                            settings.pseudonym_keys_previous.get_secret_value())
    number = read_number()
    current = keys.pseudonym(number)
    if current is None:
        raise ConfigError("no caller number read on standard input")
    hashes = [current, *keys.older_pseudonyms(number)]
    operator = Principal(0, f"cli:{getpass.getuser()}"[:63], Role.ADMIN, AuthMethod.CLI)

    async def work() -> int:
        engine = make_engine(settings, pool_size=1)
        try:
            async with AsyncSession(engine) as session, session.begin():
                conn = await session.connection()
                erased = (await conn.execute(
                    delete(WrongAccessCode).where(WrongAccessCode.caller_hash.in_(hashes)))).rowcount
                # No pseudonym in the audit log: it is kept for ever and names no caller.
                audit(session, operator, "access_code.caller_unblocked", "one caller", wrong_codes_erased=erased)
            return int(erased)
        finally:
            await engine.dispose()

    erased = asyncio.run(work())
    print(f"unblocked: {erased} wrong code(s) of this caller erased; the access code will be asked again")
    return 0
