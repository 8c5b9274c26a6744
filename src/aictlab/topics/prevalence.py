"""Topic prevalence over time: token-weighted mean topic proportions per group, with bootstrap intervals.

prevalence_k(g) = Σ_{u∈g} n_u θ_uk / Σ_{u∈g} n_u (``docs/methods.md`` §10). Its interval comes from the one
bootstrap of the package, :func:`aictlab.resample.resample_totals`, on the totals of the columns
[n θ_1, ..., n θ_K, n]; a group's replicate sums them and its prevalence is the ratio. Documents vary, not
only their units: a period (year) holding >= ``min_documents`` documents (clusters) resamples them within the
period, each kept whole, with the expanded percentile interval, the rule of the drift index per period
(:func:`aictlab.inference.resamples_documents`, ``docs/methods.md`` §13); a thinner one, and every document
of a per-document table, resamples units within documents (``docs/methods.md`` §2: within-document noise
only). Groups are the units' ``period`` (from their documents), ``year`` or ``doc_id``
(:func:`aictlab.topics.units.unit_groups`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.bins import compared_labels
from aictlab.errors import SettingsError
from aictlab.inference import resamples_documents
from aictlab.resample import bootstrap_interval, preferred_interval, resample_totals_many
from aictlab.topics.labels import OTHER, frame_sets, topic_frames
from aictlab.topics.selection import TopicSelection
from aictlab.topics.stability import topic_agreement
from aictlab.topics.units import unit_groups

__all__ = [
    "DEGENERATE_TOPIC_SHARE",
    "bootstrap_group_means",
    "compared_frame_prevalence",
    "degenerate_topics",
    "frame_shares_by_k",
    "frame_topic_prevalence",
    "seed_prevalence_range",
    "topic_mass_by_document",
    "topic_and_frame_prevalence",
    "topic_prevalence",
    "weighted_group_means",
]

_UNIT_KEYS = ("doc_id", "unit_id", "year", "period", "n_tokens")
#: A topic more than this share of whose token mass lies in one document is degenerate (:func:`degenerate_topics`).
DEGENERATE_TOPIC_SHARE = 0.9
# columns saying how a group's interval was resampled, after the table's other columns
_RESAMPLING = ("resampled_unit", "n_resampled_units", "interval", "pct_low", "pct_high")


def _wide_theta(doc_topics: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    schema.require_columns(
        doc_topics, ("doc_id", "unit_id", "year", "n_tokens", "topic", "proportion"), "doc_topics"
    )
    keys = ["doc_id", "unit_id"]
    carried = [c for c in _UNIT_KEYS if c in doc_topics.columns]
    units = doc_topics.drop_duplicates(keys)[carried].reset_index(drop=True)
    wide = doc_topics.pivot(index=keys, columns="topic", values="proportion")
    wide = wide.reindex(pd.MultiIndex.from_frame(units[keys]))
    return units, wide.to_numpy(dtype=float), np.asarray(wide.columns)


def bootstrap_group_means(
    values: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    groups: np.ndarray,
    *,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    min_documents: int | None = None,
    clusters: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted group means of unit rows with a bootstrap of the documents (clusters) or of the units.

    Estimate for group g and column j: m_gj = Σ_{i∈g} w_i v_ij / Σ_{i∈g} w_i (:func:`weighted_group_means`).
    A group holding >= ``min_documents`` documents (clusters, with ``clusters``) resamples them within the
    group (:func:`aictlab.inference.resamples_documents`, ``docs/methods.md`` §13): each document's totals
    T_d = [Σ_{i∈d} w_i v_i1, ..., Σ w_i v_iJ, Σ w_i] are drawn with replacement by
    :func:`aictlab.resample.resample_totals` (strata = groups), m*_gj = (Σ_d c_d T_dj) / (Σ_d c_d T_d,J+1)
    (a ratio estimator), and the interval is the expanded percentile interval over those n_g documents
    (:func:`aictlab.resample.bootstrap_interval` with ``n_units``; percentile when n_g <= 1). A thinner group
    (every group when ``min_documents`` is None) resamples its units within each stratum (document), as
    :func:`aictlab.resample.resample_totals` does with strata = documents (``docs/methods.md`` §2; a stratum
    spanning several groups is split by group), percentile interval: within-document noise only. Both draws
    use ``seed``. Rows with NaN values weigh 0.

    Parameters
    ----------
    values : ndarray (n, J)
    weights : ndarray (n,)
    strata : ndarray (n,)
        Document of each unit (the stratum of the within-document bootstrap).
    groups : ndarray (n,)
        Group of each unit (period, year...).
    n_boot, seed, alpha
    min_documents : int, optional
        Documents (clusters) a group needs to resample them; None: every group resamples its units.
    clusters : ndarray (n,), optional
        Cluster of each unit's document (e.g. its organiser): the resampled units of a thick group are then
        its clusters, each kept whole.

    Returns
    -------
    (labels, estimate, low, high)
        Sorted group labels and (G, J) arrays (:func:`topic_prevalence` also says how each group was
        resampled).
    """
    out = _group_intervals(
        values, weights, strata, groups, n_boot=n_boot, seed=seed, alpha=alpha,
        min_documents=min_documents, clusters=clusters,
    )  # fmt: skip
    return out["labels"], out["estimate"], out["ci_low"], out["ci_high"]


def _group_intervals(
    values: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    groups: np.ndarray,
    *,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    min_documents: int | None = None,
    clusters: np.ndarray | None = None,
    unit_name: str = "segment",
) -> dict[str, np.ndarray]:
    """:func:`bootstrap_group_means` with how each group was resampled (same parameters and numbers).

    Returns
    -------
    dict
        ``labels`` (G,); ``estimate, ci_low, ci_high`` (G, J): the interval used (expanded percentile for a
        group that resamples documents or clusters, else percentile); ``pct_low, pct_high`` (G, J): the plain
        percentile interval; ``interval`` (G, J): which one ``ci_*`` is; ``resampled_unit`` (G,): "document",
        "cluster" or ``unit_name`` (units within documents); ``n_resampled_units`` (G,).
    """
    return _group_intervals_many(
        [values], weights, strata, groups, n_boot=n_boot, seed=seed, alpha=alpha,
        min_documents=min_documents, clusters=clusters, unit_name=unit_name,
    )[0]  # fmt: skip


def _group_intervals_many(
    values: Sequence[np.ndarray],
    weights: np.ndarray,
    strata: np.ndarray,
    groups: np.ndarray,
    *,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    min_documents: int | None = None,
    clusters: np.ndarray | None = None,
    unit_name: str = "segment",
) -> list[dict[str, np.ndarray]]:
    """:func:`_group_intervals` of several value tables of the same units, from one draw of the replicates.

    Each table keeps its own NaN rows (weight 0) and gets the numbers :func:`_group_intervals` gives it alone:
    the resampled units, strata and groups depend on the units only, so the draws are the same, and a
    thick group's replicate totals come from one draw (:func:`aictlab.resample.resample_totals_many`).

    Returns
    -------
    list of dict
        One :func:`_group_intervals` result per table of ``values``, in order.
    """
    tables = [np.asarray(v, dtype=float) for v in values]
    weights = np.asarray(weights, dtype=float)
    # per table: NaN rows weigh 0; columns [w v_1, ..., w v_J, w] are what the bootstrap sums
    set_weights = [np.where(np.isnan(v).any(1), 0.0, weights) for v in tables]
    tables = [np.nan_to_num(v) for v in tables]
    columns = [np.column_stack([w[:, None] * v, w]) for v, w in zip(tables, set_weights, strict=True)]
    labels, g_idx = np.unique(np.asarray(groups), return_inverse=True)
    g_idx = g_idx.ravel()
    n_groups = len(labels)
    # the resampled unit of a thick group: the unit's cluster (its document without clusters), sorted labels
    c_idx, _ = pd.factorize(pd.Index(np.asarray(strata if clusters is None else clusters)), sort=True)
    if (c_idx < 0).any():
        what, fix = (
            ("document", "its document id") if clusters is None else ("cluster", "its document's cluster")
        )
        raise SettingsError(
            f"bootstrap_group_means: {int((c_idx < 0).sum())} unit(s) have no {what} value; give each unit {fix} "
            "(a document without a cluster: its own id)."
        )
    n_clusters = int(c_idx.max()) + 1 if len(c_idx) else 0
    pairs = np.unique(g_idx * n_clusters + c_idx)
    per_group = np.bincount(pairs // max(n_clusters, 1), minlength=n_groups)
    thick = np.array(
        [min_documents is not None and resamples_documents(n, min_documents) for n in per_group], dtype=bool
    )
    totals = [np.full((n_groups, n_boot, c.shape[1]), np.nan) for c in columns]
    thin = ~thick[g_idx]
    if thin.any():
        s_labels, s_idx = np.unique(np.asarray(strata)[thin], return_inverse=True)
        n_strata = len(s_labels)
        keys = g_idx[thin] * n_strata + s_idx.ravel()
        to_group = {int(k): int(k) // n_strata for k in np.unique(keys)}
        # strata are summed into their group as they are drawn: memory grows with groups, not documents
        thin_tables = [cols[thin] for cols in columns]
        reps = resample_totals_many(thin_tables, keys, n_boot=n_boot, seed=seed, groups=to_group)
        for tot, by_group in zip(totals, reps, strict=True):
            for group, rep in by_group.items():
                tot[group] = rep
    if thick.any():
        # each (group, cluster)'s totals [Σ w v_1, ..., Σ w v_J, Σ w], resampled within its group
        keep = thick[g_idx]
        unit_pairs, inverse = np.unique(g_idx[keep] * n_clusters + c_idx[keep], return_inverse=True)
        unit_totals = []
        for cols in columns:
            sums = np.zeros((len(unit_pairs), cols.shape[1]))
            np.add.at(sums, inverse.ravel(), cols[keep])
            unit_totals.append(sums)
        reps = resample_totals_many(unit_totals, unit_pairs // n_clusters, n_boot=n_boot, seed=seed)
        for tot, by_group in zip(totals, reps, strict=True):
            for group, rep in by_group.items():
                tot[int(group)] = rep
    n_res = np.where(thick, per_group, np.bincount(g_idx, minlength=n_groups))
    resampled = np.where(thick, "document" if clusters is None else "cluster", unit_name)
    return [
        _intervals(labels, v, w, groups, tot, thick, n_res, resampled, alpha)
        for v, w, tot in zip(tables, set_weights, totals, strict=True)
    ]


def _intervals(
    labels: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    totals: np.ndarray,
    thick: np.ndarray,
    n_res: np.ndarray,
    resampled: np.ndarray,
    alpha: float,
) -> dict[str, np.ndarray]:
    """The :func:`_group_intervals` result of one table from its replicate totals (G, B, J + 1): the ratio
    m*_gj = T*_gj / T*_g,J+1 and :func:`aictlab.resample.bootstrap_interval` per group and column."""
    _, estimate = weighted_group_means(values, weights, groups)
    j = values.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = totals[:, :, :j] / totals[:, :, j:]
    out = {
        "labels": labels,
        "estimate": estimate,
        **{c: np.full(estimate.shape, np.nan) for c in ("ci_low", "ci_high", "pct_low", "pct_high")},
        "interval": np.full(estimate.shape, "percentile", dtype=object),
        "resampled_unit": resampled,
        "n_resampled_units": n_res,
    }
    for g in range(len(labels)):
        for c in range(j):
            ci = bootstrap_interval(
                estimate[g, c], ratio[g, :, c], alpha=alpha, n_units=int(n_res[g]) if thick[g] else None
            )
            out["pct_low"][g, c], out["pct_high"][g, c] = ci["ci_low"], ci["ci_high"]
            out["ci_low"][g, c], out["ci_high"][g, c], out["interval"][g, c] = preferred_interval(ci)
    return out


def topic_prevalence(
    doc_topics: pd.DataFrame,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    min_documents: int = 5,
    clusters: Mapping[str, str] | None = None,
    unit_name: str = "segment",
) -> pd.DataFrame:
    """Topic prevalence per period, year or document with a seeded bootstrap interval.

    prevalence_k(g) = Σ_{u∈g} n_u θ_uk / Σ_{u∈g} n_u: the token-weighted mean topic proportion of the units
    of group g (n_u = word tokens of unit u; ``docs/methods.md`` §10). Interval, 1 − ``alpha``
    (:func:`bootstrap_group_means`): a period (year) holding >= ``min_documents`` documents (clusters)
    resamples them within it, each kept whole (ratio of the resampled totals Σ n_u θ_uk and Σ n_u), expanded
    percentile interval (``docs/methods.md`` §13, as the drift index per period); a thinner period and every
    document (``by="doc_id"``) resample units within each document, percentile (``docs/methods.md`` §2):
    within-document noise only. Neither carries refit uncertainty (see :func:`seed_prevalence_range`).
    Models over the same units share one draw of the replicates (:func:`topic_and_frame_prevalence`).

    Parameters
    ----------
    doc_topics : DataFrame
        ``doc_id, unit_id, year, n_tokens, topic, proportion`` (``model.document_topics()``); a ``model``
        column is carried as a key.
    by : {"period", "year", "doc_id"}, default="period"
    n_boot : int, default=9999
    seed : int, default=42
    alpha : float, default=0.05
    min_documents : int, default=5
        Documents (clusters) a period or year needs for its documents to be resampled (``Settings.min_documents``,
        :func:`aictlab.inference.resamples_documents`).
    clusters : mapping, optional
        Document -> cluster value (``Settings.cluster``): a group's clusters are then the resampled units (a
        document without a value is a cluster of its own).
    unit_name : str, default="segment"
        What the units are (``Settings.topic_unit``), written in ``resampled_unit`` for a thin group.

    Returns
    -------
    DataFrame
        ``[model,] topic, <by>, prevalence, ci_low, ci_high, n_units, n_documents, tokens, resampled_unit,
        n_resampled_units, interval, pct_low, pct_high``: ``resampled_unit`` is "document", "cluster" or
        ``unit_name``; ``interval`` says what ``ci_*`` is ("expanded percentile" or "percentile");
        ``pct_*`` is the plain percentile interval of the same replicates.
    """
    boot = {"n_boot": n_boot, "seed": seed, "alpha": alpha, "min_documents": min_documents}
    return _prevalence_tables(doc_topics, None, by, None, clusters=clusters, unit_name=unit_name, **boot)[0]


def _topic_table(res: dict[str, np.ndarray], info: pd.DataFrame, topics: np.ndarray, by: str) -> pd.DataFrame:
    """The :func:`topic_prevalence` table of one model from its group intervals and group counts."""
    labels = res["labels"]
    out = pd.DataFrame(
        {
            "topic": np.tile(topics, len(labels)),
            by: np.repeat(labels, len(topics)),
            "prevalence": res["estimate"].ravel(),
            "ci_low": res["ci_low"].ravel(),
            "ci_high": res["ci_high"].ravel(),
        }
    )
    out = _resampling_columns(out, res).merge(info.rename(columns={"group": by}), on=by)
    out = out[[c for c in out.columns if c not in _RESAMPLING] + list(_RESAMPLING)]
    return out.sort_values(["topic", by], kind="stable").reset_index(drop=True)


def _group_info(units: pd.DataFrame, group: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    info = (
        units.assign(group=group)
        .groupby("group")
        .agg(n_units=("unit_id", "size"), n_documents=("doc_id", "nunique"), tokens=("n_tokens", "sum"))
        .reindex(labels)
        .reset_index()
    )
    return info.rename(columns={"index": "group"})


def frame_topic_prevalence(
    doc_topics: pd.DataFrame,
    topic_frame: pd.DataFrame,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    frames: Sequence[str] | None = None,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    min_documents: int = 5,
    clusters: Mapping[str, str] | None = None,
    unit_name: str = "segment",
) -> pd.DataFrame:
    """Prevalence of frame-leaning topic groups: the topic-model view of the drift.

    θ_u(f) = Σ_{k leaning to f} θ_uk, then as :func:`topic_prevalence`: share_f(g) = Σ n_u θ_u(f) / Σ n_u with
    the same bootstrap (documents or clusters within a period holding ``min_documents`` of them, else units
    within documents; the same replicates for every frame, so shares of a replicate sum to 1). A frame
    without any leaning topic has share 0.

    Parameters
    ----------
    doc_topics : DataFrame
        ``[model,] doc_id, unit_id, year, n_tokens, topic, proportion``.
    topic_frame : DataFrame
        ``[model,] topic, frame`` (one row per topic; the topics table works too).
    frames : sequence of str, optional
        The groups reported. None: the lexicon's frames, read from the ``share_<frame>`` columns of
        ``topic_frame`` (:func:`aictlab.topics.labels.label_topics`; else the frames it names), then
        ``"other"``.
    by, n_boot, seed, alpha, min_documents, clusters, unit_name
        As :func:`topic_prevalence`.

    Returns
    -------
    DataFrame
        ``[model,] <by>, frame, prevalence, ci_low, ci_high, n_topics, topics, n_units, n_documents, tokens,
        resampled_unit, n_resampled_units, interval, pct_low, pct_high`` (as :func:`topic_prevalence`).
    """
    boot = {"n_boot": n_boot, "seed": seed, "alpha": alpha, "min_documents": min_documents}
    return _prevalence_tables(
        doc_topics, topic_frame, by, frames, topic_table=False, clusters=clusters, unit_name=unit_name, **boot
    )[1]


def compared_frame_prevalence(
    doc_topics: pd.DataFrame, topic_frame: pd.DataFrame, compared: Mapping[str, Any], **kwargs: Any
) -> pd.DataFrame:
    """:func:`frame_topic_prevalence` in the two periods the drift index compares (thin edge periods merged
    inward, :func:`aictlab.verdict.corpus_compared_periods`), so the topic view contrasts what the lexicon
    view contrasts; units of inner periods are left out.

    Parameters
    ----------
    doc_topics, topic_frame
        As :func:`frame_topic_prevalence`; ``doc_topics`` carries each unit's ``period``.
    compared : dict
        :func:`aictlab.bins.compared_periods` (``first, last, rule, ends``).
    **kwargs
        ``frames, n_boot, seed, alpha, min_documents, clusters, unit_name`` of :func:`frame_topic_prevalence`.

    Returns
    -------
    DataFrame
        :func:`frame_topic_prevalence`'s table with ``period`` = the compared periods' labels.
    """
    period = doc_topics["period"].map(compared_labels(compared))
    units = doc_topics.assign(period=period)[period.notna()]
    return frame_topic_prevalence(units, topic_frame, by="period", **kwargs)


def topic_and_frame_prevalence(
    doc_topics: pd.DataFrame,
    topic_frame: pd.DataFrame,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    frames: Sequence[str] | None = None,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    min_documents: int = 5,
    clusters: Mapping[str, str] | None = None,
    unit_name: str = "segment",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`topic_prevalence` and :func:`frame_topic_prevalence` of one table, the replicates drawn once.

    Both resample the same units with the same seed: the draws depend on the units, strata and groups only
    (:func:`aictlab.resample.resample_totals`), so the topic shares θ_uk and the frame shares θ_u(f) of
    every model over the same units are summed over one draw (:func:`_group_intervals_many`) instead of one
    draw per model and table. The numbers are those of the two functions called apart.

    Parameters
    ----------
    As :func:`frame_topic_prevalence`.

    Returns
    -------
    (DataFrame, DataFrame)
        The :func:`topic_prevalence` and :func:`frame_topic_prevalence` tables.
    """
    boot = {"n_boot": n_boot, "seed": seed, "alpha": alpha, "min_documents": min_documents}
    return _prevalence_tables(
        doc_topics, topic_frame, by, frames, clusters=clusters, unit_name=unit_name, **boot
    )


def _prevalence_tables(
    doc_topics: pd.DataFrame,
    topic_frame: pd.DataFrame | None,
    by: str,
    frames: Sequence[str] | None,
    *,
    topic_table: bool = True,
    **boot: Any,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The topic table (``topic_table``) and the frame table (given ``topic_frame``) of every model of
    ``doc_topics``: each model's θ and frame sums are value tables of :func:`_means_by`, one call for all
    models when they share their units (else one per model)."""
    if topic_frame is not None:
        schema.require_columns(topic_frame, ("topic", "frame"), "topic frames")
        frames = _frame_names(topic_frame) if frames is None else list(frames)
    keyed = "model" in doc_topics.columns
    parts = (
        [(m, g.drop(columns="model")) for m, g in doc_topics.groupby("model", sort=True)]
        if keyed
        else [(None, doc_topics)]
    )
    fits = []  # (model, units, θ, topics, the frame each topic leans to)
    for m, g in parts:
        units, theta, topics = _wide_theta(g)
        lean = None
        if topic_frame is not None:
            tf = topic_frame
            if keyed and "model" in tf.columns:
                tf = tf[tf["model"] == m]
            mapping = tf.drop_duplicates("topic").set_index("topic")["frame"]
            lean = np.array([mapping.get(t, OTHER) for t in topics])
        fits.append((m, units, theta, topics, lean))
    # one draw for every model when their units are the same (the report's LDA and NMF fits)
    shared = all(f[1].equals(fits[0][1]) for f in fits[1:])
    batches = [fits] if shared else [[f] for f in fits]
    topic_parts, frame_parts = [], []
    for batch in batches:
        values = []
        for _, _, theta, _, lean in batch:
            if topic_table:
                values.append(theta)
            if lean is not None:
                values.append(_frame_values(theta, lean, frames))
        results, info = _means_by(batch[0][1], values, by, **boot)
        for m, _, _, topics, lean in batch:
            if topic_table:
                topic_parts.append((m, _topic_table(results.pop(0), info, topics, by)))
            if lean is not None:
                frame_parts.append((m, _frame_table(results.pop(0), info, frames, lean, topics, by)))
    return _with_models(topic_parts, keyed), _with_models(frame_parts, keyed)


def _frame_values(theta: np.ndarray, lean: np.ndarray, frames: Sequence[str]) -> np.ndarray:
    """θ_u(f) = Σ_{k leaning to f} θ_uk per unit and frame (NaN for a unit whose θ has NaN)."""
    values = np.column_stack([theta[:, lean == f].sum(1) for f in frames])
    values[np.isnan(theta).any(1)] = np.nan
    return values


def _frame_table(
    res: dict[str, np.ndarray],
    info: pd.DataFrame,
    frames: Sequence[str],
    lean: np.ndarray,
    topics: np.ndarray,
    by: str,
) -> pd.DataFrame:
    """The :func:`frame_topic_prevalence` table of one model from its group intervals and group counts."""
    labels = res["labels"]
    out = pd.DataFrame(
        {
            by: np.repeat(labels, len(frames)),
            "frame": np.tile(list(frames), len(labels)),
            "prevalence": res["estimate"].ravel(),
            "ci_low": res["ci_low"].ravel(),
            "ci_high": res["ci_high"].ravel(),
            "n_topics": np.tile([int((lean == f).sum()) for f in frames], len(labels)),
            "topics": np.tile([", ".join(map(str, topics[lean == f])) for f in frames], len(labels)),
        }
    )
    out = _resampling_columns(out, res).merge(info.rename(columns={"group": by}), on=by)
    out = out[[c for c in out.columns if c not in _RESAMPLING] + list(_RESAMPLING)]
    return out.sort_values([by, "frame"], kind="stable").reset_index(drop=True)


def _with_models(parts: list[tuple[Any, pd.DataFrame]], keyed: bool) -> pd.DataFrame | None:
    """One table from the per-model tables, ``model`` first when the input had it (None without tables)."""
    if not parts:
        return None
    if not keyed:
        return parts[0][1]
    out = pd.concat([t.assign(model=m) for m, t in parts], ignore_index=True)
    return out[["model", *[c for c in out.columns if c != "model"]]]


def _means_by(
    units: pd.DataFrame,
    values: Sequence[np.ndarray],
    by: str,
    *,
    n_boot: int,
    seed: int,
    alpha: float,
    min_documents: int,
    clusters: Mapping[str, str] | None,
    unit_name: str,
) -> tuple[list[dict[str, np.ndarray]], pd.DataFrame]:
    """``_group_intervals_many`` of value tables (one row per unit each) over the units' ``by`` groups, with
    the groups' unit and document counts (``_group_info``). A per-document table keeps the within-document
    bootstrap."""
    group = unit_groups(units, by).to_numpy()
    docs = units["doc_id"].to_numpy()
    cluster = None
    if clusters is not None:
        # a document without a cluster value is a cluster of its own (as aictlab.drift.measure_drift)
        cluster = np.array([str(clusters.get(d, f"document {d}")) for d in docs], dtype=object)
    res = _group_intervals_many(
        values, units["n_tokens"].to_numpy(), docs, group, n_boot=n_boot, seed=seed, alpha=alpha,
        min_documents=None if by == "doc_id" else min_documents, clusters=cluster, unit_name=unit_name,
    )  # fmt: skip
    return res, _group_info(units, group, res[0]["labels"])


def _resampling_columns(out: pd.DataFrame, res: dict[str, np.ndarray]) -> pd.DataFrame:
    """``out`` (one row per group and column of ``res``, in that order) with how each group was resampled."""
    n_cols = res["estimate"].shape[1]
    return out.assign(
        resampled_unit=np.repeat(res["resampled_unit"], n_cols),
        n_resampled_units=np.repeat(res["n_resampled_units"], n_cols).astype(int),
        interval=res["interval"].ravel(),
        pct_low=res["pct_low"].ravel(),
        pct_high=res["pct_high"].ravel(),
    )


def _frame_names(topic_frame: pd.DataFrame) -> list[str]:
    """The frames of a topics table in lexicon order (its ``share_<frame>`` columns), then ``"other"``."""
    names = [c.removeprefix("share_") for c in topic_frame.columns if c.startswith("share_")]
    if not names:
        names = sorted(set(topic_frame["frame"].dropna().astype(str)) - {OTHER})
    return [*names, OTHER]


def topic_mass_by_document(doc_topics: pd.DataFrame) -> pd.DataFrame:
    """Where each topic lives: the share of a topic's token mass Σ_u n_u θ_uk held by each document.

    With one document per period, a topic held by one document is a document (genre, organiser) effect as
    much as a period effect; this table shows it.

    Returns
    -------
    DataFrame
        ``[model,] topic, doc_id, mass, share`` (shares of a topic sum to 1), sorted by topic then share.
    """
    schema.require_columns(doc_topics, ("doc_id", "n_tokens", "topic", "proportion"), "doc_topics")
    keys = [c for c in ("model",) if c in doc_topics.columns]
    d = doc_topics.assign(mass=doc_topics["n_tokens"] * doc_topics["proportion"].fillna(0.0))
    out = d.groupby([*keys, "topic", "doc_id"], sort=True)["mass"].sum().reset_index()
    out["share"] = out["mass"] / out.groupby([*keys, "topic"])["mass"].transform("sum")
    return out.sort_values(
        [*keys, "topic", "share", "doc_id"], ascending=[True] * (len(keys) + 1) + [False, True]
    )


def degenerate_topics(
    doc_topics: pd.DataFrame, threshold: float = DEGENERATE_TOPIC_SHARE, *, mass: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Topics that describe one document: more than ``threshold`` of their token mass Σ_u n_u θ_uk lies in a
    single document (:func:`topic_mass_by_document`).

    Such a topic follows that document's date, genre and organiser: its prevalence over periods is not a
    trend of the corpus. Nothing is flagged when the units come from fewer than two documents.

    Parameters
    ----------
    doc_topics : DataFrame
        ``[model,] doc_id, n_tokens, topic, proportion`` (one row per unit and topic).
    threshold : float, default=0.9
    mass : DataFrame, optional
        ``topic_mass_by_document(doc_topics)`` when the caller has it already.

    Returns
    -------
    DataFrame
        ``[model,] topic, doc_id, share`` of the flagged topics (their main document and its share), sorted.
    """
    main = topic_mass_by_document(doc_topics) if mass is None else mass
    keys = [c for c in ("model",) if c in main.columns]
    cols = [*keys, "topic", "doc_id", "share"]
    if doc_topics["doc_id"].nunique() < 2:
        return main.iloc[:0][cols]
    top = main.drop_duplicates([*keys, "topic"])
    return top[top["share"] > threshold][cols].reset_index(drop=True)


def weighted_group_means(
    values: np.ndarray, weights: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Point estimates of :func:`bootstrap_group_means`: m_gj = Σ_{i∈g} w_i v_ij / Σ_{i∈g} w_i (NaN rows weigh 0).

    Returns
    -------
    (labels, estimate)
        Sorted group labels and a (G, J) array.
    """
    values = np.asarray(values, dtype=float)
    weights = np.where(np.isnan(values).any(1), 0.0, np.asarray(weights, dtype=float))
    values = np.nan_to_num(values)
    labels, g_idx = np.unique(np.asarray(groups), return_inverse=True)
    num = np.zeros((len(labels), values.shape[1]))
    np.add.at(num, g_idx, weights[:, None] * values)
    den = np.bincount(g_idx, weights=weights, minlength=len(labels))
    with np.errstate(invalid="ignore", divide="ignore"):
        return labels, num / den[:, None]


def frame_shares_by_k(
    selection: TopicSelection,
    frames: Any,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    topn: int = 20,
    min_share: float = 0.05,
    ratio: float = 2.0,
) -> pd.DataFrame:
    """Frame-leaning topic shares of every reference fit of a selection: does the picture depend on K?

    For each (model, K) reference fit: topics lean by :func:`topic_frames`; share of each frame group per
    ``by`` as in :func:`frame_topic_prevalence` (point estimates, no interval).

    Returns
    -------
    DataFrame
        ``model, k, <by>, frame, prevalence, n_topics``.
    """
    sets = frame_sets(frames)
    names = [*sets, OTHER]
    fits = sorted(selection.models.items())
    # every fit's topics lean in one topic_frames call, keyed by the fit's position (its sums are per topic)
    leans = topic_frames(
        pd.concat([f.topics(topn).assign(model=i) for i, (_, f) in enumerate(fits)], ignore_index=True),
        sets,
        topn=topn,
        min_share=min_share,
        ratio=ratio,
    )
    rows = []
    for i, ((model, k), fitted) in enumerate(fits):
        lean = leans[leans["model"] == i].set_index("topic")["frame"].reindex(np.arange(1, k + 1)).to_numpy()
        theta = fitted.doc_topic_
        values = np.column_stack([theta[:, lean == f].sum(1) for f in names])
        values[np.isnan(theta).any(1)] = np.nan
        units = fitted.docs_
        labels, est = weighted_group_means(
            values, units["n_tokens"].to_numpy(), unit_groups(units, by).to_numpy()
        )
        for g, label in enumerate(labels):
            for j, f in enumerate(names):
                rows.append(
                    {
                        "model": model,
                        "k": k,
                        by: label,
                        "frame": f,
                        "prevalence": est[g, j],
                        "n_topics": int((lean == f).sum()),
                    }
                )
    return pd.DataFrame(rows)


def seed_prevalence_range(
    selection: TopicSelection,
    model: str,
    k: int,
    *,
    by: Literal["period", "year", "doc_id"] = "period",
    reference: Any = None,
) -> pd.DataFrame:
    """Range of topic prevalence over the subsample refits, topics aligned to the reference fit.

    Each refit's θ on all units is reordered by its Hungarian matching to the reference topics
    (:func:`topic_agreement`); its point prevalence per group is computed as in :func:`topic_prevalence`;
    the table gives the minimum and maximum over refits (``docs/methods.md`` §10, band (ii): refit uncertainty,
    which the segment bootstrap does not carry).

    ``reference``: a fitted model whose topics the refits are matched to instead of the grid's reference
    fit (the model of :func:`final_topic_model` when it was refitted on every unit); the units are still
    the grid's (``selection.docs``, the sample of a capped grid).

    Returns
    -------
    DataFrame
        ``topic, <by>, seed_low, seed_high, n_refits``.
    """
    docs = selection.docs
    group = unit_groups(docs, by).to_numpy()
    weights = docs["n_tokens"].to_numpy(dtype=float)
    labels, g_idx = np.unique(group, return_inverse=True)
    estimates = []
    for seed, theta in selection.refit_thetas(model, k).items():
        run = selection.runs[(model, int(k), seed)]
        match = run["match"]
        if reference is not None:
            _, match = topic_agreement(
                reference.top_terms(selection.params["depth"]), run["top_terms"], selection.params["depth"]
            )
        theta = theta[:, match]
        ok = ~np.isnan(theta).any(1)
        w = np.where(ok, weights, 0.0)
        th = np.nan_to_num(theta)
        est = np.vstack(
            [(w[g_idx == g, None] * th[g_idx == g]).sum(0) / w[g_idx == g].sum() for g in range(len(labels))]
        )
        estimates.append(est)
    if not estimates:
        raise SettingsError(f"seed_prevalence_range: no subsample refits of {model} with K={k}.")
    stack = np.stack(estimates)
    return (
        pd.DataFrame(
            {
                "topic": np.tile(np.arange(1, int(k) + 1), len(labels)),
                by: np.repeat(labels, int(k)),
                "seed_low": stack.min(0).ravel(),
                "seed_high": stack.max(0).ravel(),
                "n_refits": len(estimates),
            }
        )
        .sort_values(["topic", by], kind="stable")
        .reset_index(drop=True)
    )
