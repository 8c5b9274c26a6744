"""Cleaning: from a document's raw text to clean paragraphs, each step a named function.

The order is :data:`STEPS`: Unicode and punctuation first, then Markdown syntax, then the page artefacts of PDF
extractions (running headers, page numbers, hard line wraps, end-of-line hyphens), then words split by the
extraction and footnote calls. The raw text is never changed in place: ``documents.raw_text`` keeps it next to
``documents.text``.

Programme timetable lines ("9h00-9h45 : Accueil") are kept but marked ``is_structure`` so that measures can
leave them out (they are a programme's scaffolding, not discourse).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from aictlab.nlp import french_stop_words

__all__ = [
    "Paragraph",
    "normalize_unicode",
    "normalize_quotes",
    "strip_markdown",
    "remove_running_headers",
    "layout_of",
    "reflow_paragraphs",
    "is_known_word",
    "lexicon_vocabulary",
    "join_line",
    "rejoin_split_words",
    "remove_footnote_calls",
    "fix_extraction_artifacts",
    "strip_bullet",
    "is_structure_line",
    "clean_paragraph",
    "STEPS",
    "clean_text",
]

_LETTER = r"[^\W\d_]"
_BULLET_RE = re.compile(r"^\s*(?:[•▪◦●○■□►▸‣·∙–—*+-]|\d{1,2}[.)]|[a-z][.)])\s+")
_SYMBOL_BULLET_RE = re.compile(r"^\s*[•▪◦●○■□►▸‣·∙]\s*")
_TIMETABLE_RE = re.compile(
    r"^\s*\d{1,2}\s*h\s*\d{0,2}\s*(?:[-–—]|à)\s*\d{1,2}\s*h\s*\d{0,2}\s*(?::|$|[-–—])", re.IGNORECASE
)
# Up to 3 digits: a bare 4-digit line is more often a year ("2017") than a page number.
_PAGE_NUMBER_RE = re.compile(r"^\s*(?:page\s*)?\d{1,3}(?:\s*/\s*\d{1,3})?\s*$", re.IGNORECASE)
_RULE_RE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_SENTENCE_END = (".", "!", "?", "…", ":", ";", "»", '"', ")")


@dataclass(frozen=True)
class Paragraph:
    """One clean paragraph and whether it is programme structure (a timetable line)."""

    text: str
    is_structure: bool = False


#: Compatibility characters folded with NFKC: Latin ligatures (U+FB00-FB06, ``ﬁ`` -> ``fi``) and the
#: halfwidth/fullwidth forms block (``ＡＢＣ``, ``＇``). Full NFKC is not applied to the whole text: it would turn
#: superscript footnote calls (``¹``) and ``½`` into plain digits that read as words, and ``…`` into ``...``.
#: ``œ`` and ``æ`` are letters of French, not compatibility ligatures: NFKC keeps them, and so do we.
_COMPAT_RE = re.compile(r"[\ufb00-\ufb06\uff01-\uff5e]+")
#: Zero-width characters and the word joiner: invisible, but they split a word in two for the tokenizer.
_INVISIBLE_RE = re.compile(r"[\u200b\u200c\u200d\u2060\u180e\ufeff]")


def normalize_unicode(text: str) -> str:
    """NFC; ligatures and fullwidth forms by NFKC; spaces, hyphens and invisible characters made plain.

    No-break and thin spaces become plain spaces; the Unicode hyphens U+2010 and U+2011 (non-breaking) become
    ``-``; zero-width characters (U+200B-D, U+2060 word joiner, U+180E, U+FEFF) are removed. A soft hyphen
    (U+00AD) marks a break point *inside* a word, so at a line end it joins the two lines with no hyphen
    (``coopé\u00ad\nration`` -> ``coopération``) and elsewhere it is removed.
    """
    text = unicodedata.normalize("NFC", text)
    text = _COMPAT_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00a0\u2007\u202f\u2009]", " ", text)
    text = re.sub(r"[\u2010\u2011]", "-", text)
    text = _INVISIBLE_RE.sub("", text)
    text = re.sub(r"\u00ad[ \t]*\n[ \t]*", "", text)
    return text.replace("\u00ad", "")


def normalize_quotes(text: str) -> str:
    """Typographic apostrophes and quotes as ASCII ``'`` and ``"`` (French « » are kept: the tokenizer knows them).

    Apostrophes: right/left single quotes, modifier letters (U+02BC, U+02BB, U+02BD), reversed quote, prime,
    fullwidth apostrophe (U+FF07), saltillo (U+A78C), backtick and acute accent.

    Why: ``l’action`` and ``l'action`` must give the same tokens and the same lemmas.
    """
    text = re.sub(r"[\u2019\u2018\u02bc\u02bb\u02bd\u201b\u2032\uff07\ua78c`´]", "'", text)
    return re.sub(r"[\u201c\u201d\u201e\u201f\u2033]", '"', text)


def strip_markdown(text: str) -> str:
    """Remove Markdown syntax: headings, emphasis, rules, ``<sup>…</sup>`` footnote calls, other tags, links.

    Bullets are left for :func:`reflow_paragraphs` (a bullet starts a paragraph).
    """
    text = re.sub(r"<sup>\s*[^<]{0,6}\s*</sup>", "", text, flags=re.IGNORECASE)
    text = re.sub(r"</?[a-zA-Z][^>\n]{0,80}>", "", text)
    text = re.sub(r"!?\[([^\]\n]*)\]\([^)\n]*\)", r"\1", text)
    lines = []
    for line in text.split("\n"):
        if _RULE_RE.match(line):
            lines.append("")
            continue
        line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
        line = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])", r"\1", line)
        line = re.sub(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])", r"\1", line)
        line = re.sub(r"(?<=\w)\^(\w{1,4})\^?", r"\1", line)  # 2^e^ superscript
        # emphasis left open across lines: drop stray asterisks but keep a "* " bullet
        line = re.sub(r"(?<!^)\*+|^\*+(?!\s)", "", line.lstrip()) if "*" in line else line
        lines.append(line)
    return "\n".join(lines)


def remove_running_headers(text: str, *, min_repeats: int = 3, max_length: int = 160) -> str:
    """Blank out running headers/footers and bare page numbers.

    A running header is a short line repeated on several pages: identical (whitespace collapsed) at least
    ``min_repeats`` times, or at least twice when an occurrence stands next to a bare page number (the 2012
    report repeats its title above the page number). Such lines and page numbers ("8", "Page 3/12") become
    empty lines, so the paragraph reflow sees a page break there.
    """
    lines = text.split("\n")
    keys = [re.sub(r"\s+", " ", line).strip() for line in lines]
    is_page = [bool(k) and bool(_PAGE_NUMBER_RE.match(k)) for k in keys]
    nonblank = [i for i, k in enumerate(keys) if k]
    near_page = set()
    for j, i in enumerate(nonblank):
        neighbours = nonblank[max(0, j - 1) : j] + nonblank[j + 1 : j + 2]
        if any(is_page[n] for n in neighbours):
            near_page.add(i)
    counts = Counter(k for k in keys if k and len(k) <= max_length and re.search(_LETTER, k))
    headers = set()
    for key, n in counts.items():
        if _TIMETABLE_RE.match(key) or n < 2:
            continue
        if n >= min_repeats or any(keys[i] == key for i in near_page):
            headers.add(key)
    return "\n".join(
        "" if (k in headers or is_page[i]) else line
        for i, (line, k) in enumerate(zip(lines, keys, strict=True))
    )


def layout_of(lines: list[str]) -> tuple[bool, bool, float]:
    """Describe how a text is laid out: ``(hard_wrapped, double_spaced, wrap_width)``.

    Hard-wrapped (a PDF extraction): almost no line is longer than 150 characters and more than a quarter of
    the lines continue on a next line that starts in lower case (mid-sentence wraps). Markdown conversions
    (one long line per paragraph) are not. Double-spaced: hard-wrapped and most text lines followed by
    exactly one empty line; there a single empty line is a soft wrap and only longer blank runs separate
    paragraphs. ``wrap_width`` is the median text-line length.
    """
    text_lines = [line.strip() for line in lines if line.strip()]
    if len(text_lines) < 6:
        return False, False, 0.0
    lengths = sorted(len(line) for line in text_lines)
    width = float(lengths[len(lengths) // 2])
    long_share = sum(n > 150 for n in lengths) / len(lengths)
    continued = sum(
        1
        for a, b in zip(text_lines, text_lines[1:], strict=False)
        if re.match(r"[a-zà-ÿ]", b) and not _BULLET_RE.match(b) and not _ends_sentence(a)
    ) / len(text_lines)
    hard_wrapped = long_share < 0.05 and continued > 0.25
    single_gaps = sum(
        1 for i in range(len(lines) - 2) if lines[i].strip() and lines[i + 1] == "" and lines[i + 2].strip()
    )
    return hard_wrapped, hard_wrapped and single_gaps / len(text_lines) > 0.5, width


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_SENTENCE_END)


def reflow_paragraphs(text: str) -> list[str]:
    """Re-flow hard-wrapped lines into paragraphs.

    Rules: blank lines separate paragraphs (in double-spaced extractions, only runs of two or more);
    a line that starts with a bullet or a timetable slot starts a new paragraph, and so does a capitalised
    line after a timetable slot or after a clearly short line in hard-wrapped text (see :func:`layout_of`);
    other lines continue the
    previous one; a paragraph cut by a page break (no sentence-final punctuation, next starts in lower case)
    is joined again. End-of-line hyphens are joined by :func:`join_line`.
    """
    lines = text.split("\n")
    hard_wrapped, double, width = layout_of(lines)
    blocks: list[list[str]] = [[]]
    blank_run = 0
    for line in lines:
        if not line.strip():
            blank_run += 1
            continue
        if blocks[-1] and blank_run > (1 if double else 0):
            blocks.append([])
        blank_run = 0
        blocks[-1].append(line.strip())
    paragraphs: list[str] = []
    for block in blocks:
        current, previous = "", ""
        for line in block:
            starts_item = bool(_BULLET_RE.match(line) or _TIMETABLE_RE.match(line))
            # In wrapped text a clearly short line followed by a capital ends its paragraph (a heading, or
            # the last line of a paragraph with no blank line after it).
            short_before = (
                hard_wrapped
                and len(previous) < 0.75 * width
                and not previous.endswith((",", "-", "'"))
                and line[:1].isupper()
            )
            after_slot = bool(_TIMETABLE_RE.match(current)) and not re.match(r"[a-zà-ÿ«(]", line)
            if current and (starts_item or short_before or after_slot):
                paragraphs.append(current)
                current = ""
            current = join_line(current, line) if current else line
            previous = line
        if current:
            paragraphs.append(current)
    merged: list[str] = []
    for para in paragraphs:
        if (
            merged
            and not _ends_sentence(merged[-1])
            and re.match(r"[a-zà-ÿ]", para)
            and not _BULLET_RE.match(para)
        ):
            merged[-1] = join_line(merged[-1], para)
        else:
            merged.append(para)
    return merged


@lru_cache(maxsize=1)
def lexicon_vocabulary() -> frozenset[str]:
    """The words of the packaged frame lexicon's lemma sequences (``paix``, ``codéveloppement``, ``coopétition``).

    They count as known words when a line-end hyphen is resolved, so that a lexicon term cut at a line end is
    found again even when the dictionary lacks it (simplemma does not list ``paix`` or ``codéveloppement``).
    """
    from aictlab.lexicon import load_lexicon

    forms = load_lexicon().forms["form"]
    return frozenset(w for form in forms for w in form.split(" ") if len(w) >= 4 and "-" not in w)


@lru_cache(maxsize=200_000)
def is_known_word(word: str) -> bool:
    """A French word: in simplemma's French dictionary (4+ letters), a French stop word or a lexicon word.

    Short dictionary entries (``ion``, ``ique``) are not trusted: they are what PDF extraction leaves when it
    splits a word. Lexicon words: :func:`lexicon_vocabulary`.
    """
    import simplemma

    lower = word.lower()
    if lower in french_stop_words():
        return True
    if len(lower) < 4:
        return False
    return simplemma.is_known(lower, lang="fr") or lower in lexicon_vocabulary()


def _known_modulo_accents(word: str) -> bool:
    """A known word, or an accentless spelling of exactly one French word (text typed without accents)."""
    if is_known_word(word):
        return True
    from aictlab.accents import fold_accents, restore_accents

    return word == fold_accents(word) and restore_accents(word) is not None


def join_line(left: str, right: str) -> str:
    """Join two wrapped lines.

    An end-of-line hyphen after a letter, with a next line that starts in lower case, is a word cut by the
    layout when the joined word is known (:func:`is_known_word`) and the hyphenated spelling is not: it is
    dropped (``coopé-`` + ``ration``, and also ``rayonne-`` + ``ment``, ``parte-`` + ``nariat``, ``inter-`` +
    ``nationale``, whose first fragment is itself a word). It is kept for a real compound: the joined form is
    unknown (``porte-`` + ``parole``, ``Seine-Saint-`` + ``Denis``) or the hyphenated spelling is attested
    (``socio-`` + ``économique``, ``grand-`` + ``mère``). In text without accents a word is known when it
    is the accentless spelling of exactly one French word (``developpe-`` + ``ment``).
    """
    left = left.rstrip()
    right = right.lstrip()
    match = re.search(rf"({_LETTER}+)-$", left)
    if match and re.match(r"[a-zà-ÿ]", right):
        head = match.group(1)
        tail = re.match(rf"{_LETTER}+", right).group(0)
        if _known_modulo_accents(head + tail) and not _known_modulo_accents(f"{head}-{tail}"):
            return left[:-1] + right
        return left + right  # a real compound (socio-économique): keep the hyphen
    if match and re.match(_LETTER, right):
        return left + right  # a compound name cut at its hyphen (Seine-Saint-\nDenis)
    return f"{left} {right}"


def rejoin_split_words(text: str) -> str:
    """Rejoin words split by PDF extraction: ``économ iques`` -> ``économiques``.

    Two adjacent lower-case fragments are joined when neither is a known word and their concatenation is
    (see :func:`is_known_word`). Proper names and real word pairs are left alone.
    """

    words = list(re.finditer(rf"{_LETTER}+", text))
    out, last = [], 0
    i = 0
    while i < len(words) - 1:
        left, right = words[i], words[i + 1]
        if (
            text[left.end() : right.start()] == " "
            and len(left.group()) >= 2
            and len(right.group()) >= 2
            and right.group()[0].islower()
            and (left.start() == 0 or text[left.start() - 1] not in "-'")
            and (right.end() == len(text) or text[right.end()] not in "-'")
            and not is_known_word(left.group())
            and not is_known_word(right.group())
            and is_known_word(left.group() + right.group())
        ):
            out.append(text[last : left.end()])
            last = right.start()
            i += 2
            continue
        i += 1
    out.append(text[last:])
    return "".join(out)


def remove_footnote_calls(text: str) -> str:
    """Remove footnote calls: superscript digits, and digits glued to the end of a word (``villes1 –``).

    Only 1–2 digits after a lower-case letter and before a space or punctuation are removed, so ``COP21``,
    ``G7`` and ``2e`` stay.
    """
    text = re.sub(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", "", text)
    return re.sub(r"(?<=[a-zà-ÿ]{3})\d{1,2}(?=[\s,.;:!?)»]|$)", "", text)


def fix_extraction_artifacts(text: str) -> str:
    """Repair known PDF extraction artefacts: a stray ``½`` between words; a word doubled before its compound.

    ``Columbia Global Centers½Paris`` -> ``Columbia Global Centers Paris``;
    ``Seine Seine-Saint-Denis`` -> ``Seine-Saint-Denis``.
    """
    text = re.sub(r"(?<=\w)½(?=\w)", " ", text)
    return re.sub(r"\b(\w+) (\1-\w)", r"\2", text)


def strip_bullet(paragraph: str) -> str:
    """Remove a leading bullet symbol (``•``, ``▪``, ``-``, ``*``); numbered items keep their number."""
    paragraph = _SYMBOL_BULLET_RE.sub("", paragraph)
    return re.sub(r"^\s*[-–—*+]\s+", "", paragraph)


def is_structure_line(paragraph: str) -> bool:
    """True for a programme timetable line (``9h00-9h45 : Mots d'introduction``)."""
    return bool(_TIMETABLE_RE.match(paragraph))


def clean_paragraph(paragraph: str) -> str:
    """Paragraph-level steps: bullet, footnote calls, extraction artefacts, split words, spaces."""
    paragraph = strip_bullet(paragraph)
    paragraph = remove_footnote_calls(paragraph)
    paragraph = fix_extraction_artifacts(paragraph)
    paragraph = rejoin_split_words(paragraph)
    return re.sub(r"\s+", " ", paragraph).strip()


#: Text-level steps, in order (each ``str -> str``); then :func:`reflow_paragraphs` and :func:`clean_paragraph`.
STEPS = (normalize_unicode, normalize_quotes, strip_markdown, remove_running_headers)


def clean_text(raw: str) -> list[Paragraph]:
    """Clean a document's raw text into paragraphs.

    Parameters
    ----------
    raw : str
        The text as read from the file.

    Returns
    -------
    list of Paragraph
        Non-empty paragraphs (with at least one letter), timetable lines marked ``is_structure``.
    """
    text = raw
    for step in STEPS:
        text = step(text)
    paragraphs = []
    for para in reflow_paragraphs(text):
        clean = clean_paragraph(para)
        if re.search(_LETTER, clean):
            paragraphs.append(Paragraph(clean, is_structure_line(clean)))
    return paragraphs
