"""Reinert classification: planted lexical worlds are recovered exactly; profiles by hand; determinism."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from aictlab.corpus import as_corpus, combine_parts, select_tokens
from aictlab.errors import SettingsError
from aictlab.reinert import (
    SegmentTermMatrix,
    class_distribution,
    class_profiles,
    merge_segments,
    reinert,
    reinert_double,
    reinert_tables,
    segment_counts,
    segment_term_matrix,
    split_cluster,
    typical_segments,
)


def planted_tokens(n_per: int = 40, k: int = 3, *, seed: int = 0, words: int = 30, seg_len: int = 12,
                   shared: int = 0, n_docs: int = 5) -> tuple[pd.DataFrame, dict[str, int]]:  # fmt: skip
    """Segments drawn from ``k`` disjoint vocabularies (+ ``shared`` words common to all, one per segment).

    Returns the token table and the true world of each segment id.
    """
    rng = np.random.default_rng(seed)
    vocab = [[f"monde{c}_mot{i:02d}" for i in range(words)] for c in range(k)]
    common = [f"commun{i}" for i in range(shared)]
    rows, truth = [], {}
    s = 0
    for _ in range(n_per):
        for c in range(k):
            seg = f"s{s:04d}"
            doc = f"d{s % n_docs}"
            lemmas = list(rng.choice(vocab[c], seg_len, replace=False))
            if shared:
                lemmas.append(common[rng.integers(shared)])
            lemmas += ["le", "de"]  # stop words: never terms
            for j, lemma in enumerate(lemmas):
                stop = lemma in ("le", "de")
                rows.append(
                    (doc, seg, s * 100 + j, lemma, "DET" if stop else "NOUN", stop, 2010 + 5 * (c % 3))
                )
            truth[seg] = c
            s += 1
    cols = ["doc_id", "seg_id", "tok_pos", "lemma", "pos", "is_stop", "year"]
    frame = pd.DataFrame(rows, columns=cols).assign(is_punct=False, is_word=True)
    return frame, truth


def _confusion(res, truth) -> pd.DataFrame:
    true = res.segments["segment_id"].map(truth)
    return pd.crosstab(res.segments["class"], true)


def _is_exact_partition(table: pd.DataFrame, k: int) -> bool:
    return (
        table.shape == (k, k)
        and ((table > 0).sum(axis=0) == 1).all()
        and ((table > 0).sum(axis=1) == 1).all()
    )


@pytest.mark.parametrize("k", [2, 3])
def test_planted_disjoint_vocabularies_recovered_exactly(k):
    tokens, truth = planted_tokens(k=k)
    res = reinert(tokens, k=k)
    table = _confusion(res, truth)
    assert _is_exact_partition(table, k), table
    assert res.segments["class"].notna().all()
    assert res.classes["n_segments"].tolist() == [40] * k and res.classes["share"].sum() == pytest.approx(1)
    assert len(res.splits) == k - 1 and (res.splits["chi2"] > 0).all()


def test_planted_with_shared_words_and_extra_splits_stay_pure():
    # common words in every segment, and more classes asked than worlds: every class stays within one world
    tokens, truth = planted_tokens(k=3, shared=5, n_per=50, seed=3)
    res = reinert(tokens, k=3)
    assert _is_exact_partition(_confusion(res, truth), 3)
    deeper = reinert(tokens, k=5)
    table = _confusion(deeper, truth)
    assert ((table > 0).sum(axis=1) == 1).all()
    # level k=3 of the deeper run is the 3-class solution
    assert _is_exact_partition(
        pd.crosstab(deeper.segments["class_k3"], deeper.segments["segment_id"].map(truth)), 3
    )


def test_deterministic():
    tokens, _ = planted_tokens(k=3, shared=5, seed=7)
    a = reinert(tokens, k=4)
    b = reinert(tokens.sample(frac=1, random_state=1), k=4)  # row order of the token table does not matter
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.splits, b.splits)


def test_first_split_chi2_by_hand():
    # 4 segments: two use {a, b}, two use {c, d}; table of summed presences [[2,2,0,0],[0,0,2,2]]
    x = sparse.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1]]))
    res = split_cluster(x, tsj=1)
    halves = sorted([sorted(res["rows1"].tolist()), sorted(res["rows2"].tolist())])
    assert halves == [[0, 2], [1, 3]]
    assert res["chi2"] == pytest.approx(8.0)  # perfect association: χ² = n (φ² = 1), n = 8 presences
    assert split_cluster(sparse.csr_matrix(np.eye(2))) is None  # too small for a CA


def test_segment_term_matrix_filters_pos_stop_and_rare():
    tokens = pd.DataFrame(
        {
            "doc_id": ["a"] * 6 + ["b"] * 4,
            "seg_id": ["a1", "a1", "a1", "a2", "a2", "a2", "b1", "b1", "b1", "b1"],
            "tok_pos": range(10),
            "lemma": [
                "ville",
                "le",
                "coopération_décentralisée",
                "ville",
                "ville",
                "rare",
                "ville",
                "dans",
                "coopération_décentralisée",
                "aller",
            ],  # fmt: skip
            "pos": ["NOUN", "DET", "X", "NOUN", "NOUN", "NOUN", "NOUN", "ADP", "X", "VERB"],
            "is_stop": [False, True, False, False, False, False, False, True, False, False],
            "year": [2012] * 6 + [2025] * 4,
        }
    )
    stm = segment_term_matrix(tokens, min_segments=2)
    assert stm.terms.tolist() == ["coopération_décentralisée", "ville"]  # MWE kept whatever its POS
    assert stm.matrix.toarray().tolist() == [[1, 1], [0, 1], [1, 1]]  # binary, duplicates counted once
    assert stm.segments["segment_id"].tolist() == ["a1", "a2", "b1"]
    assert stm.segments["n_terms"].tolist() == [2, 1, 2]
    assert segment_term_matrix(tokens, min_segments=1).terms.tolist() == ["aller", "coopération_décentralisée", "rare", "ville"]  # fmt: skip


def test_merge_segments_until_min_terms():
    m = sparse.csr_matrix(np.array([[1, 0, 0], [1, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]))
    segs = pd.DataFrame({"segment_id": list("abcdef"), "doc_id": ["x", "x", "x", "x", "y", "y"]})
    stm = SegmentTermMatrix(m, segs, np.array(["t1", "t2", "t3"]))
    # rainette compute_uc: sizes add up per segment (a + b = 2 although both hold only t1); c = 3 -> unit;
    # d (1 term) ends document x and stays a short unit; units never cross documents: e + f = 2.
    assert merge_segments(stm, 2).tolist() == [0, 0, 1, 2, 3, 3]
    assert merge_segments(stm, 4).tolist() == [0, 0, 0, 1, 2, 2]
    assert merge_segments(stm, 0).tolist() == list(range(6))


def test_min_segment_size_classifies_units_together():
    tokens, truth = planted_tokens(k=2, n_per=30, n_docs=1)
    # consecutive segments alternate worlds; merged units mix them, but every segment of a unit shares a class
    res = reinert(tokens, k=2, min_segment_size=20)
    by_unit = res.segments.groupby("unit")["class"].nunique()
    assert (by_unit == 1).all() and res.params["n_units"] < len(res.segments)


def test_class_profiles_hand_chi2():
    tokens, truth = planted_tokens(k=2, n_per=20, shared=1, seed=2)
    res = reinert(tokens, k=2)
    prof = class_profiles(res, n=None, positive_only=False)
    assert set(prof.columns) >= {"class", "n_segments", "share", "term", "chi2", "p_value"}
    seg = res.segments.assign(world=res.segments["segment_id"].map(truth))
    c = int(seg.loc[seg["world"] == 0, "class"].iloc[0])
    row = prof[(prof["class"] == c) & (prof["term"] == "monde0_mot00")].iloc[0]
    # hand: a = segments of class c with the term, b = others with it; 2 × 2 Pearson χ²
    x = res.stm.matrix.toarray()[:, list(res.stm.terms).index("monde0_mot00")]
    in_c = (seg["class"] == c).to_numpy()
    a, b = x[in_c].sum(), x[~in_c].sum()
    n1, n2 = in_c.sum(), (~in_c).sum()
    n = n1 + n2
    chi2 = n * (a * (n2 - b) - b * (n1 - a)) ** 2 / ((a + b) * (n - a - b) * n1 * n2)
    assert row["chi2"] == pytest.approx(chi2, rel=1e-12) and row["n_term_class"] == a
    other = prof[(prof["class"] == c) & (prof["term"] == "monde1_mot00")].iloc[0]
    assert other["chi2"] < 0  # the other world's words are under-represented
    top = class_profiles(res, n=3)
    assert (top.groupby("class").size() == 3).all() and (top["chi2"] > 0).all()
    assert top.loc[top["class"] == c, "term"].str.startswith("monde0").all()


def test_typical_segments_distribution_and_tables():
    tokens, truth = planted_tokens(k=3)
    res = reinert(tokens, k=3)
    typ = typical_segments(res, n=2)
    assert (typ.groupby("class").size() == 2).all()
    for _, row in typ.iterrows():  # a class's typical segments come from its world
        cls_world = res.segments.loc[res.segments["class"] == row["class"], "segment_id"].map(truth).iloc[0]
        assert truth[row["segment_id"]] == cls_world
    dist = class_distribution(res, "year")
    assert dist["n_segments"].sum() == 120
    assert dist.groupby("year")["share_of_group"].sum().to_numpy() == pytest.approx(1.0)
    # each world was written in one year: each class is 100 % of its year
    assert sorted(dist.loc[dist["n_segments"] > 0, "share_of_group"].tolist()) == [1.0, 1.0, 1.0]
    tables = reinert_tables(res)
    assert list(tables["reinert_segments"].columns) == ["segment_id", "doc_id", "year", "class"]
    assert {"class", "n_segments", "share", "term", "chi2", "p_value"} <= set(
        tables["reinert_classes"].columns
    )


def test_segments_without_terms_are_unclassified():
    tokens, _ = planted_tokens(k=2, n_per=20)
    empty = pd.DataFrame({"doc_id": ["d0"], "seg_id": ["vide"], "tok_pos": [10**6], "lemma": ["le"], "pos": ["DET"],
                          "is_stop": [True], "year": [2010], "is_punct": [False], "is_word": [True]})  # fmt: skip
    res = reinert(pd.concat([tokens, empty], ignore_index=True), k=2)
    assert pd.isna(res.segments.set_index("segment_id").loc["vide", "class"])
    assert res.unclassified_share == pytest.approx(1 / 41)


def test_double_classification_recovers_worlds():
    tokens, truth = planted_tokens(k=3, n_per=60, shared=5, seed=5, n_docs=3)
    # documents hold runs of same-world segments so that merged units stay within a world
    tokens = tokens.assign(doc_id=tokens["seg_id"].map(lambda s: f"doc{truth[s]}"))
    res = reinert_double(tokens, max_k=3, min_segment_size1=10, min_segment_size2=15, min_members=10)
    assert res.params["method"] == "double" and res.k == 3
    classified = res.segments[res.segments["class"].notna()]
    table = pd.crosstab(classified["class"], classified["segment_id"].map(truth))
    assert _is_exact_partition(table, 3)
    assert res.unclassified_share < 0.2
    parts = res.params["partitions"]
    assert parts["k"].tolist() == [2, 3] and (parts["chi2"] > 0).all()


def test_errors():
    tokens, _ = planted_tokens(k=2, n_per=5)
    with pytest.raises(SettingsError, match="at least 2 classes"):
        reinert(tokens, k=1)
    with pytest.raises(SettingsError, match="too few to classify"):
        reinert(tokens, min_segments=1000)


@pytest.mark.slow
def test_thousand_segments_in_seconds():
    tokens, truth = planted_tokens(k=3, n_per=340, words=400, seg_len=20, shared=50, seed=11)
    start = time.perf_counter()
    res = reinert(tokens, k=6)
    elapsed = time.perf_counter() - start
    assert len(res.segments) == 1020 and elapsed < 10
    assert ((_confusion(res, truth) > 0).sum(axis=1) == 1).all()


def test_reinert_figure_data():
    import matplotlib.pyplot as plt

    from aictlab.plots.textometry import plot_reinert

    tokens, truth = planted_tokens(k=3)
    res = reinert(tokens, k=3)
    prof = class_profiles(res, n=4)
    fig, drawn = plot_reinert(res, prof, class_distribution(res, "year"), n_terms=2)
    assert drawn["class"].tolist() == [1, 2, 3] and drawn["n_segments"].tolist() == [40, 40, 40]
    years = [c for c in drawn.columns if isinstance(c, int | np.integer)]
    assert sorted(years) == [2010, 2015, 2020]
    assert drawn[years].sum(axis=0).to_numpy() == pytest.approx([1.0, 1.0, 1.0])
    assert all(len(t.split(", ")) == 2 for t in drawn["terms"])
    plt.close(fig)


def test_class_profiles_quanteda_counts():
    tokens, truth = planted_tokens(k=2, n_per=20, seed=4)
    # a term repeated inside segments: counts differ from presences
    extra = tokens[tokens["lemma"] == "monde0_mot00"].assign(tok_pos=lambda f: f["tok_pos"] + 50)
    res = reinert(pd.concat([tokens, extra], ignore_index=True), k=2)
    q = class_profiles(res, n=None, method="quanteda", positive_only=False)
    seg = res.segments.assign(world=res.segments["segment_id"].map(truth))
    c = int(seg.loc[seg["world"] == 0, "class"].iloc[0])
    counts = res.stm.counts.toarray()
    j = list(res.stm.terms).index("monde0_mot00")
    in_c = (seg["class"] == c).to_numpy()
    a, b = counts[in_c, j].sum(), counts[~in_c, j].sum()
    tn, rn = counts[in_c].sum(), counts[~in_c].sum()
    n = tn + rn
    det = abs(a * (rn - b) - b * (tn - a))
    e_min = min((a + b) * tn, (a + b) * rn, (n - a - b) * tn, (n - a - b) * rn) / n
    delta = 0.5 if det >= n / 2 and e_min < 5 else 0.0
    hand = n * (det - n * delta) ** 2 / ((a + b) * (n - a - b) * tn * rn)
    row = q[(q["class"] == c) & (q["term"] == "monde0_mot00")].iloc[0]
    assert a == 2 * row["n_term_class"] and row["chi2"] == pytest.approx(hand, rel=1e-12)


# -- the matrix from counts gathered partition by partition ----------------------------------------------------
def assert_same_matrix(a: SegmentTermMatrix, b: SegmentTermMatrix) -> None:
    for x, y in ((a.matrix, b.matrix), (a.counts, b.counts)):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.data, y.data)
    assert a.terms.tolist() == b.terms.tolist()
    pd.testing.assert_frame_equal(a.segments, b.segments, check_exact=True)


def from_partitions(parts: list[pd.DataFrame], *, min_segments: int = 3) -> SegmentTermMatrix:
    """The matrix of ``parts`` (token tables of whole documents) from their segment counts, as
    ``Corpus.map_tokens`` combines them."""
    counts = combine_parts([segment_counts(part) for part in parts])
    return segment_term_matrix(pd.concat(parts), min_segments=min_segments, counts=counts)


def test_segment_counts_of_partitions_by_hand():
    # doc a: s1 = ville ville paix, s2 = paix le ; doc b: s3 = ville coopération_décentralisée (ADP: an MWE)
    tokens = pd.DataFrame(
        {
            "doc_id": ["a"] * 5 + ["b"] * 2,
            "seg_id": ["s1", "s1", "s1", "s2", "s2", "s3", "s3"],
            "tok_pos": range(7),
            "lemma": ["ville", "ville", "paix", "paix", "le", "ville", "coopération_décentralisée"],
            "pos": ["NOUN", "NOUN", "NOUN", "NOUN", "DET", "NOUN", "ADP"],
            "is_stop": [False, False, False, False, True, False, False],
            "year": [2012] * 5 + [2025] * 2,
        }
    )
    parts = [tokens[tokens["doc_id"] == "b"], tokens[tokens["doc_id"] == "a"]]  # any order: sorted by doc_id
    counts = combine_parts([segment_counts(part) for part in parts])
    assert counts["segments"][["segment_id", "n_tagged"]].values.tolist() == [["s3", 2], ["s1", 3], ["s2", 2]]
    stm = segment_term_matrix(tokens, min_segments=1, counts=counts)
    assert stm.segments[["segment_id", "year", "n_terms"]].values.tolist() == [["s1", 2012, 2], ["s2", 2012, 1],
                                                                               ["s3", 2025, 2]]  # fmt: skip
    assert stm.terms.tolist() == ["coopération_décentralisée", "paix", "ville"]
    assert stm.counts.toarray().tolist() == [[0, 1, 2], [0, 1, 0], [1, 0, 1]]
    assert stm.matrix.toarray().tolist() == [[0, 1, 1], [0, 1, 0], [1, 0, 1]]
    assert_same_matrix(stm, segment_term_matrix(tokens, min_segments=1))
    # an empty partition (every token filtered out) changes nothing, dtypes included
    empty = segment_counts(tokens.iloc[:0])
    with_empty = {key: pd.concat([empty[key], counts[key]], ignore_index=True) for key in counts}
    assert_same_matrix(segment_term_matrix(tokens, min_segments=1, counts=with_empty), stm)
    # document variables (the period, an organiser) are carried to the segments from the documents
    corpus = as_corpus(tokens)
    corpus = dataclasses.replace(corpus, documents=corpus.documents.assign(organiser=["CNFPT", "MEAE"]))
    carried = segment_term_matrix(corpus, min_segments=1, extra=("period", "organiser"))
    assert carried.segments.values.tolist() == [["s1", "a", 2012, "2010-2014", "CNFPT", 2],
                                                ["s2", "a", 2012, "2010-2014", "CNFPT", 1],
                                                ["s3", "b", 2025, "2025-2029", "MEAE", 2]]  # fmt: skip
    assert list(carried.segments.columns) == [
        "segment_id",
        "doc_id",
        "year",
        "period",
        "organiser",
        "n_terms",
    ]
    # the part-of-speech filter is decided on the whole corpus: an untagged partition is still filtered
    untagged = [parts[0].assign(pos=["", "ADJ"]), parts[1].assign(pos="")]
    whole = segment_term_matrix(pd.concat(untagged[::-1], ignore_index=True), min_segments=1)
    assert whole.terms.tolist() == ["coopération_décentralisée"]
    assert_same_matrix(from_partitions(untagged, min_segments=1), whole)


def test_planted_partitions_give_the_same_classification():
    tokens, truth = planted_tokens(k=3, shared=5, seed=7)
    parts = [tokens[tokens["doc_id"].isin(docs)] for docs in (["d0", "d1"], ["d2"], ["d3", "d4"])]
    stm = from_partitions(parts)
    assert_same_matrix(stm, segment_term_matrix(tokens))
    a, b = reinert(stm, k=3), reinert(tokens, k=3)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    assert _is_exact_partition(_confusion(a, truth), 3)


def test_seed_reinert_from_partitions_equals_the_whole(seed_corpus, seed_corpus_on_disk):
    tokens = select_tokens(seed_corpus.tokens)
    whole = reinert(tokens, k=5, extra=("period",))
    # as the report does: segment counts per partition gathered in one pass, the period from the documents
    counts = seed_corpus_on_disk.map_tokens(segment_counts)
    stm = segment_term_matrix(seed_corpus_on_disk, extra=("period",), counts=counts)
    assert_same_matrix(stm, whole.stm)
    assert_same_matrix(segment_term_matrix(seed_corpus_on_disk, extra=("period",)), stm)
    parted = reinert(stm, k=5)
    pd.testing.assert_frame_equal(parted.segments, whole.segments, check_exact=True)
    pd.testing.assert_frame_equal(parted.splits, whole.splits, check_exact=True)
    pd.testing.assert_frame_equal(parted.classes, whole.classes, check_exact=True)
    pd.testing.assert_frame_equal(class_profiles(parted), class_profiles(whole), check_exact=True)
    assert (len(parted.segments), parted.params["n_terms"]) == (434, 655)
    assert parted.classes["n_segments"].tolist() == [76, 80, 219, 3, 56]
    plain = dataclasses.replace(stm, segments=stm.segments.drop(columns="period"))
    assert_same_matrix(plain, segment_term_matrix(tokens))


def test_best_cut_is_the_dense_argmax_to_the_bit():
    # the running χ² only picks candidates; the cut and its χ² are the dense computation's, ties included
    from aictlab.reinert import classify

    rng = np.random.default_rng(0)
    for trial in range(40):
        n, m = int(rng.integers(3, 300)), int(rng.integers(3, 200))
        x = (rng.random((n, m)) < rng.uniform(0.02, 0.3)).astype(float)
        x = x[:, x.sum(axis=0) > 0]
        if x.shape[1] < 2:
            continue
        if trial % 3 == 0:
            x = np.vstack([x, x])  # repeated rows: tied cuts
        xs = sparse.csr_matrix(x)
        dense = classify._cut_chi2(xs)
        cut, chi2 = classify._best_cut(xs)
        assert cut == int(np.argmax(dense)) and chi2 == dense[cut]
        finite = np.isfinite(dense)
        running = classify._cut_chi2_running(xs)
        np.testing.assert_allclose(running[finite], dense[finite], rtol=1e-9, atol=1e-9)
