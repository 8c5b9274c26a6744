"""Describing Reinert classes: characteristic terms, typical segments, classes over a variable, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.contingency import chi_squared
from aictlab.errors import SettingsError, check_choice
from aictlab.reinert.classify import ReinertResult

__all__ = [
    "DEGENERATE_CLASS_SHARE",
    "class_distribution",
    "class_profiles",
    "degenerate_classes",
    "reinert_tables",
    "typical_segments",
]

#: A class holding more than this share of the classified segments makes the classification degenerate.
DEGENERATE_CLASS_SHARE = 0.9


def degenerate_classes(classes: pd.DataFrame, threshold: float = DEGENERATE_CLASS_SHARE) -> pd.DataFrame:
    """Classes holding more than ``threshold`` of the segments (``share`` of :attr:`ReinertResult.classes`).

    Such a class means the other splits peeled off a few outlying segments (rainette splits the largest
    class whatever the sizes of the halves), typically because rare terms drive them: on 1,000 thesis
    abstracts with a term filter of 3 segments, k = 5 gave one class of 99.3 %.

    Parameters
    ----------
    classes : DataFrame
        ``class, n_segments, share``.
    threshold : float, default=0.9

    Returns
    -------
    DataFrame
        The rows of ``classes`` above the threshold (empty when the classification is not degenerate).
    """
    return classes[classes["share"] > threshold].reset_index(drop=True)


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
        correction (docs/methods.md §9). ``"quanteda"``: as rainette's ``rainette_stats``: quanteda
        ``textstat_keyness(measure="chi2")`` on token counts of the analysed terms (class vs the other
        classes), with quanteda's default correction; use it to compare with rainette.

    Returns
    -------
    DataFrame
        ``class, n_segments, share, term, chi2, p_value, n_term_class`` (segments of the class holding the
        term), ``n_term`` (segments holding it), ``pct_term_in_class`` (100 n_term_class / n_term); sorted by
        class, then χ² descending, then term.
    """
    # scipy.special, not scipy.stats (whose import takes seconds): chi2.sf(x, 1) is chdtrc(1, x), bit for bit
    from scipy.special import chdtrc

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
                "p_value": chdtrc(1, np.abs(chi2[idx])),
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
