"""aictlab.hypergeom: the hypergeometric log tails on whole arrays equal scipy's logsf / logcdf (the formulas
they reproduce), at the support's edges, for invalid parameters, and on tails scipy sums up to the draws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from aictlab.hypergeom import log_cdf, log_sf


def _scipy(func, *args):
    with np.errstate(all="ignore"):
        return func(*args)


def _assert_close(ours, ref, rel=1e-13):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    assert np.array_equal(np.isinf(ours), np.isinf(ref))
    assert np.array_equal(ours[np.isinf(ours)], ref[np.isinf(ref)])
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite], ref[finite], rtol=rel, atol=0)


def test_hand_values_of_a_small_urn():
    # 10 items, 4 marked, 5 drawn: P(X = k) = C(4, k) C(6, 5 - k) / C(10, 5) = 6, 60, 120, 60, 6 (/ 252)
    k = np.arange(-1, 6)
    assert np.exp(log_cdf(k, 10, 4, 5)) == pytest.approx([0, 6 / 252, 66 / 252, 186 / 252, 246 / 252, 1, 1])
    assert np.exp(log_sf(k, 10, 4, 5)) == pytest.approx([1, 246 / 252, 186 / 252, 66 / 252, 6 / 252, 0, 0])


def test_every_quantile_of_small_urns_equals_scipy():
    M, n, N, k = (g.ravel() for g in np.meshgrid(np.arange(1, 13), np.arange(0, 13), np.arange(0, 13),
                                                  np.arange(-2, 14), indexing="ij"))  # fmt: skip
    keep = (n <= M) & (N <= M)
    M, n, N, k = M[keep], n[keep], N[keep], k[keep]
    _assert_close(log_sf(k, M, n, N), _scipy(stats.hypergeom.logsf, k, M, n, N))
    _assert_close(log_cdf(k, M, n, N), _scipy(stats.hypergeom.logcdf, k, M, n, N))


def test_specificity_sized_tails_equal_scipy():
    # the tails of Lafon specificities: a part of t tokens in T, a term of F occurrences, f of them in the
    # part; scipy sums the upper tail up to t (here tens of thousands of terms), these functions to min(F, t)
    rng = np.random.default_rng(7)
    T = 60_000
    F = rng.integers(1, 1500, 400)
    t = rng.integers(1, 30_000, 400)
    f = np.clip(rng.binomial(F, t / T) + rng.integers(-4, 5, 400), 0, np.minimum(F, t))
    for k in (f - 1, f):
        _assert_close(log_sf(k, T, F, t), _scipy(stats.hypergeom.logsf, k, T, F, t))
        _assert_close(log_cdf(k, T, F, t), _scipy(stats.hypergeom.logcdf, k, T, F, t))


def test_extreme_tails_do_not_underflow():
    # P(X >= 3000) with 3200 marked among 400 000, 200 000 drawn: 10^-644.18, below the
    # smallest float (10^-308)
    value = float(log_sf(2999, 400_000, 3200, 200_000)) / np.log(10)
    assert value == pytest.approx(
        float(_scipy(stats.hypergeom.logsf, 2999, 400_000, 3200, 200_000)) / np.log(10)
    )
    assert value == pytest.approx(-644.18077398928, abs=1e-9)


def test_invalid_parameters_give_nan_as_scipy():
    args = (
        np.array([1, 1, 1, 1]),
        np.array([0, 10, 10, 10.5]),
        np.array([0, 11, 3, 3]),
        np.array([0, 2, 11, 2]),
    )
    assert np.isnan(log_sf(*args)).all()
    _assert_close(log_cdf(*args), _scipy(stats.hypergeom.logcdf, *args))


def test_scalars_and_broadcasting():
    assert log_sf(2, 13, 4, 8).shape == ()
    out = log_cdf(np.array([[0], [1]]), 13, 4, np.array([8, 9]))
    assert out.shape == (2, 2)
    _assert_close(out, _scipy(stats.hypergeom.logcdf, np.array([[0], [1]]), 13, 4, np.array([8, 9])))
