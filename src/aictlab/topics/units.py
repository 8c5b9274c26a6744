"""Topic documents: the units of a topic model (segments or paragraphs) built from a corpus, and their samples.

The unit of a topic model is a text *segment* (~40 tokens, the bootstrap unit of ``docs/methods.md`` §2) or a
*paragraph*, never the whole file: a corpus of a few files has far too few documents for a topic model. Units
carry the ``period`` of their document (:func:`aictlab.corpus.as_corpus`), so every later grouping by period
reads one assignment.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.errors import SchemaError, SettingsError, check_choice
from aictlab.nlp import french_stop_words

__all__ = [
    "GROUP_BY",
    "MIN_DF_RATE",
    "TOPIC_DOCUMENT_COLUMNS",
    "TOPIC_MAX_UNITS",
    "TOPIC_MIN_UNITS",
    "UNITS_PER_TOPIC",
    "TOPIC_STOP_WORDS",
    "UNITS",
    "allocate_sample",
    "check_topic_documents",
    "sample_topic_units",
    "sampling_rule",
    "scaled_min_df",
    "topic_documents",
    "topic_k_grid",
    "unit_groups",
]

UNITS = ("segment", "paragraph")
_UNIT_COLUMN = {"segment": schema.SEG_ID, "paragraph": schema.PARA_ID}
_WORD = re.compile(r"[^\W\d_]+(?:[-'_][^\W\d_]+)*")
#: Light verbs and forms of address dropped from topic documents besides spaCy's French stop words.
TOPIC_STOP_WORDS = ("faire", "mettre", "aller", "falloir", "vouloir", "monsieur", "madame", "mme")
#: Columns of the table returned by :func:`topic_documents`.
TOPIC_DOCUMENT_COLUMNS = ("doc_id", "unit_id", "year", "period", "n_tokens", "n_terms", "terms")
#: Groupings of units for prevalence and sampling (each a column of the topic documents).
GROUP_BY = ("period", "year", "doc_id")
#: Default cap on the units of the model-selection grid (Settings.topic_max_units). The grid is 378 fits
#: (K = 2..10, LDA and NMF, a reference and 20 subsample fits each, ``docs/methods.md`` §10) whose cost grows
#: linearly with the units: ~45 s of CPU per 1,000 units for the whole grid (``docs/benchmarks.md``, issue 15),
#: so ~25 s on two cores at the cap. 1,000 segments (~40,000 word tokens, 2.3 times the seed corpus) keep
#: 800 units in each 80 % subsample, 80 per topic at K = 10 (the floor is 30, :data:`UNITS_PER_TOPIC`): enough
#: to compare K; the chosen K is then refitted on every unit, so topics and prevalence use the whole corpus.
TOPIC_MAX_UNITS = 1_000
#: Fewest units a topic model is fitted on (below, the report's topic part says why it did not run).
TOPIC_MIN_UNITS = 100
#: Fewest units per topic on average: K ≤ ⌊units / UNITS_PER_TOPIC⌋ (:func:`topic_k_grid`).
UNITS_PER_TOPIC = 30
#: Share of units a term must appear in (beyond the floor of 2) under ``min_df="auto"``.
MIN_DF_RATE = 0.0005


def scaled_min_df(n_units: int, *, floor: int = 2, rate: float = MIN_DF_RATE) -> int:
    """The vocabulary's minimum document frequency for ``n_units`` topic units: max(floor, ⌈rate·n⌉).

    Rule: a term enters the vocabulary when it appears in at least 2 units and in at least 0.05 % of them
    (2 up to 4,000 units, 10 at 20,000). A term seen in a handful of units of a large corpus cannot shape a
    topic but inflates the vocabulary (and the cost of every fit) roughly in proportion to the corpus.

    Examples
    --------
    >>> scaled_min_df(434), scaled_min_df(4000), scaled_min_df(20_000)
    (2, 2, 10)
    """
    return max(int(floor), math.ceil(rate * int(n_units) - 1e-9))


def topic_k_grid(
    n_units: int,
    k: Iterable[int],
    *,
    min_units: int = TOPIC_MIN_UNITS,
    units_per_topic: int = UNITS_PER_TOPIC,
    unit: str = "segment",
) -> list[int]:
    """The numbers of topics tried on ``n_units`` units: those of ``k`` with K ≤ ⌊n_units / units_per_topic⌋.

    Rule: a topic model needs at least ``min_units`` units (100), and at least ``units_per_topic`` units per
    topic on average (30): with fewer, topics are carried by single units and stability cannot be measured
    on subsamples. The configured grid (``Settings.topic_k``) is the upper bound; it is never widened.

    Returns
    -------
    list of int
        Sorted.

    Raises
    ------
    SettingsError
        Too few units (``"too few segments for topic models: 12 < 100"``), or no K of ``k`` fits (the
        message names the largest K allowed).

    Examples
    --------
    >>> topic_k_grid(434, range(2, 11))
    [2, 3, 4, 5, 6, 7, 8, 9, 10]
    >>> topic_k_grid(150, range(2, 11))
    [2, 3, 4, 5]
    """
    if n_units < min_units:
        raise SettingsError(f"too few {unit}s for topic models: {n_units} < {min_units}")
    k_max = n_units // units_per_topic
    grid = sorted({int(x) for x in k if 2 <= int(x) <= k_max})
    if not grid:
        raise SettingsError(
            f"no K of topic_k {sorted(k)} fits {n_units} {unit}s: K <= {n_units} / {units_per_topic} = {k_max} "
            "(at least 30 units per topic); give smaller K values."
        )
    return grid


def topic_documents(
    data: pd.DataFrame | Any,
    *,
    unit: Literal["segment", "paragraph"] = "segment",
    min_df: int | str = 2,
    max_df: float = 0.5,
    min_length: int = 2,
    pos: Sequence[str] | None = None,
    stop_words: Iterable[str] = TOPIC_STOP_WORDS,
    keep_duplicates: bool = False,
    keep_structure: bool = False,
    periods: int | Sequence[int] | None = None,
) -> pd.DataFrame:
    """Build the documents of a topic model: one row per segment or paragraph, a tuple of lemmas each.

    Tokens are first filtered as every measure filters them (:func:`aictlab.corpus.select_tokens`: word
    tokens only, duplicated and structure lines out by default). A lemma is then kept when it is not a stop
    word (token ``is_stop``, lemma in spaCy's French ``STOP_WORDS`` (the lemma "être" of "étaient") or in
    ``stop_words``), is made of letters only, with inner hyphens, apostrophes or MWE joiners (numbers such
    as "2025" or "g20" and abbreviations such as "m." or "etc." go), has at least ``min_length`` characters,
    and (when ``pos`` is given and the lemmatiser tagged parts of speech) has one of the ``pos`` tags. Multi-word expressions are already one lemma (``coopération_décentralisée``).
    The vocabulary is then pruned by document frequency df(w) = number of units containing w:
    kept when ``min_df <= df(w) <= max_df * n_units``. Units left without any term are dropped.

    Partition-wise: the filtering above is local to a unit (a unit lies within one document), so it runs
    on each partition of whole documents (:meth:`aictlab.corpus.Corpus.map_tokens`), which returns the
    partition's units with their kept lemmas and its df counts; only the pruning is global (df(w) = the
    sum of the partitions' counts, n_units = the sum of their units). A token table is one partition.
    Given a :class:`~aictlab.corpus.Corpus` whose tokens stay on disk (the Dask engine), the token table is
    therefore never in memory at once: one partition plus the units' lemma tuples (the result, before
    pruning). The output does not depend on how the documents are partitioned.

    One entry point: ``data`` goes through :func:`aictlab.corpus.as_corpus` (a token table becomes a one-
    partition corpus) and tokens are read only through ``Corpus.map_tokens``.

    Parameters
    ----------
    data : Corpus or DataFrame
        A ``Corpus`` (read partition by partition through ``Corpus.map_tokens``, in memory or on disk), or a
        token table (columns of :data:`aictlab.schema.TOKEN_COLUMNS`).
    unit : {"segment", "paragraph"}, default="segment"
        The document of the topic model.
    min_df : int or "auto", default=2
        Minimum number of units a lemma must occur in (hapax-like terms carry no co-occurrence); ``"auto"``:
        :func:`scaled_min_df` of the number of units (the value used is in ``attrs["min_df"]``).
    max_df : float, default=0.5
        Maximum share of units a lemma may occur in (corpus-wide words do not separate topics).
    min_length : int, default=2
        Minimum number of characters of a lemma.
    pos : sequence of str, optional
        Universal POS tags to keep (e.g. ``("NOUN", "PROPN", "ADJ", "VERB")``); ignored for tokens without
        a tag (simplemma). None keeps every part of speech.
    stop_words : iterable of str, default=TOPIC_STOP_WORDS
        Extra lemmas to drop besides the stop words (default: light verbs "faire", "mettre", "aller",
        "falloir", "vouloir" and forms of address).
    keep_duplicates, keep_structure : bool, default=False
        Passed to :func:`aictlab.corpus.select_tokens`.
    periods : int or sequence of int, optional
        Period spec of the documents (:func:`aictlab.corpus.as_corpus`); None keeps the periods the corpus
        documents carry (5-year bins when they carry none).

    Returns
    -------
    DataFrame
        ``doc_id, unit_id, year, period, n_tokens, n_terms, terms``, one row per unit in corpus order:
        ``period`` = the period of the unit's document, ``n_tokens`` =
        word tokens of the unit (the prevalence weight), ``n_terms`` = kept lemmas, ``terms`` = tuple of the
        kept lemmas in text order. ``attrs`` records the settings, the vocabulary size and the number of
        units dropped as empty.

    Examples
    --------
    >>> docs = topic_documents(corpus.tokens, unit="segment", min_df=2)  # doctest: +SKIP
    >>> docs = topic_documents(corpus, unit="segment", periods=[2010, 2015, 2020])  # doctest: +SKIP
    >>> docs.loc[0, "terms"][:3]  # doctest: +SKIP
    ('diplomatie', 'autorité', 'local')
    """
    from aictlab.corpus import as_corpus

    check_choice("unit", unit, UNITS)
    if min_df != "auto" and (not isinstance(min_df, int | np.integer) or min_df < 1):
        raise SettingsError(f"min_df={min_df}: a term must occur in at least one unit.")
    if not 0 < max_df <= 1:
        raise SettingsError(f"max_df={max_df}: give a share of units in (0, 1].")
    stop = french_stop_words() | {unicodedata.normalize("NFC", s.lower()) for s in stop_words}
    local = partial(
        _partition_units,
        unit_col=_UNIT_COLUMN[unit],
        stop=stop,
        min_length=min_length,
        pos=None if pos is None else list(pos),
        keep_duplicates=keep_duplicates,
        keep_structure=keep_structure,
    )
    corpus = as_corpus(data, periods=periods)
    # select=False: each partition is filtered by _partition_units itself, with this call's options
    units, df_parts = corpus.map_tokens(local, select=False)
    period = corpus.documents.drop_duplicates(schema.DOC_ID).set_index(schema.DOC_ID)[schema.PERIOD]
    units["period"] = units["doc_id"].map(period).to_numpy(dtype=object)
    n_units = len(units)
    if min_df == "auto":
        min_df = scaled_min_df(n_units)
    df_counts = df_parts.groupby("lemma", sort=False)["df"].sum()
    vocab = df_counts[(df_counts >= min_df) & (df_counts <= max_df * n_units)].index
    kept = set(vocab)
    units["terms"] = [tuple(w for w in terms if w in kept) for terms in units["terms"]]
    units["n_terms"] = units["terms"].map(len).astype("int64")
    out = units[units["n_terms"] > 0].reset_index(drop=True)[list(TOPIC_DOCUMENT_COLUMNS)]
    out.attrs = {
        "unit": unit,
        "min_df": min_df,
        "max_df": max_df,
        "min_length": min_length,
        "pos": list(pos) if pos is not None else None,
        "n_units": n_units,
        "n_dropped_empty": n_units - len(out),
        "vocabulary_size": len(vocab),
    }
    if out.empty:
        raise SchemaError(
            f"topic_documents: no {unit} keeps a term after filtering (min_df={min_df}, max_df={max_df}); "
            "lower min_df or add documents."
        )
    return out


def _partition_units(
    tokens: pd.DataFrame,
    *,
    unit_col: str,
    stop: frozenset[str],
    min_length: int,
    pos: list[str] | None,
    keep_duplicates: bool,
    keep_structure: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The document-local half of :func:`topic_documents` on one partition of whole documents.

    Returns the partition's units in corpus order (``doc_id, unit_id, year, n_tokens, terms``: every
    kept lemma, before the df pruning; units with words but no kept lemma have ``()``) and the df counts of
    its lemmas (``lemma, df`` = number of the partition's units holding the lemma).
    """
    from aictlab.corpus import select_tokens

    schema.require_columns(
        tokens,
        (schema.DOC_ID, unit_col, schema.TOK_POS, schema.LEMMA, schema.POS, schema.IS_STOP, schema.YEAR),
        "tokens",
    )
    words = select_tokens(tokens, keep_duplicates=keep_duplicates, keep_structure=keep_structure)
    words = words.sort_values([schema.DOC_ID, schema.TOK_POS], kind="stable")
    # unit order: corpus order of documents (first appearance in tokens), then position in the document
    doc_order = {d: i for i, d in enumerate(pd.unique(tokens[schema.DOC_ID]))}
    size = words.groupby([schema.DOC_ID, unit_col], sort=False).agg(
        year=(schema.YEAR, "first"), n_tokens=(schema.LEMMA, "size"), first=(schema.TOK_POS, "min")
    )
    size.index = size.index.set_names(["doc_id", "unit_id"])
    size["year"] = size["year"].astype(tokens[schema.YEAR].dtype)
    size["n_tokens"] = size["n_tokens"].astype("int64")
    # normalise each distinct lemma once; interned, so every occurrence shares one string object
    codes, distinct = pd.factorize(words[schema.LEMMA].astype(str))
    norm = np.array([sys.intern(unicodedata.normalize("NFC", s.lower())) for s in distinct], dtype=object)
    lemma = pd.Series(norm[codes], index=words.index, dtype=object)
    # the tests on the lemma's form, once per distinct lemma rather than once per token
    forms = pd.Series(norm, dtype=object)
    kept_form = ((forms.str.len() >= min_length) & forms.str.fullmatch(_WORD) & ~forms.isin(stop)).to_numpy()
    keep = ~words[schema.IS_STOP].astype(bool) & kept_form[codes]
    if pos is not None:
        tag = words[schema.POS].fillna("").astype(str)
        keep &= (tag == "") | tag.isin(pos)
    kept = pd.DataFrame({"doc_id": words[schema.DOC_ID], "unit_id": words[unit_col], "lemma": lemma})[keep]
    df_counts = kept.drop_duplicates(["doc_id", "unit_id", "lemma"])["lemma"].value_counts(sort=False)
    df_counts = pd.DataFrame({"lemma": df_counts.index.to_numpy(dtype=object), "df": df_counts.to_numpy()})
    terms = kept.groupby(["doc_id", "unit_id"], sort=False)["lemma"].agg(tuple)
    out = size.join(terms.rename("terms"), how="left").reset_index()
    out["terms"] = [t if isinstance(t, tuple) else () for t in out["terms"]]
    out["_doc"] = out["doc_id"].map(doc_order)
    out = out.sort_values(["_doc", "first"], kind="stable").reset_index(drop=True)
    return out[["doc_id", "unit_id", "year", "n_tokens", "terms"]], df_counts


def check_topic_documents(docs: pd.DataFrame, where: str = "docs") -> None:
    """Raise :class:`SchemaError` unless ``docs`` is a non-empty table of topic documents."""
    schema.require_columns(docs, ("doc_id", "unit_id", "year", "n_tokens", "terms"), where)
    if docs.empty:
        raise SchemaError(f"{where}: no topic documents.")


def unit_groups(units: pd.DataFrame, by: str) -> pd.Series:
    """The group of each unit: its ``period`` (from its document), ``year`` or ``doc_id`` column.

    Periods are assigned once, to documents (:func:`aictlab.corpus.as_corpus` with ``periods``, or
    :meth:`aictlab.corpus.Corpus.with_periods`), and travel with the units of :func:`topic_documents`.
    """
    check_choice("by", by, GROUP_BY)
    if by not in units.columns:
        raise SchemaError(
            f"topic units: no {by!r} column to group by. Periods come from the documents: build the units "
            "with topic_documents(corpus, periods=...) (or from Corpus.with_periods(...))."
        )
    return units[by]


def sampling_rule(max_units: int, n_units: int, seed: int) -> str:
    """The stated rule of a capped selection grid, as recorded in results and report."""
    return (
        f"model selection on a seeded random sample of {max_units} of {n_units} units (topic_max_units), "
        "stratified by period: each period gets a share proportional to its units (largest remainders, at least "
        f"one unit each), drawn without replacement (numpy default_rng({seed})); the chosen K is then fitted "
        "on all units"
    )


def allocate_sample(counts: Sequence[int], size: int) -> np.ndarray:
    """Units drawn from each stratum: proportional allocation by largest remainders, at least one each.

    a_g = floor(size n_g / N), then the ``size − Σ a_g`` units left go one each to the strata with the
    largest remainders (size n_g mod N; ties: first stratum); a stratum left at 0 then takes one unit from
    the stratum with the largest allocation (ties: first). So Σ a_g = size and 1 <= a_g <= n_g.

    Examples
    --------
    >>> allocate_sample([600, 300, 100], 10).tolist()
    [6, 3, 1]
    >>> allocate_sample([990, 5, 5], 10).tolist()
    [8, 1, 1]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if size < len(counts) or size > total:
        raise SettingsError(
            f"a sample of {size} units cannot hold one unit of each of {len(counts)} strata "
            f"and at most their {total} units."
        )
    alloc = size * counts // total
    remainder = size * counts % total
    extra = size - int(alloc.sum())
    order = np.lexsort((np.arange(len(counts)), -remainder))
    alloc[order[:extra]] += 1
    for g in np.flatnonzero(alloc == 0):
        donor = int(np.argmax(alloc))
        alloc[donor] -= 1
        alloc[g] = 1
    return alloc


def sample_topic_units(
    docs: pd.DataFrame,
    size: int,
    *,
    by: Literal["period", "doc_id"] = "period",
    seed: int = 42,
) -> np.ndarray:
    """Row positions of a seeded random sample of ``size`` units, stratified so every stratum is represented.

    Strata: the units' periods (their ``period`` column, from their documents) or documents. Each stratum gets :func:`allocate_sample` units (proportional, at least one); in stratum
    order (sorted labels) its units are drawn without replacement by one ``numpy.random.default_rng(seed)``.
    The same docs, size and seed give the same sample. Every unit when ``size >= len(docs)``.

    Returns
    -------
    ndarray of int
        Sorted positions (corpus order) of the ``min(size, len(docs))`` units.
    """
    n = len(docs)
    if size >= n:
        return np.arange(n)
    check_choice("by", by, ("period", "doc_id"))
    group = unit_groups(docs.reset_index(drop=True), by).to_numpy()
    labels, g_idx, counts = np.unique(group, return_inverse=True, return_counts=True)
    alloc = allocate_sample(counts, int(size))
    rng = np.random.default_rng(seed)
    rows = [rng.choice(np.flatnonzero(g_idx == g), size=int(a), replace=False) for g, a in enumerate(alloc)]
    return np.sort(np.concatenate(rows))
