"""Frame drift from partition-wise aggregates: a hand-worked token table split by document gives the same
segment counts, hits and KWIC lines as the whole table, and on the seed corpus the drift tables computed
from tokens left on disk in partitions equal those of the in-memory token table, exactly."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from conftest import split_on_disk

from aictlab import drift
from aictlab.config import Settings
from aictlab.corpus import combine_parts, select_tokens
from aictlab.lexicon import load_lexicon, match_terms

LEX = load_lexicon()
N_BOOT = 200


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


def _map_over(parts):
    """A ``Corpus.map_tokens`` over the given partitions (each keeping its row labels)."""

    def map_tokens(func, *, words_only=True):
        return combine_parts([func(select_tokens(p, words_only=words_only)) for p in parts])

    return map_tokens


def test_hand_worked_aggregates_are_the_same_whole_or_split(hand):
    whole = drift.sort_frame_data(drift.frame_data(hand, LEX, window=2))
    b, a = hand[hand.doc_id.eq("b")], hand[hand.doc_id.eq("a")]
    c = pd.DataFrame(_doc("c", 2013, [("c_s0", ["le", "ville"])]), index=[18, 19])  # no hit
    with_c = drift.sort_frame_data(drift.frame_data(pd.concat([hand, c]), LEX, window=2))
    # any order of the partitions; an empty partition or one without any hit changes neither values nor types
    cases = [(whole, [b, a]), (whole, [a, b]), (whole, [hand.iloc[:0], b, a]), (with_c, [c, b, a])]
    for expected, parts in cases:
        split = drift.collect_frame_data(_map_over(parts), LEX, window=2)
        for key in ("segments", "kwic"):
            pd.testing.assert_frame_equal(split[key], expected[key], check_exact=True)
        for tier in ("extended", "core"):
            pd.testing.assert_frame_equal(split["matches"][tier], expected["matches"][tier], check_exact=True)

    seg = whole["segments"]
    assert seg["seg_id"].tolist() == ["a_s0", "a_s2", "a_s1", "b_s0", "b_s1"]  # no word token: last
    assert seg["tokens"].tolist() == [4, 2, 0, 5, 4]  # punctuation never counts
    assert seg["seg_order"].tolist()[:2] == [0, 6] and np.isnan(seg["seg_order"].iloc[2])
    assert seg["seg_order"].tolist()[3:] == [0, 6]  # b_s1 starts at its first word, after the "."
    assert seg["year"].tolist() == [2012, 2012, 2012, 2025, 2025]

    ext = whole["matches"]["extended"]
    got = ext[["doc_id", "tok_pos", "term", "frame", "index_start", "index_end"]].values.tolist()
    assert got == [
        ["a", 0, "solidarité", "solidarite", 10, 10],
        ["a", 6, "paix", "solidarite", 16, 16],
        ["a", 7, "rayonnement", "attractivite", 17, 17],
        ["b", 1, "attractivité", "attractivite", 1, 1],
        ["b", 6, "aide au développement", "solidarite", 6, 8],  # row labels of the whole table
        ["b", 9, "partenaire", "solidarite", 9, 9],
    ]
    assert "partenaire" not in set(whole["matches"]["core"]["term"])  # extended tier only
    assert len(whole["matches"]["core"]) == 5

    lines = whole["kwic"].set_index(["doc_id", "start"])
    assert lines.loc[("b", 6), ["left", "keyword", "right"]].tolist() == [
        "territoire .",
        "aide au développement",
        "partenaire",
    ]
    assert lines.loc[("a", 0), ["left", "keyword", "right"]].tolist() == ["", "solidarité", "aide ,"]

    counts = drift.frame_counts(whole["segments"], ext).set_index("seg_id")
    assert counts.index.tolist() == ["a_s0", "a_s2", "b_s0", "b_s1"]  # a_s1 has no word token: dropped
    assert counts[["tokens", "solidarite", "attractivite", "both"]].values.tolist() == [
        [4, 1, 0, 0],
        [2, 1, 1, 1],
        [5, 0, 1, 0],
        [4, 2, 0, 0],
    ]
    # the token-table entry point is the same code on the one table
    pd.testing.assert_frame_equal(drift.segment_frame_counts(hand, ext), drift.frame_counts(seg, ext))


def test_hand_worked_drift_from_aggregates(hand):
    data = drift.collect_frame_data(_map_over([hand[hand.doc_id.eq("b")], hand[hand.doc_id.eq("a")]]), LEX)
    res = drift.drift_from_segments(data["segments"], data["matches"]["extended"], n_boot=50)
    doc = res.by_document.set_index("doc_id")
    assert doc[["tokens", "solidarite", "attractivite", "n_segments"]].values.tolist() == [
        [6, 2, 1, 2],
        [9, 2, 1, 2],
    ]
    assert doc.loc["a", "drift_index"] == pytest.approx(np.log2(1.5 / 2.5))
    whole = drift.measure_drift(select_tokens(hand, words_only=False), LEX, n_boot=50)
    pd.testing.assert_frame_equal(res.by_document, whole.by_document, check_exact=True)
    pd.testing.assert_frame_equal(res.change, whole.change, check_exact=True)


def test_merge_documents_relabels_the_aggregates(hand):
    data = drift.frame_data(select_tokens(hand, words_only=False), LEX)
    with pytest.raises(drift.AictlabError, match="differ in year"):
        drift.merge_documents(data["segments"], data["matches"]["extended"], {"a": "b"})
    same_year = hand.assign(year=2025)
    data = drift.frame_data(select_tokens(same_year, words_only=False), LEX)
    seg, m = drift.merge_documents(data["segments"], data["matches"]["extended"], {"a": "b"})
    counts = drift.frame_counts(seg, m)
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
    return drift.collect_frame_data(seed_corpus_on_disk.map_tokens, LEX)


@pytest.fixture
def no_whole_table(monkeypatch, seed_corpus_on_disk):
    """Reading the whole token table of a corpus fails: every measure must go through its partitions."""

    def refuse(self):
        raise AssertionError("the whole token table was read")

    monkeypatch.setattr(type(seed_corpus_on_disk), "read_tokens", refuse)


@pytest.mark.slow
def test_seed_aggregates_on_disk_equal_in_memory(seed_corpus_on_disk, seed_tokens, on_disk_data):
    assert seed_corpus_on_disk.tokens is None and len(seed_corpus_on_disk.token_files) == 3
    whole = drift.frame_data(seed_tokens, LEX)
    for tier in ("extended", "core"):
        pd.testing.assert_frame_equal(on_disk_data["matches"][tier], whole["matches"][tier], check_exact=True)
    pd.testing.assert_frame_equal(on_disk_data["segments"], whole["segments"], check_exact=True)
    pd.testing.assert_frame_equal(on_disk_data["kwic"], whole["kwic"], check_exact=True)
    assert len(on_disk_data["matches"]["extended"]) > 100


@pytest.mark.slow
def test_seed_drift_on_disk_equals_in_memory(seed_corpus, seed_tokens, on_disk_data):
    merge = drift.contained_documents(seed_corpus.overlap)
    assert merge  # the merge path is exercised
    coding = drift.load_use_coding()
    segments, matches = on_disk_data["segments"], on_disk_data["matches"]["extended"]
    res = drift.drift_from_segments(segments, matches, n_boot=N_BOOT, merge=merge)
    ref = drift.measure_drift(seed_tokens, LEX, n_boot=N_BOOT, merge=merge)
    for name in ("by_document", "by_year", "by_period", "change", "frame_rates", "frame_terms", "matches"):
        pd.testing.assert_frame_equal(getattr(res, name), getattr(ref, name), check_exact=True, obj=name)
    assert res.by_period["tokens"].sum() == seed_tokens["is_word"].sum()

    kwic = drift.kwic_frames_from_lines(matches, on_disk_data["kwic"], coding=coding)
    kwic_ref = drift.kwic_frames(seed_tokens, match_terms(seed_tokens, LEX), coding=coding)
    pd.testing.assert_frame_equal(kwic, kwic_ref, check_exact=True)
    assert kwic["keyword"].str.len().gt(0).all() and kwic["use_coded_by"].eq("hand").all()

    mvu = drift.mention_vs_use_from_segments(segments, matches, n_boot=N_BOOT, merge=merge, coding=coding)
    mvu_ref = drift.mention_vs_use(seed_tokens, LEX, n_boot=N_BOOT, merge=merge, coding=coding)
    pd.testing.assert_frame_equal(mvu, mvu_ref, check_exact=True)
    assert mvu["variant"].unique().tolist() == ["all documents", "without ciedel_2017", "only hits coded use"]


@pytest.mark.slow
@pytest.mark.usefixtures("no_whole_table")
def test_seed_robustness_on_disk_equals_in_memory(
    seed_corpus, seed_corpus_on_disk, seed_corpus_simplemma, seed_tokens, tmp_path
):
    merge = drift.contained_documents(seed_corpus.overlap)
    coding = drift.load_use_coding()
    simplemma_on_disk = split_on_disk(seed_corpus_simplemma, tmp_path / "simplemma", 2)
    loaded = []

    def load(**overrides):
        # stands in for ReportContext.load_corpus: the lemmatizer variant is real, the segment sizes reuse the
        # main corpus (enough to check the plumbing without two more spaCy runs)
        loaded.append(overrides)
        return simplemma_on_disk if "lemmatizer" in overrides else seed_corpus_on_disk

    alternatives = drift.robustness_alternatives(Settings(), seed_corpus_on_disk, load=load)
    assert loaded == [{"lemmatizer": "simplemma"}, {"segment_size": 30}, {"segment_size": 60}]
    assert list(alternatives) == [
        "duplicates kept",
        "lemmatizer: simplemma",
        "segment size 30",
        "segment size 60",
    ]
    data = drift.collect_frame_data(seed_corpus_on_disk.map_tokens, LEX, window=None)
    panel = drift.robustness_from_segments(
        data["segments"], data["matches"]["extended"], core_matches=data["matches"]["core"],
        alternatives=alternatives, n_boot=50, extra_seeds=(1,), merge=merge, coding=coding,
    )  # fmt: skip

    tables = {
        "duplicates kept": select_tokens(seed_corpus.tokens, keep_duplicates=True, words_only=False),
        "lemmatizer: simplemma": select_tokens(seed_corpus_simplemma.tokens, words_only=False),
        "segment size 30": seed_tokens,
        "segment size 60": seed_tokens,
    }
    ref = drift.robustness_panel(
        seed_tokens, LEX, alternatives=tables, n_boot=50, extra_seeds=(1,), merge=merge, coding=coding
    )
    pd.testing.assert_frame_equal(panel, ref, check_exact=True)
    # the token-table entry point also takes the aggregates robustness_alternatives returns
    pd.testing.assert_frame_equal(
        drift.robustness_panel(
            seed_tokens,
            LEX,
            alternatives=alternatives,
            n_boot=50,
            extra_seeds=(1,),
            merge=merge,
            coding=coding,
        ),
        ref,
        check_exact=True,
    )
    by = panel.set_index("variant")
    assert {"main", "core terms only", "only hits coded use", "bootstrap seed 1"} <= set(by.index)
    # the alternatives really are other corpora: more tokens with duplicates, other lemmas with simplemma
    assert alternatives["duplicates kept"][0]["tokens"].sum() > data["segments"]["tokens"].sum()
    assert set(alternatives["lemmatizer: simplemma"][1]["lemma"]) != set(data["matches"]["extended"]["lemma"])
    assert by.loc["segment size 30", "drift_change"] == by.loc["main", "drift_change"]


def test_kwic_frames_entry_point_uses_the_same_lines(hand):
    tokens = select_tokens(hand, words_only=False)
    m = match_terms(tokens, LEX)
    k = drift.kwic_frames(tokens, m, window=2, mention_documents=("a",))
    lines = drift.hit_contexts(tokens, m, window=2)
    pd.testing.assert_frame_equal(k, drift.kwic_frames_from_lines(m, lines, mention_documents=("a",)))
    assert k[["doc_id", "keyword"]].values.tolist()[:3] == [
        ["a", "solidarité"],
        ["a", "paix"],
        ["a", "rayonnement"],
    ]
    assert drift.kwic_frames(tokens, m.iloc[:0]).empty


def test_map_tokens_partial_of_a_corpus_is_accepted(hand):
    # robustness_alternatives binds keep_duplicates with functools.partial: the same call shape
    calls = []

    def map_tokens(func, *, keep_duplicates=False, words_only=True):
        calls.append((keep_duplicates, words_only))
        return func(select_tokens(hand, keep_duplicates=keep_duplicates, words_only=words_only))

    drift.collect_frame_data(functools.partial(map_tokens, keep_duplicates=True), LEX, tiers=("extended",))
    assert calls == [(True, False)]
