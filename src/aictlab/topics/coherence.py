"""Coherence of topics on reference texts (gensim ``CoherenceModel``; ``docs/methods.md`` §10).

Reference: Röder, Both & Hinneburg 2015, "Exploring the space of topic coherence measures", WSDM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from aictlab.errors import check_choice

__all__ = ["COHERENCE_MEASURES", "coherence_many", "topic_coherence"]

COHERENCE_MEASURES = ("c_v", "c_npmi", "u_mass", "c_uci")


def topic_coherence(
    topics: Sequence[Sequence[str]],
    texts: Sequence[Sequence[str]],
    *,
    measure: Literal["c_v", "c_npmi", "u_mass", "c_uci"] = "c_v",
    topn: int = 10,
    dictionary=None,
) -> tuple[float, list[float]]:
    """Coherence of topics on reference texts with gensim's ``CoherenceModel`` (Röder et al. 2015).

    c_v: boolean sliding window of 110 terms, NPMI-based context vectors compared by cosine (indirect
    confirmation), mean over topics. c_npmi: window of 10, mean NPMI(w_i, w_j) = ln(p(w_i,w_j)/(p(w_i)p(w_j))) /
    -ln p(w_i,w_j) over pairs of the top ``topn`` terms. Both lie in [-1, 1] (c_v in [0, 1]); higher = the
    top terms co-occur more. Computed on the same units the models were fitted on.

    Parameters
    ----------
    topics : list of list of str
        Ranked terms of each topic (at least ``topn`` each).
    texts : list of list of str
        Reference texts (the topic documents' terms).
    measure : {"c_v", "c_npmi", "u_mass", "c_uci"}, default="c_v"
    topn : int, default=10
    dictionary : gensim Dictionary, optional
        Built from ``texts`` when None.

    Returns
    -------
    (float, list of float)
        Mean coherence and the coherence of each topic.
    """
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    check_choice("measure", measure, COHERENCE_MEASURES)
    texts = [list(t) for t in texts]
    if dictionary is None:
        dictionary = Dictionary(texts)
    cm = CoherenceModel(
        topics=[list(t)[:topn] for t in topics],
        texts=texts,
        dictionary=dictionary,
        coherence=measure,
        topn=topn,
        processes=1,
    )
    per_topic = [float(x) for x in cm.get_coherence_per_topic()]
    return float(np.mean(per_topic)), per_topic


def coherence_many(
    topic_sets: Sequence[Sequence[Sequence[str]]],
    texts: Sequence[Sequence[str]],
    *,
    measures: Sequence[str] = ("c_v", "c_npmi"),
    topn: int = 10,
    dictionary=None,
) -> list[dict[str, float]]:
    """Mean coherence of many topic sets on the same texts, counting co-occurrences once per measure.

    gensim's ``CoherenceModel.for_topics`` idea: one model over the union of all top terms estimates the
    window counts once (gensim's own boolean sliding window, so the probabilities are gensim's). c_v and
    c_npmi are then scored for every topic set with array operations on the union's co-occurrence matrix
    (:func:`_window_npmi`), the formulas of gensim's ``log_ratio_measure`` (normalised, ε = 1e-12) and
    ``cosine_similarity`` (context vectors of NPMI, γ = 1), instead of gensim's per-pair Python loop; u_mass
    and c_uci are scored by gensim. The values equal :func:`topic_coherence` called on each set (to rounding;
    the windows do not depend on which terms are relevant).

    Returns
    -------
    list of dict
        ``{measure: mean coherence}`` for each topic set, in order.
    """
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    texts = [list(t) for t in texts]
    if dictionary is None:
        dictionary = Dictionary(texts)
    sets = [[list(t)[:topn] for t in topics] for topics in topic_sets]
    union = sorted({w for topics in sets for t in topics for w in t})
    out = [{} for _ in sets]
    for measure in measures:
        check_choice("measure", measure, COHERENCE_MEASURES)
        cm = CoherenceModel(
            topics=[union],
            texts=texts,
            dictionary=dictionary,
            coherence=measure,
            topn=len(union),
            processes=1,
        )
        cm.estimate_probabilities()
        if measure in ("c_v", "c_npmi"):
            npmi, position = _window_npmi(cm, union)
            for i, topics in enumerate(sets):
                per_topic = [_score_topic(npmi, [position[w] for w in t], measure) for t in topics]
                out[i][measure] = float(np.mean(per_topic))
            continue
        cm.topn = topn
        for i, topics in enumerate(sets):
            cm.topics = topics
            out[i][measure] = float(np.mean(cm.get_coherence_per_topic()))
    return out


def _window_npmi(cm, union: Sequence[str]) -> tuple[np.ndarray, dict[str, int]]:
    """NPMI of every pair of the union's terms from a gensim model's window counts (after
    ``estimate_probabilities``): NPMI = ln((n_ij/N + ε) / (n_i/N · n_j/N)) / −ln(n_ij/N + ε), ε = 1e-12, as
    gensim's ``log_ratio_measure(normalize=True)``; the diagonal uses n_ii = n_i, as gensim's accumulator."""
    acc = cm._accumulator  # gensim's WordOccurrenceAccumulator: the probabilities gensim itself would use
    ids = [cm.dictionary.token2id[w] for w in union]
    idx = np.array([acc.id2contiguous[i] for i in ids])
    co = np.asarray(acc._co_occurrences[idx][:, idx].todense(), dtype=np.float64)
    n = float(acc.num_docs)
    occ = np.diag(co).copy()
    eps = 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log((co / n + eps) / ((occ[:, None] / n) * (occ[None, :] / n))) / -np.log(co / n + eps)
    return npmi, {w: j for j, w in enumerate(union)}


def _score_topic(npmi: np.ndarray, rows: list[int], measure: str) -> float:
    """c_npmi: mean NPMI over ordered pairs of distinct top terms (segmentation s_one_one). c_v: mean
    cosine between each term's NPMI context vector over the topic's terms and their sum (s_one_set)."""
    sub = npmi[np.ix_(rows, rows)]
    if measure == "c_npmi":
        off = ~np.eye(len(rows), dtype=bool)
        return float(sub[off].mean())
    total = sub.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = (sub @ total) / (np.sqrt((sub**2).sum(1)) * np.sqrt((total**2).sum()))
    return float(cos.mean())
