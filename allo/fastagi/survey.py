"""The `survey` FastAGI route: the adviser hung up first and the caller stayed: two questions by keypad.

Reached from `[allo-survey]` (asterisk-conf/extensions.conf) with `call`, `queue`, `agent` and `origin`. The row is
written before the first question, each answer at once (docs/after-call.md). A hang-up at any point is a non-answer
or a partial answer, never an error; a database failure ends the survey quietly (the dialplan says goodbye).
"""

from __future__ import annotations

import logging

from agi.session import AgiSession
from allo.db.after_call_models import SurveyOrigin
from allo.fastagi.channel import AgiChannel
from allo.metrics import Metrics
from allo.records.survey_answers import SurveyAnswersStore
from allo.rules.cache import RulesCache
from ivr.survey import READ_TIMEOUT_MS, SurveyAnswers, run_survey

log = logging.getLogger(__name__)

ORIGINS = {origin.value for origin in SurveyOrigin}


class SurveyHandler:
    def __init__(self, store: SurveyAnswersStore, rules: RulesCache, metrics: Metrics, *,
                 timeout_ms: int = READ_TIMEOUT_MS) -> None:
        self._store = store
        self._rules = rules
        self._metrics = metrics
        self._timeout_ms = timeout_ms

    async def handle(self, session: AgiSession) -> None:
        call_id = session.args.get("call") or session.uniqueid
        origin = session.args.get("origin", "")
        origin = origin if origin in ORIGINS else SurveyOrigin.QUEUE.value
        snapshot = self._rules.snapshot
        try:
            call = await self._store.start(call_id, session.args.get("queue") or None,
                                           session.args.get("agent") or None, origin,
                                           snapshot.version if snapshot is not None else None)
        except Exception as exc:
            log.warning("survey of %s not started: %s", call_id, type(exc).__name__)
            return
        if call is None:
            log.info("survey of %s already taken: not asked again", call_id)
            return

        async def save(answers: SurveyAnswers) -> None:
            try:
                await self._store.answer(call_id, answers.satisfaction, answers.answered, answers.status.value)
            except Exception as exc:  # the caller goes on; the answer is lost, the row says what was kept
                log.warning("survey answer of %s not stored: %s", call_id, type(exc).__name__)

        result = await run_survey(AgiChannel(session), save, timeout_ms=self._timeout_ms)
        try:
            await self._store.finished(call_id)
        except Exception as exc:
            log.warning("survey end of %s not stored: %s", call_id, type(exc).__name__)
        self._metrics.surveys.labels(result.answers.status.value).inc()
        log.info("survey of %s (%s, adviser %s): %s, %s", call_id, origin, call.agent or "unknown",
                 result.answers.status.value, result.end.value)
