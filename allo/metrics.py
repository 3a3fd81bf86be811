"""Prometheus instruments of one running service (own registry: no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from agi.server import SessionOutcome

FAST_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    """Also the FastAGI server's observer (session_started / session_ended / command_done)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.agi_active = Gauge("allo_agi_active_sessions", "FastAGI sessions in progress", registry=self.registry)
        self.agi_sessions = Counter("allo_agi_sessions", "FastAGI sessions ended, by outcome", ["outcome"],
                                    registry=self.registry)
        self.agi_session_seconds = Histogram("allo_agi_session_seconds", "FastAGI session duration",
                                             registry=self.registry,
                                             buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300))
        self.agi_command_seconds = Histogram("allo_agi_command_seconds", "AGI command round trip", ["command"],
                                             registry=self.registry, buckets=FAST_BUCKETS)
        self.knowledge_search_seconds = Histogram("allo_knowledge_search_seconds",
                                                  "GET /api/knowledge/search, database query included",
                                                  registry=self.registry, buckets=FAST_BUCKETS)
        # How often the directory has no body for the caller's commune: the department's or a national one was
        # offered ("department", "national") or none ("none"): what an import or the pivot codes lack.
        self.local_offices = Counter("allo_local_offices", "Local offices looked up for advisers, by how they were "
                                     "resolved", ["resolved_by"], registry=self.registry)
        self.routes = Counter("allo_routes", "Menu outcomes, by outcome and queue", ["outcome", "queue"],
                              registry=self.registry)
        self.ami_connected = Gauge("allo_ami_connected", "1 when the AMI session is ready", registry=self.registry)
        # Two nodes (docs/scaling.md): calls closed as cut by a node loss, by this process (the sweeper's holder, or
        # the allo that found its Asterisk restarted), by node.
        self.calls_node_lost = Counter("allo_calls_node_lost", "Calls closed as cut by the loss of their node",
                                       ["node"], registry=self.registry)
        self.wait_repeats = Counter("allo_wait_repeats", "Announcements repeated to a waiting caller (position + "
                                    "estimate), by queue and result", ["queue", "result"], registry=self.registry)
        self.ami_events = Counter("allo_ami_events", "AMI events received, by type", ["event"],
                                  registry=self.registry)
        self.rules_version = Gauge("allo_rules_version", "Version of the routing rules in use",
                                   registry=self.registry)
        self.db_writes = Counter("allo_db_writes", "Call-record writes, by result", ["result"],
                                 registry=self.registry)

        # Access codes bounded across calls (docs/hostile-input.md).
        self.wrong_access_codes = Counter("allo_wrong_access_codes", "Wrong access codes typed, by limit that "
                                          "holds the caller (caller: its pseudonym; pooled: no number or relay)",
                                          ["scope"], registry=self.registry)
        self.access_code_refusals = Counter("allo_access_code_refusals", "Callers not asked a code, by limit "
                                            "reached", ["gate"], registry=self.registry)
        self.access_code_ledger = Counter("allo_access_code_ledger", "Wrong-code ledger reads and writes that "
                                          "failed or were skipped, and writes done", ["result"],
                                          registry=self.registry)
        self.access_code_surge = Gauge("allo_access_code_surge", "1 while wrong access codes of all callers "
                                       "exceed ALLO_ACCESS_CODE_SURGE_PER_MINUTE", registry=self.registry)

        # Directory of public bodies (issue 17): advisers type into it during a call.
        # The adviser's desk (issue 18): supervisor-help requests not yet taken in hand.
        self.help_requests_open = Gauge("allo_help_requests_open", "Supervisor-help requests from advisers not yet "
                                        "taken in hand", registry=self.registry)
        self.directory_search_seconds = Histogram("allo_directory_search_seconds", "GET /api/directory/search "
                                                  "duration, database included", registry=self.registry,
                                                  buckets=FAST_BUCKETS)
        # The wrap-up after a call (allo/desk/wrapup.py): started at the call's end, ended saved or expired; the
        # reconciler's lifts are the pauses allo's own timers missed (a restart, an AMI outage, a missed event).
        self.wrapups = Counter("allo_wrapups", "Wrap-ups, by what happened (started, saved, expired)", ["event"],
                               registry=self.registry)
        self.wrapup_reconciler_lifts = Counter("allo_wrapup_reconciler_lifts", "Wrap-up pauses lifted by the "
                                               "reconciler", registry=self.registry)

        # Advisers' desired state applied to this node (issue 21, docs/agents.md).
        self.agent_reconcile_steps = Counter("allo_agent_reconcile_steps", "AMI actions of the advisers' reconciler "
                                             "on this node, by step (add, remove, penalty, pause, unpause) and "
                                             "outcome (done, refused)", ["step", "outcome"], registry=self.registry)
        self.agent_reconcile_runs = Counter("allo_agent_reconcile_runs", "Rounds of the advisers' reconciler, by "
                                            "outcome (applied, skipped: AMI or PostgreSQL away)", ["outcome"],
                                            registry=self.registry)

        # The adviser's desk (issue 18): streams open, screen-pops pushed, AMI event -> push to the stream's queue.
        self.desk_streams = Gauge("allo_desk_streams", "Adviser desk SSE streams open", registry=self.registry)
        self.desk_pops = Counter("allo_desk_pops", "Screen-pops pushed to advisers' desks, by result (ok, degraded: "
                                 "the database did not answer in time)", ["result"], registry=self.registry)
        self.desk_push_seconds = Histogram("allo_desk_push_seconds", "AMI event received -> desk event handed to "
                                           "the adviser's streams, by kind", ["kind"], registry=self.registry,
                                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
        # The satisfaction survey (issue 19, allo/fastagi/survey.py): surveys run, by what was kept.
        self.surveys = Counter("allo_surveys", "Satisfaction surveys run, by status (no_answer, partial, complete)",
                               ["status"], registry=self.registry)
        # Written confirmations (issue 19, docs/after-call.md): refused = a bad address refused by the desk's API.
        self.confirmations = Counter("allo_confirmations", "Confirmation mails, by outcome (sent, retry, abandoned, "
                                     "refused)", ["outcome"], registry=self.registry)
        self.confirmations_pending = Gauge("allo_confirmations_pending", "Confirmation mails waiting to be "
                                           "delivered", registry=self.registry)
        # The planning summary's fold (issue 20, docs/planning.md): done or failed, and how long one takes.
        self.planning_folds = Counter("allo_planning_folds", "Folds of the half-hour planning summary, by outcome "
                                      "(done, failed)", ["outcome"], registry=self.registry)
        self.planning_fold_seconds = Histogram("allo_planning_fold_seconds", "Duration of one fold of the "
                                               "planning summary", registry=self.registry,
                                               buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
        self.best_hours_computed = Counter("allo_best_hours_computed", "Best hours to call computed again (cache "
                                           "expired), by outcome (done, failed)", ["outcome"], registry=self.registry)
        self.best_hours_seconds = Histogram("allo_best_hours_seconds", "Duration of one computation of the best "
                                            "hours to call (summary read + arithmetic)", registry=self.registry,
                                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))

    def session_started(self) -> None:
        self.agi_active.inc()

    def session_ended(self, outcome: SessionOutcome, seconds: float) -> None:
        self.agi_active.dec()
        self.agi_sessions.labels(outcome.name.lower()).inc()
        self.agi_session_seconds.observe(seconds)

    def command_done(self, command: str, seconds: float) -> None:
        self.agi_command_seconds.labels(command).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
