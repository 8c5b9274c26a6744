"""The verdict: substitution, stratification, reversal or no drift, decided from the change first → last
period by a rule fixed in advance (``docs/methods.md`` §4).

A is the *to* frame of the drift (attractivité by default), S the *from* frame (solidarité).

References
----------
Schuirmann D. (1987), A comparison of the two one-sided tests procedure..., J. Pharmacokinet. Biopharm.
15(6). Berger R. (1982), Multiparameter hypothesis testing and acceptance sampling, Technometrics 24(4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aictlab.config import DRIFT_FRAMES
from aictlab.drift import DriftResult

__all__ = ["DELTA", "VERDICTS", "VERDICT_RULE", "decide_verdict", "target_label", "verdict_table"]

#: Equivalence margin for "stable" (``docs/methods.md`` §4), fixed in advance: ±25 % in rate.
DELTA = math.log(1.25)
VERDICTS = ("substitution", "stratification", "reversal", "no_drift", "inconclusive")

VERDICT_RULE = (
    "θ_f = ln(rate_last/rate_first) per frame with segment-bootstrap percentile CIs; δ = ln 1.25. "
    "A rises: lower 95% bound of θ_A > 0; A falls: upper 95% bound < 0; A stable: 90% CI of θ_A inside [-δ, δ]. "
    "Same definitions for S (falls / rises / stable). substitution = A rises and S falls; "
    "stratification = A rises and (S stable or S rises); A rises otherwise -> inconclusive (S undetermined); "
    "reversal = A falls and S rises; A falls otherwise or A stable -> no_drift (toward attractivité); "
    "A's interval too wide to tell -> inconclusive. Each condition is an intersection-union test at level α "
    "(Berger 1982): no multiplicity correction. `fragile` = the document-level GLM slope of a frame "
    "disagrees in sign with its θ."
)


def decide_verdict(
    change: Mapping[str, float],
    *,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    label: str | None = None,
    delta: float = DELTA,
    interval: str = "ci",
) -> dict[str, Any]:
    """Substitution vs stratification (``docs/methods.md`` §4); the rule is :data:`VERDICT_RULE`.

    Parameters
    ----------
    change : mapping
        ``theta_<frame>`` with ``*_ci_low``, ``*_ci_high`` (95 %) and ``*_ci90_low``, ``*_ci90_high`` (90 %)
        for both drift frames, as in ``DriftResult.change``.
    drift_frames : (str, str), default=("solidarite", "attractivite")
        The (from, to) frames: S and A.
    label : str, optional
        How the reasons name the *to* frame (default: its name).
    delta : float, default=ln 1.25
        Equivalence margin for "stable".
    interval : {"ci", "bca"}, default="ci"
        Percentile intervals (``*_ci_*``, ``*_ci90_*``; primary) or BCa (``*_bca_*``, ``*_bca90_*``).

    Returns
    -------
    dict
        ``verdict`` (one of :data:`VERDICTS`), ``verdict_reason``, and booleans ``a_rises, a_falls,
        a_stable, s_rises, s_falls, s_stable``.
    """
    source, target = drift_frames
    label = label or target

    def cond(frame):
        k95, k90 = ("ci", "ci90") if interval == "ci" else ("bca", "bca90")
        lo, hi = change[f"theta_{frame}_{k95}_low"], change[f"theta_{frame}_{k95}_high"]
        lo90, hi90 = change[f"theta_{frame}_{k90}_low"], change[f"theta_{frame}_{k90}_high"]
        ok = all(np.isfinite([lo, hi, lo90, hi90]))
        return {
            "rises": bool(ok and lo > 0),
            "falls": bool(ok and hi < 0),
            "stable": bool(ok and lo90 > -delta and hi90 < delta),
        }

    a, s = cond(target), cond(source)
    flags = {f"a_{k}": v for k, v in a.items()} | {f"s_{k}": v for k, v in s.items()}
    s_state = (
        "falls" if s["falls"] else "rises" if s["rises"] else "stable" if s["stable"] else "undetermined"
    )
    if a["rises"]:
        if s["falls"]:
            verdict, reason = "substitution", "A rises and S falls"
        elif s["stable"] or s["rises"]:
            verdict, reason = "stratification", f"A rises and S {s_state}"
        else:
            verdict, reason = "inconclusive", "A rises; S undetermined"
    elif a["falls"]:
        if s["rises"]:
            verdict, reason = "reversal", "A falls and S rises"
        else:
            verdict, reason = "no_drift", f"no drift toward {label}: A falls; S {s_state}"
    elif a["stable"]:
        verdict, reason = "no_drift", f"no drift toward {label}: A stable; S {s_state}"
    else:
        verdict, reason = "inconclusive", f"intervals too wide: A undetermined; S {s_state}"
    return {"verdict": verdict, "verdict_reason": reason, **flags}


def target_label(result: DriftResult) -> str:
    """How verdict reasons name the *to* frame: its lexicon label in lower case (« attractivité »)."""
    target = result.drift_frames[1]
    return str(result.frame_labels.get(target, target)).lower()


def verdict_table(result: DriftResult, trend: pd.DataFrame, *, delta: float = DELTA) -> pd.DataFrame:
    """The one-row ``drift_verdict`` table: the change first → last period with its intervals, each frame's
    GLM ratio per decade with CI and p-values, the verdict and the numbers it was decided from.

    Parameters
    ----------
    result : DriftResult
        :func:`aictlab.drift.measure_drift` output.
    trend : DataFrame
        :func:`aictlab.trend.trend_tests` of ``result``.
    delta : float, default=ln 1.25
    """
    frames = tuple(result.drift_frames)
    label = target_label(result)
    ch = result.change.iloc[0].to_dict()
    dec = decide_verdict(ch, drift_frames=frames, label=label, delta=delta)
    row = dict(ch)
    tr = trend.set_index("target")
    for target in (*frames, "drift_index"):
        if target not in tr.index:
            continue
        t = tr.loc[target]
        row[f"{target}_model"] = t["model"]
        row[f"{target}_ratio_per_decade"] = t["ratio_per_decade"]
        row[f"{target}_rr_ci_low"] = t["ci_low"]
        row[f"{target}_rr_ci_high"] = t["ci_high"]
        row[f"{target}_p_value"] = t["p_value"]
        row[f"{target}_perm_p_value"] = t["perm_p_value"]
        row[f"{target}_perm_p_floor"] = t["perm_p_floor"]
    fragile = []
    for frame in frames:
        theta = ch[f"theta_{frame}"]
        rr = tr.loc[frame, "ratio_per_decade"] if frame in tr.index else np.nan
        if np.isfinite(theta) and np.isfinite(rr) and theta != 0 and np.sign(theta) != np.sign(math.log(rr)):
            fragile.append(frame)
    row["n_documents"] = len(result.documents)
    row["delta"] = delta
    row.update(dec)
    row["fragile"] = bool(fragile)
    row["fragile_frames"] = ",".join(fragile)
    bca = decide_verdict(ch, drift_frames=frames, label=label, delta=delta, interval="bca")
    row["verdict_bca"] = bca["verdict"]
    row["verdict_bca_reason"] = bca["verdict_reason"]
    row["rule"] = VERDICT_RULE
    return pd.DataFrame([row])
