"""Exports for other software: the document-term matrix for R/quanteda (CSV long form and Matrix Market).

The IRaMuTeQ text export is :func:`aictlab.iramuteq.write_iramuteq`. The counts come from
:func:`aictlab.keyness.document_term_counts` (the lexical table by ``doc_id`` in long form, counted
partition by partition); nothing is recounted here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import io as scipy_io
from scipy import sparse

from aictlab.io import atomic_write_bytes

__all__ = ["dtm_files", "write_dtm"]


def dtm_files(counts: pd.DataFrame, documents: Sequence) -> dict[str, bytes]:
    """The document-term matrix of long counts (:func:`aictlab.keyness.document_term_counts`) as files.

    Parameters
    ----------
    counts : DataFrame
        ``doc_id, term, n``: non-zero counts, sorted by document then term.
    documents : sequence
        The matrix's rows, in order (documents without a count are empty rows).

    Returns
    -------
    dict of file name -> bytes
        ``dtm_long.csv`` (``doc_id, term, n``, zero counts left out), ``dtm.mtx`` (Matrix Market, documents
        as rows, terms as columns, integer counts), ``dtm_rows.txt`` (one doc_id per line, the row order) and
        ``dtm_cols.txt`` (one term per line, sorted). In R: ``Matrix::readMM("dtm.mtx")``, then
        ``rownames(m) <- readLines("dtm_rows.txt")``, ``colnames(m) <- readLines("dtm_cols.txt")``, and
        ``quanteda::as.dfm(m)``.
    """
    rows_index = pd.Index(list(documents))
    terms = pd.Index(sorted(counts["term"].unique()))
    # built from the non-zero counts, never from a dense documents x terms array
    rows = rows_index.get_indexer(counts["doc_id"])
    cols = terms.get_indexer(counts["term"])
    matrix = sparse.csr_matrix(
        (counts["n"].to_numpy(dtype=np.int64), (rows, cols)), shape=(len(rows_index), len(terms))
    )
    matrix.sort_indices()
    buffer = io.BytesIO()
    scipy_io.mmwrite(
        buffer, matrix, comment="aictlab document-term matrix: rows = dtm_rows.txt, cols = dtm_cols.txt"
    )
    return {
        "dtm_long.csv": counts.to_csv(index=False, lineterminator="\n").encode("utf-8"),
        "dtm.mtx": buffer.getvalue(),
        "dtm_rows.txt": ("\n".join(map(str, rows_index)) + "\n").encode("utf-8"),
        "dtm_cols.txt": ("\n".join(map(str, terms)) + "\n").encode("utf-8"),
    }


def write_dtm(counts: pd.DataFrame, documents: Sequence, folder: Path) -> list[Path]:
    """Write :func:`dtm_files` into ``folder`` (created if needed); returns the paths."""
    folder = Path(folder)
    paths = []
    for name, data in dtm_files(counts, documents).items():
        atomic_write_bytes(folder / name, data)
        paths.append(folder / name)
    return paths
