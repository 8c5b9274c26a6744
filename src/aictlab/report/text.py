"""How the report writes numbers in prose: one formatter for every part, so a number that cannot be estimated
reads the same everywhere ("n/a", and "(no interval)" for an interval with no bound); and the few phrases two
parts must say alike (what "a topic leans to a frame" means, why a topic model's units and its vocabulary rule
count differently)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["TOPIC_LEANS", "dropped_units_note", "fmt_number", "no_interval"]

#: What "a topic leans to a frame" means (:func:`aictlab.topics.topic_frames` with its defaults: top 20 terms,
#: share >= 0.05, ratio 2), said alike by the topics section and the synthesis.
TOPIC_LEANS = (
    "a topic *leans* to a frame when its top-20 term weight falls in that frame's lexicon (>= 5 % and twice "
    "every other frame)"
)


def fmt_number(x: Any, nd: int = 2) -> str:
    """``x`` with ``nd`` decimals; "n/a" when it is missing or not finite; a non-number as text."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "n/a" if x is None else str(x)
    return f"{value:.{nd}f}" if math.isfinite(value) else "n/a"


def no_interval(text: str) -> str:
    """Prose without bare "n/a" intervals: ``0.40 [n/a, n/a]`` reads ``0.40 (no interval)``."""
    return text.replace(" [n/a, n/a]", " (no interval)").replace("[n/a, n/a]", "no interval")


def dropped_units_note(n_fitted: int, n_units: int) -> str:
    """Why a topic model's units and the base of its vocabulary rule differ ("" when they do not).

    ``n_units`` = units before the vocabulary filter (:func:`aictlab.topics.topic_documents`'s
    ``attrs["n_units"]``, the count the ``min_df`` rule scales with); ``n_fitted`` = units left with at least
    one vocabulary lemma, the units fitted (the others are dropped: ``attrs["n_dropped_empty"]``).

    Examples
    --------
    >>> dropped_units_note(6025, 6026)
    '; the 6026 units are counted before the filter, which left 1 of them without any vocabulary lemma'
    >>> dropped_units_note(434, 434)
    ''
    """
    if n_fitted == n_units:
        return ""
    return (
        f"; the {n_units} units are counted before the filter, which left {n_units - n_fitted} of them without "
        "any vocabulary lemma"
    )
