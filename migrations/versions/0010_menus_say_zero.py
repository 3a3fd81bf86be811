"""Every menu says that 0 reaches an adviser (issue 15): the seeded sector menu's text gains « Un conseiller,
tapez 0. », and so does any other menu's text that does not mention the 0 key yet. The seeded main menu's text,
when still the seeded one, becomes shorter (13.8 s -> 9.1 s), and so does the connecting prompt (3.7 s -> 2.3 s): a
caller who presses nothing must be queued in level 1 within 30 s of the answer, and the seeded main path (welcome,
main menu, its timeout, connecting) must stay within the 20 s budget the rules editor warns about.

The rules editor now refuses to publish a menu whose text does not say 0 (allo/rules/menu_checks.py). Changing the
live tables here makes the next rules version (recorded as "modifié hors de l'éditeur de règles" on the editor's
next read) pass that check, so ops can publish again without first fixing a text they did not touch. The rules
tables' trigger bumps rules_meta.version and NOTIFYs allo_rules: the FastAGI processes reload, and the reworded
prompt is synthesised again. A prompt with an uploaded recording keeps playing it: re-record it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SECTOR_MENU = "allo/menu-secteurs"
OLD_SECTOR_TEXT = ("Intérieur, 1. Droit du travail, 2. Consommation, 3. Justice, 4. Fiscalité, 5. "
                   "Logement et urbanisme, 6.")
SAY_ZERO = "Un conseiller, tapez 0."
NEW_SECTOR_TEXT = f"{OLD_SECTOR_TEXT} {SAY_ZERO}"
MAIN_MENU = "allo/menu-principal"
OLD_MAIN_TEXT = ("Question administrative, tapez 1. Code d'accès du service spécialisé, tapez 2. Réponses en ligne, "
                 "tapez 3. Impôts, tapez 4. Être rappelé, tapez 5. Un conseiller, tapez 0. Réécouter, étoile.")
NEW_MAIN_TEXT = ("Question générale, tapez 1. Code d'accès, 2. Réponses en ligne, 3. Impôts, 4. Être rappelé, 5. "
                 "Un conseiller, 0.")
CONNECTING = "allo/mise-en-relation"
OLD_CONNECTING_TEXT = "Nous vous mettons en relation avec un conseiller. Merci de patienter."
NEW_CONNECTING_TEXT = "Nous vous mettons en relation avec un conseiller."
REWORDED = ((SECTOR_MENU, OLD_SECTOR_TEXT, NEW_SECTOR_TEXT), (MAIN_MENU, OLD_MAIN_TEXT, NEW_MAIN_TEXT),
            (CONNECTING, OLD_CONNECTING_TEXT, NEW_CONNECTING_TEXT))
UPDATE = "UPDATE prompts SET text = :new, updated_at = now() WHERE name = :name AND text = :old"
# The test of allo.rules.menu_checks.says_zero, frozen here as it was when this migration was written.
ZERO_SPOKEN = re.compile(r"(?<![\d,.])0(?!\d|[,.]\d)|\bz[ée]ro\b", re.IGNORECASE)


def upgrade() -> None:
    conn = op.get_bind()
    for name, old, new in REWORDED:
        conn.execute(sa.text(UPDATE), {"name": name, "old": old, "new": new})
    menu_prompts = conn.execute(sa.text(
        "SELECT DISTINCT p.name, p.text FROM prompts p JOIN menus m ON m.prompt = p.name")).all()
    for name, text in menu_prompts:
        if not ZERO_SPOKEN.search(text):
            conn.execute(sa.text("UPDATE prompts SET text = :text, updated_at = now() WHERE name = :name"),
                         {"name": name, "text": f"{text.rstrip()} {SAY_ZERO}"})


def downgrade() -> None:
    # Only the seeded texts go back; sentences added to texts ops wrote stay (they are true and harmless).
    for name, old, new in REWORDED:
        op.get_bind().execute(sa.text(UPDATE), {"name": name, "old": new, "new": old})
