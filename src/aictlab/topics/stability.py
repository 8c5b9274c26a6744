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
    s = np.array([[average_jaccard(r, o, depth) for o in other] for r in reference])
    rows, cols = linear_sum_assignment(s, maximize=True)
    match = np.empty(len(reference), dtype=int)
    match[rows] = cols
    return float(s[rows, cols].mean()), match
