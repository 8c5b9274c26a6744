"""Figures of the frame-drift analysis: each returns (Figure, DataFrame) with exactly what was drawn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from aictlab import coding, drift, robustness
from aictlab.lexicon import load_lexicon
from aictlab.plots import frames as fplots

LEX = load_lexicon()


@pytest.fixture(scope="module")
def result_and_panel():
    rng = np.random.default_rng(0)
    rows = []
    for doc, year, n_a, n_s in (
        ("a", 2012, 5, 30),
        ("b", 2017, 15, 15),
        ("c", 2023, 8, 20),
        ("c2", 2023, 2, 2),
        ("d", 2025, 30, 6),
    ):
        words = list(rng.choice(["le", "de", "ville", "projet"], 800))
        for k, p in enumerate(rng.choice(800, n_a + n_s, replace=False)):
            words[p] = "attractivité" if k < n_a else ("paix" if k % 2 else "solidarité")
        for i, w in enumerate(words):
            rows.append({"doc_id": doc, "seg_id": f"{doc}_{i // 40}", "sent_id": i // 40, "tok_pos": i, "token": w,
                         "lemma": w, "is_word": True, "year": year})  # fmt: skip
    tokens = pd.DataFrame(rows)
    res = drift.measure_drift(tokens, LEX, n_boot=300)
    panel = robustness.robustness_panel(tokens, LEX, n_boot=100, extra_seeds=())
    mvu = coding.mention_vs_use(tokens, LEX, mention_documents=("b",), n_boot=100)
    return res, panel, mvu


def test_plot_frame_rates(result_and_panel):
    res, _, _ = result_and_panel
    fig, data = fplots.plot_frame_rates(res.frame_rates)
    assert len(data) == 10 and {"rate_per_10k", "ci_low", "ci_high", "x"} <= set(data.columns)
    # documents of the same year are spread apart
    xs = data.drop_duplicates("doc_id").set_index("doc_id")["x"]
    assert xs["c"] != xs["c2"] and xs["a"] == 2012
    ax = fig.axes[0]
    assert "10,000" in ax.get_ylabel() and ax.get_legend() is not None
    plt.close(fig)


def test_plot_drift_index(result_and_panel):
    res, _, _ = result_and_panel
    fig, data = fplots.plot_drift_index(res.by_document, res.by_period)
    assert data["level"].value_counts().to_dict() == {"document": 5, "period": 4}
    assert "drift index" in fig.axes[0].get_ylabel()
    plt.close(fig)


def test_plot_robustness_and_terms_and_mention(result_and_panel):
    res, panel, mvu = result_and_panel
    fig, data = fplots.plot_robustness(panel)
    assert len(data) == len(panel) and data.iloc[-1]["variant"] == "main"  # main drawn on top
    assert len(fig.axes[0].get_yticklabels()) == len(panel)
    plt.close(fig)
    fig, data = fplots.plot_term_contributions(res.frame_terms, n=2)
    assert set(data["term"]) == {"attractivité", "paix", "solidarité"}
    assert (
        data.groupby("frame")["count"].sum().to_dict()
        == res.frame_terms.groupby("frame")["count"].sum().to_dict()
    )
    plt.close(fig)
    fig, data = fplots.plot_mention_vs_use(mvu)
    assert set(data["variant"]) == {"all documents", "without b"}
    assert len(fig.axes[0].get_xticklabels()) == 4
    plt.close(fig)
