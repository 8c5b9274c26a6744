"""Stability of topics: average Jaccard of ranked term lists and the best one-to-one matching of two fits.

Reference: Greene, O'Callaghan & Cunningham 2014, "How many topics? Stability analysis for topic models",
ECML-PKDD (``docs/methods.md`` §10).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aictlab.errors import SettingsError

__all__ = ["average_jaccard", "topic_agreement"]


def average_jaccard(a: Sequence[str], b: Sequence[str], depth: int = 20) -> float:
    """Average Jaccard of two ranked term lists (Greene et al. 2014).

    AJ(a, b) = (1/t) Σ_{d=1..t} |a_d ∩ b_d| / |a_d ∪ b_d|, a_d = the top-d terms of a, t = ``depth``
    (capped at the shorter list). 1 = same terms in the same order at every depth.

    Examples
    --------
    >>> average_jaccard(["a", "b"], ["b", "a"], depth=2)
    0.5
    """
    t = min(depth, len(a), len(b))
    if t == 0:
        raise SettingsError("average_jaccard: empty term list.")
    total = 0.0
    for d in range(1, t + 1):
        sa, sb = set(a[:d]), set(b[:d])
        total += len(sa & sb) / len(sa | sb)
    return total / t


def topic_agreement(
    reference: Sequence[Sequence[str]], other: Sequence[Sequence[str]], depth: int = 20
) -> tuple[float, np.ndarray]:
    """Agreement of two topic sets: mean average Jaccard over the best one-to-one matching.

    S_ij = AJ(reference_i, other_j); the matching π maximises Σ_i S_iπ(i) (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment(S, maximize=True)``); agreement = (1/K) Σ_i S_iπ(i)
    (Greene, O'Callaghan & Cunningham 2014).

    Returns
    -------
    (float, ndarray)
        The agreement and π (``match[i]`` = index in ``other`` of reference topic i).
    """
    from scipy.optimize import linear_sum_assignment

    if len(reference) != len(other) or not reference:
        raise SettingsError(f"topic_agreement: topic sets of sizes {len(reference)} and {len(other)} differ.")
    s = _jaccard_matrix(reference, other, depth)
    rows, cols = linear_sum_assignment(s, maximize=True)
    match = np.empty(len(reference), dtype=int)
    match[rows] = cols
    return float(s[rows, cols].mean()), match


def _jaccard_matrix(
    reference: Sequence[Sequence[str]], other: Sequence[Sequence[str]], depth: int
) -> np.ndarray:
    """S_ij = :func:`average_jaccard` (reference_i, other_j, depth), every pair at once, the same numbers.

    At depth d the intersection of the two top-d lists is the number of (a, b) positions with a ≤ d, b ≤ d
    holding the same term (terms of a list are distinct; a repeated term falls back on
    :func:`average_jaccard`); the union is 2d − intersection. Each ratio and the sum over d are computed as
    :func:`average_jaccard` computes them (the same float operations in the same order).
    """
    ts = {min(depth, len(r), len(o)) for r in reference for o in other}
    if min(ts) == 0:
        raise SettingsError("average_jaccard: empty term list.")
    if len(ts) > 1 or any(len(set(t[:depth])) < min(depth, len(t)) for t in [*reference, *other]):
        return np.array([[average_jaccard(r, o, depth) for o in other] for r in reference])
    t = ts.pop()
    terms = {w: j for j, w in enumerate({w for lst in [*reference, *other] for w in lst[:t]})}

    # rank of each term in each list (t when absent), as (lists, terms) arrays
    def ranks(lists):
        out = np.full((len(lists), len(terms)), t, dtype=np.int64)
        for i, lst in enumerate(lists):
            out[i, [terms[w] for w in lst[:t]]] = np.arange(t)
        return out

    ra, rb = ranks(reference), ranks(other)
    # a term shared by lists i and j enters their intersection from depth max(rank_i, rank_j) + 1 on
    first = np.maximum(ra[:, None, :], rb[None, :, :])  # (i, j, term); t = never
    counts = np.zeros((len(reference), len(other), t + 1), dtype=np.int64)
    ii, jj, ww = np.nonzero(first < t)
    np.add.at(counts, (ii, jj, first[ii, jj, ww]), 1)
    inter = np.cumsum(counts[:, :, :t], axis=2)  # |a_d ∩ b_d| for d = 1..t
    d = np.arange(1, t + 1)
    ratio = inter / (2 * d - inter)  # int / int -> float64, as len(..) / len(..)
    total = np.zeros(ratio.shape[:2])
    for step in range(t):  # left to right, as average_jaccard's loop
        total += ratio[:, :, step]
    return total / t
