"""The surge alert over the last minute: one start (one audit entry) per surge, not one per code."""

from allo.code_guard.surge import SurgeWatch, cluster_recent


def test_one_start_per_surge_and_it_ends_as_the_minute_passes():
    now = [0.0]
    starts: list[int] = []
    watch = SurgeWatch(5, starts.append, clock=lambda: now[0])
    for _ in range(12):
        watch.note()
        now[0] += 1
    assert starts == [5] and watch.active and watch.recent() == 12
    now[0] += 55  # 4 codes still within the minute: below half of 5? no, 4 * 2 >= 5
    assert watch.active
    now[0] += 10
    assert watch.recent() == 0 and not watch.active
    for _ in range(5):
        watch.note()
    assert starts == [5, 5] and watch.started == 2


def test_zero_disables_the_alert():
    watch = SurgeWatch(0, lambda count: None, clock=lambda: 0.0)
    for _ in range(100):
        watch.note()
    assert not watch.active and watch.started == 0


def test_the_other_nodes_codes_counted_in_the_ledger_are_added():
    """Several nodes: the ledger's count (every node's rows, this one's included) plus this node's codes since."""
    now = [100.0]
    starts: list[int] = []
    watch = SurgeWatch(10, starts.append, clock=lambda: now[0])
    for _ in range(3):
        watch.note()  # this node's three, written to the ledger
    now[0] += 1
    watch.shared(8)  # the ledger: these three and five of node b
    assert watch.recent() == 8 and not watch.active
    now[0] += 1
    watch.note()  # not in the count read: added
    assert watch.recent() == 9 and starts == []
    watch.note()
    assert starts == [10] and watch.active  # the cluster's tenth wrong code starts the surge, here
    now[0] += watch.shared_fresh_s + 1  # the database away: the count read goes stale, this node's own count
    assert watch.recent() == 5


def test_cluster_recent():
    assert cluster_recent(4, 1, None) == 4  # no count from the ledger: this node's own
    assert cluster_recent(4, 1, 10) == 11
    assert cluster_recent(6, 6, 0) == 6  # the ledger not yet written: never fewer than this node's own
