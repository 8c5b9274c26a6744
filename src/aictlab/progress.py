"""Progress and processes of the corpus stage: how long it has left, and on how many cores it runs.

:class:`ProgressTracker` turns the NLP stage's per-paragraph notices into a ``progress(chars_done,
chars_total, documents_done, documents_total)`` callback (:func:`tqdm_progress` draws it as a bar; a report
runner can draw its own). :func:`nlp_processes` decides when spaCy runs in several processes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

__all__ = ["PARALLEL_NLP_CHARS", "ProgressTracker", "nlp_processes", "tqdm_progress"]


#: Characters of text per spaCy process below which the in-memory engine does not start more processes:
#: forking a process and shipping its documents back costs about what spaCy does with this much text
#: (measured in docs/benchmarks.md, "corpus stage: memory and processes").
PARALLEL_NLP_CHARS = 400_000


def nlp_processes(lemmatizer: str, n_chars: int) -> int:
    """spaCy processes for ``n_chars`` characters of text: 1 for ``"simplemma"`` (the tokenizer alone is
    faster than shipping its documents between processes) and for small corpora; else one per
    :data:`PARALLEL_NLP_CHARS` characters, at most one per available core."""
    if lemmatizer != "spacy":
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, n_chars // PARALLEL_NLP_CHARS))


class ProgressTracker:
    """Turns per-paragraph notices of the NLP stage into throttled ``progress(chars, total, docs, n_docs)``."""

    def __init__(self, callback: Callable[[int, int, int, int], None], total: int, n_documents: int):
        self.callback, self.total, self.n_documents = callback, total, n_documents
        self.chars, self.documents, self.doc, self.last = 0, 0, None, 0.0

    def paragraph(self, n_chars: int, doc_id: str) -> None:
        if doc_id != self.doc:
            self.documents += self.doc is not None
            self.doc = doc_id
        self.chars += n_chars
        now = time.monotonic()
        if now - self.last >= 0.5:
            self.last = now
            self.callback(self.chars, self.total, self.documents, self.n_documents)

    def finish(self) -> None:
        self.callback(self.total, self.total, self.n_documents, self.n_documents)


def tqdm_progress(desc: str = "corpus: NLP") -> Callable[[int, int, int, int], None]:
    """A ``progress`` callback for :func:`aictlab.pipeline.process_paragraphs` drawing a tqdm bar (on stderr) over characters
    of text, with the documents done as its postfix; the bar closes when the stage ends."""
    from tqdm.auto import tqdm

    bar = None

    def update(chars: int, total: int, documents: int, n_documents: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="char", unit_scale=True, leave=False)
        bar.update(chars - bar.n)
        bar.set_postfix_str(f"{documents}/{n_documents} documents", refresh=False)
        if chars >= total:
            bar.close()

    return update
