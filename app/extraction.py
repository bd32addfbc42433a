"""Extraction and loading: the batches of the weekly flow, and re-extraction of every document.

The weekly flow's extract stage reads the documents not extracted yet page by page
(`select_documents`), extracts each page (`extract_batch`) and loads it (`load_extraction_lines`),
a few pages ahead (`extract_pages`); its Prefect tasks wrap these functions.

Re-extraction runs the current extraction pipeline again over every stored document.

After a change to the pipeline (a gazetteer entry, a pattern, a new component in `nlp/`), the
stored mentions, commitments and deals are those of the old pipeline. `tracker reextract` reads
every document back from the warehouse in pages of `batch_size` (doc_id ranges), extracts the
pages in worker processes (each builds the pipeline once, `nlp.extract.load_pipeline`, and writes
its batch's lines to a file), and loads the files in bulk with the same SQL as the weekly flow
(`warehouse.load.load_extractions`: mentions and commitments of those documents replaced, the
version's figure history replaced; the batches back at the same time share one transaction);
then it rebuilds the deals.

The warehouse file is handled like the flow handles it (README, "Keep it open as long as you
like"): everything is written to a private working copy that replaces the published file
atomically at the end. Analysts keep reading the old file meanwhile; a crash or Ctrl-C leaves the
published file as it was (the working copy is discarded); running it twice gives the same rows.
Editors' decisions (`editor_decisions`) and retired deal ids (`deal_aliases`) are kept. Like
`tracker approve`, it must not run while a flow run writes the same warehouse: the last one to
publish wins.

The same streaming path (`extract_and_load`) is what `benchmarks/scaling.py` measures at 1k, 10k
and 100k documents: memory holds at most a few batches, whatever the corpus size.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from common.progress import progress_bar
from common.settings import EXTRACT_BATCH
from nlp.currencies import refreshed_path, use_table
from nlp.extract import dump_line, extract_records, line_problems, load_pipeline
from warehouse.db import connect
from warehouse.deals import build_deals
from warehouse.load import (
    count_documents_to_extract,
    documents_to_extract_page,
    iter_documents_to_extract,
    load_extraction_batch,
    load_extractions,
    settle_document_entities,
)
from warehouse.snapshot import discard, publish, working_copy, writer_lock

log = logging.getLogger("tracker.app")

#: Batches submitted ahead of the load, per worker: each worker has the next one queued while it
#: extracts one and the main process loads; memory holds only their input records (the workers
#: write their output to files).
AHEAD_PER_WORKER = 2

#: At most this many extracted batches are loaded together, in one transaction.
MAX_BATCHES_PER_LOAD = 4

#: DuckDB settings while batches stream in, the previous values restored afterwards.
#: memory_limit: loading a batch needs little, but on one long-lived connection DuckDB keeps the
#: growing tables and their indexes cached up to its default cap (80 % of RAM), so memory would
#: grow with the warehouse; capped, it evicts (written data stays on disk).
#: checkpoint_threshold: DuckDB checkpoints whenever its write-ahead log passes 16 MB, a few
#: batches, and a checkpoint costs more as the tables grow; fewer of them keep the time per
#: document flat (100k documents: 25 % faster, same peak memory). Commits stay durable in the log.
STREAM_SETTINGS = {"memory_limit": "512MB", "checkpoint_threshold": "256MB"}
# Copying the entity lists into `documents` at the end rewrites every row it changes, texts
# included: with half the memory it takes as long (about 18 s for 100k documents, checkpoint
# included) and 250 MB less.
SETTLE_SETTINGS = {"memory_limit": "256MB", "checkpoint_threshold": "256MB"}


def start_worker() -> None:
    """Worker initialiser: build the pipeline once per process, before the first batch."""
    load_pipeline()


def extract_lines(records: list[dict]) -> list[dict]:
    """The extraction lines (with mentions) of one batch of input records."""
    return list(extract_records(records, with_mentions=True))


def extract_to_file(records: list[dict], path: str) -> str:
    """Extract one batch and write its lines to `path` as JSON Lines, in the worker: the main
    process then only bulk-loads the file (no unpickling or serialising of the lines there)."""
    with open(path, "w", encoding="utf-8") as sink:
        sink.writelines(dump_line(line) for line in extract_lines(records))
    return path


class _InProcess(Executor):
    """`workers=0`: extract in this process, when the batch is submitted (tests, debugging)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller by future.result()
            future.set_exception(exc)
        return future


def worker_pool(workers: int) -> Executor:
    """`workers` extraction processes (forkserver where available, else spawn; never fork: the
    parent holds DuckDB's threads), each with the pipeline built once; `0`: this process."""
    if workers < 0:
        raise ValueError("workers must be 0 or more")
    if workers == 0:
        return _InProcess()
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["nlp.extract"])  # imported once, shared by the workers
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_worker)


@contextmanager
def duckdb_settings(con, settings: dict[str, str]):
    """DuckDB settings changed for the block, then restored (one that DuckDB refuses, e.g. a
    memory cap below what it cannot free, is left as it was)."""
    previous = {}
    for name, value in settings.items():
        current = con.execute("select current_setting(?)", [name]).fetchone()[0]
        try:
            con.execute(f"set {name} = '{value}'")
            previous[name] = current
        except duckdb.Error:
            pass
    try:
        yield
    finally:
        for name, value in previous.items():
            with suppress(duckdb.Error):  # the connection broke: the error that broke it matters, not this
                con.execute(f"set {name} = '{value}'")


def extract_and_load(
    con,
    batches: Iterable[list[dict]],
    work_dir: str | os.PathLike,
    *,
    workers: int = 2,
    on_batch: Callable[[int], None] | None = None,
) -> dict:
    """Extract each batch of input records in the worker pool and load its output, in order.

    While one batch loads, each worker extracts the next (`AHEAD_PER_WORKER`), so memory holds a
    few batches whatever their number. `batches` may read from `con`
    (``iter_documents_to_extract``): it is advanced only between loads. The worker writes its
    batch's lines to `work_dir/extractions-NNNNNN.jsonl`; the next file, with those after it that
    are already written (at most `MAX_BATCHES_PER_LOAD`), is loaded in one transaction
    (``warehouse.load.load_extractions``) and removed, with DuckDB's memory capped and fewer
    checkpoints (`STREAM_SETTINGS`). The documents' entity lists are copied into `documents` once,
    after the last load (``settle_document_entities``: a list column rewrites the whole row, so
    doing it batch by batch made the time per document grow with the archive).
    `on_batch(documents)` is called after each load.
    A document whose extraction fails in a worker gets an error line instead of stopping the batch
    (``nlp.extract.extract_records``): the load keeps its earlier rows and records the error in
    ``crawl_errors`` (stage ``extract``); ``failed`` counts them.
    Returns totals: documents, batches, loads, mentions, commitments, failed.
    """
    totals = {"documents": 0, "batches": 0, "loads": 0, "mentions": 0, "commitments": 0, "failed": 0}
    numbers = itertools.count()
    ahead = AHEAD_PER_WORKER * workers if workers else 1  # in-process: no extraction ahead
    source = iter(batches)
    in_flight: deque[tuple[Future, Path, int]] = deque()  # extraction, its output file, documents
    pool = worker_pool(workers)

    def top_up() -> None:
        while len(in_flight) < ahead:
            batch = next(source, None)
            if batch is None:
                return
            if batch:
                path = Path(work_dir) / f"extractions-{next(numbers):06d}.jsonl"
                in_flight.append((pool.submit(extract_to_file, batch, str(path)), path, len(batch)))

    try:
        with duckdb_settings(con, STREAM_SETTINGS):
            top_up()
            while in_flight:
                # the next batch, and those after it that are already extracted: one load (when
                # loading falls behind extraction, loads grow and their fixed cost is shared)
                ready = [in_flight.popleft()]
                ready[0][0].result()
                while in_flight and in_flight[0][0].done() and len(ready) < MAX_BATCHES_PER_LOAD:
                    ready.append(in_flight.popleft())
                    ready[-1][0].result()
                top_up()  # the workers extract the next batches while these load
                paths = [path for _, path, _ in ready]
                counts = load_extractions(con, paths, settle=False)
                for path in paths:
                    path.unlink()
                totals["batches"] += len(ready)
                totals["loads"] += 1
                for key in ("documents", "mentions", "commitments", "failed"):
                    totals[key] += int(counts.get(key, 0) or 0)
                if on_batch is not None:
                    on_batch(sum(size for _, _, size in ready))
    finally:
        # On an error or Ctrl-C, batches not started yet are dropped, not extracted for nothing.
        pool.shutdown(wait=True, cancel_futures=True)
        for _, path, _ in in_flight:
            path.unlink(missing_ok=True)
    # once the workers are gone (their memory with them); after an error, the next load settles
    with duckdb_settings(con, SETTLE_SETTINGS):
        settle_document_entities(con)
    return totals


def reextract(db: str | os.PathLike, *, workers: int = 2, batch_size: int = EXTRACT_BATCH) -> dict:
    """Re-extract every document of the warehouse `db` and rebuild its deals; publish atomically.

    Returns documents, batches, mentions, commitments, deals, evidence, workers and seconds.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if refreshed_path(db).is_file():  # the USD rates of the last weekly refresh (workers inherit it)
        use_table(refreshed_path(db))
    started = time.perf_counter()
    with writer_lock(db, holder="tracker reextract"):  # one writer at a time, until published
        work = working_copy(db)
        try:
            con = connect(work, create=False)
            try:
                total = count_documents_to_extract(con, every=True)
                with (
                    tempfile.TemporaryDirectory(prefix="tracker-reextract-") as scratch,
                    progress_bar(total=total, desc="reextract", unit="doc") as bar,
                ):
                    totals = extract_and_load(con, iter_documents_to_extract(con, batch_size, every=True),
                                              scratch, workers=workers, on_batch=bar.update)
                deals = build_deals(con)
            finally:
                con.close()
        except BaseException:
            discard(work)
            raise
        publish(work, db)
    return {**totals, "deals": deals["deals"], "evidence": deals["evidence"], "workers": workers,
            "seconds": round(time.perf_counter() - started, 2)}


def count_documents(db: str) -> int:
    """How many documents' current content has not been extracted yet."""
    con = connect(db, create=False)
    try:
        return count_documents_to_extract(con)
    finally:
        con.close()


def select_documents(db: str, after: str = "", limit: int = EXTRACT_BATCH) -> list[dict]:
    """One page of documents whose current content has not been extracted yet: at most `limit`,
    doc_id after `after`, in doc_id order (the extract stage reads page by page)."""
    con = connect(db, create=False)
    try:
        return documents_to_extract_page(con, after=after, limit=limit)
    finally:
        con.close()


def extract_batch(records: list[dict], logger: logging.Logger | logging.LoggerAdapter = log) -> list[dict]:
    """Run the spaCy pipeline over one batch; return the extraction lines (with mentions).

    A document whose extraction fails gets a line with its "error" instead of stopping the batch
    (nlp.extract.extract_records); it is logged here and the load records it in crawl_errors."""
    started = time.perf_counter()
    lines = list(extract_records(records, with_mentions=True))
    for problem in (problem for line in lines for problem in line_problems(line)):
        logger.warning("extract: %s", problem)
    words = sum(len(record.get("text", "").split()) for record in records)
    seconds = time.perf_counter() - started
    logger.info("extract: %s documents, %s words in %.2fs (%.0f words/s)", len(records), words, seconds,
                words / seconds if seconds else 0.0)
    return lines


def load_extraction_lines(db: str, batches: list[list[dict]], work_dir: str, first: int = 0,
                          logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Write the batches as JSON Lines (extractions-NNNNN.jsonl, numbered from `first`) and
    bulk-load each into the warehouse in its own transaction, in batch order."""
    started = time.perf_counter()
    work = Path(work_dir)
    totals = {"documents": 0, "commitments": 0, "mentions": 0, "failed": 0}
    con = connect(db, create=False)
    try:
        for number, lines in enumerate(batches, start=first):
            counts = load_extraction_batch(con, lines, work / f"extractions-{number:05d}.jsonl")
            for key in totals:
                totals[key] += int(counts.get(key, 0) or 0)
    finally:
        con.close()
    logger.info("load: extractions %s in %.1fs", totals, time.perf_counter() - started)
    return totals


def extract_pages(
    db: str,
    submit: Callable[[list[dict]], Future],
    load: Callable[[list[dict], int, Future], dict],
    *,
    batch_size: int = EXTRACT_BATCH,
    in_flight: int = 3,
    on_batch: Callable[[int], None] | None = None,
) -> dict:
    """The weekly flow's extract stage: read the documents not extracted yet page by page, hand
    each page to `submit` (which starts its extraction and returns a future of its lines) at most
    `in_flight` pages ahead, and `load(lines, batch_number, future)` each in page order.

    The flow submits Prefect tasks (on threads or a Dask cluster); the in-process benchmark a
    thread pool running `extract_batch`. Memory stays flat however many documents wait.
    `on_batch(documents)` is called after each load. Returns documents, batches and the loads'
    summed counts (loaded_documents, loaded_commitments, loaded_mentions, loaded_failed).
    """
    totals = {"documents": 0, "commitments": 0, "mentions": 0, "failed": 0}
    submitted: deque = deque()
    documents = batches = 0
    after: str | None = ""
    while True:
        while after is not None and len(submitted) < max(1, in_flight):
            records = select_documents(db, after, batch_size)
            if not records:
                after = None
                break
            after = records[-1]["id"]
            documents += len(records)
            submitted.append(submit(records))
        if not submitted:
            break
        future = submitted.popleft()
        lines = future.result()
        loaded = load(lines, batches, future)
        batches += 1
        for key in totals:
            totals[key] += loaded.get(key, 0)
        if on_batch is not None:
            on_batch(len(lines))
    return {"documents": documents, "batches": batches, **{f"loaded_{k}": v for k, v in totals.items()}}
