from ivr.queue_prompts import QUEUE_PROMPTS, QueuePrompt
from ivr.wait_speech import entry_offer_speech, repeated_announcement, wait_announcement


def test_next_in_line_with_about_one_minute():
    assert wait_announcement(1, 70) == [QueuePrompt.NEXT, QueuePrompt.ONE_MINUTE, QueuePrompt.EXIT_KEY]


def test_position_and_minutes():
    assert wait_announcement(4, 6 * 60 + 20) == [QueuePrompt.POSITION, "allo/nombres/4", QueuePrompt.ESTIMATE,
                                                 "allo/nombres/6", QueuePrompt.MINUTES, QueuePrompt.EXIT_KEY]


def test_no_estimate_and_beyond_what_numbers_can_say():
    assert wait_announcement(2, None) == [QueuePrompt.POSITION, "allo/nombres/2", QueuePrompt.EXIT_KEY]
    assert wait_announcement(80, 4000) == [QueuePrompt.OVER_AN_HOUR, QueuePrompt.EXIT_KEY]


def test_a_wait_shorter_than_the_announcement_is_not_announced():
    assert wait_announcement(2, 0) == []
    assert wait_announcement(1, 29) == []
    assert wait_announcement(1, 30) == [QueuePrompt.NEXT, QueuePrompt.ONE_MINUTE, QueuePrompt.EXIT_KEY]


def test_every_queue_prompt_has_a_french_text():
    assert set(QUEUE_PROMPTS) == {str(p) for p in QueuePrompt}


def test_the_repeated_announcement_says_the_position_a_fresh_estimate_and_the_exit_key():
    assert repeated_announcement(4, 6 * 60 + 20) == [
        QueuePrompt.POSITION, "allo/nombres/4", QueuePrompt.ESTIMATE, "allo/nombres/6", QueuePrompt.MINUTES,
        QueuePrompt.EXIT_KEY]
    assert repeated_announcement(1, 70) == [QueuePrompt.NEXT, QueuePrompt.ONE_MINUTE, QueuePrompt.EXIT_KEY]
    # Nobody working, or under half a minute: the position and the exit key only (never "0 minutes").
    assert repeated_announcement(2, None) == [QueuePrompt.POSITION, "allo/nombres/2", QueuePrompt.EXIT_KEY]
    assert repeated_announcement(1, 29) == [QueuePrompt.NEXT, QueuePrompt.EXIT_KEY]


def test_the_entry_offer_says_the_threshold_passed_or_the_estimate():
    assert entry_offer_speech(600, 900) == [QueuePrompt.LONG_OVER, "allo/nombres/10", QueuePrompt.MINUTES]
    assert entry_offer_speech(90, 900) == [QueuePrompt.LONG_OVER_ONE]
    assert entry_offer_speech(None, 6 * 60) == [QueuePrompt.ESTIMATE, "allo/nombres/6", QueuePrompt.MINUTES]
    assert entry_offer_speech(None, None) == [QueuePrompt.LONG]
