"""`allo keys …` on a real secrets file (no database: the audit entry of a pseudonym rotation is best effort)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from allo.cli.main import main
from allo.privacy.keyring import RUNNING_KEYS
from allo.privacy.pseudonyms import key_id
from allo.setup.secrets import ensure_secrets, read_secrets


@pytest.fixture
def state(tmp_path, monkeypatch):
    # Nothing listens on port 1: the audit write fails at once instead of reaching a real database.
    monkeypatch.setenv("ALLO_DATABASE_URL", "postgresql+asyncpg://allo:x@127.0.0.1:1/allo")
    for name in ("ALLO_PSEUDONYM_KEY", "ALLO_PSEUDONYM_KEYS_PREVIOUS", "ALLO_CALLBACK_KEY",
                 "ALLO_CALLBACK_KEYS_PREVIOUS", "ALLO_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    ensure_secrets(tmp_path)
    return tmp_path


def _secrets(state):
    return read_secrets(state / "secrets.env")


def test_rotate_pseudonym_keeps_the_old_key_for_lookups_and_the_other_secrets(state, capsys):
    before = _secrets(state)
    assert main(["--state-dir", str(state), "keys", "rotate-pseudonym"]) == 0
    after = _secrets(state)
    assert after["ALLO_PSEUDONYM_KEY"] not in ("", before["ALLO_PSEUDONYM_KEY"])
    assert after["ALLO_PSEUDONYM_KEYS_PREVIOUS"] == before["ALLO_PSEUDONYM_KEY"]
    assert {k: v for k, v in after.items() if "PSEUDONYM" not in k} == {
        k: v for k, v in before.items() if "PSEUDONYM" not in k}
    assert stat.S_IMODE((state / "secrets.env").stat().st_mode) == 0o600
    out = capsys.readouterr()
    assert key_id(after["ALLO_PSEUDONYM_KEY"]) in out.out and "restart `allo serve`" in out.out
    assert before["ALLO_PSEUDONYM_KEY"] not in out.out + out.err  # fingerprints only, never a key
    assert "audit log could not be written" in out.err
    assert not list(state.glob(".secrets.env.tmp"))


def test_rotating_again_keeps_only_the_newest_previous_keys_then_they_can_be_dropped(state, capsys):
    first = _secrets(state)["ALLO_PSEUDONYM_KEY"]
    main(["--state-dir", str(state), "keys", "rotate-pseudonym"])
    second = _secrets(state)["ALLO_PSEUDONYM_KEY"]
    main(["--state-dir", str(state), "keys", "rotate-pseudonym", "--keep", "2"])
    third = _secrets(state)["ALLO_PSEUDONYM_KEY"]
    assert _secrets(state)["ALLO_PSEUDONYM_KEYS_PREVIOUS"] == f"{second},{first}"
    main(["--state-dir", str(state), "keys", "rotate-pseudonym"])
    fourth = _secrets(state)["ALLO_PSEUDONYM_KEY"]
    assert _secrets(state)["ALLO_PSEUDONYM_KEYS_PREVIOUS"] == third  # --keep 1 (default): the others dropped
    assert main(["--state-dir", str(state), "keys", "drop-previous-pseudonym"]) == 0
    assert "ALLO_PSEUDONYM_KEYS_PREVIOUS" not in _secrets(state)
    capsys.readouterr()
    assert main(["--state-dir", str(state), "keys", "show"]) == 0
    assert f"pseudonym key: current {key_id(fourth)}, previous none" in capsys.readouterr().out


def test_callback_rotation_first_step_keeps_the_old_key_to_decrypt_and_refuses_a_second_start(state, capsys):
    old = _secrets(state)["ALLO_CALLBACK_KEY"]
    assert main(["--state-dir", str(state), "keys", "rotate-callback"]) == 0
    after = _secrets(state)
    assert after["ALLO_CALLBACK_KEYS_PREVIOUS"] == old and after["ALLO_CALLBACK_KEY"] != old
    assert "--finish" in capsys.readouterr().out
    assert main(["--state-dir", str(state), "keys", "rotate-callback"]) == 1
    assert "rotation is under way" in capsys.readouterr().err
    assert _secrets(state) == after


def test_finish_refuses_while_the_running_service_holds_the_old_key(state, capsys):
    old = _secrets(state)["ALLO_CALLBACK_KEY"]
    main(["--state-dir", str(state), "keys", "rotate-callback"])
    # This test process stands for an `allo serve` started before the rotation.
    (state / RUNNING_KEYS).write_text(json.dumps({"pid": os.getpid(), "callback": [key_id(old)]}))
    capsys.readouterr()
    assert main(["--state-dir", str(state), "keys", "rotate-callback", "--finish"]) == 1
    assert f"still encrypts with callback key {key_id(old)}" in capsys.readouterr().err
    assert _secrets(state)["ALLO_CALLBACK_KEYS_PREVIOUS"] == old


def test_a_key_set_in_the_environment_is_not_rotated_in_the_file(state, monkeypatch, capsys):
    monkeypatch.setenv("ALLO_PSEUDONYM_KEY", "from-the-environment")
    before = _secrets(state)
    assert main(["--state-dir", str(state), "keys", "rotate-pseudonym"]) == 1
    assert "set in the environment" in capsys.readouterr().err
    assert _secrets(state) == before
