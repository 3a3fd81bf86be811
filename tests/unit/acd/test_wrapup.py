"""The wrap-up pause reason and the reconciler's decision (acd/wrapup.py)."""

from __future__ import annotations

import pytest

from acd.wrapup import WrapupAction, WrapupPause, is_wrapup, parse_wrapup_reason, reconcile, wrapup_reason


def test_the_reason_carries_the_deadline_and_the_call_and_reads_back() -> None:
    reason = wrapup_reason(1765000000, "1765000000.42")
    assert reason == "apres-appel/1765000000/1765000000.42"
    assert parse_wrapup_reason(reason) == WrapupPause(1765000000, "1765000000.42")


@pytest.mark.parametrize("reason", [None, "", "pause", "telephone", "apres-appel", "apres-appel/x/1.2",
                                    "apres-appel/12/", "apres-appel/12/1 2", "xapres-appel/12/1.2",
                                    "apres-appel/12/1.2\n"])
def test_an_ordinary_pause_is_not_a_wrapup(reason: str | None) -> None:
    assert parse_wrapup_reason(reason) is None
    assert not is_wrapup(reason)
    assert reconcile(reason, in_call=False, now=2e9) is WrapupAction.KEEP


def test_a_call_id_that_cannot_travel_in_a_reason_is_refused() -> None:
    with pytest.raises(ValueError):
        wrapup_reason(1, "a/b")


def test_the_deadline_decides() -> None:
    reason = wrapup_reason(1000, "1.1")
    assert reconcile(reason, in_call=False, now=999.9) is WrapupAction.KEEP
    assert reconcile(reason, in_call=False, now=1000) is WrapupAction.LIFT


def test_still_in_call_is_kept_only_while_the_adviser_is_in_a_call() -> None:
    reason = wrapup_reason(0, "1.1")
    assert reconcile(reason, in_call=True, now=2e9) is WrapupAction.KEEP
    assert reconcile(reason, in_call=False, now=0) is WrapupAction.LIFT
