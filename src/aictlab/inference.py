"""Document-level inference on frame counts: document (cluster) bootstrap of a period contrast, a continuous
trend per frame, sparse-count rules, the verdict basis and the rule
that decides it (end periods and period schemes: :mod:`aictlab.bins`).

Every function reads a *per-document totals table*: one row per document with ``doc_id, year, period``, an
optional cluster variable (e.g. ``organiser``), ``tokens`` (word tokens, the denominator) and one count column
per frame (``attractivite, solidarite``). Documents (or clusters of documents), not segments, are the units
that vary (docs/methods.md §13): intervals come from resampling them, within period for a contrast, over the
corpus for a trend, always through :func:`aictlab.resample.resample_totals`.

Notation: A, S = attractivité and solidarité hits; N = tokens; θ_f = ln(rate_last / rate_first) for a period
contrast (no +0.5: a rate ratio that decides a verdict must not be created by a correction), or the NB2 slope
per decade for a trend; D = log2((A + 0.5)/(S + 0.5)) and ΔD = D_last − D_first (docs/methods.md §2).

References
----------
Davison A. C. & Hinkley D. V. (1997), Bootstrap Methods and their Application, §3.8. Field C. A. & Welsh A. H.
(2007), Bootstrapping clustered data, JRSS-B 69(3). Cameron A. C. & Miller D. L. (2015), A practitioner's guide
to cluster-robust inference, J. Human Resources 50(2). Clopper C. J. & Pearson E. S. (1934), Biometrika 26(4).
Schuirmann D. (1987), J. Pharmacokinet. Biopharm. 15(6). Berger R. (1982), Technometrics 24(4).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from aictlab.config import DRIFT_FRAMES
from aictlab.errors import SettingsError
from aictlab.resample import reported_intervals, resample_counts, resample_totals
from aictlab.schema import DOC_ID, PERIOD, YEAR, require_columns

__all__ = [
    "ATTRACTIVITE",
    "DELTA",
    "FRAMES",
    "SOLIDARITE",
    "TOO_FEW_HITS",
    "VERDICTS",
    "VERDICT_BASIS_RULE",
    "document_totals",
    "frame_direction",
    "frame_directions",
    "frame_trend",
    "period_contrast",
    "poisson_rate_ratio",
    "resamples_documents",
    "table_verdict",
    "verdict_basis",
    "verdict_from_directions",
]

#: The default (to, from) frames: A and S of ``Settings.drift_frames`` (count columns of the totals table).
SOLIDARITE, ATTRACTIVITE = DRIFT_FRAMES
FRAMES = (ATTRACTIVITE, SOLIDARITE)
#: Equivalence margin for "stable" (docs/methods.md §4), fixed in advance: ±25 % in rate.
DELTA = math.log(1.25)
VERDICTS = ("substitution", "stratification", "reversal", "no_drift", "inconclusive")
TOO_FEW_HITS = "undetermined (too few hits)"
VERDICT_BASIS_RULE = (
    "Primary θ = the continuous trend (NB2 slope per decade, document/cluster bootstrap; intervals are "
    "expanded percentile intervals, widened for few documents) when the "
    "corpus has >= {min_documents} documents over >= {min_years} distinct years, else the first -> last "
    "period contrast (document/cluster bootstrap within period). A frame's direction is 'undetermined (too few "
    "hits)' when its hits in the compared documents sum to < {min_hits}; rises: lower 95% bound > 0; falls: "
    "upper 95% bound < 0; stable: 90% interval inside [-δ, δ], δ = ln 1.25. substitution = A rises and S "
    "falls; stratification = A rises and S stable or rises; reversal = A falls and S rises; no_drift = A "
    "falls or is stable otherwise; inconclusive otherwise."
)


# --------------------------------------------------------------------------------------------- inputs
def document_totals(
    segments: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    frames: Sequence[str] = FRAMES,
    cluster: str | None = None,
) -> pd.DataFrame:
    """The per-document totals table from segment counts.

    Parameters
    ----------
    segments : DataFrame
        ``doc_id, tokens`` and one count column per frame (one row per segment).
    documents : DataFrame
        ``doc_id, year`` and ``period`` (and ``cluster`` when given).

    Returns
    -------
    DataFrame
        ``doc_id, year, period, [cluster], tokens, <frames>``, one row per document, sorted by ``doc_id``.
    """
    require_columns(segments, (DOC_ID, "tokens", *frames), "segments")
    keep = [DOC_ID, YEAR, PERIOD, *([cluster] if cluster else [])]
    require_columns(documents, keep, "documents")
    sums = segments.groupby(DOC_ID, sort=True)[["tokens", *frames]].sum().reset_index()
    return documents[keep].merge(sums, on=DOC_ID, how="inner").sort_values(DOC_ID).reset_index(drop=True)


def resamples_documents(n_units: int, min_documents: int = 5) -> bool:
    """Whether a period's bootstrap resamples its documents (or clusters): it holds >= ``min_documents`` of
    them (docs/methods.md §13). A thinner period cannot carry a document bootstrap; it falls back to its
    segments resampled within documents (within-document noise only) or has no interval. The one rule of the
    period contrast (:func:`period_contrast`) and the per-period drift index
    (:func:`aictlab.drift.measure_drift`).
    """
    return int(n_units) >= int(min_documents)


def _check_totals(totals: pd.DataFrame, frames: Sequence[str], cluster: str | None) -> None:
    require_columns(
        totals, (DOC_ID, YEAR, PERIOD, "tokens", *frames, *([cluster] if cluster else [])), "totals"
    )
    if totals.empty:
        raise SettingsError("totals: no document to measure.")
    bad = totals.loc[~(pd.to_numeric(totals["tokens"], errors="coerce") > 0), DOC_ID]
    if len(bad):
        raise SettingsError(
            f"totals: document(s) {', '.join(map(str, bad[:5]))} have no token; drop them before measuring."
        )


# --------------------------------------------------------------------------------------------- sparse counts
def poisson_rate_ratio(x0: int, n0: float, x1: int, n1: float, *, alpha: float = 0.05) -> dict[str, float]:
    """Exact conditional comparison of two Poisson counts (rate ratio last/first).

    Given x0 + x1, x1 ~ Bin(x0 + x1, p) with p = RR·n1/(n0 + RR·n1), so RR = p/(1 − p)·n0/n1; Clopper–Pearson
    bounds on p give bounds on RR; the p-value is the exact two-sided binomial test of RR = 1.

    Returns
    -------
    dict
        ``rate_ratio, rr_low, rr_high, p_value`` (NaN when x0 + x1 = 0).

    Examples
    --------
    >>> r = poisson_rate_ratio(5, 1000, 20, 1000)
    >>> round(r["rate_ratio"], 3), bool(r["rr_low"] > 1)
    (4.0, True)
    """
    from scipy import stats  # (imported when used: scipy.stats costs seconds to import on a warm run)

    x0, x1, total = int(x0), int(x1), int(x0) + int(x1)
    out = {"rate_ratio": np.nan, "rr_low": np.nan, "rr_high": np.nan, "p_value": np.nan}
    if total == 0 or n0 <= 0 or n1 <= 0:
        return out
    # Clopper–Pearson bounds on p (closed form through beta quantiles), then RR = p/(1 − p)·n0/n1.
    p_low = stats.beta.ppf(alpha / 2, x1, x0 + 1) if x1 > 0 else 0.0
    p_high = stats.beta.ppf(1 - alpha / 2, x1 + 1, x0) if x0 > 0 else 1.0

    def rr(p):
        return np.inf if p >= 1 else p / (1 - p) * n0 / n1

    with np.errstate(divide="ignore"):
        out["rate_ratio"] = (x1 / n1) / (x0 / n0) if x0 > 0 else np.inf
    out["rr_low"], out["rr_high"] = rr(p_low), rr(p_high)
    out["p_value"] = float(stats.binomtest(x1, total, n1 / (n0 + n1)).pvalue)
    return out


def frame_direction(
    ci_low: float, ci_high: float, ci90_low: float, ci90_high: float, hits: float, *,
    min_hits: int = 10, delta: float = DELTA, exact_low: float = np.nan, exact_high: float = np.nan,
) -> str:  # fmt: skip
    """Direction of one frame's θ: ``rises``, ``falls``, ``stable``, ``undetermined`` or ``undetermined (too
    few hits)`` (docs/methods.md §4, §13).

    ``hits`` = the frame's hits in the compared documents; below ``min_hits`` no direction is claimed. Rises:
    lower 95 % bound > 0; falls: upper 95 % bound < 0; stable: 90 % interval inside [−δ, δ] (TOST). When the
    exact Poisson bounds on ln RR (``exact_low, exact_high``) are given, a rise or fall also needs them to
    exclude 0 (a bootstrap interval made narrow by few hits does not decide alone).
    """
    if not np.isfinite(hits) or hits < min_hits:
        return TOO_FEW_HITS
    has_exact = not (np.isnan(exact_low) and np.isnan(exact_high))
    if not np.isnan(ci_low) and ci_low > 0 and (not has_exact or exact_low > 0):
        return "rises"
    if not np.isnan(ci_high) and ci_high < 0 and (not has_exact or exact_high < 0):
        return "falls"
    if not (np.isnan(ci90_low) or np.isnan(ci90_high)) and ci90_low > -delta and ci90_high < delta:
        return "stable"
    return "undetermined"


def frame_directions(
    table: pd.DataFrame, *, min_hits: int = 10, delta: float = DELTA, interval: str = "ci"
) -> pd.DataFrame:
    """:func:`frame_direction` for every frame row of a :func:`period_contrast` or :func:`frame_trend` table
    (``interval``: ``ci`` the bootstrap interval the verdict reads (expanded percentile by default), ``pct``
    percentile, ``bca``, or ``cl_ci`` clustered sandwich); adds ``direction``."""
    lo, hi = f"{interval}_low", f"{interval}_high"
    lo90, hi90 = (
        (f"{interval}90_low", f"{interval}90_high") if interval != "bca" else ("bca90_low", "bca90_high")
    )
    out = table.copy()
    has_exact = "exact_theta_low" in out.columns
    out["direction"] = [
        frame_direction(
            r[lo], r[hi], r[lo90], r[hi90], r["hits"], min_hits=min_hits, delta=delta,
            exact_low=r["exact_theta_low"] if has_exact else np.nan,
            exact_high=r["exact_theta_high"] if has_exact else np.nan,
        ) if r["target"] != "drift_index" else ""
        for _, r in out.iterrows()
    ]  # fmt: skip
    return out


def verdict_from_directions(
    a_direction: str, s_direction: str, *, label: str = "attractivité"
) -> tuple[str, str]:
    """Substitution vs stratification from the two frames' directions (docs/methods.md §4, §13): THE rule,
    used by every basis (segment change of :mod:`aictlab.verdict`, period contrast, trend, bin schemes).

    Parameters
    ----------
    a_direction, s_direction : str
        :func:`frame_direction` of A (the *to* frame) and S (the *from* frame).
    label : str, default="attractivité"
        How the reasons name the *to* frame.

    Returns
    -------
    tuple
        ``(verdict, reason)``, verdict one of :data:`VERDICTS`. A direction ``undetermined (too few hits)``
        never yields a directional verdict for A.

    Examples
    --------
    >>> verdict_from_directions("rises", "stable")
    ('stratification', 'A rises and S stable')
    >>> verdict_from_directions(TOO_FEW_HITS, "falls")[0]
    'inconclusive'
    """
    if a_direction == "rises":
        if s_direction == "falls":
            return "substitution", "A rises and S falls"
        if s_direction in ("stable", "rises"):
            return "stratification", f"A rises and S {s_direction}"
        return "inconclusive", f"A rises; S {s_direction}"
    if a_direction == "falls":
        if s_direction == "rises":
            return "reversal", "A falls and S rises"
        return "no_drift", f"no drift toward {label}: A falls; S {s_direction}"
    if a_direction == "stable":
        return "no_drift", f"no drift toward {label}: A stable; S {s_direction}"
    if a_direction == TOO_FEW_HITS:
        return "inconclusive", f"A {TOO_FEW_HITS}; S {s_direction}"
    return "inconclusive", f"intervals too wide: A undetermined; S {s_direction}"


# --------------------------------------------------------------------------------------------- period contrast
def _log_rate(t, j):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(t[..., j] / t[..., 0])


def period_contrast(
    totals: pd.DataFrame,
    *,
    first: str | None = None,
    last: str | None = None,
    frames: Sequence[str] = FRAMES,
    cluster: str | None = None,
    unit: str = "document",
    segments: pd.DataFrame | None = None,
    fallback: str | None = None,
    min_documents: int = 5,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    n_boot: int = 1999,
    seed: int = 42,
    alpha: float = 0.05,
    interval: str = "expanded",
) -> pd.DataFrame:
    """First → last period contrast per frame (θ_f) and of the drift index (ΔD), with bootstrap intervals.

    Document (cluster) bootstrap (docs/methods.md §13): per replicate and per period independently, the
    period's n_p documents (or clusters: the documents sharing a value of ``cluster`` in the period, summed)
    are drawn with replacement, each kept whole, and summed (:func:`aictlab.resample.resample_totals` with
    strata = period). θ_f = ln(C_last/N_last) − ln(C_first/N_first) (no +0.5: ±inf when a frame is absent
    from an end), ΔD = D_last − D_first with D = log2((A + 0.5)/(S + 0.5)). Percentile (``pct_*``) and BCa
    intervals at 95 % and 90 %, BCa acceleration from the leave-one-unit-out jackknife; ``ci_*`` (read by the
    verdict) is, with ``interval="expanded"`` (default) and a document (cluster) bootstrap at both ends, the
    expanded percentile interval (:func:`aictlab.resample.expanded_level`: few documents per period make the
    percentile interval too narrow; Welch–Satterthwaite over the two periods), else the percentile interval;
    the ``interval`` column says which. A period with fewer than
    ``min_documents`` units cannot carry a document bootstrap: its intervals are NaN and ``basis``/``note``
    say so, unless ``fallback="segment"`` resamples that period's segments within documents (docs/methods.md
    §2, within-document noise only; labelled). ``unit="segment"`` uses the segment bootstrap for both periods.
    Each frame row also carries the exact conditional Poisson bounds (:func:`poisson_rate_ratio`) on ln RR.

    Parameters
    ----------
    totals : DataFrame
        Per-document totals: ``doc_id, year, period, tokens, <frames>`` (and ``cluster``).
    first, last : str, optional
        Compared periods (default: earliest and latest; see :func:`end_periods` for merged end periods).
    segments : DataFrame, optional
        ``doc_id, tokens, <frames>`` per segment; needed by ``unit="segment"`` or ``fallback="segment"``.
    drift_frames : (str, str), default=("solidarite", "attractivite")
        The (from, to) frames S and A of the drift index (``Settings.drift_frames``).

    Returns
    -------
    DataFrame
        One row per target (each frame, then ``drift_index`` when both ``drift_frames`` are in ``frames``):
        ``target, first_period, last_period, n_units_first, n_units_last, tokens_first, tokens_last,
        hits_first, hits_last, hits, estimate, ci_low, ci_high, ci90_low, ci90_high, bca_low, bca_high,
        bca90_low, bca90_high, exact_theta_low, exact_theta_high, exact_p_value, basis, within_documents, note,
        n_boot, seed, interval, pct_low, pct_high, pct90_low, pct90_high`` (``within_documents``: a compared
        period resamples segments within documents, so the interval holds within-document noise only).
    """
    _check_totals(totals, frames, cluster)
    if unit not in ("document", "segment") or fallback not in (None, "segment"):
        raise SettingsError(
            f"unit={unit!r} / fallback={fallback!r}: use 'document'|'segment' / None|'segment'."
        )
    if interval not in ("expanded", "percentile"):
        raise SettingsError(f"interval={interval!r}: use 'expanded' or 'percentile'.")
    order = totals.groupby(PERIOD)[YEAR].min().sort_values(kind="stable").index.tolist()
    first, last = first or order[0], last or order[-1]
    for p in (first, last):
        if p not in order:
            raise SettingsError(f"period {p!r} has no document; periods present: {', '.join(order)}.")
    if first == last:
        raise SettingsError(f"a contrast needs two periods; first = last = {first!r}.")
    cols = ["tokens", *frames]
    values, strata, parts, notes = [], [], {}, []
    for key, p in (("first", first), ("last", last)):
        docs = totals[totals[PERIOD].eq(p)]
        units = docs.groupby(cluster, sort=True)[cols].sum() if cluster else docs[cols]
        x = units.to_numpy(dtype=float)
        kind = f"cluster ({cluster})" if cluster else "document"
        thin = not resamples_documents(len(x), min_documents)
        if unit == "segment" or (thin and fallback == "segment"):
            if segments is None:
                raise SettingsError("the segment bootstrap needs `segments` (doc_id, tokens, frame counts).")
            seg = segments[segments[DOC_ID].isin(docs[DOC_ID])]
            x = seg[cols].to_numpy(dtype=float)
            labels = (key + ":" + seg[DOC_ID].astype(str)).to_numpy()
            basis = "segment bootstrap (within documents)"
            if thin and unit != "segment":
                notes.append(f"{p}: {len(units)} {kind} unit(s) < {min_documents}; segment bootstrap instead")
        elif thin:
            labels, basis = None, "none"
            notes.append(
                f"{p}: {len(x)} {kind} unit(s) < min_documents = {min_documents}: no document bootstrap"
            )
        else:
            labels, basis = (
                np.full(len(x), key, dtype=object),
                f"{'cluster' if cluster else 'document'} bootstrap",
            )
        parts[key] = {"x": x, "total": x.sum(axis=0), "basis": basis, "n": len(units), "labels": labels}
        if labels is not None:
            values.append(x)
            strata.append(labels)
    boot = all(parts[k]["labels"] is not None for k in parts)
    if boot:
        reps = resample_totals(np.vstack(values), np.concatenate(strata), n_boot=n_boot, seed=seed)
        for key in parts:
            mine = set(parts[key]["labels"])
            parts[key]["reps"] = sum(r for s, r in reps.items() if s in mine)
    (x0, t0), (x1, t1) = (
        (parts["first"]["x"], parts["first"]["total"]),
        (parts["last"]["x"], parts["last"]["total"]),
    )
    # the small-sample expansion counts documents (clusters): not for segments resampled within documents
    doc_units = all("segment" not in parts[k]["basis"] for k in parts)
    basis = (
        parts["first"]["basis"]
        if parts["first"]["basis"] == parts["last"]["basis"]
        else ("none" if not boot else f"{parts['first']['basis']} / {parts['last']['basis']}")
    )
    stats_: list[tuple[str, Any]] = [
        (f, lambda t, j=j: _log_rate(t, j)) for j, f in enumerate(frames, start=1)
    ]
    if set(drift_frames) <= set(frames):
        ia, is_ = cols.index(drift_frames[1]), cols.index(drift_frames[0])
        stats_.append(("drift_index", lambda t: np.log2((t[..., ia] + 0.5) / (t[..., is_] + 0.5))))
    rows = []
    for target, fn in stats_:
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = float(fn(t1) - fn(t0))
            row = {
                "target": target, "first_period": first, "last_period": last,
                "n_units_first": parts["first"]["n"], "n_units_last": parts["last"]["n"],
                "tokens_first": int(t0[0]), "tokens_last": int(t1[0]), "estimate": theta,
            }  # fmt: skip
            if target != "drift_index":
                j = cols.index(target)
                row.update(hits_first=int(t0[j]), hits_last=int(t1[j]), hits=int(t0[j] + t1[j]))
                ex = poisson_rate_ratio(t0[j], t0[0], t1[j], t1[0], alpha=alpha)
                row.update(
                    exact_theta_low=np.log(ex["rr_low"]),
                    exact_theta_high=np.log(ex["rr_high"]),
                    exact_p_value=ex["p_value"],
                )
            if boot:
                last_rep, first_rep = fn(parts["last"]["reps"]), fn(parts["first"]["reps"])
                rep = last_rep - first_rep
                jack = np.concatenate([fn(t1) - fn(t0 - x0), fn(t1 - x1) - fn(t0)])
                row.update(reported_intervals(
                    theta, rep, jack, alpha, interval=interval if doc_units else "percentile",
                    n_units=(parts["last"]["n"], parts["first"]["n"]), components=(last_rep, first_rep),
                ))  # fmt: skip
        row.update(basis=basis, within_documents=not doc_units)
        row.update(note="; ".join(notes), n_boot=n_boot if boot else 0, seed=seed)
        rows.append(row)
    cols_out = [
        "target", "first_period", "last_period", "n_units_first", "n_units_last", "tokens_first", "tokens_last",
        "hits_first", "hits_last", "hits", "estimate", "ci_low", "ci_high", "ci90_low", "ci90_high", "bca_low",
        "bca_high", "bca90_low", "bca90_high", "exact_theta_low", "exact_theta_high", "exact_p_value", "basis",
        "within_documents", "note", "n_boot", "seed", "interval", "pct_low", "pct_high", "pct90_low", "pct90_high",
    ]  # fmt: skip
    out = pd.DataFrame(rows).reindex(columns=cols_out)
    return out.astype({c: "Int64" for c in ("hits_first", "hits_last", "hits")})


# --------------------------------------------------------------------------------------------- trend
#: Cells (rows × documents) of one block of :func:`_nb_fit`'s iterations: a block's arrays stay in the CPU
#: cache, which makes the fit of thousands of bootstrap replicates several times faster than whole arrays.
_FIT_BLOCK_CELLS = 2**16


def _nb_iterate(b, y, x, offset, alpha, w, tol) -> np.ndarray:
    """One Newton-Raphson step of :func:`_nb_fit` for the rows of ``b`` (updated in place); returns which
    rows' step is below ``tol`` (relative to β).

    With η = offset + β0 + β1 x and d = 1 + α μ, the NB2 log-likelihood's score per document is
    w (y − μ) / d and minus its second derivative in η is w μ (1 + α y) / d² (> 0: the log-likelihood is concave
    in β, so the Newton step is an ascent direction). The expected information w μ / d (Fisher scoring) is the
    same when α = 0 (Poisson) but converges only linearly when α > 0: Newton takes 3-4 steps where scoring took
    6-9 to the same tolerance, and stops nearer the maximum (its last step is quadratic)."""
    # in place, in the order of exp(clip(b0 + b1 x + offset)), 1 + α μ, w (y − μ) / d, w μ (1 + α y) / d / d
    mu = b[:, [1]] * x
    mu += b[:, [0]]
    mu += offset
    np.exp(np.clip(mu, -700, 700, out=mu), out=mu)
    r = y - mu
    r *= w
    h = w * mu
    if alpha:  # Poisson (α = 0): d = 1 + 0·μ = 1 exactly (μ is finite) and v / 1 = v, nothing to divide
        denom = alpha * mu
        denom += 1
        r /= denom
        h *= 1 + alpha * y
        h /= denom
        h /= denom
    hx = h * x
    g0, g1 = r.sum(axis=1), (r * x).sum(axis=1)
    h00, h01, h11 = h.sum(axis=1), hx.sum(axis=1), (hx * x).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        det = h00 * h11 - h01**2
        step = np.column_stack([(h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det])
    step[~np.isfinite(step)] = 0.0
    b += np.clip(step, -5, 5)
    return np.abs(step).max(axis=1) < tol * (1 + np.abs(b).max(axis=1))


#: Cells (rows × documents) of one block of :func:`_nb_fit`'s start values (32 MiB of float products).
_START_BLOCK_CELLS = 2**22


def _start_blocks(rows: int, n: int) -> list[slice]:
    """Blocks of rows of :func:`_nb_fit`'s start values: none of one row unless the table has one row. A
    row sum of a block of two or more rows has the bits of the same sum over the whole table, whatever its
    memory order; a single row of a column-major table would be summed pairwise, not column by column."""
    size = max(2, _START_BLOCK_CELLS // max(n, 1))
    starts = list(range(0, rows, size))
    if len(starts) > 1 and rows - starts[-1] < 2:
        starts.pop()  # a one-row tail joins the previous block
    return [slice(a, b) for a, b in zip(starts, [*starts[1:], rows], strict=True)]


def _nb_fit(y, x, offset, alpha, weights=None, max_iter=60, tol=1e-9) -> np.ndarray:
    """(β0, β1) of log E[y] = offset + β0 + β1·x, NB2 with fixed ``alpha`` (0 = Poisson) and frequency
    ``weights``, by Newton-Raphson (:func:`_nb_iterate`) vectorised over the rows of ``x`` and/or ``weights``
    (R × n). Every row takes the same number of steps: as many as the slowest row needs to converge (at most
    ``max_iter``).
    Rows that do not converge (e.g. a replicate without any hit) are NaN.

    The rows are iterated in blocks of about :data:`_FIT_BLOCK_CELLS` cells (rows are independent, so the
    numbers are those of iterating the whole table at once): each block runs until its rows converge, then
    the blocks that stopped before the slowest one take the missing steps."""
    y = np.asarray(y, dtype=float)
    x = np.atleast_2d(np.asarray(x, dtype=float))
    # integer weights (bootstrap counts) stay in their compact type: each block's products are float64, the
    # same numbers as with float weights, without a float copy of the whole table
    w = np.ones((1, y.size)) if weights is None else np.atleast_2d(np.asarray(weights))
    if w.dtype.kind not in "fiu":
        w = w.astype(float)
    rows = max(x.shape[0], w.shape[0])
    b = np.zeros((rows, 2))
    done = np.zeros(rows, dtype=bool)
    size = max(1, _FIT_BLOCK_CELLS // max(y.size, 1))
    blocks = [slice(start, min(start + size, rows)) for start in range(0, rows, size)]

    def rows_of(a: np.ndarray, block: slice) -> np.ndarray:
        return a if a.shape[0] == 1 else a[block]

    exposure = np.exp(offset)
    for block in _start_blocks(w.shape[0], y.size):
        wb = w[block]
        yw = (wb * y).sum(axis=1) / np.maximum((wb * exposure).sum(axis=1), 1e-300)
        b[block if w.shape[0] > 1 else slice(None), 0] = np.log(np.maximum(yw, 1e-12))

    steps = []
    for block in blocks:
        # a block's weights as float64 once, not cast in each step's two products (the same values)
        xb, wb, k = rows_of(x, block), rows_of(w, block).astype(float), 0
        while k < max_iter:
            k += 1
            done[block] = _nb_iterate(b[block], y, xb, offset, alpha, wb, tol)
            if done[block].all():
                break
        steps.append(k)
    total = max(steps, default=0)
    for block, k in ((block, k) for block, k in zip(blocks, steps, strict=True) if k < total):
        xb, wb = rows_of(x, block), rows_of(w, block).astype(float)
        for _ in range(total - k):
            done[block] = _nb_iterate(b[block], y, xb, offset, alpha, wb, tol)
    b[~done | (np.abs(b[:, 1]) > 50)] = np.nan
    return b


def _nb_loglik(y, mu, alpha) -> float:
    from scipy.special import gammaln

    if alpha < 1e-8:
        return float(np.sum(y * np.log(np.maximum(mu, 1e-300)) - mu - gammaln(y + 1)))
    k = 1 / alpha
    return float(
        np.sum(
            gammaln(y + k)
            - gammaln(k)
            - gammaln(y + 1)
            + k * np.log(k / (k + mu))
            + y * np.log(mu / (k + mu))
        )
    )


def _nb_alpha(y, x, offset) -> float:
    """ML NB2 dispersion α (profile likelihood over ln α ∈ [−12, 4]; ~0 means Poisson)."""
    from scipy.optimize import minimize_scalar

    def nll(log_a):
        a = math.exp(log_a)
        b = _nb_fit(y, x, offset, a)[0]
        return np.inf if not np.all(np.isfinite(b)) else -_nb_loglik(y, np.exp(b[0] + b[1] * x + offset), a)

    res = minimize_scalar(nll, bounds=(-12, 4), method="bounded", options={"xatol": 1e-4})
    return math.exp(res.x) if res.x > -11.9 else 0.0


def _unit_weights(groups: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap frequency weights (n_boot × n documents, in a compact unsigned type): how often each
    document's unit (itself or its cluster) is drawn, units drawn with replacement over the corpus
    (:func:`aictlab.resample.resample_counts`, one stratum: the draws of :func:`aictlab.resample.resample_totals`
    of unit-indicator rows)."""
    n_units = int(groups.max()) + 1
    return resample_counts(np.zeros(n_units), n_boot=n_boot, seed=seed, compact=True)[0.0][:, groups]


def frame_trend(
    totals: pd.DataFrame,
    *,
    frames: Sequence[str] = FRAMES,
    cluster: str | None = None,
    n_boot: int = 999,
    n_perm: int = 999,
    seed: int = 42,
    alpha: float = 0.05,
    min_units: int = 5,
    interval: str = "expanded",
) -> pd.DataFrame:
    """Continuous trend of each frame's rate over documents' years (docs/methods.md §13).

    NB2 GLM per frame: log E[y_d] = ln N_d + β0 + β1·(year_d − ȳ)/10, ȳ = mean document year; θ_f = β1 (log
    rate ratio per decade), α by maximum likelihood. Intervals: (1) document (cluster) bootstrap of the fit:
    documents, or the clusters given by ``cluster``, drawn with replacement over the corpus
    (:func:`aictlab.resample.resample_totals` of unit-membership rows, one stratum), the fit repeated with α
    fixed at its estimate; percentile (``pct_*``) at 95 and 90 %, BCa from the leave-one-unit-out jackknife (up
    to 2 000 units), and as ``ci_*`` (read by the verdict) the expanded percentile over the G units with two
    parameters (:func:`aictlab.resample.expanded_level`, ν = G − 2) when ``interval="expanded"`` (default),
    else the percentile; (2) cluster-robust sandwich SEs (statsmodels ``GLM(...).fit(cov_type="cluster")``, groups =
    clusters or documents), t(G − 1) intervals. Permutation p: years permuted across documents (all n! when
    n! <= ``n_perm``, identity included; else ``n_perm`` random, p = (1 + #)/(B + 1)); with ``cluster`` the
    permutation still moves documents (it ignores the clustering: read the bootstrap interval).

    Returns
    -------
    DataFrame
        One row per frame: ``target, n_documents, n_units, unit, n_years, hits, tokens, nb_alpha, estimate,
        ratio_per_decade, ci_low, ci_high, ci90_low, ci90_high, bca_low, bca_high, bca90_low, bca90_high,
        boot_failed, se_cluster, cl_ci_low, cl_ci_high, cl_ci90_low, cl_ci90_high, perm_p_value,
        n_permutations, basis, note, interval, pct_low, pct_high, pct90_low, pct90_high``. Too few documents, years or hits give NaN with the reason in ``note``;
        fewer than ``min_units`` resampling units (documents or clusters) give the point estimate without
        intervals (a bootstrap over 1-4 units is degenerate), said in ``note``.
    """
    # the modules used, not statsmodels.api (which imports all of statsmodels: ~0.6 CPU s more)
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.tools import add_constant

    _check_totals(totals, frames, cluster)
    if interval not in ("expanded", "percentile"):
        raise SettingsError(f"interval={interval!r}: use 'expanded' or 'percentile'.")
    df = totals.sort_values(DOC_ID).reset_index(drop=True)
    n = len(df)
    years = df[YEAR].to_numpy(dtype=float)
    x = (years - years.mean()) / 10
    offset = np.log(df["tokens"].to_numpy(dtype=float))
    groups = pd.factorize(df[cluster] if cluster else df[DOC_ID], sort=True)[0]
    n_units = int(groups.max()) + 1
    weights = _unit_weights(groups, n_boot, seed) if n_boot else None
    jack_w = (np.arange(n_units)[:, None] != groups[None, :]).astype(float) if n_units <= 2000 else None
    rng = np.random.default_rng(seed + 1)
    if math.factorial(min(n, 13)) <= n_perm:
        perms, exact = np.array(list(itertools.permutations(range(n)))), True
    else:
        perms = np.vstack([np.arange(n), *(rng.permutation(n) for _ in range(n_perm))])
        exact = False
    unit = f"cluster ({cluster})" if cluster else "document"
    rows = []
    for frame in frames:
        y = df[frame].to_numpy(dtype=float)
        row: dict[str, Any] = {
            "target": frame, "n_documents": n, "n_units": n_units, "unit": unit,
            "n_years": int(np.unique(years).size), "hits": int(y.sum()), "tokens": int(np.exp(offset).sum()),
            "basis": f"{'cluster' if cluster else 'document'} bootstrap of the NB2 fit", "note": "",
        }  # fmt: skip
        if n < 3 or row["n_years"] < 2 or y.sum() == 0 or (y > 0).sum() < 2:
            row["note"] = (
                f"no trend: {n} document(s), {row['n_years']} distinct year(s), {int(y.sum())} hit(s) in "
                f"{int((y > 0).sum())} document(s) (needs >= 3 documents, 2 years, hits in 2 documents)"
            )
            rows.append(row)
            continue
        a = _nb_alpha(y, x, offset)
        b = _nb_fit(y, x, offset, a)[0]
        row.update(nb_alpha=a, estimate=float(b[1]), ratio_per_decade=float(np.exp(b[1])))
        if not np.isfinite(b[1]):
            row["note"] = "NB2 fit did not converge"
            rows.append(row)
            continue
        if n_units < min_units:
            row["note"] = f"{n_units} {unit} unit(s) < min_units = {min_units}: no interval"
            rows.append(row)
            continue
        if weights is not None:
            rep = _nb_fit(y, x, offset, a, weights=weights)[:, 1]
            jack = _nb_fit(y, x, offset, a, weights=jack_w)[:, 1] if jack_w is not None else None
            row.update(
                reported_intervals(
                    float(b[1]), rep, jack, alpha, interval=interval, n_units=n_units, n_params=2
                )
            )
            row["boot_failed"] = int(np.sum(~np.isfinite(rep)))
        try:
            family = families.NegativeBinomial(alpha=a) if a > 0 else families.Poisson()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = GLM(y, add_constant(x, has_constant="add"), family=family, offset=offset).fit(
                    cov_type="cluster", cov_kwds={"groups": groups}
                )
            se = float(fit.bse[1])
            row["se_cluster"] = se
            for a_, tag in ((alpha, ""), (2 * alpha, "90")):
                t = special.stdtrit(max(n_units - 1, 1), 1 - a_ / 2)  # Student's t quantile
                row[f"cl_ci{tag}_low"], row[f"cl_ci{tag}_high"] = b[1] - t * se, b[1] + t * se
        except Exception as exc:
            row["note"] = f"clustered sandwich failed: {exc}"
        if n_perm:
            t_perm = _nb_fit(y, x[perms], offset, a)[:, 1]
            extreme = np.abs(np.nan_to_num(t_perm, nan=0.0)) >= abs(b[1]) - 1e-9 * max(1.0, abs(b[1]))
            row["perm_p_value"] = float(extreme.sum() / len(perms))
            row["n_permutations"] = len(perms) if exact else len(perms) - 1
        rows.append(row)
    cols = [
        "target", "n_documents", "n_units", "unit", "n_years", "hits", "tokens", "nb_alpha", "estimate",
        "ratio_per_decade", "ci_low", "ci_high", "ci90_low", "ci90_high", "bca_low", "bca_high", "bca90_low",
        "bca90_high", "boot_failed", "se_cluster", "cl_ci_low", "cl_ci_high", "cl_ci90_low", "cl_ci90_high",
        "perm_p_value", "n_permutations", "basis", "note", "interval", "pct_low", "pct_high", "pct90_low",
        "pct90_high",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=cols)


# --------------------------------------------------------------------------------------------- verdict basis
def table_verdict(
    table: pd.DataFrame | None,
    min_hits: int = 10,
    delta: float = DELTA,
    interval: str = "ci",
    *,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    label: str = "attractivité",
) -> dict[str, Any]:
    """Directions and verdict of one basis (a :func:`period_contrast` or :func:`frame_trend` table), by
    :func:`verdict_from_directions` with A, S = ``drift_frames`` (to, from) and ``label`` naming A.

    Returns
    -------
    dict
        ``theta_<frame>, theta_<frame>_ci_low, theta_<frame>_ci_high, <frame>_hits, <frame>_direction`` per
        frame, ``drift_change, drift_ci_low, drift_ci_high`` when the table has a ``drift_index`` row,
        ``verdict, verdict_reason``.
    """
    out: dict[str, Any] = {}
    if table is None or table.empty:
        return {"verdict": "inconclusive", "verdict_reason": "not computed"}
    dirs = frame_directions(table, min_hits=min_hits, delta=delta, interval=interval).set_index("target")
    source, target = drift_frames
    for f in (target, source):
        if f in dirs.index:
            r = dirs.loc[f]
            out |= {f"theta_{f}": r["estimate"], f"theta_{f}_ci_low": r[f"{interval}_low"],
                    f"theta_{f}_ci_high": r[f"{interval}_high"], f"{f}_hits": r["hits"],
                    f"{f}_direction": r["direction"]}  # fmt: skip
    if "drift_index" in dirs.index:
        r = dirs.loc["drift_index"]
        out |= {"drift_change": r["estimate"], "drift_ci_low": r["ci_low"], "drift_ci_high": r["ci_high"]}
    a, s = out.get(f"{target}_direction", "undetermined"), out.get(f"{source}_direction", "undetermined")
    out["verdict"], out["verdict_reason"] = verdict_from_directions(a, s, label=label)
    return out


def verdict_basis(
    totals: pd.DataFrame,
    contrast: pd.DataFrame | None,
    trend: pd.DataFrame | None,
    *,
    min_documents_trend: int = 10,
    min_years_trend: int = 4,
    min_hits: int = 10,
    delta: float = DELTA,
    trend_interval: str = "ci",
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    label: str = "attractivité",
) -> pd.DataFrame:
    """The verdict from the primary θ, with both bases shown and which decided (docs/methods.md §4, §13).

    Primary = the trend (:func:`frame_trend`) when ``totals`` holds >= ``min_documents_trend`` documents over
    >= ``min_years_trend`` distinct years, else the period contrast (:func:`period_contrast`). Each basis gets
    its frame directions (:func:`frame_direction`, sparse-count rule ``min_hits``) and verdict
    (:func:`verdict_from_directions`; A, S = ``drift_frames`` (to, from), ``label`` names A);
    ``trend_interval`` picks the trend's interval (``ci`` bootstrap, ``cl_ci`` clustered sandwich).

    Returns
    -------
    DataFrame
        One row: ``primary, primary_reason, verdict, verdict_reason, n_documents, n_years`` then, per basis
        (suffix ``_trend``, ``_contrast``): ``verdict, verdict_reason, theta_<frame>, theta_<frame>_ci_low,
        theta_<frame>_ci_high, <frame>_hits, <frame>_direction`` (and ``drift_change, drift_ci_low,
        drift_ci_high`` for the contrast), the primary's ``attractivite_direction, solidarite_direction``,
        ``bases_agree`` and ``rule``.
    """
    n_docs, n_years = int(totals[DOC_ID].nunique()), int(totals[YEAR].nunique())
    use_trend = n_docs >= min_documents_trend and n_years >= min_years_trend
    cmp = "(>= " if use_trend else "(the trend needs >= "
    reason = (
        f"{'trend' if use_trend else 'period contrast'}: {n_docs} documents over {n_years} distinct years "
        f"{cmp}{min_documents_trend} documents and >= {min_years_trend} years)"
    )
    by = {
        "trend": table_verdict(
            trend, min_hits, delta, trend_interval, drift_frames=drift_frames, label=label
        ),
        "contrast": table_verdict(contrast, min_hits, delta, "ci", drift_frames=drift_frames, label=label),
    }
    prim = by["trend" if use_trend else "contrast"]
    row: dict[str, Any] = {
        "primary": "trend" if use_trend else "period_contrast", "primary_reason": reason,
        "verdict": prim["verdict"], "verdict_reason": prim["verdict_reason"],
        "n_documents": n_docs, "n_years": n_years,
        **{f"{f}_direction": prim.get(f"{f}_direction", "undetermined") for f in drift_frames[::-1]},
    }  # fmt: skip
    for key, vals in by.items():
        row |= {f"{k}_{key}": v for k, v in vals.items()}
    row["bases_agree"] = by["trend"]["verdict"] == by["contrast"]["verdict"]
    row["rule"] = VERDICT_BASIS_RULE.format(
        min_documents=min_documents_trend, min_years=min_years_trend, min_hits=min_hits
    )
    return pd.DataFrame([row])
