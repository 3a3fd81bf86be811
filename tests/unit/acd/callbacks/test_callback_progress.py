"""What became of an attempt, from the state the dialplan keeps in AstDB, and what to do next."""

from __future__ import annotations

import pytest

from acd.callbacks.progress import (
    AttemptEnd,
    Next,
    Progress,
    RowStage,
    Stage,
    Step,
    after_attempt,
    parse_progress,
    reconcile,
)


@pytest.mark.parametrize(("raw", "end"), [
    ("ANSWER", AttemptEnd.ANSWERED), ("NOANSWER", AttemptEnd.NO_ANSWER), ("BUSY", AttemptEnd.BUSY),
    ("CONGESTION", AttemptEnd.FAILED), ("CHANUNAVAIL", AttemptEnd.FAILED), ("CANCEL", AttemptEnd.INTERRUPTED),
    ("NOAGENT", AttemptEnd.INTERRUPTED), ("CANCELLED", AttemptEnd.CANCELLED), ("WHATEVER", AttemptEnd.FAILED),
    ("", AttemptEnd.FAILED),
])
def test_final_words_of_the_dialplan_map_to_attempt_outcomes(raw, end):
    progress = parse_progress(raw)
    assert progress.stage is Stage.ENDED and progress.end is end


def test_intermediate_states_and_the_reserved_agent():
    assert parse_progress("queued") == Progress(Stage.QUEUED, status="queued")
    dialling = parse_progress("dialling:agent1002")
    assert dialling.stage is Stage.DIALLING and dialling.agent == "agent1002"
    assert parse_progress("dialling:").agent is None


def _verdict(row, raw, *, age=0.0, in_flight=False, alive=None):
    return reconcile(row, None if raw is None else parse_progress(raw), age=age, grace=10.0, in_flight=in_flight,
                     alive=alive)


def test_a_finished_attempt_is_closed_with_its_outcome_whatever_our_row_says():
    for row in RowStage:
        verdict = _verdict(row, "NOANSWER")
        assert verdict.step is Step.CLOSE and verdict.end is AttemptEnd.NO_ANSWER and verdict.detail == "NOANSWER"


def test_live_attempts_are_adopted_and_followed():
    assert _verdict(RowStage.CLAIMED, "queued").step is Step.MARK_ORIGINATED
    assert _verdict(RowStage.ORIGINATED, "queued").step is Step.WAIT
    reserved = _verdict(RowStage.ORIGINATED, "dialling:agent1001")
    assert reserved.step is Step.MARK_RESERVED and reserved.agent == "agent1001"
    assert _verdict(RowStage.AGENT_RESERVED, "dialling:agent1001").step is Step.WAIT
    assert _verdict(RowStage.ORIGINATED, "queued", alive=True).step is Step.WAIT


def test_an_attempt_asterisk_lost_is_interrupted():
    verdict = _verdict(RowStage.AGENT_RESERVED, "dialling:agent1001", alive=False)
    assert verdict.step is Step.CLOSE and verdict.end is AttemptEnd.INTERRUPTED


def test_a_claimed_attempt_is_originated_again_only_when_it_surely_never_reached_asterisk():
    assert _verdict(RowStage.CLAIMED, None, age=11.0).step is Step.ORIGINATE
    assert _verdict(RowStage.CLAIMED, None, age=5.0).step is Step.WAIT  # its Originate may be on its way
    assert _verdict(RowStage.CLAIMED, None, age=60.0, in_flight=True).step is Step.WAIT
    assert _verdict(RowStage.CLAIMED, "queued", age=60.0).step is Step.MARK_ORIGINATED  # never twice


def test_an_originated_attempt_without_state_is_closed_not_dialled_again():
    assert _verdict(RowStage.ORIGINATED, None, age=5.0).step is Step.WAIT
    verdict = _verdict(RowStage.ORIGINATED, None, age=11.0)
    assert verdict.step is Step.CLOSE and verdict.end is AttemptEnd.INTERRUPTED


def test_after_an_attempt():
    assert after_attempt(AttemptEnd.ANSWERED, 3, 3) is Next.DONE
    assert after_attempt(AttemptEnd.NO_ANSWER, 1, 3) is Next.RETRY
    assert after_attempt(AttemptEnd.BUSY, 3, 3) is Next.FAILED


def test_the_dial_towards_the_citizen_and_the_answer_carry_their_second():
    ringing = parse_progress("ringing:agent1002:1765000000")
    assert ringing.stage is Stage.RINGING and ringing.agent == "agent1002" and ringing.rang_at == 1765000000.0
    answered = parse_progress("ANSWER:1765000000:1765000007")
    assert answered.end is AttemptEnd.ANSWERED and answered.status == "ANSWER"
    assert (answered.rang_at, answered.reached_at) == (1765000000.0, 1765000007.0)
    unanswered = parse_progress("NOANSWER:1765000000")
    assert unanswered.end is AttemptEnd.NO_ANSWER and unanswered.rang_at == 1765000000.0
    assert unanswered.reached_at is None and unanswered.status == "NOANSWER"
    # The agent hung up during the prompt: the citizen's phone never rang.
    assert parse_progress("CANCEL:").rang_at is None
    assert parse_progress("ringing:agent1002:garbage").rang_at is None


def test_a_ringing_attempt_is_adopted_like_a_dialling_one():
    assert _verdict(RowStage.ORIGINATED, "ringing:a1:1765000000").step is Step.MARK_RESERVED
    assert _verdict(RowStage.AGENT_RESERVED, "ringing:a1:1765000000").step is Step.WAIT
