"""Runs leave no cyclic garbage that grows with the site.

The console script runs with Python's cycle collector off (cli.main): only
reference counting frees memory. That is safe only while nothing that is
done per post leaves objects in reference cycles, which these tests hold
the code to, through every path a post can take: plain front matter, YAML
anchors (the checked loader), broken and dateless posts, TOML, a cold run,
one that fills the posts index and one answered by it, and a partial run.
"""

from __future__ import annotations

import gc
import os
import time

import pytest

from syndicate.commands.build import build
from syndicate.commands.run import resolve_now
from syndicate.sources.config import load_site
from syndicate.sources.posts import load_posts
from tests.conftest import BASIC_CONFIG, NOW, age, write_files


def posts(count: int, every_kind: bool = True) -> dict[str, str]:
    """``count`` posts of every kind a run reads differently, by file name.

    ``every_kind=False`` leaves out broken and dateless posts: a run with
    errors keeps no record, so the next run is never a partial one, and one
    that dates a post writes first-seen.json, which the next run, a moment
    later, does not trust to a record either.
    """
    files = {}
    for number in range(count):
        day = f"2026-{number % 9 + 1:02d}-{number % 27 + 1:02d}"
        kind = number % 5
        if kind == 0:
            files[f"posts/{day}-plain-{number}.md"] = (
                f"---\ntitle: 서울 소식 {number}\ncategories: [news, 세계]\ntags: a b\n"
                f"excerpt: >\n  요약 {number}\nimage: /assets/img/{number}.png\n---\n\n본문 [link](/x/{number}).\n")
        elif kind == 1:  # an anchor: the checked loader, not the plain one
            files[f"posts/{day}-anchor-{number}.md"] = (
                f"---\ntitle: Anchored {number}\nbase: &who {{name: Kim}}\nauthor: *who\n---\n\nBody.\n")
        elif kind == 2 and every_kind:  # broken YAML: an error, with its line
            files[f"posts/{day}-broken-{number}.md"] = f"---\ntitle: [unclosed {number}\n---\n\nBody.\n"
        elif kind == 3 and every_kind:  # no date at all
            files[f"posts/undated-{number}.md"] = f"---\ntitle: Undated {number}\n---\n\n<p>Body&nbsp;{number}</p>\n"
        else:
            files[f"posts/{day}-toml-{number}.md"] = f"+++\ntitle = \"TOML {number}\"\ndraft = false\n+++\n\nBody.\n"
    return files


def garbage_of(action) -> int:
    """How many objects ``action`` leaves in reference cycles, found with the collector off meanwhile."""
    gc.collect()
    gc.disable()
    try:
        kept = action()  # what the action returns is alive, so not counted
        found = gc.collect()
        del kept
    finally:
        gc.enable()
    return found


@pytest.fixture
def site_of(tmp_path, monkeypatch):
    """A new site of ``count`` posts, read in this process (workers' garbage would not be seen here)."""
    monkeypatch.setenv("SYNDICATE_WORKERS", "1")
    made = iter(range(1000))

    def make(count: int, every_kind: bool = True):
        root = tmp_path / f"site-{next(made)}"
        write_files(root, {"syndicate.toml": BASIC_CONFIG, **posts(count, every_kind)})
        age(root)
        return load_site(root)

    return make


def test_reading_posts_leaves_no_cyclic_garbage(site_of):
    site = site_of(25)
    now = resolve_now(NOW, site)
    load_posts(site, now)  # imports and caches first
    assert garbage_of(lambda: load_posts(site, now)) == 0


def test_a_command_keeps_its_posts_for_the_exit_until_the_next_command(site_of):
    """The console script ends without freeing a run's posts (commands.run.leave_to_exit); a process of many runs
    keeps one run's, not every run's."""
    import weakref

    from syndicate.commands import run

    site = site_of(5, every_kind=False)
    now = resolve_now(NOW, site)
    build(site, now)
    feeds = weakref.ref(run._left[0])
    assert len(feeds().loaded.posts) == 5
    (site.state_dir / "last-run.json").unlink()  # a full run again
    build(site, now)
    assert feeds() is None
    assert len(run._left[0].loaded.posts) == 5


@pytest.mark.slow
def test_a_run_leaves_as_much_garbage_for_many_posts_as_for_few(site_of):
    def runs(site) -> list[int]:
        now = resolve_now(NOW, site)
        outcomes = []

        def run() -> None:
            outcomes.append(build(site, now))

        def full() -> None:
            (site.state_dir / "last-run.json").unlink()  # the last run's record would answer
            run()

        found = [garbage_of(run), garbage_of(full), garbage_of(full), garbage_of(run)]
        edited = sorted(site.posts_dir.glob("*-plain-*.md"))[-1]
        write_files(site.posts_dir, {edited.name: edited.read_text(encoding="utf-8") + "\nMore.\n"})
        os.utime(edited, (time.time() - 60,) * 2)
        found.append(garbage_of(run))
        # Cold, filling the index, from the index, nothing changed, one post changed:
        assert [outcome.errors for outcome in outcomes] == [[]] * 5
        assert "no post read" in outcomes[3].decisions[0]
        assert "1 post file(s) changed since the last run" in outcomes[4].decisions[-1]
        return found

    runs(site_of(5, every_kind=False))  # imports and caches first
    few = runs(site_of(20, every_kind=False))
    many = runs(site_of(80, every_kind=False))
    assert many == few
    assert max(many) < 100  # a few closures per run, not per post
