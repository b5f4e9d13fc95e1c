"""RFC 5005 (Feed Paging and Archiving): a complete feed says so; with ``feed.archives`` the whole history is reachable.

A reader follows ``prev-archive`` from the main feed (JSON Feed: ``next_url``)
and must find every published post; each archive is a monthly document with
``fh:archive``, ``current`` and its neighbours, written only when it changes.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import BASIC_CONFIG, NOW, parse_feed

BASE = "https://example.com/blog/"
ARCHIVES = BASIC_CONFIG + "[feed]\nlimit = 2\narchives = true\n"
POSTS = {f"posts/{day}-p.md": f"---\ntitle: Post {day}\n---\nBody of {day}.\n"
         for day in ("2026-09-03", "2026-10-01", "2026-10-15", "2026-11-02")}


def build(run, root, *flags):
    result = run("build", "--site", root, "--now", NOW, *flags)
    assert result.exit_code == 0, result.output
    return result


def links(feed) -> dict[str, str]:
    return {link.rel: link.href for link in feed.feed.links}


def local(root, url: str):
    assert url.startswith(BASE), url
    return root / "public" / url[len(BASE):]


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_a_feed_with_every_post_says_it_is_complete(make_site, run, name):
    root = make_site(POSTS, config=BASIC_CONFIG + "[feed]\nlimit = 4\ncategories = true\n")
    build(run, root)
    feed = parse_feed(root / "public" / name)
    assert feed.bozo == 0 and len(feed.entries) == 4
    assert "fh_complete" in feed.feed
    assert "prev-archive" not in links(feed)


def test_a_feed_without_every_post_is_not_complete(make_site, run):
    root = make_site(POSTS, config=BASIC_CONFIG + "[feed]\nlimit = 3\n")
    build(run, root)
    for name in ("feed.xml", "atom.xml"):
        feed = parse_feed(root / "public" / name)
        assert "fh_complete" not in feed.feed and "prev-archive" not in links(feed)
    assert not (root / "public/feeds/archive").exists()  # archives are off by default


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_prev_archive_links_lead_to_every_post(make_site, run, name):
    root = make_site(POSTS, config=ARCHIVES)
    build(run, root)
    main = parse_feed(root / "public" / name)
    assert main.bozo == 0 and len(main.entries) == 2 and "fh_complete" not in main.feed
    seen, visited = {entry.title for entry in main.entries}, []
    url = links(main)["prev-archive"]
    while url:
        archive = parse_feed(local(root, url))
        assert archive.bozo == 0 and "fh_archive" in archive.feed and "fh_complete" not in archive.feed
        found = links(archive)
        assert found["current"] == BASE + "feed.xml"
        assert found["self"] == url
        if visited:
            assert found["next-archive"] == visited[-1]
        else:
            assert "next-archive" not in found  # the newest month
        visited.append(url)
        seen.update(entry.title for entry in archive.entries)
        url = found.get("prev-archive")
    assert visited == [f"{BASE}feeds/archive/2026-{month}.xml" for month in ("11", "10", "09")]
    assert seen == {f"Post {day}" for day in ("2026-09-03", "2026-10-01", "2026-10-15", "2026-11-02")}


def test_an_archive_holds_every_post_of_its_month_in_the_sites_time_zone(make_site, run):
    # 23:30 UTC on 31 October is 1 November in Seoul.
    root = make_site({**POSTS, "posts/late.md": "---\ntitle: Late\ndate: 2026-10-31 23:30:00 +0000\n---\nx\n"},
                     config=ARCHIVES.replace("limit = 2", "limit = 1"))
    build(run, root)
    november = parse_feed(root / "public/feeds/archive/2026-11.xml")
    assert [entry.title for entry in november.entries] == ["Post 2026-11-02", "Late"]


def test_json_feed_next_url_pages_through_the_same_archives(make_site, run):
    root = make_site(POSTS, config=ARCHIVES)
    build(run, root)
    document = json.loads((root / "public/feed.json").read_text(encoding="utf-8"))
    titles, pages = [item["title"] for item in document["items"]], []
    while "next_url" in document:
        pages.append(document["next_url"])
        document = json.loads(local(root, document["next_url"]).read_text(encoding="utf-8"))
        assert document["feed_url"] == pages[-1]
        titles += [item["title"] for item in document["items"]]
    assert pages == [f"{BASE}feeds/archive/2026-{month}.json" for month in ("11", "10", "09")]
    assert set(titles) == {f"Post {day}" for day in ("2026-09-03", "2026-10-01", "2026-10-15", "2026-11-02")}


def test_only_the_archive_whose_posts_changed_is_written(make_site, run):
    root = make_site(POSTS, config=ARCHIVES)
    build(run, root)
    assert "wrote" not in build(run, root, "-v").output  # nothing changed, nothing written
    (root / "posts/2026-10-01-p.md").write_text("---\ntitle: Post 2026-10-01, edited\n---\nNew.\n", encoding="utf-8")
    written = [line.split()[1] for line in build(run, root, "-v").output.splitlines() if line.startswith("wrote ")]
    assert written == ["public/feeds/archive/2026-10.xml", "public/feeds/archive/2026-10.json"]


def test_a_month_left_without_posts_loses_its_archive_and_its_neighbours_relink(make_site, run):
    root = make_site(POSTS, config=ARCHIVES.replace("limit = 2", "limit = 1"))
    build(run, root)
    (root / "posts/2026-10-01-p.md").unlink()
    (root / "posts/2026-10-15-p.md").unlink()
    result = build(run, root, "-v")
    assert "removed public/feeds/archive/2026-10.xml: no post is in this feed any more" in result.output
    assert not (root / "public/feeds/archive/2026-10.json").exists()
    assert links(parse_feed(root / "public/feeds/archive/2026-11.xml"))["prev-archive"] == \
        BASE + "feeds/archive/2026-09.xml"
    assert links(parse_feed(root / "public/feeds/archive/2026-09.xml"))["next-archive"] == \
        BASE + "feeds/archive/2026-11.xml"


def test_archives_must_be_true_or_false(make_site, run):
    root = make_site(POSTS, config=BASIC_CONFIG + '[feed]\narchives = "yes"\n')
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code != 0
    assert "syndicate.toml: feed.archives must be true or false" in result.output
