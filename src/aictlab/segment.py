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
    doc = tokens[S.DOC_ID].to_numpy()
    sent = tokens[S.SENT_ID].to_numpy()
    word = tokens[S.IS_WORD].to_numpy(dtype=bool)
    status = tokens[flags].to_numpy(dtype=bool) if flags else np.zeros((len(tokens), 0), dtype=bool)
    # unit = one sentence (or piece of a long sentence); run = consecutive units of one doc and status
    n = len(tokens)
    seg_of_token = np.empty(n, dtype=np.int64)
    labels: list[str] = []
    i = 0
    while i < n:
        d = doc[i]
        j = i
        while j < n and doc[j] == d:
            j += 1
        seg_pos = 0
        k = i
        while k < j:  # one run of equal status
            r = k
            while r < j and (status[r] == status[k]).all():
                r += 1
            units: list[tuple[int, int, int]] = []  # (start, end, words)
            s = k
            while s < r:
                e = s
                while e < r and sent[e] == sent[s]:
                    e += 1
                words = int(word[s:e].sum())
                if words > 2 * size:
                    pieces = _chunks_of_long_sentence(words, size)
                    start, count, target = s, 0, 0
                    bounds = np.cumsum(pieces)
                    for t in range(s, e):
                        count += word[t]
                        if count == bounds[target] and target < len(pieces) - 1:
                            units.append((start, t + 1, pieces[target]))
                            start, target = t + 1, target + 1
                    units.append((start, e, int(word[start:e].sum())))
                else:
                    units.append((s, e, words))
                s = e
            segments: list[list[int]] = []  # [start, end, words]
            for start, end, words in units:
                if segments:
                    current = segments[-1]
                    if (
                        current[2] == 0
                        or words == 0
                        or abs(current[2] + words - size) <= abs(current[2] - size)
                    ):
                        current[1], current[2] = end, current[2] + words
                        continue
                segments.append([start, end, words])
            if len(segments) > 1 and segments[-1][2] < size / 2:
                last = segments.pop()
                segments[-1][1], segments[-1][2] = last[1], segments[-1][2] + last[2]
            for start, end, _ in segments:
                seg_of_token[start:end] = len(labels)
                labels.append(f"{d}_s{seg_pos:04d}")
                seg_pos += 1
            k = r
        i = j
    return pd.Series(np.asarray(labels, dtype=object)[seg_of_token], index=tokens.index, name=S.SEG_ID)


def segments_table(tokens: pd.DataFrame, *, strip: bool = True) -> pd.DataFrame:
    """One row per segment: ``doc_id, seg_id, seg_pos, year, n_tokens, text, is_structure, is_duplicate``.

    ``n_tokens`` counts word tokens; ``text`` is rebuilt from the surface tokens and their spacing (its
    trailing space stripped unless ``strip=False``: pieces of a token table, see :func:`join_segment_pieces`).
    """
    S.require_columns(tokens, (S.DOC_ID, S.SEG_ID, S.TOKEN, S.IS_WORD, S.SPACE_AFTER), "tokens")
    surface = tokens[S.TOKEN] + np.where(tokens[S.SPACE_AFTER], " ", "")
    frame = tokens.assign(_surface=surface)
    aggregations = {
        "n_tokens": (S.IS_WORD, "sum"),
        S.TEXT: ("_surface", (lambda parts: "".join(parts).strip()) if strip else "".join),
    }
    for flag in (S.YEAR, S.IS_STRUCTURE, S.IS_DUPLICATE):
        if flag in frame.columns:
            aggregations[flag] = (flag, "first")
    out = frame.groupby([S.DOC_ID, S.SEG_ID], sort=False).agg(**aggregations).reset_index()
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
