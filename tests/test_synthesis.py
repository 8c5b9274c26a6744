"""Tests of the report's synthesis: directions by the stated rules, agreement computed, views not run listed."""

from __future__ import annotations

from aictlab.report.synthesis import synthesis_markdown, synthesis_table

VERDICT = {"first_period": "2010-2014", "last_period": "2025-2029", "drift_change": 2.5, "ci_low": 0.33,
           "ci_high": 4.8}  # fmt: skip


def shares(first_a, last_a):
    """Topic shares with narrow intervals: solidarité flat at 0.3, attractivité ``first_a`` → ``last_a``."""
    band = lambda p: {"prevalence": p, "ci_low": p - 0.01, "ci_high": p + 0.01}  # noqa: E731
    return {"lda": {"2010-2014": {"solidarite": band(0.3), "attractivite": band(first_a)},
                    "2025-2029": {"solidarite": band(0.3), "attractivite": band(last_a)}}}  # fmt: skip


def test_views_agree_disagree_or_do_not_run():
    topics_up = {"primary_model": "lda", "frame_shares": shares(0.1, 0.2)}
    semantic_down = {"first_period": "2010-2014", "last_period": "2025-2029", "change": -0.36, "ci_low": -0.63,
                     "ci_high": -0.08}  # fmt: skip
    table = synthesis_table({"verdict": VERDICT, "topics": topics_up, "semantic": semantic_down})
    assert table["direction"].tolist() == ["toward attractivité", "toward attractivité", "toward solidarité"]
    assert "views disagree" in synthesis_markdown(
        {"verdict": VERDICT, "topics": topics_up, "semantic": semantic_down}
    )
    assert "2 views that decide agree: toward attractivité" in synthesis_markdown(
        {"verdict": VERDICT, "topics": topics_up}
    )
    flat = {"primary_model": "lda", "frame_shares": shares(0.1, 0.105)}  # overlapping intervals
    table = synthesis_table({"topics": flat})
    assert table["direction"].tolist() == ["not run", "undetermined", "not run"]
    assert synthesis_markdown({"topics": flat}).endswith("No view decides a direction on this corpus.")
