"""Calibration by simulation of the drift inference (docs/methods.md §14).

Corpora are drawn from the planted model of :mod:`aictlab.synthetic` (years uniform over 2005-2024, 5-year
periods, λ_S = 60 and λ_A = 30 per 10 000 tokens, median 2 000 tokens, Poisson hits per 40-token segment) for
each scenario (θ_A, θ_S per decade): no drift (0, 0), substitution (ln 2, −ln 2), stratification (ln 2, 0),
reversal (−ln 2, ln 2); D ∈ {5, 20, 50, 200} documents; document effects σ_d ∈ {0, 0.3, 0.6}; no cluster
effect (the cluster bootstrap is checked in tests). For each corpus, the end periods are merged
(:func:`aictlab.bins.end_periods`), then:

- segment bootstrap of the period contrast (segments within documents; the pre-§13 method);
- document bootstrap of the period contrast (documents within period; NaN when an end has < 5 documents);
- the NB2 trend with its document-bootstrap interval and its clustered-sandwich interval;
- the §13 primary verdict (:func:`aictlab.inference.verdict_basis`).

Each document-level bootstrap interval is scored three ways from the same replicates: the expanded
percentile interval the verdict reads (``ci``, :func:`aictlab.resample.expanded_level`), the plain
percentile (``pct``, the interval before the expansion) and BCa (``bca``); verdicts are computed from the
expanded and from the plain percentile intervals (``*_pct_verdict``: before).

Truth for a contrast: ln(mean e^{θ y/10} over the last group's years) − the same over the first group's
(:func:`aictlab.synthetic.planted_log_ratio`); ΔD's truth (θ_A − θ_S)/ln 2 (ignores the +0.5, negligible
when the ends hold dozens of hits). Truth for the trend: θ.

Usage: ``python benchmarks/calibration.py [--corpora 100] [--boot 400] [--out-md docs/calibration.md]``.
The run reported in docs/calibration.md used ``--corpora 50 --boot 400`` (50 corpora per cell, 20 at D = 200;
~35 min on a shared machine); more corpora narrow the Monte Carlo error of the coverages. ``--from-csv``
re-tabulates a saved run.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from aictlab import bins, inference, synthetic
from aictlab.periods import add_periods

SCENARIOS = {
    "no_drift": (0.0, 0.0),
    "substitution": (math.log(2), -math.log(2)),
    "stratification": (math.log(2), 0.0),
    "reversal": (-math.log(2), math.log(2)),
}
YEARS = (2005, 2024)
ARMS = ("segment", "document", "trend", "primary")
#: Interval kinds scored per document-level arm: column prefix in the inference tables -> label.
KINDS = {"ci": "expanded", "pct": "percentile", "bca": "BCa"}


def _covers(row: pd.Series, truth: float, lo: str = "ci_low", hi: str = "ci_high") -> float:
    if np.isnan(row[lo]) or np.isnan(row[hi]):
        return np.nan
    return float(row[lo] <= truth <= row[hi])


def one_corpus(scenario: str, n_docs: int, sigma_d: float, rep: int, n_boot: int) -> dict:
    """Every interval and verdict of one simulated corpus, with what was planted."""
    th_a, th_s = SCENARIOS[scenario]
    seed = 10_000 * rep + 97 * n_docs + int(100 * sigma_d) + 7 * list(SCENARIOS).index(scenario)
    docs, segs = synthetic.simulate_counts(
        n_docs, years=YEARS, theta={"attractivite": th_a, "solidarite": th_s}, sigma_document=sigma_d,
        sigma_cluster=0.0, n_clusters=8, seed=seed,
    )  # fmt: skip
    totals = inference.document_totals(segs, add_periods(docs, 5))
    ends = bins.end_periods(totals)
    out = {"scenario": scenario, "D": n_docs, "sigma_d": sigma_d, "rep": rep, "n_boot": n_boot}
    if (ends["role"] == "too_thin").all():
        order = totals.groupby("period")["year"].min().sort_values().index
        first, last, merged = order[0], order[-1], totals
        out["ends_merged"] = False
    else:
        merged = bins.merge_end_periods(totals, ends)
        first = ends.loc[ends["role"].eq("first"), "end_period"].iloc[0]
        last = ends.loc[ends["role"].eq("last"), "end_period"].iloc[0]
        out["ends_merged"] = True
    if first == last:
        return out
    span = {p: (int(p.split("-")[0]), int(p.split("-")[1])) for p in (first, last)}
    yrs = {p: range(max(a, YEARS[0]), min(b, YEARS[1]) + 1) for p, (a, b) in span.items()}
    truth = {
        "attractivite": synthetic.planted_log_ratio(th_a, yrs[first], yrs[last]),
        "solidarite": synthetic.planted_log_ratio(th_s, yrs[first], yrs[last]),
    }
    truth["drift_index"] = (truth["attractivite"] - truth["solidarite"]) / math.log(2)
    tables = {
        "segment": inference.period_contrast(
            merged, first=first, last=last, unit="segment", segments=segs, n_boot=n_boot, seed=seed
        ),
        "document": inference.period_contrast(merged, first=first, last=last, n_boot=n_boot, seed=seed),
    }
    tables["trend"] = inference.frame_trend(totals, n_boot=n_boot, n_perm=0, seed=seed)
    for arm, tab in tables.items():
        t = tab.set_index("target")
        for target in ("attractivite", "solidarite", "drift_index"):
            if target not in t.index:
                continue
            r = t.loc[target]
            goal = truth[target] if arm != "trend" else (th_a if target == "attractivite" else th_s)
            out[f"{arm}_{target}_cover"] = _covers(r, goal)
            out[f"{arm}_{target}_width"] = r["ci_high"] - r["ci_low"]
            if arm != "segment":
                for kind in ("pct", "bca"):
                    out[f"{arm}_{kind}_{target}_cover"] = _covers(r, goal, f"{kind}_low", f"{kind}_high")
                out[f"{arm}_pct_{target}_width"] = r["pct_high"] - r["pct_low"]
            if arm == "trend":
                out[f"trend_sandwich_{target}_cover"] = _covers(r, goal, "cl_ci_low", "cl_ci_high")
        for tag, kind in (("", "ci"), ("_pct", "pct")):
            if tag and arm == "segment":
                continue
            v = inference.table_verdict(tab, interval=kind)
            out[f"{arm}{tag}_verdict"] = v["verdict"]
            out[f"{arm}{tag}_a_direction"] = v.get("attractivite_direction")
            out[f"{arm}{tag}_s_direction"] = v.get("solidarite_direction")
    basis = inference.verdict_basis(totals, tables["document"], tables["trend"]).iloc[0]
    out["primary_verdict"], out["primary_basis"] = basis["verdict"], basis["primary"]
    out["primary_a_direction"] = basis["attractivite_direction"]
    out["primary_s_direction"] = basis["solidarite_direction"]
    before = "trend" if basis["primary"] == "trend" else "document"  # the same rule, percentile intervals
    for key in ("verdict", "a_direction", "s_direction"):
        out[f"primary_pct_{key}"] = out[f"{before}_pct_{key}"]
    return out


def run(n_corpora: int, n_boot: int, d_values=(5, 20, 50, 200), sigmas=(0.0, 0.3, 0.6)) -> pd.DataFrame:
    rows = []
    for scenario in SCENARIOS:
        for sigma in sigmas:
            for n_docs in d_values:
                k = n_corpora if n_docs < 200 else max(2 * n_corpora // 5, 10)
                t0 = time.time()
                rows += [one_corpus(scenario, n_docs, sigma, rep, n_boot) for rep in range(k)]
                print(
                    f"{scenario:15s} σ_d={sigma} D={n_docs:3d}: {k} corpora in {time.time() - t0:.1f}s",
                    flush=True,
                )
    return pd.DataFrame(rows)


def _mc(p: float, r: int) -> float:
    """Half-width of the 95 % Monte Carlo interval of a coverage p estimated from r corpora."""
    return 1.96 * math.sqrt(p * (1 - p) / r) if r else float("nan")


def coverage_table(res: pd.DataFrame, arm: str, by=("D", "sigma_d")) -> pd.DataFrame:
    """Coverage of the 95 % intervals of one arm per ``by`` cell (all scenarios pooled): for the document
    and trend arms the expanded percentile, the plain percentile and BCa (and the trend's clustered
    sandwich), with the share of corpora where the interval exists and the Monte Carlo half-width at 0.95."""
    targets = {"θ_A": "attractivite", "θ_S": "solidarite", "ΔD": "drift_index"}
    kinds = {"": ""} if arm == "segment" else {"expanded ": "", "percentile ": "pct_", "BCa ": "bca_"}
    if arm == "trend":
        kinds["sandwich "] = "sandwich_"
    g = res.groupby(list(by))
    cols = {}
    for k, prefix in kinds.items():
        for t, target in targets.items():
            col = f"{arm}_{prefix}{target}_cover"
            if col in res and res[col].notna().any():
                cols[f"{k}{t}"] = g[col].mean()
    out = pd.DataFrame(cols)
    defined = g[f"{arm}_attractivite_cover"].apply(lambda s: int(s.notna().sum()))
    out["corpora with interval"] = defined
    out["MC ± at 0.95"] = [round(_mc(0.95, int(r)), 3) for r in defined]
    return out.round(3)


def confusion(res: pd.DataFrame, arm: str, n_docs: int | None = None) -> pd.DataFrame:
    sub = res if n_docs is None else res[res["D"] == n_docs]
    tab = pd.crosstab(sub["scenario"], sub[f"{arm}_verdict"], normalize="index").reindex(
        index=list(SCENARIOS), columns=list(inference.VERDICTS), fill_value=0.0
    )
    return tab.round(3)


def false_direction(res: pd.DataFrame) -> pd.DataFrame:
    """Under no drift: share of corpora with a directional verdict and with 'A rises' / 'S falls' per arm."""
    nd = res[res["scenario"] == "no_drift"]
    directional = ("substitution", "stratification", "reversal")
    rows = {}
    for arm in (*ARMS, "document_pct", "trend_pct", "primary_pct"):
        g = nd.groupby(["D", "sigma_d"])
        rows[f"{arm} directional"] = g[f"{arm}_verdict"].apply(lambda s: s.isin(directional).mean())
        rows[f"{arm} A rises"] = g[f"{arm}_a_direction"].apply(lambda s: (s == "rises").mean())
    return pd.DataFrame(rows).round(3)


def power(res: pd.DataFrame) -> pd.DataFrame:
    """Stratification planted (A ×2 per decade, S flat): share of corpora where A is found to rise and where
    the verdict is stratification, per D and arm (σ_d pooled by column)."""
    st = res[res["scenario"] == "stratification"]
    rows = {}
    for arm in ("document", "trend", "primary", "primary_pct"):
        g = st.groupby(["D", "sigma_d"])
        rows[f"{arm} A rises"] = g[f"{arm}_a_direction"].apply(lambda s: (s == "rises").mean())
        rows[f"{arm} stratification"] = g[f"{arm}_verdict"].apply(lambda s: (s == "stratification").mean())
    return pd.DataFrame(rows).round(3)


def figure(res: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    for ax, target, label in zip(axes, ("attractivite", "solidarite", "drift_index"), ("θ_A", "θ_S", "ΔD"),
                                 strict=True):  # fmt: skip
        for arm, style in (
            ("segment", "o--"),
            ("document", "s-"),
            ("trend", "^-"),
            ("document_pct", "s:"),
            ("trend_pct", "^:"),
        ):
            col = f"{arm}_{target}_cover"
            if col not in res:
                continue
            for sigma, colour in zip((0.0, 0.3, 0.6), ("#1b9e77", "#d95f02", "#7570b3"), strict=True):
                cov = res[res["sigma_d"] == sigma].groupby("D")[col].mean()
                name = {
                    "document_pct": "document, percentile (before)",
                    "trend_pct": "trend, percentile (before)",
                    "document": "document, expanded",
                    "trend": "trend, expanded",
                }.get(arm, arm)
                ax.plot(cov.index, cov.values, style, color=colour, alpha=0.9,
                        label=f"{name}, σ_d={sigma}")  # fmt: skip
        ax.axhspan(0.93, 0.97, color="grey", alpha=0.15)
        ax.set_xscale("log")
        ax.set_xticks([5, 20, 50, 200], ["5", "20", "50", "200"])
        ax.set_title(f"coverage of 95 % intervals: {label}")
        ax.set_xlabel("documents D")
    axes[0].set_ylabel("coverage")
    axes[0].set_ylim(0.3, 1.0)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def markdown(table: pd.DataFrame) -> str:
    """A DataFrame as a GitHub markdown table (no optional dependency)."""
    t = table.reset_index()
    head = "| " + " | ".join(map(str, t.columns)) + " |"
    rule = "|" + "|".join("---" for _ in t.columns) + "|"
    body = ["| " + " | ".join("" if pd.isna(v) else f"{v:g}" if isinstance(v, float) else str(v) for v in row)
            + " |" for row in t.itertuples(index=False)]  # fmt: skip
    return "\n".join([head, rule, *body])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=int, default=100)
    ap.add_argument("--boot", type=int, default=400)
    ap.add_argument("--csv", type=Path, default=Path("/tmp/aictlab_calibration.csv"))
    ap.add_argument("--figure", type=Path, default=Path("docs/calibration_coverage.png"))
    ap.add_argument("--tables", type=Path, default=Path("/tmp/aictlab_calibration_tables.md"))
    ap.add_argument("--from-csv", action="store_true", help="tabulate an earlier run's --csv, no simulation")
    args = ap.parse_args()
    t0 = time.time()
    if args.from_csv:
        res = pd.read_csv(args.csv)
    else:
        res = run(args.corpora, args.boot)
        res.to_csv(args.csv, index=False)
    figure(res, args.figure)
    big = res[res["D"] >= 20]
    parts = [
        f"Corpora: {len(res)}; B = {int(res['n_boot'].iloc[0])}; runtime {time.time() - t0:.0f} s.",
        *(f"## Coverage: {arm}\n\n" + coverage_table(res, arm).pipe(markdown) for arm in ARMS[:3]),
        *(
            f"## Coverage pooled over D >= 20: {arm}\n\n"
            + coverage_table(big, arm, ("sigma_d",)).pipe(markdown)
            for arm in ARMS[:3]
        ),
        "## Coverage pooled over D >= 20 and sigma_d: "
        + ", ".join(
            f"{arm}: " + coverage_table(big.assign(all=1), arm, ("all",)).to_dict("records")[0].__repr__()
            for arm in ARMS[:3]
        ),
        "## Directional verdicts under no drift\n\n" + false_direction(res).pipe(markdown),
        "## Power (stratification planted)\n\n" + power(res).pipe(markdown),
    ]
    for arm in (*ARMS, "primary_pct"):
        for n_docs in (20, 50, 200):
            parts.append(
                f"## Confusion: {arm}, D = {n_docs}\n\n" + confusion(res, arm, n_docs).pipe(markdown)
            )
    args.tables.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    print(args.tables.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
