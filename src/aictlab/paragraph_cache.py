"""NLP results cached by paragraph: adding a document to a corpus does not redo the NLP of the others.

The corpus cache (:mod:`aictlab.cache`) keys whole tables on the whole corpus, so any change to the corpus
rebuilds them. The costly part of a build is spaCy, and what spaCy makes of a paragraph depends only on its
text and the NLP settings: those rows (``token, lemma, pos, is_stop, is_punct, is_word, space_after``, before
multi-word expressions are joined and before any document counter) are kept in
``<cache_dir>/nlp/<settings key>/shard-*.parquet``, keyed by the sha256 of the paragraph's text. A build reads
the rows of the paragraphs it has seen, runs spaCy on the others only, and writes them as a new shard.
Unreadable shards are ignored with a warning (their paragraphs are simply processed again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from aictlab import __version__
from aictlab.config import code_fingerprint

__all__ = ["ROW_COLUMNS", "cached_tokens", "paragraph_key", "store_folder"]

log = logging.getLogger(__name__)

#: The columns of a paragraph's token rows (:func:`aictlab.nlp.iter_tokens`).
ROW_COLUMNS = ("token", "lemma", "pos", "is_stop", "is_punct", "is_word", "space_after")


def store_folder(cache_dir: str | Path, lemmatizer: str) -> Path:
    """The folder of the paragraph rows of one lemmatizer, NLP model versions and code version."""
    from aictlab import nlp

    payload = {
        "lemmatizer": lemmatizer,
        "aictlab": __version__,
        "code": code_fingerprint(),
        **nlp.model_versions(),
    }
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]
    return Path(cache_dir) / "nlp" / key


def paragraph_key(text: str) -> str:
    """The key of a paragraph: sha256 of its text (hex, 32 characters)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _read_known(folder: Path, keys: set[str]) -> dict[str, list[tuple]]:
    """Rows of the paragraphs of ``keys`` found in the folder's shards."""
    known: dict[str, list[tuple]] = {}
    for shard in sorted(folder.glob("shard-*.parquet")) if folder.is_dir() else ():
        try:
            frame = pd.read_parquet(shard, filters=[("para_key", "in", sorted(keys - known.keys()) or [""])])
        except Exception as err:  # a damaged shard only costs the NLP of its paragraphs
            log.warning(
                "NLP cache shard %s is unreadable (%s); its paragraphs are processed again.", shard, err
            )
            continue
        columns = [frame[c].tolist() for c in ("para_key", *ROW_COLUMNS)]
        for key, *row in zip(*columns, strict=True):
            known.setdefault(key, []).append(tuple(row))
    return known


def _write_shard(folder: Path, fresh: dict[str, list[tuple]]) -> None:
    """Write the rows of newly processed paragraphs as one shard (atomic rename; a failure only warns)."""
    records = [(key, *row) for key, rows in fresh.items() for row in rows]
    if not records:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256("".join(sorted(fresh)).encode()).hexdigest()[:20]
        frame = pd.DataFrame.from_records(records, columns=["para_key", *ROW_COLUMNS])
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".shard-", suffix=".parquet")
        os.close(handle)
        try:
            frame.to_parquet(tmp, index=False)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, folder / f"shard-{name}.parquet")
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as err:
        log.warning(
            "NLP cache %s not written (%s); the next build processes these paragraphs again.", folder, err
        )


def _umask() -> int:
    from aictlab.io import current_umask

    return current_umask()


def cached_tokens(
    texts: Iterable[str], *, folder: Path, lemmatizer: str, n_process: int = 1
) -> Iterator[list[tuple]]:
    """The rows of :func:`aictlab.nlp.iter_tokens`, from the paragraph store where known, else from spaCy
    (and then stored). The same rows, in the same order."""
    from aictlab import nlp

    texts = list(texts)
    keys = [paragraph_key(t) for t in texts]
    known = _read_known(folder, set(keys))
    missing = [t for t, k in zip(texts, keys, strict=True) if k not in known]
    log.info("NLP: %d paragraphs from the cache, %d to process", len(texts) - len(missing), len(missing))
    fresh_rows = nlp.iter_tokens(missing, lemmatizer=lemmatizer, n_process=n_process)
    fresh: dict[str, list[tuple]] = {}
    for key in keys:
        if key in known:
            yield list(known[key])
            continue
        rows = next(fresh_rows)
        fresh[key] = rows
        yield list(rows)
    _write_shard(folder, fresh)
