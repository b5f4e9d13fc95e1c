"""The digest archive: public/digest/index.html lists every digest written, newest first, and
public/digest/feed.xml lets readers follow the newsletter itself."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from tests.conftest import BASIC_CONFIG, NOW, parse_feed
from tests.smtp_sink import digest_config

POSTS = {
    "posts/2026-11-10-older.md": "---\ntitle: Last week's news\nexcerpt: Older.\n---\nBody.\n",
    "posts/2026-11-17-tuesday.md": "---\ntitle: Tuesday news & more\nexcerpt: The week begins.\n---\nBody.\n",
    "posts/2026-11-19-thursday.md": "---\ntitle: 목요일 소식\nexcerpt: 한국어 요약.\n---\n본문.\n",
}
CONFIG = BASIC_CONFIG + '\n[digest]\nunsubscribe_url = "https://example.com/unsubscribe"\n'


@pytest.fixture
def site(make_site):
    return make_site(POSTS, config=CONFIG)


def archive(root: Path) -> list[tuple[str, str, str]]:
    """The archive page's digests as shown: (link, title, the line under it)."""
    page = lxml.html.fromstring((root / "public/digest/index.html").read_bytes())
    return [(item.find("a").get("href"), item.find("a").text_content(), item.find_class("meta")[0].text_content())
            for item in page.iter("li")]


def test_each_digest_written_is_listed_newest_first_with_its_dates_and_posts(site, run):
    assert run("digest", "--site", site, "--week", "2026-W46", "--now", NOW).exit_code == 0
    assert run("digest", "--site", site, "--week", "2026-W47", "--now", NOW).exit_code == 0
    assert archive(site) == [
        ("2026-W47.html", "Test Site — Nov 16 – 22, 2026", "Nov 16\u2009–\u200922, 2026 · 2 posts"),
        ("2026-W46.html", "Test Site — Nov 9 – 15, 2026", "Nov 9\u2009–\u200915, 2026 · 1 post"),
    ]
    page = lxml.html.fromstring((site / "public/digest/index.html").read_bytes())
    assert page.find(".//link[@rel='alternate']").get("href") == "feed.xml"
    for href, _, _ in archive(site):
        assert (site / "public/digest" / href).is_file()


def test_the_archive_is_rewritten_only_when_a_digest_changes_it(site, run):
    first = run("digest", "--site", site, "--week", "2026-W47", "--now", NOW)
    assert "wrote public/digest/index.html\nwrote public/digest/feed.xml\n" in first.output
    again = run("digest", "--site", site, "--week", "2026-W47", "--now", "2026-12-03T10:00:00+09:00")
    assert "wrote public/digest/index.html" not in again.output
    assert "wrote public/digest/feed.xml" not in again.output


def test_the_feed_has_one_entry_per_digest_with_its_html_and_a_stable_id(site, run):
    run("digest", "--site", site, "--week", "2026-W46", "--now", NOW)
    run("digest", "--site", site, "--week", "2026-W47", "--now", NOW)
    feed = parse_feed(site / "public/digest/feed.xml")
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.version == "atom10"
    assert [entry.id for entry in feed.entries] == ["https://example.com/blog/digest/2026-W47.html",
                                                    "https://example.com/blog/digest/2026-W46.html"]
    newest = feed.entries[0]
    assert newest.title == "Test Site — Nov 16 – 22, 2026"
    assert newest.link == "https://example.com/blog/digest/2026-W47.html"
    content = lxml.html.fromstring(newest.content[0].value).text_content()
    assert "Tuesday news & more" in content and "목요일 소식" in content
    assert "The week begins." not in content.split("Tuesday")[0]  # the hidden preheader is left out
    assert newest.updated == "2026-11-23T00:00:00+09:00"
    assert feed.feed.links[0].href == "https://example.com/blog/digest/feed.xml"


def test_a_digest_file_nothing_recorded_is_listed_from_its_name(site, run):
    run("digest", "--site", site, "--week", "2026-W46", "--now", NOW)
    (site / ".syndicate/archive.json").unlink()  # as an older syndicate left it
    run("digest", "--site", site, "--since", "2026-11-17", "--until", "2026-11-18", "--now", NOW)
    assert archive(site) == [
        ("2026-11-17_2026-11-18.html", "Test Site — Nov 17 – 18, 2026", "Nov 17\u2009–\u200918, 2026 · 1 post"),
        ("2026-W46.html", "Test Site — Nov 9 – 15, 2026", "Nov 9\u2009–\u200915, 2026"),
    ]


def test_a_sites_own_template_renders_the_archive(site, run):
    (site / "templates").mkdir()
    (site / "templates/digest-index.html.j2").write_text(
        "{% for issue in issues %}<p>{{ issue.period }} {{ issue.posts }} {{ '<b>' }}</p>{% endfor %}\n")
    run("digest", "--site", site, "--week", "2026-W47", "--now", NOW)
    assert (site / "public/digest/index.html").read_text() == "<p>2026-W47 2 &lt;b&gt;</p>"


def test_publish_lists_the_digest_it_renders(make_site, run):
    root = make_site(POSTS, config=BASIC_CONFIG + digest_config(1, send=False))
    result = run("publish", "--site", root, "--now", "2026-11-23T09:00:00Z")
    assert result.exit_code == 0, result.output
    assert archive(root) == [("2026-W47.html", "Test Site — Nov 16 – 22, 2026",
                              "Nov 16\u2009–\u200922, 2026 · 2 posts")]
    assert [entry.id for entry in parse_feed(root / "public/digest/feed.xml").entries] == [
        "https://example.com/blog/digest/2026-W47.html"]
