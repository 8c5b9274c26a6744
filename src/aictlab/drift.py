"""Frame drift: frame rates, the solidarité → attractivité drift index with bootstrap intervals, trends over
time, the substitution/stratification verdict, a robustness panel and the mention-vs-use comparison.

Everything starts from small per-document aggregates of the token table (:func:`frame_data`): the word
tokens of each segment (:func:`segment_tokens`), the lexicon hits (:func:`aictlab.lexicon.match_terms`, per
tier) and their KWIC lines (:func:`hit_contexts`). They are computed partition by partition on a corpus
whose tokens stay on disk (:func:`collect_frame_data`), so the token table is never whole in memory; the
measures (``*_from_segments``, :func:`kwic_frames_from_lines`) take the aggregates, and the token-table
functions (:func:`measure_drift`, :func:`robustness_panel`, :func:`mention_vs_use`, :func:`kwic_frames`)
compute them from one table and call the same code. Combined, they give the *segment frame counts*
(:func:`frame_counts`): one row per ~40-token text segment with its word tokens and its hits per frame.
Segments are the bootstrap's resampling unit (METHODS §2): resampled with replacement *within each
document*, so a period's or a change's interval reflects within-document sampling noise only, given the
documents.

Notation (METHODS §1–4): A, S = attractivité and solidarité hit counts; N = word tokens.

- rate = 10 000 · C / N (period rates are *pooled*: 10 000 · ΣC / ΣN);
- drift index D = log2((A + 0.5) / (S + 0.5)) (Haldane–Anscombe +0.5), D > 0: attractivité dominates;
- share = A / (A + S) (NaN when A + S = 0);
- change first → last period: ΔD = D_last − D_first; per frame θ_f = ln(rate_last / rate_first), computed
  with the same +0.5 on counts so that it stays finite when a frame is absent from a period.

References
----------
Efron B. (1987), Better bootstrap confidence intervals, JASA 82(397). Schuirmann D. (1987), A comparison of
the two one-sided tests procedure..., J. Pharmacokinet. Biopharm. 15(6). Berger R. (1982), Multiparameter
hypothesis testing and acceptance sampling, Technometrics 24(4). METHODS.md §1–4, §12.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from aictlab.errors import AictlabError, SchemaError
from aictlab.lexicon import Lexicon, match_terms
from aictlab.periods import assign_periods
from aictlab.resample import bootstrap_interval, resample_totals
from aictlab.schema import DOC_ID, SEG_ID, TOK_POS, YEAR, require_columns

log = logging.getLogger(__name__)

SOLIDARITE = "solidarite"
ATTRACTIVITE = "attractivite"
FRAMES = (SOLIDARITE, ATTRACTIVITE)
#: Equivalence margin for "solidarité stable" (METHODS §4), fixed in advance: ±25 % in rate.
DELTA = math.log(1.25)
VERDICTS = ("substitution", "stratification", "reversal", "no_drift", "inconclusive")
#: Seed documents that *discuss* the substitution/stratification hypothesis (mention rather than use).
MENTION_DOCUMENTS = ("ciedel_2017",)
#: Codes of the hand coding of frame hits (METHODS §7, plus "other sense" for off-sense hits).
USE_CODES = ("use", "mention", "programme title", "other sense")

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


# --------------------------------------------------------------------------------------------- measures
def drift_index(attractivite, solidarite):
    """Drift index D = log2((A + 0.5) / (S + 0.5)) (METHODS §2).

    Parameters
    ----------
    attractivite, solidarite : float or array
        Frame counts of the same unit and tier.

    Examples
    --------
    >>> round(float(drift_index(3, 1)), 6)
    1.222392
    """
    return np.log2(
        (np.asarray(attractivite, dtype=float) + 0.5) / (np.asarray(solidarite, dtype=float) + 0.5)
    )


def attractivite_share(attractivite, solidarite):
    """Share A / (A + S); NaN when A + S = 0."""
    a = np.asarray(attractivite, dtype=float)
    total = a + np.asarray(solidarite, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, a / np.where(total > 0, total, 1.0), np.nan)


def rate_per_10k(count, tokens):
    """Rate per 10 000 tokens: 10 000 · count / tokens; a zero count gives 0.0, zero tokens an error."""
    tokens = np.asarray(tokens, dtype=float)
    if np.any(tokens <= 0):
        raise AictlabError("rate_per_10k: a unit has 0 tokens; a rate needs a positive denominator.")
    return 1e4 * np.asarray(count, dtype=float) / tokens


# --------------------------------------------------------------------------------------------- aggregates
#: Canonical row orders of the aggregates, so that they do not depend on how the tokens were partitioned.
_SEGMENT_ORDER = [DOC_ID, "seg_order", SEG_ID]
_HIT_ORDER = [DOC_ID, TOK_POS]
_LINE_ORDER = [DOC_ID, "start"]


def segment_tokens(tokens: pd.DataFrame) -> pd.DataFrame:
    """One row per text segment with its word-token count: the token side of every drift measure.

    Parameters
    ----------
    tokens : DataFrame
        Selected tokens (``doc_id, seg_id, tok_pos, year``; ``is_word`` when present: only word tokens count,
        METHODS "Shared conventions"). Document-local: a partition of whole documents gives its own rows.

    Returns
    -------
    DataFrame
        ``doc_id, seg_id, year, seg_order`` (first word token's ``tok_pos``; NaN without word token),
        ``tokens`` (word tokens, possibly 0: such segments still say that their document was there), sorted
        by ``doc_id, seg_order, seg_id``.
    """
    require_columns(tokens, (DOC_ID, SEG_ID, TOK_POS, YEAR), "tokens")
    word = tokens["is_word"].astype(bool) if "is_word" in tokens.columns else pd.Series(True, tokens.index)
    seg = (
        tokens[[DOC_ID, SEG_ID, YEAR]]
        .assign(seg_order=tokens[TOK_POS].where(word), tokens=word.astype(int))
        .groupby([DOC_ID, SEG_ID], sort=False)
        .agg(year=(YEAR, "first"), seg_order=("seg_order", "min"), tokens=("tokens", "sum"))
        .reset_index()
    )
    return seg.sort_values(_SEGMENT_ORDER, kind="stable").reset_index(drop=True)


def hit_contexts(tokens: pd.DataFrame, matches: pd.DataFrame, *, window: int = 10) -> pd.DataFrame:
    """Keyword-in-context line of every hit, from :func:`aictlab.concordance.kwic` document by document.

    Each document is searched for the lemmas of its own hits only, so a line depends on its document alone
    (not on which other documents share the token table or partition).

    Parameters
    ----------
    tokens : DataFrame
        The tokens ``matches`` were found in, with punctuation (readable contexts).
    matches : DataFrame
        :func:`aictlab.lexicon.match_terms` output on ``tokens``.
    window : int, default=10
        Tokens of context on each side.

    Returns
    -------
    DataFrame
        ``doc_id, start, end, left, keyword, right`` for the lines that start at a hit's first token, sorted
        by ``doc_id, start``.
    """
    from aictlab.concordance import KWIC_COLUMNS, kwic

    columns = [DOC_ID, "start", "end", "left", "keyword", "right"]
    lemmas = {doc: sorted(set(g.str.lower())) for doc, g in matches.groupby(DOC_ID, sort=False)["lemma"]}
    found = [
        kwic(doc_tokens, lemmas[doc], window=window, by="lemma")
        for doc, doc_tokens in tokens[tokens[DOC_ID].isin(list(lemmas))].groupby(DOC_ID, sort=False)
    ]
    lines = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=KWIC_COLUMNS)
    lines = lines[columns]
    # kwic may also find a lemma where match_terms did not count it (across a sentence): not a hit's line
    starts = matches[[DOC_ID, TOK_POS]].rename(columns={TOK_POS: "start"})
    lines = lines.merge(starts, on=[DOC_ID, "start"], how="inner")
    return lines.sort_values(_LINE_ORDER, kind="stable").reset_index(drop=True)


def frame_data(
    tokens: pd.DataFrame,
    lexicon: Lexicon,
    *,
    tiers: Sequence[str] = ("extended", "core"),
    window: int | None = 10,
) -> dict[str, Any]:
    """The small per-document aggregates every frame measure starts from, for one token table or partition.

    Parameters
    ----------
    tokens : DataFrame
        Selected tokens *with* punctuation (it breaks multi-word matches), e.g. one partition passed by
        :meth:`aictlab.corpus.Corpus.map_tokens` with ``words_only=False``.
    lexicon : Lexicon
    tiers : sequence of {"extended", "core"}, default=("extended", "core")
        Tiers to match (each tier is matched on its own: longest-match choices differ between tiers).
    window : int or None, default=10
        KWIC window for the lines of the first tier's hits; None computes no line.

    Returns
    -------
    dict
        ``segments`` (:func:`segment_tokens`), ``matches`` (tier -> :func:`aictlab.lexicon.match_terms`
        output, whose ``index_start, index_end`` are the row labels in ``tokens``) and, unless ``window`` is
        None, ``kwic`` (:func:`hit_contexts`).
    """
    out: dict[str, Any] = {
        "segments": segment_tokens(tokens),
        "matches": {tier: match_terms(tokens, lexicon, tier=tier) for tier in tiers},
    }
    if window is not None:
        out["kwic"] = hit_contexts(tokens, out["matches"][tiers[0]], window=window)
    return out


def sort_frame_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Put concatenated :func:`frame_data` results in their canonical order (as from one whole table).

    Segments by ``doc_id, seg_order, seg_id``, hits by ``doc_id, tok_pos`` (the order of
    :func:`aictlab.lexicon.match_terms`), KWIC lines by ``doc_id, start``; every index reset.
    """

    def by(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)

    out = dict(data)
    out["segments"] = by(data["segments"], _SEGMENT_ORDER)
    out["matches"] = {tier: by(m, _HIT_ORDER) for tier, m in data["matches"].items()}
    if "kwic" in data:
        out["kwic"] = by(data["kwic"], _LINE_ORDER)
    return out


def collect_frame_data(
    map_tokens: Callable[..., Any],
    lexicon: Lexicon,
    *,
    tiers: Sequence[str] = ("extended", "core"),
    window: int | None = 10,
) -> dict[str, Any]:
    """:func:`frame_data` of a whole corpus, computed partition by partition (never the whole token table).

    Parameters
    ----------
    map_tokens : callable
        ``map_tokens(func, words_only=False)`` applying ``func`` to each partition of selected tokens and
        concatenating the results: :meth:`aictlab.corpus.Corpus.map_tokens` (with its ``keep_duplicates``
        bound, e.g. by :func:`functools.partial`) or ``ReportContext.map_tokens``.
    lexicon, tiers, window
        As in :func:`frame_data`.

    Returns
    -------
    dict
        As :func:`frame_data`, in canonical order (:func:`sort_frame_data`), whatever the partitioning.
    """
    func = functools.partial(frame_data, lexicon=lexicon, tiers=tuple(tiers), window=window)
    return sort_frame_data(map_tokens(func, words_only=False))


def frame_counts(
    segments: pd.DataFrame, matches: pd.DataFrame, *, frames: Sequence[str] = FRAMES
) -> pd.DataFrame:
    """One row per text segment: word tokens and frame hits, from the segment and hit aggregates.

    Parameters
    ----------
    segments : DataFrame
        :func:`segment_tokens` output (possibly with documents relabelled by :func:`merge_documents`).
    matches : DataFrame
        :func:`aictlab.lexicon.match_terms` output on the same tokens (same relabelling).
    frames : sequence of str
        Frames to count (one column each).

    Returns
    -------
    DataFrame
        ``doc_id, seg_id, year, seg_order, tokens``, one count column per frame, ``both`` (1 if the segment
        has a hit of each of the first two frames), ``any`` (1 if it has any hit); sorted by document and
        position (segments of merged documents interleave by position, ties by ``seg_id``). Segments without
        word tokens are dropped.
    """
    require_columns(segments, (DOC_ID, SEG_ID, YEAR, "seg_order", "tokens"), "segments")
    seg = segments[segments["tokens"] > 0]
    seg = seg.astype({"seg_order": "int64", "tokens": "int64"})
    seg = seg.sort_values(_SEGMENT_ORDER, kind="stable").reset_index(drop=True)
    if len(matches):
        unknown = set(matches["frame"]) - set(frames)
        m = matches[matches["frame"].isin(frames)]
        if unknown:
            log.debug("frame_counts: frames %s not counted", sorted(unknown))
        counts = m.groupby([DOC_ID, SEG_ID, "frame"]).size().unstack("frame", fill_value=0)
    else:
        counts = pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=[DOC_ID, SEG_ID]))
    counts = counts.reindex(columns=list(frames), fill_value=0)
    seg = seg.merge(counts, left_on=[DOC_ID, SEG_ID], right_index=True, how="left")
    for f in frames:
        seg[f] = seg[f].fillna(0).astype(int)
    lost = len(matches) - int(seg[list(frames)].to_numpy().sum()) if len(matches) else 0
    if len(matches) and lost > int((~matches["frame"].isin(frames)).sum()):
        raise SchemaError("frame_counts: some matches fall outside the word tokens' segments.")
    seg["both"] = ((seg[frames[0]] > 0) & (seg[frames[1]] > 0)).astype(int) if len(frames) >= 2 else 0
    seg["any"] = (seg[list(frames)].sum(axis=1) > 0).astype(int)
    seg[YEAR] = seg[YEAR].astype(int)
    return seg


def segment_frame_counts(
    tokens: pd.DataFrame, matches: pd.DataFrame, *, frames: Sequence[str] = FRAMES
) -> pd.DataFrame:
    """One row per text segment: word tokens and frame hits (:func:`frame_counts` of one token table).

    Parameters
    ----------
    tokens : DataFrame
        Selected tokens (``doc_id, seg_id, tok_pos, year``; ``is_word`` when present: only word tokens
        count in the denominator, METHODS "Shared conventions").
    matches : DataFrame
        Output of :func:`aictlab.lexicon.match_terms` on the same tokens.
    frames : sequence of str
        Frames to count (one column each).

    Returns
    -------
    DataFrame
        As :func:`frame_counts`.
    """
    return frame_counts(segment_tokens(tokens), matches, frames=frames)


def contained_documents(overlap: pd.DataFrame, *, threshold: float = 0.8) -> dict[str, str]:
    """Documents contained in another (containment C(A, B) >= ``threshold``, METHODS §11) -> their container.

    Parameters
    ----------
    overlap : DataFrame
        ``Corpus.overlap``: ``doc_a, doc_b, containment_a``.

    Returns
    -------
    dict
        ``doc_a -> doc_b`` for the contained documents (the most containing ``doc_b`` when several).
    """
    if overlap is None or overlap.empty:
        return {}
    require_columns(overlap, ("doc_a", "doc_b", "containment_a"), "overlap")
    hit = overlap[overlap["containment_a"] >= threshold].sort_values(
        ["doc_a", "containment_a"], ascending=[True, False]
    )
    return dict(hit.drop_duplicates("doc_a")[["doc_a", "doc_b"]].itertuples(index=False, name=None))


def merge_documents(
    segments: pd.DataFrame, matches: pd.DataFrame, mapping: Mapping[str, str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count contained documents in their container's unit: relabel their ``doc_id`` as the container's.

    Applied after matching (token adjacency untouched) and to the aggregates, not the tokens. The merged
    unit keeps the container's year; its segments stay distinct (segment ids are unique), so the segment
    bootstrap is unchanged.

    Parameters
    ----------
    segments : DataFrame
        :func:`segment_tokens` output (any table with ``doc_id, year`` works, e.g. tokens).
    matches : DataFrame
        Hits on the same documents.
    mapping : mapping or None
        Contained document -> container (:func:`contained_documents`).

    Returns
    -------
    (DataFrame, DataFrame)
        ``segments`` and ``matches`` relabelled (unchanged without ``mapping``).

    Raises
    ------
    AictlabError
        A contained document and its container differ in year.
    """
    if not mapping:
        return segments, matches
    years = segments.groupby(DOC_ID)[YEAR].first()
    for src, dst in mapping.items():
        if src in years.index and dst in years.index and years[src] != years[dst]:
            raise AictlabError(
                f"merge_documents: {src} ({years[src]}) and {dst} ({years[dst]}) differ in year."
            )
    segments = segments.assign(**{DOC_ID: segments[DOC_ID].replace(dict(mapping))})
    matches = matches.assign(**{DOC_ID: matches[DOC_ID].replace(dict(mapping))})
    return segments, matches


# --------------------------------------------------------------------------------------------- bootstrap
def bootstrap_segments(
    segments: pd.DataFrame, columns: Sequence[str], *, n_boot: int = 9999, seed: int = 42
) -> dict[str, np.ndarray]:
    """Resample segments with replacement within each document; return the replicate column totals.

    :func:`aictlab.resample.resample_totals` with segments as units and documents as strata.

    Returns
    -------
    dict
        ``doc_id`` -> array (n_boot × k) of replicate totals of ``columns``.
    """
    return resample_totals(
        segments[list(columns)].to_numpy(dtype=float), segments[DOC_ID].to_numpy(), n_boot=n_boot, seed=seed
    )


# Statistics of a vector/matrix of column totals (last axis = columns, see _COLS).
_COLS = ("tokens", "one", "both", "any", SOLIDARITE, ATTRACTIVITE)
_I = {c: i for i, c in enumerate(_COLS)}


def _stat_d(t):
    return drift_index(t[..., _I[ATTRACTIVITE]], t[..., _I[SOLIDARITE]])


def _stat_share(t):
    return attractivite_share(t[..., _I[ATTRACTIVITE]], t[..., _I[SOLIDARITE]])


def _stat_rate(frame):
    def f(t):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1e4 * t[..., _I[frame]] / t[..., _I["tokens"]]

    return f


def _stat_lograte(frame):
    def f(t):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log((t[..., _I[frame]] + 0.5) / t[..., _I["tokens"]])

    return f


def _stat_copresence(t):
    with np.errstate(divide="ignore", invalid="ignore"):
        return t[..., _I["both"]] / t[..., _I["one"]]


GROUP_STATS: dict[str, Callable] = {
    "drift_index": _stat_d,
    "share_attractivite": _stat_share,
    "solidarite_rate": _stat_rate(SOLIDARITE),
    "attractivite_rate": _stat_rate(ATTRACTIVITE),
    "copresence": _stat_copresence,
}
_CI_PREFIX = {
    "drift_index": "",
    "share_attractivite": "share_",
    "solidarite_rate": "solidarite_",
    "attractivite_rate": "attractivite_",
    "copresence": "copresence_",
}


def _prepare(segments: pd.DataFrame) -> pd.DataFrame:
    seg = segments.copy()
    seg["one"] = 1
    missing = [c for c in _COLS if c not in seg.columns]
    if missing:
        raise SchemaError(f"segments: missing column(s) {', '.join(missing)} (use segment_frame_counts).")
    return seg


def _group_row(seg: pd.DataFrame, reps: Mapping[str, np.ndarray], docs: Sequence[str], alpha: float) -> dict:
    part = seg[seg[DOC_ID].isin(docs)]
    x = part[list(_COLS)].to_numpy(dtype=float)
    total = x.sum(axis=0)
    rep = sum(reps[d] for d in docs)
    jack = total - x
    row = {
        "n_documents": len(docs),
        "n_segments": len(part),
        "tokens": int(total[_I["tokens"]]),
        SOLIDARITE: int(total[_I[SOLIDARITE]]),
        ATTRACTIVITE: int(total[_I[ATTRACTIVITE]]),
    }
    for name, fn in GROUP_STATS.items():
        theta = float(fn(total))
        row[name] = theta
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = bootstrap_interval(
                theta,
                fn(rep),
                fn(jack) if name in ("drift_index", "share_attractivite") else None,
                alpha=alpha,
            )
        pre = _CI_PREFIX[name]
        row[f"{pre}ci_low"], row[f"{pre}ci_high"] = ci["ci_low"], ci["ci_high"]
        if name in ("drift_index", "share_attractivite"):
            row[f"{pre}bca_low"], row[f"{pre}bca_high"] = ci["bca_low"], ci["bca_high"]
    return row


def _change_stats(
    seg: pd.DataFrame, reps: Mapping[str, np.ndarray], first: Sequence[str], last: Sequence[str], alpha: float
) -> dict:
    """ΔD and θ_A, θ_S between two groups of documents, with 95 % (percentile, BCa) and 90 % intervals."""
    out: dict[str, Any] = {}
    parts = {}
    for key, docs in (("first", first), ("last", last)):
        part = seg[seg[DOC_ID].isin(docs)]
        x = part[list(_COLS)].to_numpy(dtype=float)
        parts[key] = (x, x.sum(axis=0), sum(reps[d] for d in docs))
    (x0, t0, r0), (x1, t1, r1) = parts["first"], parts["last"]
    specs = {
        "drift_change": _stat_d,
        "theta_attractivite": _stat_lograte(ATTRACTIVITE),
        "theta_solidarite": _stat_lograte(SOLIDARITE),
    }
    out["drift_first"] = float(_stat_d(t0))
    out["drift_last"] = float(_stat_d(t1))
    for name, fn in specs.items():
        theta = float(fn(t1) - fn(t0))
        rep = fn(r1) - fn(r0)
        jack = np.concatenate([fn(t1) - fn(t0 - x0), fn(t1 - x1) - fn(t0)])
        ci95 = bootstrap_interval(theta, rep, jack, alpha=alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci90 = bootstrap_interval(theta, rep, jack, alpha=2 * alpha)
        pre = "" if name == "drift_change" else f"{name}_"
        out[name] = theta
        out[f"{pre}ci_low"], out[f"{pre}ci_high"] = ci95["ci_low"], ci95["ci_high"]
        out[f"{pre}bca_low"], out[f"{pre}bca_high"] = ci95["bca_low"], ci95["bca_high"]
        out[f"{pre}ci90_low"], out[f"{pre}ci90_high"] = ci90["ci_low"], ci90["ci_high"]
        out[f"{pre}bca90_low"], out[f"{pre}bca90_high"] = ci90["bca_low"], ci90["bca_high"]
    return out


# --------------------------------------------------------------------------------------------- main entry
@dataclass(frozen=True, eq=False)
class DriftResult:
    """Tables of one drift measurement (see :func:`measure_drift`).

    Attributes
    ----------
    matches : DataFrame
        Frame hits (:func:`aictlab.lexicon.match_terms`).
    segments : DataFrame
        Segment frame counts (:func:`segment_frame_counts`) with ``period``.
    documents : DataFrame
        ``doc_id, year, period, start_year, end_year`` of the documents measured.
    by_document, by_year, by_period : DataFrame
        Counts, pooled rates, drift index and share with percentile (``ci_*``) and BCa (``bca_*``) intervals,
        co-presence share (segments with both frames) with interval.
    change : DataFrame
        One row: first/last period, ΔD, θ_A, θ_S with 95 % percentile and BCa and 90 % percentile intervals.
    frame_rates : DataFrame
        ``doc_id, year, period, frame, count, tokens, rate_per_10k, ci_low, ci_high``.
    frame_terms : DataFrame
        ``period, frame, term, tier, count, share_of_frame, rate_per_10k``.
    params : dict
        Settings, excluded documents, bootstrap size and seed.
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

    def summary(self) -> pd.DataFrame:
        """The drift index per period with its interval."""
        return self.by_period[["period", "n_documents", "tokens", "drift_index", "ci_low", "ci_high"]]


def _documents(segments: pd.DataFrame, periods) -> pd.DataFrame:
    docs = segments.groupby(DOC_ID, sort=True)[YEAR].first().reset_index()
    per = assign_periods(docs[YEAR], periods)
    docs[["period", "start_year", "end_year"]] = per[["period", "start_year", "end_year"]].to_numpy()
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
    tokens: pd.DataFrame,
    lexicon: Lexicon | None = None,
    *,
    matches: pd.DataFrame | None = None,
    tier: str = "extended",
    periods: int | Sequence[int] = 5,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    first: str | None = None,
    last: str | None = None,
    exclude_documents: Iterable[str] = (),
    merge: Mapping[str, str] | None = None,
) -> DriftResult:
    """Frame counts, rates and the drift index per document, year and period, with bootstrap intervals.

    The token-table entry point: :func:`drift_from_segments` of this table's :func:`segment_tokens` and hits.

    Parameters
    ----------
    tokens : DataFrame
        Selected tokens (``select_tokens(corpus.tokens, words_only=False)``: duplicates and structure lines
        removed by default, punctuation kept so that it breaks multi-word matches; only ``is_word`` tokens
        are counted in denominators).
    lexicon : Lexicon, optional
        Needed unless ``matches`` is given.
    matches : DataFrame, optional
        Precomputed :func:`aictlab.lexicon.match_terms` output (e.g. with terms left out).
    tier, periods, n_boot, seed, alpha, first, last, exclude_documents, merge
        As in :func:`drift_from_segments`.

    Returns
    -------
    DriftResult
    """
    if matches is None:
        if lexicon is None:
            raise AictlabError("measure_drift: give a lexicon or precomputed matches.")
        matches = match_terms(tokens, lexicon, tier=tier)
    return drift_from_segments(
        segment_tokens(tokens), matches, tier=tier, periods=periods, n_boot=n_boot, seed=seed, alpha=alpha,
        first=first, last=last, exclude_documents=exclude_documents, merge=merge,
    )  # fmt: skip


def drift_from_segments(
    segments: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    tier: str = "extended",
    periods: int | Sequence[int] = 5,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    first: str | None = None,
    last: str | None = None,
    exclude_documents: Iterable[str] = (),
    merge: Mapping[str, str] | None = None,
) -> DriftResult:
    """Frame counts, rates and the drift index per document, year and period, from the corpus aggregates.

    Parameters
    ----------
    segments : DataFrame
        Word tokens per segment (:func:`segment_tokens`, e.g. ``collect_frame_data(...)["segments"]``).
    matches : DataFrame
        The hits of the same tokens (:func:`aictlab.lexicon.match_terms`), possibly filtered.
    tier : {"core", "extended"}, default="extended"
        The tier ``matches`` come from (recorded in ``params``).
    periods : int or sequence of int, default=5
        Period bins (:func:`aictlab.periods.assign_periods`).
    n_boot : int, default=9999
        Bootstrap replicates (segments resampled within documents).
    seed : int, default=42
    alpha : float, default=0.05
        Two-sided level of the intervals (the verdict also uses the 1 − 2α intervals, METHODS §4).
    first, last : str, optional
        Periods compared by the change (default: earliest and latest period with a document).
    exclude_documents : iterable of str
        Documents left out (e.g. those that discuss the hypothesis).
    merge : mapping, optional
        Contained document -> container (:func:`contained_documents`): counted as one unit.

    Returns
    -------
    DriftResult
        Documents with no word token after selection are left out and listed in ``params``.
    """
    segments, matches = merge_documents(segments, matches, merge)
    exclude = set(exclude_documents)
    if exclude:
        segments = segments[~segments[DOC_ID].isin(exclude)]
        matches = matches[~matches[DOC_ID].isin(exclude)]
    all_docs = sorted(set(segments[DOC_ID]))
    seg = frame_counts(segments, matches)
    if seg.empty:
        raise AictlabError("measure_drift: no word token to measure.")
    docs = _documents(seg, periods)
    seg = seg.merge(docs[[DOC_ID, "period"]], on=DOC_ID, how="left")
    prepared = _prepare(seg)
    reps = bootstrap_segments(prepared, _COLS, n_boot=n_boot, seed=seed)

    rows = []
    for d in docs.itertuples(index=False):
        rows.append(
            {
                DOC_ID: d.doc_id,
                YEAR: d.year,
                "period": d.period,
                **_group_row(prepared, reps, [d.doc_id], alpha),
            }
        )
    by_document = pd.DataFrame(rows)
    rows = []
    for year, group in docs.groupby(YEAR, sort=True):
        rows.append({YEAR: year, **_group_row(prepared, reps, group[DOC_ID].tolist(), alpha)})
    by_year = pd.DataFrame(rows)
    rows = []
    for period, group in docs.sort_values("start_year").groupby("period", sort=False):
        rows.append(
            {
                "period": period,
                "start_year": int(group["start_year"].iloc[0]),
                "end_year": int(group["end_year"].iloc[0]),
                **_group_row(prepared, reps, group[DOC_ID].tolist(), alpha),
            }
        )
    by_period = pd.DataFrame(rows)

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
        change.update(
            _change_stats(
                prepared,
                reps,
                docs.loc[docs["period"].eq(p_first), DOC_ID].tolist(),
                docs.loc[docs["period"].eq(p_last), DOC_ID].tolist(),
                alpha,
            )
        )
        change_df = pd.DataFrame([change])

    rates = []
    for f in FRAMES:
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
        "periods": periods if isinstance(periods, int) else list(periods),
        "n_boot": n_boot,
        "seed": seed,
        "alpha": alpha,
        "excluded_documents": sorted(exclude),
        "merged_documents": dict(merge or {}),
        "documents_without_tokens": sorted(set(all_docs) - set(docs[DOC_ID])),
        "period_rate": "pooled: 10000 * sum(count) / sum(tokens)",
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
    )


def term_contributions(
    matches: pd.DataFrame, documents: pd.DataFrame, by_period: pd.DataFrame
) -> pd.DataFrame:
    """Which terms carry each frame in each period (METHODS §12).

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


# --------------------------------------------------------------------------------------------- trend
def _newton_glm(y, x, offset, trials=None, max_iter=50, tol=1e-10):
    """ML slope of log E[y] = offset + b0 + b1 x (Poisson) or logit p = b0 + b1 x (binomial, ``trials``),
    vectorised over rows of ``x`` (one row per permutation). Returns b1 (NaN where it does not converge)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.broadcast_to(np.asarray(y, dtype=float), x.shape)
    p_rows = x.shape[0]
    b = np.zeros((p_rows, 2))
    if trials is None:
        b[:, 0] = np.log(max(y[0].sum(), 0.5) / np.exp(offset).sum())
    else:
        tot = np.asarray(trials, dtype=float)
        pbar = np.clip(y[0].sum() / tot.sum(), 1e-6, 1 - 1e-6)
        b[:, 0] = np.log(pbar / (1 - pbar))
    converged = np.zeros(p_rows, dtype=bool)
    for _ in range(max_iter):
        eta = b[:, [0]] + b[:, [1]] * x
        if trials is None:
            mu = np.exp(np.clip(eta + offset, -700, 700))
            w = mu
            resid = y - mu
        else:
            p = 1 / (1 + np.exp(-np.clip(eta, -700, 700)))
            mu = trials * p
            w = trials * p * (1 - p)
            resid = y - mu
        g0, g1 = resid.sum(axis=1), (resid * x).sum(axis=1)
        h00, h01, h11 = w.sum(axis=1), (w * x).sum(axis=1), (w * x * x).sum(axis=1)
        det = h00 * h11 - h01**2
        with np.errstate(divide="ignore", invalid="ignore"):
            d0 = (h11 * g0 - h01 * g1) / det
            d1 = (-h01 * g0 + h00 * g1) / det
        step = np.column_stack([d0, d1])
        step[~np.isfinite(step)] = 0.0
        b += np.clip(step, -5, 5)
        converged = np.abs(step).max(axis=1) < tol
        if converged.all():
            break
    slope = b[:, 1].copy()
    slope[~converged | (np.abs(slope) > 50)] = np.nan
    return slope


def _permutations(
    n: int, max_exact: int = 8, n_random: int = 9999, seed: int = 42
) -> tuple[np.ndarray, bool]:
    if n <= max_exact:
        return np.array(list(itertools.permutations(range(n)))), True
    rng = np.random.default_rng(seed)
    perms = np.array([rng.permutation(n) for _ in range(n_random)])
    return np.vstack([np.arange(n), perms]), False


def _perm_p(t_obs: float, t_perm: np.ndarray) -> float:
    """Two-sided permutation p = #{|T_π| >= |T|} / #permutations, identity included (all n! when exact,
    so p >= 1/n!; row 0 of the random set otherwise, so p = (1 + #)/(B + 1)). A permutation whose fit does
    not converge (NaN) counts as not extreme and stays in the denominator (conservative)."""
    if not np.isfinite(t_obs):
        return np.nan
    tol = 1e-9 * max(1.0, abs(t_obs))
    return float(np.sum(np.abs(np.nan_to_num(t_perm, nan=0.0)) >= abs(t_obs) - tol) / len(t_perm))


def _spearman(x, y) -> float:
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return np.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def trend_tests(by_document: pd.DataFrame, *, alpha: float = 0.05, seed: int = 42) -> pd.DataFrame:
    """Trend of each frame's rate and of the drift index over documents' years (METHODS §3).

    Units are documents (not tokens: no pseudo-replication). For each frame f:
    log E[y_d] = ln N_d + β0 + β1 (year_d − year_min), Poisson GLM (statsmodels); when the Pearson dispersion
    φ = χ²/(n − 2) exceeds 1 the quasi-Poisson fit (``scale="X2"``) is reported, with t(n − 2) intervals and
    p-values as R's ``summary.glm``. The NB2 model (``smf.negativebinomial``, ML α) is reported beside it
    (weak with fewer than ~10 documents; NaN when it does not converge). The drift index is modelled as a
    binomial GLM of A successes out of A + S (logit = ln-odds; D ≈ log2 odds), quasi-binomial when
    overdispersed. Slopes are reported as ratios per decade exp(10 β1) (rate ratio; odds ratio for the
    index). Permutation test: T = β1 recomputed for every permutation of years across documents (all n!
    when n ≤ 8, identity included: p = #{|T_π| ≥ |T|}/n!, floor 1/n!; else 9 999 random, p = (1+#)/(B+1)).
    Spearman ρ between year and the document rate (average ranks) with its exact permutation p and a Fisher
    z interval (SE = √(1.06/(n − 3)), Fieller, Hartley & Pearson 1957).

    Parameters
    ----------
    by_document : DataFrame
        ``doc_id, year, tokens, solidarite, attractivite`` (``DriftResult.by_document``).

    Returns
    -------
    DataFrame
        One row per target (``solidarite``, ``attractivite``, ``drift_index``): ``model, n_documents,
        beta_year, ratio_per_decade, ci_low, ci_high, p_value, dispersion, nb_alpha, nb_ratio_per_decade,
        nb_ci_low, nb_ci_high, nb_p_value, perm_p_value, n_permutations, perm_exact, perm_p_floor,
        spearman_rho, spearman_p_exact, spearman_ci_low, spearman_ci_high``.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    require_columns(by_document, (DOC_ID, YEAR, "tokens", *FRAMES), "by_document")
    df = by_document[[DOC_ID, YEAR, "tokens", *FRAMES]].copy()
    n = len(df)
    df["yr"] = df[YEAR] - df[YEAR].min()
    perms, exact = _permutations(n, seed=seed)
    x_perm = df["yr"].to_numpy(dtype=float)[perms]
    rows = []
    z = stats.norm.ppf(1 - alpha / 2)
    for target in (*FRAMES, "drift_index"):
        row: dict[str, Any] = {
            "target": target,
            "n_documents": n,
            "n_permutations": len(perms),
            "perm_exact": exact,
        }
        row["perm_p_floor"] = 1 / len(perms)
        if n < 3 or df["yr"].nunique() < 2:
            rows.append(row)
            continue
        if target == "drift_index":
            endog = np.column_stack([df[ATTRACTIVITE], df[SOLIDARITE]]).astype(float)
            keep = endog.sum(axis=1) > 0
            family = sm.families.Binomial()
            offset = None
            model_name = "binomial"
            y_vec = df[ATTRACTIVITE].to_numpy(float)
            trials = (df[ATTRACTIVITE] + df[SOLIDARITE]).to_numpy(float)
        else:
            endog = df[target].to_numpy(dtype=float)
            keep = np.ones(n, dtype=bool)
            family = sm.families.Poisson()
            offset = np.log(df["tokens"].to_numpy(dtype=float))
            model_name = "poisson"
            y_vec = endog
            trials = None
        exog = sm.add_constant(df["yr"].to_numpy(dtype=float))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = sm.GLM(
                    endog[keep], exog[keep], family=family, offset=None if offset is None else offset[keep]
                ).fit()
                dof = max(int(keep.sum()) - 2, 1)
                phi = float(fit.pearson_chi2 / dof) if keep.sum() > 2 else np.nan
                row["dispersion"] = phi
                if np.isfinite(phi) and phi > 1:
                    fit = sm.GLM(
                        endog[keep],
                        exog[keep],
                        family=family,
                        offset=None if offset is None else offset[keep],
                    ).fit(scale="X2", use_t=True)
                    model_name = "quasi-" + model_name
        except Exception as exc:  # perfect separation, all-zero counts
            log.warning("trend GLM failed for %s: %s", target, exc)
            rows.append(row)
            continue
        beta = float(fit.params[1])
        lo, hi = np.asarray(fit.conf_int(alpha=alpha))[1]
        row.update(
            model=model_name,
            beta_year=beta,
            ratio_per_decade=math.exp(10 * beta),
            ci_low=math.exp(10 * lo),
            ci_high=math.exp(10 * hi),
            p_value=float(fit.pvalues[1]),
        )
        if target != "drift_index":
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nb = smf.negativebinomial(f"{target} ~ yr", df, offset=offset).fit(disp=0, maxiter=200)
                nb_b = float(nb.params["yr"])
                nb_lo, nb_hi = np.asarray(nb.conf_int(alpha=alpha).loc["yr"])
                ok = bool(nb.mle_retvals.get("converged", True)) and np.isfinite(nb.bse["yr"])
                if ok:
                    row.update(
                        nb_alpha=float(nb.params["alpha"]),
                        nb_ratio_per_decade=math.exp(10 * nb_b),
                        nb_ci_low=math.exp(10 * nb_lo),
                        nb_ci_high=math.exp(10 * nb_hi),
                        nb_p_value=float(nb.pvalues["yr"]),
                    )
            except Exception as exc:
                log.info("NB2 fit failed for %s: %s", target, exc)
        t_obs = _newton_glm(
            y_vec[keep],
            df["yr"].to_numpy(float)[keep][None, :],
            None if offset is None else offset[keep],
            trials=None if trials is None else trials[keep],
        )[0]
        t_perm = _newton_glm(
            y_vec[keep],
            x_perm[:, keep],
            None if offset is None else offset[keep],
            trials=None if trials is None else trials[keep],
        )
        row["perm_p_value"] = _perm_p(t_obs, t_perm)
        row["perm_failed_fits"] = int(np.sum(~np.isfinite(t_perm)))
        if target == "drift_index":
            rate = drift_index(df[ATTRACTIVITE], df[SOLIDARITE])
        else:
            rate = df[target] / df["tokens"]
        rate = np.asarray(rate, dtype=float)
        rho = _spearman(df["yr"], rate)
        row["spearman_rho"] = rho
        if np.isfinite(rho):
            rho_perm = np.array([_spearman(xp, rate) for xp in x_perm])
            row["spearman_p_exact"] = _perm_p(rho, rho_perm)
            if n > 3 and abs(rho) < 1:
                se = math.sqrt(1.06 / (n - 3))
                row["spearman_ci_low"] = math.tanh(math.atanh(rho) - z * se)
                row["spearman_ci_high"] = math.tanh(math.atanh(rho) + z * se)
        rows.append(row)
    cols = [
        "target", "model", "n_documents", "beta_year", "ratio_per_decade", "ci_low", "ci_high", "p_value",
        "dispersion", "nb_alpha", "nb_ratio_per_decade", "nb_ci_low", "nb_ci_high", "nb_p_value", "perm_p_value",
        "n_permutations", "perm_exact", "perm_p_floor", "perm_failed_fits", "spearman_rho", "spearman_p_exact", "spearman_ci_low",
        "spearman_ci_high",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=cols)


# --------------------------------------------------------------------------------------------- verdict
def decide_verdict(
    change: Mapping[str, float], *, delta: float = DELTA, interval: str = "ci"
) -> dict[str, Any]:
    """Substitution vs stratification (METHODS §4); the rule is :data:`VERDICT_RULE`.

    Parameters
    ----------
    change : mapping
        ``theta_attractivite``/``theta_solidarite`` with ``*_ci_low``, ``*_ci_high`` (95 %) and
        ``*_ci90_low``, ``*_ci90_high`` (90 %), as in ``DriftResult.change``.
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

    def cond(frame):
        k95, k90 = ("ci", "ci90") if interval == "ci" else ("bca", "bca90")
        lo, hi = change[f"theta_{frame}_{k95}_low"], change[f"theta_{frame}_{k95}_high"]
        lo90, hi90 = change[f"theta_{frame}_{k90}_low"], change[f"theta_{frame}_{k90}_high"]
        ok = all(np.isfinite([lo, hi, lo90, hi90]))
        return {
            "rises": bool(ok and lo > 0),
            "falls": bool(ok and hi < 0),
            "stable": bool(ok and lo90 > -delta and hi90 < delta),
        }

    a, s = cond(ATTRACTIVITE), cond(SOLIDARITE)
    flags = {f"a_{k}": v for k, v in a.items()} | {f"s_{k}": v for k, v in s.items()}
    s_state = (
        "falls" if s["falls"] else "rises" if s["rises"] else "stable" if s["stable"] else "undetermined"
    )
    if a["rises"]:
        if s["falls"]:
            verdict, reason = "substitution", "A rises and S falls"
        elif s["stable"] or s["rises"]:
            verdict, reason = "stratification", f"A rises and S {s_state}"
        else:
            verdict, reason = "inconclusive", "A rises; S undetermined"
    elif a["falls"]:
        if s["rises"]:
            verdict, reason = "reversal", "A falls and S rises"
        else:
            verdict, reason = "no_drift", f"no drift toward attractivité: A falls; S {s_state}"
    elif a["stable"]:
        verdict, reason = "no_drift", f"no drift toward attractivité: A stable; S {s_state}"
    else:
        verdict, reason = "inconclusive", f"intervals too wide: A undetermined; S {s_state}"
    return {"verdict": verdict, "verdict_reason": reason, **flags}


def verdict_table(result: DriftResult, trend: pd.DataFrame, *, delta: float = DELTA) -> pd.DataFrame:
    """The one-row ``drift_verdict`` table: the change first → last period with its intervals, each frame's
    GLM ratio per decade with CI and p-values, the verdict and the numbers it was decided from."""
    ch = result.change.iloc[0].to_dict()
    dec = decide_verdict(ch, delta=delta)
    row = dict(ch)
    tr = trend.set_index("target")
    for target in (*FRAMES, "drift_index"):
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
    for frame in FRAMES:
        theta = ch[f"theta_{frame}"]
        rr = tr.loc[frame, "ratio_per_decade"] if frame in tr.index else np.nan
        if np.isfinite(theta) and np.isfinite(rr) and theta != 0 and np.sign(theta) != np.sign(math.log(rr)):
            fragile.append(frame)
    row["n_documents"] = len(result.documents)
    row["delta"] = delta
    row.update(dec)
    row["fragile"] = bool(fragile)
    row["fragile_frames"] = ",".join(fragile)
    bca = decide_verdict(ch, delta=delta, interval="bca")
    row["verdict_bca"] = bca["verdict"]
    row["verdict_bca_reason"] = bca["verdict_reason"]
    row["rule"] = VERDICT_RULE
    return pd.DataFrame([row])


# --------------------------------------------------------------------------------------------- robustness
def _change_row(
    segments: pd.DataFrame, matches: pd.DataFrame, *, periods, n_boot: int, seed: int, alpha: float,
    first: str | None = None, last: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """ΔD and θ's for one variant, bootstrapping only the documents of the compared periods."""
    seg = frame_counts(segments, matches)
    docs = _documents(seg, periods)
    p_first, p_last = _first_last(docs, first, last)
    keep = docs[docs["period"].isin([p_first, p_last])]
    seg = _prepare(seg[seg[DOC_ID].isin(keep[DOC_ID])])
    reps = bootstrap_segments(seg, _COLS, n_boot=n_boot, seed=seed)
    out = {"first_period": p_first, "last_period": p_last}
    with warnings.catch_warnings():  # a variant may empty a frame: its BCa is then undefined (NaN)
        warnings.simplefilter("ignore")
        out.update(
            _change_stats(
                seg,
                reps,
                keep.loc[keep["period"].eq(p_first), DOC_ID].tolist(),
                keep.loc[keep["period"].eq(p_last), DOC_ID].tolist(),
                alpha,
            )
        )
    out.update(decide_verdict(out))
    return out


def robustness_alternatives(
    settings,
    corpus,
    *,
    lexicon: Lexicon | None = None,
    tier: str = "extended",
    load: Callable[..., Any] | None = None,
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Segment and hit aggregates of the corpus under the other reasonable processing choices (METHODS §12).

    Each alternative corpus is read partition by partition (:func:`collect_frame_data`), never whole.

    Parameters
    ----------
    settings : aictlab.config.Settings
        The run's settings (corpus folder, lemmatizer, segment size, duplicates, lexicon, cache).
    corpus : aictlab.corpus.Corpus
        The corpus as loaded under ``settings``.
    lexicon : Lexicon, optional
        Default: ``load_lexicon(settings.lexicon_path)``.
    tier : {"core", "extended"}, default="extended"
        Tier matched (the one :func:`robustness_panel` measures).
    load : callable, optional
        ``load(**overrides) -> Corpus``: the corpus under changed settings. Default
        :func:`aictlab.corpus.load_settings_corpus` (cached like the main one); a report passes
        ``ReportContext.load_corpus`` (same engine and Dask client).

    Returns
    -------
    dict of variant name -> (segments, matches)
        ``duplicates kept`` (or ``removed``), ``lemmatizer: <the other one>``, ``segment size 30`` and ``60``
        (the ones that differ from the settings), each as :func:`segment_tokens` and
        :func:`aictlab.lexicon.match_terms` outputs, as :func:`robustness_panel` takes them.
    """
    from aictlab.corpus import load_settings_corpus
    from aictlab.lexicon import load_lexicon

    if lexicon is None:
        lexicon = load_lexicon(settings.lexicon_path)
    if load is None:
        load = functools.partial(load_settings_corpus, settings)
    keep = settings.keep_duplicates

    def aggregates(alt, keep_duplicates: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
        map_tokens = functools.partial(alt.map_tokens, keep_duplicates=keep_duplicates)
        data = collect_frame_data(map_tokens, lexicon, tiers=(tier,), window=None)
        return data["segments"], data["matches"][tier]

    out = {"duplicates removed" if keep else "duplicates kept": aggregates(corpus, not keep)}
    other = "simplemma" if settings.lemmatizer == "spacy" else "spacy"
    variants = {f"lemmatizer: {other}": {"lemmatizer": other}}
    variants.update(
        {f"segment size {n}": {"segment_size": n} for n in (30, 60) if n != settings.segment_size}
    )
    for name, change in variants.items():
        out[name] = aggregates(load(**change), keep)
    return out


def robustness_panel(
    tokens: pd.DataFrame,
    lexicon: Lexicon,
    *,
    alternatives: Mapping[str, pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]] | None = None,
    tier: str = "extended",
    periods: int | Sequence[int] = 5,
    n_boot: int = 1000,
    seed: int = 42,
    extra_seeds: Sequence[int] = (1, 2, 3),
    alpha: float = 0.05,
    merge: Mapping[str, str] | None = None,
    coding: pd.DataFrame | None = None,
    mention_documents: Sequence[str] = MENTION_DOCUMENTS,
) -> pd.DataFrame:
    """The drift change first → last period recomputed under each variant (METHODS §12), from a token table.

    The token-table entry point of :func:`robustness_from_segments`: ``tokens`` (and any token table in
    ``alternatives``) are matched with ``lexicon`` at ``tier`` (and at ``core`` for the tier variant).

    Parameters
    ----------
    tokens : DataFrame
        Selected tokens with punctuation.
    lexicon : Lexicon
    alternatives : mapping, optional
        Variant name -> token table of another corpus setting, or its ``(segments, matches)`` aggregates
        (:func:`robustness_alternatives`).
    tier, periods, n_boot, seed, extra_seeds, alpha, merge, coding, mention_documents
        As in :func:`robustness_from_segments`.

    Returns
    -------
    DataFrame
        As :func:`robustness_from_segments`.
    """
    tiers = (tier, "core") if tier == "extended" else (tier,)
    data = frame_data(tokens, lexicon, tiers=tiers, window=None)
    alt = {
        name: (segment_tokens(a), match_terms(a, lexicon, tier=tier)) if isinstance(a, pd.DataFrame) else a
        for name, a in (alternatives or {}).items()
    }
    core = data["matches"]["core"] if tier == "extended" else None
    return robustness_from_segments(
        data["segments"], data["matches"][tier], core_matches=core, alternatives=alt, periods=periods,
        n_boot=n_boot, seed=seed, extra_seeds=extra_seeds, alpha=alpha, merge=merge, coding=coding,
        mention_documents=mention_documents,
    )  # fmt: skip


def robustness_from_segments(
    segments: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    core_matches: pd.DataFrame | None = None,
    alternatives: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]] | None = None,
    periods: int | Sequence[int] = 5,
    n_boot: int = 1000,
    seed: int = 42,
    extra_seeds: Sequence[int] = (1, 2, 3),
    alpha: float = 0.05,
    merge: Mapping[str, str] | None = None,
    coding: pd.DataFrame | None = None,
    mention_documents: Sequence[str] = MENTION_DOCUMENTS,
) -> pd.DataFrame:
    """The drift change first → last period recomputed under each variant (METHODS §12), from aggregates.

    Variants: ``main``; ``leave-one-term-out`` (each lexicon term with at least one hit, its hits removed;
    terms without a hit give the main result by construction and are not listed); ``tier`` (core only,
    ``core_matches``); ``leave-one-document-out`` (each document; the compared periods may change);
    ``alternatives`` (other corpus settings, e.g. duplicates kept, simplemma lemmas, segment size 30/60);
    ``bootstrap seed`` (Monte Carlo error of the bounds); ``use coding`` (only the hits coded ``use`` by
    :func:`code_matches` with ``coding``: mentions, titles, off-sense hits out).

    Parameters
    ----------
    segments : DataFrame
        :func:`segment_tokens` of the corpus.
    matches : DataFrame
        Its hits at the measured tier (:func:`aictlab.lexicon.match_terms`).
    core_matches : DataFrame, optional
        Its hits matched at tier ``core``: adds the ``core terms only`` variant.
    alternatives : mapping, optional
        Variant name -> ``(segments, matches)`` of another corpus setting (:func:`robustness_alternatives`);
        measured as given (``merge`` is not applied to them).
    periods, n_boot, seed, alpha
        As in :func:`drift_from_segments` (``n_boot`` replicates per variant).
    extra_seeds : sequence of int, default=(1, 2, 3)
        Other bootstrap seeds of the main measurement.
    merge : mapping, optional
        As in :func:`drift_from_segments` (applied to the corpus's own variants).
    coding : DataFrame, optional
        Hand coding of the hits (:func:`load_use_coding`): adds the ``use coding`` variant.
    mention_documents : sequence of str
        Documents whose uncoded hits default to ``mention``.

    Returns
    -------
    DataFrame
        ``variant, drift_change, ci_low, ci_high, same_sign_as_main, variant_type, first_period, last_period,
        drift_first, drift_last, theta_attractivite, theta_solidarite`` (+ their intervals), ``verdict,
        same_verdict_as_main``.
    """
    kw = {"periods": periods, "n_boot": n_boot, "alpha": alpha}
    raw_segments, raw_matches = segments, matches
    segments, main_matches = merge_documents(segments, matches, merge)
    rows = [
        {"variant": "main", "variant_type": "main", **_change_row(segments, main_matches, seed=seed, **kw)}
    ]
    hit_terms = sorted(set(main_matches["term"]))
    for term in hit_terms:
        m = main_matches[main_matches["term"].ne(term)]
        rows.append(
            {
                "variant": f"without term: {term}",
                "variant_type": "leave-one-term-out",
                **_change_row(segments, m, seed=seed, **kw),
            }
        )
    if core_matches is not None:
        _, m = merge_documents(raw_segments, core_matches, merge)
        rows.append(
            {
                "variant": "core terms only",
                "variant_type": "tier",
                **_change_row(segments, m, seed=seed, **kw),
            }
        )
    for doc in sorted(set(segments[DOC_ID])):
        kept = segments[segments[DOC_ID].ne(doc)]
        m = main_matches[main_matches[DOC_ID].ne(doc)]
        try:
            rows.append(
                {
                    "variant": f"without document: {doc}",
                    "variant_type": "leave-one-document-out",
                    **_change_row(kept, m, seed=seed, **kw),
                }
            )
        except AictlabError as exc:
            log.info("variant without %s skipped: %s", doc, exc)
    for name, (alt_segments, alt_matches) in (alternatives or {}).items():
        rows.append(
            {
                "variant": name,
                "variant_type": "corpus setting",
                **_change_row(alt_segments, alt_matches, seed=seed, **kw),
            }
        )
    if coding is not None:
        coded = code_matches(raw_matches, coding, mention_documents=mention_documents)
        _, m = merge_documents(raw_segments, coded[coded["use"].eq("use")], merge)
        rows.append(
            {
                "variant": "only hits coded use",
                "variant_type": "use coding",
                **_change_row(segments, m, seed=seed, **kw),
            }
        )
    for s in extra_seeds:
        rows.append(
            {
                "variant": f"bootstrap seed {s}",
                "variant_type": "bootstrap seed",
                **_change_row(segments, main_matches, seed=s, **kw),
            }
        )
    panel = pd.DataFrame(rows)
    main_sign = np.sign(panel.loc[0, "drift_change"])
    panel["same_sign_as_main"] = np.sign(panel["drift_change"]).eq(main_sign)
    panel["same_verdict_as_main"] = panel["verdict"].eq(panel.loc[0, "verdict"])
    first = [
        "variant", "drift_change", "ci_low", "ci_high", "same_sign_as_main", "variant_type", "first_period",
        "last_period", "drift_first", "drift_last",
    ]  # fmt: skip
    return panel[first + [c for c in panel.columns if c not in first]]


def robustness_summary(panel: pd.DataFrame) -> dict[str, Any]:
    """Share of variants keeping the sign of ΔD and the verdict, and the variant closest to flipping the sign
    (smallest ΔD in the main direction; the one whose interval reaches furthest across zero as tie-break)."""
    main = panel.iloc[0]
    sign = np.sign(main["drift_change"]) or 1.0
    others = panel.iloc[1:]
    directed = sign * others["drift_change"]
    closest = others.loc[directed.idxmin()] if len(others) else main
    flips = others[~others["same_sign_as_main"]]
    return {
        "n_variants": len(others),
        "share_same_sign": float(others["same_sign_as_main"].mean()) if len(others) else np.nan,
        "share_same_verdict": float(others["same_verdict_as_main"].mean()) if len(others) else np.nan,
        "sign_flips": flips["variant"].tolist(),
        "closest_variant": closest["variant"],
        "closest_drift_change": float(closest["drift_change"]),
        "drift_change_range": (float(others["drift_change"].min()), float(others["drift_change"].max()))
        if len(others)
        else (np.nan, np.nan),
        "main_drift_change": float(main["drift_change"]),
        "main_verdict": main["verdict"],
    }


# --------------------------------------------------------------------------------------------- mention vs use
def mention_vs_use(
    tokens: pd.DataFrame,
    lexicon: Lexicon,
    *,
    mention_documents: Sequence[str] = MENTION_DOCUMENTS,
    tier: str = "extended",
    periods: int | Sequence[int] = 5,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    merge: Mapping[str, str] | None = None,
    coding: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Drift index per period with and without the documents that *discuss* the hypothesis, from a token table.

    The token-table entry point of :func:`mention_vs_use_from_segments` (``tokens`` matched with ``lexicon``
    at ``tier``); the other parameters and the result are as there.
    """
    return mention_vs_use_from_segments(
        segment_tokens(tokens), match_terms(tokens, lexicon, tier=tier), mention_documents=mention_documents,
        tier=tier, periods=periods, n_boot=n_boot, seed=seed, alpha=alpha, merge=merge, coding=coding,
    )  # fmt: skip


def mention_vs_use_from_segments(
    segments: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    mention_documents: Sequence[str] = MENTION_DOCUMENTS,
    tier: str = "extended",
    periods: int | Sequence[int] = 5,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    merge: Mapping[str, str] | None = None,
    coding: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Drift index per period with and without the documents that *discuss* the hypothesis, and (with a
    hand ``coding``) counting only the hits coded ``use``.

    A document that talks about the attractivité paradigm (ciedel_2017 in the seeds) produces frame hits
    that are mentions, not uses. This table lets a reader see how much of the picture they carry.

    Parameters
    ----------
    segments, matches : DataFrame
        :func:`segment_tokens` and :func:`aictlab.lexicon.match_terms` (at ``tier``) of the corpus.
    mention_documents : sequence of str
        Documents that discuss the hypothesis.
    tier, periods, n_boot, seed, alpha, merge
        As in :func:`drift_from_segments`.
    coding : DataFrame, optional
        Hand coding (:func:`load_use_coding`): adds the ``only hits coded use`` rows.

    Returns
    -------
    DataFrame
        ``variant`` ("all documents" / "without <docs>" / "only hits coded use"), then the ``by_period``
        columns.
    """
    present = [d for d in mention_documents if d in set(segments[DOC_ID])]
    out = []
    kw = {"tier": tier, "periods": periods, "n_boot": n_boot, "seed": seed, "alpha": alpha, "merge": merge}
    res = drift_from_segments(segments, matches, **kw)
    out.append(res.by_period.assign(variant="all documents"))
    if present:
        res2 = drift_from_segments(segments, matches, exclude_documents=present, **kw)
        out.append(res2.by_period.assign(variant="without " + ", ".join(present)))
    if coding is not None:
        coded = code_matches(matches, coding, mention_documents=mention_documents)
        res3 = drift_from_segments(segments, coded[coded["use"].eq("use")], **kw)
        out.append(res3.by_period.assign(variant="only hits coded use"))
    table = pd.concat(out, ignore_index=True)
    return table[["variant"] + [c for c in table.columns if c != "variant"]]


# --------------------------------------------------------------------------------------------- use coding
def load_use_coding(path=None) -> pd.DataFrame:
    """Read a hand coding of frame hits (``doc_id, term, occurrence, keyword, use, note``; ``#`` comment lines).

    Parameters
    ----------
    path : str or Path, optional
        Default: the packaged ``aictlab/data/frames_use_coding.csv`` (the seed corpus, coded by reading every
        KWIC line; the coding rules are in its header).

    Raises
    ------
    SchemaError
        Unreadable file, missing columns, an unknown code, a repeated key; the message names the file and row.
    """
    from pathlib import Path

    if path is None:
        from aictlab.config import PACKAGE_DATA

        path = PACKAGE_DATA / "frames_use_coding.csv"
    path = Path(path)
    try:
        table = pd.read_csv(path, comment="#", dtype={"occurrence": "Int64"}, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise SchemaError(f"{path}: cannot read the use coding ({exc}).") from exc
    require_columns(table, (DOC_ID, "term", "occurrence", "keyword", "use"), str(path))
    bad = ~table["use"].isin(USE_CODES)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"{path}: row {i + 1} ({table.loc[i, DOC_ID]}, {table.loc[i, 'term']!r}): code {table.loc[i, 'use']!r} "
            f"is not one of {', '.join(USE_CODES)}."
        )
    dup = table.duplicated([DOC_ID, "term", "occurrence"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SchemaError(
            f"{path}: row {i + 1}: the key ({table.loc[i, DOC_ID]}, {table.loc[i, 'term']!r}, "
            f"{table.loc[i, 'occurrence']}) is coded twice."
        )
    return table


def _norm_kw(text: pd.Series) -> pd.Series:
    return text.astype(str).str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()


def code_matches(
    matches: pd.DataFrame,
    coding: pd.DataFrame | None = None,
    *,
    mention_documents: Sequence[str] = MENTION_DOCUMENTS,
) -> pd.DataFrame:
    """Attach the use code of each hit: the hand coding where its key and keyword agree, else the document
    default (``mention`` in ``mention_documents``, ``use`` elsewhere).

    Returns
    -------
    DataFrame
        ``matches`` with ``occurrence`` (rank of the hit among its document's hits of that term, in text
        order), ``use``, ``use_coded_by`` (``hand`` | ``document default``) and ``use_note``.
    """
    out = matches.sort_values([DOC_ID, TOK_POS], kind="stable").copy()
    out["occurrence"] = out.groupby([DOC_ID, "term"]).cumcount() + 1
    out["use"] = np.where(out[DOC_ID].isin(set(mention_documents)), "mention", "use")
    out["use_coded_by"] = "document default"
    out["use_note"] = ""
    if coding is not None and len(coding) and len(out):
        c = coding.rename(columns={"use": "_use", "keyword": "_kw", "note": "_note"})
        c["occurrence"] = c["occurrence"].astype(int)
        if "_note" not in c:
            c["_note"] = ""
        j = out[[DOC_ID, "term", "occurrence", "keyword"]].merge(
            c[[DOC_ID, "term", "occurrence", "_use", "_kw", "_note"]],
            on=[DOC_ID, "term", "occurrence"],
            how="left",
        )
        found = j["_use"].notna().to_numpy()
        agree = found & (_norm_kw(j["keyword"]) == _norm_kw(j["_kw"].fillna(""))).to_numpy()
        if (found & ~agree).any():
            log.warning(
                "code_matches: %d coded hit(s) whose keyword differs; left uncoded.",
                int((found & ~agree).sum()),
            )
        rows = out.index[agree]
        out.loc[rows, "use"] = j.loc[agree, "_use"].to_numpy()
        out.loc[rows, "use_coded_by"] = "hand"
        out.loc[rows, "use_note"] = j.loc[agree, "_note"].fillna("").to_numpy()
    return out.sort_index()


# --------------------------------------------------------------------------------------------- KWIC
KWIC_FRAME_COLUMNS = [DOC_ID, YEAR, "frame", "term", "left", "keyword", "right"]


def kwic_frames(
    tokens: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    window: int = 10,
    mention_documents: Sequence[str] = MENTION_DOCUMENTS,
    coding: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Keyword-in-context line for every frame hit (METHODS §7), from a token table.

    The token-table entry point of :func:`kwic_frames_from_lines`, with the lines of :func:`hit_contexts`
    on ``tokens`` (pass them with punctuation); the other parameters and the result are as there.
    """
    lines = hit_contexts(tokens, matches, window=window) if len(matches) else pd.DataFrame()
    return kwic_frames_from_lines(matches, lines, mention_documents=mention_documents, coding=coding)


def kwic_frames_from_lines(
    matches: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    mention_documents: Sequence[str] = MENTION_DOCUMENTS,
    coding: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Keyword-in-context line for every frame hit (METHODS §7), so a reader can judge use vs mention.

    Parameters
    ----------
    matches : DataFrame
        The hits (:func:`aictlab.lexicon.match_terms`).
    lines : DataFrame
        Their contexts (:func:`hit_contexts`, e.g. ``collect_frame_data(...)["kwic"]``), joined on document and
        first token, so there is exactly one line per hit.
    mention_documents : sequence of str
        Documents whose uncoded hits default to ``mention``.
    coding : DataFrame, optional
        Hand coding (:func:`load_use_coding`).

    Returns
    -------
    DataFrame
        ``doc_id, year, frame, term, left, keyword, right`` plus ``tier, seg_id, start, end, occurrence`` and
        ``use`` (``use | mention | programme title | other sense``): the hand coding ``coding``
        (:func:`load_use_coding`) where it covers the hit, else a document-level default (``mention`` in
        ``mention_documents``, which discuss the hypothesis, else ``use``); ``use_coded_by`` says which and
        ``use_note`` gives the coder's reason. Sorted by year, document and position.
    """
    extra = ["tier", SEG_ID, "start", "end", "occurrence", "use", "use_coded_by", "use_note"]
    if matches.empty:
        return pd.DataFrame(columns=KWIC_FRAME_COLUMNS + extra)
    lines = lines.drop(columns=["term", YEAR, SEG_ID], errors="ignore")
    coded = code_matches(matches, coding, mention_documents=mention_documents)
    hits = coded[
        [
            DOC_ID,
            YEAR,
            SEG_ID,
            TOK_POS,
            "frame",
            "term",
            "tier",
            "occurrence",
            "use",
            "use_coded_by",
            "use_note",
        ]
    ]
    hits = hits.rename(columns={TOK_POS: "start"})
    out = hits.merge(lines, on=[DOC_ID, "start"], how="left", validate="one_to_one")
    missing = int(out["keyword"].isna().sum())
    if missing:
        log.warning("kwic_frames: %d hit(s) without a concordance line (context left empty).", missing)
        out[["left", "keyword", "right"]] = out[["left", "keyword", "right"]].fillna("")
    out = out.sort_values([YEAR, DOC_ID, "start"], kind="stable").reset_index(drop=True)
    return out[KWIC_FRAME_COLUMNS + extra]
