"""Report part: topic models (LDA and NMF), choice of K, frame-labelled topics, prevalence over time.

Rules that follow the corpus (each stated in the section): the vocabulary keeps lemmas in ≥ max(2, ⌈0.0005 ×
units⌉) units (:func:`aictlab.topics.scaled_min_df`); K runs over ``Settings.topic_k`` capped at
⌊units / 30⌋ (:func:`aictlab.topics.topic_k_grid`); with fewer than 100 units the section says so and nothing
is fitted; a topic with more than 90 % of its token mass in one document is named, with what to change
(:func:`aictlab.topics.degenerate_topics`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Sequence

import pandas as pd

from aictlab import bins, verdict
from aictlab import topics as tp
from aictlab.config import Settings
from aictlab.errors import SchemaError, SettingsError
from aictlab.lexicon import Lexicon, load_lexicon
from aictlab.plots import topics as tplots
from aictlab.report.context import ReportContext
from aictlab.report.render import figure_markdown, markdown_table
from aictlab.report.text import TOPIC_LEANS, dropped_units_note, fmt_number, period_resampling

__all__ = ["ahead", "run"]


def _not_run(err: Exception) -> str:
    """The section of a corpus the topic models cannot run on: why, and what would let them run."""
    return "\n".join(
        [
            "## Topic models",
            "",
            f"Not run: {err}. Topic models need at least {tp.TOPIC_MIN_UNITS} units and "
            f"{tp.UNITS_PER_TOPIC} units per topic (K <= units / {tp.UNITS_PER_TOPIC}); add documents, or "
            "use shorter segments (`segment_size`).",
            "",
        ]
    )


def _degenerate_topics(doc_topics: pd.DataFrame, mass: pd.DataFrame) -> list[str]:
    """Lines naming the topics whose token mass sits on one document (:func:`aictlab.topics.degenerate_topics`,
    ``mass`` = :func:`aictlab.topics.topic_mass_by_document`), with what to change (empty when there is none)."""
    bad = tp.degenerate_topics(doc_topics, mass=mass)
    if bad.empty:
        return []
    listing = "; ".join(
        f"{tplots.MODEL_LABELS.get(r.model, r.model)} topic {r.topic}: {100 * r.share:.0f} % in {r.doc_id}"
        for r in bad.itertuples()
    )
    return [
        f"**Topics on one document** ({len(bad)}): {listing}. More than "
        f"{100 * tp.DEGENERATE_TOPIC_SHARE:.0f} % of each one's token-weighted prevalence comes from a single "
        "document: it describes that document (its genre, its organiser), not a theme of the corpus, and its "
        "prevalence over periods follows the document's date. Try a smaller K (`topic_k_chosen`), check the "
        "document for duplication or boilerplate, or read these topics as document markers.",
        "",
    ]


def _lda_method(params: dict) -> str:
    """How the grid's LDA fits were run, in words."""
    if params.get("backend", "gensim") == "vb":
        return (
            f"batch variational Bayes, stopped when the evidence lower bound changes by less than "
            f"{params['tol']:g} (relative; at most {params['max_iter']} iterations)"
        )
    return f"gensim, passes {params['passes']}, iterations {params['iterations']}"


def _primary(summary: pd.DataFrame, chosen: dict[str, int]) -> str:
    """Headline family: the one whose chosen K is the more stable (ties: LDA, the first family of
    docs/methods.md §10)."""
    stab = {
        m: float(summary[(summary["model"] == m) & (summary["k"] == k)]["stability"].iloc[0])
        for m, k in chosen.items()
    }
    return max(sorted(stab), key=lambda m: (round(stab[m], 6), m == "lda"))


def _by_k_table(by_k: pd.DataFrame, frames: Sequence[str], first: str, last: str) -> pd.DataFrame:
    """One row per model and K: each frame's leaning-topic share in the first and last period."""
    d = by_k[by_k["period"].isin([first, last]) & by_k["frame"].isin(frames)]
    wide = d.pivot_table(index=["model", "k"], columns=["frame", "period"], values="prevalence")
    wide.columns = [f"{f}_{'first' if p == first else 'last'}" for f, p in wide.columns]
    counts = d.drop_duplicates(["model", "k", "frame"]).pivot_table(
        index=["model", "k"], columns="frame", values="n_topics"
    )
    counts.columns = [f"n_{c}_topics" for c in counts.columns]
    return wide.join(counts).reset_index()


def _select_with_progress(ctx: ReportContext, docs, **kwargs):
    """:func:`aictlab.topics.select_topic_models` with a bar over its fits under the report's progress."""

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    with ctx.progress_bar(desc="topic grid: fits") as bar:
        return tp.select_topic_models(docs, progress=advance, **kwargs)


@dataclasses.dataclass(frozen=True)
class _GridPlan:
    """What the topic grid runs on and the cache key of its results (the same for :func:`ahead` and :func:`run`)."""

    docs: pd.DataFrame
    k_grid: list[int]
    key: dict
    max_units: int | None

    @property
    def sampled(self) -> bool:
        return self.max_units is not None and len(self.docs) > self.max_units

    def select(self, ctx: ReportContext, *, progress: bool) -> tp.TopicSelection:
        """The whole grid (:func:`aictlab.topics.select_topic_models`), with a bar over its fits or without."""
        s = ctx.settings
        kwargs = {"k": self.k_grid, "seed": s.seed, "n_seeds": s.topic_seeds, "max_units": self.max_units,
                  "n_jobs": max(1, min(2, os.cpu_count() or 1))}  # fmt: skip
        if progress:
            return _select_with_progress(ctx, self.docs, **kwargs)
        return tp.select_topic_models(self.docs, **kwargs)


def _documents_key(s: Settings) -> dict:
    """The result-cache key of the topic documents, besides the corpus."""
    return {
        "unit": s.topic_unit,
        "keep_duplicates": s.keep_duplicates,
        "periods": s.periods,
        "min_df": "auto",
    }


def _grid_plan(ctx: ReportContext) -> _GridPlan:
    """The topic documents (cached), the K grid that fits them and the grid's cache key.

    Raises SettingsError or SchemaError when the corpus cannot hold topic models (too few units)."""
    s = ctx.settings
    docs = ctx.cached(
        "topic_documents",
        _documents_key(s),
        # partition by partition (Corpus.map_tokens): tokens on disk (Dask engine) are never all in memory;
        # the units carry their document's period, assigned once (as_corpus); the vocabulary's minimum
        # document frequency scales with the number of units (tp.scaled_min_df)
        lambda: tp.topic_documents(
            ctx.corpus, unit=s.topic_unit, keep_duplicates=s.keep_duplicates, periods=s.periods, min_df="auto"
        ),
    )
    # the K grid scales with the units (tp.topic_k_grid): too few units -> the section says why
    k_grid = tp.topic_k_grid(len(docs), s.topic_k, unit=s.topic_unit)
    max_units = s.topic_max_units or None
    key = {
        "unit": s.topic_unit,
        "keep_duplicates": s.keep_duplicates,
        "lemmatizer": s.lemmatizer,
        "segment_size": s.segment_size,
        "k": k_grid,
        "n_seeds": s.topic_seeds,
        "seed": s.seed,
        "lda": tp.LDA_DEFAULTS,
        "nmf": tp.NMF_DEFAULTS,
        "docs": docs.attrs,
    }
    if max_units is not None and len(docs) > max_units:  # the sample depends on the cap and the periods
        key = {**key, "max_units": max_units, "sample_periods": s.periods}
    return _GridPlan(docs, k_grid, key, max_units)


@dataclasses.dataclass(frozen=True)
class _TopicResults:
    """What the topics part computes, each piece through the result cache (:func:`_topic_results`)."""

    selection: tp.TopicSelection  # the grid without its fitted models
    chosen: dict[str, int]
    refitted: dict[str, bool]
    stream: bool
    workers: int
    topics: pd.DataFrame
    doc_topics: pd.DataFrame
    mass: pd.DataFrame
    prevalence: pd.DataFrame
    frame_prev: pd.DataFrame
    compared: dict
    frame_cmp: pd.DataFrame
    by_k: pd.DataFrame
    dynamic: pd.DataFrame | None


def _topic_results(ctx: ReportContext, plan: _GridPlan, lexicon: Lexicon, *, progress: bool) -> _TopicResults:
    """The grid, the reported models and every table the topics part reports, each read from or written to the
    result cache.

    Run whole in the grid's process when the grid starts ahead (:func:`ahead`): reading the grid's fits back
    (tens of MB), the final fits on every unit, the bootstraps and the refits then run there, on the core the
    other parts leave idle, and only these tables come back (docs/benchmarks.md, session 30).
    """
    s = ctx.settings
    docs, key, sampled = plan.docs, plan.key, plan.sampled

    @functools.cache
    def grid() -> tp.TopicSelection:
        """The whole grid, every subsample fit included (tens of MB): read only by what is not cached."""
        return ctx.cached("topics_selection", key, lambda: plan.select(ctx, progress=progress))

    # the grid without its fitted models (a tenth of the size, no scikit-learn object): all that a warm run reads
    selection = ctx.cached(
        "topics_selection_head", key, lambda: dataclasses.replace(grid(), runs={}, models={})
    )
    models = selection.params["models"]
    chosen = {m: int(s.topic_k_chosen) if s.topic_k_chosen else selection.chosen_k(m) for m in models}

    # the reported models: the grid's reference fits, or (capped grid, or topic_stream="always") the chosen
    # K fitted on every unit, LDA streamed from a Matrix Market corpus in the processed folder
    stream = tp.stream_final_fit(s.topic_stream, len(docs))
    workers = s.topic_workers or max(1, (os.cpu_count() or 1) - 1)
    refitted, final_kind = {}, {}
    for m in models:
        refitted[m] = sampled or (stream and m == "lda")
        final_kind[m] = (
            f"stream-{workers}" if stream and m == "lda" else "memory" if refitted[m] else "reference"
        )

    @functools.cache
    def final(m: str):
        """The reported model of family ``m``: read or fitted only by what is not cached."""
        if not refitted[m]:
            return grid().reference(m, chosen[m])
        final_key = {**key, "model": m, "k": chosen[m], "stream": stream and m == "lda"}
        if final_key["stream"]:
            final_key["workers"] = workers  # more than one worker: not bit-identical (see LdaTopicModel)
        return ctx.cached(
            f"topics_final_{m}",
            final_key,
            lambda: tp.final_topic_model(
                grid(),
                docs,
                m,
                chosen[m],
                stream=stream,
                workers=workers,
                workdir=s.path("processed") / "topics",
            ),
        )

    def fitted_tables() -> tuple[list, list]:
        """Each reported model's top terms (labelled) and θ by unit."""
        share = tp.term_shares(docs)  # p(w) of the units, the same for every model
        terms = [
            tp.label_topics(final(m).topics(topn=20).assign(model=m), lexicon, term_share=share)
            for m in models
        ]
        return terms, [final(m).document_topics().assign(model=m) for m in models]

    topic_tables, doc_topics = ctx.cached(
        "topics_fitted_tables",
        {**key, "chosen": chosen, "final": final_kind, "lexicon": lexicon.sha256},
        fitted_tables,
    )
    topics = pd.concat(topic_tables, ignore_index=True)
    topics.insert(1, "k", topics["model"].map(chosen))
    dt = pd.concat(doc_topics, ignore_index=True)
    mass = tp.topic_mass_by_document(dt)  # also read by _degenerate_topics
    main = mass.drop_duplicates(["model", "topic"])
    main = main.rename(columns={"doc_id": "main_document", "share": "main_document_share"})
    topics = topics.merge(
        main[["model", "topic", "main_document", "main_document_share"]], on=["model", "topic"]
    )
    first = ["model", "topic", "rank", "term", "weight", "label", "frame"]
    topics = topics[first + [c for c in topics.columns if c not in first]]

    prev_key = {
        **key,
        "chosen": chosen,
        "final": final_kind,
        "bootstrap": s.bootstrap,
        "periods": s.periods,
        "lexicon": lexicon.sha256,
    }
    # documents (clusters) vary: a period holding min_documents of them resamples them (docs/methods.md §13)
    boot = {
        "n_boot": s.bootstrap, "seed": s.seed, "min_documents": s.min_documents, "unit_name": s.topic_unit,
        "clusters": (
            verdict.document_clusters(ctx.corpus.documents, dt["doc_id"].unique(), s.cluster).to_dict()
            if s.cluster else None
        ),
    }  # fmt: skip
    prevalence, frame_prev = ctx.cached(
        "topics_prevalence",
        {**prev_key, "min_documents": s.min_documents, "cluster": s.cluster, "unit": s.topic_unit},
        # one draw of the replicates for both tables and both models (same units, same seed)
        lambda: tp.topic_and_frame_prevalence(dt, topics, by="period", **boot),
    )
    ranges = ctx.cached(  # refits every seed's thetas: seconds, so a warm run reads it
        "topics_seed_ranges",
        prev_key,
        lambda: pd.concat(
            [
                tp.seed_prevalence_range(
                    grid(),
                    m,
                    chosen[m],
                    by="period",
                    reference=final(m) if refitted[m] else None,
                ).assign(model=m)
                for m in models
                if selection.params["n_seeds"] > 0
            ]
            or [pd.DataFrame(columns=["model", "topic", "period"])],
            ignore_index=True,
        ),
    )
    prevalence = prevalence.merge(ranges, on=["model", "topic", "period"], how="left")
    # the topic view of the drift contrasts the lexicon's compared periods (thin edge periods merged inward)
    compared = ctx.compared_periods()
    frame_cmp = ctx.cached(
        "topics_frame_prevalence_compared",
        {
            **prev_key,
            "min_documents": s.min_documents,
            "cluster": s.cluster,
            "unit": s.topic_unit,
            "compared": bins.compared_labels(compared),
        },  # fmt: skip
        lambda: tp.compared_frame_prevalence(dt, topics, compared, **boot),
    )
    by_k = ctx.cached(
        "topics_frame_shares_by_k", prev_key, lambda: tp.frame_shares_by_k(grid(), lexicon, by="period")
    )
    dynamic = None
    if s.extra.get("topic_dynamic"):
        # optional (slow, pure-Python gensim LdaSeqModel): K of the headline family, LDA's vocabulary
        k_dyn = chosen[_primary(selection.summary, chosen)]
        dynamic = ctx.cached(
            "topics_dynamic",
            {**key, "k": k_dyn, "periods": s.periods},
            lambda: tp.dynamic_topics(grid().docs, k_dyn, seed=s.seed),
        )
    return _TopicResults(
        selection, chosen, refitted, stream, workers, topics, dt, mass,
        prevalence, frame_prev, compared, frame_cmp, by_k, dynamic,
    )  # fmt: skip


def ahead(ctx: ReportContext) -> Callable[[], tuple[_GridPlan, _TopicResults]] | None:
    """The topics part's computations (:func:`_planned_results`: the topic documents, the grid, the tables
    that follow), to be run while the parts before this one run (:func:`aictlab.report.runner.start_ahead`).

    Returns the call, or None when the grid is cached or the corpus cannot hold topic models (:func:`run`
    then says why). On a new corpus the call builds the topic documents too (~0.4 CPU s per 250k words, on
    the core the corpus stage leaves idle at its end); cached, they are read here, to know whether the grid
    is cached too.
    """
    lexicon = load_lexicon(ctx.settings.lexicon_path)
    plan = None
    if ctx.is_cached("topic_documents", _documents_key(ctx.settings)):
        try:
            plan = _grid_plan(ctx)
        except (SettingsError, SchemaError):
            return None
        if ctx.is_cached("topics_selection", plan.key):
            return None
    # scikit-learn (~1 CPU s to import) is imported by the forked process (topics.selection._grid_pool), not
    # here: this process never uses it, and here it would hold the run's one busy core (docs/benchmarks.md,
    # session 32)
    return functools.partial(_planned_results, ctx, lexicon, plan)


def _planned_results(
    ctx: ReportContext, lexicon: Lexicon, plan: _GridPlan | None
) -> tuple[_GridPlan, _TopicResults]:
    """The plan (:func:`_grid_plan`, unless given) and :func:`_topic_results` without a progress bar."""
    plan = _grid_plan(ctx) if plan is None else plan
    return plan, _topic_results(ctx, plan, lexicon, progress=False)


def run(ctx: ReportContext) -> str:
    s = ctx.settings
    lexicon = load_lexicon(s.lexicon_path)
    # started ahead (runner.start_ahead): the plan and the computed tables, or the error of a corpus too small
    started = ctx.ahead.get("topics")
    try:
        plan, r = started.result() if started is not None else (_grid_plan(ctx), None)
    except (SettingsError, SchemaError) as err:
        return _not_run(err)
    r = _topic_results(ctx, plan, lexicon, progress=True) if r is None else r
    docs, k_grid, max_units = plan.docs, plan.k_grid, plan.max_units
    selection, chosen, refitted, stream, workers = r.selection, r.chosen, r.refitted, r.stream, r.workers
    topics, dt, mass, prevalence, frame_prev, frame_cmp, by_k, dynamic = (
        r.topics, r.doc_topics, r.mass, r.prevalence, r.frame_prev, r.frame_cmp, r.by_k, r.dynamic
    )  # fmt: skip
    models = selection.params["models"]
    compared = r.compared
    first, last = compared["first"], compared["last"]
    ctx.save_table(selection.table, "topic_model_selection")
    ctx.save_table(topics, "topics")
    ctx.save_table(prevalence, "topic_prevalence")
    ctx.save_table(frame_prev, "frame_topic_prevalence")
    ctx.save_table(frame_cmp, "frame_topic_prevalence_compared")
    ctx.save_table(by_k, "topic_frame_shares_by_k")
    if dynamic is not None:
        ctx.save_table(dynamic, "topic_dynamic")

    ctx.plot("topic_model_selection", tplots.plot_model_selection, selection.table, chosen=chosen)
    labels = topics.drop_duplicates(["model", "topic"])[["model", "topic", "label", "frame"]]
    for m in models:
        ctx.plot(f"topic_top_terms_{m}", tplots.plot_top_terms, topics, model=m, n=10)
        ctx.plot(
            f"topic_prevalence_{m}",
            tplots.plot_topic_prevalence,
            prevalence[prevalence["model"] == m],
            labels=labels[labels["model"] == m],
        )
    ctx.plot("frame_topic_share", tplots.plot_frame_topic_share, frame_prev)

    summary = selection.summary
    primary = _primary(summary, chosen)
    periods = sorted(frame_prev["period"].unique())
    shares = {}
    for m in models:
        fp = frame_cmp[frame_cmp["model"] == m]
        shares[m] = {
            p: {
                f: {c: float(r[c]) for c in ("prevalence", "ci_low", "ci_high")}
                for f, r in fp[fp["period"] == p].set_index("frame").iterrows()
            }
            for p in (first, last)
        }
    p = selection.params
    ctx.results["topics"] = {
        "chosen_k": chosen,
        "primary_model": primary,
        "n_units": len(docs),
        "vocabulary_size": docs.attrs["vocabulary_size"],
        "selection_units": p["n_units"],
        "selection_sampled": bool(p.get("sampled")),
        "selection_sample_rule": p.get("sample_rule"),
        "max_units": max_units,
        "stream": stream,
        "refitted": refitted,
        "selection": summary[summary["chosen"] | summary["k"].isin(chosen.values())].to_dict("records"),
        "frame_shares": shares,  # by compared period, first then last
        # whether a model's compared shares resample units within documents only (then they decide nothing)
        "within_documents": {
            m: not set(frame_cmp.loc[frame_cmp["model"] == m, "resampled_unit"]) <= {"document", "cluster"}
            for m in models
        },
        "topics": labels.to_dict("records"),
    }

    sel_rows = summary[["model", "k", "c_v", "c_npmi", "stability", "stability_sd"]].copy()
    sel_rows["chosen"] = [chosen[m] == k for m, k in zip(sel_rows["model"], sel_rows["k"], strict=True)]
    topic_rows = (
        topics.groupby(["model", "topic"], sort=True)
        .agg(
            label=("label", "first"),
            frame=("frame", "first"),
            **{f"share_{f}": (f"share_{f}", "first") for f in lexicon.frame_names},
            main_document=("main_document", "first"),
            main_share=("main_document_share", "first"),
            top_terms=("term", lambda t: ", ".join(x.replace("_", " ") for x in t.iloc[:8])),
        )
        .reset_index()
    )
    first_last = frame_cmp[["model", "period", "frame", "prevalence", "ci_low", "ci_high", "topics"]]
    why = []
    for m in models:
        r = summary[(summary["model"] == m) & (summary["k"] == chosen[m])].iloc[0]
        how = "set by topic_k_chosen" if s.topic_k_chosen else "default rule"
        why.append(
            f"- **{tplots.MODEL_LABELS.get(m, m)}: K = {chosen[m]}** ({how}): stability {fmt_number(r['stability'], 3)} "
            f"(max over K >= 3: {fmt_number(summary[(summary['model'] == m) & (summary['k'] >= 3)]['stability'].max(), 3)}), "
            f"c_npmi {fmt_number(r['c_npmi'], 3)}, c_v {fmt_number(r['c_v'], 3)}."
        )
    if p.get("sampled"):
        units_note = (
            f"Capped grid: {p['sample_rule']} (LDA "
            + (
                f"streamed from a Matrix Market corpus on disk with gensim LdaMulticore, {workers} worker(s), "
                "alpha 'asymmetric' as LdaMulticore cannot learn it"
                if stream
                else "in memory"
            )
            + "). Coherence, stability, the refit ranges (grey bands) and the frame shares by K are computed on "
            "the sample; topics, prevalence and its bootstrap on every unit."
        )
    else:
        units_note = (
            f"Every unit enters the grid ({p['n_units']} <= topic_max_units = {max_units})."
            if max_units is not None
            else "Every unit enters the grid (no topic_max_units cap)."
        )
        if stream:
            units_note += (
                " LDA is then refitted on every unit streamed from disk (topic_stream = 'always'; gensim "
                f"LdaMulticore, {workers} worker(s), alpha 'asymmetric'): the reported LDA topics are that fit."
            )
    per_period = docs.groupby("period")["doc_id"].nunique()
    single_doc_periods = bool(len(per_period)) and bool((per_period == 1).all())
    k_max = len(docs) // tp.UNITS_PER_TOPIC
    k_rule = (
        f"`topic_k` {list(s.topic_k)} capped at K <= {len(docs)} units / {tp.UNITS_PER_TOPIC} = {k_max}"
        if list(k_grid) != sorted(set(s.topic_k))
        else f"`topic_k`; the cap K <= units / {tp.UNITS_PER_TOPIC} = {k_max} removes none"
    )
    lines = [
        "## Topic models",
        "",
        f"*Reading guide.* Topics are fitted on {len(docs)} text {s.topic_unit}s (lemmas, stop words and "
        f"numbers out, vocabulary of {docs.attrs['vocabulary_size']} lemmas in >= {docs.attrs['min_df']} units "
        f"and <= 50 % of them; rule: max(2, ⌈{tp.MIN_DF_RATE:g} × {docs.attrs['n_units']} units⌉)"
        f"{dropped_units_note(len(docs), docs.attrs['n_units'])}). {TOPIC_LEANS[0].upper()}{TOPIC_LEANS[1:]}; "
        "frame-leaning shares over periods are the topic-model view of the drift, to set beside the lexicon rates."
        + (
            " Each period holds a single document here, so period differences are also document differences."
            if single_doc_periods
            else ""
        ),
        "",
        f"Model selection: K in {p['k'][0]}–{p['k'][-1]} ({k_rule}); per K one reference fit on all "
        f"{'the sampled units (below)' if p.get('sampled') else 'units'} (seed {p['seed']}) and "
        f"{p['n_seeds']} fits on {int(p['sample'] * 100)} % subsamples (docs/methods.md §10: at least 20)"
        f"; stability = mean matched average Jaccard of the top {p['depth']} terms against the reference "
        f"(Greene et al. 2014); coherence on the top {p['topn']} terms. LDA: {_lda_method(p['lda'])}, alpha "
        "and eta learned ('auto'). NMF: scikit-learn coordinate descent from nndsvda, stopped when the projected "
        f"gradient falls below {p['nmf'].get('tol', 1e-4):g} of its first value (docs/methods.md §10). "
        "Rule: stability plateau (within 0.05 of the best K >= 3), then best c_npmi "
        "within 0.01, ties to the smaller K.",
        "",
        units_note,
        "",
        *why,
        f"- Headline family (more stable at its chosen K): **{tplots.MODEL_LABELS.get(primary, primary)}**.",
        "",
        markdown_table(sel_rows),
        "",
        figure_markdown("topic_model_selection", "Coherence and stability against K (min–max over fits)"),
        "",
        "### Topics, labels and frames",
        "",
        markdown_table(topic_rows, max_rows=40),
        "",
        *_degenerate_topics(dt, mass),
    ]
    for m in models:
        lines += [
            figure_markdown(f"topic_top_terms_{m}", f"Top terms per topic, {tplots.MODEL_LABELS.get(m, m)}"),
            "",
        ]
    intervals = period_resampling(  # what the intervals reflect: documents vary, or only their units
        prevalence, s.min_documents, s.cluster,
        within=f"text {s.topic_unit}s resampled within each document, within-document noise only, percentile",
    )  # fmt: skip
    lines += [
        "### Prevalence over time",
        "",
        f"Prevalence = token-weighted mean topic proportion per period; 95 % CI (B = {s.bootstrap}, seed {s.seed}): "
        f"{intervals}; the grey band in the figures is the range over the subsample refits (topics aligned by "
        "Hungarian matching), which the bootstrap does not include.",
        "",
        f"Frame-leaning topic shares in the periods the drift index compares ({first} → {last}; "
        + (compared["merge"] or compared["rule"])
        + "), documents resampled as above (`frame_topic_prevalence_compared.csv`):",
        "",
        markdown_table(first_last),
        "",
        figure_markdown("frame_topic_share", "Frame-leaning topic share per period with 95% CIs"),
        "",
        f"Does the picture depend on K? Frame-leaning shares of every reference fit, first ({periods[0]}) and "
        f"last ({periods[-1]}) period of the figure (point estimates; `topic_frame_shares_by_k.csv` has every "
        "period):",
        "",
        markdown_table(_by_k_table(by_k, lexicon.frame_names, periods[0], periods[-1]), max_rows=40),
        "",
    ]
    if dynamic is not None:
        lines += [
            f"Dynamic topic model (LdaSeqModel, K = {dynamic['topic'].max()}, exploratory with "
            f"{dynamic['period'].nunique()} periods): top terms per topic and period in `topic_dynamic.csv`.",
            "",
        ]
    for m in models:
        lines += [
            figure_markdown(
                f"topic_prevalence_{m}", f"Topic prevalence per period, {tplots.MODEL_LABELS.get(m, m)}"
            ),
            "",
        ]
    return "\n".join(lines)
