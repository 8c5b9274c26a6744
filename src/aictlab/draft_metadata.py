"""Draft a ``metadata.csv`` for a folder of documents (``python -m aictlab.corpus init DIR``).

A researcher's folder of PDFs, Word files or texts has no metadata. This writes a first ``metadata.csv`` to
review: one row per document, ``doc_id`` from the file name, the file's ``sha256``, a guessed ``date`` with
``date_evidence`` saying where it came from, and a warning listing the rows whose date needs a look. The
documents are only read; an existing ``metadata.csv`` is never overwritten.

Date rule, in order: a date in the file name (``2012-05-23``, ``20120523``, ``23-05-2012``, else ``2012-05``
or a lone year ``2012``); else the first full date in the text, French (``23 mai 2012``, ``1er juillet 2023``,
``23 et 24 mai 2012`` -> the first day, ``23/05/2012``) or ISO (``2012-05-23``). The first date of a text is
often the event's but not always (a law cited earlier, a publication date): every row not dated by a full
date in its file name is listed for review.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
import unicodedata
import warnings
from pathlib import Path

from aictlab import schema as S
from aictlab.errors import CorpusError

__all__ = [
    "COLUMNS",
    "MONTHS",
    "MetadataDraftWarning",
    "doc_id_from_name",
    "date_from_name",
    "date_from_text",
    "draft_rows",
    "needs_review",
    "init_metadata",
    "main",
]

COLUMNS = ("doc_id", "file", "date", *S.METADATA_RECOMMENDED)
MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "décembre": 12,
}
_DAY = r"(1er|[0-3]?\d)"
_FRENCH_DATE = re.compile(
    rf"(?<![\w/]){_DAY}(?:\s*(?:et|au|-|–|&)\s*(?:1er|[0-3]?\d))?\s+({'|'.join(MONTHS)})\s+((?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"(?<![\d/])((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<![\d/.])([0-3]?\d)[/.]([01]?\d)[/.]((?:19|20)\d\d)(?![\d/])")
_NAME_FULL = (
    re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)(?!\d)"),  # 2012-05-23, 20120523
    re.compile(r"(?<!\d)([0-3]\d)[-_.]([01]\d)[-_.]((?:19|20)\d\d)(?!\d)"),  # 23-05-2012 (day first)
)
_NAME_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]([01]\d)(?![\d])")
_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


class MetadataDraftWarning(UserWarning):
    """Rows of a drafted metadata.csv that need a human look (date guessed from the text, or missing)."""


def _valid(year: int, month: int, day: int = 1) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def doc_id_from_name(name: str) -> str:
    """A doc_id from a file name: stem, accents folded, lower case, other characters as ``_``.

    >>> doc_id_from_name("2023-07-03 CUF Diplomatie_des_Territoires.pdf")
    '2023_07_03_cuf_diplomatie_des_territoires'
    """
    stem = Path(name).stem
    text = "".join(c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "doc"


def date_from_name(name: str) -> tuple[str, str] | None:
    """``(date, evidence)`` from a file name (full date, else year-month, else year), or None."""
    stem = Path(name).stem
    for number, pattern in enumerate(_NAME_FULL):
        for match in pattern.finditer(stem):
            y, m, d = match.groups() if number == 0 else match.groups()[::-1]
            if _valid(int(y), int(m), int(d)):
                return f"{y}-{m}-{d}", f"file name {name!r}: {match.group(0)}"
    for match in _NAME_MONTH.finditer(stem):
        y, m = match.groups()
        if _valid(int(y), int(m)):
            return f"{y}-{m}", f"file name {name!r}: {match.group(0)} (year and month only)"
    match = _NAME_YEAR.search(stem)
    if match:
        return match.group(1), f"file name {name!r}: {match.group(1)} (year only)"
    return None


def date_from_text(text: str) -> tuple[str, str] | None:
    """``(date, evidence)`` of the first full French or ISO date in a text, or None.

    French: ``23 mai 2012``, ``1er juillet 2023``, ``23 et 24 mai 2012`` (the first day), ``23/05/2012``
    (day first); ISO ``2012-05-23``. Impossible dates (``31 juin``) are skipped. Evidence names the line.
    """
    found: list[tuple[int, str, str]] = []
    for match in _FRENCH_DATE.finditer(text):
        day = 1 if match.group(1).lower() == "1er" else int(match.group(1))
        month = MONTHS[match.group(2).lower()]
        year = int(match.group(3))
        if _valid(year, month, day):
            found.append((match.start(), f"{year:04d}-{month:02d}-{day:02d}", match.group(0)))
            break
    for match in _ISO_DATE.finditer(text):
        if _valid(*map(int, match.groups())):
            found.append((match.start(), match.group(0), match.group(0)))
            break
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = map(int, match.groups())
        if _valid(year, month, day):
            found.append((match.start(), f"{year:04d}-{month:02d}-{day:02d}", match.group(0)))
            break
    if not found:
        return None
    start, iso, surface = min(found)
    line = text.count("\n", 0, start) + 1
    surface = re.sub(r"\s+", " ", surface)
    return iso, f"text line {line}: {surface!r} (first full date in the text)"


def _title(text: str) -> str:
    for line in text.splitlines():
        line = re.sub(r"^[#>*\s]+|[*_]+", "", line).strip()
        if re.search(r"[^\W\d_]", line):
            return line[:200]
    return ""


def draft_rows(folder: str | Path) -> list[dict[str, str]]:
    """The rows of a draft metadata.csv for the documents of ``folder`` (sorted by path), without writing.

    Each row has the columns :data:`COLUMNS`; ``title`` is the text's first line (a guess), ``organiser``,
    ``genre`` and ``language`` are left empty for the researcher; ``date`` is empty when nothing was found.
    """
    from aictlab.io import SUPPORTED_SUFFIXES, read_document, sha256_file

    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"{folder}: no such folder.")
    root = folder.resolve()
    candidates = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and p.name != "metadata.csv"
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    # a link to a file outside the folder is not a document of this corpus: never read it, say so
    outside = [p for p in candidates if not p.resolve().is_relative_to(root)]
    for path in outside:
        warnings.warn(
            f"{path}: links to {path.resolve()}, outside {folder}; left out (copy the file into the folder "
            "to describe it).",
            MetadataDraftWarning,
            stacklevel=2,
        )
    files = [p for p in candidates if p not in outside]
    if not files:
        raise CorpusError(
            f"{folder}: no documents ({', '.join(SUPPORTED_SUFFIXES)}) found; nothing to describe."
        )
    rows, used = [], set()
    for path in files:
        relative = path.relative_to(folder).as_posix()
        doc_id = base = doc_id_from_name(path.name)
        k = 2
        while doc_id in used:
            doc_id, k = f"{base}_{k}", k + 1
        used.add(doc_id)
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            {"doc_id": doc_id, "file": relative, "source_file": path.name, "sha256": sha256_file(path)}
        )
        guess = date_from_name(path.name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # encoding warnings come again when the corpus is loaded
                text = read_document(path)
        except CorpusError as err:
            text = ""
            row["date_evidence"] = f"unreadable ({err})"
        row["title"] = _title(text)
        if guess is None and text:
            guess = date_from_text(text)
        if guess is not None:
            row["date"], evidence = guess
            row["date_evidence"] = "; ".join(e for e in (evidence, row["date_evidence"]) if e)
        elif not row["date_evidence"]:
            row["date_evidence"] = "no date found in the file name or the text: fill it in"
        rows.append(row)
    return rows


def needs_review(row: dict[str, str]) -> str | None:
    """Why a draft row needs a look (None when a full date comes from its file name)."""
    if not row["date"]:
        return "no date"
    if "unreadable" in row["date_evidence"]:
        return "unreadable document"
    if row["date_evidence"].startswith("text line"):
        return "date from the text"
    if len(row["date"]) < 10:
        return "partial date from the file name"
    return None


def init_metadata(folder: str | Path) -> Path:
    """Write a draft ``<folder>/metadata.csv`` describing the folder's documents; return its path.

    The documents are only read. A :class:`MetadataDraftWarning` lists the rows to review (date from the
    text, partial, missing, unreadable document); a row without a date makes ``load_corpus`` fail on that row
    until it is filled in, on purpose.

    Raises
    ------
    CorpusError
        The folder does not exist, holds no document, or already has a ``metadata.csv`` (never overwritten).
    """
    folder = Path(folder)
    target = folder / "metadata.csv"
    if target.exists():
        raise CorpusError(
            f"{target}: already exists; init never overwrites it. Move it away to draft a new one."
        )
    rows = draft_rows(folder)
    try:
        with open(target, "x", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    except FileExistsError:
        raise CorpusError(f"{target}: appeared meanwhile; init never overwrites it.") from None
    review = [
        f"row {number} ({row['doc_id']}: {reason})"
        for number, row in enumerate(rows, start=1)
        if (reason := needs_review(row))
    ]
    if review:
        warnings.warn(
            f"{target}: drafted {len(rows)} row(s); check the dates of {len(review)} row(s): "
            + "; ".join(review)
            + ". Fill in title, organiser, genre and language too.",
            MetadataDraftWarning,
            stacklevel=2,
        )
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m aictlab.corpus init DIR``: draft DIR/metadata.csv (exit 0; 2 on error)."""
    parser = argparse.ArgumentParser(prog="python -m aictlab.corpus", description="Corpus folder tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="draft metadata.csv for a folder of documents (never overwrites)")
    init.add_argument("folder", type=Path, help="folder of .txt/.md/.pdf/.docx documents")
    args = parser.parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetadataDraftWarning)
        try:
            path = init_metadata(args.folder)
        except CorpusError as err:
            print(f"aictlab: error: {err}", file=sys.stderr)
            return 2
    for warning in caught:
        print(f"aictlab: warning: {warning.message}", file=sys.stderr)
    print(f"wrote {path}: review it, then load the corpus with load_corpus({str(args.folder)!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
