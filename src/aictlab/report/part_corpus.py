"""Report part: the corpus overview (documents, periods, document variables, tokens, duplicates).

Every sentence is computed from the corpus at hand: its size and span, documents per period, and the design
notes of :func:`aictlab.design.design_notes` (organisers, genres and sources per period, when the documents
carry them, and in the two periods the drift index compares; docs/methods.md §13).
"""

from __future__ import annotations

from aictlab.bins import compared_labels
from aictlab.corpus import as_corpus, corpus_overview
from aictlab.design import design_notes, design_table
from aictlab.plots.corpus import plot_corpus_overview
from aictlab.report.context import ReportContext
from aictlab.report.render import figure_markdown, markdown_table

__all__ = ["MAX_DOCUMENT_ROWS", "corpus_sentence", "run", "uncounted_sentence"]

#: Documents listed in the section's table (every one is in ``tables/corpus_overview.csv``).
MAX_DOCUMENT_ROWS = 30


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def corpus_sentence(overview, design) -> str:
    """What the corpus is, in one sentence computed from the overview and design tables."""
    n_docs = len(overview)
    years = overview["year"]
    span = f"{int(years.min())}" if years.min() == years.max() else f"{int(years.min())}–{int(years.max())}"
    tokens = overview["tokens"]
    size = (
        f"{int(tokens.sum())} word tokens"
        if n_docs == 1
        else f"{int(tokens.sum())} word tokens (median {int(tokens.median())} per document, "
        f"{int(tokens.min())}–{int(tokens.max())})"
    )
    per_period = ", ".join(f"{r.period}: {r.n_documents}" for r in design.itertuples())
    return (
        f"{_plural(n_docs, 'document')} dated {span}, {_plural(int(years.nunique()), 'distinct year')}, {size}. "
        f"Documents per period ({_plural(len(design), 'period')}): {per_period}."
    )


def uncounted_sentence(overview) -> str:
    """The documents left without any counted word token, named ("" when there is none).

    Every word of such a document stands in a timetable line or in a paragraph counted in a fuller document
    (``tokens_counted`` = 0 in :func:`aictlab.corpus.corpus_overview`): the measures, which count word tokens,
    never see it, so their document counts are smaller than the corpus's.
    """
    empty = overview.loc[overview["tokens_counted"] == 0, "doc_id"].astype(str).tolist()
    if not empty:
        return ""
    named = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
    return (
        f"{_plural(len(empty), 'document')} keep{'s' if len(empty) == 1 else ''} no counted word token (every "
        f"word in a timetable line or a duplicate counted elsewhere: {named}); the measures below rest on the "
        f"other {_plural(len(overview) - len(empty), 'document')}. "
    )


def run(ctx: ReportContext) -> str:
    corpus = ctx.corpus
    overview = corpus_overview(corpus)
    ctx.save_table(overview, "corpus_overview")
    ctx.save_table(corpus.overlap, "document_overlap")
    ctx.save_table(corpus.duplicate_pairs, "duplicate_paragraphs")
    documents = as_corpus(corpus, periods=ctx.settings.periods).documents
    design = design_table(documents)
    ctx.save_table(design, "corpus_design")
    # the end-period notes speak of the periods the drift index compares (merged when thin), as the verdict
    notes = design_notes(documents, compared=compared_labels(ctx.compared_periods()))
    drawn = ctx.plot("corpus_overview", plot_corpus_overview, overview)
    per = "year" if "n_documents" in drawn.columns else "document"
    shown = overview[
        ["doc_id", "date", "paragraphs", "segments", "tokens", "duplicated_share", "tokens_counted"]
    ]
    counted = int(overview["tokens_counted"].sum())
    variables = [c.removesuffix("_values") for c in design.columns if c.endswith("_values")]
    design_shown = design[[c for c in design.columns if not c.endswith("_values")]]
    lines = [
        "## Corpus",
        "",
        corpus_sentence(overview, design),
        "",
        "### Design: documents per period",
        "",
        "What a change between periods contrasts: the documents of each period"
        + (
            f" and how many distinct {_and([f'{v}s' for v in variables])} they come from "
            "(the values: `tables/corpus_design.csv`)."
            if variables
            else " (the documents carry no organiser, genre or source variable, so no confounding with them "
            "can be checked)."
        ),
        "",
        markdown_table(design_shown),
        "",
        *(f"- {note}" for note in notes),
        *([""] if notes else []),
        "### Documents",
        "",
        "What was counted: one row per document. *Reading guide*: `tokens` are word tokens (with a letter) "
        "of the clean text; `duplicated_share` is the share of them in paragraphs that also stand in a fuller "
        "document and are counted once, there (`--keep-duplicates` counts every copy).",
        "",
        markdown_table(shown, max_rows=MAX_DOCUMENT_ROWS),
        "",
    ]
    if len(shown) > MAX_DOCUMENT_ROWS:
        lines += [
            f"First {MAX_DOCUMENT_ROWS} of {len(shown)} documents; every one is in `tables/corpus_overview.csv`.",
            "",
        ]
    lines += [
        f"Measures count {counted} word tokens "
        f"({'all copies' if ctx.settings.keep_duplicates else 'duplicates once'}, timetable lines left out). "
        + uncounted_sentence(overview)
        + "Document overlaps are in `tables/document_overlap.csv`, every duplicate pair in "
        "`tables/duplicate_paragraphs.csv`.",
        "",
        figure_markdown("corpus_overview", f"Word tokens per {per}: counted, duplicated, timetable"),
    ]
    return "\n".join(lines)
