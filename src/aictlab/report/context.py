"""What a report part receives: the corpus, the settings, and the means to write outputs and cache work."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aictlab import __version__
from aictlab.config import Settings
from aictlab.io import atomic_write_bytes

__all__ = [
    "table_bytes",
    "settings_key",
    "ReportContext",
    "NOT_IN_FINGERPRINT",
    "SEAL_MAGIC",
    "run_fingerprint",
    "seal",
    "unseal",
]

log = logging.getLogger("aictlab.report")


def table_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes of ``frame``, deterministic: no index, ``\\n`` line ends, floats with 10 significant digits."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def settings_key(*parts: Any) -> str:
    """Short sha256 of JSON-serialised ``parts`` (content hashes, settings) and the code: a cache key."""
    from aictlab.config import code_fingerprint

    payload = json.dumps([__version__, code_fingerprint(), *parts], sort_keys=True, default=str).encode(
        "utf-8"
    )
    return hashlib.sha256(payload).hexdigest()[:16]


#: Settings that never change a number (where things are, how they run): left out of :func:`run_fingerprint`.
NOT_IN_FINGERPRINT = ("root", "out", "processed", "use_cache", "engine", "scheduler")


def run_fingerprint(settings: Settings, corpus_hash: str) -> str:
    """Short sha256 of the corpus hash, every setting that changes a number and the lexicon and expression
    files' contents: two report sections with the same fingerprint come from the same analysis (paths, cache
    and engine choices do not count)."""
    values = {k: v for k, v in settings.to_dict().items() if k not in NOT_IN_FINGERPRINT}
    files = {  # the lexicon and expressions by content, not only by name
        name: hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        for name, path in (("lexicon", settings.lexicon_path), ("mwe", settings.mwe_path))
    }
    payload = json.dumps([__version__, corpus_hash, values, files], sort_keys=True, default=str).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


@dataclass
class ReportContext:
    """State shared by the parts of one report run.

    Attributes
    ----------
    settings : Settings
        The resolved settings.
    corpus : aictlab.corpus.Corpus
        The loaded corpus (documents, paragraphs, segments, tokens). On the Dask engine its tokens stay on
        disk (``corpus.tokens`` is None): parts read them only through :meth:`map_tokens`.
    client : distributed.Client or None
        The Dask client of the run (``engine = "dask"``), shared by every corpus the run loads.
    results : dict
        Values a part leaves for later parts and for the report's summary (e.g. ``results["verdict"]``).
    outputs : list of Path
        Every file written so far (for provenance).
    """

    settings: Settings
    corpus: Any
    client: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)

    @property
    def out_dir(self) -> Path:
        return self.settings.path("out")

    @property
    def run_id(self) -> str:
        """The settings hash of this run's numbers (:func:`run_fingerprint` of the settings and corpus)."""
        return run_fingerprint(self.settings, self.corpus.corpus_hash if self.corpus is not None else "")

    def map_tokens(self, func: Callable[[pd.DataFrame], Any], *, words_only: bool = True) -> Any:
        """``func`` over the tokens every measure counts under these settings, partition by partition
        (duplicates once unless ``keep_duplicates``; timetable lines out): :meth:`Corpus.map_tokens`."""
        return self.corpus.map_tokens(
            func, keep_duplicates=self.settings.keep_duplicates, words_only=words_only
        )

    def load_corpus(self, **overrides: Any):
        """Another corpus of the run's input (e.g. another lemmatizer), on the run's engine and client."""
        from aictlab.corpus import load_settings_corpus

        if self.client is not None:
            overrides.setdefault("scheduler", self.client)
        return load_settings_corpus(self.settings, **overrides)

    def save_table(self, frame: pd.DataFrame, name: str) -> Path:
        """Write ``frame`` as ``<out>/tables/<name>.csv`` (atomically, deterministic bytes)."""
        path = self.out_dir / "tables" / f"{name}.csv"
        atomic_write_bytes(path, table_bytes(frame))
        self.outputs.append(path)
        return path

    def save_figure(self, fig, name: str) -> list[Path]:
        """Write ``fig`` as ``<out>/<name>.png`` and ``.pdf`` with no embedded dates, then close it."""
        import matplotlib.pyplot as plt

        from aictlab.plots import figure_style

        paths = []
        for ext, metadata in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "Producer": None})):
            buffer = io.BytesIO()
            with figure_style():  # the house style is local; PDFs keep TrueType fonts
                fig.savefig(buffer, format=ext, metadata=metadata, dpi=200)
            path = self.out_dir / f"{name}.{ext}"
            atomic_write_bytes(path, buffer.getvalue())
            paths.append(path)
        plt.close(fig)
        self.outputs.extend(paths)
        return paths

    def cached(self, name: str, key_parts: dict[str, Any], compute: Callable[[], Any]) -> Any:
        """Return ``compute()``, reusing ``<processed>/results/<name>-<key>.pkl`` when the key matches.

        ``key_parts`` must hold everything the result depends on besides the corpus tables (settings, seeds);
        the corpus cache key (content + processing settings) and package version are added here. Writes are
        atomic, and each entry carries the sha256 of its pickle (:func:`seal`): an entry that is truncated,
        damaged or not written by aictlab is recomputed with a warning, never used and never fatal.
        """
        key = settings_key(name, self.corpus.cache_key or self.corpus.corpus_hash, key_parts)
        path = self.settings.path("processed") / "results" / f"{name}-{key}.pkl"
        if self.settings.use_cache and path.exists():
            try:
                value = pickle.loads(unseal(path.read_bytes()))
            except Exception as err:  # any damage, including a pickle that no longer loads
                log.warning("cache entry %s is damaged (%s); recomputing it.", path, err)
            else:
                log.debug("cache hit %s", path.name)
                return value
        value = compute()
        atomic_write_bytes(path, seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
        return value


#: First bytes of a sealed cache entry (then the payload's 32-byte sha256, then the payload).
SEAL_MAGIC = b"AICTLAB-SEALED-1\n"


def seal(payload: bytes) -> bytes:
    """``payload`` prefixed with :data:`SEAL_MAGIC` and its sha256, so that a reader can verify it."""
    return SEAL_MAGIC + hashlib.sha256(payload).digest() + payload


def unseal(data: bytes) -> bytes:
    """The payload of :func:`seal`'s bytes, verified.

    Raises
    ------
    ValueError
        No seal (a foreign or old file), or a payload whose sha256 differs (truncated or damaged).
    """
    if not data.startswith(SEAL_MAGIC):
        raise ValueError("not an aictlab cache entry")
    start = len(SEAL_MAGIC) + 32
    digest, payload = data[len(SEAL_MAGIC) : start], data[start:]
    if len(digest) < 32 or hashlib.sha256(payload).digest() != digest:
        raise ValueError("its sha256 does not match (truncated or damaged)")
    return payload
