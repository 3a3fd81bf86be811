"""`allo keys …`: show and rotate the pseudonym and callback keys in `<state>/secrets.env` (docs/privacy.md).

Keys are never printed, only their fingerprints. Settings from the environment override secrets.env, so a key
set there is refused here: it must be rotated where it is set.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from allo.audit.record import audit
from allo.auth.roles import AuthMethod, Principal, Role
from allo.callbacks.crypto import PhoneCipher
from allo.callbacks.rekey import RekeyReport, reencrypt_open_callbacks, reencrypt_pending_confirmations
from allo.db.engine import make_engine
from allo.errors import ConfigError
from allo.privacy.keyring import key_ids, running_key_ids
from allo.privacy.pseudonyms import key_id, split_keys
from allo.settings import Settings
from allo.setup.secrets import new_secret, read_secrets, secrets_lock, write_secrets

PSEUDONYM, PSEUDONYM_PREVIOUS = "ALLO_PSEUDONYM_KEY", "ALLO_PSEUDONYM_KEYS_PREVIOUS"
CALLBACK, CALLBACK_PREVIOUS = "ALLO_CALLBACK_KEY", "ALLO_CALLBACK_KEYS_PREVIOUS"
RESTART = "restart `allo serve` (or `allo run`) so that it loads the new keys"


def _refuse_environment(*names: str) -> None:
    overridden = [name for name in names if os.environ.get(name)]
    if overridden:
        raise ConfigError(f"{', '.join(overridden)} set in the environment overrides secrets.env: rotate it there")


def _operator() -> Principal:
    return Principal(0, f"cli:{getpass.getuser()}"[:63], Role.ADMIN, AuthMethod.CLI)


async def _audit(settings: Settings, action: str, **detail: object) -> None:
    engine = make_engine(settings, pool_size=1)
    try:
        async with AsyncSession(engine) as session, session.begin():
            audit(session, _operator(), action, "keys", **detail)
    finally:
        await engine.dispose()


def _audit_best_effort(settings: Settings, action: str, **detail: object) -> None:
    """A pseudonym rotation must work with the database away; the audit entry is then missing, and said so."""
    try:
        asyncio.run(_audit(settings, action, **detail))
    except Exception as exc:
        print(f"allo: the audit log could not be written ({type(exc).__name__}): note this rotation by hand",
              file=sys.stderr)


def show_command(settings: Settings) -> int:
    ids = key_ids(settings)
    running = running_key_ids(settings.state_dir)
    for kind, listed in ids.items():
        previous = ", ".join(listed[1:]) or "none"
        print(f"{kind} key: current {listed[0] if listed else 'MISSING'}, previous {previous}")
        if running is not None and running.get(kind) != listed:
            print(f"  allo serve runs with {kind} keys {running.get(kind)}: {RESTART}")
    return 0


def rotate_pseudonym_command(settings: Settings, keep: int) -> int:
    """A new current key; the old one joins the previous keys, of which the newest `keep` are kept."""
    if keep < 0:
        raise ConfigError("--keep must be 0 or more")
    _refuse_environment(PSEUDONYM, PSEUDONYM_PREVIOUS)
    with secrets_lock(settings.state_dir) as path:
        values = read_secrets(path)
        old = values.get(PSEUDONYM, "")
        if not old:
            raise ConfigError(f"no {PSEUDONYM} in {path}: run `allo setup` first")
        previous = [old, *split_keys(values.get(PSEUDONYM_PREVIOUS, ""))]
        kept, dropped = previous[:keep], previous[keep:]
        values[PSEUDONYM], values[PSEUDONYM_PREVIOUS] = new_secret(), ",".join(kept)
        write_secrets(path, values)
    new_id = key_id(values[PSEUDONYM])
    print(f"pseudonym key rotated in {path}: current {new_id}; still accepted for lookups: "
          f"{', '.join(key_id(k) for k in kept) or 'none'}; dropped: {', '.join(key_id(k) for k in dropped) or 'none'}")
    print(f"{RESTART}. Drop the previous key after {settings.repeat_caller_days} days (ALLO_REPEAT_CALLER_DAYS) "
          "with `allo keys drop-previous-pseudonym`.")
    _audit_best_effort(settings, "keys.rotate_pseudonym", current=new_id, kept=[key_id(k) for k in kept],
                       dropped=[key_id(k) for k in dropped])
    return 0


def drop_previous_pseudonym_command(settings: Settings) -> int:
    _refuse_environment(PSEUDONYM_PREVIOUS)
    with secrets_lock(settings.state_dir) as path:
        values = read_secrets(path)
        dropped = split_keys(values.pop(PSEUDONYM_PREVIOUS, ""))
        write_secrets(path, values)
    print(f"previous pseudonym keys dropped: {', '.join(key_id(k) for k in dropped) or 'none'}; {RESTART}")
    if dropped:
        _audit_best_effort(settings, "keys.drop_previous_pseudonym", dropped=[key_id(k) for k in dropped])
    return 0


def rotate_callback_command(settings: Settings, finish: bool) -> int:
    _refuse_environment(CALLBACK, CALLBACK_PREVIOUS)
    return _finish_callback(settings) if finish else _start_callback(settings)


def _start_callback(settings: Settings) -> int:
    """Step 1: a new current key; the old one only decrypts, until step 2 has re-encrypted what it encrypted."""
    with secrets_lock(settings.state_dir) as path:
        values = read_secrets(path)
        old = values.get(CALLBACK, "")
        if not old:
            raise ConfigError(f"no {CALLBACK} in {path}: run `allo setup` first")
        if split_keys(values.get(CALLBACK_PREVIOUS, "")):
            raise ConfigError("a callback key rotation is under way: restart `allo serve` if not done, then run "
                              "`allo keys rotate-callback --finish`")
        values[CALLBACK], values[CALLBACK_PREVIOUS] = new_secret(), old
        write_secrets(path, values)
    print(f"callback key rotated in {path}: current {key_id(values[CALLBACK])}, previous {key_id(old)} "
          "(decrypts only).")
    print(f"Now {RESTART}, then run `allo keys rotate-callback --finish`: it re-encrypts the numbers of open "
          "callbacks under the new key and drops the old one.")
    return 0


def _finish_callback(settings: Settings) -> int:
    """Step 2: re-encrypt the open callbacks, then forget the previous keys (only if nothing still needs them)."""
    current = settings.callback_key.get_secret_value()
    previous = split_keys(settings.callback_keys_previous.get_secret_value())
    if not previous:
        print("no previous callback key: nothing to finish")
        return 0
    running = running_key_ids(settings.state_dir)
    if running is not None and (running.get("callback") or [""])[0] != key_id(current):
        raise ConfigError(f"allo serve still encrypts with callback key {(running.get('callback') or ['?'])[0]}, "
                          f"not {key_id(current)}: restart it first")
    cipher = PhoneCipher(current, previous)
    report, mails = asyncio.run(_reencrypt(settings, cipher))
    print(f"open callbacks: {report.reencrypted} re-encrypted, {report.already_current} already under the current "
          f"key, {report.left_on_previous} still needing a previous key")
    print(f"pending confirmations: {mails.reencrypted} re-encrypted, {mails.already_current} already under the "
          f"current key, {mails.left_on_previous} still needing a previous key")
    if report.left_on_previous or mails.left_on_previous:
        print("allo: the previous key is kept; run --finish again", file=sys.stderr)
        return 1
    with secrets_lock(settings.state_dir) as path:
        values = read_secrets(path)
        if values.get(CALLBACK) != current:
            raise ConfigError(f"{CALLBACK} changed in {path} meanwhile: run --finish again")
        values.pop(CALLBACK_PREVIOUS, None)
        write_secrets(path, values)
    print(f"previous callback keys dropped: {', '.join(key_id(k) for k in previous)}; {RESTART} "
          "(the running one still holds the old key in memory)")
    asyncio.run(_audit(settings, "keys.rotate_callback", current=key_id(current),
                       dropped=[key_id(k) for k in previous], reencrypted=report.reencrypted,
                       confirmations_reencrypted=mails.reencrypted))
    return 0


async def _reencrypt(settings: Settings, cipher: PhoneCipher) -> tuple[RekeyReport, RekeyReport]:
    engine = make_engine(settings, pool_size=1)
    try:
        return (await reencrypt_open_callbacks(engine, cipher), await reencrypt_pending_confirmations(engine, cipher))
    finally:
        await engine.dispose()

