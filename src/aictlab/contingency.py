"""Statistics of 2 × 2 contingency tables, vectorised: G², χ², LogRatio, %DIFF, Fisher, Lafon specificity.

Every statistic compares a *target* (frequency ``a`` in ``c`` tokens) with a *reference* (``b`` in ``d`` tokens)
on the 2 × 2 table ``O = [[a, b], [c - a, d - b]]`` (rows: this term, all other tokens; columns: target,
reference), ``N = c + d``, ``E_ij = R_i C_j / N``. All statistics are signed: positive means over-used in the
target (``a / c > b / d``), docs/methods.md §5. Lafon specificities (§6) use the hypergeometric law of the same
table. Keyness (:mod:`aictlab.keyness`), collocations (:mod:`aictlab.concordance`) and Reinert profiles
(:mod:`aictlab.reinert`) all use these functions.

References
----------
Dunning T. (1993), "Accurate methods for the statistics of surprise and coincidence", Computational Linguistics
19(1). Rayson P. & Garside R. (2000), "Comparing corpora using frequency profiling", WCC workshop. Hardie A.
(2014), "Log Ratio – an informal introduction", CASS blog. Gabrielatos C. & Marchi A. (2012), "Keyness:
appropriate metrics and practical issues". Lafon P. (1980), "Sur la variabilité de la fréquence des formes dans
un corpus", Mots 1.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from aictlab import hypergeom
from aictlab.errors import SettingsError, check_choice

__all__ = [
    "CHI2_CORRECTIONS",
    "CRITICAL_0001",
    "CRITICAL_001",
    "CRITICAL_005",
    "G2_CORRECTIONS",
    "G2_VARIANTS",
    "chi_squared",
    "fisher_exact_p",
    "hypergeom_log10_tails",
    "keyness_stats",
    "log_likelihood",
    "log_ratio",
    "pct_diff",
    "specificity",
]

LN10 = np.log(10.0)
G2_VARIANTS = ("4cell", "rayson")
G2_CORRECTIONS = ("none", "williams", "quanteda")
CHI2_CORRECTIONS = ("none", "yates", "quanteda")

#: Critical values of χ²(1 df): p = 0.05, 0.01, 0.001.
CRITICAL_005, CRITICAL_001, CRITICAL_0001 = 3.841458820694124, 6.634896601021214, 10.827566170662733


def _cells(a, b, c, d):
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    if np.any((a < 0) | (b < 0) | (a > c) | (b > d)):
        raise SettingsError(
            "keyness: counts must satisfy 0 <= a <= c and 0 <= b <= d (term count <= corpus size)."
        )
    return np.broadcast_arrays(a, b, c, d)


def _sign(a, b, c, d) -> np.ndarray:
    """+1 when the target rate a/c exceeds the reference rate b/d (⇔ a > E11), else -1 (docs/methods.md §5)."""
    return np.where(a * d > b * c, 1.0, -1.0)


def _xlogx_over(o, e):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o > 0, o * np.log(np.where(o > 0, o, 1.0) / np.where(e > 0, e, 1.0)), 0.0)


def log_likelihood(
    a,
    b,
    c,
    d,
    *,
    variant: Literal["4cell", "rayson"] = "4cell",
    correction: Literal["none", "williams", "quanteda"] = "none",
    signed: bool = True,
) -> np.ndarray:
    """Log-likelihood ratio G² of a term's frequency in target vs reference.

    Parameters
    ----------
    a, b : array_like
        Term frequency in the target and in the reference.
    c, d : array_like
        Target and reference sizes in tokens.
    variant : {"4cell", "rayson"}, default="4cell"
        ``"4cell"``: G² = 2 Σ O ln(O/E) over the full 2 × 2 table (Dunning 1993; = R ``MASS::loglm``,
        ``scipy.stats.chi2_contingency(t, correction=False, lambda_="log-likelihood")``). ``"rayson"``: the two
        term cells only, E1 = c(a+b)/N, E2 = d(a+b)/N, G² = 2[a ln(a/E1) + b ln(b/E2)] (Rayson & Garside 2000,
        UCREL log-likelihood wizard); slightly different (25, 3, 6300, 4700: 13.901 vs 13.931).
    correction : {"none", "williams", "quanteda"}, default="none"
        ``"williams"``: G²/q, q = 1 + (N/R1 + N/R2 - 1)(N/C1 + N/C2 - 1)/(6N) (1 if a cell is 0).
        ``"quanteda"``: quanteda.textstats' ``textstat_keyness(measure="lr", correction="default")``: cells
        shifted by ±0.5 towards independence when some E < 5 and |a(d-b) - b(c-a)| >= N/2 (4-cell only),
        and 1e-9 added inside each log, as in its C++ code.
    signed : bool, default=True
        Multiply by +1 / -1 (over- / under-use in the target).

    Returns
    -------
    ndarray of float
    """
    check_choice("variant", variant, G2_VARIANTS)
    check_choice("correction", correction, G2_CORRECTIONS)
    a, b, c, d = _cells(a, b, c, d)
    n = c + d
    sign = _sign(a, b, c, d)
    if variant == "rayson":
        if correction != "none":
            raise SettingsError("correction applies to the 4-cell G² only (variant='4cell').")
        with np.errstate(divide="ignore", invalid="ignore"):
            e1, e2 = c * (a + b) / n, d * (a + b) / n
        g2 = 2.0 * (_xlogx_over(a, e1) + _xlogx_over(b, e2))
    else:
        obs = np.stack([a, b, c - a, d - b])
        r1, r2 = a + b, n - a - b
        with np.errstate(divide="ignore", invalid="ignore"):
            exp = np.stack([r1 * c / n, r1 * d / n, r2 * c / n, r2 * d / n])
        if correction == "quanteda":
            det = a * (d - b) - b * (c - a)
            shift = (exp.min(axis=0) < 5) & (np.abs(det) >= n / 2)
            delta = np.where(shift, 0.5, 0.0) * np.where(det > 0, 1.0, -1.0)
            obs = obs + np.stack([-delta, delta, delta, -delta])
        if correction == "quanteda":
            # quanteda adds 1e-9 inside each log: O ln(O/E + 1e-9)
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.where(obs > 0, obs * np.log(np.where(obs > 0, obs, 1.0) / exp + 1e-9), 0.0)
            g2 = 2.0 * terms.sum(axis=0)
        else:
            g2 = 2.0 * _xlogx_over(obs, exp).sum(axis=0)
        if correction == "williams":
            with np.errstate(divide="ignore", invalid="ignore"):
                q = 1 + (n / r1 + n / r2 - 1) * (n / c + n / d - 1) / (6 * n)
            q = np.where((obs == 0).any(axis=0) | ~np.isfinite(q), 1.0, q)
            g2 = g2 / q
    g2 = np.maximum(g2, 0.0)  # rounding can give -1e-16 at f = E
    return (sign * g2 + 0.0) if signed else g2


def chi_squared(
    a,
    b,
    c,
    d,
    *,
    correction: Literal["none", "yates", "quanteda"] = "none",
    signed: bool = True,
) -> np.ndarray:
    """Pearson χ² of the 2 × 2 table, without or with a continuity correction.

    Parameters
    ----------
    a, b, c, d : array_like
        Term frequency in target and reference; target and reference sizes.
    correction : {"none", "yates", "quanteda"}, default="none"
        ``"yates"`` (R ``chisq.test`` default, scipy default): each |O - E| is reduced by min(0.5, |O - E|),
        so χ² = 0 when |O - E| < 0.5. ``"quanteda"`` (quanteda.textstats ``textstat_keyness(measure="chi2")``
        default): Yates' 0.5 only when some E < 5 and |a(d-b) - b(c-a)| >= N/2.
    signed : bool, default=True

    Notes
    -----
    χ² = N (a(d-b) - b(c-a))² / (R1 R2 C1 C2); with a correction, (|a(d-b) - b(c-a)| - N δ)² replaces the
    squared determinant. Rows or columns of zero give 0.
    """
    check_choice("correction", correction, CHI2_CORRECTIONS)
    a, b, c, d = _cells(a, b, c, d)
    n = c + d
    r1, r2 = a + b, n - a - b
    denom = r1 * r2 * c * d
    det = np.abs(a * (d - b) - b * (c - a))
    with np.errstate(divide="ignore", invalid="ignore"):
        if correction == "yates":
            dev = det / n  # |O - E|, the same in the four cells
            dev = dev - np.minimum(0.5, dev)
            x2 = n**3 * dev**2 / denom  # Σ_ij dev²/E_ij = dev² N³/(R1 R2 C1 C2) for a 2 × 2 table
        elif correction == "quanteda":
            e_min = np.minimum.reduce([r1 * c, r1 * d, r2 * c, r2 * d]) / n
            delta = np.where((det >= n / 2) & (e_min < 5), 0.5, 0.0)
            x2 = n * (det - n * delta) ** 2 / denom
        else:
            x2 = n * det**2 / denom
    x2 = np.where(denom > 0, x2, 0.0)
    return (_sign(a, b, c, d) * x2 + 0.0) if signed else x2


def log_ratio(a, b, c, d) -> np.ndarray:
    """Hardie's LogRatio: log2((a/c) / (b/d)); a zero frequency becomes 0.5 before normalising.

    Both zero: NaN (not scored). Positive = over-used in the target; 1 = twice as frequent.
    """
    a, b, c, d = _cells(a, b, c, d)
    both_zero = (a == 0) & (b == 0)
    aa, bb = np.where(a == 0, 0.5, a), np.where(b == 0, 0.5, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.log2((aa / c) / (bb / d))
    return np.where(both_zero, np.nan, lr) + 0.0


def pct_diff(a, b, c, d) -> np.ndarray:
    """%DIFF = 100 (a/c - b/d) / (b/d) (Gabrielatos & Marchi 2012); b = 0: denominator 1e-18.

    Range [-100, ∞); a term absent from the reference gets a huge value (flag it with ``b == 0``).
    """
    a, b, c, d = _cells(a, b, c, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(b > 0, b / d, 1e-18)
        return 100.0 * (a / c - b / d) / ref + 0.0


def fisher_exact_p(a, b, c, d) -> np.ndarray:
    """Two-sided Fisher exact p of the 2 × 2 table (``scipy.stats.fisher_exact``; = R ``fisher.test``)."""
    from scipy import stats  # here: importing scipy.stats takes about a second

    a, b, c, d = _cells(a, b, c, d)
    out = np.empty(a.shape, dtype=float)
    for idx in np.ndindex(a.shape):
        table = [[a[idx], b[idx]], [c[idx] - a[idx], d[idx] - b[idx]]]
        out[idx] = stats.fisher_exact(np.asarray(table, dtype=np.int64)).pvalue
    return out


def hypergeom_log10_tails(f, F, t, T) -> tuple[np.ndarray, np.ndarray]:
    """log10 P(X >= f) and log10 P(X <= f) for X ~ Hypergeometric(T tokens, F occurrences, t draws).

    Computed in log space (``scipy.stats.hypergeom.logsf``/``logcdf``' formulas on whole arrays,
    :mod:`aictlab.hypergeom`; = R ``phyper(log.p=TRUE)``) so that extreme tails do not underflow to 0.
    """
    f, F, t, T = (np.asarray(x, dtype=float) for x in (f, F, t, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        ge = hypergeom.log_sf(f - 1, T, F, t) / LN10
        le = hypergeom.log_cdf(f, T, F, t) / LN10
    return np.minimum(ge, 0.0) + 0.0, np.minimum(le, 0.0) + 0.0


def specificity(f, F, t, T) -> np.ndarray:
    """Lafon's specificity score, signed (Lafon 1980; Lexico3, TXM).

    Parameters
    ----------
    f : array_like
        Occurrences of the term in the part.
    F : array_like
        Occurrences of the term in the whole corpus.
    t : array_like
        Tokens of the part.
    T : array_like
        Tokens of the whole corpus.

    Returns
    -------
    ndarray
        ``-log10 P(X >= f)`` when f >= E = F t / T (over-use, >= 0), else ``log10 P(X <= f)`` (< 0), with
        X ~ H(T, F, t). |spec| >= 2 ⇔ one-sided p <= 0.01 (TXM's banality threshold), >= 3 ⇔ p <= 0.001.

    Notes
    -----
    R textometry signs by the stored probability (< or > 0.5), not by f vs E: the two can differ only when
    |spec| < log10 2 ≈ 0.301 (f = E = 10 in 100 / 10 000 with t = 1000: textometry -0.346, here +0.260).
    """
    f, F, t, T = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (f, F, t, T)))
    with np.errstate(divide="ignore", invalid="ignore"):
        over = f >= F * t / T
    # Only the tail that is reported is computed, once per distinct (f, F, t, T): rare terms share them; with
    # scipy's formulas on whole arrays (aictlab.hypergeom: equal to scipy's logsf/logcdf to a few ulp).
    keys = np.stack([f.ravel(), F.ravel(), t.ravel(), T.ravel(), over.ravel()], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    out = np.empty(len(uniq))
    up = uniq[:, 4] == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        out[up] = -hypergeom.log_sf(uniq[up, 0] - 1, uniq[up, 3], uniq[up, 1], uniq[up, 2]) / LN10
        out[~up] = hypergeom.log_cdf(uniq[~up, 0], uniq[~up, 3], uniq[~up, 1], uniq[~up, 2]) / LN10
    out = np.where(up, np.maximum(out, 0.0), np.minimum(out, 0.0))
    return out[inverse.ravel()].reshape(f.shape) + 0.0


def keyness_stats(
    a,
    b,
    c,
    d,
    *,
    variant: Literal["4cell", "rayson"] = "4cell",
    correction: Literal["none", "williams", "quanteda"] = "none",
    fisher: bool = False,
    specificities: np.ndarray | None = None,
) -> pd.DataFrame:
    """All keyness statistics of arrays of 2 × 2 tables, as a DataFrame (one row per table).

    ``specificities``, when given, are the tables' :func:`specificity` ``(a, a + b, c, c + d)`` already
    computed (e.g. a column of the Lafon specificity matrix): they are used as they are, not recomputed.

    Returns
    -------
    DataFrame
        ``count_target, count_reference, size_target, size_reference, expected_target, g2, chi2, chi2_yates,
        log_ratio, pct_diff, p_value`` (G², 1 df), ``p_chi2``, ``specificity`` (Lafon, target part of the
        union), ``absent_from_reference`` (+ ``p_fisher`` when ``fisher``). All signed: + = over-use in target.
    """
    from scipy import stats  # here: importing scipy.stats takes about a second

    a, b, c, d = _cells(a, b, c, d)
    g2 = log_likelihood(a, b, c, d, variant=variant, correction=correction)
    x2 = chi_squared(a, b, c, d)
    out = pd.DataFrame(
        {
            "count_target": a.astype(np.int64),
            "count_reference": b.astype(np.int64),
            "size_target": c.astype(np.int64),
            "size_reference": d.astype(np.int64),
            "expected_target": (a + b) * c / (c + d),
            "g2": g2,
            "chi2": x2,
            "chi2_yates": chi_squared(a, b, c, d, correction="yates"),
            "log_ratio": log_ratio(a, b, c, d),
            "pct_diff": pct_diff(a, b, c, d),
            "p_value": stats.chi2.sf(np.abs(g2), 1),
            "p_chi2": stats.chi2.sf(np.abs(x2), 1),
            "specificity": (
                specificity(a, a + b, c, c + d) if specificities is None else np.asarray(specificities)
            ),
            "absent_from_reference": b == 0,
        }
    )
    if fisher:
        out["p_fisher"] = fisher_exact_p(a, b, c, d)
    return out
