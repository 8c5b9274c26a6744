"""Text segments: runs of about 40 word tokens cut at sentence ends (IRaMuTeQ's unit).

Segments are the unit of the Reinert classification and the resampling unit of every bootstrap. They never
cross documents, and never cross a change of paragraph status (structure or not, duplicate or not), so that
leaving out structure lines or duplicated paragraphs removes whole segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab import schema as S

__all__ = ["join_segment_pieces", "segment_ids", "segments_table"]


def _chunks_of_long_sentence(n_words: int, size: int) -> list[int]:
    """Word counts of the pieces of a sentence longer than twice ``size`` (cut every ``size`` words)."""
    pieces = [size] * (n_words // size)
    rest = n_words - sum(pieces)
    if rest:
        if rest < size / 2 and pieces:
            pieces[-1] += rest
        else:
            pieces.append(rest)
    return pieces


def segment_ids(tokens: pd.DataFrame, *, size: int = 40) -> pd.Series:
    """Assign each token to a segment: ``<doc_id>_s<nnnn>``.

    Rule (docs/methods.md §2): within a document and a run of paragraphs of equal status, sentences are added to
    the current segment while that brings its word count closer to ``size``; otherwise a new segment starts
    (so each cut is the sentence end nearest ``size`` words). A sentence longer than ``2 × size`` words is
    cut every ``size`` words. A last segment shorter than ``size / 2`` words joins the previous one of its run.
    Tokens without letters (punctuation) count 0 and stay with their sentence.

    Parameters
    ----------
    tokens : DataFrame
        In document order, with ``doc_id, sent_id, is_word`` (and ``is_structure, is_duplicate`` if present).
    size : int, default=40

    Returns
    -------
    Series of str aligned with ``tokens``.
    """
    S.require_columns(tokens, (S.DOC_ID, S.SENT_ID, S.IS_WORD), "tokens")
    flags = [c for c in (S.IS_STRUCTURE, S.IS_DUPLICATE) if c in tokens.columns]
    n = len(tokens)
    if n == 0:
        return pd.Series(np.empty(0, dtype=object), index=tokens.index, name=S.SEG_ID)
    doc = tokens[S.DOC_ID].to_numpy()
    sent = tokens[S.SENT_ID].to_numpy()
    word = tokens[S.IS_WORD].to_numpy(dtype=bool)
    status = tokens[flags].to_numpy(dtype=bool) if flags else np.zeros((n, 0), dtype=bool)
    # document = run of equal doc_id; run = consecutive tokens of one document and status; unit = one sentence
    # of a run (cut into pieces when longer than 2 × size): boundaries found at once, then a loop over units
    new_doc = np.ones(n, dtype=bool)
    new_doc[1:] = doc[1:] != doc[:-1]
    new_run = new_doc.copy()
    new_run[1:] |= (status[1:] != status[:-1]).any(axis=1)
    new_unit = new_run.copy()
    new_unit[1:] |= sent[1:] != sent[:-1]
    starts = np.flatnonzero(new_unit)
    ends = np.append(starts[1:], n)
    cum = np.concatenate([[0], np.cumsum(word)])
    unit_words = (cum[ends] - cum[starts]).tolist()
    unit_new_run = new_run[starts].tolist()
    unit_new_doc = new_doc[starts].tolist()
    starts_l, ends_l = starts.tolist(), ends.tolist()

    seg_bounds: list[int] = []  # start of each segment, in token order
    labels: list[str] = []
    seg_pos = 0
    segments: list[list[int]] = []  # the current run's segments: [start, end, words]

    def close_run() -> None:
        nonlocal seg_pos
        if len(segments) > 1 and segments[-1][2] < size / 2:
            last = segments.pop()
            segments[-1][1], segments[-1][2] = last[1], segments[-1][2] + last[2]
        for start, _, _ in segments:
            seg_bounds.append(start)
            labels.append(f"{doc[start]}_s{seg_pos:04d}")
            seg_pos += 1
        segments.clear()

    for u, (s, e, words) in enumerate(zip(starts_l, ends_l, unit_words, strict=True)):
        if unit_new_run[u]:
            close_run()
            if unit_new_doc[u]:
                seg_pos = 0
        if words > 2 * size:
            pieces = _chunks_of_long_sentence(words, size)
            bounds = np.cumsum(pieces)[:-1] + cum[s]
            # each cut falls right after the word that completes a piece
            cuts = (np.searchsorted(cum[s + 1 : e + 1], bounds, side="left") + s + 1).tolist()
            units = list(zip([s, *cuts], [*cuts, e], pieces, strict=True))
        else:
            units = [(s, e, words)]
        for start, end, w in units:
            if segments:
                current = segments[-1]
                if current[2] == 0 or w == 0 or abs(current[2] + w - size) <= abs(current[2] - size):
                    current[1], current[2] = end, current[2] + w
                    continue
            segments.append([start, end, w])
    close_run()
    lengths = np.diff(np.append(np.asarray(seg_bounds), n))
    values = np.repeat(np.asarray(labels, dtype=object), lengths)
    return pd.Series(values, index=tokens.index, name=S.SEG_ID)


def segments_table(tokens: pd.DataFrame, *, strip: bool = True) -> pd.DataFrame:
    """One row per segment: ``doc_id, seg_id, seg_pos, year, n_tokens, text, is_structure, is_duplicate``.

    ``n_tokens`` counts word tokens; ``text`` is rebuilt from the surface tokens and their spacing (its
    trailing space stripped unless ``strip=False``: pieces of a token table, see :func:`join_segment_pieces`).
    """
    S.require_columns(tokens, (S.DOC_ID, S.SEG_ID, S.TOKEN, S.IS_WORD, S.SPACE_AFTER), "tokens")
    surface = tokens[S.TOKEN] + np.where(tokens[S.SPACE_AFTER], " ", "")
    aggregations = {"n_tokens": (S.IS_WORD, "sum")}
    for flag in (S.YEAR, S.IS_STRUCTURE, S.IS_DUPLICATE):
        if flag in tokens.columns:
            aggregations[flag] = (flag, "first")
    grouped = tokens.groupby([S.DOC_ID, S.SEG_ID], sort=False)
    out = grouped.agg(**aggregations).reset_index()
    # each segment's text: its tokens' surfaces joined in table order (one join per segment, no per-group
    # callback through pandas)
    codes = grouped.ngroup().to_numpy()
    order = np.flatnonzero(codes >= 0)  # (a row without doc_id or seg_id is in no group)
    order = order[np.argsort(codes[order], kind="stable")]
    pieces = np.split(surface.to_numpy(dtype=object)[order], np.flatnonzero(np.diff(codes[order])) + 1)
    texts = [("".join(p).strip() if strip else "".join(p)) for p in pieces] if len(order) else []
    out.insert(3, S.TEXT, pd.Series(texts, index=out.index, dtype=str))
    out.insert(2, S.SEG_POS, out[S.SEG_ID].str.rsplit("_s", n=1).str[1].astype(int))
    out["n_tokens"] = out["n_tokens"].astype(int)
    return out


def join_segment_pieces(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """The segment table of a token table from the ``segments_table(piece, strip=False)`` of its consecutive
    pieces: a segment cut between two pieces is joined again (counts added, texts concatenated)."""
    frame = pd.concat(pieces, ignore_index=True)
    aggregations = {
        S.SEG_POS: (S.SEG_POS, "first"),
        "n_tokens": ("n_tokens", "sum"),
        S.TEXT: (S.TEXT, "".join),
    }
    for flag in (S.YEAR, S.IS_STRUCTURE, S.IS_DUPLICATE):
        if flag in frame.columns:
            aggregations[flag] = (flag, "first")
    out = frame.groupby([S.DOC_ID, S.SEG_ID], sort=False).agg(**aggregations).reset_index()
    out[S.TEXT] = out[S.TEXT].str.strip()
    out["n_tokens"] = out["n_tokens"].astype(int)
    return out[list(frame.columns)]
