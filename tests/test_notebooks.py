"""Every notebook executes end to end on the seeds (jupytext .py source, run through nbclient)."""

from __future__ import annotations

import json

import jupytext
import pytest
from conftest import REPO
from nbclient import NotebookClient

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.py"))


def test_each_notebook_is_paired_without_outputs():
    assert [p.stem for p in NOTEBOOKS][:4] == [
        "01_corpus",
        "02_frames_and_drift",
        "03_textometry",
        "04_topics",
    ]
    for source in NOTEBOOKS:
        paired = source.with_suffix(".ipynb")
        assert paired.is_file(), f"{paired.name} missing: run `make notebooks`"
        notebook = json.loads(paired.read_text(encoding="utf-8"))
        assert all(not cell.get("outputs") for cell in notebook["cells"]), f"{paired.name} has outputs"
        code = [c["source"] for c in jupytext.read(source).cells if c.cell_type == "code"]
        ipynb_code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
        assert code == ipynb_code, f"{paired.name} is out of sync with {source.name}: run `make notebooks`"


@pytest.mark.slow
@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(source):
    notebook = jupytext.read(source)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
    )
    client.execute()
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors
