"""What a doctor rule reports: which rule, how bad, where, what is wrong and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # `allo doctor` exits 1
    WARNING = "warning"  # printed, exit code unchanged


class Rule(StrEnum):
    """Stable identifiers of the rules (docs/security.md lists each one and why)."""

    CONF_MISSING = "conf-missing"
    SIP_UNAUTHENTICATED = "sip-unauthenticated"
    SIP_ANONYMOUS = "sip-anonymous"
    SIP_UNAUTH_OPTIONS = "sip-unauthenticated-options"
    SIP_IDENTIFY_WIDE = "sip-identify-wide"
    SIP_AUTH_BROKEN = "sip-auth-broken"
    SIP_WEAK_PASSWORD = "sip-weak-password"  # noqa: S105 (a rule name, not a password)
    AMI_BIND = "ami-bind"
    AMI_HTTP = "ami-http"
    AMI_SECRET = "ami-secret"  # noqa: S105 (a rule name, not a secret)
    AMI_ACL = "ami-acl"
    AMI_PERMISSION_EXTRA = "ami-permission-extra"
    AMI_PERMISSION_MISSING = "ami-permission-missing"
    HTTP_CLEARTEXT = "http-cleartext"
    FILE_MODE = "file-mode"
    # Behind the SIP proxy (docs/scaling.md): Kamailio's configuration and the nodes' PJSIP in proxy mode.
    KAMAILIO_UNAUTHENTICATED = "kamailio-unauthenticated"
    KAMAILIO_REGISTER_UNAUTHENTICATED = "kamailio-register-unauthenticated"
    KAMAILIO_TRUNK_WIDE = "kamailio-trunk-wide"
    KAMAILIO_HEADERS_KEPT = "kamailio-headers-kept"
    KAMAILIO_PROBING_OFF = "kamailio-probing-off"
    SIP_PROXY_ACL = "sip-proxy-acl"
    SIP_PROXY_IDENTIFY = "sip-proxy-identify"


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    where: str  # file and section, or setting
    problem: str
    fix: str

    def render(self) -> str:
        head = f"{self.severity.value.upper():7} [{self.rule.value}] {self.where}: {self.problem}"
        return f"{head}\n        fix: {self.fix}"


def error(rule: Rule, where: str, problem: str, fix: str) -> Finding:
    return Finding(rule, Severity.ERROR, where, problem, fix)


def warning(rule: Rule, where: str, problem: str, fix: str) -> Finding:
    return Finding(rule, Severity.WARNING, where, problem, fix)
