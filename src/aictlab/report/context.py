"""What a report part receives: the corpus, the settings, and the means to write outputs and cache work."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aictlab import __version__
from aictlab.config import Settings
from aictlab.io import atomic_write_bytes, sha256_file
from aictlab.plots.output import FIGURE_DPI, FIGURE_FORMAT, figure_bytes

__all__ = [
    "table_bytes",
    "settings_key",
    "content_digest",
    "figure_bytes",
    "FIGURE_DPI",
    "ReportContext",
    "NOT_IN_FINGERPRINT",
    "SEAL_MAGIC",
    "run_fingerprint",
    "seal",
    "unseal",
    "read_entry",
    "write_entry",
]

log = logging.getLogger("aictlab.report")


def table_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes of ``frame``, deterministic: no index, ``\\n`` line ends, floats with 10 significant digits.

    The bytes of ``frame.to_csv(index=False, lineterminator="\\n", float_format="%.10g")``; float columns are
    formatted here first (one format per value, NaN empty), as pandas would but without its per-value calls,
    which dominated writing tables of a million rows.
    """
    floats = [c for c, dtype in frame.dtypes.items() if dtype.kind == "f" and isinstance(dtype, np.dtype)]
    if floats and frame.columns.is_unique:
        frame = frame.copy(deep=False)
        for name in floats:
            values = frame[name].to_numpy()
            text = np.array([f"{v:.10g}" for v in values.tolist()], dtype=object)
            text[np.isnan(values)] = ""
            frame[name] = text
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
        name: sha256_file(path) if path.is_file() else None
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
    show_progress : bool
        Whether progress bars are shown (:meth:`progress_bar`).
    figure_worker : aictlab.plots.output.FigureWorker or None
        Where figures are drawn: a background process (the report run's), or None to draw them in
        :meth:`plot` itself.
    part : str
        The part running (set by the runner): it answers for the figures it leaves to the background.
    pending_figures : list
        Figures queued in the background, written by :meth:`finish_figures`.
    ahead : dict
        Part name -> handle of its forked call: work a part started before its turn
        (:func:`aictlab.report.runner.start_ahead`); the handle's ``result()`` waits for it.
    """

    settings: Settings
    corpus: Any
    client: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    show_progress: bool = False
    figure_worker: Any = None
    part: str = ""
    pending_figures: list[tuple] = field(default_factory=list)
    ahead: dict[str, Any] = field(default_factory=dict)

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

    def compared_periods(self) -> dict[str, Any]:
        """The two periods the drift index compares under these settings, found from the corpus alone
        (:func:`aictlab.verdict.corpus_compared_periods`): the semantic and topic views contrast them too."""
        from aictlab.corpus import as_corpus
        from aictlab.verdict import corpus_compared_periods

        s = self.settings
        corpus = as_corpus(self.corpus.select(keep_duplicates=s.keep_duplicates), periods=s.periods)
        rule = {"min_documents": s.min_documents, "min_tokens": s.min_tokens, "cluster": s.cluster}
        key = {"periods": s.periods, "keep_duplicates": s.keep_duplicates, **rule}
        return self.cached("compared_periods", key, lambda: corpus_compared_periods(corpus, **rule))

    def load_corpus(self, **overrides: Any):
        """Another corpus of the run's input (e.g. another lemmatizer), on the run's engine and client."""
        from aictlab.corpus import load_settings_corpus

        if self.client is None:
            return load_settings_corpus(self.settings, **overrides)
        from aictlab.engine import client_map

        overrides.setdefault("scheduler", self.client)
        # tokens left on disk are then read and counted on the run's workers, partition by partition
        corpus = load_settings_corpus(self.settings, **overrides)
        return dataclasses.replace(corpus, partition_map=client_map(self.client))

    def save_table(self, frame: pd.DataFrame, name: str) -> Path:
        """Write ``frame`` as ``<out>/tables/<name>.csv`` (atomically, deterministic bytes)."""
        path = self.out_dir / "tables" / f"{name}.csv"
        atomic_write_bytes(path, table_bytes(frame))
        self.outputs.append(path)
        return path

    def _write_figure(self, name: str, images: dict[str, bytes], *, listed: bool = False) -> list[Path]:
        paths = []
        for ext, data in images.items():
            path = self.out_dir / f"{name}.{ext}"
            atomic_write_bytes(path, data)
            paths.append(path)
        if not listed:
            self.outputs.extend(paths)
        return paths

    def plot(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> pd.DataFrame:
        """Draw ``func(*args, **kwargs)`` (a figure function returning ``(Figure, DataFrame)``) and write it as
        ``<out>/<name>.png`` and ``.pdf``; return the DataFrame drawn.

        The figure is a function of its inputs, the figure code and the house style, so it is cached under
        ``<processed>/figures/<name>-<key>.pkl``, the key hashing the function's name, its arguments' content
        (:func:`content_digest`), the style, the matplotlib version and the package's code
        (:func:`settings_key`). A warm run copies the PNG and PDF bytes of the entry into ``<out>`` (this
        run's outputs, as a drawn figure would be) without building or drawing the figure. Entries are sealed
        like every result (:func:`write_entry`): a damaged one is redrawn with a warning. Arguments that
        cannot be hashed (an unknown object) simply disable the cache for that figure.

        With a :attr:`figure_worker`, the figure is built here and drawn in the background while the run goes
        on; its files and cache entry are written by :meth:`finish_figures`.
        """
        from importlib.metadata import version

        from aictlab.plots import RC

        try:
            inputs = content_digest([args, kwargs])
        except TypeError as err:
            log.debug("figure %s not cached: %s", name, err)
            path = None
        else:
            style = {
                "rc": repr(sorted(RC.items())),
                "dpi": FIGURE_DPI,
                "format": FIGURE_FORMAT,
                "matplotlib": version("matplotlib"),
            }
            func_name = f"{func.__module__}.{func.__qualname__}"
            key = settings_key("figure", name, func_name, inputs, style)
            path = self.settings.path("processed") / "figures" / f"{name}-{key}.pkl"
            entry = read_entry(path, None) if self.settings.use_cache else None
            if isinstance(entry, dict) and set(entry) == {"images", "data"}:
                self._write_figure(name, entry["images"])
                return entry["data"]
        import matplotlib.pyplot as plt  # only to draw: a warm run copies cached figures without matplotlib

        fig, data = func(*args, **kwargs)
        queued = self.figure_worker.submit(fig) if self.figure_worker is not None else None
        if queued is not None:
            plt.close(fig)
            self.outputs.extend(self.out_dir / f"{name}.{ext}" for ext in ("png", "pdf"))
            self.pending_figures.append((self.part, name, path, data, *queued))
            return data
        images = figure_bytes(fig)
        plt.close(fig)
        self._write_figure(name, images)
        if path is not None:
            write_entry(path, {"images": images, "data": data})
        return data

    def finish_figures(self) -> dict[str, str]:
        """Wait for the figures drawn in the background (a second process drawing those still queued), then
        write their files and cache entries.

        A figure the background process could not draw (it died, or drawing failed there) is drawn here from
        its pickle; one that fails here too is reported, never fatal.

        Returns
        -------
        dict
            Part name -> error, for the parts one of whose figures could not be drawn (empty when all were).
        """
        from aictlab.plots.output import render_pickled_figure

        failed: dict[str, str] = {}
        pending, self.pending_figures = self.pending_figures, []
        if pending and self.figure_worker is not None:  # nothing left to compute: draw on both cores
            second = self.figure_worker.draw_rest()
            log.info("%d of the %d figures queued drawn by a second process", second, len(pending))
        for part, name, path, data, blob, future in pending:
            try:
                try:
                    images = future.result()
                except Exception as err:  # the worker died or failed: once more, here
                    log.warning("figure %s: background drawing failed (%s); drawing it here.", name, err)
                    images = render_pickled_figure(blob)
            except Exception as err:
                log.error("figure %s of part %s could not be drawn: %s", name, part, err)
                failed.setdefault(part, f"figure {name}: {type(err).__name__}: {err}")
                continue
            self._write_figure(name, images, listed=True)
            if path is not None:
                write_entry(path, {"images": images, "data": data})
        return failed

    def _result_path(self, name: str, key_parts: dict[str, Any]) -> Path:
        key = settings_key(name, self.corpus.cache_key or self.corpus.corpus_hash, key_parts)
        return self.settings.path("processed") / "results" / f"{name}-{key}.pkl"

    def is_cached(self, name: str, key_parts: dict[str, Any]) -> bool:
        """Whether :meth:`cached` will find an entry for ``name`` under this key (not yet checked whole)."""
        return self.settings.use_cache and self._result_path(name, key_parts).is_file()

    def cached_value(self, name: str, key_parts: dict[str, Any]) -> Any:
        """The value :meth:`cached` holds for ``name`` under this key, or None (nothing is computed): what an
        earlier part left, e.g. the frame measures' hits for the semantic part."""
        if not self.settings.use_cache:
            return None
        return read_entry(self._result_path(name, key_parts), None)

    def cached(self, name: str, key_parts: dict[str, Any], compute: Callable[[], Any]) -> Any:
        """Return ``compute()``, reusing ``<processed>/results/<name>-<key>.pkl`` when the key matches.

        ``key_parts`` must hold everything the result depends on besides the corpus tables (settings, seeds);
        the corpus cache key (content + processing settings) and package version are added here. Writes are
        atomic, and each entry carries the sha256 of its pickle (:func:`seal`): an entry that is truncated,
        damaged or not written by aictlab is recomputed with a warning, never used and never fatal.
        """
        path = self._result_path(name, key_parts)
        value = read_entry(path, _MISSING) if self.settings.use_cache else _MISSING
        if value is not _MISSING:
            return value
        value = compute()
        write_entry(path, value)
        return value

    @contextlib.contextmanager
    def progress_bar(self, total: int | None = None, desc: str = "") -> Iterator[Any]:
        """A progress bar for the steps inside a part (e.g. the fits of the topic grid), under the report's.

        ``with ctx.progress_bar(total=len(grid), desc="topic grid") as bar: ... bar.update(1)``. It shows the
        count, the elapsed time and the rate (no guessed time left); it is silent unless the run shows
        progress (``ctx.show_progress``), and is closed (and cleared) when the block ends.
        """
        from tqdm.auto import tqdm

        bar = tqdm(
            total=total,
            desc=desc,
            leave=False,
            position=1,
            disable=not self.show_progress,
            bar_format="  {desc}: {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}]{postfix}",
        )
        try:
            yield bar
        finally:
            bar.close()


_MISSING = object()


def content_digest(value: Any) -> str:
    """sha256 of ``value``'s content: DataFrames, Series, arrays, dataclasses, mappings, sequences and scalars.

    Two values with equal content give the same digest whatever their memory layout or process (a figure
    cache key). Raises TypeError for anything else (e.g. a fitted model object): the caller does not cache.
    """
    digest = hashlib.sha256()
    _feed(digest, value, set())
    return digest.hexdigest()


def _feed(digest, value: Any, seen: set[int]) -> None:
    """Add ``value`` to ``digest``, recursively (``seen``: containers on the path, to refuse cycles)."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        digest.update(repr((type(value).__name__, value)).encode("utf-8"))
        return
    if id(value) in seen:
        raise TypeError("a value that contains itself")
    seen = seen | {id(value)}
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        digest.update(repr((type(value).__name__, getattr(value, "shape", None))).encode())
        names = frame.columns if isinstance(frame, pd.DataFrame) else [frame.name]
        digest.update(repr([(str(c), str(t)) for c, t in zip(names, _dtypes(frame), strict=True)]).encode())
        if isinstance(frame, pd.DataFrame):
            digest.update(repr(list(frame.index.names)).encode())
        try:
            digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists): their text, exactly
            digest.update(frame.to_csv(lineterminator="\n").encode("utf-8"))
    elif isinstance(value, np.ndarray):
        digest.update(repr(("ndarray", value.dtype.str, value.shape)).encode())
        if value.dtype == object:
            _feed(digest, value.tolist(), seen)
        else:
            digest.update(np.ascontiguousarray(value).tobytes())
    elif hasattr(value, "tocsr") and hasattr(value, "shape"):  # a scipy sparse matrix
        csr = value.tocsr()
        _feed(digest, ("sparse", csr.shape, csr.data, csr.indices, csr.indptr), seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(f"{type(value).__module__}.{type(value).__qualname__}".encode())
        for f in dataclasses.fields(value):
            _feed(digest, (f.name, getattr(value, f.name)), seen)
    elif isinstance(value, dict):
        digest.update(b"dict")
        for k, v in sorted(value.items(), key=lambda kv: repr(kv[0])):
            _feed(digest, (k, v), seen)
    elif isinstance(value, (list, tuple)):
        digest.update(repr((type(value).__name__, len(value))).encode())
        for item in value:
            _feed(digest, item, seen)
    elif isinstance(value, (set, frozenset)):
        _feed(digest, sorted(value, key=repr), seen)
    elif isinstance(value, functools.partial):
        _feed(digest, (value.func, value.args, value.keywords), seen)
    elif callable(value) and hasattr(value, "__qualname__"):  # a function: by name (its code is in the key)
        digest.update(f"{value.__module__}.{value.__qualname__}".encode())
    else:
        raise TypeError(f"cannot hash a {type(value).__name__} by content")


def _dtypes(frame) -> list:
    return list(frame.dtypes) if isinstance(frame, pd.DataFrame) else [frame.dtype]


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


def read_entry(path: Path, default: Any = None) -> Any:
    """The value of the sealed cache entry at ``path`` (:func:`write_entry`), or ``default`` when there is none.

    An entry that is truncated, damaged, foreign or no longer loads is never used: a warning names it and
    ``default`` is returned, so that the caller recomputes (and rewrites) it.
    """
    if not path.exists():
        return default
    try:
        value = pickle.loads(unseal(path.read_bytes()))
    except Exception as err:  # any damage, including a pickle that no longer loads
        log.warning("cache entry %s is damaged (%s); recomputing it.", path, err)
        return default
    log.debug("cache hit %s", path.name)
    return value


def write_entry(path: Path, value: Any) -> None:
    """Pickle ``value`` into the cache entry ``path``, sealed (:func:`seal`) and written atomically."""
    atomic_write_bytes(path, seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
