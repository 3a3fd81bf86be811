"""The desk's transfer buttons: per sector, open or not, who is there, the wait, and the refusal of a transfer now."""

from acd.ami.event_types import DeviceState
from acd.live.state import MemberState, QueueLive, WaitingCaller
from acd.queues.wait_estimate import DEFAULT_HANDLE_S, RecentWaits
from acd.transfer import SHORT_NUMBERS, SectorOption, SectorTarget, TransferRefusal, sector_options

LABELS = {"interieur": "Intérieur", "travail": "Droit du travail", "consommation": "Consommation",
          "justice": "Justice", "fiscalite": "Fiscalité", "logement": "Logement"}


def targets(closed: frozenset[str] = frozenset()) -> dict[str, SectorTarget]:
    return {code: SectorTarget(label, f"l2-{code}", code not in closed) for code, label in LABELS.items()}


def member(name: str, *, paused: bool = False, in_call: bool = False,
           status: DeviceState = DeviceState.NOT_INUSE) -> MemberState:
    return MemberState(f"PJSIP/{name}", name, status, paused, "pause" if paused else "", in_call, 0)


def queue(name: str, *members: MemberState, waiting: int = 0) -> QueueLive:
    live = QueueLive(name)
    for m in members:
        live.members[m.interface] = m
    for position in range(1, waiting + 1):
        live.waiting[f"c{position}"] = WaitingCaller(f"c{position}", position, float(position), float(position))
    return live


def option(options: list[SectorOption], sector: str) -> SectorOption:
    return next(o for o in options if o.sector == sector)


def test_the_six_sectors_in_menu_order_with_their_labels_and_queues():
    options = sector_options(targets(), {}, {})
    assert [o.sector for o in options] == list(SHORT_NUMBERS)
    assert option(options, "travail").label == "Droit du travail"
    assert option(options, "travail").queue == "l2-travail"


def test_a_closed_sector_is_refused_as_closed_even_when_staffed():
    live = {"l2-justice": queue("l2-justice", member("agent2001"))}
    justice = option(sector_options(targets(frozenset({"justice"})), live, {}), "justice")
    assert justice.open is False
    assert justice.refusal is TransferRefusal.SECTOR_CLOSED
    assert (justice.logged_in, justice.available) == (1, 1)


def test_an_open_sector_with_nobody_logged_in_is_refused_and_has_no_wait():
    options = sector_options(targets(), {"l2-travail": queue("l2-travail")}, {})
    travail = option(options, "travail")
    assert travail.open is True
    assert travail.refusal is TransferRefusal.NO_AGENT_LOGGED_IN
    assert (travail.logged_in, travail.available, travail.wait_s) == (0, 0, None)
    # A queue Asterisk has not reported at all is the same: nobody there.
    assert option(options, "logement").refusal is TransferRefusal.NO_AGENT_LOGGED_IN


def test_all_paused_is_accepted_but_nobody_is_available_and_no_wait_is_promised():
    live = {"l2-travail": queue("l2-travail", member("agent2001", paused=True), member("agent2002", paused=True),
                                waiting=2)}
    travail = option(sector_options(targets(), live, {}), "travail")
    assert travail.refusal is None
    assert (travail.logged_in, travail.available, travail.waiting, travail.wait_s) == (2, 0, 2, None)


def test_the_wait_counts_the_callers_ahead_and_the_advisers_at_work():
    live = {"l2-travail": queue("l2-travail", member("agent2001", in_call=True, status=DeviceState.INUSE),
                                member("agent2002", in_call=True, status=DeviceState.INUSE), waiting=3)}
    travail = option(sector_options(targets(), live, {}), "travail")
    assert travail.refusal is None
    assert (travail.logged_in, travail.available, travail.waiting) == (2, 0, 3)
    assert travail.wait_s == round(4 * DEFAULT_HANDLE_S / 2)  # fourth in line, two advisers at work


def test_recent_real_waits_win_over_the_staffing_guess():
    live = {"l2-travail": queue("l2-travail", member("agent2001"), waiting=1)}
    recent = {"l2-travail": RecentWaits(answered=10, mean_wait_s=40.0, mean_position=2.0)}
    travail = option(sector_options(targets(), live, recent), "travail")
    assert travail.wait_s == 40  # 20 s per place, second in line
    assert travail.available == 1


def test_a_sector_missing_from_the_rules_is_unknown_and_closed():
    rules = targets()
    del rules["fiscalite"]
    fiscalite = option(sector_options(rules, {}, {}), "fiscalite")
    assert fiscalite.refusal is TransferRefusal.UNKNOWN_SECTOR
    assert fiscalite.open is False
    assert fiscalite.queue is None


def test_an_adviser_free_for_the_caller_means_no_wait_whatever_the_history():
    live = {"l2-travail": queue("l2-travail", member("agent2001"), member("agent2002"), waiting=1)}
    recent = {"l2-travail": RecentWaits(answered=10, mean_wait_s=180.0, mean_position=1.0)}
    travail = option(sector_options(targets(), live, recent), "travail")
    assert (travail.available, travail.waiting, travail.wait_s) == (2, 1, 0)
