"""kill -9 at any moment of a large publish never leaves a truncated or empty feed.

Each killed run stops itself (SIGSTOP) at a step the test chooses, found by
what the run does (taking the lock, opening the Nth post, creating a
temporary file, renaming it over a feed or a state file), never by a clock;
the test then kills it with SIGKILL. However busy the machine, every run is
killed exactly there.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.conftest import BASIC_CONFIG, NOW, REPO, write_files

POST_COUNT = 300
CATEGORIES = ("news", "culture", "sports", "tech", "서울")
XML_FEEDS = ("feed.xml", "atom.xml", *(f"feeds/category/{c}.xml" for c in CATEGORIES))
JSON_FEEDS = ("feed.json", *(f"feeds/category/{c}.json" for c in CATEGORIES))  # their JSON Feed twins
FEEDS = XML_FEEDS + JSON_FEEDS
KILLED = XML_FEEDS + ("feed.json",)  # every twin is written as feed.json is
STATE = ("posts-index.json", "last-run-files.txt", "last-run-posts.json", "last-run.json")

# `python -m syndicate`, stopping itself with SIGSTOP at $STOP_AT, "<step> <name>#<n>:<before|after>":
# before or after the nth call of that step. Steps: "flock lock", "flock unlock"
# (the site's lock), "read post" (a post file opened), "mkstemp NAME" (the
# temporary file for NAME made, empty), "replace NAME" (it renamed over NAME).
# It says where on stdout first; its other threads stop with it.
STOPPING = r"""
import fcntl, os, pathlib, runpy, signal, tempfile, threading

point, _, when = os.environ["STOP_AT"].rpartition(":")
step, _, nth = point.rpartition("#")
seen = {}
guard = threading.Lock()


def stop():
    os.write(1, f"stopped at {point}:{when}\n".encode())
    # To this thread, which then stops at once; the others stop a moment later
    # (a signal to the process could leave this thread running on).
    signal.pthread_kill(threading.get_ident(), signal.SIGSTOP)
    threading.Event().wait()  # and never goes on, whatever happens to the signal


def hook(owner, name, step_of):
    real = getattr(owner, name)

    def call(*args, **kwargs):
        with guard:
            this = step_of(*args, **kwargs)
            seen[this] = seen.get(this, 0) + 1
            here = this == step and seen[this] == int(nth)
        if here and when == "before":
            stop()
        result = real(*args, **kwargs)
        if here and when == "after":
            stop()
        return result

    setattr(owner, name, call)


hook(fcntl, "flock", lambda fd, operation: "flock unlock" if operation & fcntl.LOCK_UN else "flock lock")
hook(pathlib.Path, "open", lambda path, *args, **kwargs: "read post" if path.suffix == ".md" else "open")
hook(tempfile, "mkstemp", lambda *args, **kwargs: "mkstemp " + kwargs.get("prefix", "")[1:-1])
hook(os, "replace", lambda source, target, **kwargs: "replace " + os.path.basename(target))
runpy.run_module("syndicate", run_name="__main__", alter_sys=True)
"""
MID_WRITE = ("mkstemp", "after"), ("replace", "before")  # a temporary file beside the old feed
WRITTEN = ("replace", "after"),
KILL_POINTS = [
    "flock lock#1:before",  # starting
    "flock lock#1:after",  # the lock held, nothing read
    "read post#1:before",  # reading
    f"read post#{POST_COUNT}:before",
    # Every feed: its temporary file empty, full, renamed over it.
    *(f"{step} {Path(feed).name}#1:{when}" for feed in KILLED for step, when in (*MID_WRITE, *WRITTEN)),
    # The state files, after the feeds.
    *(f"{step} {name}#1:{when}" for name in STATE for step, when in (*MID_WRITE, *WRITTEN)),
    "flock unlock#1:before",  # all written, the lock still held
]


def large_site(root: Path) -> None:
    """300 posts in five categories; every feed holds every post, in full."""
    posts = {}
    for number in range(POST_COUNT):
        day = 1 + number % 28
        month = 1 + (number // 28) % 10
        paragraphs = "\n\n".join(f"Paragraph {p} of post {number}: " + "서울 뉴스 " * 20 for p in range(3))
        posts[f"posts/2026-{month:02d}-{day:02d}-post-{number}.md"] = (
            f"---\ntitle: Post {number}\ncategories: [{CATEGORIES[number % len(CATEGORIES)]}]\n"
            f"excerpt: Summary of post {number}.\n---\n{paragraphs}\n")
    write_files(root, posts)


def config(run: int) -> str:
    # A new description each run changes every feed, so every run rewrites them all.
    return BASIC_CONFIG.replace('description = "A site for tests."', f'description = "Run {run}."') + (
        "\n[feed]\nlimit = 300\ncategories = true\n")


def publish(root: Path) -> None:
    """A run left alone."""
    done = subprocess.run([sys.executable, "-m", "syndicate", "publish", "--site", str(root), "--now", NOW],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr


def kill_at(root: Path, point: str, command: tuple[str, ...] = ("publish",)) -> None:
    """Start a run of ``command``, let it stop itself at ``point``, and kill it there with SIGKILL."""
    child = subprocess.Popen([sys.executable, "-c", STOPPING, *command, "--site", str(root), "--now", NOW],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO,
                             env={**os.environ, "STOP_AT": point})
    watchdog = threading.Timer(120, child.kill)  # a run that hangs ends the wait, and the test fails
    watchdog.start()
    try:
        with child.stdout:
            said = b""
            for said in iter(child.stdout.readline, b""):
                if said.startswith(b"stopped at "):
                    break
            assert said.decode() == f"stopped at {point}\n", f"the run ended without reaching {point}"
            child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    finally:
        watchdog.cancel()
        child.kill()
        child.wait()


def outputs(root: Path) -> dict[str, bytes]:
    out = root / "public"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def assert_whole(root: Path, reader: bool = False) -> None:
    """Every feed there is complete XML with all its entries; the state files are whole JSON.

    lxml's strict parser fails on any truncated file; ``reader`` also has
    feedparser read each feed, as a feed reader would (slower).
    """
    feeds = {p.relative_to(root / "public").as_posix() for p in (root / "public").rglob("*.xml")}
    assert feeds == set(XML_FEEDS)
    for name in JSON_FEEDS:
        items = json.loads((root / "public" / name).read_bytes())["items"]  # raises on a truncated file
        assert len(items) == (POST_COUNT if name == "feed.json" else POST_COUNT // len(CATEGORIES))
    for name in feeds:
        data = (root / "public" / name).read_bytes()
        assert data, f"{name} is empty"
        tree = etree.fromstring(data)  # raises on a truncated file
        entries = len(tree.findall("channel/item")) or len(tree.findall("{http://www.w3.org/2005/Atom}entry"))
        assert entries == (POST_COUNT if name in ("feed.xml", "atom.xml") else POST_COUNT // len(CATEGORIES))
        if reader and name in ("feed.xml", "atom.xml"):
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0 and len(parsed.entries) == entries, name
    for path in (root / ".syndicate").glob("*.json"):
        json.loads(path.read_bytes())


@pytest.mark.slow
def test_sigkill_at_chosen_moments_never_leaves_a_broken_feed(tmp_path):
    root = tmp_path / "site"
    large_site(root)
    (root / "syndicate.toml").write_text(config(0), encoding="utf-8")
    publish(root)
    assert_whole(root, reader=True)
    # Run n's feeds are run 0's with its description: each feed can be told
    # byte for byte, as the one a run left alone writes, or not.
    first = outputs(root)
    assert sorted(first) == sorted(FEEDS) and all(data.count(b"Run 0.") == 1 for data in first.values())

    def by_run(run: int) -> dict[str, bytes]:
        return {name: data.replace(b"Run 0.", f"Run {run}.".encode()) for name, data in first.items()}

    on_disk = dict.fromkeys(FEEDS, 0)  # which run wrote each feed
    kills = interrupted = 0
    for run, point in enumerate(KILL_POINTS, start=1):
        (root / "syndicate.toml").write_text(config(run), encoding="utf-8")
        kill_at(root, point)
        kills += 1
        assert_whole(root)
        found = outputs(root)
        for name in FEEDS:
            # Whole, and the old run's or this one's, never anything else.
            writer = int(re.search(rb"Run (\d+)\.", found[name])[1])
            assert writer in (on_disk[name], run) and found[name] == by_run(writer)[name], (point, name)
            on_disk[name] = writer
        words, _, when = point.rpartition(":")
        step, target = words.split("#")[0].split(" ")
        feed = next((name for name in FEEDS if Path(name).name == target), None)
        if feed and (step, when) in MID_WRITE:
            assert on_disk[feed] != run, point  # the old feed, whole
            # and the new one, unfinished, beside it
            assert list((root / "public" / feed).parent.glob(f".{target}.*.tmp")), point
            interrupted += 1
        if feed and (step, when) in WRITTEN:
            assert on_disk[feed] == run, point
        if point.startswith(("flock lock", "read post")):
            assert run not in on_disk.values(), point  # nothing written yet
        if target in STATE or point.startswith("flock unlock"):
            assert set(on_disk.values()) == {run}, point  # every feed written first
        for leftover in (root / "public").rglob(".*.tmp"):
            leftover.unlink()
        if target in STATE or point.startswith("flock unlock"):
            # State files written in part: the same run, left alone, writes
            # what a run never interrupted writes.
            publish(root)
            assert outputs(root) == by_run(run), point
            on_disk = dict.fromkeys(FEEDS, run)
    assert kills == len(KILL_POINTS) >= 20
    assert interrupted == len(KILLED) * len(MID_WRITE) >= 5

    # A last run, left alone, brings every feed up to date: the bytes of a
    # site that was never interrupted.
    (root / "syndicate.toml").write_text(config(999), encoding="utf-8")
    publish(root)
    assert_whole(root, reader=True)
    clean = tmp_path / "clean"
    large_site(clean)
    (clean / "syndicate.toml").write_text(config(999), encoding="utf-8")
    publish(clean)
    assert outputs(root) == outputs(clean) == by_run(999)
    assert not list((root / "public").rglob(".*.tmp"))


LEFTOVER = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def leftovers(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if LEFTOVER.match(p.name))


@pytest.mark.slow
@pytest.mark.parametrize("command, point", [
    (("build",), "mkstemp feed.xml#1:after"),
    (("build",), "mkstemp news.xml#1:after"),
    (("build",), "mkstemp posts-index.json#1:after"),
    (("publish",), "mkstemp atom.xml#1:after"),
    (("digest", "--week", "2026-W40"), "mkstemp latest.html#1:after"),
])
def test_every_writing_command_removes_what_its_killed_runs_left(tmp_path, command, point):
    root = tmp_path / "site"
    write_files(root, {"syndicate.toml": config(0),
                       "posts/2026-10-01-one.md": "---\ntitle: One\ncategories: [news]\n---\nx\n",
                       "posts/2026-10-02-two.md": "---\ntitle: Two\n---\ny\n"})
    publish(root)  # the posts index exists: the next full run fills it
    (root / "syndicate.toml").write_text(config(1), encoding="utf-8")  # every feed to write again
    kill_at(root, point, command)
    assert leftovers(root)  # the one it was writing, and those its other threads had begun
    others = [root / "public" / ".feed.xml.tmp", root / "public" / "notes.tmp", root / ".syndicate" / ".x.12345678.tmp.bak"]
    for path in others:
        path.write_text("not syndicate's")
    done = subprocess.run([sys.executable, "-m", "syndicate", *command, "--site", str(root), "--now", NOW],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert leftovers(root) == []
    assert all(path.read_text() == "not syndicate's" for path in others)
