"""The example site in posts/ builds into valid feeds."""

from __future__ import annotations

import shutil

import feedparser

from tests.conftest import NOW, REPO


def test_example_site_builds(tmp_path, run):
    site = tmp_path / "example"
    shutil.copytree(REPO / "posts", site / "posts")
    shutil.copytree(REPO / "assets", site / "assets")
    shutil.copy(REPO / "syndicate.toml", site)
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    rss = feedparser.parse((site / "public" / "feed.xml").read_bytes())
    atom = feedparser.parse((site / "public" / "atom.xml").read_bytes())
    assert rss.bozo == 0 and atom.bozo == 0
    assert [e.title for e in rss.entries] == [e.title for e in atom.entries]
    assert len(rss.entries) == 4  # the scheduled post and the draft stay out
