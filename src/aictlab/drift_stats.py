"""The statistics of the drift measure over segment column totals, and their bootstrap intervals.

The computing half of :mod:`aictlab.drift` (which holds the public entry points and the result): the drift
index and share, the statistics of a vector or matrix of column totals (:class:`Stats`), and the intervals of
documents, years, periods (:func:`segment_bootstrap`, :func:`group_rows`, :func:`period_table`) and of a change
between two groups of segments (:func:`change_stats`). Notation and conventions: :mod:`aictlab.drift`,
``docs/methods.md`` §1–4, §13.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aictlab.errors import SchemaError
from aictlab.inference import resamples_documents
from aictlab.resample import (
    bootstrap_interval,
    bootstrap_intervals,
    iter_resample_totals,
    preferred_interval,
    resample_totals,
)
from aictlab.schema import DOC_ID, N_TOKENS, YEAR

__all__ = [
    "BATCH_CELLS",
    "Stats",
    "Units",
    "change_stats",
    "drift_index",
    "frame_share",
    "group_rows",
    "period_table",
    "segment_bootstrap",
    "segment_rows",
]

#: Cells (documents × n_boot × k) of replicate totals whose intervals are computed together: 8 MB, cache-sized.
BATCH_CELLS = 2**20


def drift_index(to_count, from_count):
    """Drift index D = log2((A + 0.5) / (S + 0.5)) (``docs/methods.md`` §2).

    Parameters
    ----------
    to_count, from_count : float or array
        Counts A of the *to* frame and S of the *from* frame, same unit and tier.

    Examples
    --------
    >>> round(float(drift_index(3, 1)), 6)
    1.222392
    """
    return np.log2((np.asarray(to_count, dtype=float) + 0.5) / (np.asarray(from_count, dtype=float) + 0.5))


def frame_share(to_count, from_count):
    """Share A / (A + S) of the *to* frame; NaN when A + S = 0."""
    a = np.asarray(to_count, dtype=float)
    total = a + np.asarray(from_count, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, a / np.where(total > 0, total, 1.0), np.nan)


# ------------------------------------------------------------------------- statistics of column totals
class Stats:
    """The statistics of a vector/matrix of segment column totals (last axis = :attr:`columns`)."""

    def __init__(self, frames: Sequence[str], pair: Sequence[str]):
        self.frames = list(frames)
        self.source, self.target = pair
        self.columns = (N_TOKENS, "one", "both", "any", *self.frames)
        self.i = {c: k for k, c in enumerate(self.columns)}
        # statistic name -> (function, prefix of its interval columns)
        self.group: dict[str, tuple[Callable, str]] = {
            "drift_index": (self.d, ""),
            f"share_{self.target}": (self.share, "share_"),
            **{f"{f}_rate": (self.rate(f), f"{f}_") for f in self.frames},
            "copresence": (self.copresence, "copresence_"),
        }

    def d(self, t):
        return drift_index(t[..., self.i[self.target]], t[..., self.i[self.source]])

    def share(self, t):
        return frame_share(t[..., self.i[self.target]], t[..., self.i[self.source]])

    def rate(self, frame):
        def f(t):
            with np.errstate(divide="ignore", invalid="ignore"):
                return 1e4 * t[..., self.i[frame]] / t[..., self.i[N_TOKENS]]

        return f

    def lograte(self, frame):
        def f(t):
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.log((t[..., self.i[frame]] + 0.5) / t[..., self.i[N_TOKENS]])

        return f

    def copresence(self, t):
        with np.errstate(divide="ignore", invalid="ignore"):
            return t[..., self.i["both"]] / t[..., self.i["one"]]

    def prepare(self, counts: pd.DataFrame) -> pd.DataFrame:
        seg = counts.copy()
        seg["one"] = 1
        missing = [c for c in self.columns if c not in seg.columns]
        if missing:
            raise SchemaError(f"segments: missing column(s) {', '.join(missing)} (use frame_counts).")
        return seg


class Units:
    """The segment counts as one matrix (columns of :attr:`Stats.columns`) and each document's rows, found once
    for the many groups of :func:`group_rows` (a document, a year, a period)."""

    def __init__(self, st: Stats, seg: pd.DataFrame):
        self.x = seg[list(st.columns)].to_numpy(dtype=float)
        codes, self.labels = pd.factorize(seg[DOC_ID])
        order = np.argsort(codes, kind="stable")
        self.rows = dict(zip(self.labels, np.split(order, np.cumsum(np.bincount(codes))[:-1]), strict=True))

    def of(self, docs: Sequence[str]) -> np.ndarray:
        """The rows of ``docs`` in table order (as a boolean mask over the table would give them)."""
        found = [self.rows[d] for d in docs if d in self.rows]
        index = np.sort(np.concatenate(found)) if found else np.empty(0, dtype=int)
        return self.x[index]


def group_rows(
    st: Stats, xs: Sequence[np.ndarray], reps: np.ndarray, n_documents: Sequence[int], alpha: float
) -> list[dict]:
    """Counts, statistics and segment-bootstrap intervals of m groups of documents (a document, a year, a
    period): ``xs`` each group's segments' rows, ``reps`` (m × n_boot × k) their replicate totals (the sum of
    their documents' replicates); every group's intervals from one :func:`aictlab.resample.bootstrap_intervals`
    per statistic."""
    totals = [x.sum(axis=0) for x in xs]
    # the leave-one-segment-out totals of every group, stacked; each statistic's values split back per group
    jack = np.vstack([t - x for t, x in zip(totals, xs, strict=True)])
    cuts = np.cumsum([len(x) for x in xs])[:-1]
    rows = []
    for t, x, n in zip(totals, xs, n_documents, strict=True):
        row = {"n_documents": n, "n_segments": len(x), "tokens": int(t[st.i[N_TOKENS]])}
        rows.append(row | {f: int(t[st.i[f]]) for f in st.frames})
    totals = np.vstack(totals)
    with_bca = ("drift_index", f"share_{st.target}")
    for name, (fn, pre) in st.group.items():
        theta = fn(totals)
        ci = bootstrap_intervals(
            theta, fn(reps), np.split(fn(jack), cuts) if name in with_bca else None, alpha=alpha
        )
        keys = ("ci_low", "ci_high", "bca_low", "bca_high") if name in with_bca else ("ci_low", "ci_high")
        for r, row in enumerate(rows):
            row[name] = float(theta[r])
            row.update({f"{pre}{key}": float(ci[key][r]) for key in keys})
    return rows


def segment_rows(st: Stats, seg: pd.DataFrame, docs: Sequence[str]) -> np.ndarray:
    """The rows of ``docs``' segments (in table order), columns :attr:`Stats.columns`, as floats."""
    return seg.loc[seg[DOC_ID].isin(docs), list(st.columns)].to_numpy(dtype=float)


def change_stats(
    st: Stats, x0: np.ndarray, r0: np.ndarray, x1: np.ndarray, r1: np.ndarray, alpha: float
) -> dict:
    """ΔD and θ_to, θ_from between two groups of segments, with 95 % (percentile, BCa) and 90 % intervals:
    ``x0``, ``x1`` their rows (columns :attr:`Stats.columns`), ``r0``, ``r1`` their replicate totals."""
    out: dict[str, Any] = {}
    t0, t1 = x0.sum(axis=0), x1.sum(axis=0)
    specs = {
        "drift_change": st.d,
        f"theta_{st.target}": st.lograte(st.target),
        f"theta_{st.source}": st.lograte(st.source),
    }
    out["drift_first"] = float(st.d(t0))
    out["drift_last"] = float(st.d(t1))
    for name, fn in specs.items():
        theta = float(fn(t1) - fn(t0))
        rep = fn(r1) - fn(r0)
        jack = np.concatenate([fn(t1) - fn(t0 - x0), fn(t1 - x1) - fn(t0)])
        ci95 = bootstrap_interval(theta, rep, jack, alpha=alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci90 = bootstrap_interval(theta, rep, jack, alpha=2 * alpha)
        pre = "" if name == "drift_change" else f"{name}_"
        out[name] = theta
        out[f"{pre}ci_low"], out[f"{pre}ci_high"] = ci95["ci_low"], ci95["ci_high"]
        out[f"{pre}bca_low"], out[f"{pre}bca_high"] = ci95["bca_low"], ci95["bca_high"]
        out[f"{pre}ci90_low"], out[f"{pre}ci90_high"] = ci90["ci_low"], ci90["ci_high"]
        out[f"{pre}bca90_low"], out[f"{pre}bca90_high"] = ci90["bca_low"], ci90["bca_high"]
    return out


def period_table(
    st: Stats,
    units: Units,
    period_reps: Mapping[str, np.ndarray],
    docs: pd.DataFrame,
    alpha: float,
    *,
    min_documents: int,
    clusters: Mapping[str, str] | None,
    n_boot: int,
    seed: int,
) -> pd.DataFrame:
    """The ``by_period`` table: each period's counts, statistics and intervals (``docs/methods.md`` §2, §13).

    A period holding >= ``min_documents`` documents (clusters, with ``clusters``) resamples them within the
    period (:func:`aictlab.resample.resample_totals`, strata = periods, the run's ``seed``), each kept whole:
    the rule and the unit of the period contrast (:func:`aictlab.inference.resamples_documents`). Its ``ci_*``
    are then expanded percentile intervals (:func:`aictlab.resample.expanded_level`, as the contrast's) with the
    plain percentile of D in ``pct_*``, and BCa from the leave-one-unit-out jackknife. A thinner period keeps
    the segment bootstrap within its documents (``period_reps``: its documents' summed replicate totals;
    within-document noise only; percentile). ``resampled_unit``
    (document, cluster or segment), ``n_resampled_units`` and ``interval`` say which.
    """
    groups = [
        (period, group) for period, group in docs.sort_values("start_year").groupby("period", sort=False)
    ]
    # per period: the resampled units' totals (documents, or clusters of them), in a stable order
    unit_x: dict[str, np.ndarray] = {}
    for period, group in groups:
        ids = group[DOC_ID].tolist()
        x = np.vstack([units.x[units.rows[d]].sum(axis=0) for d in ids])
        if clusters:
            keys = pd.Index([str(clusters.get(d, f"document {d}")) for d in ids])
            codes, _ = pd.factorize(keys, sort=True)
            x = np.vstack([x[codes == c].sum(axis=0) for c in range(codes.max() + 1)])
        if resamples_documents(len(x), min_documents):
            unit_x[period] = x
    doc_reps = (
        resample_totals(
            np.vstack(list(unit_x.values())),
            np.concatenate([np.full(len(x), p, dtype=object) for p, x in unit_x.items()]),
            n_boot=n_boot,
            seed=seed,
        )
        if unit_x
        else {}
    )
    kind = "cluster" if clusters else "document"
    rows = []
    for period, group in groups:
        ids = group[DOC_ID].tolist()
        row = {
            "period": period,
            "start_year": int(group["start_year"].iloc[0]),
            "end_year": int(group["end_year"].iloc[0]),
        }
        if period not in unit_x:
            row.update(group_rows(st, [units.of(ids)], period_reps[period][None], [len(ids)], alpha)[0])
            row.update(
                resampled_unit="segment", n_resampled_units=row["n_segments"], interval="percentile",
                pct_low=row["ci_low"], pct_high=row["ci_high"],
            )  # fmt: skip
            rows.append(row)
            continue
        x, rep = unit_x[period], doc_reps[period]
        total, jack = x.sum(axis=0), x.sum(axis=0) - x
        # the columns of group_rows, in its order
        row.update(
            n_documents=len(ids), n_segments=int(total[st.i["one"]]), tokens=int(total[st.i[N_TOKENS]])
        )
        row.update({f: int(total[st.i[f]]) for f in st.frames})
        with_bca = ("drift_index", f"share_{st.target}")
        used = "expanded percentile"
        for name, (fn, pre) in st.group.items():
            theta = float(fn(total))
            row[name] = theta
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ci = bootstrap_interval(
                    theta, fn(rep), fn(jack) if name in with_bca else None, alpha=alpha, n_units=len(x)
                )
            row[f"{pre}ci_low"], row[f"{pre}ci_high"], kind_used = preferred_interval(ci)
            used = used if kind_used == "expanded percentile" else "percentile"
            if name in with_bca:
                row[f"{pre}bca_low"], row[f"{pre}bca_high"] = ci["bca_low"], ci["bca_high"]
            if name == "drift_index":
                row["pct_low"], row["pct_high"] = ci["ci_low"], ci["ci_high"]
        row.update(resampled_unit=kind, n_resampled_units=len(x), interval=used)
        row["pct_low"], row["pct_high"] = row.pop("pct_low"), row.pop("pct_high")
        rows.append(row)
    return pd.DataFrame(rows)


def segment_bootstrap(
    st: Stats,
    units: Units,
    prepared: pd.DataFrame,
    docs: pd.DataFrame,
    alpha: float,
    n_boot: int,
    seed: int,
) -> tuple[dict[str, dict], dict[Any, np.ndarray], dict[str, np.ndarray]]:
    """The segment bootstrap of :func:`measure_drift`, one document at a time: each document's replicate
    totals, as they are drawn, are added into its year's and its period's totals and kept in a batch of
    documents whose rows (their intervals) are computed together (:func:`group_rows`), then dropped. Memory
    holds (years + periods) × ``n_boot`` × k totals and one batch (~8 MB), not documents × ``n_boot`` × k;
    the draws are those of :func:`bootstrap_segments` (sums of integer counts, exact in any order).

    Returns
    -------
    (document rows, year totals, period totals)
        ``doc_id`` -> :func:`group_rows` row of the document; year -> and period -> summed replicate totals.
    """
    year_of = dict(zip(docs[DOC_ID], docs[YEAR], strict=True))
    period_of = dict(zip(docs[DOC_ID], docs["period"], strict=True))
    rows: dict[str, dict] = {}
    year_reps: dict[Any, np.ndarray] = {}
    period_reps: dict[str, np.ndarray] = {}
    draws = iter_resample_totals(units.x, prepared[DOC_ID].to_numpy(), n_boot=n_boot, seed=seed)
    # a batch of documents' replicate totals, column by column (k × documents × n_boot): each statistic then
    # reads contiguous columns; one buffer, reused (no new pages per batch)
    buffer = np.empty((len(st.columns), max(1, BATCH_CELLS // (n_boot * len(st.columns))), n_boot))
    batch: list[str] = []

    def flush() -> None:
        reps = np.moveaxis(buffer[:, : len(batch)], 0, -1)
        done = group_rows(st, [units.of([d]) for d in batch], reps, [1] * len(batch), alpha)
        rows.update(zip(batch, done, strict=True))
        batch.clear()

    for doc, rep in draws:
        buffer[:, len(batch)] = rep.T
        batch.append(doc)
        for totals, key in ((year_reps, year_of[doc]), (period_reps, period_of[doc])):
            if key in totals:
                totals[key] += rep
            else:
                totals[key] = rep.copy()
        if len(batch) == buffer.shape[1]:
            flush()
    if batch:
        flush()
    return rows, year_reps, period_reps
