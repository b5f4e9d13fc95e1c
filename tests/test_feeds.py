"""The feeds as a feed reader sees them: parsed with feedparser, field by field."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

import lxml.html
import pytest

from tests.conftest import BASIC_CONFIG, NOW, parse_feed

SEOUL = timezone(timedelta(hours=9))
BUILT_AT = datetime(2026, 11, 25, 9, 0, tzinfo=SEOUL)  # NOW

NEWS_CONFIG = """\
title = "서울 뉴스"
url = "https://news.example.com/"
description = "서울의 창업 소식"
language = "ko"
timezone = "Asia/Seoul"
author = { name = "편집국", email = "desk@news.example.com" }
"""

# The post from the issue: Jekyll front matter, folded excerpt, site-relative
# image, no date anywhere, an HTML body as a Korean blog editor writes it.
NEWS_BODY = """\
<h2 data-ke-size="size26">센터 개요</h2>
<p data-ke-size="size16">새 센터는 공유 오피스와 <a href="/news/apply.html">입주 신청</a> 창구를 갖췄다.</p>
<p data-ke-size="size16">&nbsp;</p>
<h2 data-ke-size="size26">입주 조건</h2>
<p data-ke-size="size16">설립 3년 이내 기업이 대상이다 &amp; 비용은 무료. <img src="../img/floor.jpg" alt="평면도"> 😀</p>
<p data-ke-size="size16">&nbsp;</p>
<a href="https://www.example.org/original?id=1&amp;lang=ko">원문 보기</a>
"""
NEWS_POST = """\
---
title: '성수동에 창업 지원 센터 문 열어'
categories: [News]
excerpt: >
  서울 성수동에 200석 규모의 창업 지원 센터가
  문을 열었다. 입주 신청은 다음 달 말까지 받는다.
image: '/assets/img/x.png'
---
""" + NEWS_BODY
NEWS_URL = "https://news.example.com/news/2026/11/25/seongsu-center.html"
NEWS_EXCERPT = "서울 성수동에 200석 규모의 창업 지원 센터가 문을 열었다. 입주 신청은 다음 달 말까지 받는다."


def html_shape(html: str, base: str | None = None) -> list[tuple]:
    """Every element of an HTML fragment as (tag, attributes, text, tail).

    With ``base``, relative URLs are first made absolute, the one change
    syndicate may make to a body; any other difference is something lost.
    """
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    shape = []
    for element in root.iter():
        attributes = dict(element.attrib)
        if base:
            for name in ("href", "src"):
                if name in attributes:
                    attributes[name] = urljoin(base, attributes[name])
        shape.append((element.tag, attributes, element.text, element.tail))
    return shape


def utc(parsed) -> datetime:
    """A feedparser time tuple (always UTC) as an aware datetime."""
    return datetime(*parsed[:6], tzinfo=timezone.utc)


def guids(path) -> dict[str, str]:
    """The RSS items' guid text → isPermaLink attribute, read from the raw XML."""
    tree = ElementTree.parse(path)
    return {g.text: g.get("isPermaLink") for g in tree.iter("guid")}


@pytest.fixture
def news_site(make_site):
    return make_site({"posts/seongsu-center.html": NEWS_POST}, config=NEWS_CONFIG)


# --- the example site --------------------------------------------------------


EXAMPLE_ENTRIES = [
    # (link, published), newest first
    ("https://news.example.com/notes/2026/11/25/korean-markdown-notes.html", BUILT_AT),
    ("https://news.example.com/news/2026/11/16/seoul-startup-roundup.html",
     datetime(2026, 11, 16, 18, 30, tzinfo=SEOUL)),
    ("https://news.example.com/announcements/2026/11/02/welcome-to-syndicate.html",
     datetime(2026, 11, 2, 9, 0, tzinfo=SEOUL)),
    ("https://news.example.com/guides/2026/10/28/toml-front-matter.html",
     datetime(2026, 10, 28, 7, 15, tzinfo=SEOUL)),
]


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_example_feeds_parse_cleanly_with_every_entry(example_site, run, name):
    assert run("build", "--site", example_site, "--now", NOW).exit_code == 0
    feed = parse_feed(example_site / "public" / name)
    assert feed.bozo == 0
    assert feed.version == ("rss20" if name == "feed.xml" else "atom10")
    assert feed.feed.title == "Syndicate Example News"
    assert feed.feed.language == "ko"
    assert [(e.link, utc(e.published_parsed)) for e in feed.entries] == EXAMPLE_ENTRIES
    assert [e.id for e in feed.entries] == [link for link, _ in EXAMPLE_ENTRIES]
    # The feed is dated by its newest entry, not by the build.
    assert utc(feed.feed.updated_parsed) == BUILT_AT


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_example_feeds_entry_fields(example_site, run, name):
    run("build", "--site", example_site, "--now", NOW)
    entries = {e.link.rsplit("/", 1)[1]: e for e in parse_feed(example_site / "public" / name).entries}

    welcome = entries["welcome-to-syndicate.html"]
    assert welcome.title == "Welcome to the example newsroom"
    # No excerpt in front matter: the text before <!--more-->.
    assert welcome.summary == ("This site shows what syndicate does with a folder of posts: it writes "
                               "RSS and Atom feeds and a weekly email digest from them.")
    content = welcome.content[0].value
    assert "<h2>What you get</h2>" in content
    assert '<a href="https://news.example.com/about/">the about page</a>' in content
    assert 'Ampersands &amp; "quotes" survive too.' in content
    assert welcome.author == "Jane Park"
    assert [t.term for t in welcome.tags] == ["Announcements", "meta", "feeds"]

    toml = entries["toml-front-matter.html"]
    assert toml.summary == "Hugo-style +++ front matter works the same as YAML."
    assert [t.term for t in toml.tags] == ["Guides", "toml"]

    roundup = entries["seoul-startup-roundup.html"]
    assert roundup.title == "서울 스타트업 소식: 11월 셋째 주"
    assert [(e.href, e.type, e.length) for e in roundup.enclosures] == [
        ("https://news.example.com/assets/img/seoul-skyline.png", "image/png",
         str((example_site / "assets/img/seoul-skyline.png").stat().st_size))]
    # The site author stands in for posts without one.
    assert roundup.author_detail.name == "Example Newsroom"
    assert roundup.author_detail.email == "newsroom@example.com"


def test_example_rss_guids_are_permalinks(example_site, run):
    run("build", "--site", example_site, "--now", NOW)
    assert guids(example_site / "public" / "feed.xml") == {link: "true" for link, _ in EXAMPLE_ENTRIES}


def test_every_url_in_example_content_is_absolute(example_site, run):
    run("build", "--site", example_site, "--now", NOW)
    for name in ("feed.xml", "atom.xml"):
        for entry in parse_feed(example_site / "public" / name).entries:
            root = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
            for element in root.iter():
                for attribute in ("href", "src"):
                    if element.get(attribute) is not None:
                        assert element.get(attribute).startswith("https://"), (entry.link, element.get(attribute))
                if element.get("srcset"):
                    for candidate in element.get("srcset").split(","):
                        assert candidate.strip().startswith("https://news.example.com/")


def test_every_example_image_on_the_site_exists(example_site, run):
    # Absolute is not enough: a wrong relative path gives an absolute URL to nothing.
    run("build", "--site", example_site, "--now", NOW)
    images = set()
    for name in ("feed.xml", "atom.xml"):
        for entry in parse_feed(example_site / "public" / name).entries:
            images |= {e.href for e in entry.enclosures}
            root = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
            images |= {img.get("src") for img in root.iter("img")}
    assert images == {"https://news.example.com/assets/img/seoul-skyline.png"}
    assert (example_site / "assets" / "img" / "seoul-skyline.png").is_file()


def test_example_scheduled_post_appears_once_its_date_passes(example_site, run):
    run("build", "--site", example_site, "--now", NOW)
    result = run("build", "--site", example_site, "--now", "2031-01-01T07:59:59+09:00")
    assert result.stdout == ""  # a second early: nothing changes
    result = run("build", "--site", example_site, "--now", "2031-01-01T08:00:00+09:00")
    assert result.exit_code == 0
    links = [e.link for e in parse_feed(example_site / "public" / "feed.xml").entries]
    assert links == ["https://news.example.com/announcements/2031/01/01/scheduled-for-the-future.html"] + [
        link for link, _ in EXAMPLE_ENTRIES]


# --- the Korean news post, through both feeds ---------------------------------


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_korean_news_post_round_trips(news_site, run, name):
    result = run("build", "--site", news_site, "--now", NOW)
    assert result.exit_code == 0, result.output
    feed = parse_feed(news_site / "public" / name)
    assert feed.bozo == 0
    assert feed.feed.title == "서울 뉴스"
    [entry] = feed.entries
    assert entry.title == "성수동에 창업 지원 센터 문 열어"
    assert entry.link == entry.id == NEWS_URL
    assert entry.summary == NEWS_EXCERPT
    assert [t.term for t in entry.tags] == ["News"]
    assert utc(entry.published_parsed) == BUILT_AT
    assert [(e.href, e.type) for e in entry.enclosures] == [("https://news.example.com/assets/img/x.png", "image/png")]

    content = entry.content[0].value
    # Nothing lost: same elements, attributes, text and Hangul; only the URLs
    # are absolute, against the post's own URL.
    assert html_shape(content.rstrip()) == html_shape(NEWS_BODY.rstrip(), base=NEWS_URL)
    assert '<p data-ke-size="size16">\u00a0</p>' in content
    assert "😀" in content
    assert 'src="https://news.example.com/news/2026/11/img/floor.jpg"' in content
    assert 'href="https://news.example.com/news/apply.html"' in content
    assert content.rstrip().endswith('<a href="https://www.example.org/original?id=1&amp;lang=ko">원문 보기</a>')


def test_korean_news_post_keeps_its_first_seen_date(news_site, run):
    run("build", "--site", news_site, "--now", NOW)
    state = news_site / ".syndicate" / "first-seen.json"
    assert json.loads(state.read_text(encoding="utf-8")) == {
        "posts/seongsu-center.html": "2026-11-25T09:00:00+09:00"}

    result = run("build", "--site", news_site, "--now", "2026-12-24T20:00:00+09:00")
    assert result.exit_code == 0
    # Still dated (and addressed) by the day it was first seen.
    [entry] = parse_feed(news_site / "public" / "atom.xml").entries
    assert entry.link == NEWS_URL
    assert utc(entry.published_parsed) == BUILT_AT
    assert result.stderr == ("posts/seongsu-center.html: warning: no date in front matter or file name; "
                             "dated 2026-11-25T09:00:00+09:00, when first seen\n")


def test_a_dateless_draft_is_dated_when_first_published(make_site, run):
    draft = "---\ntitle: Slow work\ndraft: true\n---\nx\n"
    site = make_site({"posts/slow-work.md": draft})
    run("build", "--site", site, "--now", "2026-11-02T09:00:00+09:00")
    run("build", "--site", site, "--now", "2026-11-10T09:00:00+09:00")
    (site / "posts" / "slow-work.md").write_text(draft.replace("draft: true\n", ""), encoding="utf-8")
    run("build", "--site", site, "--now", NOW)
    run("build", "--site", site, "--now", "2026-11-30T09:00:00+09:00")
    [entry] = parse_feed(site / "public" / "atom.xml").entries
    assert utc(entry.published_parsed) == BUILT_AT


def test_first_seen_date_survives_a_run_where_the_post_is_broken(news_site, run):
    run("build", "--site", news_site, "--now", NOW)
    post = news_site / "posts" / "seongsu-center.html"
    post.write_text(NEWS_POST.replace("categories: [News]", "categories: [News"), encoding="utf-8")
    assert run("build", "--site", news_site, "--now", "2026-12-01T09:00:00+09:00").exit_code == 1

    post.write_text(NEWS_POST, encoding="utf-8")
    run("build", "--site", news_site, "--now", "2026-12-02T09:00:00+09:00")
    [entry] = parse_feed(news_site / "public" / "feed.xml").entries
    assert utc(entry.published_parsed) == BUILT_AT


# --- ids, guids, dates --------------------------------------------------------


def test_custom_id_is_kept_and_rss_guid_is_not_a_permalink(make_site, run):
    site = make_site({
        "posts/2026-11-20-first.md": """\
            ---
            title: First
            id: urn:uuid:3f2c7a52-8d1e-4f7e-9a53-0c2b1d4e5f60
            ---
            Hello.
            """,
        "posts/2026-11-21-second.md": "---\ntitle: Second\n---\nWorld.\n",
    })
    run("build", "--site", site, "--now", NOW)
    assert guids(site / "public" / "feed.xml") == {
        "https://example.com/blog/2026/11/21/second.html": "true",
        "urn:uuid:3f2c7a52-8d1e-4f7e-9a53-0c2b1d4e5f60": "false",
    }
    for name in ("feed.xml", "atom.xml"):
        entries = parse_feed(site / "public" / name).entries
        assert [(e.id, e.link) for e in entries] == [
            ("https://example.com/blog/2026/11/21/second.html", "https://example.com/blog/2026/11/21/second.html"),
            ("urn:uuid:3f2c7a52-8d1e-4f7e-9a53-0c2b1d4e5f60", "https://example.com/blog/2026/11/20/first.html"),
        ]


def test_editing_title_and_body_keeps_the_id(make_site, run):
    site = make_site({"posts/2026-11-20-hello.md": "---\ntitle: Helo\n---\nTypo.\n"})
    run("build", "--site", site, "--now", NOW)
    before = parse_feed(site / "public" / "atom.xml").entries[0].id
    (site / "posts" / "2026-11-20-hello.md").write_text("---\ntitle: Hello, world\n---\nFixed.\n")
    run("build", "--site", site, "--now", NOW)
    after = parse_feed(site / "public" / "atom.xml").entries[0]
    assert after.title == "Hello, world"
    assert after.id == before == "https://example.com/blog/2026/11/20/hello.html"


def test_updated_dates_and_feed_date_come_from_the_posts(make_site, run):
    site = make_site({
        "posts/2026-11-01-old.md": "---\ntitle: Old\nlast_modified_at: 2026-11-10 12:00:00\n---\nx\n",
        "posts/2026-11-05-new.md": "---\ntitle: New\n---\ny\n",
    })
    run("build", "--site", site, "--now", NOW)
    feed = parse_feed(site / "public" / "atom.xml")
    entries = {e.title: e for e in feed.entries}
    # Naive times are in the site's time zone (Asia/Seoul).
    assert utc(entries["Old"].updated_parsed) == datetime(2026, 11, 10, 3, 0, tzinfo=timezone.utc)
    assert utc(entries["Old"].published_parsed) == datetime(2026, 10, 31, 15, 0, tzinfo=timezone.utc)
    assert utc(feed.feed.updated_parsed) == datetime(2026, 11, 10, 3, 0, tzinfo=timezone.utc)
    rss = parse_feed(site / "public" / "feed.xml")
    assert rss.feed.updated == "Tue, 10 Nov 2026 12:00:00 +0900"  # lastBuildDate


def test_empty_site_gives_valid_feeds_dated_2000(make_site, run):
    site = make_site()
    assert run("build", "--site", site, "--now", NOW).exit_code == 0
    for name in ("feed.xml", "atom.xml"):
        feed = parse_feed(site / "public" / name)
        assert feed.bozo == 0 and feed.entries == []
        assert utc(feed.feed.updated_parsed) == datetime(2000, 1, 1, tzinfo=timezone.utc)


# --- feed settings ---------------------------------------------------------------


def test_feed_limit_keeps_the_newest(make_site, run):
    posts = {f"posts/2026-11-{day:02d}-day-{day}.md": f"---\ntitle: Day {day}\ntags: [daily]\n---\nx\n"
             for day in range(1, 8)}
    site = make_site(posts, config=BASIC_CONFIG + "[feed]\nlimit = 3\ntags = true\n")
    run("build", "--site", site, "--now", NOW)
    for name in ("feed.xml", "atom.xml", "feeds/tag/daily.xml"):
        assert [e.title for e in parse_feed(site / "public" / name).entries] == ["Day 7", "Day 6", "Day 5"]


def test_full_content_false_gives_summary_only(make_site, run):
    site = make_site({"posts/2026-11-20-long.md": """\
        ---
        title: Long read
        ---
        The first paragraph, which is the summary.

        The second paragraph, only in the full post.
        """}, config=BASIC_CONFIG + "[feed]\nfull_content = false\n")
    run("build", "--site", site, "--now", NOW)
    for name in ("feed.xml", "atom.xml"):
        [entry] = parse_feed(site / "public" / name).entries
        assert entry.summary == "The first paragraph, which is the summary."
        assert "content" not in entry
    raw = (site / "public" / "feed.xml").read_text(encoding="utf-8")
    assert "content:encoded" not in raw and "second paragraph" not in raw
    assert "second paragraph" not in (site / "public" / "atom.xml").read_text(encoding="utf-8")


def test_a_post_can_keep_its_body_out_of_the_feeds(make_site, run):
    site = make_site({
        "posts/2026-11-20-teaser.md": "---\ntitle: Teaser\nfeed:\n  excerpt_only: true\n---\nThe summary.\n\nThe rest.\n",
        "posts/2026-11-21-whole.md": "---\ntitle: Whole\n---\nAll of it.\n",
    })
    run("build", "--site", site, "--now", NOW)
    for name in ("feed.xml", "atom.xml"):
        entries = {entry.title: entry for entry in parse_feed(site / "public" / name).entries}
        assert entries["Teaser"].summary == "The summary." and "content" not in entries["Teaser"]
        assert "All of it." in entries["Whole"].content[0].value


def test_the_post_image_goes_out_as_media_rss_with_its_size(example_site, run):
    # Mailchimp's *|RSSITEM:IMAGE|* reads media:content; an enclosure shows as a link there.
    run("build", "--site", example_site, "--now", NOW)
    for name in ("feed.xml", "atom.xml"):
        [entry] = [e for e in parse_feed(example_site / "public" / name).entries if e.get("media_content")]
        [media], [thumbnail] = entry.media_content, entry.media_thumbnail
        url = "https://news.example.com/assets/img/seoul-skyline.png"
        assert (media["url"], media["medium"], media["type"]) == (url, "image", "image/png")
        assert (media["width"], media["height"]) == ("536", "300")  # the file's, read from its header
        assert media["filesize"] == str((example_site / "assets/img/seoul-skyline.png").stat().st_size)
        assert (thumbnail["url"], thumbnail["width"]) == (url, "536")
        assert [e.href for e in entry.enclosures] == [url]


def test_category_and_tag_feeds_have_safe_file_names(make_site, run):
    site = make_site({
        "posts/2026-11-20-a.md": """\
            ---
            title: A
            categories: [뉴스, "../../etc", "a/b"]
            tags: "서울 Seoul"
            ---
            x
            """,
        "posts/2026-11-21-b.md": "---\ntitle: B\ncategory: news\ncategories: [News]\n---\ny\n",
    }, config=BASIC_CONFIG + "[feed]\ncategories = true\ntags = true\n")
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(site / "public").as_posix() for p in (site / "public").rglob("*.xml"))
    assert written == ["atom.xml", "feed.xml", "feeds/category/a-b.xml", "feeds/category/etc.xml",
                       "feeds/category/news.xml", "feeds/category/뉴스.xml",
                       "feeds/tag/seoul.xml", "feeds/tag/서울.xml"]
    news = parse_feed(site / "public" / "feeds/category/news.xml")
    assert news.bozo == 0
    assert news.feed.title == "Test Site — News"  # as first written
    assert [e.title for e in news.entries] == ["B"]
    korean = parse_feed(site / "public" / "feeds/category/뉴스.xml")
    assert [e.title for e in korean.entries] == ["A"]
    assert [link.href for link in korean.feed.links if link.rel == "self"] == [
        "https://example.com/blog/feeds/category/%EB%89%B4%EC%8A%A4.xml"]


def test_category_feed_names_fit_every_file_system(make_site, run):
    long_name = "가" * 130  # 390 bytes: more than a file name may have
    site = make_site({"posts/2026-11-20-a.md": f"---\ntitle: A\ncategories: [{long_name}, con]\n---\nx\n"},
                     config=BASIC_CONFIG + "[feed]\ncategories = true\n")
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (site / "public" / "feeds" / "category").glob("*.xml"))
    assert names == ["con-.xml", "가" * 65 + ".xml"]  # 199 bytes; "con" is reserved on Windows
    twins = sorted(p.name for p in (site / "public" / "feeds" / "category").glob("*.json"))
    assert twins == ["con-.json", "가" * 65 + ".json"]
    for name in names:
        assert parse_feed(site / "public" / "feeds" / "category" / name).entries[0].title == "A"


def test_no_category_feeds_unless_asked(make_site, run):
    site = make_site({"posts/2026-11-20-a.md": "---\ntitle: A\ncategories: [News]\ntags: [x]\n---\nx\n"})
    run("build", "--site", site, "--now", NOW)
    assert not (site / "public" / "feeds").exists()


# --- determinism ------------------------------------------------------------------


def test_building_twice_rewrites_nothing(example_site, run):
    first = run("build", "--site", example_site, "--now", NOW)
    assert first.exit_code == 0
    files = sorted((example_site / "public").rglob("*.xml"))
    assert len(files) == 11
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    second = run("build", "--site", example_site, "--now", NOW, "-v")
    assert second.exit_code == 0
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    assert "wrote" not in second.stdout
    assert second.stdout.count("unchanged public/") == 21  # and the JSON Feed twins


def test_a_later_clock_alone_changes_no_byte(example_site, run):
    run("build", "--site", example_site, "--now", NOW)
    before = {p: p.read_bytes() for p in (example_site / "public").rglob("*.xml")}
    run("build", "--site", example_site, "--now", "2026-11-30T23:59:00+09:00")
    assert {p: p.read_bytes() for p in (example_site / "public").rglob("*.xml")} == before


# --- what feed readers are given ------------------------------------------------------


def test_feed_content_is_made_safe_and_keeps_the_text(make_site, run):
    site = make_site({"posts/2026-11-20-embeds.html": """\
        ---
        title: Embeds
        ---
        <p data-ke-size="size16" onclick="track()">Watch:</p>
        <iframe src="https://www.youtube.com/embed/xyz" title="Launch video"></iframe>
        <script>document.write("x")</script><style>p { color: red }</style>
        <p style="text-align: center; position: fixed">Centred&nbsp;text</p>
        <span style="color: rgba(0,0,0,.5)">a</span><span style="color: #ee2323; background: url(x.png)">b</span>
        <form action="/s"><input name="e"><button>Subscribe</button></form>
        <img src="a.png" onerror="alert(1)"> <a href="javascript:alert(1)">bad</a>
        """})
    assert run("build", "--site", site, "--now", NOW).exit_code == 0
    for name in ("feed.xml", "atom.xml"):
        [entry] = parse_feed(site / "public" / name).entries
        assert html_shape(entry.content[0].value.strip()) == html_shape(
            '<p data-ke-size="size16">Watch:</p>\n'
            '<a href="https://www.youtube.com/embed/xyz">Launch video</a>\n\n'
            '<p style="text-align:center">Centred\u00a0text</p>\n'
            '<span>a</span><span style="color:#ee2323">b</span>\n'
            "Subscribe\n"
            '<img src="https://example.com/blog/2026/11/20/a.png"> <a>bad</a>')


def test_a_post_without_words_is_summarised_by_its_title(make_site, run):
    site = make_site({"posts/2026-11-20-link.md": "---\ntitle: Just a title\n---\n"})
    run("build", "--site", site, "--now", NOW)
    for name in ("feed.xml", "atom.xml"):
        [entry] = parse_feed(site / "public" / name).entries
        assert entry.summary == "Just a title"
        assert "content" not in entry


def test_urls_with_spaces_and_hangul_are_percent_encoded(make_site, run):
    site = make_site({"posts/2026-11-20-files.html": """\
        ---
        title: Files
        image: /img/서울 야경.png
        ---
        <p><a href="report 2026.pdf">report</a> <img src="/img/a%20b.png"></p>
        """})
    run("build", "--site", site, "--now", NOW)
    [entry] = parse_feed(site / "public" / "atom.xml").entries
    assert entry.enclosures[0].href == "https://example.com/blog/img/%EC%84%9C%EC%9A%B8%20%EC%95%BC%EA%B2%BD.png"
    content = entry.content[0].value
    assert 'href="https://example.com/blog/2026/11/20/report%202026.pdf"' in content
    assert 'src="https://example.com/img/a%20b.png"' in content  # an escape is not escaped twice


def test_example_feed_level_fields(example_site, run):
    run("build", "--site", example_site, "--now", NOW)
    for name, kind in (("feed.xml", "application/rss+xml"), ("atom.xml", "application/atom+xml")):
        feed = parse_feed(example_site / "public" / name).feed
        assert feed.subtitle == "Example posts in English and Korean, published as feeds and a weekly digest."
        assert feed.generator == "syndicate"
        assert {(link.rel, link.href, link.type) for link in feed.links} >= {
            ("self", f"https://news.example.com/{name}", kind)}
        assert feed.link == "https://news.example.com/"  # the alternate link, not the feed itself
    atom = parse_feed(example_site / "public" / "atom.xml").feed
    assert (atom.author_detail.name, atom.author_detail.email) == ("Example Newsroom", "newsroom@example.com")
    assert atom.id == "https://news.example.com/"


def test_site_title_and_description_are_plain_text(make_site, run):
    site = make_site(config=BASIC_CONFIG.replace('description = "A site for tests."',
                                                 'description = "News <b>from</b> Seoul &amp; Busan"'))
    run("build", "--site", site, "--now", NOW)
    for name in ("feed.xml", "atom.xml"):
        assert parse_feed(site / "public" / name).feed.subtitle == "News from Seoul & Busan"


def test_building_never_switches_the_process_locale(example_site, run, monkeypatch):
    import locale

    def refuse(*args):
        raise AssertionError(f"locale.setlocale{args} called")

    # feedgen's own RFC 822 formatting calls setlocale; syndicate must not use it.
    monkeypatch.setattr(locale, "setlocale", refuse)
    assert run("build", "--site", example_site, "--now", NOW).exit_code == 0
    assert "<pubDate>Mon, 02 Nov 2026 09:00:00 +0900</pubDate>" in (
        example_site / "public" / "feed.xml").read_text(encoding="utf-8")


def test_a_post_in_another_language_says_so(make_site, run):
    site = make_site({
        "posts/2026-11-01-en.md": "---\ntitle: English\nlang: en-US\n---\nHello.\n",
        "posts/2026-11-02-ko.md": "---\ntitle: 한국어\nlang: ko\n---\n안녕.\n",  # the site's own: nothing added
    }, config=BASIC_CONFIG.replace('language = "en"', 'language = "ko"'))
    run("build", "--site", site, "--now", NOW)
    rss = parse_feed(site / "public" / "feed.xml")
    assert [(e.title, e.get("language")) for e in rss.entries] == [("한국어", None), ("English", "en-US")]
    atom = parse_feed(site / "public" / "atom.xml")
    assert [(e.title, e.title_detail.language) for e in atom.entries] == [("한국어", "ko"), ("English", "en-US")]


def test_rss_plain_text_uses_hexadecimal_references(make_site, run):
    site = make_site({"posts/2026-11-20-tags.md": "---\ntitle: Using &lt;details&gt; & more\n"
                                                  "categories: [Q&A]\n---\nx\n"},
                     config=BASIC_CONFIG.replace('description = "A site for tests."',
                                                 'description = "Tips & tricks: 1 < 2"'))
    run("build", "--site", site, "--now", NOW)
    raw = (site / "public" / "feed.xml").read_text(encoding="utf-8")
    # What the RSS Profile asks for, so no reader takes the text for markup.
    assert "<title>Using &#x3C;details&gt; &#x26; more</title>" in raw
    assert "<description>Tips &#x26; tricks: 1 &#x3C; 2</description>" in raw
    assert "<category>Q&#x26;A</category>" in raw
    for name in ("feed.xml", "atom.xml"):
        feed = parse_feed(site / "public" / name)
        assert feed.feed.subtitle == "Tips & tricks: 1 < 2"
        [entry] = feed.entries
        assert (entry.title, entry.tags[0].term) == ("Using <details> & more", "Q&A")


def test_rss_description_is_the_excerpt_as_html(make_site, run):
    import html

    site = make_site({"posts/2026-11-20-code.md": "---\ntitle: Code\n"
                                                  "excerpt: 'if a &lt; b: print(\"&\") &amp; Q & A'\n---\nx\n"})
    run("build", "--site", site, "--now", NOW)
    raw = (site / "public" / "feed.xml").read_text(encoding="utf-8")
    # Escaped once as HTML, once as XML: every "&", even before a quote or a space.
    assert '<description>if a &amp;lt; b: print("&amp;amp;") &amp;amp; Q &amp;amp; A</description>' in raw
    [entry] = parse_feed(site / "public" / "feed.xml").entries
    assert html.unescape(entry.summary) == 'if a < b: print("&") & Q & A'


@pytest.mark.parametrize("link, length", [("file out", "0"), ("folder out", "0"), ("file in", "100"),
                                          ("no link", "100")])
def test_an_image_linked_out_of_the_site_gives_no_length(make_site, run, tmp_path, link, length):
    """An enclosure's length must not describe a file outside the site, reached through a link."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"\x89PNG" + b"0" * 96)
    site = make_site({"posts/2026-11-20-a.md": "---\ntitle: A\nimage: /img/x.png\n---\nBody.\n",
                      "assets/y.png": b"\x89PNG" + b"1" * 96})
    if link == "folder out":
        (site / "img").symlink_to(outside)
    else:
        (site / "img").mkdir()
        target = {"file out": outside / "x.png", "file in": site / "assets/y.png"}.get(link)
        if target is None:
            (site / "img/x.png").write_bytes(b"\x89PNG" + b"2" * 96)
        else:
            (site / "img/x.png").symlink_to(target)
    assert run("build", "--site", site, "--now", NOW).exit_code == 0
    [entry] = parse_feed(site / "public" / "feed.xml").entries
    assert entry.enclosures[0].length == length


# --- a Jekyll site: the Atom feed where jekyll-feed wrote it -------------------------------


@pytest.mark.parametrize("feed_config, rss_path, atom_path, json_path", [
    ("", "feed.rss.xml", "feed.xml", "feed.json"),
    ("feed:\n  path: atom.xml\n", "atom.rss.xml", "atom.xml", "atom.json"),
    ("feed:\n  path: /blog/feed.atom\n", "blog/feed.rss.xml", "blog/feed.atom", "blog/feed.atom.json"),
])
def test_a_jekyll_sites_atom_feed_is_at_jekyll_feeds_path(tmp_path, run, feed_config, rss_path, atom_path,
                                                          json_path):
    (tmp_path / "_config.yml").write_text("title: T\nurl: https://x.com/\nbaseurl: /b\n" + feed_config,
                                          encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2026-11-20-a.md").write_text("---\ntitle: A\n---\nx\n", encoding="utf-8")
    assert run("build", "--site", tmp_path, "--now", NOW).exit_code == 0
    assert sorted(p.relative_to(tmp_path / "public").as_posix()
                  for p in (tmp_path / "public").rglob("*") if p.is_file()) == sorted([rss_path, atom_path, json_path])
    atom = parse_feed(tmp_path / "public" / atom_path)
    assert atom.version == "atom10"
    assert parse_feed(tmp_path / "public" / rss_path).version == "rss20"
    # jekyll-feed's ids: the feed's own URL; each post's folder and slug, after
    # url's trailing "/" and baseurl's leading one, as its absolute_url joins them.
    assert atom.feed.id == f"https://x.com//b/{atom_path}"
    assert [e.id for e in atom.entries] == ["https://x.com//b/2026/11/20/a"]
    assert [e.link for e in atom.entries] == ["https://x.com//b/2026/11/20/a.html"]
