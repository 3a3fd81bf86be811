"""The public forms of the best hours: JSON and an embeddable French fragment, escaped, also with no history."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from acd.planning.best_hours import NO_HISTORY_TEXT, BestRange, best_hours_text
from allo.planning.best_hours import BestHoursReport, QueueBestHours
from allo.planning.best_hours_public import best_hours_html, best_hours_json

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def report(*queues: QueueBestHours) -> BestHoursReport:
    return BestHoursReport(AT, list(queues))


def test_json_gives_each_queue_its_ranges_in_minutes() -> None:
    ranges = [BestRange(1, 28, 32, 45.0), BestRange(4, 46, 48, 130.0)]
    body = best_hours_json(report(QueueBestHours("l1", "Ligne générale", "general", ranges,
                                                 best_hours_text(ranges), [])))
    assert body == {"generated_at": "2026-11-23T09:00:00+00:00", "queues": [{
        "queue": "l1", "label": "Ligne générale", "text": best_hours_text(ranges),
        "ranges": [
            {"weekday": 1, "day": "mardi", "start": "14:00", "end": "16:00", "expected_wait_min": 0.8},
            {"weekday": 4, "day": "vendredi", "start": "23:00", "end": "24:00", "expected_wait_min": 2.2},
        ]}]}


def test_the_fragment_is_french_escaped_and_without_script() -> None:
    ranges = [BestRange(3, 18, 21, 200.0)]
    html = best_hours_html(report(QueueBestHours("l2-x", "Droit <du> travail & co", "specialist", ranges, "", [])))
    assert "<h3>Droit &lt;du&gt; travail &amp; co</h3>" in html
    assert "<li>Le jeudi de 9 h à 10 h 30 (environ 3 min d&#x27;attente)</li>" in html
    assert not re.search(r"<script|<style|\son\w+=", html)


def test_with_no_history_the_fragment_and_the_json_say_so() -> None:
    empty = QueueBestHours("l1", "Ligne générale", "general", [], NO_HISTORY_TEXT, [])
    assert best_hours_json(report(empty))["queues"][0]["ranges"] == []
    assert best_hours_json(report(empty))["queues"][0]["text"] == NO_HISTORY_TEXT
    html = best_hours_html(report(empty))
    assert "<p>Nous n&#x27;avons pas encore assez d&#x27;appels mesurés" in html and "<ul>" not in html
    assert "<p>Nous n&#x27;avons" in best_hours_html(report())
