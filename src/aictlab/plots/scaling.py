"""Figure of semantic scaling: the mean segment score per period with its interval, documents behind it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab.plots._style import GREYS, LINESTYLES, MARKERS, new_figure, styled

__all__ = ["plot_semantic_scores"]


@styled
def plot_semantic_scores(
    by_document: pd.DataFrame, by_period: pd.DataFrame, *, frames=("solidarité", "attractivité"), ax=None
):
    """Mean standardised segment score per period (bars: 95 % interval) over the document means (points).

    Readable at 5 or 500 documents: documents are small grey points, unlabelled; periods carry the estimate.

    Parameters
    ----------
    by_document : DataFrame
        ``doc_id, year, mean_z, n_segments`` (``ScalingResult.by_document``).
    by_period : DataFrame
        ``period, start_year, end_year, mean_z, ci_low, ci_high`` (``ScalingResult.by_period``).
    frames : (str, str)
        Labels of the negative and positive poles.

    Returns
    -------
    (Figure, DataFrame)
        The DataFrame is the period rows drawn, with their x positions.
    """
    fig, ax = new_figure(width=6.5, height=3.6) if ax is None else (ax.figure, ax)
    ax.axhline(0, color=GREYS[3], linewidth=0.8, zorder=0)
    size = np.clip(4 + 40 / np.sqrt(max(len(by_document), 1)), 4, 24)
    ax.scatter(by_document["year"], by_document["mean_z"], s=size, color=GREYS[3], marker=MARKERS[0],
               linewidths=0, label="document mean", zorder=1)  # fmt: skip
    data = by_period.assign(x=(by_period["start_year"] + by_period["end_year"]) / 2).reset_index(drop=True)
    err = np.vstack([data["mean_z"] - data["ci_low"], data["ci_high"] - data["mean_z"]])
    err = np.where(np.isfinite(err), np.clip(err, 0, None), 0)
    ax.errorbar(data["x"], data["mean_z"], yerr=err, fmt=MARKERS[1], color=GREYS[0], mfc="white", capsize=3,
                linestyle=LINESTYLES[1], linewidth=1, label="period mean, 95% CI", zorder=2)  # fmt: skip
    ax.set_xlabel("year")
    ax.set_ylabel(f"segment score (z; + = {frames[1]}, − = {frames[0]})")
    ax.set_title("Semantic scaling of segments, lexicon terms excluded")
    ax.legend(frameon=False, loc="best")
    return fig, data
