"""Tests of the frame-drift measures: hand-counted rates and indices, the bootstrap, trends, the verdict rule
on planted corpora, robustness, mention vs use, KWIC and the seed corpus against an independent count."""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import make_tokens
from scipy import stats

from aictlab import coding, drift, drift_stats, frames, robustness, trend, verdict
from aictlab.config import Settings
from aictlab.errors import AictlabError, SchemaError, SettingsError
from aictlab.lexicon import FUNCTION_WORDS, load_lexicon, match_terms, parse_lexicon
from aictlab.resample import bootstrap_interval

FILLER = "le de et pour avec une ville région action projet".split()
LEX = load_lexicon()


def planted(doc_id, year, n_a, n_s, *, n=4000, seed=0):
    """``n`` filler lemmas with ``n_a`` attractivité and ``n_s`` solidarité hits at random positions."""
    rng = np.random.default_rng(seed)
    words = list(rng.choice(FILLER, n))
    pos = rng.choice(n, n_a + n_s, replace=False)
    for k, p in enumerate(pos):
        words[p] = "attractivité" if k < n_a else "solidarité"
    return (doc_id, year, words)


# ---------------------------------------------------------------------------------------------- formulas
def test_drift_index_share_and_rate_by_hand():
    assert drift.drift_index(3, 1) == pytest.approx(math.log2(3.5 / 1.5))
    assert drift.drift_index(0, 0) == 0.0
    assert drift.drift_index(0, 7) == pytest.approx(math.log2(0.5 / 7.5))
    assert drift.frame_share(3, 1) == pytest.approx(0.75)
    assert np.isnan(drift.frame_share(0, 0))
    assert frames.rate_per_10k(0, 250) == 0.0
    assert frames.rate_per_10k(3, 250) == pytest.approx(120.0)
    with pytest.raises(AictlabError, match="0 tokens"):
        frames.rate_per_10k(1, 0)


@pytest.fixture(scope="module")
def tiny():
    """Two documents written by hand, 80 lemmas each in four 20-token segments: 2012 (S = 6, A = 1) and 2025
    (S = 2 from "aide au développement" and "investissement solidaire"; A = 5)."""
    d1 = (
        "le solidarité entre le ville et le partenaire de projet " * 2
        + "le paix pour le ville et le région avec action " * 2
        + "le attractivité de le territoire pour le ville et projet " * 1
        + "le ville de le région pour le action et projet " * 3
    ).split()
    d2 = (
        "le attractivité de le ville et le rayonnement de région " * 2
        + "le aide au développement pour le ville avec le projet " * 1
        + "le investissement solidaire et le export de le ville pour " * 1
        + "le ville de le région pour le action et projet " * 4
    ).split()
    assert len(d1) == len(d2) == 80
    return make_tokens([("a2012", 2012, d1), ("b2025", 2025, d2)], seg_size=20)


def test_hand_counted_rates_and_drift_index(tiny):
    res = drift.measure_drift(tiny, LEX, n_boot=200, seed=1)
    doc = res.by_document.set_index("doc_id")
    # a2012: solidarité x2, partenaire x2, paix x2 -> S = 6; attractivité x1 -> A = 1
    assert doc.loc["a2012", ["solidarite", "attractivite", "tokens"]].tolist() == [6, 1, 80]
    # b2025: attractivité x2, rayonnement x2, export x1 -> A = 5; aide au développement, investissement solidaire -> S = 2
    assert doc.loc["b2025", ["solidarite", "attractivite", "tokens"]].tolist() == [2, 5, 80]
    assert doc.loc["a2012", "solidarite_rate"] == pytest.approx(750.0)
    assert doc.loc["b2025", "attractivite_rate"] == pytest.approx(625.0)
    assert doc.loc["a2012", "drift_index"] == pytest.approx(math.log2(1.5 / 6.5))
    assert doc.loc["b2025", "drift_index"] == pytest.approx(math.log2(5.5 / 2.5))
    assert doc.loc["b2025", "share_attractivite"] == pytest.approx(5 / 7)
    ch = res.change.iloc[0]
    assert ch["drift_change"] == pytest.approx(math.log2(5.5 / 2.5) - math.log2(1.5 / 6.5))
    assert ch["theta_attractivite"] == pytest.approx(math.log(5.5 / 1.5))
    assert ch["theta_solidarite"] == pytest.approx(math.log(2.5 / 6.5))
    rates = res.frame_rates.set_index(["doc_id", "frame"])
    assert rates.loc[("a2012", "solidarite"), "rate_per_10k"] == pytest.approx(750.0)
    assert rates.loc[("b2025", "solidarite"), "count"] == 2
    assert list(res.frame_rates.columns[:7]) == [
        "doc_id",
        "year",
        "period",
        "frame",
        "count",
        "tokens",
        "rate_per_10k",
    ]
    terms = res.frame_terms.set_index(["period", "frame", "term"])
    assert terms.loc[("2025-2029", "attractivite", "attractivité"), "share_of_frame"] == pytest.approx(2 / 5)
    assert terms.loc[("2010-2014", "solidarite", "paix"), "count"] == 2


def test_periods_are_pooled_and_settable(tiny):
    both = make_tokens(
        [
            ("x", 2012, tiny[tiny.doc_id.eq("a2012")].lemma.tolist()),
            ("y", 2013, tiny[tiny.doc_id.eq("b2025")].lemma.tolist()),
        ],
        seg_size=20,
    )
    res = drift.measure_drift(both, LEX, n_boot=100, periods=(2010, 2013))
    per = res.by_period.set_index("period")
    assert list(per.index) == ["2010-2012", "2013-2013"]
    res = drift.measure_drift(both, LEX, n_boot=100, periods=10)
    row = res.by_period.iloc[0]
    assert (row["period"], row["n_documents"], row["tokens"]) == ("2010-2019", 2, 160)
    assert row["solidarite_rate"] == pytest.approx(1e4 * 8 / 160)
    assert row["drift_index"] == pytest.approx(math.log2(6.5 / 8.5))
    assert np.isnan(res.change.iloc[0]["drift_change"])  # one period: no change to measure
    with pytest.raises(AictlabError, match="at least two periods"):
        drift._first_last(res.documents, None, None)
    with pytest.raises(AictlabError, match="has no document"):
        drift.measure_drift(both, LEX, n_boot=10, periods=10, first="2010-2019", last="2030-2039")


# ---------------------------------------------------------------------------------------------- bootstrap
def test_bootstrap_is_reproducible_and_contains_the_estimate(tiny):
    a = drift.measure_drift(tiny, LEX, n_boot=500, seed=7)
    b = drift.measure_drift(tiny, LEX, n_boot=500, seed=7)
    c = drift.measure_drift(tiny, LEX, n_boot=500, seed=8)
    pd.testing.assert_frame_equal(a.by_period, b.by_period)
    pd.testing.assert_frame_equal(a.change, b.change)
    assert not a.change.equals(c.change)
    for table in (a.by_document, a.by_period):
        assert (table["ci_low"] <= table["drift_index"]).all() and (
            table["drift_index"] <= table["ci_high"]
        ).all()
    ch = a.change.iloc[0]
    assert ch["ci_low"] <= ch["drift_change"] <= ch["ci_high"]
    assert ch["ci_low"] <= ch["ci90_low"] <= ch["ci90_high"] <= ch["ci_high"]


def test_bootstrap_resamples_within_documents():
    seg = pd.DataFrame({"doc_id": ["a"] * 3 + ["b"] * 2, "x": [1, 2, 3, 10, 20]})
    reps = drift.bootstrap_segments(seg, ["x"], n_boot=2000, seed=3)
    assert reps["a"].shape == (2000, 1)
    # each replicate is a sum of 3 draws from {1, 2, 3} (resp. 2 draws from {10, 20})
    assert reps["a"].min() >= 3 and reps["a"].max() <= 9
    assert set(np.unique(reps["b"])) <= {20.0, 30.0, 40.0}
    assert reps["a"].mean() == pytest.approx(6.0, abs=0.1)


def test_percentile_and_bca_agree_with_scipy():
    rng = np.random.default_rng(11)
    a_i = rng.poisson(0.8, 120)
    s_i = rng.poisson(0.5, 120)
    seg = pd.DataFrame({"doc_id": "d", "a": a_i, "s": s_i})
    reps = drift.bootstrap_segments(seg, ["a", "s"], n_boot=9999, seed=5)["d"]
    theta = float(drift.drift_index(a_i.sum(), s_i.sum()))
    jack = drift.drift_index(a_i.sum() - a_i, s_i.sum() - s_i)
    ours = bootstrap_interval(theta, drift.drift_index(reps[:, 0], reps[:, 1]), jack)

    def stat(a, s, axis=-1):
        return drift.drift_index(np.sum(a, axis=axis), np.sum(s, axis=axis))

    for method, lo, hi in (("percentile", "ci_low", "ci_high"), ("BCa", "bca_low", "bca_high")):
        ref = stats.bootstrap(
            (a_i, s_i), stat, paired=True, vectorized=True, n_resamples=9999, method=method, random_state=2
        ).confidence_interval
        # Monte Carlo error of a 2.5 % quantile with B = 9999 is ~0.03 here
        assert ours[lo] == pytest.approx(ref.low, abs=0.08), method
        assert ours[hi] == pytest.approx(ref.high, abs=0.08), method


def test_document_intervals_in_batches_are_each_documents_own(monkeypatch):
    """by_document's intervals, computed for batches of documents together, are bootstrap_interval's bits on
    each document's own replicates (the draws of bootstrap_segments) and jackknife."""
    docs = [planted(f"d{k}", 2010 + k, 3 * k, 12 - 2 * k, n=400 + 40 * k, seed=k) for k in range(7)]
    data = frames.frame_data(make_tokens(docs), LEX)
    columns = ["n_tokens", "one", "both", "any", *drift.ordered_frames(data.frames, drift.DRIFT_FRAMES)]
    # two documents a batch, one alone
    monkeypatch.setattr(drift_stats, "BATCH_CELLS", 2 * 300 * len(columns))
    res = drift.measure_drift(data, n_boot=300, seed=3)
    seg = res.segments.assign(one=1)
    reps = drift.bootstrap_segments(seg, columns, n_boot=300, seed=3)
    source, target = (columns.index(f) for f in drift.DRIFT_FRAMES)
    for row in res.by_document.itertuples(index=False):
        x = seg.loc[seg["doc_id"] == row.doc_id, columns].to_numpy(dtype=float)
        jack = x.sum(axis=0) - x
        rep = reps[row.doc_id]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = bootstrap_interval(
                row.drift_index,
                drift.drift_index(rep[:, target], rep[:, source]),
                drift.drift_index(jack[:, target], jack[:, source]),
            )
            share = bootstrap_interval(
                row.share_attractivite,
                drift.frame_share(rep[:, target], rep[:, source]),
                drift.frame_share(jack[:, target], jack[:, source]),
            )
        for got, want in (
            ((row.ci_low, row.ci_high, row.bca_low, row.bca_high), d),
            ((row.share_ci_low, row.share_ci_high, row.share_bca_low, row.share_bca_high), share),
        ):
            want = (want["ci_low"], want["ci_high"], want["bca_low"], want["bca_high"])
            assert np.array(got).tobytes() == np.array(want).tobytes(), row.doc_id
    assert np.isfinite(res.by_document["bca_low"]).sum() >= 5


def test_bca_degenerate_gives_nan_with_warning():
    with pytest.warns(UserWarning, match="BCa interval undefined"):
        out = bootstrap_interval(0.0, np.zeros(100), np.zeros(5))
    assert out["ci_low"] == out["ci_high"] == 0.0
    assert np.isnan(out["bca_low"]) and np.isnan(out["bca_high"])


# ---------------------------------------------------------------------------------------------- verdict
def _verdict_of(docs):
    res = drift.measure_drift(make_tokens(docs), LEX, n_boot=2000, seed=42)
    trend_table = trend.trend_tests(res.by_document)
    return res, verdict.verdict_table(res, trend_table).iloc[0]


def test_planted_substitution():
    res, v = _verdict_of(
        [planted("a", 2011, 10, 120, seed=1), planted("b", 2012, 12, 110, seed=2),
         planted("c", 2024, 120, 12, seed=3), planted("d", 2025, 110, 10, seed=4)]
    )  # fmt: skip
    assert v["verdict"] == "substitution"
    assert v["a_rises"] and v["s_falls"]
    assert v["drift_change"] > 0 and v["ci_low"] > 0
    assert v["attractivite_ratio_per_decade"] > 1 and v["solidarite_ratio_per_decade"] < 1
    assert not v["fragile"]


def test_planted_stratification_both_rise_and_stable():
    _, v = _verdict_of(
        [planted("a", 2011, 10, 60, seed=1), planted("b", 2012, 12, 60, seed=2),
         planted("c", 2024, 120, 150, seed=3), planted("d", 2025, 110, 160, seed=4)]
    )  # fmt: skip
    assert v["verdict"] == "stratification" and v["s_rises"]
    _, v = _verdict_of(
        [planted("a", 2011, 10, 300, seed=1), planted("b", 2012, 12, 300, seed=2),
         planted("c", 2024, 120, 300, seed=3), planted("d", 2025, 110, 300, seed=4)]
    )  # fmt: skip
    assert v["verdict"] == "stratification" and v["s_stable"]
    assert v["verdict_reason"] == "A rises and S stable"


def test_identical_documents_give_no_drift_or_inconclusive():
    docs = [(d, y, planted("x", 2000, 40, 40, seed=9)[2]) for d, y in (("a", 2011), ("b", 2016), ("c", 2025))]
    res, v = _verdict_of(docs)
    assert v["verdict"] in {"no_drift", "inconclusive"}
    assert v["drift_change"] == pytest.approx(0.0)
    assert v["ci_low"] < 0 < v["ci_high"]


@pytest.mark.parametrize(
    ("a", "s", "expected"),
    [
        ((0.5, 0.9, 0.6, 0.8), (-0.9, -0.5, -0.8, -0.6), "substitution"),
        ((0.5, 0.9, 0.6, 0.8), (-0.1, 0.1, -0.05, 0.05), "stratification"),
        ((0.5, 0.9, 0.6, 0.8), (0.2, 0.6, 0.3, 0.5), "stratification"),
        ((0.5, 0.9, 0.6, 0.8), (-0.9, 0.4, -0.8, 0.3), "inconclusive"),
        ((-0.9, -0.5, -0.8, -0.6), (0.2, 0.6, 0.3, 0.5), "reversal"),
        ((-0.9, -0.5, -0.8, -0.6), (-0.1, 0.1, -0.05, 0.05), "no_drift"),
        ((-0.1, 0.1, -0.05, 0.05), (-0.9, 0.9, -0.8, 0.8), "no_drift"),
        ((-0.9, 0.9, -0.8, 0.8), (-0.1, 0.1, -0.05, 0.05), "inconclusive"),
        ((float("nan"),) * 4, (float("nan"),) * 4, "inconclusive"),
    ],
)
def test_verdict_rule_branches(a, s, expected):
    ch = {}
    for frame, (lo, hi, lo90, hi90) in (("attractivite", a), ("solidarite", s)):
        ch |= {f"theta_{frame}_ci_low": lo, f"theta_{frame}_ci_high": hi}
        ch |= {f"theta_{frame}_ci90_low": lo90, f"theta_{frame}_ci90_high": hi90}
    assert verdict.decide_verdict(ch)["verdict"] == expected


# ---------------------------------------------------------------------------------------------- trend
def test_trend_nb2_columns_equal_the_formula_interface_fit_exactly():
    # trend_tests builds the design matrix of "y ~ yr" itself (no formula interface to import): the NB2 fit
    # must be the one the formula gave, to the last bit (the report's tables are compared byte for byte)
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    n = 30
    years = rng.integers(2008, 2026, n)
    tokens = rng.integers(500, 9000, n)
    df = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n)],
            "year": years,
            "tokens": tokens,
            "solidarite": rng.negative_binomial(2, 2 / (2 + tokens * 0.004)),
            "attractivite": rng.negative_binomial(1, 1 / (1 + tokens * 0.0002 * (years - 2006))),
        }
    )
    tr = trend.trend_tests(df).set_index("target")
    data = df.assign(yr=df["year"] - df["year"].min())
    for frame in ("solidarite", "attractivite"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = smf.negativebinomial(f"{frame} ~ yr", data, offset=np.log(data["tokens"].to_numpy(float)))
            nb = nb.fit(disp=0, maxiter=200)
        low, high = np.asarray(nb.conf_int(alpha=0.05).loc["yr"])
        assert tr.loc[frame, "nb_alpha"] == float(nb.params["alpha"])
        assert tr.loc[frame, "nb_ratio_per_decade"] == math.exp(10 * float(nb.params["yr"]))
        assert tr.loc[frame, "nb_ci_low"] == math.exp(10 * low)
        assert tr.loc[frame, "nb_ci_high"] == math.exp(10 * high)
        assert tr.loc[frame, "nb_p_value"] == float(nb.pvalues["yr"])


def test_trend_glm_matches_statsmodels_and_exact_permutations():
    df = pd.DataFrame(
        {
            "doc_id": list("abcd"),
            "year": [2012, 2017, 2023, 2025],
            "tokens": [4700, 6100, 4600, 2000],
            "solidarite": [35, 37, 25, 9],
            "attractivite": [10, 53, 6, 15],
        }
    )
    tr = trend.trend_tests(df).set_index("target")
    x = sm.add_constant(df["year"] - 2012)
    ref = sm.GLM(df["solidarite"], x, family=sm.families.Poisson(), offset=np.log(df["tokens"])).fit()
    phi = ref.pearson_chi2 / 2
    assert tr.loc["solidarite", "dispersion"] == pytest.approx(phi)
    assert tr.loc["solidarite", "beta_year"] == pytest.approx(ref.params.iloc[1], rel=1e-6)
    assert tr.loc["solidarite", "ratio_per_decade"] == pytest.approx(
        math.exp(10 * ref.params.iloc[1]), rel=1e-6
    )
    assert tr["n_permutations"].eq(24).all() and tr["perm_exact"].all()
    assert tr["perm_p_floor"].eq(1 / 24).all()
    # the vectorised Newton slope equals statsmodels' on the observed years
    ours = trend._newton_glm(
        df["solidarite"].to_numpy(float),
        (df["year"] - 2012).to_numpy(float)[None, :],
        np.log(df["tokens"].to_numpy(float)),
    )
    assert ours[0] == pytest.approx(ref.params.iloc[1], rel=1e-6)
    # perm p-values are multiples of 1/24
    assert (tr["perm_p_value"] * 24).round(9).mod(1).eq(0).all()
    # attractivité is overdispersed -> quasi-Poisson with t(n-2) intervals
    assert tr.loc["attractivite", "model"] == "quasi-poisson"
    assert tr.loc["drift_index", "model"].endswith("binomial")


def test_monotone_trend_reaches_the_exact_floor():
    df = pd.DataFrame(
        {"doc_id": list("abcd"), "year": [2011, 2015, 2020, 2025], "tokens": 5000,
         "solidarite": [80, 60, 40, 20], "attractivite": [5, 20, 40, 80]}
    )  # fmt: skip
    tr = trend.trend_tests(df).set_index("target")
    assert tr.loc["attractivite", "spearman_rho"] == pytest.approx(1.0)
    # two-sided: identity and reversed order are as extreme -> 2/24
    assert tr.loc["attractivite", "spearman_p_exact"] == pytest.approx(2 / 24)
    assert tr.loc["attractivite", "perm_p_value"] == pytest.approx(2 / 24)
    assert tr.loc["solidarite", "ratio_per_decade"] < 1 < tr.loc["attractivite", "ratio_per_decade"]


# ---------------------------------------------------------------------------------------------- robustness etc.
@pytest.fixture(scope="module")
def planted_corpus():
    docs = [
        planted("a", 2011, 10, 120, seed=1),
        planted("b", 2018, 40, 60, seed=2),
        planted("c", 2025, 110, 10, seed=4),
    ]
    words = docs[2][2]
    words[10:12] = ["diplomatie", "économique"]
    words[20] = "paix"
    return make_tokens(docs)


def test_robustness_panel(planted_corpus):
    panel = robustness.robustness_panel(planted_corpus, LEX, n_boot=300, extra_seeds=(1,))
    assert list(panel.columns[:5]) == ["variant", "drift_change", "ci_low", "ci_high", "same_sign_as_main"]
    assert panel.iloc[0]["variant"] == "main"
    variants = set(panel["variant"])
    assert {"without term: attractivité", "without term: solidarité", "without term: paix",
            "without term: diplomatie économique", "core terms only", "bootstrap seed 1"} <= variants  # fmt: skip
    assert {f"without document: {d}" for d in "abc"} <= variants
    assert not any(v.startswith("without term: rayonnement") for v in variants)  # no hit -> not listed
    main = panel.iloc[0]
    assert panel.set_index("variant").loc["bootstrap seed 1", "drift_change"] == pytest.approx(
        main["drift_change"]
    )
    # leaving the middle document out changes nothing; leaving an end document out changes the periods
    mid = panel.set_index("variant").loc["without document: b"]
    assert mid["drift_change"] == pytest.approx(main["drift_change"])
    end = panel.set_index("variant").loc["without document: c"]
    assert end["last_period"] == "2015-2019"
    # without "attractivité" the late document has only the MWE hit left: A = 1; S = solidarité + paix
    late = planted_corpus[planted_corpus.doc_id.eq("c")].lemma
    s_late = int(late.isin(["solidarité", "paix"]).sum())
    assert s_late == 11
    no_a = panel.set_index("variant").loc["without term: attractivité"]
    assert no_a["drift_last"] == pytest.approx(math.log2(1.5 / (s_late + 0.5)))
    assert panel["same_sign_as_main"].iloc[0]
    summary = robustness.robustness_summary(panel)
    assert summary["n_variants"] == len(panel) - 1
    # without "solidarité" the early document keeps S = 0: D_first = log2(10.5/0.5), the smallest ΔD
    assert summary["closest_variant"] == "without term: solidarité"
    assert summary["closest_drift_change"] == pytest.approx(panel.iloc[1:]["drift_change"].min())
    assert 0 < summary["share_same_sign"] <= 1


@pytest.mark.filterwarnings("ignore:BCa interval undefined")  # a frame absent from a tiny document
def test_mention_vs_use_and_merge(planted_corpus):
    table = coding.mention_vs_use(planted_corpus, LEX, mention_documents=("b",), n_boot=200)
    assert table["variant"].unique().tolist() == ["all documents", "without b"]
    assert "2015-2019" in set(table.loc[table.variant.eq("all documents"), "period"])
    assert "2015-2019" not in set(table.loc[table.variant.eq("without b"), "period"])
    overlap = pd.DataFrame({"doc_a": ["p", "q"], "doc_b": ["q", "p"], "containment_a": [0.80, 0.2]})
    assert frames.contained_documents(overlap) == {"p": "q"}
    t = make_tokens([planted("p", 2023, 1, 1, n=80), planted("q", 2023, 5, 5, n=400)])
    res = drift.measure_drift(t, LEX, n_boot=100, merge={"p": "q"}, first="2020-2024", last="2020-2024")
    assert res.by_document["doc_id"].tolist() == ["q"]
    assert res.by_document.iloc[0][["tokens", "solidarite", "attractivite", "n_segments"]].tolist() == [
        480,
        6,
        6,
        12,
    ]
    bad = make_tokens([planted("p", 2022, 1, 1, n=80), planted("q", 2023, 5, 5, n=400)])
    with pytest.raises(AictlabError, match="differ in year"):
        drift.measure_drift(bad, LEX, n_boot=10, merge={"p": "q"})


def test_kwic_one_line_per_hit(tiny):
    m = match_terms(tiny, LEX)
    k = coding.kwic_frames(tiny, LEX, window=3, mention_documents=("a2012",))
    assert len(k) == len(m) == 14
    assert list(k.columns[:7]) == ["doc_id", "year", "frame", "term", "left", "keyword", "right"]
    first = k.iloc[0]
    assert (first["keyword"], first["left"], first["right"]) == ("solidarité", "le", "entre le ville")
    aide = k[k["term"].eq("aide au développement")].iloc[0]
    assert aide["keyword"] == "aide au développement" and aide["frame"] == "solidarite"
    assert set(k.loc[k.doc_id.eq("a2012"), "use"]) == {"mention"}
    assert set(k.loc[k.doc_id.eq("b2025"), "use"]) == {"use"}


# ---------------------------------------------------------------------------------------------- tiny real corpus
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:BCa interval undefined")  # each document has one frame only
def test_tiny_french_corpus_end_to_end():
    from aictlab.corpus import build_corpus, select_tokens

    docs = pd.DataFrame(
        {
            "doc_id": ["d2012", "d2025"],
            "date": ["2012-05-01", "2025-05-01"],
            "raw_text": [
                "La coopération décentralisée repose sur la solidarité internationale et la paix. "
                "Les villes partenaires construisent la paix par la réciprocité.",
                "La ville veut renforcer son attractivité et son rayonnement. "
                "Elle soutient les entreprises à l'export et attire les investissements étrangers.",
            ],
        }
    )
    corpus = build_corpus(docs, lemmatizer="spacy")
    tokens = select_tokens(corpus.tokens, words_only=False)
    res = drift.measure_drift(tokens, LEX, n_boot=200)
    doc = res.by_document.set_index("doc_id")
    # d2012: solidarité internationale, paix, partenaire, paix, réciprocité -> S = 5, A = 0
    assert doc.loc["d2012", ["solidarite", "attractivite"]].tolist() == [5, 0]
    # d2025: attractivité, rayonnement, export, attirer, investissement (inside "investissement étranger") -> A = 5
    assert doc.loc["d2025", ["solidarite", "attractivite"]].tolist() == [0, 5]
    assert doc.loc["d2012", "tokens"] == int(select_tokens(corpus.tokens).query("doc_id == 'd2012'").shape[0])


# ---------------------------------------------------------------------------------------------- seeds
# the lexicon's own map of function words across lemmatizers (the count below is otherwise independent)
FUNCTION = FUNCTION_WORDS


def _independent_counts(tokens: pd.DataFrame, lexicon) -> pd.DataFrame:
    """Per-document frame counts by a regex over a lemma string (independent of match_terms): each token is
    written as its lemma (MWE parts split, function words canonicalised; a one-word token whose lemma is no
    one-word term but whose surface is takes its surface), sentences separated by '|'; the alternation of all
    lemma sequences, longest first, is scanned left to right without overlap."""
    one_word = set(lexicon.forms.loc[lexicon.forms.n_parts.eq(1), "form"])
    frame_of = dict(zip(lexicon.forms["form"], lexicon.forms["frame"], strict=True))
    forms = sorted(frame_of, key=lambda f: (-len(f.split()), -len(f)))
    pattern = re.compile(
        r"(?<![^ |])(" + "|".join(re.escape(f).replace(r"\ ", " ") for f in forms) + r")(?![^ |])"
    )

    def norm(w):
        w = unicodedata.normalize("NFC", w).lower().replace("\u2019", "'")
        return FUNCTION.get(w, w)

    rows = []
    for doc, g in tokens.sort_values(["doc_id", "tok_pos"]).groupby("doc_id"):
        words, prev = [], None
        for lem, tok, sent, seg in zip(g.lemma, g.token, g.sent_id, g.seg_id, strict=True):
            if prev is not None and (sent, seg) != prev:
                words.append("|")
            prev = (sent, seg)
            parts = [norm(p) for p in re.split(r"[\s_]+", lem) if p]
            if len(parts) == 1 and parts[0] not in one_word and norm(tok) in one_word:
                parts = [norm(tok)]
            words.append(" ".join(parts) if parts else "|")
        text = " ".join(words)
        found = [frame_of[m.group(1)] for m in pattern.finditer(text)]
        rows.append(
            {
                "doc_id": doc,
                "solidarite": found.count("solidarite"),
                "attractivite": found.count("attractivite"),
            }
        )
    return pd.DataFrame(rows).set_index("doc_id")


@pytest.mark.slow
def test_seed_counts_match_an_independent_regex_count(seed_corpus, seed_corpus_simplemma):
    from aictlab.corpus import select_tokens

    for corpus in (seed_corpus, seed_corpus_simplemma):
        tokens = select_tokens(corpus.tokens, words_only=False)
        res = drift.measure_drift(tokens, LEX, n_boot=200)
        ours = res.by_document.set_index("doc_id")[["solidarite", "attractivite"]]
        # the regex sees every hit; the drift counts leave out hits in another sense (names, titles, context
        # rules, repeated acronyms: tests/test_lexicon_senses.py), so they are added back here
        apart = match_terms(tokens, LEX, senses="all").query("sense != 'frame'")
        apart = apart.groupby(["doc_id", "frame"]).size().unstack(fill_value=0)
        apart = apart.reindex(index=ours.index, columns=ours.columns, fill_value=0)
        ref = _independent_counts(tokens, LEX).loc[ours.index]
        pd.testing.assert_frame_equal(ours + apart, ref, check_dtype=False)
        assert ours.loc["ciedel_2017", "attractivite"] > 40  # the document that discusses the paradigm
    # the hand-read anchors of the lexicon: "paix" 12 times in the 2012 seminar report (running headers removed)
    m = match_terms(select_tokens(seed_corpus.tokens, words_only=False), LEX)
    assert int(((m.doc_id == "cnfpt_2012") & (m.term == "paix")).sum()) == 12
    # "commerce extérieur" twice, both in a minister's title (institutional_titles.txt): other_sense
    assert int(((m.doc_id == "meae_2025") & (m.term == "commerce extérieur")).sum()) == 0
    m = match_terms(select_tokens(seed_corpus.tokens, words_only=False), LEX, senses="all")
    mine = m[(m.doc_id == "meae_2025") & (m.term == "commerce extérieur")]
    assert mine["sense_reason"].tolist() == ["institutional_title"] * 2


@pytest.mark.slow
def test_seed_tables_have_contract_columns_and_are_deterministic(seed_corpus):
    from aictlab.corpus import select_tokens

    tokens = select_tokens(seed_corpus.tokens, words_only=False)
    merge = frames.contained_documents(seed_corpus.overlap)
    assert merge == {"cuf_2023_programme": "cuf_2023_compte_rendu"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray warnings from degenerate intervals
        res = drift.measure_drift(tokens, LEX, n_boot=2000, merge=merge)
    res2 = drift.measure_drift(tokens, LEX, n_boot=2000, merge=merge)
    pd.testing.assert_frame_equal(res.by_period, res2.by_period)
    contract = {
        "frame_rates": ["doc_id", "year", "period", "frame", "count", "tokens", "rate_per_10k"],
        "frame_terms": ["period", "frame", "term", "count", "share_of_frame"],
        "by_document": ["doc_id", "year", "solidarite", "attractivite", "tokens", "drift_index", "ci_low", "ci_high", "share_attractivite"],
        "by_period": ["period", "start_year", "end_year", "n_documents", "tokens", "solidarite_rate", "attractivite_rate", "drift_index", "ci_low", "ci_high"],
    }  # fmt: skip
    for name, cols in contract.items():
        assert set(cols) <= set(getattr(res, name).columns), name
    assert res.by_period["period"].tolist() == ["2010-2014", "2015-2019", "2020-2024", "2025-2029"]
    assert res.by_period["n_documents"].tolist() == [1, 1, 1, 1]
    trend_table = trend.trend_tests(res)
    v = verdict.verdict_table(res, trend_table)
    assert len(v) == 1 and v.iloc[0]["verdict"] in verdict.VERDICTS
    assert {"first_period", "last_period", "drift_change", "ci_low", "ci_high", "attractivite_ratio_per_decade",
            "attractivite_rr_ci_low", "attractivite_p_value", "solidarite_ratio_per_decade", "verdict"} <= set(v.columns)  # fmt: skip
    k = coding.kwic_frames(tokens, LEX)
    assert len(k) == len(res.matches) and k["keyword"].str.len().gt(0).all()


# ---------------------------------------------------------------------------------------------- use coding
SHEET_HEADER = "# comment line\nhit_id,doc_id,frame,term,code,coder,note\n"


def _sheet_rows(matches, picks):
    """Coding-sheet lines for (doc_id, term, occurrence, code, note): the hit_id of that occurrence."""
    m = matches.sort_values(["doc_id", "tok_pos"], kind="stable")
    m = m.assign(occurrence=m.groupby(["doc_id", "term"]).cumcount() + 1)
    lines = []
    for doc, term, occ, code, note in picks:
        hit = m[m.doc_id.eq(doc) & m.term.eq(term) & m.occurrence.eq(occ)].iloc[0]
        lines.append(f"{doc}:{hit.tok_pos}:{term},{doc},{hit.frame},{term},{code},c1,{note}\n")
    return "".join(lines)


def test_use_coding_is_validated(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(SHEET_HEADER + "d:3:paix,d,s,paix,Mention,c1,why\n", encoding="utf-8")
    assert coding.load_use_coding(good)["code"].tolist() == ["mention"]
    bad = tmp_path / "bad.csv"
    bad.write_text(SHEET_HEADER + "d:3:paix,d,s,paix,maybe,c1,\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad.csv: row 1 \(hit_id 'd:3:paix'\): code 'maybe'"):
        coding.load_use_coding(bad)
    dup = tmp_path / "dup.csv"
    dup.write_text(
        SHEET_HEADER + "d:3:paix,d,s,paix,use,c1,\nd:3:paix,d,s,paix,mention,c1,\n", encoding="utf-8"
    )
    with pytest.raises(SchemaError, match="coded twice"):
        coding.load_use_coding(dup)
    cols = tmp_path / "cols.csv"
    cols.write_text("doc_id,term,use\nd,paix,use\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="missing column"):
        coding.load_use_coding(cols)
    # two sheets are read as one
    assert len(coding.load_use_coding([good, good.with_name("good.csv")])) == 2


def test_code_matches_uses_hand_codes_by_hit_id(tiny, tmp_path):
    m = match_terms(tiny, LEX)
    path = tmp_path / "sheet.csv"
    path.write_text(
        SHEET_HEADER
        + _sheet_rows(
            m, [("a2012", "paix", 2, "other_sense", "name"), ("b2025", "export", 1, "other_sense", "")]
        )
        + "a2012:999:paix,a2012,solidarite,paix,use,c1,not a hit: not applied\n",
        encoding="utf-8",
    )
    use_coding = coding.load_use_coding(path)
    coded = coding.code_matches(m, use_coding, mention_documents=("a2012",))
    coded = coded.assign(occurrence=coded["occurrence"].astype(int))
    by = coded.set_index(["doc_id", "term", "occurrence"])
    assert by.loc[("a2012", "paix", 2), ["use", "use_coded_by", "use_note"]].tolist() == [
        "other_sense",
        "hand",
        "name",
    ]
    assert by.loc[("a2012", "paix", 1), ["use", "use_coded_by"]].tolist() == ["mention", "document default"]
    assert by.loc[("b2025", "export", 1), "use"] == "other_sense"
    assert by.loc[("b2025", "attractivité", 2), "use"] == "use"
    assert coded["use_coded_by"].eq("hand").sum() == 2
    k = coding.kwic_frames(tiny, LEX, coding=use_coding, mention_documents=("a2012",))
    assert k["use_coded_by"].eq("hand").sum() == 2 and set(k["use"]) <= set(coding.USE_CODES)
    # the "use only" reading drops the coded title and the off-sense hit, and every default mention of a2012
    panel = robustness.robustness_panel(
        tiny, LEX, n_boot=50, extra_seeds=(), coding=use_coding, mention_documents=("a2012",)
    )
    row = panel.set_index("variant").loc["only hits coded use"]
    assert row["drift_first"] == pytest.approx(0.0)  # a2012: A = S = 0
    assert row["drift_last"] == pytest.approx(math.log2(4.5 / 2.5))  # b2025: A = 5 - 1 (export), S = 2


@pytest.mark.slow
def test_packaged_coding_covers_the_seed_hits(seed_corpus):
    from aictlab.corpus import select_tokens

    tokens = select_tokens(seed_corpus.tokens, words_only=False)
    use_coding = coding.load_use_coding()
    assert coding.coded_mention_documents(use_coding) == ("ciedel_2017",)  # the document-level row
    # the coding was made on every hit of frames.yaml 1.0 (kept as a fixture, with its hits inside names and
    # titles counted as they were then: sense_rules false); 191 of them carry over to the sheet
    lex_v1 = load_lexicon(Path(__file__).parent / "fixtures" / "frames_v1.yaml")
    k = coding.kwic_frames(tokens, lex_v1, coding=use_coding)
    hand = k[k["use_coded_by"].eq("hand")]
    assert len(hand) == 191 and hand["hit_id"].is_unique
    codes = pd.crosstab(hand["doc_id"], hand["use"])
    # the document that discusses the paradigm is mostly mention; the others never
    assert codes.loc["ciedel_2017", "mention"] > 0.7 * codes.loc["ciedel_2017"].sum()
    assert codes.drop(index="ciedel_2017")["mention"].eq(0).all()
    titles = hand[hand["use"].eq("other_sense")]
    assert {"attractivité", "commerce extérieur"} <= set(titles.loc[titles.doc_id.eq("meae_2025"), "term"])


def test_document_level_rows_give_the_mention_documents(tmp_path, tiny):
    m = match_terms(tiny, LEX)
    path = tmp_path / "coding.csv"
    path.write_text(
        SHEET_HEADER
        + "a2012:*,a2012,,*,mention,c1,discusses the hypothesis\n"
        + _sheet_rows(m, [("b2025", "export", 1, "other_sense", "")])
    )
    table = coding.load_use_coding(path)
    assert coding.coded_mention_documents(table) == ("a2012",)
    assert coding.document_defaults(table) == {"a2012": "mention"}
    coded = coding.code_matches(m, table)
    assert set(coded.loc[coded.doc_id.eq("a2012"), "use"]) == {"mention"}
    assert coded.loc[coded.doc_id.eq("b2025"), "use"].value_counts().to_dict() == {"use": 6, "other_sense": 1}
    # the mention document of mention_vs_use comes from the row, not from an argument
    table_mvu = coding.mention_vs_use(tiny, LEX, coding=table, n_boot=50)
    assert table_mvu["variant"].unique().tolist() == ["all documents", "without a2012", "only hits coded use"]
    assert coding.mention_vs_use(tiny, LEX, n_boot=50)["variant"].unique().tolist() == ["all documents"]
    # a document-level row is one with term * and hit_id <doc_id>:*, both or neither
    for rows in ("a2012:1,a2012,,*,mention,c1,\n", "a2012:*,a2012,,paix,mention,c1,\n"):
        path.write_text(SHEET_HEADER + rows)
        with pytest.raises(SchemaError, match="document-level row"):
            coding.load_use_coding(path)


# ---------------------------------------------------------------------------------------------- drift frames
THREE_FRAMES = {
    "frames": {
        "solidarite": {"label": "Solidarité"},
        "attractivite": {"label": "Attractivité"},
        "influence": {"label": "Influence"},
    },
    "terms": [
        {"term": t, "frame": f, "tier": "core", "justification": "test"}
        for t, f in (("solidarité", "solidarite"), ("paix", "solidarite"), ("attractivité", "attractivite"),
                     ("rayonnement", "influence"), ("export", "attractivite"))
    ],
}  # fmt: skip


def test_every_lexicon_frame_is_counted_and_the_drift_pair_is_a_setting(tiny):
    lex3 = parse_lexicon(THREE_FRAMES)
    res = drift.measure_drift(tiny, lex3, n_boot=100)
    doc = res.by_document.set_index("doc_id")
    # a2012: solidarité x2, paix x2 | attractivité x1 | no rayonnement; b2025: attractivité x2, export x1 |
    # rayonnement x2
    assert doc[["solidarite", "attractivite", "influence"]].values.tolist() == [[4, 1, 0], [0, 3, 2]]
    assert doc.loc["b2025", "influence_rate"] == pytest.approx(250.0)
    assert list(doc.columns[5:8]) == ["solidarite", "attractivite", "influence"]  # the pair first
    assert set(res.frame_rates["frame"]) == {"solidarite", "attractivite", "influence"}
    assert len(res.frame_rates) == 6
    assert doc.loc["a2012", "drift_index"] == pytest.approx(math.log2(1.5 / 4.5))
    # another pair: the index, share, θ and verdict columns are named from it
    other = drift.measure_drift(tiny, lex3, drift_frames=("solidarite", "influence"), n_boot=100)
    by = other.by_document.set_index("doc_id")
    assert by.loc["b2025", "drift_index"] == pytest.approx(math.log2(2.5 / 0.5))
    assert "share_influence" in by.columns and "share_attractivite" not in by.columns
    assert other.change.iloc[0]["theta_influence"] == pytest.approx(math.log(2.5 / 0.5))
    tr = trend.trend_tests(other)
    assert tr["target"].tolist() == ["solidarite", "influence", "drift_index"]
    v = verdict.verdict_table(other, tr).iloc[0]
    assert "influence_ratio_per_decade" in v.index and v["verdict"] in verdict.VERDICTS
    panel = robustness.robustness_panel(tiny, lex3, drift_frames=("solidarite", "influence"), n_boot=50,
                                        extra_seeds=())  # fmt: skip
    assert "theta_influence" in panel.columns
    with pytest.raises(SettingsError, match="not declared in the lexicon"):
        drift.measure_drift(tiny, LEX, drift_frames=("solidarite", "influence"), n_boot=10)


def test_drift_frames_setting_is_validated():
    assert Settings().drift_frames == ("solidarite", "attractivite")
    assert Settings(drift_frames=["attractivite", "solidarite"]).drift_frames == (
        "attractivite",
        "solidarite",
    )
    for bad in (("solidarite",), ("solidarite", "solidarite"), ("a", "b", "c")):
        with pytest.raises(SettingsError, match="drift_frames"):
            Settings(drift_frames=bad)


def test_extra_bootstrap_seeds_derive_from_the_run_seed(planted_corpus):
    assert robustness.extra_bootstrap_seeds(42) == (43, 44, 45)
    panel = robustness.robustness_panel(planted_corpus, LEX, n_boot=50, seed=7, extra_seeds=2)
    seeds = panel[panel["variant_type"].eq("bootstrap seed")]
    assert seeds["variant"].tolist() == ["bootstrap seed 8", "bootstrap seed 9"]
    again = robustness.robustness_panel(planted_corpus, LEX, n_boot=50, seed=7, extra_seeds=2)
    pd.testing.assert_frame_equal(panel, again)


def test_drift_changes_equal_each_variant_measured_alone(planted_corpus):
    # the panel measures its hit variants together (documents, periods and draws shared, in chunks of
    # _CHANGES_AT_ONCE, seeds mixed): every number is that of the variant's own drift_change
    fd = frames.as_frame_data(planted_corpus, LEX)
    hits = fd.hits("extended")
    terms = sorted(set(hits["term"]))
    variants = [(hits[hits["term"].ne(t)], 42 + k % 3) for k, t in enumerate(terms * 3)]
    assert len(variants) > drift._CHANGES_AT_ONCE
    together = drift.drift_changes(fd, variants, n_boot=200)
    for (h, s), out in zip(variants, together, strict=True):
        alone = drift.drift_change(fd.with_hits(h, tier="extended"), n_boot=200, seed=s)
        assert pd.Series(out).equals(pd.Series(alone))
    # without "attractivité" the late document keeps the MWE hit alone: A = 1 there
    no_a = together[terms.index("attractivité")]
    assert (no_a["first_period"], no_a["last_period"]) == ("2010-2014", "2025-2029")
    assert no_a["drift_last"] == pytest.approx(math.log2(1.5 / 11.5))
    # the seeds draw differently: same ΔD, other bounds
    assert together[0]["drift_change"] == together[len(terms)]["drift_change"]
    assert together[0]["ci_low"] != together[len(terms)]["ci_low"]


def test_trend_tests_targets_gives_the_same_rows_as_all_three():
    # geography asks trend_tests for the drift index alone: the row equals the index's row of the full table
    rng = np.random.default_rng(3)
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(12)],
            "year": np.arange(2008, 2020),
            "tokens": 1,
            "not_ldc": rng.integers(0, 9, 12),
            "ldc": rng.integers(0, 9, 12),
        }
    )
    full = trend.trend_tests(docs, drift_frames=("not_ldc", "ldc"), seed=5)
    alone = trend.trend_tests(docs, drift_frames=("not_ldc", "ldc"), seed=5, targets=["drift_index"])
    pd.testing.assert_frame_equal(alone, full[full["target"] == "drift_index"].reset_index(drop=True))
    with pytest.raises(SettingsError, match="targets"):
        trend.trend_tests(docs, drift_frames=("not_ldc", "ldc"), targets=["ldc_share"])
