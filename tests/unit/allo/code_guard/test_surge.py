"""The surge alert over the last minute: one start (one audit entry) per surge, not one per code."""

from allo.code_guard.surge import SurgeWatch


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
