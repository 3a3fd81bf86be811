"""Re-encrypt the numbers of open callbacks, and the addresses of confirmations not yet delivered, under the current
callback key (second step of a key rotation).

Closed callbacks hold no number (erased when they close), delivered or abandoned confirmations no address, so only
open and pending ones are read; each batch is its own short
transaction, rows locked as the scheduler locks them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from allo.callbacks.crypto import PhoneCipher
from allo.db.after_call_models import Confirmation
from allo.db.callback_models import Callback

BATCH = 200


@dataclass(frozen=True)
class RekeyReport:
    reencrypted: int  # were under a previous key, now under the current one
    already_current: int
    left_on_previous: int  # still needing a previous key after the pass (a booking by a service not restarted)


async def reencrypt_open_callbacks(engine: AsyncEngine, cipher: PhoneCipher, batch: int = BATCH) -> RekeyReport:
    return await _reencrypt(engine, cipher, Callback, batch)


async def reencrypt_pending_confirmations(engine: AsyncEngine, cipher: PhoneCipher, batch: int = BATCH
                                          ) -> RekeyReport:
    """The addresses of confirmations not yet delivered (docs/after-call.md), under the same callback key."""
    return await _reencrypt(engine, cipher, Confirmation, batch)


def _columns(model: type[Callback] | type[Confirmation]) -> tuple[InstrumentedAttribute[int],
                                                                 InstrumentedAttribute[bytes | None]]:
    if model is Callback:
        return Callback.id, Callback.phone_cipher
    return Confirmation.id, Confirmation.address_enc


async def _reencrypt(engine: AsyncEngine, cipher: PhoneCipher, model: type[Callback] | type[Confirmation],
                     batch: int) -> RekeyReport:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    id_col, token_col = _columns(model)
    moved = current = 0
    last_id = 0
    while True:
        async with sessions() as session, session.begin():
            rows = (await session.execute(
                select(id_col, token_col)
                .where(id_col > last_id, token_col.is_not(None))
                .order_by(id_col).limit(batch).with_for_update())).all()
            for row_id, token in rows:
                last_id = row_id
                if token is None or cipher.current_reads(bytes(token)):
                    current += token is not None
                    continue
                await session.execute(update(model).where(id_col == row_id, token_col.is_not(None))
                                      .values({token_col: cipher.rotate(bytes(token))}))
                moved += 1
        if len(rows) < batch:
            break
    async with sessions() as session:
        tokens = (await session.scalars(select(token_col).where(token_col.is_not(None)))).all()
    left = sum(1 for token in tokens if token is not None and not cipher.current_reads(bytes(token)))
    return RekeyReport(moved, current, left)
