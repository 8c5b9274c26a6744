"""Concordance (KWIC) and collocations over a token table.

Contexts are rebuilt from the surface forms (``token`` and ``space_after``) so that the reader sees the real
text, while matching uses lemmas (or lower-cased forms).

Nothing here crosses a document, so a corpus whose tokens stay on disk is read partition by partition
(``corpus.map_tokens``): concordance lines are concatenated; :func:`collocations` and :func:`top_bigrams` take a
corpus (or a token table) and sum additive counts gathered per partition (:func:`cooccurrences`,
:func:`bigram_counts`, their counting steps), grouping documents by a document variable (``period``...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from aictlab import schema as S
from aictlab.contingency import log_likelihood
from aictlab.corpus import Corpus, as_corpus
from aictlab.errors import check_choice
from aictlab.keyness import add_group_column

__all__ = [
    "BIGRAM_COLUMNS",
    "COLLOCATION_COLUMNS",
    "KWIC_COLUMNS",
    "bigram_counts",
    "collocations",
    "cooccurrences",
    "kwic",
    "top_bigrams",
]

__all__ = [
    "KWIC_COLUMNS",
    "kwic",
    "COLLOCATION_COLUMNS",
    "cooccurrences",
    "collocations",
    "BIGRAM_COLUMNS",
    "bigram_counts",
    "top_bigrams",
]

KWIC_COLUMNS = [S.DOC_ID, S.YEAR, S.SEG_ID, "start", "end", "term", "left", "keyword", "right"]


def _surface(tokens: list[str], spaces: list[bool]) -> str:
    return "".join(t + (" " if s else "") for t, s in zip(tokens, spaces, strict=True)).strip()


def kwic(
    tokens: pd.DataFrame,
    terms: Iterable[str] | Mapping[str, Iterable[str]],
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
    terms : iterable of str, or mapping
        Lemmas (``attractivité``), multi-word expression lemmas (``coopération_décentralisée``) or sequences
        of lemmas separated by spaces (``lutte contre le pauvreté``), matched on contiguous tokens. A mapping
        ``doc_id -> terms`` searches each document for its own terms alone (its lines are those of a search
        of that document for them); documents it does not name give no line.
    window : int, default=10
        Tokens of context on each side (docs/methods.md §7; quanteda's default is 5), never crossing a document.
    by : {"lemma", "token"}, default="lemma"
        Match lemmas, or lower-cased surface forms.

    Returns
    -------
    DataFrame
        ``doc_id, year, seg_id, start, end, term, left, keyword, right``: ``start``/``end`` are the
        ``tok_pos`` of the first and last matched token; ``term`` the query matched; ``keyword`` the
        surface text. Sorted by document order.

    Notes
    -----
    Contexts never cross a document, so the lines of a corpus whose tokens stay on disk are those of its
    partitions, concatenated in document order: ``corpus.map_tokens(lambda t: kwic(t, terms),
    words_only=False)``.
    """
    check_choice("by", by, ("lemma", "token"))
    S.require_columns(tokens, (S.DOC_ID, S.TOK_POS, S.TOKEN, S.LEMMA, S.SPACE_AFTER), "tokens")

    def ordered(values: Iterable[str]) -> list[str]:  # longest first, then alphabetical
        return sorted(
            {q.strip().lower() for q in values if q and q.strip()}, key=lambda q: (-len(q.split()), q)
        )

    own = {doc: ordered(values) for doc, values in terms.items()} if isinstance(terms, Mapping) else None
    queries = sorted(set().union(*own.values())) if own is not None else ordered(terms)
    pos = tokens[S.TOK_POS].to_numpy()
    years = tokens[S.YEAR].to_numpy() if S.YEAR in tokens else np.full(len(tokens), -1)
    # typed even when empty, so that lines gathered partition by partition concatenate with the same dtypes
    empty = pd.DataFrame(
        {
            c: pd.Series(dtype=years.dtype if c == S.YEAR else pos.dtype if c in ("start", "end") else "str")
            for c in KWIC_COLUMNS
        }
    )
    if not queries or tokens.empty:
        return empty
    keys = tokens[S.LEMMA] if by == "lemma" else tokens[S.TOKEN]
    keys = keys.str.lower().to_numpy(dtype=object)
    surface = tokens[S.TOKEN].to_numpy(dtype=object)
    spaces = tokens[S.SPACE_AFTER].to_numpy(dtype=bool)
    docs = tokens[S.DOC_ID].to_numpy(dtype=object)
    segs = tokens[S.SEG_ID].to_numpy(dtype=object) if S.SEG_ID in tokens else np.full(len(tokens), "")
    boundaries = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1], True])
    # the rows where some query starts, found once (not one comparison per document and query)
    starts = np.flatnonzero(pd.Series(keys).isin({q.split()[0] for q in queries}).to_numpy())
    rows = []
    for lo, hi in zip(boundaries[:-1], boundaries[1:], strict=True):
        first, last = np.searchsorted(starts, [lo, hi])
        if first == last:  # no query starts in this document
            continue
        doc_keys = keys[lo:hi]
        by_key: dict[str, list[int]] = {}  # first part -> its positions in the document, ascending
        for row in starts[first:last].tolist():
            by_key.setdefault(keys[row], []).append(row - lo)
        taken = np.zeros(hi - lo, dtype=bool)
        for query in queries if own is None else own.get(docs[lo], ()):
            parts = query.split()
            n = len(parts)
            for start in by_key.get(parts[0], ()):
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
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=KWIC_COLUMNS)
    order = {d: i for i, d in enumerate(dict.fromkeys(docs))}
    out = out.sort_values(["start"], kind="stable")
    out = out.iloc[np.argsort(out[S.DOC_ID].map(order).to_numpy(), kind="stable")]
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# Collocations (textometry issue)
# --------------------------------------------------------------------------------------------------------------
COLLOCATION_COLUMNS = ["group", "node", "collocate", "cofreq", "pmi", "ll"]


def _ordered_words(tokens: pd.DataFrame, by: str) -> pd.DataFrame:
    """Word tokens in document order (documents by first appearance, tokens by ``tok_pos``)."""
    check_choice("by", by, ("lemma", "token"))
    S.require_columns(tokens, (S.DOC_ID, S.TOK_POS, by), "tokens")
    toks = tokens
    if S.IS_WORD in toks.columns:
        toks = toks[toks[S.IS_WORD].astype(bool)]
    doc_rank = {d: i for i, d in enumerate(dict.fromkeys(toks[S.DOC_ID]))}
    toks = toks.assign(_doc=toks[S.DOC_ID].map(doc_rank), _term=toks[by].astype(str).str.lower())
    return toks.sort_values(["_doc", S.TOK_POS], kind="stable").reset_index(drop=True)


def _signed_g2(o11, r1, c1, n) -> np.ndarray:
    """Signed 4-cell G² of [[O11, R1 - O11], [C1 - O11, N - R1 - C1 + O11]] (Evert 2008)."""
    o11 = np.asarray(o11, dtype=float)
    r1 = np.asarray(r1, dtype=float)
    c1 = np.asarray(c1, dtype=float)
    # target = the window slots (R1), reference = the rest of the corpus (N - R1); overlapping windows can
    # count a token twice, so the reference cell is clipped to [0, N - R1].
    b = np.clip(c1 - o11, 0, np.maximum(n - r1, 0))
    return log_likelihood(o11, b, r1, np.maximum(n - r1, b))


def _node_list(nodes: Iterable[str]) -> list[str]:
    return sorted({str(n).strip().lower() for n in nodes if n and str(n).strip()})


def _frames(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate ``parts``; with none, an empty frame with ``columns`` (its dtypes are settled when summed)."""
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def cooccurrences(
    tokens: pd.DataFrame,
    nodes: Iterable[str],
    *,
    span: int = 5,
    by: str = "lemma",
    right_only: bool = False,
) -> dict[str, pd.DataFrame]:
    """Window counts of node terms per document: the counting step of :func:`collocations`.

    Windows never cross documents, so the counts of disjoint sets of whole documents (partitions of the token
    table) add up, and so do those of documents merged into groups (periods, organisers):
    :func:`collocations` sums rows with the same key. A caller gathering several aggregates in one pass over
    the partitions passes the concatenated result as its ``counts``.

    Parameters
    ----------
    tokens : DataFrame
        Word tokens in document order (``doc_id, tok_pos``, ``by``; ``is_word``, ``is_stop`` optional).
    nodes, span, by, right_only
        As in :func:`collocations`.

    Returns
    -------
    dict of DataFrame
        ``terms``: ``doc_id, term, n, is_stop`` (word tokens per term; ``is_stop``: some occurrence is a stop
        word); ``windows``: ``doc_id, node, node_freq, window_slots``; ``pairs``: ``doc_id, node, collocate,
        cofreq`` (co-frequencies > 0).
    """
    if span < 1:
        raise ValueError(f"span={span} must be at least 1 token.")
    node_list = _node_list(nodes)
    toks = _ordered_words(tokens, by)
    offsets = [o for o in range(-span, span + 1) if o != 0 and (o > 0 or not right_only)]
    # All documents at once (one factorisation, counts keyed by document × term code); the rows come in the
    # order of a loop over documents (sorted), then nodes, then terms (sorted): the same frames, no Python
    # loop over documents.
    doc_codes, docs = pd.factorize(toks[S.DOC_ID], sort=True)
    kept = doc_codes >= 0  # a missing doc_id forms no document (as in a groupby)
    toks, doc_codes = toks[kept].reset_index(drop=True), doc_codes[kept].astype(np.int64)
    codes, vocab = pd.factorize(toks["_term"], sort=True)
    vocab = np.asarray(vocab, dtype=object)
    docs = np.asarray(docs, dtype=object)
    n_vocab = max(len(vocab), 1)
    keys, inverse, counts = np.unique(doc_codes * n_vocab + codes, return_inverse=True, return_counts=True)
    stop = np.zeros(len(keys), dtype=bool)
    if S.IS_STOP in toks.columns:  # a term is a stop word in a document when some occurrence there is one
        np.logical_or.at(stop, inverse.ravel(), toks[S.IS_STOP].astype(bool).to_numpy())
    terms = [
        pd.DataFrame(
            {S.DOC_ID: docs[keys // n_vocab], "term": vocab[keys % n_vocab], "n": counts, "is_stop": stop}
        )
    ] if len(keys) else []  # fmt: skip
    # each token's document span [start, end) in the table (documents are contiguous, tokens in order)
    bounds = np.flatnonzero(np.diff(doc_codes)) + 1
    starts, ends = np.r_[0, bounds], np.r_[bounds, len(doc_codes)]
    block = np.repeat(np.arange(len(starts)), ends - starts)
    row_start, row_end = starts[block], ends[block]
    index = {t: i for i, t in enumerate(vocab)}
    windows, pairs = [], []
    for rank, node in enumerate(node_list):
        if node not in index:
            continue
        where = np.flatnonzero(codes == index[node])
        hit_docs, hit_terms = [], []
        for o in offsets:
            pos = where + o
            ok = (pos >= row_start[where]) & (pos < row_end[where])
            hit_docs.append(doc_codes[where[ok]])
            hit_terms.append(codes[pos[ok]])
        node_docs, node_freq = np.unique(doc_codes[where], return_counts=True)
        slots = np.bincount(np.concatenate(hit_docs), minlength=len(docs))[node_docs]
        windows.append((rank, node, node_docs, node_freq, slots))
        pair_keys, cofreq = np.unique(
            np.concatenate(hit_docs) * n_vocab + np.concatenate(hit_terms), return_counts=True
        )
        pairs.append((rank, node, pair_keys // n_vocab, pair_keys % n_vocab, cofreq))
    window_frames, pair_frames = [], []
    if windows:
        doc = np.concatenate([w[2] for w in windows])
        rank = np.concatenate([np.full(len(w[2]), w[0]) for w in windows])
        order = np.lexsort((rank, doc))
        window_frames.append(
            pd.DataFrame(
                {
                    S.DOC_ID: docs[doc[order]],
                    "node": np.concatenate([np.full(len(w[2]), w[1], dtype=object) for w in windows])[order],
                    "node_freq": np.concatenate([w[3] for w in windows])[order],
                    "window_slots": np.concatenate([w[4] for w in windows])[order],
                }
            )
        )
        doc = np.concatenate([p[2] for p in pairs])
        rank = np.concatenate([np.full(len(p[2]), p[0]) for p in pairs])
        term = np.concatenate([p[3] for p in pairs])
        order = np.lexsort((term, rank, doc))
        pair_frames.append(
            pd.DataFrame(
                {
                    S.DOC_ID: docs[doc[order]],
                    "node": np.concatenate([np.full(len(p[2]), p[1], dtype=object) for p in pairs])[order],
                    "collocate": vocab[term[order]],
                    "cofreq": np.concatenate([p[4] for p in pairs])[order],
                }
            )
        )
    windows, pairs = window_frames, pair_frames
    return {
        "terms": _frames(terms, [S.DOC_ID, "term", "n", "is_stop"]),
        "windows": _frames(windows, [S.DOC_ID, "node", "node_freq", "window_slots"]),
        "pairs": _frames(pairs, [S.DOC_ID, "node", "collocate", "cofreq"]),
    }


def collocations(
    data: Corpus | pd.DataFrame,
    nodes: Iterable[str],
    *,
    span: int = 5,
    by: str = "lemma",
    group: str | None = None,
    periods: int | Sequence[int] | None = None,
    right_only: bool = False,
    keep_stop: bool = False,
    min_cofreq: int = 1,
    min_pmi_cofreq: int = 3,
    counts: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Collocates of node terms within ``span`` word tokens on each side (never across documents), per group.

    The tokens are read partition by partition (``corpus.map_tokens``) and counted per document
    (:func:`cooccurrences`); documents are then pooled by a document variable.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a token table (``doc_id, year, tok_pos``, ``lemma``; multi-word expressions are single
        tokens); see :func:`aictlab.corpus.as_corpus`.
    nodes : iterable of str
        Node lemmas (or forms with ``by="token"``), e.g. ``["coopération", "attractivité"]``.
    span : int, default=5
        Window size k in tokens on each side (docs/methods.md §7).
    by : {"lemma", "token"}, default="lemma"
    group : str, optional
        Document variable whose values split the corpus (``period``, ``year``, ``organiser``: each group's own
        N and frequencies); None: one group ``"all"``.
    periods : int or sequence of int, optional
        Period spec when ``group="period"`` (default: the periods the documents carry).
    right_only : bool, default=False
        Only the k tokens after the node (k = 1: adjacent bigrams, NLTK ``BigramAssocMeasures``).
    keep_stop : bool, default=False
        Report stop words as collocates (they always occupy window slots and count in N).
    min_cofreq : int, default=1
        Keep collocates with at least this co-frequency.
    min_pmi_cofreq : int, default=3
        PMI is NaN below this co-frequency (PMI overrates rare pairs; Church & Hanks 1990).
    counts : dict of DataFrame, optional
        Window counts already gathered from this corpus's tokens with the same ``span``, ``by`` and
        ``right_only`` (:func:`cooccurrences` per partition, concatenated key by key), for nodes including
        ``nodes``; the tokens are then not read again.

    Returns
    -------
    DataFrame
        ``group, node, collocate, cofreq`` (O11), ``pmi`` (log2 O11/E11), ``ll`` (signed G²),
        ``expected`` (E11 = R1 C1 / N), ``node_freq``, ``collocate_freq`` (C1), ``window_slots`` (R1),
        ``n_tokens`` (N), ``p_value`` (G², 1 df); sorted by group, node, ll descending, collocate.

    Notes
    -----
    O11 = occurrences of w in the node's windows; R1 = window slots available (<= 2k per occurrence, cut at
    document edges); C1 = f(w); N = tokens of the group; E11 = R1 C1 / N; PMI = log2(O11 / E11) (Church &
    Hanks 1990, "Word association norms, mutual information, and lexicography", CL 16(1)); LL = signed 4-cell
    G² on [[O11, R1 - O11], [C1 - O11, N - R1 - C1 + O11]] (Evert 2008, "Corpora and collocations").

    Examples
    --------
    >>> collocations(corpus, ["coopération"], group="period")  # doctest: +SKIP
    """
    from scipy import stats

    node_list = _node_list(nodes)
    corpus = as_corpus(data, periods=periods)
    counts = _grouped_cooccurrences(corpus, node_list, group, counts, span=span, by=by, right_only=right_only)
    # object columns left by empty partitions get their values' dtype: the table does not depend on the split
    terms = counts["terms"].infer_objects()
    windows = counts["windows"].infer_objects()
    pairs = counts["pairs"].infer_objects()
    if windows.empty:  # no node in the corpus
        return pd.DataFrame(columns=COLLOCATION_COLUMNS)
    terms = terms.groupby(["group", "term"], sort=True).agg(n=("n", "sum"), is_stop=("is_stop", "any"))
    n_tokens = terms.groupby(level="group")["n"].sum().rename("n_tokens")
    windows = windows.groupby(["group", "node"], sort=True)[["node_freq", "window_slots"]].sum()
    pairs = pairs.groupby(["group", "node", "collocate"], sort=True)["cofreq"].sum().reset_index()
    pairs = pairs[pairs["cofreq"] >= max(min_cofreq, 1)]
    pairs = pairs.join(terms.rename_axis(["group", "collocate"]), on=["group", "collocate"])
    pairs = pairs.join(windows, on=["group", "node"]).join(n_tokens, on="group")
    if not keep_stop:
        pairs = pairs[~pairs["is_stop"].to_numpy(dtype=bool)]
    cof = pairs["cofreq"].to_numpy(dtype=np.int64)
    c1 = pairs["n"].to_numpy(dtype=np.int64)
    slots = pairs["window_slots"].to_numpy(dtype=np.int64)
    n = pairs["n_tokens"].to_numpy(dtype=np.int64)
    e11 = slots * c1 / n
    with np.errstate(divide="ignore"):
        pmi = np.where(cof >= min_pmi_cofreq, np.log2(cof / e11), np.nan)
    ll = _signed_g2(cof, slots, c1, n)
    res = pd.DataFrame(
        {
            "group": pairs["group"].to_numpy(),
            "node": pairs["node"].to_numpy(),
            "collocate": pairs["collocate"].to_numpy(),
            "cofreq": cof,
            "pmi": pmi,
            "ll": ll,
            "expected": e11,
            "node_freq": pairs["node_freq"].to_numpy(dtype=np.int64),
            "collocate_freq": c1,
            "window_slots": slots,
            "n_tokens": n,
            "p_value": stats.chi2.sf(np.abs(ll), 1),
        }
    )
    return res.sort_values(
        ["group", "node", "ll", "collocate"], ascending=[True, True, False, True], kind="stable"
    ).reset_index(drop=True)


def _grouped_cooccurrences(
    corpus: Corpus,
    nodes: list[str],
    group: str | None,
    counts: dict[str, pd.DataFrame] | None,
    **options: Any,
) -> dict[str, pd.DataFrame]:
    """The adapter between a corpus and its window counts: given ``counts`` (restricted to ``nodes``), or
    counted per document partition by partition; each table with the ``group`` of its documents."""
    if counts is None:
        counts = corpus.map_tokens(partial(cooccurrences, nodes=nodes, **options))
    out = {}
    for name, frame in counts.items():
        if "node" in frame.columns:
            frame = frame[frame["node"].isin(nodes)]
        if group is None:
            values = np.full(len(frame), "all", dtype=object)
        else:
            values = add_group_column(frame, group, corpus.documents)[group].to_numpy()
        out[name] = frame.drop(columns=S.DOC_ID).assign(group=values)
    return out


BIGRAM_COLUMNS = ["term1", "term2", "bigram", "count", "pmi", "ll", "p_value", "freq1", "freq2"]


def bigram_counts(tokens: pd.DataFrame, *, by: str = "lemma", within: str | None = S.SENT_ID) -> dict:
    """Adjacent word pairs and stop words: the counting step of :func:`top_bigrams`, additive.

    Pairs never cross a document, so the counts of disjoint sets of whole documents add up:
    :func:`top_bigrams` sums rows with the same pair (pass the concatenated counts as its ``counts``).

    Parameters
    ----------
    tokens : DataFrame
        Word tokens in document order.
    by, within
        As in :func:`top_bigrams`.

    Returns
    -------
    dict of DataFrame
        ``pairs``: ``term1, term2, count``; ``stop``: ``term`` (terms with a stop-word occurrence).
    """
    toks = _ordered_words(tokens, by)
    terms = toks["_term"].to_numpy(dtype=object)
    same = toks["_doc"].to_numpy()[1:] == toks["_doc"].to_numpy()[:-1]
    if within is not None and within in toks.columns:
        unit = toks[within].to_numpy()
        same &= unit[1:] == unit[:-1]
    pairs = pd.DataFrame({"term1": terms[:-1][same], "term2": terms[1:][same]})
    pairs = pairs.groupby(["term1", "term2"], sort=True).size().rename("count").reset_index()
    stop = toks.loc[toks[S.IS_STOP].astype(bool), "_term"] if S.IS_STOP in toks.columns else toks["_term"][:0]
    # the distinct terms of a plain list: iterating the (Arrow) column itself made a Python object per token
    stop_terms = sorted(set(stop.to_numpy(dtype=object).tolist()))
    return {"pairs": pairs, "stop": pd.DataFrame({"term": stop_terms}, dtype=object)}


def top_bigrams(
    data: Corpus | pd.DataFrame,
    *,
    by: str = "lemma",
    min_count: int = 3,
    keep_stop: bool = False,
    n: int | None = 100,
    within: str | None = S.SENT_ID,
    counts: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The corpus's strongest adjacent word pairs: candidates for the multi-word expression list.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a token table (word tokens in document order; punctuation already out); see
        :func:`aictlab.corpus.as_corpus`. Read partition by partition (:func:`bigram_counts`).
    by : {"lemma", "token"}, default="lemma"
    min_count : int, default=3
        Minimum bigram frequency.
    keep_stop : bool, default=False
        Keep pairs with a stop word on either side (bigrams are still formed over all tokens).
    n : int or None, default=100
        Rows returned (strongest by LL); None: all.
    within : str or None, default="sent_id"
        Pairs never cross this unit (nor a document); None: only documents.
    counts : dict of DataFrame, optional
        Pair counts already gathered from this corpus's tokens with the same ``by`` and ``within``
        (:func:`bigram_counts` per partition, concatenated key by key); the tokens are then not read again.

    Returns
    -------
    DataFrame
        ``term1, term2, bigram, count, pmi, ll, p_value, freq1, freq2``; sorted by ll descending, then bigram.

    Notes
    -----
    NLTK's contingency: n_ii = pair count, n_ix = bigrams starting with w1, n_xi = bigrams ending with w2,
    n_xx = all bigrams; PMI = log2(n_ii n_xx / (n_ix n_xi)) (= ``BigramAssocMeasures.pmi``), LL = signed
    4-cell G² on [[n_ii, n_ix - n_ii], [n_xi - n_ii, n_xx - n_ix - n_xi + n_ii]] (``likelihood_ratio``,
    signed here: negative = the pair is avoided).
    """
    from scipy import stats

    if counts is None:
        counts = as_corpus(data).map_tokens(partial(bigram_counts, by=by, within=within))
    pairs = counts["pairs"].infer_objects()  # empty partitions leave object columns
    pairs = pairs.groupby(["term1", "term2"], sort=True)["count"].sum().reset_index()
    n_xx = int(pairs["count"].sum())
    if n_xx == 0:
        return pd.DataFrame(columns=BIGRAM_COLUMNS[:7])
    n_ix = pairs.groupby("term1")["count"].sum()
    n_xi = pairs.groupby("term2")["count"].sum()
    pairs = pairs[pairs["count"] >= min_count]
    if not keep_stop:
        stop = set(counts["stop"]["term"])
        pairs = pairs[~pairs["term1"].isin(stop) & ~pairs["term2"].isin(stop)]
    a = pairs["count"].to_numpy(dtype=float)
    r1 = pairs["term1"].map(n_ix).to_numpy(dtype=float)
    c1 = pairs["term2"].map(n_xi).to_numpy(dtype=float)
    ll = log_likelihood(a, c1 - a, r1, n_xx - r1)
    out = pairs.assign(
        bigram=pairs["term1"] + " " + pairs["term2"],
        pmi=np.log2(a * n_xx / (r1 * c1)),
        ll=ll,
        p_value=stats.chi2.sf(np.abs(ll), 1),
        freq1=r1.astype(int),
        freq2=c1.astype(int),
    )
    out = out[BIGRAM_COLUMNS]
    out = out.sort_values(["ll", "bigram"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out.head(n) if n is not None else out
