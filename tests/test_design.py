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


def test_notes_speak_of_the_compared_periods_when_given():
    # 2005-2009 (one document) is merged with 2010-2014 by the compared-periods rule; 2015-2019 is an inner
    # period. End periods: one organiser each (a, c). Compared periods: a and b against c, no overlap.
    d = docs([("x", 2006, "a", "g"), ("y", 2011, "b", "g"), ("z", 2012, "b", "g"), ("w", 2016, "c", "g"),
              ("v", 2021, "c", "g"), ("u", 2022, "c", "g")])  # fmt: skip
    raw = design_notes(d)
    assert "Each end period holds a single organiser (a in 2005-2009, c in 2020-2024): the change " \
        "2005-2009 → 2020-2024 contrasts organisers as much as years." in raw  # fmt: skip
    groups = {"2005-2009": "2005-2014", "2010-2014": "2005-2014", "2020-2024": "2020-2024"}
    notes = design_notes(d, compared=groups)
    assert "No organiser appears in both compared periods (2005-2014: a; b; 2020-2024: c): the change " \
        "2005-2014 → 2020-2024 is partly a contrast between organisers." in notes  # fmt: skip
    assert "Each compared period holds a single genre (g in 2005-2014, g in 2020-2024): the change is not " \
        "confounded with it." in notes  # fmt: skip
    # the single-document note is about each period's own intervals: unchanged
    assert notes[0] == raw[0] == "2 of 4 periods hold a single document (2005-2009, 2015-2019): their " \
        "intervals can only reflect variation within that document."  # fmt: skip
    assert not any("end period" in n for n in notes)
