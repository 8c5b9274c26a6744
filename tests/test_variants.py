"""Corpus variants derived from a built corpus give the tables of a build under the new setting."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import RAW, split_on_disk

from aictlab.corpus import load_corpus
from aictlab.errors import CorpusError
from aictlab.variants import DerivedCorpus, derive_corpus, resegment_tokens


def _same_tables(derived, built):
    pd.testing.assert_frame_equal(
        derived.read_tokens().reset_index(drop=True), built.read_tokens().reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(
        derived.segments.reset_index(drop=True), built.segments.reset_index(drop=True)
    )
    assert derived.settings == built.settings


@pytest.mark.slow
@pytest.mark.parametrize("size", [30, 60])
def test_resegmented_corpus_is_the_built_one(seed_corpus_simplemma, processed_dir, size):
    built = load_corpus(RAW, lemmatizer="simplemma", segment_size=size, cache_dir=processed_dir)
    derived = derive_corpus(seed_corpus_simplemma, segment_size=size)
    _same_tables(derived, built)
    # the segment count moves the way the size says (not the same segments under another name)
    assert len(derived.segments) != len(seed_corpus_simplemma.segments)
    assert derived.cache_key not in ("", seed_corpus_simplemma.cache_key)


@pytest.mark.slow
def test_resegmented_on_disk_corpus_reads_partition_by_partition(
    seed_corpus_simplemma, processed_dir, tmp_path
):
    on_disk = split_on_disk(seed_corpus_simplemma, tmp_path / "parts")
    derived = derive_corpus(on_disk, segment_size=60)
    assert isinstance(derived, DerivedCorpus) and derived.tokens is None
    built = load_corpus(RAW, lemmatizer="simplemma", segment_size=60, cache_dir=processed_dir)
    _same_tables(derived, built)
    # map_tokens sees the new segments in every partition
    per_part = derived.map_tokens(lambda t: t[["seg_id"]].drop_duplicates(), select=False)
    assert sorted(per_part["seg_id"]) == sorted(built.segments["seg_id"])


@pytest.mark.slow
def test_other_lemmatizer_is_the_built_one(seed_corpus, seed_corpus_simplemma):
    derived = derive_corpus(seed_corpus, lemmatizer="simplemma")
    _same_tables(derived, seed_corpus_simplemma)
    assert (derived.read_tokens()["lemma"] != seed_corpus.tokens["lemma"]).any()


@pytest.mark.slow
@pytest.mark.parametrize("size", [None, 60])
def test_other_lemmatizer_on_disk_is_read_partition_by_partition(
    seed_corpus, seed_corpus_simplemma, processed_dir, tmp_path, size
):
    # spaCy -> simplemma changes only the lemmas: no NLP, the tokens stay on disk
    on_disk = split_on_disk(seed_corpus, tmp_path / "parts")
    derived = derive_corpus(on_disk, lemmatizer="simplemma", segment_size=size)
    assert isinstance(derived, DerivedCorpus) and derived.tokens is None
    built = (
        seed_corpus_simplemma
        if size is None
        else load_corpus(RAW, lemmatizer="simplemma", segment_size=size, cache_dir=processed_dir)
    )
    _same_tables(derived, built)
    assert derived.settings["lemmatizer"] == "simplemma"


@pytest.mark.slow
def test_spacy_variant_keeps_its_nlp_by_paragraph(seed_corpus, seed_corpus_simplemma, tmp_path):
    first = derive_corpus(seed_corpus_simplemma, lemmatizer="spacy", cache_dir=tmp_path)
    _same_tables(first, seed_corpus)
    shards = sorted((tmp_path / "nlp").rglob("shard-*.parquet"))
    assert len(shards) == 1  # the paragraphs' spaCy rows, stored once
    again = derive_corpus(seed_corpus_simplemma, lemmatizer="spacy", cache_dir=tmp_path)
    _same_tables(again, seed_corpus)
    assert sorted((tmp_path / "nlp").rglob("shard-*.parquet")) == shards  # all read back, nothing new


def test_simplemma_tokens_keep_joined_expressions():
    from aictlab.config import mwe_file
    from aictlab.variants import simplemma_tokens

    tokens = pd.DataFrame(
        {
            "token": ["Les", "coopération décentralisée", "CT", "mot_clé", "villes"],
            "lemma": ["le", "coopération_décentralisée", "collectivité_territoriale", "mot_clé", "ville"],
            "pos": ["DET", "NOUN", "NOUN", "NOUN", "NOUN"],
        },
        index=[10, 11, 12, 13, 14],
    )
    out = simplemma_tokens(tokens, mwe_file(None))
    assert out["lemma"].tolist() == [
        "le",
        "coopération_décentralisée",
        "collectivité_territoriale",
        "mot_clé",
        "ville",
    ]
    assert out["pos"].tolist() == [""] * 5
    assert out.index.tolist() == [10, 11, 12, 13, 14]


def test_no_change_is_the_corpus_itself(seed_corpus_simplemma):
    assert (
        derive_corpus(seed_corpus_simplemma, segment_size=40, lemmatizer="simplemma") is seed_corpus_simplemma
    )


def test_resegment_tokens_hand_worked():
    # one document, four 10-word sentences: size 20 -> two segments of 20 words; size 40 -> one segment
    tokens = pd.DataFrame(
        {
            "doc_id": "d",
            "seg_id": "d_s0000",
            "sent_id": [s for s in range(4) for _ in range(10)],
            "is_word": True,
        }
    )
    assert resegment_tokens(tokens, 20)["seg_id"].value_counts().to_dict() == {"d_s0000": 20, "d_s0001": 20}
    assert resegment_tokens(tokens, 40)["seg_id"].unique().tolist() == ["d_s0000"]


def test_other_mwe_file_is_refused(seed_corpus_simplemma, tmp_path):
    other = tmp_path / "mwe.txt"
    other.write_text("coopération décentralisée\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="multi-word expression file"):
        derive_corpus(seed_corpus_simplemma, lemmatizer="spacy", mwe_path=other)
