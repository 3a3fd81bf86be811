"""The dashboard document from a live state fed with AMI events; agent states; pause durations; ChanSpy options."""

from __future__ import annotations

import pytest

from acd.ami.event_types import AgentConnect, DeviceState, QueueCallerJoin, QueueMember, QueueMemberPause
from acd.live.calls import ActiveCalls, ConnectedCall
from acd.live.state import Instant, LiveState, MemberState
from allo.dashboard.kpi import DayFigures, QueueTargets
from allo.dashboard.spy import SpyMode, SpyRefused, chanspy_data, current_call, originate_fields
from allo.dashboard.view import AgentInfo, AgentState, Alerts, DayData, NodeInfo, agent_state, dashboard_view


class FakeClock:
    def __init__(self) -> None:
        self.monotonic = 1000.0
        self.wall = 1_800_000_000.0

    def __call__(self) -> Instant:
        return Instant(self.monotonic, self.wall)

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds
        self.wall += seconds


def member(agent: str, queue: str = "l1", *, paused: bool = False, reason: str = "", status: int = 1,
           in_call: bool = False, kind: type[QueueMember] | type[QueueMemberPause] = QueueMember) -> QueueMember:
    return kind(queue=queue, interface=f"PJSIP/{agent}", member_name=agent, status=status,  # type: ignore[return-value]
                paused=paused, reason=reason, in_call=in_call, calls_taken=0)


def join(uniqueid: str, queue: str = "l1", position: int = 1) -> QueueCallerJoin:
    return QueueCallerJoin(queue, uniqueid, uniqueid, f"PJSIP/trunk-{uniqueid}", position, position)


DAY = DayData(
    targets=(QueueTargets("l2-travail", "Travail", 2, "travail", asa_target=30),
             QueueTargets("l1", "Niveau 1", 1, None, service_level=20, sl_target_pct=80, abandon_target_pct=10)),
    figures={"l1": DayFigures(offered=10, answered=8, service_level_pct=72.0, asa_seconds=12.0,
                              abandon_rate_pct=11.1, callbacks_kept_pct=None)},
    agents=(AgentInfo("agent1001", "Camille", ("l1",)), AgentInfo("agent1002", "Karim", ("l1",)),
            AgentInfo("sup2001", "Superviseur")),  # in no queue: not an agent of the dashboard
    calls_taken={"agent1001": 4},
    refreshed_at=1_800_000_000.0,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def live(clock: FakeClock) -> LiveState:
    state = LiveState(clock)
    state.resync([member("agent1001"), member("agent1002", paused=True, reason="formation")])
    return state


def test_queues_level1_first_with_live_and_today_figures(live: LiveState, clock: FakeClock) -> None:
    live.apply(join("c1"))
    clock.advance(12)
    live.apply(join("c2", position=2))
    clock.advance(9)
    doc = dashboard_view(live, [], DAY, clock(), ami_up=True)
    assert [q["name"] for q in doc["queues"]] == ["l1", "l2-travail"]
    l1 = doc["queues"][0]
    assert (l1["waiting"], l1["longest_wait_seconds"]) == (2, 21.0)
    assert [(c["uniqueid"], c["position"], c["wait_seconds"]) for c in l1["callers"]] == [
        ("c1", 1, 21.0), ("c2", 2, 9.0)]
    assert l1["agents"] == {"logged_in": 2, "available": 1, "on_call": 0, "paused": 1, "wrapup": 0}
    assert l1["paused"] == [{"agent": "agent1002", "reason": "formation", "paused_seconds": 21.0}]
    assert l1["today"]["answered"] == 8
    # 21 s against 20 s: within 10 %, amber; 72 % against 80 %: amber at the edge; 11.1 % against 10 %: red.
    assert l1["rag"] == {"longest_wait": "amber", "service_level": "amber", "asa": "green", "abandon_rate": "red",
                         "callbacks_kept": "none"}
    travail = doc["queues"][1]
    assert travail["today"] is None and travail["waiting"] == 0 and travail["rag"]["longest_wait"] == "green"
    assert doc["waiting"] == 2 and doc["ami"] == "up"


def test_no_figures_before_the_first_refresh(live: LiveState, clock: FakeClock) -> None:
    doc = dashboard_view(live, [], DayData(), clock(), ami_up=False)
    assert [q["name"] for q in doc["queues"]] == ["l1"]  # known from AMI only
    assert doc["queues"][0]["today"] is None and doc["ami"] == "down"
    assert doc["queues"][0]["rag"]["service_level"] == "none"


def test_agents_state_call_duration_and_calls_today(live: LiveState, clock: FakeClock) -> None:
    calls = ActiveCalls()
    live.apply(join("c1"))
    connect = AgentConnect("l1", "c1", "c1", "PJSIP/agent1001", "agent1001", 3, 1, "PJSIP/agent1001-0000002a")
    live.apply(connect)
    calls.apply(connect, clock().wall)
    clock.advance(65)
    doc = dashboard_view(live, calls.calls(), DAY, clock(), ami_up=True)
    agents = {a["agent"]: a for a in doc["agents"]}
    assert set(agents) == {"agent1001", "agent1002"}
    assert agents["agent1001"]["state"] == "on_call" and agents["agent1001"]["call_seconds"] == 65.0
    assert agents["agent1001"]["call_queue"] == "l1" and agents["agent1001"]["calls_today"] == 4
    assert agents["agent1002"]["state"] == "paused" and agents["agent1002"]["pause_reason"] == "formation"
    assert agents["agent1002"]["paused_seconds"] == 65.0 and agents["agent1002"]["calls_today"] == 0


def test_an_agent_seen_only_in_asterisk_is_listed(live: LiveState, clock: FakeClock) -> None:
    live.apply(member("agent9", "l1"))
    doc = dashboard_view(live, [], DAY, clock(), ami_up=True)
    assert "agent9" in {a["agent"] for a in doc["agents"]}
    assert dashboard_view(live, [], DayData(), clock(), ami_up=True)["agents"][0]["state"] == "available"


def test_pause_time_counts_from_the_first_pause_event_and_survives_a_resync(live: LiveState,
                                                                              clock: FakeClock) -> None:
    live.apply(member("agent1001", kind=QueueMemberPause, paused=True, reason="pause"))
    started = clock().wall
    clock.advance(30)
    live.apply(member("agent1001", kind=QueueMemberPause, paused=True, reason="dejeuner"))  # new reason, same pause
    live.resync([member("agent1001", paused=True, reason="dejeuner")])
    assert live.queues["l1"].members["PJSIP/agent1001"].paused_since == started
    live.apply(member("agent1001", kind=QueueMemberPause, paused=False))
    assert live.queues["l1"].members["PJSIP/agent1001"].paused_since is None
    clock.advance(5)
    live.apply(member("agent1001", kind=QueueMemberPause, paused=True, reason="pause"))
    assert live.queues["l1"].members["PJSIP/agent1001"].paused_since == clock().wall


def state_of(*members: MemberState, call: ConnectedCall | None = None) -> AgentState:
    return agent_state(list(members), call)


def ms(status: DeviceState = DeviceState.NOT_INUSE, *, paused: bool = False, in_call: bool = False,
       reason: str = "") -> MemberState:
    return MemberState("PJSIP/a", "a", status, paused, reason, in_call, 0)


def test_agent_state_priorities() -> None:
    call = ConnectedCall("c1", "l1", "a", "PJSIP/a-1", 0.0)
    assert state_of() is AgentState.LOGGED_OUT
    assert state_of(ms(paused=True), call=call) is AgentState.ON_CALL  # paused during a call: still on it
    assert state_of(ms(in_call=True)) is AgentState.ON_CALL
    assert state_of(ms(paused=True)) is AgentState.PAUSED
    assert state_of(ms(DeviceState.RINGING)) is AgentState.RINGING
    assert state_of(ms(DeviceState.UNAVAILABLE)) is AgentState.UNAVAILABLE
    assert state_of(ms(DeviceState.INUSE)) is AgentState.BUSY
    assert state_of(ms(), ms(DeviceState.NOT_INUSE)) is AgentState.AVAILABLE
    # allo's wrap-up pause after a call is not a pause of their own; their own pause wins over it.
    assert state_of(ms(paused=True, reason="apres-appel/1765000000/1.1")) is AgentState.WRAPUP
    assert state_of(ms(paused=True, reason="apres-appel/1765000000/1.1"), ms(paused=True, reason="telephone")) \
        is AgentState.PAUSED


def test_chanspy_options_per_mode() -> None:
    channel = "PJSIP/agent1001-0000002a"
    assert chanspy_data(channel, SpyMode.LISTEN) == "PJSIP/agent1001-0000002a,qbE"
    assert chanspy_data(channel, SpyMode.WHISPER) == "PJSIP/agent1001-0000002a,qbEw"
    assert chanspy_data(channel, SpyMode.BARGE) == "PJSIP/agent1001-0000002a,qbEB"
    fields = originate_fields("sup2001", "agent1001", channel, SpyMode.WHISPER)
    assert fields["Channel"] == "PJSIP/sup2001" and fields["Application"] == "ChanSpy"
    assert fields["Async"] == "true"
    with pytest.raises(SpyRefused):
        chanspy_data("PJSIP/agent1001", SpyMode.LISTEN)  # a prefix would also match agent10010's calls
    with pytest.raises(SpyRefused):
        originate_fields("sup,2001", "agent1001", channel, SpyMode.LISTEN)


def test_spying_needs_a_call_in_progress() -> None:
    calls = ActiveCalls()
    with pytest.raises(SpyRefused, match="not on a call"):
        current_call(calls, "agent1001")
    calls.apply(AgentConnect("l1", "c1", "c1", "PJSIP/agent1001", "agent1001", 3, 1, "PJSIP/agent1001-2a"), 5.0)
    assert current_call(calls, "agent1001").agent_channel == "PJSIP/agent1001-2a"


def test_the_surge_banner_and_relay_calls_of_the_day(live: LiveState, clock: FakeClock) -> None:
    quiet = dashboard_view(live, [], DayData(), clock(), ami_up=True)
    assert quiet["alerts"] == {"access_code_surge": False, "wrong_codes_last_minute": 0}
    assert quiet["relay"] is None  # no figures before the first refresh
    day = DayData(relay={"arrived": 3, "waiting": 1, "answered": 2}, refreshed_at=1.0)
    doc = dashboard_view(live, [], day, clock(), ami_up=True,
                         alerts=Alerts(access_code_surge=True, wrong_codes_last_minute=42))
    assert doc["alerts"] == {"access_code_surge": True, "wrong_codes_last_minute": 42}
    assert doc["relay"] == {"arrived": 3, "waiting": 1, "answered": 2}


def test_calls_cut_by_a_node_loss_and_the_nodes(live: LiveState, clock: FakeClock) -> None:
    quiet = dashboard_view(live, [], DayData(), clock(), ami_up=True)
    assert quiet["node_lost"] is None and quiet["nodes"] == []  # not read yet; a single node lists none
    assert dashboard_view(live, [], DayData(refreshed_at=1.0), clock(), ami_up=True)["node_lost"] == 0
    day = DayData(node_lost=3, nodes=(NodeInfo("a", "up", 0.4), NodeInfo("b", "silent", 12.0)), refreshed_at=1.0)
    doc = dashboard_view(live, [], day, clock(), ami_up=True)
    assert doc["node_lost"] == 3
    assert doc["nodes"] == [{"name": "a", "state": "up", "label": "en service", "beat_seconds_ago": 0.4},
                            {"name": "b", "state": "silent", "label": "silencieux", "beat_seconds_ago": 12.0}]
