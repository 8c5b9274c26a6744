"""Figure of partner geography: the development status of partner countries named, per period."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab.plots._style import GREYS, HATCHES, new_figure

__all__ = ["plot_partner_geography"]

_INCOME = (("low", "low income"), ("lower_middle", "lower-middle"), ("upper_middle", "upper-middle"),
           ("high", "high income"), ("unclassified", "unclassified"))  # fmt: skip


def _short(period: str) -> str:
    """« 2010-2014 » -> « 2010–14 » (same century), else unchanged."""
    start, _, end = str(period).partition("-")
    return f"{start}–{end[2:]}" if len(start) == len(end) == 4 and start[:2] == end[:2] else str(period)


def plot_partner_geography(by_period: pd.DataFrame):
    """Share of partner-country mentions by income group (stacked, hatched) and LDC share with its interval.

    Parameters
    ----------
    by_period : DataFrame
        :attr:`aictlab.geography.GeographyResult.by_period` (``period, group, share, ci_low, ci_high,
        partner``).

    Returns
    -------
    (Figure, DataFrame)
        The figure and the drawn data: one row per period, ``partner`` (mentions), the share of each income
        group, ``ldc`` and its ``ldc_low, ldc_high`` interval.
    """
    wide = by_period.pivot(index="period", columns="group", values="share")
    periods = sorted(by_period["period"].unique())
    drawn = pd.DataFrame({"period": periods})
    drawn["partner"] = [int(by_period.loc[by_period["period"] == p, "partner"].max()) for p in periods]
    for group, _ in _INCOME:
        drawn[group] = wide[group].reindex(periods).fillna(0).to_numpy() if group in wide else 0.0
    ldc = by_period[by_period["group"] == "ldc"].set_index("period").reindex(periods)
    drawn["ldc"] = ldc["share"].to_numpy()
    drawn["ldc_low"] = ldc["ci_low"].to_numpy()
    drawn["ldc_high"] = ldc["ci_high"].to_numpy()
    fig, (ax_bar, ax_ldc) = new_figure(1, 2, width=6.5, height=3.6)
    x = np.arange(len(drawn))
    bottom = np.zeros(len(drawn))
    for i, (group, label) in enumerate(_INCOME):
        ax_bar.bar(x, drawn[group], bottom=bottom, color=GREYS[i % len(GREYS)], hatch=HATCHES[i % len(HATCHES)],
                   edgecolor="black", linewidth=0.6, label=label)  # fmt: skip
        bottom += drawn[group].to_numpy(dtype=float)
    many = len(drawn) > 4
    labels = [
        f"{_short(p)} (n={n})" if many else f"{_short(p)}\n(n={n})"
        for p, n in zip(drawn["period"], drawn["partner"], strict=True)
    ]
    ax_bar.set_xticks(x, labels)
    ax_bar.set_ylim(0, 1)
    ax_bar.set_ylabel("share of foreign-country mentions")
    ax_bar.set_title("World Bank income group")
    fig.legend(
        *ax_bar.get_legend_handles_labels(), loc="outside lower center", ncol=5, frameon=False, fontsize=7
    )
    low = (drawn["ldc"] - drawn["ldc_low"]).clip(lower=0)
    high = (drawn["ldc_high"] - drawn["ldc"]).clip(lower=0)
    err = np.vstack([low.fillna(0).to_numpy(), high.fillna(0).to_numpy()])
    ax_ldc.errorbar(x, drawn["ldc"], yerr=err, fmt="o-", color="black", capsize=3, markerfacecolor="white")
    ax_ldc.set_xticks(x, labels)
    ax_ldc.set_ylim(0, 1)
    ax_ldc.set_ylabel("share naming an LDC")
    ax_ldc.set_title("UN least developed countries\n(95% document-bootstrap interval)")
    if many:  # many periods: vertical labels stay apart
        for ax in (ax_bar, ax_ldc):
            ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    return fig, drawn
