"""The one settings object, read from ALLO_* environment variables and the generated secrets file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.calendar_types import PARIS
from routing.relay import RelayMatchError, parse_relay_match

SECRETS_FILE = "secrets.env"


class Settings(BaseSettings):
    """Built once at start-up (`Settings.load()`) and passed down; nothing reads the environment elsewhere."""

    model_config = SettingsConfigDict(env_prefix="ALLO_", extra="ignore")

    state_dir: Path = Field(default=Path(".state"), description="Generated secrets, PostgreSQL cluster, pids")
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "allo", description="Outside the clone: the Asterisk root lives here"
    )

    database_url: str | None = Field(default=None, description="Overrides the private PostgreSQL cluster")
    pg_port: int = 55432
    pg_password: SecretStr = SecretStr("")

    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    agi_drain_timeout: float = 10.0
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    asterisk_root: Path | None = Field(default=None, description="Chroot holding Asterisk; None: system one")
    asterisk_instance: str = "main"
    sip_bind: str = "127.0.0.1"
    sip_port: int = 5060
    media_address: str = "127.0.0.1"
    rtp_start: int = 20000
    rtp_end: int = 20999
    rtp_timeout: int = 120
    trunk_match: str = "127.0.0.1"

    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "allo"
    ami_secret: SecretStr = SecretStr("")
    ami_action_timeout: float = 5.0
    # A silent peer (half-open TCP) is noticed within interval + timeout (15 s; issue 7 asks for 30 s at most);
    # Asterisk is local, so reconnect attempts back off to 2 s at most: live state back soon after a restart.
    ami_ping_interval: float = 10.0
    ami_ping_timeout: float = 5.0
    ami_reconnect_max: float = 2.0

    fixed_now: datetime | None = Field(
        default=None, description="Tests and demos only: the routing clock stands still at this time "
        "(naive = Europe/Paris)")
    rules_poll_interval: float = 5.0

    pseudonym_key: SecretStr = SecretStr("")
    pseudonym_keys_previous: SecretStr = Field(default=SecretStr(""), description="Earlier pseudonym keys, "
                                               "newest first, comma-separated: lookups still match them "
                                               "(docs/privacy.md, `allo keys rotate-pseudonym`)")
    db_write_timeout: float = 2.0

    # The menu (docs/decisions.md, "Every path within its time").
    menu_no_input_replays: int = Field(default=0, ge=0, le=2, description="A caller who presses nothing hears a "
                                       "menu again this many times before level 1 (0: level 1 at the first "
                                       "timeout); invalid keys still get three tries")
    survey_input_seconds: float = Field(default=5.0, gt=0, le=30, description="How long the satisfaction survey "
                                        "waits for a key after each question")
    menu_budget_seconds: float = Field(default=20.0, gt=0, description="The rules editor warns when a caller who "
                                       "presses nothing listens longer than this before being queued in level 1")

    # Access codes bounded across calls (docs/hostile-input.md): the ledger of wrong codes holds pseudonyms only.
    access_code_max_wrong: int = Field(default=10, ge=1, description="Wrong access codes from one caller number "
                                       "within the window, after which it is no longer asked a code (level 1)")
    access_code_window_hours: float = Field(default=24.0, gt=0, le=720, description="The window of "
                                            "`access_code_max_wrong`")
    access_code_global_max_wrong: int = Field(default=30, ge=1, description="Wrong codes from callers without a "
                                              "number and relay calls, together, within the global window, after "
                                              "which those callers are no longer asked a code")
    access_code_global_window_minutes: float = Field(default=10.0, gt=0, le=1440, description="The window of "
                                                     "`access_code_global_max_wrong`")
    access_code_surge_per_minute: int = Field(default=30, ge=0, description="Wrong codes of all callers within one "
                                              "minute that raise the surge alert (dashboard, Prometheus, audit); "
                                              "0 disables")
    access_code_lookup_timeout: float = Field(default=0.5, gt=0, le=5, description="Longest wait for the ledger "
                                              "when a caller picks the access code; beyond, the code is asked")

    # Accessible reception (docs/accessibility.md): calls from relay platforms for deaf and hard-of-hearing callers.
    relay_match: str = Field(default="", description="Relay platforms' calls, comma-separated: SIP source "
                             "addresses or networks (192.0.2.0/28), caller numbers (0144556677) or `to:<number>` "
                             "for a dedicated number dialled on the trunk; empty: none")
    relay_input_timeout_seconds: float = Field(default=20.0, ge=1, le=60, description="On a relay call every wait "
                                               "for keys lasts at least this long (menus, access code, callback "
                                               "number)")
    relay_queue_priority: int = Field(default=5, ge=0, le=9, description="QUEUE_PRIO of relay calls: served before "
                                      "ordinary calls (0), after transfers to level 2 (10)")

    # Queues (docs/queues.md).
    repeat_caller_days: int = Field(default=7, ge=0, le=365,
                                    description="A caller back within this many days is offered to the same "
                                    "adviser first; 0 disables")
    queue_figures_interval: float = Field(default=15.0, gt=0, description="Recent waits re-read every N seconds")

    # Degraded mode (docs/degraded-mode.md): what the dialplan does alone when this service cannot be reached.
    fallback_max_wait_minutes: float = Field(default=15.0, gt=0, le=120, description="In opening hours, the "
                                             "longest wait in the level-1 queue before an announced end")
    fallback_hours_days: int = Field(default=14, ge=1, le=60, description="Dated opening hours rendered into the "
                                     "dialplan for this many days (weekly hours beyond)")
    fallback_refresh_minutes: float = Field(default=60.0, gt=0, description="The dialplan's hours are rendered "
                                            "again this often (and on every publish)")

    # Callbacks (docs/callbacks.md).
    callback_key: SecretStr = Field(default=SecretStr(""), description="Encrypts numbers to call back (generated)")
    callback_keys_previous: SecretStr = Field(default=SecretStr(""), description="Earlier callback keys during a "
                                              "rotation: they decrypt, never encrypt (`allo keys rotate-callback`)")
    callback_promise_minutes: float = Field(default=45.0, gt=0, description="Called back within this, once open")
    callback_rise_lead_minutes: float = Field(default=15.0, ge=0, description="This long before its deadline a "
                                              "callback not yet dialled rises ahead of new arrivals and shows at risk")
    callback_retry_minutes: float = Field(default=5.0, gt=0, description="Between two attempts")
    callback_max_attempts: int = Field(default=3, ge=1, le=10)
    callback_dial: str = Field(default="PJSIP/trunk/sip:{number}@127.0.0.1",
                               description="Dial string towards the operator; {number} is the national number")
    callback_ring_seconds: int = Field(default=30, ge=1, le=120, description="How long the citizen's phone rings")
    callback_agent_wait_seconds: int = Field(default=1800, ge=10, description="Longest wait for a free agent")
    callback_poll_interval: float = Field(default=1.0, gt=0)
    callback_grace_seconds: float = Field(default=10.0, gt=0,
                                          description="An attempt sent to Asterisk shows in AstDB within this")

    # Written confirmations (docs/after-call.md): sent over SMTP by the outbox worker of `allo serve`.
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server of the confirmations")
    smtp_port: int = Field(default=8025, ge=1, le=65535, description="`make run` starts a local one on 8025")
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS (required then)")
    smtp_tls: bool = Field(default=False, description="Implicit TLS from the first byte (port 465)")
    smtp_username: str = Field(default="", description="SMTP login; empty: no authentication")
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = Field(default=10.0, gt=0, description="One SMTP conversation's longest silence")
    smtp_ca_file: Path | None = Field(default=None, description="CA bundle (PEM) that signs the SMTP server's "
                                      "certificate, for STARTTLS and implicit TLS; None: the system's CAs")
    mail_from: str = Field(default="Allô Service Public <ne-pas-repondre@3939.example.gouv.fr>",
                           description="From: of the confirmations")
    mail_domain: str = Field(default="3939.example.gouv.fr", description="Right-hand side of the Message-IDs")
    mail_retry_seconds: float = Field(default=30.0, gt=0, description="First delay before a retry; doubles each "
                                      "time up to mail_retry_max_seconds")
    mail_retry_max_seconds: float = Field(default=900.0, gt=0)
    mail_give_up_hours: float = Field(default=24.0, gt=0, description="A confirmation not delivered by then is "
                                      "abandoned and its address erased")
    mail_poll_interval: float = Field(default=2.0, gt=0, description="The outbox looks for due mails this often")
    mail_sink_dir: Path | None = Field(default=None, description="Where `allo mail-sink` (the local SMTP server of "
                                       "`make run`) keeps the mails; None: <state_dir>/mail")

    # Planning (docs/planning.md): forecast, staffing by Erlang C, best hours to call.
    planning_weeks: int = Field(default=8, ge=1, le=52, description="The forecast rests on the same half-hour of "
                                "this many past weeks")
    planning_decay: float = Field(default=0.8, gt=0, le=1, description="Weight of a week relative to the next more "
                                  "recent one (1: all weeks alike)")
    planning_shrinkage: float = Field(default=0.3, ge=0, lt=1, description="Share of scheduled time not on the "
                                      "phone (breaks, training, meetings): agents to schedule = on the phone / (1 - "
                                      "shrinkage)")
    planning_fold_interval: float = Field(default=30.0, gt=0, description="Half-hours whose calls closed are "
                                          "summarised this often")
    planning_plan_refresh_seconds: float = Field(default=300.0, gt=0, description="The dashboard's advisers needed "
                                                 "now come from this week's plan, computed again this often")
    best_hours_count: int = Field(default=3, ge=1, le=10, description="How many best time ranges are given")
    best_hours_wait_threshold_s: int = Field(default=300, ge=0, description="A caller whose estimated wait is above "
                                             "this hears the best hours to call (0: never)")
    best_hours_cache_seconds: float = Field(default=900.0, gt=0, description="The public best hours are computed "
                                            "again at most this often")

    # Two nodes, one service (docs/scaling.md): empty node_name and sip_proxy = the single-node stack of `make run`.
    node_name: str = Field(default="", pattern=r"^([a-z][a-z0-9]{0,15})?$", description="This node's name: "
                           "Asterisk's systemname (Uniqueids unique across nodes) and the `node` of its calls; "
                           "empty: a single node")
    sip_proxy: str = Field(default="", description="host:port of the SIP proxy (Kamailio) in front of this node's "
                           "Asterisk: SIP is then accepted from it only, callers and advisers are identified by the "
                           "headers it sets, advisers are reached through it; empty: no proxy (single node)")
    callback_node: str = Field(default="", pattern=r"^([a-z][a-z0-9]{0,15})?$", description="The node that dials "
                               "the callbacks whenever it is up (the dispatcher's first node, which rings the "
                               "advisers, so that their wrap-up is respected); another node dials them only while "
                               "it is not. Empty: whichever node holds the lock")
    node_heartbeat_seconds: float = Field(default=1.0, gt=0, le=30, description="How often this node's allo says "
                                          "it is alive (and whether it sees its Asterisk) in `cluster_nodes`")
    node_lost_seconds: float = Field(default=5.0, gt=0, le=300, description="A node silent or without its "
                                     "Asterisk this long has lost its calls: they are closed as cut by a node loss")
    agent_reconcile_seconds: float = Field(default=10.0, gt=0, le=300, description="Each node's allo makes its "
                                           "Asterisk's queue members match the advisers' desired state at least "
                                           "this often (and at once on a change or a reconnection)")
    # The nodes' dashboards and surge (docs/dashboard.md, "Two nodes"; docs/hostile-input.md): several nodes only.
    node_live_seconds: float = Field(default=1.0, gt=0, le=10, description="How often this node writes its live "
                                     "queues to `node_live` (when they changed; at least every 2 ticks) and reads "
                                     "the other nodes' rows")
    node_live_fresh_seconds: float = Field(default=5.0, gt=0, le=120, description="Another node's live queues "
                                           "older than this are left out of the dashboard (« données anciennes »)")
    surge_poll_seconds: float = Field(default=3.0, gt=0, le=60, description="How often the wrong-code surge "
                                      "counts the last minute's wrong codes of every node in PostgreSQL")

    # The database's standby (docs/scaling.md § The database): writes kept while no server is writable.
    db_retry_max_writes: int = Field(default=100_000, ge=1_000, description="Call-record writes the recorder "
                                     "keeps, in order, while the database is away (a failover, a restart) and "
                                     "retries until they land; ~0.5 kB each (100,000: ~50 MB); beyond, new writes "
                                     "are dropped and counted (allo_db_writes_total{result=\"dropped\"})")

    # Accounts (docs/accounts.md).
    session_hours: float = Field(default=12.0, gt=0, description="A web login lasts this long")
    token_hours: float = Field(default=24.0, gt=0, description="An API bearer token lasts this long")
    login_attempts: int = Field(default=5, ge=1, description="Failed logins per user and address per window")
    login_window_seconds: float = Field(default=300.0, gt=0, description="The window of `login_attempts`")
    cookie_secure: bool = Field(default=True, description="The session cookie is only sent over HTTPS (browsers "
                                "treat http://127.0.0.1 and http://localhost as secure); false for plain HTTP "
                                "on another address")
    callback_bookings_per_hour: int = Field(default=10, ge=1, description="Anonymous callback bookings per "
                                            "client address per hour (the public web form)")

    # Retention (docs/privacy.md): journeys and recordings older than this are erased daily by `allo serve`.
    journey_retention_days: int = Field(default=365, ge=1, le=3650, description="Calls, their queue legs, notes "
                                        "and closed callbacks older than this are erased")
    recording_retention_days: int = Field(default=183, ge=1, le=3650, description="Recordings of callers, if "
                                          "any (allo records none today), older than this are erased")
    retention_interval_hours: float = Field(default=24.0, gt=0, description="Between two retention runs")

    # Watchdog (docs/decisions.md, "Services and processes"): `allo supervise` kills an `allo serve` whose event
    # loop stopped beating; under systemd, WatchdogSec in deploy/systemd/allo.service does the same.
    watchdog_seconds: float = Field(default=10.0, ge=0, description="`allo supervise` kills (SIGKILL, whole "
                                    "process group) an `allo serve` whose event loop has not beaten for this "
                                    "long, then starts it again; 0 disables")
    watchdog_grace_seconds: float = Field(default=60.0, gt=0, description="Allowed from the start of `allo serve` "
                                          "to its first heartbeat")
    heartbeat_fd: int | None = Field(default=None, description="Set by `allo supervise` for its child: the write "
                                     "end of the heartbeat pipe")
    # systemd's own variables (sd_notify(3)), not ALLO_*: set by systemd for a Type=notify unit.
    notify_socket: str | None = Field(default=None, validation_alias="NOTIFY_SOCKET",
                                      description="systemd's notification socket (a path, or '@' abstract)")
    watchdog_usec: str | None = Field(default=None, validation_alias="WATCHDOG_USEC",
                                      description="systemd's WatchdogSec in microseconds")
    watchdog_pid: str | None = Field(default=None, validation_alias="WATCHDOG_PID",
                                     description="The process systemd's watchdog applies to")

    # Benchmarks (docs/benchmarks.md): raw per-command and per-decision timings; unset costs nothing.
    timings_file: Path | None = Field(default=None, description="Append raw AGI and routing timings here")

    @field_validator("relay_match")
    @classmethod
    def _relay_match_valid(cls, value: str) -> str:
        try:
            parse_relay_match(value, str)
        except RelayMatchError as exc:
            raise ValueError(str(exc)) from None
        return value

    @classmethod
    def load(cls, state_dir: Path | None = None) -> Settings:
        """Environment first, then `<state_dir>/secrets.env` written at set-up for the secrets."""
        probe = cls() if state_dir is None else cls(state_dir=state_dir)
        secrets = probe.state_dir / SECRETS_FILE
        if not secrets.exists():
            return probe
        if state_dir is None:
            return cls(_env_file=secrets)
        return cls(_env_file=secrets, state_dir=state_dir)

    @property
    def pg_dir(self) -> Path:
        return self.state_dir / "pg"

    @property
    def uses_private_postgres(self) -> bool:
        return self.database_url is None

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url is not None:
            return self.database_url
        password = self.pg_password.get_secret_value()
        return f"postgresql+asyncpg://allo:{password}@127.0.0.1:{self.pg_port}/allo"

    @property
    def asyncpg_dsn(self) -> str:
        """The same address for asyncpg.connect (the LISTEN connections): see `libpq_dsn`."""
        return libpq_dsn(self.sqlalchemy_url)

    def routing_clock(self) -> Callable[[], datetime]:
        """The clock routing decisions use: real time, or `fixed_now` when set."""
        fixed = self.fixed_now
        if fixed is None:
            return lambda: datetime.now(UTC)
        aware = fixed if fixed.tzinfo is not None else fixed.replace(tzinfo=PARIS)
        return lambda: aware


def libpq_dsn(sqlalchemy_url: str) -> str:
    """A SQLAlchemy asyncpg URL as asyncpg.connect's DSN.

    Several database hosts (the primary and its standby, docs/scaling.md § The database) are written the
    SQLAlchemy way, `postgresql+asyncpg://u:p@/db?host=h1:p1&host=h2:p2&target_session_attrs=read-write`
    (SQLAlchemy refuses `h1:p1,h2:p2` in the address), but asyncpg keeps only the last `host=` of a query string,
    silently: the multi-host form asyncpg reads is libpq's, `postgresql://u:p@h1:p1,h2:p2/db?...`.
    """
    parts = urlsplit(sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    query = parse_qsl(parts.query, keep_blank_values=True)
    hosts = [value for key, value in query if key == "host"]
    ports = [value for key, value in query if key == "port"]
    if not hosts:
        return urlunsplit(parts)
    names = [name for value in hosts for name in value.split(",")]
    numbers = [number for value in ports for number in value.split(",")]
    if numbers:
        if len(numbers) != len(names):
            raise ValueError("the database URL names a different number of hosts and ports")
        names = [f"{name}:{number}" for name, number in zip(names, numbers, strict=True)]
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{','.join(names)}" if credentials else ",".join(names)
    rest = urlencode([(key, value) for key, value in query if key not in {"host", "port"}])
    return urlunsplit((parts.scheme, netloc, parts.path, rest, parts.fragment))
