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
    from aictlab.keyness import log_likelihood

    o11 = np.asarray(o11, dtype=float)
    r1 = np.asarray(r1, dtype=float)
    c1 = np.asarray(c1, dtype=float)
    # target = the window slots (R1), reference = the rest of the corpus (N - R1); overlapping windows can
    # count a token twice, so the reference cell is clipped to [0, N - R1].
    b = np.clip(c1 - o11, 0, np.maximum(n - r1, 0))
    return log_likelihood(o11, b, r1, np.maximum(n - r1, b))


def collocations(
    tokens: pd.DataFrame,
    nodes: Iterable[str],
    *,
    span: int = 5,
    by: str = "lemma",
    group: str | None = None,
    right_only: bool = False,
    keep_stop: bool = False,
    min_cofreq: int = 1,
    min_pmi_cofreq: int = 3,
) -> pd.DataFrame:
    """Collocates of node terms within ``span`` word tokens on each side (never across documents), per group.

    Parameters
    ----------
    tokens : DataFrame
        ``select_tokens(corpus.tokens)`` (word tokens; multi-word expressions are single tokens); with a
        ``group`` column when ``group`` is given (e.g. ``period``, added beforehand).
    nodes : iterable of str
        Node lemmas (or forms with ``by="token"``), e.g. ``["coopération", "attractivité"]``.
    span : int, default=5
        Window size k in tokens on each side (METHODS §7).
    by : {"lemma", "token"}, default="lemma"
    group : str, optional
        Column whose values split the corpus (each group's own N and frequencies); None: one group ``"all"``.
    right_only : bool, default=False
        Only the k tokens after the node (k = 1: adjacent bigrams, NLTK ``BigramAssocMeasures``).
    keep_stop : bool, default=False
        Report stop words as collocates (they always occupy window slots and count in N).
    min_cofreq : int, default=1
        Keep collocates with at least this co-frequency.
    min_pmi_cofreq : int, default=3
        PMI is NaN below this co-frequency (PMI overrates rare pairs; Church & Hanks 1990).

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
    >>> collocations(select_tokens(corpus.tokens).assign(period=...), ["coopération"], group="period")  # doctest: +SKIP
    """
    from scipy import stats

    if span < 1:
        raise ValueError(f"span={span} must be at least 1 token.")
    node_list = sorted({str(n).strip().lower() for n in nodes if n and str(n).strip()})
    toks = _ordered_words(tokens, by)
    if group is not None:
        S.require_columns(toks, [group], "tokens")
    out = []
    groups = [("all", toks)] if group is None else list(toks.groupby(group, sort=True))
    offsets = [o for o in range(-span, span + 1) if o != 0 and (o > 0 or not right_only)]
    for g, part in groups:
        part = part.reset_index(drop=True)
        n = len(part)
        if n == 0:
            continue
        codes, vocab = pd.factorize(part["_term"], sort=True)
        docs = part["_doc"].to_numpy()
        freq = np.bincount(codes, minlength=len(vocab))
        stop = np.zeros(len(vocab), dtype=bool)
        if S.IS_STOP in part.columns and not keep_stop:
            stop_terms = set(part.loc[part[S.IS_STOP].astype(bool), "_term"])
            stop = np.isin(np.asarray(vocab, dtype=object), list(stop_terms))
        index = {t: i for i, t in enumerate(vocab)}
        for node in node_list:
            if node not in index:
                continue
            where = np.flatnonzero(codes == index[node])
            hits = []
            slots = 0
            for o in offsets:
                pos = where + o
                ok = (pos >= 0) & (pos < n)
                pos, src = pos[ok], where[ok]
                same = docs[pos] == docs[src]
                slots += int(same.sum())
                hits.append(codes[pos[same]])
            o11 = (
                np.bincount(np.concatenate(hits), minlength=len(vocab)) if hits else np.zeros(len(vocab), int)
            )
            keep = (o11 >= max(min_cofreq, 1)) & ~stop
            idx = np.flatnonzero(keep)
            c1 = freq[idx]
            e11 = slots * c1 / n
            cof = o11[idx]
            with np.errstate(divide="ignore"):
                pmi = np.where(cof >= min_pmi_cofreq, np.log2(cof / e11), np.nan)
            ll = _signed_g2(cof, slots, c1, n)
            out.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "node": node,
                        "collocate": np.asarray(vocab, dtype=object)[idx],
                        "cofreq": cof,
                        "pmi": pmi,
                        "ll": ll,
                        "expected": e11,
                        "node_freq": len(where),
                        "collocate_freq": c1,
                        "window_slots": slots,
                        "n_tokens": n,
                        "p_value": stats.chi2.sf(np.abs(ll), 1),
                    }
                )
            )
    if not out:
        return pd.DataFrame(columns=COLLOCATION_COLUMNS)
    res = pd.concat(out, ignore_index=True)
    return res.sort_values(
        ["group", "node", "ll", "collocate"], ascending=[True, True, False, True], kind="stable"
    ).reset_index(drop=True)


def top_bigrams(
    tokens: pd.DataFrame,
    *,
    by: str = "lemma",
    min_count: int = 3,
    keep_stop: bool = False,
    n: int | None = 100,
    within: str | None = S.SENT_ID,
) -> pd.DataFrame:
    """The corpus's strongest adjacent word pairs: candidates for the multi-word expression list.

    Parameters
    ----------
    tokens : DataFrame
        ``select_tokens(corpus.tokens)`` (word tokens in document order; punctuation already out).
    by : {"lemma", "token"}, default="lemma"
    min_count : int, default=3
        Minimum bigram frequency.
    keep_stop : bool, default=False
        Keep pairs with a stop word on either side (bigrams are still formed over all tokens).
    n : int or None, default=100
        Rows returned (strongest by LL); None: all.
    within : str or None, default="sent_id"
        Pairs never cross this unit (nor a document); None: only documents.

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

    toks = _ordered_words(tokens, by)
    terms = toks["_term"].to_numpy(dtype=object)
    same = toks["_doc"].to_numpy()[1:] == toks["_doc"].to_numpy()[:-1]
    if within is not None and within in toks.columns:
        unit = toks[within].to_numpy()
        same &= unit[1:] == unit[:-1]
    left, right = terms[:-1][same], terms[1:][same]
    pairs = pd.DataFrame({"term1": left, "term2": right})
    n_xx = len(pairs)
    if n_xx == 0:
        return pd.DataFrame(columns=["term1", "term2", "bigram", "count", "pmi", "ll", "p_value"])
    counts = pairs.value_counts().rename("count").reset_index()
    n_ix = pairs["term1"].value_counts()
    n_xi = pairs["term2"].value_counts()
    counts = counts[counts["count"] >= min_count]
    if not keep_stop and S.IS_STOP in toks.columns:
        stop = set(toks.loc[toks[S.IS_STOP].astype(bool), "_term"])
        counts = counts[~counts["term1"].isin(stop) & ~counts["term2"].isin(stop)]
    a = counts["count"].to_numpy(dtype=float)
    r1 = counts["term1"].map(n_ix).to_numpy(dtype=float)
    c1 = counts["term2"].map(n_xi).to_numpy(dtype=float)
    from aictlab.keyness import log_likelihood

    ll = log_likelihood(a, c1 - a, r1, n_xx - r1)
    out = counts.assign(
        bigram=counts["term1"] + " " + counts["term2"],
        pmi=np.log2(a * n_xx / (r1 * c1)),
        ll=ll,
        p_value=stats.chi2.sf(np.abs(ll), 1),
        freq1=r1.astype(int),
        freq2=c1.astype(int),
    )
    out = out[["term1", "term2", "bigram", "count", "pmi", "ll", "p_value", "freq1", "freq2"]]
    out = out.sort_values(["ll", "bigram"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out.head(n) if n is not None else out
