"""Periods: bins of years that group documents over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from aictlab.errors import SettingsError

__all__ = ["period_edges", "assign_periods", "add_periods", "group_periods"]


def period_edges(years: Sequence[int], spec: int | Sequence[int] = 5) -> list[int]:
    """Left edges of the periods covering ``years``.

    Parameters
    ----------
    years : sequence of int
        The years to cover.
    spec : int or sequence of int, default=5
        A bin width in years (bins start at multiples of the width: 2010, 2015, 2020...), or explicit left
        edges in increasing order (the first must not exceed the earliest year).

    Returns
    -------
    list of int
        Left edges; the last period ends at the latest year (explicit edges) or edge + width - 1.
    """
    years = np.asarray(list(years), dtype=int)
    if years.size == 0:
        raise SettingsError("no years to group into periods.")
    if isinstance(spec, int | np.integer):
        width = int(spec)
        if width < 1:
            raise SettingsError(f"period width {width} must be a positive number of years.")
        first = (years.min() // width) * width
        return list(range(int(first), int(years.max()) + 1, width))
    edges = [int(e) for e in spec]
    if not edges or sorted(set(edges)) != edges:
        raise SettingsError(f"period edges {edges} must be distinct years in increasing order.")
    if years.min() < edges[0]:
        raise SettingsError(f"period edges {edges} start after the earliest year {years.min()}.")
    return edges


def assign_periods(years: Sequence[int] | pd.Series, spec: int | Sequence[int] = 5) -> pd.DataFrame:
    """Label each year with its period.

    Parameters
    ----------
    years : sequence of int or Series
    spec : int or sequence of int, default=5
        See :func:`period_edges`.

    Returns
    -------
    DataFrame
        One row per input year (same index when a Series is given): ``year, period, start_year,
        end_year``; ``period`` reads ``"2010-2014"``. With a width the last bin's end is ``start + width - 1``;
        with explicit edges the last period ends at the latest year.

    Examples
    --------
    >>> assign_periods([2012, 2017, 2023], 5)["period"].tolist()
    ['2010-2014', '2015-2019', '2020-2024']
    """
    index = years.index if isinstance(years, pd.Series) else None
    values = np.asarray(list(years), dtype=int)
    edges = period_edges(values, spec)
    if isinstance(spec, int | np.integer):
        ends = [e + int(spec) - 1 for e in edges]
    else:
        ends = [*(e - 1 for e in edges[1:]), max(int(values.max()), edges[-1])]
    pos = np.searchsorted(edges, values, side="right") - 1
    start = np.asarray(edges)[pos]
    end = np.asarray(ends)[pos]
    return pd.DataFrame(
        {
            "year": values,
            "period": [f"{s}-{e}" for s, e in zip(start, end, strict=True)],
            "start_year": start,
            "end_year": end,
        },
        index=index,
    )


def add_periods(documents: pd.DataFrame, spec: int | Sequence[int] = 5) -> pd.DataFrame:
    """The document table with its period: ``period, start_year, end_year`` added (or replaced).

    The one place where documents get their period (:func:`aictlab.corpus.as_corpus` calls it): every
    measure then reads ``period`` from the documents, joined on ``doc_id``, so all tables of a run share
    one assignment (with explicit edges, the last period ends at the corpus's latest year, not at the
    latest year of whatever subset a measure sees).

    Parameters
    ----------
    documents : DataFrame
        With ``doc_id, year``.
    spec : int or sequence of int, default=5
        See :func:`period_edges`.

    Returns
    -------
    DataFrame
        A copy of ``documents`` with ``period`` (``"2010-2014"``), ``start_year``, ``end_year``.
    """
    from aictlab.schema import require_columns

    require_columns(documents, ("doc_id", "year"), "documents")
    labels = assign_periods(documents["year"].astype(int).reset_index(drop=True), spec)
    out = documents.drop(columns=["period", "start_year", "end_year"], errors="ignore").copy()
    for column in ("period", "start_year", "end_year"):
        out[column] = labels[column].to_numpy()
    return out


def group_periods(documents: pd.DataFrame, groups: Mapping[str, str]) -> pd.DataFrame:
    """The document table with the periods of each group relabelled as the group: ``period`` becomes the
    group's label, ``start_year`` and ``end_year`` its first and last years; other periods are unchanged.

    So a measure that compares the earliest and latest periods of the documents (the robustness panel, the
    design notes) compares the merged end periods of the drift index's contrast instead
    (:func:`aictlab.bins.compared_labels` gives ``groups``; docs/methods.md §13).

    Parameters
    ----------
    documents : DataFrame
        With ``period, start_year, end_year`` (:func:`add_periods`).
    groups : mapping
        Period -> group label (``{"2005-2009": "2005-2014", "2010-2014": "2005-2014"}``).

    Returns
    -------
    DataFrame
        A copy of ``documents``.
    """
    out = documents.copy()
    inside = out["period"].isin(list(groups))
    group = out.loc[inside, "period"].map(groups)
    out.loc[inside, "start_year"] = out.loc[inside].groupby(group)["start_year"].transform("min")
    out.loc[inside, "end_year"] = out.loc[inside].groupby(group)["end_year"].transform("max")
    out.loc[inside, "period"] = group
    return out
