"""How the report writes numbers in prose: one formatter for every part, so a number that cannot be estimated
reads the same everywhere ("n/a", and "(no interval)" for an interval with no bound); and the few phrases two
parts must say alike (what "a topic leans to a frame" means, why a topic model's units and its vocabulary rule
count differently)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = [
    "TOPIC_LEANS",
    "dropped_units_note",
    "fmt_number",
    "no_interval",
    "period_resampling",
    "segments_within",
]

#: What "a topic leans to a frame" means (:func:`aictlab.topics.topic_frames` with its defaults: top 20 terms,
#: share >= 0.05, ratio 2), said alike by the topics section and the synthesis.
TOPIC_LEANS = (
    "a topic *leans* to a frame when its top-20 term weight falls in that frame's lexicon (>= 5 % and twice "
    "every other frame)"
)


def segments_within(segment_size: int) -> str:
    """The within-document bootstrap of the drift measures (docs/methods.md §2), as :func:`period_resampling`
    says it, for segments of ``segment_size`` words (the corpus's setting)."""
    return f"~{segment_size}-word segments resampled within each document, within-document noise only"


def period_resampling(table: pd.DataFrame, min_documents: int, cluster: str | None, *, within: str) -> str:
    """How the per-period intervals of a table were resampled, from its ``period``, ``resampled_unit`` and
    ``interval`` columns (:func:`aictlab.drift.measure_drift`'s ``by_period``,
    :func:`aictlab.topics.topic_prevalence`): documents or clusters within a period holding ``min_documents``
    of them (the period contrast's rule, docs/methods.md §13), else ``within`` (units within documents).

    Examples
    --------
    >>> per = pd.DataFrame({"period": ["p1", "p2"], "resampled_unit": ["segment", "document"],
    ...                     "interval": ["percentile", "expanded percentile"]})
    >>> period_resampling(per, 5, None, within="units within documents")
    'documents resampled within their period as in the period contrast, expanded percentile interval; for p1 (fewer than 5 documents), units within documents'
    """
    rows = table.drop_duplicates("period")
    unit = rows["resampled_unit"]
    units = f"clusters ({cluster})" if cluster else "documents"
    thin = rows.loc[~unit.isin(["document", "cluster"]), "period"].tolist()
    expanded = table["interval"].eq("expanded percentile").any()
    document = f"{units} resampled within their period as in the period contrast" + (
        ", expanded percentile interval" if expanded else ""
    )
    if not thin:
        return document
    if len(thin) == len(rows):
        return f"{within} (no period holds the {min_documents} {units} a document bootstrap needs)"
    return f"{document}; for {', '.join(map(str, thin))} (fewer than {min_documents} {units}), {within}"


def fmt_number(x: Any, nd: int = 2) -> str:
    """``x`` with ``nd`` decimals; "-∞" or "+∞" when it is infinite; "n/a" when it is missing; a non-number as
    text.

    An infinite value is a number, not a missing one: a log rate ratio whose later period has no hit is -∞,
    and so is the lower bound of its interval when enough resamples have none there (unbounded below).
    """
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "n/a" if x is None else str(x)
    if math.isinf(value):
        return "-∞" if value < 0 else "+∞"
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
