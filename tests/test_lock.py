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
# A child process that takes the site's lock, says so, and holds it.
HOLDER = """
import sys, time
from pathlib import Path
from syndicate.sources.config import load_site
from syndicate.commands.lock import site_lock
with site_lock(load_site(Path(sys.argv[1]))) as held:
    print(type(held).__name__, flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def root(make_site):
    return make_site(POSTS, config=BASIC_CONFIG + "\n[publish]\nlock_timeout = 1\n")


def hold(root: Path, seconds: float) -> subprocess.Popen:
    """Start a process holding the lock; return once it has it."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(root), str(seconds)],
                             stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert child.stdout.readline().strip() == "Held"
    child.stdout.close()
    return child


def publish(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "syndicate", "publish", "--site", str(root), "--now", NOW, *args],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


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


def test_run_that_cannot_get_the_lock_does_nothing_and_exits_0(root):
    holder = hold(root, 10)
    try:
        result = publish(root)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (f"another syndicate run holds .syndicate/lock (pid {holder.pid} since "
                             f"{result.stdout.split(' since ')[1].split(')')[0]}); waited 1 s, this run did nothing\n")
    assert not (root / "public").exists()


def test_run_waits_for_a_short_holder(root):
    holder = hold(root, 0.3)
    try:
        result = publish(root, "-v")
    finally:
        holder.wait()
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
    holder = hold(root, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    result = publish(root, "-v")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 10
    assert f"took over .syndicate/lock from pid {holder.pid}" in result.stdout
    assert "lock: waited" not in result.stdout
    assert (root / ".syndicate/lock").read_text() == ""  # released at the end
