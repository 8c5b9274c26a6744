"""Figure of the corpus overview."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab.plots._style import GREYS, HATCHES, new_figure, styled

__all__ = ["MAX_DOCUMENT_BARS", "plot_corpus_overview"]

#: Above this many documents the overview draws one bar per year (one label per document stops being legible).
MAX_DOCUMENT_BARS = 40


@styled
def plot_corpus_overview(overview: pd.DataFrame, *, max_documents: int = MAX_DOCUMENT_BARS, ax=None):
    """Word tokens per document (per year beyond ``max_documents``), split into counted, duplicated and
    structure tokens.

    Parameters
    ----------
    overview : DataFrame
        :func:`aictlab.corpus.corpus_overview` (``doc_id, year, tokens, duplicated_share, structure_share``).
    max_documents : int, default=:data:`MAX_DOCUMENT_BARS`
        Largest corpus drawn one bar per document; larger ones get one bar per year (summed tokens).

    Returns
    -------
    (Figure, DataFrame)
        The figure and the drawn data: ``doc_id, year, counted, duplicated, structure`` (tokens), or per year
        ``year, n_documents, counted, duplicated, structure``.
    """
    data = overview.sort_values(["year", "doc_id"]).reset_index(drop=True)
    drawn = pd.DataFrame(
        {
            "doc_id": data["doc_id"],
            "year": data["year"],
            "duplicated": (data["tokens"] * data["duplicated_share"]).round().astype(int),
            "structure": (data["tokens"] * data["structure_share"]).round().astype(int),
        }
    )
    drawn.insert(2, "counted", data["tokens"] - drawn["duplicated"] - drawn["structure"])
    by_year = len(drawn) > max_documents
    if by_year:
        drawn = (
            drawn.groupby("year", sort=True)
            .agg(
                n_documents=("doc_id", "size"),
                counted=("counted", "sum"),
                duplicated=("duplicated", "sum"),
                structure=("structure", "sum"),
            )
            .reset_index()
        )
    if ax is None:
        fig, ax = new_figure(width=6.5, height=0.5 + 0.45 * len(drawn))
    else:
        fig = ax.figure
    y = np.arange(len(drawn))
    left = np.zeros(len(drawn))
    parts = (
        ("counted", "counted"),
        ("duplicated", "duplicate of a fuller document"),
        ("structure", "timetable"),
    )
    for i, (column, label) in enumerate(parts):
        ax.barh(
            y,
            drawn[column],
            left=left,
            color=GREYS[i * 2 % 5],
            hatch=HATCHES[i],
            edgecolor="black",
            label=label,
        )
        left += drawn[column].to_numpy()
    if by_year:
        ticks = [f"{yr} ({n} doc.)" for yr, n in zip(drawn["year"], drawn["n_documents"], strict=True)]
    else:
        ticks = [f"{d} ({yr})" for d, yr in zip(drawn["doc_id"], drawn["year"], strict=True)]
    ax.set_yticks(y, ticks)
    ax.invert_yaxis()
    ax.set_xlabel("word tokens")
    ax.set_title(f"Corpus: word tokens per {'year' if by_year else 'document'}")
    ax.legend(loc="lower right", frameon=False)
    return fig, drawn
