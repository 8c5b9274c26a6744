"""Text segments: runs of about 40 word tokens cut at sentence ends (IRaMuTeQ's unit).

Segments are the unit of the Reinert classification and the resampling unit of every bootstrap. They never
cross documents, and never cross a change of paragraph status (structure or not, duplicate or not), so that
leaving out structure lines or duplicated paragraphs removes whole segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab import schema as S

__all__ = ["Segmenter", "join_segment_pieces", "segment_ids", "segments_table"]


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


def segment_ids(tokens: pd.DataFrame, *, size: int = 40, dtype: object = None) -> pd.Series:
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
    dtype : optional
        Of the Series (default: inferred); ``object`` keeps the labels as Python strings, a corpus table's
        text dtype, without a conversion pass.

    Returns
    -------
    Series of str aligned with ``tokens``.
    """
    segmenter = Segmenter(size=size)
    segmenter.feed(tokens)
    segmenter.finish()
    return pd.Series(segmenter.seg_ids(0, len(tokens)), index=tokens.index, name=S.SEG_ID, dtype=dtype)


class Segmenter:
    """The segments of :func:`segment_ids` for a token table fed in consecutive pieces, in document order.

    Holds only the open run's last segments and, per segment, its first token and its label (not one value
    per token), so a corpus streamed in chunks is segmented in bounded memory
    (:func:`aictlab.pipeline.stream_tokens`). The pieces may be cut anywhere: the last sentence of a piece
    waits for the next one. Fed whole or in pieces, the segments are the same (tests/test_segment.py).

    Parameters
    ----------
    size : int, default=40
        Target words per segment.

    Examples
    --------
    >>> segmenter = Segmenter(size=40)  # doctest: +SKIP
    >>> for chunk in chunks: segmenter.feed(chunk)  # doctest: +SKIP
    >>> segmenter.finish()  # doctest: +SKIP
    >>> segmenter.seg_ids(0, 1000)  # seg_id of the first 1,000 tokens  # doctest: +SKIP
    """

    def __init__(self, size: int = 40) -> None:
        self.size = size
        self._starts: list[int] = []  # first token of each closed segment, in token order
        self._labels: list[str] = []
        self._run: list[list[int]] = []  # the open run's segments not yet closed: [start, end, words]
        self._run_doc: object = None
        self._seg_pos = 0
        self._done = 0  # tokens whose sentences were cut into segments
        self._carry: tuple[np.ndarray, ...] | None = None  # the last sentence fed, waiting for its end
        self._prev: tuple[object, np.ndarray, object] | None = None  # (doc, status, sent) of token done - 1
        self._flags: list[str] | None = None
        self._result: tuple[np.ndarray, np.ndarray] | None = None

    def feed(self, tokens: pd.DataFrame) -> None:
        """Add the next tokens (``doc_id, sent_id, is_word`` and the status flags, as :func:`segment_ids`)."""
        if self._result is not None:
            raise RuntimeError("Segmenter.feed after finish")
        S.require_columns(tokens, (S.DOC_ID, S.SENT_ID, S.IS_WORD), "tokens")
        flags = [c for c in (S.IS_STRUCTURE, S.IS_DUPLICATE) if c in tokens.columns]
        if self._flags is None:
            self._flags = flags
        elif flags != self._flags:
            raise ValueError(f"Segmenter.feed: status columns {flags} after {self._flags}")
        if len(tokens) == 0:
            return
        arrays = (
            tokens[S.DOC_ID].to_numpy(dtype=object),
            tokens[S.SENT_ID].to_numpy(),
            tokens[S.IS_WORD].to_numpy(dtype=bool),
            tokens[flags].to_numpy(dtype=bool) if flags else np.zeros((len(tokens), 0), dtype=bool),
        )
        if self._carry is not None:
            arrays = tuple(np.concatenate([c, a]) for c, a in zip(self._carry, arrays, strict=True))
        self._cut(arrays, final=False)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Close the last segments: ``(starts, labels)``, each segment's first token and its ``seg_id``."""
        if self._result is None:
            if self._carry is not None:
                self._cut(self._carry, final=True)
            self._close_run()
            self._result = (np.asarray(self._starts, dtype=np.int64), np.asarray(self._labels, dtype=object))
        return self._result

    def seg_ids(self, start: int, stop: int) -> np.ndarray:
        """``seg_id`` of the tokens ``start`` to ``stop`` (positions in the whole stream), after :meth:`finish`."""
        if self._result is None:
            raise RuntimeError("Segmenter.seg_ids before finish")
        starts, labels = self._result
        if stop <= start:
            return np.empty(0, dtype=object)
        first = int(np.searchsorted(starts, start, side="right")) - 1
        last = int(np.searchsorted(starts, stop, side="left"))
        bounds = starts[first:last].copy()
        bounds[0] = start
        return np.repeat(labels[first:last], np.diff(np.append(bounds, stop)))

    def _emit(self, segments: list[list[int]]) -> None:
        for start, _, _ in segments:
            self._starts.append(start)
            self._labels.append(f"{self._run_doc}_s{self._seg_pos:04d}")
            self._seg_pos += 1

    def _close_run(self) -> None:
        run = self._run
        if len(run) > 1 and run[-1][2] < self.size / 2:
            last = run.pop()
            run[-1][1], run[-1][2] = last[1], run[-1][2] + last[2]
        self._emit(run)
        run.clear()

    def _cut(self, arrays: tuple[np.ndarray, ...], *, final: bool) -> None:
        """Cut the sentences of ``arrays`` (tokens from ``self._done`` on) into segments; keep the last one
        back unless ``final``."""
        doc, sent, word, status = arrays
        n, base, size = len(doc), self._done, self.size
        # document = run of equal doc_id; run = consecutive tokens of one document and status; unit = one
        # sentence of a run (cut into pieces when longer than 2 × size): boundaries at once, then a loop
        new_doc = np.ones(n, dtype=bool)
        new_doc[1:] = doc[1:] != doc[:-1]
        new_run = new_doc.copy()
        new_run[1:] |= (status[1:] != status[:-1]).any(axis=1)
        new_unit = new_run.copy()
        new_unit[1:] |= sent[1:] != sent[:-1]
        if self._prev is not None:  # the first token here starts a sentence; its document and run may go on
            prev_doc, prev_status, _ = self._prev
            new_doc[0] = doc[0] != prev_doc
            new_run[0] = new_doc[0] or bool((status[0] != prev_status).any())
        starts = np.flatnonzero(new_unit)
        ends = np.append(starts[1:], n)
        keep = len(starts) if final else len(starts) - 1  # the last sentence may go on in the next piece
        cum = np.concatenate([[0], np.cumsum(word)])
        unit_words = (cum[ends] - cum[starts]).tolist()
        unit_new_run = new_run[starts].tolist()
        unit_new_doc = new_doc[starts].tolist()
        starts_l, ends_l = starts.tolist(), ends.tolist()
        run = self._run
        for u in range(keep):
            s, e, words = starts_l[u], ends_l[u], unit_words[u]
            if unit_new_run[u]:
                self._close_run()
                if unit_new_doc[u]:
                    self._seg_pos = 0
                self._run_doc = doc[s]
            if words > 2 * size:
                pieces = _chunks_of_long_sentence(words, size)
                bounds = np.cumsum(pieces)[:-1] + cum[s]
                # each cut falls right after the word that completes a piece
                cuts = (np.searchsorted(cum[s + 1 : e + 1], bounds, side="left") + s + 1).tolist()
                units = zip([s, *cuts], [*cuts, e], pieces, strict=True)
            else:
                units = [(s, e, words)]
            for start, end, w in units:
                if run:
                    current = run[-1]
                    if current[2] == 0 or w == 0 or abs(current[2] + w - size) <= abs(current[2] - size):
                        current[1], current[2] = end + base, current[2] + w
                        continue
                run.append([start + base, end + base, w])
        if len(run) > 2:  # only the last two segments of a run can still change (grow, or merge at its end)
            self._emit(run[:-2])
            del run[:-2]
        if final or keep == 0:
            self._carry = None if final else arrays
            return
        cut = starts_l[keep]
        self._prev = (doc[cut - 1], status[cut - 1].copy(), sent[cut - 1])
        self._carry = tuple(a[cut:].copy() for a in arrays)
        self._done = base + cut


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
