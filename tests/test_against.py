"""``syndicate check --against FEED``: the feed subscribers read now, against what syndicate would publish.

The old feed is jekyll-feed's own (``jekyll build`` of a fixture site, served
from 127.0.0.1) or one syndicate wrote before a change; each case is one
thing a migration can do to readers.
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import BASIC_CONFIG, NOW
from tests.test_jekyll import SITES, jekyll_build

SITE = "minimal-mistakes"


@pytest.fixture(scope="module")
def jekyll_feed(tmp_path_factory) -> Path:
    """jekyll-feed's feed.xml of the minimal-mistakes-like fixture site."""
    work = tmp_path_factory.mktemp("oracle")
    source = work / "source"
    shutil.copytree(SITES / SITE, source)
    jekyll_build(source, work / "_site")
    return work / "_site" / "feed.xml"


@pytest.fixture
def served(jekyll_feed):
    """The oracle's output folder served over HTTP on 127.0.0.1; yields its base URL."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(jekyll_feed.parent))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITES / SITE, root)
    return root


@pytest.mark.slow
def test_the_same_site_keeps_every_id_of_jekyll_feed(site, served, run):
    result = run("check", "--site", site, "--now", NOW, "--against", served + "feed.xml")
    assert result.exit_code == 0, result.output
    assert "compared 10 entries" in result.output and "10 keep their ids, 0 do not" in result.output
    assert "would be shown again" in result.output


@pytest.mark.slow
def test_a_changed_permalink_is_every_post_shown_again(site, jekyll_feed, run):
    with (site / "_config.yml").open("a", encoding="utf-8") as config:
        config.write("\npermalink: /:year/:title/\n")
    result = run("check", "--site", site, "--now", NOW, "--against", str(jekyll_feed))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if ": id changes: " in line]
    assert lines, result.output
    assert all("feed readers would show" in line and "again as new" in line for line in lines)
    assert any(line.startswith("_posts/2024-03-12-the-newest.md: id changes: ") for line in lines)


def test_an_rss_feed_syndicate_wrote_before_keeps_its_ids(make_site, run, tmp_path):
    posts = {f"posts/2026-11-{day:02d}-post-{day}.md": f"---\ntitle: Post {day}\n---\nBody {day}.\n"
             for day in range(1, 6)}
    root = make_site(posts, config=BASIC_CONFIG)
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    old = tmp_path / "old-feed.xml"
    shutil.copy(root / "public" / "feed.xml", old)
    (root / "posts" / "2026-11-02-post-2.md").unlink()
    (root / "posts" / "2026-11-06-new.md").write_text("---\ntitle: New\n---\nNew.\n", encoding="utf-8")
    result = run("check", "--site", root, "--now", NOW, "--against", str(old))
    assert result.exit_code == 0, result.output
    assert "vanishes: https://example.com/blog/2026/11/02/post-2.html (\"Post 2\")" in result.output
    assert "appears: https://example.com/blog/2026/11/06/new.html (posts/2026-11-06-new.md)" in result.output
    assert "compared 5 entries" in result.output and "4 keep their ids, 1 do not" in result.output


def test_an_id_given_in_front_matter_that_changes_is_an_error(make_site, run, tmp_path):
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\nid: tag:example.com,2026:a\n---\nA.\n"},
                     config=BASIC_CONFIG)
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    old = tmp_path / "old.xml"
    shutil.copy(root / "public" / "atom.xml", old)
    (root / "posts" / "2026-11-01-a.md").write_text("---\ntitle: A\n---\nA.\n", encoding="utf-8")
    result = run("check", "--site", root, "--now", NOW, "--against", str(old))
    assert result.exit_code == 1
    assert ("posts/2026-11-01-a.md: id changes: tag:example.com,2026:a → https://example.com/blog/2026/11/01/a.html; "
            "feed readers would show \"A\" again as new") in result.output


@pytest.mark.parametrize("feed, message", [
    ("missing.xml", "missing.xml: cannot read the feed: No such file or directory"),
    ("not-xml.xml", "not-xml.xml:1: not XML: "),
    ("html.xml", "html.xml: neither an Atom feed nor an RSS 2.0 feed (its root is <html>)"),
])
def test_a_feed_that_cannot_be_read_is_one_line(make_site, run, tmp_path, monkeypatch, feed, message):
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\n---\nA.\n"}, config=BASIC_CONFIG)
    (tmp_path / "not-xml.xml").write_text("this is not < xml", encoding="utf-8")
    (tmp_path / "html.xml").write_text("<html><body>Moved</body></html>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("check", "--site", root, "--now", NOW, "--against", feed)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if not line.startswith("failed:")]
    assert len(errors) == 1 and errors[0].startswith(message), result.output
    assert "Traceback" not in result.output


def test_an_unreachable_url_is_one_line(make_site, run):
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\n---\nA.\n"}, config=BASIC_CONFIG)
    port = _free_port()
    result = run("check", "--site", root, "--now", NOW, "--against", f"http://127.0.0.1:{port}/feed.xml")
    assert result.exit_code == 1
    assert result.output.startswith(f"http://127.0.0.1:{port}/feed.xml: cannot fetch the feed: ")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_line_names_the_option():
    done = subprocess.run(["syndicate", "check", "--help"], capture_output=True, text=True, timeout=60)
    assert "--against FEED" in done.stdout
