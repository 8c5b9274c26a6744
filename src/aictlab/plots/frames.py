"""Figures of the frame-drift analysis. Each ``plot_*`` returns ``(Figure, DataFrame)``: the DataFrame is
exactly what was drawn. Black-and-white readable (markers, line styles, hatches); intervals always drawn."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab.plots._style import GREYS, HATCHES, LINESTYLES, MARKERS, new_figure, styled

__all__ = [
    "FRAME_LABELS",
    "MAX_LABELS",
    "FRAME_STYLE",
    "plot_frame_rates",
    "plot_drift_index",
    "plot_robustness",
    "plot_term_contributions",
    "plot_mention_vs_use",
]

FRAME_LABELS = {"solidarite": "solidarité", "attractivite": "attractivité"}
FRAME_STYLE = {
    "solidarite": {"color": GREYS[0], "marker": MARKERS[0], "linestyle": LINESTYLES[0], "hatch": HATCHES[0]},
    "attractivite": {
        "color": GREYS[2],
        "marker": MARKERS[1],
        "linestyle": LINESTYLES[1],
        "hatch": HATCHES[1],
    },
}


#: Up to this many documents every document is labelled; beyond, only the extremes (readable at 500 documents).
MAX_LABELS = 12


def _labelled(values: pd.Series, max_labels: int) -> pd.Series:
    """Which points carry a label: all up to ``max_labels``, else the highest and the lowest value only."""
    if len(values) <= max_labels:
        return pd.Series(True, index=values.index)
    v = values.astype(float)
    out = pd.Series(False, index=values.index)
    if v.notna().any():
        out[v.idxmax()] = out[v.idxmin()] = True
    return out


def _point_style(n: int) -> dict:
    """Error-bar style that stays readable as documents multiply: no caps, smaller and lighter beyond
    :data:`MAX_LABELS` points."""
    if n <= MAX_LABELS:
        return {"capsize": 3, "markersize": 5, "elinewidth": 1.0, "alpha": 1.0}
    return {"capsize": 0, "markersize": 2.5 if n <= 100 else 1.5, "elinewidth": 0.5, "alpha": 0.6}


def _jitter(years: pd.Series, docs: pd.Series, width: float = 0.35) -> np.ndarray:
    """Spread documents of the same year horizontally so that their bars do not overlap."""
    out = years.astype(float).to_numpy().copy()
    for _, idx in pd.Series(range(len(years)), index=years.to_numpy()).groupby(level=0):
        k = len(idx)
        if k > 1:
            out[idx.to_numpy()] += np.linspace(-width, width, k)
    return out


@styled
def plot_frame_rates(frame_rates: pd.DataFrame, *, max_labels: int = MAX_LABELS, ax=None):
    """Frame rate per 10 000 tokens of each document against its year, with bootstrap 95 % intervals.

    Parameters
    ----------
    frame_rates : DataFrame
        ``doc_id, year, frame, rate_per_10k, ci_low, ci_high`` (``DriftResult.frame_rates``).
    max_labels : int, default=12
        Every document is labelled up to this many documents; beyond, only the document with the highest
        rate of each frame (column ``label`` of the returned data: the text drawn, or empty).
    """
    data = frame_rates.sort_values(["year", "doc_id", "frame"]).reset_index(drop=True)
    docs = data.drop_duplicates("doc_id")[["doc_id", "year"]].reset_index(drop=True)
    doc_x = dict(zip(docs["doc_id"], _jitter(docs["year"], docs["doc_id"]), strict=True))
    data["x"] = data["doc_id"].map(doc_x)
    n_docs = len(docs)
    few = n_docs <= max_labels
    pt = _point_style(n_docs)
    fig, ax = new_figure(width=6.5, height=3.8) if ax is None else (ax.figure, ax)
    data["label"] = ""
    for i, (frame, group) in enumerate(data.groupby("frame", sort=False)):
        st = FRAME_STYLE.get(frame, {"color": GREYS[i % 4], "marker": MARKERS[i % 7], "linestyle": "-"})
        x = group["x"].to_numpy() + (i - 0.5) * 0.12
        y = group["rate_per_10k"].to_numpy()
        err = np.clip(np.vstack([y - group["ci_low"].to_numpy(), group["ci_high"].to_numpy() - y]), 0, None)
        ax.errorbar(
            x, y, yerr=err, fmt=st["marker"], color=st["color"], mfc="white" if i else st["color"],
            label=FRAME_LABELS.get(frame, frame), linestyle="none", **pt,
        )  # fmt: skip
        if few:  # a line through a handful of documents guides the eye; through hundreds it is noise
            order = np.argsort(x)
            ax.plot(x[order], y[order], linestyle=st["linestyle"], color=st["color"], linewidth=0.8)
        else:
            top = (
                group["rate_per_10k"].astype(float).idxmax() if group["rate_per_10k"].notna().any() else None
            )
            if top is not None:
                data.loc[top, "label"] = str(group.loc[top, "doc_id"])
    if few:
        first_rows = data.groupby("doc_id", sort=False).head(1).index
        data.loc[first_rows, "label"] = data.loc[first_rows, "doc_id"].astype(str)
    for idx in data.index[data["label"].ne("")]:
        doc = data.loc[idx, "doc_id"]
        y_top = data.loc[data["doc_id"].eq(doc), "ci_high"].max() if few else data.loc[idx, "ci_high"]
        ax.annotate(data.loc[idx, "label"], (doc_x[doc], y_top), textcoords="offset points", xytext=(0, 4),
                    ha="center", fontsize=6.5)  # fmt: skip
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year of the document")
    ax.set_ylabel("frame hits per 10,000 word tokens")
    ax.set_title(f"Frame rates per document, n = {n_docs} (segment bootstrap 95% CI)")
    ax.legend(frameon=False)
    ax.set_ylim(bottom=0)
    return fig, data


@styled
def plot_drift_index(
    by_document: pd.DataFrame, by_period: pd.DataFrame, *, max_labels: int = MAX_LABELS, ax=None
):
    """Drift index D = log2((A+0.5)/(S+0.5)) per document (points, 95 % bars) and per period (horizontal
    segments over the period's years with a shaded 95 % band). D > 0: attractivité dominates. Every document
    is labelled up to ``max_labels`` documents, else only the highest and lowest D (column ``label``)."""
    docs = by_document.sort_values(["year", "doc_id"]).reset_index(drop=True)
    pt = _point_style(len(docs))
    labels = np.where(_labelled(docs["drift_index"], max_labels), docs["doc_id"].astype(str), "")
    fig, ax = new_figure(width=6.5, height=3.8) if ax is None else (ax.figure, ax)
    ax.axhline(0, color=GREYS[3], linewidth=0.8, zorder=0)
    for i, p in enumerate(by_period.itertuples(index=False)):
        x0, x1 = p.start_year - 0.4, p.end_year + 0.4
        ax.fill_between([x0, x1], p.ci_low, p.ci_high, color=GREYS[4], alpha=0.6, linewidth=0, hatch=None)
        ax.plot([x0, x1], [p.drift_index, p.drift_index], color=GREYS[1], linewidth=2, linestyle=LINESTYLES[1],
                label="period (pooled) and 95% CI" if i == 0 else None)  # fmt: skip
    x = _jitter(docs["year"], docs["doc_id"])
    y = docs["drift_index"].to_numpy()
    err = np.clip(np.vstack([y - docs["ci_low"].to_numpy(), docs["ci_high"].to_numpy() - y]), 0, None)
    ax.errorbar(x, y, yerr=err, fmt="o", color=GREYS[0], label="document and 95% CI", **pt)
    for xi, yi, text in zip(x, docs["ci_high"], labels, strict=True):
        if text:
            ax.annotate(text, (xi, yi), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=6.5)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")
    ax.set_ylabel("drift index D = log2((A+0.5)/(S+0.5))")
    # periods resample documents (clusters) when they hold enough of them (aictlab.drift.measure_drift)
    resampled = set(by_period["resampled_unit"]) - {"segment"} if "resampled_unit" in by_period else set()
    ci_txt = (
        f"\n95% CI: documents by segment bootstrap; periods by {' / '.join(sorted(resampled))} bootstrap"
        + (" (segments in thin periods)" if by_period["resampled_unit"].eq("segment").any() else "")
        if resampled
        else "; segment bootstrap 95% CI"
    )
    ax.set_title(f"Drift index (> 0: attractivité dominates){ci_txt}")
    ax.legend(frameon=False, loc="upper left")
    data = pd.concat(
        [
            docs[["doc_id", "year", "drift_index", "ci_low", "ci_high"]].assign(
                level="document", x=x, label=labels
            ),
            by_period[["period", "start_year", "end_year", "drift_index", "ci_low", "ci_high"]].assign(
                level="period"
            ),
        ],
        ignore_index=True,
    )
    return fig, data


@styled
def plot_robustness(panel: pd.DataFrame, *, ax=None):
    """Forest plot of the drift change ΔD (first → last period) with its 95 % interval under each variant,
    sorted by ΔD (the main row on top). The main estimate is the dashed vertical line; zero the solid one;
    variants that flip the sign are drawn with open markers; the legend sits below the axes, off the data."""
    data = panel[["variant", "variant_type", "drift_change", "ci_low", "ci_high", "same_sign_as_main"]].copy()
    others = data.iloc[1:].sort_values("drift_change", kind="stable", na_position="first")
    data = pd.concat([others, data.iloc[:1]]).reset_index(drop=True)
    height = min(max(3.0, 0.16 * len(data) + 1.4), 24.0)
    fig, ax = new_figure(width=6.5, height=height) if ax is None else (ax.figure, ax)
    y = np.arange(len(data))
    ax.axvline(0, color=GREYS[0], linewidth=0.8)
    main = panel.iloc[0]["drift_change"]
    ax.axvline(main, color=GREYS[2], linewidth=0.8, linestyle="--", label=f"main ΔD = {main:.2f}")
    ax.hlines(y, data["ci_low"], data["ci_high"], color=GREYS[1], linewidth=1)
    same = data["same_sign_as_main"].to_numpy(bool)
    ax.plot(data["drift_change"][same], y[same], "s", color=GREYS[0], markersize=3.5, linestyle="none")
    ax.plot(data["drift_change"][~same], y[~same], "o", mfc="white", color=GREYS[0], markersize=4.5,
            linestyle="none", label="sign differs from main")  # fmt: skip
    ax.set_yticks(y)
    ax.set_yticklabels(data["variant"], fontsize=6 if len(data) <= 80 else 4)
    ax.set_ylim(-1, len(data))
    ax.set_xlabel("ΔD = D(last period) − D(first period), with 95% CI")
    ax.set_title("Robustness of the drift change (sorted by ΔD; main on top)")
    ax.legend(
        frameon=False,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.6 / max(height - 1.0, 1.0)),
        ncol=2,
    )
    return fig, data


@styled
def plot_term_contributions(frame_terms: pd.DataFrame, *, n: int = 10, ax=None):
    """Hits per term, stacked by period, for the ``n`` most frequent terms of each frame."""
    periods = list(dict.fromkeys(frame_terms["period"]))
    frames = [f for f in ("solidarite", "attractivite") if f in set(frame_terms["frame"])]
    frames += [f for f in dict.fromkeys(frame_terms["frame"]) if f not in frames]
    fig, axes = new_figure(1, len(frames), width=7.0, height=0.28 * n + 1.4, squeeze=False)
    rows = []
    for ax_, frame in zip(axes[0], frames, strict=True):
        sub = frame_terms[frame_terms["frame"].eq(frame)]
        wide = sub.pivot_table(index="term", columns="period", values="count", aggfunc="sum", fill_value=0)
        wide = wide.reindex(columns=periods, fill_value=0)
        wide = wide.loc[wide.sum(axis=1).sort_values(ascending=True).index[-n:]]
        left = np.zeros(len(wide))
        for j, period in enumerate(periods):
            vals = wide[period].to_numpy()
            ax_.barh(wide.index, vals, left=left, color=GREYS[min(j, 4)] if j else "white", edgecolor="black",
                     hatch=HATCHES[j % len(HATCHES)], linewidth=0.5, label=period)  # fmt: skip
            left += vals
        ax_.set_title(FRAME_LABELS.get(frame, frame))
        ax_.set_xlabel("hits (count)")
        ax_.tick_params(axis="y", labelsize=7)
        rows.append(
            wide.reset_index().melt(id_vars="term", var_name="period", value_name="count").assign(frame=frame)
        )
    axes[0][-1].legend(frameon=False, fontsize=7, title="period", loc="lower right")
    fig.suptitle("Which terms carry each frame, by period")
    return fig, pd.concat(rows, ignore_index=True)


@styled
def plot_mention_vs_use(table: pd.DataFrame, *, ax=None):
    """Drift index per period with and without the documents that discuss the hypothesis, and counting only
    hand-coded uses when that series is present (95 % bars)."""
    fig, ax = new_figure(width=6.5, height=3.5) if ax is None else (ax.figure, ax)
    ax.axhline(0, color=GREYS[3], linewidth=0.8, zorder=0)
    data = table[["variant", "period", "start_year", "end_year", "drift_index", "ci_low", "ci_high"]].copy()
    data["x"] = (data["start_year"] + data["end_year"]) / 2
    groups = list(data.groupby("variant", sort=False))
    colours = (GREYS[0], GREYS[2], GREYS[1], GREYS[3])
    for i, (variant, group) in enumerate(groups):
        x = group["x"].to_numpy() + (i - (len(groups) - 1) / 2) * 0.45
        y = group["drift_index"].to_numpy()
        err = np.vstack([y - group["ci_low"].to_numpy(), group["ci_high"].to_numpy() - y])
        ax.errorbar(x, y, yerr=err, fmt=MARKERS[i % len(MARKERS)], color=colours[i % 4],
                    mfc="white" if i % 2 else colours[i % 4], capsize=3,
                    linestyle=LINESTYLES[i % len(LINESTYLES)], label=variant)  # fmt: skip
    ax.set_xticks(sorted(set(data["x"])))
    ax.set_xticklabels([p for _, p in sorted(set(zip(data["x"], data["period"], strict=True)))])
    ax.set_xlabel("period")
    ax.set_ylabel("drift index D (95% CI)")
    ax.set_title("Mention vs use: drift index by period under three readings")
    ax.legend(frameon=False, fontsize=7)
    return fig, data
