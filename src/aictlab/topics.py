"""Topic models of the corpus: LDA (gensim) and NMF (scikit-learn) with model selection, stability,
frame-labelled topics and topic prevalence over time with bootstrap intervals (METHODS §10).

The unit of a topic model is a text *segment* (~40 tokens, the §2 bootstrap unit) or a *paragraph*, never the
whole file: the seed corpus has five files, far too few documents for a topic model.

Pipeline
--------
>>> docs = topic_documents(corpus.tokens, unit="segment")                 # doctest: +SKIP
>>> sel = select_topic_models(docs, k=range(2, 11), seed=42, n_seeds=5)   # doctest: +SKIP
>>> k = choose_k(sel.summary, model="lda")                                # doctest: +SKIP
>>> model = sel.reference("lda", k)                                       # doctest: +SKIP
>>> topics = label_topics(model.topics(topn=20), frames=lexicon)          # doctest: +SKIP
>>> prev = topic_prevalence(model.document_topics(), by="period", seed=42)  # doctest: +SKIP

Large corpora
-------------
Memory that does not grow with the corpus, in three places:

1. :func:`topic_documents` accepts a ``Corpus`` and reads its tokens partition by partition
   (``Corpus.map_tokens``): the token table of the Dask engine stays on disk.
2. ``select_topic_models(docs, max_units=20_000, periods=...)`` fits the K × seeds grid on a seeded random
   sample of ``max_units`` units stratified by period (:func:`sample_topic_units`, rule in
   :func:`sampling_rule`) when there are more units.
3. :func:`final_topic_model` then fits the chosen K on every unit; LDA streams from a gensim Matrix Market
   corpus on disk with ``LdaMulticore`` (:class:`LdaTopicModel` ``stream=True``; when:
   :func:`stream_final_fit`). NMF stays in memory: scikit-learn needs the sparse units × vocabulary matrix,
   a few numbers per unit, far smaller than the token table.

>>> sel = select_topic_models(docs, max_units=20_000, periods=5)                  # doctest: +SKIP
>>> model = final_topic_model(sel, docs, "lda", sel.chosen_k("lda"), stream=True,
...                           workdir="data/processed/topics")                      # doctest: +SKIP

References
----------
Blei, Ng & Jordan 2003, "Latent Dirichlet allocation", JMLR 3.
Lee & Seung 1999, "Learning the parts of objects by non-negative matrix factorization", Nature 401.
Röder, Both & Hinneburg 2015, "Exploring the space of topic coherence measures", WSDM.
Greene, O'Callaghan & Cunningham 2014, "How many topics? Stability analysis for topic models", ECML-PKDD.
Sievert & Shirley 2014, "LDAvis: a method for visualizing and interpreting topics", ACL workshop.
Blei & Lafferty 2006, "Dynamic topic models", ICML.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import logging
import os
import re
import secrets
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.errors import SchemaError, SettingsError, check_choice

log = logging.getLogger("aictlab.topics")

UNITS = ("segment", "paragraph")
MODELS = ("lda", "nmf")
FRAMES = ("solidarite", "attractivite")
OTHER = "other"
_UNIT_COLUMN = {"segment": schema.SEG_ID, "paragraph": schema.PARA_ID}
_WORD = re.compile(r"[^\W\d_]+(?:[-'_][^\W\d_]+)*")
#: Light verbs and forms of address dropped from topic documents besides spaCy's French stop words.
TOPIC_STOP_WORDS = ("faire", "mettre", "aller", "falloir", "vouloir", "monsieur", "madame", "mme")
#: Columns of the table returned by :func:`topic_documents`.
TOPIC_DOCUMENT_COLUMNS = ("doc_id", "unit_id", "year", "n_tokens", "n_terms", "terms")

# --------------------------------------------------------------------------------------------------------
# Topic documents
# --------------------------------------------------------------------------------------------------------


def topic_documents(
    tokens: pd.DataFrame | Any,
    *,
    unit: Literal["segment", "paragraph"] = "segment",
    min_df: int = 2,
    max_df: float = 0.5,
    min_length: int = 2,
    pos: Sequence[str] | None = None,
    stop_words: Iterable[str] = TOPIC_STOP_WORDS,
    keep_duplicates: bool = False,
    keep_structure: bool = False,
) -> pd.DataFrame:
    """Build the documents of a topic model: one row per segment or paragraph, a tuple of lemmas each.

    Tokens are first filtered as every measure filters them (:func:`aictlab.corpus.select_tokens`: word
    tokens only, duplicated and structure lines out by default). A lemma is then kept when it is not a stop
    word (token ``is_stop``, lemma in spaCy's French ``STOP_WORDS`` (the lemma "être" of "étaient") or in
    ``stop_words``), is made of letters only, with inner hyphens, apostrophes or MWE joiners (numbers such
    as "2025" or "g20" and abbreviations such as "m." or "etc." go), has at least ``min_length`` characters,
    and (when ``pos`` is given and the lemmatiser tagged parts of speech) has one of the ``pos`` tags. Multi-word expressions are already one lemma (``coopération_décentralisée``).
    The vocabulary is then pruned by document frequency df(w) = number of units containing w:
    kept when ``min_df <= df(w) <= max_df * n_units``. Units left without any term are dropped.

    Partition-wise: the filtering above is local to a unit (a unit lies within one document), so it runs
    on each partition of whole documents (:meth:`aictlab.corpus.Corpus.map_tokens`), which returns the
    partition's units with their kept lemmas and its df counts; only the pruning is global (df(w) = the
    sum of the partitions' counts, n_units = the sum of their units). A token table is one partition.
    Given a :class:`~aictlab.corpus.Corpus` whose tokens stay on disk (the Dask engine), the token table is
    therefore never in memory at once: one partition plus the units' lemma tuples (the result, before
    pruning). The output does not depend on how the documents are partitioned.

    Parameters
    ----------
    tokens : DataFrame or Corpus
        The corpus tokens (``Corpus.tokens``; columns of :data:`aictlab.schema.TOKEN_COLUMNS`), or a
        ``Corpus`` (read partition by partition through ``Corpus.map_tokens``, in memory or on disk).
    unit : {"segment", "paragraph"}, default="segment"
        The document of the topic model.
    min_df : int, default=2
        Minimum number of units a lemma must occur in (hapax-like terms carry no co-occurrence).
    max_df : float, default=0.5
        Maximum share of units a lemma may occur in (corpus-wide words do not separate topics).
    min_length : int, default=2
        Minimum number of characters of a lemma.
    pos : sequence of str, optional
        Universal POS tags to keep (e.g. ``("NOUN", "PROPN", "ADJ", "VERB")``); ignored for tokens without
        a tag (simplemma). None keeps every part of speech.
    stop_words : iterable of str, default=TOPIC_STOP_WORDS
        Extra lemmas to drop besides the stop words (default: light verbs "faire", "mettre", "aller",
        "falloir", "vouloir" and forms of address).
    keep_duplicates, keep_structure : bool, default=False
        Passed to :func:`aictlab.corpus.select_tokens`.

    Returns
    -------
    DataFrame
        ``doc_id, unit_id, year, n_tokens, n_terms, terms``, one row per unit in corpus order: ``n_tokens`` =
        word tokens of the unit (the prevalence weight), ``n_terms`` = kept lemmas, ``terms`` = tuple of the
        kept lemmas in text order. ``attrs`` records the settings, the vocabulary size and the number of
        units dropped as empty.

    Examples
    --------
    >>> docs = topic_documents(corpus.tokens, unit="segment", min_df=2)  # doctest: +SKIP
    >>> docs = topic_documents(corpus, unit="segment")  # doctest: +SKIP
    >>> docs.loc[0, "terms"][:3]  # doctest: +SKIP
    ('diplomatie', 'autorité', 'local')
    """
    from spacy.lang.fr.stop_words import STOP_WORDS

    check_choice("unit", unit, UNITS)
    if min_df < 1:
        raise SettingsError(f"min_df={min_df}: a term must occur in at least one unit.")
    if not 0 < max_df <= 1:
        raise SettingsError(f"max_df={max_df}: give a share of units in (0, 1].")
    stop = frozenset(STOP_WORDS) | {unicodedata.normalize("NFC", s.lower()) for s in stop_words}
    local = partial(
        _partition_units,
        unit_col=_UNIT_COLUMN[unit],
        stop=stop,
        min_length=min_length,
        pos=None if pos is None else list(pos),
        keep_duplicates=keep_duplicates,
        keep_structure=keep_structure,
    )
    if isinstance(tokens, pd.DataFrame):
        units, df_parts = local(tokens)
    elif hasattr(tokens, "map_tokens"):
        # select=False: each partition is filtered by _partition_units itself (document order from all rows)
        units, df_parts = tokens.map_tokens(local, select=False)
    else:
        raise SchemaError(
            f"topic_documents: expected a token table or a Corpus, not {type(tokens).__name__}."
        )
    n_units = len(units)
    df_counts = df_parts.groupby("lemma", sort=False)["df"].sum()
    vocab = df_counts[(df_counts >= min_df) & (df_counts <= max_df * n_units)].index
    kept = set(vocab)
    units["terms"] = [tuple(w for w in terms if w in kept) for terms in units["terms"]]
    units["n_terms"] = units["terms"].map(len).astype("int64")
    out = units[units["n_terms"] > 0].reset_index(drop=True)[list(TOPIC_DOCUMENT_COLUMNS)]
    out.attrs = {
        "unit": unit,
        "min_df": min_df,
        "max_df": max_df,
        "min_length": min_length,
        "pos": list(pos) if pos is not None else None,
        "n_units": n_units,
        "n_dropped_empty": n_units - len(out),
        "vocabulary_size": len(vocab),
    }
    if out.empty:
        raise SchemaError(
            f"topic_documents: no {unit} keeps a term after filtering (min_df={min_df}, max_df={max_df}); "
            "lower min_df or add documents."
        )
    return out


def _partition_units(
    tokens: pd.DataFrame,
    *,
    unit_col: str,
    stop: frozenset[str],
    min_length: int,
    pos: list[str] | None,
    keep_duplicates: bool,
    keep_structure: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The document-local half of :func:`topic_documents` on one partition of whole documents.

    Returns the partition's units in corpus order (``doc_id, unit_id, year, n_tokens, terms``: every
    kept lemma, before the df pruning; units with words but no kept lemma have ``()``) and the df counts of
    its lemmas (``lemma, df`` = number of the partition's units holding the lemma).
    """
    from aictlab.corpus import select_tokens

    schema.require_columns(
        tokens,
        (schema.DOC_ID, unit_col, schema.TOK_POS, schema.LEMMA, schema.POS, schema.IS_STOP, schema.YEAR),
        "tokens",
    )
    words = select_tokens(tokens, keep_duplicates=keep_duplicates, keep_structure=keep_structure)
    words = words.sort_values([schema.DOC_ID, schema.TOK_POS], kind="stable")
    # unit order: corpus order of documents (first appearance in tokens), then position in the document
    doc_order = {d: i for i, d in enumerate(pd.unique(tokens[schema.DOC_ID]))}
    size = words.groupby([schema.DOC_ID, unit_col], sort=False).agg(
        year=(schema.YEAR, "first"), n_tokens=(schema.LEMMA, "size"), first=(schema.TOK_POS, "min")
    )
    size.index = size.index.set_names(["doc_id", "unit_id"])
    size["year"] = size["year"].astype(tokens[schema.YEAR].dtype)
    size["n_tokens"] = size["n_tokens"].astype("int64")
    # normalise each distinct lemma once; interned, so every occurrence shares one string object
    codes, distinct = pd.factorize(words[schema.LEMMA].astype(str))
    norm = np.array([sys.intern(unicodedata.normalize("NFC", s.lower())) for s in distinct], dtype=object)
    lemma = pd.Series(norm[codes], index=words.index, dtype=object)
    keep = (
        ~words[schema.IS_STOP].astype(bool)
        & (lemma.str.len() >= min_length)
        & lemma.str.fullmatch(_WORD)
        & ~lemma.isin(stop)
    )
    if pos is not None:
        tag = words[schema.POS].fillna("").astype(str)
        keep &= (tag == "") | tag.isin(pos)
    kept = pd.DataFrame({"doc_id": words[schema.DOC_ID], "unit_id": words[unit_col], "lemma": lemma})[keep]
    df_counts = kept.drop_duplicates(["doc_id", "unit_id", "lemma"])["lemma"].value_counts(sort=False)
    df_counts = pd.DataFrame({"lemma": df_counts.index.to_numpy(dtype=object), "df": df_counts.to_numpy()})
    terms = kept.groupby(["doc_id", "unit_id"], sort=False)["lemma"].agg(tuple)
    out = size.join(terms.rename("terms"), how="left").reset_index()
    out["terms"] = [t if isinstance(t, tuple) else () for t in out["terms"]]
    out["_doc"] = out["doc_id"].map(doc_order)
    out = out.sort_values(["_doc", "first"], kind="stable").reset_index(drop=True)
    return out[["doc_id", "unit_id", "year", "n_tokens", "terms"]], df_counts


def _check_docs(docs: pd.DataFrame, where: str = "docs") -> None:
    schema.require_columns(docs, ("doc_id", "unit_id", "year", "n_tokens", "terms"), where)
    if docs.empty:
        raise SchemaError(f"{where}: no topic documents.")


def _texts(docs: pd.DataFrame) -> list[list[str]]:
    return [list(t) for t in docs["terms"]]


def _vocabulary(texts: Iterable[Iterable[str]]) -> np.ndarray:
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


# --------------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------------


class _TopicModelBase:
    """Shared tidy views of a fitted topic model (``topic_term_``, ``doc_topic_``, ``vocabulary_``)."""

    name = "base"

    def _start_fit(self, docs: pd.DataFrame) -> None:
        """Checks shared by every ``fit``; sets ``vocabulary_`` (without copying the units' terms)."""
        _check_docs(docs)
        if self.n_topics < 2:
            raise SettingsError(f"n_topics={self.n_topics}: a topic model needs at least 2 topics.")
        self.vocabulary_ = (
            np.asarray(self.vocabulary, dtype=object)
            if self.vocabulary is not None
            else _vocabulary(docs["terms"])
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "topic_term_"):
            raise SettingsError(f"{type(self).__name__} is not fitted yet: call fit(docs) first.")

    def _order_topics(self, theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Permutation putting topics in decreasing token-weighted prevalence (ties: model order)."""
        prevalence = (theta * weights[:, None]).sum(0) / weights.sum()
        return np.lexsort((np.arange(theta.shape[1]), -np.round(prevalence, 12)))

    def topics(self, topn: int = 10) -> pd.DataFrame:
        """Top terms per topic: ``topic, rank, term, weight`` (topic and rank from 1; weight = p(term|topic)).

        For LDA the weight is φ_k(w); for NMF the row of H normalised to sum 1, so both read as the share of
        a topic's term mass.
        """
        self._check_fitted()
        k, v = self.topic_term_.shape
        topn = min(topn, v)
        order = np.argsort(-self.topic_term_, axis=1, kind="stable")[:, :topn]
        weight = np.take_along_axis(self.topic_term_, order, axis=1)
        return pd.DataFrame(
            {
                "topic": np.repeat(np.arange(1, k + 1), topn),
                "rank": np.tile(np.arange(1, topn + 1), k),
                "term": self.vocabulary_[order].ravel(),
                "weight": weight.ravel(),
            }
        )

    def top_terms(self, topn: int = 20) -> list[list[str]]:
        """Top ``topn`` terms of each topic (topic order), for coherence and stability."""
        self._check_fitted()
        order = np.argsort(-self.topic_term_, axis=1, kind="stable")[:, :topn]
        return [list(self.vocabulary_[row]) for row in order]

    def document_topics(self) -> pd.DataFrame:
        """Document-topic proportions of the fitted units, long format.

        Returns
        -------
        DataFrame
            ``doc_id, unit_id, year, n_tokens, topic, proportion`` (proportions of a unit sum to 1).
        """
        self._check_fitted()
        return document_topic_table(self.docs_, self.doc_topic_)

    @property
    def params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}


def document_topic_table(docs: pd.DataFrame, theta: np.ndarray) -> pd.DataFrame:
    """Long table ``doc_id, unit_id, year, n_tokens, topic, proportion`` from a units × K matrix θ."""
    n, k = theta.shape
    if len(docs) != n:
        raise SchemaError(f"document_topic_table: {len(docs)} units but θ has {n} rows.")
    base = docs[["doc_id", "unit_id", "year", "n_tokens"]].reset_index(drop=True)
    out = base.loc[base.index.repeat(k)].reset_index(drop=True)
    out["topic"] = np.tile(np.arange(1, k + 1), n)
    out["proportion"] = theta.ravel()
    return out


class LdaTopicModel(_TopicModelBase):
    """Latent Dirichlet allocation by gensim's online variational Bayes (Blei, Ng & Jordan 2003).

    gensim's defaults (passes=1, iterations=50, symmetric 1/K priors) underfit a small corpus; the defaults
    here follow METHODS §10: ``passes=50, iterations=400``, one chunk holding every document, ``alpha="auto"``
    and ``eta="auto"`` (priors learned from the data), float64, ``random_state=seed``.

    Streaming (``stream=True``, for a large corpus): the units' bags of words are written once as a gensim
    Matrix Market corpus (:func:`write_bow_corpus`, in ``workdir``) and ``gensim.models.LdaMulticore``
    reads it from disk at every pass, ``chunksize`` units at a time, the E-step of each chunk on one of
    ``workers`` processes. ``batch=True``: the M-step runs once per pass on the summed statistics of every
    chunk, the same update as the in-memory default (one chunk holding every document), so ``passes``,
    ``iterations`` and ``eta`` keep their meaning. θ is then inferred chunk by chunk from the same file.
    Memory is one chunk per worker plus the K × V topic statistics, whatever the number of units (θ, K
    numbers per unit, is the result). ``LdaMulticore`` cannot learn alpha: ``alpha="auto"`` raises, use
    ``"asymmetric"`` (METHODS §10; :data:`STREAM_LDA_DEFAULTS`). Reproducibility: with ``workers=1`` a
    seed gives the same fit bit for bit; with more workers, gensim hands each chunk to whichever worker is
    free, and each worker draws the γ starting points of its chunks from its own copy of the seeded random
    state, so fits agree to the E-step tolerance (``gamma_threshold``), not bit for bit. Speed: gensim's
    dispatcher (this process) polls its result queue while the workers compute, so cores − 1 workers keep
    every core busy; on the 2-core benchmark machine (loaded) one worker took ~2.3× the time of the
    in-memory fit (``benchmarks/bench_topics.py --stream-factors``).

    Parameters
    ----------
    n_topics : int
        Number of topics K.
    seed : int, default=42
        ``random_state`` of gensim (initial λ and the γ initialisation of inference).
    passes, iterations : int, default=50, 400
        Passes over the corpus; maximum E-step iterations per document.
    alpha, eta : str or float, default="auto"
        Dirichlet priors of θ and φ (``"auto"``, ``"symmetric"``, ``"asymmetric"`` or a number).
    chunksize : int, optional
        In memory: documents per update, None = all documents (one batch update per pass). Streamed: units
        per chunk read from disk and per E-step job, None = :data:`STREAM_CHUNKSIZE` (one update per pass
        either way).
    gamma_threshold : float, default=0.001
        E-step convergence threshold.
    vocabulary : sequence of str, optional
        Fixed vocabulary (e.g. the full corpus's when fitting on a subsample); None = terms of ``docs``.
    stream : bool, default=False
        Fit with ``LdaMulticore`` streaming from a Matrix Market corpus on disk (see above).
    workers : int, optional
        E-step processes of the streamed fit; None = cores − 1 (at least 1).
    workdir : path, optional
        Folder of the Matrix Market corpus (kept and reused by content); None = a temporary folder removed
        after the fit.

    Attributes
    ----------
    model_ : gensim.models.LdaModel or gensim.models.LdaMulticore
    dictionary_ : gensim.corpora.Dictionary
    vocabulary_ : ndarray of str
    topic_term_ : ndarray (K, V)
        φ, rows sum to 1, topics ordered by decreasing prevalence.
    doc_topic_ : ndarray (n_units, K)
        θ of the fitted units (γ normalised, as ``get_document_topics(minimum_probability=0)``).
    alpha_ : ndarray (K,)
        Learned document-topic prior, in topic order.
    topic_order_ : ndarray (K,)
        gensim topic index of each reported topic.
    docs_ : DataFrame
        The fitted units (without their terms).
    workers_ : int
        Worker processes used (streamed fits; None in memory).
    corpus_path_ : Path or None
        The Matrix Market corpus of a streamed fit with a ``workdir``.
    """

    name = "lda"

    def __init__(
        self,
        n_topics: int,
        *,
        seed: int = 42,
        passes: int = 50,
        iterations: int = 400,
        alpha: str | float = "auto",
        eta: str | float = "auto",
        chunksize: int | None = None,
        gamma_threshold: float = 0.001,
        vocabulary: Sequence[str] | None = None,
        stream: bool = False,
        workers: int | None = None,
        workdir: str | Path | None = None,
    ) -> None:
        self.n_topics = n_topics
        self.seed = seed
        self.passes = passes
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.chunksize = chunksize
        self.gamma_threshold = gamma_threshold
        self.vocabulary = vocabulary
        self.stream = stream
        self.workers = workers
        self.workdir = workdir

    def fit(self, docs: pd.DataFrame) -> LdaTopicModel:
        """Fit on ``docs`` (:func:`topic_documents`); returns self."""
        self._start_fit(docs)
        self.dictionary_ = gensim_dictionary(self.vocabulary_)
        self.workers_, self.corpus_path_ = None, None
        if self.stream:
            theta = self._fit_stream(docs)
        else:
            from gensim.models import LdaModel

            bow = [self.dictionary_.doc2bow(t) for t in _texts(docs)]
            self.model_ = LdaModel(
                corpus=bow,
                id2word=self.dictionary_,
                num_topics=self.n_topics,
                passes=self.passes,
                iterations=self.iterations,
                alpha=self.alpha,
                eta=self.eta,
                chunksize=self.chunksize or max(len(bow), 1),
                gamma_threshold=self.gamma_threshold,
                random_state=self.seed,
                eval_every=None,
                dtype=np.float64,
            )
            self.topic_order_ = np.arange(self.n_topics)
            theta = self._infer(bow)
        weights = docs["n_tokens"].to_numpy(dtype=float)
        self.topic_order_ = self._order_topics(theta, weights)
        self.doc_topic_ = theta[:, self.topic_order_]
        self.topic_term_ = self.model_.get_topics().astype(np.float64)[self.topic_order_]
        self.alpha_ = np.asarray(self.model_.alpha, dtype=float)[self.topic_order_]
        self.docs_ = docs.drop(columns=["terms"]).reset_index(drop=True)
        return self

    def _fit_stream(self, docs: pd.DataFrame) -> np.ndarray:
        """LdaMulticore from a Matrix Market corpus on disk; returns θ in gensim's topic order."""
        from gensim.corpora import MmCorpus
        from gensim.models import LdaMulticore

        if isinstance(self.alpha, str) and self.alpha == "auto":
            raise SettingsError(
                "alpha='auto' cannot be learned by a streamed fit (gensim LdaMulticore): "
                "use alpha='asymmetric' (METHODS §10) or a number."
            )
        self.workers_ = int(self.workers) if self.workers else max(1, (os.cpu_count() or 1) - 1)
        chunksize = int(self.chunksize or STREAM_CHUNKSIZE)
        with _work_folder(self.workdir) as folder:
            path = write_bow_corpus(docs, self.vocabulary_, folder)
            corpus = MmCorpus(str(path))
            # the workers are forked: keep this process's objects (the topic documents among them) out of
            # their garbage collections, which would otherwise copy every page holding one (copy-on-write)
            frozen = gc.get_freeze_count() > 0  # frozen by the caller: theirs to unfreeze
            gc.freeze()
            try:
                self.model_ = LdaMulticore(
                    corpus=corpus,
                    id2word=self.dictionary_,
                    num_topics=self.n_topics,
                    workers=self.workers_,
                    chunksize=chunksize,
                    passes=self.passes,
                    batch=True,
                    iterations=self.iterations,
                    alpha=self.alpha,
                    eta=self.eta,
                    gamma_threshold=self.gamma_threshold,
                    random_state=self.seed,
                    eval_every=None,
                    dtype=np.float64,
                )
            finally:
                if not frozen:
                    gc.unfreeze()
            self.topic_order_ = np.arange(self.n_topics)
            theta = self._infer(corpus, chunksize=chunksize, n_units=len(docs))
        self.corpus_path_ = path if self.workdir is not None else None
        return theta

    def _infer(self, bow: Iterable, chunksize: int | None = None, n_units: int | None = None) -> np.ndarray:
        # gensim draws the initial γ from the model's RandomState: reset it so θ does not depend on the
        # history of calls (same seed, same θ). Equals get_document_topics(minimum_probability=0) row-wise.
        # With a chunksize the units are read and inferred chunk by chunk; the γ draws follow one another in
        # the same random stream, so θ is the same as in one call.
        self.model_.random_state = np.random.RandomState(self.seed)
        if chunksize is None:
            gamma, _ = self.model_.inference(bow)
            theta = gamma / gamma.sum(1, keepdims=True)
        else:
            n = len(bow) if n_units is None else n_units
            theta, start, units = np.empty((n, self.n_topics)), 0, iter(bow)
            while chunk := list(itertools.islice(units, chunksize)):
                gamma, _ = self.model_.inference(chunk)
                theta[start : start + len(chunk)] = gamma / gamma.sum(1, keepdims=True)
                start += len(chunk)
            if start != n:
                raise SchemaError(f"inference: {start} units read, {n} expected.")
        return theta[:, self.topic_order_]

    def transform(self, docs: pd.DataFrame) -> np.ndarray:
        """θ (units × K, topic order of this model) of new units, terms outside the vocabulary ignored.

        A streamed model infers them ``chunksize`` units at a time."""
        self._check_fitted()
        _check_docs(docs)
        if self.stream:
            bow = (self.dictionary_.doc2bow(list(t)) for t in docs["terms"])
            return self._infer(bow, chunksize=int(self.chunksize or STREAM_CHUNKSIZE), n_units=len(docs))
        return self._infer([self.dictionary_.doc2bow(t) for t in _texts(docs)])


@contextmanager
def _work_folder(workdir: str | Path | None) -> Iterator[Path]:
    """``workdir`` (created), or a temporary folder removed on exit."""
    import tempfile

    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        yield Path(workdir)
        return
    with tempfile.TemporaryDirectory(prefix="aictlab-topics-") as tmp:
        yield Path(tmp)


class NmfTopicModel(_TopicModelBase):
    """Non-negative matrix factorisation of the TF-IDF matrix (scikit-learn), X ≈ W H.

    X = TF-IDF of the units (``TfidfTransformer(sublinear_tf=True)``: tf = 1 + ln n, smooth idf, rows
    l2-normalised; the document-frequency pruning of :func:`topic_documents` plays ``min_df``).
    ``NMF(K, init="nndsvda", max_iter=1000)``: nndsvda is deterministic, so ``seed`` only matters with
    ``init="random"``; stability therefore comes from subsamples (:func:`select_topic_models`).
    Rows of H are rescaled to sum 1 (topic-term weights comparable to LDA's φ) and W by the inverse factor
    (W H unchanged); θ = rows of the rescaled W normalised to 1: the share of a unit's reconstruction
    mass due to each topic. A unit with W = 0 gets θ = NaN (it weighs 0 in prevalence).

    Parameters
    ----------
    n_topics : int
    seed : int, default=42
    init : str, default="nndsvda"
    max_iter : int, default=1000
    vocabulary : sequence of str, optional

    Attributes
    ----------
    model_ : sklearn.decomposition.NMF
    tfidf_ : sklearn.feature_extraction.text.TfidfTransformer
    vocabulary_, topic_term_, doc_topic_, topic_order_, docs_ : as :class:`LdaTopicModel`
    scale_ : ndarray (K,)
        Row sums of H (before ordering), used to rescale W.
    """

    name = "nmf"

    def __init__(
        self,
        n_topics: int,
        *,
        seed: int = 42,
        init: str = "nndsvda",
        max_iter: int = 1000,
        vocabulary: Sequence[str] | None = None,
    ) -> None:
        self.n_topics = n_topics
        self.seed = seed
        self.init = init
        self.max_iter = max_iter
        self.vocabulary = vocabulary

    def fit(self, docs: pd.DataFrame) -> NmfTopicModel:
        """Fit on ``docs`` (:func:`topic_documents`); returns self."""
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfTransformer

        self._start_fit(docs)
        counts = cast_dtm(_texts(docs), self.vocabulary_)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        x = self.tfidf_.transform(counts)
        self.model_ = NMF(self.n_topics, init=self.init, max_iter=self.max_iter, random_state=self.seed)
        w = self.model_.fit_transform(x)
        h = self.model_.components_
        self.scale_ = h.sum(1)
        self.scale_[self.scale_ == 0] = 1.0
        self.topic_order_ = np.arange(self.n_topics)
        theta = self._theta(w)
        weights = docs["n_tokens"].to_numpy(dtype=float)
        self.topic_order_ = self._order_topics(np.nan_to_num(theta), weights)
        self.doc_topic_ = theta[:, self.topic_order_]
        self.topic_term_ = (h / self.scale_[:, None])[self.topic_order_]
        self.docs_ = docs.drop(columns=["terms"]).reset_index(drop=True)
        return self

    def _theta(self, w: np.ndarray) -> np.ndarray:
        mass = w * self.scale_[None, :]
        total = mass.sum(1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.where(total > 0, mass / np.where(total > 0, total, 1.0), np.nan)
        return theta[:, self.topic_order_]

    def transform(self, docs: pd.DataFrame) -> np.ndarray:
        """θ (units × K, topic order of this model) of new units."""
        self._check_fitted()
        _check_docs(docs)
        x = self.tfidf_.transform(cast_dtm(_texts(docs), self.vocabulary_))
        return self._theta(self.model_.transform(x))


#: Default settings of each family (METHODS §10), overridable through ``params``.
LDA_DEFAULTS: dict[str, Any] = {"passes": 50, "iterations": 400, "alpha": "auto", "eta": "auto"}
NMF_DEFAULTS: dict[str, Any] = {"init": "nndsvda", "max_iter": 1000}
#: Units per chunk of a streamed LDA fit (read from disk and sent to a worker at a time): gensim's default.
STREAM_CHUNKSIZE = 2000
#: What a streamed LDA fit changes in the grid's LDA settings: ``LdaMulticore`` cannot learn alpha, so
#: alpha="auto" becomes "asymmetric" (METHODS §10); passes, iterations and eta="auto" stay.
STREAM_LDA_DEFAULTS: dict[str, Any] = {"stream": True, "alpha": "asymmetric"}


def make_topic_model(model: Literal["lda", "nmf"], n_topics: int, *, seed: int = 42, **params: Any):
    """An unfitted :class:`LdaTopicModel` or :class:`NmfTopicModel` with the package defaults + ``params``."""
    check_choice("model", model, MODELS)
    if model == "lda":
        return LdaTopicModel(n_topics, seed=seed, **{**LDA_DEFAULTS, **params})
    return NmfTopicModel(n_topics, seed=seed, **{**NMF_DEFAULTS, **params})


def fit_topic_model(
    docs: pd.DataFrame, model: Literal["lda", "nmf"] = "lda", n_topics: int = 5, *, seed: int = 42, **params
):
    """Fit one topic model on ``docs``: ``make_topic_model(model, n_topics, seed=seed, **params).fit(docs)``."""
    return make_topic_model(model, n_topics, seed=seed, **params).fit(docs)


# --------------------------------------------------------------------------------------------------------
# Coherence and stability
# --------------------------------------------------------------------------------------------------------


def topic_coherence(
    topics: Sequence[Sequence[str]],
    texts: Sequence[Sequence[str]],
    *,
    measure: Literal["c_v", "c_npmi", "u_mass", "c_uci"] = "c_v",
    topn: int = 10,
    dictionary=None,
) -> tuple[float, list[float]]:
    """Coherence of topics on reference texts with gensim's ``CoherenceModel`` (Röder et al. 2015).

    c_v: boolean sliding window of 110 terms, NPMI-based context vectors compared by cosine (indirect
    confirmation), mean over topics. c_npmi: window of 10, mean NPMI(w_i, w_j) = ln(p(w_i,w_j)/(p(w_i)p(w_j))) /
    -ln p(w_i,w_j) over pairs of the top ``topn`` terms. Both lie in [-1, 1] (c_v in [0, 1]); higher = the
    top terms co-occur more. Computed on the same units the models were fitted on.

    Parameters
    ----------
    topics : list of list of str
        Ranked terms of each topic (at least ``topn`` each).
    texts : list of list of str
        Reference texts (the topic documents' terms).
    measure : {"c_v", "c_npmi", "u_mass", "c_uci"}, default="c_v"
    topn : int, default=10
    dictionary : gensim Dictionary, optional
        Built from ``texts`` when None.

    Returns
    -------
    (float, list of float)
        Mean coherence and the coherence of each topic.
    """
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    check_choice("measure", measure, ("c_v", "c_npmi", "u_mass", "c_uci"))
    texts = [list(t) for t in texts]
    if dictionary is None:
        dictionary = Dictionary(texts)
    cm = CoherenceModel(
        topics=[list(t)[:topn] for t in topics],
        texts=texts,
        dictionary=dictionary,
        coherence=measure,
        topn=topn,
        processes=1,
    )
    per_topic = [float(x) for x in cm.get_coherence_per_topic()]
    return float(np.mean(per_topic)), per_topic


def coherence_many(
    topic_sets: Sequence[Sequence[Sequence[str]]],
    texts: Sequence[Sequence[str]],
    *,
    measures: Sequence[str] = ("c_v", "c_npmi"),
    topn: int = 10,
    dictionary=None,
) -> list[dict[str, float]]:
    """Mean coherence of many topic sets on the same texts, counting co-occurrences once per measure.

    gensim's ``CoherenceModel.for_topics`` idea: one model over the union of all top terms estimates the
    window probabilities once; each topic set is then scored by setting ``cm.topics``. The values equal
    :func:`topic_coherence` called on each set (the windows do not depend on which terms are relevant).

    Returns
    -------
    list of dict
        ``{measure: mean coherence}`` for each topic set, in order.
    """
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    texts = [list(t) for t in texts]
    if dictionary is None:
        dictionary = Dictionary(texts)
    sets = [[list(t)[:topn] for t in topics] for topics in topic_sets]
    union = sorted({w for topics in sets for t in topics for w in t})
    out = [{} for _ in sets]
    for measure in measures:
        check_choice("measure", measure, ("c_v", "c_npmi", "u_mass", "c_uci"))
        cm = CoherenceModel(
            topics=[union],
            texts=texts,
            dictionary=dictionary,
            coherence=measure,
            topn=len(union),
            processes=1,
        )
        cm.estimate_probabilities()
        cm.topn = topn
        for i, topics in enumerate(sets):
            cm.topics = topics
            out[i][measure] = float(np.mean(cm.get_coherence_per_topic()))
    return out


def average_jaccard(a: Sequence[str], b: Sequence[str], depth: int = 20) -> float:
    """Average Jaccard of two ranked term lists (Greene et al. 2014).

    AJ(a, b) = (1/t) Σ_{d=1..t} |a_d ∩ b_d| / |a_d ∪ b_d|, a_d = the top-d terms of a, t = ``depth``
    (capped at the shorter list). 1 = same terms in the same order at every depth.

    Examples
    --------
    >>> average_jaccard(["a", "b"], ["b", "a"], depth=2)
    0.5
    """
    t = min(depth, len(a), len(b))
    if t == 0:
        raise SettingsError("average_jaccard: empty term list.")
    total = 0.0
    for d in range(1, t + 1):
        sa, sb = set(a[:d]), set(b[:d])
        total += len(sa & sb) / len(sa | sb)
    return total / t


def topic_agreement(
    reference: Sequence[Sequence[str]], other: Sequence[Sequence[str]], depth: int = 20
) -> tuple[float, np.ndarray]:
    """Agreement of two topic sets: mean average Jaccard over the best one-to-one matching.

    S_ij = AJ(reference_i, other_j); the matching π maximises Σ_i S_iπ(i) (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment(S, maximize=True)``); agreement = (1/K) Σ_i S_iπ(i)
    (Greene, O'Callaghan & Cunningham 2014).

    Returns
    -------
    (float, ndarray)
        The agreement and π (``match[i]`` = index in ``other`` of reference topic i).
    """
    from scipy.optimize import linear_sum_assignment

    if len(reference) != len(other) or not reference:
        raise SettingsError(f"topic_agreement: topic sets of sizes {len(reference)} and {len(other)} differ.")
    s = np.array([[average_jaccard(r, o, depth) for o in other] for r in reference])
    rows, cols = linear_sum_assignment(s, maximize=True)
    match = np.empty(len(reference), dtype=int)
    match[rows] = cols
    return float(s[rows, cols].mean()), match


# --------------------------------------------------------------------------------------------------------
# Model selection over K × seeds
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TopicSelection:
    """Result of :func:`select_topic_models`.

    Attributes
    ----------
    table : DataFrame
        One row per fit: ``model, k, seed, sample, c_v, c_npmi, stability, agreement`` (deterministic).
        ``sample`` is ``"full"`` (the reference fit on all units, seed = ``seed``) or ``"subsample"``;
        ``agreement`` = agreement of that fit with the reference (NaN for the reference);
        ``stability`` = stability(K) = mean agreement of the subsample fits (same on every row of a K).
    summary : DataFrame
        One row per model and K: ``model, k, c_v, c_npmi`` (means over all fits), ``c_v_ref, c_npmi_ref``
        (reference fit), ``stability, stability_sd``, ``chosen`` (:func:`choose_k` with default rule).
    models : dict
        (model, k) -> the fitted reference model.
    runs : dict
        (model, k, seed) -> {"top_terms": list, "theta": ndarray (all units × K), "match": ndarray}: each
        subsample fit's θ inferred on every unit, topics aligned to the reference (``match``).
    docs : DataFrame
        The topic documents the grid was fitted on: every unit, or the stratified sample of
        :func:`sample_topic_units` when there were more than ``max_units`` (``params["sampled"]``).
    timings : DataFrame
        ``model, k, seed, sample, seconds, cpu_seconds`` of each fit (wall and process CPU time, coherence
        excluded; the coherence time is in ``params``).
    params : dict
        Settings of the grid; ``n_units`` (units fitted), ``n_units_total`` (units given), ``max_units``,
        ``sampled`` and ``sample_rule`` (the stated rule, None when every unit was used).
    sample_rows : ndarray or None
        Positions, in the ``docs`` given, of the sampled units (None when every unit was used).
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    models: dict = field(repr=False)
    runs: dict = field(repr=False)
    docs: pd.DataFrame = field(repr=False)
    timings: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    params: dict = field(default_factory=dict)
    sample_rows: np.ndarray | None = field(repr=False, default=None)

    def reference(self, model: str, k: int):
        """The reference fit (all units, main seed) of ``model`` with ``k`` topics."""
        try:
            return self.models[(model, int(k))]
        except KeyError:
            raise SettingsError(
                f"no {model} fit with K={k} in this selection ({sorted(self.models)})."
            ) from None

    def chosen_k(self, model: str) -> int:
        """K chosen by the default rule of :func:`choose_k` for ``model``."""
        return choose_k(self.summary, model=model, **self.params.get("rule", {}))


def _fit_run(task: dict, docs: pd.DataFrame, vocabulary: np.ndarray, depth: int, topn: int):
    start, cpu = time.perf_counter(), time.process_time()
    train = docs.iloc[task["rows"]] if task["rows"] is not None else docs
    fitted = make_topic_model(
        task["model"], task["k"], seed=task["seed"], vocabulary=vocabulary, **task["params"]
    ).fit(train)
    top = fitted.top_terms(max(depth, topn))
    theta = fitted.doc_topic_ if task["rows"] is None else fitted.transform(docs)
    return {
        **{k: task[k] for k in ("model", "k", "seed", "sample")},
        "top_terms": top,
        "theta": theta,
        "fitted": fitted if task["rows"] is None else None,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
    }


def _score_chunk(topic_sets: list, texts: list, vocabulary: np.ndarray, topn: int):
    cpu = time.process_time()
    scores = coherence_many(topic_sets, texts, topn=topn, dictionary=gensim_dictionary(vocabulary))
    return scores, time.process_time() - cpu


def select_topic_models(
    docs: pd.DataFrame,
    *,
    k: Iterable[int] = range(2, 11),
    models: Sequence[str] = MODELS,
    seed: int = 42,
    n_seeds: int = 5,
    sample: float = 0.8,
    depth: int = 20,
    topn: int = 10,
    n_jobs: int = 1,
    lda_params: Mapping[str, Any] | None = None,
    nmf_params: Mapping[str, Any] | None = None,
    rule: Mapping[str, Any] | None = None,
    max_units: int | None = None,
    periods: int | Sequence[int] = 5,
) -> TopicSelection:
    """Fit every model family for every K on all units and on ``n_seeds`` subsamples; score each fit.

    For each (model, K): a *reference* fit on all units with ``seed``; then for r = 1..n_seeds a fit on a
    random ``sample`` share of the units (drawn without replacement by ``default_rng(seed + r)``; LDA also
    takes ``random_state = seed + r``). Each fit gets c_v and c_npmi (:func:`topic_coherence`, top ``topn``
    terms, on all units) and its agreement with the reference (:func:`topic_agreement`, depth ``depth``);
    stability(K) = mean agreement (Greene et al. 2014; METHODS §10). Subsamples perturb both families:
    NMF with nndsvda does not depend on the seed.

    Cost: LDA fits are ~95 % of the time (~1.6 s CPU per fit at passes=50 on the 434 seed segments); the
    default grid (9 K × 6 fits × 2 families = 108 fits) takes ~48 s on two idle cores with ``n_jobs=2``
    and grows linearly with the number of units (``benchmarks/bench_topics.py``). METHODS suggests R >= 20
    perturbed fits; the default R = 5 keeps the grid near one minute, so stability carries Monte Carlo
    error (its standard deviation over fits is in ``summary.stability_sd``).

    Capped grid: with more than ``max_units`` units, the whole grid (reference fits, subsamples, coherence)
    runs on ``max_units`` units drawn by :func:`sample_topic_units` (seeded with ``seed``, stratified by
    period so that every period is represented); the rule and the sizes are recorded in ``params``
    (``sampled``, ``sample_rule``, ``n_units``, ``n_units_total``) and in the ``attrs`` of ``table`` and
    ``summary``. The model of the chosen K is then fitted on every unit by :func:`final_topic_model`.

    Parameters
    ----------
    docs : DataFrame
        Topic documents (:func:`topic_documents`).
    k : iterable of int, default=2..10
    models : sequence of {"lda", "nmf"}
    seed : int, default=42
    n_seeds : int, default=5
        Subsample fits per (model, K).
    sample : float, default=0.8
        Share of units in each subsample.
    depth : int, default=20
        Ranking depth t of the average Jaccard.
    topn : int, default=10
        Top terms scored by coherence.
    n_jobs : int, default=1
        Parallel fits (joblib processes); results do not depend on it.
    lda_params, nmf_params : mapping, optional
        Override :data:`LDA_DEFAULTS` / :data:`NMF_DEFAULTS`.
    rule : mapping, optional
        Keyword arguments of :func:`choose_k` (stored for :meth:`TopicSelection.chosen_k`).
    max_units : int, optional
        Cap on the units of the grid (see above); None fits the grid on every unit.
    periods : int or sequence of int, default=5
        Period spec of the sample's strata (:func:`aictlab.periods.assign_periods`); used only when capped.

    Returns
    -------
    TopicSelection
    """
    from joblib import Parallel, delayed

    _check_docs(docs)
    ks = sorted({int(x) for x in k})
    if not ks or ks[0] < 2:
        raise SettingsError(f"k={ks}: give numbers of topics >= 2.")
    for m in models:
        check_choice("model", m, MODELS)
    if not 0 < sample <= 1:
        raise SettingsError(f"sample={sample}: give a share of units in (0, 1].")
    if max_units is not None and max_units < 1:
        raise SettingsError(f"max_units={max_units}: give a positive number of units, or None for no cap.")
    docs = docs.reset_index(drop=True)
    n_total, sample_rows, sample_rule = len(docs), None, None
    if max_units is not None and n_total > max_units:
        sample_rows = sample_topic_units(docs, max_units, periods=periods, seed=seed)
        docs = docs.iloc[sample_rows].reset_index(drop=True)
        sample_rule = sampling_rule(max_units, n_total, seed)
        log.info("topic model selection on %d of %d units (%s)", len(docs), n_total, sample_rule)
    if ks[-1] >= len(docs):
        raise SettingsError(f"K={ks[-1]} topics for {len(docs)} units: use fewer topics or more units.")
    texts = _texts(docs)
    vocabulary = _vocabulary(texts)
    params = {"lda": {**LDA_DEFAULTS, **(lda_params or {})}, "nmf": {**NMF_DEFAULTS, **(nmf_params or {})}}
    n = len(docs)
    m_sub = max(int(round(sample * n)), ks[-1] + 1)
    subsamples = {
        seed + r: np.sort(np.random.default_rng(seed + r).choice(n, size=min(m_sub, n), replace=False))
        for r in range(1, n_seeds + 1)
    }
    tasks = []
    for model in models:
        for kk in ks:
            tasks.append(
                {
                    "model": model,
                    "k": kk,
                    "seed": seed,
                    "sample": "full",
                    "rows": None,
                    "params": params[model],
                }
            )
            for s, rows in subsamples.items():
                tasks.append(
                    {
                        "model": model,
                        "k": kk,
                        "seed": s,
                        "sample": "subsample",
                        "rows": rows,
                        "params": params[model],
                    }
                )
    # biggest fits first keeps both workers busy
    order = sorted(range(len(tasks)), key=lambda i: (tasks[i]["model"] != "lda", -tasks[i]["k"], i))
    done = Parallel(n_jobs=n_jobs)(delayed(_fit_run)(tasks[i], docs, vocabulary, depth, topn) for i in order)
    results = [None] * len(tasks)
    for i, res in zip(order, done, strict=True):
        results[i] = res
    # coherence: one accumulator per measure and chunk of topic sets (identical values, see coherence_many)
    coherence_start = time.perf_counter()
    chunks = [c for c in np.array_split(np.arange(len(results)), max(1, n_jobs)) if c.size]
    scored = Parallel(n_jobs=n_jobs)(
        delayed(_score_chunk)([results[i]["top_terms"] for i in c], texts, vocabulary, topn) for c in chunks
    )
    scores = [score for chunk_scores, _ in scored for score in chunk_scores]
    coherence_cpu = sum(cpu for _, cpu in scored)
    coherence_seconds = time.perf_counter() - coherence_start
    for res, score in zip(results, scores, strict=True):
        res.update(score)

    rows, fitted_models, runs = [], {}, {}
    reference = {}
    for res in results:
        if res["sample"] == "full":
            reference[(res["model"], res["k"])] = res
            fitted_models[(res["model"], res["k"])] = res["fitted"]
    for res in results:
        ref = reference[(res["model"], res["k"])]
        if res["sample"] == "full":
            agreement, match = np.nan, np.arange(res["k"])
        else:
            agreement, match = topic_agreement(ref["top_terms"], res["top_terms"], depth)
            runs[(res["model"], res["k"], res["seed"])] = {
                "top_terms": res["top_terms"],
                "theta": res["theta"],
                "match": match,
            }
        rows.append(
            {
                "model": res["model"],
                "k": res["k"],
                "seed": res["seed"],
                "sample": res["sample"],
                "c_v": res["c_v"],
                "c_npmi": res["c_npmi"],
                "agreement": agreement,
                "seconds": res["seconds"],
                "cpu_seconds": res["cpu_seconds"],
            }
        )
    table = pd.DataFrame(rows)
    stab = table.groupby(["model", "k"])["agreement"].agg(stability="mean", stability_sd="std").reset_index()
    table = table.merge(stab[["model", "k", "stability"]], on=["model", "k"], how="left")
    table = table.sort_values(["model", "k", "sample", "seed"], kind="stable").reset_index(drop=True)
    timings = table[["model", "k", "seed", "sample", "seconds", "cpu_seconds"]]
    table = table[["model", "k", "seed", "sample", "c_v", "c_npmi", "stability", "agreement"]]
    means = table.groupby(["model", "k"])[["c_v", "c_npmi"]].mean().reset_index()
    refs = table[table["sample"] == "full"][["model", "k", "c_v", "c_npmi"]].rename(
        columns={"c_v": "c_v_ref", "c_npmi": "c_npmi_ref"}
    )
    summary = means.merge(refs, on=["model", "k"]).merge(stab, on=["model", "k"])
    rule = dict(rule or {})
    summary["chosen"] = False
    for m in summary["model"].unique():
        kk = choose_k(summary, model=m, **rule)
        summary.loc[(summary["model"] == m) & (summary["k"] == kk), "chosen"] = True
    units = {
        "n_units": n,
        "n_units_total": n_total,
        "max_units": max_units,
        "sampled": sample_rows is not None,
        "sample_rule": sample_rule,
    }
    table.attrs = dict(units)
    summary.attrs = dict(units)
    return TopicSelection(
        table=table,
        summary=summary,
        models=fitted_models,
        runs=runs,
        docs=docs,
        timings=timings,
        sample_rows=sample_rows,
        params={
            "k": ks,
            "models": list(models),
            "seed": seed,
            "n_seeds": n_seeds,
            "sample": sample,
            "depth": depth,
            "topn": topn,
            "lda": params["lda"],
            "nmf": params["nmf"],
            "rule": rule,
            **units,
            "sample_periods": list(periods) if not isinstance(periods, int | np.integer) else int(periods),
            "coherence_seconds": coherence_seconds,
            "coherence_cpu_seconds": coherence_cpu,
            "vocabulary_size": len(vocabulary),
        },
    )


#: Default cap on the units of the model-selection grid (Settings.topic_max_units). The grid is ~108 fits
#: whose cost grows linearly with units (LDA fits: 1.6 s of CPU each on average for 434 segments, ~75 s at
#: 20,000, so ~35 min for the grid on two cores); 20,000 segments (~800,000 word tokens, 46 times the seeds)
#: still give thousands of units per period for coherence and stability, and their in-memory bags of words
#: take a few tens of MB.
TOPIC_MAX_UNITS = 20_000
#: Values of Settings.topic_stream (see :func:`stream_final_fit`).
STREAM_MODES = ("auto", "never", "always")


def sampling_rule(max_units: int, n_units: int, seed: int) -> str:
    """The stated rule of a capped selection grid, as recorded in results and report."""
    return (
        f"model selection on a seeded random sample of {max_units} of {n_units} units (topic_max_units), "
        "stratified by period: each period gets a share proportional to its units (largest remainders, at least "
        f"one unit each), drawn without replacement (numpy default_rng({seed})); the chosen K is then fitted "
        "on all units"
    )


def allocate_sample(counts: Sequence[int], size: int) -> np.ndarray:
    """Units drawn from each stratum: proportional allocation by largest remainders, at least one each.

    a_g = floor(size n_g / N), then the ``size − Σ a_g`` units left go one each to the strata with the
    largest remainders (size n_g mod N; ties: first stratum); a stratum left at 0 then takes one unit from
    the stratum with the largest allocation (ties: first). So Σ a_g = size and 1 <= a_g <= n_g.

    Examples
    --------
    >>> allocate_sample([600, 300, 100], 10).tolist()
    [6, 3, 1]
    >>> allocate_sample([990, 5, 5], 10).tolist()
    [8, 1, 1]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if size < len(counts) or size > total:
        raise SettingsError(
            f"a sample of {size} units cannot hold one unit of each of {len(counts)} strata "
            f"and at most their {total} units."
        )
    alloc = size * counts // total
    remainder = size * counts % total
    extra = size - int(alloc.sum())
    order = np.lexsort((np.arange(len(counts)), -remainder))
    alloc[order[:extra]] += 1
    for g in np.flatnonzero(alloc == 0):
        donor = int(np.argmax(alloc))
        alloc[donor] -= 1
        alloc[g] = 1
    return alloc


def sample_topic_units(
    docs: pd.DataFrame,
    size: int,
    *,
    by: Literal["period", "doc_id"] = "period",
    periods: int | Sequence[int] = 5,
    seed: int = 42,
) -> np.ndarray:
    """Row positions of a seeded random sample of ``size`` units, stratified so every stratum is represented.

    Strata: periods of the units' years (:func:`aictlab.periods.assign_periods` with ``periods``) or
    documents. Each stratum gets :func:`allocate_sample` units (proportional, at least one); in stratum
    order (sorted labels) its units are drawn without replacement by one ``numpy.random.default_rng(seed)``.
    The same docs, size and seed give the same sample. Every unit when ``size >= len(docs)``.

    Returns
    -------
    ndarray of int
        Sorted positions (corpus order) of the ``min(size, len(docs))`` units.
    """
    n = len(docs)
    if size >= n:
        return np.arange(n)
    check_choice("by", by, ("period", "doc_id"))
    group = _group_column(docs.reset_index(drop=True), by, periods).to_numpy()
    labels, g_idx, counts = np.unique(group, return_inverse=True, return_counts=True)
    alloc = allocate_sample(counts, int(size))
    rng = np.random.default_rng(seed)
    rows = [rng.choice(np.flatnonzero(g_idx == g), size=int(a), replace=False) for g, a in enumerate(alloc)]
    return np.sort(np.concatenate(rows))


def stream_final_fit(mode: str, n_units: int, max_units: int | None) -> bool:
    """Whether the final LDA model is fitted by streaming (Settings.topic_stream).

    ``"auto"``: streamed exactly when the units exceed ``max_units`` (the grid then ran on a sample and the
    chosen K must be refitted on every unit; below the cap the grid's in-memory reference fit is the model);
    the engine does not enter, so the memory and Dask engines give the same topics. ``"always"``: a streamed
    refit on every unit even below the cap (it then replaces the grid's reference fit). ``"never"``: the
    refit above the cap is in memory (gensim ``LdaModel``, memory growing with the units).
    """
    check_choice("topic_stream", mode, STREAM_MODES)
    if mode == "auto":
        return max_units is not None and n_units > max_units
    return mode == "always"


def final_topic_model(
    selection: TopicSelection,
    docs: pd.DataFrame,
    model: Literal["lda", "nmf"],
    k: int,
    *,
    stream: bool = False,
    workers: int | None = None,
    workdir: str | Path | None = None,
):
    """The reported model of a family at K = ``k``: the grid's reference fit, or a fit on every unit.

    When the grid ran on every unit and no streamed fit is asked, this is ``selection.reference(model, k)``.
    Otherwise K topics are fitted on every unit of ``docs`` with the grid's settings and seed: LDA streamed
    from disk when ``stream`` (:class:`LdaTopicModel` with :data:`STREAM_LDA_DEFAULTS`, ``workers``,
    ``workdir``), in memory otherwise; NMF always in memory (scikit-learn needs the sparse units ×
    vocabulary TF-IDF matrix, a few numbers per unit, much smaller than the token table).

    Parameters
    ----------
    selection : TopicSelection
    docs : DataFrame
        Every topic document (the ``docs`` given to :func:`select_topic_models`).
    model : {"lda", "nmf"}
    k : int
    stream : bool, default=False
    workers : int, optional
        Processes of a streamed fit (None: cores − 1).
    workdir : path, optional
        Folder of the Matrix Market corpus (the report uses the processed-data folder).
    """
    check_choice("model", model, MODELS)
    streamed = bool(stream) and model == "lda"
    if not selection.params.get("sampled") and not streamed:
        return selection.reference(model, k)
    total = selection.params.get("n_units_total", len(selection.docs))
    if len(docs) != total:
        raise SchemaError(
            f"final_topic_model: {len(docs)} units given, the selection was drawn from {total}."
        )
    params = dict(selection.params[model])
    if streamed:
        params.update(STREAM_LDA_DEFAULTS if params.get("alpha") == "auto" else {"stream": True})
        params.update(workers=workers, workdir=workdir)
    return make_topic_model(model, int(k), seed=selection.params["seed"], **params).fit(docs)


def choose_k(
    summary: pd.DataFrame,
    *,
    model: str = "lda",
    k_min: int = 3,
    stability_tolerance: float = 0.05,
    coherence_tolerance: float = 0.01,
) -> int:
    """Default number of topics: the stability plateau, then c_npmi, ties to the smaller K.

    Rule (METHODS §10, fixed before looking at the seeds):

    1. Candidates are K >= ``k_min`` (default 3: two topics cannot hold the two frames apart from the
       rest of the discourse, programme and procedure; K = 2 is still scored).
    2. Plateau = candidates with stability(K) >= max stability − ``stability_tolerance`` (0.05 of average
       Jaccard, about one top-20 term in a pair of matched topics).
    3. Among the plateau, the best mean c_npmi C*; every K with c_npmi >= C* − ``coherence_tolerance``
       (0.01) ties, and the smallest of the tied K is chosen (parsimony).

    Parameters
    ----------
    summary : DataFrame
        ``model, k, c_npmi, stability`` (``TopicSelection.summary``).
    model : str
    k_min : int, default=3
    stability_tolerance, coherence_tolerance : float

    Returns
    -------
    int
    """
    schema.require_columns(summary, ("model", "k", "c_npmi", "stability"), "topic model summary")
    rows = summary[(summary["model"] == model) & (summary["k"] >= k_min)]
    if rows.empty:
        rows = summary[summary["model"] == model]
    if rows.empty:
        raise SettingsError(f"choose_k: no K scored for model {model!r}.")
    stab = rows["stability"].fillna(1.0)  # a single fit per K (n_seeds=0): no stability information
    plateau = rows[stab >= stab.max() - stability_tolerance]
    best = plateau["c_npmi"].max()
    tied = plateau[plateau["c_npmi"] >= best - coherence_tolerance]
    return int(tied["k"].min())


# --------------------------------------------------------------------------------------------------------
# Labels and frames
# --------------------------------------------------------------------------------------------------------


def _normalise_term(term: str) -> str:
    """Canonical key of a term: lexicon parts (:func:`aictlab.lexicon.split_form`) joined by ``_``."""
    from aictlab.lexicon import split_form

    return schema.MWE_JOINER.join(split_form(str(term)))


def frame_sets(lexicon: Any = None, *, tier: str = "extended") -> dict[str, set[str]]:
    """``{frame: set of term keys}`` from a frame lexicon.

    Accepted: a :class:`aictlab.lexicon.Lexicon`; a path to a lexicon YAML or None (the packaged
    ``frames.yaml``, read by :func:`aictlab.lexicon.load_lexicon`); a mapping frame -> iterable of lemmas;
    a DataFrame with ``frame`` and ``form`` (or ``lemma``/``term``) columns. Every lemma sequence becomes
    its canonical parts (:func:`aictlab.lexicon.split_form`: lowercase NFC, function words canonicalised)
    joined by ``_``, the form of a multi-word lemma in the tokens (``coopération_décentralisée``).
    A term in two frames raises :class:`LexiconError` (frames are disjoint, METHODS §1).
    """
    from aictlab.errors import LexiconError
    from aictlab.lexicon import Lexicon, load_lexicon

    if lexicon is None or isinstance(lexicon, str | bytes) or hasattr(lexicon, "__fspath__"):
        lexicon = load_lexicon(lexicon)
    if isinstance(lexicon, Lexicon):
        lexicon = lexicon.subset(tier=tier).forms
    if isinstance(lexicon, Mapping):
        pairs = [(str(f), t) for f, terms in lexicon.items() for t in terms]
    elif isinstance(lexicon, pd.DataFrame):
        term_col = next((c for c in ("form", "lemma", "term") if c in lexicon.columns), None)
        if term_col is None or "frame" not in lexicon.columns:
            raise SchemaError("frame lexicon table: expected columns frame and form (or lemma/term).")
        pairs = list(zip(lexicon["frame"].astype(str), lexicon[term_col], strict=True))
    else:
        raise SchemaError(f"frame lexicon: cannot read a {type(lexicon).__name__}.")
    sets: dict[str, set[str]] = {}
    seen: dict[str, str] = {}
    for f, t in pairs:
        key = _normalise_term(t)
        if seen.get(key, f) != f:
            raise LexiconError(f"frame lexicon: term {key!r} is in both {seen[key]!r} and {f!r}.")
        seen[key] = f
        sets.setdefault(f, set()).add(key)
    return sets


def topic_frames(
    topics: pd.DataFrame,
    frames: Mapping[str, Iterable[str]] | Any,
    *,
    topn: int = 20,
    min_share: float = 0.05,
    ratio: float = 2.0,
) -> pd.DataFrame:
    """Frame association of each topic: share of its top-term weight in each frame lexicon.

    share_f(k) = Σ_{w ∈ top_n(k) ∩ L_f} weight_k(w) / Σ_{w ∈ top_n(k)} weight_k(w).
    Rule: topic k leans to frame f when share_f(k) >= ``min_share`` and share_f(k) >= ``ratio`` ×
    share_g(k) for the other frame g; otherwise it is ``"other"``.

    Parameters
    ----------
    topics : DataFrame
        ``topic, rank, term, weight`` (a ``model`` column is kept as a key).
    frames : mapping or lexicon
        See :func:`frame_sets`.
    topn : int, default=20
    min_share : float, default=0.05
    ratio : float, default=2.0

    Returns
    -------
    DataFrame
        ``[model,] topic, share_<frame>... , frame_terms, frame`` one row per topic.
    """
    schema.require_columns(topics, ("topic", "rank", "term", "weight"), "topics")
    sets = frame_sets(frames)
    keys = [c for c in ("model", "topic") if c in topics.columns]
    top = topics[topics["rank"] <= topn].copy()
    top["_term"] = top["term"].map(_normalise_term)
    total = top.groupby(keys)["weight"].sum()
    out = total.rename("_total").reset_index()
    names = list(sets)
    for f in names:
        hit = top[top["_term"].isin(sets[f])]
        share = (hit.groupby(keys)["weight"].sum() / total).rename(f"share_{f}")
        out = out.merge(share.reset_index(), on=keys, how="left")
        out[f"share_{f}"] = out[f"share_{f}"].fillna(0.0)
    hits = top[top["_term"].isin(set().union(*sets.values()) if sets else set())]
    listed = hits.groupby(keys)["term"].agg(lambda s: ", ".join(s)).rename("frame_terms")
    out = out.merge(listed.reset_index(), on=keys, how="left")
    out["frame_terms"] = out["frame_terms"].fillna("")
    shares = out[[f"share_{f}" for f in names]].to_numpy() if names else np.zeros((len(out), 0))
    lean = []
    for row in shares:
        choice = OTHER
        for i, f in enumerate(names):
            others = np.delete(row, i)
            if row[i] >= min_share and (others.size == 0 or row[i] >= ratio * others.max()) and row[i] > 0:
                choice = f
        lean.append(choice)
    out["frame"] = lean
    return out.drop(columns="_total")


def topic_labels(
    topics: pd.DataFrame, *, n_terms: int = 3, relevance: float = 0.6, term_share: pd.Series | None = None
) -> pd.DataFrame:
    """A short label per topic from its top terms: the ``n_terms`` most relevant terms joined by " · ".

    Relevance (Sievert & Shirley 2014) r(w, k) = λ ln φ_k(w) + (1 − λ) ln(φ_k(w) / p(w)), λ = ``relevance``;
    p(w) = the term's corpus share ``term_share`` (if None, the mean of φ over topics). λ = 1 ranks by
    weight; λ = 0.6 (LDAvis' recommendation) lowers words frequent in every topic. MWE underscores read as
    spaces.

    Returns
    -------
    DataFrame
        ``[model,] topic, label``.
    """
    schema.require_columns(topics, ("topic", "rank", "term", "weight"), "topics")
    keys = [c for c in ("model", "topic") if c in topics.columns]
    group_keys = [c for c in ("model",) if c in topics.columns]
    df = topics.copy()
    if term_share is None:
        n_topics = (
            df.groupby(group_keys)["topic"].transform("nunique") if group_keys else df["topic"].nunique()
        )
        mean_phi = df.groupby([*group_keys, "term"])["weight"].transform("sum") / n_topics
        p = mean_phi
    else:
        p = df["term"].map(term_share).fillna(df["weight"])
    phi = df["weight"].clip(lower=1e-12)
    df["_r"] = relevance * np.log(phi) + (1 - relevance) * np.log(phi / np.clip(p, 1e-12, None))
    df = df.sort_values([*keys, "_r", "rank"], ascending=[True] * len(keys) + [False, True], kind="stable")
    labels = (
        df.groupby(keys, sort=True)["term"]
        .agg(lambda s: " · ".join(t.replace(schema.MWE_JOINER, " ") for t in s.iloc[:n_terms]))
        .rename("label")
        .reset_index()
    )
    return labels


def term_shares(docs: pd.DataFrame) -> pd.Series:
    """Corpus share p(w) of each term over the topic documents (for :func:`topic_labels`)."""
    counts = pd.Series([w for t in docs["terms"] for w in t]).value_counts()
    return counts / counts.sum()


def label_topics(
    topics: pd.DataFrame,
    frames: Mapping[str, Iterable[str]] | Any | None = None,
    *,
    docs: pd.DataFrame | None = None,
    n_terms: int = 3,
    relevance: float = 0.6,
    frame_topn: int = 20,
    min_share: float = 0.05,
    ratio: float = 2.0,
) -> pd.DataFrame:
    """The topics table with ``label`` and ``frame`` (and ``share_<frame>``) columns added.

    ``label`` from :func:`topic_labels`; ``frame`` from :func:`topic_frames` (``"other"`` for every topic
    when ``frames`` is None). Returns ``[model,] topic, rank, term, weight, label, frame, ...``.
    """
    keys = [c for c in ("model", "topic") if c in topics.columns]
    share = term_shares(docs) if docs is not None else None
    out = topics.merge(
        topic_labels(topics, n_terms=n_terms, relevance=relevance, term_share=share), on=keys, how="left"
    )
    if frames is None:
        out["frame"] = OTHER
        return out
    fr = topic_frames(topics, frames, topn=frame_topn, min_share=min_share, ratio=ratio)
    out = out.merge(fr, on=keys, how="left")
    first = [*keys, "rank", "term", "weight", "label", "frame"]
    return out[first + [c for c in out.columns if c not in first]]


# --------------------------------------------------------------------------------------------------------
# Prevalence with bootstrap intervals
# --------------------------------------------------------------------------------------------------------


def _wide_theta(doc_topics: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    schema.require_columns(
        doc_topics, ("doc_id", "unit_id", "year", "n_tokens", "topic", "proportion"), "doc_topics"
    )
    keys = ["doc_id", "unit_id"]
    units = doc_topics.drop_duplicates(keys)[["doc_id", "unit_id", "year", "n_tokens"]].reset_index(drop=True)
    wide = doc_topics.pivot(index=keys, columns="topic", values="proportion")
    wide = wide.reindex(pd.MultiIndex.from_frame(units[keys]))
    return units, wide.to_numpy(dtype=float), np.asarray(wide.columns)


#: Cap on the cells (replicates × units) of one block of bootstrap counts in :func:`bootstrap_group_means`.
BOOTSTRAP_CELLS = 2**25


def bootstrap_group_means(
    values: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    groups: np.ndarray,
    *,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    block: int = 1000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted group means of unit rows with a stratified (within-document) bootstrap of the units.

    Estimate for group g and column j: m_gj = Σ_{i∈g} w_i v_ij / Σ_{i∈g} w_i. A replicate draws, in every
    stratum (document) s with n_s units, n_s units with replacement (multinomial counts c_i ~
    Mult(n_s, 1/n_s)) and recomputes m_gj with weights c_i w_i (METHODS §2). Vectorised over replicates in
    blocks of ``block``, fewer when ``block`` × n would pass :data:`BOOTSTRAP_CELLS` (the block's count
    matrix then stays near 256 MiB whatever the number of units; below 33,554 units nothing changes).
    Percentile interval: α/2 and 1 − α/2 quantiles. Rows with NaN values weigh 0.

    Parameters
    ----------
    values : ndarray (n, J)
    weights : ndarray (n,)
    strata : ndarray (n,)
        Resampling stratum of each unit (document id).
    groups : ndarray (n,)
        Group of each unit (period, year...); strata must nest in groups.
    n_boot, seed, alpha, block

    Returns
    -------
    (labels, estimate, low, high)
        Sorted group labels and (G, J) arrays.
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float).copy()
    bad = np.isnan(values).any(1)
    weights[bad] = 0.0
    values = np.where(np.isnan(values), 0.0, values)
    labels, g_idx = np.unique(np.asarray(groups), return_inverse=True)
    s_labels, s_idx = np.unique(np.asarray(strata), return_inverse=True)
    n, j = values.shape
    block = max(1, min(block, BOOTSTRAP_CELLS // max(n, 1)))
    G = len(labels)
    onehot = np.zeros((n, G))
    onehot[np.arange(n), g_idx] = 1.0
    den = (weights[:, None] * onehot).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = (onehot * weights[:, None]).T @ values / den[:, None]
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(s_idx == s) for s in range(len(s_labels))]
    reps = np.empty((n_boot, G, j))
    wv = weights[:, None] * values
    for start in range(0, n_boot, block):
        b = min(block, n_boot - start)
        counts = np.zeros((b, n))
        for idx in members:
            counts[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1.0 / len(idx)), size=b)
        for g in range(G):
            rows = onehot[:, g] > 0
            num = counts[:, rows] @ wv[rows]
            d = counts[:, rows] @ weights[rows]
            with np.errstate(invalid="ignore", divide="ignore"):
                reps[start : start + b, g] = num / d[:, None]
    low, high = np.nanquantile(reps, [alpha / 2, 1 - alpha / 2], axis=0)
    return labels, estimate, low, high


def _group_column(units: pd.DataFrame, by: str, periods: int | Sequence[int]) -> pd.Series:
    from aictlab.periods import assign_periods

    check_choice("by", by, ("period", "year", "doc_id"))
    if by == "period":
        return assign_periods(units["year"].astype(int), periods)["period"]
    return units[by]


def topic_prevalence(
    doc_topics: pd.DataFrame,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    periods: int | Sequence[int] = 5,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Topic prevalence per period, year or document with a seeded segment-bootstrap interval.

    prevalence_k(g) = Σ_{u∈g} n_u θ_uk / Σ_{u∈g} n_u: the token-weighted mean topic proportion of the units
    of group g (n_u = word tokens of unit u; METHODS §10). The interval resamples units with replacement
    within each document (§2; :func:`bootstrap_group_means`), percentile, 1 − ``alpha``. It reflects
    within-document sampling only, given the documents and the fitted model (not refit uncertainty: see
    :func:`seed_prevalence_range`).

    Parameters
    ----------
    doc_topics : DataFrame
        ``doc_id, unit_id, year, n_tokens, topic, proportion`` (``model.document_topics()``); a ``model``
        column is carried as a key.
    by : {"period", "year", "doc_id"}, default="period"
    periods : int or sequence of int, default=5
        Period spec of :func:`aictlab.periods.assign_periods`.
    n_boot : int, default=9999
    seed : int, default=42
    alpha : float, default=0.05

    Returns
    -------
    DataFrame
        ``[model,] topic, <by>, prevalence, ci_low, ci_high, n_units, n_documents, tokens``.
    """
    if "model" in doc_topics.columns:
        parts = [
            topic_prevalence(
                g.drop(columns="model"), by=by, periods=periods, n_boot=n_boot, seed=seed, alpha=alpha
            ).assign(model=m)
            for m, g in doc_topics.groupby("model", sort=True)
        ]
        out = pd.concat(parts, ignore_index=True)
        return out[["model", *[c for c in out.columns if c != "model"]]]
    units, theta, topics = _wide_theta(doc_topics)
    group = _group_column(units, by, periods).to_numpy()
    labels, est, low, high = bootstrap_group_means(
        theta,
        units["n_tokens"].to_numpy(),
        units["doc_id"].to_numpy(),
        group,
        n_boot=n_boot,
        seed=seed,
        alpha=alpha,
    )
    info = _group_info(units, group, labels)
    out = pd.DataFrame(
        {
            "topic": np.tile(topics, len(labels)),
            by: np.repeat(labels, len(topics)),
            "prevalence": est.ravel(),
            "ci_low": low.ravel(),
            "ci_high": high.ravel(),
        }
    ).merge(info.rename(columns={"group": by}), on=by)
    return out.sort_values(["topic", by], kind="stable").reset_index(drop=True)


def _group_info(units: pd.DataFrame, group: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    info = (
        units.assign(group=group)
        .groupby("group")
        .agg(n_units=("unit_id", "size"), n_documents=("doc_id", "nunique"), tokens=("n_tokens", "sum"))
        .reindex(labels)
        .reset_index()
    )
    return info.rename(columns={"index": "group"})


def frame_topic_prevalence(
    doc_topics: pd.DataFrame,
    topic_frame: pd.DataFrame,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    periods: int | Sequence[int] = 5,
    frames: Sequence[str] = (*FRAMES, OTHER),
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Prevalence of frame-leaning topic groups: the topic-model view of the drift.

    θ_u(f) = Σ_{k leaning to f} θ_uk, then as :func:`topic_prevalence`: share_f(g) = Σ n_u θ_u(f) / Σ n_u with a
    within-document segment bootstrap (the same replicates for every frame, so shares of a replicate sum to
    1). A frame without any leaning topic has share 0.

    Parameters
    ----------
    doc_topics : DataFrame
        ``[model,] doc_id, unit_id, year, n_tokens, topic, proportion``.
    topic_frame : DataFrame
        ``[model,] topic, frame`` (one row per topic; the topics table works too).
    by, periods, frames, n_boot, seed, alpha
        As :func:`topic_prevalence`; ``frames`` lists the groups reported.

    Returns
    -------
    DataFrame
        ``[model,] <by>, frame, prevalence, ci_low, ci_high, n_topics, topics, n_units, n_documents, tokens``.
    """
    schema.require_columns(topic_frame, ("topic", "frame"), "topic frames")
    if "model" in doc_topics.columns:
        parts = []
        for m, g in doc_topics.groupby("model", sort=True):
            tf = topic_frame[topic_frame["model"] == m] if "model" in topic_frame.columns else topic_frame
            parts.append(
                frame_topic_prevalence(
                    g.drop(columns="model"),
                    tf.drop(columns="model", errors="ignore"),
                    by=by,
                    periods=periods,
                    frames=frames,
                    n_boot=n_boot,
                    seed=seed,
                    alpha=alpha,
                ).assign(model=m)
            )
        out = pd.concat(parts, ignore_index=True)
        return out[["model", *[c for c in out.columns if c != "model"]]]
    mapping = topic_frame.drop_duplicates("topic").set_index("topic")["frame"]
    units, theta, topics = _wide_theta(doc_topics)
    lean = np.array([mapping.get(t, OTHER) for t in topics])
    values = np.column_stack([theta[:, lean == f].sum(1) for f in frames])
    values[np.isnan(theta).any(1)] = np.nan
    group = _group_column(units, by, periods).to_numpy()
    labels, est, low, high = bootstrap_group_means(
        values,
        units["n_tokens"].to_numpy(),
        units["doc_id"].to_numpy(),
        group,
        n_boot=n_boot,
        seed=seed,
        alpha=alpha,
    )
    info = _group_info(units, group, labels)
    out = pd.DataFrame(
        {
            by: np.repeat(labels, len(frames)),
            "frame": np.tile(list(frames), len(labels)),
            "prevalence": est.ravel(),
            "ci_low": low.ravel(),
            "ci_high": high.ravel(),
            "n_topics": np.tile([int((lean == f).sum()) for f in frames], len(labels)),
            "topics": np.tile([", ".join(map(str, topics[lean == f])) for f in frames], len(labels)),
        }
    ).merge(info.rename(columns={"group": by}), on=by)
    return out.sort_values([by, "frame"], kind="stable").reset_index(drop=True)


def topic_mass_by_document(doc_topics: pd.DataFrame) -> pd.DataFrame:
    """Where each topic lives: the share of a topic's token mass Σ_u n_u θ_uk held by each document.

    With one document per period, a topic held by one document is a document (genre, organiser) effect as
    much as a period effect; this table shows it.

    Returns
    -------
    DataFrame
        ``[model,] topic, doc_id, mass, share`` (shares of a topic sum to 1), sorted by topic then share.
    """
    schema.require_columns(doc_topics, ("doc_id", "n_tokens", "topic", "proportion"), "doc_topics")
    keys = [c for c in ("model",) if c in doc_topics.columns]
    d = doc_topics.assign(mass=doc_topics["n_tokens"] * doc_topics["proportion"].fillna(0.0))
    out = d.groupby([*keys, "topic", "doc_id"], sort=True)["mass"].sum().reset_index()
    out["share"] = out["mass"] / out.groupby([*keys, "topic"])["mass"].transform("sum")
    return out.sort_values(
        [*keys, "topic", "share", "doc_id"], ascending=[True] * (len(keys) + 1) + [False, True]
    )


def weighted_group_means(
    values: np.ndarray, weights: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Point estimates of :func:`bootstrap_group_means`: m_gj = Σ_{i∈g} w_i v_ij / Σ_{i∈g} w_i (NaN rows weigh 0).

    Returns
    -------
    (labels, estimate)
        Sorted group labels and a (G, J) array.
    """
    values = np.asarray(values, dtype=float)
    weights = np.where(np.isnan(values).any(1), 0.0, np.asarray(weights, dtype=float))
    values = np.nan_to_num(values)
    labels, g_idx = np.unique(np.asarray(groups), return_inverse=True)
    num = np.zeros((len(labels), values.shape[1]))
    np.add.at(num, g_idx, weights[:, None] * values)
    den = np.bincount(g_idx, weights=weights, minlength=len(labels))
    with np.errstate(invalid="ignore", divide="ignore"):
        return labels, num / den[:, None]


def frame_shares_by_k(
    selection: TopicSelection,
    frames: Any,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    periods: int | Sequence[int] = 5,
    topn: int = 20,
    min_share: float = 0.05,
    ratio: float = 2.0,
) -> pd.DataFrame:
    """Frame-leaning topic shares of every reference fit of a selection: does the picture depend on K?

    For each (model, K) reference fit: topics lean by :func:`topic_frames`; share of each frame group per
    ``by`` as in :func:`frame_topic_prevalence` (point estimates, no interval).

    Returns
    -------
    DataFrame
        ``model, k, <by>, frame, prevalence, n_topics``.
    """
    sets = frame_sets(frames)
    names = [*FRAMES, OTHER]
    rows = []
    for (model, k), fitted in sorted(selection.models.items()):
        lean = topic_frames(fitted.topics(topn), sets, topn=topn, min_share=min_share, ratio=ratio)
        lean = lean.set_index("topic")["frame"].reindex(np.arange(1, k + 1)).to_numpy()
        theta = fitted.doc_topic_
        values = np.column_stack([theta[:, lean == f].sum(1) for f in names])
        values[np.isnan(theta).any(1)] = np.nan
        units = fitted.docs_
        labels, est = weighted_group_means(
            values, units["n_tokens"].to_numpy(), _group_column(units, by, periods)
        )
        for g, label in enumerate(labels):
            for j, f in enumerate(names):
                rows.append(
                    {
                        "model": model,
                        "k": k,
                        by: label,
                        "frame": f,
                        "prevalence": est[g, j],
                        "n_topics": int((lean == f).sum()),
                    }
                )
    return pd.DataFrame(rows)


def seed_prevalence_range(
    selection: TopicSelection,
    model: str,
    k: int,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    periods: int | Sequence[int] = 5,
    reference: Any = None,
) -> pd.DataFrame:
    """Range of topic prevalence over the subsample refits, topics aligned to the reference fit.

    Each refit's θ on all units is reordered by its Hungarian matching to the reference topics
    (:func:`topic_agreement`); its point prevalence per group is computed as in :func:`topic_prevalence`;
    the table gives the minimum and maximum over refits (METHODS §10, band (ii): refit uncertainty,
    which the segment bootstrap does not carry).

    ``reference``: a fitted model whose topics the refits are matched to instead of the grid's reference
    fit (the model of :func:`final_topic_model` when it was refitted on every unit); the units are still
    the grid's (``selection.docs``, the sample of a capped grid).

    Returns
    -------
    DataFrame
        ``topic, <by>, seed_low, seed_high, n_refits``.
    """
    docs = selection.docs
    group = _group_column(docs, by, periods).to_numpy()
    weights = docs["n_tokens"].to_numpy(dtype=float)
    labels, g_idx = np.unique(group, return_inverse=True)
    estimates = []
    for (m, kk, _s), run in sorted(selection.runs.items()):
        if m != model or kk != int(k):
            continue
        match = run["match"]
        if reference is not None:
            _, match = topic_agreement(
                reference.top_terms(selection.params["depth"]), run["top_terms"], selection.params["depth"]
            )
        theta = run["theta"][:, match]
        ok = ~np.isnan(theta).any(1)
        w = np.where(ok, weights, 0.0)
        th = np.nan_to_num(theta)
        est = np.vstack(
            [(w[g_idx == g, None] * th[g_idx == g]).sum(0) / w[g_idx == g].sum() for g in range(len(labels))]
        )
        estimates.append(est)
    if not estimates:
        raise SettingsError(f"seed_prevalence_range: no subsample refits of {model} with K={k}.")
    stack = np.stack(estimates)
    return (
        pd.DataFrame(
            {
                "topic": np.tile(np.arange(1, int(k) + 1), len(labels)),
                by: np.repeat(labels, int(k)),
                "seed_low": stack.min(0).ravel(),
                "seed_high": stack.max(0).ravel(),
                "n_refits": len(estimates),
            }
        )
        .sort_values(["topic", by], kind="stable")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------------------------------------
# Dynamic topic model
# --------------------------------------------------------------------------------------------------------


def dynamic_topics(
    docs: pd.DataFrame,
    n_topics: int,
    *,
    periods: int | Sequence[int] = 5,
    seed: int = 42,
    passes: int = 10,
    chain_variance: float = 0.005,
    topn: int = 10,
    em_min_iter: int = 6,
    em_max_iter: int = 20,
) -> pd.DataFrame:
    """Dynamic topic model over periods (gensim ``LdaSeqModel``; Blei & Lafferty 2006).

    Topics are chains of term distributions β_{k,t} linked by a Gaussian random walk (variance
    ``chain_variance``) over the periods in time order, so a topic keeps its identity while its top terms
    change (does a "coopération" topic acquire economic vocabulary?). Exploratory below 5 time slices
    (METHODS §10); slow (pure Python), so not part of the default report.

    Returns
    -------
    DataFrame
        ``period, topic, rank, term, weight`` (weight = p(term | topic, period)).
    """
    from gensim.models import LdaSeqModel

    from aictlab.periods import assign_periods

    _check_docs(docs)
    period = assign_periods(docs["year"].astype(int), periods)["period"].to_numpy()
    order = np.argsort(period, kind="stable")
    texts = [list(docs["terms"].iloc[i]) for i in order]
    labels, sizes = np.unique(period[order], return_counts=True)
    dictionary = gensim_dictionary(_vocabulary(texts))
    bow = [dictionary.doc2bow(t) for t in texts]
    with np.errstate(divide="ignore", invalid="ignore"):  # gensim divides by a zero first bound
        model = LdaSeqModel(
            corpus=bow,
            id2word=dictionary,
            time_slice=[int(s) for s in sizes],
            num_topics=n_topics,
            chain_variance=chain_variance,
            passes=passes,
            random_state=seed,
            em_min_iter=em_min_iter,
            em_max_iter=em_max_iter,
        )
    rows = []
    for t, label in enumerate(labels):
        for k, terms in enumerate(model.print_topics(time=t, top_terms=topn)):
            for r, (term, weight) in enumerate(terms, start=1):
                rows.append(
                    {"period": label, "topic": k + 1, "rank": r, "term": term, "weight": float(weight)}
                )
    return pd.DataFrame(rows)
