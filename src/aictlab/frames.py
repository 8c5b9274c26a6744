"""Frame counting: the small per-document aggregates every frame measure starts from.

A corpus (tokens in memory or on disk) is read once, partition by partition through
:meth:`aictlab.corpus.Corpus.map_tokens`, into a :class:`FrameData`: the word tokens of each text segment
(:func:`segment_tokens`), the lexicon hits per tier (:func:`aictlab.lexicon.match_terms`) and their KWIC lines
(:func:`hit_contexts`), with the documents and their periods. Combined, they give the *segment frame counts*
(:func:`frame_counts`): one row per ~40-token segment with its word tokens and its hits per frame, the unit
of the segment bootstrap (``docs/methods.md`` §2).

Every measure (:func:`aictlab.drift.measure_drift`, :func:`aictlab.robustness.robustness_panel`,
:func:`aictlab.coding.mention_vs_use`, :func:`aictlab.coding.kwic_frames`) takes a ``Corpus``, a bare token
table or a precomputed ``FrameData``; :func:`as_frame_data` is the one adapter that turns any of them into
``FrameData``, so the report can compute the hits once and pass them to every measure.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aictlab.errors import AictlabError, SchemaError, SettingsError
from aictlab.lexicon import Lexicon, block_keys, match_terms
from aictlab.schema import DOC_ID, N_TOKENS, PERIOD, SEG_ID, SENT_ID, TOK_POS, YEAR, require_columns

__all__ = [
    "DOCUMENT_PERIOD_COLUMNS",
    "FrameData",
    "as_frame_data",
    "check_frame_pair",
    "contained_documents",
    "cut_documents",
    "derived_frame_data",
    "frame_counts",
    "frame_data",
    "hit_contexts",
    "hit_counts",
    "merge_documents",
    "rate_per_10k",
    "segment_tokens",
    "word_segments",
]

log = logging.getLogger(__name__)

#: The document columns a frame measure carries: identity, year and period (:func:`aictlab.periods.add_periods`).
DOCUMENT_PERIOD_COLUMNS = [DOC_ID, YEAR, PERIOD, "start_year", "end_year"]
#: Canonical row orders of the aggregates, so that they do not depend on how the tokens were partitioned.
#: A segment is placed by the position of its first word token (``tok_pos``), so that the segments of merged
#: documents interleave by position in the text.
_SEGMENT_ORDER = [DOC_ID, TOK_POS, SEG_ID]
_HIT_ORDER = [DOC_ID, TOK_POS]
_LINE_ORDER = [DOC_ID, "start"]


def rate_per_10k(count, tokens):
    """Rate per 10 000 tokens: 10 000 · count / tokens; a zero count gives 0.0, zero tokens an error."""
    tokens = np.asarray(tokens, dtype=float)
    if np.any(tokens <= 0):
        raise AictlabError("rate_per_10k: a unit has 0 tokens; a rate needs a positive denominator.")
    return 1e4 * np.asarray(count, dtype=float) / tokens


def segment_tokens(tokens: pd.DataFrame) -> pd.DataFrame:
    """One row per text segment with its word-token count: the token side of every frame measure.

    Parameters
    ----------
    tokens : DataFrame
        Selected tokens (``doc_id, seg_id, tok_pos, year``; ``is_word`` when present: only word tokens count,
        ``docs/methods.md``, shared conventions). Document-local: a partition of whole documents gives its
        own rows.

    Returns
    -------
    DataFrame
        ``doc_id, seg_id, year``, ``tok_pos`` (the segment's first word token; NaN without word token),
        ``n_tokens`` (word tokens, possibly 0: such segments still say that their document was there), sorted
        by ``doc_id, tok_pos, seg_id``.
    """
    require_columns(tokens, (DOC_ID, SEG_ID, TOK_POS, YEAR), "tokens")
    word = tokens["is_word"].astype(bool) if "is_word" in tokens.columns else pd.Series(True, tokens.index)
    seg = (
        tokens[[DOC_ID, SEG_ID, YEAR]]
        .assign(**{TOK_POS: tokens[TOK_POS].where(word), N_TOKENS: word.astype(int)})
        .groupby([DOC_ID, SEG_ID], sort=False)
        .agg(**{YEAR: (YEAR, "first"), TOK_POS: (TOK_POS, "min"), N_TOKENS: (N_TOKENS, "sum")})
        .reset_index()
    )
    return seg.sort_values(_SEGMENT_ORDER, kind="stable").reset_index(drop=True)


def hit_contexts(tokens: pd.DataFrame, matches: pd.DataFrame, *, window: int = 10) -> pd.DataFrame:
    """Keyword-in-context line of every hit, from :func:`aictlab.concordance.kwic` document by document.

    Each document's lines are those of a search for the lemmas of its own hits only (``kwic`` with a mapping
    of documents to their lemmas), so a line depends on its document alone (not on which other documents
    share the token table or partition).

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
    lemmas = {
        doc: tuple(sorted(set(g.str.lower()))) for doc, g in matches.groupby(DOC_ID, sort=False)["lemma"]
    }
    if lemmas:
        lines = kwic(tokens[tokens[DOC_ID].isin(lemmas)], lemmas, window=window, by="lemma")
    else:
        lines = pd.DataFrame(columns=KWIC_COLUMNS)
    lines = lines[columns]
    # kwic may also find a lemma where match_terms did not count it (across a sentence): not a hit's line
    starts = matches[[DOC_ID, TOK_POS]].rename(columns={TOK_POS: "start"})
    lines = lines.merge(starts, on=[DOC_ID, "start"], how="inner")
    return lines.sort_values(_LINE_ORDER, kind="stable").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class FrameData:
    """The frame aggregates of one corpus: what every frame measure reads instead of the tokens.

    Attributes
    ----------
    documents : DataFrame
        ``doc_id, year, period, start_year, end_year`` of the corpus's documents.
    segments : DataFrame
        :func:`segment_tokens` of the selected tokens.
    matches : dict
        Tier -> :func:`aictlab.lexicon.match_terms` output (``index_start, index_end`` are row labels of the
        whole token table, whatever the partitioning).
    frames : dict
        Frame name -> display label, in the lexicon's order (:attr:`aictlab.lexicon.Lexicon.frames`).
    kwic : DataFrame or None
        :func:`hit_contexts` of the first tier's hits (None when not computed).
    window : int or None
        KWIC window of ``kwic``.
    params : dict
        How the aggregates were made (lexicon hash, tiers).
    """

    documents: pd.DataFrame
    segments: pd.DataFrame
    matches: dict[str, pd.DataFrame]
    frames: dict[str, str]
    kwic: pd.DataFrame | None = None
    window: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def hits(self, tier: str) -> pd.DataFrame:
        """The hits at ``tier``; a clear error when that tier was not matched."""
        if tier not in self.matches:
            raise AictlabError(
                f"frame data: tier {tier!r} was not matched (tiers: {', '.join(self.matches)}); "
                f"compute it with frame_data(..., tiers=({tier!r}, ...))."
            )
        return self.matches[tier]

    def subset(self, tiers: Sequence[str], *, window: int | None = None) -> FrameData:
        """The aggregates :func:`frame_data` gives with these ``tiers`` and ``window`` on the same tokens (a
        tier or KWIC window not computed here is a clear error): e.g. a variant that selects the same tokens."""
        for tier in tiers:
            self.hits(tier)
        if window is not None and window != self.window:
            raise AictlabError(
                f"frame data: KWIC lines of window {window} were not computed ({self.window})."
            )
        return dataclasses.replace(
            self,
            matches={tier: self.matches[tier] for tier in tiers},
            kwic=self.kwic if window is not None else None,
            window=window,
            params={**self.params, "tiers": list(tiers)},
        )

    def with_hits(
        self, matches: pd.DataFrame, *, tier: str, segments: pd.DataFrame | None = None
    ) -> FrameData:
        """The same aggregates with other hits at ``tier`` (e.g. some terms or documents left out)."""
        return dataclasses.replace(
            self,
            matches={**self.matches, tier: matches},
            segments=self.segments if segments is None else segments,
        )


def _partition_aggregates(
    tokens: pd.DataFrame, *, lexicon: Lexicon, tiers: tuple[str, ...], window: int | None
) -> dict[str, Any]:
    """The aggregates of one partition of whole documents (tokens with punctuation)."""
    out: dict[str, Any] = {
        "segments": segment_tokens(tokens),
        "matches": {tier: match_terms(tokens, lexicon, tier=tier) for tier in tiers},
    }
    if window is not None:
        out["kwic"] = hit_contexts(tokens, out["matches"][tiers[0]], window=window)
    return out


def _by(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def frame_data(
    data,
    lexicon: Lexicon,
    *,
    periods: int | Sequence[int] | None = None,
    tiers: Sequence[str] = ("extended", "core"),
    window: int | None = 10,
) -> FrameData:
    """Segment token counts, hits per tier and KWIC lines of a corpus, read partition by partition.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus (its :meth:`~aictlab.corpus.Corpus.map_tokens` selection: duplicates and timetable lines out
        by default, see :meth:`~aictlab.corpus.Corpus.select`) or a token table taken as already selected
        (punctuation kept: it breaks multi-word matches; only ``is_word`` tokens count in denominators).
    lexicon : Lexicon
    periods : int or sequence of int, optional
        Period spec given to :func:`aictlab.corpus.as_corpus` (None keeps the documents' periods).
    tiers : sequence of {"extended", "core"}, default=("extended", "core")
        Tiers to match (each on its own: longest-match choices differ between tiers).
    window : int or None, default=10
        KWIC window for the lines of the first tier's hits; None computes no line.

    Returns
    -------
    FrameData
        In canonical order (segments by ``doc_id, tok_pos, seg_id``, hits by ``doc_id, tok_pos``, lines by
        ``doc_id, start``), whatever the partitioning.
    """
    from aictlab.corpus import as_corpus

    corpus = as_corpus(data, periods=periods)
    func = functools.partial(_partition_aggregates, lexicon=lexicon, tiers=tuple(tiers), window=window)
    parts = corpus.map_tokens(func, words_only=False)
    documents = corpus.documents[DOCUMENT_PERIOD_COLUMNS].sort_values(DOC_ID, kind="stable")
    return FrameData(
        documents=documents.reset_index(drop=True),
        segments=_by(parts["segments"], _SEGMENT_ORDER),
        matches={tier: _by(m, _HIT_ORDER) for tier, m in parts["matches"].items()},
        frames={name: spec.get("label", name) for name, spec in lexicon.frames.items()},
        kwic=_by(parts["kwic"], _LINE_ORDER) if window is not None else None,
        window=window,
        params={"lexicon": lexicon.sha256, "tiers": list(tiers)},
    )


def cut_documents(tokens: pd.DataFrame, other_segments: pd.Series) -> set:
    """The documents where a segment boundary falls inside a sentence, under the tokens' ``seg_id`` or under
    ``other_segments`` (another ``seg_id`` of the same rows, aligned on the index).

    Elsewhere every segment boundary is a sentence boundary, so the blocks a match may not cross (document,
    sentence, segment: :func:`aictlab.lexicon.match_terms`) are the sentences under both segmentations.
    Rows are taken in ``doc_id, tok_pos`` order, as ``match_terms`` takes them.
    """
    columns = [c for c in (DOC_ID, TOK_POS, SENT_ID, SEG_ID) if c in tokens.columns]
    rows = tokens[columns].assign(_other=other_segments).sort_values([DOC_ID, TOK_POS], kind="stable")
    doc = block_keys(rows[DOC_ID])
    same = doc[1:] == doc[:-1]
    if SENT_ID in rows.columns:
        sent = block_keys(rows[SENT_ID])
        same &= sent[1:] == sent[:-1]
    cut = np.zeros(len(same), dtype=bool)
    for column in (SEG_ID, "_other"):
        seg = block_keys(rows[column])
        cut |= seg[1:] != seg[:-1]
    return set(doc[1:][same & cut].tolist())


def _derived_aggregates(
    tokens: pd.DataFrame,
    *,
    size: int | None,
    options: dict[str, bool],
    variant: dict[str, bool],
    lexicon: Lexicon,
    tier: str,
    hits: pd.DataFrame,
) -> dict[str, Any]:
    """The aggregates of one partition of whole documents (all rows, unselected) re-segmented into ``size``
    words (None: as they are) and selected with ``variant`` instead of ``options``: :func:`derived_frame_data`'s
    task."""
    from aictlab.pipeline import select_tokens
    from aictlab.variants import resegment_tokens

    # segments are cut on all the rows (duplicate and structure flags start runs), then selected
    old = select_tokens(tokens, **options)
    new = select_tokens(resegment_tokens(tokens, size) if size is not None else tokens, **variant)
    redo = set(tokens.loc[old.index.symmetric_difference(new.index), DOC_ID].unique().tolist())
    if size is not None:
        redo |= cut_documents(new, tokens[SEG_ID].reindex(new.index))
    own = hits[hits[DOC_ID].isin(set(new[DOC_ID].unique()) - redo)]
    own = own.assign(**{SEG_ID: new[SEG_ID].reindex(own["index_start"]).to_numpy()})
    matched = match_terms(new[new[DOC_ID].isin(redo)], lexicon, tier=tier)
    found = [m for m in (own, matched) if len(m)]
    return {
        "segments": segment_tokens(new),
        "matches": pd.concat(found, ignore_index=True) if len(found) > 1 else (found or [matched])[0],
    }


def derived_frame_data(
    corpus,
    data: FrameData,
    lexicon: Lexicon,
    *,
    segment_size: int | None = None,
    keep_duplicates: bool | None = None,
    tier: str = "extended",
) -> FrameData:
    """:func:`frame_data` of ``corpus`` re-segmented into segments of ``segment_size`` words (the corpus of
    :func:`aictlab.variants.derive_corpus` with that ``segment_size``) and/or with duplicates kept or not, at
    ``tier`` without KWIC lines, read partition by partition; the hits of ``data`` are reused in the documents
    where neither change can move them.

    Matching reads each document alone. A document whose selected rows are the same under both selections (no
    paragraph flagged as a duplicate, for ``keep_duplicates``) and where neither segmentation cuts a sentence
    (:func:`cut_documents`: a hit never crosses a block, document, sentence and segment, and a segment is a run
    of whole sentences except where a long sentence is cut, :func:`aictlab.segment.segment_ids`) has the
    blocks of its sentences under both, so its hits are those of ``data`` with their new ``seg_id``; only the
    other documents are matched again.

    Parameters
    ----------
    corpus : Corpus
        The corpus ``data`` was computed from, with the same selection (:meth:`~aictlab.corpus.Corpus.select`).
    data : FrameData
        ``frame_data(corpus, lexicon, ...)`` holding ``tier`` (its documents and periods are kept).
    lexicon : Lexicon
    segment_size : int, optional
        Target words per segment (None: the corpus's segments).
    keep_duplicates : bool, optional
        The variant's selection of duplicate paragraphs (None: the corpus's).
    tier : str, default="extended"

    Returns
    -------
    FrameData
        The tables of ``frame_data(derive_corpus(corpus, segment_size=segment_size).select(keep_duplicates=
        keep_duplicates), lexicon, tiers=(tier,), window=None)`` with ``data``'s periods
        (``tests/test_frames_derived.py``).
    """
    options = {
        "keep_duplicates": corpus.selection.get("keep_duplicates", False),
        "keep_structure": corpus.selection.get("keep_structure", False),
        "words_only": False,
    }
    variant = {**options, **({} if keep_duplicates is None else {"keep_duplicates": keep_duplicates})}
    func = functools.partial(
        _derived_aggregates, size=segment_size, options=options, variant=variant, lexicon=lexicon, tier=tier,
        hits=data.hits(tier),
    )  # fmt: skip
    parts = corpus.map_tokens(func, select=False)
    return FrameData(
        documents=data.documents,
        segments=_by(parts["segments"], _SEGMENT_ORDER),
        matches={tier: _by(parts["matches"], _HIT_ORDER)},
        frames=data.frames,
        params={"lexicon": lexicon.sha256, "tiers": [tier]},
    )


def as_frame_data(
    data,
    lexicon: Lexicon | None = None,
    *,
    periods: int | Sequence[int] | None = None,
    tiers: Sequence[str] = ("extended",),
    window: int | None = None,
) -> FrameData:
    """The one adapter of the frame measures: a ``Corpus``, a token table or a ``FrameData`` -> ``FrameData``.

    Parameters
    ----------
    data : Corpus, DataFrame or FrameData
        Precomputed aggregates are used as they are (their periods reassigned when ``periods`` is given);
        anything else goes through :func:`frame_data`.
    lexicon : Lexicon, optional
        Needed unless ``data`` is a ``FrameData``.
    periods, tiers, window
        As in :func:`frame_data`; a ``FrameData`` must hold the ``tiers`` (and lines of ``window`` when not
        None).

    Returns
    -------
    FrameData
    """
    from aictlab.periods import add_periods

    if isinstance(data, FrameData):
        for tier in tiers:
            data.hits(tier)
        if window is not None and (data.kwic is None or data.window != window):
            raise AictlabError(
                f"frame data: KWIC lines of window {window} were not computed (window {data.window}); "
                "compute them with frame_data(..., window=...)."
            )
        if periods is not None:
            data = dataclasses.replace(data, documents=add_periods(data.documents, periods))
        return data
    if lexicon is None:
        raise AictlabError("frame measures need a lexicon unless they are given precomputed frame_data(...).")
    return frame_data(data, lexicon, periods=periods, tiers=tiers, window=window)


def check_frame_pair(frames: Mapping[str, str] | Sequence[str], pair: Sequence[str]) -> tuple[str, str]:
    """``pair`` as a tuple of two distinct frames declared in ``frames``; a :class:`SettingsError` otherwise."""
    pair = tuple(pair)
    known = list(frames)
    if len(pair) != 2 or pair[0] == pair[1]:
        raise SettingsError(f"drift_frames {pair!r}: give two distinct frame names (from, to).")
    missing = [f for f in pair if f not in known]
    if missing:
        raise SettingsError(
            f"drift_frames {pair!r}: frame(s) {', '.join(missing)} not declared in the lexicon (frames: "
            f"{', '.join(known)}); set drift_frames to two of them."
        )
    return pair  # type: ignore[return-value]


def frame_counts(segments: pd.DataFrame, matches: pd.DataFrame, *, frames: Sequence[str]) -> pd.DataFrame:
    """One row per text segment: word tokens and frame hits, from the segment and hit aggregates.

    Parameters
    ----------
    segments : DataFrame
        :func:`segment_tokens` output (possibly with documents relabelled by :func:`merge_documents`).
    matches : DataFrame
        :func:`aictlab.lexicon.match_terms` output on the same tokens (same relabelling).
    frames : sequence of str
        Frames to count (one column each); ``both`` looks at the first two.

    Returns
    -------
    DataFrame
        ``doc_id, seg_id, year, tok_pos, n_tokens``, one count column per frame, ``both`` (1 if the segment
        has a hit of each of the first two frames), ``any`` (1 if it has any hit); sorted by document and
        position (segments of merged documents interleave by position, ties by ``seg_id``). Segments without
        word tokens are dropped.
    """
    frames = list(frames)
    seg = word_segments(segments)
    counts = hit_counts(seg, matches, frames=frames)
    for k, f in enumerate(frames):
        seg[f] = counts[:, k]
    seg["both"] = ((seg[frames[0]] > 0) & (seg[frames[1]] > 0)).astype(int) if len(frames) >= 2 else 0
    seg["any"] = (seg[frames].sum(axis=1) > 0).astype(int)
    return seg


def word_segments(segments: pd.DataFrame) -> pd.DataFrame:
    """The segments of :func:`frame_counts` without their hit counts: those with word tokens, in document
    and position order (ties by ``seg_id``), ``tok_pos, n_tokens, year`` as integers (a fresh table).

    Computed once for the many hit tables counted on the same segments (:func:`hit_counts`; e.g. the
    robustness variants that leave hits out)."""
    require_columns(segments, (DOC_ID, SEG_ID, YEAR, TOK_POS, N_TOKENS), "segments")
    seg = segments[segments[N_TOKENS] > 0]
    seg = seg.astype({TOK_POS: "int64", N_TOKENS: "int64", YEAR: int})
    if not _in_segment_order(seg):  # the aggregates of frame_data already are: no sort of the strings
        seg = seg.sort_values(_SEGMENT_ORDER, kind="stable")
    return seg.reset_index(drop=True)


def hit_counts(seg: pd.DataFrame, matches: pd.DataFrame, *, frames: Sequence[str]) -> np.ndarray:
    """Hits per segment and frame: an integer array (len(seg) × len(frames)), rows in ``seg``'s order.

    Parameters
    ----------
    seg : DataFrame
        :func:`word_segments` output.
    matches : DataFrame
        Hits on the same documents (``doc_id, seg_id, frame``); hits of other frames are not counted.
    frames : sequence of str

    Raises
    ------
    SchemaError
        A hit of ``frames`` falls outside the segments.
    """
    frames = list(frames)
    m = matches
    if len(matches):
        unknown = set(matches["frame"].unique()) - set(frames)
        m = matches[matches["frame"].isin(frames)]
        if unknown:
            log.debug("frame_counts: frames %s not counted", sorted(unknown))
    segment_ids = pd.Index(seg[SEG_ID])
    if segment_ids.is_unique:  # each hit's row by its seg_id (and the same document), as the merge finds it
        row = segment_ids.get_indexer(m[SEG_ID])
        row[row >= 0] = np.where(
            m[DOC_ID].to_numpy()[row >= 0] == seg[DOC_ID].to_numpy()[row[row >= 0]], row[row >= 0], -1
        )
        counts = np.zeros((len(seg), len(frames)), dtype=np.int64)
        np.add.at(counts, (row[row >= 0], pd.Index(frames).get_indexer(m["frame"])[row >= 0]), 1)
    else:
        if len(m):
            per_segment = m.groupby([DOC_ID, SEG_ID, "frame"]).size().unstack("frame", fill_value=0)
        else:
            per_segment = pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=[DOC_ID, SEG_ID]))
        per_segment = per_segment.reindex(columns=frames, fill_value=0)
        merged = seg[[DOC_ID, SEG_ID]].merge(
            per_segment, left_on=[DOC_ID, SEG_ID], right_index=True, how="left"
        )
        counts = merged[frames].fillna(0).astype(int).to_numpy()
    if len(m) > int(counts.sum()):
        raise SchemaError("frame_counts: some matches fall outside the word tokens' segments.")
    return counts


def _in_segment_order(seg: pd.DataFrame) -> bool:
    """Whether ``seg`` is already sorted by ``doc_id, tok_pos, seg_id`` (a stable sort would not move a row)."""
    if len(seg) < 2 or not seg[DOC_ID].is_monotonic_increasing:
        return len(seg) < 2
    doc = seg[DOC_ID].to_numpy()
    same = doc[1:] == doc[:-1]
    pos = seg[TOK_POS].to_numpy()
    if np.any(same & (pos[1:] < pos[:-1])):
        return False
    tied = np.flatnonzero(same & (pos[1:] == pos[:-1]))
    ids = seg[SEG_ID].to_numpy()
    return bool(all(ids[i] <= ids[i + 1] for i in tied))


def contained_documents(
    overlap: pd.DataFrame, *, documents: pd.DataFrame | None = None, threshold: float = 0.8
) -> dict[str, str]:
    """Documents contained in another (containment C(A, B) >= ``threshold``, ``docs/methods.md`` §11) -> the
    document whose unit they are counted in.

    Pairs are taken by decreasing containment: a document goes to its most containing container; chains
    (A in B, B in C) end at the outermost container; of two documents contained in each other (two printings
    of one article) the first pair wins and the other is dropped, so no cycle arises. With ``documents``, only
    documents of the same year are merged: a text reprinted in another year stays a document of its own year
    (its duplicated paragraphs are counted once anyway, by de-duplication).

    Parameters
    ----------
    overlap : DataFrame
        ``Corpus.overlap``: ``doc_a, doc_b, containment_a``.
    documents : DataFrame, optional
        ``doc_id, year``.
    threshold : float, default=0.8

    Returns
    -------
    dict
        contained ``doc_id`` -> container ``doc_id``.
    """
    if overlap is None or overlap.empty:
        return {}
    require_columns(overlap, ("doc_a", "doc_b", "containment_a"), "overlap")
    hit = overlap[overlap["containment_a"] >= threshold]
    if documents is not None:
        year = documents.set_index(DOC_ID)[YEAR]
        hit = hit[hit["doc_a"].map(year).eq(hit["doc_b"].map(year))]
    hit = hit.sort_values(["containment_a", "doc_a", "doc_b"], ascending=[False, True, True], kind="stable")
    parent: dict[str, str] = {}

    def root(doc: str) -> str:
        while doc in parent:
            doc = parent[doc]
        return doc

    for a, b in hit[["doc_a", "doc_b"]].itertuples(index=False, name=None):
        if a in parent or root(b) == a:  # already placed, or the pair would close a cycle
            continue
        parent[a] = root(b)
    return {a: root(a) for a in sorted(parent)}


def merge_documents(
    segments: pd.DataFrame, matches: pd.DataFrame, mapping: Mapping[str, str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count contained documents in their container's unit: relabel their ``doc_id`` as the container's.

    Applied after matching (token adjacency untouched) and to the aggregates, not the tokens. The merged
    unit keeps the container's year and period; its segments stay distinct (segment ids are unique), so the
    segment bootstrap is unchanged.

    Parameters
    ----------
    segments : DataFrame
        :func:`segment_tokens` output (any table with ``doc_id, year`` works).
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
