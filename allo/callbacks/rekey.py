"""Re-encrypt the numbers of open callbacks under the current callback key (second step of a key rotation).

Closed callbacks hold no number (erased when they close), so only open ones are read; each batch is its own short
transaction, rows locked as the scheduler locks them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from allo.callbacks.crypto import PhoneCipher
from allo.db.callback_models import Callback

BATCH = 200


@dataclass(frozen=True)
class RekeyReport:
    reencrypted: int  # were under a previous key, now under the current one
    already_current: int
    left_on_previous: int  # still needing a previous key after the pass (a booking by a service not restarted)


async def reencrypt_open_callbacks(engine: AsyncEngine, cipher: PhoneCipher, batch: int = BATCH) -> RekeyReport:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    moved = current = 0
    last_id = 0
    while True:
        async with sessions() as session, session.begin():
            rows = (await session.execute(
                select(Callback.id, Callback.phone_cipher)
                .where(Callback.id > last_id, Callback.phone_cipher.is_not(None))
                .order_by(Callback.id).limit(batch).with_for_update())).all()
            for row_id, token in rows:
                last_id = row_id
                if token is None or cipher.current_reads(bytes(token)):
                    current += token is not None
                    continue
                await session.execute(update(Callback).where(Callback.id == row_id, Callback.phone_cipher.is_not(None))
                                      .values(phone_cipher=cipher.rotate(bytes(token))))
                moved += 1
        if len(rows) < batch:
            break
    async with sessions() as session:
        tokens = (await session.scalars(select(Callback.phone_cipher).where(Callback.phone_cipher.is_not(None)))).all()
    left = sum(1 for token in tokens if token is not None and not cipher.current_reads(bytes(token)))
    return RekeyReport(moved, current, left)
