"""Model selection: the K × seeds grid scored by coherence and stability, the choice of K, and the final fit.

``docs/methods.md`` §10. Large corpora: with more than ``max_units`` units the grid runs on a seeded sample
stratified by period (:func:`aictlab.topics.units.sample_topic_units`) and :func:`final_topic_model` then fits
the chosen K on every unit, LDA streamed from disk when :func:`stream_final_fit` says so.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.errors import SchemaError, SettingsError, check_choice
from aictlab.topics.bow import cast_dtm, gensim_dictionary, topic_texts, topic_vocabulary
from aictlab.topics.coherence import coherence_many
from aictlab.topics.models import (
    LDA_DEFAULTS,
    MODELS,
    NMF_DEFAULTS,
    STREAM_LDA_DEFAULTS,
    fit_lda_many,
    lda_theta_many,
    make_topic_model,
)
from aictlab.topics.stability import topic_agreement
from aictlab.topics.units import check_topic_documents, sample_topic_units, sampling_rule
from aictlab.workers import abandon_pool

__all__ = [
    "STREAM_MODES",
    "TOPIC_STREAM_UNITS",
    "TopicSelection",
    "choose_k",
    "final_topic_model",
    "select_topic_models",
    "stream_final_fit",
]

log = logging.getLogger("aictlab.topics")


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
        (model, k, seed) -> {"top_terms": list, "model": the fitted subsample model (without its units and
        θ), "match": ndarray}: each subsample fit, topics aligned to the reference (``match``); its θ on every
        unit comes from :meth:`refit_thetas`.
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

    def refit_thetas(self, model: str, k: int) -> dict[int, np.ndarray]:
        """θ on every unit of ``docs`` (units × K, each fit's own topic order) of each subsample fit of
        ``model`` with ``k`` topics, by seed. Inferred on first use and kept (only the chosen K is ever
        needed, so the grid does not infer the others); LDA "vb" fits in one stacked E-step."""
        keys = sorted(key for key in self.runs if key[0] == model and key[1] == int(k))
        missing = [key for key in keys if "theta" not in self.runs[key]]
        if missing:
            fitted = [self.runs[key]["model"] for key in missing]
            if model == "lda" and all(getattr(f, "model_", True) is None for f in fitted):
                thetas = lda_theta_many(fitted, self.docs)
            else:
                thetas = [f.transform(self.docs) for f in fitted]
            for key, theta in zip(missing, thetas, strict=True):
                self.runs[key]["theta"] = theta
        return {key[2]: self.runs[key]["theta"] for key in keys}

    def chosen_k(self, model: str) -> int:
        """K chosen by the default rule of :func:`choose_k` for ``model``."""
        return choose_k(self.summary, model=model, **self.params.get("rule", {}))


def _fit_group(
    group: dict, docs: pd.DataFrame, vocabulary: np.ndarray, counts, depth: int, topn: int
) -> list[dict]:
    """Every fit of one (model, K): the reference and the subsamples; each one's top terms and θ on all units.

    ``counts``: the units' count matrix over ``vocabulary`` (:func:`cast_dtm`), built once for every group.

    In-memory LDA fits of backend "vb" are stacked into one problem (:func:`fit_lda_many`, identical to
    separate fits); a fit's ``seconds`` (``cpu_seconds``: this thread's CPU time) is then the group's time
    divided by its fits. Run with one BLAS thread (the caller's limit): the grid's parallelism is across
    groups, and results then do not depend on the number of workers.
    """
    start, cpu = time.perf_counter(), time.thread_time()
    model, k, params, fits = group["model"], group["k"], group["params"], group["fits"]
    if model == "lda" and params.get("backend", "vb") == "vb" and not params.get("stream"):
        fits_ = [(rows, seed) for rows, seed, _ in fits]
        fitted = fit_lda_many(
            docs, k, fits_, counts=counts, subset_units=False, vocabulary=vocabulary, **params
        )
    else:
        fitted = []
        for rows, seed, _ in fits:
            one = make_topic_model(model, k, seed=seed, vocabulary=vocabulary, **params)
            train = docs if rows is None else docs.iloc[rows]
            if model != "nmf":
                fitted.append(one.fit(train))
            else:
                sub = counts if rows is None else counts[rows]
                fitted.append(one.fit(train, counts=sub, keep_units=rows is None))
    for one, (rows, _, _) in zip(fitted, fits, strict=True):
        if rows is not None:  # a subsample fit keeps its topics only: θ on every unit is inferred on demand
            one.docs_, one.doc_topic_ = None, None
    seconds, cpu_seconds = (time.perf_counter() - start) / len(fits), (time.thread_time() - cpu) / len(fits)
    return [
        {
            "model": model,
            "k": k,
            "seed": seed,
            "sample": sample,
            "top_terms": one.top_terms(max(depth, topn)),
            "fitted": one,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
        }
        for one, (rows, seed, sample) in zip(fitted, fits, strict=True)
    ]


def _score_sets(topic_sets: list, texts: list, vocabulary: np.ndarray, topn: int, measure: str):
    cpu = time.thread_time()
    dictionary = gensim_dictionary(vocabulary)
    scores = coherence_many(topic_sets, texts, measures=[measure], topn=topn, dictionary=dictionary)
    return scores, time.thread_time() - cpu


#: The grid's units, vocabulary, texts and count matrix in this process: set by :func:`_grid_pool` (in a worker
#: process, by its initializer), read by :func:`_grid_task`.
_GRID_DATA: dict[str, Any] = {}


def _grid_init(docs: pd.DataFrame, vocabulary: np.ndarray, texts: list, counts) -> None:
    """Worker initializer: the grid's data (inherited, not copied, by a forked worker) and one BLAS thread."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    _GRID_DATA.update(docs=docs, vocabulary=vocabulary, texts=texts, counts=counts)


def _grid_task(task: tuple):
    """One task of the grid: ``("fit", group, depth, topn)`` or ``("score", topic_sets, topn, measure)``."""
    data = _GRID_DATA
    if task[0] == "fit":
        return _fit_group(task[1], data["docs"], data["vocabulary"], data["counts"], task[2], task[3])
    return _score_sets(task[1], data["texts"], data["vocabulary"], task[2], task[3])


@contextlib.contextmanager
def _grid_pool(n_jobs: int, docs: pd.DataFrame, vocabulary: np.ndarray, texts: list, counts):
    """``run(func, tasks)`` -> results in task order: in this process (``n_jobs`` <= 1), or over ``n_jobs``
    workers started once for the whole grid: forked processes on Linux, threads of this process elsewhere.

    Processes where fork is the platform's way (Linux: no imports and no copies of the units in the workers):
    a fit is a long series of short numpy/SciPy/scikit-learn calls, each releasing and taking back the GIL,
    so two threads of one process wait for each other at every call (~10 % of the part's wall time on the
    250k-word benchmark, ``docs/benchmarks.md``). Elsewhere (macOS, Windows: spawned processes would import
    everything again and re-run a script without a ``__main__`` guard) threads. The numbers are the same.
    """
    _grid_init(docs, vocabulary, texts, counts)
    try:
        if n_jobs <= 1:
            yield lambda func, tasks: map(func, tasks)
            return
        if not sys.platform.startswith("linux"):
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=int(n_jobs)) as threads:
                yield threads.map
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # what the tasks import (NMF, coherence: seconds of CPU each), once here rather than in every forked
        # worker; this process imports them anyway for the final fits
        import gensim.models  # noqa: F401
        import scipy.special  # noqa: F401
        import sklearn.decomposition
        import sklearn.feature_extraction.text  # noqa: F401

        with ProcessPoolExecutor(
            max_workers=int(n_jobs),
            mp_context=multiprocessing.get_context("fork"),
            initializer=_grid_init,
            initargs=(docs, vocabulary, texts, counts),
        ) as pool:
            try:
                yield pool.map
            except BaseException:  # interrupted: the pool's exit must not wait for a half-sent result
                abandon_pool(pool)
                raise
    finally:
        _GRID_DATA.clear()


def select_topic_models(
    docs: pd.DataFrame,
    *,
    k: Iterable[int] = range(2, 11),
    models: Sequence[str] = MODELS,
    seed: int = 42,
    n_seeds: int = 20,
    sample: float = 0.8,
    depth: int = 20,
    topn: int = 10,
    n_jobs: int = 1,
    lda_params: Mapping[str, Any] | None = None,
    nmf_params: Mapping[str, Any] | None = None,
    rule: Mapping[str, Any] | None = None,
    max_units: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TopicSelection:
    """Fit every model family for every K on all units and on ``n_seeds`` subsamples; score each fit.

    For each (model, K): a *reference* fit on all units with ``seed``; then for r = 1..n_seeds a fit on a
    random ``sample`` share of the units (drawn without replacement by ``default_rng(seed + r)``; LDA also
    takes ``random_state = seed + r``). Each fit gets c_v and c_npmi (:func:`topic_coherence`, top ``topn``
    terms, on all units) and its agreement with the reference (:func:`topic_agreement`, depth ``depth``);
    stability(K) = mean agreement (Greene et al. 2014; ``docs/methods.md`` §10). Subsamples perturb both families:
    NMF with nndsvda does not depend on the seed.

    Cost (issue 15, ``docs/benchmarks.md``): the default grid is 9 K × 21 fits × 2 families = 378 fits,
    R = 20 as ``docs/methods.md`` §10 asks. The fits of one (model, K) run as one task, in parallel over
    ``n_jobs`` workers started once for the grid (forked processes on Linux, threads elsewhere: threads of one
    process wait for each other, a fit being thousands of short numpy, SciPy and scikit-learn calls, each
    taking back the GIL; see :func:`_grid_pool`), biggest first; LDA fits by batch variational Bayes
    (:mod:`aictlab.topics.vblda`, the K's 21 fits stacked in one problem), ~0.2 s of CPU each on the 434 seed
    segments (gensim at 50 passes: ~3 s); coherence scores every topic set on one count of windows per measure. The cost grows
    linearly with the units (~45 s of CPU per 1,000 units), hence the cap ``max_units``. Progress: one
    ``aictlab.topics`` log line per (model, K) done, with the fits done and a rough time left.

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
        Workers of the fits (processes on Linux, threads elsewhere; each with one BLAS thread; 1 = in this
        process); results do not depend on it.
    lda_params, nmf_params : mapping, optional
        Override :data:`LDA_DEFAULTS` / :data:`NMF_DEFAULTS`.
    rule : mapping, optional
        Keyword arguments of :func:`choose_k` (stored for :meth:`TopicSelection.chosen_k`).
    max_units : int, optional
        Cap on the units of the grid (see above; strata: the units' ``period`` column); None fits the grid on
        every unit.
    progress : callable, optional
        Called as ``progress(fits_done, fits_total)`` each time a (model, K) group of fits ends.

    Returns
    -------
    TopicSelection
    """
    from threadpoolctl import threadpool_limits

    check_topic_documents(docs)
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
        sample_rows = sample_topic_units(docs, max_units, seed=seed)
        docs = docs.iloc[sample_rows].reset_index(drop=True)
        sample_rule = sampling_rule(max_units, n_total, seed)
        log.info("topic model selection on %d of %d units (%s)", len(docs), n_total, sample_rule)
    if ks[-1] >= len(docs):
        raise SettingsError(f"K={ks[-1]} topics for {len(docs)} units: use fewer topics or more units.")
    texts = topic_texts(docs)
    vocabulary = topic_vocabulary(texts)
    params = {"lda": {**LDA_DEFAULTS, **(lda_params or {})}, "nmf": {**NMF_DEFAULTS, **(nmf_params or {})}}
    n = len(docs)
    m_sub = max(int(round(sample * n)), ks[-1] + 1)
    subsamples = {
        seed + r: np.sort(np.random.default_rng(seed + r).choice(n, size=min(m_sub, n), replace=False))
        for r in range(1, n_seeds + 1)
    }
    groups = [
        {
            "model": model,
            "k": kk,
            "params": params[model],
            "fits": [(None, seed, "full")] + [(rows, s, "subsample") for s, rows in subsamples.items()],
        }
        for model in models
        for kk in ks
    ]
    # biggest groups first keeps both workers busy
    order = sorted(range(len(groups)), key=lambda i: (groups[i]["model"] != "lda", -groups[i]["k"], i))
    n_fits, done, grid_start = len(groups) * (n_seeds + 1), 0, time.perf_counter()
    # a group's cost grows about with K (the E-step's work is units x terms x K): the time left is the time so
    # far scaled by the K still to fit (rough: NMF groups, last, cost less than LDA ones)
    weight_left = weight_total = sum(g["k"] for g in groups)
    fitted_groups = [None] * len(groups)
    # one BLAS thread per fit (set here, inherited by forked workers, set again by spawned ones), so that the
    # numbers do not depend on n_jobs
    counts = cast_dtm(texts, vocabulary)  # every group's units: built once, not per (model, K)
    with threadpool_limits(1), _grid_pool(n_jobs, docs, vocabulary, texts, counts) as run:
        outputs = run(_grid_task, [("fit", groups[i], depth, topn) for i in order])
        for i, out in zip(order, outputs, strict=True):
            fitted_groups[i] = out
            done += len(out)
            weight_left -= groups[i]["k"]
            elapsed = time.perf_counter() - grid_start
            log.info(
                "topic grid: %s K=%d done (%d fits); %d/%d fits, %.0f s, about %.0f s left",
                groups[i]["model"], groups[i]["k"], len(out), done, n_fits, elapsed,
                elapsed * weight_left / (weight_total - weight_left),
            )  # fmt: skip
            if progress is not None:
                progress(done, n_fits)
        results = [res for out in fitted_groups for res in out]
        # coherence: the window counts once per measure, every topic set scored on them
        coherence_start = time.perf_counter()
        topic_sets = [res["top_terms"] for res in results]
        scored = list(run(_grid_task, [("score", topic_sets, topn, m) for m in ("c_v", "c_npmi")]))
    coherence_cpu = sum(cpu for _, cpu in scored)
    coherence_seconds = time.perf_counter() - coherence_start
    for scores, _ in scored:
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
                "model": res["fitted"],
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
            "coherence_seconds": coherence_seconds,
            "coherence_cpu_seconds": coherence_cpu,
            "vocabulary_size": len(vocabulary),
        },
    )


#: Values of Settings.topic_stream (see :func:`stream_final_fit`).
STREAM_MODES = ("auto", "never", "always")
#: Units above which the final LDA fit streams from disk under topic_stream="auto". The in-memory fit
#: (:func:`aictlab.topics.vblda.vb_lda_many`) updates the units in blocks of at most
#: :data:`aictlab.topics.vblda.VB_BLOCK_NNZ` nonzero counts, so its working memory is bounded; what grows with
#: the units is the count matrix (~40 bytes per (unit, term) pair: ~0.1 GB on the 5.4M-word benchmark's
#: 124,878 segments, whose K = 3 fit took 16 CPU s, 24 iterations, 0.65 GB peak). The streamed fit (gensim
#: LdaMulticore, 50 passes, each a per-unit Python E-step) took ~11 s of wall per 1,000 units and pass on one
#: worker (loaded machine), i.e. hours there: it is for corpora whose count matrix does not fit in memory,
#: ~1M segments (~40M words) and more.
TOPIC_STREAM_UNITS = 1_000_000


def stream_final_fit(mode: str, n_units: int, stream_units: int = TOPIC_STREAM_UNITS) -> bool:
    """Whether the final LDA model is fitted by streaming (Settings.topic_stream).

    ``"auto"``: streamed exactly when the units exceed ``stream_units`` (:data:`TOPIC_STREAM_UNITS`), where
    the count matrix of the in-memory fit would pass ~1 GB; below, a capped grid's chosen K is refitted on
    every unit in memory, by batch variational Bayes in blocks of units (memory bounded, cost linear in the
    nonzero counts per iteration, at most ``max_iter`` iterations: ``docs/benchmarks.md``). The engine does not
    enter, so the memory and Dask engines give the same topics. ``"always"``: a streamed refit on every unit
    even below (it then replaces the grid's reference fit). ``"never"``: never streamed.
    """
    check_choice("topic_stream", mode, STREAM_MODES)
    if mode == "auto":
        return n_units > stream_units
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

    Rule (``docs/methods.md`` §10, fixed before looking at the seeds):

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
