"""Frame drift from partition-wise aggregates: a hand-worked token table split by document gives the same
segment counts, hits and KWIC lines as the whole table, and on the seed corpus every measure computed on a
corpus whose tokens stay on disk in partitions equals the same measure on the in-memory token table, exactly,
through the same entry points."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import split_on_disk

from aictlab import coding, drift, frames, robustness
from aictlab.config import Settings
from aictlab.corpus import as_corpus, select_tokens
from aictlab.errors import AictlabError
from aictlab.lexicon import load_lexicon

LEX = load_lexicon()
N_BOOT = 200
PAIR = ("solidarite", "attractivite")


# ---------------------------------------------------------------------------------------------- hand-worked
def _doc(doc_id, year, segments):
    """Token rows of one document from ``[(seg_id, [lemma, ...]), ...]``: "." and "," are punctuation
    (not words), every other lemma is its own surface form and a word; one sentence per segment."""
    rows = []
    for sent, (seg, lemmas) in enumerate(segments):
        for lemma in lemmas:
            rows.append(
                {
                    "doc_id": doc_id, "seg_id": seg, "sent_id": sent, "tok_pos": len(rows), "token": lemma,
                    "lemma": lemma, "is_word": lemma not in {".", ","}, "space_after": True,
                    "is_structure": False, "is_duplicate": False, "year": year,
                }
            )  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def hand():
    """Document b (2025) before a (2012) in the table, as a corpus keeps its own document order.

    b: b_s0 "le attractivité de le territoire" (A: attractivité), b_s1 ". aide au développement partenaire"
    (S: aide au développement [core], partenaire [extended]); a: a_s0 "solidarité aide , au développement"
    (S: solidarité; the comma breaks "aide au développement"), a_s1 "." (no word token), a_s2 "paix
    rayonnement" (S: paix, A: rayonnement).
    """
    b = _doc(
        "b",
        2025,
        [("b_s0", ["le", "attractivité", "de", "le", "territoire"]),
         ("b_s1", [".", "aide", "au", "développement", "partenaire"])],
    )  # fmt: skip
    a = _doc(
        "a",
        2012,
        [("a_s0", ["solidarité", "aide", ",", "au", "développement"]), ("a_s1", ["."]),
         ("a_s2", ["paix", "rayonnement"])],
    )  # fmt: skip
    return pd.DataFrame(b + a)  # labels 0-9 for b, 10-17 for a


def _on_disk(parts, folder):
    """A corpus whose tokens are the given partitions, on disk, in this order (as the Dask engine leaves them)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, part in enumerate(parts):
        path = folder / f"part.{i:05d}.parquet"
        part.to_parquet(path, index=False)
        files.append(path)
    return dataclasses.replace(as_corpus(pd.concat(parts)), tokens=None, token_files=tuple(files))


def _same(split, expected):
    for key in ("segments", "kwic"):
        pd.testing.assert_frame_equal(getattr(split, key), getattr(expected, key), check_exact=True)
    for tier in ("extended", "core"):
        pd.testing.assert_frame_equal(split.matches[tier], expected.matches[tier], check_exact=True)
    pd.testing.assert_frame_equal(split.documents, expected.documents, check_exact=True)


def test_hand_worked_aggregates_are_the_same_whole_or_split(hand, tmp_path):
    whole = frames.frame_data(hand, LEX, window=2)
    b, a = hand[hand.doc_id.eq("b")], hand[hand.doc_id.eq("a")]
    c = pd.DataFrame(_doc("c", 2013, [("c_s0", ["le", "ville"])]), index=[18, 19])  # no hit
    with_c = frames.frame_data(pd.concat([hand, c]), LEX, window=2)
    # an empty partition or one without any hit changes neither values nor types
    cases = [
        (whole, [b, a]),
        (whole, [hand.iloc[:0], b, a]),
        (with_c, [b, a, c]),
        (with_c, [b, pd.concat([a, c])]),
    ]
    for i, (expected, parts) in enumerate(cases):
        corpus = _on_disk(parts, tmp_path / str(i))
        assert corpus.tokens is None
        _same(frames.frame_data(corpus, LEX, window=2), expected)

    seg = whole.segments
    assert seg["seg_id"].tolist() == ["a_s0", "a_s2", "a_s1", "b_s0", "b_s1"]  # no word token: last
    assert seg["n_tokens"].tolist() == [4, 2, 0, 5, 4]  # punctuation never counts
    assert seg["tok_pos"].tolist()[:2] == [0, 6] and np.isnan(seg["tok_pos"].iloc[2])
    assert seg["tok_pos"].tolist()[3:] == [0, 6]  # b_s1 starts at its first word, after the "."
    assert seg["year"].tolist() == [2012, 2012, 2012, 2025, 2025]
    assert whole.documents[["doc_id", "period"]].values.tolist() == [["a", "2010-2014"], ["b", "2025-2029"]]
    assert list(whole.frames) == list(PAIR)

    ext = whole.matches["extended"]
    got = ext[["doc_id", "tok_pos", "term", "frame", "index_start", "index_end"]].values.tolist()
    assert got == [
        ["a", 0, "solidarité", "solidarite", 10, 10],
        ["a", 6, "paix", "solidarite", 16, 16],
        ["a", 7, "rayonnement", "attractivite", 17, 17],
        ["b", 1, "attractivité", "attractivite", 1, 1],
        ["b", 6, "aide au développement", "solidarite", 6, 8],  # row labels of the whole table
        ["b", 9, "partenaire", "solidarite", 9, 9],
    ]
    assert "partenaire" not in set(whole.matches["core"]["term"])  # extended tier only
    assert len(whole.matches["core"]) == 5

    lines = whole.kwic.set_index(["doc_id", "start"])
    assert lines.loc[("b", 6), ["left", "keyword", "right"]].tolist() == [
        "territoire .",
        "aide au développement",
        "partenaire",
    ]
    assert lines.loc[("a", 0), ["left", "keyword", "right"]].tolist() == ["", "solidarité", "aide ,"]

    counts = frames.frame_counts(seg, ext, frames=PAIR).set_index("seg_id")
    assert counts.index.tolist() == ["a_s0", "a_s2", "b_s0", "b_s1"]  # a_s1 has no word token: dropped
    assert counts[["n_tokens", "solidarite", "attractivite", "both"]].values.tolist() == [
        [4, 1, 0, 0],
        [2, 1, 1, 1],
        [5, 0, 1, 0],
        [4, 2, 0, 0],
    ]


def test_hand_worked_drift_on_disk_equals_in_memory(hand, tmp_path):
    corpus = _on_disk([hand[hand.doc_id.eq("b")], hand[hand.doc_id.eq("a")]], tmp_path)
    res = drift.measure_drift(corpus, LEX, n_boot=50)
    doc = res.by_document.set_index("doc_id")
    assert doc[["tokens", "solidarite", "attractivite", "n_segments"]].values.tolist() == [
        [6, 2, 1, 2],
        [9, 2, 1, 2],
    ]
    assert doc.loc["a", "drift_index"] == pytest.approx(np.log2(1.5 / 2.5))
    whole = drift.measure_drift(select_tokens(hand, words_only=False), LEX, n_boot=50)
    precomputed = drift.measure_drift(frames.frame_data(corpus, LEX), n_boot=50)
    for other in (whole, precomputed):
        pd.testing.assert_frame_equal(res.by_document, other.by_document, check_exact=True)
        pd.testing.assert_frame_equal(res.change, other.change, check_exact=True)
    with pytest.raises(AictlabError, match="need a lexicon"):
        drift.measure_drift(corpus)


def test_merge_documents_relabels_the_aggregates(hand):
    data = frames.frame_data(select_tokens(hand, words_only=False), LEX)
    with pytest.raises(AictlabError, match="differ in year"):
        frames.merge_documents(data.segments, data.matches["extended"], {"a": "b"})
    same_year = hand.assign(year=2025)
    data = frames.frame_data(select_tokens(same_year, words_only=False), LEX)
    seg, m = frames.merge_documents(data.segments, data.matches["extended"], {"a": "b"})
    counts = frames.frame_counts(seg, m, frames=PAIR)
    # one unit; its segments interleave by position (a_s0 and b_s0 both start at 0: ties by segment id)
    assert counts["doc_id"].unique().tolist() == ["b"]
    assert counts["seg_id"].tolist() == ["a_s0", "b_s0", "a_s2", "b_s1"]
    assert counts[["solidarite", "attractivite"]].sum().tolist() == [4, 2]


# ---------------------------------------------------------------------------------------------- seed corpus
@pytest.fixture(scope="module")
def seed_tokens(seed_corpus):
    return select_tokens(seed_corpus.tokens, words_only=False)


@pytest.fixture(scope="module")
def on_disk_data(seed_corpus_on_disk):
    return frames.frame_data(seed_corpus_on_disk, LEX)


@pytest.fixture
def no_whole_table(monkeypatch, seed_corpus_on_disk):
    """Reading the whole token table of a corpus fails: every measure must go through its partitions."""

    def refuse(self):
        raise AssertionError("the whole token table was read")

    monkeypatch.setattr(type(seed_corpus_on_disk), "read_tokens", refuse)


@pytest.mark.slow
def test_seed_aggregates_on_disk_equal_in_memory(seed_corpus_on_disk, seed_tokens, on_disk_data):
    assert seed_corpus_on_disk.tokens is None and len(seed_corpus_on_disk.token_files) == 3
    whole = frames.frame_data(seed_tokens, LEX)
    for tier in ("extended", "core"):
        pd.testing.assert_frame_equal(on_disk_data.matches[tier], whole.matches[tier], check_exact=True)
    pd.testing.assert_frame_equal(on_disk_data.segments, whole.segments, check_exact=True)
    pd.testing.assert_frame_equal(on_disk_data.kwic, whole.kwic, check_exact=True)
    cols = ["doc_id", "period", "start_year", "end_year"]
    pd.testing.assert_frame_equal(on_disk_data.documents[cols], whole.documents[cols], check_dtype=False)
    assert len(on_disk_data.matches["extended"]) > 100


@pytest.mark.slow
@pytest.mark.usefixtures("no_whole_table")
def test_seed_drift_on_disk_equals_in_memory(seed_corpus, seed_corpus_on_disk, seed_tokens, on_disk_data):
    merge = frames.contained_documents(seed_corpus.overlap)
    assert merge  # the merge path is exercised
    use_coding = coding.load_use_coding()
    ref = drift.measure_drift(seed_tokens, LEX, n_boot=N_BOOT, merge=merge)
    # the corpus on disk and its precomputed aggregates go through the same entry point
    for data in (seed_corpus_on_disk, on_disk_data):
        res = drift.measure_drift(data, LEX, n_boot=N_BOOT, merge=merge)
        for name in (
            "by_document",
            "by_year",
            "by_period",
            "change",
            "frame_rates",
            "frame_terms",
            "matches",
        ):
            pd.testing.assert_frame_equal(getattr(res, name), getattr(ref, name), check_exact=True, obj=name)
    assert ref.by_period["tokens"].sum() == seed_tokens["is_word"].sum()

    kwic_ref = coding.kwic_frames(seed_tokens, LEX, coding=use_coding)
    for data in (seed_corpus_on_disk, on_disk_data):
        pd.testing.assert_frame_equal(
            coding.kwic_frames(data, LEX, coding=use_coding), kwic_ref, check_exact=True
        )
    # the hand coding covers the hits of frames.yaml 1.0 (tests/test_drift.py); hits new in 2.0 are uncoded
    assert kwic_ref["keyword"].str.len().gt(0).all() and kwic_ref["use_coded_by"].eq("hand").mean() > 0.8

    mvu_ref = coding.mention_vs_use(seed_tokens, LEX, n_boot=N_BOOT, merge=merge, coding=use_coding)
    for data in (seed_corpus_on_disk, on_disk_data):
        mvu = coding.mention_vs_use(data, LEX, n_boot=N_BOOT, merge=merge, coding=use_coding)
        pd.testing.assert_frame_equal(mvu, mvu_ref, check_exact=True)
    # the mention document comes from the coding's document-level row, not from the code
    assert mvu_ref["variant"].unique().tolist() == [
        "all documents",
        "without ciedel_2017",
        "only hits coded use",
    ]


def test_corpus_variants_follow_the_settings():
    assert robustness.corpus_variants(Settings()) == {
        "duplicates kept": {"keep_duplicates": True},
        "lemmatizer: simplemma": {"lemmatizer": "simplemma"},
        "segment size 30": {"segment_size": 30},
        "segment size 60": {"segment_size": 60},
    }
    other = Settings(lemmatizer="simplemma", segment_size=30, keep_duplicates=True)
    assert robustness.corpus_variants(other) == {
        "duplicates removed": {"keep_duplicates": False},
        "lemmatizer: spacy": {"lemmatizer": "spacy"},
        "segment size 60": {"segment_size": 60},
    }


@pytest.mark.slow
@pytest.mark.usefixtures("no_whole_table")
def test_seed_robustness_on_disk_equals_in_memory(
    seed_corpus, seed_corpus_on_disk, seed_corpus_simplemma, seed_tokens, tmp_path
):
    merge = frames.contained_documents(seed_corpus.overlap)
    use_coding = coding.load_use_coding()
    simplemma_on_disk = split_on_disk(seed_corpus_simplemma, tmp_path / "simplemma", 2)
    # the variant corpora, built by the caller (the report loads them; the segment sizes reuse the main
    # corpus here: enough to check the plumbing without two more spaCy runs)
    corpora = {
        "duplicates kept": seed_corpus_on_disk.select(keep_duplicates=True),
        "lemmatizer: simplemma": simplemma_on_disk,
        "segment size 30": seed_corpus_on_disk,
        "segment size 60": seed_corpus_on_disk,
    }
    kw = {"n_boot": 50, "extra_seeds": (1,), "merge": merge, "coding": use_coding}
    panel = robustness.robustness_panel(seed_corpus_on_disk, LEX, alternatives=corpora, **kw)

    tables = {
        "duplicates kept": select_tokens(seed_corpus.tokens, keep_duplicates=True, words_only=False),
        "lemmatizer: simplemma": select_tokens(seed_corpus_simplemma.tokens, words_only=False),
        "segment size 30": seed_tokens,
        "segment size 60": seed_tokens,
    }
    ref = robustness.robustness_panel(seed_tokens, LEX, alternatives=tables, **kw)
    pd.testing.assert_frame_equal(panel, ref, check_exact=True)
    # precomputed aggregates (as the report passes them) give the same panel
    aggregates = {
        name: frames.frame_data(c, LEX, tiers=("extended",), window=None) for name, c in corpora.items()
    }
    main = frames.frame_data(seed_corpus_on_disk, LEX, window=None)
    pd.testing.assert_frame_equal(
        robustness.robustness_panel(main, alternatives=aggregates, **kw), ref, check_exact=True
    )
    by = panel.set_index("variant")
    assert {"main", "core terms only", "only hits coded use", "bootstrap seed 1"} <= set(by.index)
    # the alternatives really are other corpora: more tokens with duplicates, other lemmas with simplemma
    assert aggregates["duplicates kept"].segments["n_tokens"].sum() > main.segments["n_tokens"].sum()
    assert set(aggregates["lemmatizer: simplemma"].matches["extended"]["lemma"]) != set(
        main.matches["extended"]["lemma"]
    )
    assert by.loc["segment size 30", "drift_change"] == by.loc["main", "drift_change"]


def test_kwic_frames_entry_point_uses_the_same_lines(hand):
    tokens = select_tokens(hand, words_only=False)
    k = coding.kwic_frames(tokens, LEX, window=2, mention_documents=("a",))
    data = frames.frame_data(tokens, LEX, window=2)
    pd.testing.assert_frame_equal(k, coding.kwic_frames(data, window=2, mention_documents=("a",)))
    assert k[["doc_id", "keyword", "use"]].values.tolist()[:3] == [
        ["a", "solidarité", "mention"],
        ["a", "paix", "mention"],
        ["a", "rayonnement", "mention"],
    ]
    assert set(k.loc[k.doc_id.eq("b"), "use"]) == {"use"}
    with pytest.raises(AictlabError, match="window 3 were not computed"):
        coding.kwic_frames(data, window=3)
    no_hit = pd.DataFrame(_doc("c", 2013, [("c_s0", ["le", "ville"])]))
    assert coding.kwic_frames(no_hit, LEX).empty


def test_frame_data_of_a_corpus_follows_its_selection(hand):
    flagged = hand.assign(is_duplicate=hand["seg_id"].eq("b_s1"))
    corpus = as_corpus(flagged)  # a token table is taken as selected: everything counts
    dropped = frames.frame_data(corpus.select(keep_duplicates=False), LEX, window=None)
    kept = frames.frame_data(corpus.select(keep_duplicates=True), LEX, window=None)
    assert kept.segments["n_tokens"].sum() - dropped.segments["n_tokens"].sum() == 4  # b_s1's words
    assert "b_s1" not in set(dropped.segments["seg_id"])
    # b_s1's hits: aide au développement, partenaire
    assert len(kept.matches["extended"]) - len(dropped.matches["extended"]) == 2
