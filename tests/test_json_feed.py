"""JSON Feed 1.1 twins of every feed, feed icons and logos, and WebSub hub links.

The checks in ``check_json_feed`` are the rules of https://www.jsonfeed.org/version/1.1/
(required keys, types, absolute URLs, unique ids, RFC 3339 dates); the
entries are compared with the Atom and RSS feeds as feedparser reads them,
and the files are read with a JSON Feed client (jsonfeed-util): feedparser 6
reads no JSON Feed at all.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import jsonfeed
import pytest

from tests.conftest import BASIC_CONFIG, NOW, copy_example_site, parse_feed

VERSION = "https://jsonfeed.org/version/1.1"
# RFC 3339's date-time: a full date, a time, optional fractions, and an offset (Z or ±hh:mm).
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
FEED_KEYS = {"version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon",
             "favicon", "author", "authors", "language", "expired", "hubs", "items"}
ITEM_KEYS = {"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
             "banner_image", "date_published", "date_modified", "author", "authors", "tags", "language",
             "attachments"}
ICONS = '\nicon = "/assets/icon.png"\nlogo = "https://cdn.example.net/logo.png"\n' \
        'hubs = ["https://hub.example.net/", "https://websub.example.org/hub"]\n'


def absolute(url) -> bool:
    parts = urlsplit(url) if isinstance(url, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url


def check_author(author) -> None:
    assert isinstance(author, dict) and author, author
    assert set(author) <= {"name", "url", "avatar"}
    assert all(isinstance(value, str) and value for value in author.values())


def check_json_feed(path: Path, base: str) -> dict:
    """The JSON Feed at ``path`` (served under ``base``), checked against the spec's rules; returns it."""
    data = path.read_bytes()
    assert data.endswith(b"}\n") and not data.startswith(b"\xef\xbb\xbf")
    feed = json.loads(data.decode("utf-8"))
    assert isinstance(feed, dict)
    assert next(iter(feed)) == "version" and feed["version"] == VERSION
    assert set(feed) <= FEED_KEYS, set(feed) - FEED_KEYS
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    assert absolute(feed["home_page_url"]) and absolute(feed["feed_url"])
    relative = path.as_posix().split("/public/", 1)[1]
    assert feed["feed_url"] == base + quote(relative)  # where it is served
    for key in ("icon", "favicon"):
        assert key not in feed or absolute(feed[key]), key
    assert isinstance(feed["language"], str) and feed["language"]
    for author in feed["authors"]:
        check_author(author)
    check_author(feed["author"])
    for hub in feed.get("hubs", []):
        assert set(hub) == {"type", "url"} and hub["type"] == "WebSub" and absolute(hub["url"])
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == len(set(ids)), "item ids must be unique"
    for item in feed["items"]:
        assert set(item) <= ITEM_KEYS, set(item) - ITEM_KEYS
        assert isinstance(item["id"], str) and item["id"]
        assert absolute(item["url"])
        assert isinstance(item["title"], str) and item["title"]
        assert "content_html" in item or "content_text" in item  # one is required
        assert all(isinstance(item[key], str) for key in ("content_html", "content_text") if key in item)
        assert isinstance(item["summary"], str) and "<" not in item["summary"]  # plain text
        for key in ("date_published", "date_modified"):
            assert RFC3339.fullmatch(item[key]), item[key]
        assert "image" not in item or absolute(item["image"])
        assert all(isinstance(tag, str) and tag for tag in item.get("tags", []))
        for author in item.get("authors", []):
            check_author(author)
    # A JSON Feed client reads it, with the same items.
    parsed = jsonfeed.Feed.parse_string(data.decode("utf-8"))
    assert parsed.title == feed["title"] and [item.id for item in parsed.items] == ids
    return feed


def build(run, site: Path, *args: str):
    result = run("build", "--site", site, "--now", NOW, *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def example(example_site, run) -> Path:
    """The example site (categories and tags on) with an icon, a logo and two hubs, built."""
    with open(example_site / "syndicate.toml", "a", encoding="utf-8") as config:
        config.write(ICONS)
    build(run, example_site)
    return example_site


def jsons(site: Path) -> list[Path]:
    return sorted((site / "public").rglob("*.json"))


def test_every_feed_has_a_json_twin_that_keeps_the_spec(example):
    xml = sorted(p.relative_to(example / "public").as_posix() for p in (example / "public").rglob("*.xml"))
    twins = sorted(p.relative_to(example / "public").as_posix() for p in jsons(example))
    assert "feed.json" in twins
    assert twins == sorted(["feed.json"] + [p[:-len(".xml")] + ".json" for p in xml if p.startswith("feeds/")])
    assert len(twins) == 10
    for path in jsons(example):
        check_json_feed(path, "https://news.example.com/")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_json_items_are_the_atom_entries(example):
    feed = check_json_feed(example / "public" / "feed.json", "https://news.example.com/")
    atom = parse_feed(example / "public" / "atom.xml")
    assert atom.bozo == 0
    assert feed["title"] == atom.feed.title and feed["description"] == atom.feed.subtitle
    assert feed["language"] == atom.feed.language == "ko"
    assert feed["authors"] == [{"name": atom.feed.author_detail.name}] and feed["author"] == feed["authors"][0]
    assert [item["id"] for item in feed["items"]] == [entry.id for entry in atom.entries]
    assert [item["title"] for item in feed["items"]] == [entry.title for entry in atom.entries]
    assert [item["url"] for item in feed["items"]] == [entry.link for entry in atom.entries]
    assert [item["summary"] for item in feed["items"]] == [entry.summary for entry in atom.entries]
    assert [item["content_html"].strip() for item in feed["items"]] == [entry.content[0].value for entry in atom.entries]
    assert [_moment(item["date_published"]) for item in feed["items"]] == [
        _moment(entry.published) for entry in atom.entries]
    assert [_moment(item["date_modified"]) for item in feed["items"]] == [
        _moment(entry.updated) for entry in atom.entries]
    assert [item.get("tags", []) for item in feed["items"]] == [
        [tag.term for tag in entry.get("tags", [])] for entry in atom.entries]
    assert [item.get("image") for item in feed["items"]] == [
        next((link.href for link in entry.links if link.rel == "enclosure"), None) for entry in atom.entries]
    assert any("image" in item for item in feed["items"])
    # The body's links are absolute, as in the XML feeds: no href="/…" or src="/…".
    assert not re.search(r'(?:href|src)="(?!https?://|#|mailto:)', "".join(i["content_html"] for i in feed["items"]))


def test_a_category_feeds_json_twin_has_its_rss_entries(example):
    for rss_path in sorted((example / "public" / "feeds").rglob("*.xml")):
        rss = parse_feed(rss_path)
        feed = json.loads(rss_path.with_suffix(".json").read_bytes())
        assert feed["title"] == rss.feed.title
        assert [item["id"] for item in feed["items"]] == [entry.id for entry in rss.entries]
        assert [item["url"] for item in feed["items"]] == [entry.link for entry in rss.entries]
        assert [item["title"] for item in feed["items"]] == [entry.title for entry in rss.entries]


def test_json_feeds_are_byte_identical_on_a_fresh_build(example, tmp_path, run):
    again = copy_example_site(tmp_path / "again")
    shutil.copy(example / "syndicate.toml", again / "syndicate.toml")
    shutil.copytree(example / ".syndicate", again / ".syndicate")  # the undated post's first-seen date
    build(run, again)
    assert {p.name: p.read_bytes() for p in jsons(again)} == {p.name: p.read_bytes() for p in jsons(example)}
    text = (example / "public" / "feeds" / "tag" / "서울.json").read_text(encoding="utf-8")
    assert "서울" in text and "\\u" not in text  # UTF-8 as is


def test_icon_logo_and_hubs_in_every_format(example):
    rss, atom = parse_feed(example / "public" / "feed.xml"), parse_feed(example / "public" / "atom.xml")
    feed = json.loads((example / "public" / "feed.json").read_bytes())
    hubs = ["https://hub.example.net/", "https://websub.example.org/hub"]
    assert (rss.feed.image.href, rss.feed.image.title, rss.feed.image.link) == (
        "https://cdn.example.net/logo.png", rss.feed.title, "https://news.example.com/")
    assert atom.feed.icon == "https://news.example.com/assets/icon.png"
    assert atom.feed.logo == "https://cdn.example.net/logo.png"
    assert (feed["icon"], feed["favicon"]) == ("https://cdn.example.net/logo.png",
                                               "https://news.example.com/assets/icon.png")
    for parsed in (rss, atom, parse_feed(example / "public" / "feeds" / "category" / "news.xml")):
        assert parsed.bozo == 0
        assert [link.href for link in parsed.feed.links if link.rel == "hub"] == hubs
    assert [hub["url"] for hub in feed["hubs"]] == hubs


def test_an_icon_alone_is_the_rss_image_and_no_atom_logo(make_site, run):
    site = make_site({"posts/2026-11-20-a.md": "---\ntitle: A\n---\nx\n"},
                     config=BASIC_CONFIG + '[feed]\nicon = "favicon.png"\n')
    build(run, site)
    rss, atom = parse_feed(site / "public" / "feed.xml"), parse_feed(site / "public" / "atom.xml")
    assert rss.feed.image.href == atom.feed.icon == "https://example.com/blog/favicon.png"
    assert "logo" not in atom.feed
    feed = json.loads((site / "public" / "feed.json").read_bytes())
    assert feed["favicon"] == "https://example.com/blog/favicon.png" and "icon" not in feed and "hubs" not in feed
    assert b"<image>" not in (site / "public" / "atom.xml").read_bytes()


@pytest.mark.parametrize("line, message", [
    ('icon = "javascript:alert(1)"', "syndicate.toml: feed.icon must be a path on the site"),
    ("logo = 3", "syndicate.toml: feed.logo must be a string, got 3"),
    ('hubs = "https://hub.example.net/"', "syndicate.toml: feed.hubs must be a list of absolute http(s) URLs"),
    ('hubs = ["hub.example.net"]', "syndicate.toml: feed.hubs must be a list of absolute http(s) URLs"),
])
def test_a_bad_icon_logo_or_hub_is_one_line_naming_the_key(make_site, run, line, message):
    site = make_site(config=BASIC_CONFIG + f"[feed]\n{line}\n")
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_without_full_content_the_item_text_is_the_excerpt(make_site, run):
    site = make_site({
        "posts/2026-11-20-a.md": "---\ntitle: A\n---\nFirst words.\n\nMore.\n",
        "posts/2026-11-21-b.md": "---\ntitle: B\nfeed: {excerpt_only: true}\n---\nOnly this.\n\n<b>Rest</b>.\n",
    })
    build(run, site)
    feed = check_json_feed(site / "public" / "feed.json", "https://example.com/blog/")
    b, a = feed["items"]
    assert "content_html" not in b and b["content_text"] == b["summary"] == "Only this."
    assert a["content_html"] == "<p>First words.</p>\n<p>More.</p>\n" and a["summary"] == "First words."
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + "[feed]\nfull_content = false\n", encoding="utf-8")
    build(run, site)
    feed = check_json_feed(site / "public" / "feed.json", "https://example.com/blog/")
    assert [(item.get("content_html"), item["content_text"]) for item in feed["items"]] == [
        (None, "Only this."), (None, "First words.")]


def test_a_post_by_another_author_in_another_language(make_site, run):
    site = make_site({"posts/2026-11-20-a.md": "---\ntitle: 가\nauthor: 김철수\nlang: ko\n"
                                               "categories: [뉴스]\ntags: [뉴스, x]\n---\n본문\n"})
    build(run, site)
    [item] = check_json_feed(site / "public" / "feed.json", "https://example.com/blog/")["items"]
    assert item["authors"] == [{"name": "김철수"}] and item["author"] == {"name": "김철수"}
    assert item["language"] == "ko"
    assert item["tags"] == ["뉴스", "x"]  # categories, then tags, each once


def test_an_emptied_category_loses_its_json_twin_too(make_site, run):
    site = make_site({"posts/2026-11-20-a.md": "---\ntitle: A\ncategories: [News]\n---\nx\n"},
                     config=BASIC_CONFIG + "[feed]\ncategories = true\n")
    build(run, site)
    folder = site / "public" / "feeds" / "category"
    assert sorted(p.name for p in folder.iterdir()) == ["news.json", "news.xml"]
    (site / "posts" / "2026-11-20-a.md").write_text("---\ntitle: A\n---\nx\n", encoding="utf-8")
    result = build(run, site)
    assert list(folder.iterdir()) == []
    assert "removed public/feeds/category/news.json: no post is in this feed any more" in result.output


def test_a_jekyll_site_gets_feed_json_beside_feed_xml_unless_it_has_its_own(tmp_path, run):
    (tmp_path / "_config.yml").write_text("title: T\nurl: https://x.com\nbaseurl: /b\nfeed:\n"
                                          "  categories: [news]\n  icon: /favicon.png\n", encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2026-11-20-a.md").write_text("---\ntitle: A\ncategories: news\n---\nx\n",
                                                         encoding="utf-8")
    result = build(run, tmp_path)
    assert result.stdout.splitlines() == ["wrote public/feed.rss.xml", "wrote public/feed.xml",
                                          "wrote public/feed.json", "wrote public/feed/news.xml",
                                          "wrote public/feed/news.json"]
    feed = check_json_feed(tmp_path / "public" / "feed.json", "https://x.com/b/")
    atom = parse_feed(tmp_path / "public" / "feed.xml")
    assert [item["id"] for item in feed["items"]] == [entry.id for entry in atom.entries]
    assert feed["favicon"] == atom.feed.icon == "https://x.com/b/favicon.png"  # _config.yml's feed.icon
    # The site's own feed.json (a page it renders itself) is left to it.
    (tmp_path / "feed.json").write_text("---\n---\n{}\n", encoding="utf-8")
    shutil.rmtree(tmp_path / "public")
    result = build(run, tmp_path)
    assert "public/feed.json" not in result.stdout and "public/feed/news.json" in result.stdout
