"""Reinert's double classification (rainette2): two classifications on units of two sizes, crossed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab.contingency import chi_squared
from aictlab.corpus import Corpus
from aictlab.errors import SettingsError
from aictlab.reinert.classify import ReinertResult, class_labels, reinert
from aictlab.reinert.matrix import SegmentTermMatrix, segment_term_matrix

__all__ = ["reinert_double"]


# --------------------------------------------------------------------------------------------------------------
# Double classification
# --------------------------------------------------------------------------------------------------------------
def _signed_yates_chi2(n_both, n1, n2, n_tot) -> np.ndarray:
    """Signed χ² with Yates correction of the 2 × 2 crossing of two classes (R ``chisq.test``, rainette2)."""
    # rows: in class A / not; columns: in class B / not  ->  a = n_both, c = n2 (B size), b = n1 - n_both, d = rest
    return chi_squared(n_both, n1 - n_both, n2, n_tot - n2, correction="yates")


def reinert_double(
    tokens: Corpus | pd.DataFrame | SegmentTermMatrix,
    *,
    max_k: int = 5,
    min_segment_size1: int = 10,
    min_segment_size2: int = 15,
    min_members: int = 10,
    min_chi2: float = 3.84,
    k: int | None = None,
    full: bool = True,
    **kwargs,
) -> ReinertResult:
    """Double classification (Reinert; rainette ``rainette2``): two classifications on units of two sizes,
    crossed; the stable classes are the crossings that are large and strongly associated.

    Every class of every level of run 1 is crossed with every class of every level of run 2; a crossing is
    valid when its size > ``min_members`` and its signed association χ² (Yates) > ``min_chi2``. For each
    number of classes, the partition made of that many pairwise disjoint valid crossings with the largest
    Σχ² (``full=True``; ties: largest size) or the largest size (``full=False``) is kept.

    Parameters
    ----------
    tokens : Corpus, DataFrame or SegmentTermMatrix
        As in :func:`~aictlab.reinert.classify.reinert`.
    max_k : int, default=5
    min_segment_size1, min_segment_size2 : int, default=10, 15
    min_members : int, default=10
        Also the ``min_split_members`` of both runs (as rainette2 passes it).
    min_chi2 : float, default=3.84
    k : int, optional
        Number of classes of the returned partition (default: the largest found).
    full : bool, default=True
    **kwargs
        Passed to :func:`~aictlab.reinert.classify.reinert` (``cc_test``, ``tsj``, ``pos``...).

    Returns
    -------
    ReinertResult
        ``segments["class"]`` from the chosen partition (<NA>: not in any kept crossing);
        ``params["partitions"]``: DataFrame ``k, chi2, n, crossings`` of the best partition per k.
    """
    stm = (
        tokens
        if isinstance(tokens, SegmentTermMatrix)
        else segment_term_matrix(
            tokens, **{k_: v for k_, v in kwargs.items() if k_ in ("pos", "min_segments", "extra")}
        )
    )
    run_kwargs = {k_: v for k_, v in kwargs.items() if k_ not in ("pos", "min_segments", "extra")}
    r1 = reinert(
        stm, k=max_k, min_segment_size=min_segment_size1, min_split_members=min_members, **run_kwargs
    )
    r2 = reinert(
        stm, k=max_k, min_segment_size=min_segment_size2, min_split_members=min_members, **run_kwargs
    )
    n_tot = len(stm.segments)

    def memberships(res: ReinertResult):
        out = []
        for col in [c for c in res.segments.columns if c.startswith("class_k")]:
            lab = res.segments[col].to_numpy(dtype="float", na_value=np.nan)
            for g in np.unique(lab[~np.isnan(lab)]):
                out.append((f"{col[7:]}.{int(g)}", lab == g))
        return out

    m1, m2 = memberships(r1), memberships(r2)
    valid = []
    seen = set()
    for name1, mask1 in m1:
        for name2, mask2 in m2:
            both = mask1 & mask2
            n_both = int(both.sum())
            chi2 = float(_signed_yates_chi2(n_both, int(mask1.sum()), int(mask2.sum()), n_tot))
            if n_both > min_members and chi2 > min_chi2:
                key = both.tobytes()
                if key in seen:
                    continue
                seen.add(key)
                valid.append({"crossing": f"{name1}x{name2}", "n": n_both, "chi2": chi2, "members": both})
    if len(valid) < 2:
        raise SettingsError("reinert_double: fewer than 2 valid crossed classes; lower min_members.")
    members = np.array([v["members"] for v in valid])
    overlap = (members.astype(np.int32) @ members.T.astype(np.int32)) > 0
    compat = [int(sum(1 << j for j in np.flatnonzero(~overlap[i]) if j > i)) for i in range(len(valid))]
    chi = np.array([v["chi2"] for v in valid])
    size = np.array([v["n"] for v in valid])
    best: dict[int, tuple] = {}

    def score(combo):
        return (
            (chi[list(combo)].sum(), size[list(combo)].sum())
            if full
            else (size[list(combo)].sum(), chi[list(combo)].sum())
        )

    def dfs(combo: list[int], allowed: int):
        if len(combo) >= 2:
            s = score(combo)
            kk = len(combo)
            if kk not in best or s > best[kk][0]:
                best[kk] = (s, tuple(combo))
        if len(combo) == max_k:
            return
        cand = allowed
        while cand:
            j = (cand & -cand).bit_length() - 1
            cand &= cand - 1
            dfs([*combo, j], allowed & compat[j])

    for i in range(len(valid)):
        dfs([i], compat[i])
    if not best:
        raise SettingsError("reinert_double: no partition of 2 or more disjoint crossed classes.")
    partitions = pd.DataFrame(
        [
            {
                "k": kk,
                "chi2": float(chi[list(c)].sum()),
                "n": int(size[list(c)].sum()),
                "crossings": " ".join(valid[j]["crossing"] for j in c),
            }
            for kk, (_, c) in sorted(best.items())
        ]
    )
    k_chosen = max(best) if k is None else k
    if k_chosen not in best:
        raise SettingsError(f"reinert_double: no partition with k={k_chosen}; found {sorted(best)}.")
    combo = best[k_chosen][1]
    # classes ordered by their first segment so that numbering is stable
    combo = sorted(combo, key=lambda j: int(np.argmax(valid[j]["members"])))
    lab = np.zeros(n_tot, dtype=np.int64)
    for i, j in enumerate(combo, start=1):
        lab[valid[j]["members"]] = i
    segs = stm.segments.copy()
    segs["class_run1"] = r1.segments["class"].to_numpy()
    segs["class_run2"] = r2.segments["class"].to_numpy()
    segs["class"] = class_labels(lab)
    counts = segs["class"].value_counts().reindex(range(1, len(combo) + 1), fill_value=0)
    classes = pd.DataFrame(
        {
            "class": np.arange(1, len(combo) + 1),
            "crossing": [valid[j]["crossing"] for j in combo],
            "chi2_crossing": [valid[j]["chi2"] for j in combo],
            "n_segments": counts.to_numpy(),
            "share": counts.to_numpy() / n_tot,
        }
    )
    params = {
        "method": "double",
        "max_k": max_k,
        "k": k_chosen,
        "min_segment_size1": min_segment_size1,
        "min_segment_size2": min_segment_size2,
        "min_members": min_members,
        "min_chi2": min_chi2,
        "full": full,
        "partitions": partitions,
        "n_valid_crossings": len(valid),
        **{
            k_: v for k_, v in r1.params.items() if k_ in ("cc_test", "tsj", "pos", "min_segments", "n_terms")
        },
    }
    return ReinertResult(segs, r1.splits, classes, stm, params)
