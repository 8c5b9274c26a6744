"""Reading a corpus folder: ``metadata.csv`` checked row by row, then each document's text.

A corpus is a folder holding ``metadata.csv`` and the document files. Required columns: ``doc_id``, ``file``
(path relative to the folder) and ``date`` (ISO 8601: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: the event's
date, else the document's). Recommended: ``title, organiser, genre, date_evidence, source_file, sha256,
language``; any other column is kept as a document variable. Nothing here writes to the folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from aictlab import schema as S
from aictlab.errors import CorpusError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "EncodingWarning",
    "atomic_write_bytes",
    "sha256_file",
    "parse_date",
    "read_metadata",
    "decode_text",
    "read_pdf",
    "read_docx",
    "read_document",
    "check_corpus_folder",
    "read_texts",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class EncodingWarning(UserWarning):
    """A document was not UTF-8 and was decoded with a legacy encoding."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename.

    A run killed half-way leaves either the old file or the new one, never a truncated table.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_date(value: object, *, where: str) -> tuple[str, int]:
    """Check an ISO 8601 date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) and return it with its year.

    Parameters
    ----------
    value : object
        The cell as read.
    where : str
        ``"metadata.csv row 3 (doc_id 'x')"``: named in the error.

    Raises
    ------
    CorpusError
        Unparseable (``23/05/2012``) or impossible (``2012-02-30``, ``2012-13``) dates.
    """
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    match = _DATE_RE.match(text)
    if not match:
        raise CorpusError(
            f"{where}: date {text!r} is not ISO 8601; write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2012-05-23)."
        )
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise CorpusError(f"{where}: date {text!r} does not exist; check the month and the day.") from None
    if not 1000 <= int(year) <= 2999:
        raise CorpusError(f"{where}: year {year} is out of range; check the date {text!r}.")
    return text, int(year)


def read_metadata(folder: Path) -> pd.DataFrame:
    """Read and check ``<folder>/metadata.csv``.

    Returns
    -------
    DataFrame
        One row per document, as strings, with the added ``year`` (int) column; rows keep the file's order.

    Raises
    ------
    CorpusError
        Missing folder or file, missing required column, empty or duplicate ``doc_id``, empty ``file``,
        bad date. Each message names the file and the row (1 = first data row after the header).
    """
    folder = Path(folder)
    path = folder / "metadata.csv"
    if not folder.is_dir():
        raise CorpusError(
            f"{folder}: no such corpus folder; pass a folder holding metadata.csv and documents."
        )
    if not path.is_file():
        raise CorpusError(
            f"{path}: missing. A corpus folder needs metadata.csv with columns doc_id, file, date "
            "(python -m aictlab.corpus init FOLDER drafts one)."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path}: not UTF-8 (byte {err.start}); save it as UTF-8.") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise CorpusError(f"{path}: not a valid CSV file ({err}).") from None
    if not rows:
        raise CorpusError(f"{path}: empty; it needs a header line doc_id,file,date and one row per document.")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in S.METADATA_REQUIRED if c not in header]
    if missing:
        raise CorpusError(
            f"{path}: missing required column(s) {', '.join(missing)}; found {', '.join(header)}."
        )
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise CorpusError(f"{path}: duplicate column name(s) {', '.join(dupes)}.")
    if "year" in header:
        raise CorpusError(f"{path}: column 'year' is computed from 'date'; remove it or rename it.")
    records = []
    for number, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CorpusError(
                f"{path} row {number}: {len(row)} fields where the header has {len(header)}; "
                "quote values that contain commas."
            )
        records.append((number, dict(zip(header, (cell.strip() for cell in row), strict=True))))
    if not records:
        raise CorpusError(f"{path}: no document rows.")
    seen: dict[str, int] = {}
    for number, record in records:
        where = f"{path} row {number}"
        doc_id = record["doc_id"]
        if not doc_id:
            raise CorpusError(f"{where}: empty doc_id; give every document a unique identifier.")
        if doc_id in seen:
            raise CorpusError(
                f"{where}: duplicate doc_id {doc_id!r} (also row {seen[doc_id]}); doc_ids must be unique."
            )
        seen[doc_id] = number
        if not record["file"]:
            raise CorpusError(f"{where} (doc_id {doc_id!r}): empty file; give the document's path.")
        record["date"], record["year"] = parse_date(record["date"], where=f"{where} (doc_id {doc_id!r})")
        record["_row"] = number
    frame = pd.DataFrame([r for _, r in records])
    return frame


def decode_text(data: bytes, *, path: Path) -> str:
    """Decode a text file: UTF-8 (BOM allowed), else cp1252 / Latin-1 with an :class:`EncodingWarning`.

    Raises
    ------
    CorpusError
        Bytes that look like UTF-16 without a byte-order mark or binary data (NUL bytes).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        warnings.warn(
            f"{path}: UTF-16 (byte-order mark found); decoded as UTF-16.", EncodingWarning, stacklevel=3
        )
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if b"\x00" in data:
            raise CorpusError(
                f"{path}: binary data or UTF-16 without byte-order mark (NUL bytes, first undecodable byte at "
                f"{err.start}); convert it to UTF-8."
            ) from None
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d...): Latin-1 decodes all
            text, encoding = data.decode("latin-1"), "latin-1"
        warnings.warn(
            f"{path}: not UTF-8 (byte 0x{data[err.start]:02x} at {err.start}); decoded as {encoding}. "
            "Check accents, then save the file as UTF-8 (and update its sha256).",
            EncodingWarning,
            stacklevel=3,
        )
        return text


def read_pdf(path: Path) -> str:
    """Text layer of a PDF (pypdf), pages separated by blank lines.

    Raises
    ------
    CorpusError
        Unreadable PDF, or no text layer (a scan: run OCR first).
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as err:
        raise CorpusError(f"{path}: cannot read this PDF ({err}).") from None
    text = "\n\n".join(pages)
    if not re.search(r"[^\W\d_]", text):
        raise CorpusError(
            f"{path}: the PDF has no text layer ({len(pages)} page(s) of images?); run OCR on it "
            "(e.g. ocrmypdf) and point metadata.csv at the result."
        )
    return text


def read_docx(path: Path) -> str:
    """Paragraph text of a ``.docx`` (python-docx), paragraphs separated by blank lines."""
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as err:  # python-docx raises several unrelated types for corrupt files
        raise CorpusError(f"{path}: cannot read this .docx ({type(err).__name__}: {err}).") from None
    return "\n\n".join(p.text for p in document.paragraphs)


def read_document(path: Path) -> str:
    """Raw text of one document, by suffix: ``.txt``/``.md`` (decoded), ``.pdf`` (text layer), ``.docx``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        return decode_text(path.read_bytes(), path=path)
    if suffix == ".pdf":
        return read_pdf(path)
    if suffix == ".docx":
        return read_docx(path)
    raise CorpusError(
        f"{path}: unsupported file type {suffix!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}."
    )


def check_corpus_folder(folder: Path) -> pd.DataFrame:
    """Check a corpus folder without reading the texts: metadata, files present, sha256 unchanged.

    Returns
    -------
    DataFrame
        The metadata rows (see :func:`read_metadata`) with ``path`` (absolute) and ``file_sha256`` (the
        file's actual hash).

    Raises
    ------
    CorpusError
        Any problem of :func:`read_metadata`; a missing file or one outside the folder; a ``sha256`` that
        does not match (the file changed since it was described).
    """
    folder = Path(folder)
    meta = read_metadata(folder)
    paths, hashes = [], []
    for record in meta.to_dict("records"):
        where = _where(folder, record)
        path = (folder / record["file"]).resolve()
        if folder.resolve() not in path.parents:
            raise CorpusError(f"{where}: file {record['file']!r} is outside the corpus folder.")
        if not path.is_file():
            raise CorpusError(f"{where}: file {record['file']!r} not found in {folder}; check the name.")
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise CorpusError(
                f"{where}: unsupported file type {path.suffix!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}."
            )
        actual = sha256_file(path)
        expected = str(record.get("sha256") or "").strip().lower()
        if expected and expected != actual:
            raise CorpusError(
                f"{where}: sha256 mismatch for {record['file']!r}: metadata says {expected[:12]}..., the file "
                f"is {actual[:12]}.... The file changed since it was described: restore it, or if the change "
                "is intended, put the new hash in metadata.csv."
            )
        paths.append(str(path))
        hashes.append(actual)
    meta["path"] = paths
    meta["file_sha256"] = hashes
    return meta


def _where(folder: Path, record: dict) -> str:
    return f"{Path(folder) / 'metadata.csv'} row {record['_row']} (doc_id {record['doc_id']!r})"


def read_texts(folder: Path, meta: pd.DataFrame) -> list[str]:
    """Raw text of each document of a checked metadata table (:func:`check_corpus_folder`).

    Raises
    ------
    CorpusError
        Unreadable file, bad encoding, PDF without text layer, a document with no letters.
    """
    texts = []
    for record in meta.to_dict("records"):
        where = _where(folder, record)
        try:
            text = read_document(Path(record["path"]))
        except CorpusError as err:
            raise CorpusError(f"{where}: {err}") from None
        if not re.search(r"[^\W\d_]", text):
            raise CorpusError(
                f"{where}: file {record['file']!r} is empty (no letters); remove the row or fix it."
            )
        texts.append(text)
    return texts
