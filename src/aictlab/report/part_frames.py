"""Report part: frame rates, the drift index with its uncertainty, the verdict, robustness, mention vs use."""

from __future__ import annotations

import math

import pandas as pd

from aictlab import bins, coding, drift, frames, robustness, trend, verdict, workers
from aictlab.inference import TOO_FEW_HITS
from aictlab.io import sha256_file
from aictlab.lexicon import Lexicon, load_lexicon
from aictlab.plots import frames as fplots
from aictlab.report.context import ReportContext
from aictlab.report.render import figure_markdown, markdown_table
from aictlab.report.text import fmt_number as _fmt
from aictlab.report.text import no_interval, period_resampling, segments_within
from aictlab.schema import IS_DUPLICATE

__all__ = ["frame_data_key", "run"]


def _period_profile(result: drift.DriftResult, documents: pd.DataFrame) -> tuple[str, bool]:
    """Who wrote what in each period (organiser, genre from the metadata), and whether every period holds a
    single organiser (then a change between periods is as much a change between organisers)."""
    meta = documents.drop_duplicates("doc_id").set_index("doc_id")
    cols = [c for c in ("organiser", "genre") if c in meta.columns]
    if not cols:
        return "", False
    parts, single = [], True
    for period in result.by_period["period"]:
        group = result.documents[result.documents["period"].eq(period)]
        rows = meta.reindex(group["doc_id"])[cols].fillna("").astype(str)
        single &= rows[cols[0]].nunique() <= 1
        combos = rows.drop_duplicates()
        if len(combos) <= 3:
            described = "; ".join(" — ".join(v for v in row if v) for row in combos.itertuples(index=False))
        else:  # many documents: counts, not a list
            described = f"{len(rows)} documents, " + ", ".join(
                f"{rows[c].replace('', pd.NA).nunique()} {c}{'s' if rows[c].nunique() != 1 else ''}"
                for c in cols
            )
        parts.append(f"{period}: {described}")
    return " | ".join(parts), bool(single)


def _variant_aggregates(
    ctx: ReportContext, lexicon: Lexicon, data: frames.FrameData
) -> dict[str, frames.FrameData]:
    """The frame aggregates of the corpus under each corpus-setting variant of the robustness panel
    (:func:`aictlab.robustness.corpus_variants`), each reduced to its hits before the next is made.

    Nothing is rebuilt from the input. Another segment size re-segments the run's tokens and the other
    selection of duplicates selects them again, the run's hits kept in the documents where neither changes
    them (:func:`aictlab.frames.derived_frame_data`); when no paragraph is flagged as a duplicate, keeping or
    removing duplicates selects the same tokens, so that variant's aggregates are the run's own ``data`` (its
    first tier). The other lemmatizer (:func:`aictlab.variants.derive_corpus`, the tables of a rebuild): from
    spaCy to simplemma only the lemmas of the tokens' texts are looked up, partition by partition on the
    run's engine when the tokens stay on disk; from simplemma to spaCy the NLP of the clean paragraphs runs
    again (kept by paragraph in the run's cache unless ``use_cache`` is off), on the run's engine and client
    for a corpus on disk (the NLP of a large corpus belongs on the workers)."""
    from aictlab.variants import derive_corpus

    s = ctx.settings
    paragraphs = ctx.corpus.paragraphs
    no_duplicate = (
        paragraphs is not None
        and len(paragraphs) > 0
        and IS_DUPLICATE in paragraphs.columns
        and not paragraphs[IS_DUPLICATE].any()
    )
    out = {}
    for name, overrides in robustness.corpus_variants(s).items():
        overrides = dict(overrides)
        keep = overrides.pop("keep_duplicates", s.keep_duplicates)
        if not overrides and no_duplicate:
            out[name] = data.subset(("extended",))
            continue
        if set(overrides) <= {"segment_size"}:  # the run's hits, kept where the variant cannot move them
            out[name] = frames.derived_frame_data(
                ctx.corpus.select(keep_duplicates=s.keep_duplicates), data, lexicon,
                segment_size=overrides.get("segment_size"), keep_duplicates=keep,
            )  # fmt: skip
            continue
        if ctx.corpus.tokens is None and _needs_nlp(ctx.corpus, overrides):
            corpus = ctx.load_corpus(**overrides)
        else:
            cache = s.path("processed") if s.use_cache else None
            corpus = derive_corpus(ctx.corpus, mwe_path=s.mwe_path, cache_dir=cache, **overrides)
        out[name] = frames.frame_data(
            corpus.select(keep_duplicates=keep), lexicon, periods=s.periods, tiers=("extended",), window=None
        )
    return out


def _needs_nlp(corpus, overrides: dict) -> bool:
    """Whether the variant ``overrides`` (of :func:`aictlab.robustness.corpus_variants`) run the NLP again:
    another lemmatizer, except from spaCy to simplemma (only the lemmas of the tokens' texts change,
    :func:`aictlab.variants.simplemma_tokens`, partition by partition on the run's engine)."""
    lemmatizer = overrides.get("lemmatizer")
    own = (corpus.settings or {}).get("lemmatizer", "spacy")
    return lemmatizer is not None and lemmatizer != own and (own, lemmatizer) != ("spacy", "simplemma")


def _ci(x: float, lo: float, hi: float) -> str:
    return f"{_fmt(x)} [{_fmt(lo)}, {_fmt(hi)}]"


def _period_resampling(
    by_period: pd.DataFrame, min_documents: int, cluster: str | None, segment_size: int
) -> str:
    """How the per-period drift index intervals were resampled (:func:`aictlab.report.text.period_resampling`
    of :func:`aictlab.drift.measure_drift`'s ``by_period``)."""
    return period_resampling(by_period, min_documents, cluster, within=segments_within(segment_size))


def _basis_lines(inf: dict, label_from: str, label_to: str, frm: str, to: str) -> dict[str, str]:
    """Sentences of the document-level verdict, each computed from the tables of
    :func:`aictlab.verdict.document_verdict`: which θ decided and why, both estimates, the compared periods
    and any merge."""
    b = inf["basis"].iloc[0]
    cmp = inf["compared"]
    out: dict[str, str] = {}
    con = inf["contrast"]
    if con is not None:
        c = con.set_index("target")
        units = ", ".join(
            f"{p} ({n} unit{'s' if n != 1 else ''}, {t} tokens)"
            for p, n, t in ((c.iloc[0]["first_period"], c.iloc[0]["n_units_first"], c.iloc[0]["tokens_first"]),
                            (c.iloc[0]["last_period"], c.iloc[0]["n_units_last"], c.iloc[0]["tokens_last"]))
        )  # fmt: skip
        basis = str(c.iloc[0]["basis"])
        if "segment" in basis:
            basis = "segment bootstrap within documents, within-document noise only"
        elif c.iloc[0].get("interval") == "expanded percentile":
            basis += ", expanded percentile interval of docs/methods.md §13"
        frames_txt = "; ".join(
            f"θ_{lab} = {_ci(c.loc[f, 'estimate'], c.loc[f, 'ci_low'], c.loc[f, 'ci_high'])} "
            f"({int(c.loc[f, 'hits_first'])} → {int(c.loc[f, 'hits_last'])} hits; {b[f'{f}_direction_contrast']})"
            for f, lab in ((to, "A"), (frm, "S"))
            if f in c.index
        )
        dd = (
            f"; ΔD = {_ci(c.loc['drift_index', 'estimate'], c.loc['drift_index', 'ci_low'], c.loc['drift_index', 'ci_high'])}"
            if "drift_index" in c.index
            else ""
        )
        out["contrast"] = (
            f"Period contrast {c.iloc[0]['first_period']} → {c.iloc[0]['last_period']} (ln rate ratios, 95% "
            f"{basis}): {frames_txt}{dd}; verdict `{b['verdict_contrast']}` ({b['verdict_reason_contrast']})."
            + (f" Compared groups: {units}." if units else "")
            + (f" Note: {c.iloc[0]['note']}." if c.iloc[0]["note"] else "")
        )
    else:
        out["contrast"] = "Period contrast: not computed (the documents fall in a single period)."
    if cmp["rule"] == "end periods":
        out["periods"] = (
            "Compared periods: the first and last periods holding enough documents and tokens (thinner edge "
            "periods merge inward)" + (f"; {cmp['merge']}." if cmp["merge"] else "; no merge was needed.")
        )
    else:
        out["periods"] = (
            "Compared periods: no pair of end periods holds enough documents and tokens, so the earliest and "
            f"latest periods are compared as they are ({cmp['first']} → {cmp['last']}); a period with too few "
            "units uses the segment bootstrap (within-document noise only)."
        )
    t = inf["trend"].set_index("target")
    parts = []
    for f, lab in ((to, "A"), (frm, "S")):
        if f not in t.index:
            continue
        r = t.loc[f]
        if math.isfinite(float(r["estimate"])):
            parts.append(
                f"{lab} ×{_fmt(math.exp(r['estimate']))} per decade (θ = {_ci(r['estimate'], r['ci_low'], r['ci_high'])}; "
                f"{b[f'{f}_direction_trend']}" + (f"; {r['note']}" if r["note"] else "") + ")"
            )
        else:
            parts.append(f"{lab}: {r['note']}")
    r0 = t.iloc[0]
    out["trend"] = (
        f"Continuous trend (NB2 over {int(r0['n_documents'])} documents, {int(r0['n_years'])} distinct years; "
        f"95% {r0['unit']} bootstrap"
        + (", expanded percentile interval" if r0.get("interval") == "expanded percentile" else "")
        + f"): {'; '.join(parts)}; verdict `{b['verdict_trend']}` "
        f"({b['verdict_reason_trend']})."
    )
    decided = "trend" if b["primary"] == "trend" else "period contrast"
    other = "period contrast" if decided == "trend" else "trend"
    ok = "agrees" if b["bases_agree"] else "disagrees"
    out["decided"] = (
        f"The {decided} decided: {b['primary_reason'].split(': ', 1)[-1]}; the {other} {ok} "
        f"(`{b['verdict_contrast' if other == 'period contrast' else 'verdict_trend']}`)."
    )
    return out


def frame_data_key(settings, lexicon) -> dict:
    """The cache key of the run's frame aggregates (``frames_data``): read back by other parts (semantic)."""
    return {
        "lexicon": lexicon.sha256,
        "keep_duplicates": settings.keep_duplicates,
        "periods": settings.periods,
    }


def run(ctx: ReportContext) -> str:
    s = ctx.settings
    lexicon = load_lexicon(s.lexicon_path)
    merge = frames.contained_documents(ctx.corpus.overlap, documents=ctx.corpus.documents)
    use_coding = coding.load_use_coding()
    mention_docs_all = coding.coded_mention_documents(use_coding)
    # Per-segment token counts, hits and their KWIC lines, read partition by partition (punctuation kept: it
    # breaks multi-word matches); every measure below starts from these, never from the whole token table.
    corpus = ctx.corpus.select(keep_duplicates=s.keep_duplicates)
    data = ctx.cached(
        "frames_data",
        frame_data_key(s, lexicon),
        lambda: frames.frame_data(corpus, lexicon, periods=s.periods),
    )
    key = {
        "merge": merge,
        "coding": int(pd.util.hash_pandas_object(use_coding, index=False).sum()),
        "lexicon": lexicon.sha256,
        "drift_frames": s.drift_frames,
        "periods": s.periods,
        "seed": s.seed,
        "bootstrap": s.bootstrap,
        "keep_duplicates": s.keep_duplicates,
        "lemmatizer": s.lemmatizer,
        "segment_size": s.segment_size,
    }
    measure = {"drift_frames": s.drift_frames, "seed": s.seed, "merge": merge}
    # the per-period index resamples documents (clusters) as the period contrast does (docs/methods.md §13)
    period_units = {
        "min_documents": s.min_documents,
        "clusters": (
            verdict.document_clusters(ctx.corpus.documents, ctx.corpus.documents["doc_id"].unique(), s.cluster)
            .to_dict() if s.cluster else None
        ),
    }  # fmt: skip
    result = ctx.cached(
        "frames_drift",
        {**key, "min_documents": s.min_documents, "cluster": s.cluster},
        lambda: drift.measure_drift(data, n_boot=s.bootstrap, **measure, **period_units),
    )
    # Mention vs use only when the hand coding covers documents of this corpus.
    coded_docs = coding.coded_documents(use_coding, result.documents["doc_id"])
    panel_key = {
        **key, "bootstrap": s.robustness_bootstrap,
        "mwe": sha256_file(s.mwe_path) if s.mwe_path.is_file() else None, "cluster": s.cluster,
        "coded": bool(coded_docs), "min": (s.min_documents, s.min_tokens),
    }  # fmt: skip
    # the robustness variants' corpora are derived and matched in a forked process (the other core) while the
    # measures below run; inline when the panel is cached, or on the Dask engine (its client's threads)
    fork = ctx.client is None and not ctx.is_cached("frames_robustness", panel_key)
    with workers.forked_call(lambda: _variant_aggregates(ctx, lexicon, data), fork=fork) as variants:
        trend_table = ctx.cached("frames_trend", key, lambda: trend.trend_tests(result, seed=s.seed))
        # Document-level inference (docs/methods.md §13): the verdict rests on documents (or clusters), not segments.
        thresholds = {
            "cluster": s.cluster, "min_documents": s.min_documents, "min_tokens": s.min_tokens,
            "min_hits": s.min_hits, "trend_min_documents": s.trend_min_documents,
            "trend_min_years": s.trend_min_years,
        }  # fmt: skip
        inf = ctx.cached(
            "frames_document_verdict",
            {**key, **thresholds},
            lambda: verdict.document_verdict(
                result, ctx.corpus.documents, n_boot=s.bootstrap, seed=s.seed, **thresholds
            ),
        )
        verdict_table = verdict.drift_verdict_table(verdict.verdict_table(result, trend_table), inf)
        bins_table = ctx.cached(
            "frames_bins",
            {**key, "cluster": s.cluster, "min": (s.min_documents, s.min_tokens, s.min_hits)},
            lambda: bins.bin_robustness(
                inf["totals"], trend=inf["trend"], drift_frames=result.drift_frames, cluster=s.cluster,
                segments=inf["segments"], min_documents=s.min_documents, min_tokens=s.min_tokens,
                min_hits=s.min_hits, n_boot=s.robustness_bootstrap, seed=s.seed,
            ),
        )  # fmt: skip
        bsum = bins.bin_robustness_summary(bins_table)
        panel_coding = use_coding if coded_docs else None
        clusters = (
            dict(zip(inf["totals"]["doc_id"], inf["totals"][s.cluster], strict=True)) if s.cluster else None
        )
        kwic = coding.kwic_frames(data, coding=use_coding)
        # the panel varies the headline's contrast: the compared (merged) end periods
        compared_groups = bins.compared_labels(inf["compared"])
        panel = ctx.cached(
            "frames_robustness",
            panel_key,
            lambda: robustness.robustness_panel(
                data, alternatives=variants.result(), n_boot=s.robustness_bootstrap,
                coding=panel_coding, clusters=clusters, compared=compared_groups, **measure,
            ),
        )  # fmt: skip
    rsum = robustness.robustness_summary(panel)
    mvu = ctx.cached(
        "frames_mention_vs_use",
        {**key, "min_documents": s.min_documents, "cluster": s.cluster},
        lambda: coding.mention_vs_use(
            data, n_boot=s.bootstrap, coding=use_coding, main=result, **measure, **period_units
        ),
    )

    ctx.save_table(result.frame_rates, "frame_rates")
    ctx.save_table(result.frame_terms, "frame_terms")
    ctx.save_table(result.by_document, "drift_by_document")
    ctx.save_table(result.by_year, "drift_by_year")
    ctx.save_table(result.by_period, "drift_by_period")
    ctx.save_table(verdict_table, "drift_verdict")
    if inf["contrast"] is not None:
        ctx.save_table(inf["contrast"], "drift_contrast")
    ctx.save_table(inf["trend"], "drift_frame_trend")
    ctx.save_table(trend_table, "drift_trend")
    ctx.save_table(panel, "robustness")
    ctx.save_table(bins_table, "robustness_bins")
    ctx.save_table(kwic, "kwic_frames")
    ctx.save_table(mvu, "drift_mention_vs_use")
    ctx.save_table(lexicon.terms, "frame_lexicon")
    ctx.plot("frame_rates", fplots.plot_frame_rates, result.frame_rates)
    ctx.plot("drift_index", fplots.plot_drift_index, result.by_document, result.by_period)
    ctx.plot("robustness", fplots.plot_robustness, panel)
    ctx.plot("term_contributions", fplots.plot_term_contributions, result.frame_terms)
    ctx.plot("drift_mention_vs_use", fplots.plot_mention_vs_use, mvu)

    v = verdict_table.iloc[0]
    profile, one_organiser = _period_profile(result, ctx.corpus.documents)
    n_per_period = result.by_period.set_index("period")["n_documents"]
    # documents in each of the panel's two compared groups (periods merged or not)
    n_in_group = {g: sum(n_per_period.get(p, 0) for p, h in compared_groups.items() if h == g) for g in
                  set(compared_groups.values())}  # fmt: skip
    single_ends = all(n_in_group.get(panel.iloc[0][c], 0) == 1 for c in ("first_period", "last_period"))
    frm, to = result.drift_frames
    tS, tA = f"theta_{frm}", f"theta_{to}"
    label_from, label_to = (str(result.frame_labels.get(f, f)).lower() for f in (frm, to))
    basis_txt = _basis_lines(inf, label_from, label_to, frm, to)
    con = inf["contrast"].set_index("target") if inf["contrast"] is not None else None
    has_dd = con is not None and "drift_index" in con.index
    ctx.results["verdict"] = {
        "verdict": v["verdict"],
        "reason": v["verdict_reason"],
        "primary": v["primary"],
        # the compared frames as the lexicon names them: the synthesis labels its directions with these
        "frames": [frm, to],
        "frame_labels": [label_from, label_to],
        "first_period": con.iloc[0]["first_period"] if con is not None else v["first_period"],
        "last_period": con.iloc[0]["last_period"] if con is not None else v["last_period"],
        "drift_change": float(con.loc["drift_index", "estimate"]) if has_dd else float(v["drift_change"]),
        "ci_low": float(con.loc["drift_index", "ci_low"]) if has_dd else float(v["ci_low"]),
        "ci_high": float(con.loc["drift_index", "ci_high"]) if has_dd else float(v["ci_high"]),
        # the synthesis lets ΔD decide a direction only when documents (clusters) vary in its interval
        "within_documents": bool(con.loc["drift_index", "within_documents"]) if has_dd else True,
        "robustness_same_sign": rsum["share_same_sign"],
        "closest_variant": rsum["closest_variant"],
        "bins_share_sign": bsum["share_sign"],
        "bins_share_verdict": bsum["share_verdict"],
    }
    periods_txt = "; ".join(
        f"{p.period}: {_fmt(p.drift_index)} [{_fmt(p.ci_low)}, {_fmt(p.ci_high)}]"
        for p in result.by_period.itertuples(index=False)
    )
    period_resampling = _period_resampling(result.by_period, s.min_documents, s.cluster, s.segment_size)
    flips = rsum["sign_flips"]
    main_row = panel.iloc[0]
    n_same_sign = sum(panel["same_sign_as_main"].iloc[1:])
    sign_txt = (
        f"ΔD {main_row['first_period']} → {main_row['last_period']} = {_fmt(rsum['main_drift_change'])} "
        f"(the compared periods of the contrast above); its sign holds under {n_same_sign} of "
        f"{rsum['n_variants']} variants" + (f"; it flips under: {', '.join(flips)}" if flips else " (all)")
    )
    # the variant of smallest ΔD in the main direction: across zero when some variant flips the sign
    extreme_txt = "furthest across zero" if flips else "closest to flipping"
    bins_txt = (
        f"under {bsum['n_schemes']} period schemes (bin widths {', '.join(map(str, sorted(set(bins_table['width'].dropna().astype(int)))))} "
        f"years at every offset, plus the continuous trend), {_fmt(100 * bsum['share_sign'], 0)}% keep the sign "
        f"of ΔD of the default bins ({bsum['reference']}) and {_fmt(100 * bsum['share_verdict'], 0)}% its verdict "
        f"`{bsum['reference_verdict']}` (`tables/robustness_bins.csv`)"
    )
    use_only = panel[panel["variant"].eq("only hits coded use")]
    too_few = [
        lab for f, lab in ((to, label_to), (frm, label_from)) if v.get(f"{f}_direction") == TOO_FEW_HITS
    ]
    headline = "\n".join(
        [
            "## Headline: frame drift",
            "",
            f"- **Verdict: `{v['verdict']}`** ({v['verdict_reason']}). Basis: {v['primary_reason']}.",
            *(
                [
                    f"- Too few hits (< {s.min_hits} over the compared documents) for: {', '.join(too_few)}; no "
                    "direction is claimed for them."
                ]
                if too_few
                else []
            ),  # fmt: skip
            f"- {basis_txt['contrast']}",
            f"- {basis_txt['trend']}",
            f"- {basis_txt['periods']}",
            f"- Drift index per period (D = log2((A+0.5)/(S+0.5)); 95% CI, B = {s.bootstrap}, "
            f"{period_resampling}): {periods_txt}.",
            f"- Robustness: {sign_txt}; {extreme_txt}: "
            f"{rsum['closest_variant']} "
            f"(ΔD = {_fmt(rsum['closest_drift_change'])}). Bins: {bins_txt}.",
            *(
                [
                    f"- Counting only hits hand-coded as *use* (mentions of the paradigm, titles and off-sense hits "
                    f"out): ΔD = {_fmt(use_only['drift_change'].iloc[0])} [{_fmt(use_only['ci_low'].iloc[0])}, "
                    f"{_fmt(use_only['ci_high'].iloc[0])}], verdict `{use_only['verdict'].iloc[0]}`."
                ]
                if len(use_only)
                else []
            ),
            "- Caveat: "
            + (
                "each period holds a single organiser, so year is confounded with organiser and genre; "
                if one_organiser
                else ""
            )
            + "the change is a contrast between documents, not a trend of a population.",
        ]
    )
    ctx.results["headline"] = no_interval(headline)

    doc_tbl = result.by_document[
        ["doc_id", "year", "tokens", frm, to, "drift_index", "ci_low", "ci_high", f"share_{to}"]
    ]  # fmt: skip
    per_tbl = result.by_period[
        ["period", "n_documents", "tokens", f"{frm}_rate", f"{to}_rate", "drift_index", "ci_low",
         "ci_high", "bca_low", "bca_high", "resampled_unit", "copresence", "copresence_ci_low",
         "copresence_ci_high"]
    ]  # fmt: skip
    trend_tbl = trend_table[
        ["target", "model", "n_documents", "ratio_per_decade", "ci_low", "ci_high", "p_value", "perm_p_value",
         "n_permutations", "spearman_rho", "spearman_p_exact"]
    ]  # fmt: skip
    rob_tbl = panel[panel["variant_type"].ne("leave-one-term-out")][
        ["variant", "first_period", "last_period", "drift_change", "ci_low", "ci_high", "verdict", "same_sign_as_main"]
    ]  # fmt: skip
    loo = panel[panel["variant_type"].eq("leave-one-term-out")]
    most = loo.loc[(loo["drift_change"] - panel.iloc[0]["drift_change"]).abs().idxmax()] if len(loo) else None
    seeds = panel[panel["variant_type"].eq("bootstrap seed")]
    # the panel's main row and its other seeds: the same compared periods and the same B
    main_low = panel.iloc[0][tA + "_ci_low"]
    lows = pd.concat([seeds[tA + "_ci_low"], pd.Series([main_low])]).astype(float)
    mc_txt = (
        f" Monte Carlo check: the lower 95% bound of θ_A (segment bootstrap, the panel's periods) is "
        f"{_fmt(main_low)} with the run's seed and {_fmt(seeds[tA + '_ci_low'].min())} to "
        f"{_fmt(seeds[tA + '_ci_low'].max())} over {len(seeds)} other seeds (B = {s.robustness_bootstrap} each): "
        + (
            "whether the within-document view declares « A rises » depends on bootstrap noise."
            if lows.min() <= 0 <= lows.max()
            else "bootstrap noise does not change whether the within-document view declares « A rises »."
        )
        if len(seeds)
        else ""
    )
    mention_docs = [d for d in mention_docs_all if d in set(result.documents["doc_id"])]
    n_mention = int(kwic["use"].eq("mention").sum())
    codes = pd.crosstab(kwic["doc_id"], kwic["use"]).reindex(columns=list(coding.USE_CODES), fill_value=0)
    codes = codes.reset_index()
    n_hand = int(kwic["use_coded_by"].eq("hand").sum())
    use_row = panel[panel["variant"].eq("only hits coded use")]
    use_txt = (
        f" Counting only the hits coded `use`, ΔD = {_fmt(use_row['drift_change'].iloc[0])} "
        f"[{_fmt(use_row['ci_low'].iloc[0])}, {_fmt(use_row['ci_high'].iloc[0])}] (verdict "
        f"`{use_row['verdict'].iloc[0]}`)."
        if len(use_row)
        else ""
    )
    nperm = int(trend_table["n_permutations"].iloc[0]) if len(trend_table) else 0
    exact_perm = nperm > 0 and nperm == math.factorial(len(result.documents))
    loo_types = panel.loc[panel["variant_type"].str.startswith("leave-one-") & panel["variant_type"].ne(
        "leave-one-term-out"), "variant_type"].unique()  # fmt: skip
    loo_txt = {
        "leave-one-document-out": "each document left out",
        "leave-one-cluster-out": f"each {s.cluster} left out (more than {robustness.MAX_LEAVE_OUT} documents)",
    }.get(
        loo_types[0] if len(loo_types) else "",
        f"{loo_types[0]}: a seeded sample of documents left out one at a time (more than "
        f"{robustness.MAX_LEAVE_OUT} documents)"
        if len(loo_types)
        else "no document left out",
    )
    ndoc = len(result.documents)
    lines = [
        f"## Frame drift: {label_from} → {label_to}",
        "",
        "*Reading guide*: frame hits come from the lexicon `frames.yaml` (each term with tier, justification and "
        "source; `tables/frame_lexicon.csv`), matched on lemmas (multi-word expressions first, longest match). "
        f"D = log2((A+0.5)/(S+0.5)) > 0 means {label_to} hits (A) outnumber {label_from} hits (S). Intervals of "
        f"documents and years resample ~{s.segment_size}-word segments within each document (within-document noise "
        f"only, given the documents); intervals of periods: {period_resampling}; see docs/methods.md §2, §13.",
        "",
        (
            "**Confounding.** Organisers and genres per period (metadata): "
            + profile
            + ". "
            + (
                "Each period holds one organiser, so any change between periods is equally a change between "
                "organisers and genres; the numbers below describe these documents, not a population trend."
                if one_organiser
                else "The corpus section's design table shows how they spread over the periods."
            )
            if profile
            else "The metadata give no organiser or genre: periods cannot be checked for confounding with them."
        ),
        "",
        "### Documents",
        "",
        (
            "Contained documents counted in their container's unit (containment >= 0.8, docs/methods.md §11): "
            + ", ".join(f"{a} → {b}" for a, b in merge.items())
            + "."
            if merge
            else "No contained document."
        ),
        "",
        markdown_table(doc_tbl),
        "",
        figure_markdown("frame_rates", "Frame rates per document with segment-bootstrap 95% CIs"),
        "",
        "### Periods (pooled rates per 10,000 word tokens)",
        "",
        markdown_table(per_tbl),
        "",
        "`copresence` = share of segments with hits of both frames (layering inside the same passages).",
        "",
        figure_markdown("drift_index", "Drift index per document and per period with 95% CIs"),
        "",
        "### Verdict",
        "",
        f"Rule (docs/methods.md §4, §13): {v['verdict_basis_rule']}",
        "",
        f"**Verdict: `{v['verdict']}`** — {v['verdict_reason']}. {basis_txt['decided']}",
        "",
        f"- {basis_txt['contrast']} Per-frame rows with the exact Poisson bounds: `tables/drift_contrast.csv`.",
        f"- {basis_txt['trend']} Fits: `tables/drift_frame_trend.csv`.",
        f"- {basis_txt['periods']}",
        "",
        "Within-document view (segment bootstrap, +0.5 on counts, within-document noise only): "
        f"{v['first_period']} → {v['last_period']}: ΔD = {_fmt(v['drift_change'])} "
        f"(95% percentile CI [{_fmt(v['ci_low'])}, {_fmt(v['ci_high'])}], BCa [{_fmt(v['bca_low'])}, "
        f"{_fmt(v['bca_high'])}]). θ_A = {_fmt(v[tA])} (95% [{_fmt(v[tA + '_ci_low'])}, "
        f"{_fmt(v[tA + '_ci_high'])}], 90% [{_fmt(v[tA + '_ci90_low'])}, "
        f"{_fmt(v[tA + '_ci90_high'])}]); θ_S = {_fmt(v[tS])} (95% "
        f"[{_fmt(v[tS + '_ci_low'])}, {_fmt(v[tS + '_ci_high'])}], 90% "
        f"[{_fmt(v[tS + '_ci90_low'])}, {_fmt(v[tS + '_ci90_high'])}]); δ = ln 1.25 = "
        f"{_fmt(verdict.DELTA, 3)}; by the same rule this view says `{v['verdict_segment']}` "
        f"({v['verdict_segment_reason']})"
        + (f"; fragile (GLM sign disagrees for {v['fragile_frames']})." if v["fragile"] else ".")
        + f" With BCa instead of percentile intervals: `{v['verdict_bca']}` ({v['verdict_bca_reason']}).",
        "",
        "### Trend over documents (GLM, permutation)",
        "",
        markdown_table(trend_tbl),
        "",
        f"Documents are the units (n = {ndoc}); ratios are per decade (rate ratio for frames, odds ratio "
        "A:S for the index); no token-level p-value is reported (pseudo-replication). "
        + (
            f"The exact permutation test enumerates all {nperm} orderings of the years, so no p-value can go "
            f"below {_fmt(1 / nperm, 4)}. "
            if exact_perm
            else f"Permutation p-values from {nperm} random orderings of the years. "
        )
        + (
            f"With fewer than {s.trend_min_documents} documents or {s.trend_min_years} distinct years the "
            "trend does not decide the verdict. "
            if v["primary"] != "trend"
            else ""
        )
        + "NB2 fits are in `tables/drift_trend.csv`.",
        "",
        "### Robustness",
        "",
        f"ΔD recomputed under {rsum['n_variants']} variants (each term with a hit left out in turn, core terms only, "
        f"{loo_txt}, {', '.join(robustness.corpus_variants(s))}, {len(seeds)} other bootstrap seeds; "
        f"B = {s.robustness_bootstrap} each, segments resampled within documents): {sign_txt}. {extreme_txt.capitalize()}: **{rsum['closest_variant']}** "
        f"(ΔD = {_fmt(rsum['closest_drift_change'])}); range of ΔD {_fmt(rsum['drift_change_range'][0])} to "
        f"{_fmt(rsum['drift_change_range'][1])}; the verdict is unchanged in "
        f"{_fmt(100 * rsum['share_same_verdict'], 0)}% of variants."
        + (
            " Each compared period holds a single document, so leaving one of them out moves the comparison to "
            "another pair of documents."
            if single_ends
            else ""
        )
        + mc_txt
        + f" Period bins: {bins_txt}."
        + (
            f" Most influential single term: *{most['variant'].removeprefix('without term: ')}* "
            f"(ΔD without it = {_fmt(most['drift_change'])})."
            if most is not None
            else ""
        ),
        "",
        markdown_table(rob_tbl, max_rows=40),
        "",
        "Leave-one-term-out rows are in `tables/robustness.csv`.",
        "",
        figure_markdown("robustness", "Drift change first → last period under each robustness variant"),
        "",
        figure_markdown("term_contributions", "Hits per term and period, by frame"),
        "",
        # Mention vs use only when the hand coding covers documents of this corpus; else nothing on coding.
        *(
            [
                "### Mention vs use",
                "",
                f"{', '.join(mention_docs) or 'No document'} *discusses* the hypothesis of a drift more than it uses the "
                "frames (a document-level `mention` row of the coding: its uncoded hits default to mention). "
                f"{n_hand} of {len(kwic)} frame hits are coded in a coding sheet (`--coding`; by default the packaged "
                "sheet of the seed corpus, `src/aictlab/data/frames_coding_seeds.csv`, applied to the documents it "
                "names; rules in its header): `use` = the text speaks *in* the frame; `mention` = it speaks *about* "
                "the frame (names or analyses the paradigm or the shift); `other_sense` = a title, a name or another "
                "meaning of the word; `wrong_frame` = the other frame's sense. "
                f"{n_mention} hits are mentions. Uncoded hits take their document's default (`use` unless a "
                "`<doc_id>:*` row of the sheet says otherwise). The `validation` section gives precision with intervals.",
                "",
                markdown_table(codes),
                "",
                (
                    "The mention document(s) lie outside the two compared periods, so they do not enter the first → last "
                    "change; they weigh on the trend tests and the middle of the series"
                    if mention_docs
                    and not set(result.documents.set_index("doc_id").loc[mention_docs, "period"])
                    & {v["first_period"], v["last_period"]}
                    else "See the table"
                )
                + " (figure below, `tables/drift_mention_vs_use.csv`)."
                + use_txt,
                "",
                figure_markdown(
                    "drift_mention_vs_use",
                    "Drift by period with and without the document(s) discussing the hypothesis",
                ),
            ]
            if coded_docs
            else []
        ),
    ]
    return no_interval("\n".join(lines))
