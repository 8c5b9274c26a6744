"""Report part: validating the frame lexicon on coded sheets (docs/methods.md §15).

Reads the coding sheets of ``Settings.coding`` (``--coding``; the packaged seed sheet by default), keeps the
rows of this corpus's documents whose hits the current lexicon still finds, and reports precision per frame,
tier and term, recall (a miss sheet), agreement between two coders, and the drift change on use-only hits and
on precision-adjusted counts (:func:`aictlab.coding.use_only_drift`, :func:`aictlab.adjusted.adjusted_drift`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aictlab import coding, drift, frames, validation
from aictlab.adjusted import adjusted_drift
from aictlab.config import PACKAGE_DATA
from aictlab.errors import AictlabError
from aictlab.lexicon import load_lexicon
from aictlab.report.context import ReportContext
from aictlab.report.render import markdown_table
from aictlab.report.text import fmt_number as _fmt
from aictlab.schema import DOC_ID

__all__ = ["run"]

TIER = "extended"


def _sheet_paths(ctx: ReportContext) -> tuple[list[Path], list[Path]]:
    """(hit sheets, miss sheets) of the settings: a sheet with a ``segment_id`` column is a miss sheet."""
    s = ctx.settings
    paths = [p if p.is_absolute() else Path(s.root) / p for p in s.coding] if s.coding else []
    paths = paths or [PACKAGE_DATA / "frames_coding_seeds.csv"]
    hits, misses = [], []
    for p in paths:
        try:
            columns = pd.read_csv(p, comment="#", nrows=0, encoding="utf-8").columns
        except (OSError, ValueError):
            columns = []  # read_sheet names the problem
        (misses if "segment_id" in columns else hits).append(p)
    return hits, misses


def _no_sheet(ctx: ReportContext, paths: list[Path], n_docs: int, n_rows: int, n_here: int) -> str:
    names = ", ".join(f"`{p.name}`" for p in paths)
    return "\n".join(
        [
            "## Lexicon validation",
            "",
            f"No coded hit of the sheet(s) {names} falls on a hit of the current lexicon in this corpus's "
            f"{n_docs} documents ({n_rows} coded rows, {n_here} of them on these documents), so precision, recall "
            "and the validated drift cannot be computed here. To make a sheet: `python -m aictlab.validate sample --corpus "
            f"{ctx.settings.corpus} --out coding.csv` (a seeded sample of hits, stratified by frame), fill its "
            "`code` column (use, mention, other_sense, wrong_frame), then run the report with "
            "`--coding coding.csv` (docs/methods.md §15).",
        ]
    )


def run(ctx: ReportContext) -> str:
    s = ctx.settings
    lexicon = load_lexicon(s.lexicon_path)
    corpus = ctx.corpus.select(keep_duplicates=s.keep_duplicates)
    data = ctx.cached(
        "frames_data",
        {"lexicon": lexicon.sha256, "keep_duplicates": s.keep_duplicates, "periods": s.periods},
        lambda: frames.frame_data(corpus, lexicon, periods=s.periods),
    )
    hit_paths, miss_paths = _sheet_paths(ctx)
    sheet = coding.load_use_coding(hit_paths)
    n_rows = int((sheet["code"].ne("") & ~validation.is_document_row(sheet)).sum())
    docs = set(data.documents[DOC_ID])
    sheet = sheet[sheet[DOC_ID].isin(docs)]
    hits = data.hits(TIER)
    current = hits.assign(hit_id=validation.hit_ids(hits)).set_index("hit_id")
    coded_rows = sheet[sheet["code"].ne("") & ~validation.is_document_row(sheet)]
    # the current lexicon's frame, term and tier of each coded hit it still finds
    joined = coded_rows[coded_rows["hit_id"].isin(current.index)].drop(columns=["frame", "term", "tier"])
    joined = joined.join(current[["frame", "term", "tier"]], on="hit_id")
    if joined.empty:
        return _no_sheet(ctx, hit_paths, len(docs), n_rows, len(coded_rows))

    by_frame = validation.precision_table(joined, ("frame",))
    by_tier = validation.precision_table(joined, ("frame", "tier"))
    by_term = validation.precision_table(joined, ("frame", "term"))
    precision = pd.concat(
        [
            by_frame.assign(level="frame"),
            by_tier.assign(level="tier"),
            by_term[by_term["enough"]].assign(level="term"),
        ],
        ignore_index=True,
    )
    precision.insert(0, "level", precision.pop("level"))
    n_hits = hits.groupby("frame").size()
    precision["hits"] = precision["frame"].map(n_hits).fillna(0).astype(int)
    ctx.save_table(precision, "validation_precision")
    agree = validation.agreement(joined)
    if len(agree):
        ctx.save_table(agree, "validation_agreement")
    recall = None
    if miss_paths:
        misses = pd.concat([validation.read_miss_sheet(p, list(data.frames)) for p in miss_paths])
        misses = misses[misses[DOC_ID].isin(docs)]
        if misses["code"].ne("").any():
            n_without = len(validation.segments_without_hits(ctx.corpus.segments, hits))
            recall = validation.recall_table(joined, misses, hits, n_without)
            ctx.save_table(recall, "validation_recall")

    # drift: every hit, the hits coded use (uncoded hits: their document default), precision-adjusted
    merge = frames.contained_documents(ctx.corpus.overlap)
    kw = {"drift_frames": s.drift_frames, "tier": TIER, "n_boot": s.bootstrap, "seed": s.seed, "merge": merge}
    key = {"lexicon": lexicon.sha256, "sheet": int(pd.util.hash_pandas_object(sheet, index=False).sum()),
           "keep_duplicates": s.keep_duplicates, "periods": s.periods, "bootstrap": s.bootstrap, "seed": s.seed,
           "drift_frames": s.drift_frames, "lemmatizer": s.lemmatizer}  # fmt: skip
    coded = coding.code_matches(hits, sheet)
    use_kw = {k: v for k, v in kw.items() if k != "tier"}

    def variants() -> pd.DataFrame:
        rows = [
            {"variant": "all hits", **drift.measure_drift(data, **kw).change.iloc[0].to_dict()},
            {
                "variant": "use-only hits",
                **coding.use_only_drift(data, sheet, tier=TIER, **use_kw).change.iloc[0].to_dict(),
            },
        ]
        try:
            adjusted = adjusted_drift(data, joined, **kw)
        except AictlabError:  # a drift frame never coded, or a single period
            adjusted = None
        if adjusted is not None:
            rows.append({"variant": "precision-adjusted", **adjusted})
        return pd.DataFrame(rows)

    table = ctx.cached("validation_drift", key, variants)
    ctx.save_table(table, "validation_drift")
    return "\n".join(_text(ctx, data, hits, sheet, joined, coded, precision, agree, recall, table))


def _text(ctx, data, hits, sheet, joined, coded, precision, agree, recall, table) -> list[str]:
    """The section's lines, every number from the tables."""
    s = ctx.settings
    labels = data.frames
    n_sheet = int((sheet["code"].ne("") & ~validation.is_document_row(sheet)).sum())
    census = len(joined) == len(hits)
    lines = [
        "## Lexicon validation",
        "",
        f"{len(joined)} of the {len(hits)} frame hits of this corpus ({TIER} tier) are coded in the sheet(s) "
        f"({n_sheet} coded rows on its documents; {n_sheet - len(joined)} of them are no hit of the current "
        "lexicon: set apart by its sense rules, or on terms it no longer counts). "
        + (
            "Every hit is coded: the intervals below treat the coded hits as a sample of such texts."
            if census
            else "Precision is use / coded hits; Wilson 95 % intervals (docs/methods.md §15)."
        ),
        "",
    ]
    for r in precision[precision["level"].eq("frame")].itertuples(index=False):
        lines.append(
            f"- {labels.get(r.frame, r.frame)}: precision {_fmt(r.precision)} [{_fmt(r.precision_low)}, "
            f"{_fmt(r.precision_high)}] (n = {r.n}; {r.mention} mention, {r.other_sense} other sense, "
            f"{r.wrong_frame} wrong frame); counting mentions too {_fmt(r.lenient)} "
            f"[{_fmt(r.lenient_low)}, {_fmt(r.lenient_high)}]."
        )
    cols = ["level", "frame", "tier", "term", "n", "precision", "precision_low", "precision_high", "lenient"]
    lines += [
        "",
        "Precision per frame, tier and term (terms with at least 5 coded hits), strict (use) and lenient "
        "(use or mention), in `tables/validation_precision.csv`:",
        "",
        markdown_table(precision[[c for c in cols if c in precision]].fillna(""), max_rows=40),
        "",
    ]
    if recall is not None:
        for r in recall.itertuples(index=False):
            lines.append(
                f"- Recall of {labels.get(r.frame, r.frame)} ≈ {_fmt(r.recall)} [{_fmt(r.recall_low)}, "
                f"{_fmt(r.recall_high)}]: {r.misses_in_frame} of {r.n_misses_coded} coded segments without "
                "hits invoke it (`tables/validation_recall.csv`)."
            )
    else:
        lines.append(
            "- Recall: no coded miss sheet for this corpus (`python -m aictlab.validate sample-misses`)."
        )
    if len(agree):
        a = agree.iloc[0]
        lines.append(
            f"- Agreement of {a['coder_a']} and {a['coder_b']} on {a['n_units']} hits coded by both: "
            f"{_fmt(a['agreement'])} raw, Cohen's κ = {_fmt(a['kappa'])}, Krippendorff's α = {_fmt(a['alpha'])}."
        )
    else:
        coders = sorted(set(joined["coder"]) - {""})
        lines.append(
            f"- Agreement: no hit is coded by two coders (coder(s): {', '.join(coders) or 'unnamed'})."
        )
    default = coded["use_coded_by"].eq("document default")
    n_default, n_default_use = int(default.sum()), int((default & coded["use"].eq("use")).sum())
    frm, to = s.drift_frames
    lines += [
        "",
        f"Drift change {table['first_period'].iloc[0]} → {table['last_period'].iloc[0]} "
        f"(ΔD, {labels.get(frm, frm)} → {labels.get(to, to)}), {s.bootstrap} bootstrap replicates "
        "(`tables/validation_drift.csv`):",
        "",
    ]
    for r in table.to_dict("records"):
        text = f"- {r['variant']}: ΔD = {_fmt(r['drift_change'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
        if r["variant"] == "use-only hits":
            text += (
                f", counting the hits coded use; the {n_default} uncoded hits take their document's default "
                f"({n_default_use} use, {n_default - n_default_use} the code of a document-level row)"
            )
        if r["variant"] == "precision-adjusted":
            text += (
                f", each hit weighted by its term's precision shrunk towards its frame's; the interval redraws the "
                "segments within documents and the coded hits within frames in the same replicates, the "
                f"precisions recomputed from each redraw (segments alone: [{_fmt(r['segments_ci_low'])}, "
                f"{_fmt(r['segments_ci_high'])}])"
            )
        lines.append(text + ".")
    if "precision-adjusted" not in set(table["variant"]):
        lines.append(
            f"- precision-adjusted: not computed ({frm} or {to} has no coded hit, or the documents lie in one "
            "period)."
        )
    return lines
