"""Labels of topics: a short label from the most relevant terms and the frame each topic leans to.

Frames are those of the lexicon (any number). References: Sievert & Shirley 2014, "LDAvis: a method for
visualizing and interpreting topics", ACL workshop (relevance); ``docs/methods.md`` §10 (frame rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from aictlab import schema
from aictlab.errors import SchemaError

__all__ = [
    "OTHER",
    "frame_sets",
    "label_topics",
    "normalise_term",
    "term_shares",
    "topic_frames",
    "topic_labels",
]

#: The group of topics leaning to no frame.
OTHER = "other"


def normalise_term(term: str) -> str:
    """Canonical key of a term: lexicon parts (:func:`aictlab.lexicon.split_form`) joined by ``_``."""
    from aictlab.lexicon import split_form

    return schema.MWE_JOINER.join(split_form(str(term)))


def frame_sets(lexicon: Any = None, *, tier: str = "extended") -> dict[str, set[str]]:
    """``{frame: set of term keys}`` from a frame lexicon.

    Accepted: a :class:`aictlab.lexicon.Lexicon`; a path to a lexicon YAML or None (the packaged
    ``frames.yaml``, read by :func:`aictlab.lexicon.load_lexicon`); a mapping frame -> iterable of lemmas;
    a DataFrame with ``frame`` and ``form`` (or ``lemma``/``term``) columns. Every lemma sequence becomes
    its canonical parts (:func:`aictlab.lexicon.split_form`: lowercase NFC, function words canonicalised)
    joined by ``_``, the form of a multi-word lemma in the tokens (``coopération_décentralisée``).
    A term in two frames raises :class:`LexiconError` (frames are disjoint, ``docs/methods.md`` §1).
    """
    from aictlab.errors import LexiconError
    from aictlab.lexicon import Lexicon, load_lexicon

    if lexicon is None or isinstance(lexicon, str | bytes) or hasattr(lexicon, "__fspath__"):
        lexicon = load_lexicon(lexicon)
    if isinstance(lexicon, Lexicon):
        lexicon = lexicon.subset(tier=tier).forms
    if isinstance(lexicon, Mapping):
        pairs = [(str(f), t) for f, terms in lexicon.items() for t in terms]
    elif isinstance(lexicon, pd.DataFrame):
        term_col = next((c for c in ("form", "lemma", "term") if c in lexicon.columns), None)
        if term_col is None or "frame" not in lexicon.columns:
            raise SchemaError("frame lexicon table: expected columns frame and form (or lemma/term).")
        pairs = list(zip(lexicon["frame"].astype(str), lexicon[term_col], strict=True))
    else:
        raise SchemaError(f"frame lexicon: cannot read a {type(lexicon).__name__}.")
    sets: dict[str, set[str]] = {}
    seen: dict[str, str] = {}
    for f, t in pairs:
        key = normalise_term(t)
        if seen.get(key, f) != f:
            raise LexiconError(f"frame lexicon: term {key!r} is in both {seen[key]!r} and {f!r}.")
        seen[key] = f
        sets.setdefault(f, set()).add(key)
    return sets


def topic_frames(
    topics: pd.DataFrame,
    frames: Mapping[str, Iterable[str]] | Any,
    *,
    topn: int = 20,
    min_share: float = 0.05,
    ratio: float = 2.0,
) -> pd.DataFrame:
    """Frame association of each topic: share of its top-term weight in each frame lexicon.

    share_f(k) = Σ_{w ∈ top_n(k) ∩ L_f} weight_k(w) / Σ_{w ∈ top_n(k)} weight_k(w).
    Rule: topic k leans to frame f when share_f(k) >= ``min_share`` and share_f(k) >= ``ratio`` ×
    share_g(k) for every other frame g of the lexicon (any number of frames); otherwise it is ``"other"``.

    Parameters
    ----------
    topics : DataFrame
        ``topic, rank, term, weight`` (a ``model`` column is kept as a key).
    frames : mapping or lexicon
        See :func:`frame_sets`.
    topn : int, default=20
    min_share : float, default=0.05
    ratio : float, default=2.0

    Returns
    -------
    DataFrame
        ``[model,] topic, share_<frame>... , frame_terms, frame`` one row per topic.
    """
    schema.require_columns(topics, ("topic", "rank", "term", "weight"), "topics")
    sets = frame_sets(frames)
    keys = [c for c in ("model", "topic") if c in topics.columns]
    top = topics[topics["rank"] <= topn].copy()
    top["_term"] = top["term"].map(normalise_term)
    total = top.groupby(keys)["weight"].sum()
    out = total.rename("_total").reset_index()
    names = list(sets)
    for f in names:
        hit = top[top["_term"].isin(sets[f])]
        share = (hit.groupby(keys)["weight"].sum() / total).rename(f"share_{f}")
        out = out.merge(share.reset_index(), on=keys, how="left")
        out[f"share_{f}"] = out[f"share_{f}"].fillna(0.0)
    hits = top[top["_term"].isin(set().union(*sets.values()) if sets else set())]
    listed = hits.groupby(keys)["term"].agg(lambda s: ", ".join(s)).rename("frame_terms")
    out = out.merge(listed.reset_index(), on=keys, how="left")
    out["frame_terms"] = out["frame_terms"].fillna("")
    shares = out[[f"share_{f}" for f in names]].to_numpy() if names else np.zeros((len(out), 0))
    lean = []
    for row in shares:
        choice = OTHER
        for i, f in enumerate(names):
            others = np.delete(row, i)
            if row[i] >= min_share and (others.size == 0 or row[i] >= ratio * others.max()) and row[i] > 0:
                choice = f
        lean.append(choice)
    out["frame"] = lean
    return out.drop(columns="_total")


def topic_labels(
    topics: pd.DataFrame, *, n_terms: int = 3, relevance: float = 0.6, term_share: pd.Series | None = None
) -> pd.DataFrame:
    """A short label per topic from its top terms: the ``n_terms`` most relevant terms joined by " · ".

    Relevance (Sievert & Shirley 2014) r(w, k) = λ ln φ_k(w) + (1 − λ) ln(φ_k(w) / p(w)), λ = ``relevance``;
    p(w) = the term's corpus share ``term_share`` (if None, the mean of φ over topics). λ = 1 ranks by
    weight; λ = 0.6 (LDAvis' recommendation) lowers words frequent in every topic. MWE underscores read as
    spaces.

    Returns
    -------
    DataFrame
        ``[model,] topic, label``.
    """
    schema.require_columns(topics, ("topic", "rank", "term", "weight"), "topics")
    keys = [c for c in ("model", "topic") if c in topics.columns]
    group_keys = [c for c in ("model",) if c in topics.columns]
    df = topics.copy()
    if term_share is None:
        n_topics = (
            df.groupby(group_keys)["topic"].transform("nunique") if group_keys else df["topic"].nunique()
        )
        mean_phi = df.groupby([*group_keys, "term"])["weight"].transform("sum") / n_topics
        p = mean_phi
    else:
        p = df["term"].map(term_share).fillna(df["weight"])
    phi = df["weight"].clip(lower=1e-12)
    df["_r"] = relevance * np.log(phi) + (1 - relevance) * np.log(phi / np.clip(p, 1e-12, None))
    df = df.sort_values([*keys, "_r", "rank"], ascending=[True] * len(keys) + [False, True], kind="stable")
    labels = (
        df.groupby(keys, sort=True)["term"]
        .agg(lambda s: " · ".join(t.replace(schema.MWE_JOINER, " ") for t in s.iloc[:n_terms]))
        .rename("label")
        .reset_index()
    )
    return labels


def term_shares(docs: pd.DataFrame) -> pd.Series:
    """Corpus share p(w) of each term over the topic documents (for :func:`topic_labels`)."""
    counts = pd.Series([w for t in docs["terms"] for w in t]).value_counts()
    return counts / counts.sum()


def label_topics(
    topics: pd.DataFrame,
    frames: Mapping[str, Iterable[str]] | Any | None = None,
    *,
    docs: pd.DataFrame | None = None,
    term_share: pd.Series | None = None,
    n_terms: int = 3,
    relevance: float = 0.6,
    frame_topn: int = 20,
    min_share: float = 0.05,
    ratio: float = 2.0,
) -> pd.DataFrame:
    """The topics table with ``label`` and ``frame`` (and ``share_<frame>``) columns added.

    ``label`` from :func:`topic_labels`; ``frame`` from :func:`topic_frames` (``"other"`` for every topic
    when ``frames`` is None). The terms' corpus shares p(w): ``term_share``, else :func:`term_shares` of
    ``docs`` (give ``term_share`` to label several models of the same units). Returns ``[model,] topic, rank,
    term, weight, label, frame, ...``.
    """
    keys = [c for c in ("model", "topic") if c in topics.columns]
    share = term_shares(docs) if term_share is None and docs is not None else term_share
    out = topics.merge(
        topic_labels(topics, n_terms=n_terms, relevance=relevance, term_share=share), on=keys, how="left"
    )
    if frames is None:
        out["frame"] = OTHER
        return out
    fr = topic_frames(topics, frames, topn=frame_topn, min_share=min_share, ratio=ratio)
    out = out.merge(fr, on=keys, how="left")
    first = [*keys, "rank", "term", "weight", "label", "frame"]
    return out[first + [c for c in out.columns if c not in first]]
