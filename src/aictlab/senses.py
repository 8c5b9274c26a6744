"""Senses of frame hits: which lexicon hits speak in their frame, which are names, titles or repeats.

A lexicon hit (:func:`aictlab.lexicon.match_terms`) is classified by rules that read the hit's context in the
token table, never the verdict it would give:

* ``other_sense``, ``reason="context_require"`` / ``"context_exclude"``: the entry asks for context words
  (``require``) within ``window`` words and none is there, or names words that signal another sense
  (``exclude``) and one is there;
* ``other_sense``, ``reason="institutional_title"``: the hit lies inside an institutional title of the data list
  ``aictlab/data/institutional_titles.txt`` (ministries, laws, agencies), matched case- and accent-insensitively;
* ``other_sense``, ``reason="named_entity"``: the token table has spaCy's entity column ``ent_type`` and the
  hit is inside an ``ORG`` span;
* ``other_sense``, ``reason="proper_name"``: the hit starts with a capitalised word in mid-sentence. French
  typography capitalises a common noun only in the name of an institution, an event, a law or a work
  ("ministère ... des Partenariats internationaux", "Prix de la Paix"; Imprimerie nationale, *Lexique des
  règles typographiques en usage à l'Imprimerie nationale*, 2002, "Majuscules"). A sentence start, or a start
  after ``:``, ``;``, a bullet, a dash, an opening bracket or quote, is not mid-sentence; ALL-CAPS words
  (headings, acronyms) are not title case; entries whose label is itself a name (``Business France``) are
  exempt;
* ``repeat``, ``reason="acronym"``: a hit in brackets right after a hit of the same frame, one of the two an
  ALL-CAPS acronym ("aide publique au développement (APD)", "... solidarité internationale (ECSI)"): the same
  expression, counted once.

Everything else has sense ``frame``. Only ``frame`` hits enter frame counts by default.

References
----------
docs/methods.md §15 (context rules, hits inside proper names).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from aictlab.accents import fold_accents
from aictlab.errors import LexiconError

__all__ = [
    "SENSES",
    "HitContext",
    "classify_hits",
    "read_titles",
    "title_key",
]

#: Sense labels of a hit: counted in its frame, another sense, or a repeat of the previous hit.
SENSES = ("frame", "other_sense", "repeat")
#: spaCy entity labels that mark an organisation's name.
ORG_LABELS = frozenset({"ORG"})
#: Tokens after which a capitalised word starts a new unit (not a proper name by its capital alone).
_STARTERS = frozenset(
    {":", ";", "«", '"', "(", "[", "—", "–", "-", "•", "▪", "◦", "●", "*", "·", "/", "!", "?", ".", "…"}
)


@lru_cache(maxsize=100_000)
def title_key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key of a text: ``Ministère de l'Europe`` -> ``ministere de l europe``."""
    return " ".join(re.findall(r"[^\W_]+", fold_accents(text.lower())))


def read_titles(path: str | Path | None = None) -> tuple[str, ...]:
    """Read an institutional-title list (one title a line, ``#`` comments) as :func:`title_key` keys.

    Parameters
    ----------
    path : str or Path, optional
        Default: the packaged ``aictlab/data/institutional_titles.txt``.

    Raises
    ------
    LexiconError
        Missing file, or a title of fewer than two words (line number named).
    """
    if path is None:
        from aictlab.config import PACKAGE_DATA

        path = PACKAGE_DATA / "institutional_titles.txt"
    return _read_titles(str(path))


@lru_cache(maxsize=8)
def _read_titles(path: str) -> tuple[str, ...]:
    file = Path(path)
    if not file.is_file():
        raise LexiconError(f"{file}: institutional-title list not found.")
    titles = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        key = title_key(text)
        if len(key.split(" ")) < 2:
            raise LexiconError(f"{file} line {number}: {text!r} is one word; list whole titles.")
        titles.append(key)
    return tuple(sorted(set(titles), key=len, reverse=True))


@dataclass(frozen=True)
class HitContext:
    """Token arrays a classification reads, in document order (one entry per token row).

    Attributes
    ----------
    doc, surface : arrays of str
        Document id and surface text of each row.
    block : array of int
        Sentence block number (rows of one document and sentence share it).
    parts : list of tuple of str
        Canonical lemma parts of each row (accent-restored where matching restored them).
    is_word : array of bool
        Row has a letter.
    ent_type : array of str or None
        spaCy entity label of each row, when the token table has ``ent_type``.
    surface_codes : (array, array) or None
        ``pandas.factorize(surface)`` when ``surface`` holds str and the caller has it (not again).
    """

    doc: np.ndarray
    surface: np.ndarray
    block: np.ndarray
    parts: list[tuple[str, ...]]
    is_word: np.ndarray
    ent_type: np.ndarray | None = None
    surface_codes: tuple[np.ndarray, np.ndarray] | None = None


def _is_title_case(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and letters[0].isupper() and not all(c.isupper() for c in letters)


def _mid_sentence_capital(ctx: HitContext, r0: int) -> bool:
    """The hit's first row is title case and neither starts its sentence nor follows a starter token."""
    if not _is_title_case(str(ctx.surface[r0])):
        return False
    prev = r0 - 1
    # an elided article belongs to its word: "de l'Attractivité" is mid-sentence, "L'Attractivité ..." is not
    if prev >= 0 and ctx.block[prev] == ctx.block[r0] and str(ctx.surface[prev]).strip().endswith("'"):
        prev -= 1
    if prev < 0 or ctx.block[prev] != ctx.block[r0]:
        return False
    before = str(ctx.surface[prev]).strip()
    return before not in _STARTERS and not re.fullmatch(r"\d{1,3}[.)]?|[a-zA-Z][.)]", before)


def _title_rows(ctx: HitContext, titles: tuple[str, ...], rows: Sequence[int] | None = None) -> np.ndarray:
    """Rows covered by an occurrence of a listed title (searched per document on :func:`title_key` text).

    ``rows``: the rows whose cover is read (e.g. the hits' first rows); only their documents are searched
    (a title never crosses a document), the other rows are left uncovered. None searches every document."""
    covered = np.zeros(len(ctx.surface), dtype=bool)
    if not titles or not len(ctx.surface):
        return covered
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(t) for t in titles) + r")(?![^\W_])")
    starts = np.r_[0, np.flatnonzero(ctx.doc[1:] != ctx.doc[:-1]) + 1, len(ctx.doc)]
    spans = list(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True))
    if rows is not None:  # the documents of the rows read
        wanted = np.unique(np.searchsorted(starts, np.asarray(rows, dtype=np.int64), side="right") - 1)
        spans = [spans[k] for k in wanted.tolist()]
    if not spans:
        return covered
    # each distinct surface form is keyed once; a row's key starts where the previous non-empty key ended
    take = np.concatenate([np.arange(a, b) for a, b in spans])
    if ctx.surface_codes is not None:  # the table's distinct forms (those of other documents keyed too)
        code, forms = ctx.surface_codes[0][take], ctx.surface_codes[1]
    else:
        code, forms = pd.factorize(np.asarray([str(s) for s in ctx.surface[take]], dtype=object))
    form_keys = [title_key(f) for f in forms]
    keys = np.empty(len(ctx.surface), dtype=object)
    keys[take] = np.asarray(form_keys, dtype=object)[code]
    lengths = np.zeros(len(ctx.surface), dtype=np.int64)
    lengths[take] = np.asarray([len(k) for k in form_keys], dtype=np.int64)[code]
    step = lengths + (lengths > 0)
    for a, b in spans:
        present = lengths[a:b] > 0
        if not present.any():
            continue
        text = " ".join(keys[a:b][present].tolist())
        begins = np.cumsum(step[a:b]) - step[a:b]
        ends = begins + lengths[a:b]
        # both nondecreasing (a key ends before the next begins): the keys inside a match, begins >= start and
        # ends <= end, are one run of rows, found by bisection instead of a pass over the document per match
        for m in pattern.finditer(text):
            lo = a + int(np.searchsorted(begins, m.start(), side="left"))
            hi = a + int(np.searchsorted(ends, m.end(), side="right"))
            if lo < hi:
                covered[lo:hi] |= present[lo - a : hi - a]  # empty keys (ends == begins) are never covered
    return covered


def _context_parts(ctx: HitContext, r0: int, r1: int, window: int) -> set[str]:
    """Lemma parts of up to ``window`` word rows before ``r0`` and after ``r1`` in the same document."""
    found: set[str] = set()
    for step, start in ((-1, r0 - 1), (1, r1 + 1)):
        r, seen = start, 0
        while 0 <= r < len(ctx.doc) and ctx.doc[r] == ctx.doc[r0] and seen < window:
            if ctx.is_word[r]:
                found.update(ctx.parts[r])
                seen += 1
            r += step
    return found


def classify_hits(
    rows: list[tuple[int, int, str, str]],
    ctx: HitContext,
    rules: dict[str, tuple[frozenset[str], frozenset[str], int]],
    *,
    titles: tuple[str, ...] = (),
    name_terms: frozenset[str] = frozenset(),
    names: bool = True,
) -> tuple[list[str], list[str]]:
    """Sense and reason of each hit (see the module docstring).

    Parameters
    ----------
    rows : list of (r0, r1, frame, term)
        The hits in document order: first and last token row (positions in ``ctx``), frame and term.
    ctx : HitContext
    rules : dict
        Term -> ``(require, exclude, window)`` for the entries with context rules.
    titles : tuple of str
        Institutional titles as :func:`title_key` keys (:func:`read_titles`).
    name_terms : frozenset of str
        Terms whose label is itself a proper name (exempt from the capital rule).
    names : bool, default=True
        False: no hit is set apart as a name, title, entity or repeated acronym (context rules still apply).

    Returns
    -------
    senses, reasons : list of str
        One per hit: sense in :data:`SENSES`; reason (``""`` for ``frame``).
    """
    in_title = _title_rows(ctx, titles if names else (), rows=[r0 for r0, *_ in rows])
    senses, reasons = [], []
    previous: tuple[int, int, str] | None = None
    for r0, r1, frame, term in rows:
        sense, reason = "frame", ""
        if names and previous is not None and _bracketed_repeat(ctx, previous, (r0, r1, frame)):
            sense, reason = "repeat", "acronym"
        elif in_title[r0 : r1 + 1].any():
            sense, reason = "other_sense", "institutional_title"
        elif (
            names
            and ctx.ent_type is not None
            and any(str(e) in ORG_LABELS for e in ctx.ent_type[r0 : r1 + 1])
        ):
            sense, reason = "other_sense", "named_entity"
        elif names and term not in name_terms and _mid_sentence_capital(ctx, r0):
            sense, reason = "other_sense", "proper_name"
        elif term in rules:
            require, exclude, window = rules[term]
            around = _context_parts(ctx, r0, r1, window)
            if exclude & around:
                sense, reason = "other_sense", "context_exclude"
            elif require and not require & around:
                sense, reason = "other_sense", "context_require"
        senses.append(sense)
        reasons.append(reason)
        previous = (r0, r1, frame)
    return senses, reasons


def _is_acronym(ctx: HitContext, r0: int, r1: int) -> bool:
    text = "".join(str(s) for s in ctx.surface[r0 : r1 + 1])
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _bracketed_repeat(ctx: HitContext, first: tuple[int, int, str], second: tuple[int, int, str]) -> bool:
    """``second`` is alone in brackets right after ``first``, same frame and document, one of them an acronym."""
    a0, a1, frame_a = first
    b0, b1, frame_b = second
    if frame_a != frame_b or b0 != a1 + 2 or ctx.doc[a1] != ctx.doc[b0]:
        return False
    if str(ctx.surface[a1 + 1]).strip() != "(":
        return False
    if b1 + 1 >= len(ctx.surface) or str(ctx.surface[b1 + 1]).strip() != ")":
        return False
    return _is_acronym(ctx, b0, b1) or _is_acronym(ctx, a0, a1)
