"""The Dask engine gives the tables of the in-memory engine, from partition-wise work in worker processes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW, split_on_disk

from aictlab import engine, pipeline
from aictlab.cache import TABLES
from aictlab.corpus import build_corpus, document_totals, load_corpus, read_iramuteq, store_corpus
from aictlab.errors import CorpusError, SettingsError
from aictlab.io import check_corpus_folder, read_texts


@pytest.fixture(scope="module")
def client():
    """A 2-worker LocalCluster (single-threaded worker processes), shared by the module's tests."""
    with engine.dask_client(n_workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def seed_documents() -> pd.DataFrame:
    """The seed documents as load_corpus hands them to build_corpus."""
    meta = check_corpus_folder(RAW)
    meta["raw_text"] = read_texts(RAW, meta)
    meta["_where"] = str(RAW / "metadata.csv")
    return meta


@pytest.fixture(scope="module")
def dask_seeds(client, seed_documents, tmp_path_factory):
    tokens_dir = tmp_path_factory.mktemp("dask") / "tokens"
    result = engine.process_corpus(seed_documents, scheduler=client, tokens_dir=tokens_dir)
    return result, tokens_dir


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def test_partition_bounds_keep_documents_whole_and_balance_workers():
    # target = min(100, ceil(200 / 4)) = 50 characters
    assert engine.partition_bounds([30, 30, 30, 30, 80], partition_chars=100, n_workers=2) == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
    ]
    # one worker: target = min(100, 100) -> runs of at most 100 characters; a 150-character document alone
    assert engine.partition_bounds([40, 40, 40, 150, 10], partition_chars=100, n_workers=1) == [
        (0, 2),
        (2, 3),
        (3, 4),
        (4, 5),
    ]
    with pytest.raises(SettingsError, match="partition_chars"):
        engine.partition_bounds([1], partition_chars=0)


@pytest.mark.slow
def test_dask_engine_gives_identical_tables_on_the_seeds(seed_corpus, dask_seeds):
    result, tokens_dir = dask_seeds
    corpus = store_corpus(result, None)
    assert result.n_partitions >= 2  # the work was really split
    assert len(list(tokens_dir.glob("part.*.parquet"))) == result.n_partitions
    for name in TABLES:
        expected, got = getattr(seed_corpus, name), getattr(corpus, name)
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=name)
        assert _csv_bytes(got) == _csv_bytes(expected), name
    assert corpus.settings == seed_corpus.settings


@pytest.mark.slow
def test_partition_aggregates_equal_counts_of_the_whole_token_table(seed_corpus, dask_seeds):
    result, _ = dask_seeds
    totals = result.document_totals.set_index("doc_id")
    overview = seed_corpus.summary().set_index("doc_id")  # the in-memory engine's per-document counts
    assert totals["counted"].to_dict() == overview["tokens_counted"].to_dict()
    assert totals["tokens"].to_dict() == overview["tokens"].to_dict()
    # the programme is almost wholly a duplicate of the compte rendu: few of its tokens are counted
    assert totals.loc["cuf_2023_programme", "counted"] < 0.15 * totals.loc["cuf_2023_programme", "tokens"]
    assert result.n_tokens == len(seed_corpus.tokens)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask's parquet reader (pandas 3.1)
def test_tokens_stay_on_disk_and_read_back_lazily(client, seed_corpus, seed_documents, tmp_path):
    result = engine.process_corpus(
        seed_documents,
        scheduler=client,
        tokens_dir=tmp_path / "tokens",
        return_tokens=False,
        partition_chars=20_000,
    )
    assert result.tokens is None
    lazy = result.tokens_frame()
    assert lazy.npartitions == result.n_partitions
    assert int(lazy["is_word"].sum().compute()) == int(seed_corpus.tokens["is_word"].sum())
    pd.testing.assert_frame_equal(
        store_corpus(result, None).read_tokens(), seed_corpus.tokens, check_exact=True
    )


@pytest.mark.slow
def test_existing_scheduler_address_and_simplemma(client, seed_corpus_simplemma, seed_documents):
    address = client.scheduler.address  # what --scheduler tcp://host:8786 passes
    corpus = build_corpus(seed_documents, lemmatizer="simplemma", engine="dask", scheduler=address)
    for name in ("tokens", "segments", "paragraphs"):
        pd.testing.assert_frame_equal(getattr(corpus, name), getattr(seed_corpus_simplemma, name))
    assert (corpus.tokens["pos"] == "").all()


@pytest.mark.slow
def test_a_bad_document_fails_in_the_worker_with_its_row_named(client):
    documents = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "date": ["2015", "2016-02"],
            "raw_text": ["La coopération décentralisée se transforme.", "12\n\n34"],
        }
    )
    with pytest.raises(CorpusError, match=r"row 2 \(doc_id 'b'\): no text left after cleaning"):
        engine.process_corpus(documents, scheduler=client, lemmatizer="simplemma")


def test_in_process_path_equals_build_corpus_on_a_small_corpus():
    documents = pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "date": ["2014-03-01", "2024"],
            "organiser": ["Ville A", "Région B"],
            "raw_text": [
                "La solidarité internationale reste au cœur de la coopération décentralisée.\n\n"
                "Les jumelages durent.",
                "L'attractivité du territoire guide désormais l'action extérieure. Le marketing territorial aussi.",
            ],
        }
    )
    expected = build_corpus(documents, lemmatizer="simplemma")
    docs = pipeline.check_documents(documents)
    texts, rows = pipeline.clean_partition(docs)
    docs["text"] = texts
    got = pipeline.process_paragraphs(docs, pipeline.paragraphs_frame(rows), lemmatizer="simplemma")
    got = store_corpus(got, None)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), check_exact=True)
    lemmas = got.tokens["lemma"].tolist()
    assert "coopération_décentralisée" in lemmas and "marketing_territorial" in lemmas
    totals = document_totals(got.tokens).set_index("doc_id")
    # hand count: La | solidarité internationale | reste | au | cœur | de | la | coopération décentralisée
    # (8 words, the two expressions one token each) + Les | jumelages | durent (3)
    assert totals.loc["d1", "tokens"] == 11
    with pytest.raises(SettingsError, match="tokens_dir"):
        pipeline.process_paragraphs(docs, pipeline.paragraphs_frame(rows), return_tokens=False)


def test_read_token_partitions_names_an_empty_folder(tmp_path: Path):
    with pytest.raises(CorpusError, match="no token partitions"):
        pipeline.read_token_partitions(tmp_path)


@pytest.mark.slow
def test_iramuteq_file_on_the_dask_engine(client, seed_corpus_simplemma, tmp_path):
    from aictlab.iramuteq import write_iramuteq

    path = write_iramuteq(seed_corpus_simplemma, tmp_path / "seeds.txt")
    in_memory = read_iramuteq(path, lemmatizer="simplemma")
    on_dask = read_iramuteq(path, lemmatizer="simplemma", engine="dask", scheduler=client)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(on_dask, name), getattr(in_memory, name), check_exact=True)


@pytest.mark.slow
def test_load_corpus_on_dask_leaves_the_tokens_on_disk_in_the_cache(client, seed_corpus, tmp_path):
    cache = tmp_path / "processed"
    corpus = load_corpus(RAW, cache_dir=cache, engine="dask", scheduler=client)
    assert corpus.tokens is None and len(corpus.token_files) >= 2
    assert all(f.parent == cache / "corpus" / corpus.cache_key / "tokens" for f in corpus.token_files)
    assert corpus.cache_key == seed_corpus.cache_key  # same tables, same key, whichever engine
    assert corpus.n_tokens == len(seed_corpus.tokens) == 21022
    pd.testing.assert_frame_equal(corpus.read_tokens(), seed_corpus.tokens, check_exact=True)
    for name in ("documents", "paragraphs", "segments", "overlap", "duplicate_pairs"):
        pd.testing.assert_frame_equal(getattr(corpus, name), getattr(seed_corpus, name), check_exact=True)
    again = load_corpus(RAW, cache_dir=cache, engine="dask", scheduler=client)  # a cache hit stays lazy
    assert again.tokens is None and again.token_files == corpus.token_files
    in_memory = load_corpus(RAW, cache_dir=cache)  # the in-memory engine reads the same entry whole
    pd.testing.assert_frame_equal(in_memory.tokens, seed_corpus.tokens, check_exact=True)
    assert not list(cache.glob("corpus/.*"))  # no temporary folder left behind


@pytest.mark.slow
def test_map_tokens_on_the_workers_gives_what_the_driver_reads(client, seed_corpus, tmp_path):
    from aictlab.corpus import corpus_overview
    from aictlab.keyness import term_counts
    from aictlab.variants import derive_corpus

    on_disk = split_on_disk(seed_corpus, tmp_path / "parts", n_parts=4)
    on_workers = dataclasses.replace(on_disk, partition_map=engine.client_map(client))
    pd.testing.assert_frame_equal(corpus_overview(on_workers), corpus_overview(on_disk))
    # the selection (duplicates, timetable lines), the row labels and a closure travel with each task
    rows = on_workers.map_tokens(lambda t: pd.DataFrame({"row": t.index, "lemma": t["lemma"]}))
    pd.testing.assert_frame_equal(
        rows, on_disk.map_tokens(lambda t: pd.DataFrame({"row": t.index, "lemma": t["lemma"]}))
    )
    assert rows["row"].is_monotonic_increasing and rows["row"].iloc[-1] < on_disk.n_tokens
    counts = on_workers.map_tokens(term_counts)
    pd.testing.assert_frame_equal(counts, on_disk.map_tokens(term_counts))
    # a derived corpus keeps the workers, and its partitions pass through its transform there
    derived = derive_corpus(on_workers, segment_size=60, lemmatizer="simplemma")
    assert derived.partition_map is on_workers.partition_map
    pd.testing.assert_frame_equal(
        derived.segments, derive_corpus(on_disk, segment_size=60, lemmatizer="simplemma").segments
    )
    assert set(derived.map_tokens(lambda t: t[["seg_id"]].drop_duplicates())["seg_id"]) <= set(
        derived.segments["seg_id"]
    )
