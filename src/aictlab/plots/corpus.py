"""Figure of the corpus overview."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab.plots._style import GREYS, HATCHES, new_figure, styled

__all__ = ["plot_corpus_overview"]


@styled
def plot_corpus_overview(overview: pd.DataFrame, *, ax=None):
    """Word tokens per document, split into counted, duplicated and structure tokens.

    Parameters
    ----------
    overview : DataFrame
        :func:`aictlab.corpus.corpus_overview` (``doc_id, year, tokens, duplicated_share, structure_share``).

    Returns
    -------
    (Figure, DataFrame)
        The figure and the drawn data: ``doc_id, year, counted, duplicated, structure`` (tokens).
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
    ax.set_yticks(y, [f"{d} ({yr})" for d, yr in zip(drawn["doc_id"], drawn["year"], strict=True)])
    ax.invert_yaxis()
    ax.set_xlabel("word tokens")
    ax.set_title("Corpus: word tokens per document")
    ax.legend(loc="lower right", frameon=False)
    return fig, drawn
