"""Per-post routing: ``syndicate: {feeds: false, digest: false, flags: [...]}`` in front matter, and ``[[feed.extra]]``."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BASIC_CONFIG, NOW, entry_titles as titles, parse_feed, write_files

POSTS = {
    "posts/2026-11-20-everywhere.md": "---\ntitle: Everywhere\ncategories: [News]\n---\nx\n",
    "posts/2026-11-21-no-feeds.md": "---\ntitle: Digest only\ncategories: [news]\nsyndicate: {feeds: false}\n---\nx\n",
    "posts/2026-11-22-no-digest.md": "---\ntitle: Feeds only\ntags: [Tips]\nsyndicate: {digest: false}\n---\nx\n",
    "posts/2026-11-23-nowhere.md": "---\ntitle: Nowhere\nsyndicate:\n  feeds: false\n  digest: false\n---\nx\n",
    "posts/2026-11-24-flagged.md": "---\ntitle: Flagged\nsyndicate: {flags: [newsletter]}\n---\nx\n",
}
CONFIG = BASIC_CONFIG + "[feed]\ncategories = true\ntags = true\n"


def build(run, root):
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0, result.output
    return result


def json_titles(path) -> list[str]:
    return [item["title"] for item in json.loads(path.read_text(encoding="utf-8"))["items"]]


def digest_text(run, root) -> str:
    result = run("digest", "--site", root, "--now", NOW, "--days", "30")
    assert result.exit_code == 0, result.output
    return (root / "public/digest/latest.txt").read_text(encoding="utf-8")


def test_front_matter_keeps_a_post_out_of_the_feeds(make_site, run):
    root = make_site(POSTS, config=CONFIG)
    build(run, root)
    out = root / "public"
    for feed in ("feed.xml", "atom.xml", "feeds/category/news.xml", "feeds/tag/tips.xml"):
        assert "Digest only" not in titles(out / feed) and "Nowhere" not in titles(out / feed)
    assert titles(out / "feed.xml") == ["Flagged", "Feeds only", "Everywhere"]
    assert json_titles(out / "feed.json") == ["Flagged", "Feeds only", "Everywhere"]
    assert titles(out / "feeds/category/news.xml") == ["Everywhere"]


def test_front_matter_keeps_a_post_out_of_the_digest(make_site, run):
    root = make_site(POSTS, config=CONFIG)
    text = digest_text(run, root)
    assert "Digest only" in text and "Everywhere" in text and "Flagged" in text
    assert "Feeds only" not in text and "Nowhere" not in text


def test_an_extra_feed_holds_the_posts_of_its_categories_tags_and_flags(make_site, run):
    config = CONFIG + ('[[feed.extra]]\npath = "feeds/newsletter.xml"\ntitle = "For the newsletter"\n'
                       'categories = ["news"]\nflags = ["newsletter"]\n\n'
                       '[[feed.extra]]\npath = "mail/tips.xml"\ntags = ["tips"]\n')
    root = make_site({**POSTS, "posts/2026-11-19-other.md": "---\ntitle: Other\ncategories: [Sports]\n---\nx\n"},
                     config=config)
    build(run, root)
    out = root / "public"
    # "News" is in category "news"; "Digest only" is in no feed, this one included.
    assert titles(out / "feeds/newsletter.xml") == ["Flagged", "Everywhere"]
    assert parse_feed(out / "feeds/newsletter.xml").feed.title == "For the newsletter"
    assert json_titles(out / "feeds/newsletter.json") == ["Flagged", "Everywhere"]
    assert titles(out / "mail/tips.xml") == ["Feeds only"]
    assert parse_feed(out / "mail/tips.xml").feed.title == "Test Site — tips"


def test_an_extra_feed_on_a_jekyll_site_and_front_matter_defaults(make_site, run, tmp_path):
    root = tmp_path / "jekyll"
    write_files(root, {
        "_config.yml": "title: J\nurl: https://j.example.com\nfeed:\n  extra:\n    - path: feeds/n.xml\n"
                       "      flags: [n]\ndefaults:\n  - scope: {path: _posts/hidden}\n"
                       "    values: {syndicate: {feeds: false}}\n",
        "_posts/2026-11-01-a.md": "---\ntitle: A\nsyndicate: {flags: [n]}\n---\nx\n",
        "_posts/hidden/2026-11-02-b.md": "---\ntitle: B\n---\nx\n",
        "_posts/2026-11-03-c.md": "---\ntitle: C\nfeed: {excerpt_only: true}\n---\nx\n",
    })
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert titles(root / "public/feed.xml") == ["C", "A"]
    assert titles(root / "public/feeds/n.xml") == ["A"]


@pytest.mark.parametrize("front_matter, message", [
    ("syndicate: {feeds: no-thanks}", "syndicate.feeds must be true or false"),
    ("syndicate: {digest: 0}", "syndicate.digest must be true or false"),
    ("syndicate: {feed: false}", "syndicate.feed is not a key syndicate reads: feeds, digest, flags"),
    ("syndicate: false", "syndicate must be a mapping such as {feeds: false, digest: false}"),
    ("syndicate: {flags: {a: 1}}", "syndicate.flags must be a list of names"),
])
def test_bad_routing_front_matter_is_one_line_naming_the_file_and_key(make_site, run, front_matter, message):
    root = make_site({"posts/2026-11-20-bad.md": f"---\ntitle: Bad\n{front_matter}\n---\nx\n"}, config=CONFIG)
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if message in line]
    assert len(lines) == 1 and lines[0].startswith("posts/2026-11-20-bad.md"), result.output


@pytest.mark.parametrize("table, message", [
    ('path = "feeds/n.xml"', "feed.extra entry 1: needs categories, tags or flags to choose its posts"),
    ('categories = ["a"]', "feed.extra entry 1: path is required"),
    ('path = "feeds/category/a.xml"\ncategories = ["a"]', "feed.extra entry 1: path must be a relative path"),
    ('path = "feed.xml"\ncategories = ["a"]', "feed.extra entry 1: path must be a relative path"),
    ('path = "../out.xml"\ncategories = ["a"]', "feed.extra entry 1: path must be a relative path"),
    ('path = "n.xml"\ncategory = ["a"]', "feed.extra entry 1: unknown key category"),
    ('path = "n.xml"\ntags = "a"', "feed.extra entry 1: tags must be a list of names"),
])
def test_bad_extra_feeds_are_one_line_naming_the_key(make_site, run, table, message):
    root = make_site(POSTS, config=CONFIG + f"[[feed.extra]]\n{table}\n")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code != 0
    assert f"syndicate.toml: {message}" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
