"""The directory search's SQL (pure): the costly trigram work only where it is bounded (docs/benchmarks.md s. 6)."""

from __future__ import annotations

from allo.directory.communes import Commune
from allo.directory.search import Criteria, _sql


def test_full_text_ranks_by_ts_rank_then_word_similarity_on_the_pool_only() -> None:
    sql = _sql(Criteria(("gendarmerie",), None, "brigade"))
    rerank, rest = sql.split("FROM (SELECT b.id", 1)
    inner = rest.split("LIMIT :pool")[0]  # the candidates, all of them ranked: no trigram function there
    assert "word_similarity" not in inner and "p.pre + word_similarity(:name, allo_fold(p.name))" in rerank
    assert "(SELECT to_tsquery('allo_fr', :tsq))" in inner  # the tsquery once, not per row
    assert "b.pivots && CAST(:pivots AS text[])" in inner


def test_fuzzy_probes_each_trigram_operator_once_with_the_pivots() -> None:
    sql = _sql(Criteria(("mairie",), None, "st etienne"), fuzzy=True)
    assert sql.count("WHERE :name % allo_fold(name) AND pivots && CAST(:pivots AS text[])") == 1
    assert sql.count("WHERE :name <% allo_fold(name) AND pivots && CAST(:pivots AS text[])") == 1
    assert " OR :name <%" not in sql and "f.sim AS pre" in sql


def test_fuzzy_without_type_and_with_a_commune_joins_both() -> None:
    sql = _sql(Criteria((), Commune("57463", "Metz", ("57000",), "57"), "gendarmrie"), fuzzy=True)
    assert "WHERE :name % allo_fold(name) " in sql and "pivots && CAST" not in sql.split(") found")[0]
    assert "UNION SELECT id FROM dir_bodies WHERE insee = :insee" in sql
