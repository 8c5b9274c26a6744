"""Report part: the corpus overview (documents, units, tokens, duplicates)."""

from __future__ import annotations

from aictlab.corpus import corpus_overview
from aictlab.plots.corpus import plot_corpus_overview
from aictlab.report.context import ReportContext
from aictlab.report.render import figure_markdown, markdown_table

__all__ = ["run"]


def run(ctx: ReportContext) -> str:
    corpus = ctx.corpus
    overview = corpus_overview(corpus)
    ctx.save_table(overview, "corpus_overview")
    ctx.save_table(corpus.overlap, "document_overlap")
    ctx.save_table(corpus.duplicate_pairs, "duplicate_paragraphs")
    fig, _ = plot_corpus_overview(overview)
    ctx.save_figure(fig, "corpus_overview")
    shown = overview[
        ["doc_id", "date", "paragraphs", "segments", "tokens", "duplicated_share", "tokens_counted"]
    ]
    counted = int(overview["tokens_counted"].sum())
    return "\n".join(
        [
            "## Corpus",
            "",
            "What was counted: one row per document. *Reading guide*: `tokens` are word tokens (with a letter) "
            "of the clean text; `duplicated_share` is the share of them in paragraphs that also stand in a fuller "
            "document and are counted once, there (`--keep-duplicates` counts every copy).",
            "",
            markdown_table(shown),
            "",
            f"Measures count {counted} word tokens "
            f"({'all copies' if ctx.settings.keep_duplicates else 'duplicates once'}, timetable lines left out). "
            "Document overlaps are in `tables/document_overlap.csv`, every duplicate pair in "
            "`tables/duplicate_paragraphs.csv`.",
            "",
            figure_markdown("corpus_overview", "Word tokens per document: counted, duplicated, timetable"),
        ]
    )
