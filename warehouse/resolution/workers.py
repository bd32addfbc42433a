"""Pure work spread over the machine's cores: the resolver's pair scoring (clustering.score_pairs)
and frame building (resolve.build_all_frames).

Scoring candidate pairs is most of a full rebuild (about 0.07 ms a pair, several hundred pairs per
document on busy coverage) and every pair is scored on its own, so the ordered pairs are cut into
contiguous ranges that worker processes score; the results come back in order, so the scores are
the ones one process would give, in the same order.

The workers are forked: they inherit the frames, documents and corpus counts instead of receiving
them pickled (hundreds of megabytes at 100k documents). The extraction workers are never forked
because the parent holds DuckDB's threads (app/extraction.py); these children never touch DuckDB
or any lock: they read Python objects, compute, send floats back and exit. Where fork is not
available, or with TRACKER_RESOLVER_WORKERS=1, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections.abc import Callable

WORKERS_ENV = "TRACKER_RESOLVER_WORKERS"  # worker processes for pair scoring (default: the cores, at most 4)
MAX_WORKERS = 4  # more cores than this are left to the rest of the pipeline
PARALLEL_MIN = 20_000  # fewer items than this are done in this process (forking costs more)
CHUNKS_PER_WORKER = 4  # ranges per worker: a slow range does not hold the others up

_job: tuple | None = None  # what the forked workers inherit: (function, arguments)


def worker_count() -> int:
    """Worker processes to use: TRACKER_RESOLVER_WORKERS, else the usable cores (at most MAX_WORKERS)."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


def run_range(bounds: tuple[int, int]) -> bytes:
    function, arguments = _job
    return array("d", function(*arguments, *bounds)).tobytes()


def run_objects(bounds: tuple[int, int]) -> list:
    function, arguments = _job
    return function(*arguments, *bounds)


def in_workers(runner: Callable, function: Callable, total: int, arguments: tuple, minimum: int) -> list | None:
    """``runner`` over the ranges of 0..total in forked workers; None when this process should
    do it all (one worker, fewer than ``minimum`` items, or no fork)."""
    workers = worker_count()
    if workers <= 1 or total < minimum or "fork" not in multiprocessing.get_all_start_methods():
        return None
    global _job
    parts = workers * CHUNKS_PER_WORKER
    bounds = [(total * k // parts, total * (k + 1) // parts) for k in range(parts)]
    _job = (function, arguments)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(runner, bounds, chunksize=1)
    finally:
        _job = None


def map_ranges(function: Callable[..., list[float]], total: int, *arguments) -> list[float]:
    """``function(*arguments, start, stop)`` (a list of floats, one per item) over 0..total in
    ranges, in worker processes when it pays; the results joined in order."""
    chunks = in_workers(run_range, function, total, arguments, PARALLEL_MIN)
    if chunks is None:
        return list(function(*arguments, 0, total))
    values: list[float] = []
    for chunk in chunks:
        part = array("d")
        part.frombytes(chunk)
        values.extend(part)
    return values


def map_objects(function: Callable[..., list], total: int, *arguments, minimum: int = PARALLEL_MIN) -> list:
    """``map_ranges`` for any picklable results: ``function(*arguments, start, stop)`` returns a
    list; the lists joined in order."""
    chunks = in_workers(run_objects, function, total, arguments, minimum)
    if chunks is None:
        return list(function(*arguments, 0, total))
    return [item for chunk in chunks for item in chunk]
