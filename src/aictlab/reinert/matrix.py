"""The segments × terms matrix of Reinert's classification, and the units of classification.

The matrix is built from term counts per segment (:func:`segment_counts`, the counting step), which a corpus
whose tokens stay on disk gives partition by partition (``corpus.map_tokens``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy import sparse

from aictlab import schema
from aictlab.corpus import Corpus, as_corpus
from aictlab.errors import SchemaError, SettingsError
from aictlab.keyness import add_group_column

__all__ = [
    "ACTIVE_POS",
    "MIN_SEGMENTS_RATE",
    "SegmentTermMatrix",
    "merge_segments",
    "scaled_min_segments",
    "segment_counts",
    "segment_term_matrix",
]

#: Parts of speech of the analysed terms (IRaMuTeQ's "formes actives"): nouns, verbs, adjectives, adverbs.
ACTIVE_POS = ("NOUN", "VERB", "ADJ", "ADV")
#: Share of segments a term must appear in (beyond the floor of 3) under ``min_segments="auto"``.
MIN_SEGMENTS_RATE = 0.0015


def scaled_min_segments(n_segments: int, *, floor: int = 3, rate: float = MIN_SEGMENTS_RATE) -> int:
    """The term filter of the classification for a corpus of ``n_segments`` segments: max(floor, ⌈rate·n⌉).

    Rule: a term is analysed when it appears in at least 3 segments (rainette's and IRaMuTeQ's usual
    ``min_docfreq = 3``) and in at least 0.15 % of the segments. Below 2,000 segments the rule gives 3 (the
    fixed default, unchanged on small corpora); near 6,300 segments it gives 10. On 1,000 thesis abstracts
    (~6,300 segments) a threshold of 3 let rare terms drive every split (k = 5 gave one class of 99.3 % and
    four classes of one abstract each), 10 gave readable classes (docs/methods.md §9): rare terms are present
    in too few segments to separate lexical worlds, and their number grows with the corpus.

    Parameters
    ----------
    n_segments : int
        Segments of the classified corpus.
    floor : int, default=3
    rate : float, default=:data:`MIN_SEGMENTS_RATE`

    Returns
    -------
    int

    Examples
    --------
    >>> scaled_min_segments(434), scaled_min_segments(6300), scaled_min_segments(50_000)
    (3, 10, 75)
    """
    return max(int(floor), math.ceil(rate * int(n_segments) - 1e-9))


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
    min_segments : int or None
        The term filter applied (terms present in at least this many segments), when known.
    """

    matrix: sparse.csr_matrix
    segments: pd.DataFrame
    terms: np.ndarray
    counts: sparse.csr_matrix | None = None
    min_segments: int | None = None


def segment_term_matrix(
    data: Corpus | pd.DataFrame,
    *,
    by: str = "lemma",
    pos: Sequence[str] | None = ACTIVE_POS,
    min_segments: int | str = 3,
    keep_stop: bool = False,
    extra: Sequence[str] = (),
    periods: int | Sequence[int] | None = None,
    counts: dict[str, pd.DataFrame] | None = None,
) -> SegmentTermMatrix:
    """Build the binary segments × terms matrix of the classification.

    The tokens are read partition by partition (``corpus.map_tokens``) and counted per segment
    (:func:`segment_counts`); a segment lies in one document, so the partitions' counts are concatenated.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a token table (``doc_id, seg_id, lemma, year`` + ``pos``, ``is_stop``, ``tok_pos``); see
        :func:`aictlab.corpus.as_corpus`.
    by : str, default="lemma"
        Term column.
    pos : sequence of str or None, default=("NOUN", "VERB", "ADJ", "ADV")
        Parts of speech kept (multi-word expressions always kept). When the ``pos`` column is empty (simplemma),
        or ``None``, every non-stop word is a term.
    min_segments : int or "auto", default=3
        Keep terms present in at least this many segments; ``"auto"``: :func:`scaled_min_segments` of the
        number of segments (the value used is in the result's ``min_segments``).
    keep_stop : bool, default=False
        Keep stop words as terms.
    extra : sequence of str
        Columns carried to ``segments``: document variables (``period``, ``organiser``...) from the documents,
        other names from the tokens (first value per segment).
    periods : int or sequence of int, optional
        Period spec for ``extra=("period",)`` (default: the periods the documents carry).
    counts : dict of DataFrame, optional
        Segment counts already gathered from this corpus's tokens with the same ``by``, ``pos`` and
        ``keep_stop`` (:func:`segment_counts` per partition, concatenated key by key); the tokens are then not
        read again.

    Returns
    -------
    SegmentTermMatrix
    """
    corpus = as_corpus(data, periods=periods)
    documents = corpus.documents
    if counts is None:
        token_extra = [c for c in extra if c not in documents.columns]
        counts = corpus.map_tokens(
            partial(segment_counts, by=by, pos=pos, keep_stop=keep_stop, extra=token_extra)
        )
    segments = counts["segments"]
    if segments.empty:
        raise SchemaError("tokens: empty token table; no segment to classify.")
    for column in extra:
        segments = add_group_column(segments, column, documents)
    # the carried columns follow the year, in the order asked for
    carried = [c for c in ("segment_id", schema.DOC_ID, schema.YEAR, *extra) if c in segments.columns]
    segments = segments[list(dict.fromkeys(carried)) + [c for c in segments.columns if c not in carried]]
    return _matrix_of_counts(segments, counts["counts"], min_segments=min_segments)


def segment_counts(
    tokens: pd.DataFrame,
    *,
    by: str = "lemma",
    pos: Sequence[str] | None = ACTIVE_POS,
    keep_stop: bool = False,
    extra: Sequence[str] = (),
) -> dict[str, pd.DataFrame]:
    """Segments and their term counts: the counting step of :func:`segment_term_matrix`.

    A segment lies in one document, so the counts of disjoint sets of whole documents (partitions of the token
    table) are concatenated as they are: a caller gathering several aggregates in one pass over the
    partitions passes them as the ``counts`` of :func:`segment_term_matrix`.

    Parameters
    ----------
    tokens : DataFrame
        Tokens of whole documents (``doc_id, seg_id``, ``by``; ``year``, ``pos``, ``is_stop``, ``tok_pos``).
    by, pos, keep_stop
        As in :func:`segment_term_matrix`.
    extra : sequence of str
        Token columns carried to ``segments`` (first value per segment).

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


def _matrix_of_counts(
    segments: pd.DataFrame, counts: pd.DataFrame, *, min_segments: int | str
) -> SegmentTermMatrix:
    """The segments × terms matrix of :func:`segment_counts` tables (concatenated over partitions)."""
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
    if min_segments == "auto":
        min_segments = scaled_min_segments(len(seg_table))
    elif not isinstance(min_segments, int | np.integer) or min_segments < 1:
        raise SettingsError(f"min_segments={min_segments!r}: give a positive number of segments, or 'auto'.")
    cols = np.flatnonzero(docfreq >= min_segments)
    m = m[:, cols].tocsr()
    seg_table["n_terms"] = np.asarray(m.sum(axis=1)).ravel().astype(int)
    terms = np.asarray(uniq_t, dtype=object)[cols]
    return SegmentTermMatrix(m.astype(np.int8), seg_table, terms, freq[:, cols].tocsr(), int(min_segments))


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
