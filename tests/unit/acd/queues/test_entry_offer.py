from acd.queues.entry_offer import EntryOffer, Trigger, entry_offer, over_threshold
from acd.queues.exit_policy import MaxWaitAction, QueuePolicy

CALLBACK = QueuePolicy("l1", 900, MaxWaitAction.CALLBACK, offer_at_waiting=5, offer_at_wait_s=600)


def test_no_threshold_no_offer():
    off = QueuePolicy("l1", 900, MaxWaitAction.CALLBACK)
    assert entry_offer(off, 200, 7000) is EntryOffer.NONE


def test_callers_waiting_at_the_threshold_get_the_callback_offer():
    assert entry_offer(CALLBACK, 4, 100) is EntryOffer.NONE
    assert entry_offer(CALLBACK, 5, 100) is EntryOffer.CALLBACK
    assert over_threshold(CALLBACK, 5, 100) is Trigger.WAITING


def test_an_estimate_over_the_threshold_gets_the_offer_and_no_estimate_is_not_over():
    assert entry_offer(CALLBACK, 1, 600) is EntryOffer.NONE  # "more than": equal is not over
    assert entry_offer(CALLBACK, 1, 601) is EntryOffer.CALLBACK
    assert over_threshold(CALLBACK, 1, 601) is Trigger.ESTIMATE
    assert entry_offer(CALLBACK, 1, None) is EntryOffer.NONE


def test_what_is_offered_follows_on_max_wait():
    overflow = QueuePolicy("l2-consommation", 600, MaxWaitAction.OVERFLOW, "l1", offer_at_waiting=3)
    assert entry_offer(overflow, 3, None) is EntryOffer.OVERFLOW
    assert entry_offer(overflow, 3, None, overflowed=True) is EntryOffer.NONE  # an overflow happens once
    no_target = QueuePolicy("l2-consommation", 600, MaxWaitAction.OVERFLOW, None, offer_at_waiting=3)
    assert entry_offer(no_target, 3, None) is EntryOffer.NONE
    stay = QueuePolicy("l1", 0, MaxWaitAction.STAY, offer_at_waiting=1)
    assert entry_offer(stay, 10, 5000) is EntryOffer.NONE
