"""Reinert's descending hierarchical classification of text segments (ALCESTE, IRaMuTeQ, R rainette).

Segments × terms presence/absence matrix; the largest cluster is split in two, k - 1 times: its segments are
ordered on the first axis of its correspondence analysis, cut where the χ² of the 2 × terms table of summed
presences is largest, then single segments are moved across while the χ² rises; in each half, terms of
frequency < ``tsj`` are dropped and a term whose contingency coefficient exceeds ``cc_test`` stays only in the
half where it is over-represented. METHODS §9, following rainette (Barnier) step by step.

The computation is deterministic (no random step): the CA axis comes from a dense SVD, or ARPACK with a fixed
start vector on large clusters; ties are broken by segment order. The matrix is built from term counts per
segment (:func:`segment_counts`), which a corpus whose tokens stay on disk gives partition by partition
(:func:`segment_term_matrix_from_counts`).

References
----------
Reinert M. (1983), "Une méthode de classification descendante hiérarchique : application à l'analyse lexicale
par contexte", Cahiers de l'Analyse des Données 8(2), 187-198. Reinert M. (1990), "Alceste, une méthodologie
d'analyse des données textuelles et une application : Aurélia de Gérard de Nerval", BMS 26. Barnier J.,
rainette: the Reinert method for textual data clustering, R package (``rainette``, ``rainette2``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from aictlab import schema
from aictlab.errors import SchemaError, SettingsError, check_choice

#: Parts of speech of the analysed terms (IRaMuTeQ's "formes actives"): nouns, verbs, adjectives, adverbs.
ACTIVE_POS = ("NOUN", "VERB", "ADJ", "ADV")

#: Clusters with more cells than this get their CA axis from ARPACK (sparse) instead of a dense SVD.
_DENSE_LIMIT = 20_000


# --------------------------------------------------------------------------------------------------------------
# Segment × term matrix
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SegmentTermMatrix:
    """Binary segments × terms matrix.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        1 when the segment contains the term (int8).
    segments : DataFrame
        One row per segment, in document order: ``segment_id`` (= ``seg_id``), ``doc_id``, ``year``,
        ``n_terms`` (distinct analysed terms), + any extra column asked for.
    terms : ndarray of str
        Column labels.
    counts : scipy.sparse.csr_matrix or None
        Token counts of the same terms in the same segments (quanteda-style class profiles).
    """

    matrix: sparse.csr_matrix
    segments: pd.DataFrame
    terms: np.ndarray
    counts: sparse.csr_matrix | None = None


def segment_term_matrix(
    tokens: pd.DataFrame,
    *,
    by: str = "lemma",
    pos: Sequence[str] | None = ACTIVE_POS,
    min_segments: int = 3,
    keep_stop: bool = False,
    extra: Sequence[str] = (),
) -> SegmentTermMatrix:
    """Build the binary segments × terms matrix of the classification.

    This is :func:`segment_counts` followed by :func:`segment_term_matrix_from_counts`; for tokens that stay
    on disk, compute the segment counts partition by partition (``corpus.map_tokens``) and call the latter.

    Parameters
    ----------
    tokens : DataFrame
        ``select_tokens(corpus.tokens)``: ``doc_id, seg_id, lemma, year`` (+ ``pos``, ``is_stop``, ``tok_pos``).
    by : str, default="lemma"
        Term column.
    pos : sequence of str or None, default=("NOUN", "VERB", "ADJ", "ADV")
        Parts of speech kept (multi-word expressions always kept). When the ``pos`` column is empty (simplemma),
        or ``None``, every non-stop word is a term.
    min_segments : int, default=3
        Keep terms present in at least this many segments.
    keep_stop : bool, default=False
        Keep stop words as terms.
    extra : sequence of str
        Token columns carried to ``segments`` (first value per segment), e.g. ``period``.

    Returns
    -------
    SegmentTermMatrix
    """
    schema.require_columns(tokens, [schema.DOC_ID, schema.SEG_ID, by], "tokens")
    if tokens.empty:
        raise SchemaError("tokens: empty token table; no segment to classify.")
    counts = segment_counts(tokens, by=by, pos=pos, keep_stop=keep_stop, extra=extra)
    return segment_term_matrix_from_counts(counts["segments"], counts["counts"], min_segments=min_segments)


def segment_counts(
    tokens: pd.DataFrame,
    *,
    by: str = "lemma",
    pos: Sequence[str] | None = ACTIVE_POS,
    keep_stop: bool = False,
    extra: Sequence[str] = (),
) -> dict[str, pd.DataFrame]:
    """Segments and their term counts: the aggregate behind :func:`segment_term_matrix`.

    A segment lies in one document, so the counts of disjoint sets of whole documents (partitions of the token
    table) are concatenated as they are (:func:`segment_term_matrix_from_counts`).

    Parameters
    ----------
    tokens, by, pos, keep_stop, extra
        As in :func:`segment_term_matrix`.

    Returns
    -------
    dict of DataFrame
        ``segments``: ``segment_id, doc_id, year`` and the ``extra`` columns (first value per segment), in
        document order (documents sorted by id, segments by their first token), + ``n_tagged`` (tokens with
        a part of speech) when ``pos`` applies; ``counts``: ``doc_id, segment_id, term, n`` (+ ``pos_ok``:
        the part of speech is in ``pos`` or the term is a multi-word expression), the analysed tokens only.
    """
    schema.require_columns(tokens, [schema.DOC_ID, schema.SEG_ID, by], "tokens")
    # documents sorted by id, tokens by position: the result does not depend on the table's row order.
    order_cols = [schema.DOC_ID, schema.TOK_POS] if schema.TOK_POS in tokens.columns else [schema.DOC_ID]
    toks = tokens.sort_values(order_cols, kind="stable")
    seg_keys = pd.MultiIndex.from_arrays([toks[schema.DOC_ID], toks[schema.SEG_ID]])
    seg_codes, seg_uniques = pd.factorize(seg_keys, sort=False)
    carry = [c for c in (schema.YEAR, *extra) if c in toks.columns]
    seg_table = pd.DataFrame(
        {
            "segment_id": seg_uniques.get_level_values(1).to_numpy(),
            "doc_id": seg_uniques.get_level_values(0).to_numpy(),
        }
    )
    if carry:
        first = toks[carry].groupby(seg_codes, sort=True).first()
        for col in carry:
            seg_table[col] = first[col].to_numpy()

    keep = np.ones(len(toks), dtype=bool)
    if schema.IS_WORD in toks.columns:
        keep &= toks[schema.IS_WORD].fillna(False).astype(bool).to_numpy()
    if schema.IS_PUNCT in toks.columns:
        keep &= ~toks[schema.IS_PUNCT].fillna(False).astype(bool).to_numpy()
    if not keep_stop and schema.IS_STOP in toks.columns:
        keep &= ~toks[schema.IS_STOP].fillna(False).astype(bool).to_numpy()
    terms = toks[by].astype(str).str.lower().to_numpy(dtype=object)
    rows = {
        "doc_id": seg_table["doc_id"].to_numpy()[seg_codes[keep]],
        "segment_id": seg_table["segment_id"].to_numpy()[seg_codes[keep]],
        "term": terms[keep],
    }
    if pos is not None and schema.POS in toks.columns:
        # whether to filter on the part of speech is decided on the whole corpus (an untagged lemmatizer
        # leaves the column empty), so record both the tagged tokens and each token's verdict
        tagged = (toks[schema.POS].fillna("") != "").to_numpy()
        seg_table["n_tagged"] = np.bincount(seg_codes[tagged], minlength=len(seg_table)).astype(np.int64)
        is_mwe = np.array([schema.MWE_JOINER in t for t in terms], dtype=bool)
        rows["pos_ok"] = (toks[schema.POS].isin(list(pos)).to_numpy() | is_mwe)[keep]
    frame = pd.DataFrame(rows)
    counts = frame.groupby(list(rows), sort=True).size().rename("n").reset_index()
    return {"segments": seg_table, "counts": counts}


def segment_term_matrix_from_counts(
    segments: pd.DataFrame, counts: pd.DataFrame, *, min_segments: int = 3
) -> SegmentTermMatrix:
    """The segments × terms matrix of :func:`segment_counts` tables (possibly concatenated over partitions).

    Parameters
    ----------
    segments, counts : DataFrame
        As :func:`segment_counts` returns them.
    min_segments : int, default=3
        Keep terms present in at least this many segments.

    Returns
    -------
    SegmentTermMatrix
    """
    if segments.empty:
        raise SchemaError("tokens: empty token table; no segment to classify.")
    # object columns left by empty partitions get their values' dtype: the matrix does not depend on the split
    segments, counts = segments.infer_objects(), counts.infer_objects()
    # partitions hold whole documents: a stable sort by id restores the order of the whole table
    seg_table = segments.sort_values(schema.DOC_ID, kind="stable").reset_index(drop=True)
    if "n_tagged" in seg_table.columns:
        tagged = int(seg_table.pop("n_tagged").sum())
        if tagged > 0 and "pos_ok" in counts.columns:
            counts = counts[counts["pos_ok"].to_numpy(dtype=bool)]
    seg_index = pd.MultiIndex.from_arrays([seg_table[schema.DOC_ID], seg_table["segment_id"]])
    rows = seg_index.get_indexer(pd.MultiIndex.from_arrays([counts[schema.DOC_ID], counts["segment_id"]]))
    if (rows < 0).any():
        raise SchemaError("segment counts: counts for a segment missing from the segments table.")
    codes_t, uniq_t = pd.factorize(counts["term"], sort=True)
    m = sparse.csr_matrix(
        (counts["n"].to_numpy(dtype=np.int64), (rows, codes_t)), shape=(len(seg_table), len(uniq_t))
    )
    m.sum_duplicates()
    freq = m.copy()
    m.data[:] = 1
    docfreq = np.asarray(m.sum(axis=0)).ravel()
    cols = np.flatnonzero(docfreq >= min_segments)
    m = m[:, cols].tocsr()
    seg_table["n_terms"] = np.asarray(m.sum(axis=1)).ravel().astype(int)
    terms = np.asarray(uniq_t, dtype=object)[cols]
    return SegmentTermMatrix(m.astype(np.int8), seg_table, terms, freq[:, cols].tocsr())


def merge_segments(stm: SegmentTermMatrix, min_segment_size: int) -> np.ndarray:
    """Units of classification: consecutive segments of a document merged until they hold >= ``m`` terms.

    As rainette's ``compute_uc`` (``min_segment_size``): the size of a unit is the sum of its segments'
    numbers of distinct terms; a unit never crosses a document, so the last unit of a document may stay
    short of ``m``. ``m <= 1``: each segment is its own unit.

    Returns
    -------
    ndarray of int
        The unit index of each segment (0, 1, ... in segment order).
    """
    n = stm.matrix.shape[0]
    if min_segment_size <= 1:
        return np.arange(n)
    sizes = np.diff(stm.matrix.indptr)  # distinct terms per segment (binary matrix)
    docs = stm.segments["doc_id"].to_numpy()
    unit = np.empty(n, dtype=np.int64)
    current, size = -1, min_segment_size
    for i in range(n):
        if size >= min_segment_size or docs[i] != docs[i - 1]:
            current, size = current + 1, 0
        unit[i] = current
        size += int(sizes[i])
    return unit


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


def _cut_chi2(x_sorted: sparse.csr_matrix, chunk: int = 512) -> np.ndarray:
    """χ² of the 2 × terms table of summed presences for every cut (first i rows vs the rest), i = 1..n-1.

    χ² = n (Σ_j S1_j² / (R1 C_j) + Σ_j S2_j² / (R2 C_j) - 1), S = summed presences, R = half totals.
    """
    n_rows = x_sorted.shape[0]
    col = np.asarray(x_sorted.sum(axis=0)).ravel().astype(float)
    total = col.sum()
    rowsum = np.asarray(x_sorted.sum(axis=1)).ravel().astype(float)
    r1 = np.cumsum(rowsum)[:-1]
    r2 = total - r1
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
    chi2_cuts = _cut_chi2(sub[order])
    cut = int(np.argmax(chi2_cuts))
    in1 = np.zeros(sub.shape[0], dtype=bool)
    in1[order[: cut + 1]] = True
    in1, chi2 = _switch(sub, in1, float(chi2_cuts[cut]))
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
    tokens: pd.DataFrame | SegmentTermMatrix,
    *,
    k: int = 10,
    min_segment_size: int = 0,
    min_split_members: int = 5,
    cc_test: float = 0.3,
    tsj: int = 3,
    pos: Sequence[str] | None = ACTIVE_POS,
    min_segments: int = 3,
    extra: Sequence[str] = (),
) -> ReinertResult:
    """Reinert descending hierarchical classification of segments (rainette's ``rainette``).

    Parameters
    ----------
    tokens : DataFrame or SegmentTermMatrix
        ``select_tokens(corpus.tokens)`` (see :func:`segment_term_matrix`), or a ready matrix.
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
        Passed to :func:`segment_term_matrix`.

    Returns
    -------
    ReinertResult
        Classes numbered 1..k left to right in the dendrogram. Segments without any analysed term, and those
        dropped because a split left them without terms (rainette does the same), are unclassified (<NA>).

    Examples
    --------
    >>> res = reinert(select_tokens(corpus.tokens), k=6)  # doctest: +SKIP
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
    return _nullable(lab_unit[unit])


def _nullable(lab: np.ndarray) -> pd.arrays.IntegerArray:
    """Int64 labels with 0 turned into <NA> (unclassified)."""
    out = pd.array(lab, dtype="Int64")
    out[lab == 0] = pd.NA
    return out


# --------------------------------------------------------------------------------------------------------------
# Double classification
# --------------------------------------------------------------------------------------------------------------
def _signed_yates_chi2(n_both, n1, n2, n_tot) -> np.ndarray:
    """Signed χ² with Yates correction of the 2 × 2 crossing of two classes (R ``chisq.test``, rainette2)."""
    from aictlab.keyness import chi_squared

    # rows: in class A / not; columns: in class B / not  ->  a = n_both, c = n2 (B size), b = n1 - n_both, d = rest
    return chi_squared(n_both, n1 - n_both, n2, n_tot - n2, correction="yates")


def reinert_double(
    tokens: pd.DataFrame | SegmentTermMatrix,
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
    max_k : int, default=5
    min_segment_size1, min_segment_size2 : int, default=10, 15
    min_members : int, default=10
        Also the ``min_split_members`` of both runs (as rainette2 passes it).
    min_chi2 : float, default=3.84
    k : int, optional
        Number of classes of the returned partition (default: the largest found).
    full : bool, default=True
    **kwargs
        Passed to :func:`reinert` (``cc_test``, ``tsj``, ``pos``...).

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
    segs["class"] = _nullable(lab)
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


# --------------------------------------------------------------------------------------------------------------
# Describing the classes
# --------------------------------------------------------------------------------------------------------------
def class_profiles(
    res: ReinertResult,
    *,
    n: int | None = 30,
    min_chi2: float = 3.84,
    positive_only: bool = True,
    method: str = "segments",
) -> pd.DataFrame:
    """Characteristic terms of each class: signed χ² of the 2 × 2 (in class / not) × (contains term / not).

    Counted over the classified segments (Pearson χ², no correction; IRaMuTeQ's profiles).

    Parameters
    ----------
    n : int or None, default=30
        Terms kept per class (largest χ² first); None: all passing ``min_chi2``.
    min_chi2 : float, default=3.84
        Keep |χ²| >= this (p <= 0.05).
    positive_only : bool, default=True
        Only over-represented terms (the class's vocabulary); False also lists under-represented ones.
    method : {"segments", "quanteda"}, default="segments"
        ``"segments"``: the 2 × 2 of segments (in class / not) × (contain the term / not), Pearson χ² without
        correction (METHODS §9). ``"quanteda"``: as rainette's ``rainette_stats``: quanteda
        ``textstat_keyness(measure="chi2")`` on token counts of the analysed terms (class vs the other
        classes), with quanteda's default correction; use it to compare with rainette.

    Returns
    -------
    DataFrame
        ``class, n_segments, share, term, chi2, p_value, n_term_class`` (segments of the class holding the
        term), ``n_term`` (segments holding it), ``pct_term_in_class`` (100 n_term_class / n_term); sorted by
        class, then χ² descending, then term.
    """
    from aictlab.keyness import chi_squared

    check_choice("method", method, ("segments", "quanteda"))
    lab = res.segments["class"].to_numpy(dtype="float", na_value=np.nan)
    ok = ~np.isnan(lab)
    x = res.stm.matrix[np.flatnonzero(ok)].astype(np.int64)
    if method == "quanteda":
        if res.stm.counts is None:
            raise SettingsError("class_profiles(method='quanteda') needs token counts in the matrix.")
        xq = res.stm.counts[np.flatnonzero(ok)].astype(np.int64)
        q_all = np.asarray(xq.sum(axis=0)).ravel()
    lab = lab[ok].astype(int)
    n_seg = int(ok.sum())
    df_all = np.asarray(x.sum(axis=0)).ravel()
    rows = []
    for _, cl in res.classes.iterrows():
        c = int(cl["class"])
        in_c = lab == c
        n_c = int(in_c.sum())
        if n_c == 0 or n_c == n_seg:
            continue
        a = np.asarray(x[np.flatnonzero(in_c)].sum(axis=0)).ravel()
        b = df_all - a
        if method == "quanteda":
            qa = np.asarray(xq[np.flatnonzero(in_c)].sum(axis=0)).ravel()
            t_c = qa.sum()
            chi2 = chi_squared(qa, q_all - qa, t_c, q_all.sum() - t_c, correction="quanteda")
        else:
            chi2 = chi_squared(a, b, n_c, n_seg - n_c)
        keep = (chi2 >= min_chi2) if positive_only else (np.abs(chi2) >= min_chi2)
        idx = np.flatnonzero(keep & (df_all > 0))
        frame = pd.DataFrame(
            {
                "class": c,
                "n_segments": int(cl["n_segments"]),
                "share": float(cl["share"]),
                "term": res.stm.terms[idx],
                "chi2": chi2[idx],
                "p_value": stats.chi2.sf(np.abs(chi2[idx]), 1),
                "n_term_class": a[idx],
                "n_term": df_all[idx],
                "pct_term_in_class": 100.0 * a[idx] / df_all[idx],
            }
        )
        frame = frame.sort_values(["chi2", "term"], ascending=[False, True], kind="stable")
        rows.append(frame.head(n) if n is not None else frame)
    if not rows:
        return pd.DataFrame(columns=["class", "n_segments", "share", "term", "chi2", "p_value"])
    return pd.concat(rows, ignore_index=True)


def typical_segments(
    res: ReinertResult,
    segments: pd.DataFrame | None = None,
    *,
    n: int = 5,
    profiles: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The most typical segments of each class: largest sum of the class's positive term χ² they contain.

    Parameters
    ----------
    segments : DataFrame, optional
        ``corpus.segments`` (``doc_id, seg_id, text``) to add the segment text.
    n : int, default=5
        Segments per class.
    profiles : DataFrame, optional
        From :func:`class_profiles` (computed with ``n=None`` if absent).

    Returns
    -------
    DataFrame
        ``class, rank, segment_id, doc_id, year, score`` (+ ``text``).
    """
    prof = class_profiles(res, n=None) if profiles is None else profiles
    term_index = {t: i for i, t in enumerate(res.stm.terms)}
    x = res.stm.matrix.astype(float)
    lab = res.segments["class"].to_numpy(dtype="float", na_value=np.nan)
    out = []
    for c, grp in prof.groupby("class", sort=True):
        w = np.zeros(len(res.stm.terms))
        w[[term_index[t] for t in grp["term"]]] = np.maximum(grp["chi2"].to_numpy(), 0)
        score = x @ w
        idx = np.flatnonzero(lab == c)
        top = idx[np.lexsort((idx, -score[idx]))][:n]
        seg = res.segments.iloc[top]
        frame = pd.DataFrame(
            {
                "class": int(c),
                "rank": np.arange(1, len(top) + 1),
                "segment_id": seg["segment_id"].to_numpy(),
                "doc_id": seg["doc_id"].to_numpy(),
                "score": score[top],
            }
        )
        if "year" in seg.columns:
            frame.insert(4, "year", seg["year"].to_numpy())
        out.append(frame)
    table = (
        pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["class", "rank", "segment_id"])
    )
    if segments is not None and not table.empty:
        schema.require_columns(segments, [schema.DOC_ID, schema.SEG_ID, schema.TEXT], "segments")
        text = segments[[schema.DOC_ID, schema.SEG_ID, schema.TEXT]].rename(
            columns={schema.SEG_ID: "segment_id"}
        )
        table = table.merge(text, on=[schema.DOC_ID, "segment_id"], how="left")
    return table


def class_distribution(res: ReinertResult, by: str = "year") -> pd.DataFrame:
    """Classes over a segment variable (``year``, ``period``, ``doc_id``): counts and shares.

    Returns
    -------
    DataFrame
        ``<by>, class, n_segments, share_of_group`` (share of the group's classified segments in the class),
        ``share_of_class`` (share of the class's segments in the group), ``chi2`` (signed Pearson χ² of the
        2 × 2 group × class table over classified segments). Unclassified segments appear as class <NA> with
        their count, without shares.
    """
    from aictlab.keyness import chi_squared

    schema.require_columns(res.segments, [by, "class"], "reinert segments")
    segs = res.segments
    ok = segs["class"].notna()
    tab = pd.crosstab(segs.loc[ok, by], segs.loc[ok, "class"].astype(int))
    n = tab.to_numpy().sum()
    long = tab.stack().rename("n_segments").reset_index()
    long.columns = [by, "class", "n_segments"]
    g_tot = long.groupby(by)["n_segments"].transform("sum")
    c_tot = long.groupby("class")["n_segments"].transform("sum")
    long["share_of_group"] = long["n_segments"] / g_tot
    long["share_of_class"] = long["n_segments"] / c_tot
    long["chi2"] = chi_squared(long["n_segments"], c_tot - long["n_segments"], g_tot, n - g_tot)
    missing = segs.loc[~ok].groupby(by).size()
    if len(missing):
        extra = pd.DataFrame({by: missing.index, "class": pd.NA, "n_segments": missing.to_numpy()})
        long = pd.concat([long, extra], ignore_index=True)
    long["class"] = long["class"].astype("Int64")
    return long.sort_values([by, "class"], kind="stable", na_position="last").reset_index(drop=True)


def reinert_tables(res: ReinertResult, profiles: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The contract tables ``reinert_classes`` (top terms per class) and ``reinert_segments``."""
    prof = class_profiles(res) if profiles is None else profiles
    segs = res.segments.assign(_order=np.arange(len(res.segments)))
    if "year" not in segs.columns:
        segs = segs.assign(year=pd.NA)
    segs = segs.sort_values(["year", "doc_id", "_order"], kind="stable")[
        ["segment_id", "doc_id", "year", "class"]
    ]
    return {"reinert_classes": prof.reset_index(drop=True), "reinert_segments": segs.reset_index(drop=True)}
