"""Near-duplicate paragraphs across documents (Broder 1997, "On the resemblance and containment of documents").

A programme published before an event and the programme-and-report published after it share most of their
text; counted twice, that text would double the weight of its year. Paragraphs are compared through their
word shingles; a paragraph whose copy stands in a fuller document is flagged ``is_duplicate`` and, by
default, counted only in the fuller document.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

import numpy as np
import pandas as pd

from aictlab import schema as S

__all__ = [
    "JACCARD_THRESHOLD",
    "CONTAINMENT_THRESHOLD",
    "normalize_for_shingles",
    "shingles",
    "duplicate_pairs",
    "flag_duplicates",
    "document_overlap",
]

#: Thresholds of docs/methods.md §11: a pair is a duplicate if Jaccard >= 0.8 or containment >= 0.9.
JACCARD_THRESHOLD = 0.8
CONTAINMENT_THRESHOLD = 0.9


class _CombiningMarks(dict):
    """``str.translate`` table deleting combining marks (``unicodedata.combining`` ≠ 0), filled as characters
    are met: one C-level lookup per character instead of a Python call."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_COMBINING_MARKS = _CombiningMarks()


def normalize_for_shingles(text: str) -> list[str]:
    """Words of ``text`` after NFKC, lower case, ’ as ', punctuation removed (docs/methods.md §11), accents folded.

    Folding accents (``Dorothee`` = ``Dorothée``) is our addition: a copy re-typed for another edition often
    differs only there.
    """
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)
    text = re.sub(r"[^\w\s']", " ", text)
    return text.split()


def shingles(words: list[str], n: int | None = None) -> frozenset[tuple[str, ...]]:
    """Word ``n``-grams; ``n`` = 5, or 3 for texts under 50 words; a text shorter than ``n`` is one shingle."""
    if not words:
        return frozenset()
    if n is None:
        n = 5 if len(words) >= 50 else 3
    if len(words) < n:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def duplicate_pairs(paragraphs: pd.DataFrame, *, max_postings: int = 50) -> pd.DataFrame:
    """Pairs of paragraphs of different documents that are near-duplicates.

    Candidates share at least one shingle (shingles found in more than ``max_postings`` paragraphs are
    boilerplate and do not make candidates); a candidate that cannot reach either threshold is set aside
    (:func:`_may_reach_thresholds`) and the others are scored exactly.

    Parameters
    ----------
    paragraphs : DataFrame
        ``doc_id, para_id, text``.

    Returns
    -------
    DataFrame
        ``para_a, doc_a, para_b, doc_b, jaccard, containment_a, containment_b`` for pairs with
        J >= 0.8 or max(C) >= 0.9, where C_a = |A ∩ B| / |A| (share of A found in B).
    """
    S.require_columns(paragraphs, (S.DOC_ID, S.PARA_ID, S.TEXT), "paragraphs")
    ids = paragraphs[S.PARA_ID].tolist()
    docs = paragraphs[S.DOC_ID].tolist()
    # Postings over 64-bit shingle hashes in two flat arrays, not a dict of word tuples: a few bytes per
    # shingle, so a 50 MB document fits in memory. Candidates are then scored on the exact shingle sets; a
    # hash collision can only propose a pair that the exact score rejects.
    hashes, owners = [], []
    for index, text in enumerate(paragraphs[S.TEXT]):
        found = np.unique(np.fromiter(map(hash, shingles(normalize_for_shingles(text))), dtype=np.int64))
        hashes.append(found)
        owners.append(np.full(len(found), index, dtype=np.int64))
    flat = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.int64)
    owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
    del hashes, owners
    order = np.lexsort((owner, flat))
    flat, owner = flat[order], owner[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]]) if len(flat) else np.empty(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(flat)])
    doc_of = pd.factorize(pd.Series(docs, dtype=object))[0]  # document code of each paragraph
    doc_code = doc_of[owner]
    mixed = (
        np.minimum.reduceat(doc_code, starts) != np.maximum.reduceat(doc_code, starts)
        if len(starts)
        else np.empty(0, dtype=bool)
    )  # a shingle of one document only makes no candidate
    keep = (sizes > 1) & (sizes <= max_postings) & mixed
    n = len(ids)
    pair, shared = _shared_counts(owner, starts[keep], sizes[keep], doc_of)
    a_all, b_all = pair // max(n, 1), pair % max(n, 1)
    n_hashes = np.bincount(owner, minlength=n)
    boilerplate = np.bincount(owner[np.repeat(sizes > max_postings, sizes)], minlength=n)
    maybe = _may_reach_thresholds(shared, a_all, b_all, n_hashes, boilerplate)
    texts = paragraphs[S.TEXT].tolist()
    sets: dict[int, frozenset] = {}
    rows = []
    for a, b in zip(a_all[maybe].tolist(), b_all[maybe].tolist(), strict=True):  # in (a, b) order
        for i in (a, b):
            if i not in sets:
                sets[i] = shingles(normalize_for_shingles(texts[i]))
        inter = len(sets[a] & sets[b])
        union = len(sets[a]) + len(sets[b]) - inter  # |A ∪ B|, without building it
        jaccard = inter / union
        c_a, c_b = inter / len(sets[a]), inter / len(sets[b])
        if jaccard >= JACCARD_THRESHOLD or max(c_a, c_b) >= CONTAINMENT_THRESHOLD:
            rows.append((ids[a], docs[a], ids[b], docs[b], jaccard, c_a, c_b))
    return pd.DataFrame(
        rows, columns=["para_a", "doc_a", "para_b", "doc_b", "jaccard", "containment_a", "containment_b"]
    )


def _shared_counts(
    owner: np.ndarray, starts: np.ndarray, sizes: np.ndarray, doc_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of paragraphs of different documents found together in the given posting lists, and in how many.

    ``owner[start : start + size]`` is a posting list (paragraph indices, ascending). Lists of one size k are
    expanded together (every pair i < j of their k members), so the work is in numpy whatever the number of
    lists. Returns ``(codes, counts)``, codes ``a · n + b`` (a < b, n = paragraphs), ascending.
    """
    n = len(doc_of)
    codes = []
    for k in np.unique(sizes).tolist():
        block = owner[starts[sizes == k][:, None] + np.arange(k)]
        i, j = np.triu_indices(k, 1)
        a, b = block[:, i].ravel(), block[:, j].ravel()
        other = doc_of[a] != doc_of[b]
        codes.append(a[other] * n + b[other])
    if not codes:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(codes), return_counts=True)


def _may_reach_thresholds(
    shared: np.ndarray, a: np.ndarray, b: np.ndarray, n_hashes: np.ndarray, boilerplate: np.ndarray
) -> np.ndarray:
    """Which candidate pairs can reach J >= 0.8 or containment >= 0.9 (a necessary condition, never a test).

    Either threshold needs |A ∩ B| >= 0.8 min(|A|, |B|) (J >= 0.8 gives |A ∩ B| >= 0.8 |A ∪ B|; C_a >= 0.9
    gives |A ∩ B| >= 0.9 |A|). |A ∩ B| is at most the candidate shingles the two share plus the boilerplate
    shingles of the one with fewer; |A| is at least its number of distinct shingle hashes. So a pair with
    5 (shared + min(boilerplate)) < 4 min(hashes) cannot be a duplicate. (A 64-bit hash collision inside one
    pair's shingles could undercount what they share; the exact scores of the other pairs are unchanged.)
    """
    bound = shared + np.minimum(boilerplate[a], boilerplate[b])
    return 5 * bound >= 4 * np.minimum(n_hashes[a], n_hashes[b])


def flag_duplicates(paragraphs: pd.DataFrame, doc_sizes: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag the copies of duplicated paragraphs that stand in the less complete document.

    Of each duplicate pair, the paragraph kept is the one in the fuller document (more word characters in
    ``doc_sizes``; ties: the later ``doc_id`` in sort order); the other gets ``is_duplicate = True`` and
    ``duplicate_of`` = the kept paragraph's id.

    Returns
    -------
    (paragraphs, pairs)
        The paragraphs with ``is_duplicate, duplicate_of`` added, and the pair table of
        :func:`duplicate_pairs` with ``kept`` (para_id kept).
    """
    pairs = duplicate_pairs(paragraphs)
    out = paragraphs.copy()
    out[S.IS_DUPLICATE] = False
    out[S.DUPLICATE_OF] = ""
    if pairs.empty:
        return out, pairs.assign(kept=pd.Series(dtype=object))
    rank = {doc: (size, doc) for doc, size in doc_sizes.items()}
    kept, dropped = [], []
    for row in pairs.itertuples(index=False):
        a_wins = rank[row.doc_a] > rank[row.doc_b]
        kept.append(row.para_a if a_wins else row.para_b)
        dropped.append(row.para_b if a_wins else row.para_a)
    pairs = pairs.assign(kept=kept)
    first_keeper = dict(zip(dropped[::-1], kept[::-1], strict=True))  # earliest pair wins, deterministic
    mask = out[S.PARA_ID].isin(first_keeper)
    out.loc[mask, S.IS_DUPLICATE] = True
    out.loc[mask, S.DUPLICATE_OF] = out.loc[mask, S.PARA_ID].map(first_keeper)
    return out, pairs


def document_overlap(documents: pd.DataFrame, paragraphs: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Document × document overlap (long table, ordered pairs with some overlap).

    Columns: ``doc_a, doc_b, paragraphs_a, duplicated_paragraphs_a`` (paragraphs of a with a near-duplicate
    in b), ``share_paragraphs_a``, and on the whole texts' 5-word shingles ``containment_a`` = |A ∩ B| / |A|
    and ``jaccard``. Programme ⊂ report gives a high containment and a low Jaccard.
    """
    counts = paragraphs.groupby(S.DOC_ID).size()
    linked: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in pairs.itertuples(index=False):
        linked[(row.doc_a, row.doc_b)].add(row.para_a)
        linked[(row.doc_b, row.doc_a)].add(row.para_b)
    # whole-text shingles only of the documents that share paragraphs (a document's set is large)
    texts = documents.set_index(S.DOC_ID)[S.TEXT]  # read below only for those documents
    doc_shingles = {d: shingles(normalize_for_shingles(texts[d]), 5) for pair in linked for d in pair}
    rows = []
    for (doc_a, doc_b), paras in sorted(linked.items()):
        a, b = doc_shingles[doc_a], doc_shingles[doc_b]
        inter = len(a & b)
        rows.append(
            (
                doc_a,
                doc_b,
                int(counts[doc_a]),
                len(paras),
                len(paras) / counts[doc_a],
                inter / len(a) if a else 0.0,
                inter / len(a | b) if a | b else 0.0,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "doc_a",
            "doc_b",
            "paragraphs_a",
            "duplicated_paragraphs_a",
            "share_paragraphs_a",
            "containment_a",
            "jaccard",
        ],
    )
