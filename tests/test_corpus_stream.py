"""The streamed corpus stage (bounded memory on big documents, issue 16) gives the tables of the whole-table path.

The streamed path cuts the token table into chunks (here of a few hundred rows, so that chunk ends fall inside
documents, sentences and segments), spools them to parquet and writes the tokens partition by partition; the
corpus it returns reads them from disk. Everything must equal the in-memory build, row for row.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import RAW

from aictlab import corpus as corpus_module
from aictlab import nlp, pipeline
from aictlab.cache import TABLES
from aictlab.config import mwe_file
from aictlab.corpus import load_corpus


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The seeds, simplemma, built the whole-table way (tokens in memory)."""
    return load_corpus(RAW, lemmatizer="simplemma", cache_dir=tmp_path_factory.mktemp("whole"))


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def test_token_chunks_concatenate_to_the_token_table(reference, monkeypatch):
    paragraphs = reference.paragraphs[["doc_id", "para_id", "text", "is_structure", "is_duplicate", "year"]]
    mwes = nlp.read_mwes(mwe_file(None))
    chunks = list(nlp.token_chunks(paragraphs, lemmatizer="simplemma", mwes=mwes, chunk_tokens=500))
    assert len(chunks) > 10
    # a chunk ends at a paragraph end, never before chunk_tokens rows (but the last)
    assert all(len(c) >= 500 for c in chunks[:-1])
    whole = pd.concat(chunks, ignore_index=True)
    expected = reference.tokens.drop(columns=["seg_id"])
    _frames_equal(whole[expected.columns], expected)


def test_stream_tokens_gives_the_tables_of_the_whole_table_path(reference, tmp_path, monkeypatch):
    monkeypatch.setattr(nlp, "CHUNK_TOKENS", 333)  # chunk ends fall inside segments
    paragraphs = reference.paragraphs[["doc_id", "para_id", "para_pos", "year", "text", "is_structure"]]
    paragraphs = paragraphs.assign(is_duplicate=reference.paragraphs["is_duplicate"])
    mwes = nlp.read_mwes(mwe_file(None))
    out = pipeline.stream_tokens(
        paragraphs, tmp_path / "part.00000.parquet", lemmatizer="simplemma", segment_size=40, mwes=mwes
    )
    assert out["tokens"] is None
    assert out["n_tokens"] == len(reference.tokens)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part.00000.parquet"]  # spool file removed
    _frames_equal(pd.read_parquet(tmp_path / "part.00000.parquet"), reference.tokens)
    _frames_equal(out["segments"], reference.segments)
    _frames_equal(out["document_totals"], pipeline.document_totals(reference.tokens))


def test_large_corpus_streams_tokens_to_disk_and_stays_there_on_a_cache_hit(reference, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "IN_MEMORY_CHARS", 0)  # every corpus counts as large
    monkeypatch.setattr(corpus_module, "IN_MEMORY_TOKENS", 0)
    monkeypatch.setattr(nlp, "CHUNK_TOKENS", 1000)
    cache = tmp_path / "processed"
    calls: list[tuple[int, int, int, int]] = []
    loaded = {}
    for attempt in ("cold", "hit"):
        streamed = load_corpus(
            RAW, lemmatizer="simplemma", cache_dir=cache, progress=lambda *a: calls.append(a)
        )
        assert streamed.tokens is None, attempt
        assert all(cache in f.parents and f.parent.name == "tokens" for f in streamed.token_files), attempt
        assert streamed.n_tokens == len(reference.tokens)
        _frames_equal(streamed.read_tokens(), reference.tokens)
        for name in TABLES:
            if name != "tokens":
                _frames_equal(getattr(streamed, name), getattr(reference, name))
        assert streamed.cache_key == reference.cache_key
        loaded[attempt] = streamed
    # the cold build keeps the tables it built (no second copy read back): they are the cache hit's, dtypes too
    for name in TABLES:
        if name != "tokens":
            pd.testing.assert_frame_equal(getattr(loaded["cold"], name), getattr(loaded["hit"], name))
    assert loaded["cold"].token_files == loaded["hit"].token_files
    assert (loaded["cold"].settings, loaded["cold"].corpus_hash) == (
        loaded["hit"].settings,
        reference.corpus_hash,
    )
    # progress: over the characters of the paragraphs, once at least (the end), never on the cache hit
    total = int(reference.paragraphs["text"].str.len().sum())
    n_docs = len(reference.documents)
    assert calls[-1] == (total, total, n_docs, n_docs)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert all(c[1] == total and c[3] == n_docs for c in calls)
    assert all(0 <= c[2] <= n_docs for c in calls)


def test_spacy_in_two_processes_gives_the_tokens_of_one(reference):
    paragraphs = reference.paragraphs[["doc_id", "para_id", "text", "is_structure", "is_duplicate", "year"]]
    paragraphs = paragraphs.iloc[:300]
    mwes = nlp.read_mwes(mwe_file(None))
    one = pd.concat(nlp.token_chunks(paragraphs, lemmatizer="spacy", mwes=mwes), ignore_index=True)
    two = pd.concat(
        nlp.token_chunks(paragraphs, lemmatizer="spacy", mwes=mwes, n_process=2), ignore_index=True
    )
    assert len(one) > 5000
    pd.testing.assert_frame_equal(one, two)


def test_nlp_rows_cached_by_paragraph_so_a_new_document_does_not_redo_the_others(
    reference, tmp_path, monkeypatch
):
    import shutil

    folder = tmp_path / "corpus"
    shutil.copytree(RAW, folder)
    metadata = (folder / "metadata.csv").read_text(encoding="utf-8")
    lines = metadata.splitlines(keepends=True)
    header_and_first = "".join(lines[:-1])  # every document but the last
    (folder / "metadata.csv").write_text(header_and_first, encoding="utf-8")
    cache = tmp_path / "processed"
    load_corpus(folder, lemmatizer="simplemma", cache_dir=cache)

    seen: list[str] = []
    iter_tokens = nlp.iter_tokens

    def counting(texts, **kwargs):
        texts = list(texts)
        seen.extend(texts)
        return iter_tokens(texts, **kwargs)

    monkeypatch.setattr(nlp, "iter_tokens", counting)
    (folder / "metadata.csv").write_text(metadata, encoding="utf-8")  # the last document added
    grown = load_corpus(folder, lemmatizer="simplemma", cache_dir=cache)
    new_doc = reference.documents["doc_id"].iloc[-1]
    new_texts = reference.paragraphs.loc[reference.paragraphs["doc_id"] == new_doc, "text"]
    old_texts = set(reference.paragraphs.loc[reference.paragraphs["doc_id"] != new_doc, "text"])
    assert seen and set(seen) <= set(new_texts) and set(seen).isdisjoint(old_texts)
    assert sorted(seen) == sorted(t for t in new_texts if t not in old_texts)
    for name in TABLES:
        _frames_equal(getattr(grown, name), getattr(reference, name))
