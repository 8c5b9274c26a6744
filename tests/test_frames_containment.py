"""Contained documents: same-year merges only, chains to the outermost container, no cycle."""

from __future__ import annotations

import pandas as pd

from aictlab.frames import contained_documents


def overlap(rows):
    return pd.DataFrame(rows, columns=["doc_a", "doc_b", "containment_a"])


def test_programme_in_its_report_is_merged_and_a_reprint_in_another_year_is_not():
    docs = pd.DataFrame({"doc_id": ["prog", "report", "reprint"], "year": [2023, 2023, 2024]})
    table = overlap([("prog", "report", 0.83), ("reprint", "report", 0.95), ("report", "prog", 0.2)])
    assert contained_documents(table, documents=docs) == {"prog": "report"}
    # without the years, both are merged (the old behaviour)
    assert contained_documents(table) == {"prog": "report", "reprint": "report"}


def test_chains_end_at_the_outermost_container_and_mutual_containment_makes_no_cycle():
    chain = overlap([("a", "b", 0.9), ("b", "c", 0.85)])
    assert contained_documents(chain) == {"a": "c", "b": "c"}
    mutual = overlap([("x", "y", 0.97), ("y", "x", 0.95)])
    assert contained_documents(mutual) == {"x": "y"}
    # below the threshold nothing moves
    assert contained_documents(overlap([("a", "b", 0.79)])) == {}
