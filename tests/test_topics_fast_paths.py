"""The topic grid's fast paths give the numbers of the plain computations: the stacked E-step against the
per-unit formula, E ln θ carried between E-steps, the trigamma of the prior steps against scipy's,
scikit-learn's NMF against its loop run by :mod:`aictlab.topics.cdnmf`, and fits that keep their topics only."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse
from scipy.special import psi

from aictlab import topics as tp
from aictlab.topics.vblda import _dir_prior_step, _Stack, dirichlet_expectation, trigamma


@pytest.fixture(scope="module")
def planted_counts():
    """Counts of 60 units over 30 terms, each unit drawn mainly from one of three disjoint blocks of terms."""
    rng = np.random.default_rng(11)
    x = np.zeros((60, 30))
    for d in range(60):
        p = np.full(30, 0.1 / 20)
        p[(d % 3) * 10 : (d % 3) * 10 + 10] = 0.09
        np.add.at(x[d], rng.choice(30, size=25, p=p / p.sum()), 1.0)
    return sparse.csr_matrix(x)


def estep_by_unit(x, lam, alpha, max_iter, threshold):
    """γ of each unit of ``x`` by the textbook update (gensim's ``LdaModel.inference``), one unit at a time."""
    exp_beta = np.exp(psi(lam) - psi(lam.sum(1, keepdims=True)))
    gammas = []
    for d in range(x.shape[0]):
        ids, cts = x[d].indices, x[d].data
        gamma = np.ones(lam.shape[0])
        for _ in range(max_iter):
            exp_theta = np.exp(psi(gamma) - psi(gamma.sum()))
            norm = exp_theta @ exp_beta[:, ids] + 1e-100
            new = alpha + exp_theta * ((cts / norm) @ exp_beta[:, ids].T)
            change = np.abs(new - gamma).mean()
            gamma = new
            if change < threshold:
                break
        gammas.append(gamma)
    return np.array(gammas)


def test_stacked_estep_equals_the_per_unit_formula(planted_counts):
    x = planted_counts
    rng = np.random.default_rng(2)
    lams = [rng.gamma(100.0, 0.01, (3, 30)) * s for s in (1.0, 5.0)]
    alphas = [np.array([0.2, 0.3, 0.5]), np.array([1 / 3] * 3)]
    rows = [np.arange(60), np.sort(rng.choice(60, 45, replace=False))]
    stack = _Stack(x, rows)
    exp_beta_t = np.exp(dirichlet_expectation(np.stack(lams))).transpose(0, 2, 1).reshape(-1, 3)
    a_rows = np.stack(alphas)[stack.fit_of_row]
    for max_iter, threshold in ((1, 1e-3), (5, 1e-3), (50, 1e-6)):
        gamma, elog_theta, exp_theta, norm = stack.estep(
            exp_beta_t, a_rows, np.ones((105, 3)), max_iter=max_iter, threshold=threshold
        )
        expected = [
            estep_by_unit(x[r], lam, a, max_iter, threshold)
            for r, lam, a in zip(rows, lams, alphas, strict=True)
        ]
        np.testing.assert_allclose(gamma, np.vstack(expected), rtol=1e-12)
        np.testing.assert_array_equal(elog_theta, dirichlet_expectation(gamma))
        np.testing.assert_array_equal(exp_theta, np.exp(elog_theta))
        np.testing.assert_allclose(stack.ratio.data * norm, stack.counts, rtol=1e-14)


def test_estep_with_known_theta_equals_computing_it(planted_counts):
    # vb_lda_many hands the E-step the E ln θ and exp E ln θ it left: the same numbers as recomputing them
    x = planted_counts
    stack = _Stack(x, [np.arange(60)])
    exp_beta_t = np.exp(dirichlet_expectation(np.random.default_rng(4).gamma(100.0, 0.01, (3, 30)))).T.copy()
    alpha = np.full((60, 3), 0.3)
    first = stack.estep(exp_beta_t, alpha, np.ones((60, 3)), max_iter=2, threshold=1e-3)
    gamma = first[0]
    fresh = stack.estep(exp_beta_t * 1.1, alpha, gamma.copy(), max_iter=5, threshold=1e-3)
    carried = stack.estep(
        exp_beta_t * 1.1,
        alpha,
        gamma.copy(),
        max_iter=5,
        threshold=1e-3,
        theta=(first[1].copy(), first[2].copy()),
    )
    for a, b in zip(fresh, carried, strict=True):
        np.testing.assert_array_equal(a, b)


def test_trigamma_equals_scipy_within_rounding():
    # ψ'(x) = ζ(2, x) (scipy's polygamma(1, x) is 1.0 × zeta(2, x)); the η values of the grid's fits lie in
    # ~1e-4..10, the α values and their sums in ~0.01..100
    from scipy.special import zeta

    x = np.exp(np.random.default_rng(5).uniform(np.log(1e-6), np.log(1e7), (40, 5000)))
    np.testing.assert_allclose(trigamma(x), zeta(2, x), rtol=2e-15, atol=0)
    # integers and the points where the recurrence meets the series: ψ'(1) = π²/6, ψ'(x) − ψ'(x+1) = 1/x²
    np.testing.assert_allclose(trigamma(np.array([1.0])), [np.pi**2 / 6], rtol=1e-15)
    edge = np.array([0.5, 9.999, 10.0, 10.001])
    np.testing.assert_allclose(trigamma(edge) - trigamma(edge + 1.0), 1.0 / edge**2, rtol=1e-13)


def prior_step_with_scipy(prior, n, logphat):
    """The Newton step of the priors (Minka 2000, gensim's ``update_dir_prior``) with scipy's trigamma."""
    from scipy.special import zeta

    total = prior.sum(1, keepdims=True)
    grad = n[:, None] * (psi(total) - psi(prior) + logphat)
    c, q = n[:, None] * zeta(2, total), -n[:, None] * zeta(2, prior)
    b = (grad / q).sum(1, keepdims=True) / (1.0 / c + (1.0 / q).sum(1, keepdims=True))
    updated = prior - (grad - b) / q
    return np.where((updated > 0).all(1, keepdims=True), updated, prior)


def test_dir_prior_step_equals_its_scipy_form():
    rng = np.random.default_rng(6)
    # α of 4 fits, K = 5, from 200 units' E ln θ; η of 3 fits, V = 300, from 4 topics' E ln β
    alpha, n_units = np.full((4, 5), 0.2), np.full(4, 200.0)
    alpha_logphat = dirichlet_expectation(rng.gamma(2.0, 1.0, (4, 200, 5)) + 0.1).mean(1)
    eta, n_topics = np.full((3, 300), 0.1), np.full(3, 4.0)
    eta_logphat = dirichlet_expectation(rng.gamma(1.0, 5.0, (3, 4, 300)) + 0.1).sum(1) / 4
    for prior, n, logphat in ((alpha, n_units, alpha_logphat), (eta, n_topics, eta_logphat)):
        expected = prior_step_with_scipy(prior, n, logphat)
        assert (expected != prior).all()  # every row takes its step
        np.testing.assert_allclose(_dir_prior_step(prior, n, logphat), expected, rtol=1e-13)


def tfidf(counts):
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(sublinear_tf=True).fit_transform(counts)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_cdnmf_equals_scikit_learn_nmf(planted_counts, k):
    from sklearn.decomposition import NMF

    from aictlab.topics.cdnmf import CdNMF

    x = tfidf(planted_counts[np.arange(0, 60, 1 + (k == 5))])
    for tol in (1e-3, 1e-6):
        ours, theirs = (
            cls(k, init="nndsvda", max_iter=1000, tol=tol, random_state=3) for cls in (CdNMF, NMF)
        )
        np.testing.assert_array_equal(ours.fit_transform(x), theirs.fit_transform(x))
        np.testing.assert_array_equal(ours.components_, theirs.components_)
        assert ours.n_iter_ == theirs.n_iter_ and ours.reconstruction_err_ == theirs.reconstruction_err_
        np.testing.assert_array_equal(ours.transform(x[:7]), theirs.transform(x[:7]))
    # few iterations: scikit-learn's warning, the same numbers
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        short = CdNMF(k, init="nndsvda", max_iter=2, tol=1e-12, random_state=3).fit(x)
        assert any("Maximum number of iterations" in str(w.message) for w in caught)
        plain = NMF(k, init="nndsvda", max_iter=2, tol=1e-12, random_state=3).fit(x)
    assert short.n_iter_ == plain.n_iter_ == 2
    np.testing.assert_array_equal(short.components_, plain.components_)
    # settings outside the plain fit run scikit-learn's own loop
    shuffled = [
        cls(k, init="nndsvda", shuffle=True, random_state=1).fit(x).components_ for cls in (CdNMF, NMF)
    ]
    np.testing.assert_array_equal(*shuffled)


def test_fits_keeping_topics_only(planted_counts):
    import pandas as pd

    terms = np.array([f"t{j}" for j in range(30)])
    dense = planted_counts.toarray().astype(int)
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i // 10}" for i in range(60)],
            "unit_id": [f"u{i}" for i in range(60)],
            "year": 2010 + np.arange(60) % 4,
            "n_tokens": dense.sum(1) * 2,
            "terms": [tuple(np.repeat(terms, row)) for row in dense],
        }
    )
    rows = np.sort(np.random.default_rng(5).choice(60, 48, replace=False))
    full = tp.fit_lda_many(docs, 3, [(None, 1), (rows, 2)])
    lean = tp.fit_lda_many(docs, 3, [(None, 1), (rows, 2)], subset_units=False)
    for a, b in zip(full, lean, strict=True):
        np.testing.assert_array_equal(a.topic_term_, b.topic_term_)
        np.testing.assert_array_equal(a.alpha_, b.alpha_)
    assert lean[1].docs_ is None and lean[1].doc_topic_ is None and len(lean[0].docs_) == 60
    kept = tp.make_topic_model("nmf", 3).fit(docs.iloc[rows])
    lean_nmf = tp.make_topic_model("nmf", 3).fit(docs.iloc[rows], keep_units=False)
    np.testing.assert_array_equal(kept.topic_term_, lean_nmf.topic_term_)
    assert lean_nmf.docs_ is None and lean_nmf.doc_topic_ is None
    np.testing.assert_array_equal(kept.transform(docs), lean_nmf.transform(docs))


def test_cdnmf_falls_back_to_scikit_learn_without_its_private_kernel(monkeypatch):
    # another scikit-learn release may drop or rename the kernel: the fit then runs scikit-learn's own loop
    import sys

    from sklearn.decomposition import NMF

    from aictlab.topics.cdnmf import CdNMF

    rng = np.random.default_rng(3)
    x = sparse.csr_matrix(rng.poisson(0.5, (40, 30)).astype(float))
    monkeypatch.setitem(sys.modules, "sklearn.decomposition._cdnmf_fast", None)  # import now fails
    # nndsvda's SVD is seeded
    settings = {"init": "nndsvda", "tol": 1e-3, "max_iter": 1000, "random_state": 0}
    ours = CdNMF(3, **settings).fit(x)
    theirs = NMF(3, **settings).fit(x)
    np.testing.assert_array_equal(ours.components_, theirs.components_)
    assert ours.n_iter_ == theirs.n_iter_
