"""Hugo bodies as Hugo 0.111's goldmark renders them, against the pages ``hugo`` writes (the oracle).

tests/hugo/goldmark/ is a site of one construct per post: linkify,
footnotes, a definition list, a task list, strikethrough, a table, heading
ids and attributes, block attributes, the ``details`` shortcode, line
breaks. Its layout is ``{{ .Content }}``, so each page Hugo writes is the
body alone; each body syndicate renders must be the same markup (whitespace
between tags aside, entities read as characters), with Hugo's defaults and
with the ``markup.goldmark`` settings that turn each extension off or change
it. tests/test_hugo.py compares the site's feeds with Hugo's too.

The oracle must be installed (``.ci/run`` installs Debian's hugo): without
it these tests fail, never skip.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from syndicate.render.content import absolute_urls, render_post
from syndicate.render.goldmark import goldmark, heading_id
from syndicate.render.hugo_body import Page, render_shortcodes, restore_shortcodes
from syndicate.sources.config import load_site
from syndicate.sources.hugo import Goldmark
from syndicate.sources.posts import load_posts
from syndicate.commands.run import resolve_now
from tests.conftest import parse_feed
from tests.test_hugo import NOW, SITES, hugo_build, syndicate_build

SITE = SITES / "goldmark"


def canonical(html_text: str) -> str:
    """Markup as a browser reads it: parsed, white space between tags dropped and runs of it folded."""
    root = lxml.html.fragment_fromstring(html_text or "", create_parent="div")
    for element in root.iter():
        for name in ("text", "tail"):
            value = getattr(element, name)
            if value is not None:
                setattr(element, name, re.sub(r"\s+", " ", value))
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", lxml.html.tostring(root, encoding="unicode"))


def bodies(site: Path) -> dict[str, str]:
    """Each post's body as syndicate renders it for its outputs, by its URL's path."""
    loaded = load_site(site)
    posts = load_posts(loaded, resolve_now(NOW, loaded)).posts
    return {post.url.removeprefix(loaded.url): render_post(loaded, post).html for post in posts}


def site_with(tmp_path: Path, settings: str) -> Path:
    """A copy of the fixture site with ``settings`` added to its hugo.toml."""
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    with (site / "hugo.toml").open("a", encoding="utf-8") as config:
        config.write("\n" + settings)
    return site


def assert_bodies_are_hugos(site: Path, oracle: Path) -> None:
    """Our bodies are Hugo's pages, links within a page (footnotes) made absolute as in every feed."""
    ours = bodies(site)
    assert len(ours) >= 10
    for path, html_text in ours.items():
        page = (oracle / path / "index.html").read_text(encoding="utf-8")
        assert canonical(html_text) == canonical(absolute_urls(page, load_site(site).url + path)), path


@pytest.fixture(scope="module")
def oracle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("goldmark")
    source = work / "source"
    shutil.copytree(SITE, source)
    hugo_build(source, work / "public")
    return work / "public"


def test_every_body_is_goldmarks_markup(oracle):
    """Linkify, footnotes, definition and task lists, strikethrough, tables, heading ids: Hugo's defaults."""
    assert_bodies_are_hugos(SITE, oracle)


SETTINGS = {
    "all-off": """\
[markup.goldmark.extensions]
linkify = false
footnote = false
definitionList = false
taskList = false
strikethrough = false
table = false
typographer = false
[markup.goldmark.parser]
autoHeadingIDType = "blackfriday"
""",
    "wraps-xhtml-attributes": """\
[markup.goldmark.renderer]
hardWraps = true
xhtml = true
[markup.goldmark.parser]
autoHeadingID = false
[markup.goldmark.parser.attribute]
block = true
title = false
""",
    "ascii-ids-block-attributes": """\
[markup.goldmark.extensions]
linkifyProtocol = "http"
[markup.goldmark.parser]
autoHeadingIDType = "github-ascii"
[markup.goldmark.parser.attribute]
block = true
""",
}


@pytest.mark.parametrize("name", SETTINGS)
def test_settings_change_bodies_as_they_change_hugos(tmp_path, name):
    """Each ``markup.goldmark`` setting read where Hugo reads it, and its body as Hugo renders it then."""
    site = site_with(tmp_path, SETTINGS[name])
    hugo_build(site, tmp_path / "oracle")
    assert_bodies_are_hugos(site, tmp_path / "oracle")


def test_a_site_builds_with_its_settings_and_no_warning(tmp_path):
    site = site_with(tmp_path, SETTINGS["wraps-xhtml-attributes"])
    hugo_build(site, site / "public")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output.lower()


@pytest.mark.parametrize("settings, expected", [
    ('[markup.goldmark.parser]\nautoHeadingIDType = "pandoc"\n',
     'hugo.toml: markup.goldmark.parser.autoHeadingIDType must be one of "github", "github-ascii", "blackfriday", '
     'got "pandoc"'),
    ('[markup.goldmark.extensions]\nfootnote = "yes"\n',
     'hugo.toml: markup.goldmark.extensions.footnote must be true or false, got "yes"'),
])
def test_a_bad_goldmark_setting_is_one_clear_line(tmp_path, settings, expected):
    site = site_with(tmp_path, settings)
    result = CliRunner().invoke(cli, ["build", "--site", str(site), "--now", NOW])
    assert result.exit_code != 0
    assert expected in result.output


def test_settings_are_read_whatever_their_case(tmp_path):
    site = site_with(tmp_path, "[Markup.Goldmark.Renderer]\nHardWraps = true\n[Markup.Goldmark.Extensions]\n"
                               "Typographer = {disable = true}\n")  # Hugo 0.112's table form
    settings = load_site(site).hugo.goldmark
    assert settings == Goldmark(hard_wraps=True, typographer=False)


# --- feeds and digests -----------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("goldmark-built") / "site"
    shutil.copytree(SITE, site)
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    return site


def entry(site: Path, title: str, feed: str = "index.xml"):
    return next(e for e in parse_feed(site / "public" / feed).entries if e.title == title)


@pytest.mark.parametrize("feed", ["index.xml", "atom.xml"])
def test_footnote_links_in_a_feed_lead_to_the_posts_page(built, feed):
    """``#fn:1`` is the post's page with that fragment: a reader resolves a bare one against the feed, or drops ids."""
    html_text = entry(built, "Footnotes", feed).content[0].value
    root = lxml.html.fragment_fromstring(html_text, create_parent="div")
    links = [a.get("href") for a in root.iter("a")]
    page = "https://goldmark.example.org/posts/footnotes/"
    assert links[:3] == [page + "#fn:1", page + "#fn:2", page + "#fn:1"]
    assert {page + "#fnref:1", page + "#fnref1:1", page + "#fnref:2", "https://example.com/note"} <= set(links)
    ids = {element.get("id") for element in root.iter()}
    assert {"fnref:1", "fnref1:1", "fn:1", "fn:2"} <= ids  # the ids stay, as on the page


def test_footnote_links_in_a_digest_lead_to_the_posts_page(tmp_path):
    """A digest holds several posts (their ids clash) and mail clients drop ids: there, the post's page."""
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    (site / "syndicate.toml").write_text("[digest]\nfull_content = true\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["digest", "--site", str(site), "--now", "2023-03-12T09:00:00+00:00"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    digest = next((site / "public" / "digest").glob("*.html")).read_text(encoding="utf-8")
    assert 'href="https://goldmark.example.org/posts/footnotes/#fn:1' in digest
    assert 'href="#fn:1"' not in digest


def test_a_feed_entry_reads_as_hugos_page(built, oracle):
    """Words, and where links lead: a reader sees Hugo's page (check boxes aside: feeds carry no form element)."""
    for title, path in (("Linkify", "posts/linkify"), ("Definition list", "posts/definition-list"),
                        ("Task list", "posts/task-list"), ("Details", "posts/details")):
        ours = lxml.html.fragment_fromstring(entry(built, title).content[0].value, create_parent="div")
        page = lxml.html.fragment_fromstring((oracle / path / "index.html").read_text(encoding="utf-8"),
                                             create_parent="div")
        assert " ".join(ours.text_content().split()) == " ".join(page.text_content().split()), title
        assert [a.get("href") for a in ours.iter("a")] == [a.get("href") for a in page.iter("a")], title


# --- the details shortcode (Hugo 0.140's; the oracle, 0.111, has none of its own) ---------------


def details(source: str) -> str:
    markdown = goldmark(Goldmark())
    page = Page({}, lambda text: markdown.renderInline(text).strip(), lambda target: None,
                markdown.render)
    body, left_out, outputs = render_shortcodes(source, page)
    assert left_out == []
    return restore_shortcodes(markdown.render(body), outputs).strip()


def test_details_is_written_as_hugos_embedded_template_writes_it():
    """Hugo's documentation's example, word for word: a ``<details>`` with its summary, the inner Markdown."""
    assert details('{{< details summary="See the details" >}}\nThis is a **bold** word.\n{{< /details >}}\n') == (
        "<details>\n  <summary>See the details</summary>\n  <p>This is a <strong>bold</strong> word.</p>\n"
        "</details>")


@pytest.mark.parametrize("arguments, opening", [
    ("", "<details>"),
    ('class="faq" name="group" open=true title="More"', '<details class="faq" name="group" open title="More">'),
    ('open="true"', "<details open>"),
    ("open=1", "<details open>"),
    ("open=false", "<details>"),
    ('title="a \\"quoted\\" <title>"', '<details title="a &quot;quoted&quot; &lt;title&gt;">'),
])
def test_details_arguments(arguments, opening):
    html_text = details(f"{{{{< details {arguments} >}}}}\ninner\n{{{{< /details >}}}}\n")
    assert html_text.startswith(opening + "\n  <summary>Details</summary>\n  <p>inner</p>")


def test_details_summary_is_inline_markdown():
    assert "<summary>See the <em>fine</em> print</summary>" in details(
        '{{< details summary="See the *fine* print" >}}\nx\n{{< /details >}}')


# --- heading ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, expected", [
    ("github", "héllo-wörld--ünïcödé--linkhttplcom-안녕-x_y"),
    ("github-ascii", "hello-world--unicode--linkhttplcom--x_y"),
    ("blackfriday", "héllo-wörld-ünïcödé-link-http-l-com-안녕-x-y"),
])
def test_heading_ids_of_each_kind(kind, expected):
    """Hugo 0.111's ids of one heading's source text (read off its pages), by ``parser.autoHeadingIDType``."""
    assert heading_id("Héllo Wörld — ünïcödé & [link](http://l.com) 안녕 `x_y`", kind) == expected
