"""Drafting metadata.csv for a bare folder of documents: doc_ids, hashes, guessed dates and their evidence."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from aictlab.corpus import load_corpus
from aictlab.draft_metadata import (
    MetadataDraftWarning,
    date_from_name,
    date_from_text,
    doc_id_from_name,
    draft_rows,
    init_metadata,
    main,
)
from aictlab.errors import CorpusError


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "metadata.csv"
    }


@pytest.fixture
def bare_folder(tmp_path: Path) -> Path:
    """Five documents, one per way of finding (or not finding) a date, one in a sub-folder, one .docx."""
    import docx

    folder = tmp_path / "docs"
    (folder / "archives").mkdir(parents=True)
    (folder / "2012-05-23_CNFPT Angers.txt").write_text(
        "Séminaire sur la diplomatie des villes.\n\nLa coopération décentralisée, publiée le 2 juin 2012.\n",
        encoding="utf-8",
    )
    (folder / "compte rendu Assises.md").write_text(
        "# Assises de la coopération décentralisée\n\nParis, le 1er juillet 2023.\n\n"
        "Les collectivités parlent d'attractivité depuis le 03/07/2019.\n",
        encoding="utf-8",
    )
    (folder / "archives" / "rapport_2019.txt").write_text(
        "Rapport annuel.\n\nLe 31 juin 2018 n'existe pas ; la réunion du 2018-09-14 a eu lieu.\n",
        encoding="utf-8",
    )
    (folder / "note.txt").write_text(
        "Note sans date.\n\nLa solidarité internationale des territoires.\n", encoding="utf-8"
    )
    document = docx.Document()
    document.add_paragraph("Colloque de Cités Unies France")
    document.add_paragraph("Les 23 et 24 mai 2016, à Paris, sur l'action extérieure des collectivités.")
    document.save(folder / "Colloque_CUF.docx")
    (folder / ".hidden.txt").write_text("caché 1er mai 2000", encoding="utf-8")
    return folder


def _rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "metadata.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_doc_id_and_date_from_file_names():
    assert doc_id_from_name("2012-05-23_CNFPT Angers.txt") == "2012_05_23_cnfpt_angers"
    assert doc_id_from_name("Région été.pdf") == "region_ete"
    assert doc_id_from_name("---.txt") == "doc"
    assert date_from_name("2012-05-23_x.txt")[0] == "2012-05-23"
    assert date_from_name("rapport_20230703.pdf")[0] == "2023-07-03"
    assert date_from_name("cr_03-07-2023.txt")[0] == "2023-07-03"  # day first
    assert date_from_name("bulletin_2021-04.txt")[0] == "2021-04"
    assert date_from_name("rapport_2019.txt") == ("2019", "file name 'rapport_2019.txt': 2019 (year only)")
    assert date_from_name("2012-13-45_x.txt")[0] == "2012"  # no such month: the year only
    assert date_from_name("note.txt") is None


def test_date_from_text_takes_the_first_full_date():
    assert date_from_text("Paris, le 1er juillet 2023. Puis le 2 août 2023.")[0] == "2023-07-01"
    assert date_from_text("Les 23 et 24 mai 2012 à Angers")[0] == "2012-05-23"
    assert date_from_text("Le 31 juin 2018 puis 14/09/2018") == (
        "2018-09-14",
        "text line 1: '14/09/2018' (first full date in the text)",
    )
    assert date_from_text("vu en 2012-05-23\net le 4 MARS 2011")[0] == "2012-05-23"
    assert date_from_text("ligne\nle 5 décembre 2019")[1].startswith("text line 2: '5 décembre 2019'")
    assert date_from_text("En mai 2012, en 2013.") is None  # no full date


def test_init_writes_a_draft_and_lists_rows_to_review(bare_folder):
    before = _snapshot(bare_folder)
    with pytest.warns(MetadataDraftWarning) as caught:
        path = init_metadata(bare_folder)
    assert path == bare_folder / "metadata.csv"
    assert _snapshot(bare_folder) == before  # the documents are untouched
    rows = {r["doc_id"]: r for r in _rows(bare_folder)}
    assert list(rows) == [
        "2012_05_23_cnfpt_angers",
        "colloque_cuf",
        "rapport_2019",
        "compte_rendu_assises",
        "note",
    ]  # sorted by path: "2012...", "Colloque_CUF.docx", "archives/...", "compte...", "note.txt"
    assert rows["rapport_2019"]["file"] == "archives/rapport_2019.txt"
    assert rows["2012_05_23_cnfpt_angers"]["date"] == "2012-05-23"
    assert rows["2012_05_23_cnfpt_angers"]["date_evidence"].startswith("file name")
    assert rows["colloque_cuf"]["date"] == "2016-05-23"
    assert rows["compte_rendu_assises"]["date"] == "2023-07-01"
    assert rows["compte_rendu_assises"]["date_evidence"] == (
        "text line 3: '1er juillet 2023' (first full date in the text)"
    )
    assert rows["rapport_2019"]["date"] == "2019"
    assert rows["note"]["date"] == ""
    assert rows["compte_rendu_assises"]["title"] == "Assises de la coopération décentralisée"
    for row in rows.values():
        file = bare_folder / row["file"]
        assert row["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
        assert row["source_file"] == file.name
    message = str(caught[0].message)
    assert "check the dates of 4 row(s)" in message
    assert "row 2 (colloque_cuf: date from the text)" in message
    assert "row 3 (rapport_2019: partial date from the file name)" in message
    assert "row 5 (note: no date)" in message
    assert "2012_05_23_cnfpt_angers" not in message


def test_draft_never_overwrites(bare_folder):
    (bare_folder / "metadata.csv").write_text("doc_id,file,date\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="already exists; init never overwrites"):
        init_metadata(bare_folder)
    assert (bare_folder / "metadata.csv").read_text(encoding="utf-8") == "doc_id,file,date\n"


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(CorpusError, match="no such folder"):
        init_metadata(tmp_path / "absent")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "scan.png").write_bytes(b"\x89PNG")
    with pytest.raises(CorpusError, match="no documents"):
        init_metadata(tmp_path / "images")
    assert not (tmp_path / "images" / "metadata.csv").exists()


def test_command_line_then_the_folder_loads_once_reviewed(bare_folder, capsys, tmp_path):
    assert main(["init", str(bare_folder)]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "aictlab: warning:" in captured.err
    assert main(["init", str(bare_folder)]) == 2
    assert "already exists" in capsys.readouterr().err
    # the row without a date stops the loader, naming it
    with pytest.raises(CorpusError, match=r"row 5 \(doc_id 'note'\).*not ISO 8601"):
        load_corpus(bare_folder, lemmatizer="simplemma", cache_dir=None)
    text = (bare_folder / "metadata.csv").read_text(encoding="utf-8")
    (bare_folder / "metadata.csv").write_text(text.replace("note,note.txt,,", "note,note.txt,2020,"))
    corpus = load_corpus(bare_folder, lemmatizer="simplemma", cache_dir=None)
    assert corpus.documents.set_index("doc_id")["year"].to_dict() == {
        "2012_05_23_cnfpt_angers": 2012,
        "colloque_cuf": 2016,
        "rapport_2019": 2019,
        "compte_rendu_assises": 2023,
        "note": 2020,
    }


def test_links_to_files_outside_the_folder_are_left_out(tmp_path):
    outside = tmp_path / "private" / "2019-01-01_secret.txt"
    outside.parent.mkdir()
    outside.write_text("Première ligne confidentielle.\n", encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "2018-05-02_rapport.txt").write_text("Rapport de coopération.\n", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    with pytest.warns(MetadataDraftWarning, match="outside"):
        rows = draft_rows(folder)
    assert [r["file"] for r in rows] == ["2018-05-02_rapport.txt"]
    assert not any("confidentielle" in r["title"] for r in rows)
