"""The demo sheets shipped for `make run` (allo/knowledge/demo): the tree other parts rely on (docs/knowledge.md),
every file valid, links and pivots coherent."""

from __future__ import annotations

from allo.directory.pivots import known
from allo.knowledge.demo_seed import DEMO_DIR
from allo.knowledge.parse import parse_sheet
from allo.knowledge.sheet import SheetKind

THEMES = {"N90100": "Papiers - Citoyenneté", "N90200": "Travail", "N90300": "Consommation",
          "N90400": "Justice - Famille", "N90500": "Impôts", "N90600": "Logement - Urbanisme"}
TREE = {"N90110": ["F90111", "F90112", "F90113"], "N90120": ["F90121", "F90122"],
        "N90210": ["F90211", "F90212", "F90213"], "N90220": ["F90221", "F90222"], "N90310": ["F90311", "F90312"],
        "N90410": ["F90411", "F90412"], "N90420": ["F90421"], "N90510": ["F90511", "F90512"],
        "N90520": ["F90521"], "N90610": ["F90611"], "N90620": ["F90621"], "N90630": ["F90631"]}


def demo() -> dict:
    return {p.stem: parse_sheet(p.read_bytes(), p.name) for p in DEMO_DIR.glob("*.xml")}


def test_the_documented_tree() -> None:
    sheets = demo()
    assert 25 <= len(sheets) <= 40
    assert {i: s.title for i, s in sheets.items() if s.kind is SheetKind.THEME} == THEMES
    for dossier, fiches in TREE.items():
        assert sheets[dossier].kind is SheetKind.DOSSIER and sheets[dossier].parent_id == dossier[:4] + "00"
        assert sorted(i for i, s in sheets.items() if s.parent_id == dossier) == fiches
    assert sheets["F90113"].kind is SheetKind.QUESTION
    assert all(not s.unknown_elements for s in sheets.values())


def test_pivots_and_links() -> None:
    sheets = demo()
    pivots = {p for s in sheets.values() for p in s.pivots}
    assert {"mairie", "prefecture", "caf", "cpam", "sip", "tgi", "prudhommes", "adil", "ddets", "msap",
            "commission_conciliation"} <= pivots
    assert all(known(p) for p in pivots)
    assert sheets["F90111"].pivots == ["mairie"] and sheets["F90631"].pivots == ["adil", "commission_conciliation"]
    assert [w["kind"] for w in sheets["F90421"].document["where"]] == ["national"]
    assert all(link in sheets for s in sheets.values() for link in s.links)  # no dangling link in the demo
