"""Segments cut at the sentence end nearest 40 words, worked out by hand."""

from __future__ import annotations

import pandas as pd

from aictlab.segment import segment_ids, segments_table


def sentences(lengths, doc="d", structure=None):
    """A token table: one sentence per length (that many words, then a full stop)."""
    rows = []
    pos = 0
    for s, n in enumerate(lengths):
        flag = bool(structure and s in structure)
        for _ in range(n):
            rows.append((doc, s, pos, "mot", True, flag))
            pos += 1
        rows.append((doc, s, pos, ".", False, flag))
        pos += 1
    return pd.DataFrame(
        rows, columns=["doc_id", "sent_id", "tok_pos", "token", "is_word", "is_structure"]
    ).assign(is_duplicate=False, space_after=True, year=2020)


def words_per_segment(tokens, size=40):
    ids = segment_ids(tokens, size=size)
    return tokens.assign(seg_id=ids).groupby("seg_id", sort=False)["is_word"].sum().tolist()


def test_greedy_cut_nearest_to_size():
    # 10 +25 -> 35 (closer to 40 than 10); +10 -> 45 (|5| <= |5|); +30 would give 75: new segment; 30 + 5 -> 35
    assert words_per_segment(sentences([10, 25, 10, 30, 5])) == [45, 35]


def test_last_stub_joins_previous():
    assert words_per_segment(sentences([40, 10])) == [50]
    assert words_per_segment(sentences([40, 20])) == [40, 20]


def test_long_sentence_is_cut():
    assert words_per_segment(sentences([100])) == [40, 40, 20]
    assert words_per_segment(sentences([90])) == [40, 50]


def test_segments_never_cross_documents_or_status():
    tokens = pd.concat([sentences([30, 30], doc="a"), sentences([30], doc="b")], ignore_index=True)
    ids = segment_ids(tokens)
    assert ids.tolist()[0] == "a_s0000" and ids.tolist()[-1] == "b_s0000"
    assert words_per_segment(sentences([30, 5, 30], structure={1})) == [30, 5, 30]


def test_segments_table_text_and_counts():
    tokens = sentences([3, 2])
    tokens["seg_id"] = segment_ids(tokens)
    table = segments_table(tokens)
    assert table[["seg_id", "seg_pos", "n_tokens"]].values.tolist() == [["d_s0000", 0, 5]]
    assert table.loc[0, "text"] == "mot mot mot . mot mot ."
