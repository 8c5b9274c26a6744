"""The corpus stage on the seeds and on small in-memory corpora: units, counts, cache."""

from __future__ import annotations

import os
import re
import shutil

import pandas as pd
import pytest
from conftest import RAW, split_on_disk

from aictlab.corpus import build_corpus, corpus_overview, load_corpus, select_tokens
from aictlab.errors import CorpusError


def test_seed_documents_and_years(seed_corpus):
    docs = seed_corpus.documents
    assert docs["year"].tolist() == [2012, 2017, 2023, 2023, 2025]
    assert {
        "title",
        "organiser",
        "genre",
        "date_evidence",
        "source_file",
        "sha256",
        "raw_text",
        "text",
    } <= set(docs)


def test_every_table_carries_doc_id_and_year(seed_corpus):
    for name in ("paragraphs", "segments", "tokens"):
        table = getattr(seed_corpus, name)
        assert {"doc_id", "year"} <= set(table.columns), name
        assert table.groupby("doc_id")["year"].nunique().eq(1).all()


def test_mwe_counted_once_on_the_seeds(seed_corpus):
    """Each 'coopération(s) décentralisée(s)' of the clean text is one token, none is left split."""
    tokens = seed_corpus.tokens
    for doc_id, text in seed_corpus.documents.set_index("doc_id")["text"].items():
        expected = len(re.findall(r"coopérations? décentralisées?", text, flags=re.IGNORECASE))
        found = ((tokens["doc_id"] == doc_id) & (tokens["lemma"] == "coopération_décentralisée")).sum()
        assert found == expected, doc_id
    lemmas = tokens["lemma"].tolist()
    assert not any(
        a == "coopération" and b.startswith("décentralis") for a, b in zip(lemmas, lemmas[1:], strict=False)
    )
    assert (tokens["lemma"] == "coopération_décentralisée").sum() >= 50


def test_segments_are_about_forty_words(seed_corpus):
    segments = seed_corpus.segments[~seed_corpus.segments["is_structure"]]
    assert 35 <= segments["n_tokens"].median() <= 45
    tokens = seed_corpus.tokens
    assert tokens.groupby("seg_id")["doc_id"].nunique().eq(1).all()
    assert tokens.groupby("seg_id")[["is_duplicate", "is_structure"]].nunique().eq(1).all().all()
    assert (
        segments["n_tokens"].sum()
        + seed_corpus.segments.loc[seed_corpus.segments["is_structure"], "n_tokens"].sum()
        == tokens["is_word"].sum()
    )


def test_seed_counts_per_document(seed_corpus):
    overview = seed_corpus.summary().set_index("doc_id")
    # measured once and written down: a change to cleaning or tokenisation must show up here
    assert overview["tokens"].to_dict() == {
        "cnfpt_2012": 4709,
        "ciedel_2017": 6091,
        "cuf_2023_programme": 1077,
        "cuf_2023_compte_rendu": 4555,
        "meae_2025": 2039,
    }
    assert overview["segments"].sum() == len(seed_corpus.segments)


def test_select_tokens_filters():
    tokens = pd.DataFrame(
        {
            "is_word": [True, True, True, False],
            "is_duplicate": [False, True, False, False],
            "is_structure": [False, False, True, False],
        }
    )
    assert select_tokens(tokens).index.tolist() == [0]
    assert select_tokens(tokens, keep_duplicates=True).index.tolist() == [0, 1]
    assert select_tokens(tokens, keep_structure=True, words_only=False).index.tolist() == [0, 2, 3]


def test_build_corpus_in_memory():
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "date": ["2012-05", "2025"],
            "text": ["La solidarité internationale. La paix.", "L'attractivité du territoire."],
            "organiser": ["x", "y"],
        }
    )
    corpus = build_corpus(docs)
    assert corpus.documents["year"].tolist() == [2012, 2025]
    assert corpus.documents["organiser"].tolist() == ["x", "y"]  # document variables travel
    words = corpus.tokens[corpus.tokens["is_word"]]
    assert words.groupby("doc_id").size().to_dict() == {"a": 4, "b": 4}
    assert "solidarité_internationale" in set(words["lemma"])


def test_cache_hit_and_invalidation(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(RAW, folder)
    cache = tmp_path / "processed"
    first = load_corpus(folder, lemmatizer="simplemma", cache_dir=cache)
    entries = list((cache / "corpus").iterdir())
    assert len(entries) == 1 and (entries[0] / "tokens.parquet").is_file()
    second = load_corpus(folder, lemmatizer="simplemma", cache_dir=cache)
    assert second.cache_key == first.cache_key
    pd.testing.assert_frame_equal(first.tokens, second.tokens, check_dtype=False)
    pd.testing.assert_frame_equal(first.documents, second.documents, check_dtype=False)
    # a changed setting is another key
    third = load_corpus(folder, lemmatizer="simplemma", segment_size=30, cache_dir=cache)
    assert third.cache_key != first.cache_key and len(list((cache / "corpus").iterdir())) == 2
    # a changed document (metadata without sha256) is another key and another corpus hash
    meta = (folder / "metadata.csv").read_text(encoding="utf-8")
    (folder / "metadata.csv").write_text(re.sub(r",[0-9a-f]{64},", ",,", meta), encoding="utf-8")
    path = folder / "2025-11-18_meae-dgm_assises-diplomatie-parlementaire-cooperation-decentralisee.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté.\n", encoding="utf-8")
    fourth = load_corpus(folder, lemmatizer="simplemma", cache_dir=cache)
    assert fourth.corpus_hash != first.corpus_hash
    assert fourth.cache_key not in {first.cache_key, third.cache_key}


def test_no_temporary_folders_left(tmp_path):
    load_corpus(RAW, lemmatizer="simplemma", cache_dir=tmp_path)
    assert [p.name for p in (tmp_path / "corpus").iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_lemmatizers_share_tokens_and_segments(seed_corpus, seed_corpus_simplemma):
    a, b = seed_corpus.tokens, seed_corpus_simplemma.tokens
    assert a["token"].tolist() == b["token"].tolist()
    assert a["seg_id"].tolist() == b["seg_id"].tolist()
    differing = (a["lemma"] != b["lemma"]).mean()
    assert 0 < differing < 0.2


def test_map_tokens_reads_partitions_one_at_a_time_with_the_whole_tables_labels(tmp_path):
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "date": ["2012", "2016", "2025"],
            "text": ["La paix. La paix durable.", "Le jumelage.", "L'attractivité, enfin."],
        }
    )
    corpus = build_corpus(docs, lemmatizer="simplemma")
    on_disk = split_on_disk(corpus, tmp_path, n_parts=2)  # parts: {a, b} and {c}
    assert on_disk.tokens is None and len(on_disk.token_files) == 2
    sizes = [len(p) for p in on_disk.token_parts()]
    # a: La paix . La paix durable . (7 rows); b: Le jumelage . (3); c: L' attractivité , enfin . (5)
    assert sizes == [10, 5] and on_disk.n_tokens == 15 == len(corpus.tokens)

    def per_doc(tokens):
        return tokens.groupby("doc_id").size().rename("n").reset_index()

    got = on_disk.map_tokens(per_doc)  # word tokens, duplicates and timetable lines out
    assert got.values.tolist() == [["a", 5], ["b", 2], ["c", 3]]
    pd.testing.assert_frame_equal(got, corpus.map_tokens(per_doc))
    # rows keep the labels they have in the whole table (matches that cite rows agree)
    labels = on_disk.map_tokens(lambda t: pd.DataFrame({"row": t.index}), select=False)["row"].tolist()
    assert labels == list(range(15))
    both = on_disk.map_tokens(lambda t: {"n": per_doc(t), "rows": (t.head(1), t.tail(1))})
    assert both["n"].equals(got) and [len(f) for f in both["rows"]] == [2, 2]
    pd.testing.assert_frame_equal(on_disk.read_tokens(), corpus.tokens, check_exact=True)
    with pytest.raises(TypeError, match="cannot combine"):
        on_disk.map_tokens(len)


def test_overview_from_token_partitions_equals_the_in_memory_one(seed_corpus, seed_corpus_on_disk):
    overview = corpus_overview(seed_corpus_on_disk)
    pd.testing.assert_frame_equal(overview, corpus_overview(seed_corpus), check_exact=True)
    assert overview["tokens_counted"].tolist() == [4709, 6091, 114, 4482, 2036]


def _seed_documents() -> pd.DataFrame:
    """The seeds' checked metadata with their raw texts: the input of cleaning."""
    from aictlab.io import check_corpus_folder, read_texts

    meta = check_corpus_folder(RAW)
    meta["raw_text"] = read_texts(RAW, meta)
    return meta


def _cleaning_recorder(monkeypatch):
    """Make the pipeline's cleaning record the process it ran in (column ``cleaned_in``), and loading the
    spaCy pipeline a no-op that reports it was not loaded: the build's cleaning is then forked (when it can)."""
    from aictlab import nlp, pipeline
    from aictlab.pipeline import clean_documents

    def recorded(documents):
        docs, paragraphs = clean_documents(documents)
        return docs.assign(cleaned_in=os.getpid()), paragraphs

    monkeypatch.setattr(pipeline, "clean_documents", recorded)
    monkeypatch.setattr(nlp, "pipeline_loaded", lambda lemmatizer="spacy": False)
    monkeypatch.setattr(nlp, "spacy_pipeline", lambda lemmatizer="spacy": None)


def test_a_build_cleans_in_a_forked_process_while_the_model_loads_with_the_same_tables(monkeypatch):
    from aictlab.pipeline import clean_documents, clean_while_loading

    meta = _seed_documents()
    expected_docs, expected_paragraphs = clean_documents(meta.copy())
    _cleaning_recorder(monkeypatch)
    docs, paragraphs = clean_while_loading(meta.copy(), "spacy")
    if (os.cpu_count() or 1) > 1:
        assert (docs.pop("cleaned_in") != os.getpid()).all()  # another process cleaned
    else:
        docs = docs.drop(columns="cleaned_in")
    pd.testing.assert_frame_equal(docs, expected_docs)
    pd.testing.assert_frame_equal(paragraphs, expected_paragraphs)
    assert len(paragraphs) == 548  # the seed documents' paragraphs


def test_a_build_whose_model_is_loaded_cleans_here(monkeypatch):
    from aictlab import nlp
    from aictlab.pipeline import clean_while_loading

    _cleaning_recorder(monkeypatch)
    monkeypatch.setattr(nlp, "pipeline_loaded", lambda lemmatizer="spacy": True)
    docs, _ = clean_while_loading(_seed_documents(), "simplemma")
    assert (docs["cleaned_in"] == os.getpid()).all()


def test_a_document_left_empty_by_cleaning_in_the_forked_process_is_named(tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("La coopération décentralisée.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Titre courant du rapport\n\n3\n\n" * 3, encoding="utf-8")  # header, pages
    (folder / "metadata.csv").write_text("doc_id,date,file\na,2012,a.txt\nb,2025,b.txt\n", encoding="utf-8")
    _cleaning_recorder(monkeypatch)
    with pytest.raises(CorpusError, match=r"metadata.csv row 2 \(doc_id 'b'\): no text left after cleaning"):
        load_corpus(folder, cache_dir=None)
