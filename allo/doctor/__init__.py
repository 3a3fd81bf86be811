"""`allo doctor`: checks a rendered configuration for the telephony security rules (docs/security.md).

The rules are pure functions over parsed configuration text (`conf`, `pjsip_rules`, `ami_rules`, `host_rules`);
`inputs` reads an instance's files, their modes and the agents table; `run` prints the findings.
"""
