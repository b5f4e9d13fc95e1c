"""The page for people (``feed.page``): ``feeds.html`` lists every feed, ``feeds-head.html`` the <head> links.

Read as a browser would, with html.parser: the links, the titles as text.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

import pytest

from tests.conftest import BASIC_CONFIG, NOW, age

BASE = "https://example.com/blog/"
POSTS = {
    "posts/2026-09-03-old.md": "---\ntitle: 1 < 2 & more\ncategories: [News]\n---\nx\n",
    "posts/2026-11-01-en.md": "---\ntitle: In English\nlang: ko\ntags: [meta]\n---\nx\n",
    "posts/2026-11-20-new.md": "---\ntitle: Newest\ncategories: [News]\n---\nx\n",
}
CONFIG = BASIC_CONFIG + ("[feed]\nlimit = 2\ncategories = true\ntags = true\nlanguages = true\narchives = true\n"
                         "page = true\n")


class Page(HTMLParser):
    """A page's links (href → text) and <link> tags (their attributes), as a browser reads them."""

    def __init__(self, text: str):
        super().__init__()
        self.links: dict[str, str] = {}
        self.link_tags: list[dict[str, str]] = []
        self.text: list[str] = []
        self._href: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs)["href"]
            self.links[self._href] = ""
        elif tag == "link":
            self.link_tags.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        self.text.append(data)
        if self._href is not None:
            self.links[self._href] += data


def build(run, root, *flags, code=0):
    result = run("build", "--site", root, "--now", NOW, *flags)
    assert result.exit_code == code, result.output
    return result


def page(root, name="feeds.html") -> Page:
    return Page((root / "public" / name).read_text(encoding="utf-8"))


def test_the_page_links_every_feed_in_every_format_with_its_newest_entries(make_site, run):
    root = make_site(POSTS, config=CONFIG)
    build(run, root)
    shown = page(root)
    feeds = sorted(path.relative_to(root / "public").as_posix()
                   for path in (root / "public").rglob("*") if path.suffix in (".xml", ".json"))
    assert "feeds/archive/2026-09.xml" in feeds and "feeds/lang/ko.json" in feeds
    assert sorted(href for href in shown.links if href.endswith((".xml", ".json"))) == [BASE + path for path in feeds]
    assert shown.links[BASE + "atom.xml"] == "Atom" and shown.links[BASE + "feeds/tag/meta.json"] == "JSON Feed"
    # The newest entries, their titles as text (escaped in the HTML, never markup).
    assert shown.links[BASE + "news/2026/09/03/old.html"] == "1 < 2 & more"
    assert "1 &lt; 2 &amp; more" in (root / "public/feeds.html").read_text(encoding="utf-8")
    text = " ".join(" ".join(shown.text).split())
    assert "How to subscribe" in text and "The newest 2 posts" in text and "All 2 of its posts" in text


def test_the_head_file_has_the_alternate_links_of_the_main_feeds(make_site, run):
    root = make_site(POSTS, config=CONFIG)
    build(run, root)
    tags = page(root, "feeds-head.html").link_tags
    assert [(tag["rel"], tag["type"], tag["href"]) for tag in tags] == [
        ("alternate", "application/rss+xml", BASE + "feed.xml"),
        ("alternate", "application/atom+xml", BASE + "atom.xml"),
        ("alternate", "application/feed+json", BASE + "feed.json")]
    assert tags[0]["title"] == "Test Site (RSS)"


def test_off_by_default(make_site, run):
    root = make_site(POSTS)
    build(run, root)
    assert not (root / "public/feeds.html").exists() and not (root / "public/feeds-head.html").exists()


def test_the_page_is_rewritten_only_when_it_changes_and_a_partial_run_writes_a_full_runs(make_site, run, tmp_path):
    root = make_site(POSTS, config=CONFIG)
    age(root)
    build(run, root)
    build(run, root)
    age(root)
    assert "wrote" not in build(run, root, "-v").output  # a cron run with nothing changed writes nothing
    path = root / "posts/2026-11-20-new.md"
    path.write_text("---\ntitle: Newest, retitled\ncategories: [News]\n---\nx\n", encoding="utf-8")
    output = build(run, root, "-v").output
    assert "post file(s) changed since the last run" in output  # the partial path
    assert "wrote public/feeds.html" in output and "wrote public/feeds-head.html" not in output
    assert page(root).links[BASE + "news/2026/11/20/new.html"] == "Newest, retitled"
    full = tmp_path / "full"
    shutil.copytree(root, full, ignore=shutil.ignore_patterns("public", ".syndicate"))
    build(run, full)
    for name in ("feeds.html", "feeds-head.html"):
        assert (root / "public" / name).read_bytes() == (full / "public" / name).read_bytes()


def test_a_sites_own_template_is_used_and_an_edit_to_it_is_seen(make_site, run):
    root = make_site({**POSTS, "templates/feeds.html.j2": "<p>{{ feeds | length }} feeds of {{ site.title }}</p>\n"},
                     config=CONFIG)
    age(root)
    build(run, root)
    assert (root / "public/feeds.html").read_text(encoding="utf-8") == "<p>7 feeds of Test Site</p>\n"
    assert "wrote" not in build(run, root, "-v").output
    (root / "templates/feeds.html.j2").write_text("<p>{{ site.title }}</p>\n", encoding="utf-8")
    assert "wrote public/feeds.html" in build(run, root, "-v").output  # no post changed; the template did
    assert (root / "public/feeds.html").read_text(encoding="utf-8") == "<p>Test Site</p>\n"


def test_a_template_mistake_is_one_line_naming_its_file_and_line(make_site, run):
    root = make_site({**POSTS, "templates/feeds.html.j2": "<p>\n{{ feeds | nosuchfilter }}</p>\n"}, config=CONFIG)
    result = build(run, root, code=1)
    lines = [line for line in result.output.splitlines() if "nosuchfilter" in line]
    assert len(lines) == 1 and lines[0].startswith("templates/feeds.html.j2:2:"), result.output


def test_the_page_is_never_announced_to_a_websub_hub(make_site, run, monkeypatch):
    import syndicate.write.websub

    topics: list[str] = []
    monkeypatch.setattr(syndicate.write.websub, "ping", lambda hub, topic: topics.append(topic))
    root = make_site(POSTS, config=CONFIG + 'hubs = ["https://hub.example.net/"]\n')
    build(run, root)
    assert topics and all(topic.endswith((".xml", ".json")) for topic in topics)
    assert BASE + "feed.xml" in topics
