from pathlib import Path

import pytest

from allo.settings import Settings, libpq_dsn
from allo.setup.secrets import ensure_secrets


def test_secrets_are_generated_once_and_loaded(tmp_path: Path, monkeypatch):
    for var in ("ALLO_AMI_SECRET", "ALLO_PG_PASSWORD", "ALLO_PSEUDONYM_KEY"):
        monkeypatch.delenv(var, raising=False)
    path = ensure_secrets(tmp_path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    first = path.read_text()
    ensure_secrets(tmp_path)
    assert path.read_text() == first
    settings = Settings.load(tmp_path)
    assert len(settings.ami_secret.get_secret_value()) >= 32
    assert settings.ami_secret.get_secret_value() in first
    assert "ami_secret" not in repr(settings.ami_secret)


def test_environment_overrides_the_file_and_database_url(tmp_path: Path, monkeypatch):
    ensure_secrets(tmp_path)
    monkeypatch.setenv("ALLO_AMI_SECRET", "from-env")
    monkeypatch.setenv("ALLO_DATABASE_URL", "postgresql+asyncpg://u:p@db.example:5432/x")
    settings = Settings.load(tmp_path)
    assert settings.ami_secret.get_secret_value() == "from-env"
    assert not settings.uses_private_postgres
    assert settings.asyncpg_dsn == "postgresql://u:p@db.example:5432/x"


def test_private_cluster_url_uses_the_generated_password(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("ALLO_DATABASE_URL", raising=False)
    monkeypatch.delenv("ALLO_PG_PASSWORD", raising=False)
    ensure_secrets(tmp_path)
    settings = Settings.load(tmp_path).model_copy(update={"pg_port": 5999})
    password = settings.pg_password.get_secret_value()
    assert settings.sqlalchemy_url == f"postgresql+asyncpg://allo:{password}@127.0.0.1:5999/allo"


def test_a_multi_host_url_reaches_asyncpg_with_every_host():
    # asyncpg keeps only the last `host=` of a query string: the LISTEN connection would miss the primary.
    url = ("postgresql+asyncpg://allo:pw@/allo?host=127.0.0.1:5001&host=127.0.0.1:5002"
           "&target_session_attrs=read-write")
    assert libpq_dsn(url) == "postgresql://allo:pw@127.0.0.1:5001,127.0.0.1:5002/allo?target_session_attrs=read-write"
    assert libpq_dsn("postgresql+asyncpg://u@/d?host=a,b&port=1,2") == "postgresql://u@a:1,b:2/d"
    assert libpq_dsn("postgresql+asyncpg://u:p@h:5/d?ssl=require") == "postgresql://u:p@h:5/d?ssl=require"
    with pytest.raises(ValueError, match="hosts and ports"):
        libpq_dsn("postgresql+asyncpg://u@/d?host=a,b&port=1")


def test_the_multi_host_url_is_used_by_the_listen_connections(tmp_path: Path, monkeypatch):
    ensure_secrets(tmp_path)
    monkeypatch.setenv("ALLO_DATABASE_URL", "postgresql+asyncpg://u:p@/x?host=h1:1&host=h2:2")
    assert Settings.load(tmp_path).asyncpg_dsn == "postgresql://u:p@h1:1,h2:2/x"
