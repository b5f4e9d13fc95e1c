"""Hugo's feeds and lists as Hugo 0.111 writes them: which feeds, their titles, their items' order.

tests/hugo/feeds is a site of one construct per page: weights, ties in date
(broken by title, linkTitle, then path), pages without a date, ``_build``
options, custom taxonomies (``series``, ``authors``), sections titled by
their ``_index.md``, by none, or by their name made plural. test_hugo.py
compares every entry of every feed Hugo writes of it (and of every fixture)
with syndicate's; here are the channel titles it does not compare, what a
reader sees in a few feeds, spelled out, and the settings that take feeds
away (``disableKinds``, ``[outputs]``, ``[taxonomies]``), each built by Hugo.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import lxml.etree
import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from tests.conftest import age, parse_feed
from tests.test_hugo import (NAMES, NOW, SITES, assert_edited_feeds_are_hugos, built,  # noqa: F401 (a fixture)
                              edited_copy, entries, hugo_build, post_feeds, syndicate_build)

YEAR_ONE = datetime(1, 1, 1, tzinfo=timezone.utc)
TITLE = 'title = "Feeds Fixture"\n'  # where a top-level key goes in the fixture's hugo.toml


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> tuple[Path, Path]:
    """The feeds fixture built by Hugo (its public folder) and by syndicate after Hugo (the site's)."""
    work = tmp_path_factory.mktemp("feeds")
    source, site = work / "hugo-source", work / "site"
    shutil.copytree(SITES / "feeds", source)
    hugo_build(source, work / "oracle")
    shutil.copytree(SITES / "feeds", site)
    hugo_build(site, site / "public")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    return work / "oracle", site / "public"


def titles(path: Path) -> list[str]:
    """The titles of a feed's entries, in order; syndicate's feed (its copy of the site holds Hugo's too)."""
    assert parse_feed(path).feed.generator == "syndicate", path
    return [entry["title"] for entry in entries(path)]


def test_every_feed_is_titled_as_hugos(feeds):
    """A section's title from its _index.md, else its name capitalised and plural; a term as first written."""
    oracle, ours = feeds
    found = post_feeds(oracle)
    assert {"series/go-in-practice/index.xml", "authors/jane-doe/index.xml", "series/index.xml"} <= set(found)
    for path in found:
        assert parse_feed(ours / path).feed.title == parse_feed(oracle / path).feed.title, path
    assert parse_feed(ours / "posts/index.xml").feed.title == "Writing on Feeds Fixture"  # _index.md's title
    assert parse_feed(ours / "diary/index.xml").feed.title == "Diaries on Feeds Fixture"
    assert parse_feed(ours / "my-notes/index.xml").feed.title == "My-notes on Feeds Fixture"
    assert parse_feed(ours / "posts/deep/index.xml").feed.title == "Feeds Fixture"  # an untitled _index.md
    assert parse_feed(ours / "series/go-in-practice/index.xml").feed.title == "Go in Practice on Feeds Fixture"
    assert parse_feed(ours / "tags/index.xml").feed.title == "Topics on Feeds Fixture"


@pytest.mark.parametrize("name", NAMES)
def test_every_fixtures_feeds_are_titled_as_hugos(built, name):
    """Every fixture's feeds, the home one too ("Home on Fixture Blog": content/_index.md titles it)."""
    site = built[name]
    for path in post_feeds(site.oracle):
        assert parse_feed(site.site / "public" / path).feed.title == parse_feed(site.oracle / path).feed.title, path


def test_custom_taxonomies_have_their_feeds(feeds):
    """``series`` and ``authors``: a feed per term, urlized as Hugo urlizes it, with the pages that have it."""
    _, ours = feeds
    assert titles(ours / "series/go-in-practice/index.xml") == ["Series, part two", "Series, part one"]
    assert titles(ours / "authors/jane-doe/index.xml") == ["Series, part one"]
    assert titles(ours / "tags/c++-tips/index.xml") == ["Series, part one"]


def test_a_taxonomys_feed_lists_its_terms(feeds):
    """tags/index.xml: an item per term, linked to its page, dated by its newest page, newest first."""
    _, ours = feeds
    assert parse_feed(ours / "tags/index.xml").feed.generator == "syndicate"
    items = entries(ours / "tags/index.xml")
    assert [(item["title"], item["link"], item["published"]) for item in items] == [
        ("Kept", "https://feeds.example.org/tags/kept/", datetime(2023, 3, 1, 8, tzinfo=timezone.utc)),
        ("C++ Tips", "https://feeds.example.org/tags/c++-tips/", datetime(2022, 5, 1, 8, tzinfo=timezone.utc)),
        ("Undated", "https://feeds.example.org/tags/undated/", datetime(2022, 2, 1, 8, tzinfo=timezone.utc)),
        ("CI/CD", "https://feeds.example.org/tags/ci/cd/", YEAR_ONE),  # Hugo 0.111 dates a term with a "/" so
    ]
    assert all(item["guid"] == item["link"] and item["summary"] == "" for item in items)
    assert titles(ours / "series/index.xml") == ["Go in Practice"]  # the first spelling, by path
    assert not (ours / "tags/index.json").exists()  # no JSON Feed twin: a list of terms holds no posts


def test_pages_are_in_hugos_order(feeds):
    """By weight (none last), then newest, then linkTitle or title (lower case first), then path."""
    _, ours = feeds
    assert titles(ours / "posts/index.xml") == [
        "Weight one", "Weight two", "Listed locally", "Series, part two", "Series, part one",
        "Zulu", "alpha", "beta", "Beta"]  # "Zulu" is "Aardvark" by its linkTitle; the limit is 10, less "Never rendered"
    assert titles(ours / "index.xml")[-3:] == ["beta", "Beta", "Same title"]
    atom = [entry.title for entry in parse_feed(ours / "atom.xml").entries]
    assert atom[:3] == ["Weight one", "Weight two", "Series, part two"]  # Hugo's order, without the page not rendered


def test_a_page_without_a_date_is_last_and_of_year_one(feeds):
    """Hugo's RSS: year 1, after every dated page; syndicate's Atom feed: when it was first seen."""
    oracle, ours = feeds
    items = entries(ours / "notes/index.xml")
    assert [(item["title"], item["published"]) for item in items] == [
        ("A dated note", datetime(2022, 2, 1, 8, tzinfo=timezone.utc)),
        ("Another without a date", YEAR_ONE), ("No date", YEAR_ONE)]
    assert b"<pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate>" in (ours / "notes/index.xml").read_bytes()
    assert items == entries(oracle / "notes/index.xml")


def test_build_options_choose_feeds_as_hugo(feeds):
    """``list: local``: its section's and terms' feeds; ``list: never``: its terms'; ``render: never``: none.

    Hugo's RSS lists a page it never renders with an empty link and guid
    (invalid RSS, and no id a reader could keep); syndicate leaves it out.
    """
    oracle, ours = feeds
    home, section, term = (titles(ours / path) for path in ("index.xml", "posts/index.xml", "tags/kept/index.xml"))
    assert term == ["Never listed", "Listed locally"]
    assert "Listed locally" in section and "Listed locally" not in home
    assert "Never listed" not in section and "Never listed" not in home
    [item] = lxml.etree.parse(str(oracle / "index.xml")).xpath("channel/item[title='Never rendered']")
    assert item.findtext("link") == "" and item.findtext("guid") == ""  # Hugo's
    for path in ("index.xml", "tags/kept/index.xml", "atom.xml", "index.json", "posts/index.json"):
        assert "Never rendered" not in (ours / path).read_text(encoding="utf-8"), path


@pytest.mark.parametrize("old, new, present, absent", [
    (TITLE, TITLE + 'disableKinds = ["taxonomy"]\nignoreErrors = ["error-disable-taxonomy"]\n', "tags/kept/index.xml",
     "series/index.xml"),
    (TITLE, TITLE + 'disableKinds = ["term"]\n', "series/index.xml", "series/go-in-practice/index.xml"),
    (TITLE, TITLE + 'disableKinds = ["section"]\n', "tags/kept/index.xml", "posts/index.xml"),
    ("[taxonomies]\n", '[outputs]\nsection = ["HTML"]\nterm = ["html"]\n[taxonomies]\n', "tags/index.xml",
     "notes/index.xml"),
    ("[taxonomies]\n", '[outputs]\nhome = ["HTML"]\n[taxonomies]\n', "posts/index.xml", "index.xml"),
    ('category = "categories"\n', "", "tags/index.xml", "categories/index.xml"),  # a taxonomy taken away
    ('tag = "tags"\n', "", "series/index.xml", "tags/kept/index.xml"),
])
def test_only_the_feeds_hugo_writes(tmp_path, old, new, present, absent):
    """``disableKinds``, ``[outputs]`` without RSS, a ``[taxonomies]`` without tags: Hugo's feeds, entry by entry."""
    site = assert_edited_feeds_are_hugos(tmp_path, "feeds", old, new, present, absent)
    assert (site / "public" / "atom.xml").is_file()  # syndicate's own feed stays


def test_disabling_rss_leaves_only_syndicates_atom_feed(tmp_path):
    site = edited_copy(tmp_path, "feeds", TITLE, TITLE + 'disableKinds = ["RSS"]\n')
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    assert not list((site / "public").rglob("index.xml"))
    assert len(parse_feed(site / "public" / "atom.xml").entries) == 10


# Section names and the titles Hugo 0.111 gives their feeds: its pluralizer's rules and exceptions.
SECTION_NAMES = ("post", "note", "diary", "category", "news", "photo", "video", "box", "man", "woman", "person",
                 "child", "cafe", "life", "wolf", "leaf", "tech", "bus", "status", "analysis", "datum", "media",
                 "index", "quiz", "hero", "radio", "human", "series", "til", "my-notes", "project", "study",
                 "campus", "cactus", "essay", "press")


def test_section_titles_are_pluralized_as_hugos(tmp_path):
    """A section without an _index.md is titled by its name, first letter up, made plural as Hugo's flect does."""
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "layouts" / "_default" / "single.html").write_text("{{ .Content }}\n", encoding="utf-8")
    (site / "hugo.toml").write_text('baseURL = "https://p.example/"\ntitle = "P"\n', encoding="utf-8")
    for name in SECTION_NAMES:
        (site / "content" / name).mkdir(parents=True)
        (site / "content" / name / "page.md").write_text("---\ntitle: A page\ndate: 2022-01-01\n---\nWords.\n",
                                                         encoding="utf-8")
    hugo_build(site, tmp_path / "oracle")
    assert syndicate_build(site).exit_code == 0
    shown = {name: parse_feed(site / "public" / name / "index.xml").feed.title for name in SECTION_NAMES}
    assert shown == {name: parse_feed(tmp_path / "oracle" / name / "index.xml").feed.title for name in SECTION_NAMES}
    assert shown["box"] == "boxes on P" and shown["photo"] == "Photos on P"  # Hugo's, to the letter


def test_a_run_after_a_weight_changes_gives_a_full_runs_feeds(tmp_path):
    """The incremental run keeps Hugo's order: a page given a weight moves first, as a clean build puts it."""
    site, clean = tmp_path / "site", tmp_path / "clean"
    shutil.copytree(SITES / "feeds", site)
    runner = CliRunner()
    assert syndicate_build(site).exit_code == 0
    age(site)
    assert syndicate_build(site).exit_code == 0
    page = site / "content" / "posts" / "same-title-2.md"
    page.write_text(page.read_text(encoding="utf-8").replace("title: Same title\n", "title: Same title\nweight: 3\n"),
                    encoding="utf-8")
    result = runner.invoke(cli, ["build", "--site", str(site), "--now", NOW, "-v"], catch_exceptions=False)
    assert result.exit_code == 0 and "post file(s) changed since the last run" in result.output  # a partial run
    shutil.copytree(site / "content", clean / "content")
    shutil.copy(site / "hugo.toml", clean)
    assert syndicate_build(clean).exit_code == 0
    for path in ("index.xml", "posts/index.xml", "atom.xml"):
        assert (site / "public" / path).read_bytes() == (clean / "public" / path).read_bytes(), path
    assert titles(site / "public" / "posts/index.xml")[:3] == ["Weight one", "Weight two", "Same title"]


def test_a_section_retitled_in_its_index_file_retitles_its_feed(tmp_path):
    """``_index.md`` is no post, but its title is its section's feed's: an edit to it is seen on the next run."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "feeds", site)
    assert syndicate_build(site).exit_code == 0
    age(site)
    assert syndicate_build(site).exit_code == 0
    index = site / "content" / "posts" / "_index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("title: Writing", "title: Essays"), encoding="utf-8")
    assert syndicate_build(site).exit_code == 0
    assert parse_feed(site / "public" / "posts" / "index.xml").feed.title == "Essays on Feeds Fixture"


@pytest.mark.parametrize("taxonomy", ["tags", "series"])
def test_a_page_in_more_than_a_hundred_terms_keeps_the_first_hundred(tmp_path, taxonomy):
    """As on every site (README, "Repaired with a warning"): each term is a feed, so a post keeps 100 of each
    taxonomy's, with one warning naming the file, on a Hugo site's own taxonomies too."""
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://terms.example.org/"\ntitle = "Terms"\n'
                                    '[taxonomies]\ntag = "tags"\nseries = "series"\n', encoding="utf-8")
    terms = ", ".join(f"term{number:03d}" for number in range(101))
    (site / "content" / "posts" / "many.md").write_text(
        f"---\ntitle: Many\ndate: 2024-01-01\n{taxonomy}: [{terms}]\n---\nBody.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--site", str(site), "--now", NOW])
    assert result.exit_code == 0, result.output
    assert f"content/posts/many.md: warning: 101 {taxonomy}; only the first 100 are kept" in result.stderr
    feeds = sorted(path.parent.name for path in (site / "public" / taxonomy).glob("*/index.xml"))
    assert feeds == [f"term{number:03d}" for number in range(100)]
