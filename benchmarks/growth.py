"""Growth corpora for benchmarks: the seed corpus replicated ``factor`` times.

Each copy gets a new ``doc_id`` (``<id>_r<k>``) and its file a small perturbation so that near-duplicate
detection does not fold the copies: a copy-specific marker word (``copie`` + the copy number written in
letters, ``copieb`` for copy 1) is inserted after every fourth word of each line. That adds 25 % tokens and
breaks most 5-word shingles shared with other copies, while keeping French text for the lemmatizers. The
marker has no digits: cleaning removes digits glued to a word as footnote calls (``villes1``), which turned
an earlier ``copie<k>`` marker into the same ``copie`` in every copy, so de-duplication folded them. Copy 0
is the original, unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path


def marker(copy: int) -> str:
    """The marker word of a copy: ``copie`` + ``copy`` in base 26 with letters (1 -> ``copieb``)."""
    letters = ""
    while True:
        copy, digit = divmod(copy, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
        if copy == 0:
            return f"copie{letters}"


def perturb(text: str, copy: int) -> str:
    """Insert the copy's :func:`marker` after every fourth word of each line (copy 0: unchanged)."""
    if copy == 0:
        return text
    marker_word = marker(copy)

    def line(match: re.Match) -> str:
        words = match.group(0).split(" ")
        return " ".join(w if (i + 1) % 4 else f"{w} {marker_word}" for i, w in enumerate(words))

    return re.sub(r"[^\n]+", line, text)


def replicate_corpus(source: Path, target: Path, factor: int, *, year_shift: int = 0) -> Path:
    """Write a corpus folder with ``factor`` copies of every document of ``source``.

    Parameters
    ----------
    source, target : Path
        A corpus folder (``metadata.csv`` + ``.txt``/``.md`` files) and the folder to create.
    factor : int
        Number of copies (1 = the source itself, with fresh sha256).
    year_shift : int, default=0
        Years added to copy k's date: ``k * year_shift`` (0 keeps the dates).
    """
    source, target = Path(source), Path(target)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with open(source / "metadata.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    out = []
    for copy in range(factor):
        for row in rows:
            new = dict(row)
            suffix = f"_r{copy}" if copy else ""
            new["doc_id"] = row["doc_id"] + suffix
            path = Path(row["file"])
            new["file"] = f"{path.stem}{suffix}{path.suffix}"
            text = perturb((source / row["file"]).read_text(encoding="utf-8"), copy)
            (target / new["file"]).write_text(text, encoding="utf-8")
            if year_shift:
                year = int(row["date"][:4]) + copy * year_shift
                new["date"] = f"{year}{row['date'][4:]}"
            new["sha256"] = hashlib.sha256((target / new["file"]).read_bytes()).hexdigest()
            out.append(new)
    with open(target / "metadata.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    return target
