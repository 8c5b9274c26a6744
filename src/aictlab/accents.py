"""Text written without accents: detect it, and restore a word's accents when French allows one reading.

French drops accents on capitals (headings, acronyms: ``COOPERATION``, ``Etat``), and whole documents lose
them to OCR or to typing without accents. A lexicon of accented lemmas then silently misses their words.
Restoring accents from a dictionary is safe only when the accentless spelling has a single reading:
``developpement`` can only be *développement*, but ``marche`` is *marche* or *marché*, and ``a`` is *a* or *à*;
such words are left as they are, so restoration never adds a reading the text does not force (the lexicon
restores them only where an entry's context rule shows its reading, :func:`aictlab.lexicon.match_terms`).

The dictionary is simplemma's French one (about 250 000 forms with their lemmas).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

import numpy as np

__all__ = [
    "ACCENTLESS_MIN_LETTERS",
    "ACCENTLESS_SHARE",
    "accent_readings",
    "accentless_documents",
    "fold_accents",
    "key_vocabulary",
    "may_lack_accents",
    "restore_accents",
]

#: A document whose accented letters are under this share of its letters is typed without accents (French
#: prose has 3-4 %: é alone is about 2 %; the seeds have 3.5-4.3 %). A tenth of that leaves room for a few
#: accented names in an accentless text and never catches ordinary French.
ACCENTLESS_SHARE = 0.005
#: Fewer letters than this: too little text to judge whether a document lacks accents.
ACCENTLESS_MIN_LETTERS = 200

_MARKS = re.compile(r"[\u0300-\u036f]")


def fold_accents(text: str) -> str:
    """``text`` without its combining accents (NFD, marks dropped, NFC): ``coopération`` -> ``cooperation``.

    ``œ``, ``æ`` and ``ß`` are letters, not accented letters: they stay.
    """
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", text)))


#: Accented Latin letters -> their base letter (a fast ``str.translate`` table; same result as fold_accents).
_LATIN_FOLD = {c: fold_accents(chr(c)) for c in range(0xC0, 0x250) if fold_accents(chr(c)) != chr(c)}
_DROP_ACCENTED = dict.fromkeys(_LATIN_FOLD)


@lru_cache(maxsize=1)
def _accent_index() -> tuple[dict[str, frozenset[str]], dict[bytes, bytes], frozenset[bytes]]:
    """simplemma's French dictionary for accent restoration: the accented forms and lemmas by accentless key
    (``marches`` -> {marché}), the dictionary itself (form -> lemma, UTF-8) and its set of lemmas."""
    from simplemma.strategies import DEFAULT_DICTIONARY_FACTORY

    mapping = DEFAULT_DICTIONARY_FACTORY.get_dictionary("fr")
    # the wrapper keeps a bytes -> bytes dict: reading it directly avoids decoding 250 000 entries
    raw = getattr(mapping, "_dict", None)
    if not isinstance(raw, dict):
        raw = {k.encode(): str(v).encode() for k, v in mapping.items()}
    lemmas = frozenset(raw.values())
    index: dict[str, set[str]] = {}
    for form, lemma in raw.items():
        if not form.isascii():
            index.setdefault(form.decode().lower().translate(_LATIN_FOLD), set()).add(lemma.decode())
    for lemma in lemmas:
        if not lemma.isascii():
            text = lemma.decode()
            index.setdefault(text.lower().translate(_LATIN_FOLD), set()).add(text)
    return {k: frozenset(v) for k, v in index.items()}, raw, lemmas


def key_vocabulary(words: Iterable[str]) -> dict[str, frozenset[str]]:
    """Words (e.g. a lexicon's lemmas) by accentless key, for :func:`restore_accents`."""
    out: dict[str, set[str]] = {}
    for word in words:
        out.setdefault(word.lower().translate(_LATIN_FOLD), set()).add(word.lower())
    return {k: frozenset(v) for k, v in out.items()}


def accent_readings(
    word: str, vocabulary: Mapping[str, Iterable[str]] | Iterable[str] = ()
) -> frozenset[str]:
    """Every lemma a word written without accents may stand for (lowercased).

    The word's accentless key is looked up among simplemma's French forms and lemmas folded the same way, and
    among ``vocabulary`` (words the dictionary may lack, e.g. a lexicon's lemmas; a plain iterable or
    :func:`key_vocabulary`'s mapping).

    Examples
    --------
    >>> sorted(accent_readings("marches"))
    ['marche', 'marché']
    """
    if not isinstance(vocabulary, Mapping):
        vocabulary = key_vocabulary(vocabulary)
    key = word.lower().translate(_LATIN_FOLD)
    index, forms, lemmas = _accent_index()
    found = {lemma.lower() for lemma in index.get(key, ())}
    encoded = key.encode()
    if encoded in forms:  # the accentless spelling is itself a form (marche)
        found.add(forms[encoded].decode().lower())
    elif encoded in lemmas:
        found.add(key)
    found.update(vocabulary.get(key, ()))
    return frozenset(found)


def restore_accents(word: str, vocabulary: Mapping[str, Iterable[str]] | Iterable[str] = ()) -> str | None:
    """The lemma of a word written without accents, when French allows only one reading; else None.

    The lemma is returned only when every form with the word's accentless key has the same lemma
    (:func:`accent_readings`).

    Examples
    --------
    >>> restore_accents("SOLIDARITE"), restore_accents("retombees"), restore_accents("marches")
    ('solidarité', 'retombée', None)
    >>> restore_accents("paix"), restore_accents("paix", ["paix"])
    (None, 'paix')
    """
    found = accent_readings(word, vocabulary)
    return next(iter(found)) if len(found) == 1 else None


def accentless_documents(
    doc_ids: np.ndarray, surface: np.ndarray, *, surface_codes: tuple[np.ndarray, np.ndarray] | None = None
) -> set[str]:
    """Documents written without accents: accented letters under :data:`ACCENTLESS_SHARE` of their letters.

    Parameters
    ----------
    doc_ids, surface : arrays
        Document id and surface text of each token.
    surface_codes : (array, array), optional
        ``pandas.factorize`` of ``surface`` when it is an array of str, if the caller has it (not again).

    Returns
    -------
    set of str
        Documents with at least :data:`ACCENTLESS_MIN_LETTERS` letters and almost no accented one.
    """
    import pandas as pd

    if len(doc_ids) != len(surface):
        raise ValueError("accentless_documents: doc_ids and surface differ in length.")
    if not len(doc_ids):
        return set()
    # each distinct word is counted once, then its counts are summed per document (a corpus repeats words)
    words, word_of = surface_codes or pd.factorize(np.asarray([str(t) for t in surface], dtype=object))
    n_letters = np.asarray([sum(map(str.isalpha, w)) for w in word_of], dtype=np.int64)
    n_accented = np.asarray([len(w) - len(w.translate(_DROP_ACCENTED)) for w in word_of], dtype=np.int64)
    docs, doc_of = pd.factorize(np.asarray(doc_ids, dtype=object))
    letters = np.bincount(docs, weights=n_letters[words], minlength=len(doc_of))
    accented = np.bincount(docs, weights=n_accented[words], minlength=len(doc_of))
    keep = (letters >= ACCENTLESS_MIN_LETTERS) & (accented < ACCENTLESS_SHARE * letters)
    return {doc_of[i] for i in np.flatnonzero(keep)}


def may_lack_accents(surface: str, accentless_document: bool) -> bool:
    """A token whose accents may be missing: it has letters, none accented, and is ALL CAPS (2+ letters) or
    stands in an accentless document. Elsewhere an accentless spelling is taken as written."""
    letters = [c for c in surface if c.isalpha()]
    if not letters or surface.translate(_DROP_ACCENTED) != surface:
        return False
    return accentless_document or (len(letters) >= 2 and all(c.isupper() for c in letters))
