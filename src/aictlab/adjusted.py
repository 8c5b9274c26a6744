"""The drift on precision-adjusted counts, with the coding's uncertainty carried into its interval.

A coded sample of hits (:mod:`aictlab.validation`) estimates each term's precision; weighting every hit by
it gives the counts the drift would have if only the hits that speak in their frame were counted
(docs/methods.md §2, §15). The drift on the hits coded ``use`` only is :func:`aictlab.coding.use_only_drift`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aictlab.config import DRIFT_FRAMES
from aictlab.errors import AictlabError, SchemaError
from aictlab.frames import as_frame_data, check_frame_pair, frame_counts, merge_documents
from aictlab.resample import bootstrap_interval, resample_totals
from aictlab.schema import DOC_ID
from aictlab.validation import MIN_TERM_N, coded_hits

__all__ = ["adjusted_drift"]


def adjusted_drift(
    data,
    sheet: pd.DataFrame,
    *,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    tier: str = "extended",
    first: str | None = None,
    last: str | None = None,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    merge: Mapping[str, str] | None = None,
    prior: float = MIN_TERM_N,
) -> dict[str, Any]:
    """The drift change first → last period on precision-adjusted counts, with the coding's uncertainty.

    Each hit counts ``p̃_t`` (:func:`aictlab.validation.precision_weights`), so ``S* = Σ_t S_t p̃_t``, ``A* = Σ_t A_t p̃_t`` per
    period and ``D* = log2((A* + 0.5) / (S* + 0.5))`` (docs/methods.md §2, §15). One bootstrap carries both
    sources of error: each replicate draws the segments with replacement within their documents
    (:func:`aictlab.resample.resample_totals`, seed ``seed``, as :func:`aictlab.drift.drift_change`) *and*
    the coded hits with replacement within their frame (as the sheet was drawn; a seed derived from
    ``seed``), recomputes every ``p̃_t`` from the redrawn codes and weights the redrawn term counts with them.
    The interval is the percentile one (no BCa: the two resampled samples have no joint jackknife); the
    interval with the precisions held fixed (segments only) is given beside it.

    Parameters
    ----------
    data : Corpus, DataFrame or FrameData
        As in :func:`aictlab.drift.measure_drift` (a ``FrameData`` is used as it is).
    sheet : DataFrame
        Coded hits (:func:`aictlab.validation.read_sheet`) of the corpus's documents.
    drift_frames, tier, first, last, n_boot, seed, alpha, merge
        As in :func:`aictlab.drift.measure_drift`; ``first``/``last`` default to the earliest/latest period.
    prior : float, default=5
        Shrinkage weight ``m`` of :func:`aictlab.validation.adjusted_counts`.

    Returns
    -------
    dict
        ``first_period, last_period``, adjusted counts ``<from>_first, <to>_first, <from>_last, <to>_last``,
        ``drift_first, drift_last, drift_change, ci_low, ci_high`` (segments and coding resampled),
        ``segments_ci_low, segments_ci_high`` (precisions fixed), ``n_coded``.
    """
    fd = as_frame_data(data, None, tiers=(tier,))
    pair = check_frame_pair(fd.frames, drift_frames)
    segments, matches = merge_documents(fd.segments, fd.hits(tier), merge)
    matches = matches[matches["frame"].isin(pair)]
    coded = coded_hits(sheet)
    coded = coded[coded["frame"].isin(pair)]
    missing = [f for f in pair if f not in set(coded["frame"])]
    if missing:
        raise SchemaError(f"adjusted_drift: no coded hit of frame(s) {', '.join(missing)} in the sheet.")
    terms = matches[["frame", "term"]].drop_duplicates().sort_values(["frame", "term"])
    column = {t: f"term_{i}" for i, t in enumerate(terms["term"])}
    cols = list(column.values())
    seg = frame_counts(segments, matches.assign(frame=matches["term"].map(column)), frames=cols)
    periods = fd.documents.set_index(DOC_ID)
    seg["period"] = seg[DOC_ID].map(periods["period"])
    order = periods.sort_values("start_year")["period"].loc[lambda p: p.isin(set(seg["period"]))].unique()
    first, last = first or order[0], last or order[-1]
    if first == last:
        raise AictlabError(
            f"adjusted_drift: the documents lie in one period ({first}); no change to measure."
        )
    seg = seg[seg["period"].isin([first, last])]
    group = dict(zip(seg[DOC_ID], seg["period"], strict=False))
    x = seg[cols].to_numpy(dtype=float)
    reps = resample_totals(x, seg[DOC_ID].to_numpy(), n_boot=n_boot, seed=seed, groups=group)
    totals = {p: x[seg["period"].eq(p).to_numpy()].sum(axis=0) for p in (first, last)}
    # coded hits: use and n per term, then per drift frame; resampled within frame
    term_frame = terms["frame"].to_numpy()
    k_t = np.stack([(coded["term"].eq(t) & coded["code"].eq("use")).to_numpy() for t in terms["term"]], 1)
    n_t = np.stack([coded["term"].eq(t).to_numpy() for t in terms["term"]], 1)
    k_f = np.stack([(coded["frame"].eq(f) & coded["code"].eq("use")).to_numpy() for f in pair], 1)
    n_f = np.stack([coded["frame"].eq(f).to_numpy() for f in pair], 1)
    values = np.hstack([k_t, n_t, k_f, n_f]).astype(float).reshape(len(coded), -1)
    code_seed = int(np.random.SeedSequence([seed, 15]).generate_state(1)[0])
    code_reps = sum(
        resample_totals(values, coded["frame"].to_numpy(), n_boot=n_boot, seed=code_seed).values()
    )
    n_terms = len(cols)

    def weights(v: np.ndarray) -> np.ndarray:
        """p̃_t (last axis: terms) from totals ``v`` of ``values``'s columns."""
        kt, nt = v[..., :n_terms], v[..., n_terms : 2 * n_terms]
        with np.errstate(invalid="ignore", divide="ignore"):
            pf = v[..., 2 * n_terms : 2 * n_terms + 2] / v[..., 2 * n_terms + 2 :]
        base = np.stack([pf[..., pair.index(f)] for f in term_frame], -1) if n_terms else kt
        return (kt + prior * base) / (nt + prior)

    def drift(t: np.ndarray, w: np.ndarray) -> np.ndarray:
        s, a = ((t * w)[..., term_frame == f].sum(-1) for f in pair)
        return np.log2((a + 0.5) / (s + 0.5))

    def d_change(t_first: np.ndarray, t_last: np.ndarray, w: np.ndarray) -> np.ndarray:
        return drift(t_last, w) - drift(t_first, w)

    w_hat = weights(values.sum(axis=0))
    theta = float(d_change(totals[first], totals[last], w_hat))
    full = bootstrap_interval(theta, d_change(reps[first], reps[last], weights(code_reps)), alpha=alpha)
    fixed = bootstrap_interval(theta, d_change(reps[first], reps[last], w_hat), alpha=alpha)
    out: dict[str, Any] = {"first_period": first, "last_period": last}
    for name, t in (("first", totals[first]), ("last", totals[last])):
        for f in pair:
            out[f"{f}_{name}"] = float((t * w_hat)[term_frame == f].sum())
        out[f"drift_{name}"] = float(drift(t, w_hat))
    out.update(drift_change=theta, ci_low=full["ci_low"], ci_high=full["ci_high"])
    out.update(segments_ci_low=fixed["ci_low"], segments_ci_high=fixed["ci_high"], n_coded=len(coded))
    return out
