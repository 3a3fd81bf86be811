"""Which sectors can a caller reach from the first menu? (pure)"""

from __future__ import annotations

from allo.rules.document import RulesDocument
from routing.rules import MenuAction


def reachable_sectors(doc: RulesDocument) -> set[str]:
    """Walk submenus and access-code sector menus from the root; a sector is reached by a queue option naming it
    (or its queue), or by an active sector code of a service whose access-code option is reachable."""
    by_queue = {sector.queue: code for code, sector in doc.sectors.items()}
    reached: set[str] = set()
    seen: set[str] = set()
    todo = [doc.root_menu]
    while todo:
        name = todo.pop()
        menu = doc.menus.get(name)
        if name in seen or menu is None:
            continue
        seen.add(name)
        for option in menu.options.values():
            if option.action in (MenuAction.SUBMENU, MenuAction.ACCESS_CODE) and option.target_menu is not None:
                todo.append(option.target_menu)
            if option.action is MenuAction.QUEUE:
                if option.sector is not None:
                    reached.add(option.sector)
                elif option.queue in by_queue:
                    reached.add(by_queue[option.queue])
            if option.action is MenuAction.ACCESS_CODE:
                reached.update(code.sector for code in doc.access_codes
                               if code.service == option.service and code.sector is not None)
    return reached
