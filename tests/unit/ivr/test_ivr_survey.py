"""The survey's dialogue on a scripted call: answers saved as given, one retry, hang-ups kept."""

from ivr.scripted import ScriptedChannel
from ivr.survey import SurveyAnswers, SurveyEnd, SurveyResult, SurveyStatus, run_survey

SAT, ANS, THANKS, INVALID = "enquete-satisfaction", "enquete-reponse", "enquete-merci", "enquete-invalide"


async def survey(keys: list[str], hang_up_at: int | None = None) -> tuple[SurveyResult, list[SurveyAnswers],
                                                                         ScriptedChannel]:
    channel = ScriptedChannel(keys, hang_up_at=hang_up_at)
    saved: list[SurveyAnswers] = []

    async def save(answers: SurveyAnswers) -> None:
        saved.append(answers)

    return await run_survey(channel, save, timeout_ms=3000), saved, channel


async def test_4_then_1_both_saved_as_they_come():
    result, saved, channel = await survey(["4", "1"])
    assert result.end is SurveyEnd.FINISHED
    assert saved == [SurveyAnswers(4, None), SurveyAnswers(4, True)]
    assert [a.status for a in saved] == [SurveyStatus.PARTIAL, SurveyStatus.COMPLETE]
    assert channel.played == [SAT, ANS, THANKS]


async def test_garbage_then_5_then_2():
    result, saved, channel = await survey(["9", "5", "2"])
    assert channel.played == [SAT, INVALID, SAT, ANS, THANKS]
    assert saved[-1] == SurveyAnswers(5, False) and result.answers.status is SurveyStatus.COMPLETE
    assert result.keys == ["9", "5", "2"]


async def test_silence_twice_goes_on_without_the_answer():
    result, saved, channel = await survey(["", "", "1"])
    assert channel.played == [SAT, INVALID, SAT, ANS, THANKS]
    assert channel.waited_ms == [3000, 3000]
    assert saved == [SurveyAnswers(None, True)]
    assert result.answers.status is SurveyStatus.PARTIAL


async def test_silence_everywhere_is_no_answer():
    result, saved, channel = await survey([])
    assert channel.played == [SAT, INVALID, SAT, ANS, INVALID, ANS, THANKS]
    assert saved == [] and result.answers.status is SurveyStatus.NO_ANSWER and result.end is SurveyEnd.FINISHED


async def test_hang_up_after_the_first_answer_keeps_it():
    result, saved, _ = await survey(["3"], hang_up_at=2)  # the 2nd operation: the second question
    assert result.end is SurveyEnd.HUNG_UP
    assert saved == [SurveyAnswers(3, None)] and result.answers.status is SurveyStatus.PARTIAL


async def test_hang_up_at_once_is_a_non_answer_not_an_error():
    result, saved, _ = await survey(["4"], hang_up_at=1)
    assert result.end is SurveyEnd.HUNG_UP and saved == [] and result.answers.status is SurveyStatus.NO_ANSWER
