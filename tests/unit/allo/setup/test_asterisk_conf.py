import re

import pytest
from pydantic import SecretStr

from allo.db.seed import password_digest
from allo.errors import ConfigError
from allo.settings import Settings
from allo.setup.asterisk_conf import AgentConf, QueueConf, render_files, render_queues

DIRS = {"ETC_DIR": "/etc/allo/t", "MOD_DIR": "/m", "VAR_DIR": "/v", "RUN_DIR": "/r", "LOG_DIR": "/l"}


def settings(**kw) -> Settings:
    return Settings(ami_secret=SecretStr("s3cret-value"), ami_port=5999, agi_port=4999, sip_port=5999, **kw)


def test_every_placeholder_is_filled_and_secrets_land_only_in_manager_conf():
    files = render_files(settings(), DIRS, [QueueConf("l1")], [AgentConf("agent1", "A", "0" * 32)])
    for name, text in files.items():
        assert "@@" not in text, name
        if name != "manager.conf":
            assert "s3cret-value" not in text, name
    assert "secret = s3cret-value" in files["manager.conf"]
    assert "bindaddr = 127.0.0.1" in files["manager.conf"]
    assert "ALLO_AGI = agi://127.0.0.1:4999" in files["extensions.conf"]
    assert "[l1](allo-queue)" in files["queues.conf"]
    assert "password_digest = MD5:" + "0" * 32 in files["pjsip_agents.conf"]


def test_dialplan_falls_back_to_the_hours_kept_in_the_dialplan_when_agi_fails():
    dialplan = render_files(settings(fallback_max_wait_minutes=12), DIRS, [], [])["extensions.conf"]
    assert '$["${AGISTATUS}" != "SUCCESS"]?allo-route,fallback,1' in dialplan
    fallback = dialplan[dialplan.index("exten => fallback"):]
    assert "Goto(allo-fallback,s,1)" in fallback.split("exten =>")[1]
    assert "\nALLO_LEVEL1 = l1\n" in dialplan  # the global the fallback reads: the level-1 queue
    assert "\nALLO_FALLBACK_WAIT = 720\n" in dialplan
    section = dialplan[dialplan.index("[allo-fallback]"):]
    assert "GotoIf(${DIALPLAN_EXISTS(allo-hours,s,1)}?allo-hours,s,1)" in section
    assert "Queue(${ALLO_LEVEL1},,,,${ALLO_FALLBACK_WAIT})" in section
    assert "#tryinclude extensions_hours.conf" in dialplan
    # Our service unreachable when a caller leaves a queue or is transferred: the same bounded wait.
    exit_context = dialplan[dialplan.index("[allo-queue-exit]"):dialplan.index("[allo-preferred-answered]")]
    transfer = dialplan[dialplan.index("\n[allo-transfer]"):dialplan.index("\n[agents]\n")]
    assert '$["${AGISTATUS}" != "SUCCESS"]?allo-fallback,requeue,1' in exit_context
    assert '$["${AGISTATUS}" != "SUCCESS"]?allo-fallback,requeue,1' in transfer


def test_the_fallback_hours_are_written_only_when_given():
    assert "extensions_hours.conf" not in render_files(settings(), DIRS, [], [])
    files = render_files(settings(), DIRS, [], [], hours="[allo-hours]\n")
    assert files["extensions_hours.conf"] == "[allo-hours]\n"


def test_unsafe_names_are_refused():
    with pytest.raises(ConfigError, match="unsafe"):
        render_files(settings(), DIRS, [QueueConf("l1]\n[evil")], [])


def test_the_service_renders_queues_conf_as_the_set_up_does():
    queues = [QueueConf("l1", service_level=27), QueueConf("l2-justice")]
    text = render_queues(queues)
    assert text == render_files(settings(), DIRS, queues, [])["queues.conf"]
    l1 = text.split("[l1](allo-queue)\n")[1].split("\n\n")[0] + "\n"
    assert "servicelevel = 27\n" in l1
    assert text != render_queues([QueueConf("l1", service_level=28), QueueConf("l2-justice")])
    with pytest.raises(ConfigError, match="unsafe"):
        render_queues([QueueConf("l1]\n[evil")])


def test_missing_ami_secret_is_a_clear_error():
    with pytest.raises(ConfigError, match="ALLO_AMI_SECRET"):
        render_files(Settings(ami_secret=SecretStr("")), DIRS, [], [])


def test_sip_digest_matches_rfc2617_ha1():
    # echo -n "fred:allo:mypass" | md5sum
    assert password_digest("fred", "mypass") == "091714cb16efd63e152b80ef40bbed5f"


def test_agent_sections_refuse_injection_and_strip_labels():
    from allo.setup.asterisk_conf import render_agents

    text = render_agents([AgentConf("agent1", 'Evil"]\n[x', "a" * 32)])
    assert "[x" not in text and "\n[agent1](agent-endpoint)" in "\n" + text.split("\n\n", 1)[1]
    with pytest.raises(ConfigError):
        render_agents([AgentConf("agent1", "A", "not-a-digest")])


def test_queues_leave_to_the_exit_context_and_announce_nothing_themselves():
    queues = render_files(settings(), DIRS, [QueueConf("l1")], [])["queues.conf"]
    assert "context = allo-queue-exit" in queues
    # allo says position, estimate and exit key itself (allo/queues/repeat.py): app_queue stays silent.
    assert "\nannounce-frequency = 0\nannounce-position = no\nannounce-holdtime = no\n" in queues
    assert "periodic-announce-frequency = 0\n" in queues
    assert "[l1](allo-queue)" in queues and "min-announce-frequency" not in queues
    dialplan = render_files(settings(), DIRS, [], [])["extensions.conf"]
    assert "[allo-queue-exit]\nexten => 9,1," in dialplan
    assert "/queue-exit?reason=${ALLO_EXIT}" in dialplan


def test_numbers_dedicated_to_relay_platforms_lead_to_the_menu_keeping_the_number():
    dialplan = render_files(settings(relay_match="192.0.2.0/28,0144556677,to:0800111222"), DIRS, [], [])[
        "extensions.conf"]
    assert "exten => 0800111222,1,Set(ALLO_DIALLED=0800111222)\n same => n,Goto(3939,1)" in dialplan
    assert "AGI(${ALLO_AGI}/ivr?source=${ALLO_SOURCE}&to=${ALLO_DIALLED})" in dialplan
    assert "0144556677" not in dialplan  # a caller number is matched in Python, not in the dialplan
    plain = render_files(settings(), DIRS, [], [])["extensions.conf"]
    assert "ALLO_DIALLED=" not in plain


def test_queues_run_without_asterisk_wrapup_allo_owns_it():
    # allo pauses the adviser for the wrap-up and lifts it early (allo/desk/wrapup.py): Asterisk's cannot end early.
    text = render_queues([QueueConf("l1"), QueueConf("l2-justice")])
    assert text.count("wrapuptime = 0\n") == 2
    assert not re.search(r"wrapuptime = [1-9]", text)


def _context(dialplan: str, name: str) -> str:
    start = dialplan.index(f"\n[{name}]\n")
    end = dialplan.find("\n[", start + 1)
    return dialplan[start:end if end != -1 else None]


def test_the_survey_keeps_the_caller_only_where_an_adviser_answered():
    """Queue() with c, MEMBERINTERFACE cleared just before; the fallback's queues unchanged (our service, and so the
    survey, is unreachable there); Dial g for the repeat caller, F for the callback's citizen (docs/after-call.md)."""
    dialplan = render_files(settings(), DIRS, [], [])["extensions.conf"]
    for name in ("allo-route", "allo-transfer"):
        lines = [line.strip() for line in _context(dialplan, name).splitlines() if not line.startswith(";")]
        lines = [line for line in lines if line and not line.startswith(";")]
        queues = [i for i, line in enumerate(lines) if ",Queue(" in line]
        assert queues, name
        for i in queues:
            assert re.search(r"Queue\(\$\{ALLO_(TRANSFER_)?QUEUE\},c[,)]", lines[i]), lines[i]
            # At most the timeout's GotoIf and the untimed Queue() and its Goto in between.
            cleared = [line for line in lines[max(0, i - 4):i] if "Set(MEMBERINTERFACE=)" in line]
            assert cleared, f"MEMBERINTERFACE not cleared before {lines[i]}"
    route = _context(dialplan, "allo-route")
    # An adviser answered: the survey or goodbye, tested before the empty-QUEUESTATUS fallback.
    assert route.index('GotoIf($["${MEMBERINTERFACE}" != ""]?answered,1)') < route.index('"${QUEUESTATUS}" = ""')
    assert re.search(r"Dial\(PJSIP/\$\{ALLO_PREFERRED\},\$\{ALLO_PREFERRED_RING\},gU\(", route)
    assert 'exten => answered,1,GotoIf($["${ALLO_SURVEY}" = "1"]?allo-survey,queue,1)\n same => n,Hangup()' in route
    fallback = _context(dialplan, "allo-fallback")
    assert ",c" not in fallback and "allo-survey" not in fallback
    assert "F(allo-survey^callback^1)" in _context(dialplan, "allo-callback-dial")
    survey = _context(dialplan, "allo-survey")
    assert "AGI(${ALLO_AGI}/survey?${ALLO_SURVEY_ARGS})" in survey
    assert 'GotoIf($["${ALLO_SURVEY}" != "1"]?end)' in survey.split("exten => callback")[1]
