"""Document-level inference (aictlab.inference, aictlab.bins): hand-worked small cases and reference values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aictlab import bins, inference, synthetic
from aictlab.errors import SettingsError
from aictlab.inference import TOO_FEW_HITS
from aictlab.periods import add_periods
from aictlab.resample import expanded_level, resample_totals


def _totals(rows):
    return pd.DataFrame(rows, columns=["doc_id", "year", "period", "tokens", "attractivite", "solidarite"])


# Two periods, three documents: first = {a, b}, last = {c}. The document bootstrap of the first period draws
# (a,a), (a,b)/(b,a), (b,b) with probabilities 1/4, 1/2, 1/4: A_first ∈ {2, 4, 6} over 200 tokens, S = 4.
THREE = _totals(
    [
        ("a", 2010, "2010-2014", 100, 1, 2),
        ("b", 2011, "2010-2014", 100, 3, 2),
        ("c", 2020, "2020-2024", 200, 8, 4),
    ]
)


def test_contrast_enumerable_bootstrap():
    out = inference.period_contrast(THREE, min_documents=1, n_boot=4000, seed=1).set_index("target")
    a = out.loc["attractivite"]
    # θ_A = ln(8/200) − ln(4/200) = ln 2; replicates ln(0.04/r), r ∈ {0.01, 0.02, 0.03}.
    assert a["estimate"] == pytest.approx(math.log(2))
    assert a["ci_low"] == pytest.approx(math.log(4 / 3))
    assert a["ci_high"] == pytest.approx(math.log(4))
    assert (a["hits_first"], a["hits_last"], a["hits"]) == (4, 8, 12)
    d = out.loc["drift_index"]
    d1 = math.log2(8.5 / 4.5)
    assert d["estimate"] == pytest.approx(d1 - math.log2(4.5 / 4.5))
    assert d["ci_low"] == pytest.approx(d1 - math.log2(6.5 / 4.5))
    assert d["ci_high"] == pytest.approx(d1 - math.log2(2.5 / 4.5))
    assert a["basis"] == "document bootstrap"
    # Exact conditional check: given 12 hits, x1 ~ Bin(12, 200/400) under RR = 1.
    assert a["exact_p_value"] == pytest.approx(stats.binomtest(8, 12, 0.5).pvalue)


def test_contrast_thin_period_says_so_and_falls_back_only_when_asked():
    out = inference.period_contrast(THREE, min_documents=2, n_boot=200)
    assert out["basis"].eq("none").all()
    assert out["ci_low"].isna().all()
    assert "2020-2024: 1 document unit(s) < min_documents = 2" in out["note"].iloc[0]
    segments = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "c"],
            "tokens": [100, 100, 100, 100],
            "attractivite": [1, 3, 2, 6],
            "solidarite": [2, 2, 2, 2],
        }
    )
    fb = inference.period_contrast(THREE, min_documents=2, n_boot=2000, fallback="segment", segments=segments)
    a = fb.set_index("target").loc["attractivite"]
    assert a["basis"] == "document bootstrap / segment bootstrap (within documents)"
    # Last period: c's two segments (2, 6) resampled: A_last ∈ {4, 8, 12}; first: {2, 4, 6}.
    assert a["ci_low"] == pytest.approx(math.log(4 / 6))
    assert a["ci_high"] == pytest.approx(math.log(12 / 2))


def test_cluster_bootstrap_sums_documents_of_a_cluster():
    t = THREE.assign(organiser=["x", "x", "y"])
    out = inference.period_contrast(t, cluster="organiser", min_documents=1, n_boot=300).set_index("target")
    a = out.loc["attractivite"]
    # One cluster per period: every replicate equals the estimate.
    assert (a["n_units_first"], a["n_units_last"]) == (1, 1)
    assert a["ci_low"] == a["ci_high"] == pytest.approx(math.log(2))
    assert a["basis"] == "cluster bootstrap"


def test_issue13_zero_hits_at_both_ends_is_undetermined():
    # The issue's case: A = 0 at both ends, one document of 251 tokens first, two of 551 tokens last.
    t = _totals(
        [
            ("d1", 2007, "2005-2009", 251, 0, 3),
            ("d2", 2025, "2025-2029", 300, 0, 2),
            ("d3", 2026, "2025-2029", 251, 0, 4),
        ]
    )
    out = inference.period_contrast(t, min_documents=1, n_boot=200).set_index("target")
    a = out.loc["attractivite"]
    assert a["hits"] == 0
    assert not np.isclose(a["estimate"], math.log(251 / 551))  # no +0.5 rate ratio of document sizes
    dirs = inference.frame_directions(out.reset_index()).set_index("target")["direction"]
    assert dirs["attractivite"] == TOO_FEW_HITS
    assert dirs["solidarite"] == TOO_FEW_HITS
    verdict, reason = inference.verdict_from_directions(dirs["attractivite"], dirs["solidarite"])
    assert verdict == "inconclusive" and "too few hits" in reason


def test_poisson_rate_ratio_clopper_pearson():
    r = inference.poisson_rate_ratio(5, 1000, 20, 2000)
    # p = P(hit in last | hit) ; CP bounds Beta(x, n−x+1), Beta(x+1, n−x) quantiles; RR = p/(1−p)·n0/n1.
    lo, hi = stats.beta.ppf(0.025, 20, 6), stats.beta.ppf(0.975, 21, 5)
    assert r["rate_ratio"] == pytest.approx(2.0)
    assert r["rr_low"] == pytest.approx(lo / (1 - lo) * 0.5)
    assert r["rr_high"] == pytest.approx(hi / (1 - hi) * 0.5)
    assert r["p_value"] == pytest.approx(stats.binomtest(20, 25, 2 / 3).pvalue)
    ci = stats.binomtest(20, 25, 2 / 3).proportion_ci(method="exact")  # scipy's own Clopper–Pearson
    assert r["rr_low"] == pytest.approx(ci.low / (1 - ci.low) * 0.5, rel=1e-6)
    assert np.isnan(inference.poisson_rate_ratio(0, 100, 0, 100)["rate_ratio"])
    assert inference.poisson_rate_ratio(0, 100, 12, 100)["rr_high"] == np.inf


@pytest.mark.parametrize(
    ("args", "kw", "expected"),
    [
        ((0.1, 0.9, 0.2, 0.8, 9), {}, TOO_FEW_HITS),
        ((0.1, 0.9, 0.2, 0.8, 10), {}, "rises"),
        ((0.1, 0.9, 0.2, 0.8, 10), {"exact_low": -0.1, "exact_high": 1.0}, "undetermined"),
        ((-0.9, -0.1, -0.8, -0.2, 50), {"exact_low": -1.0, "exact_high": -0.05}, "falls"),
        ((-0.25, 0.25, -0.2, 0.2, 50), {}, "stable"),
        ((-0.5, 0.5, -0.4, 0.4, 50), {}, "undetermined"),
        ((np.nan, np.nan, np.nan, np.nan, 50), {}, "undetermined"),
    ],
)
def test_frame_direction(args, kw, expected):
    assert inference.frame_direction(*args, **kw) == expected


@pytest.mark.parametrize(
    ("a", "s", "verdict"),
    [
        ("rises", "falls", "substitution"),
        ("rises", "stable", "stratification"),
        ("rises", "rises", "stratification"),
        ("rises", "undetermined", "inconclusive"),
        ("falls", "rises", "reversal"),
        ("falls", "stable", "no_drift"),
        ("stable", "falls", "no_drift"),
        ("undetermined", "falls", "inconclusive"),
        ("rises", TOO_FEW_HITS, "inconclusive"),
    ],
)
def test_decide_verdict(a, s, verdict):
    assert inference.verdict_from_directions(a, s)[0] == verdict


def _corpus(n=60, seed=3, **kw):
    docs, segs = synthetic.simulate_counts(n, seed=seed, **kw)
    return inference.document_totals(segs, add_periods(docs, 5), cluster="organiser"), segs


def test_trend_matches_statsmodels_nb2_ml():
    import statsmodels.formula.api as smf

    tot, _ = _corpus(80, sigma_document=0.5)
    tr = inference.frame_trend(tot, n_boot=200, n_perm=99).set_index("target")
    df = tot.assign(x=(tot["year"] - tot["year"].mean()) / 10)
    for frame in ("attractivite", "solidarite"):
        ref = smf.negativebinomial(f"{frame} ~ x", df, offset=np.log(df["tokens"])).fit(disp=0)
        assert tr.loc[frame, "estimate"] == pytest.approx(ref.params["x"], abs=2e-3)
        assert tr.loc[frame, "nb_alpha"] == pytest.approx(ref.params["alpha"], rel=0.02)
        assert tr.loc[frame, "ci_low"] < tr.loc[frame, "estimate"] < tr.loc[frame, "ci_high"]
        assert tr.loc[frame, "cl_ci_low"] < tr.loc[frame, "estimate"] < tr.loc[frame, "cl_ci_high"]
    assert tr.loc["attractivite", "perm_p_value"] == pytest.approx(0.01)  # floor 1/(99+1): planted ×2/decade


def test_trend_cluster_equals_document_bootstrap_when_clusters_are_documents():
    tot, _ = _corpus(30)
    a = inference.frame_trend(tot, n_boot=200, n_perm=0)
    b = inference.frame_trend(tot, cluster="doc_id", n_boot=200, n_perm=0)
    pd.testing.assert_series_equal(a["ci_low"], b["ci_low"])
    assert b["unit"].iloc[0] == "cluster (doc_id)"


def test_trend_small_and_zero_cases_give_nan_with_reason():
    t = THREE.assign(attractivite=[0, 0, 0])
    tr = inference.frame_trend(t, n_boot=50, n_perm=50).set_index("target")
    assert np.isnan(tr.loc["attractivite", "estimate"])
    assert "0 hit(s)" in tr.loc["attractivite", "note"]
    two = inference.frame_trend(THREE.iloc[:2], n_boot=50, n_perm=50)
    assert two["estimate"].isna().all() and two["note"].str.contains("2 document").all()


def test_trend_exact_permutation_for_few_documents():
    t = pd.DataFrame(
        {
            "doc_id": list("abcdef"),
            "year": [2010, 2012, 2014, 2016, 2018, 2020],
            "period": ["p"] * 6,
            "tokens": [1000] * 6,
            "attractivite": [1, 2, 4, 8, 16, 32],
            "solidarite": [5, 4, 6, 5, 4, 6],
        }
    )
    tr = inference.frame_trend(t, n_boot=100, n_perm=999).set_index("target")
    assert tr.loc["attractivite", "n_permutations"] == 720
    # Two-sided: |β| is maximal for the identity and for the reversed years (equally spaced: x -> −x gives −β).
    assert tr.loc["attractivite", "perm_p_value"] == pytest.approx(2 / 720)


def test_verdict_basis_rule():
    tot, _ = _corpus(60, sigma_document=0.0)
    con = inference.period_contrast(tot, n_boot=300)
    tr = inference.frame_trend(tot, n_boot=300, n_perm=0)
    row = inference.verdict_basis(tot, con, tr).iloc[0]
    assert row["primary"] == "trend" and row["primary_reason"].startswith("trend: 60 documents")
    assert row["verdict"] == row["verdict_trend"]
    assert row["attractivite_direction"] == "rises"  # planted ×2 per decade
    small = tot.iloc[:8]
    row = inference.verdict_basis(small, con, tr).iloc[0]
    assert row["primary"] == "period_contrast" and "the trend needs >= 10 documents" in row["primary_reason"]
    assert row["verdict"] == row["verdict_contrast"]


def test_end_periods_merge_thin_edges_inward():
    rows = [("e0", 2007, "2005-2009", 251, 0, 1)]
    rows += [(f"m{i}", 2011, "2010-2014", 900, 1, 1) for i in range(6)]
    rows += [(f"n{i}", 2016, "2015-2019", 900, 1, 1) for i in range(5)]
    rows += [("l0", 2025, "2025-2029", 300, 0, 1), ("l1", 2026, "2025-2029", 251, 0, 1)]
    t = add_periods(_totals(rows).drop(columns="period"), 5)
    ends = bins.end_periods(t).set_index("period")
    assert ends.loc["2005-2009", "role"] == ends.loc["2010-2014", "role"] == "first"
    assert ends.loc["2005-2009", "end_period"] == "2005-2014"
    assert ends.loc["2005-2009", "note"] == "2005-2009 (1 document, 251 tokens) merged into 2005-2014"
    assert ends.loc["2025-2029", "end_period"] == "2015-2029"
    merged = bins.merge_end_periods(t, ends.reset_index())
    assert merged.groupby("period").size().to_dict() == {"2005-2014": 7, "2015-2029": 7}
    thin = bins.end_periods(t, min_documents=8)
    assert thin["role"].eq("too_thin").all()


def test_period_schemes_offsets():
    sc = bins.period_schemes(range(2005, 2025), widths=(5,)).set_index("scheme")
    assert list(sc.index) == ["5y+0", "5y+1", "5y+2", "5y+3", "5y+4"]
    assert sc.loc["5y+0", "edges"] == (2005, 2010, 2015, 2020)
    assert sc.loc["5y+1", "edges"][:2] == (2001, 2006)
    with pytest.raises(SettingsError):
        bins.period_schemes([])


def test_bin_robustness_keeps_a_strong_planted_drift():
    tot, _ = _corpus(80, sigma_document=0.2, theta={"attractivite": math.log(4), "solidarite": -math.log(4)})
    tr = inference.frame_trend(tot, n_boot=200, n_perm=0)
    table = bins.bin_robustness(tot.drop(columns="organiser"), widths=(4, 5), trend=tr, n_boot=200)
    assert len(table) == 4 + 5 + 1 and table["is_reference"].sum() == 1
    summary = bins.bin_robustness_summary(table)
    assert summary["share_sign"] == 1.0
    assert summary["reference_verdict"] == "substitution"
    assert summary["share_verdict"] >= 0.8


def test_document_totals_sums_segments():
    segments = pd.DataFrame(
        {
            "doc_id": ["a", "a", "b"],
            "tokens": [40, 35, 41],
            "attractivite": [1, 0, 2],
            "solidarite": [0, 3, 1],
        }
    )
    documents = pd.DataFrame(
        {"doc_id": ["b", "a"], "year": [2020, 2010], "period": ["2020-2024", "2010-2014"]}
    )
    out = inference.document_totals(segments, documents)
    assert out.to_dict("list") == {
        "doc_id": ["a", "b"],
        "year": [2010, 2020],
        "period": ["2010-2014", "2020-2024"],
        "tokens": [75, 41],
        "attractivite": [1, 2],
        "solidarite": [3, 1],
    }


def test_cluster_intervals_are_wider_when_organisers_are_confounded_with_years():
    # 8 organisers, each active over its own 2-3 years, with strong effects (σ_c = 1) and no trend: the
    # organiser effects masquerade as a trend that documents of one organiser cannot average out, so
    # resampling organisers (or clustering the sandwich) must give wider intervals than resampling documents.
    rng = np.random.default_rng(4)
    years = np.repeat(np.arange(2005, 2025), 4)
    organiser = (years - 2005) * 8 // 20
    effect = rng.normal(0, 1.0, 8)[organiser]
    tokens = np.full(years.size, 2000)
    tot = pd.DataFrame(
        {
            "doc_id": [f"d{i:03d}" for i in range(years.size)],
            "year": years,
            "period": [f"{y}" for y in years],
            "organiser": organiser,
            "tokens": tokens,
            "attractivite": rng.poisson(30 * 0.2 * np.exp(effect)),
            "solidarite": rng.poisson(60 * 0.2 * np.exp(effect)),
        }
    )
    by_doc = inference.frame_trend(tot, n_boot=300, n_perm=0).set_index("target")
    by_org = inference.frame_trend(tot, cluster="organiser", n_boot=300, n_perm=0).set_index("target")
    assert (by_org["n_units"] == 8).all() and (by_doc["n_units"] == 80).all()
    for a, b in (("ci_low", "ci_high"), ("cl_ci_low", "cl_ci_high")):
        assert ((by_org[b] - by_org[a]) > 2 * (by_doc[b] - by_doc[a])).all()
    # No trend was planted: the organiser-level interval covers 0 (the document-level one does not, here).
    assert (by_org["ci_low"] < 0).all() and (by_org["ci_high"] > 0).all()


def test_trend_needs_enough_units_and_tokens():
    tot, _ = _corpus(30)
    one = tot.assign(organiser="same")
    tr = inference.frame_trend(one, cluster="organiser", n_boot=100, n_perm=0)
    assert tr["ci_low"].isna().all() and tr["cl_ci_low"].isna().all()
    assert tr["estimate"].notna().all()
    assert tr["note"].str.contains("1 cluster \\(organiser\\) unit\\(s\\) < min_units = 5").all()
    with pytest.raises(SettingsError, match="synth_0001"):
        inference.period_contrast(
            tot.assign(tokens=np.where(tot["doc_id"] == "synth_0001", 0, tot["tokens"]))
        )


def test_contrast_interval_is_the_expanded_percentile_of_the_same_replicates():
    """ci_* = the replicates' quantiles at Hesterberg's α' (Welch–Satterthwaite over the two periods' own
    bootstrap variances); pct_* = the plain percentile; the draws are those of resample_totals."""
    rng = np.random.default_rng(5)
    n_first, n_last = 6, 9
    tot = _totals(
        [(f"d{i}", 2011 if i < n_first else 2021, "2010-2014" if i < n_first else "2020-2024",
          int(rng.integers(500, 1500)), int(rng.integers(2, 20)), int(rng.integers(5, 30)))
         for i in range(n_first + n_last)]
    )  # fmt: skip
    out = inference.period_contrast(tot, n_boot=999, seed=3).set_index("target")
    a = out.loc["attractivite"]
    assert a["interval"] == "expanded percentile"
    strata = np.where(tot["period"].eq("2010-2014"), "first", "last")
    reps = resample_totals(
        tot[["tokens", "attractivite", "solidarite"]].to_numpy(float), strata, n_boot=999, seed=3
    )
    first, last = (np.log(reps[k][:, 1] / reps[k][:, 0]) for k in ("first", "last"))
    level = expanded_level([n_last, n_first], variances=[np.var(last), np.var(first)])
    assert level < 0.025  # 6 and 9 documents: well below 0.05
    rep = last - first
    assert a["pct_low"] == pytest.approx(np.quantile(rep, 0.025))
    assert a["ci_low"] == pytest.approx(np.quantile(rep, level / 2))
    assert a["ci_high"] == pytest.approx(np.quantile(rep, 1 - level / 2))
    assert a["ci_low"] < a["pct_low"] < a["pct_high"] < a["ci_high"]
    plain = inference.period_contrast(tot, n_boot=999, seed=3, interval="percentile")
    assert (plain["interval"] == "percentile").all()
    np.testing.assert_allclose(plain["ci_low"], plain["pct_low"])
    np.testing.assert_allclose(plain["ci_low"], out["pct_low"].to_numpy())
    with pytest.raises(SettingsError, match="interval='bca'"):
        inference.period_contrast(tot, interval="bca")


def test_trend_interval_expands_over_units_with_two_parameters():
    tot, _ = _corpus(20)
    tr = inference.frame_trend(tot, n_boot=400, n_perm=0).set_index("target")
    plain = inference.frame_trend(tot, n_boot=400, n_perm=0, interval="percentile").set_index("target")
    for frame in ("attractivite", "solidarite"):
        r = tr.loc[frame]
        assert r["interval"] == "expanded percentile"
        # same replicates: the percentile bounds agree, and the expanded interval contains them
        assert r["pct_low"] == pytest.approx(plain.loc[frame, "ci_low"])
        assert r["ci_low"] <= r["pct_low"] < r["pct_high"] <= r["ci_high"]
        assert r["ci_low"] < r["pct_low"] or r["ci_high"] > r["pct_high"]
