"""`doctor_command` over files on disk (no database): what it prints and its exit code."""

import secrets
from pathlib import Path

from pydantic import SecretStr

from allo.db.seed import new_sip_password, password_digest
from allo.doctor.run import doctor_command
from allo.settings import Settings
from allo.setup.asterisk_conf import AgentConf, QueueConf, render_files
from allo.setup.kamailio import KamailioConf, render_cfg

DIRS = {"ETC_DIR": "/etc/allo/t", "MOD_DIR": "/m", "VAR_DIR": "/v", "RUN_DIR": "/r", "LOG_DIR": "/l"}


def install(tmp_path: Path) -> tuple[Settings, Path]:
    state, conf = tmp_path / "state", tmp_path / "conf"
    state.mkdir()
    conf.mkdir()
    settings = Settings(state_dir=state, ami_secret=SecretStr(secrets.token_urlsafe(32)))
    agent = AgentConf("agent1001", "A", password_digest("agent1001", new_sip_password()))
    for name, text in render_files(settings, DIRS, [QueueConf("l1")], [agent]).items():
        (conf / name).write_text(text)
        (conf / name).chmod(0o600)
    (state / "secrets.env").write_text("ALLO_AMI_SECRET=x\n")
    (state / "secrets.env").chmod(0o600)
    return settings, conf


def test_a_clean_configuration_exits_0_and_says_what_it_checked(tmp_path, capsys):
    settings, conf = install(tmp_path)
    assert doctor_command(settings, conf, use_db=False) == 0
    out = capsys.readouterr().out
    assert f"allo doctor: {conf}" in out
    assert "pjsip: 2 endpoint(s), 1 with digest auth, 1 without" in out
    assert "manager: AMI user(s) allo" in out and "3 secret file(s) checked" in out
    assert out.rstrip().endswith("allo doctor: no problem found")


def test_each_problem_is_printed_with_its_fix_and_the_exit_code_is_1(tmp_path, capsys):
    settings, conf = install(tmp_path)
    manager = conf / "manager.conf"
    manager.write_text(manager.read_text().replace("bindaddr = 127.0.0.1", "bindaddr = 0.0.0.0"))
    (settings.state_dir / "secrets.env").chmod(0o644)
    assert doctor_command(settings.model_copy(update={"http_host": "0.0.0.0"}), conf, use_db=False) == 1
    out = capsys.readouterr().out
    assert "ERROR   [ami-bind] manager.conf [general]: bindaddr is 0.0.0.0, not a loopback address" in out
    assert "fix: set bindaddr = 127.0.0.1" in out
    assert f"ERROR   [file-mode] {settings.state_dir / 'secrets.env'}: mode 644" in out
    assert "WARNING [http-cleartext] ALLO_HTTP_HOST" in out
    assert out.rstrip().endswith("allo doctor: 2 problem(s), 1 warning(s)")


def test_a_warning_alone_keeps_exit_code_0(tmp_path, capsys):
    settings, conf = install(tmp_path)
    assert doctor_command(settings.model_copy(update={"http_host": "192.0.2.2"}), conf, use_db=False) == 0
    assert "0 problem(s), 1 warning(s)" in capsys.readouterr().out


def test_a_missing_or_unreadable_configuration_is_a_problem(tmp_path, capsys):
    settings, conf = install(tmp_path)
    (conf / "pjsip_agents.conf").unlink()
    (conf / "manager.conf").unlink()
    assert doctor_command(settings, conf, use_db=False) == 1
    out = capsys.readouterr().out
    assert f"[conf-missing] {conf / 'manager.conf'}: manager.conf: file not found" in out
    assert f"[conf-missing] {conf / 'pjsip.conf'}: pjsip_agents.conf: file not found" in out
    assert "fix: run `allo setup`" in out


def _kamailio_cfg(path: Path, *, register_auth: bool = True) -> Path:
    text = render_cfg(KamailioConf("127.0.0.1", 5060, "127.0.0.4", ("127.0.0.2:5060",),
                                   ("postgres://allo:pw@127.0.0.1:5432/allo",), "127.0.0.4:5060", path.parent))
    if not register_auth:
        text = text.replace('if (!www_authorize("allo", "kamailio_subscribers")) {', "if (false) {")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_clusters_kamailio_configuration_is_found_and_checked(tmp_path, capsys):
    settings, conf = install(tmp_path)
    cfg = _kamailio_cfg(settings.state_dir / "cluster" / "kamailio" / "kamailio.cfg", register_auth=False)
    assert doctor_command(settings, conf, use_db=False) == 1
    out = capsys.readouterr().out
    assert f"kamailio: {cfg}" in out and "[kamailio-register-unauthenticated]" in out
    _kamailio_cfg(cfg)
    assert doctor_command(settings, conf, use_db=False) == 0


def test_a_node_behind_a_proxy_without_a_kamailio_configuration_is_reported(tmp_path, capsys):
    settings, conf = install(tmp_path)
    proxied = settings.model_copy(update={"sip_proxy": "127.0.0.1:5060"})
    assert doctor_command(proxied, conf, use_db=False, kamailio_cfg=None) == 1
    out = capsys.readouterr().out
    assert "[conf-missing]" in out and "no Kamailio configuration was found" in out
    assert "[sip-proxy-identify]" in out  # the single-node pjsip.conf is not fit behind the proxy
