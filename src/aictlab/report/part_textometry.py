"""Report part: textometry — keyness and Lafon specificities per period, collocations, correspondence analysis,
Reinert classification.

Everything is computed from small aggregates gathered in one pass over the partitions (:func:`_aggregates`
through ``corpus.map_tokens``): term, window and bigram counts per document, term counts per segment, passed to
the measures as their ``counts``; documents are grouped into periods by their ``period`` (one assignment,
:func:`aictlab.corpus.as_corpus`). The token table is never in memory as a whole. Every sentence about the
corpus is computed from it (no sentence is written when its list would be empty).

Rules that follow the corpus (each stated in the section):

- Reinert's term filter: terms present in ≥ max(3, ⌈0.0015 × segments⌉) segments
  (:func:`aictlab.reinert.scaled_min_segments`; 3 below 2,000 segments); settings ``extra.reinert_min_segments``
  fixes it, ``extra.reinert_min_segment_size`` merges segments into units (rainette's ``min_segment_size``).
- Reinert runs on at least 20 segments per requested class (:data:`SEGMENTS_PER_CLASS`; 100 for the default
  k = 5); below, the section says why it did not run.
- A Reinert class holding more than 90 % of the segments (:func:`aictlab.reinert.degenerate_classes`) is called degenerate
  in the section, with those two settings as what to change.
- Period contrasts point to the design notes of the Corpus section (:func:`aictlab.design.design_notes`) when
  there are any.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from aictlab import ca as ca_mod
from aictlab import keyness as kn
from aictlab import reinert as rn
from aictlab import schema
from aictlab.concordance import bigram_counts, collocations, cooccurrences, top_bigrams
from aictlab.contingency import CRITICAL_0001
from aictlab.corpus import as_corpus
from aictlab.design import design_notes
from aictlab.errors import SettingsError
from aictlab.plots import textometry as tplots
from aictlab.report.context import ReportContext
from aictlab.report.render import figure_markdown, markdown_table

__all__ = ["COLLOCATION_NODES", "KEYNESS_COLUMNS", "SEGMENTS_PER_CLASS", "run"]

#: Node lemmas whose collocates are tabulated per period (those absent from the corpus are skipped).
COLLOCATION_NODES = (
    "coopération",
    "coopération_décentralisée",
    "solidarité",
    "attractivité",
    "développement",
    "diplomatie",
    "territoire",
    "rayonnement",
    "partenariat",
)
#: Fewest segments per requested Reinert class: the classification runs on ≥ SEGMENTS_PER_CLASS × k segments.
SEGMENTS_PER_CLASS = 20
KEYNESS_COLUMNS = ["group", "term", "count_target", "count_reference", "g2", "chi2", "log_ratio", "pct_diff",
                   "p_value", "specificity"]  # fmt: skip


def _terms_line(frame: pd.DataFrame, value: str = "specificity", n: int = 10) -> str:
    return ", ".join(
        f"{t.replace('_', ' ')} ({v:+.1f})" for t, v in frame[["term", value]].head(n).itertuples(index=False)
    )


def _aggregates(tokens: pd.DataFrame) -> dict[str, Any]:
    """What this part needs from one partition of whole documents, in one pass: term counts, window counts of
    the collocation nodes, bigram counts (all per document, so they add up over partitions and are grouped
    into periods by the documents' ``period``) and term counts per segment."""
    return {
        "terms": kn.term_counts(tokens, schema.DOC_ID),
        "cooccurrences": cooccurrences(tokens, COLLOCATION_NODES, span=5),
        "bigrams": bigram_counts(tokens),
        "segments": rn.segment_counts(tokens),
    }


def _short(value: Any, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _design_pointer(documents: pd.DataFrame) -> str:
    """A sentence pointing to the design notes (:func:`aictlab.design.design_notes`) when there are any: then
    period contrasts are also contrasts between documents, organisers or genres."""
    notes = design_notes(documents)
    if not notes:
        return ""
    return (
        f" Read 'period' as 'the documents of the period': the Corpus section lists {len(notes)} design "
        f"note(s) on this corpus (e.g. {notes[0][0].lower() + notes[0][1:].rstrip('.')})."
    )


def _period_measures(corpus, table: kn.LexicalTable, agg: dict[str, Any]) -> dict[str, Any]:
    """The period contrasts of the section, from the lexical table (≥ 2 periods) and the aggregates: keyness
    and specificities of each period, latest vs earliest keyness, collocations, adjacent pairs, and the
    correspondence analysis (None, with ``ca_error``, when it cannot run)."""
    periods = table.groups
    spec = kn.specificities(table)
    kw = kn.keyness_each(table, spec=spec)  # the same Lafon scores: computed once
    present = set(table.counts.index)
    nodes = [n for n in COLLOCATION_NODES if n in present]
    try:
        ca, ca_error = (
            ca_mod.correspondence_analysis(table.counts, min_total=5, orient_column=periods[-1]),
            "",
        )
    except SettingsError as err:
        ca, ca_error = None, str(err)
    return {
        "keyness": kw[KEYNESS_COLUMNS + [c for c in kw.columns if c not in KEYNESS_COLUMNS]],
        "specificities": spec,
        "latest_vs_earliest": kn.keyness(table, periods[-1], periods[0]),
        "collocations": collocations(
            corpus, nodes, span=5, group=schema.PERIOD, min_cofreq=2, counts=agg["cooccurrences"]
        ),
        "bigrams": top_bigrams(corpus, min_count=3, n=200, counts=agg["bigrams"]),
        "ca": ca,
        "ca_error": ca_error,
    }


def run(ctx: ReportContext) -> str:
    s = ctx.settings
    # the documents carry their period (one assignment for the run); the tokens are those the run counts
    corpus = as_corpus(ctx.corpus.select(keep_duplicates=s.keep_duplicates), periods=s.periods)
    # a pure function of the counted tokens: cached with the corpus (content + processing settings)
    agg = ctx.cached(
        "textometry_aggregates",
        {"keep_duplicates": s.keep_duplicates, "nodes": COLLOCATION_NODES, "version": 1},
        lambda: corpus.map_tokens(_aggregates),
    )
    # Reinert's term filter scales with the corpus (rn.scaled_min_segments) unless set (extra key)
    min_segments = dict(s.extra or {}).get("reinert_min_segments", "auto")
    stm = rn.segment_term_matrix(
        corpus, extra=(schema.PERIOD,), counts=agg["segments"], min_segments=min_segments
    )
    counted = corpus.documents[corpus.documents[schema.DOC_ID].isin(agg["terms"][schema.DOC_ID])]
    sections: list[str] = ["## Textometry", ""]
    sections.append(
        "Which words characterise each period, what goes with what, and which lexical worlds structure the corpus. "
        "*Reading guide*: a Lafon specificity of +3 means the lemma is this frequent in the period with probability "
        "≤ 10⁻³ under random allocation (−3: this rare); |s| ≥ 2 is TXM's threshold (p ≤ 0.01, one-sided, no "
        "multiplicity correction; `docs/methods.md` §6)." + _design_pointer(counted)
    )
    sections.append("")

    # -- lexical table, keyness, specificities ---------------------------------------------------------------
    table = kn.lexical_table(corpus, schema.PERIOD, counts=agg["terms"])
    periods = table.groups
    if len(periods) < 2:
        sections.append(
            f"Only one period ({periods[0]}): keyness, specificities and CA need at least two; only the Reinert "
            "classification is run."
        )
        sections += _reinert_section(ctx, stm)
        return "\n".join(sections)
    # pure functions of the aggregates and the periods: cached with them (a warm run only reads them)
    measures = ctx.cached(
        "textometry_measures",
        {"keep_duplicates": s.keep_duplicates, "periods": s.periods, "version": 1},
        lambda: _period_measures(corpus, table, agg),
    )
    kw, spec = measures["keyness"], measures["specificities"]
    ctx.save_table(kw, "keyness_periods")
    spec_long = spec.stack().rename("specificity").reset_index().sort_values(["group", "term"], kind="stable")
    ctx.save_table(spec_long[["group", "term", "specificity"]], "specificities_periods")
    ctx.plot("keyness_periods", tplots.plot_keyness, kw, n=10, by="g2")
    ctx.plot("specificities_heatmap", tplots.plot_specificities_heatmap, spec, n=30)

    top = kn.top_terms(kw, 10, by="specificity")
    earliest, latest = periods[0], periods[-1]
    top_early = top[top["group"] == earliest]
    top_late = top[top["group"] == latest]
    sizes = ", ".join(f"{g}: {int(n)}" for g, n in table.sizes.items())
    # latest vs earliest period directly (the drift question), filtered by G² >= 10.83 (p <= 0.001)
    late_early = measures["latest_vs_earliest"]
    ctx.save_table(late_early, "keyness_latest_vs_earliest")
    sig = late_early[late_early["g2"].abs() >= CRITICAL_0001]
    over_late = sig[sig["g2"] > 0].sort_values(["log_ratio", "term"], ascending=[False, True]).head(10)
    over_early = sig[sig["g2"] < 0].sort_values(["log_ratio", "term"]).head(10)
    sections += [
        "### Keyness and Lafon specificities (each period vs the rest)",
        "",
        f"Lemmas, stop words out, {len(table.counts)} terms; word tokens per period: {sizes}. "
        "Keyness statistics (4-cell G², Pearson χ², LogRatio, %DIFF) are signed: + = over-used in the period. "
        "All rows: `tables/keyness_periods.csv`; full specificity matrix: `tables/specificities_periods.csv`.",
        "",
        *(
            f"- Most specific lemmas of the {which} period ({g}): {_terms_line(frame)}."
            for which, g, frame in (("earliest", earliest, top_early), ("latest", latest, top_late))
            if len(frame)
        ),
        f"- {latest} vs {earliest} directly (|G²| ≥ 10.83, largest LogRatio): "
        + (
            "; ".join(
                f"more in {g}: {_terms_line(frame, 'log_ratio')}"
                for g, frame in ((latest, over_late), (earliest, over_early))
                if len(frame)
            )
            or "no lemma reaches |G²| ≥ 10.83"
        )
        + " (`tables/keyness_latest_vs_earliest.csv`).",
        "",
        markdown_table(
            top[
                [
                    "group",
                    "term",
                    "count_target",
                    "count_reference",
                    "specificity",
                    "g2",
                    "log_ratio",
                    "p_value",
                ]
            ],
            max_rows=10 * len(periods),
        ),
        "",
        figure_markdown("keyness_periods", "Keyness per period: top over- and under-used lemmas (signed G²)"),
        "",
        figure_markdown("specificities_heatmap", "Lafon specificities of the 30 most period-specific lemmas"),
        "",
    ]

    # -- collocations -------------------------------------------------------------------------------------------
    coll = measures["collocations"]
    ctx.save_table(coll, "collocations")
    bigrams = measures["bigrams"]
    ctx.save_table(bigrams, "collocation_bigrams")
    strong = coll[(coll["ll"] >= 3.84) & (coll["cofreq"] >= 2)]
    coll_lines = []
    for node in ("coopération", "solidarité", "attractivité"):
        for g in (earliest, latest):
            sub = strong[(strong["node"] == node) & (strong["group"] == g)].head(5)
            if len(sub):
                coll_lines.append(
                    f"- *{node}* in {g}: "
                    + ", ".join(
                        f"{c.replace('_', ' ')} ({v:.0f})"
                        for c, v in sub[["collocate", "ll"]].itertuples(index=False)
                    )
                )
    sections += [
        "### Collocations",
        "",
        "Collocates within 5 word tokens on each side (per period; co-frequency, PMI for co-frequency ≥ 3, signed "
        "log-likelihood; `tables/collocations.csv`). Adjacent pairs ranked by log-likelihood are candidates for the "
        "multi-word expression list (`tables/collocation_bigrams.csv`).",
        "",
        "Strongest collocates (signed G² ≥ 3.84, co-frequency ≥ 2; G² in brackets):",
        "",
        *(
            coll_lines
            or [
                "- No collocate of coopération, solidarité or attractivité reaches G² ≥ 3.84 with co-frequency ≥ 2."
            ]
        ),
        "",
        (
            "Strongest adjacent pairs: "
            + ", ".join(
                f"{b.replace('_', ' ')} ({n})"
                for b, n in bigrams[["bigram", "count"]].head(12).itertuples(index=False)
            )
            + "."
        )
        if len(bigrams)
        else "No adjacent pair of lemmas occurs 3 times or more.",
        "",
    ]

    # -- correspondence analysis ----------------------------------------------------------------------------------
    ca = measures["ca"]
    if ca is None:  # e.g. no lemma occurs 5 times: the section says why
        sections += [
            "### Correspondence analysis (lemmas × periods)",
            "",
            f"Not run (lemmas with ≥ 5 occurrences): {measures['ca_error']}",
            "",
        ]
    if ca is not None:
        tables = ca_mod.ca_tables(ca)
        ctx.save_table(tables["ca_terms"], "ca_terms")
        ctx.save_table(tables["ca_groups"], "ca_groups")
        ctx.save_table(tables["ca_eigenvalues"], "ca_eigenvalues")
        ctx.plot("ca_biplot", tplots.plot_ca_biplot, ca, n_terms=30)
        eig = ca.eigenvalues
        eig_text = "; ".join(
            f"λ{int(r.dim)} = {r.eigenvalue:.4f} ({r.percent:.1f} %)" for r in eig.head(2).itertuples()
        )
        groups_text = ", ".join(f"{g} ({v:+.2f})" for g, v in ca.columns["dim1"].items())
        sections += [
            "### Correspondence analysis (lemmas × periods)",
            "",
            f"Lemmas with ≥ 5 occurrences ({len(ca.rows)} rows), {len(periods)} periods; total inertia "
            f"{ca.total_inertia:.4f} (χ²/n). {eig_text}. Axis 1 is oriented so that the latest period is positive; "
            f"period coordinates on axis 1: {groups_text}."
            + (" With 2 periods CA has a single axis." if len(periods) == 2 else "")
            + (
                " Each period holds a single document here, so the axes separate documents (organiser, genre) as "
                "much as time."
                if (counted.groupby(schema.PERIOD)[schema.DOC_ID].nunique() == 1).all()
                else ""
            ),
            "",
            figure_markdown(
                "ca_biplot", "Correspondence analysis of lemmas × periods (30 most contributing lemmas)"
            ),
            "",
        ]
        ctx.results["textometry_ca"] = {
            "eigenvalues": eig["eigenvalue"].tolist(),
            "percent": eig["percent"].tolist(),
        }

    sections += _reinert_section(ctx, stm)
    ctx.results["textometry"] = {
        "top_earliest": top_early[["term", "specificity"]].to_dict("records"),
        "top_latest": top_late[["term", "specificity"]].to_dict("records"),
        **ctx.results.get("textometry", {}),
    }
    return "\n".join(sections)


def _reinert_section(ctx: ReportContext, stm: rn.SegmentTermMatrix) -> list[str]:
    """Reinert classification (simple + double) of the segment × term matrix ``stm`` (segments carry their
    period): tables, figure and the Markdown lines."""
    s = ctx.settings
    reinert_k = int(dict(s.extra or {}).get("reinert_k", 5))  # = rainette2's max_k: both comparable
    unit_size = int(dict(s.extra or {}).get("reinert_min_segment_size", 0))  # rainette's default 0
    key = {"k": reinert_k, "keep_duplicates": s.keep_duplicates, "lemmatizer": s.lemmatizer,
           "segment_size": s.segment_size, "periods": s.periods, "min_segments": stm.min_segments,
           "min_segment_size": unit_size, "version": 1}  # fmt: skip
    n_segments = len(stm.segments)
    if n_segments < SEGMENTS_PER_CLASS * reinert_k:
        return [
            "### Reinert classification",
            "",
            f"Not run: too few segments for a Reinert classification: {n_segments} < {SEGMENTS_PER_CLASS} × "
            f"k = {SEGMENTS_PER_CLASS * reinert_k} (k = {reinert_k} classes; at least {SEGMENTS_PER_CLASS} "
            "segments per class, or the splits only peel off single segments). Add documents, shorten "
            "segments (`segment_size`) or ask for fewer classes (`extra.reinert_k`).",
            "",
        ]
    try:
        res = ctx.cached("reinert", key, lambda: rn.reinert(stm, k=reinert_k, min_segment_size=unit_size))
    except SettingsError as err:
        return ["### Reinert classification", "", f"Not run: {err}", ""]
    # every class's terms once: the 30 first of each class are the table's, all of them score typical segments
    all_profiles = rn.class_profiles(res, n=None)
    profiles = all_profiles.groupby("class", sort=False).head(30).reset_index(drop=True)
    out = rn.reinert_tables(res, profiles)
    ctx.save_table(out["reinert_classes"], "reinert_classes")
    ctx.save_table(out["reinert_segments"], "reinert_segments")
    dist_year = rn.class_distribution(res, "year")
    ctx.save_table(dist_year, "reinert_distribution")
    typical = rn.typical_segments(res, ctx.corpus.segments, n=3, profiles=all_profiles)
    ctx.save_table(typical, "reinert_typical_segments")
    ctx.plot("reinert_classes", tplots.plot_reinert, res, profiles, dist_year, by="year")
    double_key = {**key, "double": True}
    try:
        # the double classification's segments never carried the period
        plain = dataclasses.replace(stm, segments=stm.segments.drop(columns=schema.PERIOD))
        double = ctx.cached("reinert_double", double_key, lambda: rn.reinert_double(plain, max_k=5))
        dprof = rn.class_profiles(double, n=6)
        dlines = [
            f"  - Class {c[1]} (crossing {c.crossing}): {c.n_segments} segments — "
            + ", ".join(t.replace("_", " ") for t in dprof.loc[dprof["class"] == c[1], "term"])
            for c in double.classes.itertuples()
        ]
        double_note = "\n".join(
            [
                f"The double classification (units of ≥ 10 and ≥ 15 terms, rainette2 defaults) keeps {double.k} "
                f"stable classes covering {100 * (1 - double.unclassified_share):.0f} % of the segments "
                "(best Σχ² per k in `tables/reinert_double_partitions.csv`):",
                "",
                *dlines,
            ]
        )
        ctx.plot(
            "reinert_double_classes",
            tplots.plot_reinert,
            double,
            dprof,
            rn.class_distribution(double, "year"),
            by="year",
        )
        double_note += "\n\n" + figure_markdown(
            "reinert_double_classes",
            "Double classification: stable classes and share of each year's segments",
        )
        ctx.save_table(double.params["partitions"], "reinert_double_partitions")
        ctx.save_table(rn.reinert_tables(double, dprof)["reinert_segments"], "reinert_double_segments")
    except SettingsError as err:
        double_note = f"The double classification did not run: {err}"
    class_lines = []
    for c in res.classes.itertuples():
        terms = profiles.loc[profiles["class"] == c[1], "term"].head(8)
        years = dist_year[(dist_year["class"] == c[1])].sort_values("share_of_class", ascending=False)
        peak = (
            f"; {100 * years['share_of_class'].iloc[0]:.0f} % of its segments from {years.iloc[0, 0]}"
            if len(years)
            else ""
        )
        class_lines.append(
            f"- Class {c[1]} ({c.n_segments} segments, {100 * c.share:.1f} %): "
            + ", ".join(t.replace("_", " ") for t in terms)
            + peak
        )
    big = rn.degenerate_classes(res.classes)
    if len(big):
        c = big.iloc[0]
        class_lines.append(
            f"- **Degenerate classification**: class {int(c['class'])} holds {100 * c['share']:.1f} % of the "
            f"segments (> {100 * rn.DEGENERATE_CLASS_SHARE:.0f} %): the other splits peel off a few outlying "
            f"segments, not lexical worlds. Raise the term filter (settings `extra.reinert_min_segments`, now "
            f"{stm.min_segments}: rare terms drive such splits) or merge segments into larger units "
            "(`extra.reinert_min_segment_size`, e.g. 10), and read the double classification below."
        )
    small = res.classes[res.classes["share"] < 0.05]
    if len(small):
        class_lines.append(
            f"- Class(es) {', '.join(str(c) for c in small['class'])} hold fewer than 5 % of the segments: "
            "read them as outlying passages, not lexical worlds (rainette splits the largest class whatever "
            "the size of the halves); the double classification keeps only classes stable across unit sizes."
        )
    rule = (
        "set by `extra.reinert_min_segments`"
        if "reinert_min_segments" in dict(s.extra or {})
        else f"rule max(3, ⌈{rn.MIN_SEGMENTS_RATE:g} × {len(stm.segments)} segments⌉), so that rare terms do "
        "not drive the splits of a large corpus"
    )
    lines = [
        "### Reinert classification (IRaMuTeQ / rainette method)",
        "",
        f"Descending hierarchical classification of {len(res.segments)} segments on {res.params['n_terms']} lemmas "
        f"(nouns, verbs, adjectives, adverbs present in ≥ {stm.min_segments} segments; {rule}), k = {res.k} "
        "classes; "
        f"{100 * res.unclassified_share:.1f} % of segments unclassified. Class terms by signed χ² "
        "(`tables/reinert_classes.csv`), segments' classes (`tables/reinert_segments.csv`), typical segments "
        "(`tables/reinert_typical_segments.csv`).",
        "",
        *class_lines,
        "",
        double_note,
        "",
        figure_markdown(
            "reinert_classes", "Reinert classes: dendrogram, top terms and share of each year's segments"
        ),
        "",
    ]
    ctx.results["textometry"] = {
        "reinert_classes": {
            int(c): profiles.loc[profiles["class"] == c, "term"].head(8).tolist()
            for c in res.classes["class"]
        }
    }
    return lines
