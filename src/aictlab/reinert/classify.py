"""Reinert's descending hierarchical classification: one split of a cluster, and the hierarchy of splits.

The largest cluster is split in two, k - 1 times: its segments are ordered on the first axis of its
correspondence analysis, cut where the χ² of the 2 × terms table of summed presences is largest, then single
segments are moved across while the χ² rises; in each half, terms of frequency < ``tsj`` are dropped and a term
whose contingency coefficient exceeds ``cc_test`` stays only in the half where it is over-represented
(docs/methods.md §9, following rainette step by step). Deterministic: the CA axis comes from a dense SVD, or
ARPACK with a fixed start vector on large clusters; ties are broken by segment order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from aictlab.corpus import Corpus
from aictlab.errors import SettingsError
from aictlab.reinert.matrix import ACTIVE_POS, SegmentTermMatrix, merge_segments, segment_term_matrix

__all__ = ["ReinertResult", "class_labels", "reinert", "split_cluster"]

#: Clusters with more cells than this get their CA axis from ARPACK (sparse) instead of a dense SVD.
_DENSE_LIMIT = 20_000


# --------------------------------------------------------------------------------------------------------------
# One split
# --------------------------------------------------------------------------------------------------------------
def _first_axis_rows(x: sparse.csr_matrix) -> np.ndarray:
    """Row coordinates on the first CA axis of a non-negative matrix without zero rows/columns."""
    n = x.sum()
    r = np.asarray(x.sum(axis=1)).ravel() / n
    c = np.asarray(x.sum(axis=0)).ravel() / n
    if x.shape[0] * x.shape[1] <= _DENSE_LIMIT or min(x.shape) < 4:
        s = (x.toarray() / n - np.outer(r, c)) / np.sqrt(np.outer(r, c))
        u, _, _ = np.linalg.svd(s, full_matrices=False)
        u1 = u[:, 0]
    else:
        from scipy.sparse.linalg import LinearOperator, svds

        sr, sc = np.sqrt(r), np.sqrt(c)
        p = x.astype(float) / n

        def matvec(v):
            v = np.ravel(v)
            return (p @ (v / sc)) / sr - sr * (sc @ v)

        def rmatvec(u):
            u = np.ravel(u)
            return (p.T @ (u / sr)) / sc - sc * (sr @ u)

        op = LinearOperator(x.shape, matvec=matvec, rmatvec=rmatvec, dtype=float)
        v0 = np.linspace(1.0, 2.0, min(x.shape))
        u, _, _ = svds(op, k=1, v0=v0, solver="arpack", tol=1e-10)
        u1 = u[:, 0]
    coord = u1 / np.sqrt(r)
    if coord[np.argmax(np.abs(coord))] < 0:
        coord = -coord
    return coord


def _cut_margins(x_sorted: sparse.csr_matrix) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Column totals C, grand total, and the totals R1 (first i rows) and R2 (the rest) of every cut."""
    col = np.asarray(x_sorted.sum(axis=0)).ravel().astype(float)
    total = col.sum()
    r1 = np.cumsum(np.asarray(x_sorted.sum(axis=1)).ravel().astype(float))[:-1]
    return col, total, r1, total - r1


def _cut_chi2(x_sorted: sparse.csr_matrix, chunk: int = 512) -> np.ndarray:
    """χ² of the 2 × terms table of summed presences for every cut (first i rows vs the rest), i = 1..n-1.

    χ² = n (Σ_j S1_j² / (R1 C_j) + Σ_j S2_j² / (R2 C_j) - 1), S = summed presences, R = half totals.
    """
    n_rows = x_sorted.shape[0]
    col, total, r1, r2 = _cut_margins(x_sorted)
    q1 = np.empty(n_rows - 1)
    q2 = np.empty(n_rows - 1)
    running = np.zeros_like(col)
    for lo in range(0, n_rows - 1, chunk):
        hi = min(lo + chunk, n_rows - 1)
        block = np.cumsum(x_sorted[lo:hi].toarray().astype(float), axis=0) + running
        running = block[-1]
        q1[lo:hi] = (block**2 / col).sum(axis=1)
        q2[lo:hi] = ((col - block) ** 2 / col).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = total * (q1 / r1 + q2 / r2 - 1)
    return np.where((r1 > 0) & (r2 > 0), chi2, -np.inf)


def _cut_chi2_running(x_sorted: sparse.csr_matrix) -> np.ndarray:
    """The χ² of :func:`_cut_chi2` for every cut from each term's running count, in O(non-zeros): adding a row
    with value v in column j to the first half raises Σ_j S1_j² / C_j by (2 S1_j v + v²) / C_j, and
    Σ_j S2_j² / C_j = Σ_j C_j − 2 R1 + Σ_j S1_j² / C_j. Equal to the dense formula up to rounding (the sums are
    added in another order), so it only finds the candidates that :func:`_best_cut` recomputes exactly."""
    n_rows = x_sorted.shape[0]
    col, total, r1, r2 = _cut_margins(x_sorted)
    by_col = x_sorted.tocsc()
    by_col.sort_indices()  # rows in order within each column
    v = by_col.data.astype(float)
    counts = np.diff(by_col.indptr)
    col_of = np.repeat(np.arange(len(counts)), counts)
    running = np.cumsum(v) - v  # exact: integer counts
    before = running - running[np.minimum(by_col.indptr[:-1], max(len(v) - 1, 0))][col_of]
    delta = (2 * before * v + v * v) / col[col_of]
    q1 = np.cumsum(np.bincount(by_col.indices, weights=delta, minlength=n_rows))[:-1]
    q2 = total - 2 * r1 + q1
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = total * (q1 / r1 + q2 / r2 - 1)
    return np.where((r1 > 0) & (r2 > 0), chi2, -np.inf)


def _cut_chi2_at(x_sorted: sparse.csr_matrix, cuts: np.ndarray) -> np.ndarray:
    """:func:`_cut_chi2` at the cuts ``cuts`` (increasing) only: the same operations on the same rows, so the
    same values to the bit."""
    col = np.asarray(x_sorted.sum(axis=0)).ravel().astype(float)
    total = col.sum()
    rowsum = np.asarray(x_sorted.sum(axis=1)).ravel().astype(float)
    r1_all = np.cumsum(rowsum)[:-1]
    out = np.empty(len(cuts))
    running, done = np.zeros_like(col), 0
    for k, cut in enumerate(cuts):
        running = running + np.asarray(x_sorted[done : cut + 1].sum(axis=0)).ravel()
        done = cut + 1
        q1 = (running**2 / col).sum()
        q2 = ((col - running) ** 2 / col).sum()
        r1, r2 = r1_all[cut], total - r1_all[cut]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[k] = total * (q1 / r1 + q2 / r2 - 1) if (r1 > 0) & (r2 > 0) else -np.inf
    return out


#: Beyond this many candidate cuts near the best one, :func:`_best_cut` computes every cut densely.
_MAX_CANDIDATES = 64


def _best_cut(x_sorted: sparse.csr_matrix) -> tuple[int, float]:
    """The cut of largest χ² (the first when tied) and its χ², as ``argmax`` of :func:`_cut_chi2`: the cuts
    within a margin far above rounding of the best running χ² (:func:`_cut_chi2_running`) are recomputed
    exactly, so the result is that of the dense computation without its O(rows × terms) cost."""
    approx = _cut_chi2_running(x_sorted)
    best = float(np.max(approx)) if len(approx) else -np.inf
    # a term never present makes every dense χ² NaN (split_cluster drops such columns first): dense path
    if np.isfinite(best) and np.asarray(x_sorted.sum(axis=0)).min() > 0:
        total = float(x_sorted.sum())
        cuts = np.flatnonzero(approx >= best - (1e-6 * max(abs(best), 1.0) + 1e-9 * total))
        if len(cuts) <= _MAX_CANDIDATES:
            exact = _cut_chi2_at(x_sorted, cuts)
            k = int(np.argmax(exact))
            return int(cuts[k]), float(exact[k])
    exact = _cut_chi2(x_sorted)
    cut = int(np.argmax(exact))
    return cut, float(exact[cut])


def _switch(x: sparse.csr_matrix, in1: np.ndarray, chi2: float) -> tuple[np.ndarray, float]:
    """Move the single segment that raises χ² most, while it rises (rainette ``switch_docs``)."""
    col = np.asarray(x.sum(axis=0)).ravel().astype(float)
    total = col.sum()
    rowsum = np.asarray(x.sum(axis=1)).ravel().astype(float)
    xf = x.astype(float)
    inv_c = 1.0 / col
    t_inv = xf @ inv_c  # Σ_{j in row} 1/C_j
    in1 = in1.copy()
    for _ in range(10 * x.shape[0] + 10):
        s1 = np.asarray(xf[in1].sum(axis=0)).ravel()
        s2 = col - s1
        r1 = rowsum[in1].sum()
        a1 = (s1**2 * inv_c).sum()
        a2 = (s2**2 * inv_c).sum()
        d1 = xf @ (s1 * inv_c)
        d2 = xf @ (s2 * inv_c)
        # moving row i from group 1 to 2: S1 - x_i, S2 + x_i ; from 2 to 1: the reverse
        a1_new = np.where(in1, a1 - 2 * d1 + t_inv, a1 + 2 * d1 + t_inv)
        a2_new = np.where(in1, a2 + 2 * d2 + t_inv, a2 - 2 * d2 + t_inv)
        r1_new = np.where(in1, r1 - rowsum, r1 + rowsum)
        r2_new = total - r1_new
        with np.errstate(divide="ignore", invalid="ignore"):
            cand = total * (a1_new / r1_new + a2_new / r2_new - 1)
        n1 = in1.sum()
        empty = (in1 & (n1 == 1)) | (~in1 & (len(in1) - n1 == 1)) | (r1_new <= 0) | (r2_new <= 0)
        cand = np.where(empty, -np.inf, cand)
        best = int(np.argmax(cand))
        if not cand[best] > chi2 * (1 + 1e-12) + 1e-12:
            break
        in1[best] = ~in1[best]
        chi2 = float(cand[best])
    return in1, chi2


def _select_features(x: sparse.csr_matrix, in1: np.ndarray, cc_test: float, tsj: int):
    """Terms kept in each half (rainette ``select_features``): frequency >= tsj; if the contingency
    coefficient sqrt(χ²/(χ² + f)) > cc_test, only in the half where the term is over-represented."""
    t1 = np.asarray(x[in1].sum(axis=0)).ravel().astype(float)
    t2 = np.asarray(x[~in1].sum(axis=0)).ravel().astype(float)
    tot = t1 + t2
    prop = tot / tot.sum()
    e1, e2 = prop * t1.sum(), prop * t2.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = (t1 - e1) ** 2 / e1 + (t2 - e2) ** 2 / e2
        cc = np.sqrt(chi / (chi + tot))
    strong = cc > cc_test
    keep1 = (t1 >= tsj) & (~strong | (t1 > e1))
    keep2 = (t2 >= tsj) & (~strong | (t2 > e2))
    return keep1, keep2


def split_cluster(x: sparse.csr_matrix, *, cc_test: float = 0.3, tsj: int = 3) -> dict[str, Any] | None:
    """Split one cluster's binary matrix in two (Reinert; rainette ``cluster_tab``).

    Rows or columns of zero are dropped first (those segments leave the classification, as in rainette).

    Returns
    -------
    dict or None
        ``rows1``, ``rows2`` (indices into ``x``'s rows), ``cols1``, ``cols2`` (boolean masks over ``x``'s
        columns kept in each half), ``chi2``; None when the cluster is too small (< 3 rows or columns).
    """
    x = sparse.csr_matrix(x)
    live_rows = np.flatnonzero(np.asarray(x.sum(axis=1)).ravel() > 0)
    live_cols = np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() > 0)
    if len(live_rows) < 3 or len(live_cols) < 3:
        return None
    sub = x[live_rows][:, live_cols].tocsr()
    coord = _first_axis_rows(sub)
    order = np.argsort(coord, kind="stable")
    cut, cut_chi2 = _best_cut(sub[order])
    in1 = np.zeros(sub.shape[0], dtype=bool)
    in1[order[: cut + 1]] = True
    in1, chi2 = _switch(sub, in1, cut_chi2)
    keep1, keep2 = _select_features(sub, in1, cc_test, tsj)
    cols1 = np.zeros(x.shape[1], dtype=bool)
    cols2 = np.zeros(x.shape[1], dtype=bool)
    cols1[live_cols[keep1]] = True
    cols2[live_cols[keep2]] = True
    # keep the CA order: the half holding the lowest coordinates comes first
    return {"rows1": live_rows[in1], "rows2": live_rows[~in1], "cols1": cols1, "cols2": cols2, "chi2": chi2}


# --------------------------------------------------------------------------------------------------------------
# The hierarchy
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ReinertResult:
    """A Reinert classification.

    Attributes
    ----------
    segments : DataFrame
        One row per segment: ``segment_id, doc_id, year, n_terms, unit, class`` (``class``: nullable Int64,
        1..k; <NA> = unclassified) and ``class_k2 .. class_kK`` (the classes at each level of the hierarchy).
    splits : DataFrame
        One row per split, in order: ``step, parent, left, right, chi2, n_left, n_right`` (``parent``,
        ``left``, ``right`` are node ids; the leaves at the end are the classes).
    classes : DataFrame
        The final classes: ``class, node, n_segments, share`` (share of all segments; unclassified not a class).
    stm : SegmentTermMatrix
        The matrix classified (for profiles).
    params : dict
    """

    segments: pd.DataFrame
    splits: pd.DataFrame
    classes: pd.DataFrame
    stm: SegmentTermMatrix
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.classes)

    @property
    def unclassified_share(self) -> float:
        return float(self.segments["class"].isna().mean())


def _classify_units(
    x_units: sparse.csr_matrix, *, k: int, min_split_members: int, cc_test: float, tsj: int
) -> tuple[list[np.ndarray], list[dict], list[list[np.ndarray]]]:
    """Split the largest cluster k - 1 times. Returns final clusters (unit indices, left-to-right), the splits
    and the clusters at each level (level i = i + 1 clusters)."""
    n_units, n_terms = x_units.shape
    clusters = [(np.arange(n_units), np.ones(n_terms, dtype=bool), 0)]  # (units, active terms, node id)
    splits: list[dict] = []
    levels: list[list[np.ndarray]] = []
    next_node = 1
    for step in range(1, k):
        sizes = [len(c[0]) for c in clusters]
        biggest = int(np.argmax(sizes))
        units, cols, node = clusters[biggest]
        if len(units) < min_split_members:
            break
        res = split_cluster(x_units[units][:, np.flatnonzero(cols)], cc_test=cc_test, tsj=tsj)
        if res is None:
            break
        colidx = np.flatnonzero(cols)
        c1 = np.zeros(n_terms, dtype=bool)
        c2 = np.zeros(n_terms, dtype=bool)
        c1[colidx[res["cols1"]]] = True
        c2[colidx[res["cols2"]]] = True
        left = (units[res["rows1"]], c1, next_node)
        right = (units[res["rows2"]], c2, next_node + 1)
        splits.append(
            {
                "step": step,
                "parent": node,
                "left": next_node,
                "right": next_node + 1,
                "chi2": res["chi2"],
                "n_left": len(left[0]),
                "n_right": len(right[0]),
            }
        )
        next_node += 2
        clusters = [*clusters[:biggest], left, right, *clusters[biggest + 1 :]]
        levels.append([c[0] for c in clusters])
    return clusters, splits, levels


def reinert(
    tokens: Corpus | pd.DataFrame | SegmentTermMatrix,
    *,
    k: int = 10,
    min_segment_size: int = 0,
    min_split_members: int = 5,
    cc_test: float = 0.3,
    tsj: int = 3,
    pos: Sequence[str] | None = ACTIVE_POS,
    min_segments: int | str = 3,
    extra: Sequence[str] = (),
) -> ReinertResult:
    """Reinert descending hierarchical classification of segments (rainette's ``rainette``).

    Parameters
    ----------
    tokens : Corpus, DataFrame or SegmentTermMatrix
        A corpus or a token table (its matrix is built by :func:`segment_term_matrix`), or a ready matrix.
    k : int, default=10
        Maximum number of classes (k - 1 splits).
    min_segment_size : int, default=0
        Merge consecutive segments of a document until they hold this many terms (rainette default 0).
    min_split_members : int, default=5
        Stop when the largest cluster has fewer units.
    cc_test : float, default=0.3
        Contingency coefficient above which a term stays only in the half where it is over-represented.
    tsj : int, default=3
        Minimum frequency of a term in a half to stay in it.
    pos, min_segments, extra
        Passed to :func:`segment_term_matrix` (``min_segments="auto"``: :func:`scaled_min_segments`).

    Returns
    -------
    ReinertResult
        Classes numbered 1..k left to right in the dendrogram. Segments without any analysed term, and those
        dropped because a split left them without terms (rainette does the same), are unclassified (<NA>).

    Examples
    --------
    >>> res = reinert(corpus, k=6)  # doctest: +SKIP
    >>> class_profiles(res).head()  # doctest: +SKIP
    """
    if k < 2:
        raise SettingsError(f"k={k}: a classification needs at least 2 classes.")
    if min_split_members < 3:
        raise SettingsError(f"min_split_members={min_split_members} must be at least 3.")
    stm = (
        tokens
        if isinstance(tokens, SegmentTermMatrix)
        else segment_term_matrix(tokens, pos=pos, min_segments=min_segments, extra=extra)
    )
    if stm.min_segments is not None:
        min_segments = stm.min_segments
    if stm.matrix.shape[1] < 3:
        raise SettingsError(
            f"reinert: only {stm.matrix.shape[1]} term(s) present in >= {min_segments} segments; too few to classify."
        )
    unit = merge_segments(stm, min_segment_size)
    n_units = int(unit.max()) + 1
    agg = sparse.csr_matrix((np.ones(len(unit)), (unit, np.arange(len(unit)))), shape=(n_units, len(unit)))
    x_units = (agg @ stm.matrix.astype(float)).tocsr()
    x_units.data[:] = 1.0
    clusters, splits, levels = _classify_units(
        x_units, k=k, min_split_members=min_split_members, cc_test=cc_test, tsj=tsj
    )
    if not splits:
        raise SettingsError("reinert: the corpus could not be split (too few segments or terms).")
    segs = stm.segments.copy()
    segs["unit"] = unit
    for level, members in enumerate(levels, start=2):
        segs[f"class_k{level}"] = _labels_from_units(members, unit)
    segs["class"] = segs[f"class_k{len(levels) + 1}"]
    n_seg = len(segs)
    counts = segs["class"].value_counts().reindex(range(1, len(clusters) + 1), fill_value=0)
    classes = pd.DataFrame(
        {
            "class": np.arange(1, len(clusters) + 1),
            "node": [c[2] for c in clusters],
            "n_segments": counts.to_numpy(),
            "share": counts.to_numpy() / n_seg,
        }
    )
    params = {
        "k_requested": k,
        "k": len(clusters),
        "min_segment_size": min_segment_size,
        "min_split_members": min_split_members,
        "cc_test": cc_test,
        "tsj": tsj,
        "pos": list(pos) if pos is not None else None,
        "min_segments": min_segments,
        "n_terms": int(stm.matrix.shape[1]),
        "n_units": n_units,
        "method": "simple",
    }
    return ReinertResult(segs, pd.DataFrame(splits), classes, stm, params)


def _labels_from_units(members: list[np.ndarray], unit: np.ndarray) -> pd.arrays.IntegerArray:
    lab_unit = np.zeros(int(unit.max()) + 1, dtype=np.int64)
    for i, m in enumerate(members, start=1):
        lab_unit[m] = i
    return class_labels(lab_unit[unit])


def class_labels(lab: np.ndarray) -> pd.arrays.IntegerArray:
    """Int64 labels with 0 turned into <NA> (unclassified)."""
    out = pd.array(lab, dtype="Int64")
    out[lab == 0] = pd.NA
    return out
