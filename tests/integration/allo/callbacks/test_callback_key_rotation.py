"""`allo keys rotate-callback` then `--finish` against the real PostgreSQL (a database of its own): open callbacks
are re-encrypted under the new key and still dialled, closed ones stay erased, the old key is dropped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from acd.callbacks.progress import AttemptEnd
from acd.callbacks.types import CallbackOrigin
from allo.callbacks.crypto import PhoneCipher
from allo.callbacks.store import CallbackStore
from allo.cli.main import main
from allo.confirmations import outbox
from allo.confirmations.compose import new_message_id
from allo.db.admin_models import AuditEntry
from allo.db.after_call_models import Confirmation
from allo.db.callback_models import Callback
from allo.errors import ConfigError
from allo.privacy.pseudonyms import key_id
from allo.setup.secrets import ensure_secrets, read_secrets
from tests.integration.allo.private_db import private_url_fixture

pytestmark = pytest.mark.integration


rekey_url = private_url_fixture("rekey_url", "allo_rekey")


async def _allo(state, *args: str) -> int:
    """`allo --state-dir STATE keys ARGS` (it runs its own event loop: off this one)."""
    return await asyncio.to_thread(main, ["--state-dir", str(state), "keys", *args])


async def _book(store: CallbackStore, phone: str):
    now = datetime.now(UTC)
    return await store.book(phone=phone, number_hash=f"h-{phone}", queue="l1", origin=CallbackOrigin.WEB,
                            sector=None, call_id=None, original_arrival=now, next_attempt_at=now,
                            due_by=now + timedelta(minutes=45))


async def _confirm(engine, cipher: PhoneCipher, address: str) -> int:
    """A confirmation still waiting for the SMTP server: its address is under the callback key too."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        row = await outbox.enqueue(session, cipher, call_id="rekey-1.1", agent="agent1001", address=address,
                                   content={"sheets": [], "bodies": []}, message_id=new_message_id("test"))
        return row.id


async def test_open_callbacks_survive_a_callback_key_rotation(rekey_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ALLO_DATABASE_URL", rekey_url)
    for name in ("ALLO_CALLBACK_KEY", "ALLO_CALLBACK_KEYS_PREVIOUS", "ALLO_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    secrets = ensure_secrets(tmp_path)
    old = read_secrets(secrets)["ALLO_CALLBACK_KEY"]
    engine = create_async_engine(rekey_url)
    try:
        before = CallbackStore(engine, PhoneCipher(old))
        closed = await _book(before, "0640000003")
        (claimed,) = await before.claim_due(datetime.now(UTC), lambda _q: None)
        await before.close_attempt(claimed.attempt_id, AttemptEnd.ANSWERED, "ANSWER", datetime.now(UTC),
                                   agent="a", retry=timedelta(minutes=5), max_attempts=3)
        open_ids = [(await _book(before, phone)).id for phone in ("0640000001", "0640000002")]
        pending_mail = await _confirm(engine, PhoneCipher(old), "camille.rekey@exemple.fr")
        assert await _allo(tmp_path, "rotate-callback") == 0
        new = read_secrets(secrets)["ALLO_CALLBACK_KEY"]
        # Between the two steps, a service restarted with both keys books with the new one and reads both.
        during = CallbackStore(engine, PhoneCipher(new, [old]))
        open_ids.append((await _book(during, "0640000004")).id)
        assert await _allo(tmp_path, "rotate-callback", "--finish") == 0
        out = capsys.readouterr().out
        assert "open callbacks: 2 re-encrypted, 1 already under the current key, 0 still needing" in out
        assert "pending confirmations: 1 re-encrypted, 0 already under the current key, 0 still needing" in out
        assert "ALLO_CALLBACK_KEYS_PREVIOUS" not in read_secrets(secrets)
        async with engine.connect() as conn:
            rows = {r.id: r for r in (await conn.execute(select(Callback))).all()}
            mail_token = await conn.scalar(select(Confirmation.address_enc).where(Confirmation.id == pending_mail))
            audit = (await conn.execute(select(AuditEntry).where(AuditEntry.action == "keys.rotate_callback"))
                     ).one()
        only_new, only_old = PhoneCipher(new), PhoneCipher(old)
        assert sorted(only_new.decrypt(bytes(rows[i].phone_cipher)) for i in open_ids) == [
            "0640000001", "0640000002", "0640000004"]
        for i in open_ids:
            with pytest.raises(ConfigError):
                only_old.decrypt(bytes(rows[i].phone_cipher))
        assert claimed.callback_id == closed.id and rows[closed.id].phone_cipher is None
        assert audit.detail == {"current": key_id(new), "dropped": [key_id(old)], "reencrypted": 2,
                                "confirmations_reencrypted": 1}
        assert only_new.decrypt(bytes(mail_token)) == "camille.rekey@exemple.fr"
        with pytest.raises(ConfigError):
            only_old.decrypt(bytes(mail_token))
        # The scheduler of a service restarted with the new key alone dials them.
        after = CallbackStore(engine, only_new)
        dialled = {c.phone for c in await after.claim_due(datetime.now(UTC), lambda _q: None)}
        assert dialled == {"0640000001", "0640000002", "0640000004"}
        assert await _allo(tmp_path, "rotate-callback", "--finish") == 0
        assert "nothing to finish" in capsys.readouterr().out
    finally:
        await engine.dispose()
