"""The synthesis at the top of the report: the lexicon, topic and semantic views of the drift side by side.

Each view says in which direction the corpus moved between the compared periods (the drift index's end
periods, the same for the three views), by a rule stated in the table, and the synthesis says whether the
views agree. A view whose interval resampled segments within documents only (too few documents in a compared
period) decides nothing (:data:`NOISE_ONLY`): its period difference is also a document difference. It reads
only what the parts left in ``ReportContext.results`` (``verdict`` from frames, ``topics``, ``semantic``); a
view whose part did not run is listed as such. Directions are named after the compared frames' lexicon labels, which the frames (or
semantic) part records with its results (``frames``, ``frame_labels``), so any frame pair reads correctly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from aictlab.config import DRIFT_FRAMES
from aictlab.report.text import TOPIC_LEANS
from aictlab.report.text import fmt_number as _fmt

__all__ = [
    "NOISE_ONLY",
    "agreement_sentence",
    "frame_pair",
    "interval_direction",
    "synthesis_table",
    "toward",
]

UNDETERMINED = "undetermined"
#: The direction of a view whose interval resamples segments within documents only: with fewer than
#: ``min_documents`` documents in a compared period, a period difference is also a document difference, which
#: that interval does not measure (docs/methods.md §13), so it decides nothing.
NOISE_ONLY = "undetermined (within-document noise only)"
#: What every view's rule adds.
_DOCUMENTS_RULE = (
    "; documents (clusters) resampled, an interval of within-document noise only decides nothing"
)


def toward(label: str) -> str:
    """The direction toward a frame, named by its label (« toward attractivité »)."""
    return f"toward {label}"


def _documents_decide(direction: str, within_documents: bool | None) -> str:
    """``direction``, or :data:`NOISE_ONLY` when it was decided on an interval that resampled segments within
    documents only (the view's recorded ``within_documents``; None: not recorded, documents assumed)."""
    return NOISE_ONLY if within_documents and direction.startswith(toward("")) else direction


def interval_direction(
    low: float, high: float, labels: tuple[str, str], within_documents: bool | None = None
) -> str:
    """Direction of a change from its 95 % interval: wholly above 0 -> toward the "to" frame, wholly below ->
    toward the "from" frame, else undetermined (NaN bounds decide nothing); :data:`NOISE_ONLY` when the
    interval resampled segments within documents only.

    Parameters
    ----------
    low, high : float
        The interval of a change whose positive sign means "toward the *to* frame".
    labels : (str, str)
        Labels of the ("from", "to") frames, as the lexicon names them.
    within_documents : bool, optional
        The interval resampled segments within documents only (None: not recorded, documents assumed).
    """
    direction = UNDETERMINED
    if math.isfinite(low) and low > 0:
        direction = toward(labels[1])
    elif math.isfinite(high) and high < 0:
        direction = toward(labels[0])
    return _documents_decide(direction, within_documents)


def frame_pair(
    results: Mapping[str, Any], frames: tuple[str, str]
) -> tuple[tuple[str, str], tuple[str, str]]:
    """The compared frames' names and labels: as the frames part recorded them (``results["verdict"]``), else
    the semantic part (``results["semantic"]``), else ``frames`` named by themselves.

    Returns
    -------
    ((from, to), (from label, to label))
    """
    for view in ("verdict", "semantic"):
        rec = results.get(view) or {}
        if rec.get("frames") and rec.get("frame_labels"):
            return tuple(rec["frames"]), tuple(rec["frame_labels"])  # type: ignore[return-value]
    return tuple(frames), tuple(frames)  # type: ignore[return-value]


def _topic_direction(
    shares: Mapping[str, Mapping[str, Mapping[str, float]]],
    a: str,
    b: str,
    labels: tuple[str, str],
    leaning: set[str] | None = None,
) -> tuple[str, str]:
    """Direction from frame-labelled topic prevalence at the two end periods: a frame *rises* (falls) when
    its last-period interval lies wholly above (below) its first-period interval. ``leaning``: the frames some
    topic of the model leans to (None: unknown, every frame in ``shares`` counts); a frame no topic leans to
    has no share to compare (its zeros are not a measurement) and is said so."""
    periods = list(shares)
    first, last = shares[periods[0]], shares[periods[-1]]
    none: list[tuple[str, str]] = []
    if leaning is not None:
        none = [(f, lab) for f, lab in ((a, labels[0]), (b, labels[1])) if f not in leaning]
        if len(none) == 2:
            return UNDETERMINED, f"no topic leans to {labels[0]} or {labels[1]} ({TOPIC_LEANS})"
        first = {f: v for f, v in first.items() if f in leaning}
        last = {f: v for f, v in last.items() if f in leaning}

    def move(frame: str) -> int:
        if frame not in first or frame not in last:
            return 0
        if last[frame]["ci_low"] > first[frame]["ci_high"]:
            return 1
        if last[frame]["ci_high"] < first[frame]["ci_low"]:
            return -1
        return 0

    to_b = move(b) > 0 or move(a) < 0
    to_a = move(b) < 0 or move(a) > 0
    detail = "; ".join(
        f"{f}: {_fmt(first[f]['prevalence'], 3)} → {_fmt(last[f]['prevalence'], 3)}"
        for f in (a, b)
        if f in first and f in last
    )
    if none:
        detail += f"; no topic leans to {none[0][1]}"
    if to_b and not to_a:
        return toward(labels[1]), detail
    if to_a and not to_b:
        return toward(labels[0]), detail
    return UNDETERMINED, detail


def synthesis_table(results: Mapping[str, Any], frames: tuple[str, str] = DRIFT_FRAMES):
    """One row per view: ``view, measure, estimate, direction, rule``.

    Parameters
    ----------
    results : mapping
        ``ReportContext.results``.
    frames : (str, str)
        The compared frames ("from", "to") when no part recorded them (see :func:`frame_pair`).
    """
    (a, b), labels = frame_pair(results, frames)
    rows = []
    verdict = results.get("verdict")
    if verdict:
        rows.append({
            "view": "lexicon",
            "measure": f"ΔD {verdict['first_period']} → {verdict['last_period']}",
            "estimate": f"{_fmt(verdict['drift_change'])} [{_fmt(verdict['ci_low'])}, {_fmt(verdict['ci_high'])}]",
            "direction": interval_direction(verdict["ci_low"], verdict["ci_high"], labels,
                                            verdict.get("within_documents")),
            "rule": "95 % interval of ΔD wholly above (below) 0" + _DOCUMENTS_RULE,
        })  # fmt: skip
    else:
        rows.append({"view": "lexicon", "measure": "", "estimate": "", "direction": "not run", "rule": ""})
    topics = results.get("topics")
    if topics and topics.get("frame_shares"):
        model = topics.get("primary_model") or next(iter(topics["frame_shares"]))
        # the frames the model's topics lean to, when the topics part recorded its labelled topics
        records = topics.get("topics")
        leaning = None if records is None else {r["frame"] for r in records if r.get("model") == model}
        shares = topics["frame_shares"][model]  # first and last compared period
        direction, detail = _topic_direction(shares, a, b, labels, leaning)
        direction = _documents_decide(direction, (topics.get("within_documents") or {}).get(model))
        periods = list(shares)
        rows.append({
            "view": "topics",
            "measure": f"{model} frame-labelled topic share {periods[0]} → {periods[-1]}",
            "estimate": detail,
            "direction": direction,
            "rule": "a frame's last-period 95 % interval wholly above (below) its first-period interval"
            + _DOCUMENTS_RULE,
        })  # fmt: skip
    else:
        rows.append({"view": "topics", "measure": "", "estimate": "", "direction": "not run", "rule": ""})
    semantic = results.get("semantic")
    if semantic:
        rows.append({
            "view": "semantic scaling",
            "measure": f"mean segment score {semantic['first_period']} → {semantic['last_period']}",
            "estimate": f"{_fmt(semantic['change'])} [{_fmt(semantic['ci_low'])}, {_fmt(semantic['ci_high'])}]",
            "direction": interval_direction(semantic["ci_low"], semantic["ci_high"], labels,
                                            semantic.get("within_documents")),
            "rule": "95 % interval of the change wholly above (below) 0" + _DOCUMENTS_RULE,
        })  # fmt: skip
    else:
        rows.append(
            {"view": "semantic scaling", "measure": "", "estimate": "", "direction": "not run", "rule": ""}
        )
    return pd.DataFrame(rows, columns=["view", "measure", "estimate", "direction", "rule"])


def agreement_sentence(table: pd.DataFrame) -> str:
    """One sentence on whether the views of :func:`synthesis_table` that decide a direction agree."""
    decided = table[table["direction"].str.startswith(toward(""))]
    ran = table[~table["direction"].eq("not run")]
    if len(decided) >= 2 and decided["direction"].nunique() == 1:
        return f"The {len(decided)} views that decide agree: {decided['direction'].iloc[0]}."
    if decided["direction"].nunique() > 1:
        sides = "; ".join(f"{r.view}: {r.direction}" for r in decided.itertuples())
        return f"The views disagree ({sides}): no direction should be reported without this disagreement."
    if len(decided) == 1:
        return (
            f"Only the {decided['view'].iloc[0]} view decides ({decided['direction'].iloc[0]}); the other "
            f"{len(ran) - 1} view(s) that ran cannot tell."
        )
    return "No view decides a direction on this corpus."
