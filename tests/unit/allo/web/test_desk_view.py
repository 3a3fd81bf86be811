"""The desk page's layout (pure): every wrap-up outcome of the schema has its French radio button, every control
has a label, ids are unique, the knowledge panel is the shared search markup (opening sheets in a new tab), and an
account without an extension gets the French explanation instead of the desk."""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser

from allo.auth.roles import AuthMethod, Principal, Role
from allo.db.desk_models import WrapupOutcome
from allo.web.desk_view import OUTCOMES, desk_page
from allo.web.render import templates


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: dict[str, str] = {}
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._script = dict(attrs).get("id") if tag == "script" else None

    def handle_endtag(self, tag: str) -> None:
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script:
            self.data[self._script] = data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        want = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in want.items())]


def adviser(extension: str | None) -> Principal:
    return Principal(7, "camille", Role.AGENT, AuthMethod.COOKIE, "csrf-token", extension)


def draw(extension: str | None) -> tuple[str, Tags]:
    me = adviser(extension)
    html = templates.get_template("desk.html").render(me=me, csrf_token="csrf-token", desk=desk_page(me))
    tags = Tags()
    tags.feed(html)
    return html, tags


def test_every_outcome_of_the_schema_has_a_french_label() -> None:
    assert set(OUTCOMES) == set(WrapupOutcome)
    assert desk_page(adviser("agent1001")).outcomes == [
        ("answered", "Répondu"), ("transferred", "Transféré à un secteur"), ("oriented", "Orienté vers un organisme"),
        ("callback", "Rappel promis"), ("out_of_scope", "Hors champ")]


def test_the_agent_is_the_extension_and_a_blank_one_is_none() -> None:
    assert desk_page(adviser("agent1001")).agent == "agent1001"
    assert desk_page(adviser(None)).agent is None
    assert desk_page(adviser("  ")).agent is None


def test_the_desk_has_its_regions_buttons_and_outcomes() -> None:
    html, tags = draw("agent1001")
    assert tags.find("div", id="desk", data_agent="agent1001", data_username="camille")
    for region in ("desk-me", "desk-call", "desk-notes", "desk-reason", "desk-transfer", "desk-help", "desk-wrapup"):
        section = tags.find("section", id=region)
        assert section and section[0]["aria-labelledby"], region
        assert tags.find("h2", id=section[0]["aria-labelledby"] or ""), region
    assert tags.find("aside", class_="desk-side", aria_labelledby="desk-kb-title")
    for button in ("desk-login", "desk-pause", "desk-resume", "desk-logout"):
        assert "disabled" in tags.find("button", id=button)[0], button  # until the state is known
    assert [a["value"] for a in tags.find("input", type="radio", name="outcome")] == [o.value for o in OUTCOMES]
    assert tags.find("p", id="desk-reconnecting", role="alert")
    assert tags.find("div", id="desk-message", aria_live="assertive")
    assert tags.find("p", id="desk-announce", aria_live="polite")
    labels = json.loads(tags.data["desk-labels"])
    assert labels["origins"]["relay"] == "Plateforme relais" and labels["outcomes"]["callback"] == "Rappel promis"
    assert "desk-no-extension" not in html


def test_every_control_has_a_label_and_ids_are_unique() -> None:
    _, tags = draw("agent1001")
    ids = Counter(a["id"] for _, a in tags.tags if a.get("id"))
    assert [i for i, n in ids.items() if n > 1] == []
    labelled = {a["for"] for a in tags.find("label")}
    for tag, attrs in tags.tags:
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            assert attrs.get("id") in labelled, attrs


def test_the_knowledge_panel_is_the_shared_search_opening_sheets_in_a_new_tab() -> None:
    _, tags = draw("agent1001")
    assert tags.find("form", id="kb-search-form", data_open="tab")
    assert tags.find("form", id="dir-search-form")
    assert tags.find("h3", id="kb-search-title") and tags.find("h3", id="dir-search-title")
    scripts = [a["src"] for a in tags.find("script") if a.get("src")]
    assert scripts[-8:] == ["/static/knowledge_kit.js", "/static/knowledge.js", "/static/desk_kit.js",
                            "/static/desk_reason.js", "/static/desk_wrapup.js", "/static/desk_side.js",
                            "/static/desk_confirm.js", "/static/desk.js"]


def test_the_confirmation_panel_has_a_labelled_email_field_its_error_and_a_live_status() -> None:
    html, tags = draw("agent1001")
    (panel,) = tags.find("section", id="desk-confirm")
    assert "hidden" in panel  # shown by desk_confirm.js from the pop until the wrap-up is saved
    (field,) = tags.find("input", id="desk-confirm-address")
    assert (field["type"], field["autocomplete"]) == ("email", "off")
    assert tags.find("label", for_="desk-confirm-address")
    assert "desk-confirm-error" in (field["aria-describedby"] or "").split()
    assert tags.find("span", id="desk-confirm-error")
    assert tags.find("p", id="desk-confirm-status", role="status", aria_live="polite")
    assert tags.find("button", id="desk-confirm-send", type="submit")
    assert "Confirmation écrite" in html and "Envoyer la confirmation" in html


def test_the_connaissances_page_keeps_its_searches() -> None:
    html = templates.get_template("knowledge.html").render(me=adviser(None), csrf_token="", q="démission")
    tags = Tags()
    tags.feed(html)
    assert tags.find("input", id="kb-q", value="démission")
    assert tags.find("form", id="kb-search-form") and not tags.find("form", data_open="tab")
    assert tags.find("h2", id="kb-search-title") and tags.find("ol", id="dir-results")


def test_an_account_without_an_extension_is_told_why_in_french() -> None:
    html, tags = draw(None)
    assert tags.find("p", id="desk-no-extension")
    assert "n'est relié à aucun poste" in html
    assert not tags.find("div", id="desk") and not tags.find("script", src="/static/desk.js")
