"""Written confirmations after a call (issue 19, docs/after-call.md): the address checked, the mail composed from
public data, kept encrypted in an outbox until an SMTP server accepts it, then erased."""
