"""The fast paths of the frames part give the numbers of the paths they replace (session 21, issue 15):
NB2 and Newton fits in blocks of rows, bootstrap weights from resample_counts, FrameData.subset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_tokens

from aictlab import frames, inference, trend
from aictlab.lexicon import load_lexicon
from aictlab.resample import resample_counts, resample_totals


def _planted(n=40, seed=7):
    """Documents over 20 years, hits in four of them (more in later ones) only, so that some bootstrap replicates draw
    no hit at all (their fit never converges: NaN, the slowest rows of the table)."""
    rng = np.random.default_rng(seed)
    years = np.sort(rng.integers(2000, 2020, n)).astype(float)
    tokens = rng.integers(500, 3000, n).astype(float)
    y = np.zeros(n)
    y[[n // 8, n // 2, n - 5, n - 2]] = [1, 2, 3, 4]
    x = (years - years.mean()) / 10
    return y.astype(float), x, np.log(tokens)


def _old_nb_fit(y, x, offset, alpha, weights=None, max_iter=60, tol=1e-9):
    """The NB2 fit of df4c355, every row iterated together (the reference of the blocked fit), with the Newton
    weights of session 27 (observed information w μ (1 + α y) / d², Fisher scoring's w μ / d before)."""
    x = np.atleast_2d(x)
    w = np.ones((1, y.size)) if weights is None else np.atleast_2d(weights)
    rows = max(x.shape[0], w.shape[0])
    b = np.zeros((rows, 2))
    yw = (w * y).sum(axis=1) / np.maximum((w * np.exp(offset)).sum(axis=1), 1e-300)
    b[:, 0] = np.log(np.maximum(yw, 1e-12))
    done = np.zeros(rows, dtype=bool)
    for _ in range(max_iter):
        mu = np.exp(np.clip(b[:, [0]] + b[:, [1]] * x + offset, -700, 700))
        denom = 1 + alpha * mu
        r = w * (y - mu) / denom
        h = w * mu * (1 + alpha * y) / denom / denom
        g0, g1 = r.sum(axis=1), (r * x).sum(axis=1)
        h00, h01, h11 = h.sum(axis=1), (h * x).sum(axis=1), (h * x * x).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            det = h00 * h11 - h01**2
            step = np.column_stack([(h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det])
        step[~np.isfinite(step)] = 0.0
        b += np.clip(step, -5, 5)
        done = np.abs(step).max(axis=1) < tol * (1 + np.abs(b).max(axis=1))
        if done.all():
            break
    b[~done | (np.abs(b[:, 1]) > 50)] = np.nan
    return b


@pytest.mark.parametrize("cells", [1, 100, 2**16])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_blocked_nb_fit_equals_the_whole_table_fit(monkeypatch, cells, alpha):
    y, x, offset = _planted()
    weights = inference._unit_weights(np.arange(y.size), 300, 3)
    perms = np.vstack([np.random.default_rng(1).permutation(x) for _ in range(50)])
    monkeypatch.setattr(inference, "_FIT_BLOCK_CELLS", cells)
    rep = inference._nb_fit(y, x, offset, alpha, weights=weights)
    old = _old_nb_fit(y, x, offset, alpha, weights=weights)
    assert np.isnan(old[:, 1]).sum() >= 5  # replicates without any hit: never converge
    np.testing.assert_array_equal(rep, old)  # bit for bit, NaN where NaN
    np.testing.assert_array_equal(
        inference._nb_fit(y, perms, offset, alpha), _old_nb_fit(y, perms, offset, alpha)
    )
    assert inference._nb_fit(y, x, offset, alpha)[0, 1] == _old_nb_fit(y, x, offset, alpha)[0, 1]


def _old_newton_glm(y, x, offset, trials=None, max_iter=50, tol=1e-10):
    """The Newton slope of df4c355 (all rows at once, an active set of rows): the reference."""
    p_rows = x.shape[0]
    b = np.zeros((p_rows, 2))
    if trials is None:
        b[:, 0] = np.log(max(y.sum(), 0.5) / np.exp(offset).sum())
    else:
        pbar = np.clip(y.sum() / trials.sum(), 1e-6, 1 - 1e-6)
        b[:, 0] = np.log(pbar / (1 - pbar))
    converged = np.zeros(p_rows, dtype=bool)
    active = np.arange(p_rows)
    for _ in range(max_iter):
        xa, ba = x[active], b[active]
        eta = ba[:, [0]] + ba[:, [1]] * xa
        if trials is None:
            mu = np.exp(np.clip(eta + offset, -700, 700))
            w = mu
        else:
            p = 1 / (1 + np.exp(-np.clip(eta, -700, 700)))
            mu = trials * p
            w = mu * (1 - p)
        resid = y - mu
        wx = w * xa
        g0, g1 = resid.sum(axis=1), (resid * xa).sum(axis=1)
        h00, h01, h11 = w.sum(axis=1), wx.sum(axis=1), (wx * xa).sum(axis=1)
        det = h00 * h11 - h01**2
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.column_stack([(h11 * g0 - h01 * g1) / det, (-h01 * g0 + h00 * g1) / det])
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


@pytest.mark.parametrize("trials", [False, True])
def test_blocked_newton_glm_equals_the_whole_table_fit(monkeypatch, trials):
    y, x, offset = _planted()
    perms = np.vstack([x, *(np.random.default_rng(2).permutation(x) for _ in range(200))])
    kw = {"trials": y + 5.0} if trials else {}
    whole = trend._newton_glm(y, perms, offset, **kw)
    np.testing.assert_array_equal(whole, _old_newton_glm(y, perms, offset, **kw))  # bit for bit
    monkeypatch.setattr(trend, "_BLOCK_CELLS", 7 * y.size)  # blocks of 7 rows, the last one shorter
    np.testing.assert_array_equal(trend._newton_glm(y, perms, offset, **kw), whole)
    assert np.isfinite(whole).all()


def test_resample_counts_are_the_draws_of_resample_totals():
    rng = np.random.default_rng(0)
    strata = rng.choice(["b", "a", "c"], 40)
    values = rng.normal(size=(40, 3))
    counts = resample_counts(strata, n_boot=200, seed=5)
    totals = resample_totals(values, strata, n_boot=200, seed=5)
    assert sorted(counts) == ["a", "b", "c"]
    for s in counts:
        assert counts[s].shape == (200, int((strata == s).sum()))
        assert (counts[s].sum(axis=1) == (strata == s).sum()).all()  # n_s draws per replicate
        np.testing.assert_allclose(counts[s] @ values[strata == s], totals[s], rtol=1e-12)
    # one stratum: the weights are exactly the replicate totals of unit-indicator rows (df4c355's weights)
    groups = np.array([0, 1, 1, 2, 3, 3, 3])
    identity = resample_totals(np.eye(4), np.zeros(4), n_boot=300, seed=9)[0.0]
    np.testing.assert_array_equal(inference._unit_weights(groups, 300, 9), identity[:, groups])


def test_frame_data_subset_is_frame_data_of_those_tiers():
    words = "la coopération décentralisée renforce la solidarité et l' attractivité du territoire".split()
    tokens = make_tokens(
        [("d1", 2011, words * 6), ("d2", 2016, words[::-1] * 5), ("d3", 2021, words[2:] * 7)], seg_size=15
    )
    lexicon = load_lexicon()
    full = frames.frame_data(tokens, lexicon, tiers=("extended", "core"), window=10)
    sub = full.subset(("extended",))
    ref = frames.frame_data(tokens, lexicon, tiers=("extended",), window=None)
    assert len(ref.hits("extended")) > 0
    pd.testing.assert_frame_equal(sub.documents, ref.documents)
    pd.testing.assert_frame_equal(sub.segments, ref.segments)
    assert list(sub.matches) == ["extended"]
    pd.testing.assert_frame_equal(sub.hits("extended"), ref.hits("extended"))
    assert (sub.kwic, sub.window, sub.frames, sub.params) == (None, None, ref.frames, ref.params)
    assert full.subset(("core",), window=10).kwic is full.kwic
    with pytest.raises(frames.AictlabError, match="window 5"):
        full.subset(("core",), window=5)


def _old_frame_counts(segments, matches, frames_):
    """frame_counts of df4c355 (sort, group the hits, merge): the reference of the indexed path."""
    seg = segments[segments["n_tokens"] > 0].astype({"tok_pos": "int64", "n_tokens": "int64"})
    seg = seg.sort_values(["doc_id", "tok_pos", "seg_id"], kind="stable").reset_index(drop=True)
    m = matches[matches["frame"].isin(frames_)]
    counts = m.groupby(["doc_id", "seg_id", "frame"]).size().unstack("frame", fill_value=0)
    counts = counts.reindex(columns=frames_, fill_value=0)
    seg = seg.merge(counts, left_on=["doc_id", "seg_id"], right_index=True, how="left")
    for f in frames_:
        seg[f] = seg[f].fillna(0).astype(int)
    seg["both"] = ((seg[frames_[0]] > 0) & (seg[frames_[1]] > 0)).astype(int)
    seg["any"] = (seg[frames_].sum(axis=1) > 0).astype(int)
    seg["year"] = seg["year"].astype(int)
    return seg


@pytest.mark.parametrize("case", ["in order", "shuffled", "segment ids repeat across documents"])
def test_frame_counts_equal_the_merge_of_grouped_hits(case):
    rng = np.random.default_rng(4)
    docs = np.repeat(["d1", "d2", "d3"], [5, 7, 4])
    local = np.concatenate([np.arange(5), np.arange(7), np.arange(4)])
    segments = pd.DataFrame(
        {"doc_id": docs, "seg_id": [f"{d}_s{i}" for d, i in zip(docs, local, strict=True)], "year": 2015,
         "tok_pos": (local * 40).astype(float), "n_tokens": rng.integers(1, 40, docs.size)}
    )  # fmt: skip
    segments.loc[3, "n_tokens"] = 0  # a segment without word token: dropped
    hit_rows = rng.choice(np.flatnonzero(segments["n_tokens"] > 0), 30)
    matches = segments.iloc[hit_rows][["doc_id", "seg_id"]].assign(
        frame=rng.choice(["solidarite", "attractivite", "autre"], 30)
    )
    if case == "shuffled":
        segments = segments.sample(frac=1, random_state=1)
    elif case == "segment ids repeat across documents":
        segments["seg_id"] = [f"s{i}" for i in local]
        matches["seg_id"] = matches["seg_id"].str.split("_").str[-1]
    pair = ["solidarite", "attractivite"]
    ours = frames.frame_counts(segments, matches, frames=pair)
    pd.testing.assert_frame_equal(ours, _old_frame_counts(segments, matches, pair))
    assert ours[pair].to_numpy().sum() == matches["frame"].isin(pair).sum()
    lost = pd.concat(
        [matches, segments.loc[segments["n_tokens"].eq(0), ["doc_id", "seg_id"]].assign(frame="solidarite")]
    )
    with pytest.raises(frames.SchemaError, match="outside the word tokens' segments"):
        frames.frame_counts(segments, lost, frames=pair)


def test_hit_contexts_equal_a_search_of_each_document_for_its_own_lemmas():
    """d2's hit is « coopération » alone at 2 (say the next word was another sentence for match_terms); a
    search for d1's « coopération décentralisée » as well would take tokens 2-3 in d2: d2 is searched again."""
    from aictlab.concordance import kwic

    words = {
        "d1": "la coopération décentralisée avance".split(),
        "d2": "une coopération puis coopération décentralisée ici".split(),
        "d3": "rien que la solidarité ici".split(),
    }
    tokens = make_tokens([(d, 2015, w) for d, w in words.items()])
    matches = pd.DataFrame(
        {"doc_id": ["d1", "d2", "d2", "d3"], "tok_pos": [1, 1, 3, 3],
         "lemma": ["coopération décentralisée", "coopération", "coopération", "solidarité"]}
    )  # fmt: skip
    lines = frames.hit_contexts(tokens, matches, window=2)
    expected = []
    for doc, hits in matches.groupby("doc_id"):
        found = kwic(tokens[tokens["doc_id"].eq(doc)], sorted(set(hits["lemma"])), window=2)
        expected.append(found[found["start"].isin(hits["tok_pos"])])
    expected = pd.concat(expected, ignore_index=True)[["doc_id", "start", "end", "left", "keyword", "right"]]
    pd.testing.assert_frame_equal(lines, expected)
    assert lines.loc[lines["doc_id"].eq("d2"), "keyword"].tolist() == ["coopération", "coopération"]
    assert lines.loc[lines["doc_id"].eq("d1"), "keyword"].tolist() == ["coopération décentralisée"]


@pytest.mark.parametrize("binomial", [False, True])
def test_slope_from_per_year_sums_equals_the_per_document_fit(binomial):
    # the permutation test fits per-year sums (Σ y, Σ tokens or Σ trials): the likelihood's sufficient
    # statistics, so each permutation's slope is the per-document Newton fit's
    rng = np.random.default_rng(11)
    n = 60
    years = np.sort(rng.integers(2000, 2012, n)).astype(float) - 2000
    tokens = rng.integers(300, 3000, n).astype(float)
    y = rng.poisson(tokens / 300 * np.exp(0.05 * years)).astype(float)
    other = rng.poisson(tokens / 300).astype(float)
    y[:3] = other[:3] = 0  # documents without any hit: no trial (dropped by the binomial GLM, weight 0 here)
    year_values, codes = np.unique(years, return_inverse=True)
    perms = np.vstack([np.arange(n), *(rng.permutation(n) for _ in range(30))])
    totals = y + other if binomial else tokens
    grouped = trend._grouped_slope(
        *trend._year_sums(codes.astype(np.intp), perms, [y, totals], len(year_values)),
        year_values,
        binomial=binomial,
    )
    keep = totals > 0
    per_document = trend._newton_glm(
        y[keep], years[perms][:, keep], None if binomial else np.log(tokens), trials=totals[keep] if binomial else None
    )  # fmt: skip
    assert np.isfinite(per_document).all() and abs(per_document[0]) > 0.01
    np.testing.assert_allclose(grouped, per_document, rtol=0, atol=1e-10)


def test_newton_nb_fit_reaches_the_maximum_in_few_steps(monkeypatch):
    # Newton-Raphson (observed information) for α > 0: 200 bootstrap replicates (one block) converge in 5 steps
    # from the pooled rate (Fisher scoring: 11) and stop at the maximum (more steps move β by < 1e-14; scoring
    # stopped 3e-10 away); the full-sample fit is statsmodels' NB2 GLM's (fixed α)
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    rng = np.random.default_rng(4)
    n, alpha = 300, 1.3
    x = (np.sort(rng.integers(2000, 2020, n)) - 2010) / 10
    offset = np.log(rng.integers(500, 3000, n).astype(float))
    y = rng.poisson(rng.gamma(1 / alpha, alpha * np.exp(offset - 4 + 0.4 * x))).astype(float)
    weights = inference._unit_weights(np.arange(n), 200, 1)
    steps = []
    iterate = inference._nb_iterate
    monkeypatch.setattr(inference, "_nb_iterate", lambda *a: steps.append(1) or iterate(*a))
    b = inference._nb_fit(y, x, offset, alpha, weights=weights)
    assert len(steps) == 5 and np.isfinite(b).all()
    polished = b.copy()
    for _ in range(3):
        iterate(polished, y, x[None, :], offset, alpha, weights.astype(float), 0.0)
    np.testing.assert_allclose(b, polished, rtol=0, atol=1e-14)
    ref = GLM(
        y, np.column_stack([np.ones(n), x]), family=families.NegativeBinomial(alpha=alpha), offset=offset
    )
    np.testing.assert_allclose(
        inference._nb_fit(y, x, offset, alpha)[0], ref.fit(tol=1e-14).params, atol=1e-11
    )
