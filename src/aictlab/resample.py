"""Resampling: the one bootstrap of aictlab (stratified resampling of units' totals) and its intervals.

Every interval of the package comes from :func:`resample_totals`: units (segments, documents or clusters of
documents) are drawn with replacement *within their stratum* (the document for the segment bootstrap, the
period for the document bootstrap, docs/methods.md §2 and §13), and what is kept of a replicate is, per stratum, the
column totals of the drawn units. Any statistic that is a function of summed counts (frame rates, the drift
index, weighted means such as topic prevalence: Σ w v / Σ w) is then computed on the replicate totals, so one
draw serves every statistic and every grouping of strata. :func:`bootstrap_interval` turns replicates into
percentile, BCa and (given the number of resampled units) expanded percentile intervals.

References
----------
Efron B. (1987), Better bootstrap confidence intervals, JASA 82(397). Davison A. C. & Hinkley D. V. (1997),
Bootstrap Methods and their Application, §3.8 (clustered data). Field C. A. & Welsh A. H. (2007),
Bootstrapping clustered data, JRSS-B 69(3). Hesterberg T. C. (2015), What teachers should know about the
bootstrap, The American Statistician 69(4) (expanded percentile interval).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import special

__all__ = [
    "BOOTSTRAP_CELLS",
    "DRAW_CACHE_CELLS",
    "bootstrap_interval",
    "bootstrap_intervals",
    "expanded_level",
    "iter_resample_totals",
    "linear_quantiles",
    "multinomial_counts",
    "preferred_interval",
    "reported_intervals",
    "resample_counts",
    "resample_totals",
    "resample_totals_many",
]

#: Cap on the cells (replicates × units) of one block of multinomial counts drawn at once; a stratum with more
#: units is drawn in blocks of replicates, so memory stays near 256 MiB whatever its size.
BOOTSTRAP_CELLS = 2**25


def resample_totals(
    values: np.ndarray,
    strata: np.ndarray,
    *,
    n_boot: int = 9999,
    seed: int = 42,
    groups: Mapping[object, object] | None = None,
) -> dict[object, np.ndarray]:
    """Replicate column totals of each stratum, its units drawn with replacement (stratified bootstrap).

    For stratum s with n_s units and values X_s (n_s × k), a replicate draws multinomial counts
    c ~ Mult(n_s, 1/n_s) (= n_s draws with replacement) and keeps cᵀX_s. Strata are processed in sorted
    order from one ``numpy.random.default_rng(seed)``, each with all ``n_boot`` replicates at once (in blocks
    of replicates only when n_s × n_boot exceeds :data:`BOOTSTRAP_CELLS`), so a result depends only on the
    seed and the table. The draws depend only on the strata's sizes, ``n_boot`` and the seed: a later call
    with the same ones (another statistic or variant of the same units) reuses them (up to
    :data:`DRAW_CACHE_CELLS` cells), which changes no number.

    Parameters
    ----------
    values : ndarray (n, k)
        One row per unit (segment counts, document totals...), one column per quantity.
    strata : ndarray (n,)
        The stratum of each unit: units are drawn within it (document id for the segment bootstrap, period
        for the document bootstrap).
    n_boot : int, default=9999
    seed : int, default=42
    groups : mapping, optional
        stratum label -> group label: the replicate totals of a group's strata are summed as they are drawn
        (memory n_groups × n_boot × k instead of n_strata × n_boot × k; the draws are the same).

    Returns
    -------
    dict
        stratum label (or group label, with ``groups``) -> array (n_boot × k) of replicate totals.

    Examples
    --------
    >>> reps = resample_totals(np.array([[1.0], [3.0]]), np.array(["d", "d"]), n_boot=4, seed=0)
    >>> sorted(set(reps["d"][:, 0].tolist())) <= [2.0, 4.0, 6.0]
    True
    """
    return resample_totals_many([values], strata, n_boot=n_boot, seed=seed, groups=groups)[0]


def iter_resample_totals(
    values: np.ndarray, strata: np.ndarray, *, n_boot: int = 9999, seed: int = 42
) -> Iterator[tuple[object, np.ndarray]]:
    """The replicate totals of :func:`resample_totals`, one stratum at a time (the same draws, same order).

    For a caller that reduces each stratum's replicates as they come (an interval per stratum, sums into
    several groupings): memory then holds one stratum's ``n_boot × k`` totals, not every stratum's at once.

    Parameters
    ----------
    values, strata, n_boot, seed
        As in :func:`resample_totals`.

    Yields
    ------
    (label, ndarray)
        Stratum label (in sorted order) and its replicate totals (n_boot × k).

    Examples
    --------
    >>> values, strata = np.array([[1.0], [3.0], [5.0]]), np.array(["b", "a", "b"])
    >>> [label for label, _ in iter_resample_totals(values, strata, n_boot=4, seed=0)]
    ['a', 'b']
    """
    for label, (totals,) in _iter_totals([values], strata, n_boot, seed):
        yield label, totals


def resample_totals_many(
    tables: Sequence[np.ndarray],
    strata: np.ndarray,
    *,
    n_boot: int = 9999,
    seed: int = 42,
    groups: Mapping[object, object] | None = None,
) -> list[dict[object, np.ndarray]]:
    """:func:`resample_totals` of several tables of the same units (same rows, same strata), drawn once.

    Each table's totals are bit-identical to its own :func:`resample_totals` call: the same counts, times
    the table, block by block of replicates (a matrix product's rounding can depend on its shapes, so the
    tables are not stacked into one).

    Parameters
    ----------
    tables : sequence of ndarray (n, k_t)
    strata, n_boot, seed, groups
        As in :func:`resample_totals`.

    Returns
    -------
    list of dict
        One :func:`resample_totals` result per table, in order.
    """
    out: list[dict[object, np.ndarray]] = [{} for _ in tables]
    for label, totals in _iter_totals(tables, strata, n_boot, seed):
        key = label if groups is None else groups[label]
        for rep, t in zip(out, totals, strict=True):
            if key in rep:  # a group's strata summed as they are drawn
                rep[key] += t
            else:
                rep[key] = t
    return out


def _iter_totals(
    tables: Sequence[np.ndarray], strata: np.ndarray, n_boot: int, seed
) -> Iterator[tuple[object, list[np.ndarray]]]:
    """Per stratum (sorted labels): its label and each table's replicate totals (n_boot × k_t), from one draw."""
    tables = [np.asarray(v, dtype=float) for v in tables]
    tables = [v[:, None] if v.ndim == 1 else v for v in tables]
    strata = np.asarray(strata)
    labels, index = np.unique(strata, return_inverse=True)
    index = index.ravel()
    sizes = tuple(np.bincount(index, minlength=len(labels)).tolist())
    # units grouped by stratum, in their order within it (a stable sort)
    order = np.argsort(index, kind="stable")
    ends = np.cumsum(sizes)
    for label, end, n, blocks in zip(labels, ends, sizes, _draws(sizes, n_boot, seed), strict=True):
        xs = [v[order[end - n : end]] for v in tables]
        parts: list[list[np.ndarray]] = [[] for _ in tables]
        for b in blocks:  # each block drawn, used by every table and dropped in turn
            if len(tables) > 1:
                b = b.astype(float)  # cast once for every table (b @ x casts it anyway: the same numbers)
            for part, x in zip(parts, xs, strict=True):
                part.append(b @ x)
        yield label, [p[0] if len(p) == 1 else np.vstack(p) for p in parts]


def resample_counts(
    strata: np.ndarray, *, n_boot: int = 9999, seed: int = 42, compact: bool = False
) -> dict[object, np.ndarray]:
    """How often each unit is drawn in each replicate of :func:`resample_totals` (the same draws).

    ``resample_totals(values, strata, ...)[s]`` is ``resample_counts(strata, ...)[s] @ values[strata == s]``:
    the counts serve statistics that are not sums of the units' values (e.g. the frequency weights of a
    bootstrap of a regression fit, :func:`aictlab.inference.frame_trend`).

    Parameters
    ----------
    strata : ndarray (n,)
        The stratum of each unit.
    n_boot, seed : int
        As in :func:`resample_totals`.
    compact : bool, default=False
        Store each block of replicates, as it is drawn, in the smallest unsigned type that holds its largest
        count (uint8 in practice: a unit is rarely drawn more than a few times), not int64: 8 times less
        memory for the same counts (e.g. 10,000 replicates of 20,000 documents: 200 MB, not 1.6 GB).

    Examples
    --------
    >>> counts = resample_counts(np.array(["d", "d", "d"]), n_boot=5, seed=0)["d"]
    >>> counts.shape, bool((counts.sum(axis=1) == 3).all())
    ((5, 3), True)
    """
    labels, index = np.unique(np.asarray(strata), return_inverse=True)
    sizes = tuple(np.bincount(index.ravel(), minlength=len(labels)).tolist())

    def stack(blocks) -> np.ndarray:
        # each block compacted as it is drawn: the int64 blocks are never all held at once
        blocks = [b.astype(np.min_scalar_type(int(b.max(initial=0)))) if compact else b for b in blocks]
        return blocks[0] if len(blocks) == 1 else np.vstack(blocks)

    return {label: stack(blocks) for label, blocks in zip(labels, _draws(sizes, n_boot, seed), strict=True)}


def _draws(sizes: tuple[int, ...], n_boot: int, seed) -> Iterator[Iterable[np.ndarray]]:
    """The multinomial counts of each stratum of ``sizes``: kept for reuse when small enough, else drawn."""
    if sum(sizes) * n_boot <= DRAW_CACHE_CELLS and isinstance(seed, int | np.integer):
        return iter(_cached_draws(sizes, n_boot, int(seed), BOOTSTRAP_CELLS))
    return _draw_counts(sizes, n_boot, seed, BOOTSTRAP_CELLS)


def expanded_level(
    n_units: int | Sequence[int],
    alpha: float = 0.05,
    *,
    variances: Sequence[float] | None = None,
    n_params: int = 1,
) -> float:
    """The level α' at which percentile quantiles give Hesterberg's expanded percentile interval.

    The bootstrap distribution of a statistic over n resampled units has the plug-in variance (divisor n,
    too small by (n − p)/n for p estimated parameters) and normal-like tails where a t(n − p) applies: the
    percentile interval is too narrow with few units. The expanded percentile interval (Hesterberg 2015)
    takes the α'/2 and 1 − α'/2 quantiles, α' = 2 Φ(−k · t_{1−α/2, ν}), k = √(n / (n − p)), ν = n − p.
    For a statistic that sums independent contributions of several strata (a contrast of two periods, each
    resampled within itself) with bootstrap variances v_s over n_s units: v'_s = v_s n_s / (n_s − p),
    k = √(Σ v'_s / Σ v_s) and ν by Welch–Satterthwaite, (Σ v'_s)² / Σ v'_s² / (n_s − p).

    Parameters
    ----------
    n_units : int or sequence of int
        Resampled units (documents or clusters), one count per stratum.
    alpha : float, default=0.05
    variances : sequence of float, optional
        Bootstrap variance of each stratum's contribution (needed with several strata).
    n_params : int, default=1
        Parameters estimated from the units (1 for a mean or ratio of sums, 2 for a regression slope).

    Returns
    -------
    float
        α' (< α); NaN when a stratum has no more units than ``n_params`` or the variances are not finite.
        A stratum whose contribution never varies (a single unit) is left out of the correction.

    Examples
    --------
    >>> round(expanded_level(10), 4)  # 10 units: the 95 % interval takes the 0.86 % and 99.14 % quantiles
    0.0171
    """
    n = np.atleast_1d(np.asarray(n_units, dtype=float))
    if n.size > 1:
        v = np.asarray(variances, dtype=float) if variances is not None else np.full(n.size, np.nan)
        if v.shape != n.shape or not np.all(np.isfinite(v)) or v.sum() <= 0:
            return np.nan
        n, v = n[v > 0], v[v > 0]  # a stratum that never varies (one unit) adds nothing to correct
    if np.any(n <= n_params):
        return np.nan
    dof_s = n - n_params
    if n.size == 1:
        k2, dof = n[0] / dof_s[0], dof_s[0]
    else:
        v_adj = v * n / dof_s
        k2 = v_adj.sum() / v.sum()
        dof = v_adj.sum() ** 2 / np.sum(v_adj**2 / dof_s)
    # ndtr = Φ, stdtrit = Student's t quantile (scipy.stats.norm.cdf and t.ppf, without importing scipy.stats)
    return float(2 * special.ndtr(-math.sqrt(k2) * special.stdtrit(dof, 1 - alpha / 2)))


#: Cap on the multinomial counts kept for reuse (cells = units × replicates of one call, each stored in the
#: smallest unsigned type that holds its stratum's size: at most 64 MiB for strata under 256 units).
DRAW_CACHE_CELLS = 2**26


def _draw_counts(sizes: tuple[int, ...], n_boot: int, seed, cells: int) -> Iterator[Iterable[np.ndarray]]:
    """The multinomial counts of each stratum (in blocks of replicates of at most ``cells`` counts), drawn in
    order from one ``default_rng(seed)``: they depend on the strata's sizes, ``n_boot`` and ``seed`` only, not on the values."""
    rng = np.random.default_rng(seed)
    for n in sizes:
        block = max(1, cells // n)
        if block >= n_boot:
            yield [multinomial_counts(rng, n, n_boot)]
        else:  # drawn lazily: every caller uses a stratum's blocks, in order, before the next stratum's
            yield (multinomial_counts(rng, n, min(block, n_boot - b)) for b in range(0, n_boot, block))


def multinomial_counts(rng: np.random.Generator, n: int, rows: int) -> np.ndarray:
    """``rows`` bootstrap replicates of ``n`` units: how often each unit is drawn in n draws with replacement.

    Each row is Mult(n, 1/n): n uniform picks ``rng.integers(0, n)``, counted per unit (one ``bincount`` over
    the picks offset by row). It is the law of ``rng.multinomial(n, [1/n] * n)`` drawn 3–5 times faster
    (numpy's multinomial draws n − 1 conditional binomials per row); the counts differ draw by draw.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Units of the stratum (≥ 1).
    rows : int
        Replicates.

    Returns
    -------
    ndarray (rows, n) of int64
        Each row sums to n.

    Examples
    --------
    >>> multinomial_counts(np.random.default_rng(0), 3, 4).sum(axis=1).tolist()
    [3, 3, 3, 3]
    """
    picks = rng.integers(0, n, size=(rows, n))
    picks += np.arange(0, rows * n, n)[:, None]  # row r's picks count in cells r·n … r·n + n − 1
    return np.bincount(picks.ravel(), minlength=rows * n).reshape(rows, n)


@functools.lru_cache(maxsize=8)
def _cached_draws(sizes: tuple[int, ...], n_boot: int, seed: int, cells: int) -> tuple[list[np.ndarray], ...]:
    """:func:`_draw_counts` kept for the next call with the same strata sizes, ``n_boot`` and ``seed`` (e.g.
    the robustness variants that leave hits out but keep every segment): the same draws, drawn once."""
    return tuple(
        [b.astype(np.min_scalar_type(n)) for b in blocks]
        for n, blocks in zip(sizes, _draw_counts(sizes, n_boot, seed, cells), strict=True)
    )


def preferred_interval(ci: Mapping[str, float]) -> tuple[float, float, str]:
    """The interval to report from :func:`bootstrap_interval`'s output: the expanded percentile interval when it
    is defined (``exp_alpha`` finite: ``n_units`` given and enough units), else the percentile interval.

    Parameters
    ----------
    ci : mapping
        A :func:`bootstrap_interval` result (with or without the ``exp_*`` keys).

    Returns
    -------
    (low, high, name)
        The bounds and ``"expanded percentile"`` or ``"percentile"``.

    Examples
    --------
    >>> preferred_interval({"ci_low": 1.0, "ci_high": 2.0, "exp_low": 0.5, "exp_high": 2.5, "exp_alpha": 0.02})
    (0.5, 2.5, 'expanded percentile')
    >>> preferred_interval({"ci_low": 1.0, "ci_high": 2.0})
    (1.0, 2.0, 'percentile')
    """
    if np.isfinite(ci.get("exp_alpha", np.nan)):
        return ci["exp_low"], ci["exp_high"], "expanded percentile"
    return ci["ci_low"], ci["ci_high"], "percentile"


def bootstrap_interval(
    theta_hat: float,
    replicates: np.ndarray,
    jackknife: np.ndarray | None = None,
    *,
    alpha: float = 0.05,
    n_units: int | Sequence[int] | None = None,
    components: Sequence[np.ndarray] | None = None,
    n_params: int = 1,
) -> dict[str, float]:
    """Percentile, BCa and expanded percentile intervals from bootstrap replicates (docs/methods.md §2, §13).

    Percentile: the α/2 and 1 − α/2 quantiles of the replicates (NaN replicates dropped). BCa (Efron 1987):
    z0 = Φ⁻¹(share of replicates < θ̂, ties counted half); acceleration
    a = Σ(θ̄ − θ₍ᵢ₎)³ / (6 [Σ(θ̄ − θ₍ᵢ₎)²]^1.5) from the leave-one-unit-out jackknife θ₍ᵢ₎;
    levels α_j = Φ(z0 + (z0 + z_j) / (1 − a (z0 + z_j))), z_j = Φ⁻¹(α/2), Φ⁻¹(1 − α/2). Degenerate cases
    (all replicates equal or on one side of θ̂, constant jackknife) give NaN with a warning, no fallback.
    Expanded percentile (Hesterberg 2015), when ``n_units`` is given: the α'/2 and 1 − α'/2 quantiles with
    α' = :func:`expanded_level` (the small-sample correction of the percentile interval over few units).

    Parameters
    ----------
    theta_hat : float
    replicates : ndarray
        The statistic on each replicate.
    jackknife : ndarray, optional
        The statistic leaving out each unit in turn (for BCa).
    alpha : float, default=0.05
    n_units : int or sequence of int, optional
        Units resampled (per stratum when several strata contribute): adds the expanded interval.
    components : sequence of ndarray, optional
        With several strata, each stratum's contribution to the replicates (their variances weigh the
        strata in :func:`expanded_level`).
    n_params : int, default=1
        See :func:`expanded_level`.

    Returns
    -------
    dict
        ``ci_low, ci_high, bca_low, bca_high`` and, with ``n_units``, ``exp_low, exp_high, exp_alpha``.
    """
    reps = np.asarray(replicates, dtype=float)
    reps = reps[np.isfinite(reps)]
    out = {"ci_low": np.nan, "ci_high": np.nan, "bca_low": np.nan, "bca_high": np.nan}
    if n_units is not None:
        variances = None
        if components is not None:
            variances = [float(np.var(np.asarray(c, dtype=float)[np.isfinite(c)])) for c in components]
        level = expanded_level(n_units, alpha, variances=variances, n_params=n_params)
        out |= {"exp_low": np.nan, "exp_high": np.nan, "exp_alpha": level}
    if reps.size == 0 or not np.isfinite(theta_hat):
        return out
    # every level's bounds from one partition of the replicates (the values of np.quantile, level by level)
    keys = ["ci_low", "ci_high"]
    levels = [alpha / 2, 1 - alpha / 2]
    if n_units is not None and np.isfinite(out["exp_alpha"]):
        keys += ["exp_low", "exp_high"]
        levels += [out["exp_alpha"] / 2, 1 - out["exp_alpha"] / 2]
    if jackknife is not None:
        bca = _bca_levels(theta_hat, reps, jackknife, alpha)
        if bca is not None:
            keys += ["bca_low", "bca_high"]
            levels += bca.tolist()
    out.update(zip(keys, linear_quantiles(reps, levels), strict=True))
    return out


def bootstrap_intervals(
    theta_hat: np.ndarray,
    replicates: np.ndarray,
    jackknife: Sequence[np.ndarray] | None = None,
    *,
    alpha: float = 0.05,
) -> dict[str, np.ndarray]:
    """:func:`bootstrap_interval`'s percentile and BCa intervals of m statistics at once, the same numbers.

    Row r: θ̂_r, its replicates (NaN and ±inf dropped) and its jackknife. The quantiles of every row come from
    one sort of the m × B array (the order statistics a partition gives) in :func:`linear_quantiles`'
    arithmetic; the acceleration is :func:`_acceleration` of each row's jackknife (its sums' rounding depends
    on its length). A degenerate BCa is NaN, without a warning.

    Parameters
    ----------
    theta_hat : ndarray (m,)
    replicates : ndarray (m, B)
    jackknife : sequence of m ndarray, optional
        Each row's leave-one-unit-out values (lengths may differ), for BCa.
    alpha : float, default=0.05

    Returns
    -------
    dict
        ``ci_low, ci_high, bca_low, bca_high``: arrays (m,).
    """
    theta = np.asarray(theta_hat, dtype=float)
    reps = np.asarray(replicates, dtype=float)
    finite = np.isfinite(reps)
    n = finite.sum(axis=1)
    reps = np.where(finite, reps, np.nan)  # ±inf dropped as NaN: false in every comparison below
    ordered = np.sort(reps, axis=1)  # the finite values first, in order
    valid = (n > 0) & np.isfinite(theta)
    levels = np.full((len(theta), 4), np.nan)
    levels[:, :2] = [alpha / 2, 1 - alpha / 2]
    has_bca = np.zeros(len(theta), dtype=bool)
    if jackknife is not None:
        last = ordered[np.arange(len(theta)), np.maximum(n - 1, 0)]
        with np.errstate(invalid="ignore", divide="ignore"):  # no finite replicate: not valid, left NaN
            below = (np.sum(reps < theta[:, None], axis=1) + 0.5 * np.sum(reps == theta[:, None], axis=1)) / n
        for r in np.flatnonzero(valid & (last != ordered[:, 0]) & (below > 0) & (below < 1)):
            jack = np.asarray(jackknife[r], dtype=float)
            jack = jack[np.isfinite(jack)]
            a = _acceleration(jack) if jack.size >= 2 else None
            if a is not None:
                levels[r, 2:] = _bca_from(special.ndtri(below[r]), a, alpha)
                has_bca[r] = True
    out = _sorted_quantiles(ordered, n, levels, valid)
    bca = levels[:, 2:]
    for r in np.flatnonzero(np.any((bca < 0) | (bca > 1), axis=1) | (has_bca & np.isnan(bca).any(axis=1))):
        out[r] = linear_quantiles(ordered[r, : n[r]], levels[r])  # its fallback (np.quantile's answer)
    return dict(zip(("ci_low", "ci_high", "bca_low", "bca_high"), out.T, strict=True))


def _sorted_quantiles(ordered: np.ndarray, n: np.ndarray, levels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """:func:`linear_quantiles` of each of ``rows`` (m × B, sorted, its n_r finite values first) at its
    ``levels`` (m × L; NaN: no level, NaN out), the same arithmetic on arrays."""
    out = np.full(levels.shape, np.nan)
    size = n[:, None].astype(float)
    virtual = (n[:, None] - 1) * levels
    low = np.where(virtual >= size - 1, -1, np.floor(virtual))  # -1: the largest value
    gamma = virtual - low
    ok = rows[:, None] & (levels >= 0) & (levels <= 1)
    r, c = np.nonzero(ok)
    i = low[r, c].astype(int)
    top = n[r] - 1
    a = ordered[r, np.where(i == -1, top, i)]
    b = ordered[r, np.where(i == -1, top, i + 1)]
    g = gamma[r, c]
    out[r, c] = np.where(g >= 0.5, b - (b - a) * (1 - g), a + (b - a) * g)
    return out


def _bca_levels(theta_hat: float, reps: np.ndarray, jackknife, alpha: float) -> np.ndarray | None:
    """The two levels of the BCa interval (Efron 1987; formula in :func:`bootstrap_interval`) of finite
    ``reps``; None, with a warning, when the bootstrap distribution or the jackknife is degenerate."""
    below = (np.sum(reps < theta_hat) + 0.5 * np.sum(reps == theta_hat)) / reps.size
    jack = np.asarray(jackknife, dtype=float)
    jack = jack[np.isfinite(jack)]
    if np.ptp(reps) == 0 or below <= 0 or below >= 1 or jack.size < 2:
        warnings.warn(
            "BCa interval undefined (degenerate bootstrap distribution); NaN returned.", stacklevel=3
        )
        return None
    a = _acceleration(jack)
    if a is None:
        warnings.warn("BCa interval undefined (constant jackknife); NaN returned.", stacklevel=3)
        return None
    return _bca_from(special.ndtri(below), a, alpha)


def _acceleration(jack: np.ndarray) -> float | None:
    """BCa acceleration a = Σ(θ̄ − θ₍ᵢ₎)³ / (6 [Σ(θ̄ − θ₍ᵢ₎)²]^1.5) of finite jackknife values; None if constant."""
    dev = jack.mean() - jack
    denom = 6.0 * np.sum(dev**2) ** 1.5
    return None if denom == 0 else np.sum(dev**3) / denom


def _bca_from(z0, a, alpha: float) -> np.ndarray:
    """BCa levels Φ(z0 + (z0 + z_j) / (1 − a (z0 + z_j))), z_j = Φ⁻¹(α/2), Φ⁻¹(1 − α/2); ``z0``, ``a`` scalars
    (two levels) or arrays (m,) (m × 2 levels). z0 = Φ⁻¹(share below θ̂), what scipy.stats.norm.ppf computes."""
    z = special.ndtri([alpha / 2, 1 - alpha / 2])
    z0, a = np.asarray(z0)[..., None], np.asarray(a)[..., None]
    return special.ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))


def linear_quantiles(values: np.ndarray, levels) -> np.ndarray:
    """``np.quantile(values, levels)`` (its default "linear" method) of a 1-D array, from one partition.

    Hyndman & Fan (1996) definition 7, in numpy's own arithmetic (same bits): virtual index v = (n − 1) q,
    i = ⌊v⌋ (the last value when v >= n − 1, the first when v < 0), γ = v − i, and the value
    a + (b − a) γ, or b − (b − a)(1 − γ) when γ >= 0.5, with a, b the i-th and (i + 1)-th smallest values.
    np.quantile spends twice the partition's time on argument handling (and a 2-D partition along an axis is
    ~50 times slower than row by row); a level outside [0, 1] or NaN falls back to it (its error or NaN).

    Parameters
    ----------
    values : ndarray (n,)
        Finite float64 values, not empty.
    levels : sequence of float

    Returns
    -------
    ndarray
        One quantile per level.

    Examples
    --------
    >>> linear_quantiles(np.array([3.0, 1.0, 2.0, 4.0]), [0.0, 0.5, 0.9]).tolist()
    [1.0, 2.5, 3.7]
    """
    q = [float(v) for v in levels]
    if not all(0 <= v <= 1 for v in q):
        return np.quantile(values, q)
    n = values.size
    # a handful of levels: scalar float arithmetic (IEEE doubles, the bits of numpy's array arithmetic)
    bounds = []
    for level in q:
        virtual = (n - 1) * level
        low = -1 if virtual >= n - 1 else math.floor(virtual)  # -1: the largest value
        bounds.append((virtual, low, -1 if low == -1 else low + 1))
    kth = sorted({0, n - 1, *(n - 1 if i == -1 else i for _, low, high in bounds for i in (low, high))})
    ordered = np.partition(values, kth)
    out = np.empty(len(bounds))
    for k, (virtual, low, high) in enumerate(bounds):
        a, b = float(ordered[low]), float(ordered[high])
        gamma = virtual - low
        out[k] = b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma
    return out


#: Stand-in for ±inf in replicates (a frame absent from a replicate's period) so that quantiles stay ordered.
_BIG = 1e6


def _clip(x) -> np.ndarray:
    """±inf -> ±_BIG so that quantiles of replicates with an empty frame stay ordered (NaN stays NaN)."""
    return np.clip(np.asarray(x, dtype=float), -_BIG, _BIG)


def _unclip(v: float) -> float:
    return np.inf if v >= _BIG / 2 else -np.inf if v <= -_BIG / 2 else float(v)


def reported_intervals(
    theta: float,
    reps,
    jack,
    alpha: float,
    *,
    interval: str = "percentile",
    n_units=None,
    components=None,
    n_params: int = 1,
) -> dict[str, float]:
    """95 % (``ci``, ``bca``, ``pct``) and 90 % (``ci90``, ``bca90``, ``pct90``) intervals of one statistic whose
    replicates may be ±inf (a log rate of a frame absent from a replicate), from :func:`bootstrap_interval`.

    ``pct`` is the percentile interval; ``ci`` is the interval a verdict reads, :func:`preferred_interval`:
    the expanded percentile (:func:`expanded_level`, from ``n_units``, ``components``, ``n_params``) when
    ``interval="expanded"`` and it is defined, else the percentile; ``interval`` names which (the percentile
    if either level lacks the expansion). Infinite values are clipped to ±1e6 for the quantiles and restored
    in the bounds; a degenerate BCa is NaN.

    Returns
    -------
    dict
        ``pct_low, pct_high, ci_low, ci_high, bca_low, bca_high`` and the same with ``90``, ``interval``.
    """
    out: dict[str, Any] = {}
    expand = interval == "expanded" and n_units is not None
    comps = None if components is None else [_clip(c) for c in components]
    used = "expanded percentile" if expand else "percentile"
    with warnings.catch_warnings():  # degenerate BCa -> NaN, said by the NaN itself
        warnings.simplefilter("ignore")
        for a, tag in ((alpha, ""), (2 * alpha, "90")):
            ci = bootstrap_interval(
                float(_clip(theta)), _clip(reps), None if jack is None else _clip(jack), alpha=a,
                n_units=n_units if expand else None, components=comps, n_params=n_params,
            )  # fmt: skip
            out[f"pct{tag}_low"], out[f"pct{tag}_high"] = _unclip(ci["ci_low"]), _unclip(ci["ci_high"])
            low, high, name = preferred_interval(ci)  # without n_units (not expand): the percentile
            if name == "percentile":
                used = "percentile"
            out[f"ci{tag}_low"], out[f"ci{tag}_high"] = _unclip(low), _unclip(high)
            out[f"bca{tag}_low"], out[f"bca{tag}_high"] = _unclip(ci["bca_low"]), _unclip(ci["bca_high"])
    out["interval"] = used
    return out
