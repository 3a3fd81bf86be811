"""The menu tree's own rules (pure): every menu says that 0 reaches an adviser, two levels of menus at most, no loop.

Each check returns (path, French message) pairs; allo.rules.validate turns them into Problems.
"""

from __future__ import annotations

import re

from allo.rules.document import RulesDocument
from ivr.engine import MAX_DEPTH
from routing.rules import MenuAction

# "0" standing alone (not the 0 of "10" or of a phone number), or the word, with or without its accent.
ZERO_SPOKEN = re.compile(r"(?<![\d,.])0(?!\d|[,.]\d)|\bz[ée]ro\b", re.IGNORECASE)
NESTED = (MenuAction.SUBMENU, MenuAction.ACCESS_CODE)


def says_zero(text: str) -> bool:
    """Does a menu's text tell the caller about the 0 key (« Un conseiller, tapez 0 », « zéro »)?"""
    return ZERO_SPOKEN.search(text) is not None


def zero_problems(doc: RulesDocument) -> list[tuple[str, str]]:
    """Key 0 reaches an adviser from every menu (the engine does it): every menu must say so."""
    return [(f"menus.{name}.prompt", f"Le menu {name} ne dit pas qu'on peut taper 0 pour parler à un conseiller : "
                                     f"ajoutez « Un conseiller, tapez 0 » au texte du message {menu.prompt}")
            for name, menu in doc.menus.items()
            if menu.prompt in doc.prompts and not says_zero(doc.prompts[menu.prompt])]


def depth_problems(doc: RulesDocument) -> list[tuple[str, str]]:
    """Menus below the first one are reached by submenu and access-code options; MAX_DEPTH (2) levels at most, and a
    menu never leads back to one above it (the engine would send such callers to level 1)."""
    found: dict[str, str] = {}

    def walk(path: list[str]) -> None:
        menu = doc.menus[path[-1]]
        for digit, option in sorted(menu.options.items()):
            target = option.target_menu
            if option.action not in NESTED or target is None or target not in doc.menus or target == path[-1]:
                continue  # an unknown menu, or a menu opening itself, is said by the option's own check
            route = " → ".join([*path, target])
            if target in path:
                found.setdefault(f"menus.{path[-1]}.options.{digit}",
                                 f"Les menus tournent en rond : {route} (touche {digit} du menu {path[-1]})")
            elif len(path) >= MAX_DEPTH:
                found.setdefault(f"menus.{target}",
                                 f"Le menu {target} est trop profond : {route} fait {len(path) + 1} niveaux de "
                                 f"menus ; {MAX_DEPTH} au plus (le premier menu et un sous-menu)")
            else:
                walk([*path, target])

    if doc.root_menu in doc.menus:
        walk([doc.root_menu])
    return list(found.items())
