"""Bags of words of topic documents: term lists, vocabulary, the sparse document-term matrix and the
gensim Matrix Market corpus a streamed LDA fit reads from disk."""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["cast_dtm", "gensim_dictionary", "topic_texts", "topic_vocabulary", "write_bow_corpus"]


def topic_texts(docs: pd.DataFrame) -> list[list[str]]:
    """The units' terms as lists (the texts of gensim and of coherence)."""
    return [list(t) for t in docs["terms"]]


def topic_vocabulary(texts: Iterable[Iterable[str]]) -> np.ndarray:
    """Sorted distinct terms of ``texts`` (object array): the columns of a topic model."""
    return np.array(sorted({w for t in texts for w in t}), dtype=object)


def cast_dtm(texts: Sequence[Sequence[str]], vocabulary: Sequence[str]):
    """Sparse document-term count matrix (``scipy.sparse.csr_matrix``, float64) over ``vocabulary``.

    Terms outside the vocabulary are ignored. Rows follow ``texts``, columns follow ``vocabulary``.
    Memory: the matrix holds one entry per distinct (unit, term) pair (12 bytes each, plus a row pointer per
    unit), built from two integer arrays of one entry per term occurrence: a units × vocabulary count
    matrix, far smaller than the token table it comes from.
    """
    from scipy import sparse

    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    flat = np.fromiter(itertools.chain.from_iterable(texts), dtype=object, count=int(lengths.sum()))
    vocab = pd.Index(list(vocabulary), dtype=object)
    if vocab.is_unique:
        index = vocab.get_indexer(flat)
    else:  # a repeated term maps to its last column, as a dict would
        last = {w: j for j, w in enumerate(vocab)}
        index = np.fromiter((last.get(w, -1) for w in flat), dtype=np.int64, count=len(flat))
    found = index >= 0
    rows = np.repeat(np.arange(len(lengths)), lengths)[found]
    cols = index[found]
    data = np.ones(len(rows), dtype=np.float64)
    dtm = sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64)
    dtm.sum_duplicates()
    return dtm


def write_bow_corpus(docs: pd.DataFrame, vocabulary: Sequence[str], folder: str | Path) -> Path:
    """Serialise the units' bags of words as a gensim Matrix Market corpus on disk; return its path.

    ``MmCorpus.serialize`` writes one ``unit term count`` line per distinct (unit, term) pair (1-based ids,
    term id j + 1 = ``vocabulary[j]``, counts as integers, so the file holds :func:`cast_dtm` exactly) and an
    offsets index (``<path>.index``), reading the units one at a time: memory does not grow with the
    number of units. The file name carries a sha256 of the vocabulary and of every unit's terms, so a
    corpus already written (same content) is reused; a new one is written under a temporary name and moved
    into place (index first, then the matrix), so a reader never sees half a file.

    Parameters
    ----------
    docs : DataFrame
        Topic documents (a ``terms`` column of lemma tuples).
    vocabulary : sequence of str
        The columns (term ids) of the corpus.
    folder : path
        Where to write ``topics-bow-<sha256>.mm`` (the report uses the processed-data folder).

    Returns
    -------
    Path
        The ``.mm`` file (open it with ``gensim.corpora.MmCorpus(str(path))``).
    """
    from gensim.corpora import MmCorpus

    folder = Path(folder)
    vocabulary = [str(w) for w in vocabulary]
    digest = hashlib.sha256("\x1f".join(vocabulary).encode("utf-8"))
    digest.update(b"\x00")
    for terms in docs["terms"]:
        digest.update("\x1f".join(terms).encode("utf-8"))
        digest.update(b"\x1e")
    path = folder / f"topics-bow-{digest.hexdigest()[:20]}.mm"
    index = Path(f"{path}.index")
    if path.exists() and index.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    dictionary = gensim_dictionary(vocabulary)
    try:
        MmCorpus.serialize(
            str(tmp),
            (dictionary.doc2bow(list(t)) for t in docs["terms"]),
            id2word=dictionary,
            progress_cnt=None,
        )
        os.replace(f"{tmp}.index", index)
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}.index")):
            leftover.unlink(missing_ok=True)
    return path


def gensim_dictionary(vocabulary: Sequence[str]):
    """A gensim ``Dictionary`` whose ids follow ``vocabulary`` order (id j = vocabulary[j])."""
    from gensim.corpora import Dictionary

    dictionary = Dictionary()
    dictionary.token2id = {w: j for j, w in enumerate(vocabulary)}
    dictionary.id2token = {}
    dictionary.dfs = {j: 1 for j in range(len(vocabulary))}
    dictionary.cfs = {j: 1 for j in range(len(vocabulary))}
    dictionary.num_docs = 1
    return dictionary
