"""Reading a corpus folder: ``metadata.csv`` checked row by row, then each document's text.

A corpus is a folder holding ``metadata.csv`` and the document files. Required columns: ``doc_id``, ``file``
(path relative to the folder) and ``date`` (ISO 8601: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: the event's
date, else the document's). Recommended: ``title, organiser, genre, date_evidence, source_file, sha256,
language``; optional ``encoding`` (a ``.txt``/``.md`` file's codec, when it is not UTF-8); any other column is
kept as a document variable. Nothing here writes to the folder.

Encodings (one policy, :func:`decode_text`): UTF-8 with or without byte-order mark, and UTF-16/UTF-32 with
their byte-order mark, are read; any other file is refused with a message naming it, unless its row declares
an ``encoding``. NUL and control characters, and mojibake (``Ã©`` for ``é``), are refused.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd

from aictlab import schema as S
from aictlab.errors import CorpusError

__all__ = [
    "SUPPORTED_SUFFIXES",
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
    "check_output_folder",
    "current_umask",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
_DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")  # ASCII digits only: ٢٠١٢ is refused


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename.

    A run killed half-way leaves either the old file or the new one, never a truncated table. The file gets
    the mode any new file gets (``0o666`` less the umask), not the private ``0o600`` of temporary files, so
    colleagues sharing the folder can read the figures.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_output_folder(path: Path, *, corpus: Path, name: str) -> Path:
    """Check, before anything is written, that ``path`` can hold a run's outputs (nothing is created).

    Parameters
    ----------
    path : Path
        The folder (``out``, ``processed``).
    corpus : Path
        The corpus folder (or IRaMuTeQ file), never to be written to.
    name : str
        The setting's name, for messages (``"out"``).

    Returns
    -------
    Path
        ``path``: a writable folder, or one that can be created (its nearest existing parent is writable).

    Raises
    ------
    SettingsError
        ``path`` is the corpus folder or inside it, is the corpus file, is an existing file, or cannot be
        created or written to.
    """
    from aictlab.errors import SettingsError

    path, corpus = Path(path), Path(corpus)
    target, protected = path.resolve(), corpus.resolve()
    if target == protected or (protected.is_dir() and protected in target.parents):
        example = {"out": "figures", "processed": "data/processed"}.get(name, "results")
        raise SettingsError(
            f"{name} = {path.as_posix()!r} is inside the corpus {corpus.as_posix()!r}, which is never written "
            f"to; choose a folder outside it (e.g. {name} = {example!r})."
        )
    if target.exists() and not target.is_dir():
        raise SettingsError(f"{name} = {path.as_posix()!r} is an existing file; give a folder.")
    existing = next(p for p in (target, *target.parents) if p.exists())  # created later, on first write
    if not existing.is_dir():
        raise SettingsError(
            f"{name} = {path.as_posix()!r}: {existing} is a file, so this folder cannot be created; choose another."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise SettingsError(
            f"{name} = {path.as_posix()!r}: {existing} is not writable; fix its permissions or choose another "
            "folder."
        )
    return path


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
        Unparseable (``23/05/2012``, non-ASCII digits) or impossible (``2012-02-30``, ``2012-13``, a year
        after next year) dates.
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
    if not 1000 <= int(year) <= dt.date.today().year + 1:  # next year: a programme announced ahead
        raise CorpusError(
            f"{where}: year {year} is out of range (1000 to next year); check the date {text!r}."
        )
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
    seen: dict[str, tuple[int, str]] = {}
    for number, record in records:
        where = f"{path} row {number}"
        doc_id = record["doc_id"]
        if not doc_id:
            raise CorpusError(f"{where}: empty doc_id; give every document a unique identifier.")
        if re.search(r"[\x00-\x1f\x7f-\x9f]", doc_id):
            raise CorpusError(
                f"{where}: doc_id {doc_id!r} holds a control character (line break, NUL...); use letters, "
                "digits, '-' and '_'."
            )
        key = unicodedata.normalize("NFC", doc_id)  # 'é' typed as e + combining accent is the same identifier
        if key in seen:
            other = seen[key]
            spelling = "" if other[1] == doc_id else f" as {other[1]!r}, the same once accents are normalised"
            raise CorpusError(
                f"{where}: duplicate doc_id {doc_id!r} (also row {other[0]}{spelling}); doc_ids must be unique."
            )
        seen[key] = (number, doc_id)
        if not record["file"]:
            raise CorpusError(f"{where} (doc_id {doc_id!r}): empty file; give the document's path.")
        record["date"], record["year"] = parse_date(record["date"], where=f"{where} (doc_id {doc_id!r})")
        record["_row"] = number
    frame = pd.DataFrame([r for _, r in records])
    return frame


#: Byte-order marks, longest first (the UTF-32-LE mark begins with the UTF-16-LE one).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
#: Characters no text document holds: NUL, C0 controls other than tab/line/form feed/carriage return, DEL,
#: C1 controls (what cp1252's undefined bytes become), and U+FFFD (characters already lost by a converter).
_FORBIDDEN_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def _cp1252_byte_map() -> dict[str, int]:
    """Character -> byte of cp1252 over 0x80-0xFF (Latin-1 for the five bytes cp1252 leaves undefined)."""
    out = {}
    for byte in range(0x80, 0x100):
        try:
            out[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:
            out[bytes([byte]).decode("latin-1")] = byte
    return out


_CP1252_BYTES = _cp1252_byte_map()
_CONTINUATION = "".join(re.escape(c) for c, b in _CP1252_BYTES.items() if b < 0xC0)
#: A UTF-8 lead byte (0xC2-0xF4) then continuation bytes, as they look once decoded as cp1252: ``Ã©``, ``â€™``.
_MOJIBAKE_RE = re.compile(f"[\u00c2-\u00f4][{_CONTINUATION}]{{1,3}}")


def _mojibake(text: str) -> re.Match | None:
    """The first run of characters that is UTF-8 read as cp1252/Latin-1 (``Ã©`` for ``é``), else None.

    A run counts when its cp1252 bytes are one valid UTF-8 character in the Latin or punctuation blocks
    (U+00A0-U+017F, U+2000-U+206F, €, ™), so ``É»`` (U+027B once re-decoded) in ``«CAFÉ»`` is not one.
    """
    for match in _MOJIBAKE_RE.finditer(text):
        raw = bytes(_CP1252_BYTES[c] for c in match.group(0))
        length = 2 if raw[0] < 0xE0 else 3 if raw[0] < 0xF0 else 4
        if len(raw) < length:
            continue
        try:
            char = raw[:length].decode("utf-8")
        except UnicodeDecodeError:
            continue
        code = ord(char)
        if 0xA0 <= code <= 0x17F or 0x2000 <= code <= 0x206F or char in "€™":
            return match
    return None


def _line_of(text: str | bytes, offset: int) -> int:
    return text[:offset].count("\n" if isinstance(text, str) else b"\n") + 1


def decode_text(data: bytes, *, path: Path, encoding: str | None = None) -> str:
    """Decode a text file under the one encoding policy (README, "Encodings").

    Without ``encoding``: UTF-8 (with or without byte-order mark), or UTF-16/UTF-32 *with* their byte-order
    mark; anything else is refused, never guessed. With ``encoding`` (metadata.csv's ``encoding`` column):
    that codec, strictly, and no mojibake check (the declaration is the user's word).

    Parameters
    ----------
    data : bytes
        The file's bytes.
    path : Path
        Named in every message.
    encoding : str, optional
        A Python codec name (``cp1252``, ``latin-1``, ``utf-16-le``...).

    Raises
    ------
    CorpusError
        Bytes that are not valid in the encoding (the message gives the byte, its offset and line); NUL
        bytes (binary data, or UTF-16 without byte-order mark); other control characters or U+FFFD;
        UTF-8 that was once decoded as cp1252 and saved again (``Ã©`` for ``é``). Each names the fix.
    """
    fix = (
        "save it as UTF-8, or declare its encoding in metadata.csv's 'encoding' column (e.g. cp1252, "
        "utf-16-le)"
    )
    declared = bool(encoding)
    if declared:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise CorpusError(
                f"{path}: unknown encoding {encoding!r} declared; use a Python codec name such as utf-8, "
                "cp1252, latin-1 or utf-16-le."
            ) from None
    else:
        codec = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    nul = data.find(b"\x00")
    if nul >= 0 and codec in ("utf-8", "utf-8-sig"):  # before decoding: the likeliest cause, named first
        raise CorpusError(
            f"{path}: NUL byte at offset {nul} (line {_line_of(data, nul)}): binary data, or UTF-16/UTF-32 "
            f"without byte-order mark; {fix}."
        )
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        byte = data[err.start : err.start + 1].hex()
        raise CorpusError(
            f"{path}: not valid {codec} (byte 0x{byte} at offset {err.start}, line {_line_of(data, err.start)}); "
            f"{fix}. A single stray byte in a UTF-8 file is fixed in an editor at that line."
        ) from None
    if text.startswith("\ufeff"):  # a declared utf-16/utf-32/utf-8 codec keeps the mark
        text = text[1:]
    bad = _FORBIDDEN_RE.search(text)
    if bad:
        char = bad.group(0)
        line = _line_of(text, bad.start())
        if char == "\x00":
            raise CorpusError(
                f"{path}: NUL character at offset {bad.start()} (line {line}): binary data, or UTF-16/UTF-32 "
                f"without byte-order mark; {fix}."
            )
        if char == "\ufffd":
            raise CorpusError(
                f"{path}: replacement character U+FFFD at line {line}: an earlier conversion already lost "
                "characters here; re-export the document from its source."
            )
        raise CorpusError(
            f"{path}: control character U+{ord(char):04X} at line {line}: binary data, or a legacy encoding "
            f"decoded wrongly; {fix}."
        )
    if not declared:
        match = _mojibake(text)
        if match:
            raise CorpusError(
                f"{path}: mojibake {match.group(0)!r} at line {_line_of(text, match.start())}: UTF-8 text that "
                "was once read as cp1252/Latin-1 and saved again (Ã© stands for é). Repair the file (re-export "
                "it from its source); if these characters are meant, declare encoding utf-8 for this row in "
                "metadata.csv's 'encoding' column."
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


def _docx_blocks(container) -> list[str]:
    """Paragraph texts of a python-docx container (body, cell, header) in order, tables cell by cell."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Table):
            seen: list = []  # a merged cell is returned once per grid column it spans: read it once
            for row in block.rows:
                for cell in row.cells:
                    if any(cell._tc is tc for tc in seen):
                        continue
                    seen.append(cell._tc)
                    out.extend(_docx_blocks(cell))
    return out


def read_docx(path: Path) -> str:
    """Text of a ``.docx`` (python-docx), paragraphs separated by blank lines.

    Body paragraphs and tables in document order (each cell's paragraphs, row by row; a merged cell once),
    preceded by the headers and followed by the footers (each distinct text once: sections usually repeat
    them).
    """
    import docx

    try:
        document = docx.Document(str(path))
        headers: list[str] = []
        footers: list[str] = []
        for section in document.sections:
            for part, target in (
                (section.first_page_header, headers),
                (section.header, headers),
                (section.even_page_header, headers),
                (section.first_page_footer, footers),
                (section.footer, footers),
                (section.even_page_footer, footers),
            ):
                if part.is_linked_to_previous:
                    continue
                for text in _docx_blocks(part):
                    if text.strip() and text not in target:
                        target.append(text)
        body = _docx_blocks(document)
    except Exception as err:  # python-docx raises several unrelated types for corrupt files
        raise CorpusError(f"{path}: cannot read this .docx ({type(err).__name__}: {err}).") from None
    return "\n\n".join(t for t in [*headers, *body, *footers] if t.strip())


def read_document(path: Path, *, encoding: str | None = None) -> str:
    """Raw text of one document, by suffix: ``.txt``/``.md`` (decoded by :func:`decode_text`, with the
    declared ``encoding`` if any), ``.pdf`` (text layer), ``.docx``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        return decode_text(path.read_bytes(), path=path, encoding=encoding)
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
    root = folder.resolve()  # once: resolving walks the path's every component
    for record in meta.to_dict("records"):
        where = _where(folder, record)
        path = (folder / record["file"]).resolve()
        if path == root or not path.is_relative_to(root):
            raise CorpusError(f"{where}: file {record['file']!r} is outside the corpus folder.")
        if not path.is_file():
            raise CorpusError(f"{where}: file {record['file']!r} not found in {folder}; check the name.")
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise CorpusError(
                f"{where}: unsupported file type {path.suffix!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}."
            )
        declared = str(record.get("encoding") or "").strip()
        if declared:
            try:
                codecs.lookup(declared)
            except LookupError:
                raise CorpusError(
                    f"{where}: unknown encoding {declared!r}; use a Python codec name such as utf-8, cp1252, "
                    "latin-1 or utf-16-le (or leave the cell empty for UTF-8)."
                ) from None
            if path.suffix.lower() not in (".txt", ".md"):
                raise CorpusError(
                    f"{where}: an encoding is declared for {record['file']!r}, but only .txt and .md files "
                    "are decoded; leave the cell empty."
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
            text = read_document(Path(record["path"]), encoding=record.get("encoding") or None)
        except CorpusError as err:
            raise CorpusError(f"{where}: {err}") from None
        if not re.search(r"[^\W\d_]", text):
            raise CorpusError(
                f"{where}: file {record['file']!r} is empty (no letters); remove the row or fix it."
            )
        texts.append(text)
    return texts
