"""Tests of aictlab.topics and aictlab.plots.topics: planted topics recovered, hand-computed stability,
coherence equal to gensim's, frame rule, prevalence bootstrap, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aictlab import topics as tp
from aictlab.errors import LexiconError, SchemaError, SettingsError
from aictlab.periods import add_periods
from aictlab.plots import topics as tplots

GROUPS = {
    "sol": [f"sol{i}" for i in range(10)],
    "neu": [f"neu{i}" for i in range(10)],
    "att": [f"att{i}" for i in range(10)],
}
YEARS = (2010, 2011, 2012, 2013, 2014)
FAST_LDA = {"passes": 10, "iterations": 100}


def planted_mix(year: int) -> np.ndarray:
    """Share of segments drawn mainly from (sol, neu, att) in ``year``: sol falls 0.6 -> 0.2, att rises."""
    a = (year - YEARS[0]) / (YEARS[-1] - YEARS[0])
    return np.array([0.6 - 0.4 * a, 0.2, 0.2 + 0.4 * a])


def expected_prevalence(year: int) -> np.ndarray:
    """E[θ]: a segment puts 0.9 of its words on its main topic and 0.05 on each other one."""
    return 0.05 + 0.85 * planted_mix(year)


def make_planted(seed: int = 0, n_per_doc: int = 30, length: int = 20) -> pd.DataFrame:
    """Topic documents: 5 years x 2 documents x n_per_doc segments drawn from three disjoint vocabularies."""
    rng = np.random.default_rng(seed)
    vocab = list(GROUPS.values())
    rows = []
    for year in YEARS:
        for d in range(2):
            for s in range(n_per_doc):
                z = rng.choice(3, p=planted_mix(year))
                theta = np.full(3, 0.05)
                theta[z] = 0.9
                topics = rng.choice(3, size=length, p=theta)
                words = tuple(vocab[k][rng.integers(10)] for k in topics)
                rows.append(
                    {
                        "doc_id": f"d{year}_{d}",
                        "unit_id": f"s{s}",
                        "year": year,
                        "n_tokens": 2 * length,
                        "terms": words,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return make_planted()


@pytest.fixture(scope="module")
def planted_fits(planted):
    return {
        "lda": tp.fit_topic_model(planted, "lda", 3, seed=1, **FAST_LDA),
        "nmf": tp.fit_topic_model(planted, "nmf", 3, seed=1),
    }


def group_of(term: str) -> str:
    return term[:3]


# --- planted structure ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_planted_topics_are_recovered(planted_fits, model):
    top = planted_fits[model].top_terms(10)
    groups = [{group_of(t) for t in terms} for terms in top]
    # each topic's 10 top terms come from one planted vocabulary, and the three vocabularies are all found
    assert all(len(g) == 1 for g in groups)
    assert sorted(g.pop() for g in groups) == ["att", "neu", "sol"]


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_planted_prevalence_trend(planted_fits, model):
    fitted = planted_fits[model]
    name = {i + 1: group_of(t[0]) for i, t in enumerate(fitted.top_terms(1))}
    prev = tp.topic_prevalence(fitted.document_topics(), by="year", n_boot=300, seed=3)
    prev["group"] = prev["topic"].map(name)
    for group, col in (("sol", 0), ("att", 2)):
        d = prev[prev["group"] == group].sort_values("year")
        expected = np.array([expected_prevalence(y)[col] for y in YEARS])
        # within 0.12 of the planted mean proportion each year, and the trend has the planted direction
        assert np.abs(d["prevalence"].to_numpy() - expected).max() < 0.12
        slope = np.polyfit(d["year"], d["prevalence"], 1)[0]
        assert slope == pytest.approx(0.85 * (-0.1 if group == "sol" else 0.1), abs=0.04)
        assert (d["ci_low"] <= d["prevalence"]).all() and (d["prevalence"] <= d["ci_high"]).all()
        assert (d["ci_high"] - d["ci_low"] > 0.02).all()
    # proportions of a unit sum to 1, so prevalences of a year sum to 1
    assert prev.groupby("year")["prevalence"].sum().to_numpy() == pytest.approx(np.ones(len(YEARS)))


def test_frame_leaning_topic_share_over_time(planted_fits):
    fitted = planted_fits["nmf"]
    frames = {"solidarite": GROUPS["sol"], "attractivite": GROUPS["att"]}
    topics = tp.label_topics(fitted.topics(10), frames)
    lean = topics.drop_duplicates("topic").set_index("topic")["frame"]
    assert sorted(lean) == ["attractivite", "other", "solidarite"]
    fp = tp.frame_topic_prevalence(fitted.document_topics(), topics, by="year", n_boot=200, seed=1)
    sol = fp[fp["frame"] == "solidarite"].set_index("year")["prevalence"]
    att = fp[fp["frame"] == "attractivite"].set_index("year")["prevalence"]
    assert sol[2010] > sol[2014] + 0.2 and att[2014] > att[2010] + 0.2
    assert fp.groupby("year")["prevalence"].sum().to_numpy() == pytest.approx(np.ones(5))
    assert set(fp.columns) >= {"year", "frame", "prevalence", "ci_low", "ci_high", "n_topics"}


def test_selection_grid_on_planted(planted):
    calls = []
    sel = tp.select_topic_models(
        planted, k=[2, 3, 4], n_seeds=2, lda_params=FAST_LDA, progress=lambda *a: calls.append(a)
    )
    assert set(sel.table.columns) >= {"model", "k", "seed", "c_v", "c_npmi", "stability"}
    assert len(sel.table) == 2 * 3 * 3
    # progress after each (model, K) group: 3 fits each (reference + 2 subsamples), 18 in all
    assert calls == [(3 * i, 18) for i in range(1, 7)]
    summary = sel.summary.set_index(["model", "k"])
    # three planted topics: K = 3 is chosen for both families, and NMF at K = 3 is near-perfectly coherent
    assert sel.chosen_k("lda") == 3 and sel.chosen_k("nmf") == 3
    assert summary.loc[("nmf", 3), "c_npmi"] > summary.loc[("nmf", 4), "c_npmi"]
    assert sel.reference("nmf", 3).n_topics == 3
    band = tp.seed_prevalence_range(sel, "nmf", 3, by="year")
    assert len(band) == 3 * 5 and (band["seed_low"] <= band["seed_high"]).all()
    # frame shares of every reference fit; at K = 3 they equal frame_topic_prevalence's point estimates
    frames = {"solidarite": GROUPS["sol"], "attractivite": GROUPS["att"]}
    by_k = tp.frame_shares_by_k(sel, frames, by="year")
    assert len(by_k) == 2 * 3 * 5 * 3
    fitted = sel.reference("nmf", 3)
    direct = tp.frame_topic_prevalence(
        fitted.document_topics(), tp.label_topics(fitted.topics(20), frames), by="year", n_boot=10
    )
    merged = by_k[(by_k["model"] == "nmf") & (by_k["k"] == 3)].merge(direct, on=["year", "frame"])
    assert merged["prevalence_x"].to_numpy() == pytest.approx(merged["prevalence_y"].to_numpy(), abs=1e-12)


# --- determinism ------------------------------------------------------------------------------------------


def test_same_seed_same_results(planted):
    a = tp.fit_topic_model(planted, "lda", 3, seed=7, **FAST_LDA)
    b = tp.fit_topic_model(planted, "lda", 3, seed=7, **FAST_LDA)
    np.testing.assert_array_equal(a.topic_term_, b.topic_term_)
    np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
    pd.testing.assert_frame_equal(
        tp.topic_prevalence(a.document_topics(), by="year", n_boot=100, seed=5),
        tp.topic_prevalence(b.document_topics(), by="year", n_boot=100, seed=5),
    )
    c = tp.fit_topic_model(planted, "lda", 3, seed=8, **FAST_LDA)
    assert not np.array_equal(a.topic_term_, c.topic_term_)


def test_vb_fits_stacked_equal_fits_alone_and_gensim_finds_the_same_topics(planted):
    from aictlab.topics.vblda import vb_lda

    # the grid stacks the fits of one K: each equals the same fit run alone, bit for bit
    rows = np.sort(np.random.default_rng(3).choice(len(planted), 240, replace=False))
    stacked = tp.fit_lda_many(planted, 3, [(None, 1), (rows, 6)])
    alone = tp.fit_topic_model(planted.iloc[rows], "lda", 3, seed=6, vocabulary=stacked[0].vocabulary_)
    np.testing.assert_array_equal(stacked[1].topic_term_, alone.topic_term_)
    np.testing.assert_array_equal(stacked[1].doc_topic_, alone.doc_topic_)
    np.testing.assert_array_equal(tp.lda_theta_many(stacked[1:], planted)[0], alone.transform(planted))
    # the fit stops on the bound before max_iter, and the learned alpha is positive
    assert stacked[0].converged_ and 10 <= stacked[0].n_iter_ < 400 and (stacked[0].alpha_ > 0).all()
    x = tp.cast_dtm(tp.topic_texts(planted), stacked[0].vocabulary_)
    assert vb_lda(x, 3, seed=1)["n_iter"] == stacked[0].n_iter_
    # gensim (backend="gensim") finds the same three planted vocabularies (seed 5 is a local optimum for both)
    gensim = tp.fit_topic_model(planted, "lda", 3, seed=1, backend="gensim", **FAST_LDA)
    for fitted in (stacked[0], gensim):
        assert sorted({group_of(w) for w in t}.pop() for t in fitted.top_terms(10)) == ["att", "neu", "sol"]
    with pytest.raises(SettingsError, match="backend"):
        tp.fit_topic_model(planted, "lda", 3, backend="tomotopy")


def test_selection_identical_with_one_or_two_jobs(planted, monkeypatch):
    # n_jobs=2 fits the (model, K) groups and scores coherence in forked worker processes on Linux, on threads
    # elsewhere; n_jobs=1 in this process
    import sys

    small = planted.iloc[::3]
    one = tp.select_topic_models(small, k=[2, 3], n_seeds=2, n_jobs=1)
    two = tp.select_topic_models(small, k=[2, 3], n_seeds=2, n_jobs=2)
    cols = ["model", "k", "seed", "c_v", "c_npmi", "stability", "agreement"]
    pd.testing.assert_frame_equal(one.table[cols], two.table[cols], check_exact=True)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "platform", "darwin")
        threads = tp.select_topic_models(small, k=[2, 3], n_seeds=2, n_jobs=2)
    pd.testing.assert_frame_equal(one.table[cols], threads.table[cols], check_exact=True)
    assert sorted(two.table["model"].unique()) == ["lda", "nmf"] and two.table["c_npmi"].notna().all()
    for key in one.runs:  # the subsample fits come back whole from the workers: same topics, same θ
        assert one.runs[key]["top_terms"] == two.runs[key]["top_terms"]
    for m in ("lda", "nmf"):
        for seed, theta in one.refit_thetas(m, 3).items():
            np.testing.assert_array_equal(theta, two.refit_thetas(m, 3)[seed])
        np.testing.assert_array_equal(one.reference(m, 3).topic_term_, two.reference(m, 3).topic_term_)


def test_vb_stopping_pinned_on_the_planted_corpus(planted):
    """The ELBO is first compared at min_iter (with min_iter − 1's): skipping it before changes no fit.

    Reference numbers: the same fits by the code before the skip (df4c355, ELBO at every iteration)."""
    from aictlab.topics.bow import cast_dtm, topic_texts, topic_vocabulary
    from aictlab.topics.vblda import vb_lda_many

    texts = topic_texts(planted)
    x = cast_dtm(texts, topic_vocabulary(texts))
    rows = np.sort(np.random.default_rng(7).choice(len(planted), 240, replace=False))
    res = vb_lda_many(x, 3, [(None, 1), (rows, 2), (None, 5)])
    assert [r["n_iter"] for r in res] == [15, 13, 19]
    assert [r["elbo"] for r in res] == pytest.approx(
        [-2.791875085446889, -2.8064302715367173, -3.023861349549649], rel=1e-12
    )
    assert [float(r["lambda"].sum()) for r in res] == pytest.approx(
        [6038.711594881253, 4830.780547001304, 6036.931817819261], rel=1e-12
    )
    # a tolerance every change meets stops each fit at min_iter exactly, with a finite ELBO; fewer iterations
    # than min_iter still report the ELBO of the last one
    loose = vb_lda_many(x, 3, [(None, 1), (rows, 2)], tol=10.0, min_iter=4)
    assert [(r["n_iter"], r["converged"]) for r in loose] == [(4, True), (4, True)]
    assert all(np.isfinite(r["elbo"]) for r in loose)
    short = vb_lda_many(x, 3, [(None, 1)], max_iter=3, min_iter=10)[0]
    assert short["n_iter"] == 3 and np.isfinite(short["elbo"]) and not short["converged"]


def test_vb_blocks_of_units_give_the_same_fits(planted):
    """Above ``block_nnz`` nonzeros the units are updated block by block (memory bounded): the same updates,
    only the sums over units rounded in another order, so the same iterations and topics to ~1e-12 (a unit
    updated twice or missed would change its γ and the topics)."""
    from aictlab.topics.bow import cast_dtm, topic_texts, topic_vocabulary
    from aictlab.topics.vblda import vb_lda_many

    texts = topic_texts(planted)
    x = cast_dtm(texts, topic_vocabulary(texts)).tocsr()
    rows = np.sort(np.random.default_rng(7).choice(len(planted), 240, replace=False))
    fits = [(None, 1), (rows, 2), (None, 5)]
    whole = vb_lda_many(x, 3, fits)
    blocked = vb_lda_many(x, 3, fits, block_nnz=500)
    for a, b in zip(whole, blocked, strict=True):
        assert a["n_iter"] == b["n_iter"] and a["elbo"] == pytest.approx(b["elbo"], rel=1e-12)
        np.testing.assert_allclose(b["lambda"], a["lambda"], rtol=1e-10)
        np.testing.assert_allclose(b["gamma"], a["gamma"], rtol=1e-10)


# --- stability --------------------------------------------------------------------------------------------


def test_average_jaccard_by_hand():
    # d=1: {a}|{b} -> 0; d=2: {a,b}|{b,a} -> 1; d=3: {a,b,c}|{b,a,d} -> 2/4
    assert tp.average_jaccard(["a", "b", "c"], ["b", "a", "d"], depth=3) == pytest.approx((0 + 1 + 0.5) / 3)
    assert tp.average_jaccard(["a", "b"], ["a", "b"], depth=20) == 1.0


def test_topic_agreement_hand_made_pair():
    reference = [["a", "b", "c"], ["d", "e", "f"]]
    other = [["d", "e", "x"], ["a", "c", "b"]]
    # AJ(ref0, other1) = (1 + 1/3 + 1)/3 = 7/9; AJ(ref1, other0) = (1 + 1 + 2/4)/3 = 5/6; cross pairs share nothing
    agreement, match = tp.topic_agreement(reference, other, depth=3)
    assert agreement == pytest.approx((7 / 9 + 5 / 6) / 2)
    assert match.tolist() == [1, 0]
    with pytest.raises(SettingsError, match="sizes 2 and 1"):
        tp.topic_agreement(reference, other[:1])


def test_hungarian_beats_greedy():
    # greedy would pair ref0 with other0 (AJ 0.5) and leave ref1 with other1 (0); the optimum is 2 x 1/3+...
    reference = [["a", "b"], ["a", "c"]]
    other = [["a", "c"], ["b", "a"]]
    agreement, match = tp.topic_agreement(reference, other, depth=2)
    # ref0-other1: d1 {a}|{b}=0, d2 {a,b}|{b,a}=1 -> 0.5; ref1-other0: 1; ref0-other0: (1 + 1/3)/2; ref1-other1: (0+1/3)/2
    assert match.tolist() == [1, 0]
    assert agreement == pytest.approx((0.5 + 1.0) / 2)


def test_topic_agreement_equals_pairwise_average_jaccard_exactly():
    # topic_agreement scores every pair at once; the numbers must be those of average_jaccard, bit for bit
    # (the selection table is compared byte for byte across versions), including lists shorter than depth
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    for k, depth, length in [(2, 3, 3), (5, 20, 20), (7, 10, 13), (10, 20, 25), (3, 20, 8)]:
        reference = [list(rng.choice(words, length, replace=False)) for _ in range(k)]
        other = [list(rng.choice(words, length, replace=False)) for _ in range(k)]
        s = np.array([[tp.average_jaccard(r, o, depth) for o in other] for r in reference])
        rows, cols = linear_sum_assignment(s, maximize=True)
        agreement, match = tp.topic_agreement(reference, other, depth)
        assert agreement == float(s[rows, cols].mean())
        assert match[rows].tolist() == cols.tolist()


# --- coherence --------------------------------------------------------------------------------------------

TINY_TEXTS = [
    ["coopération", "solidarité", "paix", "jumelage"],
    ["coopération", "solidarité", "développement"],
    ["attractivité", "économie", "investissement", "marketing"],
    ["attractivité", "investissement", "rayonnement"],
    ["coopération", "paix", "réconciliation"],
    ["attractivité", "économie", "rayonnement", "export"],
]
TINY_TOPICS = [["coopération", "solidarité", "paix"], ["attractivité", "économie", "investissement"]]


@pytest.mark.parametrize("measure", ["c_v", "c_npmi"])
def test_coherence_equals_gensim(measure):
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    dictionary = Dictionary(TINY_TEXTS)
    direct = CoherenceModel(
        topics=TINY_TOPICS, texts=TINY_TEXTS, dictionary=dictionary, coherence=measure, topn=3, processes=1
    )
    mean, per_topic = tp.topic_coherence(TINY_TOPICS, TINY_TEXTS, measure=measure, topn=3)
    assert mean == pytest.approx(direct.get_coherence(), abs=1e-12)
    assert per_topic == pytest.approx(direct.get_coherence_per_topic(), abs=1e-12)
    # the batched scorer of the selection grid gives the same numbers, for every topic set
    other = [["paix", "jumelage", "export"], ["rayonnement", "marketing", "développement"]]
    batched = tp.coherence_many([TINY_TOPICS, other], TINY_TEXTS, measures=[measure], topn=3)
    assert batched[0][measure] == pytest.approx(direct.get_coherence(), abs=1e-12)
    assert batched[1][measure] == pytest.approx(
        tp.topic_coherence(other, TINY_TEXTS, measure=measure, topn=3)[0]
    )


# --- topic documents --------------------------------------------------------------------------------------


def token_table(rows: list[tuple]) -> pd.DataFrame:
    """Tokens with the foundation's columns from (doc, seg, lemma, is_stop, is_word, is_duplicate) tuples."""
    out = []
    for pos, (doc, seg, lemma, stop, word, dup) in enumerate(rows):
        out.append(
            {
                "doc_id": doc, "para_id": f"{doc}_p{seg}", "seg_id": f"{doc}_s{seg}", "sent_id": 0, "tok_pos": pos,
                "token": lemma, "lemma": lemma, "pos": "NOUN", "is_stop": stop, "is_punct": not word,
                "is_word": word, "space_after": True, "is_structure": False, "is_duplicate": dup,
                "year": 2012 if doc == "a" else 2025,
            }
        )  # fmt: skip
    return pd.DataFrame(out)


def test_topic_documents_filters_and_prunes():
    rows = [
        ("a", 0, "le", True, True, False),  # stop word
        ("a", 0, "coopération_décentralisée", False, True, False),  # MWE kept as one term
        ("a", 0, "2012", False, False, False),  # number (not a word)
        ("a", 0, ",", False, False, False),  # punctuation
        ("a", 0, "paix", False, True, False),
        ("a", 0, "être", False, True, False),  # spaCy stop-word lemma of a non-stop form ("étaient")
        ("a", 0, "g20", False, True, False),  # has a digit
        ("a", 1, "paix", False, True, False),
        ("a", 1, "coopération_décentralisée", False, True, False),
        ("a", 1, "rare", False, True, False),  # in one unit only: pruned by min_df=2
        ("b", 0, "paix", False, True, True),  # duplicate paragraph: dropped with its unit
        ("b", 1, "attractivité", False, True, False),
        ("b", 1, "paix", False, True, False),
        ("b", 1, "attractivité", False, True, False),
    ]
    docs = tp.topic_documents(token_table(rows), unit="segment", min_df=2, max_df=1.0)
    assert docs["unit_id"].tolist() == ["a_s0", "a_s1", "b_s1"]
    assert docs["terms"].tolist() == [
        ("coopération_décentralisée", "paix"),
        ("paix", "coopération_décentralisée"),
        ("paix",),  # attractivité occurs twice but in one unit only
    ]
    # n_tokens counts word tokens of the unit (stop words included): the prevalence weight
    assert docs["n_tokens"].tolist() == [5, 3, 3]
    assert docs.attrs["vocabulary_size"] == 2
    # max_df: paix is in 3 of 3 units, above 0.5 -> out; units left empty are dropped
    pruned = tp.topic_documents(token_table(rows), unit="segment", min_df=2, max_df=0.7)
    assert pruned["terms"].tolist() == [("coopération_décentralisée",), ("coopération_décentralisée",)]
    assert pruned.attrs["n_dropped_empty"] == 1
    with pytest.raises(SettingsError, match="unit="):
        tp.topic_documents(token_table(rows), unit="document")
    with pytest.raises(SchemaError, match="tokens: missing column"):
        tp.topic_documents(token_table(rows).drop(columns="lemma"))


def test_topic_documents_on_seed_corpus(seed_corpus):
    docs = tp.topic_documents(seed_corpus.tokens)
    assert len(docs) > 300 and docs["doc_id"].nunique() == 5
    vocab = {w for t in docs["terms"] for w in t}
    assert "coopération_décentralisée" in vocab and "attractivité" in vocab
    assert not any(any(c.isdigit() for c in w) for w in vocab)
    assert not vocab & {"le", "de", "être", "et"}


# --- labels, frames, rule ---------------------------------------------------------------------------------


def test_topic_frames_rule_by_hand():
    topics = pd.DataFrame(
        {
            "topic": [1, 1, 1, 1, 2, 2, 2, 3, 3],
            "rank": [1, 2, 3, 4, 1, 2, 3, 1, 2],
            "term": [
                "solidarité",
                "paix",
                "ville",
                "attractivité",
                "attractivité",
                "paix",
                "réseau",
                "ville",
                "modèle",
            ],
            "weight": [0.4, 0.2, 0.3, 0.1, 0.3, 0.2, 0.5, 0.6, 0.4],
        }
    )
    frames = {"solidarite": {"solidarité", "paix"}, "attractivite": {"attractivité"}}
    out = tp.topic_frames(topics, frames, topn=20, min_share=0.05, ratio=2.0).set_index("topic")
    # T1: sol 0.6/1.0, att 0.1 -> solidarite; T2: att 0.3 vs sol 0.2 (< 2x) -> other; T3: none -> other
    assert out.loc[1, "share_solidarite"] == pytest.approx(0.6)
    assert out.loc[1, "share_attractivite"] == pytest.approx(0.1)
    assert out["frame"].tolist() == ["solidarite", "other", "other"]
    assert out.loc[1, "frame_terms"] == "solidarité, paix, attractivité"
    with pytest.raises(LexiconError, match="paix"):
        tp.frame_sets({"solidarite": ["paix"], "attractivite": ["Paix"]})


def test_frame_sets_reads_packaged_lexicon():
    sets = tp.frame_sets(None)
    assert "solidarité" in sets["solidarite"] and "attractivité" in sets["attractivite"]
    # multi-word lemmas use the tokens' joiner
    assert "coopération_décentralisée" not in sets["attractivite"]
    assert any("_" in t for t in sets["solidarite"])


def test_labels_by_relevance():
    topics = pd.DataFrame(
        {
            "topic": [1, 1, 1, 2, 2, 2],
            "rank": [1, 2, 3, 1, 2, 3],
            "term": ["ville", "paix", "jumelage", "ville", "marché", "coopération_décentralisée"],
            "weight": [0.5, 0.3, 0.2, 0.5, 0.3, 0.2],
        }
    )
    by_weight = tp.topic_labels(topics, n_terms=2, relevance=1.0)
    assert by_weight["label"].tolist() == ["ville · paix", "ville · marché"]
    # λ = 0: lift φ/p only; "ville" (in both topics, p = 0.5) drops below the topic-specific terms
    lift = tp.topic_labels(topics, n_terms=2, relevance=0.0)
    assert lift["label"].tolist() == ["paix · jumelage", "marché · coopération décentralisée"]


def test_choose_k_rule():
    summary = pd.DataFrame(
        {
            "model": ["m"] * 5,
            "k": [2, 3, 4, 5, 6],
            "stability": [0.95, 0.80, 0.78, 0.77, 0.60],
            "c_npmi": [0.10, 0.02, 0.05, 0.055, 0.20],
        }
    )
    # K >= 3; plateau = stability >= 0.80 - 0.05 -> {3, 4, 5}; best c_npmi 0.055; within 0.01 -> {4, 5} -> 4
    assert tp.choose_k(summary, model="m") == 4
    assert tp.choose_k(summary, model="m", k_min=2) == 2
    assert tp.choose_k(summary, model="m", coherence_tolerance=0.0) == 5


# --- prevalence bootstrap ---------------------------------------------------------------------------------


def test_bootstrap_group_means_by_hand():
    values = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.2, 0.8]])
    weights = np.array([10, 30, 20, 20])
    strata = np.array(["a", "a", "b", "b"])
    groups = np.array(["g1", "g1", "g2", "g2"])
    labels, est, low, high = tp.bootstrap_group_means(values, weights, strata, groups, n_boot=500, seed=1)
    assert labels.tolist() == ["g1", "g2"]
    # g1: (10*1 + 30*0)/40 = 0.25; g2: (20*0.5 + 20*0.2)/40 = 0.35
    assert est[:, 0] == pytest.approx([0.25, 0.35])
    # resampling two units of a: estimates in {0 (b,b), 0.25 (a,b), 1 (a,a)}; percentile bounds are among them
    assert low[0, 0] == pytest.approx(0.0) and high[0, 0] == pytest.approx(1.0)
    assert (low <= est).all() and (est <= high).all()
    again = tp.bootstrap_group_means(values, weights, strata, groups, n_boot=500, seed=1)
    np.testing.assert_array_equal(low, again[2])


def test_weighted_group_means_equal_bootstrap_estimate():
    rng = np.random.default_rng(1)
    values = rng.dirichlet([1, 1, 1], size=30)
    values[4] = np.nan  # a unit without topic mass weighs 0
    weights = rng.integers(20, 60, size=30)
    groups = np.repeat(["a", "b", "c"], 10)
    labels, est = tp.weighted_group_means(values, weights, groups)
    _, est_b, _, _ = tp.bootstrap_group_means(values, weights, groups, groups, n_boot=5)
    assert labels.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(est, est_b, rtol=1e-12)
    keep = np.arange(10) != 4
    assert est[0] == pytest.approx(
        (weights[:10][keep, None] * values[:10][keep]).sum(0) / weights[:10][keep].sum()
    )


def test_bootstrap_interval_matches_scipy_on_one_document():
    from scipy import stats

    rng = np.random.default_rng(0)
    theta = rng.dirichlet([1, 1], size=60)
    weights = rng.integers(30, 50, size=60).astype(float)
    _, est, low, high = tp.bootstrap_group_means(
        theta, weights, np.zeros(60), np.zeros(60), n_boot=4000, seed=2
    )
    ref = stats.bootstrap(
        (theta[:, 0], weights),
        lambda v, w: np.sum(v * w) / np.sum(w),
        paired=True,
        n_resamples=4000,
        method="percentile",
        random_state=3,
    ).confidence_interval
    assert low[0, 0] == pytest.approx(ref.low, abs=0.01)
    assert high[0, 0] == pytest.approx(ref.high, abs=0.01)


# --- figures ----------------------------------------------------------------------------------------------


def test_figures_return_what_they_draw(planted):
    import matplotlib.pyplot as plt

    sel = tp.select_topic_models(planted.iloc[::2], k=[2, 3], n_seeds=1, lda_params={"passes": 3})
    fig, data = tplots.plot_model_selection(sel.table, chosen={"lda": 3, "nmf": 3})
    assert len(data) == 2 * 2 * 3 and data["chosen"].sum() == 2 * 3
    plt.close(fig)
    fitted = sel.reference("nmf", 3)
    frames = {"solidarite": GROUPS["sol"], "attractivite": GROUPS["att"]}
    topics = tp.label_topics(fitted.topics(10).assign(model="nmf"), frames)
    fig, data = tplots.plot_top_terms(topics, model="nmf", n=5)
    assert len(data) == 15 and fig.axes[0].get_title(loc="left").startswith("T1")
    plt.close(fig)
    dt = tp.document_topic_table(add_periods(fitted.docs_, [2010, 2012]), fitted.doc_topic_).assign(
        model="nmf"
    )
    prev = tp.topic_prevalence(dt, by="period", n_boot=50)
    assert sorted(prev["period"].unique()) == ["2010-2011", "2012-2014"]
    fig, data = tplots.plot_topic_prevalence(prev, labels=topics)
    assert len(data) == 6 and "label" in data
    plt.close(fig)
    fp = tp.frame_topic_prevalence(dt, topics, n_boot=50)
    fig, data = tplots.plot_frame_topic_share(fp)
    assert len(data) == 2 * 3
    plt.close(fig)


@pytest.mark.slow
def test_dynamic_topics_structure():
    docs = add_periods(make_planted(n_per_doc=8, length=15), [2010, 2012, 2014])
    out = tp.dynamic_topics(docs, 3, passes=1, em_min_iter=1, em_max_iter=2, topn=5)
    assert list(out.columns) == ["period", "topic", "rank", "term", "weight"]
    assert len(out) == 3 * 3 * 5
    assert out.groupby(["period", "topic"])["weight"].apply(lambda w: w.is_monotonic_decreasing).all()
    # one chain holds the solidarity vocabulary in every period
    first = out[out["rank"] <= 3].groupby(["period", "topic"])["term"].agg(lambda t: {group_of(x) for x in t})
    assert any(all(first[(p, k)] == {"sol"} for p in out["period"].unique()) for k in (1, 2, 3))


@pytest.mark.slow
def test_report_part_writes_contract_tables_and_reuses_models(seed_corpus, tmp_path, monkeypatch):
    import json
    from pathlib import Path

    from aictlab.config import Settings
    from aictlab.report import part_topics
    from aictlab.report.context import ReportContext

    settings = Settings(
        out=tmp_path / "out", processed=tmp_path / "processed", topic_k=(3,), topic_seeds=1, bootstrap=50
    )
    md = part_topics.run(ReportContext(settings=settings, corpus=seed_corpus))
    assert md.startswith("## Topic models")
    contract = json.loads((Path(__file__).resolve().parent / "fixtures" / "contract.json").read_text())[
        "files"
    ]
    for name in ("topic_model_selection", "topics", "topic_prevalence", "frame_topic_prevalence"):
        table = pd.read_csv(tmp_path / "out" / "tables" / f"{name}.csv")
        assert set(contract[f"tables/{name}.csv"]) <= set(table.columns), name
    prev = pd.read_csv(tmp_path / "out" / "tables" / "topic_prevalence.csv")
    assert sorted(prev["period"].unique()) == ["2010-2014", "2015-2019", "2020-2024", "2025-2029"]
    assert (prev["ci_low"] <= prev["prevalence"] + 1e-12).all() and (
        prev["prevalence"] <= prev["ci_high"] + 1e-12
    ).all()
    first = {p.name: p.read_bytes() for p in (tmp_path / "out" / "tables").glob("*.csv")}

    def refuse(*args, **kwargs):
        raise AssertionError("a warm report must not refit the topic models")

    monkeypatch.setattr(tp, "select_topic_models", refuse)
    part_topics.run(ReportContext(settings=settings, corpus=seed_corpus))
    assert {p.name: p.read_bytes() for p in (tmp_path / "out" / "tables").glob("*.csv")} == first


def test_topic_mass_by_document_by_hand():
    dt = pd.DataFrame(
        {
            "doc_id": ["a", "a", "b", "b", "a", "a", "b", "b"],
            "unit_id": [1, 2, 3, 4, 1, 2, 3, 4],
            "year": 2012,
            "n_tokens": [10, 30, 20, 40, 10, 30, 20, 40],
            "topic": [1, 1, 1, 1, 2, 2, 2, 2],
            "proportion": [1.0, 0.5, 0.0, 0.25, 0.0, 0.5, 1.0, 0.75],
        }
    )
    out = tp.topic_mass_by_document(dt)
    # topic 1: a = 10 + 15 = 25, b = 0 + 10 = 10 -> 25/35; topic 2: a = 15, b = 20 + 30 = 50 -> 50/65
    first = out.drop_duplicates("topic").set_index("topic")
    assert first.loc[1, "doc_id"] == "a" and first.loc[1, "share"] == pytest.approx(25 / 35)
    assert first.loc[2, "doc_id"] == "b" and first.loc[2, "share"] == pytest.approx(50 / 65)


# --- large corpora: partition-wise documents, Matrix Market streaming, capped selection grid ----------------


def on_disk(tokens: pd.DataFrame, folder, docs: list[str]):
    """A Corpus whose tokens stay on disk, one parquet partition per document of ``docs``."""
    import dataclasses

    from aictlab.corpus import as_corpus

    files = []
    for i, d in enumerate(docs):
        path = folder / f"part.{i:05d}.parquet"
        tokens[tokens["doc_id"] == d].reset_index(drop=True).to_parquet(path)
        files.append(path)
    return dataclasses.replace(as_corpus(tokens), tokens=None, token_files=tuple(files))


def test_topic_documents_df_pruning_sums_partitions(tmp_path):
    # paix occurs in one unit of each document: df 2 only when the partitions' counts are summed
    rows = [
        ("a", 0, "paix", False, True, False),
        ("a", 0, "jumelage", False, True, False),
        ("a", 1, "jumelage", False, True, False),
        ("a", 1, "rare", False, True, False),
        ("b", 0, "paix", False, True, False),
        ("b", 0, "export", False, True, False),
        ("b", 1, "export", False, True, False),
        ("c", 0, "seul", False, True, False),  # its only unit is left empty and dropped
    ]
    tokens = token_table(rows)
    whole = tp.topic_documents(tokens, min_df=2, max_df=1.0)
    split = tp.topic_documents(on_disk(tokens, tmp_path, ["a", "b", "c"]), min_df=2, max_df=1.0)
    pd.testing.assert_frame_equal(whole, split, check_exact=True)
    assert split.attrs == whole.attrs
    assert split["terms"].tolist() == [("paix", "jumelage"), ("jumelage",), ("paix", "export"), ("export",)]
    assert split.attrs["n_units"] == 5 and split.attrs["n_dropped_empty"] == 1
    assert split.attrs["vocabulary_size"] == 3
    # the units carry their document's period (documents of years 2012 and 2025 in 5-year bins)
    assert split["period"].tolist() == ["2010-2014"] * 2 + ["2025-2029"] * 2
    explicit = tp.topic_documents(tokens, min_df=2, max_df=1.0, periods=[2000, 2020])
    assert explicit["period"].tolist() == ["2000-2019"] * 2 + ["2020-2025"] * 2
    with pytest.raises(SchemaError, match="Corpus or a token DataFrame"):
        tp.topic_documents([rows])


def test_topic_documents_from_partitions_on_disk_equal_in_memory(
    seed_corpus, seed_corpus_on_disk, monkeypatch
):
    from aictlab.report.context import table_bytes

    def refuse(self):
        raise AssertionError("topic_documents must read the token files partition by partition")

    monkeypatch.setattr(type(seed_corpus_on_disk), "read_tokens", refuse)
    assert seed_corpus_on_disk.tokens is None and len(seed_corpus_on_disk.token_files) == 3
    for options in ({}, {"unit": "paragraph", "keep_duplicates": True}):
        memory = tp.topic_documents(seed_corpus.tokens, **options)
        for other in (
            tp.topic_documents(seed_corpus_on_disk, **options),
            tp.topic_documents(seed_corpus, **options),
        ):
            pd.testing.assert_frame_equal(memory, other, check_exact=True)
            assert other.attrs == memory.attrs
            assert table_bytes(other) == table_bytes(memory)


def test_cast_dtm_by_hand():
    dtm = tp.cast_dtm([["a", "b", "a", "zz"], [], ["c"]], ["a", "b", "c"])
    np.testing.assert_array_equal(dtm.toarray(), [[2, 1, 0], [0, 0, 0], [0, 0, 1]])
    assert dtm.dtype == np.float64 and dtm.has_sorted_indices


def test_matrix_market_corpus_round_trips_the_dtm(planted, tmp_path):
    from gensim.corpora import MmCorpus
    from gensim.matutils import corpus2csc

    vocabulary = [*tp.topic_vocabulary(planted["terms"]), "zz_unused"]  # a last column with no count
    path = tp.write_bow_corpus(planted, vocabulary, tmp_path)
    corpus = MmCorpus(str(path))
    assert len(corpus) == len(planted) and corpus.num_terms == len(vocabulary)
    read = corpus2csc(corpus, num_terms=len(vocabulary), num_docs=len(planted), dtype=np.float64).T.tocsr()
    expected = tp.cast_dtm(tp.topic_texts(planted), vocabulary)
    assert read.shape == expected.shape and (read != expected).nnz == 0
    np.testing.assert_array_equal(read.sum(1).A1, planted["terms"].map(len).to_numpy())
    # keyed by content: the same units reuse the file, other units get another one; no temporary file left
    stamp = path.stat().st_mtime_ns
    assert tp.write_bow_corpus(planted, vocabulary, tmp_path) == path and path.stat().st_mtime_ns == stamp
    assert tp.write_bow_corpus(planted.iloc[:10], vocabulary, tmp_path) != path
    assert not list(tmp_path.glob(".*tmp*"))


def test_chunked_inference_equals_one_call(planted):
    lda = tp.fit_topic_model(planted, "lda", 3, seed=1, backend="gensim", **FAST_LDA)
    bow = [lda.dictionary_.doc2bow(list(t)) for t in planted["terms"]]
    np.testing.assert_array_equal(lda._infer(iter(bow), chunksize=7, n_units=len(bow)), lda._infer(bow))
    np.testing.assert_array_equal(lda._infer(bow, chunksize=len(bow) + 5), lda._infer(bow))
    np.testing.assert_array_equal(lda._infer(bow), lda.doc_topic_)


def make_two_vocabularies(seed: int = 0, n_per_doc: int = 30, length: int = 20) -> pd.DataFrame:
    """Topic documents from two disjoint vocabularies (sol*, att*): 5 years x 2 documents x n_per_doc units,
    each unit putting 0.9 of its words on its main vocabulary; the share of sol-main units falls 0.8 -> 0.2."""
    rng = np.random.default_rng(seed)
    vocab = {0: [f"sol{i}" for i in range(12)], 1: [f"att{i}" for i in range(12)]}
    rows = []
    for year in YEARS:
        share = 0.8 - 0.6 * (year - YEARS[0]) / (YEARS[-1] - YEARS[0])
        for d in range(2):
            for s in range(n_per_doc):
                z = int(rng.random() > share)
                words = rng.choice(2, size=length, p=[0.9, 0.1] if z == 0 else [0.1, 0.9])
                terms = tuple(vocab[k][rng.integers(12)] for k in words)
                rows.append(
                    {"doc_id": f"d{year}_{d}", "unit_id": f"s{s}", "year": year, "n_tokens": 2 * length, "terms": terms}
                )  # fmt: skip
    return pd.DataFrame(rows)


def planted_groups(fitted, topn: int = 10) -> list[set[str]]:
    return [{group_of(t) for t in terms} for terms in fitted.top_terms(topn)]


@pytest.mark.slow
def test_streamed_lda_recovers_planted_topics(tmp_path):
    docs = make_two_vocabularies()
    options = {**FAST_LDA, "stream": True, "alpha": "asymmetric", "chunksize": 64, "workers": 1}
    fitted = tp.fit_topic_model(docs, "lda", 2, seed=1, workdir=tmp_path, **options)
    assert type(fitted.model_).__name__ == "LdaMulticore" and fitted.workers_ == 1
    assert fitted.corpus_path_.exists() and fitted.corpus_path_.parent == tmp_path
    # each topic's top 10 terms are the 10 most frequent of one planted vocabulary
    groups = planted_groups(fitted)
    assert sorted(map(sorted, groups)) == [["att"], ["sol"]]
    # θ: a unit's main vocabulary gets most of its mass
    main = np.array([pd.Series([group_of(w) for w in t]).mode()[0] for t in docs["terms"]])
    topic_group = np.array([g.pop() for g in groups])
    assert (topic_group[fitted.doc_topic_.argmax(1)] == main).mean() > 0.95
    # one worker: the same seed gives the same fit bit for bit; streamed transform = fitted θ
    again = tp.fit_topic_model(docs, "lda", 2, seed=1, **options)
    assert again.corpus_path_ is None  # temporary folder, removed
    np.testing.assert_array_equal(again.topic_term_, fitted.topic_term_)
    np.testing.assert_array_equal(again.doc_topic_, fitted.doc_topic_)
    np.testing.assert_array_equal(fitted.transform(docs), fitted.doc_topic_)
    # two workers find the same topics
    two = tp.fit_topic_model(docs, "lda", 2, seed=1, **{**options, "workers": 2})
    assert sorted(map(sorted, planted_groups(two))) == [["att"], ["sol"]]
    with pytest.raises(SettingsError, match="alpha='auto'"):
        tp.fit_topic_model(docs, "lda", 2, stream=True, alpha="auto", passes=1)


def test_allocation_and_sampling_rule(planted):
    assert tp.allocate_sample([600, 300, 100], 10).tolist() == [6, 3, 1]
    assert tp.allocate_sample([990, 5, 5], 10).tolist() == [8, 1, 1]  # every stratum keeps one unit
    assert tp.allocate_sample([5, 5, 5], 7).tolist() == [3, 2, 2]  # equal remainders: first strata first
    with pytest.raises(SettingsError, match="one unit of each"):
        tp.allocate_sample([5, 5, 5], 2)
    planted = add_periods(planted, [2010, 2012, 2014])  # 120, 120 and 60 planted units
    rows = tp.sample_topic_units(planted, 50, seed=3)
    assert len(rows) == 50 and len(set(rows)) == 50 and (np.diff(rows) > 0).all()
    np.testing.assert_array_equal(rows, tp.sample_topic_units(planted, 50, seed=3))
    assert not np.array_equal(rows, tp.sample_topic_units(planted, 50, seed=4))
    period = pd.cut(planted["year"].iloc[rows], [2009, 2011, 2013, 2014]).value_counts(sort=False)
    assert period.tolist() == [20, 20, 10]  # proportional to 120, 120, 60
    # a period with a single unit is still represented
    skewed = pd.concat([planted[planted["year"] < 2014], planted[planted["year"] == 2014].iloc[:1]])
    rows = tp.sample_topic_units(skewed, 30, seed=3)
    assert len(rows) == 30 and (skewed["year"].iloc[rows] == 2014).sum() == 1
    # by document: every document is represented
    rows = tp.sample_topic_units(planted, 25, by="doc_id", seed=3)
    assert len(rows) == 25 and planted["doc_id"].iloc[rows].nunique() == planted["doc_id"].nunique()
    np.testing.assert_array_equal(tp.sample_topic_units(planted, 500, seed=3), np.arange(len(planted)))


def test_stream_rule_and_settings():
    from aictlab.config import Settings

    limit = tp.TOPIC_STREAM_UNITS
    assert tp.stream_final_fit("auto", limit + 1) and not tp.stream_final_fit("auto", limit)
    assert tp.stream_final_fit("auto", 101, 100) and not tp.stream_final_fit("auto", 10**7, 10**8)
    assert tp.stream_final_fit("always", 10) and not tp.stream_final_fit("never", 10**7)
    with pytest.raises(SettingsError, match="topic_stream"):
        tp.stream_final_fit("sometimes", 10)
    s = Settings()
    assert (s.topic_max_units, s.topic_stream, s.topic_workers) == (tp.TOPIC_MAX_UNITS, "auto", None)
    assert Settings(topic_max_units=0).topic_max_units == 0 and Settings(topic_max_units=None)
    for bad in ({"topic_stream": "sometimes"}, {"topic_max_units": 10}, {"topic_workers": 0}):
        with pytest.raises(SettingsError):
            Settings(**bad)


@pytest.mark.slow
def test_capped_selection_then_final_fit_on_every_unit():
    docs = add_periods(make_two_vocabularies(), [2010, 2012, 2014])
    sel = tp.select_topic_models(docs, k=[2], n_seeds=1, lda_params=FAST_LDA, max_units=90, seed=5)
    np.testing.assert_array_equal(sel.sample_rows, tp.sample_topic_units(docs, 90, seed=5))
    assert len(sel.docs) == 90 and sel.params["sampled"] and sel.params["n_units_total"] == len(docs)
    assert "stratified by period" in sel.params["sample_rule"] and "90 of 300" in sel.params["sample_rule"]
    assert sel.table.attrs["n_units"] == 90 and sel.summary.attrs["sample_rule"] == sel.params["sample_rule"]
    assert sel.reference("nmf", 2).doc_topic_.shape == (90, 2)
    # the chosen K refitted on all 300 units: NMF in memory, LDA streamed (one worker)
    nmf = tp.final_topic_model(sel, docs, "nmf", 2)
    lda = tp.final_topic_model(sel, docs, "lda", 2, stream=True, workers=1)
    assert nmf.doc_topic_.shape == lda.doc_topic_.shape == (300, 2)
    assert lda.stream and lda.alpha == "asymmetric" and lda.passes == FAST_LDA["passes"]
    for fitted in (nmf, lda):
        assert sorted(map(sorted, planted_groups(fitted))) == [["att"], ["sol"]]
    # refit ranges of the sample's subsample fits, matched to the final topics
    band = tp.seed_prevalence_range(sel, "lda", 2, by="year", reference=lda)
    assert len(band) == 2 * 5 and (band["seed_low"] <= band["seed_high"]).all()
    with pytest.raises(SchemaError, match="drawn from 300"):
        tp.final_topic_model(sel, docs.iloc[:100], "nmf", 2)
    # below the cap, nothing is sampled and the reference fit is the reported model
    full = tp.select_topic_models(docs.iloc[::3], k=[2], n_seeds=0, models=["nmf"], max_units=500)
    assert not full.params["sampled"] and full.sample_rows is None and full.params["sample_rule"] is None
    assert tp.final_topic_model(full, docs.iloc[::3], "nmf", 2) is full.reference("nmf", 2)


def test_bootstrap_blocks_capped_by_cells(monkeypatch):
    rng = np.random.default_rng(0)
    values, weights = rng.random((40, 2)), rng.integers(1, 5, 40)
    strata, groups = np.repeat(np.arange(8), 5), np.repeat(np.arange(4), 10)
    full = tp.bootstrap_group_means(values, weights, strata, groups, n_boot=200, seed=1)
    import aictlab.resample

    monkeypatch.setattr(aictlab.resample, "BOOTSTRAP_CELLS", 5 * 7)  # blocks of 7 replicates per document
    small = tp.bootstrap_group_means(values, weights, strata, groups, n_boot=200, seed=1)
    np.testing.assert_array_equal(small[1], full[1])
    np.testing.assert_array_equal(small[2], full[2])  # blocks draw the same replicates
    assert np.isfinite(small[2]).all() and (small[2] <= small[1]).all() and (small[1] <= small[3]).all()


@pytest.mark.slow
def test_report_part_capped_and_streamed_from_disk_partitions(seed_corpus_on_disk, tmp_path, monkeypatch):
    from aictlab.config import Settings
    from aictlab.report import part_topics
    from aictlab.report.context import ReportContext

    def refuse(self):
        raise AssertionError("the topics part must not load the whole token table")

    monkeypatch.setattr(type(seed_corpus_on_disk), "read_tokens", refuse)
    settings = Settings(
        out=tmp_path / "out",
        processed=tmp_path / "processed",
        topic_k=(3,),
        topic_seeds=1,
        bootstrap=50,
        topic_max_units=200,
        topic_stream="always",
        topic_workers=1,
    )
    ctx = ReportContext(settings=settings, corpus=seed_corpus_on_disk)
    md = part_topics.run(ctx)
    assert "Capped grid: model selection on a seeded random sample of 200 of" in md
    assert "one reference fit on all the sampled units (below)" in md  # not "on all units": it is the sample
    info = ctx.results["topics"]
    assert info["selection_sampled"] and info["selection_units"] == 200 and info["stream"]
    assert info["n_units"] > 400 and info["refitted"] == {"lda": True, "nmf": True}
    assert len(list((tmp_path / "processed" / "topics").glob("topics-bow-*.mm"))) == 1
    selection = pd.read_csv(tmp_path / "out" / "tables" / "topic_model_selection.csv")
    assert len(selection) == 2 * 2  # one reference and one subsample fit per family, on the sample
    prev = pd.read_csv(tmp_path / "out" / "tables" / "topic_prevalence.csv")
    assert sorted(prev["period"].unique()) == ["2010-2014", "2015-2019", "2020-2024", "2025-2029"]
    assert prev["seed_low"].notna().all()
    # prevalence over every unit, not the sample
    frames = pd.read_csv(tmp_path / "out" / "tables" / "frame_topic_prevalence.csv")
    assert frames.groupby(["model", "period"])["n_units"].first().sum() == 2 * info["n_units"]


# --- robustness of the figures (issue 13) and any number of frames ----------------------------------------


def test_error_bars_never_negative_and_figures_draw_degenerate_intervals():
    import matplotlib.pyplot as plt

    # an estimate 1e-17 below its own lower bound (a one-unit document: every replicate equals it up to
    # rounding) and a group without interval (NaN) once crashed matplotlib: "'yerr' must not contain
    # negative values"
    bars = tplots.error_bars([0.3, 0.5, np.nan], [0.3 + 1e-17, np.nan, 0.1], [0.4, 0.6, 0.2])
    np.testing.assert_array_equal(bars, [[0.0, 0.0, 0.0], [0.4 - 0.3, 0.6 - 0.5, 0.0]])
    prev = pd.DataFrame(
        {
            "topic": [1, 1, 2, 2],
            "period": ["2010-2014", "2015-2019"] * 2,
            "prevalence": [0.3, 0.7, 0.7, 0.3],
            "ci_low": [0.3 + 1e-17, np.nan, 0.7, 0.2],
            "ci_high": [0.3, np.nan, 0.7 - 1e-17, 0.4],
        }
    )
    fig, data = tplots.plot_topic_prevalence(prev)
    assert len(data) == 4
    plt.close(fig)
    frames = prev.rename(columns={"topic": "frame"}).assign(frame=["a", "a", "other", "other"], n_topics=1)
    fig, data = tplots.plot_frame_topic_share(frames)
    assert len(data) == 4
    plt.close(fig)
    table = pd.DataFrame(
        {"model": "lda", "k": [2, 2], "sample": ["full", "subsample"], "c_v": [0.4, 0.4],
         "c_npmi": [0.1, 0.1 + 1e-17], "agreement": [np.nan, 0.9]}
    )  # fmt: skip
    fig, data = tplots.plot_model_selection(table)
    assert set(data["measure"]) == {"c_v", "c_npmi", "stability"}
    plt.close(fig)


def test_three_documents_one_unit_each_give_finite_prevalence():
    # three documents of one unit each, one per period: the bootstrap is degenerate (every replicate draws
    # the only unit), so the interval collapses on the estimate
    dt = pd.DataFrame(
        {
            "doc_id": np.repeat(["a", "b", "c"], 2),
            "unit_id": np.repeat(["a_s0", "b_s0", "c_s0"], 2),
            "year": np.repeat([2012, 2017, 2023], 2),
            "period": np.repeat(["2010-2014", "2015-2019", "2020-2024"], 2),
            "n_tokens": 40,
            "topic": [1, 2] * 3,
            "proportion": [0.1, 0.9, 0.3, 0.7, 0.6, 0.4],
        }
    )
    prev = tp.topic_prevalence(dt, n_boot=50, seed=1)
    np.testing.assert_allclose(prev["prevalence"], [0.1, 0.3, 0.6, 0.9, 0.7, 0.4])
    np.testing.assert_allclose(prev["ci_low"], prev["prevalence"])
    np.testing.assert_allclose(prev["ci_high"], prev["prevalence"])
    fig, _ = tplots.plot_topic_prevalence(prev)
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(SchemaError, match="no 'period' column"):
        tp.topic_prevalence(dt.drop(columns="period"), n_boot=10)


def test_prevalence_is_a_ratio_of_resample_totals():
    from aictlab.resample import resample_totals

    # two documents in one group: the group's replicate = the sum of its documents' replicate totals of
    # [w θ, w], and its prevalence = their ratio; so the interval is that of resample_totals directly
    values = np.array([[0.2], [0.6], [1.0], [0.4], [0.0]])
    weights = np.array([10.0, 30.0, 20.0, 20.0, 40.0])
    strata = np.array(["a", "a", "b", "b", "b"])
    _, est, low, high = tp.bootstrap_group_means(values, weights, strata, np.zeros(5), n_boot=400, seed=4)
    reps = resample_totals(np.column_stack([weights * values[:, 0], weights]), strata, n_boot=400, seed=4)
    total = reps["a"] + reps["b"]
    ratio = total[:, 0] / total[:, 1]
    assert est[0, 0] == pytest.approx((2 + 18 + 20 + 8) / 120)
    assert (low[0, 0], high[0, 0]) == pytest.approx(tuple(np.quantile(ratio, [0.025, 0.975])))


def test_three_frames_from_the_lexicon(planted_fits):
    # any number of frames: a third lexicon frame gets its own leaning topics and its own share
    fitted = planted_fits["nmf"]
    frames = {"solidarite": GROUPS["sol"], "attractivite": GROUPS["att"], "neutre": GROUPS["neu"]}
    topics = tp.label_topics(fitted.topics(10), frames)
    assert sorted(topics.drop_duplicates("topic")["frame"]) == ["attractivite", "neutre", "solidarite"]
    assert {"share_solidarite", "share_attractivite", "share_neutre"} <= set(topics.columns)
    fp = tp.frame_topic_prevalence(fitted.document_topics(), topics, by="year", n_boot=20, seed=1)
    assert sorted(fp["frame"].unique()) == ["attractivite", "neutre", "other", "solidarite"]
    assert fp.groupby("year")["prevalence"].sum().to_numpy() == pytest.approx(np.ones(5))
    assert (fp[fp["frame"] == "other"]["prevalence"] == 0).all()
    import matplotlib.pyplot as plt

    fig, data = tplots.plot_frame_topic_share(fp, by="year")
    assert len(data) == 4 * 5
    plt.close(fig)
    fig, _ = tplots.plot_top_terms(topics, n=5)
    assert "neutre" in fig._suptitle.get_text()
    plt.close(fig)


def test_shared_term_shares_and_topic_mass_give_the_same_tables(planted, planted_fits):
    # what the report computes once and passes on (term shares of the units, each topic's mass by document)
    # gives the tables computed from scratch
    frames = {"solidarite": GROUPS["sol"], "attractivite": GROUPS["att"]}
    share = tp.term_shares(planted)
    assert share.sum() == pytest.approx(1.0) and (share > 0).all()
    for fitted in planted_fits.values():
        top = fitted.topics(20)
        pd.testing.assert_frame_equal(
            tp.label_topics(top, frames, term_share=share), tp.label_topics(top, frames, docs=planted)
        )
    dt = pd.concat([f.document_topics().assign(model=m) for m, f in planted_fits.items()], ignore_index=True)
    mass = tp.topic_mass_by_document(dt)
    for threshold in (0.9, 0.0):
        pd.testing.assert_frame_equal(
            tp.degenerate_topics(dt, threshold, mass=mass), tp.degenerate_topics(dt, threshold)
        )
    assert len(tp.degenerate_topics(dt, 0.0, mass=mass)) == 6  # every topic flagged at threshold 0
