"""Work on many posts at once: one function over a list, on every CPU, results in order.

A cold run of a large site is mostly front matter, parsed post by post, and
then the bodies that land in a feed, rendered post by post; both are split
into chunks and done in worker processes. Results come back in the order of
the list, so every output, error and warning is the same as when one process
does it all, and a worker's ``PostError`` comes back with its file and line
(errors.py pickles them).

Workers are forked from the run (``os.fork``, on Linux): each starts with the
run's memory, the work included, so a chunk is named by its number alone, and
only results cross back, pickled, each worker through a pipe of its own. The
run and its workers take chunk numbers from one pipe, filled before the
first fork: whoever is free takes the next, and nothing but the kernel hands
them out. No thread runs in the run meanwhile: ``concurrent.futures``' pool
kept two, which took the run's GIL to feed the workers and unpickle their
results while it parsed posts itself (on the bench's 10,000-post Jekyll site,
ten cold builds alternated with each: 1.55 s with that pool, 1.41 s with
this one, medians; CPU 2.67 against 2.48 s).

Worker processes pay only for many items (a threshold per kind of work) and
more than one usable CPU; otherwise everything runs in this process, as it
does where there is no ``fork`` to be had safely (Windows; macOS, whose
system libraries may start threads; a process that has started threads of
its own). When processes cannot be started (the process limit, a sandbox) or
a worker dies, the unfinished work is done here instead, so workers are a
speed-up and never a new way to fail. ``SYNDICATE_WORKERS`` sets the number
of processes (1 turns them off), for machines shared with other jobs, and for
tests that must use workers on few posts.
"""

from __future__ import annotations

import os
import pickle
import sys
from functools import partial
from typing import Any, Callable, Iterator, Sequence

ENV = "SYNDICATE_WORKERS"
# A worker costs its fork, and a copy of every page of memory the run or
# it writes afterwards; what it gains, beyond its share of the work, is the
# run's ``meanwhile`` (importing the renderers) done alongside. Cold builds of
# the bench's sites, ten alternated, one process against two: 500 posts,
# Jekyll site 0.71 -> 0.65 s; 250 posts, Jekyll site 0.67 -> 0.62 s,
# syndicate.toml site 0.48 -> 0.47 s.
MIN_ITEMS = 500
# Many small chunks, so that the processes finish together; each is still
# worth a round trip to a worker. 100 posts' results on a first run (about
# 60 KB of Posts) fit in a worker's pipe many times over, so a worker seldom
# waits for this process, busy parsing too, to read them. Measured on a cold
# build of 10,000 posts: chunks of 40 were 3% slower (round trips), chunks of
# 300 2% (idle time at the end).
CHUNKS_PER_WORKER = 16
MAX_CHUNK = 100
MAX_WORKERS = 8  # processes, this one included, unless SYNDICATE_WORKERS says otherwise
POLL_SECONDS = 0.1  # how soon a worker of a killed run ends
RESULTS_PIPE_BYTES = 1 << 20  # Linux's largest for a user (/proc/sys/fs/pipe-max-size)
NUMBER_BYTES = 4  # a chunk number in the pipe of chunks
LENGTH_BYTES = 8  # the length before each pickled result in a worker's pipe


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


_forked = False  # whether this process is a worker


def in_worker() -> bool:
    """Whether this process is a worker forked by ``map_in_order``, whose results are pickled back."""
    return _forked


def map_in_order(function: Callable[..., Any], items: Sequence, shared: tuple = (),
                 workers: int | None = None, batched: bool = False,
                 meanwhile: Callable[[], object] | None = None) -> Iterator[Any]:
    """``function(*shared, item)`` for every item, yielded in the order of ``items``.

    ``function`` and ``shared`` are the worker's own, inherited; what
    ``function`` returns must pickle. ``workers`` (this process included)
    defaults to ``worker_count(len(items))``. An exception from ``function``
    is raised here, as it would be without workers; functions that must go on
    after a bad item return their error instead of raising it. ``batched``:
    ``function(*shared, some_items)`` gives the list of their results, up to
    MAX_CHUNK items at a time (``posts.load_many``). ``meanwhile``: what this
    process does once the workers have started, before its first chunk
    (readying what comes after this work); first, when none would start;
    never when this process was to do it all.
    """
    workers = worker_count(len(items)) if workers is None else workers
    wanted = workers > 1 and len(items) > 1
    started = _start(function, shared, items, workers, batched) if wanted else None
    if started is None:
        if wanted and meanwhile is not None:
            meanwhile()
        yield from _run_here(function, shared, items, batched)
        return
    team, chunks = started
    try:
        if meanwhile is not None:
            meanwhile()  # the workers take the first chunks; this process catches up after
        # This process works too, each time on the next chunk nobody has
        # taken: nobody waits for a share cut too large. Between its chunks,
        # the chunks done so far from the start of the list, here or in a
        # worker, are yielded: what the caller does with them overlaps the
        # workers' work instead of following it.
        done: dict[int, tuple[bool, Any]] = {}
        for number in range(len(chunks)):
            while number not in done:
                taken = team.take()
                if taken is not None:
                    done[taken] = True, _run_chunk(function, shared, chunks[taken], batched)
                    team.receive(done, wait=False)
                elif team.workers:
                    team.receive(done, wait=True)
                else:
                    # Taken by a worker that died (killed for memory, say) before sending it back.
                    done[number] = True, _run_chunk(function, shared, chunks[number], batched)
            ok, results = done.pop(number)
            if not ok:
                error, trace = results
                raise error from WorkerTraceback(trace)
            if number == len(chunks) - 1:
                team.end()  # every result is in; callers take the last item without asking for more
            yield from results
    finally:
        team.end(kill=True)


def _start(function: Callable[..., Any], shared: tuple, items: Sequence, workers: int, batched: bool
           ) -> tuple[_Team, list[Sequence]] | None:
    """Up to ``workers - 1`` workers forked, with the chunks they and this process share.

    None when no worker could be started (no ``fork`` to be had safely, no
    pipe, no process): one process does it all.
    """
    if not _can_fork():
        return None
    try:
        take, give = os.pipe()
    except OSError:
        return None  # out of file descriptors
    size = min(max(len(items) // (workers * CHUNKS_PER_WORKER), 1), MAX_CHUNK)
    # Every chunk number is in the pipe before the first fork, so that no
    # process waits for another to hand them out: past what the pipe holds
    # (1,024 numbers in a pipe of one page, the least Linux gives), the chunks grow.
    size = max(size, -(-len(items) // (_pipe_size(give) // NUMBER_BYTES)))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    numbers = b"".join(number.to_bytes(NUMBER_BYTES, "little") for number in range(len(chunks)))
    os.set_blocking(give, False)
    try:
        written = os.write(give, numbers)
    finally:
        os.close(give)  # once the last number is taken, the pipe reads as ended
    team = _Team(take)
    if written == len(numbers):
        work = partial(_run_numbered, function, shared, chunks, batched)
        for _ in range(workers - 1):
            try:
                team.fork(work)
            except OSError:
                break  # the process limit, say: fewer workers, the rest done here
    if not team.workers:
        team.end()
        return None
    return team, chunks


class WorkerTraceback(Exception):
    """Where in a worker an exception raised here came from: its traceback, as text."""

    def __str__(self) -> str:
        return "\n" + self.args[0]


class _Worker:
    """A forked worker: its process, and its results read so far, not yet whole."""

    def __init__(self, pid: int):
        self.pid, self.unread = pid, bytearray()


class _Team:
    """The workers of one ``map_in_order``, and the pipe of chunk numbers they and this process take from."""

    def __init__(self, take: int):
        self.chunks = take  # the pipe's reading end
        self.workers: dict[int, _Worker] = {}  # by the pipe their results come through

    def fork(self, work: Callable[[int], list]) -> None:
        """One more worker, doing ``work`` on the chunk numbers it takes. OSError when none can be started."""
        run = os.getpid()
        results, give = os.pipe()
        try:
            _widen(results)
            pid = os.fork()
        except OSError:
            os.close(results)
            os.close(give)
            raise
        if pid == 0:
            # Other workers' pipes, and its own reading end, closed: a killed run's workers see EPIPE.
            _work(run, self.chunks, give, [results, *self.workers], work)  # never returns
        os.close(give)
        self.workers[results] = _Worker(pid)

    def take(self) -> int | None:
        """The next chunk nobody has taken; None when none is left."""
        return _take(self.chunks)

    def receive(self, done: dict[int, tuple[bool, Any]], wait: bool) -> None:
        """Results the workers have sent, into ``done`` by chunk number; ``wait``: until some come, or a worker ends.

        A worker that ended (its pipe closed) leaves the team, and is waited for.
        """
        import select

        ready, _, _ = select.select(list(self.workers), [], [], None if wait else 0)
        for fd in ready:
            worker = self.workers[fd]
            data = os.read(fd, RESULTS_PIPE_BYTES)
            if not data:
                del self.workers[fd]
                os.close(fd)
                os.waitpid(worker.pid, 0)
                continue
            unread = worker.unread
            unread += data
            while len(unread) >= LENGTH_BYTES:
                end = LENGTH_BYTES + int.from_bytes(unread[:LENGTH_BYTES], "little")
                if len(unread) < end:
                    break
                number, ok, results = pickle.loads(unread[LENGTH_BYTES:end])
                del unread[:end]
                done[number] = ok, results

    def end(self, kill: bool = False) -> None:
        """Close the pipes, and wait for the workers: they end once no chunk is left, or at once when ``kill``.

        Killed when the run stops early (an exception, or its caller
        stopped); either way none is left a zombie.
        """
        import signal

        if self.chunks >= 0:
            os.close(self.chunks)
            self.chunks = -1
        for fd, worker in list(self.workers.items()):
            if kill:
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.close(fd)
            os.waitpid(worker.pid, 0)
            del self.workers[fd]


def _can_fork() -> bool:
    """Whether workers may be forked from this process: on Linux, with no thread but this one.

    A thread's locks (the import lock, a logging handler's) would stay taken
    in a forked child for ever; macOS's system libraries may start threads of
    their own (Python's default there is ``spawn``).
    """
    import threading

    return sys.platform == "linux" and threading.active_count() == 1


def _pipe_size(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)


def _widen(fd: int) -> None:
    """Give a worker's pipe of results a megabyte of buffer, where it had 64 KB.

    A chunk's results (a hundred posts, seven bodies) are about 64 KB: a
    worker that finished one waited, in the middle of its write, until this
    process, parsing posts of its own, read them. Measured on the bench's
    10,000-post Jekyll site with ``concurrent.futures``' pool: the read worker
    waited 60 ms of its 0.85 s, 30 ms with the wider pipe.
    """
    import fcntl

    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, RESULTS_PIPE_BYTES)
    except OSError:
        pass  # past this user's share of pipe memory: the pipe keeps its size


def _take(take: int) -> int | None:
    """The next chunk nobody has taken, from the pipe of chunk numbers; None when none is left.

    A read of a few bytes from a pipe is never split between two readers.
    """
    data = os.read(take, NUMBER_BYTES)
    return int.from_bytes(data, "little") if data else None


def _work(run: int, take: int, give: int, others: list[int], work: Callable[[int], list]) -> None:
    """A forked worker's life: chunks taken from ``take`` until none is left, results sent through ``give``.

    ``others``: the descriptors it closes first.

    It never returns into the run's code: whatever happens, it ends with
    ``os._exit``, flushing none of the run's buffers and running none of its
    exit handlers. An exception from the work goes back as that chunk's result.
    """
    global _forked
    _forked = True
    status = 1
    try:
        for fd in others:
            os.close(fd)
        _leave_with(run)
        while (number := _take(take)) is not None:
            try:
                message = number, True, work(number)
            except Exception as error:
                message = number, False, (error, _format_exception(error))
            _send(give, message)
        status = 0
    finally:
        os._exit(status)


def _format_exception(error: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(error))


def _send(give: int, message: tuple) -> None:
    """One chunk's result through a worker's pipe: its length, then its pickle."""
    try:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # a result or an exception that does not pickle: a bug, raised in the run
        trace = _format_exception(error)
        data = pickle.dumps((message[0], False, (RuntimeError(f"a worker's result did not pickle: {error!r}"), trace)))
    view = memoryview(len(data).to_bytes(LENGTH_BYTES, "little") + data)
    while view:
        view = view[os.write(give, view):]


def _run_numbered(function: Callable[..., Any], shared: tuple, chunks: list[Sequence], batched: bool,
                  number: int) -> list:
    return _run_chunk(function, shared, chunks[number], batched)


def _run_chunk(function: Callable[..., Any], shared: tuple, chunk: Sequence, batched: bool) -> list:
    return function(*shared, chunk) if batched else [function(*shared, item) for item in chunk]


def _run_here(function: Callable[..., Any], shared: tuple, items: Sequence, batched: bool) -> Iterator[Any]:
    """Every item's result, in this process: one at a time, or ``batched``, MAX_CHUNK at a time."""
    if not batched:
        yield from _run_chunk(function, shared, items, False)
        return
    for start in range(0, len(items), MAX_CHUNK):
        yield from function(*shared, items[start:start + MAX_CHUNK])


def _leave_with(run: int) -> None:
    """In a worker: exit as soon as the run that forked it is gone.

    A run killed with ``kill -9`` cannot stop its workers. One in the middle of
    a long chunk would work on, holding what the run had open (its lock on
    .syndicate/lock); the next run would find the lock taken. An orphan gets a
    new parent.
    """
    import threading
    import time

    def watch() -> None:
        while os.getppid() == run:
            time.sleep(POLL_SECONDS)
        os._exit(1)

    try:
        threading.Thread(target=watch, name="leave-with-run", daemon=True).start()
    except RuntimeError:
        pass  # no thread to be had (the process limit): the worker still works, unwatched
