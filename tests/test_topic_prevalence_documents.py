"""Topic prevalence intervals when documents vary (docs/methods.md §13): a period (year) holding
>= min_documents documents (clusters) resamples them within the period (ratio of the resampled totals
Σ n_u θ_uk / Σ n_u, expanded percentile); a thinner period, and every per-document row, keeps the
within-document bootstrap of docs/methods.md §2. Hand-worked values, a planted simulation of coverage, and
thin periods unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aictlab import topics as tp
from aictlab.resample import expanded_level, resample_totals

# two documents of two units each (one topic column): document totals [Σ w θ, Σ w]
VALUES = np.array([[1.0], [0.0], [0.5], [0.2]])
WEIGHTS = np.array([10.0, 30.0, 20.0, 20.0])
DOCS = np.array(["d1", "d1", "d2", "d2"])


def test_two_documents_by_hand():
    # d1: (10·1 + 30·0, 40) -> 0.25; d2: (20·0.5 + 20·0.2, 40) -> 0.35; pooled 24/80 = 0.30.
    # Drawing 2 documents with replacement gives d1d1 (0.25), d1d2 (0.30), d2d2 (0.35) with probabilities
    # 1/4, 1/2, 1/4: the 2.5 % and 97.5 % quantiles are 0.25 and 0.35; with 2 documents the expanded level
    # α' = 2Φ(−√2 · t_{0.975, 1}) is ~0, so the expanded interval is also [0.25, 0.35].
    group = np.zeros(4)
    labels, est, low, high = tp.bootstrap_group_means(
        VALUES, WEIGHTS, DOCS, group, n_boot=2000, seed=3, min_documents=2
    )
    assert est[0, 0] == pytest.approx(0.30)
    assert (low[0, 0], high[0, 0]) == pytest.approx((0.25, 0.35))
    # within documents (the §2 bootstrap) the interval is another one: d1's units are resampled inside d1
    _, _, low_w, high_w = tp.bootstrap_group_means(VALUES, WEIGHTS, DOCS, group, n_boot=2000, seed=3)
    assert low_w[0, 0] < 0.25  # d1 drawn as two zero-θ units and d2 as (0.2, 0.2): (0 + 8) / 100 = 0.08
    # one cluster holding both documents: 1 < 2 units, so the within-document bootstrap is kept
    same = tp.bootstrap_group_means(
        VALUES, WEIGHTS, DOCS, group, n_boot=2000, seed=3, min_documents=2, clusters=np.array(["o"] * 4)
    )
    np.testing.assert_array_equal(same[2], low_w)
    np.testing.assert_array_equal(same[3], high_w)


def _doc_topics(per_period: dict[str, list[tuple[str, list[float], list[int]]]]) -> pd.DataFrame:
    """doc_topics of one topic pair (θ, 1 − θ) from {period: [(doc_id, unit θs, unit tokens)]}."""
    rows = []
    for period, docs in per_period.items():
        for doc, thetas, tokens in docs:
            for i, (theta, n) in enumerate(zip(thetas, tokens, strict=True)):
                for topic, share in ((1, theta), (2, 1 - theta)):
                    rows.append(
                        {
                            "doc_id": doc,
                            "unit_id": f"{doc}_s{i}",
                            "year": int(period[:4]),
                            "period": period,
                            "n_tokens": n,
                            "topic": topic,
                            "proportion": share,
                        }
                    )
    return pd.DataFrame(rows)


FIVE = [  # five documents, each with two units: document shares 0.1, 0.2, 0.3, 0.6, 0.8
    (f"p{i}", [t - 0.05, t + 0.05], [20, 20]) for i, t in enumerate([0.1, 0.2, 0.3, 0.6, 0.8])
]
THIN = [("q0", [0.4, 0.6, 0.5], [30, 10, 20]), ("q1", [0.9, 0.7], [40, 40])]


def test_topic_prevalence_resamples_documents_of_a_thick_period():
    dt = _doc_topics({"2010-2014": FIVE, "2015-2019": THIN})
    prev = tp.topic_prevalence(dt, n_boot=999, seed=7, min_documents=5)
    thick = prev[(prev["period"] == "2010-2014") & (prev["topic"] == 1)].iloc[0]
    assert thick["prevalence"] == pytest.approx(np.mean([0.1, 0.2, 0.3, 0.6, 0.8]))  # equal tokens
    assert (thick["resampled_unit"], thick["n_resampled_units"]) == ("document", 5)
    assert thick["interval"] == "expanded percentile"
    # the interval is the expanded percentile of resample_totals over the five documents' totals
    totals = np.array([[20 * (t - 0.05) + 20 * (t + 0.05), 40.0] for t in [0.1, 0.2, 0.3, 0.6, 0.8]])
    rep = resample_totals(totals, np.zeros(5), n_boot=999, seed=7)[0.0]
    ratio = rep[:, 0] / rep[:, 1]
    a = expanded_level(5)
    assert (thick["ci_low"], thick["ci_high"]) == pytest.approx(tuple(np.quantile(ratio, [a / 2, 1 - a / 2])))
    assert (thick["pct_low"], thick["pct_high"]) == pytest.approx(tuple(np.quantile(ratio, [0.025, 0.975])))
    assert thick["ci_low"] < thick["pct_low"] and thick["ci_high"] > thick["pct_high"]
    # topic 2 of a replicate is 1 − topic 1: the same draws serve every topic
    other = prev[(prev["period"] == "2010-2014") & (prev["topic"] == 2)].iloc[0]
    assert other["pct_low"] == pytest.approx(1 - thick["pct_high"])
    # the thin period (2 documents) keeps the within-document bootstrap, percentile: its interval is the one
    # the period gets alone, whatever the thick period does
    thin = prev[prev["period"] == "2015-2019"].reset_index(drop=True)
    assert set(thin["resampled_unit"]) == {"segment"} and set(thin["n_resampled_units"]) == {5}
    assert set(thin["interval"]) == {"percentile"}
    np.testing.assert_allclose(thin["ci_low"], thin["pct_low"])
    alone = tp.topic_prevalence(_doc_topics({"2015-2019": THIN}), n_boot=999, seed=7, min_documents=5)
    cols = ["prevalence", "ci_low", "ci_high", "n_units", "n_documents", "tokens"]
    pd.testing.assert_frame_equal(thin[cols], alone[cols])
    # the same seed gives the same table
    pd.testing.assert_frame_equal(prev, tp.topic_prevalence(dt, n_boot=999, seed=7, min_documents=5))


def test_thin_periods_keep_the_within_document_bootstrap():
    # every period under min_documents: the intervals are those of the within-document bootstrap
    dt = _doc_topics({"2010-2014": FIVE[:2], "2015-2019": THIN})
    prev = tp.topic_prevalence(dt, n_boot=500, seed=2)
    units = dt[dt["topic"] == 1]  # one row per unit, in the order of the doc_topics table
    theta = units["proportion"].to_numpy()
    _, est, low, high = tp.bootstrap_group_means(
        np.column_stack([theta, 1 - theta]), units["n_tokens"].to_numpy(), units["doc_id"].to_numpy(),
        units["period"].to_numpy(), n_boot=500, seed=2,
    )  # fmt: skip
    np.testing.assert_allclose(prev["prevalence"], est.T.ravel())
    np.testing.assert_allclose(prev["ci_low"], low.T.ravel())
    np.testing.assert_allclose(prev["ci_high"], high.T.ravel())
    assert set(prev["resampled_unit"]) == {"segment"}
    assert prev.groupby("period")["n_resampled_units"].first().tolist() == [4, 5]


def test_clusters_and_documents_rows():
    dt = _doc_topics({"2010-2014": FIVE})
    # organisers: p0, p1 -> A; p2 -> B; p3 has none (a cluster of its own); p4 -> C: 4 clusters
    clusters = {"p0": "A", "p1": "A", "p2": "B", "p4": "C"}
    prev = tp.topic_prevalence(dt, n_boot=400, seed=1, min_documents=4, clusters=clusters)
    assert set(prev["resampled_unit"]) == {"cluster"} and set(prev["n_resampled_units"]) == {4}
    tot = {"A": [20 * 0.2 + 20 * 0.4, 80.0], "B": [12.0, 40.0], "p3": [24.0, 40.0], "C": [32.0, 40.0]}
    rep = resample_totals(np.array([tot[k] for k in ("A", "B", "C", "p3")]), np.zeros(4), n_boot=400, seed=1)
    ratio = rep[0.0][:, 0] / rep[0.0][:, 1]
    a = expanded_level(4)
    row = prev[prev["topic"] == 1].iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(np.quantile(ratio, [a / 2, 1 - a / 2])))
    # five clusters needed: the period falls back to segments within documents
    thin = tp.topic_prevalence(dt, n_boot=400, seed=1, min_documents=5, clusters=clusters)
    assert set(thin["resampled_unit"]) == {"segment"} and set(thin["n_resampled_units"]) == {10}
    # per document: always the within-document bootstrap, whatever min_documents
    by_doc = tp.frame_topic_prevalence(
        dt, pd.DataFrame({"topic": [1, 2], "frame": ["solidarite", "other"]}), by="doc_id", n_boot=200,
        seed=1, min_documents=1,
    )  # fmt: skip
    assert set(by_doc["resampled_unit"]) == {"segment"} and set(by_doc["n_resampled_units"]) == {2}


def test_frame_prevalence_resamples_documents_with_a_model_column():
    dt = pd.concat(
        [_doc_topics({"2010-2014": FIVE}).assign(model=m) for m in ("lda", "nmf")], ignore_index=True
    )
    frames = pd.DataFrame({"topic": [1, 2], "frame": ["attractivite", "other"]})
    fp = tp.frame_topic_prevalence(dt, frames, frames=["attractivite"], n_boot=300, seed=5, min_documents=5)
    assert fp.columns[:6].tolist() == ["model", "period", "frame", "prevalence", "ci_low", "ci_high"]
    assert fp.columns[-5:].tolist() == [
        "resampled_unit",
        "n_resampled_units",
        "interval",
        "pct_low",
        "pct_high",
    ]
    att = fp[fp["frame"] == "attractivite"]
    assert set(att["resampled_unit"]) == {"document"} and set(att["interval"]) == {"expanded percentile"}
    prev = tp.topic_prevalence(dt, n_boot=300, seed=5, min_documents=5)
    one = prev[prev["topic"] == 1].reset_index(drop=True)
    np.testing.assert_allclose(att["ci_low"], one["ci_low"])  # frame = topic 1: the same draws and interval


def test_document_bootstrap_covers_when_documents_vary():
    # Planted: 300 replications (one group each) of 20 documents with 6 units. A document's topic share
    # p_d ~ Beta around μ = 0.3 (between-document SD ~0.13); its units' θ_u ~ Beta(40 p_d, 40 (1 − p_d))
    # around p_d; tokens 30-50. The prevalence estimates μ; the document bootstrap's 95 % interval
    # covers μ near 95 % of the time, the within-document one (units resampled inside each document) far
    # less: it leaves out how documents differ.
    rng = np.random.default_rng(20261202)
    n_rep, n_doc, n_unit, mu, conc = 300, 20, 6, 0.3, 12.0
    p = rng.beta(mu * conc, (1 - mu) * conc, size=(n_rep, n_doc))
    theta = rng.beta(40 * p[..., None], 40 * (1 - p[..., None]), size=(n_rep, n_doc, n_unit))
    weights = rng.integers(30, 51, size=theta.shape).astype(float)
    groups = np.repeat(np.arange(n_rep), n_doc * n_unit)
    docs = np.repeat(np.arange(n_rep * n_doc), n_unit)
    values = np.column_stack([theta.ravel(), 1 - theta.ravel()])
    _, est, low, high = tp.bootstrap_group_means(
        values, weights.ravel(), docs, groups, n_boot=499, seed=11, min_documents=5
    )
    _, _, low_w, high_w = tp.bootstrap_group_means(values, weights.ravel(), docs, groups, n_boot=499, seed=11)
    cover_doc = np.mean((low[:, 0] <= mu) & (mu <= high[:, 0]))
    cover_within = np.mean((low_w[:, 0] <= mu) & (mu <= high_w[:, 0]))
    assert 0.90 <= cover_doc <= 0.98  # 0.94 (Monte Carlo SE ~0.013)
    assert cover_within < 0.5  # 0.35
    # the document intervals are several times wider (median ratio ~5)
    assert np.median((high - low)[:, 0] / (high_w - low_w)[:, 0]) > 3


def test_a_missing_cluster_value_is_a_clear_error():
    from aictlab.errors import SettingsError

    with pytest.raises(SettingsError, match="1 unit\\(s\\) have no cluster value"):
        tp.bootstrap_group_means(
            VALUES,
            WEIGHTS,
            DOCS,
            np.zeros(4),
            n_boot=10,
            min_documents=2,
            clusters=np.array(["a", "a", "b", None]),
        )


def _two_models(per_period, nan_unit: str | None = None) -> pd.DataFrame:
    """doc_topics of an LDA (2 topics) and an NMF (3 topics) over the same units; ``nan_unit``: NaN θ in NMF."""
    lda = _doc_topics(per_period).assign(model="lda")
    units = lda[lda["topic"] == 1].reset_index(drop=True)
    rng = np.random.default_rng(3)
    theta = rng.dirichlet(np.ones(3), len(units))
    nmf = units.loc[units.index.repeat(3)].reset_index(drop=True)
    nmf["topic"] = np.tile([1, 2, 3], len(units))
    nmf["proportion"] = theta.ravel()
    if nan_unit is not None:
        nmf.loc[nmf["unit_id"] == nan_unit, "proportion"] = np.nan
    return pd.concat([lda, nmf.assign(model="nmf")], ignore_index=True)


LEAN = pd.DataFrame(
    {
        "model": ["lda", "lda", "nmf", "nmf", "nmf"],
        "topic": [1, 2, 1, 2, 3],
        "frame": ["solidarite", "attractivite", "attractivite", "other", "solidarite"],
        "share_solidarite": 0.5,
        "share_attractivite": 0.5,
    }
)


@pytest.mark.parametrize(
    ("min_documents", "clusters"),
    [(5, None), (2, None), (4, {"p0": "A", "p1": "A", "p2": "B", "p4": "C"}), (99, None)],
)
def test_one_draw_for_topics_and_frames_gives_the_numbers_of_separate_calls(min_documents, clusters):
    # topic and frame prevalence of two models over the same units share one draw of the replicates; each
    # table is exactly (bit for bit) the one its own function computes, thick and thin periods alike
    dt = _two_models({"2010-2014": FIVE, "2015-2019": THIN}, nan_unit="p2_s1")
    boot = {"n_boot": 499, "seed": 9, "min_documents": min_documents, "clusters": clusters}
    prev, fp = tp.topic_and_frame_prevalence(dt, LEAN, **boot)
    pd.testing.assert_frame_equal(prev, tp.topic_prevalence(dt, **boot), check_exact=True)
    pd.testing.assert_frame_equal(fp, tp.frame_topic_prevalence(dt, LEAN, **boot), check_exact=True)
    # and each model's table is the one it gets alone
    for m in ("lda", "nmf"):
        alone = tp.topic_prevalence(dt[dt["model"] == m].drop(columns="model"), **boot)
        pd.testing.assert_frame_equal(
            prev[prev["model"] == m].drop(columns="model").reset_index(drop=True), alone, check_exact=True
        )
    # frame shares of a model sum to 1 per period (the NaN unit weighs 0 in NMF only)
    assert fp.groupby(["model", "period"])["prevalence"].sum().to_numpy() == pytest.approx(np.ones(4))
    assert prev[prev["model"] == "nmf"]["tokens"].iloc[0] == prev[prev["model"] == "lda"]["tokens"].iloc[0]


def test_models_on_different_units_are_resampled_apart():
    # units that differ between models (not the report's case): each model keeps its own draw
    dt = _two_models({"2010-2014": FIVE, "2015-2019": THIN})
    dt = dt[~((dt["model"] == "nmf") & (dt["doc_id"] == "q1"))]
    boot = {"n_boot": 299, "seed": 4, "min_documents": 5}
    prev, fp = tp.topic_and_frame_prevalence(dt, LEAN, **boot)
    for m in ("lda", "nmf"):
        part = dt[dt["model"] == m].drop(columns="model")
        pd.testing.assert_frame_equal(
            prev[prev["model"] == m].drop(columns="model").reset_index(drop=True),
            tp.topic_prevalence(part, **boot),
            check_exact=True,
        )
        lean = LEAN[LEAN["model"] == m].drop(columns="model")
        pd.testing.assert_frame_equal(
            fp[fp["model"] == m].drop(columns="model").reset_index(drop=True),
            tp.frame_topic_prevalence(part, lean, frames=["solidarite", "attractivite", "other"], **boot),
            check_exact=True,
        )


def test_compared_frame_prevalence_pools_the_drift_index_merged_periods():
    """The topic view contrasts the drift index's compared periods: a thin first period (two documents) pools
    with the next one, the inner period is left out, and the pooled share is Σ n θ / Σ n over both."""
    from aictlab import bins

    thick = [(f"r{i}", [t], [40]) for i, t in enumerate([0.2, 0.3, 0.4, 0.5, 0.6])]
    dt = _doc_topics({"2005-2009": THIN, "2010-2014": FIVE, "2015-2019": thick, "2020-2024": thick})
    dt.loc[dt["period"].eq("2020-2024"), "doc_id"] += "_late"  # distinct documents
    totals = dt[dt["topic"].eq(1)].groupby(["doc_id", "year", "period"], as_index=False)["n_tokens"].sum()
    compared = bins.compared_periods(
        totals.rename(columns={"n_tokens": "tokens"}), min_documents=5, min_tokens=100
    )
    assert (compared["first"], compared["last"]) == ("2005-2010", "2020-2024")  # years seen: 2005 and 2010
    frames = pd.DataFrame({"topic": [1, 2], "frame": ["attractivite", "other"]})
    fp = tp.compared_frame_prevalence(dt, frames, compared, frames=["attractivite"], n_boot=200, seed=5)
    att = fp[fp["frame"].eq("attractivite")].set_index("period")
    assert att.index.tolist() == ["2005-2010", "2020-2024"]
    pooled = dt[dt["topic"].eq(1) & dt["period"].isin(["2005-2009", "2010-2014"])]
    by_hand = (pooled["n_tokens"] * pooled["proportion"]).sum() / pooled["n_tokens"].sum()
    assert att.loc["2005-2010", "prevalence"] == pytest.approx(by_hand, rel=1e-12)
    assert att.loc["2005-2010", "n_documents"] == 7 and att.loc["2005-2010", "resampled_unit"] == "document"
    assert att.loc["2020-2024", "prevalence"] == pytest.approx(0.4, rel=1e-12)
