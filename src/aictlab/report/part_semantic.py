"""Report part: semantic scaling, a lexicon-independent view of the drift (docs/methods.md §16)."""

from __future__ import annotations

import math

import pandas as pd

from aictlab.corpus import as_corpus
from aictlab.lexicon import load_lexicon
from aictlab.plots.scaling import plot_semantic_scores
from aictlab.report.context import ReportContext
from aictlab.report.part_frames import frame_data_key
from aictlab.report.render import figure_markdown, markdown_table
from aictlab.report.synthesis import interval_direction, toward
from aictlab.report.text import fmt_number as _fmt
from aictlab.scaling import VECTOR_MODEL, semantic_scaling

__all__ = ["run"]


def run(ctx: ReportContext) -> str:
    s = ctx.settings
    lexicon = load_lexicon(s.lexicon_path)
    frames = tuple(s.drift_frames)
    corpus = as_corpus(ctx.corpus.select(keep_duplicates=s.keep_duplicates), periods=s.periods)
    # the change contrasts the drift index's compared periods, resampling its documents (clusters)
    rule = {"min_documents": s.min_documents, "min_tokens": s.min_tokens, "cluster": s.cluster}
    key = {"lexicon": lexicon.sha256, "frames": frames, "periods": s.periods, "seed": s.seed,
           "bootstrap": s.robustness_bootstrap, "keep_duplicates": s.keep_duplicates, **rule}  # fmt: skip

    def scaling():
        # the frames part's hits on the same tokens (same lexicon and selection), when it left them: the
        # lexicon is not matched a second time (3 CPU s at 250k words)
        data = ctx.cached_value("frames_data", frame_data_key(s, lexicon))
        matches = data.hits("extended") if data is not None and "extended" in data.matches else None
        return semantic_scaling(corpus, lexicon, frames=frames, n_boot=s.robustness_bootstrap, seed=s.seed,
                                compared=ctx.compared_periods(), matches=matches, **rule)  # fmt: skip

    res = ctx.cached("semantic_scaling", key, scaling)
    ctx.save_table(res.segments, "semantic_segments")
    ctx.save_table(res.by_document, "semantic_by_document")
    ctx.save_table(res.by_period, "semantic_by_period")
    ctx.save_table(res.change, "semantic_change")
    ctx.save_table(res.words, "semantic_word_polarity")
    ctx.save_table(res.neighbours, "semantic_recall_suggestions")
    labels = tuple(lexicon.frames[f]["label"] for f in frames)
    ctx.plot("semantic_scores", plot_semantic_scores, res.by_document, res.by_period, frames=labels)

    ch = res.change.iloc[0]
    direction_labels = tuple(label.lower() for label in labels)
    # NaN when no change was computed (then no interval either)
    within_documents = bool(ch["within_documents"]) if pd.notna(ch["within_documents"]) else False
    semantic_dir = interval_direction(ch["ci_low"], ch["ci_high"], direction_labels, within_documents)
    ctx.results["semantic"] = {
        "frames": list(frames),
        "frame_labels": list(direction_labels),
        "first_period": ch["first_period"],
        "last_period": ch["last_period"],
        "change": float(ch["score_change"]),
        "ci_low": float(ch["ci_low"]),
        "ci_high": float(ch["ci_high"]),
        "resampling": ch["resampling"],
        "within_documents": within_documents,
    }
    lines = [
        "## Semantic scaling (lexicon-independent view)",
        "",
        f"Each word of the corpus gets a polarity from its similarity, in pre-trained French word vectors "
        f"(spaCy {VECTOR_MODEL}), to the one-word core terms of {labels[1]} (+) and {labels[0]} (−); a segment's "
        f"score is the mean polarity of its words with every lexicon term removed, standardised over the "
        f"{len(res.segments)} segments (docs/methods.md §16). So this view does not count the lexicon's hits. "
        f"{res.params['n_scored_words']} words scored (≥ {res.params['min_count']} occurrences).",
        "",
        markdown_table(res.by_period[["period", "n_documents", "n_segments", "mean_z", "ci_low", "ci_high"]]),
        "",
    ]
    if math.isfinite(ch.get("score_change", math.nan)):
        lines.append(
            f"- Change {ch['first_period']} → {ch['last_period']}: {_fmt(ch['score_change'])} standard deviations "
            f"[{_fmt(ch['ci_low'])}, {_fmt(ch['ci_high'])}] (95 % {ch['interval']} bootstrap, "
            f"resampling {ch['resampling']}): "
            f"{semantic_dir}. These are the drift index's compared periods ({ch['compared_periods_rule']}"
            + (f"; {ch['merge']}" if ch["merge"] else "")
            + ")."
        )
    if math.isfinite(ch.get("trend_per_decade", math.nan)):
        lines.append(
            f"- Trend over document years: {_fmt(ch['trend_per_decade'])} per decade "
            f"[{_fmt(ch['trend_ci_low'])}, {_fmt(ch['trend_ci_high'])}] "
            f"({f'clusters of `{s.cluster}`' if s.cluster else 'documents'} resampled, expanded percentile)."
        )
    verdict = ctx.results.get("verdict")
    if verdict and math.isfinite(ch.get("score_change", math.nan)):
        lexicon_dir = interval_direction(
            verdict["ci_low"], verdict["ci_high"], direction_labels, verdict.get("within_documents")
        )
        both = all(d.startswith(toward("")) for d in (lexicon_dir, semantic_dir))
        agree = ("agree" if lexicon_dir == semantic_dir else "disagree") if both else "do not both decide"
        # the lexicon compares its own end groups (thin edge periods merged inward): name them when they differ
        lexicon_span = (verdict["first_period"], verdict["last_period"])
        over = (
            "over the same periods"
            if lexicon_span == (ch["first_period"], ch["last_period"])
            else f"between its compared periods ({lexicon_span[0]} → {lexicon_span[1]})"
        )
        lines.append(
            f"- The lexicon's drift index {over} is {lexicon_dir} (ΔD = {_fmt(verdict['drift_change'])} "
            f"[{_fmt(verdict['ci_low'])}, {_fmt(verdict['ci_high'])}]): the two views {agree}."
        )
    missing = res.params["seeds_without_vector"]
    lines += [
        *([f"- Seed words without a vector (not used): {', '.join(missing)}."] if missing else []),
        "",
        "Words closest to the seed words that are not in the lexicon are listed in "
        "`tables/semantic_recall_suggestions.csv`: candidates for the analyst to read in context, never added "
        "automatically. (Rare words may share a vector with a frequent one in this model: cosine 1.)",
        "",
        figure_markdown(
            "semantic_scores", "Semantic scaling: mean segment score per period and per document"
        ),
    ]
    return "\n".join(lines)
