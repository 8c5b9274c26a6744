"""Tests of the one bootstrap: hand-enumerable draws, strata independence, grouped totals, blocks."""

from __future__ import annotations

import warnings

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


def test_multinomial_counts_are_n_picks_with_replacement_counted_per_unit():
    """Each row counts n uniform picks (the definition, checked row by row) and has the moments of
    Mult(n, 1/n): mean 1, variance (n − 1)/n, covariance −1/n, P(unit never drawn) = (1 − 1/n)^n."""
    counts = resample.multinomial_counts(np.random.default_rng(5), 4, 3)
    picks = np.random.default_rng(5).integers(0, 4, size=(3, 4))
    np.testing.assert_array_equal(counts, [np.bincount(row, minlength=4) for row in picks])
    n, rows = 5, 200_000
    counts = resample.multinomial_counts(np.random.default_rng(11), n, rows)
    assert counts.shape == (rows, n) and (counts.sum(axis=1) == n).all()
    cov = np.cov(counts, rowvar=False)
    # Monte Carlo standard errors at 200,000 rows: ~0.002 for the mean, ~0.003 for (co)variances
    np.testing.assert_allclose(counts.mean(axis=0), 1.0, atol=0.01)
    np.testing.assert_allclose(np.diag(cov), (n - 1) / n, atol=0.015)
    np.testing.assert_allclose(cov[np.triu_indices(n, 1)], -1 / n, atol=0.015)
    np.testing.assert_allclose((counts == 0).mean(axis=0), (1 - 1 / n) ** n, atol=0.005)


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


def test_expanded_level_by_hand():
    # one stratum of 10 units: α' = 2Φ(−√(10/9)·t_{0.975, 9}) = 2Φ(−1.054093·2.262157) = 2Φ(−2.384527)
    assert resample.expanded_level(10) == pytest.approx(0.017101, abs=2e-6)
    # a slope (2 parameters) over 20 units: 2Φ(−√(20/18)·t_{0.975, 18}) = 2Φ(−1.054093·2.100922)
    assert resample.expanded_level(20, n_params=2) == pytest.approx(0.026790, abs=2e-6)
    # two periods of 5 units, equal variances: k² = 5/4, Welch–Satterthwaite ν = (2·1.25)² / (2·1.25²/4) = 8,
    # 2Φ(−1.118034·t_{0.975, 8} = −1.118034·2.306004)
    assert resample.expanded_level([5, 5], variances=[1.0, 1.0]) == pytest.approx(0.009932, abs=2e-6)
    # a period of one unit never varies: it adds nothing, the other period's correction alone applies
    assert resample.expanded_level([10, 1], variances=[2.0, 0.0]) == resample.expanded_level(10)
    assert np.isnan(resample.expanded_level(1)) and np.isnan(resample.expanded_level(2, n_params=2))
    # wider than the percentile level, and tending to it with many units
    assert resample.expanded_level(10, 0.10) < 0.10 and resample.expanded_level(10_000) == pytest.approx(
        0.05, abs=1e-4
    )


def test_expanded_interval_takes_the_expanded_quantiles():
    reps = np.arange(1, 1001, dtype=float)
    out = bootstrap_interval(500.0, reps, n_units=10)
    level = resample.expanded_level(10)
    assert out["exp_alpha"] == level
    assert out["exp_low"] == pytest.approx(np.quantile(reps, level / 2))
    assert out["exp_high"] == pytest.approx(np.quantile(reps, 1 - level / 2))
    assert out["exp_low"] < out["ci_low"] < out["ci_high"] < out["exp_high"]
    assert "exp_low" not in bootstrap_interval(500.0, reps)


@pytest.mark.slow
def test_expanded_percentile_covers_the_mean_of_few_units():
    """Means of 8 normal units, bootstrapped 400 times in each of 600 seeded samples. The percentile interval
    is about a z interval with the plug-in SD: coverage P(|T₇| < 1.96·√(7/8)) ≈ 0.89; the expanded one is
    about Student's t interval (0.95), a little less since the bootstrap distribution of 8 units has short
    tails: 2 000 samples gave 0.886 and 0.934. Monte Carlo SD with 600 samples ≈ 0.010-0.013: the bounds
    sit ≥ 2 SD from these values, and a method without the expansion fails the first assertion."""
    rng = np.random.default_rng(11)
    n, reps_n, covered_pct, covered_exp = 8, 600, [], []
    for r in range(reps_n):
        x = rng.normal(0.0, 1.0, size=n)
        totals = resample_totals(x[:, None], np.zeros(n), n_boot=400, seed=r)[0.0][:, 0] / n
        ci = bootstrap_interval(x.mean(), totals, n_units=n)
        covered_pct.append(ci["ci_low"] <= 0.0 <= ci["ci_high"])
        covered_exp.append(ci["exp_low"] <= 0.0 <= ci["exp_high"])
    assert 0.91 <= np.mean(covered_exp) <= 0.975, np.mean(covered_exp)
    assert 0.85 <= np.mean(covered_pct) <= 0.91, np.mean(covered_pct)


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


def test_linear_quantiles_are_numpys_bits():
    """One partition for every level gives np.quantile's values exactly (ties, one value, levels 0 and 1)."""
    rng = np.random.default_rng(5)
    samples = [
        rng.normal(size=9999),
        rng.integers(0, 4, size=501).astype(float),  # ties
        np.log(rng.poisson(2, size=37) + 0.5),
        np.array([3.25]),
        np.array([2.0, -1.0]),
    ]
    for values in samples:
        levels = [0.0, 0.0085, 0.025, 0.05, 0.5, 0.95, 0.975, 0.9915, 1.0, rng.random()]
        got = resample.linear_quantiles(values, levels)
        assert got.tobytes() == np.quantile(values, levels).tobytes()
    # a level outside [0, 1] is np.quantile's error
    with pytest.raises(ValueError):
        resample.linear_quantiles(np.arange(3.0), [1.5])


def test_bootstrap_interval_bounds_are_np_quantile_of_each_level():
    """Percentile, expanded and BCa bounds: np.quantile of the finite replicates at each interval's levels."""
    rng = np.random.default_rng(9)
    reps = np.append(rng.gamma(2.0, size=4000), [np.nan, np.inf])
    jack = rng.normal(2.0, 0.1, size=25)
    out = bootstrap_interval(2.1, reps, jack, alpha=0.05, n_units=25)
    finite = reps[np.isfinite(reps)]
    assert [out["ci_low"], out["ci_high"]] == np.quantile(finite, [0.025, 0.975]).tolist()
    level = resample.expanded_level(25)
    assert out["exp_alpha"] == level
    assert [out["exp_low"], out["exp_high"]] == np.quantile(finite, [level / 2, 1 - level / 2]).tolist()
    from scipy import special

    below = (np.sum(finite < 2.1) + 0.5 * np.sum(finite == 2.1)) / finite.size
    z0, dev = special.ndtri(below), jack.mean() - jack
    a = np.sum(dev**3) / (6.0 * np.sum(dev**2) ** 1.5)
    z = special.ndtri([0.025, 0.975])
    levels = special.ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))
    assert [out["bca_low"], out["bca_high"]] == np.quantile(finite, levels).tolist()


def test_resample_totals_many_gives_each_table_its_own_resample_totals(monkeypatch):
    # the counts of one draw times each table (topic and frame prevalence of every model), block by block
    # of replicates: bit-identical to resample_totals of each table alone, with one block and with several (small BOOTSTRAP_CELLS), the
    # draws kept for reuse (uint8 counts) or drawn anew (int64, DRAW_CACHE_CELLS = 0: the 5M-word case)
    from aictlab import resample

    rng = np.random.default_rng(0)
    strata = rng.integers(0, 3, 300)
    tables = [rng.random((300, 4)) * 50, rng.random((300, 2)) * 7, rng.random((300, 9))]
    for cells, cache in ((resample.BOOTSTRAP_CELLS, resample.DRAW_CACHE_CELLS), (1000, 0), (1000, 2**26)):
        monkeypatch.setattr(resample, "BOOTSTRAP_CELLS", cells)
        monkeypatch.setattr(resample, "DRAW_CACHE_CELLS", cache)
        resample._cached_draws.cache_clear()
        many = resample.resample_totals_many(tables, strata, n_boot=999, seed=6)
        for table, reps in zip(tables, many, strict=True):
            alone = resample.resample_totals(table, strata, n_boot=999, seed=6)
            assert sorted(reps) == sorted(alone) == [0, 1, 2]
            for s in alone:
                np.testing.assert_array_equal(reps[s], alone[s])
        # strata summed into groups as they are drawn (the thin periods of topic prevalence): the same sums
        groups = {0: "x", 1: "y", 2: "x"}
        many = resample.resample_totals_many(tables, strata, n_boot=999, seed=6, groups=groups)
        for table, reps in zip(tables, many, strict=True):
            alone = resample.resample_totals(table, strata, n_boot=999, seed=6)
            assert sorted(reps) == ["x", "y"]
            np.testing.assert_array_equal(reps["x"], alone[0] + alone[2])
            np.testing.assert_array_equal(reps["y"], alone[1])
    resample._cached_draws.cache_clear()


def test_bootstrap_intervals_are_bootstrap_interval_row_by_row():
    """The vectorised intervals of m statistics: bootstrap_interval's bits on each row, degenerate rows too."""
    rng = np.random.default_rng(21)
    b = 999
    normal = rng.normal(size=b)
    rows = [
        (0.1, normal, rng.normal(size=40)),
        (0.3, np.where(rng.random(b) < 0.1, np.nan, rng.gamma(2.0, size=b)), rng.gamma(2.0, size=7)),
        (0.0, np.append(rng.normal(size=b - 2), [np.inf, -np.inf]), np.append(rng.normal(size=5), np.nan)),
        (1.0, np.ones(b), rng.normal(size=9)),  # all replicates equal: no BCa
        (5.0, normal, rng.normal(size=9)),  # every replicate below θ̂: no BCa
        (0.0, np.round(normal), np.full(6, 2.0)),  # ties; a constant jackknife: no BCa
        (0.0, normal, np.array([1.0, np.nan])),  # one finite jackknife value: no BCa
        (np.nan, normal, rng.normal(size=9)),  # no θ̂: nothing
        (0.0, np.full(b, np.nan), rng.normal(size=9)),  # no finite replicate: nothing
    ]
    theta = np.array([r[0] for r in rows])
    reps = np.vstack([r[1] for r in rows])
    for alpha in (0.05, 0.1):
        for jackknife in ([r[2] for r in rows], None):
            got = resample.bootstrap_intervals(theta, reps, jackknife, alpha=alpha)
            for i, (t, rep, jack) in enumerate(rows):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    one = bootstrap_interval(t, rep, None if jackknife is None else jack, alpha=alpha)
                for key in ("ci_low", "ci_high", "bca_low", "bca_high"):
                    assert got[key][i].tobytes() == np.float64(one[key]).tobytes(), (i, key)
    # the degenerate rows are NaN, the others finite
    assert np.isnan(got["ci_low"][-2:]).all() and np.isfinite(got["ci_low"][:-2]).all()
    bca = resample.bootstrap_intervals(theta, reps, [r[2] for r in rows])["bca_low"]
    assert np.isfinite(bca[:3]).all() and np.isnan(bca[3:]).all()
