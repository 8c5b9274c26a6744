"""Report part: exports for IRaMuTeQ, quanteda and R (clean corpus text, document-term matrix)."""

from __future__ import annotations

import pandas as pd

from aictlab.export import write_dtm
from aictlab.iramuteq import DEFAULT_VARIABLES, write_iramuteq
from aictlab.keyness import document_term_counts
from aictlab.report.context import ReportContext

__all__ = ["export_variables", "run"]


def export_variables(documents: pd.DataFrame) -> list[str]:
    """The document variables written as IRaMuTeQ starred variables: those of ``year, date, organiser, genre``
    the documents have (``*doc_`` always opens the line), so a corpus without organiser or genre exports."""
    return [name for name in DEFAULT_VARIABLES if name in documents.columns]


def run(ctx: ReportContext) -> str:
    folder = ctx.out_dir / "exports"
    variables = export_variables(ctx.corpus.documents)
    corpus_file = write_iramuteq(ctx.corpus, folder / "corpus_iramuteq.txt", variables=variables)
    # all word tokens with stop words (users filter in their own tool); duplicates as the run counts them;
    # counted per document, partition by partition
    counts, documents = document_term_counts(
        ctx.corpus.select(keep_duplicates=ctx.settings.keep_duplicates), keep_stop=True
    )
    paths = [corpus_file, *write_dtm(counts, documents, folder)]
    ctx.outputs.extend(paths)
    n_terms, n_docs = counts["term"].nunique(), len(documents)
    # the texts written (a document whose every paragraph is empty is left out of the file), read back from
    # it: the document-term matrix's rows are another count (documents with a counted word)
    with corpus_file.open(encoding="utf-8") as lines:
        n_texts = sum(line.startswith("**** ") for line in lines)
    starred = ", ".join(f"`*{name}_`" for name in ("doc", *variables))
    return "\n".join(
        [
            "## Exports",
            "",
            "To carry on in other software. *Reading guide*: the IRaMuTeQ file is the text exactly as aictlab "
            "cleaned it, one `****` line of starred variables per document; the document-term matrix counts "
            "lemmas (multi-word expressions joined with `_`, stop words kept) per document, with duplicated "
            "paragraphs counted as in the measures.",
            "",
            f"- `exports/corpus_iramuteq.txt`: {n_texts} texts ({starred}); open it in IRaMuTeQ, or read it back "
            "with `aictlab.read_iramuteq`.",
            f"- `exports/dtm_long.csv` (`doc_id, term, n`) and `exports/dtm.mtx` + `dtm_rows.txt` + "
            f"`dtm_cols.txt` (Matrix Market, {n_docs} documents × {n_terms} lemmas): in R, "
            '`m <- Matrix::readMM("dtm.mtx"); rownames(m) <- readLines("dtm_rows.txt"); '
            'colnames(m) <- readLines("dtm_cols.txt"); quanteda::as.dfm(m)`.',
        ]
    )
