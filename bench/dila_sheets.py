"""Synthetic service-public.fr answer sheets (« vosdroits » XML, schema 3.4) for the bench, one file at a time.

The tree: themes (2 per sector) → dossiers → sous-dossiers → fiches (1 in 5 a question-réponse). A fiche has the
Dublin Core header, audiences, the breadcrumb and its parents, an introduction, then either chapters (paragraphs,
lists, call-outs, BlocCas, tables, nested OuSAdresser) or ListeSituations, root OuSAdresser with sector pivots,
ServiceEnLigne, references, a definition and internal links (1 in 100 to a missing sheet, like the real archive).
Text is escaped once, in `_t`; everything else is fixed markup.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from bench.dila_vocab import AMOUNTS, CASES, SECTORS, SUBJECTS, TAILS, VERBS

SECTOR_KEYS = list(SECTORS)
FICHE_BASE, NODE_BASE = 10000, 20000
DC = ("<dc:creator>Direction de l'information légale et administrative</dc:creator>"
      "<dc:publisher>Direction de l'information légale et administrative</dc:publisher>")


@dataclass
class Node:
    id: str
    kind: str  # theme | dossier | fiche | qr
    title: str
    sector: str
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)


def _t(text: str) -> str:
    return escape(text)


def tree(rng: random.Random, total: int) -> list[Node]:
    """All `total` publications (themes, dossiers, fiches), parents before children."""
    if total < 20:
        raise ValueError("at least 20 sheets")
    theme_count = 12 if total >= 600 else 6
    dossier_count = max(theme_count, (total - theme_count) // 12)
    fiche_count = total - theme_count - dossier_count
    nodes: list[Node] = []
    themes = []
    for t in range(theme_count):
        sector = SECTOR_KEYS[t % 6]
        themes.append(Node(f"N{NODE_BASE + t}", "theme", SECTORS[sector][0][t // 6 % 2], sector))
    nodes += themes
    dossiers = []
    for d in range(dossier_count):
        theme = themes[d % theme_count]
        subjects = SECTORS[theme.sector][1]
        title = f"{subjects[d // theme_count % len(subjects)]} : vos démarches"
        dossier = Node(f"N{NODE_BASE + 100 + d}", "dossier", title, theme.sector, theme)
        theme.children.append(dossier)
        dossiers.append(dossier)
    nodes += dossiers
    for f in range(fiche_count):
        dossier = dossiers[f % dossier_count]
        _, subjects, qualifiers, _ = SECTORS[dossier.sector]
        kind = "qr" if f % 5 == 4 else "fiche"
        head = rng.choice(subjects)
        title = (f"{head} {rng.choice(qualifiers)}" if kind == "fiche"
                 else f"Peut-on {rng.choice(['contester', 'demander', 'obtenir', 'refuser'])} "
                      f"{head[0].lower()}{head[1:]} {rng.choice(qualifiers)} ?")
        fiche = Node(f"F{FICHE_BASE + f}", kind, title, dossier.sector, dossier)
        dossier.children.append(fiche)
        nodes.append(fiche)
    return nodes


def sentence(rng: random.Random, node: Node) -> str:
    parts = [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TAILS)}.",
             f"Pour {node.title[0].lower()}{node.title[1:]}, le montant est de {rng.choice(AMOUNTS)}.",
             f"La démarche concernant {rng.choice(SECTORS[node.sector][1]).lower()} se fait {rng.choice(TAILS)}."]
    return rng.choice(parts)


def paragraph(rng: random.Random, node: Node, links: list[str]) -> str:
    text = " ".join(_t(sentence(rng, node)) for _ in range(rng.randint(2, 4)))
    roll = rng.random()
    if roll < 0.15 and links:
        target = rng.choice(links)
        text += (f' Voir <LienInterne LienPublication="{target}" type="Fiche d\'information" '
                 f'audience="Particuliers">la fiche sur ce sujet</LienInterne>.')
    elif roll < 0.25:
        text += f" Le délai est de <Valeur>{_t(rng.choice(AMOUNTS))}</Valeur>."
    elif roll < 0.32:
        text += ' Consultez <LienExterne URL="https://www.legifrance.gouv.fr/">le texte officiel</LienExterne>.'
    elif roll < 0.37:
        text += ' Voir la <LienIntra LienID="R1" type="Définition de glossaire">définition</LienIntra>.'
    return f"<Paragraphe>{text}</Paragraphe>"


def where(rng: random.Random, node: Node, ident: int) -> str:
    pivots = SECTORS[node.sector][3]
    if rng.random() < 0.15:
        return (f'<OuSAdresser ID="R{ident}" sve="non" type="National"><Titre>Service en ligne national</Titre>'
                f'<RessourceWeb URL="https://www.service-public.gouv.fr/"/></OuSAdresser>')
    pivot = rng.choice(pivots)
    return (f'<OuSAdresser ID="R{ident}" sve="non" type="Local personnalisé sur SP"><Titre>{_t(pivot)}</Titre>'
            f'<PivotLocal>{pivot}</PivotLocal><RessourceWeb URL="https://lannuaire.service-public.fr/"/>'
            "</OuSAdresser>")


def chapter(rng: random.Random, node: Node, links: list[str], tag: str = "Chapitre") -> str:
    title = rng.choice(["Conditions", "Démarche", "Délais", "Coût", "Recours", "Documents à fournir",
                        "Qui est concerné ?", "Comment faire ?", "Montant"])
    body = [paragraph(rng, node, links) for _ in range(rng.randint(1, 3))]
    roll = rng.random()
    if roll < 0.2:
        items = "".join(f"<Item>{paragraph(rng, node, links)}</Item>" for _ in range(rng.randint(2, 4)))
        body.append(f'<Liste type="puce">{items}</Liste>')
    elif roll < 0.35:
        kind = rng.choice(["ANoter", "ASavoir", "Attention"])
        body.append(f"<{kind}><Titre>À noter</Titre>{paragraph(rng, node, links)}</{kind}>")
    elif roll < 0.5:
        cases = "".join(f"<Cas><Titre><Paragraphe>{_t(c)}</Paragraphe></Titre>{paragraph(rng, node, links)}</Cas>"
                        for c in rng.sample(CASES, rng.randint(2, 3)))
        body.append(f'<BlocCas affichage="{rng.choice(["onglet", "radio"])}">{cases}</BlocCas>')
    elif roll < 0.6:
        rows = "".join(f'<Rangée type="normal"><Cellule><Paragraphe>{_t(c)}</Paragraphe></Cellule>'
                       f"<Cellule><Paragraphe>{_t(rng.choice(AMOUNTS))}</Paragraphe></Cellule></Rangée>"
                       for c in rng.sample(CASES, 3))
        body.append('<Tableau><Titre>Montants</Titre><Rangée type="header"><Cellule><Paragraphe>Situation'
                    "</Paragraphe></Cellule><Cellule><Paragraphe>Montant</Paragraphe></Cellule></Rangée>"
                    f"{rows}</Tableau>")
    elif roll < 0.65:
        body.append(where(rng, node, rng.randint(30000, 39999)))
    return f"<{tag}><Titre><Paragraphe>{title}</Paragraphe></Titre>{''.join(body)}</{tag}>"


def header(node: Node, sp_type: str, dc_type: str, description: str) -> str:
    parent = f"<dc:relation>isPartOf {node.parent.id}</dc:relation>" if node.parent else ""
    chain = []
    cursor: Node | None = node
    while cursor is not None:
        chain.append(cursor)
        cursor = cursor.parent
    crumbs = "".join(f'<Niveau ID="{n.id}">{_t(n.title)}</Niveau>' for n in reversed(chain))
    theme = chain[-1]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Publication xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'ID="{node.id}" type={quoteattr(sp_type)} xsi:noNamespaceSchemaLocation="../Schemas/3.4/Publication.xsd" '
            'dateDerniereModificationImportante="2025-01-06T00:00:00" '
            f'spUrl="https://www.service-public.gouv.fr/particuliers/vosdroits/{node.id}">'
            f"<dc:title>{_t(node.title)}</dc:title>{DC}<dc:subject>{_t(theme.title)}</dc:subject>"
            f"<dc:description>{_t(description)}</dc:description><dc:date>modified 2025-01-06</dc:date>"
            f"<dc:type>{dc_type}</dc:type><dc:format>text/xml</dc:format><dc:identifier>{node.id}</dc:identifier>"
            f"<dc:language>Fr</dc:language>{parent}<dc:coverage>France entière</dc:coverage>"
            f"<SurTitre>{dc_type}</SurTitre><Audience>Particuliers</Audience>"
            f'{"<Audience>Professionnels</Audience>" if node.sector == "travail" else ""}'
            f'<Canal>www.service-public.fr</Canal><FilDAriane><Niveau ID="Particuliers">Accueil particuliers'
            f"</Niveau>{crumbs}</FilDAriane>")


def node_xml(rng: random.Random, node: Node) -> str:
    if node.kind == "theme":
        dossiers = "".join(f'<Dossier ID="{d.id}">{_t(d.title)}</Dossier>' for d in node.children)
        return (header(node, "Theme", "Thème", node.title)
                + f'<SousTheme ID="{node.id}-1"><Titre>{_t(node.title)}</Titre>{dossiers}</SousTheme></Publication>')
    assert node.parent is not None
    fiches = "".join(f'<Fiche ID="{f.id}">{_t(f.title)}</Fiche>' for f in node.children if f.kind == "fiche")
    questions = "".join(f'<QuestionReponse ID="{f.id}" audience="Particuliers"><Titre>{_t(f.title)}</Titre>'
                        "</QuestionReponse>" for f in node.children if f.kind == "qr")
    intro = f"<Introduction><Texte>{paragraph(rng, node, [])}</Texte></Introduction>"
    return (header(node, "Dossier", "Dossier", f"Les démarches : {node.title}")
            + f'<Theme ID="{node.parent.id}"><Titre>{_t(node.parent.title)}</Titre></Theme>{intro}'
            + f'<SousDossier ID="{node.id}-1"><Titre>{_t(node.title)}</Titre>{fiches}</SousDossier>{questions}'
            + "</Publication>")


def fiche_xml(rng: random.Random, node: Node, links: list[str]) -> str:
    assert node.parent is not None and node.parent.parent is not None
    dossier, theme = node.parent, node.parent.parent
    if node.kind == "qr":
        answer = rng.choice(["Oui.", "Non."])
        head = header(node, "Fiche Question-réponse conditionnée", "Question-réponse",
                      f"{answer} {sentence(rng, node)}")
        body = (f"<Texte><Paragraphe><MiseEnEvidence>{answer}</MiseEnEvidence> {_t(sentence(rng, node))}"
                f"</Paragraphe>{''.join(paragraph(rng, node, links) for _ in range(rng.randint(2, 4)))}</Texte>")
    else:
        head = header(node, "Fiche d'information", "Fiche pratique", sentence(rng, node))
        if rng.random() < 0.3:
            situations = "".join(f"<Situation><Titre>{_t(c)}</Titre><Texte>"
                                 f"{''.join(chapter(rng, node, links) for _ in range(rng.randint(1, 3)))}"
                                 "</Texte></Situation>" for c in rng.sample(CASES, rng.randint(2, 3)))
            content = f'<ListeSituations affichage="onglet">{situations}</ListeSituations>'
        else:
            content = f"<Texte>{''.join(chapter(rng, node, links) for _ in range(rng.randint(3, 6)))}</Texte>"
        body = f"<Introduction><Texte>{paragraph(rng, node, links)}</Texte></Introduction>{content}"
        body += "".join(where(rng, node, rng.randint(40000, 49999)) for _ in range(rng.randint(1, 2)))
        if rng.random() < 0.4:
            body += (f'<ServiceEnLigne ID="R{rng.randint(50000, 59999)}" URL="https://www.service-public.gouv.fr/" '
                     f'type="Formulaire" numerocerfa="{rng.randint(10000, 16999)}*0{rng.randint(1, 9)}">'
                     "<Titre>Formulaire de demande</Titre><Source ID=\"R1\">Ministère</Source></ServiceEnLigne>")
    siblings = "".join(f'<Fiche ID="{f.id}">{_t(f.title)}</Fiche>' for f in dossier.children[:30])
    context = (f'<Theme ID="{theme.id}"><Titre>{_t(theme.title)}</Titre></Theme>'
               f'<DossierPere ID="{dossier.id}"><Titre>{_t(dossier.title)}</Titre>'
               f'<SousDossier ID="{dossier.id}-1"><Titre>{_t(dossier.title)}</Titre>{siblings}</SousDossier>'
               f"</DossierPere><SousDossierPere>{_t(dossier.title)}</SousDossierPere>")
    annexes = ('<Reference type="Texte de référence" URL="https://www.legifrance.gouv.fr/" ID="R2">'
               "<Titre>Code civil : articles 1 à 10</Titre></Reference>"
               '<Definition ID="R1"><Titre>Définition</Titre><Texte><Paragraphe>Terme juridique expliqué.'
               "</Paragraphe></Texte></Definition>")
    return f"{head}{context}{body}{annexes}</Publication>"


def iter_publications(seed: int, total: int) -> Iterator[tuple[str, str]]:
    """(file name, XML text) of every publication, one at a time; 1 internal link in 100 points to no sheet."""
    rng = random.Random(seed)
    nodes = tree(rng, total)
    fiche_ids = [n.id for n in nodes if n.kind in ("fiche", "qr")]
    for node in nodes:
        if node.kind in ("theme", "dossier"):
            yield f"{node.id}.xml", node_xml(rng, node)
        else:
            links = rng.sample(fiche_ids, min(3, len(fiche_ids)))
            if rng.random() < 0.01:
                links = [f"F{FICHE_BASE - 1}"]  # a sheet the archive does not have
            yield f"{node.id}.xml", fiche_xml(rng, node, links)
