"""Topic models: LDA (batch variational Bayes, or gensim) and NMF (scikit-learn) behind one tidy interface, and
the streamed LDA fit (gensim).

``docs/methods.md`` §10. References: Blei, Ng & Jordan 2003, "Latent Dirichlet allocation", JMLR 3; Lee &
Seung 1999, "Learning the parts of objects by non-negative matrix factorization", Nature 401.
"""

from __future__ import annotations

import gc
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from aictlab.errors import SchemaError, SettingsError, check_choice
from aictlab.topics.bow import cast_dtm, gensim_dictionary, topic_texts, topic_vocabulary, write_bow_corpus
from aictlab.topics.units import check_topic_documents
from aictlab.topics.vblda import VB_MAX_ITER, VB_TOL, vb_infer, vb_lda_many

__all__ = [
    "LDA_BACKENDS",
    "LDA_DEFAULTS",
    "MODELS",
    "NMF_DEFAULTS",
    "NMF_TOL",
    "STREAM_CHUNKSIZE",
    "STREAM_LDA_DEFAULTS",
    "LdaTopicModel",
    "NmfTopicModel",
    "document_topic_table",
    "fit_lda_many",
    "fit_topic_model",
    "lda_theta_many",
    "make_topic_model",
]

MODELS = ("lda", "nmf")
#: Fitters of an in-memory LDA model (:class:`LdaTopicModel` ``backend``).
LDA_BACKENDS = ("vb", "gensim")
#: Columns of a unit carried into the document-topic table (``period`` when the units have it).
_UNIT_KEYS = ("doc_id", "unit_id", "year", "period", "n_tokens")


class _TopicModelBase:
    """Shared tidy views of a fitted topic model (``topic_term_``, ``doc_topic_``, ``vocabulary_``)."""

    name = "base"

    def _start_fit(self, docs: pd.DataFrame) -> None:
        """Checks shared by every ``fit``; sets ``vocabulary_`` (without copying the units' terms)."""
        check_topic_documents(docs)
        if self.n_topics < 2:
            raise SettingsError(f"n_topics={self.n_topics}: a topic model needs at least 2 topics.")
        self.vocabulary_ = (
            np.asarray(self.vocabulary, dtype=object)
            if self.vocabulary is not None
            else topic_vocabulary(docs["terms"])
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
            ``doc_id, unit_id, year, period, n_tokens, topic, proportion`` (proportions of a unit sum to 1;
            ``period`` when the units carry it).
        """
        self._check_fitted()
        return document_topic_table(self.docs_, self.doc_topic_)

    @property
    def params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}


def document_topic_table(docs: pd.DataFrame, theta: np.ndarray) -> pd.DataFrame:
    """Long table ``doc_id, unit_id, year, [period,] n_tokens, topic, proportion`` from a units × K matrix θ."""
    n, k = theta.shape
    if len(docs) != n:
        raise SchemaError(f"document_topic_table: {len(docs)} units but θ has {n} rows.")
    base = docs[[c for c in _UNIT_KEYS if c in docs.columns]].reset_index(drop=True)
    out = base.loc[base.index.repeat(k)].reset_index(drop=True)
    out["topic"] = np.tile(np.arange(1, k + 1), n)
    out["proportion"] = theta.ravel()
    return out


class LdaTopicModel(_TopicModelBase):
    """Latent Dirichlet allocation by variational Bayes (Blei, Ng & Jordan 2003), in memory or streamed.

    Two fitters of the same model (``backend``), both with ``alpha="auto"`` and ``eta="auto"`` (priors learned
    from the data), float64 and a seed (``docs/methods.md`` §10):

    - ``"vb"`` (default): batch variational Bayes over every unit at once (:mod:`aictlab.topics.vblda`),
      stopped when the evidence lower bound changes by less than ``tol`` (relative), at most ``max_iter``
      iterations. Chosen for speed (issue 15, ``docs/benchmarks.md`` "issue 15: topic grid"): on the seed
      segments a fit takes ~0.05–0.3 s of CPU against ~3–4 s for gensim at 50 passes, and it recovers the
      planted topics of the tests as gensim does. θ = γ normalised.
    - ``"gensim"``: gensim's ``LdaModel`` with one chunk holding every document, ``passes=50,
      iterations=400`` (gensim's defaults, passes=1, iterations=50, underfit a small corpus).

    Streaming (``stream=True``, for a large corpus): the units' bags of words are written once as a gensim
    Matrix Market corpus (:func:`write_bow_corpus`, in ``workdir``) and ``gensim.models.LdaMulticore``
    reads it from disk at every pass, ``chunksize`` units at a time, the E-step of each chunk on one of
    ``workers`` processes. ``batch=True``: the M-step runs once per pass on the summed statistics of every
    chunk, the same update as the in-memory default (one chunk holding every document), so ``passes``,
    ``iterations`` and ``eta`` keep their meaning. θ is then inferred chunk by chunk from the same file.
    Memory is one chunk per worker plus the K × V topic statistics, whatever the number of units (θ, K
    numbers per unit, is the result). ``LdaMulticore`` cannot learn alpha: ``alpha="auto"`` raises, use
    ``"asymmetric"`` (``docs/methods.md`` §10; :data:`STREAM_LDA_DEFAULTS`). Reproducibility: with ``workers=1`` a
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
        Seed of the initial λ (and, with gensim, of the γ initialisation of inference).
    passes, iterations : int, default=50, 400
        gensim: passes over the corpus; both: maximum E-step iterations per unit when inferring θ.
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
    backend : {"vb", "gensim"}, default="vb"
        Fitter of an in-memory fit (a streamed fit is always gensim's ``LdaMulticore``).
    tol : float, default=:data:`aictlab.topics.vblda.VB_TOL`
        ``"vb"``: stop when the relative change of the ELBO between two iterations is below it.
    max_iter : int, default=:data:`aictlab.topics.vblda.VB_MAX_ITER`
        ``"vb"``: most iterations (E-step + M-step).

    Attributes
    ----------
    model_ : gensim.models.LdaModel or gensim.models.LdaMulticore or None
        The gensim model (None with ``backend="vb"``).
    lambda_ : ndarray (K, V)
        ``"vb"``: variational topic-term parameters (gensim's ``state.get_lambda()``), in topic order.
    n_iter_, converged_ : int, bool
        ``"vb"``: iterations run, and whether the ELBO met ``tol`` before ``max_iter``.
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
        backend: str = "vb",
        tol: float = VB_TOL,
        max_iter: int = VB_MAX_ITER,
    ) -> None:
        check_choice("backend", backend, LDA_BACKENDS)
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
        self.backend = backend
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, docs: pd.DataFrame) -> LdaTopicModel:
        """Fit on ``docs`` (:func:`topic_documents`); returns self."""
        self._start_fit(docs)
        if self.backend == "vb" and not self.stream:
            x = cast_dtm(topic_texts(docs), self.vocabulary_)
            result = vb_lda_many(x, self.n_topics, [(None, self.seed)], **self._vb_options())[0]
            return self._set_vb(result, docs, docs["n_tokens"].to_numpy(dtype=float))
        self.dictionary_ = gensim_dictionary(self.vocabulary_)
        self.workers_, self.corpus_path_ = None, None
        self.lambda_, self.n_iter_, self.converged_ = None, None, None
        if self.stream:
            theta = self._fit_stream(docs)
        else:
            from gensim.models import LdaModel

            bow = [self.dictionary_.doc2bow(t) for t in topic_texts(docs)]
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

    def _vb_options(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "eta": self.eta,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "gamma_threshold": self.gamma_threshold,
        }

    def _set_vb(self, result: dict, docs: pd.DataFrame | None, weights: np.ndarray) -> LdaTopicModel:
        """Attributes of a fit from :func:`aictlab.topics.vblda.vb_lda_many`'s result on units ``docs``
        (``weights``: their tokens); ``docs`` None keeps the topics only (``docs_``, ``doc_topic_`` None)."""
        self.model_, self.dictionary_, self.workers_, self.corpus_path_ = None, None, None, None
        gamma = result["gamma"]
        theta = gamma / gamma.sum(1, keepdims=True)
        self.topic_order_ = self._order_topics(theta, weights)
        self.lambda_ = result["lambda"][self.topic_order_]
        self.topic_term_ = self.lambda_ / self.lambda_.sum(1, keepdims=True)
        self.doc_topic_ = theta[:, self.topic_order_]
        self.alpha_ = np.asarray(result["alpha"], dtype=float)[self.topic_order_]
        self.n_iter_, self.converged_ = int(result["n_iter"]), bool(result["converged"])
        if docs is None:
            self.docs_, self.doc_topic_ = None, None
        else:
            self.docs_ = docs.drop(columns=["terms"]).reset_index(drop=True)
        return self

    def _fit_stream(self, docs: pd.DataFrame) -> np.ndarray:
        """LdaMulticore from a Matrix Market corpus on disk; returns θ in gensim's topic order."""
        from gensim.corpora import MmCorpus
        from gensim.models import LdaMulticore

        if isinstance(self.alpha, str) and self.alpha == "auto":
            raise SettingsError(
                "alpha='auto' cannot be learned by a streamed fit (gensim LdaMulticore): "
                "use alpha='asymmetric' (docs/methods.md §10) or a number."
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
        check_topic_documents(docs)
        if self.model_ is None:  # backend "vb"
            return lda_theta_many([self], docs)[0]
        if self.stream:
            bow = (self.dictionary_.doc2bow(list(t)) for t in docs["terms"])
            return self._infer(bow, chunksize=int(self.chunksize or STREAM_CHUNKSIZE), n_units=len(docs))
        return self._infer([self.dictionary_.doc2bow(t) for t in topic_texts(docs)])


def fit_lda_many(
    docs: pd.DataFrame,
    n_topics: int,
    fits: Sequence[tuple[np.ndarray | None, int]],
    *,
    counts=None,
    subset_units: bool = True,
    **params: Any,
) -> list[LdaTopicModel]:
    """Several in-memory LDA fits with K = ``n_topics`` on subsets of ``docs``, solved as one stacked problem.

    Each fit equals ``LdaTopicModel(n_topics, seed=seed, **params).fit(docs.iloc[rows])`` with the
    vocabulary of ``docs`` (``params["vocabulary"]`` when given) bit for bit (``backend="vb"``,
    :func:`aictlab.topics.vblda.vb_lda_many`); stacking only saves Python's cost per fit.

    Parameters
    ----------
    docs : DataFrame
        Topic documents.
    n_topics : int
    fits : sequence of (rows, seed)
        Positions of each fit's units in ``docs`` (None = every unit) and its seed.
    counts : scipy.sparse matrix, optional
        The count matrix of ``docs`` over the vocabulary (:func:`cast_dtm`) when already built (the grid
        builds it once for every K).
    subset_units : bool, default=True
        False: a fit on a subset of the units (rows given) keeps its topics only, ``docs_`` and
        ``doc_topic_`` None (the grid's subsample fits: their θ on every unit is inferred when needed).
    **params
        :class:`LdaTopicModel` parameters (``backend`` must be "vb", not streamed).
    """
    models = [LdaTopicModel(n_topics, seed=seed, **params) for _, seed in fits]
    head = models[0]
    if head.backend != "vb" or head.stream:
        raise SettingsError("fit_lda_many stacks in-memory fits of backend 'vb' only.")
    head._start_fit(docs)  # checks; the vocabulary of every fit
    x = cast_dtm(topic_texts(docs), head.vocabulary_) if counts is None else counts
    results = vb_lda_many(x, n_topics, fits, **head._vb_options())
    weights = docs["n_tokens"].to_numpy(dtype=float)
    for model, (rows, _), result in zip(models, fits, results, strict=True):
        model.vocabulary_ = head.vocabulary_
        if rows is None:
            model._set_vb(result, docs, weights)
        else:
            model._set_vb(result, docs.iloc[rows] if subset_units else None, weights[rows])
    return models


def lda_theta_many(models: Sequence[LdaTopicModel], docs: pd.DataFrame) -> list[np.ndarray]:
    """θ (units × K, each model's topic order) of ``docs`` under several ``"vb"`` models of one vocabulary and
    one K, inferred as one stacked E-step (:func:`aictlab.topics.vblda.vb_infer`; γ starts at 1, so a model's θ
    does not depend on the others)."""
    head = models[0]
    x = cast_dtm(topic_texts(docs), head.vocabulary_)
    gammas = vb_infer(
        x,
        [m.lambda_ for m in models],
        [m.alpha_ for m in models],
        max_iter=head.iterations,
        threshold=head.gamma_threshold,
    )
    return [g / g.sum(1, keepdims=True) for g in gammas]


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


#: Stopping tolerance of the NMF coordinate descent (scikit-learn's ``tol``, whose default is 1e-4): relative
#: to the first sweep's projected-gradient violation, so 1e-3 stops once the gradient has fallen by three
#: orders of magnitude. The fits serve the choice of K and a description of topics, not the factorisation's
#: last digits: on the seeds, 250k and 1M-word benchmarks 1e-3 leaves every chosen K unchanged and moves
#: each K's mean c_npmi and stability by at most 0.14 and 0.17 of their standard deviation across the
#: subsample fits, for 0.6× the NMF grid's CPU at 250k words (``docs/methods.md`` §10, ``docs/benchmarks.md``).
NMF_TOL = 1e-3


class NmfTopicModel(_TopicModelBase):
    """Non-negative matrix factorisation of the TF-IDF matrix (scikit-learn), X ≈ W H.

    X = TF-IDF of the units (``TfidfTransformer(sublinear_tf=True)``: tf = 1 + ln n, smooth idf, rows
    l2-normalised; the document-frequency pruning of :func:`topic_documents` plays ``min_df``).
    ``NMF(K, init="nndsvda", max_iter=1000, tol=NMF_TOL)``: nndsvda is deterministic, so ``seed`` only matters with
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
    tol : float, default=:data:`NMF_TOL`
        scikit-learn's stopping rule: the coordinate-descent sweeps stop when the projected-gradient
        violation falls below ``tol`` times that of the first sweep.
    vocabulary : sequence of str, optional

    Attributes
    ----------
    model_ : aictlab.topics.cdnmf.CdNMF
        scikit-learn's ``NMF``, its fitting loop run without the per-iteration overhead (same numbers).
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
        tol: float = NMF_TOL,
        vocabulary: Sequence[str] | None = None,
    ) -> None:
        self.n_topics = n_topics
        self.seed = seed
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.vocabulary = vocabulary

    def fit(self, docs: pd.DataFrame, counts=None, keep_units: bool = True) -> NmfTopicModel:
        """Fit on ``docs`` (:func:`topic_documents`); returns self.

        ``counts``: their count matrix over the vocabulary (:func:`cast_dtm`) when already built (the grid
        builds it once for every fit). ``keep_units=False`` keeps the topics only: ``docs_`` and
        ``doc_topic_`` None (the grid's subsample fits)."""
        from sklearn.feature_extraction.text import TfidfTransformer

        from aictlab.topics.cdnmf import CdNMF

        self._start_fit(docs)
        if counts is None:
            counts = cast_dtm(topic_texts(docs), self.vocabulary_)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        x = self.tfidf_.transform(counts)
        self.model_ = CdNMF(  # scikit-learn's NMF, its loop without the per-iteration overhead
            self.n_topics, init=self.init, max_iter=self.max_iter, tol=self.tol, random_state=self.seed
        )
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
        if keep_units:
            self.docs_ = docs.drop(columns=["terms"]).reset_index(drop=True)
        else:
            self.docs_, self.doc_topic_ = None, None
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
        check_topic_documents(docs)
        x = self.tfidf_.transform(cast_dtm(topic_texts(docs), self.vocabulary_))
        return self._theta(self.model_.transform(x))


#: Default settings of each family (``docs/methods.md`` §10), overridable through ``params``.
LDA_DEFAULTS: dict[str, Any] = {
    "backend": "vb",
    "tol": VB_TOL,
    "max_iter": VB_MAX_ITER,
    "passes": 50,
    "iterations": 400,
    "alpha": "auto",
    "eta": "auto",
}
NMF_DEFAULTS: dict[str, Any] = {"init": "nndsvda", "max_iter": 1000, "tol": NMF_TOL}
#: Units per chunk of a streamed LDA fit (read from disk and sent to a worker at a time): gensim's default.
STREAM_CHUNKSIZE = 2000
#: What a streamed LDA fit changes in the grid's LDA settings: ``LdaMulticore`` cannot learn alpha, so
#: alpha="auto" becomes "asymmetric" (``docs/methods.md`` §10); passes, iterations and eta="auto" stay.
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
