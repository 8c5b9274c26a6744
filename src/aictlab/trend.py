"""Trend tests: does a frame's rate, or the drift index, change with the documents' year?

Units are documents (not tokens: no pseudo-replication), read from :attr:`aictlab.drift.DriftResult.by_document`:
Poisson / quasi-Poisson and NB2 GLMs with the word tokens as offset, a binomial GLM for the drift index,
exact or Monte Carlo permutation tests and Spearman's ρ (``docs/methods.md`` §3).
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aictlab.config import DRIFT_FRAMES
from aictlab.drift import DriftResult, drift_index
from aictlab.errors import SettingsError
from aictlab.schema import DOC_ID, YEAR, require_columns

__all__ = ["trend_tests"]

log = logging.getLogger(__name__)


#: Cells (rows × groups) of one block of :func:`_newton_glm`: a block's arrays stay in the CPU cache.
_BLOCK_CELLS = 2**16


def _newton_glm(y, x, offset=None, trials=None, max_iter=50, tol=1e-10):
    """ML slope of log E[y] = offset + b0 + b1 x (Poisson) or logit p = b0 + b1 x (binomial, ``trials``),
    vectorised over rows (one row per permutation). Returns b1 (NaN where it does not converge).

    ``y``, ``x``, ``offset`` and ``trials`` are rows × cells or one row shared by all rows; a cell is a
    document or a year holding the documents' sums (Σ y, ln Σ exp(offset) or Σ trials: the sufficient statistics
    of both models, whose likelihoods depend on the documents only through them). Newton-Raphson from b1 = 0
    and b0 = the pooled rate (log-odds); a row leaves the iterations once its step is below ``tol`` (its next
    steps would be ~tol², below the last bit of b): most rows converge in 3-4 iterations, a few take more.
    Rows are independent, so they are fitted in blocks of about :data:`_BLOCK_CELLS` cells (held in the CPU
    cache), with the same numbers as all at once."""
    arrays = [np.atleast_2d(np.asarray(a, dtype=float)) for a in (y, x)]
    arrays += [None if a is None else np.atleast_2d(np.asarray(a, dtype=float)) for a in (offset, trials)]
    rows = max(a.shape[0] for a in arrays if a is not None)
    cells = arrays[0].shape[1]
    size = max(1, _BLOCK_CELLS // max(cells, 1))

    def rows_of(a, block):
        return a if a is None or a.shape[0] == 1 else a[block]

    return np.concatenate(
        [
            _newton_block(
                *(rows_of(a, slice(i, i + size)) for a in arrays), min(size, rows - i), max_iter, tol
            )
            for i in range(0, rows, size)
        ]
    )


def _newton_block(y, x, offset, trials, p_rows, max_iter, tol):
    """:func:`_newton_glm` on one block of ``p_rows`` rows (each argument has that many rows, or one)."""
    b = np.zeros((p_rows, 2))
    if trials is None:
        b[:, 0] = np.log(np.maximum(y.sum(axis=1), 0.5) / np.exp(offset).sum(axis=1))
    else:
        pbar = np.clip(y.sum(axis=1) / trials.sum(axis=1), 1e-6, 1 - 1e-6)
        b[:, 0] = np.log(pbar / (1 - pbar))
    converged = np.zeros(p_rows, dtype=bool)
    active = np.arange(p_rows)

    def rows_of(a, subset):
        return a if a is None or a.shape[0] == 1 or not subset else a[active]

    for _ in range(max_iter):
        # the rows still iterating are copied out only once they are at most half (no larger peak than the
        # first iteration's); the others are computed and their step discarded (rows are independent)
        subset = 2 * len(active) <= p_rows
        ya, xa, offa, ta = (rows_of(a, subset) for a in (y, x, offset, trials))
        ba = b[active] if subset else b
        # in place, in the order of b0 + b1 x, exp(clip(eta + offset)), 1 / (1 + exp(-clip(eta)))
        eta = ba[:, [1]] * xa
        eta += ba[:, [0]]
        if ta is None:
            eta += offa
            mu = np.exp(np.clip(eta, -700, 700, out=eta), out=eta)
            w = mu
        else:
            p = np.clip(eta, -700, 700, out=eta)
            np.exp(np.negative(p, out=p), out=p)
            p += 1
            p = np.divide(1, p, out=p)
            mu = ta * p
            w = mu * (1 - p)  # = trials * p * (1 - p)
        resid = ya - mu
        wx = w * xa
        g0, g1 = resid.sum(axis=1), (resid * xa).sum(axis=1)
        h00, h01, h11 = w.sum(axis=1), wx.sum(axis=1), (wx * xa).sum(axis=1)
        det = h00 * h11 - h01**2
        with np.errstate(divide="ignore", invalid="ignore"):
            d0 = (h11 * g0 - h01 * g1) / det
            d1 = (-h01 * g0 + h00 * g1) / det
        step = np.column_stack([d0, d1])
        if not subset:
            step, ba = step[active], ba[active]
        step[~np.isfinite(step)] = 0.0
        b[active] = ba + np.clip(step, -5, 5)
        done = np.abs(step).max(axis=1) < tol
        converged[active[done]] = True
        active = active[~done]
        if not len(active):
            break
    slope = b[:, 1].copy()
    slope[~converged | (np.abs(slope) > 50)] = np.nan
    return slope


def _year_sums(
    codes: np.ndarray, perms: np.ndarray, weights: Sequence[np.ndarray], k: int
) -> list[np.ndarray]:
    """Per permutation and year, the sums of each of ``weights`` over the documents given that year: row r,
    column j of the i-th array is Σ_d weights[i][d] over d with ``codes[perms[r, d]] == j`` (one ``bincount``
    of codes shifted by k per row, in slices of about :data:`_BLOCK_CELLS` cells held in the CPU cache)."""
    rows, n = perms.shape
    size = max(1, _BLOCK_CELLS // max(n, 1))
    sums = [np.empty((rows, k)) for _ in weights]
    for i in range(0, rows, size):
        r = min(size, rows - i)
        index = codes[perms[i : i + r]]
        index += (k * np.arange(r))[:, None]
        index = index.ravel()
        for out, w in zip(sums, weights, strict=True):
            out[i : i + r] = np.bincount(index, weights=np.tile(w, r), minlength=r * k).reshape(r, k)
    return sums


#: Cells (permutations × documents) of one block of the permutation tests: permutations are drawn and used
#: block by block (64 MiB per array), never all at once (9,999 × 20,000 documents would be 1.6 GB per array).
_PERM_BLOCK_CELLS = 2**23


def _n_permutations(n: int, max_exact: int = 8, n_random: int = 9999) -> tuple[int, bool]:
    """How many permutations :func:`_permutation_blocks` yields, and whether they are all n! of them."""
    return (math.factorial(n), True) if n <= max_exact else (n_random + 1, False)


def _permutation_blocks(
    n: int, max_exact: int = 8, n_random: int = 9999, seed: int = 42, cells: int = _PERM_BLOCK_CELLS
) -> Iterator[np.ndarray]:
    """The permutations of the tests, in blocks of rows of about ``cells`` cells: all n! when n <=
    ``max_exact``, else the identity then ``n_random`` draws of ``default_rng(seed).permutation(n)`` (the same
    rows in the same order whatever the block size)."""
    if n <= max_exact:
        yield np.array(list(itertools.permutations(range(n))))
        return
    rng = np.random.default_rng(seed)
    rows = max(1, cells // max(n, 1))
    block = [np.arange(n)]
    for _ in range(n_random):
        if len(block) >= rows:
            yield np.vstack(block)
            block = []
        block.append(rng.permutation(n))
    yield np.vstack(block)


def _grouped_slope(y_sums: np.ndarray, totals: np.ndarray, year_values: np.ndarray, *, binomial: bool):
    """:func:`_newton_glm` slope from per-year sums (rows × years): Σ y and Σ tokens of a Poisson model (the
    offset ln Σ N_d), or Σ A and Σ (A + S) of the binomial model. Both likelihoods depend on the documents
    only through these sums, so the slope is the per-document fit's (to the fit's tolerance)."""
    if binomial:
        return _newton_glm(y_sums, year_values, trials=totals)
    with np.errstate(divide="ignore"):  # a year whose documents have no token: ln 0 = -inf, μ = 0
        return _newton_glm(y_sums, year_values, np.log(totals))


def _perm_p(t_obs: float, t_perm: np.ndarray) -> float:
    """Two-sided permutation p = #{|T_π| >= |T|} / #permutations, identity included (all n! when exact,
    so p >= 1/n!; row 0 of the random set otherwise, so p = (1 + #)/(B + 1)). A permutation whose fit does
    not converge (NaN) counts as not extreme and stays in the denominator (conservative)."""
    if not np.isfinite(t_obs):
        return np.nan
    tol = 1e-9 * max(1.0, abs(t_obs))
    return float(np.sum(np.abs(np.nan_to_num(t_perm, nan=0.0)) >= abs(t_obs) - tol) / len(t_perm))


def _spearman(x, y) -> float:
    from scipy import stats  # here, not at import: scipy.stats alone takes about a second to import

    rx, ry = stats.rankdata(x), stats.rankdata(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return np.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def _spearman_permuted(x, ys: Sequence, perms: np.ndarray) -> np.ndarray:
    """Spearman ρ between ``x[perm]`` and each of ``ys`` (columns) for every row of ``perms``: the ranks of a
    permuted vector are the permuted ranks, so x and the ys are ranked once, the permuted ranks of x gathered
    once, and Pearson's r of the ranks computed for all rows and ys at once (equal to :func:`_spearman` per
    row up to rounding in the last bits). Every vector must have two distinct values at least."""
    from scipy import stats

    rx = stats.rankdata(x)
    ry = np.column_stack([stats.rankdata(y) for y in ys])
    rxc = rx - rx.mean()
    ryc = ry - ry.mean(axis=0)
    return (rxc[perms] @ ryc) / np.sqrt(float(rxc @ rxc) * (ryc * ryc).sum(axis=0))


def _per_decade(beta: float) -> float:
    """exp(10 β): the ratio per decade; NaN when it overflows (a slope that large comes from separation, e.g. a
    frame present only in the last documents, and is not an estimate)."""
    value = 10 * float(beta)
    return math.exp(value) if np.isfinite(value) and abs(value) < 700 else float("nan")


def trend_tests(
    result: DriftResult | pd.DataFrame,
    *,
    drift_frames: Sequence[str] | None = None,
    alpha: float = 0.05,
    seed: int = 42,
    targets: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Trend of each frame's rate and of the drift index over documents' years (``docs/methods.md`` §3).

    Units are documents (not tokens: no pseudo-replication). For each frame f:
    log E[y_d] = ln N_d + β0 + β1 (year_d − year_min), Poisson GLM (statsmodels); when the Pearson dispersion
    φ = χ²/(n − 2) exceeds 1 the quasi-Poisson fit (``scale="X2"``) is reported, with t(n − 2) intervals and
    p-values as R's ``summary.glm``. The NB2 model (``NegativeBinomial``, ML α) is reported beside it
    (weak with fewer than ~10 documents; NaN when it does not converge). The drift index is modelled as a
    binomial GLM of A successes out of A + S (logit = ln-odds; D ≈ log2 odds), quasi-binomial when
    overdispersed. Slopes are reported as ratios per decade exp(10 β1) (rate ratio; odds ratio for the
    index). Permutation test: T = β1 recomputed for every permutation of years across documents (all n!
    when n ≤ 8, identity included: p = #{|T_π| ≥ |T|}/n!, floor 1/n!; else 9 999 random, p = (1+#)/(B+1)),
    by Newton's method on per-year sufficient statistics (Σ y_d and Σ N_d, or Σ A_d and Σ (A_d + S_d), over
    the documents given year t: both likelihoods depend on the documents only through them), T included.
    Spearman ρ between year and the document rate (average ranks) with its exact permutation p and a Fisher
    z interval (SE = √(1.06/(n − 3)), Fieller, Hartley & Pearson 1957).

    Parameters
    ----------
    result : DriftResult or DataFrame
        A drift measurement (:func:`aictlab.drift.measure_drift`) or its ``by_document`` table (``doc_id,
        year, tokens`` and the two frames' counts).
    drift_frames : (str, str), optional
        The (from, to) frames; default: the result's own, or ``("solidarite", "attractivite")`` for a table.
    alpha : float, default=0.05
    seed : int, default=42
        Seed of the random permutations (more than 8 documents).
    targets : sequence of str, optional
        The rows to compute, among the two frames and ``drift_index`` (default all three, in that order); a
        row does not depend on the others (e.g. geography's LDC share needs only ``drift_index``).

    Returns
    -------
    DataFrame
        One row per target (the from frame, the to frame, ``drift_index``): ``model, n_documents,
        beta_year, ratio_per_decade, ci_low, ci_high, p_value, dispersion, nb_alpha, nb_ratio_per_decade,
        nb_ci_low, nb_ci_high, nb_p_value, perm_p_value, n_permutations, perm_exact, perm_p_floor,
        spearman_rho, spearman_p_exact, spearman_ci_low, spearman_ci_high``.
    """
    # the modules used, not statsmodels.api (which imports all of statsmodels: ~0.6 CPU s more), nor its
    # formula interface (formulaic, and a formula parsed and evaluated at every fit)
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.tools import add_constant

    if isinstance(result, DriftResult):
        by_document = result.by_document
        drift_frames = drift_frames or result.drift_frames
    else:
        by_document = result
    source, target_frame = tuple(drift_frames or DRIFT_FRAMES)
    frames = (source, target_frame)
    require_columns(by_document, (DOC_ID, YEAR, "tokens", *frames), "by_document")
    df = by_document[[DOC_ID, YEAR, "tokens", *frames]].copy()
    n = len(df)
    df["yr"] = df[YEAR] - df[YEAR].min()
    n_perms, exact = _n_permutations(n)
    years = df["yr"].to_numpy(dtype=float)
    # the permutations move years across documents: the fits need only per-year sums (codes of distinct years)
    year_values, codes = np.unique(years, return_inverse=True)
    codes = codes.astype(np.intp)
    sums_of = {  # the documents' weights summed per year: counts, tokens (Poisson), trials A + S (binomial)
        "tokens": df["tokens"].to_numpy(dtype=float),
        "trials": (df[target_frame] + df[source]).to_numpy(dtype=float),
        **{frame: df[frame].to_numpy(dtype=float) for frame in frames},
    }
    # the design matrix the formula "y ~ yr" would build (same columns, names and floats: the same fit)
    nb_exog = pd.DataFrame({"Intercept": 1.0, "yr": df["yr"].astype(float)})
    rows = []
    pending: list[tuple] = []  # (row, observed slope, ρ, rate, summed weights) of the permutation tests
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    every = (*frames, "drift_index")
    unknown = [t for t in targets or () if t not in every]
    if unknown:
        raise SettingsError(f"trend_tests: targets {unknown} are not among {list(every)}.")
    for target in [t for t in every if targets is None or t in targets]:
        row: dict[str, Any] = {
            "target": target,
            "n_documents": n,
            "n_permutations": n_perms,
            "perm_exact": exact,
        }
        row["perm_p_floor"] = 1 / n_perms
        if n < 3 or df["yr"].nunique() < 2:
            rows.append(row)
            continue
        if target == "drift_index":
            endog = np.column_stack([df[target_frame], df[source]]).astype(float)
            keep = endog.sum(axis=1) > 0
            family = families.Binomial()
            offset = None
            model_name = "binomial"
            summed = (target_frame, "trials")
        else:
            endog = df[target].to_numpy(dtype=float)
            keep = np.ones(n, dtype=bool)
            family = families.Poisson()
            offset = np.log(df["tokens"].to_numpy(dtype=float))
            model_name = "poisson"
            summed = (target, "tokens")
        exog = add_constant(df["yr"].to_numpy(dtype=float))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = GLM(
                    endog[keep], exog[keep], family=family, offset=None if offset is None else offset[keep]
                ).fit()
                dof = max(int(keep.sum()) - 2, 1)
                phi = float(fit.pearson_chi2 / dof) if keep.sum() > 2 else np.nan
                row["dispersion"] = phi
                if np.isfinite(phi) and phi > 1:
                    fit = GLM(
                        endog[keep],
                        exog[keep],
                        family=family,
                        offset=None if offset is None else offset[keep],
                    ).fit(scale="X2", use_t=True)
                    model_name = "quasi-" + model_name
        except Exception as exc:  # perfect separation, all-zero counts
            log.warning("trend GLM failed for %s: %s", target, exc)
            rows.append(row)
            continue
        beta = float(fit.params[1])
        lo, hi = np.asarray(fit.conf_int(alpha=alpha))[1]
        row.update(
            model=model_name,
            beta_year=beta,
            ratio_per_decade=_per_decade(beta),
            ci_low=_per_decade(lo),
            ci_high=_per_decade(hi),
            p_value=float(fit.pvalues[1]),
        )
        if target != "drift_index":
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nb = NegativeBinomial(df[target].astype(float), nb_exog, offset=offset).fit(
                        disp=0, maxiter=200
                    )
                nb_b = float(nb.params["yr"])
                nb_lo, nb_hi = np.asarray(nb.conf_int(alpha=alpha).loc["yr"])
                ok = bool(nb.mle_retvals.get("converged", True)) and np.isfinite(nb.bse["yr"])
                if ok:
                    row.update(
                        nb_alpha=float(nb.params["alpha"]),
                        nb_ratio_per_decade=_per_decade(nb_b),
                        nb_ci_low=_per_decade(nb_lo),
                        nb_ci_high=_per_decade(nb_hi),
                        nb_p_value=float(nb.pvalues["yr"]),
                    )
            except Exception as exc:
                log.info("NB2 fit failed for %s: %s", target, exc)
        identity = np.arange(n)[None, :]
        t_obs = _grouped_slope(*_year_sums(codes, identity, [sums_of[k] for k in summed], len(year_values)),
                               year_values, binomial=target == "drift_index")[0]  # fmt: skip
        if target == "drift_index":
            rate = drift_index(df[target_frame], df[source])
        else:
            rate = df[target] / df["tokens"]
        rate = np.asarray(rate, dtype=float)
        rho = _spearman(df["yr"], rate)
        row["spearman_rho"] = rho
        if np.isfinite(rho) and n > 3 and abs(rho) < 1:
            se = math.sqrt(1.06 / (n - 3))
            row["spearman_ci_low"] = math.tanh(math.atanh(rho) - z * se)
            row["spearman_ci_high"] = math.tanh(math.atanh(rho) + z * se)
        pending.append((row, t_obs, rho, rate, summed))
        rows.append(row)
    # the slope and Spearman's ρ of every target under each permutation, one block of permutations at a time
    t_parts: list[list[np.ndarray]] = [[] for _ in pending]
    ranked = [k for k, (_, _, rho, _, _) in enumerate(pending) if np.isfinite(rho)]
    rho_parts: list[np.ndarray] = []
    names = list(dict.fromkeys(name for *_, summed in pending for name in summed))  # each summed once a block
    for perms in _permutation_blocks(n, seed=seed) if pending else ():
        block_sums = dict(
            zip(names, _year_sums(codes, perms, [sums_of[k] for k in names], len(year_values)), strict=True)
        )
        if ranked:
            rho_parts.append(_spearman_permuted(years, [pending[k][3] for k in ranked], perms))
        for k, (row, _, _, _, summed) in enumerate(pending):
            binomial = row["target"] == "drift_index"
            t_parts[k].append(
                _grouped_slope(*(block_sums[name] for name in summed), year_values, binomial=binomial)
            )
    rho_perm = np.concatenate(rho_parts) if ranked else None
    for k, (row, t_obs, rho, _, _) in enumerate(pending):
        t_perm = np.concatenate(t_parts[k])
        row["perm_p_value"] = _perm_p(t_obs, t_perm)
        row["perm_failed_fits"] = int(np.sum(~np.isfinite(t_perm)))
        if k in ranked:
            row["spearman_p_exact"] = _perm_p(rho, rho_perm[:, ranked.index(k)])
    cols = [
        "target", "model", "n_documents", "beta_year", "ratio_per_decade", "ci_low", "ci_high", "p_value",
        "dispersion", "nb_alpha", "nb_ratio_per_decade", "nb_ci_low", "nb_ci_high", "nb_p_value", "perm_p_value",
        "n_permutations", "perm_exact", "perm_p_floor", "perm_failed_fits", "spearman_rho", "spearman_p_exact", "spearman_ci_low",
        "spearman_ci_high",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=cols)
