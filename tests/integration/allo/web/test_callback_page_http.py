"""The public callback page /rappel against the real service, over plain HTTP (no sign-in); the browser test that
books through it is tests/e2e/test_callback_page.py."""

from __future__ import annotations

import html as markup
import re

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_the_page_is_public_french_labelled_and_states_the_promise(running_service):
    with httpx.Client(base_url=running_service.base_url, timeout=20) as client:
        page = client.get("/rappel")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = markup.unescape(page.text)  # Jinja escapes the apostrophes
    assert '<html lang="fr">' in html
    # Every field has its label; the promise comes from the settings and the live hours (the test clock is open).
    for field, label in (("callback-phone", "Votre numéro de téléphone"), ("callback-sector", "Votre question porte"),
                         ("callback-consent", "J'accepte d'être rappelé")):
        assert re.search(rf'<label for="{field}">{label}', html), field
        assert f'id="{field}"' in html
    assert "Nous vous rappelons dans les 45 minutes pendant les heures d'ouverture" in html
    assert "Le service est ouvert en ce moment." in html
    assert '<option value="" selected>Question générale</option>' in html
    assert re.search(r'<option value="travail">[^<]+</option>', html)  # the seeded sectors
    assert 'role="alert"' in html and 'aria-live="assertive"' in html
    assert '/static/callback.js' in html


def test_the_api_says_which_rule_a_refused_number_broke(running_service):
    with httpx.Client(base_url=running_service.base_url, timeout=20) as client:
        for phone, reason in (("08 92 12 34 56", "premium"), ("06 12 34", "wrong_length"),
                              ("+44 20 7946 0000", "foreign")):
            refused = client.post("/api/callbacks", json={"phone": phone, "consent": True})
            assert refused.status_code == 422, refused.text
            assert refused.json()["detail"]["error"] == "invalid_number"
            assert refused.json()["detail"]["reason"] == reason

