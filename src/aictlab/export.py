"""Exports for other software: the document-term matrix for R/quanteda (CSV long form and Matrix Market).

The IRaMuTeQ text export is :func:`aictlab.iramuteq.write_iramuteq`. The counts come from the one lexical
table of :func:`aictlab.keyness.lexical_table` (grouped by ``doc_id``, counted partition by partition);
nothing is recounted here.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from scipy import io as scipy_io
from scipy import sparse

from aictlab.io import atomic_write_bytes
from aictlab.keyness import LexicalTable

__all__ = ["dtm_files", "write_dtm"]


def dtm_files(table: LexicalTable) -> dict[str, bytes]:
    """The document-term matrix of a terms × documents :class:`~aictlab.keyness.LexicalTable` as files.

    Returns
    -------
    dict of file name -> bytes
        ``dtm_long.csv`` (``doc_id, term, n``, zero counts left out), ``dtm.mtx`` (Matrix Market, documents
        as rows, terms as columns, integer counts), ``dtm_rows.txt`` (one doc_id per line, the row order) and
        ``dtm_cols.txt`` (one term per line). In R: ``Matrix::readMM("dtm.mtx")``, then
        ``rownames(m) <- readLines("dtm_rows.txt")``, ``colnames(m) <- readLines("dtm_cols.txt")``, and
        ``quanteda::as.dfm(m)``.
    """
    long = table.tidy().rename(columns={"group": "doc_id"})
    # built from the non-zero counts, not from a dense copy of the documents x terms table
    rows = table.counts.columns.get_indexer(long["doc_id"])
    cols = table.counts.index.get_indexer(long["term"])
    matrix = sparse.csr_matrix(
        (long["n"].to_numpy(dtype=np.int64), (rows, cols)), shape=table.counts.shape[::-1]
    )
    matrix.sort_indices()
    buffer = io.BytesIO()
    scipy_io.mmwrite(
        buffer, matrix, comment="aictlab document-term matrix: rows = dtm_rows.txt, cols = dtm_cols.txt"
    )
    return {
        "dtm_long.csv": long.to_csv(index=False, lineterminator="\n").encode("utf-8"),
        "dtm.mtx": buffer.getvalue(),
        "dtm_rows.txt": ("\n".join(map(str, table.counts.columns)) + "\n").encode("utf-8"),
        "dtm_cols.txt": ("\n".join(map(str, table.counts.index)) + "\n").encode("utf-8"),
    }


def write_dtm(table: LexicalTable, folder: Path) -> list[Path]:
    """Write :func:`dtm_files` into ``folder`` (created if needed); returns the paths."""
    folder = Path(folder)
    paths = []
    for name, data in dtm_files(table).items():
        atomic_write_bytes(folder / name, data)
        paths.append(folder / name)
    return paths
