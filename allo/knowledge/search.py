"""Searching the answer sheets: one SQL query, French full-text search and trigrams together.

- `websearch_to_tsquery('allo_fr', q)`: the words as typed (quotes, `-word`, `or` work), accents folded, stemmed;
- every word ANDed with the last one as a prefix (`démiss` finds démission while the adviser types);
- every word ORed, at half weight, so a sheet that has most of the words ranks higher; when nothing matches,
  the same query again with any word enough to match and a looser trigram threshold (`BROAD_SQL`);
- `word_similarity` of the folded query and title (pg_trgm, on the trigram index): misspellings, missing accents.
Each full-text rank is `ts_rank_cd` with weights title (A) 1.0 > summary (B) 0.4 > body (C) 0.2, normalised to
[0, 1); themes and dossiers count for 60 %; retired sheets are excluded unless asked (then last).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_WORDS = 12
PREFIX_MIN = 3  # a shorter last word is not expanded (it would match half the base)
WORD_SIMILARITY = 0.5  # pg_trgm.word_similarity_threshold of the `<%` filter: 0.6 (default) misses misspellings,
# 0.35 lets « admission » in for « demission » and makes thousands of candidates to rank
BROAD_WORD_SIMILARITY = 0.3  # the second pass, only when the first found nothing
NODE_FACTOR = 0.6  # themes, dossiers and other nodes, beside the answer kinds (sheet.ANSWER_KINDS)

_WORDS = re.compile(r"\w+")
_EXCLUDED = re.compile(r"(?:^|\s)-(\w+)")

# The weights: {D, C, B, A} = {-, body, summary, title}; normalisation 32 maps a rank r to r / (r + 1).
# In three steps, because ranking is what costs (measured on 5,500 generated sheets: ts_rank_cd ≈ 6 to 9 µs a row,
# the trigram word_similarity ≈ 10 µs, and a common or long query has thousands of candidates, 4,747 for « que
# faire en cas d'impayé de loyer », so 150 ms of CPU): `found`, the candidates' ids from the indexes alone (one
# probe per condition, no tsvector read; the trigram probe gives its similarity); `pool`, the `:pool` best by a
# cheap rank (ts_rank, ≈ 4 µs a row with the detoasting, scaled to weigh like the three ts_rank_cd, plus that
# similarity); then the full score below on the pool only, each row's `search` vector (~1.7 KB compressed)
# detoasted once (`|| ''` in a subquery that OFFSET 0 keeps from being inlined into each call). The tsqueries are
# computed once (q), not per row. On the bench's 50 queries the top 10 is the same as ranking every candidate for
# 49, the 50th differs at its 10th place only (docs/knowledge.md « Search »).
_SQL = """
WITH q AS MATERIALIZED (
  SELECT websearch_to_tsquery('allo_fr', :q) AS web,
         to_tsquery('allo_fr', :all_terms) AS every,
         to_tsquery('allo_fr', :any_terms) AS some,
         allo_fold(:q) AS folded
), found AS (
  SELECT s.id, 0.0::real AS sim FROM q, kb_sheets s WHERE s.search @@ q.web
  UNION ALL SELECT s.id, 0.0 FROM q, kb_sheets s WHERE s.search @@ q.every
  {broad}
  UNION ALL SELECT s.id, word_similarity(q.folded, allo_fold(s.title)) FROM q, kb_sheets s
            WHERE q.folded <% allo_fold(s.title)
), pool AS (
  SELECT s.id, s.retired_at IS NOT NULL AS retired
  FROM (SELECT id, max(sim) AS sim FROM found GROUP BY id) f JOIN kb_sheets s ON s.id = f.id, q
  WHERE (:include_retired OR s.retired_at IS NULL)
    AND (:none_terms = '' OR NOT s.search @@ to_tsquery('allo_fr', :none_terms))
  ORDER BY s.retired_at IS NOT NULL,
           (5 * ts_rank('{0.2, 0.2, 0.4, 1.0}', s.search, q.some, 32) + f.sim)
           * CASE WHEN s.kind IN ('fiche', 'question', 'how_to') THEN 1.0 ELSE :node_factor END DESC, s.id
  LIMIT :pool
)
SELECT s.id, s.title, s.summary, s.kind, s.audiences, s.subject, s.theme_id, s.retired,
       (ts_rank_cd('{0.2, 0.2, 0.4, 1.0}', s.v, q.web, 32)
        + ts_rank_cd('{0.2, 0.2, 0.4, 1.0}', s.v, q.every, 32)
        + 0.5 * ts_rank_cd('{0.2, 0.2, 0.4, 1.0}', s.v, q.some, 32)
        + word_similarity(q.folded, allo_fold(s.title)))
       * CASE WHEN s.kind IN ('fiche', 'question', 'how_to') THEN 1.0 ELSE :node_factor END
       AS score
FROM (SELECT k.id, k.title, k.summary, k.kind, k.audiences, k.subject, k.theme_id, p.retired,
             k.search || ''::tsvector AS v
      FROM pool p JOIN kb_sheets k ON k.id = p.id OFFSET 0) s, q
ORDER BY s.retired, score DESC, s.id
LIMIT :limit
"""
SEARCH_SQL = text(_SQL.replace("{broad}", ""))
# When the strict query finds nothing: any word is enough, and a looser trigram match (a misspelt word beside a
# right one, two misspelt words).
BROAD_SQL = text(_SQL.replace("{broad}", "UNION ALL SELECT s.id, 0.0 FROM q, kb_sheets s WHERE s.search @@ q.some"))
_SETTINGS = text("SELECT set_config('pg_trgm.word_similarity_threshold', :similarity, true), "
                 "set_config('enable_seqscan', 'off', true), "
                 "set_config('max_parallel_workers_per_gather', '0', true)")
POOL_MIN = 50  # fully ranked candidates: at least this many, or 5 times the limit


@dataclass(frozen=True)
class SheetHit:
    id: str
    title: str
    summary: str
    kind: str
    audience: list[str]
    theme: str
    theme_id: str | None
    retired: bool
    score: float

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "summary": self.summary, "kind": self.kind,
                "audience": self.audience, "theme": self.theme, "theme_id": self.theme_id,
                "retired": self.retired, "score": round(self.score, 4)}


def terms(q: str) -> tuple[str, str] | None:
    """(all words ANDed, any word ORed) as to_tsquery text, the last word a prefix unless the query ends with a
    space, `-word`s left out; only `\\w` characters reach to_tsquery, so its syntax cannot be injected. None: no
    word at all."""
    words = _WORDS.findall(_EXCLUDED.sub(" ", q))[:MAX_WORDS]
    if not words:
        return None
    typed = [*words]
    if not q[-1:].isspace() and len(words[-1]) >= PREFIX_MIN:
        typed[-1] = f"{words[-1]}:*"
    return " & ".join(typed), " | ".join(typed)


async def search_sheets(session: AsyncSession, q: str, *, limit: int = 10,
                        include_retired: bool = False) -> list[SheetHit]:
    """Best first; an empty list when nothing matches (or the query has no word)."""
    parsed = terms(q)
    if parsed is None:
        return []
    all_terms, any_terms = parsed
    none_terms = " | ".join(_EXCLUDED.findall(q)[:MAX_WORDS])  # websearch's `-word`, kept out of the OR too
    # is_local (SET LOCAL): this transaction only (the caller's session), not the pooled connection's later users;
    # all in one round trip. No parallel workers: forked per query, they cost more CPU than they save when many
    # advisers search at once on a few cores.
    # The planner prices the GIN bitmap scans of `@@` and `<%` above a sequential scan, which then detoasts every
    # row's tsvector and folds every title: measured on 5,500 synthetic sheets, 20 ms instead of 500 (p50, same
    # loaded machine). Every condition of the query has its index, so the scan is never the better plan here.
    await session.execute(_SETTINGS, {"similarity": str(WORD_SIMILARITY)})
    values = {"q": q, "all_terms": all_terms, "any_terms": any_terms, "none_terms": none_terms,
              "include_retired": include_retired, "limit": limit, "node_factor": NODE_FACTOR,
              "pool": max(POOL_MIN, 5 * limit)}
    rows = (await session.execute(SEARCH_SQL, values)).all()
    if not rows:
        await session.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', :similarity, true)"),
                              {"similarity": str(BROAD_WORD_SIMILARITY)})
        rows = (await session.execute(BROAD_SQL, values)).all()
    return [SheetHit(id=r.id, title=r.title, summary=r.summary, kind=r.kind, audience=list(r.audiences),
                     theme=r.subject, theme_id=r.theme_id, retired=r.retired, score=float(r.score))
            for r in rows]
