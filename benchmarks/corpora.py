"""Benchmark corpora that look like real ones: many distinct documents of varied length (issue 15).

A corpus folder (one ``.txt`` per document + ``metadata.csv``, the format ``python -m aictlab.report --corpus
DIR`` reads) built from the sentences of a source corpus (default: the seed documents in ``data/raw``):

- **documents**: ``--documents`` of them, lengths drawn log-normal (sigma 1, scaled so that they sum to
  ``--words``; at least 40 words); years 2008-2025 (slightly more documents in later years), a random day;
  ~40 organisers recurring across years with Zipf-like weights (a few publish often, most rarely); genres of
  the kind found in the seeds;
- **text**: paragraphs of 1-7 sentences drawn from the source's sentences, a document of year y drawing more
  from source documents near y (so the corpus drifts like the seeds do); now and then a numbered section
  heading; body paragraphs hold at least 20 words. Every sentence is perturbed: max(2, 12 % of its words)
  edits, 3 in 4 inserting a rare word, the others swapping or dropping a word, so that no two paragraphs are
  near-duplicates for :mod:`aictlab.dedup` (shingles; ``--check`` counts the pairs it would flag);
- **vocabulary**: the inserted words come from a Zipf tail (a continuous power law of exponent 1.2 over
  ranks >= 100, each rank a pronounceable pseudo-word), so that the number of distinct word forms grows with
  the corpus as in real text (Heaps' law): ~18k forms at 250k words, ~45k at 1M.

Deterministic: the same options give byte-identical files (stdlib ``random`` seeded with ``--seed``).
Generated corpora are never committed: write them outside the repository.

Usage (from the repository root)::

    python benchmarks/corpora.py --out /tmp/bench_corpus_250k                 # 1,000 documents, 250k words
    python benchmarks/corpora.py --out /tmp/bench_corpus_1m --documents 4000 --words 1000000 --check

Importable: ``from corpora import write_corpus`` (with ``benchmarks/`` on ``sys.path``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import math
import random
import re
import shutil
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Sentence", "source_sentences", "tail_word", "perturb", "write_corpus", "corpus_stats", "main"]

REPO = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO / "data" / "raw"

FIRST_YEAR, LAST_YEAR = 2008, 2025
#: Edits per word of a sentence (3 in 4 insert a Zipf-tail word); the tail's power-law exponent, first rank.
EDIT_RATE, TAIL_EXPONENT, TAIL_FIRST_RANK = 0.12, 1.2, 100
#: Fewest words in a body paragraph (short paragraphs are compared on 3-word shingles: keep them apart).
MIN_PARAGRAPH_WORDS = 20
TAIL_MAX_RANK = 10**9

CITIES = (
    "Lyon Lille Nantes Rennes Grenoble Strasbourg Bordeaux Marseille Toulouse Montpellier Dijon Besançon Metz "
    "Angers Tours Poitiers Limoges Rouen Caen Brest Nancy Orléans Amiens Reims Pau Bayonne Chambéry Annecy"
).split()
REGIONS = (
    "Bretagne|Occitanie|Normandie|Grand Est|Hauts-de-France|Nouvelle-Aquitaine|Île-de-France|"
    "Auvergne-Rhône-Alpes|Bourgogne-Franche-Comté|Centre-Val de Loire|Pays de la Loire|Sud"
).split("|")
NATIONAL = (
    "Cités Unies France",
    "CNFPT / INSET d'Angers",
    "Agence française de développement",
    "Ministère de l'Europe et des Affaires étrangères (DAECT)",
    "AFCCRE",
    "Régions de France",
    "France urbaine",
    "Association des maires de France",
    "CIEDEL",
    "F3E",
    "Commission nationale de la coopération décentralisée",
    "Résacoop",
)
GENRES = (
    ("seminar report", 5),
    ("workshop report", 4),
    ("programme", 3),
    ("programme + compte rendu", 2),
    ("official compte rendu", 3),
    ("délibération", 4),
    ("rapport d'activité", 3),
    ("actes de colloque", 2),
    ("note de cadrage", 2),
)
TITLE_STEMS = (
    "L'action internationale des collectivités territoriales",
    "Coopération décentralisée et solidarité internationale",
    "Diplomatie des territoires",
    "Attractivité et rayonnement international du territoire",
    "Partenariats internationaux de la collectivité",
    "Stratégie internationale",
    "Jumelages et coopérations",
    "Les collectivités face aux crises",
    "Internationalisation des villes et des territoires",
    "Aide au développement et action extérieure",
)
SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga go gu la le li lo lu ma me mi mo mu na ne ni "
    "no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo cha che chi cho gra gre "
    "tra tre pla pre bri clo fri dra"
).split()
SUFFIXES = (
    "",
    "e",
    "tion",
    "ment",
    "ité",
    "ique",
    "eur",
    "ais",
    "elle",
    "iste",
    "isme",
    "ard",
    "ier",
    "ette",
    "ance",
    "al",
    "ois",
    "é",
    "er",
    "eux",
)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«A-ZÀÂÇÉÈÊÎÔÛ])")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the source corpus and the year of its document."""

    year: int
    text: str


def source_sentences(folder: Path = SEED_CORPUS) -> tuple[list[Sentence], list[str]]:
    """Sentences (5-80 words) and heading lines of a corpus folder's documents, Markdown and notes removed.

    Returns
    -------
    (sentences, headings)
    """
    with open(folder / "metadata.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sentences, headings = [], []
    for row in rows:
        year = int(row["date"][:4])
        text = (folder / row["file"]).read_text(encoding="utf-8")
        text = re.sub(r"<sup>.*?</sup>|<[^>]+>|\*+|_{2,}|\[\^?\d+\]", "", text)
        for block in re.split(r"\n\s*\n", text):
            block = " ".join(line.strip() for line in block.splitlines() if line.strip())
            if not block or set(block) <= set("-=|: "):
                continue
            if block.startswith("#"):
                heading = block.lstrip("#").strip()
                if 2 <= len(heading.split()) <= 12:
                    headings.append(heading)
                continue
            for sentence in SENTENCE_END.split(block):
                n = len(sentence.split())
                if 5 <= n <= 80 and not sentence.lstrip().startswith(("-", "|", "•")):
                    sentences.append(Sentence(year, sentence.strip()))
    return sentences, headings


def tail_word(rank: int) -> str:
    """The pseudo-French word of a Zipf-tail rank: syllables (``rank`` in base len(SYLLABLES)) + a suffix.

    Distinct ranks give distinct (stem, suffix) pairs; one rank in seven is a capitalised proper name.
    """
    stem_number, suffix = divmod(rank, len(SUFFIXES))
    syllables = []
    while True:
        stem_number, digit = divmod(stem_number, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
        if stem_number == 0 and len(syllables) >= 2:
            break
    word = "".join(syllables) + SUFFIXES[suffix]
    return word.capitalize() if rank % 7 == 0 else word


def draw_tail_rank(rng: random.Random) -> int:
    """A rank of the Zipf tail: continuous power law p(r) ~ r^-TAIL_EXPONENT for r >= TAIL_FIRST_RANK."""
    while True:
        rank = int(TAIL_FIRST_RANK * (1.0 - rng.random()) ** (-1.0 / (TAIL_EXPONENT - 1.0)))
        if rank < TAIL_MAX_RANK:
            return rank


def perturb(sentence: str, rng: random.Random) -> str:
    """``sentence`` with max(2, ~EDIT_RATE of its words) light edits at distinct places.

    An edit inserts a Zipf-tail word (:func:`tail_word`, 3 times in 4), swaps two neighbours or drops a
    word. Two edits at least: two draws of one sentence then differ in several 5-word (and 3-word) shingles,
    so that recombined paragraphs are never near-duplicates for :mod:`aictlab.dedup`.
    """
    words = sentence.split()
    n_edits = min(len(words), max(2, round(len(words) * EDIT_RATE)))
    # from the end backwards, so that an edit does not shift the places of those still to come
    for i in sorted(rng.sample(range(len(words)), n_edits), reverse=True):
        edit = rng.random()
        if edit < 0.75 or len(words) < 5:
            words.insert(i + 1, tail_word(draw_tail_rank(rng)))
        elif edit < 0.9 and i + 1 < len(words):
            words[i], words[i + 1] = words[i + 1], words[i]
        elif i > 0:
            del words[i]
        else:
            words.insert(i + 1, tail_word(draw_tail_rank(rng)))
    return " ".join(words)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:30]


def _organisers(rng: random.Random, n: int = 40) -> list[str]:
    """``n`` organisers: the national bodies, then regions, cities, metropolises and departments."""
    local = [f"Région {r}" for r in REGIONS] + [f"Ville de {c}" for c in CITIES]
    local += [f"{c} Métropole" for c in CITIES[:10]] + [f"Département {i:02d}" for i in range(1, 96)]
    names = list(NATIONAL) + rng.sample(local, n - len(NATIONAL))
    rng.shuffle(names)
    return names


def _lengths(rng: random.Random, documents: int, words: int) -> list[int]:
    """Document lengths in words: log-normal (sigma 1), rescaled to sum to about ``words``, >= 40."""
    raw = [rng.lognormvariate(0.0, 1.0) for _ in range(documents)]
    scale = words / sum(raw)
    return [max(40, round(x * scale)) for x in raw]


def write_corpus(
    out: Path,
    *,
    documents: int = 1000,
    words: int = 250_000,
    seed: int = 0,
    source: Path = SEED_CORPUS,
) -> Path:
    """Write a benchmark corpus folder (``.txt`` files + ``metadata.csv``) to ``out`` (replaced if present).

    Parameters
    ----------
    out : Path
        Folder to create; an existing one is removed first (it must hold a ``metadata.csv`` or be empty,
        so that a mistyped path never deletes unrelated files).
    documents, words : int
        Number of documents and about how many words in all (whitespace-separated; the report's counted
        words are ~10 % fewer: punctuation and stop words).
    seed : int
        Seed of every random draw: same options, same files.
    source : Path
        Corpus folder whose sentences are recombined (default: the seed documents).

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    if out.exists():
        if any(out.iterdir()) and not (out / "metadata.csv").is_file():
            raise SystemExit(
                f"{out} exists and is not a corpus folder (no metadata.csv): not overwriting it."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    sentences, headings = source_sentences(source)
    source_years = sorted({s.year for s in sentences})
    by_year = {y: [s.text for s in sentences if s.year == y] for y in source_years}
    organisers = _organisers(rng)
    organiser_weights = [1.0 / (k + 1) ** 0.9 for k in range(len(organisers))]
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    year_weights = [1.0 + (y - FIRST_YEAR) / (LAST_YEAR - FIRST_YEAR) for y in years]
    genres, genre_weights = zip(*GENRES, strict=True)
    rows = []
    for index, length in enumerate(_lengths(rng, documents, words)):
        year = rng.choices(years, year_weights)[0]
        date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        organiser = rng.choices(organisers, organiser_weights)[0]
        genre = rng.choices(genres, genre_weights)[0]
        # nearer source years weigh more: a 2010 document draws mostly from the earliest seeds
        weights = [math.exp(-abs(year - y) / 4.0) for y in source_years]
        paragraphs, count, section = [], 0, 0
        while count < length - 20:  # the last paragraph overshoots by about this much
            if paragraphs and rng.random() < 0.08:
                section += 1
                heading = perturb(rng.choice(headings), rng) if headings else "Section"
                paragraphs.append(f"## {section}. {heading}")
            body, n_sentences, body_words = [], 1 + min(6, int(rng.expovariate(1 / 2.5))), 0
            while len(body) < n_sentences or body_words < MIN_PARAGRAPH_WORDS:
                pool = by_year[rng.choices(source_years, weights)[0]]
                body.append(perturb(rng.choice(pool), rng))
                body_words += len(body[-1].split())
                if count + body_words >= length and body_words >= MIN_PARAGRAPH_WORDS:
                    break
            count += body_words
            paragraphs.append(" ".join(body))
        doc_id = f"bench_{index:05d}"
        name = f"{date.isoformat()}_{_slug(organiser)}_{index:05d}.txt"
        data = ("\n\n".join(paragraphs) + "\n").encode("utf-8")
        (out / name).write_bytes(data)
        rows.append(
            {
                "doc_id": doc_id,
                "file": name,
                "date": date.isoformat(),
                "title": f"{rng.choice(TITLE_STEMS)} — {genre}, {organiser} ({year})",
                "organiser": organiser,
                "genre": genre,
                "date_evidence": f"synthetic benchmark document (benchmarks/corpora.py, seed {seed})",
                "source_file": "",
                "sha256": hashlib.sha256(data).hexdigest(),
                "language": "fr",
            }
        )
    with open(out / "metadata.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out


def corpus_stats(folder: Path, *, check_duplicates: bool = False) -> dict:
    """Documents, words (whitespace), distinct word forms (lower-cased ``\\w+``), years, organisers of a folder.

    ``check_duplicates``: also count the paragraph pairs :func:`aictlab.dedup.duplicate_pairs` flags (blank-
    line paragraphs, before cleaning; needs ``aictlab`` importable).
    """
    folder = Path(folder)
    with open(folder / "metadata.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    forms: Counter = Counter()
    words = 0
    paragraphs = []
    for row in rows:
        text = (folder / row["file"]).read_text(encoding="utf-8")
        words += len(text.split())
        forms.update(re.findall(r"\w+", text.lower()))
        if check_duplicates:
            for k, para in enumerate(p for p in text.split("\n\n") if p.strip()):
                paragraphs.append((row["doc_id"], f"{row['doc_id']}_p{k}", para))
    stats = {
        "documents": len(rows),
        "words": words,
        "word_forms": len(forms),
        "hapaxes": sum(1 for c in forms.values() if c == 1),
        "years": len({r["date"][:4] for r in rows}),
        "organisers": len({r.get("organiser", "") for r in rows}),
    }
    if check_duplicates:
        import pandas as pd

        from aictlab.dedup import duplicate_pairs

        table = pd.DataFrame(paragraphs, columns=["doc_id", "para_id", "text"])
        stats["paragraphs"] = len(table)
        stats["duplicate_pairs"] = len(duplicate_pairs(table))
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="corpus folder to write (outside the repo)")
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--words", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", type=Path, default=SEED_CORPUS, help="corpus whose sentences are used")
    parser.add_argument(
        "--check", action="store_true", help="count near-duplicate paragraph pairs (aictlab.dedup)"
    )
    args = parser.parse_args(argv)
    if args.out.resolve().is_relative_to(REPO):
        parser.error(f"--out {args.out} is inside the repository; write generated corpora elsewhere (/tmp).")
    write_corpus(args.out, documents=args.documents, words=args.words, seed=args.seed, source=args.source)
    stats = corpus_stats(args.out, check_duplicates=args.check)
    print(f"{args.out}: " + ", ".join(f"{k} {v:,}" for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
