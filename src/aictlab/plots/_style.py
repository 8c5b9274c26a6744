"""Shared figure style: greys, markers and line styles that survive black-and-white printing."""

from __future__ import annotations

# No backend is forced here: notebooks keep their inline backend; the report CLI chooses Agg itself.
import matplotlib
import matplotlib.pyplot as plt

#: Fill/line colours from dark to light, distinguishable in greyscale.
GREYS = ("#000000", "#555555", "#888888", "#bbbbbb", "#dddddd")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)))
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "---")

RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=GREYS[:4]),
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
}


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 6.5, height: float = 4.0, **kwargs):
    """A Figure and its axes in the house style (greys, no top/right spines, 9 pt text).

    Parameters
    ----------
    nrows, ncols : int
        Grid of axes (``plt.subplots``).
    width, height : float
        Size in inches (6.5 in = a journal text width).
    **kwargs
        Passed to ``plt.subplots`` (``sharex``, ``squeeze``...).

    Returns
    -------
    (Figure, Axes or array of Axes)
    """
    # Text sizes are read when artists are drawn, so the style is set globally (the report draws only here).
    matplotlib.rcParams.update(RC)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **kwargs)
    return fig, axes
