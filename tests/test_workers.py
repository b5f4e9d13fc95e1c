"""Posts read and rendered in worker processes give what one process gives.

A cold build of a large site parses front matter and renders bodies in worker
processes (syndicate.incremental.workers). Every output byte, every error and warning and
the posts index must be the same as when one process does it all, and when
processes cannot be had at all. SYNDICATE_WORKERS forces workers here,
whatever the machine's CPU count and the site's size.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import pickle
import signal
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

import syndicate.incremental.workers
from syndicate.sources import safe_yaml
from syndicate.commands.build import build, check
from syndicate.sources.config import load_site
from syndicate.errors import ConfigError, Notice, PostError
from syndicate.incremental.lastrun import forget
from syndicate.sources.posts import parse_date
from syndicate.incremental.workers import map_in_order, worker_count
from tests.conftest import REPO

_spec = importlib.util.spec_from_file_location("gen_posts", REPO / "bench" / "gen_posts.py")
gen_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_posts)
NOW = gen_posts.NOW

# Beside the generated posts: each kind of problem a post can have, so that the
# errors and warnings found in workers are compared too.
TROUBLE = {
    "_posts/2026-11-20-broken.md": "---\ntitle: [unclosed\n---\nBody.\n",
    "_posts/2026-11-20-twice.md": "---\ntitle: One\ntitle: Two\n---\nBody.\n",
    "_posts/2026-11-20-bad-date.md": "---\ntitle: Bad date\ndate: soon\n---\nBody.\n",
    "_posts/undated.md": "---\ntitle: No date\ncategories: [News]\n---\nDated when first seen.\n",
    "_posts/2026-11-21-untitled.md": "---\ncategories: News\n---\nNo title, a \x01 control character.\n",
    "_posts/notes.txt": "not a post",
    "_posts/2026-11-22-latin1.md": "---\ntitle: Caf\xe9\n---\nBody.\n".encode("latin-1"),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A 200-post generated site with every kind of broken post, made once for this module."""
    root = tmp_path_factory.mktemp("generated") / "site"
    gen_posts.generate(root, 200, seed=5)
    for name, content in TROUBLE.items():
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    past = time.time() - 3600
    for path in (root / "_posts").iterdir():
        os.utime(path, (past, past))
    return root


def built(generated: Path, tmp_path: Path, workers: str, monkeypatch, command=build) -> dict:
    """Everything a run leaves and says, with SYNDICATE_WORKERS=``workers``."""
    # One folder for every run: the posts index holds absolute paths.
    root = tmp_path / "site"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(generated, root)
    monkeypatch.setenv(syndicate.incremental.workers.ENV, workers)
    site = load_site(root)
    outcome = command(site, parse_date(NOW, site.timezone))
    if command is build:
        # A first build leaves the posts index empty; the next full run
        # fills it, its entries encoded in the workers too.
        forget(site)
        refill = command(site, parse_date(NOW, site.timezone))
        assert refill.written == [] and [str(e) for e in refill.errors] == [str(e) for e in outcome.errors]
    monkeypatch.delenv(syndicate.incremental.workers.ENV)
    files = {path.relative_to(root).as_posix(): _without_ctimes(path)
             for folder in ("public", ".syndicate") for path in sorted((root / folder).rglob("*"))
             if path.is_file() and path.name not in ("last-run.json", "lock")}
    return {"files": files, "errors": [str(e) for e in outcome.errors],
            "notices": [str(n) for n in outcome.notices], "written": outcome.written}


def _without_ctimes(path: Path) -> bytes:
    """A file's bytes; the posts index's without the ctimes, which each copy of the site changes.

    Nor the checks over them, nor the moment the run began reading (``read_ns``).
    """
    if path.name != "posts-index.json":
        return path.read_bytes()
    index = json.loads(path.read_bytes())
    for entry in index["posts"].values():
        del entry["ctime_ns"], entry["check"]
    del index["read_ns"], index["check"]
    return json.dumps(index, sort_keys=True).encode()


@pytest.mark.slow
def test_a_build_in_workers_equals_one_in_this_process(generated, tmp_path, monkeypatch):
    alone = built(generated, tmp_path, "1", monkeypatch)
    assert len(alone["errors"]) == 4 and any("undated.md" in n for n in alone["notices"])
    assert json.loads(alone["files"][".syndicate/posts-index.json"])["posts"]
    together = built(generated, tmp_path, "2", monkeypatch)
    assert together == alone


def test_check_renders_every_body_in_workers_alike(generated, tmp_path, monkeypatch):
    # check renders every published body, so it uses the render pool too.
    assert built(generated, tmp_path, "3", monkeypatch, check) == built(generated, tmp_path, "1", monkeypatch, check)


def test_the_record_keeps_the_same_keys_of_posts_read_in_workers(tmp_path, monkeypatch):
    # A run without errors leaves a record; a worker works out the keys of
    # the posts it reads (cache.keys_of) for it: each file's id, URL and date.
    generated = tmp_path / "generated"
    gen_posts.generate(generated, 120, seed=7)
    columns = []
    for workers in ("1", "2"):
        outcome = built(generated, tmp_path / workers, workers, monkeypatch)
        assert outcome["errors"] == []
        # The record's last three lines: the ids', URLs' and dates' columns.
        columns.append(outcome["files"][".syndicate/last-run-files.txt"].split(b"\n")[-3:])
    assert len(columns[0][0].split(b"\0")) > 120 and columns[1] == columns[0]


def no_fork():
    raise OSError(errno.EAGAIN, "Resource temporarily unavailable")  # the process limit, or a sandbox


@pytest.mark.slow
def test_workers_that_cannot_start_leave_the_work_to_this_process(generated, tmp_path, monkeypatch):
    alone = built(generated, tmp_path, "1", monkeypatch)
    monkeypatch.setattr(os, "fork", no_fork)
    assert built(generated, tmp_path, "2", monkeypatch) == alone


@pytest.mark.slow
def test_a_run_with_threads_of_its_own_forks_no_worker(generated, tmp_path, monkeypatch):
    # A thread may hold a lock (the import lock, a logging handler's) at the
    # moment of a fork: the child would wait for it for ever.
    alone = built(generated, tmp_path, "1", monkeypatch)
    forks = []
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or no_fork())
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert built(generated, tmp_path, "2", monkeypatch) == alone
    finally:
        stop.set()
        thread.join()
    assert forks == []


# --- map_in_order ---------------------------------------------------------------


def where(folder: str, item: int) -> tuple[int, int]:
    """``item`` and the process that did it, once two processes have each begun an item (a minute at most)."""
    Path(folder, str(os.getpid())).touch()
    for _ in range(1200):
        if len(os.listdir(folder)) >= 2:
            break
        time.sleep(0.05)
    return item, os.getpid()


def test_results_come_in_order_and_from_other_processes(tmp_path):
    # Each item waits for both processes to have begun one: the worker
    # starts, however busy the machine, before this process could take every
    # item itself; and this process takes one before the worker takes all.
    results = list(map_in_order(where, range(40), (str(tmp_path),), workers=2))
    assert [item for item, _ in results] == list(range(40))
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 2  # this process took its share


def where_all(folder: str, items: list[int]) -> list[tuple[int, int]]:
    """``where`` of a batch: the function ``map_in_order(batched=True)`` takes."""
    return [where(folder, item) for item in items]


def test_batches_come_back_in_order_and_from_other_processes(tmp_path):
    # A batched function gets many items at once (posts.load_many), and its
    # results still come one per item, in order.
    results = list(map_in_order(where_all, range(40), (str(tmp_path),), workers=2, batched=True))
    assert [item for item, _ in results] == list(range(40))
    assert len({pid for _, pid in results}) == 2
    alone = list(map_in_order(where_all, range(250), (str(tmp_path),), workers=1, batched=True))
    assert [item for item, _ in alone] == list(range(250))  # in this process, in batches of MAX_CHUNK


@pytest.mark.parametrize("count", [3, 65, 250, 1001])
def test_every_item_once_in_order_however_the_chunks_fall(count, monkeypatch):
    # Chunks of up to MAX_CHUNK: no item is left out or done twice, whether
    # the chunk size divides the count or not.
    assert list(map_in_order(abs, range(count), workers=2)) == list(range(count))
    assert list(map_in_order(sorted, range(count), workers=3, batched=True)) == list(range(count))
    # A pipe that holds only three chunk numbers: the chunks grow to fit.
    three = 3 * syndicate.incremental.workers.NUMBER_BYTES
    monkeypatch.setattr(syndicate.incremental.workers, "_pipe_size", lambda fd: three)
    results = list(map_in_order(with_its_chunk, range(count), workers=2, batched=True))
    assert [item for item, _ in results] == list(range(count))
    assert len({first for _, first in results}) == min(count, 3)


def with_its_chunk(items: list[int]) -> list[tuple[int, int]]:
    """Each item with the first item of its chunk."""
    return [(item, items[0]) for item in items]


def die_in_a_worker(folder: str, run: int, item: int) -> int:
    where(folder, item)  # the worker has taken an item
    if os.getpid() != run:
        os._exit(3)  # a worker killed for memory, say, with its chunk
    return item * 2


def test_work_of_a_dead_worker_is_done_here(tmp_path):
    results = map_in_order(die_in_a_worker, range(30), (str(tmp_path), os.getpid()), workers=2)
    assert list(results) == [n * 2 for n in range(30)]


def fail_on(bad: int, item: int) -> int:
    if item == bad:
        raise ValueError(f"bug on {item}")
    return item


def test_an_exception_in_a_worker_is_raised_here():
    with pytest.raises(ValueError, match="bug on 3"):
        list(map_in_order(fail_on, range(40), (3,), workers=2))



def fail_in_a_worker(folder: str, run: int, item: int) -> int:
    where(folder, item)
    if os.getpid() != run:
        raise ValueError(f"bug in a worker on {item}")
    return item


def test_an_exception_in_a_worker_comes_with_its_traceback(tmp_path):
    # Raised here at its item's turn, with where the worker met it as its cause.
    with pytest.raises(ValueError, match="bug in a worker") as raised:
        list(map_in_order(fail_in_a_worker, range(40), (str(tmp_path), os.getpid()), workers=2))
    assert isinstance(raised.value.__cause__, syndicate.incremental.workers.WorkerTraceback)
    assert "in fail_in_a_worker" in str(raised.value.__cause__)


def test_meanwhile_is_done_here_once_while_workers_work():
    # What comes next (the renderers a cold build needs) is readied here while workers read.
    calls = []
    assert list(map_in_order(fail_on, range(40), (-1,), workers=2,
                             meanwhile=lambda: calls.append(os.getpid()))) == list(range(40))
    assert calls == [os.getpid()]
    # Without workers there is no wait to fill.
    assert list(map_in_order(fail_on, range(40), (-1,), workers=1, meanwhile=lambda: calls.append(0))) == list(range(40))
    assert calls == [os.getpid()]


def test_meanwhile_is_done_first_when_no_worker_starts(monkeypatch):
    # What the run does alongside the read (stating the files it listed) is never skipped.
    monkeypatch.setattr(os, "fork", no_fork)
    calls = []
    results = map_in_order(fail_on, range(40), (-1,), workers=2, meanwhile=lambda: calls.append(1))
    assert list(results) == list(range(40))
    assert calls == [1]


def test_a_workers_pipe_holds_many_chunks_of_results():
    import fcntl

    # A worker's results wait in its pipe, not the worker in its write, while
    # this process parses posts of its own.
    results, give = os.pipe()
    try:
        syndicate.incremental.workers._widen(results)
        assert fcntl.fcntl(give, fcntl.F_GETPIPE_SZ) == syndicate.incremental.workers.RESULTS_PIPE_BYTES
    finally:
        os.close(results)
        os.close(give)


@pytest.mark.parametrize("taken", [40, 1])
def test_workers_end_with_the_run(taken, tmp_path):
    # Callers take as many items as they gave, without asking for more, or
    # stop early (an exception): no worker is left running, nor a zombie.
    items = map_in_order(where, range(40), (str(tmp_path),), workers=2)
    assert [item for item, _ in (next(items) for _ in range(taken))] == list(range(taken))
    if taken < 40:
        items.close()
    workers = {int(name) for name in os.listdir(tmp_path)} - {os.getpid()}
    assert len(workers) == 1  # it began an item
    with pytest.raises(ChildProcessError):
        os.waitpid(workers.pop(), os.WNOHANG)  # waited for: no longer a child of this process


def test_worker_count(monkeypatch):
    monkeypatch.delenv(syndicate.incremental.workers.ENV, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert worker_count(10) == 1  # too few to pay for a process
    assert worker_count(50_000) == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert worker_count(50_000) == syndicate.incremental.workers.MAX_WORKERS
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert worker_count(50_000) == 1
    monkeypatch.setenv(syndicate.incremental.workers.ENV, "2")
    assert worker_count(3) == 2  # forced, however few
    monkeypatch.setenv(syndicate.incremental.workers.ENV, "0")
    assert worker_count(50_000) == 1


@pytest.mark.parametrize("error", [PostError("'date' is not a date: \"soon\"", "_posts/a.md", 3),
                                   PostError("binary file", "_posts/b.md"),
                                   ConfigError("feed.limit: expected a positive integer", "syndicate.toml", 7)])
def test_errors_cross_processes_with_file_and_line(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (back.detail, back.path, back.line, str(back)) == (error.detail, error.path, error.line, str(error))
    notice = Notice("no title", "_posts/a.md", 2)
    assert pickle.loads(pickle.dumps(notice)) == notice


# --- safe_yaml's direct path ------------------------------------------------------


@pytest.mark.parametrize("document", [
    "title: Hi\ntags: [a, b]\ndate: 2026-11-20 10:00:00 +09:00\nn: 0x1F\nok: yes\nnone: ~\nf: 1.5",
    "1: one\n2: two\nnull: x\n2026-01-01: day",
    "nested: {a: [1, {b: c}], d: 'quoted: text'}",
    "merged: {<<: {x: 1}, y: 2}",
    "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\nbin: !!binary aGk=",
    "[a, b]",
    "plain text",
    "",
    "# only a comment",
    "a: 1\n'1': 2",  # one text, two types: a key said twice to YAML
    "a: 1\n0x1: 2",
    "k: 1\nk2: 2\n? [a, b]\n: list key",
    "title: " + "[" * 60 + "]" * 60,
    "t: " + "[" * 48 + "x" + "]" * 48,  # the deepest value allowed
    "t: " + "[" * 49 + "x" + "]" * 49,  # one level deeper
    "t: " + "[" * 49 + "]" * 49,  # empty at the limit
    "t: " + "{a: " * 48 + "x" + "}" * 48,
    "t: " + "{a: " * 49 + "x" + "}" * 49,
    "\n".join(f"k{n}: v" for n in range(5_001)),  # 10,002 values
    "\n".join(f"k{n}: v" for n in range(4_999)),
    "tags: [" + ", ".join(["x"] * 10_001) + "]",
    "title: Hi\ntags: {a: 1, a: 2}",
    "n: " + "1" * 5000,
    "d: 2026-02-30",
    "a: !unknown x",
])
def test_the_direct_path_gives_what_the_checked_loader_gives(document):
    try:
        expected = yaml.load(document, Loader=safe_yaml.SafeLoader)
    except yaml.YAMLError as exc:
        with pytest.raises(type(exc)) as caught:
            safe_yaml.load(document)
        assert str(caught.value) == str(exc)
        return
    got = safe_yaml.load(document)
    assert got == expected and repr(got) == repr(expected)


FLAKY_FORK = r"""
import errno, os, sys
sys.path.insert(0, sys.argv[1])
from syndicate.incremental.workers import map_in_order
real_fork, calls = os.fork, []

def fork():
    calls.append(1)
    if len(calls) == 2:  # the process limit reached after one worker started
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")
    return real_fork()

os.fork = fork

def double(n):
    return n * 2

if __name__ == "__main__":
    print(sum(map_in_order(double, list(range(100)), (), workers=3)))
"""


def test_a_pool_that_starts_only_some_workers_leaves_no_run_waiting(tmp_path):
    """The work is done here, and the run exits: a cron run that never ends would hold the lock."""
    import subprocess
    import sys

    script = tmp_path / "flaky.py"
    script.write_text(FLAKY_FORK, encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, str(script), str(Path(syndicate.incremental.workers.__file__).parents[1])],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sum(n * 2 for n in range(100)))


def test_a_worker_without_a_watcher_thread_still_works(monkeypatch):
    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    syndicate.incremental.workers._leave_with(os.getppid())  # says nothing, raises nothing


KILLED_RUN = r"""
import os, sys, time
sys.path.insert(0, sys.argv[1])
from syndicate.incremental.workers import map_in_order

def endless(folder, item):
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(3600)  # a post that takes for ever

if __name__ == "__main__":
    list(map_in_order(endless, list(range(4)), (sys.argv[2],), workers=2))
"""


def running(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet waited for by its new parent, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.slow
def test_a_worker_ends_with_a_killed_run(tmp_path):
    # kill -9 (cron's timeout, the OOM killer) cannot stop the run's workers:
    # one in the middle of a long chunk would go on holding the site's lock.
    script = tmp_path / "killed.py"
    script.write_text(KILLED_RUN, encoding="utf-8")
    folder = tmp_path / "began"
    folder.mkdir()
    run = subprocess.Popen([sys.executable, str(script), str(REPO), str(folder)])
    try:
        for _ in range(1200):
            if len(os.listdir(folder)) == 2:
                break
            time.sleep(0.05)
        worker, = {int(name) for name in os.listdir(folder)} - {run.pid}
        assert running(worker)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    for _ in range(1200):
        if not running(worker):
            break
        time.sleep(0.05)
    assert not running(worker)
