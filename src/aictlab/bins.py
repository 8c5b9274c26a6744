"""Periods as a choice: end periods that hold enough documents (thin edge periods merge inward) and period
schemes (bin widths and offsets) as a robustness dimension of the drift verdict (docs/methods.md §13).

Reads the per-document totals table of :mod:`aictlab.inference` (``doc_id, year, period, tokens, <frames>``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from aictlab.config import DRIFT_FRAMES
from aictlab.errors import SettingsError
from aictlab.inference import DELTA, period_contrast, table_verdict
from aictlab.periods import assign_periods, period_edges
from aictlab.schema import DOC_ID, PERIOD, YEAR, require_columns

__all__ = [
    "bin_robustness",
    "bin_robustness_summary",
    "compared_labels",
    "compared_periods",
    "end_periods",
    "merge_end_periods",
    "period_schemes",
]


def _period_bounds(totals: pd.DataFrame) -> pd.DataFrame:
    """Per period: start/end year (from ``start_year``/``end_year`` when present, else the years seen)."""
    if {"start_year", "end_year"} <= set(totals.columns):
        b = totals.groupby(PERIOD)[["start_year", "end_year"]].agg({"start_year": "min", "end_year": "max"})
    else:
        b = totals.groupby(PERIOD)[YEAR].agg(start_year="min", end_year="max")
    return b.sort_values(["start_year", "end_year"])


# --------------------------------------------------------------------------------------------- end periods
def end_periods(
    totals: pd.DataFrame, *, min_documents: int = 5, min_tokens: int = 2000, cluster: str | None = None
) -> pd.DataFrame:
    """First and last periods that hold enough documents and tokens; thinner edge periods merge inward.

    From each edge, periods are accumulated inward until the group holds >= ``min_documents`` units
    (documents, or distinct clusters when ``cluster`` is given) and >= ``min_tokens`` tokens; the group is the
    end period, labelled ``start-end`` of its years. Inner periods stay as they are. When the two groups
    would meet, no pair of end periods exists (``role`` = ``too_thin`` everywhere).

    Returns
    -------
    DataFrame
        One row per original period, in time order: ``period, start_year, end_year, n_documents, n_units,
        tokens, role`` (``first``, ``last``, ``inner``, ``too_thin``), ``end_period`` (the label after merging)
        and ``note`` (e.g. ``"2005-2009 (1 document, 251 tokens) merged into 2005-2014"``).
    """
    require_columns(totals, (DOC_ID, YEAR, PERIOD, "tokens"), "totals")
    bounds = _period_bounds(totals)
    g = totals.groupby(PERIOD)
    table = bounds.assign(
        n_documents=g[DOC_ID].nunique(),
        n_units=g[cluster].nunique() if cluster else g[DOC_ID].nunique(),
        tokens=g["tokens"].sum(),
    ).reset_index()
    n = len(table)

    def grow(order):
        units, toks = set(), 0
        for k, i in enumerate(order):
            sub = totals[totals[PERIOD].eq(table.loc[i, PERIOD])]
            units |= set(sub[cluster] if cluster else sub[DOC_ID])
            toks += int(sub["tokens"].sum())
            if len(units) >= min_documents and toks >= min_tokens:
                return k + 1
        return n + 1

    k_first, k_last = grow(range(n)), grow(range(n - 1, -1, -1))
    table["role"], table["end_period"], table["note"] = "inner", table[PERIOD], ""
    if k_first + k_last > n:
        table["role"] = "too_thin"
        table["note"] = (
            f"no two end periods with >= {min_documents} documents and >= {min_tokens} tokens each"
        )
        return table
    for role, idx in (("first", list(range(k_first))), ("last", list(range(n - k_last, n)))):
        label = table.loc[idx[0], PERIOD]
        if len(idx) > 1:
            label = f"{int(table.loc[idx, 'start_year'].min())}-{int(table.loc[idx, 'end_year'].max())}"
        table.loc[idx, "role"] = role
        table.loc[idx, "end_period"] = label
        for i in idx:
            if table.loc[i, PERIOD] != label:
                r = table.loc[i]
                table.loc[i, "note"] = (
                    f"{r[PERIOD]} ({r.n_documents} document{'' if r.n_documents == 1 else 's'}, {r.tokens} tokens) "
                    f"merged into {label}"
                )
    return table


def merge_end_periods(totals: pd.DataFrame, ends: pd.DataFrame) -> pd.DataFrame:
    """The totals with ``period`` replaced by the merged end periods of :func:`end_periods` (original label
    kept in ``period_original``)."""
    mapping = dict(zip(ends[PERIOD], ends["end_period"], strict=True))
    out = totals.copy()
    out["period_original"] = out[PERIOD]
    out[PERIOD] = out[PERIOD].map(mapping)
    return out


def compared_periods(
    totals: pd.DataFrame, *, min_documents: int = 5, min_tokens: int = 2000, cluster: str | None = None
) -> dict[str, Any]:
    """The two periods a contrast compares, and the rule that chose them (docs/methods.md §13).

    :func:`end_periods` first; when no pair of end periods holds ``min_documents`` units and ``min_tokens``
    tokens each, the earliest and latest periods as they are (their contrast then needs the segment fallback
    of :func:`aictlab.inference.period_contrast`, within-document noise only).

    Returns
    -------
    dict
        ``totals`` (periods merged), ``first``, ``last``, ``ends`` (the :func:`end_periods` table),
        ``merged`` (bool: some edge period merged inward), ``merge`` (the merge notes, ``"; "``-joined),
        ``rule`` (``"end periods"`` or ``"outermost periods (too thin)"``).
    """
    ends = end_periods(totals, min_documents=min_documents, min_tokens=min_tokens, cluster=cluster)
    merge = "; ".join(n for n in ends["note"] if n and "merged" in n)
    if (ends["role"] == "too_thin").all():
        return {"totals": totals, "first": ends[PERIOD].iloc[0], "last": ends[PERIOD].iloc[-1], "ends": ends,
                "merged": False, "merge": "", "rule": "outermost periods (too thin)"}  # fmt: skip
    return {
        "totals": merge_end_periods(totals, ends),
        "first": ends.loc[ends["role"].eq("first"), "end_period"].iloc[0],
        "last": ends.loc[ends["role"].eq("last"), "end_period"].iloc[0],
        "ends": ends,
        "merged": bool(merge),
        "merge": merge,
        "rule": "end periods",
    }


def compared_labels(compared: dict[str, Any]) -> dict[str, str]:
    """Each original period of the two compared groups of :func:`compared_periods`, mapped to its group's
    label (``{"2005-2009": "2005-2014", "2010-2014": "2005-2014", "2020-2024": "2020-2024"}``); inner periods
    are left out. So a measure that does not go through the totals table (semantic scaling, topic
    prevalence) contrasts the same periods as the drift index."""
    if compared["rule"] != "end periods":
        return {compared["first"]: compared["first"], compared["last"]: compared["last"]}
    ends = compared["ends"]
    ends = ends[ends["role"].isin(["first", "last"])]
    return dict(zip(ends[PERIOD], ends["end_period"], strict=True))


# --------------------------------------------------------------------------------------------- bins
def period_schemes(years: Sequence[int], widths: Sequence[int] = (3, 4, 5, 6)) -> pd.DataFrame:
    """Every period scheme of the given widths and each offset.

    Offset o of width w: left edges at years ≡ o (mod w) (offset 0 = the default bins of
    :func:`aictlab.periods.period_edges`), the first edge at or before the earliest year.

    Returns
    -------
    DataFrame
        ``scheme`` (``"5y+0"``), ``width, offset, edges`` (tuple of left edges).
    """
    years = np.asarray(list(years), dtype=int)
    if years.size == 0:
        raise SettingsError("period_schemes: no years.")
    lo, hi = int(years.min()), int(years.max())
    rows = []
    for w in widths:
        base = period_edges([lo], int(w))[0]
        for o in range(int(w)):
            start = base + o - (w if base + o > lo else 0)
            rows.append({"scheme": f"{w}y+{o}", "width": int(w), "offset": o,
                         "edges": tuple(range(start, hi + 1, int(w)))})  # fmt: skip
    return pd.DataFrame(rows)


def bin_robustness(
    totals: pd.DataFrame,
    *,
    widths: Sequence[int] = (3, 4, 5, 6),
    trend: pd.DataFrame | None = None,
    reference: str = "5y+0",
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    cluster: str | None = None,
    segments: pd.DataFrame | None = None,
    min_documents: int = 5,
    min_tokens: int = 2000,
    min_hits: int = 10,
    delta: float = DELTA,
    n_boot: int = 999,
    seed: int = 42,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """ΔD's sign and the verdict under every period scheme (:func:`period_schemes`), plus the continuous trend.

    Per scheme: periods from :func:`aictlab.periods.assign_periods` with the scheme's edges, end periods
    merged (:func:`compared_periods`), the document (cluster) bootstrap contrast (:func:`period_contrast`) and
    its verdict (:func:`aictlab.inference.table_verdict`). With ``segments`` (``doc_id, tokens, <frames>`` per
    segment), a scheme without end periods thick enough compares its outermost periods and a thin period
    falls back to the segment bootstrap (within-document noise only, said in ``basis``/``note``); without,
    such a scheme is ``inconclusive`` ("no end periods"). The trend row (when ``trend`` is given) takes
    ``drift_change`` = (θ_A − θ_S)/ln 2 per decade (same sign convention as ΔD). A, S = ``drift_frames``
    (to, from).

    Returns
    -------
    DataFrame
        One row per scheme: ``scheme, width, offset, is_reference, first_period, last_period, merge,
        drift_change, drift_ci_low, drift_ci_high, theta_attractivite, theta_solidarite,
        attractivite_direction, solidarite_direction, verdict, verdict_reason, basis, note``.
    """
    source, target = drift_frames
    frames = (target, source)
    require_columns(totals, (DOC_ID, YEAR, PERIOD, "tokens", *frames), "totals")
    rows = []
    for sc in period_schemes(totals[YEAR], widths).itertuples(index=False):
        t = totals.drop(columns=["start_year", "end_year"], errors="ignore").copy()
        t[PERIOD] = assign_periods(t[YEAR].astype(int).reset_index(drop=True), list(sc.edges))[
            PERIOD
        ].to_numpy()
        cmp = compared_periods(t, min_documents=min_documents, min_tokens=min_tokens, cluster=cluster)
        row: dict[str, Any] = {"scheme": sc.scheme, "width": sc.width, "offset": sc.offset,
                               "merge": cmp["merge"]}  # fmt: skip
        if t[PERIOD].nunique() < 2 or (cmp["rule"] != "end periods" and segments is None):
            row |= {"verdict": "inconclusive", "verdict_reason": "no end periods", "basis": "none"}
            rows.append(row)
            continue
        con = period_contrast(cmp["totals"], first=cmp["first"], last=cmp["last"], frames=frames,
                              cluster=cluster, min_documents=min_documents, drift_frames=drift_frames,
                              segments=segments, fallback=None if segments is None else "segment",
                              n_boot=n_boot, seed=seed, alpha=alpha)  # fmt: skip
        v = table_verdict(con, min_hits, delta, "ci", drift_frames=drift_frames)
        row |= {"first_period": cmp["first"], "last_period": cmp["last"], "basis": con["basis"].iloc[0],
                "note": con["note"].iloc[0], **v}  # fmt: skip
        rows.append(row)
    if trend is not None and not trend.empty:
        v = table_verdict(trend, min_hits, delta, "ci", drift_frames=drift_frames)
        th = trend.set_index("target")["estimate"]
        dd = (th.get(target, np.nan) - th.get(source, np.nan)) / math.log(2)
        rows.append({"scheme": "continuous trend", "drift_change": dd, "basis": trend["basis"].iloc[0], **v})
    out = pd.DataFrame(rows)
    out["is_reference"] = out["scheme"].eq(reference)
    cols = [
        "scheme", "width", "offset", "is_reference", "first_period", "last_period", "merge", "drift_change",
        "drift_ci_low", "drift_ci_high", f"theta_{target}", f"theta_{source}", f"{target}_direction",
        f"{source}_direction", "verdict", "verdict_reason", "basis", "note",
    ]  # fmt: skip
    return out.reindex(columns=cols)


def bin_robustness_summary(table: pd.DataFrame) -> dict[str, Any]:
    """Share of schemes (trend row included) keeping the reference scheme's sign of ΔD and its verdict.

    Returns
    -------
    dict
        ``n_schemes, reference, reference_sign, reference_verdict, share_sign, share_verdict``.
    """
    ref = table[table["is_reference"]]
    if ref.empty:
        raise SettingsError("bin_robustness_summary: no reference scheme in the table.")
    ref = ref.iloc[0]
    sign = np.sign(table["drift_change"].astype(float))
    ref_sign = float(np.sign(ref["drift_change"]))
    return {
        "n_schemes": len(table),
        "reference": ref["scheme"],
        "reference_sign": ref_sign,
        "reference_verdict": ref["verdict"],
        "share_sign": float(np.mean(sign == ref_sign)),
        "share_verdict": float(np.mean(table["verdict"] == ref["verdict"])),
    }
