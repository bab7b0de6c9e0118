"""Spreading many independent checks over processes, with results in input order.

A reveal of 100,000 entries is a few million scalar multiplications: the trustee tool, the web
app and ``pledge-verify`` share them out with :func:`map_chunks`, which applies a module-level
function to consecutive chunks of a sequence and yields each chunk's result in input order.

- Below ``min_parallel`` items (:data:`MIN_PARALLEL` by default), or with one job, it runs in
  the calling process: the same function over the same chunks, so there is one code path for
  every check.
- Otherwise it starts a pool of worker processes for this call only and stops it before
  returning, or uses the pool of an enclosing :func:`pool` block. Workers are *spawned* (a
  fresh interpreter that imports only what the function needs): they inherit nothing from the
  caller, no database connection, socket, lock or thread of a web worker, and nothing of its
  memory. A pool made per call is also safe in a process that was itself forked (gunicorn's
  workers): nothing is shared between calls or processes. As with any spawned process, a
  program that calls this from its main script must guard its top level with
  ``if __name__ == "__main__"`` (the console scripts and the web app do).
- Few chunks are in flight at a time, so memory stays bounded by the input, not by the results
  of work done ahead of the consumer. If the consumer stops early (a check failed), the chunks
  not yet started are cancelled.

The functions given to :func:`map_chunks` must be defined at module level (they are sent to
the workers by name) and must not raise for a bad item: they report it in their result, so
that the caller can name the first failing item in input order. Consume the iterator inside
``with contextlib.closing(...)``, so that a pool is stopped as soon as the caller is done.
"""

from __future__ import annotations

import contextvars
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL = 2_000
"""Below this many items the work stays in the calling process (a pool costs ~0.3 s)."""

MIN_CHUNK = 50
MAX_CHUNK = 1_000
CHUNKS_PER_JOB = 16  # small enough chunks that both cores finish together
IN_FLIGHT_PER_JOB = 3


def cpu_count() -> int:
    """The number of CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: int | None) -> int:
    """``jobs``, or the CPU count when ``None``; refuses anything below 1."""
    if jobs is None:
        return cpu_count()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError("jobs must be a positive integer")
    return jobs


def chunk_bounds(count: int, jobs: int) -> list[tuple[int, int]]:
    """``[start, end)`` bounds of the chunks for ``count`` items shared by ``jobs`` workers."""
    if count <= 0:
        return []
    size = -(-count // (jobs * CHUNKS_PER_JOB))
    size = max(MIN_CHUNK, min(MAX_CHUNK, size))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


class _Pool:
    """Worker processes started on first use and kept for the rest of a :func:`pool` block."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


_SHARED: contextvars.ContextVar[_Pool | None] = contextvars.ContextVar("pool", default=None)


@contextmanager
def pool(jobs: int | None = None) -> Iterator[None]:
    """Within this block, every :func:`map_chunks` call with the same number of jobs shares
    one set of worker processes (started when first needed, stopped at the end of the block),
    instead of starting its own: for a tool that runs several batches in a row."""
    shared = _Pool(resolve_jobs(jobs))
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        shared.close()


def will_parallelize(count: int, jobs: int | None, min_parallel: int | None = None) -> bool:
    """Whether :func:`map_chunks` would use worker processes for ``count`` items."""
    workers = resolve_jobs(jobs)
    threshold = MIN_PARALLEL if min_parallel is None else min_parallel
    return workers > 1 and count >= threshold and len(chunk_bounds(count, workers)) > 1


def map_chunks(
    function: Callable[..., R], items: Sequence[T], *args: Any, jobs: int | None = None,
    min_parallel: int | None = None,
) -> Generator[tuple[int, R], None, None]:
    """Yield ``(start, function(items[start:end], *args))`` for consecutive chunks, in order.

    ``function`` must be a module-level function; ``args`` are sent to every chunk (keep them
    small). See the module docstring for when worker processes are used; ``min_parallel``
    defaults to :data:`MIN_PARALLEL`.
    """
    workers = resolve_jobs(jobs)
    bounds = chunk_bounds(len(items), workers)
    if not will_parallelize(len(items), workers, min_parallel):
        for start, end in bounds:
            yield start, function(items[start:end], *args)
        return
    shared = _SHARED.get()
    if shared is not None and shared.workers == workers:
        executor, owned = shared.get(), None
    else:
        owned = _Pool(min(workers, len(bounds)))
        executor = owned.get()
    pending: deque[tuple[int, Future[R]]] = deque()
    queued = iter(bounds)

    def submit_next() -> None:
        bound = next(queued, None)
        if bound is not None:
            pending.append((bound[0], executor.submit(function, items[bound[0]:bound[1]], *args)))

    try:
        for _ in range(workers * IN_FLIGHT_PER_JOB):
            submit_next()
        while pending:
            start, future = pending.popleft()
            result = future.result()
            submit_next()
            yield start, result
    finally:
        for _, future in pending:
            future.cancel()
        if owned is not None:
            owned.close()
