"""The Dask engine: distributes the corpus pipeline's partition tasks over Dask worker processes.

The pipeline itself (its stages, their order, the tables they make) lives in :mod:`aictlab.pipeline`; this
module only starts or reaches a cluster and runs the pipeline's per-partition tasks on it
(:class:`DaskRunner`), for corpora that outgrow one core. The in-memory engine
(:class:`aictlab.pipeline.LocalRunner`) stays the simplest path for small corpora. The steps:

1. documents are checked on the driver and split into partitions of whole documents (about
   ``partition_chars`` characters of raw text each; a document is never split, so per-document counters,
   sentence numbers and segments are the same as in one piece);
2. cleaning (:func:`aictlab.pipeline.clean_partition`) is mapped over the partitions;
3. near-duplicate detection (:func:`aictlab.dedup.flag_duplicates`) runs once on the driver over *all*
   paragraphs, because it compares documents with each other (paragraph text is small next to tokens);
4. the NLP stage and segmentation (:func:`aictlab.pipeline.nlp_partition`) are mapped over the partitions;
   each partition's token table is written to ``tokens_dir/part.NNNNN.parquet`` by the worker and, unless
   asked, never sent back whole.

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
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from aictlab import schema as S
from aictlab.config import LEMMATIZERS
from aictlab.errors import SettingsError, check_choice
from aictlab.pipeline import (
    PartitionedCorpus,
    check_documents,
    clean_partition,
    paragraphs_frame,
    partition_bounds,
    process_paragraphs,
)
from aictlab.workers import BLAS_THREADS, environment

__all__ = [
    "PARTITION_CHARS",
    "DaskRunner",
    "client_map",
    "dask_client",
    "partition_bounds",
    "process_corpus",
    "warm_worker",
]

log = logging.getLogger(__name__)

#: Default partition size: characters of raw text per partition (~150 000 tokens of French prose).
PARTITION_CHARS = 1_000_000

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
    threads = dict.fromkeys(BLAS_THREADS, str(max(1, (os.cpu_count() or 1) // n)))
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    with (
        environment(threads),
        dask.config.set({"distributed.nanny.pre-spawn-environ": {**environ, **threads}}),
    ):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: several clusters may run at once
            silence_logs=logging.ERROR,
        )
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def client_map(client: Any) -> Callable[..., list[Any]]:
    """A :attr:`aictlab.corpus.Corpus.partition_map` that runs each partition's task on the client's workers.

    ``map(task, paths, offsets)`` submits ``task(path, offset)`` for every token file and gathers the results
    in the files' order: each worker reads and counts one partition at a time (its memory bounded by the
    partition), the driver receives only the aggregates.
    """

    def run(task: Callable[..., Any], *iterables: Sequence[Any]) -> list[Any]:
        return client.gather(client.map(task, *iterables, pure=False))

    return run


def warm_worker(lemmatizer: str) -> bool:
    """Load, once per worker process, what the stages need (spaCy pipeline, simplemma and stop-word lists)."""
    from aictlab import clean, nlp

    nlp.spacy_pipeline(lemmatizer)
    clean.is_known_word("coopération")
    return True


@dataclass(frozen=True)
class DaskRunner:
    """Runs the pipeline's partition tasks on the workers of a Dask client (:class:`aictlab.pipeline.Runner`).

    Attributes
    ----------
    client : distributed.Client
    partition_chars : int
        Target characters of text per partition (:func:`partition_bounds`).
    """

    client: Any
    partition_chars: int = PARTITION_CHARS

    @property
    def n_workers(self) -> int:
        return len(self.client.scheduler_info()["workers"])

    def bounds(self, sizes: list[int]) -> list[tuple[int, int]]:
        return partition_bounds(sizes, partition_chars=self.partition_chars, n_workers=self.n_workers)

    def map(self, func: Callable[..., Any], parts: list[Any], **kwargs: Any) -> list[Any]:
        data = self.client.scatter(parts)
        futures = [self.client.submit(func, d, index=i, **kwargs, pure=False) for i, d in enumerate(data)]
        return self.client.gather(futures)


def process_corpus(
    documents: pd.DataFrame,
    paragraphs: pd.DataFrame | None = None,
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
    paragraphs : DataFrame, optional
        Paragraphs already laid out (an IRaMuTeQ file, :func:`aictlab.iramuteq.iramuteq_documents`): then
        ``documents`` are taken as checked and clean and only de-duplication, NLP and segments run.
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
        :func:`aictlab.corpus.store_corpus` turns it into the :class:`aictlab.corpus.Corpus` the in-memory
        engine gives.
    """
    check_choice("lemmatizer", lemmatizer, LEMMATIZERS)
    docs = check_documents(documents) if paragraphs is None else documents
    start = time.perf_counter()
    with dask_client(scheduler, n_workers=n_workers) as client:
        cluster_seconds = time.perf_counter() - start
        start = time.perf_counter()
        client.run(warm_worker, lemmatizer)  # every worker loads the models now, in parallel
        warm_seconds = time.perf_counter() - start
        start = time.perf_counter()
        runner = DaskRunner(client, partition_chars=partition_chars)
        if paragraphs is None:
            bounds = runner.bounds(docs[S.RAW_TEXT].str.len().astype(int).tolist())
            columns = [S.DOC_ID, S.YEAR, S.RAW_TEXT, "_where", "_row"]
            data = client.scatter([docs.iloc[a:b][columns] for a, b in bounds])
            cleaned = client.gather(client.map(clean_partition, data, pure=False))
            docs[S.TEXT] = [t for part_texts, _ in cleaned for t in part_texts]
            paragraphs = paragraphs_frame([r for _, part_rows in cleaned for r in part_rows])
        clean_seconds = time.perf_counter() - start
        result = process_paragraphs(
            docs,
            paragraphs,
            lemmatizer=lemmatizer,
            segment_size=segment_size,
            mwe_path=mwe_path,
            runner=runner,
            tokens_dir=tokens_dir,
            return_tokens=return_tokens,
        )
    result.timings.update(cluster=cluster_seconds, warm=warm_seconds, clean=clean_seconds)
    return result
