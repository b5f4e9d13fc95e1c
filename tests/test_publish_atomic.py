"""kill -9 at any moment of a large publish never leaves a truncated or empty feed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
from lxml import etree

from tests.conftest import BASIC_CONFIG, NOW, REPO, write_files

POST_COUNT = 300
KILLS = 100
TIME_BUDGET = 30.0  # seconds for all the killed runs together
CATEGORIES = ("news", "culture", "sports", "tech", "서울")


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


def publish(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "syndicate", "publish", "--site", str(root), "--now", NOW],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)


def assert_whole(root: Path, expected_feeds: set[str], reader: bool = False) -> None:
    """Every feed there is complete XML with all its entries; the state files are whole JSON.

    lxml's strict parser fails on any truncated file; ``reader`` also has
    feedparser read each feed, as a feed reader would (slower).
    """
    feeds = {p.relative_to(root / "public").as_posix() for p in (root / "public").rglob("*.xml")}
    assert feeds == expected_feeds
    for name in feeds:
        data = (root / "public" / name).read_bytes()
        assert data, f"{name} is empty"
        tree = etree.fromstring(data)  # raises on a truncated file
        entries = len(tree.findall("channel/item")) or len(tree.findall("{http://www.w3.org/2005/Atom}entry"))
        assert entries == (POST_COUNT if name in ("feed.xml", "atom.xml") else POST_COUNT // len(CATEGORIES))
        if reader and name in ("feed.xml", "atom.xml"):
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0 and len(parsed.entries) == entries, name
    for name in ("posts-index.json",):
        path = root / ".syndicate" / name
        if path.exists():
            json.loads(path.read_bytes())


def writing(root: Path, child: subprocess.Popen) -> None:
    """Return as soon as a temporary file shows that ``child`` writes a feed (or it ended)."""
    folders = [root / "public", root / "public/feeds/category"]
    while child.poll() is None:
        for folder in folders:
            try:
                if any(name.endswith(".tmp") for name in os.listdir(folder)):
                    return
            except FileNotFoundError:
                pass
        time.sleep(0.0005)


def test_sigkill_at_random_moments_never_leaves_a_broken_feed(tmp_path):
    root = tmp_path / "site"
    large_site(root)
    (root / "syndicate.toml").write_text(config(0), encoding="utf-8")
    started = time.monotonic()
    first = publish(root)
    assert first.wait(timeout=120) == 0
    duration = time.monotonic() - started
    expected = {"feed.xml", "atom.xml", *(f"feeds/category/{c}.xml" for c in CATEGORIES)}
    assert_whole(root, expected, reader=True)

    rng = random.Random(20261125)
    deadline = time.monotonic() + TIME_BUDGET
    kills = interrupted = 0
    for run in range(1, KILLS + 1):
        if time.monotonic() > deadline:
            break
        (root / "syndicate.toml").write_text(config(run), encoding="utf-8")
        child = publish(root)
        if run % 2:
            # Anywhere in the run: starting, reading, rendering, writing, done.
            time.sleep(rng.uniform(0.1, 1.1) * duration)
        else:
            # While the feeds are being written, the moment that matters most.
            writing(root, child)
            time.sleep(rng.uniform(0, 0.02))
        child.send_signal(signal.SIGKILL)
        code = child.wait()
        kills += code == -signal.SIGKILL
        assert code in (0, -signal.SIGKILL)
        assert_whole(root, expected)
        # A temporary file left beside the feeds is a run killed while writing.
        interrupted += any(p.suffix == ".tmp" for p in (root / "public").rglob(".*"))
        for leftover in (root / "public").rglob(".*.tmp"):
            leftover.unlink()
    assert kills >= 20, f"only {kills} runs were killed mid-way"
    assert interrupted >= 5, f"only {interrupted} runs were killed while writing"

    # A last run, left alone, brings every feed up to date.
    (root / "syndicate.toml").write_text(config(999), encoding="utf-8")
    assert publish(root).wait(timeout=120) == 0
    assert_whole(root, expected, reader=True)
    for name in expected:
        assert b"Run 999." in (root / "public" / name).read_bytes()
