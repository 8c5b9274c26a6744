"""Report part: exports for IRaMuTeQ, quanteda and R (clean corpus text, document-term matrix)."""

from __future__ import annotations

from functools import partial

from aictlab import schema
from aictlab.export import write_dtm
from aictlab.iramuteq import write_iramuteq
from aictlab.keyness import lexical_table_from_counts, term_counts
from aictlab.report.context import ReportContext

__all__ = ["run"]


def run(ctx: ReportContext) -> str:
    folder = ctx.out_dir / "exports"
    corpus_file = write_iramuteq(ctx.corpus, folder / "corpus_iramuteq.txt")
    # all word tokens with stop words (users filter in their own tool); duplicates as the run counts them;
    # counted per document, partition by partition
    counts = ctx.map_tokens(partial(term_counts, keys=schema.DOC_ID))
    table = lexical_table_from_counts(counts, schema.DOC_ID, keep_stop=True)
    paths = [corpus_file, *write_dtm(table, folder)]
    ctx.outputs.extend(paths)
    n_terms, n_docs = table.counts.shape
    return "\n".join(
        [
            "## Exports",
            "",
            "To carry on in other software. *Reading guide*: the IRaMuTeQ file is the text exactly as aictlab "
            "cleaned it, one `****` line of starred variables per document; the document-term matrix counts "
            "lemmas (multi-word expressions joined with `_`, stop words kept) per document, with duplicated "
            "paragraphs counted as in the measures.",
            "",
            f"- `exports/corpus_iramuteq.txt`: {n_docs} texts (`*doc_`, `*year_`, `*date_`, `*organiser_`, "
            "`*genre_`); open it in IRaMuTeQ, or read it back with `aictlab.read_iramuteq`.",
            f"- `exports/dtm_long.csv` (`doc_id, term, n`) and `exports/dtm.mtx` + `dtm_rows.txt` + "
            f"`dtm_cols.txt` (Matrix Market, {n_docs} documents × {n_terms} lemmas): in R, "
            '`m <- Matrix::readMM("dtm.mtx"); rownames(m) <- readLines("dtm_rows.txt"); '
            'colnames(m) <- readLines("dtm_cols.txt"); quanteda::as.dfm(m)`.',
        ]
    )
