#!/usr/bin/python3
"""Classic process AGI (pyst2), run by Asterisk inside its root: one Python process per call.

Makes allo's decision for the bench journey with the project's `routing` code: open now (the rules and the
clock exported at bench start), welcome, one digit at the main menu, the queue of that option (else level 1).
"""

import os
import pickle
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))

from asterisk.agi import AGI  # noqa: E402

from routing.decide import CallRequest, Target, decide  # noqa: E402
from routing.route import RouteKind  # noqa: E402

DIGITS = "0123456789*#"


def main() -> None:
    agi = AGI()
    with open(os.path.join(HERE, "rules.pickle"), "rb") as source:
        rules, now = pickle.load(source)
    entry = decide(rules, CallRequest(Target.ENTRY), now)
    if entry.route.kind is not RouteKind.MENU:
        agi.set_variable("ALLO_QUEUE", "")
        return
    key = agi.stream_file("allo/bienvenue", DIGITS)
    menu = rules.menus[rules.root_menu]
    if not key:
        key = agi.get_data(menu.prompt, menu.timeout_ms, 1)
    option = menu.options.get(key)
    if option is not None and option.queue:
        decision = decide(rules, CallRequest(Target.QUEUE, queue=option.queue), now)
    else:
        decision = decide(rules, CallRequest(Target.LEVEL1, why=f"key {key!r}"), now)
    if decision.route.kind is RouteKind.QUEUE and decision.route.queue:
        agi.stream_file("allo/mise-en-relation")
        agi.set_variable("ALLO_QUEUE", decision.route.queue)


if __name__ == "__main__":
    main()
