"""Shared fixtures: the seed corpus (loaded once per test process, cached in a temporary folder) and a
helper that snapshots a folder's bytes (to prove that bad input changes nothing)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from aictlab.corpus import load_corpus

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "fixtures"  # reference values, with provenance (README.md)


@pytest.fixture(scope="session")
def processed_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("processed")


@pytest.fixture(scope="session")
def seed_corpus(processed_dir):
    """The five seed documents, spaCy lemmas (the default)."""
    return load_corpus(RAW, cache_dir=processed_dir)


@pytest.fixture(scope="session")
def seed_corpus_simplemma(processed_dir):
    return load_corpus(RAW, lemmatizer="simplemma", cache_dir=processed_dir)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of data/raw."""
    target = tmp_path / "corpus"
    shutil.copytree(RAW, target)
    return target


def folder_snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> hash)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def split_on_disk(corpus, folder: Path, n_parts: int = 3):
    """``corpus`` with its tokens left on disk in ``n_parts`` partitions of whole documents, as the Dask engine
    leaves them (``Corpus.tokens`` is None; measures read it through ``Corpus.map_tokens``)."""
    import dataclasses

    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    docs = list(dict.fromkeys(corpus.tokens["doc_id"]))
    files = []
    for i, chunk in enumerate(np.array_split(np.arange(len(docs)), n_parts)):
        part = corpus.tokens[corpus.tokens["doc_id"].isin([docs[j] for j in chunk])]
        path = folder / f"part.{i:05d}.parquet"
        part.to_parquet(path, index=False)
        files.append(path)
    return dataclasses.replace(corpus, tokens=None, token_files=tuple(files))


@pytest.fixture(scope="session")
def seed_corpus_on_disk(seed_corpus, tmp_path_factory):
    """The seed corpus with its tokens in three parquet partitions (the Dask engine's layout)."""
    return split_on_disk(seed_corpus, tmp_path_factory.mktemp("token_parts"))


def make_tokens(docs, seg_size=40):
    """Full-schema token table from ``(doc_id, year, list of lemmas)``; surface = lemma; one sentence per
    segment; all tokens are words, none duplicate or structure."""
    rows = []
    for doc_id, year, words in docs:
        for i, w in enumerate(words):
            rows.append(
                {
                    "doc_id": doc_id, "para_id": f"{doc_id}_p0", "seg_id": f"{doc_id}_s{i // seg_size:04d}",
                    "sent_id": i // seg_size, "tok_pos": i, "token": w, "lemma": w, "pos": "", "is_stop": False,
                    "is_punct": False, "is_word": True, "space_after": True, "is_structure": False,
                    "is_duplicate": False, "year": year,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)
