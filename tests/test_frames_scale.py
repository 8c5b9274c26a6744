"""The bounded-memory paths of the frames part give the numbers of the paths they replace (session 22, issue
15): the segment bootstrap one document at a time, compact bootstrap weights of the trend, the permutation
tests in blocks, and the one rule for the reported interval."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import make_tokens

from aictlab import drift, inference, resample, trend
from aictlab.lexicon import load_lexicon
from aictlab.resample import (
    bootstrap_interval,
    iter_resample_totals,
    preferred_interval,
    resample_counts,
    resample_totals,
)
from aictlab.schema import DOC_ID, N_TOKENS, YEAR

FILLER = "le de et pour avec une ville région action projet".split()


def _doc(doc_id, year, n_a, n_s, *, n, seed):
    rng = np.random.default_rng(seed)
    words = list(rng.choice(FILLER, n))
    for k, p in enumerate(rng.choice(n, n_a + n_s, replace=False)):
        words[p] = "attractivité" if k < n_a else "solidarité"
    return (doc_id, year, words)


@pytest.fixture(scope="module")
def corpus():
    """Twelve documents of 3-8 segments over four years (several documents a year) and three 5-year periods."""
    rng = np.random.default_rng(11)
    docs = []
    for i, year in enumerate([2011, 2011, 2012, 2016, 2016, 2016, 2017, 2021, 2021, 2022, 2022, 2023]):
        docs.append(_doc(f"d{i:02d}", year, int(rng.integers(1, 6)), int(rng.integers(1, 6)),
                         n=40 * int(rng.integers(3, 9)), seed=i))  # fmt: skip
    return make_tokens(docs)


def test_iter_resample_totals_gives_resample_totals_stratum_by_stratum():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 9, size=(40, 3)).astype(float)
    strata = rng.choice(["c", "a", "b", "d"], 40)
    whole = resample_totals(values, strata, n_boot=50, seed=5)
    pieces = list(iter_resample_totals(values, strata, n_boot=50, seed=5))
    assert [label for label, _ in pieces] == ["a", "b", "c", "d"]
    for label, rep in pieces:
        np.testing.assert_array_equal(rep, whole[label])
    # a grouping sums the same draws
    groups = {"a": "x", "b": "y", "c": "x", "d": "y"}
    grouped = resample_totals(values, strata, n_boot=50, seed=5, groups=groups)
    np.testing.assert_array_equal(grouped["x"], whole["a"] + whole["c"])


@pytest.mark.filterwarnings("ignore:BCa interval undefined")
def test_measure_drift_gives_the_intervals_of_every_documents_replicates_at_once(corpus):
    """by_document, by_year and the change: the intervals of the old path (every document's replicate totals
    kept, then summed per group), to the bit."""
    n_boot, seed = 400, 3
    result = drift.measure_drift(
        corpus, load_lexicon(), n_boot=n_boot, seed=seed, periods=5, min_documents=50
    )
    frm, to = result.drift_frames
    seg = result.segments.assign(one=1)
    columns = [
        N_TOKENS,
        "one",
        "both",
        "any",
        frm,
        to,
        *[f for f in result.frame_labels if f not in (frm, to)],
    ]
    reps = drift.bootstrap_segments(seg, columns, n_boot=n_boot, seed=seed)  # documents x B x k
    i_to, i_from = columns.index(to), columns.index(frm)

    def d_interval(docs):
        x = seg[seg[DOC_ID].isin(docs)][columns].to_numpy(dtype=float)
        total, rep = x.sum(axis=0), sum(reps[d] for d in docs)
        d = drift.drift_index(rep[:, i_to], rep[:, i_from])
        jack = drift.drift_index((total - x)[:, i_to], (total - x)[:, i_from])
        return bootstrap_interval(float(drift.drift_index(total[i_to], total[i_from])), d, jack)

    for row in result.by_document.itertuples(index=False):
        ci = d_interval([row.doc_id])
        np.testing.assert_array_equal(
            [row.ci_low, row.ci_high, row.bca_low, row.bca_high],
            [ci["ci_low"], ci["ci_high"], ci["bca_low"], ci["bca_high"]],
        )
    for row in result.by_year.itertuples(index=False):
        ci = d_interval(result.documents.loc[result.documents[YEAR].eq(row.year), DOC_ID].tolist())
        assert (row.ci_low, row.ci_high) == (ci["ci_low"], ci["ci_high"])
    # every period holds < 50 documents: its interval is the segment bootstrap of its documents
    for row in result.by_period.itertuples(index=False):
        assert row.resampled_unit == "segment"
        ci = d_interval(result.documents.loc[result.documents["period"].eq(row.period), DOC_ID].tolist())
        assert (row.ci_low, row.ci_high) == (ci["ci_low"], ci["ci_high"])
    change = result.change.iloc[0]
    first = result.documents.loc[result.documents["period"].eq(change["first_period"]), DOC_ID].tolist()
    last = result.documents.loc[result.documents["period"].eq(change["last_period"]), DOC_ID].tolist()
    r0, r1 = sum(reps[d] for d in first), sum(reps[d] for d in last)
    rep = drift.drift_index(r1[:, i_to], r1[:, i_from]) - drift.drift_index(r0[:, i_to], r0[:, i_from])
    assert (change["ci_low"], change["ci_high"]) == tuple(np.quantile(rep, [0.025, 0.975]))


def test_compact_bootstrap_counts_and_integer_weights_change_no_number(monkeypatch):
    monkeypatch.setattr(resample, "DRAW_CACHE_CELLS", 0)  # the draws of a large corpus: int64, not kept
    strata = np.zeros(300)
    wide = resample_counts(strata, n_boot=200, seed=4)[0.0]
    compact = resample_counts(strata, n_boot=200, seed=4, compact=True)[0.0]
    assert compact.dtype == np.uint8 and wide.dtype.itemsize == 8
    np.testing.assert_array_equal(compact, wide)
    rng = np.random.default_rng(2)
    x = (np.sort(rng.integers(2000, 2020, 300)) - 2010) / 10
    offset = np.log(rng.integers(500, 3000, 300).astype(float))
    y = rng.poisson(np.exp(offset - 6 + 0.3 * x)).astype(float)
    np.testing.assert_array_equal(
        inference._nb_fit(y, x, offset, 0.4, weights=compact), inference._nb_fit(y, x, offset, 0.4, weights=wide.astype(float))
    )  # fmt: skip


def _old_permutations(n, max_exact=8, n_random=9999, seed=42):
    """The permutations of 2caf17f, all drawn at once (the reference of the blocks)."""
    if n <= max_exact:
        return np.array(list(itertools.permutations(range(n))))
    rng = np.random.default_rng(seed)
    return np.vstack([np.arange(n), np.array([rng.permutation(n) for _ in range(n_random)])])


@pytest.mark.parametrize("n", [5, 30])
@pytest.mark.parametrize("cells", [1, 7 * 30, 2**23])
def test_permutation_blocks_are_the_permutations_drawn_at_once(n, cells):
    blocks = list(trend._permutation_blocks(n, n_random=99, seed=8, cells=cells))
    np.testing.assert_array_equal(np.vstack(blocks), _old_permutations(n, n_random=99, seed=8))
    assert trend._n_permutations(n, n_random=99) == (len(np.vstack(blocks)), n <= 8)
    if n > 8 and cells < 2**23:
        assert max(len(b) for b in blocks) == max(1, cells // n)


def test_trend_tests_in_blocks_give_the_p_values_of_one_block(monkeypatch):
    rng = np.random.default_rng(5)
    n = 40
    table = pd.DataFrame({DOC_ID: [f"d{i}" for i in range(n)], YEAR: np.sort(rng.integers(2000, 2024, n)),
                          "tokens": rng.integers(800, 4000, n)})  # fmt: skip
    table["solidarite"] = rng.poisson(table["tokens"] / 400 * np.linspace(1.5, 0.5, n))
    table["attractivite"] = rng.poisson(table["tokens"] / 400 * np.linspace(0.5, 1.5, n))
    whole = trend.trend_tests(table, seed=3)
    monkeypatch.setattr(trend, "_PERM_BLOCK_CELLS", 13 * n)  # 13 permutations a block
    blocked = trend.trend_tests(table, seed=3)
    pd.testing.assert_frame_equal(blocked, whole)
    assert whole["n_permutations"].eq(10000).all()
    assert whole.set_index("target").loc["attractivite", "perm_p_value"] < 0.01  # planted rise


def test_preferred_interval_is_the_expanded_one_when_defined():
    reps = np.random.default_rng(1).normal(size=2000)
    few = bootstrap_interval(0.0, reps, alpha=0.05, n_units=6)
    assert preferred_interval(few) == (few["exp_low"], few["exp_high"], "expanded percentile")
    assert few["exp_low"] < few["ci_low"] < few["ci_high"] < few["exp_high"]
    one = bootstrap_interval(0.0, reps, alpha=0.05, n_units=1)  # one unit: no expansion
    assert preferred_interval(one) == (one["ci_low"], one["ci_high"], "percentile")
    plain = bootstrap_interval(0.0, reps, alpha=0.05)
    assert preferred_interval(plain) == (plain["ci_low"], plain["ci_high"], "percentile")


@pytest.mark.parametrize("order", ["C", "F"])
def test_nb_fit_start_values_in_blocks_keep_the_bits_of_the_whole_table(monkeypatch, order):
    """Row sums over blocks of >= 2 rows equal those over the whole table in either memory order (the
    bootstrap weights are column-major); a one-row tail joins the previous block."""
    rng = np.random.default_rng(9)
    n, rows = 60, 301
    x = (np.sort(rng.integers(2000, 2020, n)) - 2010) / 10
    offset = np.log(rng.integers(500, 3000, n).astype(float))
    y = rng.poisson(np.exp(offset - 6)).astype(float)
    weights = np.asarray(rng.poisson(1.0, (rows, n)).astype(np.uint8), order=order)
    whole = inference._nb_fit(y, x, offset, 0.3, weights=weights)
    monkeypatch.setattr(inference, "_START_BLOCK_CELLS", 1)  # blocks of two rows, the last of three
    assert [s.stop - s.start for s in inference._start_blocks(rows, n)][-2:] == [2, 3]
    np.testing.assert_array_equal(inference._nb_fit(y, x, offset, 0.3, weights=weights), whole)


@pytest.mark.parametrize("cells", [7, 40, 2**25])
def test_blocks_of_replicates_drawn_lazily_are_the_draws_of_one_generator(monkeypatch, cells):
    """A large stratum's replicates come in blocks, drawn as they are used (never all held in int64): the same
    counts as drawing every block of every stratum in order from one default_rng(seed)."""
    monkeypatch.setattr(resample, "DRAW_CACHE_CELLS", 0)
    monkeypatch.setattr(resample, "BOOTSTRAP_CELLS", cells)
    rng_values = np.random.default_rng(3)
    strata = rng_values.choice(["b", "a", "c"], 30)
    values = rng_values.integers(0, 5, size=(30, 2)).astype(float)
    n_boot, seed = 23, 6
    rng = np.random.default_rng(seed)
    expected = {}
    for label in ["a", "b", "c"]:
        n = int((strata == label).sum())
        block = max(1, cells // n)
        counts = np.vstack([resample.multinomial_counts(rng, n, min(block, n_boot - b))
                            for b in range(0, n_boot, block)])  # fmt: skip
        expected[label] = counts
    totals = resample_totals(values, strata, n_boot=n_boot, seed=seed)
    counts = resample_counts(strata, n_boot=n_boot, seed=seed, compact=True)
    for label, c in expected.items():
        np.testing.assert_array_equal(totals[label], c @ values[strata == label])
        np.testing.assert_array_equal(counts[label], c)
