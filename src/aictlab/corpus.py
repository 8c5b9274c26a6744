"""The corpus stage: a corpus folder -> documents, paragraphs, segments and tokens, as tidy tables.

:func:`load_corpus` (a folder, or an IRaMuTeQ file through :func:`read_iramuteq`) checks the input, reuses
the processed tables cached in ``data/processed`` when the content and the settings are unchanged, and
otherwise runs the pipeline (:mod:`aictlab.pipeline`: cleaning, near-duplicate flags, tokens and lemmas,
segments) in this process or on Dask workers (:mod:`aictlab.engine`), then caches the tables. Both inputs
share that one cache-and-engine path. :class:`Corpus` holds the tables; :func:`as_corpus` is the one adapter
measures read tokens through (:meth:`Corpus.map_tokens`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aictlab import schema as S
from aictlab.cache import (
    TABLES,
    corpus_cache_key,
    object_strings,
    parquet_rows,
    read_entry,
    token_destination,
    write_entry,
)
from aictlab.config import ENGINES, LEMMATIZERS, Settings, mwe_file
from aictlab.errors import SchemaError, check_choice
from aictlab.pipeline import (
    PartitionedCorpus,
    clean_while_loading,
    content_hash,
    document_totals,
    process_paragraphs,
    select_tokens,
    token_partition_files,
)

#: Characters of clean text above which the in-memory engine streams the tokens to disk when it caches them
#: (a :class:`Corpus` whose tokens stay in partitions): ~1.5 million tokens, ~0.5 GB as Python objects.
IN_MEMORY_CHARS = 10_000_000
#: Token rows above which a cached corpus is read back with its tokens left on disk (``Corpus.token_files``).
IN_MEMORY_TOKENS = 1_500_000

__all__ = [
    "IN_MEMORY_CHARS",
    "IN_MEMORY_TOKENS",
    "Corpus",
    "as_corpus",
    "build_corpus",
    "combine_parts",
    "corpus_cache_key",
    "corpus_overview",
    "document_totals",
    "load_corpus",
    "load_settings_corpus",
    "read_europresse",
    "read_iramuteq",
    "read_token_partition",
    "select_tokens",
    "store_corpus",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Corpus:
    """A processed corpus: tidy tables plus what produced them.

    Attributes
    ----------
    documents : DataFrame
        One row per document: metadata (``doc_id, file, date, year, title, organiser, genre, ...`` and any
        extra document variable), ``raw_text``, ``text`` (clean paragraphs joined by blank lines),
        ``file_sha256``.
    paragraphs : DataFrame
        ``doc_id, para_id, para_pos, year, text, is_structure, is_duplicate, duplicate_of``.
    segments : DataFrame
        ``doc_id, seg_id, seg_pos, year, n_tokens, text, is_structure, is_duplicate``.
    tokens : DataFrame or None
        See :mod:`aictlab.schema`. None when the tokens stay on disk in ``token_files`` (the Dask engine's
        partitioned parquet): then use :meth:`map_tokens` (partition-wise), or :meth:`read_tokens` to load
        them all.
    overlap : DataFrame
        Document × document overlap (:func:`aictlab.dedup.document_overlap`).
    duplicate_pairs : DataFrame
        Every near-duplicate paragraph pair and the paragraph kept.
    settings : dict
        Settings that produced the tables (lemmatizer, segment size, MWE file hash, versions).
    corpus_hash : str
        sha256 of the corpus content (metadata.csv and every file): the identity of the input.
    cache_key : str
        Hash of the content *and* the settings: the identity of these tables.
    token_files : tuple of Path
        The parquet files holding the tokens when ``tokens`` is None: partitions of whole documents, in
        document order.
    selection : dict
        Default ``keep_duplicates`` / ``keep_structure`` of :meth:`map_tokens` (see :meth:`select`).
    partition_map : callable, optional
        Where :meth:`map_tokens` runs over the token files: ``partition_map(task, paths, offsets)`` returns
        ``[task(path, offset) ...]`` in order, e.g. on the Dask workers of a run
        (:func:`aictlab.engine.client_map`). None reads the partitions one at a time in this process.
    """

    documents: pd.DataFrame
    paragraphs: pd.DataFrame
    segments: pd.DataFrame
    tokens: pd.DataFrame | None
    overlap: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    corpus_hash: str = ""
    cache_key: str = ""
    token_files: tuple[Path, ...] = ()
    selection: dict[str, bool] = field(default_factory=dict)
    partition_map: Callable[..., list[Any]] | None = field(default=None, repr=False)

    def __post_init__(self):
        # one dtype for text whichever path built the tables (pandas 3 infers "str", parquet gives either)
        for name in TABLES:
            frame = getattr(self, name)
            if frame is not None:
                object_strings(frame)

    @property
    def n_tokens(self) -> int:
        """Rows of the token table (punctuation included), without reading the token files."""
        if self.tokens is not None:
            return len(self.tokens)
        return sum(parquet_rows(f) for f in self.token_files)

    def read_tokens(self) -> pd.DataFrame:
        """The whole token table in memory (``tokens``, or the token files concatenated)."""
        if self.tokens is not None:
            return self.tokens
        return pd.concat(list(self.token_parts()), ignore_index=True)

    @property
    def partition_transform(self) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
        """What each token partition passes through as it is read (None: nothing; see
        :class:`aictlab.variants.DerivedCorpus`)."""
        return None

    def token_parts(self) -> Iterator[pd.DataFrame]:
        """The token table in partitions of whole documents, in document order, one in memory at a time.

        Each partition keeps the row labels it has in the whole table (a ``RangeIndex`` over the
        concatenation), so results that cite rows are the same whichever way the table is split.
        """
        if self.tokens is not None:
            yield self.tokens
            return
        offset = 0
        for path in self.token_files:
            part = read_token_partition(path, offset, self.partition_transform)
            offset += len(part)
            yield part

    def map_tokens(
        self,
        func: Callable[[pd.DataFrame], Any],
        *,
        select: bool = True,
        keep_duplicates: bool | None = None,
        keep_structure: bool | None = None,
        words_only: bool = True,
    ) -> Any:
        """Apply ``func`` to the tokens of each partition of whole documents and concatenate the results.

        This is how every count-based measure reads a corpus whose tokens stay on disk: ``func`` turns one
        partition into a small aggregate (per-document or per-segment counts, hits, contexts) and only the
        aggregates are kept, so the token table never has to be in memory at once. An in-memory corpus is one
        partition. ``func`` must therefore treat documents independently; whatever it returns is combined by
        concatenation, and a caller that needs an order or a total sorts or sums after this call.

        Parameters
        ----------
        func : callable
            ``func(tokens) -> DataFrame``, or a dict or tuple of DataFrames (combined key by key).
        select : bool, default=True
            Pass the tokens through :func:`select_tokens` first (with the three options below); False passes
            every row.
        keep_duplicates, keep_structure, words_only : bool
            As in :func:`select_tokens`; None takes the corpus's :attr:`selection` (default False).

        Returns
        -------
        The concatenated result (``pd.concat(..., ignore_index=True)`` for DataFrames).
        """
        options = {
            "keep_duplicates": self.selection.get("keep_duplicates", False)
            if keep_duplicates is None
            else keep_duplicates,
            "keep_structure": self.selection.get("keep_structure", False)
            if keep_structure is None
            else keep_structure,
            "words_only": words_only,
        }
        if self.partition_map is not None and self.tokens is None and len(self.token_files) > 1:
            rows = [parquet_rows(path) for path in self.token_files]
            offsets = [sum(rows[:i]) for i in range(len(rows))]
            task = functools.partial(
                _partition_task,
                transform=self.partition_transform,
                options=options if select else None,
                func=func,
            )
            return combine_parts(
                self.partition_map(task, [Path(p).resolve() for p in self.token_files], offsets)
            )
        results = [func(select_tokens(part, **options) if select else part) for part in self.token_parts()]
        return combine_parts(results)

    def analysis_tokens(self, *, keep_duplicates: bool = False, keep_structure: bool = False) -> pd.DataFrame:
        """Word tokens counted by default measures (see :func:`select_tokens`), all in memory."""
        return select_tokens(
            self.read_tokens(), keep_duplicates=keep_duplicates, keep_structure=keep_structure
        )

    def summary(self) -> pd.DataFrame:
        """Per-document overview (see :func:`corpus_overview`)."""
        return corpus_overview(self)

    def select(self, *, keep_duplicates: bool = False, keep_structure: bool = False) -> Corpus:
        """The same corpus whose :meth:`map_tokens` keeps duplicates / timetable lines by default."""
        return dataclasses.replace(
            self, selection={"keep_duplicates": keep_duplicates, "keep_structure": keep_structure}
        )

    def with_periods(self, spec: int | Sequence[int] = 5) -> Corpus:
        """The same corpus with ``period, start_year, end_year`` in its documents
        (:func:`aictlab.periods.add_periods`)."""
        from aictlab.periods import add_periods

        return dataclasses.replace(self, documents=add_periods(self.documents, spec))


#: Token flags a bare token table may lack, and the value :func:`as_corpus` gives them.
_TOKEN_FLAG_DEFAULTS = {S.IS_WORD: True, S.IS_DUPLICATE: False, S.IS_STRUCTURE: False}


def as_corpus(data: Corpus | pd.DataFrame, *, periods: int | Sequence[int] | None = None) -> Corpus:
    """The one adapter between what a user holds and what every measure reads.

    Measures take a :class:`Corpus` (tokens in memory or on disk, read partition by partition through
    :meth:`Corpus.map_tokens`) or a bare token table; this function turns either into a ``Corpus`` whose
    documents carry their period, so a measure is written once, over partition aggregates.

    Parameters
    ----------
    data : Corpus or DataFrame
        A corpus, or a token table (``doc_id, year`` and the columns the measure needs; missing flags get
        ``is_word=True, is_duplicate=False, is_structure=False``). A token table is taken as already
        selected: its documents are those it holds.
    periods : int or sequence of int, optional
        Period spec (:func:`aictlab.periods.add_periods`). None keeps the periods the documents carry, or
        assigns 5-year bins when they carry none.

    Returns
    -------
    Corpus
    """
    if isinstance(data, pd.DataFrame):
        S.require_columns(data, (S.DOC_ID, S.YEAR), "tokens")
        tokens = data.assign(**{k: v for k, v in _TOKEN_FLAG_DEFAULTS.items() if k not in data.columns})
        documents = (
            tokens.groupby(S.DOC_ID, sort=True)[S.YEAR].first().astype(int).reset_index()
            if len(tokens)
            else pd.DataFrame({S.DOC_ID: pd.Series(dtype=object), S.YEAR: pd.Series(dtype=int)})
        )
        empty = pd.DataFrame()
        data = Corpus(
            documents=documents,
            paragraphs=empty,
            segments=empty,
            tokens=tokens,
            overlap=empty,
            duplicate_pairs=empty,
            selection={"keep_duplicates": True, "keep_structure": True},
        )
    elif not isinstance(data, Corpus):
        raise SchemaError(f"expected a Corpus or a token DataFrame, got {type(data).__name__}.")
    if periods is not None or S.PERIOD not in data.documents.columns:
        data = data.with_periods(5 if periods is None else periods)
    return data


def combine_parts(results: list[Any]) -> Any:
    """Concatenate per-partition results: DataFrames end to end, dicts and tuples element by element."""
    first = results[0]
    if isinstance(first, pd.DataFrame):
        # an empty partition result (e.g. no hits) carries no dtypes: leave it out so it does not turn the
        # concatenation's columns into object
        frames = [r for r in results if not r.empty] or [first]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    if isinstance(first, dict):
        return {key: combine_parts([r[key] for r in results]) for key in first}
    if isinstance(first, tuple):
        return tuple(combine_parts(list(items)) for items in zip(*results, strict=True))
    raise TypeError(f"map_tokens: cannot combine results of type {type(first).__name__}; return DataFrames.")


def corpus_overview(corpus: Corpus) -> pd.DataFrame:
    """One row per document: ``doc_id, date, year, title, paragraphs, segments, tokens, duplicated_share``.

    ``tokens`` counts word tokens (with a letter) of the whole clean document; ``duplicated_share`` is the
    share of those in paragraphs flagged as duplicates of a fuller document (left out by default);
    ``structure_share`` the share in timetable lines; ``tokens_counted`` what default measures count.
    """
    per_doc = corpus.map_tokens(document_totals, select=False).set_index(S.DOC_ID)
    counted = per_doc["counted"]
    docs = corpus.documents
    out = pd.DataFrame(
        {
            S.DOC_ID: docs[S.DOC_ID],
            S.DATE: docs[S.DATE],
            S.YEAR: docs[S.YEAR],
            "title": docs["title"] if "title" in docs else "",
            "paragraphs": docs[S.DOC_ID]
            .map(corpus.paragraphs.groupby(S.DOC_ID).size())
            .fillna(0)
            .astype(int),
            "segments": docs[S.DOC_ID].map(corpus.segments.groupby(S.DOC_ID).size()).fillna(0).astype(int),
            "tokens": docs[S.DOC_ID].map(per_doc["tokens"]).fillna(0).astype(int),
        }
    )
    out["duplicated_share"] = docs[S.DOC_ID].map(per_doc["duplicated"]).fillna(0) / out["tokens"].clip(
        lower=1
    )
    out["structure_share"] = docs[S.DOC_ID].map(per_doc["structure"]).fillna(0) / out["tokens"].clip(lower=1)
    out["tokens_counted"] = docs[S.DOC_ID].map(counted).fillna(0).astype(int)
    return out.reset_index(drop=True)


def build_corpus(
    documents: pd.DataFrame,
    *,
    lemmatizer: str = "spacy",
    segment_size: int = 40,
    mwe_path: Path | None = None,
    engine: str = "memory",
    scheduler: Any = None,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> Corpus:
    """Process documents held in memory (the tables of :func:`load_corpus`, without a folder or a cache).

    Parameters
    ----------
    documents : DataFrame
        ``doc_id, date`` and the raw text in ``raw_text`` (or ``text``); any other column is kept.
    lemmatizer : {"spacy", "simplemma"}, default="spacy"
    segment_size : int, default=40
    mwe_path : Path, optional
        Multi-word expression file; default the packaged ``mwe.txt``.
    engine : {"memory", "dask"}, default="memory"
        ``"dask"``: cleaning and NLP on Dask workers (:mod:`aictlab.engine`); the same tables.
    scheduler : str or distributed.Client, optional
        For ``engine="dask"`` (default: a LocalCluster).
    progress : callable, optional
        As in :func:`load_corpus`.

    Raises
    ------
    CorpusError
        Duplicate or empty doc_id, bad date, or a document with no text after cleaning.
    """
    check_choice("lemmatizer", lemmatizer, LEMMATIZERS)
    check_choice("engine", engine, ENGINES)
    built = _build(
        documents,
        None,
        lemmatizer=lemmatizer,
        segment_size=segment_size,
        mwe_path=mwe_file(mwe_path),
        engine=engine,
        scheduler=scheduler,
        cache_path=None,
        progress=progress,
    )
    return store_corpus(built, None)


def _build(
    documents: pd.DataFrame,
    paragraphs: pd.DataFrame | None,
    *,
    engine: str,
    scheduler: Any,
    cache_path: Path | None,
    progress: Callable[[int, int, int, int], None] | None = None,
    **options: Any,
) -> PartitionedCorpus:
    """Run the pipeline on one engine: documents to clean (``paragraphs`` None) or already laid out.

    Worker processes it starts (spaCy's, Dask's) end with it, even when it is interrupted
    (:func:`aictlab.workers.worker_guard`).
    """
    from aictlab.workers import worker_guard

    with worker_guard():
        if engine == "dask":  # same tables (tests/test_engine.py), so the same cache key
            from aictlab.engine import process_corpus

            return process_corpus(
                documents, paragraphs, scheduler=scheduler, **options, **token_destination(cache_path)
            )
        if paragraphs is None:
            documents, paragraphs = clean_while_loading(documents, options["lemmatizer"])
        if cache_path is not None and int(paragraphs[S.TEXT].str.len().sum()) > IN_MEMORY_CHARS:
            # too large to hold as Python objects: tokens streamed to disk in partitions, read partition-wise
            from aictlab.engine import PARTITION_CHARS
            from aictlab.pipeline import LocalRunner

            runner = LocalRunner(partition_chars=PARTITION_CHARS)
            return process_paragraphs(
                documents,
                paragraphs,
                runner=runner,
                progress=progress,
                **options,
                **token_destination(cache_path),
            )
        nlp_cache = None
        if cache_path is not None:  # NLP rows cached by paragraph next to the corpus entries
            from aictlab.paragraph_cache import store_folder

            nlp_cache = store_folder(cache_path.parent.parent, options["lemmatizer"])
        return process_paragraphs(documents, paragraphs, progress=progress, nlp_cache=nlp_cache, **options)


def _cached_build(
    source: dict[str, str],
    corpus_hash: str,
    read_input: Callable[[], tuple[pd.DataFrame, pd.DataFrame | None]],
    *,
    lemmatizer: str,
    segment_size: int,
    mwe_path: Path | None,
    cache_dir: str | Path | None,
    use_cache: bool,
    engine: str,
    scheduler: Any,
    finish: Callable[[PartitionedCorpus], PartitionedCorpus] | None = None,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> Corpus:
    """The one cache-and-engine path of :func:`load_corpus` and :func:`read_iramuteq`.

    The cache entry ``<cache_dir>/corpus/<key>`` is read when present (the tokens left on disk for
    ``engine="dask"``); otherwise ``read_input()`` gives ``(documents, paragraphs or None)``, the pipeline
    runs on ``engine``, ``finish`` adds what the input format carries, and the tables are cached.
    """
    check_choice("lemmatizer", lemmatizer, LEMMATIZERS)
    check_choice("engine", engine, ENGINES)
    mwe = mwe_file(mwe_path)
    cache_key = corpus_cache_key(source, lemmatizer=lemmatizer, segment_size=segment_size, mwe_file=mwe)
    cache_path = Path(cache_dir) / "corpus" / cache_key if cache_dir is not None else None
    if cache_path is not None and use_cache and (cache_path / "settings.json").is_file():
        log.debug("corpus cache hit %s", cache_path)
        cached = _read_cache(cache_path, corpus_hash, cache_key, lazy_tokens=engine == "dask")
        if cached is not None:  # None: a damaged entry, rebuilt below
            return cached
    if cache_dir is not None and not use_cache:  # a rebuild redoes the NLP too
        import shutil

        from aictlab.paragraph_cache import store_folder

        shutil.rmtree(store_folder(cache_dir, lemmatizer), ignore_errors=True)
    documents, paragraphs = read_input()
    built = _build(
        documents,
        paragraphs,
        lemmatizer=lemmatizer,
        segment_size=segment_size,
        mwe_path=mwe,
        engine=engine,
        scheduler=scheduler,
        cache_path=cache_path,
        progress=progress,
    )
    if finish is not None:
        built = finish(built)
    return store_corpus(built, cache_path, corpus_hash=corpus_hash, cache_key=cache_key)


def load_corpus(
    path: str | Path = "data/raw",
    *,
    lemmatizer: str = "spacy",
    segment_size: int = 40,
    mwe_path: Path | None = None,
    cache_dir: str | Path | None = "data/processed",
    use_cache: bool = True,
    engine: str = "memory",
    scheduler: str | None = None,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> Corpus:
    """Load a corpus folder (``metadata.csv`` + documents) as tidy tables.

    Parameters
    ----------
    path : str or Path, default="data/raw"
        The corpus folder. Never written to.
    lemmatizer : {"spacy", "simplemma"}, default="spacy"
    segment_size : int, default=40
        Target words per segment.
    mwe_path : Path, optional
        Multi-word expression file (default: the packaged list).
    cache_dir : str or Path or None, default="data/processed"
        Where processed tables are cached as parquet, keyed by content + settings + versions; None: no cache.
    use_cache : bool, default=True
        False rebuilds (and rewrites the cache).
    engine : {"memory", "dask"}, default="memory"
        ``"dask"``: cleaning and NLP partitioned on Dask worker processes, tokens written as partitioned
        parquet in the cache entry (:mod:`aictlab.engine`); the same tables and cache key.
    scheduler : str, optional
        Dask scheduler address for ``engine="dask"`` (default: a LocalCluster, one worker per core).
    progress : callable, optional
        ``progress(chars_done, chars_total, documents_done, documents_total)`` during the NLP stage of a build
        (:func:`aictlab.pipeline.process_paragraphs`; :func:`aictlab.progress.tqdm_progress` draws a bar).

    ``path`` may also be an IRaMuTeQ ``.txt`` file (:func:`read_iramuteq`), or a Europresse HTML export or a
    folder of them without ``metadata.csv`` (:func:`read_europresse`).

    Returns
    -------
    Corpus

    Raises
    ------
    CorpusError
        Missing folder/file/column, duplicate doc_id, bad date, sha256 mismatch, undecodable or empty
        document, PDF without text layer. The message names the file and the row; nothing is written.

    Examples
    --------
    >>> corpus = load_corpus("data/raw")  # doctest: +SKIP
    >>> corpus.documents[["doc_id", "year"]]  # doctest: +SKIP
    """
    from aictlab.io import check_corpus_folder, read_texts

    options = {
        "lemmatizer": lemmatizer,
        "segment_size": segment_size,
        "mwe_path": mwe_path,
        "cache_dir": cache_dir,
        "use_cache": use_cache,
        "engine": engine,
        "scheduler": scheduler,
        "progress": progress,
    }
    check_choice("lemmatizer", lemmatizer, LEMMATIZERS)
    check_choice("engine", engine, ENGINES)
    from aictlab.europresse import HTML_SUFFIXES

    folder = Path(path)
    if folder.is_file() and folder.suffix.lower() in HTML_SUFFIXES:  # a Europresse export
        return read_europresse(folder, **options)
    if folder.is_file():  # an IRaMuTeQ corpus file
        return read_iramuteq(folder, **options)
    if (
        folder.is_dir()
        and not (folder / "metadata.csv").exists()
        and any(p.suffix.lower() in HTML_SUFFIXES for p in folder.iterdir())
    ):  # a folder of Europresse exports
        return read_europresse(folder, **options)
    meta = check_corpus_folder(folder)
    source = {
        "corpus": content_hash(meta),
        "metadata": hashlib.sha256((folder / "metadata.csv").read_bytes()).hexdigest(),
    }

    def read_input() -> tuple[pd.DataFrame, None]:
        meta[S.RAW_TEXT] = read_texts(folder, meta)
        meta["_where"] = str(folder / "metadata.csv")
        return meta, None

    return _cached_build(source, source["corpus"], read_input, **options)


def read_iramuteq(
    file: str | Path,
    *,
    lemmatizer: str = "spacy",
    segment_size: int = 40,
    mwe_path: Path | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    engine: str = "memory",
    scheduler: Any = None,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> Corpus:
    """Read an IRaMuTeQ corpus file as a :class:`Corpus` (the tables of :func:`load_corpus`).

    Each text is a document: ``*doc_<id>`` gives its doc_id (else ``text_0001``...), ``*date_``, ``*year_``
    or ``*annee_`` its date (``date_`` first; ``YYYY``, ``YYYYMMDD`` or ``YYYY-MM-DD``), every other starred
    variable becomes a document column (``*organiser_cuf`` -> ``organiser = "cuf"``; empty where a text lacks
    it). Each text line is a paragraph (the paragraph-level cleaning steps of :mod:`aictlab.clean` run on it);
    ``-*thematic`` lines are not text: the paragraphs that follow carry that thematic in
    ``paragraphs.thematic``. De-duplication, NLP and segments are those of every corpus
    (:func:`aictlab.iramuteq.iramuteq_documents` parses the file).

    Parameters
    ----------
    file : str or Path
        The IRaMuTeQ ``.txt`` file (UTF-8; legacy encodings are decoded with a warning).
    lemmatizer, segment_size, mwe_path, use_cache, engine, scheduler, progress
        As in :func:`load_corpus`.
    cache_dir : path, optional
        Cache the tables there (``<cache_dir>/corpus/<key>``), keyed by the file's sha256 and the settings.

    Raises
    ------
    CorpusError
        See :func:`aictlab.iramuteq.iramuteq_documents`: the message names the file and the line.
    """
    from aictlab.io import sha256_file
    from aictlab.iramuteq import iramuteq_documents

    file = Path(file)
    documents, paragraphs = iramuteq_documents(file)
    file_hash = sha256_file(file)
    thematic = paragraphs.pop("thematic")

    def finish(built: PartitionedCorpus) -> PartitionedCorpus:
        paragraphs_out = built.paragraphs
        if (thematic != "").any():
            paragraphs_out = paragraphs_out.assign(thematic=thematic.to_numpy())
        return dataclasses.replace(
            built,
            paragraphs=paragraphs_out,
            settings={**built.settings, "source": "iramuteq", "file_sha256": file_hash},
        )

    return _cached_build(
        {"iramuteq": file_hash},
        content_hash(documents.drop(columns=["_row", "_where"])),
        lambda: (documents, paragraphs),
        lemmatizer=lemmatizer,
        segment_size=segment_size,
        mwe_path=mwe_path,
        cache_dir=cache_dir,
        use_cache=use_cache,
        engine=engine,
        scheduler=scheduler,
        finish=finish,
        progress=progress,
    )


def read_europresse(
    path: str | Path,
    *,
    title_in_text: bool = False,
    lemmatizer: str = "spacy",
    segment_size: int = 40,
    mwe_path: Path | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    engine: str = "memory",
    scheduler: Any = None,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> Corpus:
    """Read a Europresse HTML export (or a folder of them) as a :class:`Corpus`, one document per article.

    :func:`aictlab.europresse.europresse_documents` parses the export (title, newspaper ``source``, date,
    author, section, text; Europresse's header and footer out); the pipeline is that of every corpus, so an
    article printed in several editions falls to near-duplicate detection, and ``source`` / ``section`` are
    document variables for every grouping.

    Parameters
    ----------
    path : str or Path
        An ``.html``/``.htm`` export, or a folder of them.
    title_in_text : bool, default=False
        Count the title as the first paragraph of the text.
    lemmatizer, segment_size, mwe_path, cache_dir, use_cache, engine, scheduler, progress
        As in :func:`load_corpus`; the cache is keyed by the files' sha256.

    Raises
    ------
    CorpusError
        Not a Europresse export, an article without date or text; the message names the file and article.
    """
    from aictlab.europresse import europresse_documents, europresse_files
    from aictlab.io import sha256_file

    files = europresse_files(path)
    documents = europresse_documents(path, title_in_text=title_in_text).drop(columns=[S.YEAR])
    source = {"europresse": [sha256_file(f) for f in files], "title_in_text": title_in_text}
    return _cached_build(
        source,
        content_hash(documents),
        lambda: (documents, None),
        lemmatizer=lemmatizer,
        segment_size=segment_size,
        mwe_path=mwe_path,
        cache_dir=cache_dir,
        use_cache=use_cache,
        engine=engine,
        scheduler=scheduler,
        progress=progress,
    )


def store_corpus(built: Any, cache_path: Path | None, **attributes: Any) -> Corpus:
    """The :class:`Corpus` of a build (a ``Corpus`` or the pipeline's ``PartitionedCorpus``), cached at
    ``cache_path`` when given.

    Token partitions written by the Dask engine are moved into the cache entry (``tokens/part.NNNNN.parquet``)
    and the corpus returned reads them from there, one partition at a time; tokens built in memory are
    written as one ``tokens.parquet`` and stay in memory. The other tables are those built (not read back
    from the entry: for a large corpus, two copies of its texts would be held at once).
    """
    tokens_dir = getattr(built, "tokens_dir", None)
    lazy = built.tokens is None
    attributes = {"settings": built.settings, "corpus_hash": built.corpus_hash, **attributes}
    tables = {name: getattr(built, name) for name in TABLES}
    meta = {key: attributes.get(key, "") for key in ("settings", "corpus_hash", "cache_key")}
    if cache_path is not None and lazy:
        # written before Corpus turns the texts into Python strings (a large corpus's peak memory); the
        # partitions then live in the entry (moved there by this or by a concurrent build)
        write_entry(cache_path, tables, meta, tokens_dir=tokens_dir)
        tokens_dir = cache_path / "tokens"
    corpus = Corpus(**tables, **attributes, token_files=token_partition_files(tokens_dir) if lazy else ())
    if cache_path is not None and not lazy:
        write_entry(cache_path, {name: getattr(corpus, name) for name in TABLES}, meta)
    return corpus


def load_settings_corpus(settings: Settings, **overrides: Any) -> Corpus:
    """:func:`load_corpus` with the corpus-related fields of a :class:`Settings` (``overrides`` win)."""
    kwargs = {
        "lemmatizer": settings.lemmatizer,
        "segment_size": settings.segment_size,
        "mwe_path": settings.mwe_path,
        "cache_dir": settings.path("processed"),
        "use_cache": settings.use_cache,
        "engine": settings.engine,
        "scheduler": settings.scheduler,
    }
    kwargs.update(overrides)
    return load_corpus(settings.path("corpus"), **kwargs)


def _read_table(path: Path) -> pd.DataFrame:
    """A token partition with text as ``object``, as :class:`Corpus` holds its tables."""
    return object_strings(pd.read_parquet(path))


def read_token_partition(
    path: Path, offset: int, transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None
) -> pd.DataFrame:
    """One token file as :meth:`Corpus.token_parts` gives it: row labels from ``offset`` (its first row's
    place in the whole table), then ``transform`` (if any)."""
    part = _read_table(path)
    part.index = pd.RangeIndex(offset, offset + len(part))
    return part if transform is None else transform(part)


def _partition_task(path: Path, offset: int, *, transform, options: dict | None, func: Callable) -> Any:
    """``func`` over one token file, its tokens selected as :meth:`Corpus.map_tokens` selects them (a task that
    runs wherever :attr:`Corpus.partition_map` sends it)."""
    part = read_token_partition(path, offset, transform)
    return func(part if options is None else select_tokens(part, **options))


def _read_cache(path: Path, corpus_hash: str, cache_key: str, *, lazy_tokens: bool = False) -> Corpus | None:
    """A cached corpus (:func:`aictlab.cache.read_entry`), or None for a damaged entry (rebuilt)."""
    entry = read_entry(path, cache_key, lazy_tokens=lazy_tokens, max_rows=IN_MEMORY_TOKENS)
    if entry is None:
        return None
    return Corpus(**entry, corpus_hash=corpus_hash, cache_key=cache_key)


if __name__ == "__main__":  # python -m aictlab.corpus init DIR
    import sys

    from aictlab.draft_metadata import main

    sys.exit(main())
