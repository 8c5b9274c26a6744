"""Shared figure style: greys, markers and line styles that survive black-and-white printing.

The style is applied locally (``matplotlib.rc_context``), never to the global ``rcParams``: importing or using
aictlab leaves a user's matplotlib settings as they were.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

# No backend is forced here: notebooks keep their inline backend; the report CLI chooses Agg itself.
# matplotlib is imported where a figure is drawn, not here: a warm report run copies cached figures without
# importing it (``cycler`` is matplotlib's own dependency, and what ``matplotlib.cycler`` returns).
from cycler import cycler

__all__ = ["GREYS", "HATCHES", "LINESTYLES", "MARKERS", "RC", "figure_style", "new_figure", "styled"]

#: Fill/line colours from dark to light, distinguishable in greyscale.
GREYS = ("#000000", "#555555", "#888888", "#bbbbbb", "#dddddd")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)))
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "---")

#: The house style, as matplotlib settings (applied locally by :func:`figure_style`).
RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=GREYS[:4]),
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
}


#: Figures made by :func:`new_figure` (a user's own figures, passed as ``ax=``, are left as they are).
_OWN_FIGURES: weakref.WeakSet = weakref.WeakSet()


def figure_style():
    """A context in which matplotlib draws and saves in the house style (``matplotlib.rc_context(RC)``).

    Figures are built inside it (:func:`styled`); save them inside it too to keep TrueType fonts in PDFs
    (``pdf.fonttype`` is read when saving): ``with figure_style(): fig.savefig("f.pdf")``.
    """
    import matplotlib

    return matplotlib.rc_context(RC)


def styled(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a figure function inside :func:`figure_style` (text sizes, spines and colours are read when artists
    are created).

    Tick labels are created lazily, when the figure is drawn: the first tick of each axis is created here, in
    the style, and the ticks matplotlib adds later copy its properties, so the figure keeps the style when it
    is shown or saved outside the context.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with figure_style():
            result = func(*args, **kwargs)
            fig = result[0] if isinstance(result, tuple) else result
            for ax in fig.axes if fig in _OWN_FIGURES else ():
                for axis in (ax.xaxis, ax.yaxis):
                    axis.get_major_ticks(1)
                    axis.get_minor_ticks(1)
        return result

    return wrapper


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
        Created inside :func:`figure_style`; draw on them inside it too (decorate the figure function with
        :func:`styled`), since titles, texts and legends read the style when they are created.
    """
    import matplotlib.pyplot as plt

    with figure_style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **kwargs)
    _OWN_FIGURES.add(fig)
    return fig, axes
