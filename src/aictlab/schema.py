"""Column names of aictlab's tidy tables, in one place.

Every stage reads and writes these names; a table that lacks a required column is refused on entry by
:func:`require_columns` with a message that names the table and the missing columns.

Tables
------
documents
    One row per document: ``doc_id, file, date, year`` plus the metadata columns (``title, organiser, genre,
    date_evidence, source_file, sha256, language`` and any extra document variable), ``raw_text`` (the
    file's text as decoded) and ``text`` (the cleaned text, paragraphs separated by blank lines).
paragraphs
    One row per paragraph of clean text: ``doc_id, para_id, para_pos, year, text, is_structure,
    is_duplicate, duplicate_of``.
tokens
    One row per token (tidytext's one-token-per-row): ``doc_id, para_id, seg_id, sent_id, tok_pos, token,
    lemma, pos, is_stop, is_punct, is_word, space_after, is_structure, is_duplicate, year``.
    Multi-word expressions are one row whose ``lemma`` joins the parts with ``_``
    (``coopération_décentralisée``) and whose ``token`` is the surface text.
segments
    One row per ~40-token text segment: ``doc_id, seg_id, seg_pos, year, n_tokens, text, is_structure,
    is_duplicate``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from aictlab.errors import SchemaError

__all__ = [
    "DOC_ID",
    "FILE",
    "DATE",
    "YEAR",
    "PERIOD",
    "PARA_ID",
    "PARA_POS",
    "SEG_ID",
    "SEG_POS",
    "SENT_ID",
    "TOK_POS",
    "TOKEN",
    "LEMMA",
    "POS",
    "IS_STOP",
    "IS_PUNCT",
    "IS_WORD",
    "SPACE_AFTER",
    "IS_STRUCTURE",
    "IS_DUPLICATE",
    "DUPLICATE_OF",
    "TEXT",
    "RAW_TEXT",
    "MWE_JOINER",
    "METADATA_REQUIRED",
    "METADATA_RECOMMENDED",
    "DOCUMENT_COLUMNS",
    "PARAGRAPH_COLUMNS",
    "TOKEN_COLUMNS",
    "SEGMENT_COLUMNS",
    "require_columns",
]

DOC_ID = "doc_id"
FILE = "file"
DATE = "date"
YEAR = "year"
PERIOD = "period"
PARA_ID = "para_id"
PARA_POS = "para_pos"
SEG_ID = "seg_id"
SEG_POS = "seg_pos"
#: Word tokens of a unit (segment, document): the denominator of every rate.
N_TOKENS = "n_tokens"
SENT_ID = "sent_id"
TOK_POS = "tok_pos"
TOKEN = "token"
LEMMA = "lemma"
POS = "pos"
IS_STOP = "is_stop"
IS_PUNCT = "is_punct"
IS_WORD = "is_word"
SPACE_AFTER = "space_after"
IS_STRUCTURE = "is_structure"
IS_DUPLICATE = "is_duplicate"
DUPLICATE_OF = "duplicate_of"
TEXT = "text"
RAW_TEXT = "raw_text"

#: Separator joining the parts of a multi-word expression in ``lemma``.
MWE_JOINER = "_"

METADATA_REQUIRED = (DOC_ID, FILE, DATE)
METADATA_RECOMMENDED = ("title", "organiser", "genre", "date_evidence", "source_file", "sha256", "language")

DOCUMENT_COLUMNS = (DOC_ID, FILE, DATE, YEAR)
PARAGRAPH_COLUMNS = (DOC_ID, PARA_ID, PARA_POS, YEAR, TEXT, IS_STRUCTURE, IS_DUPLICATE, DUPLICATE_OF)
TOKEN_COLUMNS = (
    DOC_ID,
    PARA_ID,
    SEG_ID,
    SENT_ID,
    TOK_POS,
    TOKEN,
    LEMMA,
    POS,
    IS_STOP,
    IS_PUNCT,
    IS_WORD,
    SPACE_AFTER,
    IS_STRUCTURE,
    IS_DUPLICATE,
    YEAR,
)
SEGMENT_COLUMNS = (DOC_ID, SEG_ID, SEG_POS, YEAR, N_TOKENS, TEXT, IS_STRUCTURE, IS_DUPLICATE)


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """Raise :class:`SchemaError` naming ``table`` and the missing columns when ``frame`` lacks any.

    Parameters
    ----------
    frame : DataFrame
        The table to check.
    columns : iterable of str
        Column names that must be present.
    table : str
        Name of the table in the message (``"tokens"``, ``"metadata.csv"``...).
    """
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"{table}: expected a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{table}: missing column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}."
        )
