"""Textometry figures: keyness bars, specificity heat map, CA biplot, Reinert dendrogram with class profiles.

Each ``plot_*`` returns ``(Figure, DataFrame)``: the figure and exactly the data drawn. Black-and-white
readable: bars differ by fill and hatch, heat-map cells carry their value, groups and terms differ by marker.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

from aictlab.errors import SchemaError
from aictlab.plots._style import GREYS, HATCHES, new_figure, styled

__all__ = [
    "array_crossings",
    "plot_ca_biplot",
    "plot_keyness",
    "plot_reinert",
    "plot_specificities_heatmap",
    "remove_crossings",
]


@styled
def plot_keyness(
    kw: pd.DataFrame, *, n: int = 10, by: str = "g2", groups: Sequence | None = None, ncols: int = 2
):
    """Keyness bars per group: the ``n`` most over-used and ``n`` most under-used terms (signed ``by``).

    Parameters
    ----------
    kw : DataFrame
        :func:`aictlab.keyness.keyness_each` (``group, term, <by>``, ``p_value``) or one :func:`keyness`
        table (no ``group``).
    n : int, default=10
        Terms per side.
    by : str, default="g2"
        Signed statistic drawn (``g2``, ``specificity``, ``log_ratio``).

    Returns
    -------
    (Figure, DataFrame)
        ``group, term, side`` (``over``/``under``), ``value``, ``p_value``.
    """
    if by not in kw.columns:
        raise SchemaError(f"keyness table: no column {by!r}.")
    kw = kw if "group" in kw.columns else kw.assign(group="target")
    order = list(dict.fromkeys(kw["group"])) if groups is None else list(groups)
    parts = []
    for g in order:
        sub = kw[kw["group"] == g]
        over = sub[sub[by] > 0].sort_values([by, "term"], ascending=[False, True]).head(n)
        under = sub[sub[by] < 0].sort_values([by, "term"], ascending=[True, True]).head(n)
        for side, frame in (("over", over), ("under", under)):
            parts.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "term": frame["term"],
                        "side": side,
                        "value": frame[by],
                        "p_value": frame.get("p_value", np.nan),
                    }  # fmt: skip
                )
            )
    drawn = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["group", "term", "side", "value"])
    )
    ncols = max(1, min(ncols, len(order)))
    nrows = int(np.ceil(len(order) / ncols))
    fig, axes = new_figure(
        nrows, ncols, width=6.5, height=max(2.5, nrows * (0.9 + 0.16 * 2 * n)), squeeze=False
    )
    label = {"g2": "signed log-likelihood G²", "specificity": "Lafon specificity (signed log10 p)",
             "log_ratio": "LogRatio (log2 of rate ratio)"}.get(by, by)  # fmt: skip
    for i, ax in enumerate(axes.ravel()):
        if i >= len(order):
            ax.set_visible(False)
            continue
        g = order[i]
        sub = drawn[drawn["group"] == g]
        sub = pd.concat([sub[sub["side"] == "over"], sub[sub["side"] == "under"].iloc[::-1]])
        y = np.arange(len(sub))
        is_over = (sub["side"] == "over").to_numpy()
        ax.barh(y[is_over], sub["value"][is_over], color=GREYS[1], edgecolor="black", label="over-used")
        ax.barh(y[~is_over], sub["value"][~is_over], color=GREYS[4], edgecolor="black", hatch=HATCHES[1],
                label="under-used")  # fmt: skip
        ax.set_yticks(y, [t.replace("_", " ") for t in sub["term"]], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        if by == "g2":
            for crit in (-10.83, 10.83):
                ax.axvline(crit, color="black", linestyle=":", linewidth=0.8)
        ax.set_title(f"{g} vs rest")
        ax.set_xlabel(label)
        if i == 0:
            ax.legend(loc="lower right", frameon=False, fontsize=7)
    if by == "g2":
        fig.suptitle("Keyness per period (dotted: |G²| = 10.83, p = 0.001)", fontsize=10)
    return fig, drawn.reset_index(drop=True)


@styled
def plot_specificities_heatmap(
    spec: pd.DataFrame, *, n: int = 30, clip: float = 10.0, terms: Sequence[str] | None = None
):
    """Heat map of Lafon specificities, terms × groups, each cell labelled with its value.

    Parameters
    ----------
    spec : DataFrame
        Terms × groups (:func:`aictlab.keyness.specificities`).
    n : int, default=30
        Terms shown: the largest max(|spec|) over groups, ordered by the group where they peak.
    clip : float, default=10
        Colour scale limits ±clip (values beyond are drawn at the limit, printed in full).
    terms : sequence of str, optional
        Show these terms instead.

    Returns
    -------
    (Figure, DataFrame)
        ``term, group, specificity`` in the order drawn.
    """
    if terms is None:
        strength = spec.abs().max(axis=1)
        chosen = strength.sort_values(ascending=False, kind="stable").head(n).index
        sub = spec.loc[chosen]
        peak = sub.to_numpy().argmax(axis=1)
        order = np.lexsort((-sub.max(axis=1).to_numpy(), peak))
        sub = sub.iloc[order]
    else:
        sub = spec.loc[list(terms)]
    fig, ax = new_figure(width=4.2 + 0.6 * sub.shape[1], height=1.2 + 0.2 * len(sub))
    im = ax.imshow(np.clip(sub.to_numpy(), -clip, clip), cmap="RdGy_r", vmin=-clip, vmax=clip, aspect="auto")
    for (i, j), v in np.ndenumerate(sub.to_numpy()):
        ax.text(j, i, f"{v:+.1f}", ha="center", va="center", fontsize=6.5,
                color="white" if abs(v) > 0.6 * clip else "black")  # fmt: skip
    ax.set_xticks(range(sub.shape[1]), [str(c) for c in sub.columns])
    ax.set_yticks(range(len(sub)), [str(t).replace("_", " ") for t in sub.index], fontsize=7)
    ax.set_xlabel("period")
    ax.set_title("Lafon specificities (+ over-use, − under-use; |s| ≥ 2: p ≤ 0.01)")
    fig.colorbar(im, ax=ax, label="specificity (signed −log10 p)", shrink=0.6)
    drawn = sub.stack().rename("specificity").reset_index()
    drawn.columns = ["term", "group", "specificity"]
    return fig, drawn


@styled
def plot_ca_biplot(res, *, n_terms: int = 30, axes: tuple[int, int] = (1, 2), label_groups: bool = True):
    """Correspondence-analysis biplot: groups (black squares, bold) and the best-contributing terms (grey dots).

    Labels are spread with adjustText so that they do not overlap where avoidable.

    Parameters
    ----------
    res : aictlab.ca.CAResult
    n_terms : int, default=30
        Terms with the largest contribution to the two axes drawn (sum of contrib_a + contrib_b).
    axes : (int, int), default=(1, 2)

    Returns
    -------
    (Figure, DataFrame)
        ``kind`` (``group``/``term``), ``label, x, y, contrib`` of the points drawn.
    """
    a, b = axes
    if max(a, b) > res.n_axes:
        b = a  # one axis only (2 groups): plot it against itself would be empty; use a strip
    rows = res.rows.copy()
    rows["contrib"] = rows[f"contrib{a}"] + (rows[f"contrib{b}"] if b != a else 0)
    rows = rows.sort_values("contrib", ascending=False, kind="stable").head(n_terms)
    groups = res.columns
    drawn = pd.concat(
        [
            pd.DataFrame(
                {
                    "kind": "group",
                    "label": [str(i) for i in groups.index],
                    "x": groups[f"dim{a}"],
                    "y": groups[f"dim{b}"] if b != a else 0.0,
                    "contrib": groups[f"contrib{a}"],
                }
            ),  # fmt: skip
            pd.DataFrame(
                {
                    "kind": "term",
                    "label": [str(i) for i in rows.index],
                    "x": rows[f"dim{a}"],
                    "y": rows[f"dim{b}"] if b != a else 0.0,
                    "contrib": rows["contrib"],
                }
            ),  # fmt: skip
        ],
        ignore_index=True,
    )
    fig, ax = new_figure(width=6.5, height=5.5)
    terms = drawn[drawn["kind"] == "term"]
    grp = drawn[drawn["kind"] == "group"]
    ax.scatter(terms["x"], terms["y"], s=10, color=GREYS[2], marker="o", zorder=2)
    ax.scatter(grp["x"], grp["y"], s=45, color="black", marker="s", zorder=3)
    texts = [ax.text(x, y, lab.replace("_", " "), fontsize=7, color=GREYS[1])
             for x, y, lab in terms[["x", "y", "label"]].itertuples(index=False)]  # fmt: skip
    if label_groups:
        texts += [ax.text(x, y, lab, fontsize=9, fontweight="bold", color="black")
                  for x, y, lab in grp[["x", "y", "label"]].itertuples(index=False)]  # fmt: skip
    ax.axhline(0, color="black", linewidth=0.5, linestyle=":")
    ax.axvline(0, color="black", linewidth=0.5, linestyle=":")
    eig = res.eigenvalues.set_index("dim")
    ax.set_xlabel(f"Dim {a}: λ = {eig.loc[a, 'eigenvalue']:.3f} ({eig.loc[a, 'percent']:.1f} % of inertia)")
    if b != a:
        ax.set_ylabel(
            f"Dim {b}: λ = {eig.loc[b, 'eigenvalue']:.3f} ({eig.loc[b, 'percent']:.1f} % of inertia)"
        )
    ax.set_title(f"Correspondence analysis: periods (■) and the {len(terms)} most contributing terms (●)")
    from adjustText import adjust_text

    # An iteration limit, not adjustText's default 1-second time limit: the same labels every run. 150: the
    # labels are apart by then (500 drew the same layout, nearly, in 3x the time: ~1 s of CPU per figure).
    with array_crossings():
        adjust_text(texts, ax=ax, iter_lim=150, arrowprops={"arrowstyle": "-", "color": GREYS[3], "lw": 0.5})
    return fig, drawn


def remove_crossings(coords: np.ndarray, target_coords: np.ndarray, step: int = 0) -> np.ndarray:
    """adjustText's ``remove_crossings`` with the same result, its pair tests on whole arrays.

    Each label's connector runs from the centre of its box (``coords``: x0, x1, y0, y1 per row) to its target
    point; when the connectors of labels i > j cross, their boxes are swapped, pair by pair in adjustText's
    order (i, then j, ascending), the connectors being those before any swap. Two segments cross when
    ``denom = (y4 - y3)(x2 - x1) - (x4 - x3)(y2 - y1) ≠ 0`` and both ``ua = ((x4 - x3)(y1 - y3) -
    (y4 - y3)(x1 - x3)) / denom`` and ``ub = ((x2 - x1)(y1 - y3) - (y2 - y1)(x1 - x3)) / denom`` lie in
    [0, 1] (adjustText's ``intersect``, the same float operations). adjustText tests the pairs one by one in
    Python and formats both segments for a debug message at each crossing, whether or not it is logged:
    ~30 labels x 150 iterations made that a second of CPU per CA biplot.

    Parameters
    ----------
    coords : array (n, 4)
        The labels' boxes in display units; changed in place, as adjustText does.
    target_coords : array (n, 2)
        The points the labels name.
    step : int
        The iteration (adjustText's signature; unused).

    Returns
    -------
    array (n, 4)
        ``coords``, with the boxes of crossing pairs swapped.
    """
    connections = np.hstack(
        [
            np.mean(coords[:, :2], axis=1)[:, np.newaxis],
            np.mean(coords[:, 2:], axis=1)[:, np.newaxis],
            target_coords,
        ]
    )
    x1, y1, x2, y2 = (connections[:, k, None] for k in range(4))  # segment i: rows
    x3, y3, x4, y4 = (connections[None, :, k] for k in range(4))  # segment j: columns
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = (y4 - y3) * (x2 - x1) - (x4 - x3) * (y2 - y1)
        ua = ((x4 - x3) * (y1 - y3) - (y4 - y3) * (x1 - x3)) / denom
        ub = ((x2 - x1) * (y1 - y3) - (y2 - y1) * (x1 - x3)) / denom
    # written as adjustText's tests are (a NaN passes them), only pairs i > j
    cross = (denom != 0) & ~((ua < 0) | (ua > 1)) & ~((ub < 0) | (ub > 1))
    for i, j in zip(*np.nonzero(np.tril(cross, k=-1)), strict=True):  # row-major: i, then j, ascending
        coords[i], coords[j] = coords[j].copy(), coords[i].copy()
    return coords


@contextmanager
def array_crossings() -> Iterator[None]:
    """A context in which ``adjustText.adjust_text`` removes crossings with :func:`remove_crossings`."""
    import adjustText

    original = adjustText.remove_crossings
    adjustText.remove_crossings = remove_crossings
    try:
        yield
    finally:
        adjustText.remove_crossings = original


def _dendrogram_layout(splits: pd.DataFrame, classes: pd.DataFrame) -> tuple[dict, dict, list]:
    """(x, y) of every node: leaves at x = number of splits + 1, y = class index; a split at x = its step."""
    leaf_y = {int(node): float(i) for i, node in enumerate(classes["node"])}
    depth_leaf = len(splits) + 1
    pos: dict[int, tuple[float, float]] = {node: (depth_leaf, y) for node, y in leaf_y.items()}
    step_of = {int(r.parent): int(r.step) for r in splits.itertuples()}
    children = {int(r.parent): (int(r.left), int(r.right)) for r in splits.itertuples()}

    def place(node: int) -> tuple[float, float]:
        if node in pos:
            return pos[node]
        ys = [place(c)[1] for c in children[node]]
        pos[node] = (float(step_of[node]), float(np.mean(ys)))
        return pos[node]

    place(0)
    segments = []
    for parent, pair in children.items():
        px, py = pos[parent]
        for c in pair:
            cx, cy = pos[c]
            segments.append(((px, py), (px, cy), (cx, cy)))
    return pos, children, segments


@styled
def plot_reinert(
    res, profiles: pd.DataFrame, distribution: pd.DataFrame, *, by: str = "year", n_terms: int = 6
):
    """Reinert classification: dendrogram of the classes (size, top terms) and each class's share per year.

    Parameters
    ----------
    res : aictlab.reinert.ReinertResult
    profiles : DataFrame
        :func:`aictlab.reinert.class_profiles` (top terms first).
    distribution : DataFrame
        :func:`aictlab.reinert.class_distribution` (``<by>, class, n_segments, share_of_group``).
    by : str, default="year"
    n_terms : int, default=6
        Terms printed per class.

    Returns
    -------
    (Figure, DataFrame)
        One row per class: ``class, n_segments, share, terms`` and one column per ``by`` value (share of that
        group's classified segments in the class).
    """
    classes = res.classes.copy()
    k = len(classes)
    terms = profiles.groupby("class")["term"].apply(
        lambda s: ", ".join(t.replace("_", " ") for t in s.head(n_terms))
    )
    classes["terms"] = classes["class"].map(terms).fillna("")
    dist = distribution.dropna(subset=["class"])
    share = (
        dist.pivot_table(index="class", columns=by, values="share_of_group", aggfunc="sum")
        .reindex(classes["class"])
        .fillna(0.0)
    )
    drawn = classes[["class", "n_segments", "share", "terms"]].merge(
        share, left_on="class", right_index=True, how="left"
    )
    has_tree = res.params.get("method") == "simple" and len(res.splits) > 0
    fig, axes = new_figure(
        1,
        3,
        width=9.0,
        height=1.2 + 0.55 * k,
        gridspec_kw={"width_ratios": [1.1, 2.6, 0.35 + 0.45 * share.shape[1]]},
    )
    tree_ax, text_ax, heat_ax = axes
    if has_tree:
        pos, _, segs = _dendrogram_layout(res.splits, classes)
        for p0, p1, p2 in segs:
            tree_ax.plot([p0[0], p1[0], p2[0]], [p0[1], p1[1], p2[1]], color="black", linewidth=1)
        for r in res.splits.itertuples():
            x, y = pos[int(r.parent)]
            tree_ax.text(x, y, f" χ²={r.chi2:.0f}", fontsize=6, va="bottom", ha="left", color=GREYS[1])
        tree_ax.set_xlim(0.5, len(res.splits) + 1.3)
        tree_ax.set_xlabel("split order")
    else:
        tree_ax.text(0.5, (k - 1) / 2, "double classification:\ncrossed classes\n(no single tree)", ha="center",
                     va="center", fontsize=7)  # fmt: skip
        tree_ax.set_xlim(0, 1)
    tree_ax.set_ylim(k - 0.5, -0.5)
    tree_ax.set_yticks([])
    tree_ax.set_xticks([])
    tree_ax.spines[["left", "bottom"]].set_visible(False)
    text_ax.set_ylim(k - 0.5, -0.5)
    text_ax.set_xlim(0, 1)
    text_ax.axis("off")
    for i, r in enumerate(drawn.itertuples()):
        text_ax.text(0.0, i, f"Class {r[1]} — {r.n_segments} segments ({100 * r.share:.1f} %)", fontsize=8,
                     fontweight="bold", va="bottom")  # fmt: skip
        text_ax.text(0.0, i + 0.05, r.terms, fontsize=7, va="top", color=GREYS[1], wrap=True)
    mat = share.to_numpy()
    heat_ax.imshow(
        mat, cmap="Greys", vmin=0, vmax=max(0.5, float(mat.max()) if mat.size else 1), aspect="auto"
    )
    for (i, j), v in np.ndenumerate(mat):
        heat_ax.text(
            j,
            i,
            f"{100 * v:.0f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if v > 0.3 else "black",
        )
    heat_ax.set_xticks(range(share.shape[1]), [str(c) for c in share.columns], rotation=45, fontsize=7)
    heat_ax.set_yticks([])
    heat_ax.set_xlabel(f"% of the {by}'s classified segments")
    kind = (
        "double classification (crossed classes)"
        if not has_tree
        else "descending hierarchical classification"
    )
    fig.suptitle(f"Reinert {kind} of segments: classes and their weight over time", fontsize=10)
    return fig, drawn.reset_index(drop=True)
