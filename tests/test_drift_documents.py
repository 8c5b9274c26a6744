"""The frame-drift verdict on document-level inference (docs/methods.md §13), end to end on synthetic corpora
with planted structure: measure_drift -> verdict.document_verdict -> the verdict basis; the sparse-count rule;
what the robustness panel leaves out; scalable frame figures."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from aictlab import bins, coding, drift, frames, robustness, synthetic, verdict
from aictlab.config import Settings
from aictlab.errors import SettingsError
from aictlab.inference import TOO_FEW_HITS, verdict_from_directions
from aictlab.lexicon import load_lexicon
from aictlab.plots import frames as fplots
from aictlab.resample import expanded_level, resample_totals

LEX = load_lexicon()
FILLER = np.array(["le", "de", "ville", "projet"])


def tokens_from_segments(segments: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """A token table holding each segment's planted hits: « attractivité » / « solidarité » words among
    neutral filler, one row per word token (``doc_id, seg_id, sent_id, tok_pos, token, lemma, is_word, year``)."""
    year = documents.set_index("doc_id")["year"]
    rows = []
    for doc, segs in segments.groupby("doc_id", sort=True):
        words, seg_ids = [], []
        for seg in segs.itertuples(index=False):
            n_a, n_s = int(seg.attractivite), int(seg.solidarite)
            w = ["attractivité"] * n_a + ["solidarité"] * n_s
            w += list(FILLER[np.arange(max(int(seg.tokens) - len(w), 0)) % len(FILLER)])
            words += w
            seg_ids += [f"{doc}_{seg.seg_id}"] * len(w)
        n = len(words)
        rows.append(
            pd.DataFrame(
                {
                    "doc_id": doc,
                    "seg_id": seg_ids,
                    "sent_id": pd.factorize(pd.Series(seg_ids))[0],
                    "tok_pos": np.arange(n),
                    "token": words,
                    "lemma": words,
                    "is_word": True,
                    "year": int(year[doc]),
                }  # fmt: skip
            )
        )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def planted():
    """80 documents, 6 organisers, 2005-2024: attractivité ×2 per decade, solidarité flat (stratification)."""
    docs, segs = synthetic.simulate_counts(
        80, median_tokens=1500, sigma_cluster=0.2, sigma_document=0.2, seed=3
    )
    res = drift.measure_drift(tokens_from_segments(segs, docs), LEX, n_boot=200)
    return docs, segs, res


@pytest.mark.slow
def test_planted_stratification_is_recovered_with_the_trend_as_basis(planted):
    docs, segs, res = planted
    # The counts the measure sees are the planted ones.
    got = res.by_document.set_index("doc_id")[["attractivite", "solidarite"]]
    want = docs.set_index("doc_id")[["attractivite", "solidarite"]]
    pd.testing.assert_frame_equal(got.astype(int), want.astype(int), check_names=False)
    inf = verdict.document_verdict(res, docs, cluster="organiser", n_boot=400, seed=1)
    b = inf["basis"].iloc[0]
    assert b["primary"] == "trend" and b["primary_reason"].startswith("trend: 80 documents")
    assert b["attractivite_direction"] == "rises"
    assert (b["verdict"], b["verdict_reason"]) == ("stratification", "A rises and S stable")
    tr = inf["trend"].set_index("target")
    assert tr.loc["attractivite", "unit"] == "cluster (organiser)" and tr.loc["attractivite", "n_units"] == 6
    # The planted slope ln 2 lies in the cluster-bootstrap interval; solidarité's lies around 0.
    assert tr.loc["attractivite", "ci_low"] < math.log(2) < tr.loc["attractivite", "ci_high"]
    assert tr.loc["solidarite", "ci_low"] < 0 < tr.loc["solidarite", "ci_high"]
    # The contrast compares end periods holding >= 5 organisers each; the drift_verdict table says which basis.
    con = inf["contrast"].set_index("target")
    assert con.loc["attractivite", "basis"] == "cluster bootstrap"
    assert con.loc["attractivite", "n_units_first"] >= 5 and con.loc["attractivite", "n_units_last"] >= 5
    table = verdict.drift_verdict_table(verdict.verdict_table(res, pd.DataFrame({"target": []})), inf)
    row = table.iloc[0]
    assert row["verdict"] == b["verdict"] and row["primary"] == "trend"
    assert {"verdict_segment", "verdict_basis_rule", "compared_periods_rule"} <= set(table.columns)


def test_zero_hits_at_both_ends_is_undetermined_never_a_direction():
    """Issue 13: attractivité absent from both end periods; the old θ_A was the ratio of document sizes."""
    rows = [
        ("d2005", 2005, 250, 0, 6),
        ("d2012", 2012, 2000, 12, 20),
        ("d2017", 2017, 2000, 15, 18),
        ("d2021", 2021, 2000, 9, 14),
        ("d2026", 2026, 550, 0, 4),
    ]
    docs = pd.DataFrame(rows, columns=["doc_id", "year", "tokens", "attractivite", "solidarite"])
    segs = pd.DataFrame(
        [(d, 0, t, a, s) for d, _, t, a, s in rows], columns=["doc_id", "seg_id", "tokens", "attractivite",
                                                                "solidarite"]
    )  # fmt: skip
    res = drift.measure_drift(tokens_from_segments(segs, docs), LEX, n_boot=300)
    inf = verdict.document_verdict(res, n_boot=300)
    con = inf["contrast"].set_index("target")
    assert con.loc["attractivite", "hits"] == 0 and np.isnan(con.loc["attractivite", "estimate"])
    assert "within documents" in con.loc["attractivite", "basis"]  # one document per end period
    b = inf["basis"].iloc[0]
    assert b["primary"] == "period_contrast"
    assert b["attractivite_direction"] == TOO_FEW_HITS
    assert b["verdict"] == "inconclusive" and b["verdict_reason"].startswith(f"A {TOO_FEW_HITS}")
    # the same rule on a trend table: a frame with no hit is never given a direction
    assert b["attractivite_direction_trend"] != "rises" and b["attractivite_direction_trend"] != "falls"


def test_one_rule_for_every_basis():
    """verdict.decide_verdict (segment change) and the document-level bases share verdict_from_directions."""
    change = {
        f"theta_{f}_{k}_{e}": v
        for f, vals in (("attractivite", (0.2, 1.0, 0.3, 0.9)), ("solidarite", (-0.1, 0.1, -0.05, 0.05)))
        for (k, e), v in zip((("ci", "low"), ("ci", "high"), ("ci90", "low"), ("ci90", "high")), vals, strict=True)
    }  # fmt: skip
    out = verdict.decide_verdict(change)
    assert (out["verdict"], out["verdict_reason"]) == verdict_from_directions("rises", "stable")
    assert out["a_rises"] and out["s_stable"] and not out["s_falls"]
    assert verdict_from_directions("falls", "falls", label="x")[1] == "no drift toward x: A falls; S falls"


def test_corpus_compared_periods_are_the_drift_index_periods(planted):
    """The periods found from the corpus alone (for semantic scaling and topics) are those the drift index
    compares: same merge of a thin edge period, same ends table."""
    from aictlab.corpus import as_corpus

    docs, segs, _ = planted
    early = docs.loc[docs["year"] < 2010, "doc_id"]
    keep = docs[~docs["doc_id"].isin(early.iloc[2:])]  # 2005-2009 keeps 2 documents: it merges inward
    toks = tokens_from_segments(segs[segs["doc_id"].isin(keep["doc_id"])], keep)
    inf = verdict.document_verdict(drift.measure_drift(toks, LEX, n_boot=20), n_boot=20)
    got = verdict.corpus_compared_periods(as_corpus(toks))
    want = inf["compared"]
    assert got["merged"] and got["first"] == "2006-2014" and got["last"] == "2020-2024"
    assert (got["first"], got["last"], got["merge"], got["rule"]) == (
        want["first"], want["last"], want["merge"], want["rule"]
    )  # fmt: skip
    pd.testing.assert_frame_equal(got["ends"], want["ends"])
    assert bins.compared_labels(got) == {"2005-2009": "2006-2014", "2010-2014": "2006-2014",
                                         "2020-2024": "2020-2024"}  # fmt: skip


def test_compared_periods_merge_thin_edges_and_fall_back_when_too_thin():
    tot = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(12)],
            "year": [2004] + [2011] * 5 + [2016] + [2021] * 5,
            "period": ["2000-2004"] + ["2010-2014"] * 5 + ["2015-2019"] + ["2020-2024"] * 5,
            "tokens": 1000,
        }  # fmt: skip
    )
    cmp = bins.compared_periods(tot, min_documents=5, min_tokens=2000)
    # the merged end period is labelled by the years of its documents
    assert (cmp["rule"], cmp["first"], cmp["last"]) == ("end periods", "2004-2011", "2020-2024")
    assert cmp["merge"] == (
        "2000-2004 (1 document, 1000 tokens) merged into 2004-2011; "
        "2010-2014 (5 documents, 5000 tokens) merged into 2004-2011"
    )
    assert cmp["merged"] and set(cmp["totals"].loc[lambda t: t["year"] <= 2011, "period"]) == {"2004-2011"}
    thin = bins.compared_periods(tot, min_documents=7)
    assert thin["rule"] == "outermost periods (too thin)" and (thin["first"], thin["last"]) == (
        "2000-2004",
        "2020-2024",
    )


def test_leave_one_out_only_while_informative():
    docs = [f"doc{i:02d}" for i in range(40)]
    kind, units = robustness.leave_out_units(docs[:30])
    assert kind == "leave-one-document-out" and len(units) == 30
    kind, units = robustness.leave_out_units(docs, seed=42)
    assert kind == "leave-one-document-out (sample of 30)" and len(units) == 30
    assert units == robustness.leave_out_units(docs, seed=42)[1]  # seeded
    assert units != robustness.leave_out_units(docs, seed=43)[1]
    kind, units = robustness.leave_out_units(docs, clusters={d: f"org{i % 4}" for i, d in enumerate(docs)})
    assert kind == "leave-one-cluster-out" and list(units) == [f"without cluster: org{k}" for k in range(4)]
    assert all(len(v) == 10 for v in units.values())


def test_coding_covers_only_its_own_documents():
    use = coding.load_use_coding()
    assert coding.coded_documents(use, ["synth_0001", "synth_0002"]) == []
    some = str(use["doc_id"].iloc[0])
    assert coding.coded_documents(use, [some, "synth_0001"]) == [some]
    assert coding.coded_documents(None, [some]) == []


def test_inference_settings_are_validated(planted):
    s = Settings(cluster="organiser", min_hits=5)
    assert (s.cluster, s.min_documents, s.min_tokens, s.trend_min_documents, s.trend_min_years) == (
        "organiser", 5, 2000, 10, 4,
    )  # fmt: skip
    for bad in ({"min_hits": -1}, {"min_documents": 0}, {"trend_min_years": 1}, {"cluster": " "}):
        with pytest.raises(SettingsError):
            Settings(**bad)
    docs, _, res = planted
    with pytest.raises(SettingsError, match="cluster='region' is not a document variable"):
        verdict.result_totals(res, docs, cluster="region")


@pytest.mark.slow
def test_frame_figures_scale_to_200_documents():
    docs, segs = synthetic.simulate_counts(200, median_tokens=600, seed=9)
    res = drift.measure_drift(tokens_from_segments(segs, docs), LEX, n_boot=100)
    fig, data = fplots.plot_frame_rates(res.frame_rates)
    assert data["doc_id"].nunique() == 200 and len(data) == 200 * res.frame_rates["frame"].nunique()
    # beyond 12 documents only the top document of each frame is labelled
    assert data["label"].ne("").sum() == 2 and len(fig.axes[0].texts) == 2
    plt.close(fig)
    fig, data = fplots.plot_drift_index(res.by_document, res.by_period)
    d = data[data["level"].eq("document")]
    assert len(d) == 200 and d["label"].ne("").sum() == 2 and len(fig.axes[0].texts) == 2
    assert set(d.loc[d["label"].ne(""), "drift_index"]) == {d["drift_index"].max(), d["drift_index"].min()}
    assert data["level"].eq("period").sum() == len(res.by_period)
    plt.close(fig)
    # few documents: every one labelled
    small = res.by_document.head(5)
    fig, data = fplots.plot_drift_index(small, res.by_period)
    assert data["label"].fillna("").ne("").sum() == 5 and len(fig.axes[0].texts) == 5
    plt.close(fig)
    rng = np.random.default_rng(0)
    dc = rng.normal(1, 1, 45)
    panel = pd.DataFrame(
        {
            "variant": ["main", *(f"without document: d{i}" for i in range(44))],
            "variant_type": "x",
            "drift_change": dc,
            "ci_low": dc - 1,
            "ci_high": dc + 1,
        }  # fmt: skip
    )
    panel["same_sign_as_main"] = np.sign(panel["drift_change"]).eq(np.sign(dc[0]))
    fig, data = fplots.plot_robustness(panel)
    assert data.iloc[-1]["variant"] == "main"
    assert data["drift_change"].iloc[:-1].is_monotonic_increasing  # sorted by effect
    fig.canvas.draw()
    ax, leg = fig.axes[0], fig.axes[0].get_legend()
    assert leg.get_window_extent().y1 <= ax.get_window_extent().y0  # legend below the axes, off the data
    plt.close(fig)
    for name, (fig, _) in {
        "terms": fplots.plot_term_contributions(res.frame_terms),
    }.items():
        assert fig.axes, name
        plt.close(fig)


def _leaning_corpus(per_period: int, *, seed: int = 0):
    """Documents that lean to one frame or the other (between-document variance of D >> within): in each of
    three periods, ``per_period`` documents of 10 segments × 40 tokens, alternately with attractivité at 400 and
    solidarité at 40 per 10,000 tokens, or the reverse (Poisson hits per segment)."""
    rng = np.random.default_rng(seed)
    docs, segs = [], []
    for year in (2006, 2011, 2016):
        for i in range(per_period):
            doc = f"d{year}_{i:02d}"
            hi, lo = (0.4 * 4, 0.04 * 4) if i % 2 else (0.04 * 4, 0.4 * 4)  # hits per 40-token segment
            docs.append({"doc_id": doc, "year": year})
            for k in range(10):
                segs.append({"doc_id": doc, "seg_id": k, "tokens": 40, "attractivite": rng.poisson(hi),
                             "solidarite": rng.poisson(lo)})  # fmt: skip
    return tokens_from_segments(pd.DataFrame(segs), pd.DataFrame(docs))


def test_period_drift_index_resamples_documents_as_the_contrast_does():
    """Planted: documents differ far more than segments within them. With >= min_documents documents a period's
    interval comes from its documents (wider: it sees the between-document variance); the segment bootstrap
    (forced by a min_documents no period reaches) sees only within-document noise. Same rule as the contrast."""
    tokens = _leaning_corpus(12)
    res = drift.measure_drift(tokens, LEX, n_boot=999, seed=4)
    seg = drift.measure_drift(tokens, LEX, n_boot=999, seed=4, min_documents=13)
    per, per_seg = res.by_period.set_index("period"), seg.by_period.set_index("period")
    assert per["resampled_unit"].eq("document").all() and per["n_resampled_units"].eq(12).all()
    assert per["interval"].eq("expanded percentile").all()
    assert per_seg["resampled_unit"].eq("segment").all() and per_seg["n_resampled_units"].eq(120).all()
    pd.testing.assert_series_equal(per["drift_index"], per_seg["drift_index"])  # same estimate
    width, width_seg = per["ci_high"] - per["ci_low"], per_seg["ci_high"] - per_seg["ci_low"]
    assert (width > 1.5 * width_seg).all(), (width, width_seg)
    assert (per["ci_low"] <= per["drift_index"]).all() and (per["drift_index"] <= per["ci_high"]).all()
    # the percentile interval by hand: each period's document totals resampled within it, the run's seed
    totals = res.segments.groupby(["period", "doc_id"])[["attractivite", "solidarite"]].sum()
    reps = resample_totals(totals.to_numpy(float), totals.index.get_level_values("period").to_numpy(),
                           n_boot=999, seed=4)  # fmt: skip
    for period, rep in reps.items():
        d = drift.drift_index(rep[:, 0], rep[:, 1])
        assert per.loc[period, ["pct_low", "pct_high"]].tolist() == pytest.approx(
            np.quantile(d, [0.025, 0.975])
        )
        level = expanded_level(12)
        assert per.loc[period, ["ci_low", "ci_high"]].tolist() == pytest.approx(
            np.quantile(d, [level / 2, 1 - level / 2])
        )
    # the figure says which unit its period bands resampled
    fig, _ = fplots.plot_drift_index(res.by_document, res.by_period)
    assert fig.axes[0].get_title().endswith("periods by document bootstrap")
    plt.close(fig)
    fig, _ = fplots.plot_drift_index(seg.by_document, seg.by_period)
    assert fig.axes[0].get_title().endswith("; segment bootstrap 95% CI")
    plt.close(fig)
    # the contrast chooses the same unit for the same periods
    inf = verdict.document_verdict(res, res.documents, n_boot=199, seed=4)
    assert inf["contrast"]["basis"].iloc[0] == "document bootstrap"
    # clusters: two organisers per period -> fewer units than min_documents: segments, as the contrast would
    clusters = {d: f"org{int(d[-2:]) % 2}" for d in res.documents["doc_id"]}
    by_cluster = drift.measure_drift(tokens, LEX, n_boot=199, seed=4, clusters=clusters).by_period
    assert by_cluster["resampled_unit"].eq("segment").all()
    by_cluster = drift.measure_drift(
        tokens, LEX, n_boot=199, seed=4, clusters=clusters, min_documents=2
    ).by_period
    assert by_cluster["resampled_unit"].eq("cluster").all() and by_cluster["n_resampled_units"].eq(2).all()


def test_period_drift_index_keeps_the_segment_bootstrap_for_thin_periods():
    """One document per period (and a period of 4 < min_documents = 5 beside one of 6): the segment bootstrap
    within documents, as the contrast falls back to it; its intervals are those of the segments."""
    one = _leaning_corpus(1)
    res = drift.measure_drift(one, LEX, n_boot=499, seed=2)
    per = res.by_period
    assert per["resampled_unit"].eq("segment").all() and per["interval"].eq("percentile").all()
    assert per["n_resampled_units"].tolist() == [10, 10, 10]
    assert (per["ci_high"] > per["ci_low"]).all()  # a one-document "document bootstrap" would be a point
    # the per-document interval of a period's only document is the period's interval
    doc = res.by_document.set_index("period")
    for p in per.itertuples():
        assert (p.ci_low, p.ci_high) == (doc.loc[p.period, "ci_low"], doc.loc[p.period, "ci_high"])
    mixed = _leaning_corpus(6)
    keep = mixed["doc_id"].str.startswith("d2006") & mixed["doc_id"].str[-2:].astype(int).ge(4)
    per = drift.measure_drift(mixed[~keep], LEX, n_boot=199, seed=2).by_period.set_index("period")
    assert per["n_documents"].tolist() == [4, 6, 6]
    assert per["resampled_unit"].tolist() == ["segment", "document", "document"]


def test_report_names_the_unit_each_period_resampled():
    from aictlab.report.part_frames import _period_resampling

    per = pd.DataFrame({"period": ["p1", "p2", "p3"], "resampled_unit": ["segment", "document", "document"],
                        "interval": ["percentile", "expanded percentile", "expanded percentile"]})  # fmt: skip
    assert _period_resampling(per, 5, None, 40) == (
        "documents resampled within their period as in the period contrast, expanded percentile interval; "
        "for p1 (fewer than 5 documents), ~40-word segments resampled within each document, within-document "
        "noise only"
    )
    assert _period_resampling(per.iloc[1:], 5, None, 40).startswith("documents resampled within their period")
    assert "within-document" not in _period_resampling(per.iloc[1:], 5, None, 40)
    clustered = per.assign(resampled_unit=["segment", "cluster", "cluster"])
    assert _period_resampling(clustered, 3, "organiser", 40).startswith("clusters (organiser) resampled")
    thin = per.assign(resampled_unit="segment", interval="percentile")
    assert _period_resampling(thin, 5, None, 30).startswith("~30-word segments")  # the corpus's segment size
    assert _period_resampling(thin, 5, None, 40) == (
        "~40-word segments resampled within each document, within-document noise only (no period holds the 5 "
        "documents a document bootstrap needs)"
    )


def test_mention_vs_use_rows_resample_periods_as_the_main_row():
    """The "without <documents>" rows follow the main measurement's unit rule (min_documents, clusters)."""
    tokens = _leaning_corpus(6)
    mentions = ["d2006_00", "d2011_00"]  # 5 documents left in 2006 and 2011, 6 in 2016
    for min_documents, thin in ((5, "document"), (6, "segment")):
        table = coding.mention_vs_use(
            tokens, LEX, mention_documents=mentions, n_boot=99, seed=1, min_documents=min_documents
        )
        without = table[table["variant"].str.startswith("without")]
        assert without["n_documents"].tolist() == [5, 5, 6]
        assert without["resampled_unit"].tolist() == [thin, thin, "document"]
        assert table.loc[table["variant"] == "all documents", "resampled_unit"].eq("document").all()


def test_robustness_panel_varies_the_headline_contrast_of_merged_periods(planted):
    """Given the compared groups, the panel's main ΔD is the drift index contrast's own estimate (the same
    merged end periods, the same pooled counts); without them it contrasts the earliest and latest periods."""
    docs, segs, _ = planted
    early = docs.loc[docs["year"] < 2010, "doc_id"]
    keep = docs[~docs["doc_id"].isin(early.iloc[2:])]  # 2005-2009 keeps 2 documents: it merges inward
    toks = tokens_from_segments(segs[segs["doc_id"].isin(keep["doc_id"])], keep)
    data = frames.frame_data(toks, LEX, window=None)
    inf = verdict.document_verdict(drift.measure_drift(data, n_boot=20), n_boot=20)
    groups = bins.compared_labels(inf["compared"])
    kw = {"n_boot": 20, "extra_seeds": 0, "max_leave_out": 2}
    panel = robustness.robustness_panel(data, compared=groups, **kw).set_index("variant")
    raw = robustness.robustness_panel(data, **kw).set_index("variant")
    contrast = inf["contrast"].set_index("target")
    assert (panel.loc["main", "first_period"], panel.loc["main", "last_period"]) == ("2006-2014", "2020-2024")
    assert panel.loc["main", "drift_change"] == pytest.approx(
        contrast.loc["drift_index", "estimate"], abs=1e-12
    )
    assert (raw.loc["main", "first_period"], raw.loc["main", "last_period"]) == ("2005-2009", "2020-2024")
    assert raw.loc["main", "drift_change"] != pytest.approx(panel.loc["main", "drift_change"], abs=1e-3)
