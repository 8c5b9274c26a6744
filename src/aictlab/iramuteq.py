"""IRaMuTeQ's text format: write a corpus for IRaMuTeQ; parse an IRaMuTeQ file into documents and paragraphs.

An IRaMuTeQ corpus is one UTF-8 text file. Each text opens with a line of four stars and its starred
variables, ``**** *doc_angers_2015 *year_2015 *organiser_cuf``: a variable is ``*<name>_<modality>``, the
name stops at the first underscore, and neither holds spaces nor stars. The text follows, one paragraph per
line; a line ``-*<thematic>`` opens a thematic part inside a text (Ratinaud, *IRaMuTeQ: Interface de R pour
les Analyses Multidimensionnelles de Textes et de Questionnaires*, http://www.iramuteq.org).

:func:`write_iramuteq` writes aictlab's clean paragraphs, one per line; :func:`iramuteq_documents` parses
such a file into documents and paragraphs (the lines are taken as the paragraphs: IRaMuTeQ text is already
laid out, so only the paragraph-level cleaning steps run). This module only parses and writes text:
:func:`aictlab.corpus.read_iramuteq` runs the corpus pipeline and the cache on what it parses, and the round
trip keeps the documents, paragraph texts and years.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from aictlab import schema as S
from aictlab.errors import CorpusError
from aictlab.io import atomic_write_bytes

__all__ = [
    "DATE_VARIABLES",
    "DEFAULT_VARIABLES",
    "iramuteq_documents",
    "iramuteq_text",
    "parse_iramuteq",
    "sanitize_modality",
    "sanitize_name",
    "write_iramuteq",
]

#: Variables whose modality gives the date, in order of preference (``date_`` beats ``year_``/``annee_``).
DATE_VARIABLES = ("date", "year", "annee", "année")
DEFAULT_VARIABLES = ("year", "date", "organiser", "genre")
_HEADER_RE = re.compile(r"^\*{4}(?:\s|$)")
_THEMATIC_RE = re.compile(r"^-\*(\S*)")
_DATE_FORMS = (
    re.compile(r"^(\d{4})$"),
    re.compile(r"^(\d{4})[-_]?(\d{2})$"),
    re.compile(r"^(\d{4})[-_]?(\d{2})[-_]?(\d{2})$"),
)
#: Document columns that are never exported as variables (text, hashes, computed or internal columns).
_NOT_VARIABLES = {S.TEXT, S.RAW_TEXT, "file_sha256", "sha256", "path", "_row", "_where"}
#: Variable names that cannot become document columns as they are (they would replace a table column).
_RESERVED = {S.TEXT, S.RAW_TEXT, S.FILE, S.YEAR, S.DATE, S.DOC_ID, "source_line", "file_sha256"}


# --- writing --------------------------------------------------------------------------------------------------


def sanitize_modality(value: object) -> str:
    """A value as an IRaMuTeQ modality: accents folded, every run of other characters than ASCII letters and
    digits as one ``_``, no leading or trailing ``_``; empty or missing as ``na``.

    >>> sanitize_modality("Cités Unies France")
    'Cites_Unies_France'
    >>> sanitize_modality("2012-05-23")
    '2012_05_23'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "na"
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return text or "na"


def sanitize_name(name: str) -> str:
    """A column name as an IRaMuTeQ variable name: like a modality, without underscores (the name ends at
    the first ``_``): ``date_evidence`` -> ``dateevidence``."""
    return sanitize_modality(name).replace("_", "").lower()


def _text_line(paragraph: str) -> str:
    """A paragraph as one IRaMuTeQ line: no line break, no star (reserved), not opening like ``-*``."""
    line = re.sub(r"\s+", " ", paragraph.replace("*", " ")).strip()
    return line


def iramuteq_text(
    corpus,
    *,
    variables: Sequence[str] = DEFAULT_VARIABLES,
    keep_duplicates: bool = True,
    keep_structure: bool = True,
) -> str:
    """The IRaMuTeQ text of a corpus (what :func:`write_iramuteq` writes).

    Parameters
    ----------
    corpus : Corpus
        A processed corpus; its clean paragraphs (``corpus.paragraphs``) are written, one per line, in
        document order.
    variables : sequence of str, default=("year", "date", "organiser", "genre")
        Document columns written as starred variables after ``*doc_<doc_id>``. ``date`` is written as
        ``*date_YYYYMMDD`` (``YYYY``, ``YYYYMM`` for partial dates); other values through
        :func:`sanitize_modality`, names through :func:`sanitize_name`.
    keep_duplicates, keep_structure : bool, default=True
        False leaves out the paragraphs flagged as duplicates of a fuller document, or timetable lines, which
        IRaMuTeQ would otherwise count (the round trip then no longer gives the same paragraphs); a
        document left without any paragraph is not written.

    Notes
    -----
    A corpus read from IRaMuTeQ keeps its ``-*thematic`` lines: ``paragraphs.thematic`` is written back
    before the first paragraph of each thematic part.

    Raises
    ------
    CorpusError
        A variable that is not a document column; two doc_ids equal once sanitised.
    """
    docs = corpus.documents
    missing = [v for v in variables if v not in docs.columns]
    if missing:
        raise CorpusError(
            f"IRaMuTeQ export: variable(s) {', '.join(missing)} are not document columns; "
            f"available: {', '.join(c for c in docs.columns if c not in _NOT_VARIABLES)}."
        )
    names = [sanitize_name(v) for v in variables]
    clash = sorted({n for n in names if names.count(n) > 1 or n == "doc"})
    if clash:
        raise CorpusError(f"IRaMuTeQ export: variable name(s) {', '.join(clash)} would be written twice.")
    ids = {doc_id: sanitize_modality(doc_id) for doc_id in docs[S.DOC_ID]}
    seen: dict[str, str] = {}
    for doc_id, clean_id in ids.items():
        if clean_id in seen:
            raise CorpusError(
                f"IRaMuTeQ export: doc_ids {seen[clean_id]!r} and {doc_id!r} both become *doc_{clean_id}; "
                "rename one."
            )
        seen[clean_id] = doc_id
    paragraphs = corpus.paragraphs
    if not keep_duplicates:
        paragraphs = paragraphs[~paragraphs[S.IS_DUPLICATE]]
    if not keep_structure:
        paragraphs = paragraphs[~paragraphs[S.IS_STRUCTURE]]
    if "thematic" not in paragraphs.columns:
        paragraphs = paragraphs.assign(thematic="")
    # one sort and one pass, not a sort per document: pandas costs ~2 ms per group (40 s for 20,000 documents)
    ordered = paragraphs.sort_values([S.DOC_ID, S.PARA_POS], kind="stable")
    by_doc: dict[str, list[tuple[str, str]]] = {}
    for doc_id, text, thematic in zip(
        ordered[S.DOC_ID].tolist(), ordered[S.TEXT].tolist(), ordered["thematic"].tolist(), strict=True
    ):
        by_doc.setdefault(doc_id, []).append((text, thematic))
    blocks = []
    for record in docs.to_dict("records"):
        header = ["****", f"*doc_{ids[record[S.DOC_ID]]}"]
        for variable, name in zip(variables, names, strict=True):
            value = record[variable]
            if variable == S.DATE:
                value = re.sub(r"\D", "", str(value))
            header.append(f"*{name}_{sanitize_modality(value)}")
        lines, current = [], ""
        for text, thematic in by_doc.get(record[S.DOC_ID], []):
            line = _text_line(text)
            if not line:
                continue
            if thematic and thematic != current:
                lines.append(f"-*{sanitize_modality(thematic)}")
            current = thematic
            lines.append(line)
        if lines:  # a document whose every paragraph was left out is not written
            blocks.append("\n".join([" ".join(header), *lines]))
    return "\n\n".join(blocks) + "\n"


def write_iramuteq(
    corpus,
    path: str | Path,
    *,
    variables: Sequence[str] = DEFAULT_VARIABLES,
    keep_duplicates: bool = True,
    keep_structure: bool = True,
) -> Path:
    """Write a corpus as an IRaMuTeQ text file (UTF-8, ``\\n`` line ends), atomically.

    ``**** *doc_<id> *year_<yyyy> *date_<yyyymmdd> *organiser_<x> *genre_<x>`` opens each document, then its
    clean paragraphs, one per line; see :func:`iramuteq_text` for the parameters. Returns the path.
    """
    path = Path(path)
    text = iramuteq_text(
        corpus, variables=variables, keep_duplicates=keep_duplicates, keep_structure=keep_structure
    )
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


# --- reading ----------------------------------------------------------------------------------------------------


def _iso_date(modality: str) -> str | None:
    """``2012``, ``201205``, ``2012-05``, ``20120523``, ``2012-05-23``, ``2012_05_23`` as ISO; else None."""
    for form in _DATE_FORMS:
        match = form.match(modality)
        if match:
            return "-".join(match.groups())
    return None


def parse_iramuteq(text: str, *, where: str = "IRaMuTeQ file") -> list[dict[str, Any]]:
    """Split an IRaMuTeQ text into texts: ``{"line", "variables", "lines", "thematics"}`` each.

    ``line`` is the 1-based line number of the ``****`` line; ``variables`` maps names to modalities in
    header order; ``lines`` are the non-empty text lines with their thematic (``(line, thematic)`` pairs,
    thematic ``""`` before any ``-*`` line).

    Raises
    ------
    CorpusError
        Text before the first ``****`` line; a line starting with ``*`` that is not a ``****`` header
        (``*** *doc_b``, ``***** *doc_b``, ``*****doc_b``); a header word that is not ``*name_modality``; a
        variable given twice in one header; a file with no text. The message names the line.
    """
    texts: list[dict[str, Any]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if _HEADER_RE.match(line):
            variables: dict[str, str] = {}
            for word in line.split()[1:]:
                match = re.fullmatch(r"\*([^_*\s]+)_(\S+)", word)
                if not match or "*" in match.group(2):
                    raise CorpusError(
                        f"{where} line {number}: {word!r} is not an IRaMuTeQ variable; write *name_modality "
                        "(no space, no star in the name or the modality)."
                    )
                name, modality = match.group(1).lower(), match.group(2)
                if name in variables:
                    raise CorpusError(f"{where} line {number}: variable *{name}_ appears twice.")
                variables[name] = modality
            texts.append({"line": number, "variables": variables, "lines": [], "thematics": []})
            continue
        if not line:
            continue
        if line.startswith("*"):  # a mistyped header would silently merge a text into the previous one
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise CorpusError(
                f"{where} line {number}: {shown!r} starts with '*' but is not a text header; a header is "
                "exactly four stars, a space, then the variables ('**** *doc_b *year_2017'), and no text "
                "line may start with '*'."
            )
        if not texts:
            raise CorpusError(
                f"{where} line {number}: text before the first '****' line; every text must open with "
                "a line like '**** *doc_x *year_2015'."
            )
        thematic = _THEMATIC_RE.match(line)
        if thematic:
            texts[-1]["thematics"].append((number, thematic.group(1)))
            continue
        current = texts[-1]["thematics"][-1][1] if texts[-1]["thematics"] else ""
        texts[-1]["lines"].append((line, current))
    if not texts:
        raise CorpusError(f"{where}: no '****' line; this is not an IRaMuTeQ corpus.")
    return texts


def iramuteq_documents(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Documents and paragraphs of an IRaMuTeQ file, before de-duplication and NLP.

    Returns
    -------
    (documents, paragraphs)
        documents: ``doc_id, file, date, <variables>, source_line, year, raw_text, text`` (plus ``_row,
        _where`` for messages); paragraphs: ``doc_id, para_id, para_pos, year, text, is_structure`` and
        ``thematic`` (the ``-*`` part each paragraph belongs to, ``""`` outside any).

    Raises
    ------
    CorpusError
        See :func:`parse_iramuteq`; a text without ``*date_``/``*year_``/``*annee_`` variable, with a date
        that is not one, with ``*date_`` and ``*year_`` of different years, with no text, or a doc_id used
        twice. The message names the file and the line of the text's ``****``.
    """
    from aictlab import clean
    from aictlab.io import decode_text, parse_date

    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such IRaMuTeQ file.")
    texts = parse_iramuteq(decode_text(path.read_bytes(), path=path), where=str(path))
    records, para_rows, thematics, seen = [], [], [], {}
    for number, item in enumerate(texts, start=1):
        where = f"{path} line {item['line']}"
        variables = dict(item["variables"])
        doc_id = variables.pop("doc", None) or f"text_{number:04d}"
        if doc_id in seen:
            raise CorpusError(
                f"{where}: doc_id {doc_id!r} already used by the text at line {seen[doc_id]}; "
                "doc_ids must be unique."
            )
        seen[doc_id] = item["line"]
        found = {v: variables.pop(v) for v in DATE_VARIABLES if v in variables}
        if not found:
            raise CorpusError(
                f"{where} (doc_id {doc_id!r}): no date variable; add *year_YYYY (or *date_YYYY-MM-DD, "
                "*annee_YYYY) to its **** line."
            )
        dates = {}
        for name, modality in found.items():
            iso = _iso_date(modality)
            if iso is None:
                raise CorpusError(
                    f"{where} (doc_id {doc_id!r}): *{name}_{modality} is not a date; write YYYY, YYYYMMDD "
                    "or YYYY-MM-DD."
                )
            dates[name] = parse_date(iso, where=f"{where} (doc_id {doc_id!r})")
        date, year = next(iter(dates.values()))
        if len({y for _, y in dates.values()}) > 1:
            given = ", ".join(f"*{n}_{found[n]}" for n in dates)
            raise CorpusError(f"{where} (doc_id {doc_id!r}): the date variables disagree ({given}).")
        paragraphs = []
        for line, thematic in item["lines"]:
            text = clean.clean_paragraph(clean.normalize_quotes(clean.normalize_unicode(line)))
            if re.search(r"[^\W\d_]", text):
                paragraphs.append((text, thematic))
        if not paragraphs:
            raise CorpusError(
                f"{where} (doc_id {doc_id!r}): the text is empty; remove the **** line or fill it."
            )
        for pos, (text, thematic) in enumerate(paragraphs):
            para_rows.append((doc_id, f"{doc_id}_p{pos:04d}", pos, year, text, clean.is_structure_line(text)))
            thematics.append(thematic)
        record = {S.DOC_ID: doc_id, S.FILE: path.name, S.DATE: date}
        for name, modality in variables.items():
            record[f"var_{name}" if name in _RESERVED else name] = modality
        record.update(
            {
                "source_line": item["line"],
                S.YEAR: year,
                S.RAW_TEXT: "\n".join(line for line, _ in item["lines"]),
                S.TEXT: "\n\n".join(t for t, _ in paragraphs),
                "_row": number,
                "_where": f"{path} (text at line {item['line']})",
            }
        )
        records.append(record)
    documents = pd.DataFrame(records)
    front = [
        c for c in documents.columns if c not in ("source_line", S.YEAR, S.RAW_TEXT, S.TEXT, "_row", "_where")
    ]
    documents = documents[[*front, "source_line", S.YEAR, S.RAW_TEXT, S.TEXT, "_row", "_where"]]
    variable_columns = [c for c in front if c not in (S.DOC_ID, S.FILE, S.DATE)]
    documents[variable_columns] = documents[variable_columns].fillna("")
    paragraphs = pd.DataFrame(
        para_rows, columns=[S.DOC_ID, S.PARA_ID, S.PARA_POS, S.YEAR, S.TEXT, S.IS_STRUCTURE]
    )
    paragraphs["thematic"] = thematics
    return documents, paragraphs
