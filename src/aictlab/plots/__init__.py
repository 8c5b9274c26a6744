"""Figures for papers: black-and-white readable, labelled axes with units, uncertainty drawn.

Every ``plot_*`` function returns ``(Figure, DataFrame)``: the figure and exactly the data drawn. None calls
``show()`` or ``savefig()``; the report saves them (PNG and PDF, no embedded dates). The house style is applied
locally (:func:`figure_style`), never to matplotlib's global settings.
"""

from __future__ import annotations

from aictlab.plots._style import GREYS, HATCHES, LINESTYLES, MARKERS, RC, figure_style, new_figure, styled

__all__ = ["GREYS", "HATCHES", "LINESTYLES", "MARKERS", "RC", "figure_style", "new_figure", "styled"]
