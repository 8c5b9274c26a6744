"""Log tails of the hypergeometric law on whole arrays: the costly part of Lafon specificities.

``scipy.stats.hypergeom.logsf`` / ``logcdf`` loop in Python over their arguments and sum the upper tail of
each up to the number of draws (for a specificity: the part's size, tens of thousands of tokens), although
the probability is 0 beyond min(occurrences, draws). :func:`log_sf` and :func:`log_cdf` compute the same
quantities with scipy's own formulas, on all arguments at once:

- the log-pmf through ``betaln`` (scipy's ``hypergeom._logpmf``, term for term);
- each tail summed directly or as the complement ``log1p(-exp(other tail))``, with scipy's rule for choosing
  (the shorter side of the mean: ``(k + ½)(M + ½)`` against ``(n − ½)(N − ½)``);
- the sum as scipy's ``logsumexp``: the largest terms set apart, ``log1p(Σ exp(a − max) / m) + log m + max``,
  each segment summed by numpy's pairwise ``sum`` as scipy does;
- the upper tail stops at the end of the support, ``min(n, N)``: the terms scipy adds beyond it are exact
  zeros (log-pmf = −inf), so the sums differ from scipy's only by the order of additions (a few ulp, ≤ 1e-15
  relative in the tests; the specificity tables of the seed and 250k-word corpora, written with 10
  significant digits, are unchanged).

Parametrisation as scipy's: ``M`` items of which ``n`` are marked, ``N`` drawn; ``k`` an integer count.
docs/methods.md §6 (Lafon specificities).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln

__all__ = ["log_cdf", "log_sf"]


def log_sf(k, M, n, N) -> np.ndarray:
    """log P(X > k) for X ~ Hypergeometric(M, n, N) (= ``scipy.stats.hypergeom.logsf(k, M, n, N)``).

    Parameters
    ----------
    k : array_like of integers
        The quantile.
    M, n, N : array_like of integers
        Population size, marked items, draws (broadcast with ``k``).

    Returns
    -------
    ndarray of float
        0 below the support, −inf at or above its end, NaN for invalid parameters (as scipy).
    """
    k, M, n, N, valid, low, high = _prepare(k, M, n, N)
    out = np.full(k.shape, -np.inf)
    out[~valid | np.isnan(k)] = np.nan
    out[(k < low) & valid] = 0.0
    inner = valid & (k >= low) & (k < high)
    if inner.any():
        out[inner] = _sf_inside(k[inner], M[inner], n[inner], N[inner])
    return out


def log_cdf(k, M, n, N) -> np.ndarray:
    """log P(X ≤ k) for X ~ Hypergeometric(M, n, N) (= ``scipy.stats.hypergeom.logcdf(k, M, n, N)``).

    Parameters and returns as :func:`log_sf` (0 at or above the support's end, −inf below it).
    """
    k, M, n, N, valid, low, high = _prepare(k, M, n, N)
    out = np.full(k.shape, -np.inf)
    out[~valid | np.isnan(k)] = np.nan
    out[k >= high] = 0.0  # scipy sets it whatever the parameters
    inner = valid & (k >= low) & (k < high)
    if inner.any():
        out[inner] = _cdf_inside(k[inner], M[inner], n[inner], N[inner])
    return out


def _prepare(k, M, n, N):
    """Broadcast float arrays, scipy's parameter check and the support ``[low, high]``."""
    k, M, n, N = (np.array(x, dtype=float) for x in np.broadcast_arrays(k, M, n, N))
    valid = (M > 0) & (n >= 0) & (N >= 0) & (n <= M) & (N <= M)
    valid &= (M == np.round(M)) & (n == np.round(n)) & (N == np.round(N))
    with np.errstate(invalid="ignore"):
        low, high = np.maximum(N - (M - n), 0), np.minimum(n, N)
    return k, M, n, N, valid, low, high


def _sf_inside(k, M, n, N) -> np.ndarray:
    """scipy's ``hypergeom._logsf`` for k inside the support, vectorised."""
    out = np.empty(k.shape)
    other = (k + 0.5) * (M + 0.5) < (n - 0.5) * (N - 0.5)  # fewer terms below: 1 − cdf
    if other.any():
        out[other] = np.log1p(-np.exp(log_cdf(k[other], M[other], n[other], N[other])))
    direct = ~other
    if direct.any():
        high = np.minimum(n[direct], N[direct])  # beyond: log-pmf = −inf, nothing added
        out[direct] = _log_sum_pmf(k[direct] + 1, high, M[direct], n[direct], N[direct])
    return out


def _cdf_inside(k, M, n, N) -> np.ndarray:
    """scipy's ``hypergeom._logcdf`` for k inside the support, vectorised."""
    out = np.empty(k.shape)
    other = (k + 0.5) * (M + 0.5) > (n - 0.5) * (N - 0.5)  # fewer terms above: 1 − sf
    if other.any():
        out[other] = np.log1p(-np.exp(log_sf(k[other], M[other], n[other], N[other])))
    direct = ~other
    if direct.any():
        out[direct] = _log_sum_pmf(np.zeros(direct.sum()), k[direct], M[direct], n[direct], N[direct])
    return out


def _log_pmf(k, M, n, N, row) -> np.ndarray:
    """scipy's ``hypergeom._logpmf`` of ``k`` with the parameters of row ``row``: the same expression, added
    in the same order, so the same values; the terms that do not depend on ``k`` are computed once per row."""
    tot, good = M, n
    bad = tot - good
    head = betaln(good + 1, 1) + betaln(bad + 1, 1) + betaln(tot - N + 1, N + 1)
    tail = betaln(tot + 1, 1)
    good, bad, N = good[row], bad[row], N[row]
    return head[row] - betaln(k + 1, good - k + 1) - betaln(N - k + 1, bad - N + k + 1) - tail[row]


def _log_sum_pmf(first, last, M, n, N) -> np.ndarray:
    """log Σ_{k = first..last} pmf(k) per row (first ≤ last), as scipy's ``logsumexp`` of the log-pmf."""
    lengths = (last - first + 1).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    row = np.repeat(np.arange(len(lengths)), lengths)
    k = first[row] + (np.arange(int(lengths.sum())) - starts[row])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = _log_pmf(k, M, n, N, row)
        a_max = np.maximum.reduceat(a, starts)
        is_max = a == a_max[row]
        m = np.add.reduceat(is_max.astype(float), starts)  # how many terms reach the maximum
        s = _segment_sums(np.exp(np.where(is_max, -np.inf, a) - a_max[row]), starts, lengths)
        s = np.where(s == 0, s, s / m)
        out = np.log1p(s) + np.log(m) + a_max
        bad = ~np.isfinite(out)  # scipy then takes log Σ exp(a) (e.g. −inf when every term is 0)
        if bad.any():
            out[bad] = np.log(_segment_sums(np.exp(a), starts, lengths)[bad])
    return out


def _segment_sums(x: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sum of each segment ``x[start : start + length]``, by numpy's pairwise ``sum`` (rows of equal length
    summed together), so each equals ``x[start : start + length].sum()`` to the bit."""
    out = np.empty(len(starts))
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        out[rows] = x[starts[rows, None] + np.arange(length)].sum(axis=1)
    return out
