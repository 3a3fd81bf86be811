"""The confirmation mail (pure), parsed back with the stdlib `email` parser: headers, the two parts, the links,
and no HTML injected by a sheet's title."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from allo.confirmations.compose import SUBJECT, compose, new_message_id
from allo.confirmations.content import body_address, phone_lines, sheet_link
from allo.directory.hours import describe
from allo.directory.records import OpeningRange
from tests.mail_kit import html_of, links, text_of

CREATED = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)
CONTENT = {
    "sheets": [{"id": "F1234", "title": "Carte grise : changement d'adresse", "summary": "Vous devez déclarer…",
                "url": "https://www.service-public.fr/particuliers/vosdroits/F1234"},
               {"id": "F666", "title": '<script>alert("x")</script> & <a href="https://evil.example">clic</a>',
                "summary": "<img src=x onerror=alert(1)>", "url": "javascript:alert(1)"}],
    "bodies": [{"id": "b1", "name": "Caisse d'allocations familiales (Caf) de la Moselle",
                "address": "4 boulevard du Pontiffroy, 57000 Metz",
                "hours": describe((OpeningRange(0, 4, (("08:30", "12:00"), ("13:30", "16:30")), ""),)),
                "hours_comment": "Sur rendez-vous l'après-midi", "phones": ["3230 (Accueil)"]}],
}


def parsed(**kwargs):
    message = compose(CONTENT, "camille.martin@exemple.fr", "<confirmation-abc@3939.example.gouv.fr>",
                      sender="Allô Service Public <ne-pas-repondre@3939.example.gouv.fr>", created=CREATED, **kwargs)
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_headers_say_who_what_and_that_it_is_automatic():
    mail = parsed()
    assert mail["Subject"] == SUBJECT == "Votre appel au 3939 : les informations données"
    assert mail["To"] == "camille.martin@exemple.fr"
    assert mail["From"].addresses[0].addr_spec == "ne-pas-repondre@3939.example.gouv.fr"
    assert mail["Message-ID"] == "<confirmation-abc@3939.example.gouv.fr>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"].datetime == CREATED
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]


def test_the_text_part_has_sheets_links_and_bodies_hours_in_french():
    text = text_of(parsed())
    assert "Carte grise : changement d'adresse" in text
    assert "https://www.service-public.fr/particuliers/vosdroits/F1234" in text
    assert "Caisse d'allocations familiales (Caf) de la Moselle" in text
    assert "Adresse : 4 boulevard du Pontiffroy, 57000 Metz" in text
    assert "du lundi au vendredi : 08:30-12:00, 13:30-16:30" in text
    assert "Téléphone : 3230 (Accueil)" in text
    assert "merci de ne pas y répondre" in text


def test_the_html_part_links_only_web_pages_and_escapes_imported_text():
    html = html_of(parsed())
    assert links(html) == ["https://www.service-public.fr/particuliers/vosdroits/F1234"]
    assert "javascript" not in html and "javascript" not in text_of(parsed())
    assert "<script>" not in html and "<img" not in html and "evil.example\">" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;a href=" in html
    assert "Caisse d&#39;allocations familiales" in html
    assert "<li>du lundi au vendredi : 08:30-12:00, 13:30-16:30</li>" in html


def test_the_same_inputs_give_the_same_mail_for_every_attempt():
    first, again = parsed(), parsed()
    assert first["Message-ID"] == again["Message-ID"] and first["Date"] == again["Date"]
    assert text_of(first) == text_of(again) and html_of(first) == html_of(again)


def test_a_mail_with_only_bodies_has_no_sheet_section():
    message = compose({"sheets": [], "bodies": CONTENT["bodies"]}, "a@exemple.fr", "<x@y.fr>", sender="a@y.fr",
                      created=CREATED)
    assert "Fiches pratiques" not in text_of(message) and "Organismes à contacter" in text_of(message)


def test_message_ids_are_unique_and_on_the_mail_domain():
    ids = {new_message_id("3939.example.gouv.fr") for _ in range(50)}
    assert len(ids) == 50
    assert all(i.startswith("<confirmation-") and i.endswith("@3939.example.gouv.fr>") for i in ids)


def test_content_helpers():
    assert sheet_link("F1", "https://www.service-public.fr/particuliers/vosdroits/F1").endswith("/F1")
    assert sheet_link("F2", "") == "https://www.service-public.fr/particuliers/vosdroits/F2"
    assert sheet_link("F3", "javascript:x") == "https://www.service-public.fr/particuliers/vosdroits/F3"
    assert body_address([{"kind": "postal", "street": "BP 1", "postal_code": "57000", "commune": "Metz"},
                         {"kind": "physical", "street": "1 rue A", "complement1": "Bât. B", "postal_code": "57000",
                          "commune": "Metz"}]) == "Bât. B, 1 rue A, 57000 Metz"
    assert body_address([]) == ""
    assert phone_lines([{"number": "3230", "description": ""}, {"number": "", "description": "x"}]) == ["3230"]
