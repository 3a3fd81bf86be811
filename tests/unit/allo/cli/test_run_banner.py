"""`make run` says where to sign in and with which demo admin, from the state dir's demo-users.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from allo.auth.roles import Role
from allo.auth.users import remember_demo_users
from allo.cli.run import announce_demo_admin
from allo.settings import Settings


def test_the_demo_admin_is_printed_once_with_its_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    remember_demo_users(tmp_path, {"admin": (Role.ADMIN, "s3cret-pass-word"), "ops": (Role.OPS, "other-pass")})
    announce_demo_admin(Settings(state_dir=tmp_path, http_port=8123))
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/login" in out
    assert out.count("s3cret-pass-word") == 1 and "username admin" in out
    assert "other-pass" not in out and "demo-users.txt" in out


def test_without_demo_accounts_it_says_how_to_create_an_admin(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    announce_demo_admin(Settings(state_dir=tmp_path))
    assert "allo users create-admin" in capsys.readouterr().out
