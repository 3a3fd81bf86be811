from acd.queues.wait_repeat import Due, Waiter, due_now


def waiter(uid: str, position: int, joined: float = 0.0, *, queue: str = "l1", listening: bool = True,
           ringing: bool = False, speaking: bool = False) -> Waiter:
    return Waiter(queue, uid, position, joined, listening=listening, ringing=ringing, speaking=speaking)


def test_a_caller_is_due_every_period_after_the_join_or_the_last_announcement():
    callers = [waiter("b", 2, joined=10.0), waiter("a", 1, joined=0.0)]
    assert due_now(callers, {"l1": 60}, {}, 59.9) == []
    assert due_now(callers, {"l1": 60}, {}, 60.0) == [Due("l1", "a", 1)]
    assert due_now(callers, {"l1": 60}, {}, 70.0) == [Due("l1", "a", 1), Due("l1", "b", 2)]  # head first
    assert due_now(callers, {"l1": 60}, {"a": 65.0}, 70.0) == [Due("l1", "b", 2)]
    assert due_now(callers, {"l1": 60}, {"a": 65.0, "b": 70.0}, 125.0) == [Due("l1", "a", 1)]


def test_nobody_is_announced_in_a_silent_queue_on_a_callback_leg_or_while_an_adviser_rings():
    assert due_now([waiter("a", 1)], {"l1": 0}, {}, 1000.0) == []
    assert due_now([waiter("a", 1)], {}, {}, 1000.0) == []  # a queue allo does not know (yet)
    assert due_now([waiter("a", 1, listening=False)], {"l1": 60}, {}, 1000.0) == []
    assert due_now([waiter("a", 1, ringing=True)], {"l1": 60}, {}, 1000.0) == []
    assert due_now([waiter("a", 2, queue="l2"), waiter("b", 1)], {"l2": 30}, {}, 40.0) == [Due("l2", "a", 2)]


def test_an_announcement_still_being_said_is_never_stacked_with_the_next():
    # A period shorter than the announcement (~7 s): the next one waits for the end of the previous.
    assert due_now([waiter("a", 1, speaking=True)], {"l1": 3}, {"a": 0.0}, 5.0) == []
    assert due_now([waiter("a", 1)], {"l1": 3}, {"a": 0.0}, 7.5) == [Due("l1", "a", 1)]
