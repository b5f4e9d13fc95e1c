"""Work on many posts at once: one function over a list, on every CPU, results in order.

A cold run of a large site is mostly front matter, parsed post by post, and
then the bodies that land in a feed, rendered post by post; both are split
into chunks and done in worker processes. Results come back in the order of
the list, so every output, error and warning is the same as when one process
does it all, and a worker's ``PostError`` comes back with its file and line
(errors.py pickles them).

Worker processes pay only for many items (a threshold per kind of work) and
more than one usable CPU; otherwise everything runs in this process. When
processes cannot be started (no ``fork``, no semaphores, a sandbox) or a
worker dies, the unfinished work is done here instead, so a pool is a
speed-up and never a new way to fail. ``SYNDICATE_WORKERS`` sets the number
of processes (1 turns them off), for machines shared with other jobs, and for
tests that must use the pool on few posts.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, Sequence

ENV = "SYNDICATE_WORKERS"
# Starting a worker (with spawn, a new interpreter importing syndicate)
# costs what parsing several hundred front matters does; below this many,
# one process is as fast.
MIN_ITEMS = 2000
# Many small chunks, so that the processes finish together; each is still
# worth a round trip to a worker. 100 posts' results on a first run (about
# 50 KB of Posts) fit in a pipe's buffer, so a worker seldom waits for this
# process, busy parsing too, to read them. Measured on a cold build of
# 10,000 posts: chunks of 40 were 3% slower (round trips), chunks of 300 2%
# (idle time at the end).
CHUNKS_PER_WORKER = 16
MAX_CHUNK = 100
MAX_WORKERS = 8  # processes, this one included, unless SYNDICATE_WORKERS says otherwise
POLL_SECONDS = 0.1  # how soon a worker of a killed run ends
RESULTS_PIPE_BYTES = 1 << 20  # Linux's largest for a user (/proc/sys/fs/pipe-max-size)


def worker_count(items: int, min_items: int = MIN_ITEMS) -> int:
    """How many processes, this one included, should share ``items`` pieces of work.

    1 means this process alone: there are fewer than ``min_items``, or one
    usable CPU. ``SYNDICATE_WORKERS`` overrides it, however few the items.
    """
    setting = os.environ.get(ENV, "").strip()
    if setting.isdigit():
        return max(int(setting), 1)
    if items < min_items:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))  # the CPUs this process may use, not the machine's
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    # Each worker holds its own copy of the libraries (tens of MB): a big
    # machine, or a container whose CPU quota affinity does not show, must
    # not start dozens.
    return min(max(cpus, 1), MAX_WORKERS)


def map_in_order(function: Callable[..., Any], items: Sequence, shared: tuple = (),
                 workers: int | None = None, batched: bool = False,
                 meanwhile: Callable[[], object] | None = None) -> Iterator[Any]:
    """``function(*shared, item)`` for every item, yielded in the order of ``items``.

    ``function`` must be a module-level function and ``shared`` picklable:
    worker processes may be started with ``spawn``. ``workers`` (this process
    included) defaults to ``worker_count(len(items))``. An exception from
    ``function`` is raised here, as it would be without workers; functions
    that must go on after a bad item return their error instead of raising it.
    ``batched``: ``function(*shared, some_items)`` gives the list of their
    results, up to MAX_CHUNK items at a time (``posts.load_many``).
    ``meanwhile``: what this process does once the workers have started,
    before its first chunk (readying what comes after this work); nothing
    without workers.
    """
    workers = worker_count(len(items)) if workers is None else workers
    if workers <= 1 or len(items) < 2:
        yield from _run_here(function, shared, items, batched)
        return
    # Imported only here: a run that reads few posts never pays for them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = min(max(len(items) // (workers * CHUNKS_PER_WORKER), 1), MAX_CHUNK)
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    before = set(multiprocessing.active_children())
    pool = None
    context = multiprocessing.get_context()
    # A forked worker starts with this process's memory, the work included:
    # a chunk is sent as its number alone. Pickling each chunk's items and
    # ``shared`` (the site) cost this process and the worker 6 us an item.
    # Other start methods pickle what a worker gets, so they get each chunk.
    inherited = (function, shared, chunks, batched) if context.get_start_method() == "fork" else None
    try:
        pool = ProcessPoolExecutor(workers - 1, context, initializer=_start_worker,
                                   initargs=(os.getpid(), inherited))
        _widen_results_pipe(pool)
        futures = [pool.submit(_run_inherited, number) if inherited
                   else pool.submit(_run_chunk, function, shared, chunk, batched)
                   for number, chunk in enumerate(chunks)]
    except (OSError, NotImplementedError, ImportError, RuntimeError, BrokenProcessPool):
        # No processes here (a sandbox without fork, or without /dev/shm for
        # the pool's semaphores), or only some (the process limit reached
        # halfway): the same work, in this process. Workers already started
        # are stopped, or the run would wait for them at exit, forever.
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        for child in set(multiprocessing.active_children()) - before:
            child.terminate()
            child.join(5)
        yield from _run_here(function, shared, items, batched)
        return
    try:
        # This process works too, each time on the first chunk no worker has
        # taken yet: nobody waits for a slow start (spawn) or for a share cut
        # too large. Between its chunks, the chunks done so far from the start
        # of the list, here or in a worker, are yielded: what the caller does
        # with them overlaps the workers' work instead of following it.
        done_here: dict[int, list] = {}
        handed_on = 0  # chunks yielded so far, from the start
        if meanwhile is not None:
            meanwhile()  # the workers take the first chunks; this process catches up after

        def finished(number: int) -> list:
            if number in done_here:
                return done_here.pop(number)
            return _worker_results(futures[number], function, shared, chunks[number], batched)

        for number in range(len(chunks)):
            if not futures[number].cancel():
                continue  # a worker has it
            done_here[number] = _run_chunk(function, shared, chunks[number], batched)
            while handed_on < len(chunks) and (handed_on in done_here or futures[handed_on].done()):
                yield from finished(handed_on)
                handed_on += 1
        for number in range(handed_on, len(chunks)):
            yield from finished(number)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _widen_results_pipe(pool) -> None:
    """Give the pipe that brings workers' results a megabyte of buffer (Linux), where it had 64 KB.

    A chunk's results (a hundred posts, seven bodies) are about 64 KB: a
    worker that finished one waited, in the middle of its write, until this
    process's thread that reads results got its turn, which it gets only
    every few milliseconds while this process parses posts of its own.
    Measured on the bench's 10,000-post Jekyll site: the read worker waited
    60 ms of its 0.85 s, 30 ms with the wider pipe; the cold build took
    1.541 -> 1.510 s (medians of twelve). The pipe is the pool's own
    (``_result_queue``): where it is not there, it keeps its size.
    """
    try:
        import fcntl

        fcntl.fcntl(pool._result_queue._writer.fileno(), fcntl.F_SETPIPE_SZ, RESULTS_PIPE_BYTES)
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, another Python's pool, or past this user's share of pipe memory


def _run_chunk(function: Callable[..., Any], shared: tuple, chunk: Sequence, batched: bool) -> list:
    return function(*shared, chunk) if batched else [function(*shared, item) for item in chunk]


def _run_here(function: Callable[..., Any], shared: tuple, items: Sequence, batched: bool) -> Iterator[Any]:
    """Every item's result, in this process: one at a time, or ``batched``, MAX_CHUNK at a time."""
    if not batched:
        yield from _run_chunk(function, shared, items, False)
        return
    for start in range(0, len(items), MAX_CHUNK):
        yield from function(*shared, items[start:start + MAX_CHUNK])


_inherited: tuple | None = None  # in a forked worker: (function, shared, chunks, batched) of its map


def _start_worker(run: int, inherited: tuple | None) -> None:
    """In a worker: keep the work it inherited, and exit when the run that started it is gone."""
    global _inherited
    _inherited = inherited
    _leave_with(run)


def _run_inherited(number: int) -> list:
    """In a forked worker: chunk ``number`` of the work it inherited."""
    function, shared, chunks, batched = _inherited
    return _run_chunk(function, shared, chunks[number], batched)


def _worker_results(future, function: Callable[..., Any], shared: tuple, chunk: Sequence, batched: bool) -> list:
    """What a worker made of ``chunk``; the chunk done here if the worker died (killed for memory, say)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return _run_chunk(function, shared, chunk, batched)


def _leave_with(run: int) -> None:
    """In a worker: exit when the run that started it is gone.

    A run killed with ``kill -9`` cannot stop its workers, and they would wait
    forever for work on a pipe they keep open for one another, holding
    whatever the run had open (with ``fork``, its lock on .syndicate/lock).
    """
    if os.name != "posix":
        return  # there, os.kill(pid, 0) would end the run itself

    import threading
    import time

    def watch() -> None:
        parent = os.getppid()  # the run, or with forkserver the server, which ends with the run
        while os.getppid() == parent:
            try:
                os.kill(run, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass  # alive, or its number is another user's process now; the parent check still holds
            time.sleep(POLL_SECONDS)
        os._exit(1)

    try:
        threading.Thread(target=watch, name="leave-with-run", daemon=True).start()
    except RuntimeError:
        pass  # no thread to be had (the process limit): the worker still works, unwatched
