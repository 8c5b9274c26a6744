"""Synthetic multi-document corpora (aictlab.synthetic): seeded, consistent, recovering what was planted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aictlab import build_corpus, synthetic
from aictlab.errors import SettingsError
from aictlab.lexicon import load_lexicon, match_terms


def test_seeded_and_consistent():
    d1, s1 = synthetic.simulate_counts(70, seed=7)
    d2, s2 = synthetic.simulate_counts(70, seed=7)
    pd.testing.assert_frame_equal(d1, d2)
    pd.testing.assert_frame_equal(s1, s2)
    assert not synthetic.simulate_counts(70, seed=8)[0]["tokens"].equals(d1["tokens"])
    assert len(d1) == 70 and d1["organiser"].nunique() > 1 and d1["genre"].nunique() > 1
    per_doc = s1.groupby("doc_id")[["tokens", "attractivite", "solidarite"]].sum()
    merged = d1.set_index("doc_id")[["tokens", "attractivite", "solidarite"]]
    pd.testing.assert_frame_equal(per_doc.astype(int), merged.astype(int), check_names=False)
    # ~40-token segments (20..60) whenever the document has at least 40 tokens.
    long = s1[s1["doc_id"].isin(d1.loc[d1["tokens"] >= 40, "doc_id"])]
    assert long["tokens"].between(20, 60).all()
    # One cluster effect per organiser.
    assert (d1.groupby("organiser")["cluster_effect"].nunique() == 1).all()
    with pytest.raises(SettingsError):
        synthetic.simulate_counts(5, rates={"attractivite": 30}, theta={"solidarite": 0})


def test_planted_rates_and_trend_are_recovered():
    import statsmodels.api as sm

    docs, _ = synthetic.simulate_counts(400, sigma_document=0.0, sigma_cluster=0.0, seed=11)
    x = (docs["year"] - 2014.5) / 10
    for frame, lam, theta in (("attractivite", 30, math.log(2)), ("solidarite", 60, 0.0)):
        fit = sm.GLM(docs[frame], sm.add_constant(x), family=sm.families.Poisson(),
                     offset=np.log(docs["tokens"])).fit()  # fmt: skip
        # Poisson SE of the slope ≈ 0.03-0.05 here: 0.12 is > 2.5 SE.
        assert fit.params["year"] == pytest.approx(theta, abs=0.12)
        assert 1e4 * math.exp(fit.params["const"]) == pytest.approx(lam, rel=0.08)


def test_planted_log_ratio():
    assert synthetic.planted_log_ratio(math.log(2), [2005], [2015]) == pytest.approx(math.log(2))
    assert synthetic.planted_log_ratio(0.0, range(2005, 2010), range(2020, 2025)) == 0.0
    # Shifted 5-year windows 15 years apart: θ·1.5 exactly.
    assert synthetic.planted_log_ratio(1.0, range(2005, 2010), range(2020, 2025)) == pytest.approx(1.5)


@pytest.mark.slow
def test_text_documents_carry_the_planted_hits():
    docs, planted = synthetic.simulate_documents(
        5, median_tokens=250, rates={"attractivite": 150, "solidarite": 200}, seed=5
    )
    assert list(docs.columns) == ["doc_id", "file", "date", "title", "organiser", "genre", "raw_text"]
    corpus = build_corpus(docs, lemmatizer="simplemma")
    hits = match_terms(corpus.read_tokens(), load_lexicon())
    got = hits.groupby(["doc_id", "frame"]).size().unstack(fill_value=0)
    want = planted.set_index("doc_id")[["attractivite", "solidarite"]]
    assert want.to_numpy().sum() > 20
    pd.testing.assert_frame_equal(
        got.reindex(index=want.index, columns=want.columns, fill_value=0), want, check_names=False,
        check_dtype=False,
    )  # fmt: skip
    assert set(hits["term"]) <= {t for terms in synthetic.SYNTHETIC_TERMS.values() for t in terms}
