"""The drift measure: frame rates and the drift index per document, year and period, with bootstrap
intervals, and the change between the first and last period.

Notation (``docs/methods.md`` §1–4): the drift compares two frames of the lexicon, named by
``Settings.drift_frames`` = (from, to), by default (solidarité, attractivité); S = hits of the *from* frame,
A = hits of the *to* frame, N = word tokens.

- rate = 10 000 · C / N (period rates are *pooled*: 10 000 · ΣC / ΣN), for every frame of the lexicon;
- drift index D = log2((A + 0.5) / (S + 0.5)) (Haldane–Anscombe +0.5), D > 0: the *to* frame dominates;
- share = A / (A + S) (NaN when A + S = 0);
- change first → last period: ΔD = D_last − D_first; per frame θ_f = ln(rate_last / rate_first), computed
  with the same +0.5 on counts so that it stays finite when a frame is absent from a period.

Intervals of documents, years and of the change resample ~40-token segments with replacement *within each
document* (:func:`aictlab.resample.resample_totals`, ``docs/methods.md`` §2): they reflect within-document
sampling noise only, given the documents. Intervals of a period resample its documents (or clusters) when it
holds at least ``min_documents`` of them, the rule of the period contrast
(:func:`aictlab.inference.resamples_documents`, ``docs/methods.md`` §13), else its segments within documents.

References
----------
Efron B. (1987), Better bootstrap confidence intervals, JASA 82(397). ``docs/methods.md`` §1–4, §12.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aictlab.config import DRIFT_FRAMES
from aictlab.drift_stats import (
    Stats,
    Units,
    change_stats,
    drift_index,
    frame_share,
    group_rows,
    period_table,
    segment_bootstrap,
    segment_rows,
)
from aictlab.errors import AictlabError, SchemaError
from aictlab.frames import (
    FrameData,
    as_frame_data,
    check_frame_pair,
    frame_counts,
    hit_counts,
    merge_documents,
    rate_per_10k,
    word_segments,
)
from aictlab.lexicon import Lexicon
from aictlab.resample import resample_totals, resample_totals_many
from aictlab.schema import DOC_ID, N_TOKENS, PERIOD, YEAR

__all__ = [
    "DriftResult",
    "bootstrap_segments",
    "drift_change",
    "drift_changes",
    "drift_index",
    "frame_share",
    "measure_drift",
    "ordered_frames",
    "term_contributions",
]

log = logging.getLogger(__name__)


def ordered_frames(frames: Iterable[str], pair: Sequence[str]) -> list[str]:
    """The drift pair (from, to) first, then the lexicon's other frames in its order: the count columns."""
    return [*pair, *(f for f in frames if f not in pair)]


def bootstrap_segments(
    segments: pd.DataFrame,
    columns: Sequence[str],
    *,
    n_boot: int = 9999,
    seed: int = 42,
    groups: Mapping[str, Any] | None = None,
) -> dict[Any, np.ndarray]:
    """Resample segments with replacement within each document; return the replicate column totals.

    :func:`aictlab.resample.resample_totals` with segments as units and documents as strata.

    Parameters
    ----------
    groups : mapping, optional
        ``doc_id`` -> group label: the totals of a group's documents, summed as they are drawn (the same
        draws; e.g. the two compared periods of :func:`drift_change`).

    Returns
    -------
    dict
        ``doc_id`` (or group label) -> array (n_boot × k) of replicate totals of ``columns``.
    """
    return resample_totals(
        segments[list(columns)].to_numpy(dtype=float),
        segments[DOC_ID].to_numpy(),
        n_boot=n_boot,
        seed=seed,
        groups=groups,
    )


# ------------------------------------------------------------------------------------------ the result
@dataclass(frozen=True, eq=False)
class DriftResult:
    """Tables of one drift measurement (see :func:`measure_drift`).

    Attributes
    ----------
    matches : DataFrame
        Frame hits (:func:`aictlab.lexicon.match_terms`).
    segments : DataFrame
        Segment frame counts (:func:`aictlab.frames.frame_counts`) with ``period``.
    documents : DataFrame
        ``doc_id, year, period, start_year, end_year`` of the documents measured.
    by_document, by_year, by_period : DataFrame
        Counts of every frame, pooled rates, drift index and share with percentile (``ci_*``) and BCa
        (``bca_*``) intervals, co-presence share (segments with both drift frames) with interval.
        ``by_period`` resamples a period's documents (clusters) when it holds ``min_documents`` of them
        (``ci_*`` then expanded percentile, ``pct_*`` percentile of D), else its segments:
        ``resampled_unit, n_resampled_units, interval``.
    change : DataFrame
        One row: first/last period, ΔD, θ_to, θ_from with 95 % percentile and BCa and 90 % percentile
        intervals.
    frame_rates : DataFrame
        ``doc_id, year, period, frame, count, tokens, rate_per_10k, ci_low, ci_high`` for every frame.
    frame_terms : DataFrame
        ``period, frame, term, tier, count, share_of_frame, rate_per_10k``.
    params : dict
        Settings, excluded documents, bootstrap size and seed.
    drift_frames : tuple of str
        The (from, to) frames of the drift index.
    frame_labels : dict
        Frame name -> display label (from the lexicon).
    """

    matches: pd.DataFrame
    segments: pd.DataFrame
    documents: pd.DataFrame
    by_document: pd.DataFrame
    by_year: pd.DataFrame
    by_period: pd.DataFrame
    change: pd.DataFrame
    frame_rates: pd.DataFrame
    frame_terms: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    drift_frames: tuple[str, str] = DRIFT_FRAMES
    frame_labels: dict[str, str] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """The drift index per period with its interval."""
        return self.by_period[["period", "n_documents", "tokens", "drift_index", "ci_low", "ci_high"]]


def _documents(counts: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """``doc_id, year, period, start_year, end_year`` of the documents in ``counts`` (periods from the
    documents table: :func:`aictlab.periods.add_periods`)."""
    docs = counts.groupby(DOC_ID, sort=True)[YEAR].first().reset_index()
    periods = documents.drop_duplicates(DOC_ID).set_index(DOC_ID)
    row = periods.index.get_indexer(docs[DOC_ID])  # each document's row, found once for the three columns
    missing = sorted(docs.loc[row < 0, DOC_ID])
    if missing:
        raise SchemaError(f"documents: no period for {', '.join(missing)} (documents must carry 'period').")
    for column in (PERIOD, "start_year", "end_year"):
        docs[column] = periods[column].to_numpy()[row]
    docs["start_year"] = docs["start_year"].astype(int)
    docs["end_year"] = docs["end_year"].astype(int)
    return docs


def _first_last(docs: pd.DataFrame, first: str | None, last: str | None) -> tuple[str, str]:
    order = docs.sort_values("start_year")["period"].drop_duplicates().tolist()
    if len(order) < 2 and (first is None or last is None):
        raise AictlabError(f"drift change needs documents in at least two periods; found {order}.")
    first = first or order[0]
    last = last or order[-1]
    for p in (first, last):
        if p not in order:
            raise AictlabError(f"period {p!r} has no document; periods present: {', '.join(order)}.")
    return first, last


def measure_drift(
    data,
    lexicon: Lexicon | None = None,
    *,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    tier: str = "extended",
    periods: int | Sequence[int] | None = None,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    first: str | None = None,
    last: str | None = None,
    exclude_documents: Iterable[str] = (),
    merge: Mapping[str, str] | None = None,
    min_documents: int = 5,
    clusters: Mapping[str, str] | None = None,
) -> DriftResult:
    """Frame counts, rates and the drift index per document, year and period, with bootstrap intervals.

    Parameters
    ----------
    data : Corpus, DataFrame or FrameData
        A corpus, a selected token table (punctuation kept: it breaks multi-word matches; only ``is_word``
        tokens count in denominators) or its precomputed :func:`aictlab.frames.frame_data` (e.g. with some
        hits left out: :meth:`~aictlab.frames.FrameData.with_hits`).
    lexicon : Lexicon, optional
        Needed unless ``data`` is a ``FrameData``.
    drift_frames : (str, str), default=("solidarite", "attractivite")
        The (from, to) frames of the drift index; both must be frames of the lexicon.
    tier : {"core", "extended"}, default="extended"
    periods : int or sequence of int, optional
        Period spec (:func:`aictlab.periods.add_periods`); None keeps the periods the documents carry (5-year
        bins when they carry none).
    n_boot : int, default=9999
        Bootstrap replicates (segments resampled within documents; a period's documents resampled within it
        when it holds ``min_documents`` of them).
    seed : int, default=42
    alpha : float, default=0.05
        Two-sided level of the intervals (the verdict also uses the 1 − 2α intervals, ``docs/methods.md`` §4).
    first, last : str, optional
        Periods compared by the change (default: earliest and latest period with a document).
    exclude_documents : iterable of str
        Documents left out (e.g. those that discuss the hypothesis).
    merge : mapping, optional
        Contained document -> container (:func:`aictlab.frames.contained_documents`): counted as one unit.
    min_documents : int, default=5
        A period holding at least this many documents (clusters) gets its intervals from resampling them
        within the period, as the period contrast does (``Settings.min_documents``,
        :func:`aictlab.inference.resamples_documents`); a thinner one from its segments within documents.
    clusters : mapping, optional
        Document -> cluster value (``Settings.cluster``): a period's clusters are then the resampled units
        (a document without a value is a cluster of its own).

    Returns
    -------
    DriftResult
        Documents with no word token after selection are left out and listed in ``params``; ``by_period``
        says in ``resampled_unit``, ``n_resampled_units`` and ``interval`` how each period was resampled.
    """
    fd = as_frame_data(data, lexicon, periods=periods, tiers=(tier,))
    pair = check_frame_pair(fd.frames, drift_frames)
    st = Stats(ordered_frames(fd.frames, pair), pair)
    segments, matches = merge_documents(fd.segments, fd.hits(tier), merge)
    exclude = set(exclude_documents)
    if exclude:
        segments = segments[~segments[DOC_ID].isin(exclude)]
        matches = matches[~matches[DOC_ID].isin(exclude)]
    all_docs = sorted(set(segments[DOC_ID]))
    seg = frame_counts(segments, matches, frames=st.frames)
    if seg.empty:
        raise AictlabError("measure_drift: no word token to measure.")
    docs = _documents(seg, fd.documents)
    seg = seg.merge(docs[[DOC_ID, "period"]], on=DOC_ID, how="left")
    prepared = st.prepare(seg)
    units = Units(st, prepared)
    doc_rows, year_reps, period_reps = segment_bootstrap(st, units, prepared, docs, alpha, n_boot, seed)
    by_document = pd.DataFrame(
        [
            {DOC_ID: d.doc_id, YEAR: d.year, "period": d.period, **doc_rows[d.doc_id]}
            for d in docs.itertuples(index=False)
        ]
    )
    years = [(year, ids.tolist()) for year, ids in docs.groupby(YEAR, sort=True)[DOC_ID]]
    reps = np.stack([year_reps[year] for year, _ in years])
    rows = group_rows(st, [units.of(ids) for _, ids in years], reps, [len(ids) for _, ids in years], alpha)
    by_year = pd.DataFrame([{YEAR: year, **row} for (year, _), row in zip(years, rows, strict=True)])
    by_period = period_table(
        st,
        units,
        period_reps,
        docs,
        alpha,
        min_documents=min_documents,
        clusters=clusters,
        n_boot=n_boot,
        seed=seed,
    )

    try:
        p_first, p_last = _first_last(docs, first, last)
    except AictlabError as exc:
        if first is not None or last is not None or docs["period"].nunique() > 1:
            raise
        log.warning("measure_drift: %s The change row is left empty.", exc)
        p_first = p_last = docs["period"].iloc[0]
        change = {"first_period": p_first, "last_period": p_last}
        change_df = pd.DataFrame([change]).reindex(columns=[*change, "drift_change", "ci_low", "ci_high"])
    else:
        change = {"first_period": p_first, "last_period": p_last}
        first_docs = docs.loc[docs["period"].eq(p_first), DOC_ID].tolist()
        last_docs = docs.loc[docs["period"].eq(p_last), DOC_ID].tolist()
        change.update(
            change_stats(
                st,
                segment_rows(st, prepared, first_docs),
                period_reps[p_first],
                segment_rows(st, prepared, last_docs),
                period_reps[p_last],
                alpha,
            )  # fmt: skip
        )
        change_df = pd.DataFrame([change])

    rates = []
    for f in st.frames:
        sub = by_document[[DOC_ID, YEAR, "period", f, "tokens", f"{f}_rate", f"{f}_ci_low", f"{f}_ci_high"]]
        sub = sub.rename(
            columns={
                f: "count",
                f"{f}_rate": "rate_per_10k",
                f"{f}_ci_low": "ci_low",
                f"{f}_ci_high": "ci_high",
            }
        )
        rates.append(sub.assign(frame=f))
    frame_rates = pd.concat(rates, ignore_index=True)[
        [DOC_ID, YEAR, "period", "frame", "count", "tokens", "rate_per_10k", "ci_low", "ci_high"]
    ]
    frame_rates = frame_rates.sort_values([YEAR, DOC_ID, "frame"], kind="stable").reset_index(drop=True)
    frame_terms = term_contributions(matches[matches[DOC_ID].isin(docs[DOC_ID])], docs, by_period)
    params = {
        "tier": tier,
        "periods": by_period["period"].tolist(),
        "n_boot": n_boot,
        "seed": seed,
        "alpha": alpha,
        "drift_frames": list(pair),
        "excluded_documents": sorted(exclude),
        "merged_documents": dict(merge or {}),
        "documents_without_tokens": sorted(set(all_docs) - set(docs[DOC_ID])),
        "period_rate": "pooled: 10000 * sum(count) / sum(tokens)",
        "period_bootstrap": (
            f"{'clusters' if clusters else 'documents'} resampled within the period when it holds >= "
            f"{min_documents} of them, else segments within documents"
        ),
        "min_documents": min_documents,
    }
    return DriftResult(
        matches=matches.reset_index(drop=True),
        segments=seg,
        documents=docs,
        by_document=by_document,
        by_year=by_year,
        by_period=by_period,
        change=change_df,
        frame_rates=frame_rates,
        frame_terms=frame_terms,
        params=params,
        drift_frames=pair,
        frame_labels=dict(fd.frames),
    )


def drift_change(
    data,
    lexicon: Lexicon | None = None,
    *,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    tier: str = "extended",
    periods: int | Sequence[int] | None = None,
    n_boot: int = 1000,
    seed: int = 42,
    alpha: float = 0.05,
    first: str | None = None,
    last: str | None = None,
) -> dict[str, Any]:
    """The change first → last period alone (ΔD, θ_to, θ_from with intervals), bootstrapping only the
    documents of the two compared periods: the quantity each robustness variant recomputes.

    Parameters are as in :func:`measure_drift` (no merge: give merged aggregates).

    Returns
    -------
    dict
        ``first_period, last_period, drift_first, drift_last, drift_change`` and the θ's, each with its
        ``*_ci_*``, ``*_bca_*``, ``*_ci90_*``, ``*_bca90_*`` bounds.
    """
    fd = as_frame_data(data, lexicon, periods=periods, tiers=(tier,))
    kw = {"drift_frames": drift_frames, "n_boot": n_boot, "alpha": alpha, "first": first, "last": last}
    return drift_changes(fd, [(fd.hits(tier), seed)], **kw)[0]


#: Variants of :func:`drift_changes` drawn together (their count tables held at once).
_CHANGES_AT_ONCE = 8


def drift_changes(
    data: FrameData,
    variants: Sequence[tuple[pd.DataFrame, int]],
    *,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    n_boot: int = 1000,
    alpha: float = 0.05,
    first: str | None = None,
    last: str | None = None,
) -> list[dict[str, Any]]:
    """:func:`drift_change` of the segments of ``data`` under several hit tables and seeds: variant i counts
    the hits ``variants[i][0]`` (in place of ``data``'s) and draws with the seed ``variants[i][1]``.

    The segments, documents, compared periods and strata are found once for all the variants (e.g. the
    robustness variants that leave hits out, :func:`aictlab.robustness.robustness_panel`), and the variants
    of one seed are drawn together (:func:`aictlab.resample.resample_totals_many`, up to
    :data:`_CHANGES_AT_ONCE` at a time): the same draws and the same totals as each variant's own
    :func:`drift_change` (integer counts, summed exactly), so every number is the same.

    Parameters
    ----------
    data : FrameData
        The segments and documents measured (its hits are not read).
    variants : sequence of (DataFrame, int)
        Hits (:func:`aictlab.lexicon.match_terms` rows on ``data``'s segments) and bootstrap seed.
    drift_frames, n_boot, alpha, first, last
        As in :func:`drift_change`.

    Returns
    -------
    list of dict
        :func:`drift_change`'s result for each variant, in order.
    """
    pair = check_frame_pair(data.frames, drift_frames)
    st = Stats(ordered_frames(data.frames, pair), pair)
    seg = word_segments(data.segments)
    docs = _documents(seg, data.documents)
    p_first, p_last = _first_last(docs, first, last)
    first_docs = docs.loc[docs["period"].eq(p_first), DOC_ID].tolist()
    last_docs = docs.loc[docs["period"].eq(p_last), DOC_ID].tolist()
    # each compared period's totals summed as drawn (integer counts: the same sums as per document, then added)
    side = {**dict.fromkeys(first_docs, p_first), **dict.fromkeys(last_docs, p_last)}
    inside = seg[DOC_ID].isin(list(side)).to_numpy()
    strata = seg[DOC_ID].to_numpy()[inside]
    in_first = pd.Series(strata).isin(first_docs).to_numpy()
    in_last = pd.Series(strata).isin(last_docs).to_numpy()
    tokens = seg[N_TOKENS].to_numpy(dtype=float)[inside]
    out: list[dict[str, Any]] = [{} for _ in variants]
    for seed in dict.fromkeys(s for _, s in variants):
        todo = [i for i, (_, s) in enumerate(variants) if s == seed]
        for at in range(0, len(todo), _CHANGES_AT_ONCE):
            chunk = todo[at : at + _CHANGES_AT_ONCE]
            tables = [
                _count_table(tokens, hit_counts(seg, variants[i][0], frames=st.frames)[inside]) for i in chunk
            ]
            reps = resample_totals_many(tables, strata, n_boot=n_boot, seed=seed, groups=side)
            for i, x, r in zip(chunk, tables, reps, strict=True):
                out[i] = {"first_period": p_first, "last_period": p_last}
                # a variant may empty a frame: its BCa is then undefined (NaN)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out[i].update(change_stats(st, x[in_first], r[p_first], x[in_last], r[p_last], alpha))
    return out


def _count_table(tokens: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The rows of :attr:`Stats.columns` (tokens, one, both, any, frames) from the segments' word tokens and
    hit counts (:func:`aictlab.frames.hit_counts`, the drift pair first), as :func:`aictlab.frames.frame_counts`
    gives them."""
    both = (counts[:, 0] > 0) & (counts[:, 1] > 0)
    return np.column_stack([tokens, np.ones(len(tokens)), both, counts.sum(axis=1) > 0, counts]).astype(float)


def term_contributions(
    matches: pd.DataFrame, documents: pd.DataFrame, by_period: pd.DataFrame
) -> pd.DataFrame:
    """Which terms carry each frame in each period (``docs/methods.md`` §12).

    Returns
    -------
    DataFrame
        ``period, frame, term, tier, count, share_of_frame`` (count / frame total in the period),
        ``rate_per_10k`` (on the period's word tokens), sorted by period, frame, decreasing count, term.
    """
    cols = ["period", "frame", "term", "tier", "count", "share_of_frame", "rate_per_10k"]
    if matches.empty:
        return pd.DataFrame(columns=cols)
    m = matches.merge(documents[[DOC_ID, "period"]], on=DOC_ID, how="inner")
    out = m.groupby(["period", "frame", "term", "tier"]).size().rename("count").reset_index()
    out["share_of_frame"] = out["count"] / out.groupby(["period", "frame"])["count"].transform("sum")
    tokens = by_period.set_index("period")["tokens"]
    out["rate_per_10k"] = rate_per_10k(out["count"], out["period"].map(tokens).to_numpy())
    order = {p: i for i, p in enumerate(by_period["period"])}
    out["_o"] = out["period"].map(order)
    out = out.sort_values(
        ["_o", "frame", "count", "term"], ascending=[True, True, False, True], kind="stable"
    )
    return out.drop(columns="_o")[cols].reset_index(drop=True)
