"""Segments cut at the sentence end nearest 40 words, worked out by hand."""

from __future__ import annotations

import pandas as pd

from aictlab.segment import Segmenter, segment_ids, segments_table


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


def test_segmenter_keeps_one_start_and_label_per_segment():
    # the table of test_greedy_cut_nearest_to_size: 11 + 26 + 11 tokens, then 31 + 6 (45 and 35 words)
    segmenter = Segmenter(size=40)
    segmenter.feed(sentences([10, 25, 10, 30, 5]))
    starts, labels = segmenter.finish()
    assert starts.tolist() == [0, 48]
    assert labels.tolist() == ["d_s0000", "d_s0001"]
    assert segmenter.seg_ids(46, 50).tolist() == ["d_s0000", "d_s0000", "d_s0001", "d_s0001"]


def streamed_ids(tokens, cuts, size=40):
    segmenter = Segmenter(size=size)
    for start, stop in zip([0, *cuts], [*cuts, len(tokens)], strict=True):
        segmenter.feed(tokens.iloc[start:stop])
    segmenter.finish()
    return segmenter.seg_ids(0, len(tokens)).tolist()


def test_segments_of_a_stream_fed_in_pieces_are_those_of_the_whole_table():
    # what bounded memory on big documents rests on (pipeline.stream_tokens feeds the NLP chunks one by one):
    # two documents, a structure run, sentences of every kind (a long one cut in pieces, a short last one
    # that joins the previous segment), fed in pieces cut anywhere, even inside a sentence or a segment
    tokens = pd.concat(
        [
            sentences([12, 30, 3, 95, 8, 20, 41, 2], doc="a", structure={2, 3}),
            sentences([5, 60, 33, 17, 1, 28], doc="b", structure={5}),
        ],
        ignore_index=True,
    )
    tokens.loc[tokens.index % 7 == 3, "is_word"] = False  # some tokens without letters inside sentences
    whole = segment_ids(tokens, size=20).tolist()
    assert len(set(whole)) == 14
    for cut in range(len(tokens) + 1):  # every single cut
        assert streamed_ids(tokens, [cut], size=20) == whole, cut
    assert streamed_ids(tokens, list(range(1, len(tokens))), size=20) == whole  # one token at a time
    assert streamed_ids(tokens, [40, 40, 41, 200, 333], size=20) == whole  # an empty piece too
