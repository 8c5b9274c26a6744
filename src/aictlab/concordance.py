"""Concordance (KWIC) and collocations over a token table.

Contexts are rebuilt from the surface forms (``token`` and ``space_after``) so that the reader sees the real
text, while matching uses lemmas (or lower-cased forms).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from aictlab import schema as S
from aictlab.errors import check_choice

KWIC_COLUMNS = [S.DOC_ID, S.YEAR, S.SEG_ID, "start", "end", "term", "left", "keyword", "right"]


def _surface(tokens: list[str], spaces: list[bool]) -> str:
    return "".join(t + (" " if s else "") for t, s in zip(tokens, spaces, strict=True)).strip()


def kwic(
    tokens: pd.DataFrame,
    terms: Iterable[str],
    *,
    window: int = 10,
    by: str = "lemma",
) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``terms`` with ``window`` tokens on each side.

    Parameters
    ----------
    tokens : DataFrame
        A token table in document order (``doc_id, tok_pos, token, lemma, space_after``; ``year`` and
        ``seg_id`` carried when present). Pass it with punctuation (``select_tokens(...,
        words_only=False)``) for readable contexts; filter it beforehand to restrict to a group.
    terms : iterable of str
        Lemmas (``attractivité``), multi-word expression lemmas (``coopération_décentralisée``) or sequences
        of lemmas separated by spaces (``lutte contre le pauvreté``), matched on contiguous tokens.
    window : int, default=10
        Tokens of context on each side (METHODS §7; quanteda's default is 5), never crossing a document.
    by : {"lemma", "token"}, default="lemma"
        Match lemmas, or lower-cased surface forms.

    Returns
    -------
    DataFrame
        ``doc_id, year, seg_id, start, end, term, left, keyword, right``: ``start``/``end`` are the
        ``tok_pos`` of the first and last matched token; ``term`` the query matched; ``keyword`` the
        surface text. Sorted by document order.
    """
    check_choice("by", by, ("lemma", "token"))
    S.require_columns(tokens, (S.DOC_ID, S.TOK_POS, S.TOKEN, S.LEMMA, S.SPACE_AFTER), "tokens")
    queries = sorted(
        {q.strip().lower() for q in terms if q and q.strip()}, key=lambda q: (-len(q.split()), q)
    )
    if not queries or tokens.empty:
        return pd.DataFrame(columns=KWIC_COLUMNS)
    keys = tokens[S.LEMMA] if by == "lemma" else tokens[S.TOKEN]
    keys = keys.str.lower().to_numpy(dtype=object)
    surface = tokens[S.TOKEN].to_numpy(dtype=object)
    spaces = tokens[S.SPACE_AFTER].to_numpy(dtype=bool)
    docs = tokens[S.DOC_ID].to_numpy(dtype=object)
    pos = tokens[S.TOK_POS].to_numpy()
    years = tokens[S.YEAR].to_numpy() if S.YEAR in tokens else np.full(len(tokens), -1)
    segs = tokens[S.SEG_ID].to_numpy(dtype=object) if S.SEG_ID in tokens else np.full(len(tokens), "")
    boundaries = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1], True])
    rows = []
    for lo, hi in zip(boundaries[:-1], boundaries[1:], strict=True):
        doc_keys = keys[lo:hi]
        taken = np.zeros(hi - lo, dtype=bool)
        for query in queries:
            parts = query.split()
            n = len(parts)
            candidates = np.flatnonzero(doc_keys == parts[0])
            for start in candidates:
                end = start + n
                if end > hi - lo or taken[start:end].any() or list(doc_keys[start:end]) != parts:
                    continue
                taken[start:end] = True
                a, b = lo + start, lo + end
                left = _surface(list(surface[max(lo, a - window) : a]), list(spaces[max(lo, a - window) : a]))
                right = _surface(
                    list(surface[b : min(hi, b + window)]), list(spaces[b : min(hi, b + window)])
                )
                rows.append(
                    (
                        docs[a],
                        years[a],
                        segs[a],
                        pos[a],
                        pos[b - 1],
                        query,
                        left,
                        _surface(list(surface[a:b]), list(spaces[a:b])),
                        right,
                    )
                )
    out = pd.DataFrame(rows, columns=KWIC_COLUMNS)
    order = {d: i for i, d in enumerate(dict.fromkeys(docs))}
    out = out.sort_values(["start"], kind="stable")
    out = out.iloc[np.argsort(out[S.DOC_ID].map(order).to_numpy(), kind="stable")]
    return out.reset_index(drop=True)
