import re

from allo.queues.repeat import SAY_CHANNEL, UNIQUEID, say_fields, say_pattern


def test_the_whisper_is_a_local_channel_spying_on_the_exact_uniqueid_with_the_prompts_to_play():
    fields = say_fields("1733543000.12", ["allo/file/position", "allo/nombres/3", "allo/file/touche-rappel"])
    assert fields["Channel"] == "Local/1733543000.12@allo-queue-say/n"
    assert fields["Application"] == "ChanSpy" and fields["Data"] == "1733543000.12,qWESu"
    assert fields["Variable"] == "ALLO_SAY=allo/file/position&allo/nombres/3&allo/file/touche-rappel"
    assert fields["Async"] == "true"


def test_the_hangup_pattern_matches_both_halves_of_this_callers_whisper_only():
    assert say_pattern("1733543000.12") == r"/^Local/1733543000\.12@allo-queue-say-/"
    pattern = re.compile(say_pattern("1733543000.12")[1:-1])
    assert pattern.match("Local/1733543000.12@allo-queue-say-0000001a;1")
    assert pattern.match("Local/1733543000.12@allo-queue-say-0000001a;2")
    assert not pattern.match("Local/1733543000.123@allo-queue-say-0000001a;1")
    assert not pattern.match("Local/1733543000x12@allo-queue-say-0000001a;1")


def test_uniqueids_of_a_named_node_are_recognised():
    assert UNIQUEID.match("1733540000.42") and UNIQUEID.match("a-1733540000.42")
    assert not UNIQUEID.match("Local/x") and not UNIQUEID.match("A-1.2")
    whisper = SAY_CHANNEL.match("Local/b-1733540000.42@allo-queue-say-0000abcd;1")
    assert whisper is not None and whisper["uniqueid"] == "b-1733540000.42"
