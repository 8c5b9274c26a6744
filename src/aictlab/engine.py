"""The Dask engine: the corpus stage run partitioned, in worker processes, for corpora that outgrow one core.

The in-memory engine (:func:`aictlab.corpus.build_corpus`) stays the simplest path for small corpora. This
module runs the same stages with the same foundation functions, split so that each expensive stage works on
one partition at a time:

1. documents are checked on the driver and split into partitions of whole documents (about
   ``partition_chars`` characters of raw text each; a document is never split, so per-document counters,
   sentence numbers and segments are the same as in one piece);
2. cleaning (:func:`aictlab.clean.clean_text`) is mapped over the partitions;
3. near-duplicate detection (:func:`aictlab.dedup.flag_duplicates`) runs once on the driver over *all*
   paragraphs, because it compares documents with each other (paragraph text is small next to tokens);
4. the NLP stage (:func:`aictlab.nlp.tokens_table`) and segmentation (:mod:`aictlab.segment`) are mapped
   over the partitions; each partition's token table is written to ``tokens_dir/part.NNNNN.parquet`` by the
   worker and, unless asked, never sent back whole.

Measures then read such a corpus partition by partition (:meth:`aictlab.corpus.Corpus.map_tokens`): each
keeps a small aggregate of one partition (per-document or per-segment counts, frame hits), so the token table
is never in memory at once.

Workers are the processes of a ``distributed.LocalCluster`` (one single-threaded worker per core by default)
or of an existing Dask cluster reached through its scheduler address (e.g. ``dask-jobqueue`` on SLURM).

Both engines give identical tables (tests/test_engine.py checks it on the seeds): the partitioned pieces are
concatenated in document order, and every stage's output for a document depends only on that document,
except de-duplication, which is global here as there.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aictlab import __version__
from aictlab import schema as S
from aictlab.config import PACKAGE_DATA
from aictlab.errors import CorpusError, SettingsError, check_choice

log = logging.getLogger(__name__)

#: Default partition size: characters of raw text per partition (~150 000 tokens of French prose).
PARTITION_CHARS = 1_000_000

ENGINES = ("memory", "dask")

# --- cluster ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def dask_client(scheduler: Any = None, *, n_workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: to an existing scheduler, or to a new ``LocalCluster`` closed on exit.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        ``"tcp://host:8786"`` connects to a running Dask scheduler (an HPC cluster started with
        ``dask-jobqueue`` or ``dask scheduler`` + ``dask worker``); the workers must have aictlab and the same
        locked environment installed. A ``Client`` is used as it is (and not closed). None: start a
        ``LocalCluster`` of ``n_workers`` single-threaded worker processes (numerical libraries in each
        worker get ``cores // n_workers`` threads).
    n_workers : int, optional
        Workers of the local cluster; default one per core (``os.cpu_count()``).
    """
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler
        return
    if scheduler is not None:
        client = Client(scheduler, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    n = n_workers or os.cpu_count() or 1
    if n < 1:
        raise SettingsError(f"n_workers={n_workers}: needs at least one worker.")
    # Dask pins numerical libraries to one thread per worker; with fewer workers than cores, give each
    # worker's matrix products (spaCy's tok2vec) the cores left over, as the in-memory engine has them.
    # (the nanny reads these from os.environ first, and writes them there: set them, then restore them)
    blas = str(max(1, (os.cpu_count() or 1) // n))
    threads = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), blas)
    saved = {k: os.environ.get(k) for k in threads}
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    os.environ.update(threads)
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": {**environ, **threads}}):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: several clusters may run at once
                silence_logs=logging.ERROR,
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def warm_worker(lemmatizer: str) -> bool:
    """Load, once per worker process, what the stages need (spaCy pipeline, simplemma and stop-word lists)."""
    from aictlab import clean, nlp

    nlp.spacy_pipeline(lemmatizer)
    clean.is_known_word("coopération")
    return True


# --- partitions -------------------------------------------------------------------------------------------


def partition_bounds(sizes: list[int], *, partition_chars: int, n_workers: int = 1) -> list[tuple[int, int]]:
    """Split consecutive items (documents) into ``[start, end)`` runs of about ``target`` characters.

    ``target = min(partition_chars, ceil(total / (2 × n_workers)))``: at least two partitions per worker when
    the corpus is small, so that the workers share the load; never more than ``partition_chars`` characters
    in one partition unless a single document is larger (documents are never split).
    """
    if partition_chars < 1:
        raise SettingsError(f"partition_chars={partition_chars}: must be a positive number of characters.")
    total = sum(sizes)
    target = max(1, min(partition_chars, math.ceil(total / (2 * max(n_workers, 1)))))
    bounds, start, filled = [], 0, 0
    for i, size in enumerate(sizes):
        if filled and filled + size > target:
            bounds.append((start, i))
            start, filled = i, 0
        filled += size
    if start < len(sizes):
        bounds.append((start, len(sizes)))
    return bounds


# --- stages run on one partition (in a worker) --------------------------------------------------------------


def clean_partition(docs: pd.DataFrame) -> tuple[list[str], list[tuple]]:
    """Clean one partition of documents: their clean texts and their paragraph rows.

    Same rule and same error as :func:`aictlab.corpus.build_corpus`: a document left without text is a
    :class:`CorpusError` naming its row.
    """
    from aictlab import clean

    where = docs["_where"] if "_where" in docs.columns else pd.Series("documents", index=docs.index)
    texts, rows = [], []
    for doc_id, year, raw, w, r in zip(
        docs[S.DOC_ID], docs[S.YEAR], docs[S.RAW_TEXT], where, docs["_row"], strict=True
    ):
        paragraphs = clean.clean_text(raw)
        if not paragraphs:
            raise CorpusError(
                f"{w} row {r} (doc_id {doc_id!r}): no text left after cleaning; check the file."
            )
        texts.append("\n\n".join(p.text for p in paragraphs))
        for pos, para in enumerate(paragraphs):
            rows.append((doc_id, f"{doc_id}_p{pos:04d}", pos, int(year), para.text, para.is_structure))
    return texts, rows


def tokens_and_segments(
    paragraphs: pd.DataFrame, *, lemmatizer: str, segment_size: int, mwes: list
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NLP and segmentation of whole documents' paragraphs: ``(tokens, segments)`` as build_corpus makes them."""
    from aictlab import nlp, segment

    tokens = nlp.tokens_table(paragraphs, lemmatizer=lemmatizer, mwes=mwes)
    tokens.insert(2, S.SEG_ID, segment.segment_ids(tokens, size=segment_size))
    tokens = tokens[[c for c in S.TOKEN_COLUMNS if c in tokens.columns]]
    return tokens, segment.segments_table(tokens)


def nlp_partition(
    paragraphs: pd.DataFrame,
    *,
    index: int,
    lemmatizer: str,
    segment_size: int,
    mwes: list,
    tokens_dir: str | None,
    return_tokens: bool,
) -> dict[str, Any]:
    """The worker task of one partition: tokens, segments and aggregates; tokens written as parquet.

    Returns a small dict (segments, document totals, token count) and the token table only when
    ``return_tokens``; the partition's tokens are written to ``tokens_dir/part.<index>.parquet``.
    """
    from aictlab.corpus import document_totals

    tokens, segments = tokens_and_segments(
        paragraphs, lemmatizer=lemmatizer, segment_size=segment_size, mwes=mwes
    )
    if tokens_dir is not None:
        tokens.to_parquet(Path(tokens_dir) / f"part.{index:05d}.parquet", index=False)
    return {
        "segments": segments,
        "document_totals": document_totals(tokens),
        "n_tokens": len(tokens),
        "tokens": tokens if return_tokens else None,
    }


# --- driver ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PartitionedCorpus:
    """A corpus processed by the Dask engine whose token table stays on disk, partitioned.

    Attributes
    ----------
    documents, paragraphs, segments, overlap, duplicate_pairs : DataFrame
        As in :class:`aictlab.corpus.Corpus`.
    document_totals : DataFrame
        Per-document token totals (:func:`aictlab.corpus.document_totals`), from the partitions.
    tokens_dir : Path or None
        Folder of ``part.NNNNN.parquet`` files, one per partition, in document order.
    n_partitions, n_tokens : int
    settings : dict
    corpus_hash : str
    tokens : DataFrame or None
        The token table when it was brought back (``return_tokens=True``).
    timings : dict
        Wall seconds of the stages (``cluster`` start, ``warm`` model loading in the workers, ``clean``,
        ``dedup``, ``nlp``, ``overlap``): for benchmarks.
    """

    documents: pd.DataFrame
    paragraphs: pd.DataFrame
    segments: pd.DataFrame
    overlap: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    document_totals: pd.DataFrame
    tokens_dir: Path | None
    n_partitions: int
    n_tokens: int
    settings: dict[str, Any] = field(default_factory=dict)
    corpus_hash: str = ""
    tokens: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def tokens_frame(self):
        """The token table as a lazy ``dask.dataframe`` (one partition per parquet file)."""
        import dask.dataframe as dd

        if self.tokens_dir is None:
            raise CorpusError("this corpus was processed without tokens_dir: no token files to read.")
        return dd.read_parquet(str(self.tokens_dir))

    def to_corpus(self):
        """The in-memory :class:`aictlab.corpus.Corpus` (reads every token partition)."""
        from aictlab.corpus import Corpus

        tokens = self.tokens
        if tokens is None:
            tokens = read_token_partitions(self.tokens_dir)
        return Corpus(
            documents=self.documents,
            paragraphs=self.paragraphs,
            segments=self.segments,
            tokens=tokens,
            overlap=self.overlap,
            duplicate_pairs=self.duplicate_pairs,
            settings=self.settings,
            corpus_hash=self.corpus_hash,
        )


def read_token_partitions(tokens_dir: Path) -> pd.DataFrame:
    """Concatenate the token partitions of ``tokens_dir`` in document order."""
    from aictlab.corpus import token_partition_files

    parts = token_partition_files(tokens_dir)
    if not parts:
        raise CorpusError(f"{tokens_dir}: no token partitions (part.*.parquet) found.")
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def check_documents(documents: pd.DataFrame) -> pd.DataFrame:
    """The document checks of :func:`aictlab.corpus.build_corpus` (raw text, doc_id, date -> year).

    Raises
    ------
    CorpusError
        No text column, missing ``doc_id``/``date``, duplicate doc_id, bad date (row named).
    """
    from aictlab.io import parse_date

    docs = documents.copy()
    if S.RAW_TEXT not in docs.columns:
        if S.TEXT not in docs.columns:
            raise CorpusError("documents: needs a 'raw_text' (or 'text') column with each document's text.")
        docs = docs.rename(columns={S.TEXT: S.RAW_TEXT})
    for column in (S.DOC_ID, S.DATE):
        if column not in docs.columns:
            raise CorpusError(f"documents: missing required column {column!r}.")
    docs[S.DOC_ID] = docs[S.DOC_ID].astype(str)
    duplicated = docs[S.DOC_ID][docs[S.DOC_ID].duplicated()]
    if not duplicated.empty:
        raise CorpusError(f"documents: duplicate doc_id {duplicated.iloc[0]!r}; doc_ids must be unique.")
    if "_row" not in docs.columns:
        docs["_row"] = range(1, len(docs) + 1)
    if "_where" not in docs.columns:
        docs["_where"] = "documents"
    if S.YEAR not in docs.columns:
        parsed = [
            parse_date(d, where=f"{w} row {r} (doc_id {i!r})")
            for d, w, r, i in zip(docs[S.DATE], docs["_where"], docs["_row"], docs[S.DOC_ID], strict=True)
        ]
        docs[S.DATE] = [p[0] for p in parsed]
        docs[S.YEAR] = [p[1] for p in parsed]
    return docs


def paragraphs_frame(rows: list[tuple]) -> pd.DataFrame:
    """Paragraph rows of :func:`clean_partition` as the paragraph table (before de-duplication)."""
    return pd.DataFrame(rows, columns=[S.DOC_ID, S.PARA_ID, S.PARA_POS, S.YEAR, S.TEXT, S.IS_STRUCTURE])


def corpus_settings(lemmatizer: str, segment_size: int, mwe_file: Path) -> dict[str, Any]:
    """The ``settings`` dict of a corpus (the same keys and values as build_corpus writes)."""
    from aictlab import nlp

    return {
        "lemmatizer": lemmatizer,
        "segment_size": segment_size,
        "mwe_file": mwe_file.name,
        "mwe_sha256": hashlib.sha256(mwe_file.read_bytes()).hexdigest(),
        "aictlab": __version__,
        **nlp.model_versions(),
    }


def corpus_from_paragraphs(
    docs: pd.DataFrame,
    paragraphs: pd.DataFrame,
    *,
    lemmatizer: str = "spacy",
    segment_size: int = 40,
    mwe_path: Path | None = None,
    client: Any = None,
    partition_chars: int = PARTITION_CHARS,
    tokens_dir: str | Path | None = None,
    return_tokens: bool = True,
) -> PartitionedCorpus:
    """From clean documents and their paragraphs to the corpus tables (de-duplication, NLP, segments).

    Parameters
    ----------
    docs : DataFrame
        Checked documents (:func:`check_documents`) with ``text`` (clean paragraphs joined by blank lines).
    paragraphs : DataFrame
        ``doc_id, para_id, para_pos, year, text, is_structure`` in document order (:func:`paragraphs_frame`).
    lemmatizer, segment_size, mwe_path
        As in :func:`aictlab.corpus.build_corpus`.
    client : distributed.Client, optional
        Run the NLP stage on its workers, one task per partition; None: in this process, one partition.
    partition_chars : int
        Target characters of clean text per partition (see :func:`partition_bounds`).
    tokens_dir : path, optional
        Write each partition's tokens to ``<tokens_dir>/part.NNNNN.parquet`` (the folder is replaced
        atomically once every partition succeeded).
    return_tokens : bool, default=True
        Bring the token tables back to this process (``PartitionedCorpus.tokens``); False keeps only the
        aggregates in memory (needs ``tokens_dir``).
    """
    from aictlab import dedup, nlp
    from aictlab.corpus import _content_hash

    check_choice("lemmatizer", lemmatizer, ("spacy", "simplemma"))
    if not return_tokens and tokens_dir is None:
        raise SettingsError("return_tokens=False needs tokens_dir: the tokens must go somewhere.")
    mwe_file = Path(mwe_path) if mwe_path else PACKAGE_DATA / "mwe.txt"
    mwes = nlp.read_mwes(mwe_file)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    docs = docs.copy()
    docs[S.YEAR] = docs[S.YEAR].astype(int)
    sizes = pd.Series(docs[S.TEXT].str.len().to_numpy(), index=docs[S.DOC_ID])
    paragraphs, pairs = dedup.flag_duplicates(paragraphs, sizes)
    timings["dedup"] = time.perf_counter() - start
    start = time.perf_counter()

    # partitions of whole documents, in document order
    per_doc = paragraphs.groupby(S.DOC_ID, sort=False)[S.TEXT].agg(lambda t: int(t.str.len().sum()))
    order = list(dict.fromkeys(paragraphs[S.DOC_ID]))
    n_workers = len(client.scheduler_info()["workers"]) if client is not None else 1
    if client is None:
        bounds = [(0, len(order))]
    else:
        bounds = partition_bounds(
            [int(per_doc[d]) for d in order], partition_chars=partition_chars, n_workers=n_workers
        )
    starts = paragraphs[S.DOC_ID].ne(paragraphs[S.DOC_ID].shift()).to_numpy().nonzero()[0].tolist()
    starts.append(len(paragraphs))
    parts = [paragraphs.iloc[starts[a] : starts[b]] for a, b in bounds]
    log.info("NLP on %d partition(s) of %d documents, %d worker(s)", len(parts), len(order), n_workers)

    tmp = None
    if tokens_dir is not None:
        tokens_dir = Path(tokens_dir)
        tokens_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=tokens_dir.parent, prefix=f".{tokens_dir.name}."))
    kwargs = {
        "lemmatizer": lemmatizer,
        "segment_size": segment_size,
        "mwes": mwes,
        "tokens_dir": str(tmp) if tmp else None,
        "return_tokens": return_tokens,
    }
    try:
        if client is None:
            results = [nlp_partition(p, index=i, **kwargs) for i, p in enumerate(parts)]
        else:
            data = client.scatter(parts)
            futures = [
                client.submit(nlp_partition, d, index=i, **kwargs, pure=False) for i, d in enumerate(data)
            ]
            results = client.gather(futures)
        if tmp is not None:
            if tokens_dir.exists():
                shutil.rmtree(tokens_dir)
            os.replace(tmp, tokens_dir)
            tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    timings["nlp"] = time.perf_counter() - start
    start = time.perf_counter()
    segments = pd.concat([r["segments"] for r in results], ignore_index=True)
    tokens = pd.concat([r["tokens"] for r in results], ignore_index=True) if return_tokens else None
    overlap = dedup.document_overlap(docs, paragraphs, pairs)
    docs = docs.drop(columns=[c for c in ("_row", "_where", "path") if c in docs.columns])
    timings["overlap"] = time.perf_counter() - start
    return PartitionedCorpus(
        documents=docs.reset_index(drop=True),
        paragraphs=paragraphs,
        segments=segments,
        overlap=overlap,
        duplicate_pairs=pairs,
        document_totals=pd.concat([r["document_totals"] for r in results], ignore_index=True),
        tokens_dir=tokens_dir,
        n_partitions=len(parts),
        n_tokens=sum(r["n_tokens"] for r in results),
        settings=corpus_settings(lemmatizer, segment_size, mwe_file),
        corpus_hash=_content_hash(docs),
        tokens=tokens,
        timings=timings,
    )


def process_corpus(
    documents: pd.DataFrame,
    *,
    lemmatizer: str = "spacy",
    segment_size: int = 40,
    mwe_path: Path | None = None,
    scheduler: Any = None,
    n_workers: int | None = None,
    partition_chars: int = PARTITION_CHARS,
    tokens_dir: str | Path | None = None,
    return_tokens: bool = True,
) -> PartitionedCorpus:
    """Process documents with the Dask engine (cleaning and NLP in worker processes).

    Parameters
    ----------
    documents : DataFrame
        As for :func:`aictlab.corpus.build_corpus`: ``doc_id, date`` and ``raw_text`` (or ``text``).
    lemmatizer : {"spacy", "simplemma"}, default="spacy"
    segment_size : int, default=40
    mwe_path : Path, optional
    scheduler : str or distributed.Client, optional
        Address of an existing Dask scheduler (or a Client); None starts a LocalCluster (see
        :func:`dask_client`).
    n_workers : int, optional
        LocalCluster workers (default: one per core).
    partition_chars : int, default=PARTITION_CHARS
        Target characters of text per partition: the memory of one worker task grows with it, not with the
        corpus.
    tokens_dir : path, optional
        Where each partition's tokens are written as parquet (``part.NNNNN.parquet``).
    return_tokens : bool, default=True
        False: the token table never comes back to this process (only the aggregates do); needs tokens_dir.

    Returns
    -------
    PartitionedCorpus
        ``.to_corpus()`` gives the :class:`aictlab.corpus.Corpus` the in-memory engine gives.
    """
    check_choice("lemmatizer", lemmatizer, ("spacy", "simplemma"))
    docs = check_documents(documents)
    start = time.perf_counter()
    with dask_client(scheduler, n_workers=n_workers) as client:
        cluster_seconds = time.perf_counter() - start
        start = time.perf_counter()
        client.run(warm_worker, lemmatizer)  # every worker loads the models now, in parallel
        warm_seconds = time.perf_counter() - start
        start = time.perf_counter()
        n = len(client.scheduler_info()["workers"])
        sizes = docs[S.RAW_TEXT].str.len().astype(int).tolist()
        bounds = partition_bounds(sizes, partition_chars=partition_chars, n_workers=n)
        columns = [S.DOC_ID, S.YEAR, S.RAW_TEXT, "_where", "_row"]
        data = client.scatter([docs.iloc[a:b][columns] for a, b in bounds])
        cleaned = client.gather(client.map(clean_partition, data, pure=False))
        texts = [t for part_texts, _ in cleaned for t in part_texts]
        rows = [r for _, part_rows in cleaned for r in part_rows]
        docs[S.TEXT] = texts
        clean_seconds = time.perf_counter() - start
        result = corpus_from_paragraphs(
            docs,
            paragraphs_frame(rows),
            lemmatizer=lemmatizer,
            segment_size=segment_size,
            mwe_path=mwe_path,
            client=client,
            partition_chars=partition_chars,
            tokens_dir=tokens_dir,
            return_tokens=return_tokens,
        )
    result.timings.update(cluster=cluster_seconds, warm=warm_seconds, clean=clean_seconds)
    return result


def build_corpus_dask(documents: pd.DataFrame, **kwargs: Any):
    """:func:`aictlab.corpus.build_corpus` on the Dask engine: the same :class:`~aictlab.corpus.Corpus`.

    Keyword arguments are those of :func:`process_corpus` (``lemmatizer, segment_size, mwe_path, scheduler,
    n_workers, partition_chars, tokens_dir``).
    """
    return process_corpus(documents, return_tokens=True, **kwargs).to_corpus()
