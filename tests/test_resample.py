"""Tests of the one bootstrap: hand-enumerable draws, strata independence, grouped totals, blocks."""

from __future__ import annotations

import numpy as np
import pytest

from aictlab import resample
from aictlab.resample import bootstrap_interval, resample_totals


def test_replicates_are_sums_of_draws_within_each_stratum():
    values = np.array([[1.0, 0.0], [3.0, 1.0], [10.0, 2.0]])
    reps = resample_totals(values, np.array(["a", "a", "b"]), n_boot=500, seed=1)
    # stratum a draws 2 of its 2 units: totals (2, 0), (4, 1) or (6, 2); b always (10, 2)
    assert {tuple(r) for r in reps["a"]} <= {(2.0, 0.0), (4.0, 1.0), (6.0, 2.0)}
    assert (reps["b"] == [10.0, 2.0]).all()
    # the three outcomes of a have probabilities 1/4, 1/2, 1/4
    share = np.mean(reps["a"][:, 0] == 4.0)
    assert share == pytest.approx(0.5, abs=0.07)


def test_groups_sum_strata_with_the_same_draws():
    rng = np.random.default_rng(0)
    values = rng.poisson(3, size=(40, 3)).astype(float)
    strata = np.repeat(np.arange(8), 5)
    per_stratum = resample_totals(values, strata, n_boot=200, seed=7)
    grouped = resample_totals(values, strata, n_boot=200, seed=7, groups={s: s % 2 for s in range(8)})
    assert set(grouped) == {0, 1}
    np.testing.assert_array_equal(grouped[1], sum(per_stratum[s] for s in (1, 3, 5, 7)))


def test_blocks_of_replicates_give_the_same_distribution(monkeypatch):
    values = np.arange(12, dtype=float)[:, None]
    strata = np.zeros(12)
    whole = resample_totals(values, strata, n_boot=3000, seed=3)[0.0]
    monkeypatch.setattr(resample, "BOOTSTRAP_CELLS", 24)  # blocks of 2 replicates
    blocked = resample_totals(values, strata, n_boot=3000, seed=3)[0.0]
    assert blocked.shape == whole.shape
    # same mean (66) and variance (n σ² = 12 · 143/12 = 143) in both, within Monte Carlo error
    for reps in (whole, blocked):
        assert reps.mean() == pytest.approx(66.0, abs=1.0)
        assert reps.var() == pytest.approx(143.0, rel=0.1)


def test_percentile_interval_and_degenerate_bca():
    reps = np.arange(1, 101, dtype=float)
    out = bootstrap_interval(50.0, reps, alpha=0.1)
    assert out["ci_low"] == pytest.approx(np.quantile(reps, 0.05))
    assert out["ci_high"] == pytest.approx(np.quantile(reps, 0.95))
    with pytest.warns(UserWarning, match="BCa interval undefined"):
        out = bootstrap_interval(5.0, np.full(50, 5.0), jackknife=np.ones(5))
    assert np.isnan(out["bca_low"]) and out["ci_low"] == 5.0


def test_draws_are_reused_for_the_same_strata_and_never_change_a_number(monkeypatch):
    # The draws depend on the strata sizes, n_boot and the seed only: values scaled by 3 give exactly 3 times
    # the replicate totals, whether the draws come from the cache or are drawn again without it.
    rng = np.random.default_rng(5)
    strata = np.repeat(["b", "a", "c"], [4, 1, 7])
    x = rng.poisson(3, (12, 2)).astype(float)
    first = resample_totals(x, strata, n_boot=50, seed=9)
    again = resample_totals(3 * x, strata, n_boot=50, seed=9)
    monkeypatch.setattr(resample, "DRAW_CACHE_CELLS", 0)  # no cache: drawn anew from default_rng(9)
    fresh = resample_totals(x, strata, n_boot=50, seed=9)
    for key in "abc":
        np.testing.assert_array_equal(again[key], 3 * first[key])
        np.testing.assert_array_equal(fresh[key], first[key])
    # a single unit is always drawn once; another seed draws otherwise
    assert (first["a"] == x[4]).all()
    assert not np.array_equal(resample_totals(x, strata, n_boot=50, seed=10)["c"], first["c"])
