"""`allo doctor`: every rule over the collected inputs, printed with what to do; exit 1 on any error."""

from __future__ import annotations

from pathlib import Path

from allo.db.seed import REALM
from allo.doctor.ami_rules import check_manager
from allo.doctor.conf import objects
from allo.doctor.findings import Finding, Rule, Severity, error
from allo.doctor.host_rules import check_http, check_modes
from allo.doctor.inputs import Inputs, collect, default_conf_dir
from allo.doctor.kamailio_rules import check_kamailio
from allo.doctor.pjsip_rules import check_pjsip
from allo.doctor.secrets_check import weak_digest
from allo.settings import Settings


def check_agents_table(agents: list[tuple[str, str]]) -> list[Finding]:
    """Agents in the database, disabled ones included (enabling one again would publish its password)."""
    findings = []
    for username, digest in agents:
        reason = weak_digest(username, REALM, digest)
        if reason:
            findings.append(error(Rule.SIP_WEAK_PASSWORD, f"agents table [{username}]",
                                  f"the SIP password of {username!r} {reason}",
                                  f"PATCH /api/agents/{username} with reset_password: true"))
    return findings


def diagnose(inputs: Inputs, settings: Settings) -> list[Finding]:
    findings = [error(Rule.CONF_MISSING, str(inputs.conf_dir / name), problem,
                      "run `allo setup` (or `allo setup --no-start`), or pass --conf-dir")
                for name, problem in sorted(inputs.unreadable.items())]
    if "pjsip.conf" not in inputs.unreadable:
        findings += check_pjsip(inputs.pjsip, settings.sip_proxy)
    if inputs.kamailio_text is not None:
        findings += check_kamailio(inputs.kamailio_text, str(inputs.kamailio_cfg))
    if "manager.conf" not in inputs.unreadable:
        findings += check_manager(inputs.manager, settings.ami_username)
    findings += check_http(settings.http_host, settings.cookie_secure)
    findings += check_modes(inputs.modes)
    if inputs.agents is not None:
        findings += check_agents_table(inputs.agents)
    return findings


def summary(inputs: Inputs) -> str:
    endpoints = objects(inputs.pjsip, "endpoint")
    with_auth = sum(1 for e in endpoints if e.get("auth"))
    users = [s.name for s in objects(inputs.manager) if s.name != "general"]
    return (f"allo doctor: {inputs.conf_dir}\n  pjsip: {len(endpoints)} endpoint(s), {with_auth} with digest auth, "
            f"{len(endpoints) - with_auth} without\n  manager: AMI user(s) {', '.join(users) or 'none'}\n"
            f"  {inputs.db_note}\n  {len(inputs.modes)} secret file(s) checked"
            + (f"\n  kamailio: {inputs.kamailio_cfg}" if inputs.kamailio_cfg else ""))


def doctor_command(settings: Settings, conf_dir: Path | None, *, use_db: bool,
                   kamailio_cfg: Path | None = None) -> int:
    directory = conf_dir or default_conf_dir(settings)
    if directory is None:
        print("allo doctor: no Asterisk found and no --conf-dir: nothing to check (run `allo setup` first)")
        return 1
    inputs = collect(settings, directory, use_db=use_db, kamailio_cfg=kamailio_cfg)
    findings = diagnose(inputs, settings)
    print(summary(inputs))
    for finding in findings:
        print(finding.render())
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    if not findings:
        print("allo doctor: no problem found")
    else:
        print(f"allo doctor: {errors} problem(s), {warnings} warning(s)")
    return 1 if errors else 0
