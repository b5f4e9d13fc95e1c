"""Properties over random posts: only the project's own errors, and feeds that always parse.

Each example is one post file read, rendered and put in an RSS and an Atom
feed by the library functions the build uses. Example counts are modest and
the runs derandomized, so the suite stays quick on two cores and CI stable.
"""

from __future__ import annotations

import html
import re
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate.sources.config import load_site
from syndicate.render.content import render_post
from syndicate.errors import SyndicateError
from syndicate.render.feeds import ATOM, RSS, FeedSpec, render_feed
from syndicate.sources.posts import load_post
from syndicate.text import XML_FORBIDDEN, html_text

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone(timedelta(hours=9)))
CONFIG = 'title = "Props"\nurl = "https://example.com/blog/"\ntimezone = "Asia/Seoul"\n'
PROPERTIES = settings(max_examples=60, derandomize=True, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])

# Text of every kind but lone surrogates, which a UTF-8 file cannot hold.
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<div>", "</div>", "<b>", "<script>alert(1)</script>", "<style>p{}</style>", "]]>",
    "<![CDATA[", "<!--", "-->", "&amp;", "&", "&#1;", "&#xFFFE;", "&#0;", "&nbsp;", "<", ">", "\x00", "\x0b",
    "<a href=\"javascript:alert(1)\">", "<a href=\"data:text/html,x\">", "</a>", "<img src=x onerror=y>",
    "<iframe src=\"https://v.example/1\">", "</iframe>", "<embed src=\"https://e.example/x\">", "<form>",
    "<object data=\"o.swf\">", "\u202e", "\ufeff", "한글", "e\u0301", "\n\n", "*", "# ", "[x](y)", "`",
])
BODIES = st.one_of(ANY_TEXT, st.lists(st.one_of(HTML_PIECES, ANY_TEXT), max_size=25).map("".join))
KEYS = st.one_of(st.sampled_from(["title", "date", "updated", "excerpt", "summary", "description", "categories",
                                  "category", "tags", "slug", "permalink", "id", "guid", "image", "author",
                                  "lang", "draft", "published", "last_modified_at"]), ANY_TEXT)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ANY_TEXT,
                    st.dates(min_value=date(1, 1, 1)), st.datetimes(timezones=st.just(timezone.utc)))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(ANY_TEXT, inner, max_size=4)), max_leaves=8)
FRONT_MATTER = st.dictionaries(KEYS, VALUES, max_size=8)


def publish(text: bytes, suffix: str = ".md"):
    """Read, render and feed one post; the Post, both feeds' bytes, or the SyndicateError raised."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "syndicate.toml").write_text(CONFIG)
        (root / "posts").mkdir()
        path = root / "posts" / f"2024-05-01-post{suffix}"
        path.write_bytes(text)
        site = load_site(root)
        try:
            post, _ = load_post(site, path, {}, NOW)
            if post is None:  # an empty file, skipped with a warning
                return None, {}
            rendered = render_post(site, post)
            feeds = {kind: render_feed(site, FeedSpec(f"{kind}.xml", kind, site.title, (post,)),
                                       {post.name: rendered}) for kind in (RSS, ATOM)}
        except SyndicateError as exc:
            return exc, {}
        return post, feeds


def assert_sound(feeds: dict[str, bytes]) -> None:
    for kind, data in feeds.items():
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (kind, parsed.get("bozo_exception"), data[:2000])
        etree.fromstring(data)
        assert len(parsed.entries) == 1


@PROPERTIES
@given(FRONT_MATTER, BODIES, st.sampled_from([".md", ".html"]))
def test_random_front_matter_and_bodies_raise_only_syndicate_errors_and_feeds_parse(meta, body, suffix):
    front = yaml.safe_dump(meta, allow_unicode=True, default_flow_style=False)
    outcome, feeds = publish(f"---\n{front}---\n{body}".encode("utf-8"), suffix)
    if outcome is None or isinstance(outcome, SyndicateError):
        assert "\n" not in str(outcome)  # one line, always
        return
    assert_sound(feeds)


@PROPERTIES
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_syndicate_errors(data):
    outcome, feeds = publish(data)
    if outcome is not None and not isinstance(outcome, SyndicateError):
        assert_sound(feeds)


@PROPERTIES
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80))
def test_a_title_reads_back_from_both_feeds_as_its_plain_text(title):
    front = yaml.safe_dump({"title": title, "date": date(2024, 5, 1)}, allow_unicode=True)
    post, feeds = publish(f"---\n{front}---\nbody\n".encode("utf-8"))
    assert not isinstance(post, SyndicateError), post
    assert_sound(feeds)
    if not re.search("[<&\x85\u2028\u2029]", title):  # markup and YAML line breaks aside:
        # the text itself, whitespace folded
        assert post.title == " ".join(XML_FORBIDDEN.sub("", title).split()) or post.title == "Post"
    # feedparser "repairs" what looks like UTF-8 read as Latin-1 ("Ã©" → "é");
    # such titles are checked in the XML below, not through it.
    if not re.search("[\u00c2-\u00f4][\u0080-\u00bf]", post.title):
        atom = feedparser.parse(feeds[ATOM]).entries[0]
        assert atom.title == post.title
        rss = feedparser.parse(feeds[RSS]).entries[0]
        if rss.title_detail.type == "text/plain":  # RSS cannot say a title is text; feedparser guesses
            assert rss.title == post.title
    for data in feeds.values():
        # Escaped exactly once: the XML text of <title> is the title itself.
        tree = etree.fromstring(data)
        entry_titles = [element.text or "" for element in tree.iter()
                        if etree.QName(element).localname == "title" and element.getparent() is not tree
                        and etree.QName(element.getparent()).localname in ("item", "entry")]
        assert entry_titles == [post.title]


@settings(max_examples=300, derandomize=True)
@given(st.text(st.one_of(st.sampled_from(list("&#;x0123456789abltgmpAZ <>")), st.characters()), max_size=40))
def test_html_text_reads_back_as_the_text(text):
    assert html.unescape(html_text(text)) == text


ATTACKS = st.sampled_from([
    "<script>alert(1)</script>", "<SCRIPT SRC=//x.example/x.js></SCRIPT>", "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>", "<iframe src=javascript:alert(1)>", "<object data=javascript:alert(1)>",
    "<embed src=data:text/html,x>", "<form action=javascript:alert(1)><button>", "<a href=\" jav&#x09;ascript:x\">",
    "<a href=\"JaVaScRiPt:alert(1)\">", "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">", "<a href=vbscript:x>",
    "<math><mtext><style><img src=x onerror=y>", "<div style=\"background:url(javascript:x)\">",
    "<body onload=x>", "<meta http-equiv=refresh content=\"0;url=javascript:x\">", "<base href=javascript:x>",
    "<link rel=stylesheet href=//x.example/x.css>", "<p title=\"\"><script>x</script>\">", "<!--<script>-->",
    "<![CDATA[<script>]]>", "<noscript><p title=\"</noscript><img src=x onerror=y>\">",
    "[md](javascript:alert(1))", "![md](javascript:alert(1))", "<javascript:alert(1)>", "[ref]\n\n[ref]: vbscript:x",
    "[d](data:text/html;base64,PHNjcmlwdD4=)", "<a href=\"&#106;avascript:alert(1)\">", "<a href=\"java\nscript:x\">",
])
DANGEROUS_TAGS = {"script", "style", "iframe", "object", "embed", "form", "input", "button", "svg", "math",
                  "meta", "base", "link", "body", "noscript", "frame", "frameset", "applet"}


def assert_inert(fragment: str) -> None:
    """No element, attribute or URL in ``fragment`` can run or fetch anything."""
    from syndicate.text import parse_fragment

    if not fragment.strip():
        return
    for element in parse_fragment(fragment).iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in DANGEROUS_TAGS, (element.tag, fragment)
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), (attribute, fragment)
            scheme = re.sub(r"[\s\x00-\x1f]", "", value).split(":", 1)[0].lower() if ":" in value else ""
            if attribute in ("href", "src", "action", "data", "poster", "srcset", "background", "formaction"):
                assert scheme not in ("javascript", "vbscript"), (attribute, value, fragment)
                assert scheme != "data" or (element.tag == "img" and value.lower().startswith("data:image/")), value
            if attribute == "style":
                assert "javascript:" not in value.lower() and "url(" not in value.lower(), value


@PROPERTIES
@given(st.lists(st.one_of(ATTACKS, HTML_PIECES, ANY_TEXT), max_size=12).map("".join))
def test_no_script_survives_into_feed_or_email_html(body):
    from syndicate.render.content import absolute_urls, feed_html, to_html
    from syndicate.render.inline import sanitise_body

    for body_format in ("html", "markdown"):
        html_body = absolute_urls(to_html(XML_FORBIDDEN.sub("", body), body_format), "https://example.com/blog/p.html")
        assert_inert(feed_html(html_body))
        assert_inert(sanitise_body(html_body))
