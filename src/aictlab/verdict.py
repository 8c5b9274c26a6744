"""The verdict: substitution, stratification, reversal or no drift, decided from the change first → last
period by a rule fixed in advance (``docs/methods.md`` §4).

A is the *to* frame of the drift (attractivité by default), S the *from* frame (solidarité).

References
----------
Schuirmann D. (1987), A comparison of the two one-sided tests procedure..., J. Pharmacokinet. Biopharm.
15(6). Berger R. (1982), Multiparameter hypothesis testing and acceptance sampling, Technometrics 24(4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aictlab.bins import compared_periods
from aictlab.config import DRIFT_FRAMES
from aictlab.drift import DriftResult
from aictlab.errors import SettingsError
from aictlab.inference import (
    DELTA,
    VERDICTS,
    document_totals,
    frame_direction,
    frame_trend,
    period_contrast,
    verdict_basis,
    verdict_from_directions,
)
from aictlab.pipeline import document_totals as token_totals
from aictlab.schema import DOC_ID, N_TOKENS, PERIOD, YEAR

__all__ = [
    "DELTA",
    "VERDICTS",
    "VERDICT_RULE",
    "corpus_compared_periods",
    "decide_verdict",
    "document_clusters",
    "document_verdict",
    "drift_verdict_table",
    "result_totals",
    "target_label",
    "verdict_table",
]

VERDICT_RULE = (
    "θ_f = ln(rate_last/rate_first) per frame with segment-bootstrap percentile CIs; δ = ln 1.25. "
    "A rises: lower 95% bound of θ_A > 0; A falls: upper 95% bound < 0; A stable: 90% CI of θ_A inside [-δ, δ]. "
    "Same definitions for S (falls / rises / stable). substitution = A rises and S falls; "
    "stratification = A rises and (S stable or S rises); A rises otherwise -> inconclusive (S undetermined); "
    "reversal = A falls and S rises; A falls otherwise or A stable -> no_drift (toward attractivité); "
    "A's interval too wide to tell -> inconclusive. Each condition is an intersection-union test at level α "
    "(Berger 1982): no multiplicity correction. `fragile` = the document-level GLM slope of a frame "
    "disagrees in sign with its θ."
)


def decide_verdict(
    change: Mapping[str, float],
    *,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    label: str | None = None,
    delta: float = DELTA,
    interval: str = "ci",
) -> dict[str, Any]:
    """Substitution vs stratification (``docs/methods.md`` §4); the rule is :data:`VERDICT_RULE`.

    Parameters
    ----------
    change : mapping
        ``theta_<frame>`` with ``*_ci_low``, ``*_ci_high`` (95 %) and ``*_ci90_low``, ``*_ci90_high`` (90 %)
        for both drift frames, as in ``DriftResult.change``.
    drift_frames : (str, str), default=("solidarite", "attractivite")
        The (from, to) frames: S and A.
    label : str, optional
        How the reasons name the *to* frame (default: its name).
    delta : float, default=ln 1.25
        Equivalence margin for "stable".
    interval : {"ci", "bca"}, default="ci"
        Percentile intervals (``*_ci_*``, ``*_ci90_*``; primary) or BCa (``*_bca_*``, ``*_bca90_*``).

    Returns
    -------
    dict
        ``verdict`` (one of :data:`VERDICTS`), ``verdict_reason``, and booleans ``a_rises, a_falls,
        a_stable, s_rises, s_falls, s_stable``.
    """
    source, target = drift_frames
    label = label or target
    k95, k90 = ("ci", "ci90") if interval == "ci" else ("bca", "bca90")

    def direction(frame):
        lo, hi = change[f"theta_{frame}_{k95}_low"], change[f"theta_{frame}_{k95}_high"]
        lo90, hi90 = change[f"theta_{frame}_{k90}_low"], change[f"theta_{frame}_{k90}_high"]
        if not all(np.isfinite([lo, hi, lo90, hi90])):
            return "undetermined"
        # The segment change carries no hit counts: the sparse-count rule applies to the document-level bases.
        return frame_direction(lo, hi, lo90, hi90, 0, min_hits=0, delta=delta)

    a, s = direction(target), direction(source)
    flags = {f"{k}_{d}": v == d for k, v in (("a", a), ("s", s)) for d in ("rises", "falls", "stable")}
    verdict, reason = verdict_from_directions(a, s, label=label)
    return {"verdict": verdict, "verdict_reason": reason, **flags}


def target_label(result: DriftResult) -> str:
    """How verdict reasons name the *to* frame: its lexicon label in lower case (« attractivité »)."""
    target = result.drift_frames[1]
    return str(result.frame_labels.get(target, target)).lower()


def verdict_table(result: DriftResult, trend: pd.DataFrame, *, delta: float = DELTA) -> pd.DataFrame:
    """The one-row ``drift_verdict`` table: the change first → last period with its intervals, each frame's
    GLM ratio per decade with CI and p-values, the verdict and the numbers it was decided from.

    Parameters
    ----------
    result : DriftResult
        :func:`aictlab.drift.measure_drift` output.
    trend : DataFrame
        :func:`aictlab.trend.trend_tests` of ``result``.
    delta : float, default=ln 1.25
    """
    frames = tuple(result.drift_frames)
    label = target_label(result)
    ch = result.change.iloc[0].to_dict()
    dec = decide_verdict(ch, drift_frames=frames, label=label, delta=delta)
    row = dict(ch)
    tr = trend.set_index("target")
    for target in (*frames, "drift_index"):
        if target not in tr.index:
            continue
        t = tr.loc[target]
        row[f"{target}_model"] = t["model"]
        row[f"{target}_ratio_per_decade"] = t["ratio_per_decade"]
        row[f"{target}_rr_ci_low"] = t["ci_low"]
        row[f"{target}_rr_ci_high"] = t["ci_high"]
        row[f"{target}_p_value"] = t["p_value"]
        row[f"{target}_perm_p_value"] = t["perm_p_value"]
        row[f"{target}_perm_p_floor"] = t["perm_p_floor"]
    fragile = []
    for frame in frames:
        theta = ch[f"theta_{frame}"]
        rr = tr.loc[frame, "ratio_per_decade"] if frame in tr.index else np.nan
        if np.isfinite(theta) and np.isfinite(rr) and theta != 0 and np.sign(theta) != np.sign(math.log(rr)):
            fragile.append(frame)
    row["n_documents"] = len(result.documents)
    row["delta"] = delta
    row.update(dec)
    row["fragile"] = bool(fragile)
    row["fragile_frames"] = ",".join(fragile)
    bca = decide_verdict(ch, drift_frames=frames, label=label, delta=delta, interval="bca")
    row["verdict_bca"] = bca["verdict"]
    row["verdict_bca_reason"] = bca["verdict_reason"]
    row["rule"] = VERDICT_RULE
    return pd.DataFrame([row])


# ------------------------------------------------------------------------------- document-level verdict
def document_clusters(documents: pd.DataFrame | None, doc_ids, cluster: str) -> pd.Series:
    """The cluster of each document (``Settings.cluster``, docs/methods.md §13): its value of ``cluster`` in
    the corpus's ``documents`` table, ``"document <doc_id>"`` when it has none (a cluster of its own).

    Returns
    -------
    Series
        Cluster labels (str), indexed by ``doc_ids``.

    Raises
    ------
    SettingsError
        ``cluster`` is not a column of ``documents``.
    """
    columns = [] if documents is None else [c for c in documents.columns if c != DOC_ID]
    if cluster not in columns:
        raise SettingsError(
            f"cluster={cluster!r} is not a document variable of this corpus (document columns: "
            f"{', '.join(map(str, columns)) or 'none'}); set `cluster` to one of them, or leave it unset "
            "to resample documents."
        )
    ids = pd.Series(list(doc_ids), dtype=object)
    values = ids.map(documents.drop_duplicates(DOC_ID).set_index(DOC_ID)[cluster])
    labels = values.where(values.notna() & values.astype(str).ne(""), "document " + ids.astype(str))
    return pd.Series(labels.astype(str).to_numpy(), index=pd.Index(ids, name=DOC_ID), name=cluster)


def result_totals(result: DriftResult, documents: pd.DataFrame | None = None, *, cluster: str | None = None):
    """Per-document and per-segment totals of a drift measurement, for :mod:`aictlab.inference`.

    Parameters
    ----------
    result : DriftResult
    documents : DataFrame, optional
        The corpus's documents table (needed for ``cluster``: the column is taken from it; documents
        without a value form their own cluster).
    cluster : str, optional
        A document variable of ``documents`` (``Settings.cluster``).

    Returns
    -------
    (totals, segments)
        :func:`aictlab.inference.document_totals` (``doc_id, year, period, [cluster], tokens, <frames>``)
        and the segments ``doc_id, tokens, <frames>``.

    Raises
    ------
    SettingsError
        ``cluster`` is not a column of ``documents``.
    """
    frames = tuple(result.drift_frames[::-1])
    segments = result.segments[[DOC_ID, N_TOKENS, *frames]].rename(columns={N_TOKENS: "tokens"})
    docs = result.documents
    if cluster:
        docs = docs.assign(**{cluster: document_clusters(documents, docs[DOC_ID], cluster).to_numpy()})
    return document_totals(segments, docs, frames=frames, cluster=cluster), segments


def corpus_compared_periods(
    corpus, *, min_documents: int = 5, min_tokens: int = 2000, cluster: str | None = None
) -> dict[str, Any]:
    """The periods the drift index compares, found from a corpus's documents alone (no lexicon).

    :func:`aictlab.bins.compared_periods` over each document's counted word tokens (the corpus's
    selection, as the drift index counts them) and its period: the same rule and the same units, so a view
    that does not count the lexicon (semantic scaling, topic prevalence) contrasts the same periods as
    :func:`document_verdict` (docs/methods.md §13).

    Parameters
    ----------
    corpus : Corpus
        Its documents carry ``period`` (:func:`aictlab.corpus.as_corpus`).
    min_documents, min_tokens, cluster
        As in :func:`document_verdict`.

    Returns
    -------
    dict
        :func:`aictlab.bins.compared_periods`; its ``totals`` are ``doc_id, year, period, [cluster],
        tokens`` (periods merged).
    """
    words = corpus.map_tokens(token_totals)[[DOC_ID, "tokens"]]
    docs = corpus.documents[[DOC_ID, YEAR, PERIOD]]  # merged labels from the years seen, as the drift index
    if cluster:
        docs = docs.assign(**{cluster: document_clusters(corpus.documents, docs[DOC_ID], cluster).to_numpy()})
    totals = docs.merge(words, on=DOC_ID, how="inner").sort_values(DOC_ID).reset_index(drop=True)
    return compared_periods(totals, min_documents=min_documents, min_tokens=min_tokens, cluster=cluster)


def document_verdict(
    result: DriftResult,
    documents: pd.DataFrame | None = None,
    *,
    cluster: str | None = None,
    min_documents: int = 5,
    min_tokens: int = 2000,
    min_hits: int = 10,
    trend_min_documents: int = 10,
    trend_min_years: int = 4,
    delta: float = DELTA,
    n_boot: int = 1999,
    seed: int = 42,
) -> dict[str, Any]:
    """The verdict on document-level inference (docs/methods.md §4, §13), from a drift measurement.

    Steps: per-document totals (:func:`result_totals`); the compared periods (:func:`aictlab.bins.
    compared_periods`: end periods holding >= ``min_documents`` units and >= ``min_tokens`` tokens, thinner
    edge periods merged inward, else the outermost periods); their contrast
    (:func:`aictlab.inference.period_contrast`: document/cluster bootstrap, a period with fewer units falling
    back to the segment bootstrap, within-document noise only); the continuous trend per frame
    (:func:`aictlab.inference.frame_trend`); the basis (:func:`aictlab.inference.verdict_basis`: the trend
    decides with >= ``trend_min_documents`` documents over >= ``trend_min_years`` years, else the contrast;
    fewer than ``min_hits`` hits -> ``undetermined (too few hits)``).

    Returns
    -------
    dict
        ``totals, segments, compared`` (:func:`aictlab.bins.compared_periods`), ``contrast, trend, basis``
        (DataFrames).
    """
    source, target = result.drift_frames
    frames = (target, source)
    totals, segments = result_totals(result, documents, cluster=cluster)
    cmp = compared_periods(totals, min_documents=min_documents, min_tokens=min_tokens, cluster=cluster)
    if totals["period"].nunique() < 2:
        contrast = None
    else:
        contrast = period_contrast(
            cmp["totals"], first=cmp["first"], last=cmp["last"], frames=frames, cluster=cluster,
            segments=segments, fallback="segment", min_documents=min_documents, drift_frames=(source, target),
            n_boot=n_boot, seed=seed,
        )  # fmt: skip
    trend = frame_trend(totals, frames=frames, cluster=cluster, n_boot=n_boot, seed=seed)
    basis = verdict_basis(
        totals, contrast, trend, min_documents_trend=trend_min_documents, min_years_trend=trend_min_years,
        min_hits=min_hits, delta=delta, drift_frames=(source, target), label=target_label(result),
    )  # fmt: skip
    return {"totals": totals, "segments": segments, "compared": cmp, "contrast": contrast, "trend": trend,
            "basis": basis}  # fmt: skip


def drift_verdict_table(segment_verdict: pd.DataFrame, inference: Mapping[str, Any]) -> pd.DataFrame:
    """The ``drift_verdict`` table: :func:`verdict_table`'s columns (the segment-bootstrap change first →
    last period and the GLM trend tests), with ``verdict``/``verdict_reason`` replaced by the basis verdict of
    :func:`document_verdict` (the segment one kept as ``verdict_segment``, ``verdict_segment_reason``), then
    ``primary, primary_reason, verdict_basis_rule, compared_periods_rule, merge`` and both bases' numbers."""
    row = segment_verdict.iloc[0].to_dict()
    basis = inference["basis"].iloc[0].to_dict()
    cmp = inference["compared"]
    row["verdict_segment"], row["verdict_segment_reason"] = row["verdict"], row["verdict_reason"]
    row["verdict"], row["verdict_reason"] = basis.pop("verdict"), basis.pop("verdict_reason")
    row["primary"], row["primary_reason"] = basis.pop("primary"), basis.pop("primary_reason")
    row["verdict_basis_rule"] = basis.pop("rule")
    row["compared_periods_rule"], row["merge"] = cmp["rule"], cmp["merge"]
    contrast = inference["contrast"]
    if contrast is not None:
        c = contrast.iloc[0]
        row |= {"contrast_first_period": c["first_period"], "contrast_last_period": c["last_period"],
                "contrast_basis": c["basis"], "contrast_note": c["note"]}  # fmt: skip
    basis.pop("n_documents", None)
    row |= {k: v for k, v in basis.items() if k not in row}
    return pd.DataFrame([row])
