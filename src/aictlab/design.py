"""Study design: how documents spread over periods and document variables, and what that confounds.

A change between periods is a contrast between the documents of those periods. When the end periods hold one
organiser or one genre each, the change contrasts organisers (genres) as much as years. This module computes
that from the documents table — the report states only what these tables show (docs/methods.md §13).

- :func:`design_table`: one row per period: documents, and for each document variable the number of distinct
  values and the values themselves;
- :func:`association`: Cramér's V between period and a document variable (0 = the variable's mix is the same
  in every period, 1 = each value lives in a single period);
- :func:`design_notes`: the sentences the report prints, each true of the corpus at hand (an empty list when
  there is nothing to say).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from aictlab import schema as S
from aictlab.periods import group_periods

__all__ = ["DESIGN_VARIABLES", "association", "design_notes", "design_table"]

#: Document variables crossed with periods when the corpus has them (any other can be passed).
DESIGN_VARIABLES = ("organiser", "genre", "source")


def _present(documents: pd.DataFrame, variables: Sequence[str]) -> list[str]:
    """Variables that exist and hold at least one non-empty value."""
    out = []
    for v in variables:
        if v in documents.columns:
            values = documents[v].fillna("").astype(str).str.strip()
            if values.ne("").any():
                out.append(v)
    return out


def _values(column: pd.Series) -> pd.Series:
    return column.fillna("").astype(str).str.strip().replace("", "(none)")


def design_table(documents: pd.DataFrame, variables: Sequence[str] = DESIGN_VARIABLES) -> pd.DataFrame:
    """Documents per period, and the distinct values of each document variable per period.

    Parameters
    ----------
    documents : DataFrame
        ``doc_id, period, start_year`` (:func:`aictlab.periods.add_periods`) and the variables.
    variables : sequence of str
        Document variables to cross with the period; absent or empty ones are left out.

    Returns
    -------
    DataFrame
        ``period, n_documents`` and, per variable v, ``n_<v>`` (distinct values) and ``<v>_values``
        (``"a; b"``), in period order.
    """
    S.require_columns(documents, (S.DOC_ID, S.PERIOD, "start_year"), "documents")
    docs = documents.sort_values(["start_year", S.DOC_ID], kind="stable")
    out = docs.groupby(S.PERIOD, sort=False).agg(n_documents=(S.DOC_ID, "size")).reset_index()
    for v in _present(docs, variables):
        values = docs.assign(_v=_values(docs[v])).groupby(S.PERIOD, sort=False)["_v"]
        out[f"n_{v}"] = values.nunique().to_numpy()
        out[f"{v}_values"] = values.agg(lambda s: "; ".join(sorted(set(s)))).to_numpy()
    return out


def association(documents: pd.DataFrame, variable: str) -> float:
    """Cramér's V between the documents' period and ``variable``: √(χ² / (n · (min(r, c) − 1))).

    NaN when either has a single level (nothing to associate).

    Examples
    --------
    >>> docs = pd.DataFrame({"period": ["a", "a", "b", "b"], "organiser": ["x", "x", "y", "y"]})
    >>> association(docs, "organiser")
    1.0
    """
    table = pd.crosstab(documents[S.PERIOD], _values(documents[variable])).to_numpy(dtype=float)
    r, c = table.shape
    if min(r, c) < 2:
        return float("nan")
    n = table.sum()
    expected = table.sum(1, keepdims=True) @ table.sum(0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(r, c) - 1))))


def design_notes(
    documents: pd.DataFrame,
    *,
    compared: Mapping[str, str] | None = None,
    variables: Sequence[str] = DESIGN_VARIABLES,
) -> list[str]:
    """Sentences on the design that are true of this corpus (computed, never written in advance).

    Parameters
    ----------
    documents : DataFrame
        ``doc_id, period, start_year`` and the variables.
    compared : mapping, optional
        The two periods the change compares: each period of the two compared groups mapped to its group's
        label (:func:`aictlab.bins.compared_labels`, e.g. ``{"2005-2009": "2005-2014", "2010-2014":
        "2005-2014", "2020-2024": "2020-2024"}``). The end-period sentences then speak of these groups
        ("compared periods"); by default of the earliest and latest periods ("end periods").
    variables : sequence of str
        Document variables to check.

    Returns
    -------
    list of str
        Possibly empty.
    """
    table = design_table(documents, variables)
    if table.empty:
        return []
    notes = []
    single = table.loc[table["n_documents"].eq(1), S.PERIOD].tolist()
    if single:
        notes.append(
            f"{len(single)} of {len(table)} periods {'holds' if len(single) == 1 else 'hold'} a single document "
            f"({', '.join(single)}): {'its' if len(single) == 1 else 'their'} intervals can only reflect variation "
            "within that document."
        )
    ends, which = _end_groups(documents, table, compared, variables)
    first, last = ends[S.PERIOD].iloc[0], ends[S.PERIOD].iloc[-1]
    ends = ends.set_index(S.PERIOD) if first != last else None
    for v in _present(documents, variables):
        if ends is not None:
            values = {p: ends.loc[p, f"{v}_values"] for p in (first, last)}
            sets = {p: set(values[p].split("; ")) for p in values}
            if (ends[f"n_{v}"] == 1).all():
                same = values[first] == values[last]
                notes.append(
                    f"Each {which[:-1]} holds a single {v} ({values[first]} in {first}, {values[last]} in {last})"
                    + (
                        ": the change is not confounded with it."
                        if same
                        else f": the change {first} → {last} contrasts {v}s as much as years."
                    )  # fmt: skip
                )
            elif not sets[first] & sets[last]:
                notes.append(
                    f"No {v} appears in both {which} ({first}: {values[first]}; {last}: {values[last]}): "
                    f"the change {first} → {last} is partly a contrast between {v}s."
                )
        v_assoc = association(documents, v)
        if np.isfinite(v_assoc) and v_assoc >= 0.5:
            notes.append(
                f"Period and {v} are strongly associated (Cramér's V = {v_assoc:.2f}; 1 = each {v} in one "
                f"period only): differences between periods are hard to separate from differences between {v}s."
            )
    return notes


def _end_groups(
    documents: pd.DataFrame, table: pd.DataFrame, compared: Mapping[str, str] | None, variables: Sequence[str]
) -> tuple[pd.DataFrame, str]:
    """The :func:`design_table` rows of the two periods a change compares, and what to call them: the
    earliest and latest periods ("end periods"), or the groups of ``compared`` ("compared periods"), each
    the union of its periods' documents, dated by its earliest."""
    if not compared:
        return table.iloc[[0, -1]], "end periods"
    docs = group_periods(documents[documents[S.PERIOD].isin(list(compared))], compared)
    return design_table(docs, variables), "compared periods"
