"""Frame lexicon: load and validate the YAML file, and find frame terms in a token table.

The lexicon is data (``aictlab/data/frames.yaml`` by default, or a user's file): one entry per term with
its frame, tier (``core`` | ``extended``), the lemma sequence(s) that count as the term, a one-line
justification and a source. :func:`load_lexicon` refuses a malformed file with a :class:`LexiconError`
naming the file and the entry. :func:`match_terms` finds the terms in a tidy token table (METHODS §1):
lowercased NFC lemmas, multi-word entries first, longest match wins, no overlap, an MWE counts once.
Matching does not depend on the form of the text: in text without accents (ALL-CAPS words, documents typed
or OCR'd without accents) a word's accents are restored when French allows only one reading
(:mod:`aictlab.accents`). Each hit gets a sense (:mod:`aictlab.senses`): names, titles and context-rule
failures are ``other_sense`` and a bracketed acronym repeating a hit is a ``repeat``; frame counts use the
``frame`` hits.

References
----------
docs/methods.md §1 (frequencies, frame lexicon, frame rates), §12 (per-term counts for robustness) and §15
(context rules, proper names).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype

from aictlab.accents import (
    accent_readings,
    accentless_documents,
    key_vocabulary,
    may_lack_accents,
    restore_accents,
)
from aictlab.errors import LexiconError, check_choice
from aictlab.schema import DOC_ID, LEMMA, MWE_JOINER, SEG_ID, SENT_ID, TOK_POS, TOKEN, YEAR, require_columns
from aictlab.senses import HitContext, classify_hits, read_titles, title_key

__all__ = [
    "block_keys",
    "DEFAULT_WINDOW",
    "SENSE_CHOICES",
    "TIERS",
    "ENTRY_KEYS",
    "REQUIRED_ENTRY_KEYS",
    "FRAME_NAME",
    "FUNCTION_WORDS",
    "MATCH_COLUMNS",
    "canonical_lemma",
    "split_form",
    "Lexicon",
    "load_lexicon",
    "parse_lexicon",
    "match_terms",
]

TIERS = ("core", "extended")
#: Keys an entry of ``terms`` may have (``require``/``exclude``/``window``: context rules, :mod:`aictlab.senses`).
ENTRY_KEYS = {
    "term",
    "frame",
    "tier",
    "lemmas",
    "justification",
    "source",
    "note",
    "require",
    "exclude",
    "window",
}
#: Words on each side of a hit where ``require``/``exclude`` context is looked for, unless an entry says.
DEFAULT_WINDOW = 10
REQUIRED_ENTRY_KEYS = ("term", "frame", "tier", "justification")
FRAME_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

#: French function words whose lemma differs between lemmatisers (spaCy: "du" -> "de", "des" -> "de" or
#: "un"; simplemma: "du" -> "du", "des" -> "un"). They are mapped to one form in the lexicon *and* in the
#: tokens, so a multi-word entry such as "pays du Sud" matches whichever lemmatiser produced the tokens.
FUNCTION_WORDS = {
    "la": "le",
    "les": "le",
    "l'": "le",
    "du": "de",
    "des": "de",
    "d'": "de",
    "un": "de",
    "une": "de",
    "aux": "au",
}

MATCH_COLUMNS = (
    DOC_ID,
    SEG_ID,
    YEAR,
    TOK_POS,
    "tok_pos_end",
    "n_tokens",
    "frame",
    "term",
    "tier",
    "form",
    "keyword",
    "lemma",
    "index_start",
    "index_end",
    "sense",
    "sense_reason",
    "accent_restored",
)
SENSE_CHOICES = ("frame", "all")


def canonical_lemma(text: str) -> str:
    """Lowercase NFC form of a lemma part, typographic apostrophe as ``'``, function words canonicalised.

    Examples
    --------
    >>> canonical_lemma("Du")
    'de'
    >>> canonical_lemma("Solidarité")
    'solidarité'
    """
    value = unicodedata.normalize("NFC", str(text)).lower().replace("\u2019", "'").strip()
    return FUNCTION_WORDS.get(value, value)


def split_form(text: str) -> tuple[str, ...]:
    """Split a lemma sequence (spaces or the MWE joiner ``_``) into canonical parts."""
    parts = re.split(r"[\s_]+", unicodedata.normalize("NFC", str(text)).strip())
    return tuple(canonical_lemma(p) for p in parts if p)


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A validated frame lexicon.

    Attributes
    ----------
    terms : DataFrame
        One row per term: ``frame, term, tier, justification, source, note, n_forms`` and the context rule
        ``require, exclude`` (tuples of canonical lemmas, empty when the entry has none), ``window``.
    forms : DataFrame
        One row per lemma sequence: ``frame, term, tier, form`` (canonical parts joined by spaces),
        ``n_parts``.
    frames : dict
        Frame name -> ``{"label", "description"}``.
    name, version, path, sha256 : str
        Provenance of the file.
    excluded : DataFrame
        Terms considered and left out (``term, reason``), documentation only.
    titles : tuple of str
        Institutional titles inside which a hit is ``other_sense`` (:func:`aictlab.senses.read_titles` keys).
    sense_rules : bool
        Whether hits inside names and titles and bracketed acronyms are set apart (the file's top-level
        ``sense_rules``, default true); entries' context rules apply either way.
    """

    terms: pd.DataFrame
    forms: pd.DataFrame
    frames: dict[str, dict[str, str]]
    name: str = "lexicon"
    version: str = ""
    path: str = ""
    sha256: str = ""
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    titles: tuple[str, ...] = ()
    sense_rules: bool = True

    @property
    def frame_names(self) -> tuple[str, ...]:
        return tuple(self.frames)

    def subset(self, *, tier: str = "extended", drop_terms: Iterable[str] = ()) -> Lexicon:
        """The lexicon restricted to ``tier`` (``core``: core entries only; ``extended``: all) and without
        the terms in ``drop_terms`` (labels, as in ``terms.term``)."""
        check_choice("tier", tier, TIERS)
        drop = set(drop_terms)
        unknown = drop - set(self.terms["term"])
        if unknown:
            raise LexiconError(f"{self.path or self.name}: cannot drop unknown term(s) {sorted(unknown)}.")
        keep_t = ~self.terms["term"].isin(drop)
        keep_f = ~self.forms["term"].isin(drop)
        if tier == "core":
            keep_t &= self.terms["tier"].eq("core")
            keep_f &= self.forms["tier"].eq("core")
        return Lexicon(
            terms=self.terms[keep_t].reset_index(drop=True),
            forms=self.forms[keep_f].reset_index(drop=True),
            frames=dict(self.frames),
            name=self.name,
            version=self.version,
            path=self.path,
            sha256=self.sha256,
            excluded=self.excluded,
            titles=self.titles,
            sense_rules=self.sense_rules,
        )

    def summary(self) -> pd.DataFrame:
        """Number of terms per frame and tier."""
        return self.terms.groupby(["frame", "tier"]).size().rename("n_terms").reset_index()


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Read and validate a frame lexicon YAML file.

    Parameters
    ----------
    path : str or Path, optional
        The file; ``None`` uses the packaged ``aictlab/data/frames.yaml``.

    Returns
    -------
    Lexicon

    Raises
    ------
    LexiconError
        Missing file, bad YAML, missing ``frames``/``terms``, an empty list, an entry without a required
        key or with an unknown key, an undeclared frame, a bad tier, or the same term/lemma sequence twice
        (within or across frames). The message names the file and the entry.
    """
    import yaml

    if path is None:
        from aictlab.config import PACKAGE_DATA

        path = PACKAGE_DATA / "frames.yaml"
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read the lexicon file ({exc.strerror or exc}).") from exc
    try:
        # libyaml's loader when built (10x faster, same safe subset): the lexicon is read by several parts
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}: not UTF-8 text ({exc}).") from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    return parse_lexicon(data, source=str(path), sha256=hashlib.sha256(raw).hexdigest())


def parse_lexicon(data: Any, *, source: str = "<lexicon>", sha256: str = "") -> Lexicon:
    """Validate an already-parsed lexicon mapping (see :func:`load_lexicon`) and build a :class:`Lexicon`."""
    if not isinstance(data, dict):
        raise LexiconError(f"{source}: the top level must be a mapping with 'frames' and 'terms'.")
    for key in ("frames", "terms"):
        if key not in data:
            raise LexiconError(f"{source}: missing top-level key '{key}'.")
    frames_raw = data["frames"]
    if not isinstance(frames_raw, dict) or not frames_raw:
        raise LexiconError(f"{source}: 'frames' must be a non-empty mapping of frame name -> description.")
    frames: dict[str, dict[str, str]] = {}
    for name, spec in frames_raw.items():
        if not isinstance(name, str) or not FRAME_NAME.match(name):
            raise LexiconError(
                f"{source}: frame name {name!r} must match [a-z][a-z0-9_]* (e.g. 'solidarite')."
            )
        spec = spec if isinstance(spec, dict) else {"description": "" if spec is None else str(spec)}
        frames[name] = {
            "label": str(spec.get("label", name)),
            "description": str(spec.get("description", "")),
        }
    entries = data["terms"]
    if not isinstance(entries, list) or not entries:
        raise LexiconError(f"{source}: 'terms' must be a non-empty list of entries.")

    term_rows, form_rows = [], []
    seen_terms: dict[str, str] = {}
    seen_forms: dict[str, tuple[str, str]] = {}
    for i, entry in enumerate(entries, start=1):
        where = f"{source}: entry {i}"
        if not isinstance(entry, dict):
            raise LexiconError(
                f"{where}: expected a mapping with term, frame, tier, justification; got {entry!r}."
            )
        if "term" in entry:
            where = f"{source}: entry {i} ({entry['term']!r})"
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(ENTRY_KEYS)}.")
        for key in REQUIRED_ENTRY_KEYS:
            value = entry.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise LexiconError(f"{where}: missing or empty '{key}'.")
        term = unicodedata.normalize("NFC", str(entry["term"]).strip())
        frame = str(entry["frame"])
        if frame not in frames:
            raise LexiconError(
                f"{where}: unknown frame {frame!r}; declared frames: {', '.join(frames)} "
                "(declare new frames under 'frames')."
            )
        tier = str(entry["tier"])
        if tier not in TIERS:
            raise LexiconError(f"{where}: tier {tier!r} must be 'core' or 'extended'.")
        lemmas = entry.get("lemmas", [term])
        if isinstance(lemmas, str):
            lemmas = [lemmas]
        if not isinstance(lemmas, list) or not lemmas:
            raise LexiconError(f"{where}: 'lemmas' must be a non-empty list of lemma sequences.")
        require, exclude, window = _context_rule(entry, where)
        key = term.lower()
        if key in seen_terms:
            other = seen_terms[key]
            what = "twice in frame" if other == frame else f"in both frames {other!r} and"
            raise LexiconError(f"{where}: duplicate entry: term {term!r} appears {what} {frame!r}.")
        seen_terms[key] = frame
        forms_here = set()
        for lem in lemmas:
            parts = split_form(lem)
            if not parts or not all(parts):
                raise LexiconError(f"{where}: empty lemma sequence in 'lemmas'.")
            form = " ".join(parts)
            if form in forms_here:
                continue
            if form in seen_forms:
                other_frame, other_term = seen_forms[form]
                raise LexiconError(
                    f"{where}: duplicate entry: lemma sequence {form!r} already belongs to term "
                    f"{other_term!r} (frame {other_frame!r}); frames must be disjoint."
                )
            seen_forms[form] = (frame, term)
            forms_here.add(form)
            form_rows.append(
                {"frame": frame, "term": term, "tier": tier, "form": form, "n_parts": len(parts)}
            )
        term_rows.append(
            {
                "frame": frame,
                "term": term,
                "tier": tier,
                "justification": " ".join(str(entry["justification"]).split()),
                "source": " ".join(str(entry.get("source", "") or "").split()),
                "note": " ".join(str(entry.get("note", "") or "").split()),
                "n_forms": len(forms_here),
                "require": require,
                "exclude": exclude,
                "window": window,
            }
        )
    empty = [f for f in frames if f not in {r["frame"] for r in term_rows}]
    if empty:
        raise LexiconError(f"{source}: frame(s) {', '.join(empty)} declared with an empty list of terms.")
    excluded = data.get("excluded") or []
    if not isinstance(excluded, list):
        raise LexiconError(f"{source}: 'excluded' must be a list of {{term, reason}} entries.")
    excluded_df = pd.DataFrame(
        [
            {"term": str(e.get("term", "")), "reason": str(e.get("reason", ""))}
            for e in excluded
            if isinstance(e, dict)
        ],
        columns=["term", "reason"],
    )
    return Lexicon(
        terms=pd.DataFrame(term_rows),
        forms=pd.DataFrame(form_rows),
        frames=frames,
        name=str(data.get("name", "lexicon")),
        version=str(data.get("version", "")),
        path=source,
        sha256=sha256,
        excluded=excluded_df,
        titles=_titles(data.get("institutional_titles"), source),
        sense_rules=_flag(data.get("sense_rules", True), "sense_rules", source),
    )


def _flag(value: Any, key: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise LexiconError(f"{source}: '{key}' must be true or false, got {value!r}.")
    return value


def _context_rule(entry: dict, where: str) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """Validated ``require``, ``exclude`` (canonical one-word lemmas) and ``window`` of an entry."""
    rule = {}
    for key in ("require", "exclude"):
        value = entry.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise LexiconError(f"{where}: '{key}' must be a list of lemmas (e.g. [coopération, jumelage]).")
        parts = [split_form(v) for v in value]
        several = [v for v, p in zip(value, parts, strict=True) if len(p) != 1]
        if several:
            raise LexiconError(
                f"{where}: '{key}' lists {several}; give single lemmas (any of them in the window counts)."
            )
        rule[key] = tuple(sorted({p[0] for p in parts}))
    window = entry.get("window", DEFAULT_WINDOW)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 50:
        raise LexiconError(f"{where}: 'window' must be a whole number of words from 1 to 50, got {window!r}.")
    if "window" in entry and not (rule["require"] or rule["exclude"]):
        raise LexiconError(f"{where}: 'window' given without 'require' or 'exclude'.")
    overlap = set(rule["require"]) & set(rule["exclude"])
    if overlap:
        raise LexiconError(f"{where}: {sorted(overlap)} both required and excluded.")
    return rule["require"], rule["exclude"], window


def _titles(value: Any, source: str) -> tuple[str, ...]:
    """Institutional titles: the packaged list (absent key), a list given inline, or a file next to the lexicon."""
    if value is None:
        return read_titles()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(sorted({title_key(v) for v in value if title_key(v)}, key=len, reverse=True))
    if isinstance(value, str):
        path = Path(value)
        if not path.is_absolute():
            path = Path(source).parent / path
        return read_titles(path)
    raise LexiconError(
        f"{source}: 'institutional_titles' must be a list of titles or the path of a title file, got {value!r}."
    )


def _row_pieces(lem: str, surface: str, accentless: bool, restore) -> list[tuple]:
    """The canonical lemma parts of one token row (see :func:`match_terms`): per part ``(part, offered,
    restored, conditional)``: the part matched, the surface key it also offers to one-word entries (or None),
    whether it was matched on restored accents and whether only in its entry's required context."""
    pieces = [p for p in re.split(r"[\s" + MWE_JOINER + r"]+", lem) if p] if lem.strip() else []
    if not pieces:  # whitespace token: a barrier, never part of a match
        pieces = ["\x00"]
    restorable = pieces != ["\x00"] and may_lack_accents(surface, accentless)
    words = surface.split() if len(pieces) > 1 else [surface]
    out = []
    for j, p in enumerate(pieces):
        part = canonical_lemma(p) if p != "\x00" else p
        # One-part tokens also offer their surface form to one-word entries (lemmatiser errors).
        offered = canonical_lemma(surface) if len(pieces) == 1 and p != "\x00" else None
        restored, conditional = None, False
        if restorable:
            word = words[j] if len(words) == len(pieces) else p
            restored, conditional = restore(word)
            if restored is None:
                restored, conditional = restore(p)
        if restored is not None and canonical_lemma(restored) != part:
            part, offered = canonical_lemma(restored), None
        else:
            restored, conditional = None, False
        out.append((part, offered, restored is not None, conditional))
    return out


def block_keys(values: pd.Series) -> np.ndarray:
    """A column as :func:`match_terms` compares it to cut blocks (a match never spans a change of document,
    sentence or segment): integers as they are, anything else as text."""
    return values.to_numpy() if is_integer_dtype(values) else _as_text(values)


def _as_text(values: pd.Series) -> np.ndarray:
    """``values.astype(str).to_numpy()``, without a conversion when they are already Python strings."""
    if values.dtype == object:
        array = values.to_numpy()
        if pd.api.types.infer_dtype(array, skipna=False) == "string":  # every value a str
            return array
    return values.astype(str).to_numpy()


def _has_letter(
    surface: np.ndarray, surface_codes: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Whether each surface form has a letter (computed once per distinct form; ``surface_codes``:
    ``pandas.factorize(surface)`` if the caller has it)."""
    code, forms = surface_codes or pd.factorize(surface)
    return np.asarray([any(map(str.isalpha, s)) for s in forms], dtype=bool)[code]


#: Distinct (lemma, surface, accentless) rows whose parts :func:`_pieces_of` keeps per vocabulary.
PIECES_KEPT = 2**18


@functools.lru_cache(maxsize=4)
def _pieces_of(forms: tuple[str, ...], rule_words: frozenset[str]) -> Callable[[str, str, bool], list[tuple]]:
    """:func:`_row_pieces` under the accent vocabulary of a lexicon's ``forms`` (and its ``rule_words``, read
    only in their entry's context), kept for the next call: a corpus, its robustness variants and its
    partitions repeat their words, so a distinct row is split, canonicalised and restored once per process
    (up to :data:`PIECES_KEPT` rows per vocabulary; the same parts as computed afresh)."""
    vocabulary = key_vocabulary(w for form in forms for w in form.split(" "))
    restored_of: dict[str, tuple[str | None, bool]] = {}  # one dictionary look-up per distinct word

    def restore(word: str) -> tuple[str | None, bool]:
        """Restored lemma and whether it holds only in the entry's required context (else None, False)."""
        if word not in restored_of:
            lemma = restore_accents(word, vocabulary)
            conditional = False
            if lemma is None:
                readings = accent_readings(word, vocabulary) & rule_words
                if len(readings) == 1:
                    lemma, conditional = next(iter(readings)), True
            restored_of[word] = (lemma, conditional)
        return restored_of[word]

    @functools.lru_cache(maxsize=PIECES_KEPT)
    def pieces(lemma: str, surface: str, accentless: bool) -> list[tuple]:
        return _row_pieces(lemma, surface, accentless, restore)

    return pieces


def _token_parts(
    lemmas: np.ndarray,
    surface: np.ndarray,
    accentless: np.ndarray | None,
    pieces_of,
    surface_codes: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple:
    """:func:`_row_pieces` of every token row, flattened into one sequence of parts.

    A row's parts depend only on its lemma, its surface form and whether its document lacks accents, so they
    are computed once per distinct combination (a corpus repeats its words) and spread over the rows;
    ``pieces_of(lemma, surface, accentless)`` gives them (:func:`_pieces_of`). ``surface_codes``:
    ``pandas.factorize(surface)`` if the caller has it.

    Returns
    -------
    tuple
        ``parts`` (list of str), ``part_surface`` (list), ``part_row`` (int array: the row of each part),
        ``part_first``, ``part_last``, ``part_restored``, ``part_conditional`` (bool arrays),
        ``row_parts`` (the tuple of each row's parts) and ``distinct``: ``(take, part, offered)``, the parts
        and offered keys of the distinct rows (object arrays) and which of them each part is
        (``parts == part[take]``), for tests over the distinct values only.
    """
    n = len(lemmas)
    lemma_code, lemma_of = pd.factorize(lemmas)
    surface_code, surface_of = surface_codes or pd.factorize(surface)
    key = lemma_code.astype(np.int64) * (2 * max(len(surface_of), 1)) + 2 * surface_code
    if accentless is not None:
        key += accentless
    _, first_row, code = np.unique(key, return_index=True, return_inverse=True)
    code = code.ravel()
    flags = accentless if accentless is not None else np.zeros(n, dtype=bool)
    pieces = [
        pieces_of(lemma_of[lemma_code[r]], surface_of[surface_code[r]], bool(flags[r]))
        for r in first_row.tolist()
    ]
    sizes = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
    flat = [item for p in pieces for item in p]
    columns = list(zip(*flat, strict=True)) if flat else [(), (), (), ()]
    u_part = np.asarray(columns[0], dtype=object)
    u_offered = np.asarray(columns[1], dtype=object)
    u_restored = np.asarray(columns[2], dtype=bool)
    u_conditional = np.asarray(columns[3], dtype=bool)
    row_size = sizes[code]
    row_start = np.cumsum(row_size) - row_size  # first part of each row in the flat sequence
    unique_start = np.cumsum(sizes) - sizes
    part_row = np.repeat(np.arange(n), row_size)
    j = np.arange(int(row_size.sum())) - row_start[part_row]  # rank of each part within its row
    take = unique_start[code][part_row] + j
    row_tuple = [tuple(x[0] for x in p) for p in pieces]
    return (
        u_part[take].tolist(),
        u_offered[take].tolist(),
        part_row,
        j == 0,
        j == row_size[part_row] - 1,
        u_restored[take].tolist(),
        u_conditional[take].tolist(),
        [row_tuple[c] for c in code.tolist()],
        (take, u_part, u_offered),
    )


def match_terms(
    tokens: pd.DataFrame, lexicon: Lexicon, *, tier: str = "extended", senses: str = "frame"
) -> pd.DataFrame:
    """Find the lexicon's terms in a token table (docs/methods.md §1).

    Every token lemma is split into parts at the MWE joiner (``coopération_décentralisée`` -> two parts) and
    canonicalised (:func:`canonical_lemma`). Candidate matches are the windows of consecutive parts equal
    to a lemma sequence of the lexicon, inside one document and one sentence (and one segment, when those
    columns exist). A one-word entry also matches a one-word token whose lowercased *surface* form equals
    it: this guards against lemmatiser errors (``fr_core_news_sm`` lemmatises "rayonnement" as
    "rayonnemer" and "attractivité" as "attractiviter" when it tags them as verbs). They are accepted longest
    first (then leftmost), never overlapping; a match covers whole token rows, or lies inside one multi-word
    token (a one-word entry "solidarité" matches inside ``solidarité_xyz`` only if no longer entry does). A
    token row takes part in at most one match, so an MWE counts once.

    Text without accents: a token with no accented letter, ALL CAPS or in a document typed without accents
    (:func:`aictlab.accents.accentless_documents`), is matched on its restored lemma
    (:func:`aictlab.accents.restore_accents`) when French
    allows one reading only: ``COOPERATION`` and ``developpement`` match. An accentless spelling that is
    also another word (``marches``: marché or marche) is read as a lexicon word only where that word's
    entry has a ``require`` rule and its context is there (``de nouveaux marches pour les entreprises``);
    elsewhere (``en marche``) it is the other word and gives no hit. French drops accents on capitals in
    headings and acronyms, and whole texts lose them to OCR or typing; elsewhere an accentless spelling is a
    different word and is left alone.

    Every hit gets a sense (:func:`aictlab.senses.classify_hits`): ``frame``, ``other_sense`` (inside a
    proper name or an institutional title, or failing the entry's ``require``/``exclude`` context rule) or
    ``repeat`` (a bracketed acronym restating the previous hit).

    Parameters
    ----------
    tokens : DataFrame
        Tidy tokens with at least ``doc_id, tok_pos, lemma`` (``token, seg_id, sent_id, year`` used when
        present; ``ent_type``, spaCy's entity label, when present). Pass the tokens *with* punctuation
        (``select_tokens(..., words_only=False)``): punctuation rows break multi-word matches as in the text
        and brackets mark acronyms.
    lexicon : Lexicon
    tier : {"core", "extended"}, default="extended"
        ``core``: core entries only; ``extended``: core + extended.
    senses : {"frame", "all"}, default="frame"
        ``frame``: the hits counted in frames; ``all``: also the ``other_sense`` and ``repeat`` hits (for
        validation and the report's table of senses).

    Returns
    -------
    DataFrame
        One row per match, ordered by ``doc_id, tok_pos``: ``doc_id, seg_id, year, tok_pos`` (first token),
        ``tok_pos_end``, ``n_tokens`` (token rows covered), ``frame, term, tier, form`` (the matched lemma
        sequence), ``keyword`` (surface text of the rows covered), ``lemma`` (their lemmas, space-separated),
        ``index_start, index_end`` (index labels of the first/last row in ``tokens``), ``sense``,
        ``sense_reason`` and ``accent_restored`` (a part was matched on its restored accents).

    Examples
    --------
    >>> import pandas as pd
    >>> toks = pd.DataFrame({"doc_id": "d", "tok_pos": [0, 1, 2, 3],
    ...                      "lemma": ["le", "aide", "au", "développement"]})
    >>> match_terms(toks, load_lexicon())[["term", "frame"]].values.tolist()
    [['aide au développement', 'solidarite']]
    """
    require_columns(tokens, (DOC_ID, TOK_POS, LEMMA), "tokens")
    check_choice("tier", tier, TIERS)
    check_choice("senses", senses, SENSE_CHOICES)
    lex = lexicon.subset(tier=tier) if tier == "core" else lexicon
    by_len: dict[int, dict[tuple[str, ...], tuple[str, str, str, str]]] = {}
    for row in lex.forms.itertuples(index=False):
        by_len.setdefault(int(row.n_parts), {})[tuple(row.form.split(" "))] = (
            row.frame,
            row.term,
            row.tier,
            row.form,
        )
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in MATCH_COLUMNS})
    if tokens.empty or not by_len:
        return empty

    toks = tokens.sort_values([DOC_ID, TOK_POS], kind="stable")
    lemmas = _as_text(toks[LEMMA].fillna(""))
    surface = _as_text(toks[TOKEN].fillna("")) if TOKEN in toks.columns else lemmas
    doc = toks[DOC_ID].to_numpy()
    # Block = run of rows that a match may span: same document, sentence and segment.
    keys = [_as_text(toks[DOC_ID])]
    for col in (SENT_ID, SEG_ID):
        if col in toks.columns:
            keys.append(block_keys(toks[col]))
    n_rows = len(toks)
    new_block = np.zeros(n_rows, dtype=bool)
    new_block[0] = True
    for k in keys:
        new_block[1:] |= k[1:] != k[:-1]
    row_block = np.cumsum(new_block)

    # Words of entries with a `require` rule: their accentless spelling may be read as them where the rule's
    # context is there (below), even when it is also another French word (marches: marché or marche).
    required = set(lex.terms.loc[[bool(r) for r in lex.terms["require"]], "term"])
    rule_words = frozenset(
        w for f in lex.forms.itertuples(index=False) if f.term in required for w in f.form.split(" ")
    )
    # the distinct surface forms, found once for the accents, the parts and the letters
    surface_codes = pd.factorize(surface)
    no_accents = accentless_documents(doc, surface, surface_codes=surface_codes)
    in_accentless = (
        np.fromiter((d in no_accents for d in doc), dtype=bool, count=n_rows) if no_accents else None
    )
    (
        parts,
        part_surface,
        part_row,
        part_first,
        part_last,
        part_restored,
        part_conditional,
        row_parts,
        distinct,
    ) = _token_parts(
        lemmas, surface, in_accentless, _pieces_of(tuple(lex.forms["form"]), rule_words), surface_codes
    )
    part_row_a = part_row
    part_block = row_block[part_row_a]
    n_parts = len(parts)
    taken_row = np.zeros(n_rows, dtype=bool)
    found = []
    take, distinct_parts, distinct_offered = distinct
    for length in sorted(by_len, reverse=True):
        table = by_len[length]
        # Only windows whose first part starts an entry of this length can match: test those alone (each
        # distinct row's parts once, then spread over the parts).
        firsts = {form[0] for form in table}
        starts = pd.Series(distinct_parts, dtype=object).isin(firsts).to_numpy()[take]
        if length == 1:
            starts = starts | pd.Series(distinct_offered, dtype=object).isin(firsts).to_numpy()[take]
        for i in np.flatnonzero(starts[: max(n_parts - length + 1, 0)]).tolist():
            j = i + length - 1
            if part_block[i] != part_block[j]:
                continue
            hit = table.get(tuple(parts[i : j + 1]))
            if hit is None and length == 1 and part_surface[i] is not None:
                hit = table.get((part_surface[i],))
            if hit is None:
                continue
            r0, r1 = part_row_a[i], part_row_a[j]
            if r0 != r1 and not (part_first[i] and part_last[j]):
                continue  # spans rows but cuts a multi-word token
            if taken_row[r0 : r1 + 1].any():
                continue
            taken_row[r0 : r1 + 1] = True
            found.append((r0, r1, *hit, any(part_restored[i : j + 1]), any(part_conditional[i : j + 1])))
    if not found:
        return empty
    found.sort()
    ctx = HitContext(
        doc=doc,
        surface=surface,
        block=row_block,
        parts=row_parts,
        is_word=_has_letter(surface, surface_codes),
        ent_type=toks["ent_type"].fillna("").astype(str).to_numpy() if "ent_type" in toks.columns else None,
        surface_codes=surface_codes,
    )
    rules = {
        t.term: (frozenset(t.require), frozenset(t.exclude), int(t.window))
        for t in lex.terms.itertuples(index=False)
        if t.require or t.exclude
    }
    name_terms = frozenset(t for t in lex.terms["term"] if t[:1].isupper())
    sense, reason = classify_hits(
        [(f[0], f[1], f[2], f[3]) for f in found],
        ctx,
        rules,
        titles=lex.titles,
        name_terms=name_terms,
        names=lex.sense_rules,
    )
    # A word restored only on its entry's context (marches -> marché) is that entry's word where the context
    # is there; elsewhere it is the other word (la marche, en marche): no hit at all, not another sense.
    keep = [
        not f[7] or (f[3] in required and r != "context_require") for f, r in zip(found, reason, strict=True)
    ]
    if not all(keep):
        found = [f for f, k in zip(found, keep, strict=True) if k]
        sense = [x for x, k in zip(sense, keep, strict=True) if k]
        reason = [x for x, k in zip(reason, keep, strict=True) if k]
        if not found:
            return empty
    idx = toks.index.to_numpy()
    pos = toks[TOK_POS].to_numpy()
    seg = toks[SEG_ID].to_numpy() if SEG_ID in toks.columns else np.full(n_rows, None)
    year = toks[YEAR].to_numpy() if YEAR in toks.columns else np.full(n_rows, None)
    out = pd.DataFrame(
        {
            DOC_ID: [doc[r0] for r0, *_ in found],
            SEG_ID: [seg[r0] for r0, *_ in found],
            YEAR: [year[r0] for r0, *_ in found],
            TOK_POS: [pos[r0] for r0, *_ in found],
            "tok_pos_end": [pos[r1] for _, r1, *_ in found],
            "n_tokens": [int(r1 - r0 + 1) for r0, r1, *_ in found],
            "frame": [f[2] for f in found],
            "term": [f[3] for f in found],
            "tier": [f[4] for f in found],
            "form": [f[5] for f in found],
            "keyword": [" ".join(surface[r0 : r1 + 1]) for r0, r1, *_ in found],
            "lemma": [" ".join(lemmas[r0 : r1 + 1]) for r0, r1, *_ in found],
            "index_start": [idx[r0] for r0, *_ in found],
            "index_end": [idx[r1] for _, r1, *_ in found],
            "sense": sense,
            "sense_reason": reason,
            "accent_restored": [bool(f[6]) for f in found],
        }
    )
    if senses == "frame":
        out = out[out["sense"].eq("frame")]
    return out.reset_index(drop=True)
