"""The lexical table (terms × groups) and keyness between groups: G², χ², LogRatio, %DIFF, Lafon specificities.

One function, :func:`lexical_table`, counts terms per group from a corpus (or a bare token table); keyness,
specificities, the correspondence analysis (:mod:`aictlab.ca`), the exports and the figures all take its
result, so nothing else recounts. It reads the tokens partition by partition (``corpus.map_tokens``), counts
terms per document (:func:`term_counts`, additive) and groups documents by a document variable (``period``
comes from the documents, :func:`aictlab.periods.add_periods`).

Keyness compares a target group with a reference group term by term, with the statistics of 2 × 2 tables of
:mod:`aictlab.contingency` (signed: positive means over-used in the target, docs/methods.md §5); Lafon
specificities (§6) compare each group with the whole.

References
----------
Lafon P. (1980), "Sur la variabilité de la fréquence des formes dans un corpus", Mots 1. Lebart L. & Salem A.
(1994), *Statistique textuelle*, Dunod. See :mod:`aictlab.contingency` for the statistics' references.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.contingency import keyness_stats, specificity
from aictlab.corpus import Corpus, as_corpus
from aictlab.errors import SchemaError, SettingsError, check_choice

__all__ = [
    "LexicalTable",
    "add_group_column",
    "document_term_counts",
    "keyness",
    "keyness_each",
    "lexical_table",
    "specificities",
    "term_counts",
    "top_terms",
]

TERM_UNITS = ("lemma", "token")


# --------------------------------------------------------------------------------------------------------------
# The lexical table
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LexicalTable:
    """Counts of terms per group, with the size of each group.

    Attributes
    ----------
    counts : DataFrame
        Terms × groups integer counts; index ``term`` (sorted), columns ``group`` in the order given or sorted.
    sizes : Series
        Tokens per group (index: the groups): the word tokens of the group, stop words included (docs/methods.md
        "Shared conventions"): the ``c``, ``d`` of keyness and the ``t``, ``T`` of Lafon specificities.
    params : dict
        The settings that built the table (``group``, ``by``, ``keep_stop``, ``min_count``...).
    """

    counts: pd.DataFrame
    sizes: pd.Series
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def groups(self) -> list:
        return list(self.counts.columns)

    @property
    def total(self) -> int:
        """All word tokens of the table (Lafon's T)."""
        return int(self.sizes.sum())

    def tidy(self) -> pd.DataFrame:
        """Long form ``group, term, n`` (zero counts dropped), sorted by group then term."""
        # from the non-zero cells only: stacking the whole terms x groups table first takes gigabytes for
        # thousands of documents (np.nonzero is row-major, the order stack() gives)
        values = self.counts.to_numpy()
        term_pos, group_pos = np.nonzero(values)
        long = pd.DataFrame(
            {
                "group": self.counts.columns[group_pos],
                "term": self.counts.index[term_pos],
                "n": values[term_pos, group_pos],
            }
        )
        return long.sort_values(["group", "term"], kind="stable").reset_index(drop=True)

    def subset(self, terms: Sequence[str] | None = None, groups: Sequence | None = None) -> LexicalTable:
        """A table restricted to some terms and/or groups (sizes kept: they count all tokens)."""
        counts = self.counts
        if terms is not None:
            counts = counts.loc[list(terms)]
        if groups is not None:
            counts = counts[list(groups)]
        return LexicalTable(counts, self.sizes[counts.columns], dict(self.params))


def add_group_column(frame: pd.DataFrame, group: str, documents: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` (tokens or counts with ``doc_id``) with a ``group`` column taken from the documents.

    Parameters
    ----------
    frame : DataFrame
        With ``doc_id``; returned as is when it already has ``group``.
    group : str
        A document variable: ``doc_id``, ``year``, ``period`` (:func:`aictlab.periods.add_periods`, which
        :func:`aictlab.corpus.as_corpus` calls), ``organiser``, ``genre``...
    documents : DataFrame
        The documents table (``corpus.documents``), joined on ``doc_id``.

    Raises
    ------
    SchemaError
        ``group`` is not a document variable, or a document has no value for it.
    """
    if group in frame.columns:
        return frame
    if group not in documents.columns:
        raise SchemaError(
            f"documents: no variable {group!r} to group by (document variables: "
            f"{', '.join(map(str, documents.columns))})."
        )
    schema.require_columns(frame, [schema.DOC_ID], "tokens")
    mapping = documents.drop_duplicates(schema.DOC_ID).set_index(schema.DOC_ID)[group]
    values = frame[schema.DOC_ID].map(mapping)
    if values.isna().any():
        missing = sorted(frame.loc[values.isna(), schema.DOC_ID].astype(str).unique())[:5]
        raise SchemaError(f"documents: no {group!r} value for doc_id {', '.join(missing)}.")
    return frame.assign(**{group: values.to_numpy()})


def lexical_table(
    data: Corpus | pd.DataFrame,
    group: str = schema.PERIOD,
    *,
    by: Literal["lemma", "token"] = "lemma",
    periods: int | Sequence[int] | None = None,
    keep_stop: bool = False,
    keep_punct: bool = False,
    min_count: int = 1,
    pos: Sequence[str] | None = None,
    groups: Sequence | None = None,
    counts: pd.DataFrame | None = None,
) -> LexicalTable:
    """Count terms (lemmas or forms) per group: THE terms × groups table of keyness, specificities and CA.

    The tokens are those the corpus counts (``corpus.map_tokens``: duplicates and programme lines out by
    default, see :meth:`aictlab.corpus.Corpus.select`), read partition by partition and counted per
    document (:func:`term_counts`); documents are then grouped by a document variable. Multi-word expressions
    are already one token (``coopération_décentralisée``).

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a token table (``doc_id, year``, ``lemma`` or ``token``, ``is_stop``, ``is_punct``,
        ``is_word`` optional); see :func:`aictlab.corpus.as_corpus`.
    group : str, default="period"
        A document variable (``period``, ``year``, ``doc_id``, ``organiser``...; see :func:`add_group_column`),
        or a column of a token table ``data``.
    by : {"lemma", "token"}, default="lemma"
        Count lemmas, or surface forms lowercased.
    periods : int or sequence of int, optional
        Period spec (:func:`aictlab.periods.add_periods`); default: the periods the documents carry (5-year
        bins when they carry none).
    keep_stop, keep_punct : bool, default=False
        Keep stop words / punctuation as terms. The group *sizes* always count all word tokens (stop words
        included, punctuation and bare numbers out), docs/methods.md "Shared conventions".
    min_count : int, default=1
        Keep terms whose total count over all groups is at least this.
    pos : sequence of str, optional
        Keep only these parts of speech (``NOUN``, ``VERB``...); MWEs (lemma containing ``_``) are kept.
    groups : sequence, optional
        Column order (and selection) of the groups; default: sorted.
    counts : DataFrame, optional
        Term counts already gathered from this corpus's tokens (:func:`term_counts` with key ``doc_id``, or
        ``doc_id`` and ``group``, per partition, concatenated), e.g. when several aggregates are computed in
        one pass; the tokens are then not read again.

    Returns
    -------
    LexicalTable
        ``counts`` (terms × groups) and ``sizes`` (tokens per group).

    Examples
    --------
    >>> toks = pd.DataFrame({"doc_id": ["a", "a", "b"], "year": [2012, 2012, 2025],
    ...                      "lemma": ["solidarité", "le", "attractivité"], "is_stop": [False, True, False],
    ...                      "is_punct": False, "is_word": True})
    >>> lexical_table(toks, "year").counts.to_dict()
    {2012: {'attractivité': 0, 'solidarité': 1}, 2025: {'attractivité': 1, 'solidarité': 0}}
    """
    check_choice("by", by, TERM_UNITS)
    if min_count < 1:
        raise SettingsError(f"min_count={min_count} must be at least 1.")
    corpus = as_corpus(data, periods=periods)
    counts = _document_term_counts(corpus, group, by, counts, keep_punct=keep_punct)
    return _table_of_counts(
        counts, group, by=by, keep_stop=keep_stop, keep_punct=keep_punct, min_count=min_count, pos=pos,
        groups=groups,
    )  # fmt: skip


def document_term_counts(
    data: Corpus | pd.DataFrame,
    *,
    by: Literal["lemma", "token"] = "lemma",
    keep_stop: bool = False,
    keep_punct: bool = False,
) -> tuple[pd.DataFrame, list]:
    """The terms × documents lexical table in long form, never dense: for thousands of documents.

    The counts of ``lexical_table(data, "doc_id", by=by, keep_stop=keep_stop, keep_punct=keep_punct)``
    without its terms × documents array (178,534 terms × 19,950 documents would be 26.5 GiB): the same
    tokens, filters and order.

    Returns
    -------
    (DataFrame, list)
        ``doc_id, term, n`` (non-zero counts, sorted by document then term), and the documents in the
        lexical table's column order (sorted; a document whose counted tokens are all left out is kept).
    """
    check_choice("by", by, TERM_UNITS)
    corpus = as_corpus(data)
    counts = _document_term_counts(corpus, schema.DOC_ID, by, None, keep_punct=keep_punct)
    kept, sizes = _kept_counts(counts, schema.DOC_ID, keep_stop=keep_stop, keep_punct=keep_punct, pos=None)
    long = kept.astype(np.int64).rename("n").reset_index()[[schema.DOC_ID, "term", "n"]]
    long = long.sort_values([schema.DOC_ID, "term"], kind="stable").reset_index(drop=True)
    # the distinct ids, not one Python object per row (millions of rows at 5M words)
    return long, sorted(set(sizes.index) | set(long[schema.DOC_ID].unique().tolist()))


def _document_term_counts(
    corpus: Corpus, group: str, by: str, counts: pd.DataFrame | None, *, keep_punct: bool
) -> pd.DataFrame:
    """The adapter between a corpus and its term counts: given ``counts``, or counted per document (and per
    ``group`` when it is not a document variable) partition by partition; with the ``group`` column."""
    if counts is None:
        keys = [schema.DOC_ID] + ([group] if group not in corpus.documents.columns else [])
        # punctuation is read only when it is kept as a term: sizes count word tokens either way
        counts = corpus.map_tokens(partial(term_counts, keys=keys, by=by), words_only=not keep_punct)
    schema.require_columns(counts, [schema.DOC_ID, "term", "n"], "term counts")
    if counts.empty:
        raise SchemaError("tokens: the token table is empty; nothing to count.")
    return add_group_column(counts, group, corpus.documents)


#: The token flags a term count keeps, so that a lexical table can filter on them afterwards.
COUNT_FLAGS = (schema.IS_WORD, schema.IS_PUNCT, schema.IS_STOP)


def term_counts(
    tokens: pd.DataFrame,
    keys: str | Sequence[str] = (schema.DOC_ID,),
    *,
    by: Literal["lemma", "token"] = "lemma",
) -> pd.DataFrame:
    """Count terms per key (document...): the counting step of :func:`lexical_table`, additive.

    Counts of disjoint token tables (partitions of whole documents) add up: concatenated, they are the
    ``counts`` :func:`lexical_table` accepts (it sums rows with the same key), so a caller gathering several
    aggregates in one pass over the partitions counts terms with this function. Per document, the group is
    chosen afterwards from the documents (:func:`add_group_column`).

    Parameters
    ----------
    tokens : DataFrame
        Token table with ``by``, the ``keys`` columns and optionally ``pos``, ``is_word``, ``is_punct``,
        ``is_stop`` (defaults: word, not punctuation, not a stop word).
    keys : str or sequence of str, default=("doc_id",)
        The columns to count by.
    by : {"lemma", "token"}, default="lemma"
        Count lemmas, or surface forms lowercased.

    Returns
    -------
    DataFrame
        ``<keys>, term, pos`` (when the tokens have it), ``is_word, is_punct, is_stop, n``: one row per
        distinct combination, sorted by all columns but ``n``. Tokens neither words nor punctuation (bare
        numbers) are left out: no table counts them.
    """
    check_choice("by", by, TERM_UNITS)
    keys = [keys] if isinstance(keys, str) else list(keys)
    schema.require_columns(tokens, [by, *keys], "tokens")
    if {"term", "n"} & set(keys):
        raise SettingsError("term_counts: 'term' and 'n' are the output columns; they cannot be keys.")
    terms = tokens[by].astype(str)
    if by == schema.TOKEN:
        terms = terms.str.lower()
    flags = {name: _bool_col(tokens, name, default=name == schema.IS_WORD) for name in COUNT_FLAGS}
    columns = {key: tokens[key].to_numpy() for key in keys}
    columns["term"] = terms.to_numpy()
    if schema.POS in tokens.columns and schema.POS not in columns:
        columns[schema.POS] = tokens[schema.POS].to_numpy()
    columns.update({name: value for name, value in flags.items() if name not in columns})
    frame = pd.DataFrame(columns)
    frame = frame[flags[schema.IS_WORD] | flags[schema.IS_PUNCT]]
    by_cols = list(frame.columns)
    # dropna=False: a token without part of speech still counts in the sizes
    return frame.groupby(by_cols, sort=True, dropna=False).size().rename("n").reset_index()


def _kept_counts(
    counts: pd.DataFrame, group: str, *, keep_stop: bool, keep_punct: bool, pos: Sequence[str] | None
) -> tuple[pd.Series, pd.Series]:
    """The kept terms' counts summed per (term, group), in long form (nothing dense), and the group sizes
    (word tokens; absent flags: word, not punctuation, not a stop word)."""
    # object columns left by empty partitions get the dtype their values have, so that the table does not
    # depend on how the tokens were split
    counts = counts.infer_objects()
    is_word = _bool_col(counts, schema.IS_WORD, default=True)
    is_punct = _bool_col(counts, schema.IS_PUNCT, default=False)
    is_stop = _bool_col(counts, schema.IS_STOP, default=False)
    unit = is_word & ~is_punct
    sizes = counts.loc[unit].groupby(group, sort=True)["n"].sum().rename(None)

    keep = unit | is_punct if keep_punct else unit.copy()
    if not keep_stop:
        keep &= ~is_stop
    if pos is not None:
        schema.require_columns(counts, [schema.POS], "term counts")
        terms = counts["term"].astype(str)
        keep &= (
            counts[schema.POS].isin(list(pos)).to_numpy() | terms.str.contains(schema.MWE_JOINER).to_numpy()
        )
    return counts.loc[keep].groupby(["term", group], sort=True)["n"].sum(), sizes


def _table_of_counts(
    counts: pd.DataFrame,
    group: str,
    *,
    by: str,
    keep_stop: bool,
    keep_punct: bool,
    min_count: int,
    pos: Sequence[str] | None,
    groups: Sequence | None,
) -> LexicalTable:
    """The lexical table of a long count table with a ``group`` column (rows with the same group and term
    summed; absent flags: word, not punctuation, not a stop word)."""
    kept, sizes = _kept_counts(counts, group, keep_stop=keep_stop, keep_punct=keep_punct, pos=pos)
    table = kept.unstack(group, fill_value=0)
    all_groups = sorted(set(sizes.index) | set(table.columns))
    order = list(groups) if groups is not None else all_groups
    unknown = [g for g in order if g not in all_groups]
    if unknown:
        raise SettingsError(f"groups {unknown} are not values of {group!r} ({all_groups}).")
    table = table.reindex(columns=order, fill_value=0)
    sizes = sizes.reindex(order, fill_value=0).astype(np.int64)
    table = table[table.sum(axis=1) >= min_count].astype(np.int64)
    table.index.name, table.columns.name = "term", "group"
    sizes.index.name = "group"
    params = {
        "group": group,
        "by": by,
        "keep_stop": keep_stop,
        "keep_punct": keep_punct,
        "min_count": min_count,
    }
    params["pos"] = list(pos) if pos is not None else None
    return LexicalTable(table.sort_index(), sizes, params)


def _bool_col(frame: pd.DataFrame, name: str, *, default: bool) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default)
    return frame[name].fillna(default).astype(bool).to_numpy()


# --------------------------------------------------------------------------------------------------------------
# Keyness on a lexical table
# --------------------------------------------------------------------------------------------------------------
def keyness(
    table: LexicalTable,
    target: Any | Sequence[Any],
    reference: Any | Sequence[Any] | None = None,
    *,
    variant: Literal["4cell", "rayson"] = "4cell",
    correction: Literal["none", "williams", "quanteda"] = "none",
    fisher: bool = False,
    specificities: pd.Series | None = None,
) -> pd.DataFrame:
    """Keyness of every term of ``table``: target group(s) against reference group(s) (default: the rest).

    Parameters
    ----------
    table : LexicalTable
        From :func:`lexical_table`.
    target : group label or list of labels
        The target sub-corpus (pooled when several).
    reference : group label or list of labels, optional
        The reference sub-corpus; default all other groups.
    variant, correction : see :func:`log_likelihood`.
    fisher : bool, default=False
        Add ``p_fisher`` (slower: one exact test per term).
    specificities : Series, optional
        The target's column of :func:`specificities` (one target, reference = the rest): the same Lafon
        scores, reused instead of recomputed (the hypergeometric tails are the costly part).

    Returns
    -------
    DataFrame
        ``term`` + the columns of :func:`keyness_stats`; terms absent from both sides dropped; sorted by
        signed G² (most over-used first), then term.

    Examples
    --------
    >>> kw = keyness(lexical_table(tokens, "period"), "2025-2029")  # doctest: +SKIP
    >>> kw.query("g2 >= 10.83").head(10)  # doctest: +SKIP
    """
    targets = _as_list(target)
    references = [g for g in table.groups if g not in targets] if reference is None else _as_list(reference)
    for g in targets + references:
        if g not in table.groups:
            raise SettingsError(f"group {g!r} is not in the lexical table (groups: {table.groups}).")
    if set(targets) & set(references):
        raise SettingsError(f"target and reference share groups: {sorted(set(targets) & set(references))}.")
    if not references:
        raise SettingsError("keyness needs a reference: at least two groups.")
    a = table.counts[targets].sum(axis=1).to_numpy()
    b = table.counts[references].sum(axis=1).to_numpy()
    c = int(table.sizes[targets].sum())
    d = int(table.sizes[references].sum())
    if c == 0 or d == 0:
        raise SettingsError("keyness: the target or the reference has no tokens.")
    keep = (a + b) > 0
    if specificities is not None:
        if len(targets) != 1 or reference is not None:
            raise SettingsError("keyness: specificities can be reused only for one target against the rest.")
        specificities = specificities.reindex(table.counts.index).to_numpy(dtype=float)[keep]
    out = keyness_stats(
        a[keep],
        b[keep],
        c,
        d,
        variant=variant,
        correction=correction,
        fisher=fisher,
        specificities=specificities,
    )
    out.insert(0, "term", table.counts.index[keep].to_numpy())
    return out.sort_values(["g2", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)


def keyness_each(table: LexicalTable, *, spec: pd.DataFrame | None = None, **kwargs) -> pd.DataFrame:
    """Each group against the rest of the table (:func:`keyness` per group), stacked with a ``group`` column.

    Parameters
    ----------
    table : LexicalTable
    spec : DataFrame, optional
        :func:`specificities` of ``table`` when already computed: a group against the rest has the same Lafon
        scores as the group in the whole, so they are computed once (here, when not given) for all groups.
    **kwargs
        Passed to :func:`keyness`.

    Returns
    -------
    DataFrame
        ``group, term, count_target, count_reference, g2, chi2, log_ratio, pct_diff, p_value, specificity``
        and the other columns of :func:`keyness_stats`; sorted by group (table order) then signed G².
    """
    spec = specificities(table) if spec is None else spec
    parts = []
    for g in table.groups:
        kw = keyness(table, g, specificities=spec[g], **kwargs)
        kw.insert(0, "group", g)
        parts.append(kw)
    return pd.concat(parts, ignore_index=True)


def specificities(table: LexicalTable) -> pd.DataFrame:
    """Lafon specificities of every term in every group (part vs whole), terms × groups.

    Same layout and values as R ``textometry::specificities`` (TXM) on the table, with T, t = the group sizes
    (all word tokens), F = the term's total, f = its count in the part; see :func:`specificity`.
    """
    counts = table.counts
    f = counts.to_numpy(dtype=float)
    F = f.sum(axis=1, keepdims=True)
    t = table.sizes[counts.columns].to_numpy(dtype=float)[None, :]
    spec = specificity(f, F, t, float(table.sizes.sum()))
    return pd.DataFrame(spec, index=counts.index, columns=counts.columns)


def top_terms(kw: pd.DataFrame, n: int = 10, *, by: str = "specificity", over: bool = True) -> pd.DataFrame:
    """The ``n`` most over-used (``over``) or under-used terms of a keyness table (per group if it has one)."""
    if by not in kw.columns:
        raise SchemaError(f"keyness table: no column {by!r}.")
    order = kw.sort_values([by, "term"], ascending=[not over, True], kind="stable")
    if "group" in kw.columns:
        return order.groupby("group", sort=False).head(n).reset_index(drop=True)
    return order.head(n).reset_index(drop=True)


def _as_list(value) -> list:
    if isinstance(value, str | int | np.integer) or not isinstance(value, Sequence):
        return [value]
    return list(value)
