"""The state history's period (Paris, default today, at most 31 days) and its CSV (French headers and labels)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from allo.agents.history_read import history_csv, parse_history
from allo.db.desk_models import AgentStateEvent
from allo.records.lookup_params import BadLookup
from routing.calendar_types import PARIS

NOW = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # already the 8th in Paris


def test_default_period_is_today_in_paris() -> None:
    query = parse_history(None, None, None, None, None, now=NOW)
    assert (query.start, query.end) == (datetime(2026, 12, 8, tzinfo=PARIS), datetime(2026, 12, 9, tzinfo=PARIS))
    assert (query.agent, query.limit, query.offset) == (None, 200, 0)


def test_a_period_and_an_agent() -> None:
    query = parse_history(" agent1001 ", "2026-12-01 08:00", "2026-12-03", "50", "100", now=NOW)
    assert query.agent == "agent1001"
    assert query.start == datetime(2026, 12, 1, 8, tzinfo=PARIS)
    assert query.end == datetime(2026, 12, 4, tzinfo=PARIS)
    assert (query.limit, query.offset) == (50, 100)


@pytest.mark.parametrize(("args", "message"), [
    (("x y", None, None, None, None), "« agent » : identifiant de conseiller invalide"),
    ((None, "2026-01-01", "2026-03-01", None, None), "La période dépasse 31 jours : choisissez-en une plus courte"),
    ((None, "2026-12-05", "2026-12-01", None, None), "La fin de la période doit être après son début"),
    ((None, "hier", None, None, None), "« du » : date illisible « hier » (attendu AAAA-MM-JJ ou AAAA-MM-JJ HH:MM)"),
    ((None, None, None, "0", None), "« limit » doit être un nombre entier de 1 à 1000"),
])
def test_bad_requests_are_said_in_french(args: tuple[str | None, ...], message: str) -> None:
    with pytest.raises(BadLookup) as refused:
        parse_history(*args, now=NOW)
    assert str(refused.value) == message


def test_csv_has_french_headers_labels_and_paris_times() -> None:
    rows = [AgentStateEvent(id=1, agent="agent1001", state="pause", reason="telephone", source="phone",
                            actor="agent1001", call_id=None, at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
            AgentStateEvent(id=2, agent="agent1001", state="wrapup_start", reason=None, source="system", actor=None,
                            call_id="1700.1", at=datetime(2026, 7, 7, 9, 0, tzinfo=UTC))]
    assert history_csv(rows).split("\r\n") == [
        "conseiller,date et heure (Paris),état,motif,source,par,appel",
        "agent1001,2026-12-07 10:00:00,pause,telephone,téléphone,agent1001,",
        "agent1001,2026-07-07 11:00:00,début d'après-appel,,système,,1700.1",
        ""]
