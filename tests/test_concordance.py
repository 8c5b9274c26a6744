"""Collocations, bigrams and concordances from aggregates gathered partition by partition: the counts of
partitions of whole documents add up to those of the whole table (by hand, and on the seed corpus on disk)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from aictlab.concordance import bigram_counts, collocations, cooccurrences, kwic, top_bigrams
from aictlab.corpus import combine_parts, select_tokens

NODES = ["coopération", "coopération_décentralisée", "solidarité", "attractivité", "territoire"]


def make_tokens(docs: dict[str, str], stop=("le", "de")) -> pd.DataFrame:
    """One row per word of ``docs`` (sentences separated by ``|``), with the token table's columns."""
    rows = []
    for doc, text in docs.items():
        for sent_id, sentence in enumerate(text.split(" | ")):
            for word in sentence.split():
                rows.append((doc, sent_id, word, word.lower(), word.lower() in stop))
    frame = pd.DataFrame(rows, columns=["doc_id", "sent_id", "token", "lemma", "is_stop"])
    frame["tok_pos"] = frame.groupby("doc_id").cumcount()
    return frame.assign(year=2012, is_word=True, is_punct=False, space_after=True)


def by_document(tokens: pd.DataFrame, func) -> object:
    """``func`` on each document apart, results combined as ``Corpus.map_tokens`` combines partitions."""
    return combine_parts([func(part) for _, part in tokens.groupby("doc_id", sort=False)])


def test_two_partitions_by_hand():
    # doc a: x N b N c   doc b: N le b   (N = node, span 1); windows never cross documents
    tokens = make_tokens({"a": "x n b n c", "b": "n le b"})
    counts = by_document(tokens, partial(cooccurrences, nodes=["n"], span=1))
    terms = counts["terms"].groupby("term")["n"].sum()
    assert terms.to_dict() == {"b": 2, "c": 1, "le": 1, "n": 3, "x": 1}
    # per document: doc a has 2 nodes and 2 + 2 slots, doc b 1 node and 1 slot
    assert counts["windows"][["doc_id", "node_freq", "window_slots"]].values.tolist() == [
        ["a", 2, 4],
        ["b", 1, 1],
    ]
    parted = collocations(tokens, ["n"], span=1, min_pmi_cofreq=1, counts=counts)
    pd.testing.assert_frame_equal(parted, collocations(tokens, ["n"], span=1, min_pmi_cofreq=1))
    res = parted.set_index("collocate")
    # R1 = 2 + 2 slots in doc a, 1 in doc b (its first token has no left neighbour); N = 5 + 3 tokens
    assert res["window_slots"].unique().tolist() == [5] and res["n_tokens"].unique().tolist() == [8]
    assert res.loc["b", "cofreq"] == 2 and res.loc["b", "collocate_freq"] == 2 and res.loc["x", "cofreq"] == 1
    assert res.loc["c", "cofreq"] == 1  # not 2: doc a's last token is not in the window of doc b's first
    assert "le" not in res.index  # a stop word fills a slot but is not reported
    assert res.loc["b", "pmi"] == pytest.approx(np.log2(2 / (5 * 2 / 8)))

    pairs = by_document(tokens, bigram_counts)["pairs"]
    assert pairs.groupby(["term1", "term2"])["count"].sum().to_dict() == {
        ("b", "n"): 1, ("le", "b"): 1, ("n", "b"): 1, ("n", "c"): 1, ("n", "le"): 1, ("x", "n"): 1,
    }  # fmt: skip
    bigrams = top_bigrams(tokens, min_count=1, n=None, counts=by_document(tokens, bigram_counts))
    pd.testing.assert_frame_equal(bigrams, top_bigrams(tokens, min_count=1, n=None))
    assert "c n" not in set(bigrams["bigram"])  # the end of doc a and the start of doc b are not a pair


def concat_all(results: list):
    """Per-partition results concatenated key by key, empty ones included (they carry object columns)."""
    if isinstance(results[0], dict):
        return {key: concat_all([r[key] for r in results]) for key in results[0]}
    return pd.concat(results, ignore_index=True)


def test_empty_partition_changes_nothing():
    # a partition whose tokens were all filtered out gives empty aggregates; the tables keep the whole's dtypes
    tokens = make_tokens({"a": "coopération ville coopération paix", "b": "coopération ville"})
    empty = tokens.iloc[:0]
    whole = collocations(tokens, ["coopération"], span=2)
    counts = concat_all([cooccurrences(t, ["coopération"], span=2) for t in (empty, tokens)])
    pd.testing.assert_frame_equal(collocations(tokens, ["coopération"], span=2, counts=counts), whole)
    pairs = concat_all([bigram_counts(t) for t in (empty, tokens)])
    pd.testing.assert_frame_equal(
        top_bigrams(tokens, min_count=1, counts=pairs), top_bigrams(tokens, min_count=1)
    )
    lines = concat_all([kwic(t, ["ville"], window=1) for t in (empty, tokens)])
    pd.testing.assert_frame_equal(lines, kwic(tokens, ["ville"], window=1))
    assert lines["start"].tolist() == [1, 1] and lines["left"].tolist() == ["coopération", "coopération"]


@pytest.mark.parametrize("group", [None, "period"])
def test_seed_collocations_from_partitions_equal_the_whole(seed_corpus, seed_corpus_on_disk, group):
    whole = collocations(
        select_tokens(seed_corpus.tokens), NODES, span=5, group=group, periods=10, min_cofreq=2
    )
    # tokens on disk, counted per document one partition at a time; documents pooled into periods
    parted = collocations(seed_corpus_on_disk, NODES, span=5, group=group, periods=10, min_cofreq=2)
    pd.testing.assert_frame_equal(parted, whole, check_exact=True)
    # as the report does: counts of more nodes gathered in one pass, then the nodes asked for
    counts = seed_corpus_on_disk.map_tokens(partial(cooccurrences, nodes=[*NODES, "paix"], span=5))
    pd.testing.assert_frame_equal(
        collocations(
            seed_corpus_on_disk, NODES, span=5, group=group, periods=10, min_cofreq=2, counts=counts
        ),
        whole,
        check_exact=True,
    )
    coop = parted[parted["node"] == "coopération"].groupby("group")[["node_freq", "window_slots", "n_tokens"]]
    if group is None:  # one group over the three partitions
        assert coop.first().loc["all"].tolist() == [45, 450, 17432]
        top = parted[parted["node"] == "coopération"].iloc[0]
        assert top[["collocate", "cofreq", "collocate_freq"]].tolist() == ["diyarbakir", 3, 5]
    else:  # 2020-2029 spans two partitions
        assert coop.first().to_dict("index") == {
            "2010-2019": {"node_freq": 27, "window_slots": 270, "n_tokens": 10800},
            "2020-2029": {"node_freq": 18, "window_slots": 180, "n_tokens": 6632},
        }


def test_seed_bigrams_and_kwic_from_partitions_equal_the_whole(seed_corpus, seed_corpus_on_disk):
    whole = top_bigrams(select_tokens(seed_corpus.tokens), min_count=3, n=200)
    parted = top_bigrams(seed_corpus_on_disk, min_count=3, n=200)
    pd.testing.assert_frame_equal(parted, whole, check_exact=True)
    assert parted.iloc[0][["bigram", "count", "freq1", "freq2"]].tolist() == ["politique public", 14, 71, 33]

    words = select_tokens(seed_corpus.tokens, words_only=False)
    lines = seed_corpus_on_disk.map_tokens(partial(kwic, terms=["attractivité"], window=5), words_only=False)
    pd.testing.assert_frame_equal(lines, kwic(words, ["attractivité"], window=5))
    assert lines["doc_id"].value_counts().to_dict() == {
        "ciedel_2017": 23,
        "meae_2025": 2,
        "cuf_2023_compte_rendu": 1,
    }
    assert lines.iloc[0][["start", "left", "right"]].tolist() == [
        590,
        "visent prioritairement à soutenir l'",
        "de leur territoire, la",
    ]


def test_kwic_with_terms_per_document_searches_each_for_its_own():
    """With a mapping, each document's lines are those of a search of that document for its own terms: in b
    « n » is not searched, so « n x » is not cut; c, not named, gives no line."""
    tokens = make_tokens({"a": "y n x z", "b": "n x n y", "c": "n x y"})
    own = {"a": ["n x", "z"], "b": ["x"]}
    lines = kwic(tokens, own, window=1)
    expected = pd.concat(
        [kwic(tokens[tokens["doc_id"].eq(doc)], terms, window=1) for doc, terms in own.items()],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(lines, expected)
    assert lines[["doc_id", "start", "term", "left", "keyword", "right"]].values.tolist() == [
        ["a", 1, "n x", "y", "n x", "z"],
        ["a", 3, "z", "x", "z", ""],
        ["b", 1, "x", "n", "x", "n"],
    ]
