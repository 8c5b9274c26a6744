"""Tests of the design diagnostics: tables and sentences computed from the documents, true of each corpus."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from aictlab.design import association, design_notes, design_table
from aictlab.periods import add_periods


def docs(rows):
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "organiser", "genre"])
    return add_periods(frame, 5)


def test_design_table_counts_documents_and_values_per_period():
    d = docs([("a", 2012, "cnfpt", "report"), ("b", 2013, "cuf", "report"), ("c", 2024, "cuf", "programme")])
    table = design_table(d)
    assert table.to_dict("records") == [
        {"period": "2010-2014", "n_documents": 2, "n_organiser": 2, "organiser_values": "cnfpt; cuf",
         "n_genre": 1, "genre_values": "report"},
        {"period": "2020-2024", "n_documents": 1, "n_organiser": 1, "organiser_values": "cuf",
         "n_genre": 1, "genre_values": "programme"},
    ]  # fmt: skip


def test_cramers_v_by_hand():
    # 2 × 2 table [[2, 1], [0, 3]]: χ² = 3 (n = 6), V = √(3/6)
    d = pd.DataFrame({"period": ["p", "p", "p", "q", "q", "q"], "organiser": ["x", "x", "y", "y", "y", "y"]})
    assert association(d, "organiser") == pytest.approx(math.sqrt(0.5))
    assert math.isnan(association(d.assign(organiser="x"), "organiser"))


def test_notes_state_only_what_the_corpus_shows():
    # one organiser per end period, different: confounded
    seeds_like = docs([("a", 2012, "cnfpt", "seminar"), ("b", 2017, "ciedel", "workshop"),
                       ("c", 2025, "meae", "compte rendu")])  # fmt: skip
    notes = design_notes(seeds_like)
    assert any(
        "Each end period holds a single organiser (cnfpt in 2010-2014, meae in 2025-2029)" in n for n in notes
    )
    assert any("3 of 3 periods hold a single document" in n for n in notes)
    # many organisers recurring in every period: no confounding sentence at all
    rows = [(f"d{i}", 2010 + i % 15, "abcd"[i % 4], "xy"[i % 2]) for i in range(60)]
    assert design_notes(docs(rows)) == []
    # a corpus without organiser or genre variables: nothing about them
    bare = add_periods(pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "year": [2010, 2011, 2020, 2021]}), 5)
    assert design_notes(bare) == []
