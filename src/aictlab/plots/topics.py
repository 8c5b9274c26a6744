"""Figures of the topic models. Each ``plot_*`` returns ``(Figure, DataFrame)``: the DataFrame is exactly what
was drawn. Black-and-white readable (markers, line styles, greys); intervals always drawn."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.plots._style import GREYS, LINESTYLES, MARKERS, new_figure, styled

__all__ = [
    "MODEL_LABELS",
    "FRAME_LABELS",
    "FRAME_STYLE",
    "plot_model_selection",
    "plot_top_terms",
    "plot_topic_prevalence",
    "plot_frame_topic_share",
]

__all__ = [
    "FRAME_LABELS",
    "FRAME_STYLE",
    "MODEL_LABELS",
    "error_bars",
    "frame_style",
    "plot_frame_topic_share",
    "plot_model_selection",
    "plot_top_terms",
    "plot_topic_prevalence",
]

MODEL_LABELS = {"lda": "LDA (variational Bayes)", "nmf": "NMF (TF-IDF)"}
FRAME_LABELS = {
    "solidarite": "solidarité-leaning",
    "attractivite": "attractivité-leaning",
    "other": "other topics",
}
FRAME_STYLE = {
    "solidarite": {"color": GREYS[0], "marker": MARKERS[0], "linestyle": LINESTYLES[0]},
    "attractivite": {"color": GREYS[1], "marker": MARKERS[1], "linestyle": LINESTYLES[1]},
    "other": {"color": GREYS[2], "marker": MARKERS[2], "linestyle": LINESTYLES[2]},
}
_MEASURES = {
    "c_v": "coherence c_v",
    "c_npmi": "coherence c_npmi",
    "stability": "stability (mean matched\naverage Jaccard, top 20)",
}


def frame_style(frame: str, frames: list[str]) -> dict:
    """Colour, marker and line style of a frame: the two seed frames keep theirs, any other lexicon frame
    takes the next style of the palette by its position in ``frames`` ("other" stays light grey)."""
    if frame in FRAME_STYLE:
        return FRAME_STYLE[frame]
    i = len(FRAME_STYLE) + [f for f in frames if f not in FRAME_STYLE].index(frame)
    return {"color": GREYS[i % len(GREYS)], "marker": MARKERS[i % 7], "linestyle": LINESTYLES[i % 5]}


def error_bars(y, low, high) -> np.ndarray:
    """Error-bar lengths (2 × n) of estimates ``y`` with intervals [``low``, ``high``], never negative.

    A bound that is NaN (no interval) draws no bar; an estimate a rounding error outside its own interval
    (a degenerate bootstrap, e.g. one unit per document) draws a zero-length bar instead of raising
    matplotlib's "'yerr' must not contain negative values".
    """
    y = np.asarray(y, dtype=float)
    below = np.nan_to_num(y - np.asarray(low, dtype=float), nan=0.0).clip(min=0.0)
    above = np.nan_to_num(np.asarray(high, dtype=float) - y, nan=0.0).clip(min=0.0)
    return np.vstack([below, above])


def _model_style(i: int) -> dict:
    return {"color": GREYS[(2 * i) % 4], "marker": MARKERS[i % 7], "linestyle": LINESTYLES[i % 5]}


@styled
def plot_model_selection(table: pd.DataFrame, *, chosen: dict[str, int] | None = None):
    """Coherence (c_v, c_npmi) and stability against the number of topics K, one line per model family.

    Points are means over the fits of a K (reference + subsamples); bars span the min–max over fits
    (stability: over subsample fits). A vertical line marks the chosen K of each model.

    Parameters
    ----------
    table : DataFrame
        ``model, k, sample, c_v, c_npmi, agreement`` (``TopicSelection.table``).
    chosen : dict, optional
        model -> chosen K.

    Returns
    -------
    (Figure, DataFrame)
        Data: ``model, k, measure, value, low, high, chosen``.
    """
    schema.require_columns(table, ("model", "k", "c_v", "c_npmi", "agreement"), "topic model selection")
    rows = []
    for (model, k), g in table.groupby(["model", "k"], sort=True):
        for measure, col in (("c_v", "c_v"), ("c_npmi", "c_npmi"), ("stability", "agreement")):
            v = g[col].dropna()
            if v.empty:
                continue
            rows.append(
                {
                    "model": model,
                    "k": int(k),
                    "measure": measure,
                    "value": v.mean(),
                    "low": v.min(),
                    "high": v.max(),
                }
            )
    data = pd.DataFrame(rows)
    chosen = chosen or {}
    data["chosen"] = [chosen.get(m) == k for m, k in zip(data["model"], data["k"], strict=True)]
    fig, axes = new_figure(1, 3, width=7.5, height=2.9)
    models = sorted(data["model"].unique())
    for j, (measure, label) in enumerate(_MEASURES.items()):
        ax = axes[j]
        for i, model in enumerate(models):
            d = data[(data["model"] == model) & (data["measure"] == measure)].sort_values("k")
            if d.empty:
                continue
            st = _model_style(i)
            x = d["k"].to_numpy() + (i - (len(models) - 1) / 2) * 0.12
            y = d["value"].to_numpy()
            ax.errorbar(
                x, y, yerr=error_bars(y, d["low"], d["high"]), color=st["color"],
                marker=st["marker"], linestyle=st["linestyle"], mfc="white" if i else st["color"], capsize=2,
                linewidth=1, markersize=4, label=MODEL_LABELS.get(model, model),
            )  # fmt: skip
            if model in chosen:
                ax.axvline(
                    chosen[model], color=st["color"], linestyle=st["linestyle"], linewidth=0.7, alpha=0.7
                )
        ax.set_xlabel("number of topics K")
        ax.set_ylabel(label)
        ax.set_xticks(sorted(data["k"].unique()))
    axes[0].legend(frameon=False, loc="best")
    fig.suptitle("Topic model selection: coherence and stability against K (bars: min–max over fits; "
                 "vertical lines: chosen K)", fontsize=9)  # fmt: skip
    return fig, data


@styled
def plot_top_terms(topics: pd.DataFrame, *, model: str | None = None, n: int = 10, ncols: int = 3):
    """Top terms per topic as small multiples of horizontal bars (weight = p(term | topic)).

    Panel titles give the topic number, its label and its frame leaning.

    Parameters
    ----------
    topics : DataFrame
        ``[model,] topic, rank, term, weight[, label, frame]``.
    model : str, optional
        Keep only this model's topics (when a ``model`` column is present).
    n : int, default=10
        Terms per topic.
    ncols : int, default=3

    Returns
    -------
    (Figure, DataFrame)
        The rows drawn.
    """
    schema.require_columns(topics, ("topic", "rank", "term", "weight"), "topics")
    data = topics
    if model is not None and "model" in data.columns:
        data = data[data["model"] == model]
    data = data[data["rank"] <= n].sort_values(["topic", "rank"]).reset_index(drop=True)
    ids = sorted(data["topic"].unique())
    ncols = min(ncols, len(ids))
    nrows = math.ceil(len(ids) / ncols)
    fig, axes = new_figure(
        nrows, ncols, width=2.5 * ncols, height=0.22 * n * nrows + 0.6 * nrows, squeeze=False
    )
    xmax = data["weight"].max() * 1.1
    present = set(data["frame"].astype(str)) if "frame" in data.columns else set()
    leaning = [f for f in FRAME_STYLE if f in present] + sorted(present - set(FRAME_STYLE))
    for i, topic in enumerate(ids):
        ax = axes[i // ncols][i % ncols]
        d = data[data["topic"] == topic]
        frame = d["frame"].iloc[0] if "frame" in d.columns else "other"
        colour = frame_style(str(frame), leaning)["color"]
        y = np.arange(len(d))[::-1]
        ax.barh(y, d["weight"], color=colour, edgecolor="black", linewidth=0.4)
        ax.set_yticks(y, [t.replace(schema.MWE_JOINER, " ") for t in d["term"]], fontsize=7)
        ax.set_xlim(0, xmax)
        title = f"T{topic}"
        if "frame" in d.columns and frame != "other":
            title += f" [{FRAME_LABELS.get(frame, frame).split('-')[0]}]"
        if "label" in d.columns:
            title += "\n" + textwrap.fill(str(d["label"].iloc[0]), 30)
        ax.set_title(title, fontsize=7.5, loc="left")
        ax.tick_params(axis="x", labelsize=6.5)
        if i // ncols == nrows - 1:
            ax.set_xlabel("p(term | topic)", fontsize=7)
    for j in range(len(ids), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    name = MODEL_LABELS.get(model, model) if model else "topic model"
    shades = ("black", "dark grey", "grey", "light grey", "pale grey")
    key = ", ".join(
        f"{shades[GREYS.index(frame_style(f, leaning)['color'])]}: {FRAME_LABELS.get(f, f + '-leaning')}"
        for f in leaning
        if f != "other"
    )
    fig.suptitle(f"Top terms per topic, {name}" + (f" ({key})" if key else ""), fontsize=9)
    return fig, data


def _period_positions(values: pd.Series) -> tuple[dict, list]:
    labels = sorted(values.unique(), key=str)
    return {p: i for i, p in enumerate(labels)}, labels


@styled
def plot_topic_prevalence(prevalence: pd.DataFrame, *, by: str = "period", labels: pd.DataFrame | None = None,
                          ncols: int = 3):  # fmt: skip
    """Topic prevalence over time with bootstrap 95 % intervals, one panel per topic.

    Points: token-weighted mean topic proportion per period (or year); bars: segment-bootstrap percentile
    95 % CI; grey band (when ``seed_low``/``seed_high`` are present): range over subsample refits.

    Parameters
    ----------
    prevalence : DataFrame
        ``topic, <by>, prevalence, ci_low, ci_high[, seed_low, seed_high]`` for one model.
    by : str, default="period"
    labels : DataFrame, optional
        ``topic, label[, frame]`` for the panel titles.

    Returns
    -------
    (Figure, DataFrame)
    """
    schema.require_columns(prevalence, ("topic", by, "prevalence", "ci_low", "ci_high"), "topic prevalence")
    data = prevalence.sort_values(["topic", by]).reset_index(drop=True)
    if labels is not None:
        keep = [c for c in ("topic", "label", "frame") if c in labels.columns]
        data = data.merge(labels[keep].drop_duplicates("topic"), on="topic", how="left")
    pos, ticks = _period_positions(data[by])
    ids = sorted(data["topic"].unique())
    ncols = min(ncols, len(ids))
    nrows = math.ceil(len(ids) / ncols)
    fig, axes = new_figure(nrows, ncols, width=2.4 * ncols, height=1.9 * nrows, squeeze=False, sharey=True)
    for i, topic in enumerate(ids):
        ax = axes[i // ncols][i % ncols]
        d = data[data["topic"] == topic]
        x = d[by].map(pos).to_numpy(dtype=float)
        y = d["prevalence"].to_numpy()
        if {"seed_low", "seed_high"} <= set(d.columns):
            ax.fill_between(
                x, d["seed_low"], d["seed_high"], color=GREYS[4], linewidth=0, label="refit range"
            )
        ax.errorbar(x, y, yerr=error_bars(y, d["ci_low"], d["ci_high"]), color="black", marker="o",
                    markersize=3.5, capsize=2, linewidth=0.9, label="prevalence, 95% CI")  # fmt: skip
        title = f"T{topic}"
        if (
            "frame" in d.columns
            and d["frame"].iloc[0] not in ("other", None)
            and pd.notna(d["frame"].iloc[0])
        ):
            title += f" [{FRAME_LABELS.get(d['frame'].iloc[0], d['frame'].iloc[0]).split('-')[0]}]"
        if "label" in d.columns:
            title += "\n" + textwrap.fill(str(d["label"].iloc[0]), 34)
        ax.set_title(title, fontsize=7.5, loc="left")
        ax.set_xticks(range(len(ticks)), ticks, fontsize=6.5, rotation=30)
        if i % ncols == 0:
            ax.set_ylabel("mean topic proportion", fontsize=7)
    for j in range(len(ids), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    axes[0][0].legend(frameon=False, fontsize=6)
    fig.suptitle(f"Topic prevalence by {by} (token-weighted; segment bootstrap 95% CI)", fontsize=9)
    return fig, data


@styled
def plot_frame_topic_share(frame_prevalence: pd.DataFrame, *, by: str = "period"):
    """Share of frame-leaning topics over time, one panel per model, with bootstrap 95 % intervals.

    Parameters
    ----------
    frame_prevalence : DataFrame
        ``[model,] <by>, frame, prevalence, ci_low, ci_high`` (:func:`aictlab.topics.frame_topic_prevalence`).

    Returns
    -------
    (Figure, DataFrame)
    """
    schema.require_columns(
        frame_prevalence, (by, "frame", "prevalence", "ci_low", "ci_high"), "frame prevalence"
    )
    data = frame_prevalence.copy()
    if "model" not in data.columns:
        data["model"] = "model"
    data = data.sort_values(["model", "frame", by]).reset_index(drop=True)
    models = sorted(data["model"].unique())
    pos, ticks = _period_positions(data[by])
    fig, axes = new_figure(1, len(models), width=3.3 * len(models), height=3.0, squeeze=False, sharey=True)
    frames = [f for f in FRAME_STYLE if f in set(data["frame"])] + sorted(
        set(data["frame"]) - set(FRAME_STYLE)
    )
    for j, model in enumerate(models):
        ax = axes[0][j]
        for i, frame in enumerate(frames):
            d = data[(data["model"] == model) & (data["frame"] == frame)]
            if d.empty:
                continue
            st = frame_style(frame, frames)
            x = d[by].map(pos).to_numpy(dtype=float) + (i - 1) * 0.08
            y = d["prevalence"].to_numpy()
            n_topics = int(d["n_topics"].iloc[0]) if "n_topics" in d.columns else None
            count = "" if n_topics is None else f" ({n_topics} topic{'' if n_topics == 1 else 's'})"
            label = FRAME_LABELS.get(frame, frame) + count
            ax.errorbar(
                x, y, yerr=error_bars(y, d["ci_low"], d["ci_high"]), color=st["color"], marker=st["marker"],
                linestyle=st["linestyle"], mfc="white" if i else st["color"], capsize=2, linewidth=1, markersize=4,
                label=label,
            )  # fmt: skip
        ax.set_xticks(range(len(ticks)), ticks, rotation=30)
        ax.set_xlabel(by)
        ax.set_title(MODEL_LABELS.get(model, model), fontsize=9)
        ax.set_ylim(0, 1)
        ax.legend(frameon=False, fontsize=7, loc="upper left")
    axes[0][0].set_ylabel("share of token mass in topic group")
    fig.suptitle("Frame-leaning topic share over time (segment bootstrap 95% CI)", fontsize=9)
    return fig, data
