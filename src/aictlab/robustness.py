"""Robustness: the drift change first → last period recomputed under every choice that could move it
(``docs/methods.md`` §12).

The measure never loads a corpus: the variants that need another corpus (another lemmatizer, other segment
sizes, duplicates kept or removed: :func:`corpus_variants` lists them) are made by the caller from the corpus
already built (:func:`aictlab.variants.derive_corpus`: re-segmented tokens, or the clean paragraphs lemmatized
again; no rebuild) and passed to :func:`robustness_panel` as ``alternatives``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aictlab.coding import code_matches, coded_mention_documents
from aictlab.config import DRIFT_FRAMES
from aictlab.drift import drift_change, drift_changes
from aictlab.errors import AictlabError
from aictlab.frames import FrameData, as_frame_data, check_frame_pair, merge_documents
from aictlab.lexicon import Lexicon
from aictlab.periods import group_periods
from aictlab.schema import DOC_ID
from aictlab.verdict import decide_verdict

__all__ = [
    "EXTRA_SEEDS",
    "MAX_LEAVE_OUT",
    "leave_out_units",
    "corpus_variants",
    "extra_bootstrap_seeds",
    "robustness_panel",
    "robustness_summary",
]

log = logging.getLogger(__name__)

#: How many other bootstrap seeds of the main measurement the panel adds by default.
EXTRA_SEEDS = 3
#: Leave-one-document-out is informative while each document weighs on the result: beyond this many
#: documents, clusters are left out (when given), else a seeded sample of this many documents.
MAX_LEAVE_OUT = 30


def leave_out_units(
    doc_ids: Sequence[str],
    *,
    clusters: Mapping[str, str] | None = None,
    max_units: int = MAX_LEAVE_OUT,
    seed: int = 42,
) -> tuple[str, dict[str, list[str]]]:
    """What the leave-one-out rows of the panel leave out (``docs/methods.md`` §12).

    Up to ``max_units`` documents: each document. Beyond: each cluster (``clusters``: document -> value,
    e.g. ``Settings.cluster``'s column) when given, else a sample of ``max_units`` documents drawn without
    replacement with ``numpy.random.default_rng((seed, max_units))`` (seed derived from the run's seed).

    Returns
    -------
    (variant_type, units)
        ``leave-one-document-out``, ``leave-one-cluster-out`` or ``leave-one-document-out (sample of n)``;
        unit label -> the documents it removes.
    """
    docs = sorted(set(doc_ids))
    if len(docs) <= max_units:
        return "leave-one-document-out", {f"without document: {d}": [d] for d in docs}
    if clusters:
        groups: dict[str, list[str]] = {}
        for d in docs:
            groups.setdefault(str(clusters.get(d, f"document {d}")), []).append(d)
        return "leave-one-cluster-out", {f"without cluster: {k}": v for k, v in sorted(groups.items())}
    rng = np.random.default_rng((seed, max_units))
    pick = sorted(rng.choice(len(docs), size=max_units, replace=False))
    return f"leave-one-document-out (sample of {max_units})", {
        f"without document: {docs[i]}": [docs[i]] for i in pick
    }


def extra_bootstrap_seeds(seed: int, n: int = EXTRA_SEEDS) -> tuple[int, ...]:
    """The other bootstrap seeds of the panel, derived from the run's seed: ``seed + 1, ..., seed + n``.

    Each seeds its own ``numpy.random.default_rng`` (hashed through ``SeedSequence``), so the streams are
    independent of the main one (``seed``) and two runs with the same seed give the same rows.
    """
    return tuple(seed + k for k in range(1, n + 1))


def corpus_variants(settings) -> dict[str, dict[str, Any]]:
    """The corpus-setting variants of the panel, as overrides of ``settings`` (no corpus is loaded here).

    Returns
    -------
    dict
        Variant name -> overrides: ``duplicates kept`` (or ``removed``: ``{"keep_duplicates": ...}``, the
        same corpus selected otherwise), ``lemmatizer: <the other one>`` and ``segment size 30`` / ``60``
        (those that differ from the settings: overrides of :func:`aictlab.variants.derive_corpus`, or of
        :func:`aictlab.corpus.load_settings_corpus`).
    """
    from aictlab.config import LEMMATIZERS

    keep = settings.keep_duplicates
    out: dict[str, dict[str, Any]] = {
        "duplicates removed" if keep else "duplicates kept": {"keep_duplicates": not keep}
    }
    for other in (name for name in LEMMATIZERS if name != settings.lemmatizer):
        out[f"lemmatizer: {other}"] = {"lemmatizer": other}
    out.update({f"segment size {n}": {"segment_size": n} for n in (30, 60) if n != settings.segment_size})
    return out


def robustness_panel(
    data,
    lexicon: Lexicon | None = None,
    *,
    alternatives: Mapping[str, Any] | None = None,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    tier: str = "extended",
    periods: int | Sequence[int] | None = None,
    n_boot: int = 1000,
    seed: int = 42,
    extra_seeds: int | Sequence[int] = EXTRA_SEEDS,
    alpha: float = 0.05,
    merge: Mapping[str, str] | None = None,
    coding: pd.DataFrame | None = None,
    mention_documents: Sequence[str] | None = None,
    clusters: Mapping[str, str] | None = None,
    max_leave_out: int = MAX_LEAVE_OUT,
    compared: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The drift change first → last period recomputed under each variant (``docs/methods.md`` §12).

    First and last are the earliest and latest periods of each variant's documents, or the groups of
    ``compared``. Variants: ``main``; ``leave-one-term-out`` (each lexicon term with at least one hit, its hits removed;
    terms without a hit give the main result by construction and are not listed); ``tier`` (core only, when
    ``tier`` is extended); ``leave-one-document-out`` (each document; the compared periods may change; beyond
    ``max_leave_out`` documents each cluster of ``clusters`` or a seeded sample: :func:`leave_out_units`);
    ``corpus setting`` (the ``alternatives``); ``use coding`` (only the hits coded ``use`` by
    :func:`aictlab.coding.code_matches` with ``coding``: mentions, titles, off-sense hits out); ``bootstrap
    seed`` (Monte Carlo error of the bounds).

    Parameters
    ----------
    data : Corpus, DataFrame or FrameData
        As in :func:`aictlab.drift.measure_drift`; a ``FrameData`` must hold the ``core`` tier too when
        ``tier`` is extended.
    lexicon : Lexicon, optional
        Needed unless ``data`` and every alternative are ``FrameData``.
    alternatives : mapping, optional
        Variant name -> the corpus under another setting (Corpus, token table or FrameData; see
        :func:`corpus_variants`), measured as given (``merge`` is not applied to them).
    drift_frames, tier, periods, n_boot, seed, alpha
        As in :func:`aictlab.drift.measure_drift` (``n_boot`` replicates per variant).
    extra_seeds : int or sequence of int, default=3
        Other bootstrap seeds of the main measurement: a number n gives :func:`extra_bootstrap_seeds` of
        ``seed`` (``seed + 1 ... seed + n``); a sequence is used as given.
    merge : mapping, optional
        Contained document -> container (applied to the corpus's own variants).
    coding : DataFrame, optional
        Hand coding of the hits (:func:`aictlab.coding.load_use_coding`): adds the ``use coding`` variant.
    mention_documents : sequence of str, optional
        Documents whose uncoded hits default to ``mention`` (default: the coding's document-level rows).
    clusters : mapping, optional
        Document -> cluster value (``Settings.cluster``), left out together beyond ``max_leave_out``.
    max_leave_out : int, default=30
    compared : mapping, optional
        Period -> label of its compared group (:func:`aictlab.bins.compared_labels` of the drift index's
        contrast): every variant then compares these groups (merged end periods) instead of the earliest and
        latest single periods, so the panel varies the headline's ΔD (:func:`aictlab.periods.group_periods`).

    Returns
    -------
    DataFrame
        ``variant, drift_change, ci_low, ci_high, same_sign_as_main, variant_type, first_period, last_period,
        drift_first, drift_last, theta_<to>, theta_<from>`` (+ their intervals), ``verdict,
        same_verdict_as_main``.
    """
    tiers = (tier, "core") if tier == "extended" else (tier,)
    fd = _grouped(as_frame_data(data, lexicon, periods=periods, tiers=tiers), compared)
    pair = check_frame_pair(fd.frames, drift_frames)
    label = str(fd.frames[pair[1]]).lower()
    raw_segments, raw_matches = fd.segments, fd.hits(tier)
    segments, main_matches = merge_documents(raw_segments, raw_matches, merge)
    kw = {"drift_frames": pair, "tier": tier, "n_boot": n_boot, "alpha": alpha}

    def verdict(out: dict[str, Any]) -> dict[str, Any]:
        return {**out, **decide_verdict(out, drift_frames=pair, label=label)}

    def change(frame_data) -> dict[str, Any]:
        return verdict(drift_change(frame_data, seed=seed, **kw))

    # The variants that only change the hits (or the seed) share the corpus's segments: measured together
    # (drift_changes: the documents, periods and draws found once). Rows: these first, then the others.
    shared = [("main", "main", main_matches, seed)]
    shared += [
        (f"without term: {term}", "leave-one-term-out", main_matches[main_matches["term"].ne(term)], seed)
        for term in sorted(set(main_matches["term"]))
    ]
    if tier == "extended":
        _, m = merge_documents(raw_segments, fd.hits("core"), merge)
        shared.append(("core terms only", "tier", m, seed))
    n_head = len(shared)  # the rows before leave-one-out
    if coding is not None:
        mentions = (
            tuple(mention_documents) if mention_documents is not None else coded_mention_documents(coding)
        )
        coded = code_matches(raw_matches, coding, mention_documents=mentions)
        _, m = merge_documents(raw_segments, coded[coded["use"].eq("use")], merge)
        shared.append(("only hits coded use", "use coding", m, seed))
    seeds = extra_bootstrap_seeds(seed, extra_seeds) if isinstance(extra_seeds, int) else tuple(extra_seeds)
    shared += [(f"bootstrap seed {s}", "bootstrap seed", main_matches, s) for s in seeds]
    changes = drift_changes(
        fd.with_hits(main_matches, tier=tier, segments=segments),
        [(hits, s) for *_, hits, s in shared],
        **{k: v for k, v in kw.items() if k != "tier"},
    )
    shared_rows = [
        {"variant": name, "variant_type": kind, **verdict(out)}
        for (name, kind, *_), out in zip(shared, changes, strict=True)
    ]
    rows = shared_rows[:n_head]
    loo_type, units = leave_out_units(
        segments[DOC_ID].tolist(), clusters=clusters, max_units=max_leave_out, seed=seed
    )
    for name, docs in units.items():
        try:
            rows.append(
                {
                    "variant": name,
                    "variant_type": loo_type,
                    **change(
                        fd.with_hits(
                            main_matches[~main_matches[DOC_ID].isin(docs)],
                            tier=tier,
                            segments=segments[~segments[DOC_ID].isin(docs)],
                        )
                    ),
                }
            )
        except AictlabError as exc:
            log.info("variant %s skipped: %s", name, exc)
    for name, alt in (alternatives or {}).items():
        alt_fd = _grouped(as_frame_data(alt, lexicon, periods=periods, tiers=(tier,)), compared)
        rows.append({"variant": name, "variant_type": "corpus setting", **change(alt_fd)})
    rows += shared_rows[n_head:]
    panel = pd.DataFrame(rows)
    main_sign = np.sign(panel.loc[0, "drift_change"])
    panel["same_sign_as_main"] = np.sign(panel["drift_change"]).eq(main_sign)
    panel["same_verdict_as_main"] = panel["verdict"].eq(panel.loc[0, "verdict"])
    first = [
        "variant", "drift_change", "ci_low", "ci_high", "same_sign_as_main", "variant_type", "first_period",
        "last_period", "drift_first", "drift_last",
    ]  # fmt: skip
    return panel[first + [c for c in panel.columns if c not in first]]


def _grouped(fd: FrameData, compared: Mapping[str, str] | None) -> FrameData:
    """``fd`` with the periods of each compared group relabelled as the group (none given: as it is)."""
    return dataclasses.replace(fd, documents=group_periods(fd.documents, compared)) if compared else fd


def robustness_summary(panel: pd.DataFrame) -> dict[str, Any]:
    """Share of variants keeping the sign of ΔD and the verdict, and the variant closest to flipping the sign
    (smallest ΔD in the main direction; the one whose interval reaches furthest across zero as tie-break)."""
    main = panel.iloc[0]
    sign = np.sign(main["drift_change"]) or 1.0
    others = panel.iloc[1:]
    directed = sign * others["drift_change"]
    closest = others.loc[directed.idxmin()] if len(others) else main
    flips = others[~others["same_sign_as_main"]]
    return {
        "n_variants": len(others),
        "share_same_sign": float(others["same_sign_as_main"].mean()) if len(others) else np.nan,
        "share_same_verdict": float(others["same_verdict_as_main"].mean()) if len(others) else np.nan,
        "sign_flips": flips["variant"].tolist(),
        "closest_variant": closest["variant"],
        "closest_drift_change": float(closest["drift_change"]),
        "drift_change_range": (float(others["drift_change"].min()), float(others["drift_change"].max()))
        if len(others)
        else (np.nan, np.nan),
        "main_drift_change": float(main["drift_change"]),
        "main_verdict": main["verdict"],
    }
