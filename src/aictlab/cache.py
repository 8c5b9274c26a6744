"""The corpus cache: processed tables stored as parquet under a key of content and settings, verified on read.

An entry ``<cache_dir>/corpus/<key>`` holds one parquet file per table (``documents.parquet``, ...) and the
tokens, as one ``tokens.parquet`` or as partitions of whole documents in ``tokens/part.NNNNN.parquet``
(written by the Dask engine or by the streamed in-memory engine for large corpora), and ``settings.json``,
written last, with the sha256 of every file. :mod:`aictlab.corpus` decides when to read and write; this module
knows the layout.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from aictlab import __version__
from aictlab.config import code_fingerprint
from aictlab.pipeline import token_partition_files

__all__ = [
    "TABLES",
    "corpus_cache_key",
    "object_strings",
    "parquet_rows",
    "read_entry",
    "token_destination",
    "write_entry",
]

log = logging.getLogger(__name__)

#: The tables of a corpus, one parquet file each in an entry.
TABLES = ("documents", "paragraphs", "segments", "tokens", "overlap", "duplicate_pairs")


def corpus_cache_key(source: dict[str, str], *, lemmatizer: str, segment_size: int, mwe_file: Path) -> str:
    """Cache key of processed tables: the input's identity (``source``), the processing settings, the MWE
    file, the code fingerprint and the NLP resources' versions."""
    from aictlab import nlp

    payload = {
        **source,
        "lemmatizer": lemmatizer,
        "segment_size": segment_size,
        "mwe": hashlib.sha256(Path(mwe_file).read_bytes()).hexdigest(),
        "aictlab": __version__,
        "code": code_fingerprint(),
        **nlp.model_versions(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def token_destination(cache_path: Path | None) -> dict[str, Any]:
    """Where token partitions are written when they stay on disk: next to the cache entry (moved into it by
    :func:`write_entry`), never back to the driver; with no cache, the tokens come back in memory."""
    if cache_path is None:
        return {"tokens_dir": None, "return_tokens": True}
    return {"tokens_dir": cache_path.parent / f".{cache_path.name}.tokens", "return_tokens": False}


def write_entry(
    path: Path,
    tables: dict[str, pd.DataFrame | None],
    meta: dict[str, Any],
    *,
    tokens_dir: Path | None = None,
) -> None:
    """Write the tables as parquet into a temporary folder, then rename it into place (atomic).

    The tokens are ``tokens.parquet``, or, when they were left in ``tokens_dir`` (partitions), that folder's
    partitions moved to ``tokens/``. ``settings.json`` (``meta`` plus the sha256 of every file, which
    :func:`read_entry` verifies) is written last. Folder and files get the user's umask (not ``mkdtemp``'s
    private 0700).
    """
    from aictlab.io import current_umask, sha256_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())
        for name in TABLES:
            if name == "tokens" and tokens_dir is not None:
                os.replace(tokens_dir, tmp / "tokens")
                os.chmod(tmp / "tokens", 0o777 & ~current_umask())  # made with mkdtemp (0700)
            else:
                tables[name].to_parquet(tmp / f"{name}.parquet", index=False)
        files = {f.relative_to(tmp).as_posix(): sha256_file(f) for f in sorted(tmp.rglob("*")) if f.is_file()}
        meta = {**meta, "files": files}
        (tmp / "settings.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        if path.exists():  # a rebuild (use_cache=False, or a damaged entry) replaces the old tables
            shutil.rmtree(path, ignore_errors=True)
        try:
            os.replace(tmp, path)
        except OSError:  # another process wrote the same key meanwhile: its tables are identical
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def object_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as ``object`` dtype, in place (the one dtype :class:`aictlab.corpus.Corpus` holds)."""
    for column in frame.columns:
        if frame[column].dtype == "string" or str(frame[column].dtype).startswith("str"):
            frame[column] = frame[column].astype(object)
    return frame


def parquet_rows(path: Path) -> int:
    """Rows of a parquet file, from its footer (nothing else read)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def read_entry(
    path: Path, cache_key: str, *, lazy_tokens: bool = False, max_rows: int | None = None
) -> dict[str, Any] | None:
    """The tables of a cache entry: ``{name: DataFrame}`` for every table but the tokens, plus ``tokens``
    (None when ``lazy_tokens`` or when the token files hold more than ``max_rows`` rows: they stay on disk
    and only their footers are read), ``token_files`` and ``settings``.

    Every file is checked against the sha256 that :func:`write_entry` recorded. A damaged, truncated,
    foreign or incomplete entry (or one written before hashes were recorded) is never used: a warning
    names it and None is returned, so that the caller rebuilds (and rewrites) it.
    """
    from aictlab.io import sha256_file

    try:
        meta = json.loads((path / "settings.json").read_text(encoding="utf-8"))
        files = meta["files"]
        on_disk = {f.relative_to(path).as_posix() for f in path.rglob("*") if f.is_file()} - {"settings.json"}
        if set(files) != on_disk:
            raise ValueError(f"files missing or added: {sorted(set(files) ^ on_disk)[:3]}")
        changed = [name for name, digest in files.items() if sha256_file(path / name) != digest]
        if changed:
            raise ValueError(f"{changed[0]} differs from the file written (sha256)")
        if meta.get("cache_key") and meta["cache_key"] != cache_key:
            raise ValueError(f"it holds the entry {meta['cache_key']}")
        partitions = token_partition_files(path / "tokens")
        token_files = partitions or (path / "tokens.parquet",)
        # a large token table stays on disk when read back (read partition by partition)
        lazy = lazy_tokens or (max_rows is not None and sum(parquet_rows(f) for f in token_files) > max_rows)
        # each table's text turned into Python strings as it is read (one table's pyarrow copy at a time)
        out: dict[str, Any] = {
            name: object_strings(pd.read_parquet(path / f"{name}.parquet"))
            for name in TABLES
            if name != "tokens"
        }
        out["tokens"] = (
            None if lazy else pd.concat([pd.read_parquet(f) for f in token_files], ignore_index=True)
        )
        out["token_files"] = token_files if lazy else ()
        out["settings"] = meta["settings"]
        return out
    except Exception as err:  # whatever the damage, the entry is rebuilt, never used and never fatal
        log.warning(
            "corpus cache entry %s is unusable (%s: %s); rebuilding it.", path, type(err).__name__, err
        )
        return None
