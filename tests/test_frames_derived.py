"""The segment-size and duplicate variants of the robustness panel reuse the run's hits where the variant
cannot change them, and give the frame aggregates of the derived corpus itself (session 26, issue 15)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import make_tokens, split_on_disk

from aictlab import frames
from aictlab.corpus import as_corpus
from aictlab.lexicon import load_lexicon
from aictlab.variants import derive_corpus, resegment_tokens


def _same(got: frames.FrameData, expected: frames.FrameData) -> None:
    pd.testing.assert_frame_equal(got.documents, expected.documents)
    pd.testing.assert_frame_equal(got.segments, expected.segments)
    assert list(got.matches) == list(expected.matches) == ["extended"]
    pd.testing.assert_frame_equal(got.matches["extended"], expected.matches["extended"])
    assert (got.frames, got.params, got.kwic, got.window) == (expected.frames, expected.params, None, None)


@pytest.fixture(scope="module")
def two_documents():
    """Document ``a``: one sentence of 100 words, « aide au développement » at words 58-60 (a segment of 40
    words holds it; segments of 30 cut the sentence between words 59 and 60). Document ``b``: sentences of
    10 words, a hit of each frame (every segment boundary is a sentence boundary)."""
    a = ["ville"] * 100
    a[58:61] = ["aide", "au", "développement"]
    b = ["région"] * 120
    b[15], b[95] = "solidarité", "attractivité"
    tokens = make_tokens([("a", 2010, a), ("b", 2020, b)], seg_size=10)
    tokens.loc[tokens["doc_id"].eq("a"), "sent_id"] = 0
    return resegment_tokens(tokens, 40)


def test_hand_worked_variant_rematches_only_the_cut_document(two_documents):
    lexicon = load_lexicon()
    corpus = as_corpus(two_documents, periods=[2010, 2015])
    data = frames.frame_data(corpus, lexicon, periods=[2010, 2015])
    main = data.hits("extended")
    assert main[["doc_id", "tok_pos", "term"]].values.tolist() == [
        ["a", 58, "aide au développement"],
        ["b", 15, "solidarité"],
        ["b", 95, "attractivité"],
    ]
    new = resegment_tokens(two_documents, 30)
    assert frames.cut_documents(new, two_documents["seg_id"]) == {"a"}
    got = frames.derived_frame_data(corpus, data, lexicon, segment_size=30)
    expected = frames.frame_data(
        as_corpus(new, periods=[2010, 2015]), lexicon, tiers=("extended",), window=None
    )
    _same(got, expected)
    # the cut sentence loses its expression; b keeps its hits in its new segments (4 -> 3 sentences each)
    hits = got.hits("extended")
    assert hits[["doc_id", "tok_pos", "seg_id"]].values.tolist() == [
        ["b", 15, "b_s0000"],
        ["b", 95, "b_s0003"],
    ]
    assert main.loc[main["doc_id"].eq("b"), "seg_id"].tolist() == ["b_s0000", "b_s0002"]


@pytest.mark.slow
@pytest.mark.parametrize("size, keep", [(30, False), (60, False), (None, True), (30, True)])
def test_variant_is_the_derived_corpus_one(seed_corpus, size, keep):
    lexicon = load_lexicon()
    corpus = seed_corpus.select(keep_duplicates=False)
    data = frames.frame_data(corpus, lexicon, periods=5)
    expected = frames.frame_data(
        derive_corpus(corpus, segment_size=size).select(keep_duplicates=keep),
        lexicon,
        periods=5,
        tiers=("extended",),
        window=None,
    )
    got = frames.derived_frame_data(corpus, data, lexicon, segment_size=size, keep_duplicates=keep)
    _same(got, expected)
    if keep and size is None:  # the duplicate paragraphs' hits are counted again
        assert len(got.hits("extended")) > len(data.hits("extended"))


@pytest.mark.slow
def test_variant_on_disk_reads_partition_by_partition(seed_corpus, tmp_path):
    lexicon = load_lexicon()
    in_memory = seed_corpus.select(keep_duplicates=True)
    on_disk = split_on_disk(seed_corpus, tmp_path / "parts").select(keep_duplicates=True)
    data = frames.frame_data(in_memory, lexicon, periods=5)
    on_disk_data = frames.frame_data(on_disk, lexicon, periods=5)
    _same(
        frames.derived_frame_data(on_disk, on_disk_data, lexicon, segment_size=30, keep_duplicates=False),
        frames.derived_frame_data(in_memory, data, lexicon, segment_size=30, keep_duplicates=False),
    )


@pytest.mark.slow
def test_report_variants_of_an_on_disk_corpus_run_no_nlp(seed_corpus, tmp_path):
    """spaCy -> simplemma and other segment sizes of a corpus whose tokens stay on disk (the Dask engine's
    layout) are derived from its tokens, not loaded again (a second NLP pass): the aggregates of the
    in-memory corpus."""
    from aictlab.config import Settings
    from aictlab.report import part_frames
    from aictlab.report.context import ReportContext

    lexicon = load_lexicon()
    settings = Settings(root=tmp_path, use_cache=False)

    def variants(corpus):
        ctx = ReportContext(settings=settings, corpus=corpus)
        ctx.load_corpus = None  # not called: a call would fail
        data = frames.frame_data(corpus.select(keep_duplicates=False), lexicon, periods=settings.periods)
        return part_frames._variant_aggregates(ctx, lexicon, data)

    on_disk = variants(split_on_disk(seed_corpus, tmp_path / "parts"))
    in_memory = variants(seed_corpus)
    assert list(on_disk) == list(in_memory) == ["duplicates kept", "lemmatizer: simplemma", "segment size 30",
                                                "segment size 60"]  # fmt: skip
    for name, got in on_disk.items():
        pd.testing.assert_frame_equal(got.segments, in_memory[name].segments)
        pd.testing.assert_frame_equal(got.hits("extended"), in_memory[name].hits("extended"))
