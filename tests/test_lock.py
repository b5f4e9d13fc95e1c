"""One run at a time: the lock in .syndicate/, waited for, given up on, taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from syndicate.sources.config import load_site
from syndicate.commands.lock import Busy, Held, site_lock
from tests.conftest import BASIC_CONFIG, NOW, REPO

POSTS = {f"posts/2026-11-{day:02d}-post-{day}.md": f"---\ntitle: Post {day}\n---\nBody {day}.\n"
         for day in range(1, 11)}
# A child process that takes the site's lock, says so, and holds it until its
# stdin is closed: the test, not a clock, says when it lets go.
HOLDER = """
import sys
from pathlib import Path
from syndicate.sources.config import load_site
from syndicate.commands.lock import site_lock
with site_lock(load_site(Path(sys.argv[1]))) as held:
    print(type(held).__name__, flush=True)
    sys.stdin.read()
"""
# `python -m syndicate`, with each attempt that found the lock taken (flock
# failing with EWOULDBLOCK) noted in the file $BUSY_LOG: what a test waits
# for, instead of guessing how long a run takes to start.
PUBLISH = """
import errno, fcntl, os, runpy
real = fcntl.flock

def flock(fd, operation):
    try:
        return real(fd, operation)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
            with open(os.environ["BUSY_LOG"], "a") as log:
                log.write("busy\\n")
        raise

fcntl.flock = flock
runpy.run_module("syndicate", run_name="__main__", alter_sys=True)
"""
POLLS = 1200  # of 0.05 s: a minute, for what an idle machine does in a fraction of a second


@pytest.fixture
def root(make_site):
    return make_site(POSTS, config=BASIC_CONFIG + "\n[publish]\nlock_timeout = 1\n")


def hold(root: Path) -> subprocess.Popen:
    """Start a process holding the lock; return once it has it. ``release`` lets it go."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert child.stdout.readline().strip() == "Held"
    child.stdout.close()
    return child


def release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    assert holder.wait(timeout=60) == 0


def start_publish(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PUBLISH, "publish", "--site", str(root), "--now", NOW, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "BUSY_LOG": str(busy_log(root))})


def busy_log(root: Path) -> Path:
    """Where ``start_publish``'s runs note each attempt that found the lock taken."""
    return root.parent / "busy.log"


def finish(run: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = run.communicate(timeout=60)
    return subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)


def publish(root: Path, *args: str) -> subprocess.CompletedProcess:
    return finish(start_publish(root, *args))


def test_second_holder_in_one_process_is_busy(root):
    site = load_site(root)
    pauses: list[float] = []
    elapsed = [0.0]

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        elapsed[0] += seconds

    with site_lock(site) as first:
        assert isinstance(first, Held)
        with site_lock(site, timeout=1, sleep=sleep, clock=lambda: elapsed[0]) as second:
            assert isinstance(second, Busy)
            assert f"pid {os.getpid()} since" in second.holder
    assert pauses and sum(pauses) == pytest.approx(1.0)
    with site_lock(site, timeout=0) as third:
        assert isinstance(third, Held)  # released on leaving the block


@pytest.mark.slow
def test_run_that_cannot_get_the_lock_does_nothing_and_exits_0(root):
    holder = hold(root)
    try:
        who = (root / ".syndicate/lock").read_text().strip()
        started = time.monotonic()
        result = publish(root)
        took = time.monotonic() - started
    finally:
        release(holder)
    assert who.startswith(f"pid {holder.pid} since ")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # It waited lock_timeout (1 s) and gave up; the number is rounded from
    # the time it measured, which a busy machine may stretch past 1.5 s.
    waited = result.stdout.rpartition("; waited ")[2].split(" ")[0]
    assert waited.isdigit() and 1 <= int(waited) <= took + 0.5, result.stdout
    assert result.stdout == (f"another syndicate run holds .syndicate/lock ({who}); "
                             f"waited {waited} s, this run did nothing\n")
    assert "busy" in busy_log(root).read_text()  # it did find the lock taken
    assert not (root / "public").exists()


def test_run_waits_for_a_short_holder(make_site):
    # The holder lets go only once the run has found the lock taken; the run
    # would wait a minute for it.
    root = make_site(POSTS, config=BASIC_CONFIG + "\n[publish]\nlock_timeout = 60\n")
    holder = hold(root)
    run = None
    try:
        run = start_publish(root, "-v")
        for _ in range(POLLS):
            if busy_log(root).exists() or run.poll() is not None:
                break
            time.sleep(0.05)
        assert busy_log(root).exists(), "the run never found the lock taken"
    finally:
        release(holder)
        result = finish(run) if run is not None else None
    assert result.returncode == 0, result.stderr
    assert "wrote public/feed.xml" in result.stdout
    assert "lock: waited" in result.stdout


def test_two_concurrent_runs_never_interleave(root):
    runs = [subprocess.Popen([sys.executable, "-m", "syndicate", "publish", "--site", str(root), "--now", NOW],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
            for _ in range(2)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    written = [out.count("wrote public/feed.xml") for out, _ in outputs]
    # One run wrote the feeds; the other waited and found nothing to do, or
    # gave up waiting. Never both writing.
    assert sorted(written) == [0, 1]
    assert feedparser.parse((root / "public/feed.xml").read_bytes()).bozo == 0


def test_stale_lock_of_a_dead_process_is_taken_over(root):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (root / ".syndicate").mkdir()
    (root / ".syndicate/lock").write_text(f"pid {dead.pid} since 2026-11-25T00:00:00+00:00\n")
    result = publish(root, "-v")
    assert result.returncode == 0, result.stderr
    assert "wrote public/feed.xml" in result.stdout
    assert f"lock: took over .syndicate/lock from pid {dead.pid} (no longer running)" in result.stdout


def test_lock_of_a_killed_run_is_taken_over_at_once(root):
    holder = hold(root)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdin.close()
    result = publish(root, "-v")
    assert result.returncode == 0, result.stderr
    assert f"took over .syndicate/lock from pid {holder.pid}" in result.stdout
    # At once: its first attempt had the lock (the kernel let go with the
    # killed process), where "lock: waited" would depend on how soon the
    # machine ran this run's next few lines.
    assert not busy_log(root).exists()
    assert (root / ".syndicate/lock").read_text().strip() == ""  # released at the end, in place
