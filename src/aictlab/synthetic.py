"""Synthetic multi-document corpora with planted frame rates: for tests, benchmarks and calibration.

The model (docs/methods.md §14): D documents with years drawn uniformly over the study span, C clusters
(organisers) with effects u_c ~ N(0, σ_c²), documents with effects v_d ~ N(0, σ_d²), lengths
N_d ~ lognormal (median ``median_tokens``), ~40-token segments, and hits per segment
y ~ Poisson(λ_f · n_seg / 10⁴ · exp(θ_f (year − ȳ)/10 + u_c + v_d) · g), g = 1 (Poisson) or
g ~ Gamma(k, 1/k) (negative binomial segments, ``nb_shape`` = k); ȳ = the span's midpoint. θ_f is the log
rate ratio per decade (``theta``), λ_f the rate per 10 000 tokens at ȳ (``rates``).

Two outputs: :func:`simulate_counts` (documents and per-segment frame counts: fast, for calibration) and
:func:`simulate_documents` (French text documents made of neutral filler sentences and lexicon terms at the
planted counts, with a metadata table; loadable by :func:`aictlab.build_corpus`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from aictlab.errors import SettingsError

__all__ = [
    "FILLER_SENTENCES",
    "SYNTHETIC_TERMS",
    "planted_log_ratio",
    "simulate_counts",
    "simulate_documents",
]

#: Neutral administrative French sentences (no lexicon term), the filler of synthetic documents.
FILLER_SENTENCES = (
    "La séance du conseil municipal a commencé à neuf heures.",
    "Les élus ont examiné le budget annexe de la commune.",
    "Une délégation a visité plusieurs écoles et un hôpital régional.",
    "Le rapport présente les actions menées au cours de l'année.",
    "Les services techniques ont préparé un calendrier détaillé.",
    "Plusieurs associations locales ont participé aux réunions publiques.",
    "La convention a été signée par le maire et le président.",
    "Les habitants peuvent consulter le document en mairie.",
    "Un comité de suivi se réunit deux fois par an.",
    "Le projet concerne la gestion de l'eau et des déchets.",
    "Les agents ont suivi une formation sur les procédures administratives.",
    "La région finance une partie des dépenses prévues.",
)
#: Single-word lexicon terms written into synthetic text, per frame (each is matched once by the packaged
#: lexicon under both lemmatisers).
SYNTHETIC_TERMS = {
    "attractivite": ("attractivité", "rayonnement", "compétitivité", "investisseur", "tourisme"),
    "solidarite": ("solidarité", "réciprocité", "paix", "pauvreté", "entraide"),
}
_TEMPLATES = (
    "Il est question de {} dans ce passage.",
    "Le texte mentionne la notion de {} à plusieurs reprises.",
    "On parle encore de {} lors de la réunion.",
)


def simulate_counts(
    n_documents: int = 60,
    *,
    years: tuple[int, int] = (2005, 2024),
    n_clusters: int = 6,
    genres: Sequence[str] = ("discours", "rapport", "presse", "délibération"),
    rates: Mapping[str, float] | None = None,
    theta: Mapping[str, float] | None = None,
    sigma_cluster: float = 0.3,
    sigma_document: float = 0.3,
    median_tokens: float = 2000,
    length_sigma: float = 0.5,
    segment_size: int = 40,
    nb_shape: float | None = None,
    seed: int = 42,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Documents and per-segment frame counts drawn from the planted model (module docstring).

    Parameters
    ----------
    n_documents : int, default=60
    years : (int, int), default=(2005, 2024)
        First and last year of the span (years uniform over it).
    n_clusters : int, default=6
        Organisers (``organisme_01``...); each document's organiser is uniform among them.
    rates : mapping, default={"attractivite": 30, "solidarite": 60}
        λ_f per 10 000 tokens at the span's midpoint.
    theta : mapping, default={"attractivite": ln 2, "solidarite": 0}
        Planted log rate ratio per decade (a stratification by default).
    sigma_cluster, sigma_document : float
        SD of the cluster and document effects on the log rate.
    nb_shape : float, optional
        Gamma shape of segment noise (negative binomial hits); ``None``: Poisson.

    Returns
    -------
    (documents, segments)
        ``documents``: ``doc_id, date, year, organiser, genre, tokens, cluster_effect, document_effect,
        <frame>`` (planted hit totals); ``segments``: ``doc_id, seg_id, tokens, <frame>``.
    """
    rates = dict(rates or {"attractivite": 30.0, "solidarite": 60.0})
    theta = dict(theta or {"attractivite": math.log(2), "solidarite": 0.0})
    if set(theta) != set(rates) or n_documents < 1 or n_clusters < 1 or years[1] < years[0]:
        raise SettingsError(
            "simulate_counts: rates and theta need the same frames; n >= 1; years (first, last)."
        )
    rng = np.random.default_rng(seed)
    year = rng.integers(years[0], years[1] + 1, size=n_documents)
    cluster = rng.integers(0, n_clusters, size=n_documents)
    u = rng.normal(0.0, sigma_cluster, size=n_clusters)[cluster]
    v = rng.normal(0.0, sigma_document, size=n_documents)
    tokens = np.maximum(np.round(median_tokens * np.exp(rng.normal(0.0, length_sigma, n_documents))), 20)
    tokens = tokens.astype(int)
    n_seg = np.maximum(1, np.round(tokens / segment_size)).astype(int)
    doc_idx = np.repeat(np.arange(n_documents), n_seg)
    seg_pos = np.arange(doc_idx.size) - np.repeat(np.cumsum(n_seg) - n_seg, n_seg)
    base, extra = tokens // n_seg, tokens % n_seg
    seg_tokens = base[doc_idx] + (seg_pos < extra[doc_idx])
    doc_ids = np.array([f"synth_{i + 1:04d}" for i in range(n_documents)])
    ybar = (years[0] + years[1]) / 2
    segments = pd.DataFrame({"doc_id": doc_ids[doc_idx], "seg_id": seg_pos, "tokens": seg_tokens})
    docs = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "date": [f"{y}-{m:02d}-15" for y, m in zip(year, rng.integers(1, 13, n_documents), strict=True)],
            "year": year,
            "organiser": [f"organisme_{c + 1:02d}" for c in cluster],
            "genre": np.asarray(genres)[rng.integers(0, len(genres), n_documents)],
            "tokens": tokens,
            "cluster_effect": u,
            "document_effect": v,
        }
    )
    for frame in sorted(rates):
        log_mult = theta[frame] * (year - ybar) / 10 + u + v
        lam = rates[frame] * seg_tokens / 1e4 * np.exp(log_mult)[doc_idx]
        if nb_shape:
            lam = lam * rng.gamma(nb_shape, 1.0 / nb_shape, size=lam.size)
        segments[frame] = rng.poisson(lam)
        docs[frame] = np.bincount(doc_idx, weights=segments[frame], minlength=n_documents).astype(int)
    return docs, segments


def planted_log_ratio(theta: float, first_years: Sequence[int], last_years: Sequence[int]) -> float:
    """The planted θ of a first → last period contrast when years are uniform within each group:
    ln(mean_{y ∈ last} e^{θ y/10}) − ln(mean_{y ∈ first} e^{θ y/10}) (document effects cancel in expectation)."""
    a = np.asarray(list(last_years), dtype=float)
    b = np.asarray(list(first_years), dtype=float)
    c = (a.mean() + b.mean()) / 2  # centring only for numerical range
    return float(
        np.log(np.mean(np.exp(theta * (a - c) / 10))) - np.log(np.mean(np.exp(theta * (b - c) / 10)))
    )


def simulate_documents(
    n_documents: int = 60, *, terms: Mapping[str, Sequence[str]] | None = None, seed: int = 42, **model
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """French text documents with the planted frame counts of :func:`simulate_counts`.

    Each segment becomes a numbered agenda line (``Point 12 de l'ordre du jour.``, unique in the corpus), one
    sentence per hit (a template holding a lexicon term of the hit's frame, drawn from ``terms``) and filler
    sentences (:data:`FILLER_SENTENCES`) until it holds about its planted
    number of tokens; paragraphs are segments.

    Parameters
    ----------
    n_documents : int, default=60
    terms : mapping, default=:data:`SYNTHETIC_TERMS`
        Frame -> lexicon terms used for its hits.
    seed : int, default=42
    **model
        Passed to :func:`simulate_counts` (``years, rates, theta, sigma_document``...).

    Returns
    -------
    (documents, planted)
        ``documents``: ``doc_id, file, date, title, organiser, genre, raw_text`` (for
        :func:`aictlab.build_corpus`); ``planted``: :func:`simulate_counts`'s documents table (planted hits
        per frame and document).
    """
    terms = dict(terms or SYNTHETIC_TERMS)
    planted, segments = simulate_counts(n_documents, seed=seed, **model)
    frames = [f for f in sorted(terms) if f in segments.columns]
    if not frames:
        raise SettingsError(f"simulate_documents: no frame of {sorted(terms)} among the planted frames.")
    rng = np.random.default_rng(seed + 1)
    fill_words = [len(s.split()) for s in FILLER_SENTENCES]
    paragraphs: dict[str, list[str]] = {d: [] for d in planted["doc_id"]}
    for number, seg in enumerate(segments.itertuples(index=False), start=1):
        # a numbered agenda item opens each paragraph: no two paragraphs of the corpus are identical, so
        # de-duplication (which counts a repeated paragraph once) leaves the planted counts whole
        sentences, words = [f"Point {number} de l'ordre du jour."], 6
        for frame in frames:
            for _ in range(int(getattr(seg, frame))):
                term = terms[frame][rng.integers(len(terms[frame]))]
                sentences.append(_TEMPLATES[rng.integers(len(_TEMPLATES))].format(term))
                words += len(sentences[-1].split())
        while words < seg.tokens:
            k = int(rng.integers(len(FILLER_SENTENCES)))
            sentences.insert(int(rng.integers(len(sentences) + 1)), FILLER_SENTENCES[k])
            words += fill_words[k]
        paragraphs[seg.doc_id].append(" ".join(sentences))
    docs = planted[["doc_id", "date", "organiser", "genre"]].copy()
    docs.insert(1, "file", docs["doc_id"] + ".txt")
    docs.insert(3, "title", "Document de synthèse " + docs["doc_id"])
    docs["raw_text"] = ["\n\n".join(paragraphs[d]) for d in docs["doc_id"]]
    return docs, planted
