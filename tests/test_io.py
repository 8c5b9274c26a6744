"""Reading a corpus folder: each bad input raises CorpusError naming the file and row, and changes nothing."""

from __future__ import annotations

import csv
import io
import warnings

import pytest
from conftest import FIXTURES, RAW, folder_snapshot

from aictlab.corpus import load_corpus
from aictlab.errors import CorpusError
from aictlab.io import check_corpus_folder, parse_date, read_metadata


def rewrite_metadata(folder, change):
    """Apply ``change(rows)`` to metadata.csv's list of dict rows and write it back."""
    path = folder / "metadata.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    fields = list(rows[0])
    rows, fields = change(rows, fields)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_seed_metadata_has_five_documents_with_their_years():
    meta = read_metadata(RAW)
    assert meta["doc_id"].tolist() == [
        "cnfpt_2012",
        "ciedel_2017",
        "cuf_2023_programme",
        "cuf_2023_compte_rendu",
        "meae_2025",
    ]
    assert meta["year"].tolist() == [2012, 2017, 2023, 2023, 2025]
    assert meta["source_file"].str[:4].tolist() == ["002_", "004_", "000_", "001_", "003_"]


def test_seed_files_match_their_sha256_and_the_originals():
    meta = check_corpus_folder(RAW)
    assert (meta["sha256"] == meta["file_sha256"]).all()
    # the originals, byte for byte: their sha256 as received (tests/fixtures/README.md)
    with open(FIXTURES / "seed_originals_sha256.csv", newline="", encoding="utf-8") as handle:
        originals = {row["source_file"]: row["sha256"] for row in csv.DictReader(handle)}
    assert meta["file_sha256"].tolist() == [originals[f] for f in meta["source_file"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2012", ("2012", 2012)), ("2017-02", ("2017-02", 2017)), ("2025-11-18", ("2025-11-18", 2025))],
)
def test_parse_date_accepts_iso_precisions(value, expected):
    assert parse_date(value, where="x") == expected


@pytest.mark.parametrize(
    "value", ["23/05/2012", "2012-5-23", "mai 2012", "", "2012-02-30", "2012-13", "0999"]
)
def test_parse_date_refuses_unparseable_or_impossible(value):
    with pytest.raises(CorpusError, match="row 7"):
        parse_date(value, where="metadata.csv row 7")


def _drop_column(column):
    def change(rows, fields):
        return [{k: v for k, v in r.items() if k != column} for r in rows], [f for f in fields if f != column]

    return change


def _set(row_index, column, value):
    def change(rows, fields):
        rows[row_index][column] = value
        return rows, fields

    return change


BAD_METADATA = {
    "missing required column": (_drop_column("date"), r"missing required column\(s\) date"),
    "duplicate doc_id": (
        _set(2, "doc_id", "cnfpt_2012"),
        r"row 3: duplicate doc_id 'cnfpt_2012' \(also row 1\)",
    ),
    "missing file": (
        _set(1, "file", "absent.txt"),
        r"row 2 \(doc_id 'ciedel_2017'\): file 'absent.txt' not found",
    ),
    "file outside the folder": (
        _set(1, "file", "../metadata.csv"),
        r"row 2 \(doc_id 'ciedel_2017'\): file '../metadata.csv' is outside the corpus folder",
    ),
    "the folder itself as file": (
        _set(1, "file", "."),
        r"row 2 \(doc_id 'ciedel_2017'\): file '.' is outside the corpus folder",
    ),
    "unparseable date": (
        _set(0, "date", "23/05/2012"),
        r"row 1 \(doc_id 'cnfpt_2012'\): date '23/05/2012' is not ISO",
    ),
    "impossible date": (
        _set(4, "date", "2025-02-30"),
        r"row 5 \(doc_id 'meae_2025'\): date '2025-02-30' does not exist",
    ),
    "sha256 mismatch": (
        _set(3, "sha256", "0" * 64),
        r"row 4 \(doc_id 'cuf_2023_compte_rendu'\): sha256 mismatch",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_METADATA))
def test_bad_metadata_raises_named_error_and_changes_nothing(case, corpus_copy, tmp_path):
    change, message = BAD_METADATA[case]
    rewrite_metadata(corpus_copy, change)
    before = folder_snapshot(corpus_copy)
    with pytest.raises(CorpusError, match=message) as info:
        load_corpus(corpus_copy, cache_dir=tmp_path / "cache")
    assert "metadata.csv" in str(info.value)
    assert folder_snapshot(corpus_copy) == before
    assert not (tmp_path / "cache").exists()


def test_missing_metadata_file(tmp_path):
    (tmp_path / "a.txt").write_text("Bonjour.", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"metadata.csv: missing"):
        load_corpus(tmp_path, cache_dir=None)


def write_corpus(folder, files: dict[str, bytes], dates=None):
    """A small corpus folder: one metadata row per file (no sha256 column)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["doc_id,file,date"]
    for i, (name, data) in enumerate(files.items()):
        (folder / name).write_bytes(data)
        lines.append(f"d{i},{name},{(dates or {}).get(name, '2020')}")
    (folder / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_empty_document_is_refused(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.txt": "La coopération.".encode(), "b.txt": b"  \n\n 12 \n"})
    before = folder_snapshot(folder)
    with pytest.raises(CorpusError, match=r"row 2 \(doc_id 'd1'\): file 'b.txt' is empty"):
        load_corpus(folder, cache_dir=None)
    assert folder_snapshot(folder) == before


def test_document_empty_after_cleaning_is_refused(tmp_path):
    # only a running header and page numbers: nothing left once they are removed
    page = "Titre courant du rapport\n\n3\n\n"
    folder = write_corpus(tmp_path / "c", {"a.txt": (page * 3).encode()})
    with pytest.raises(CorpusError, match=r"doc_id 'd0'.*no text left after cleaning"):
        load_corpus(folder, cache_dir=None)


def test_cp1252_file_is_refused_naming_it_and_the_fix(tmp_path):
    folder = write_corpus(tmp_path / "c", {"legacy.txt": "L’attractivité des régions.".encode("cp1252")})
    with pytest.raises(
        CorpusError,
        match=r"row 1 \(doc_id 'd0'\).*legacy.txt: not valid utf-8 \(byte 0x92 at "
        r"offset 1, line 1\).*'encoding' column",
    ):
        load_corpus(folder, cache_dir=None)


def test_declared_cp1252_encoding_is_decoded_exactly(tmp_path):
    folder = write_corpus(tmp_path / "c", {"legacy.txt": "L’attractivité des régions.".encode("cp1252")})
    rewrite_metadata(
        folder, lambda rows, fields: ([{**r, "encoding": "cp1252"} for r in rows], [*fields, "encoding"])
    )
    corpus = load_corpus(folder, cache_dir=None)
    assert corpus.documents.loc[0, "text"] == "L'attractivité des régions."


def test_unknown_declared_encoding_is_refused_before_reading(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.txt": "Solidarité.".encode()})
    rewrite_metadata(
        folder, lambda rows, fields: ([{**r, "encoding": "klingon"} for r in rows], [*fields, "encoding"])
    )
    with pytest.raises(CorpusError, match=r"row 1 \(doc_id 'd0'\): unknown encoding 'klingon'"):
        check_corpus_folder(folder)


def test_utf16_without_bom_is_refused_naming_the_encoding(tmp_path):
    folder = write_corpus(tmp_path / "c", {"u16.txt": "Coopération décentralisée".encode("utf-16-le")})
    with pytest.raises(
        CorpusError, match=r"u16.txt: NUL byte at offset 1 .*UTF-16/UTF-32 without byte-order"
    ):
        load_corpus(folder, cache_dir=None)


def test_utf8_is_read_without_warning(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.txt": "Solidarité internationale.".encode()})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_corpus(folder, cache_dir=None)


def test_pdf_without_text_layer_is_refused(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    folder = write_corpus(tmp_path / "c", {"scan.pdf": buffer.getvalue()})
    before = folder_snapshot(folder)
    with pytest.raises(CorpusError, match=r"scan.pdf: the PDF has no text layer"):
        load_corpus(folder, cache_dir=None)
    assert folder_snapshot(folder) == before


def test_docx_and_markdown_are_read(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("La coopération décentralisée renforce la solidarité.")
    document.add_paragraph("Elle sert aussi l'attractivité.")
    buffer = io.BytesIO()
    document.save(buffer)
    markdown = "# Titre\n\n**La paix** et la *réconciliation*<sup>1</sup>.\n\n- un point\n- un autre\n\n---\n"
    folder = write_corpus(tmp_path / "c", {"a.docx": buffer.getvalue(), "b.md": markdown.encode()})
    corpus = load_corpus(folder, cache_dir=None)
    texts = corpus.paragraphs.groupby("doc_id")["text"].apply(list).to_dict()
    assert texts["d0"] == [
        "La coopération décentralisée renforce la solidarité.",
        "Elle sert aussi l'attractivité.",
    ]
    assert texts["d1"] == ["Titre", "La paix et la réconciliation.", "un point", "un autre"]


def test_unsupported_file_type(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.rtf": b"{\\rtf1 bonjour}"})
    with pytest.raises(CorpusError, match=r"unsupported file type '.rtf'"):
        load_corpus(folder, cache_dir=None)
