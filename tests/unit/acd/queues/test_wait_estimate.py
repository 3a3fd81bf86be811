from acd.queues.wait_estimate import DEFAULT_HANDLE_S, MIN_SAMPLES, RecentWaits, Staffing, estimate_wait


def test_nobody_working_gives_no_estimate_whatever_the_history():
    assert estimate_wait(1, RecentWaits(), Staffing(working=0, available=0)) is None
    assert estimate_wait(3, RecentWaits(50, 120.0, 2.0), Staffing(working=0, available=0)) is None


def test_without_enough_history_one_adviser_serves_one_caller_per_handling_time():
    one = Staffing(working=1, available=0)
    assert estimate_wait(1, RecentWaits(), one) == DEFAULT_HANDLE_S
    assert estimate_wait(3, RecentWaits(MIN_SAMPLES - 1, 10.0, 1.0), one) == 3 * DEFAULT_HANDLE_S


def test_many_advisers_share_the_queue():
    assert estimate_wait(4, RecentWaits(), Staffing(working=4, available=0)) == DEFAULT_HANDLE_S
    assert estimate_wait(1, RecentWaits(), Staffing(working=10, available=0)) == DEFAULT_HANDLE_S // 10


def test_recent_real_waits_give_the_cost_of_one_place():
    # Callers answered lately waited 240 s on average, joining at position 2 on average: 120 s a place.
    recent = RecentWaits(answered=12, mean_wait_s=240.0, mean_position=2.0)
    staff = Staffing(working=3, available=0)
    assert estimate_wait(1, recent, staff) == 120
    assert estimate_wait(5, recent, staff) == 600


def test_positions_below_one_are_not_estimated():
    assert estimate_wait(0, RecentWaits(), Staffing(working=1, available=1)) is None
