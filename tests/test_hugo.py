"""Hugo sites as they are, against the incumbent: ``hugo`` 0.111 (Debian's) and its built-in RSS template.

Each folder in tests/hugo/ is a small site written for these tests, one
construct per post (YAML, TOML and JSON front matter, capitalised keys, a
leaf bundle with an image, a draft, a scheduled and an expired post, two
sections, ``<!--more-->``, a second language). Every site is built once per module by Hugo (the
oracle) and by syndicate, and every feed Hugo writes of posts (``index.xml``
of the site, of each section, tag and category) is compared with
syndicate's, entry by entry as feedparser reads them: guids, links, titles,
dates. A reader subscribed to Hugo's feed must see no post again.

Hugo has no clock to set: the fixtures' posts are dated well in the past,
the scheduled one in 2999 and the expired one in 2001, so the build time
does not matter; syndicate is given a fixed ``--now``.

The oracle must be installed (``.ci/run`` installs Debian's hugo): without
``hugo`` on PATH these tests fail, never skip.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from tests.conftest import parse_feed

SITES = Path(__file__).parent / "hugo"
NAMES = sorted(p.name for p in SITES.iterdir() if p.is_dir())
NOW = "2026-01-01T00:00:00+00:00"


@dataclass
class Built:
    """One fixture site built by Hugo and by syndicate."""

    oracle: Path  # Hugo's public folder
    site: Path  # syndicate's copy of the site; its outputs are in public/
    stdout: str
    stderr: str


def hugo_build(source: Path, destination: Path, *flags: str) -> None:
    """``hugo`` of ``source`` (and ``flags``); the test fails, with Hugo's output, if it does."""
    hugo = shutil.which("hugo")
    if hugo is None:
        pytest.fail("hugo is not on PATH: these tests compare syndicate with Hugo's feeds "
                    "(Debian: apt-get install hugo; .ci/run does it)", pytrace=False)
    env = {**os.environ, "TZ": "UTC", "HUGO_ENVIRONMENT": "production"}
    done = subprocess.run([hugo, "--source", str(source), "--destination", str(destination), "--quiet",
                           "--cacheDir", str(destination.parent / "hugo-cache"), *flags],
                          env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not any(destination.rglob("index.xml")):  # ko/index.xml with the language in a subdir
        pytest.fail(f"hugo {source.name} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


def syndicate_build(site: Path, *extra: str):
    return CliRunner().invoke(cli, ["build", "--site", str(site), "--now", NOW, *extra], prog_name="syndicate",
                              catch_exceptions=False)


def edited_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the fixture site ``name`` whose hugo.toml has ``new`` where it had ``old``."""
    site = tmp_path / "site"
    shutil.copytree(SITES / name, site)
    config = site / "hugo.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Built]:
    sites = {}
    for name in NAMES:
        work = tmp_path_factory.mktemp(name)
        source = work / "hugo-source"  # hugo leaves a lock file and resources/ in the site it builds
        shutil.copytree(SITES / name, source)
        hugo_build(source, work / "hugo-public")
        ours = work / "site"
        shutil.copytree(SITES / name, ours)
        # As on a Hugo site: syndicate runs after hugo, in the folder hugo published to.
        hugo_build(ours, ours / "public")
        result = syndicate_build(ours)
        assert result.exit_code == 0, result.output
        sites[name] = Built(work / "hugo-public", ours, result.stdout, result.stderr)
    return sites


def summary_text(value: str) -> str:
    """A summary as a reader sees its words: Hugo's is escaped HTML (``.Summary | html``), syndicate's text."""
    for _ in range(2):
        value = html.unescape(re.sub(r"<[^>]*>", " ", value))
    return " ".join(value.split())


def entry_fields(entry) -> dict:
    """What a reader keeps of an entry, as feedparser reads it from either feed."""
    return {
        "guid": entry.get("id", ""),
        "link": entry.get("link", ""),
        "title": entry.title,
        "published": datetime(*entry.published_parsed[:6], tzinfo=timezone.utc),
        "summary": summary_text(entry.get("summary", "")),
    }


def entries(path: Path) -> list[dict]:
    """A feed's entries, but Hugo's items of a page it never renders (an empty guid and link), which syndicate
    leaves out: there is no page to link, and no id a reader could keep."""
    feed = parse_feed(path)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return [entry_fields(entry) for entry in feed.entries if entry.get("id") or entry.get("link")]


def post_feeds(public: Path, generator: str = "Hugo") -> list[str]:
    """The feeds in ``public`` that ``generator`` wrote: every index.xml, lists of terms (tags/index.xml) too.

    A feed is known by its <generator>: syndicate's copy of the site holds Hugo's output too.
    A list of terms is compared as the others: its items (the terms' pages) have a guid, a link,
    a title, a date and an empty description.
    """
    found = []
    for path in public.rglob("index.xml"):
        if f"<generator>{generator}" in path.read_text(encoding="utf-8"):
            found.append(path.relative_to(public).as_posix())
    return sorted(found)


@pytest.mark.parametrize("name", NAMES)
def test_syndicate_writes_every_feed_hugo_writes(built, name):
    site = built[name]
    ours = site.site / "public"
    assert post_feeds(site.oracle), "the oracle wrote no feeds"
    assert post_feeds(ours, "syndicate") == post_feeds(site.oracle)


@pytest.mark.parametrize("name", NAMES)
def test_every_entry_is_hugos(built, name):
    """Each feed: the same entries, in the same order, with Hugo's guid, link, title and date."""
    site = built[name]
    for path in post_feeds(site.oracle):
        oracle, ours = entries(site.oracle / path), entries(site.site / "public" / path)
        assert ours == oracle, path


def test_other_languages_have_their_own_feeds(built):
    """A multilingual site: /en/index.xml (and its section and tag feeds) in English, under the language's title.

    Hugo's feeds of the default language hold none of its pages; the
    comparison with Hugo's guids and links is ``test_every_entry_is_hugos``'.
    """
    public = built["multilingual"].site / "public"
    english = parse_feed(public / "en" / "index.xml")
    assert english.feed.generator == "syndicate"  # not Hugo's, which syndicate's copy of the site holds too
    assert english.feed.title == "A blog in two languages" and english.feed.language == "en-US"
    assert "content:encoded" in (public / "en" / "index.xml").read_text(encoding="utf-8")  # the full posts
    assert [e.title for e in english.entries] == ["The trip", "First post", "Its own URL"]
    assert [e.title for e in parse_feed(public / "en" / "tags" / "diary" / "index.xml").entries] == ["First post"]
    for path in ("index.xml", "atom.xml", "posts/index.xml"):
        titles = {e.title for e in parse_feed(public / path).entries}
        assert "첫 글" in titles and titles.isdisjoint({"The trip", "First post", "Its own URL"}), path


@pytest.mark.parametrize("old, new, present, absent", [
    # The default language's pages and feeds under /ko/, and no /index.xml.
    ('title = "두 언어 블로그"\n', 'title = "두 언어 블로그"\ndefaultContentLanguageInSubdir = true\n',
     "ko/index.xml", "index.xml"),
    # A language turned off: its pages are in no feed, and it has none.
    ('languageName = "English"\n', 'languageName = "English"\ndisabled = true\n', "index.xml", "en/index.xml"),
    ('timeZone = "Asia/Seoul"\n', 'timeZone = "Asia/Seoul"\ndisableLanguages = ["en"]\n', "index.xml",
     "en/index.xml"),
])
def test_language_settings_put_the_feeds_where_hugo_does(tmp_path, old, new, present, absent):
    """``defaultContentLanguageInSubdir``, ``disabled``, ``disableLanguages``: Hugo's feeds, entry by entry."""
    assert_edited_feeds_are_hugos(tmp_path, "multilingual", old, new, present, absent)


def assert_edited_feeds_are_hugos(tmp_path: Path, name: str, old: str, new: str, present: str, absent: str) -> Path:
    """The fixture ``name`` with ``new`` for ``old`` in its hugo.toml, built by Hugo and by syndicate: Hugo writes
    ``present`` and not ``absent``, and syndicate the same feeds, entry by entry. Returns the site."""
    site = edited_copy(tmp_path, name, old, new)
    hugo_build(site, tmp_path / "oracle")
    hugo_build(site, site / "public")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    feeds = post_feeds(tmp_path / "oracle")
    assert present in feeds and absent not in feeds
    assert post_feeds(site / "public", "syndicate") == feeds
    for path in feeds:
        assert entries(site / "public" / path) == entries(tmp_path / "oracle" / path), path
    return site


def test_a_digest_of_a_multilingual_site_is_in_its_default_language(tmp_path):
    """The same post in two languages: the digest has the default language's, once."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "multilingual", site)
    result = CliRunner().invoke(cli, ["digest", "--site", str(site), "--now", "2023-05-08T09:00:00+09:00"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (site / "public" / "digest" / "2023-W18.txt").read_text(encoding="utf-8")
    assert "여행" in text and "The trip" not in text


# Embeds: Hugo's page has the player (an iframe, a script), syndicate's feed a link to the page.
EMBEDS = "//script | //iframe/.. | //p[a[contains(@href, 'youtube.com') or contains(@href, 'vimeo.com') " \
         "or contains(@href, 'gist.github.com')]]"


def body_view(html_text: str, page: str) -> dict:
    """What a reader sees of a body: its words (whitespace folded), where its images and links lead.

    URLs are resolved against the entry's page, as a reader resolves them;
    embeds are left out (``test_embeds_are_links``).
    """
    root = lxml.html.fragment_fromstring(html_text or "<p></p>", create_parent="div")
    for element in root.xpath(EMBEDS):
        element.drop_tree()
    return {"text": " ".join(root.text_content().split()),
            "images": sorted(urljoin(page, img.get("src", "")) for img in root.iter("img")),
            "links": sorted(urljoin(page, a.get("href", "")) for a in root.iter("a"))}


@pytest.mark.parametrize("name, at_least", [("blog", 10), ("unsafe-html", 2)])
def test_every_body_reads_as_hugos_page(built, name, at_least):
    """Each entry's full content against the page Hugo renders (the fixture's layout is ``{{ .Content }}``).

    Built-in shortcodes (figure, highlight, param) as Hugo renders them, a
    site's own shortcode as its inner text, a bundle's image beside it; raw
    HTML left out as goldmark leaves it out, unless ``markup.goldmark.renderer.unsafe``
    (``unsafe-html``), and so the HTML of a ``{{% … %}}`` shortcode, which is Markdown.
    """
    site = built[name]
    feed = parse_feed(site.site / "public" / "atom.xml")
    assert len(feed.entries) >= at_least
    for entry in feed.entries:
        page = site.oracle / urlsplit(entry.link).path.lstrip("/") / "index.html"
        oracle = body_view(page.read_text(encoding="utf-8"), entry.link)
        assert body_view(entry.content[0].value, entry.link) == oracle, entry.link


@pytest.mark.parametrize("name, title", [("blog", "Typographer: quotes"), ("blog", "Typographer: dashes"),
                                         ("unsafe-html", "Typographer off")])
def test_typography_is_goldmarks(built, name, title):
    """Curly quotes, dashes and ellipses as goldmark's typographer writes them (on unless the site turns it off)."""
    site = built[name]
    entry = next(e for e in parse_feed(site.site / "public" / "atom.xml").entries if e.title == title)
    page = site.oracle / urlsplit(entry.link).path.lstrip("/") / "index.html"

    def text(html_text: str) -> str:
        return " ".join(lxml.html.fragment_fromstring(html_text, create_parent="div").text_content().split())

    assert text(entry.content[0].value) == text(page.read_text(encoding="utf-8"))


def test_embeds_are_links_to_their_pages(built):
    """youtube, vimeo, gist: a link with its title, not an iframe or a script a feed reader would drop."""
    feed = parse_feed(built["blog"].site / "public" / "atom.xml")
    entry = next(e for e in feed.entries if e.title == "Built-in shortcodes")
    root = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
    links = [(a.get("href"), a.text_content()) for a in root.iter("a")]
    assert ("https://www.youtube.com/watch?v=w7Ft2ymGmfc", "YouTube video") in links
    assert ("https://vimeo.com/146022717", "A Vimeo film") in links
    assert ("https://gist.github.com/spf13/7896402", "Gist spf13/7896402") in links
    assert not root.xpath("//iframe | //script")


def test_guids_are_permalinks(built):
    """Hugo's guid is the permalink, which readers may open: syndicate's says so (isPermaLink)."""
    rss = lxml.etree.parse(str(built["blog"].site / "public" / "index.xml"))
    guids = rss.findall("channel/item/guid")
    assert guids and all(guid.get("isPermaLink", "true") == "true" for guid in guids)
    assert [guid.text for guid in guids] == rss.xpath("channel/item/link/text()")


def test_atom_feed_beside_hugos(built):
    """syndicate's Atom feed goes to atom.xml, where Hugo writes nothing: the same posts as index.xml."""
    site = built["blog"]
    assert not (site.oracle / "atom.xml").exists()
    atom = parse_feed(site.site / "public" / "atom.xml")
    assert atom.version == "atom10"
    assert [e.link for e in atom.entries] == [e["link"] for e in entries(site.site / "public" / "index.xml")]


def test_left_out_as_hugo_leaves_them_out(built):
    """Drafts, scheduled and expired posts, headless bundles, pages never listed, a bundle's own Markdown: no entry."""
    titles = {entry["title"] for entry in entries(built["blog"].site / "public" / "index.xml")}
    assert titles.isdisjoint({"A draft", "Scheduled", "Expired", "Headless", "Not listed", "A page resource"})
    assert "A leaf bundle" in titles


@pytest.mark.parametrize("name, title, image", [
    ("blog", "A leaf bundle", "https://blog.example.org/2021/07/a-leaf-bundle/photo.png"),  # a section's permalink
    ("json-config", "Bundle with the default URL", "https://json.example.com/diary/bundle-post/cover.png"),
    ("multilingual", "여행", "https://multi.example.org/posts/trip/photo.png"),  # index.ko.md
])
def test_bundle_image_is_absolute_against_the_bundle(built, name, title, image):
    """A leaf bundle's image (front matter ``images`` and the body's) resolves against the bundle's URL."""
    feed = parse_feed(built[name].site / "public" / "atom.xml")
    entry = next(e for e in feed.entries if e.title == title)
    assert [link.href for link in entry.links if link.rel == "enclosure"] == [image]
    assert f'src="{image}"' in entry.content[0].value
    enclosure = next(link for link in entry.links if link.rel == "enclosure")
    assert enclosure.type == "image/png" and int(enclosure.length) > 0  # the file beside the bundle's index


def test_capitalised_keys_are_read(built):
    """Title:, Date:, Tags:, Slug:, Summary: are Hugo's title, date, tags, slug and summary."""
    feed = parse_feed(built["blog"].site / "public" / "atom.xml")
    entry = next(e for e in feed.entries if e.link.endswith("/capital-letters/"))
    assert entry.title == "Capitalised keys"
    assert [tag.term for tag in entry.tags] == ["Python"]
    assert entry.summary == "Keys written with capitals, as Hugo reads them."


def test_configuration_files_are_merged_as_hugo_merges_them(built):
    """config.json and config/_default/params.toml: the params file adds the description (and wins where both set a key)."""
    feed = parse_feed(built["json-config"].site / "public" / "atom.xml")
    assert feed.feed.subtitle == "A site configured in config.json, with params beside it"
    assert feed.feed.language == "ko-KR"
    assert feed.entries[0].author_detail == {"name": "Park", "email": "park@example.com"}


def test_no_warnings_on_a_hugo_site(built):
    """Resources, _index.md and unlisted pages are Hugo's, not mistakes: nothing to warn about but shortcodes.

    And a page without a date (tests/hugo/feeds), which the Atom feed dates when first seen.
    """
    for site in built.values():
        warnings = [line for line in site.stderr.splitlines() if "warning" in line]
        assert all("shortcode" in line or "no date in front matter" in line for line in warnings), site.stderr


def test_a_shortcode_is_never_printed_raw(built):
    """A site's shortcode cannot run: its tags go, its inner text stays, with a warning naming file and line."""
    site = built["blog"]
    assert "content/posts/shortcodes.md:5: warning: Hugo shortcode {{< note >}} cannot run here" in site.stderr
    feed = parse_feed(site.site / "public" / "atom.xml")
    entry = next(e for e in feed.entries if e.title == "Shortcodes")
    for text in (entry.summary, entry.content[0].value):
        assert "{{" not in text and "words inside" in text


@pytest.mark.parametrize("title", ["A mapped shortcode", "A mapped paired shortcode"])
def test_a_shortcode_mapped_in_syndicate_toml_renders_as_hugos(built, title):
    """``[hugo.shortcodes]``: the site's own shortcode as a Jinja snippet, its values escaped, as Hugo's template."""
    site = built["blog"]
    entry = next(e for e in parse_feed(site.site / "public" / "atom.xml").entries if e.title == title)
    page = site.oracle / urlsplit(entry.link).path.lstrip("/") / "index.html"

    def shown(html_text: str) -> list:
        root = lxml.html.fragment_fromstring(html_text, create_parent="div")
        return [(element.tag, element.get("alt") or element.get("href") or element.get("class"))
                for element in root.iter("img", "a", "div", "strong")]

    assert shown(entry.content[0].value) == shown(page.read_text(encoding="utf-8"))
    assert entry.link.rstrip("/").rpartition("/")[2] not in site.stderr  # no "cannot run" warning


def test_a_snippet_that_fails_on_a_post_is_a_warning_and_keeps_the_inner_text(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "syndicate.toml").write_text("[hugo.shortcodes]\ncallout = '{{ inner + 1 }}'\n", encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    assert ("content/posts/mapped-paired-shortcode.md:5: warning: Hugo shortcode {{< callout >}} cannot run here "
            "(its [hugo.shortcodes] snippet failed: ") in result.stderr
    entry = next(e for e in parse_feed(site / "public" / "atom.xml").entries if e.title == "A mapped paired shortcode")
    assert "Its inner text" in entry.content[0].value and "{{" not in entry.content[0].value


@pytest.mark.parametrize("toml, expected", [
    ('[hugo.shortcodes]\nimg = \'<img src="{{ src }">\'\n', "syndicate.toml: hugo.shortcodes.img is not a Jinja template: "),
    ("[hugo.shortcodes]\nimg = 5\n", "syndicate.toml: hugo.shortcodes.img must be a Jinja template (text), got 5"),
    ('standalone = true\ntitle = "Own"\nurl = "https://own.example/"\n[hugo.shortcodes]\nimg = "<img>"\n',
     "syndicate.toml: [hugo] is read only beside a Hugo configuration"),
])
def test_a_bad_shortcode_mapping_is_one_clear_line(tmp_path, toml, expected):
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "syndicate.toml").write_text(toml, encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert expected in result.output


def test_the_expired_post_leaves_the_feed_when_it_expires(tmp_path):
    """Before its expiryDate a post is in the feed; after it, out, on the next run by the clock alone."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "content" / "posts" / "expired.md").write_text(
        "---\ntitle: Expired\ndate: 2021-08-03\nexpiryDate: 2026-06-01T00:00:00Z\n---\nGoing.\n", encoding="utf-8")

    def titles(now: str) -> set[str]:
        result = CliRunner().invoke(cli, ["build", "--site", str(site), "--now", now], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return {entry.title for entry in parse_feed(site / "public" / "index.xml").entries}

    assert "Expired" in titles("2026-05-31T23:59:59+00:00")
    assert "Expired" not in titles("2026-06-01T00:00:01+00:00")


def test_syndicate_toml_beside_hugo_config_overrides_it(tmp_path):
    # What Hugo has no key for (the digest) goes in syndicate.toml; Hugo's paths and guids stay.
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "syndicate.toml").write_text('title = "Own"\n[digest]\nunsubscribe_url = "https://blog.example.org/x"\n',
                                         encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    assert parse_feed(site / "public" / "index.xml").feed.title == "Home on Own"  # content/_index.md's "Home"
    assert not (site / "public" / "feed.xml").exists()


def test_a_standalone_syndicate_toml_beside_hugo_config_configures_the_site_alone(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "syndicate.toml").write_text('standalone = true\ntitle = "Own"\nurl = "https://own.example/"\n'
                                         'posts_dir = "content/posts"\n', encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    assert (site / "public" / "feed.xml").is_file() and not (site / "public" / "index.xml").exists()


@pytest.mark.parametrize("base", ['"/"', '"blog.example.org"'])
def test_a_base_url_given_at_build_time_comes_from_syndicate_toml(tmp_path, base):
    """``baseURL = "/"`` (or with no scheme), the real one given by ``hugo --baseURL`` in CI: syndicate.toml's url.

    Without it, the error says where to give it.
    """
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    config = site / "hugo.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('"https://blog.example.org/"', base),
                      encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert (f"hugo.toml: baseURL must be an absolute http(s) URL, got {base}; "
            'set url = "https://…" in syndicate.toml beside it') in result.output
    (site / "syndicate.toml").write_text('url = "https://blog.example.org/"\n', encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    hugo_build(site, tmp_path / "oracle", "--baseURL", "https://blog.example.org/")
    assert entries(site / "public" / "index.xml") == entries(tmp_path / "oracle" / "index.xml")


def test_a_site_without_a_title_is_titled_by_its_host(tmp_path):
    """Hugo needs no title (its feeds then have none, which Atom does not allow): the host, with a notice."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    config = site / "hugo.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('title = "Fixture Blog"\n', ""), encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    assert 'hugo.toml: warning: no title: the feeds are titled "blog.example.org"' in result.stderr
    assert parse_feed(site / "public" / "atom.xml").feed.title == "blog.example.org"
    assert parse_feed(site / "public" / "index.xml").feed.title == "Home on blog.example.org"  # as Hugo's template


FLAT_PERMALINKS = '[permalinks]\nposts = "/:year/:month/:slug/"\n'


@pytest.mark.parametrize("new", [
    '[permalinks.page]\nposts = "/:year/:month/:slug/"\n',  # Hugo 0.115's table of pages' patterns
    '[permalinks.page]\nposts = "/:year/:month/:slug/"\n[permalinks.term]\ntags = "/topic/:slug/"\n',
])
def test_hugo_0115_permalinks_by_kind_give_the_pages_the_same_urls(built, tmp_path, new):
    """``[permalinks.page]`` is 0.111's flat table (Hugo 0.111 cannot build it: compared with its build of the
    flat one); a table that moves list pages is a warning, their feeds staying where 0.111 writes them."""
    site = edited_copy(tmp_path, "blog", FLAT_PERMALINKS, new)
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    assert ("permalinks.term (Hugo 0.115) moves list pages" in result.stderr) == ("term" in new)
    for path in post_feeds(built["blog"].oracle):
        assert entries(site / "public" / path) == entries(built["blog"].oracle / path), path


def test_hugo_0144_contentbasename_is_the_file_or_bundle_name(tmp_path):
    """``:contentbasename`` (Hugo 0.144) names what ``:filename`` does in 0.111: compared with 0.111's build of that."""
    oracle = edited_copy(tmp_path / "oracle", "blog", "/:year/:month/:slug/", "/:year/:filename/")
    hugo_build(oracle, tmp_path / "hugo-public")
    site = edited_copy(tmp_path / "ours", "blog", "/:year/:month/:slug/", "/:year/:contentbasename/")
    assert syndicate_build(site).exit_code == 0
    urls = [entry["link"] for entry in entries(site / "public" / "index.xml")]
    assert urls == [entry["link"] for entry in entries(tmp_path / "hugo-public" / "index.xml")]
    assert any(url.endswith("/bundle/") for url in urls)  # the leaf bundle's folder, not its slug


@pytest.mark.parametrize("old, new, expected", [
    ('baseURL = "https://blog.example.org/"\n', "", "hugo.toml: baseURL is required"),
    ("/:year/:month/:slug/", "/:author/:slug/",
     "hugo.toml: permalinks.posts has :author, which Hugo does not know"),
    ('"Asia/Seoul"', '"Mars/Olympus"', "hugo.toml: timeZone must be an IANA time zone"),
    ('languageCode = "en-us"', "languageCode = ", "hugo.toml:3: not valid TOML"),
    ("[params]", '[services]\nrss = { limit = "ten" }\n[params]',
     'hugo.toml: services.rss.limit must be a positive integer, got "ten"'),
    ("[params]", "[frontmatter]\ndate = 5\n[params]",
     "hugo.toml: frontmatter date must be a list of front-matter keys"),
    ("[params]", "[frontmatter]\nmodified = []\n[params]", "hugo.toml: frontmatter has modified, which is none of"),
    ("[params]", '[markup.goldmark.renderer]\nunsafe = "yes"\n[params]',
     'hugo.toml: markup.goldmark.renderer.unsafe must be true or false, got "yes"'),
])
def test_bad_configuration_is_one_clear_line(tmp_path, old, new, expected):
    site = edited_copy(tmp_path, "blog", old, new)
    result = syndicate_build(site)
    assert result.exit_code != 0
    assert expected in result.output
    assert "Traceback" not in result.output


def test_bad_front_matter_names_the_file_and_the_rest_publish(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "content" / "posts" / "broken.md").write_text("+++\ntitle = \"Broken\"\nDate = \"2021-13-45\"\n+++\nx\n",
                                                          encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code != 0
    assert "content/posts/broken.md:3: 'date' is not a date" in result.output
    titles = {entry.title for entry in parse_feed(site / "public" / "index.xml").entries}
    assert "YAML front matter" in titles and "Broken" not in titles


def test_front_matter_after_blank_lines_is_named_at_its_own_line(tmp_path):
    """Hugo skips blank lines before the front matter; a mistake in it is named at the file's line."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "content" / "posts" / "late.md").write_text('\n\n+++\ntitle = "Late"\ndate = \n+++\nx\n', encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code != 0
    assert "content/posts/late.md:5: invalid front matter" in result.output
    assert "Blank line first" in {entry.title for entry in parse_feed(site / "public" / "index.xml").entries}


def test_hugo_configuration_files_are_inputs(tmp_path):
    """An edit to the Hugo configuration changes the next run's feeds, as an edit to _config.yml does."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "config-dir", site)
    assert syndicate_build(site).exit_code == 0
    before = parse_feed(site / "public" / "index.xml").entries
    assert len(before) == 2  # rssLimit
    path = site / "config" / "_default" / "hugo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("rssLimit: 2", "rssLimit: 3"), encoding="utf-8")
    assert syndicate_build(site).exit_code == 0
    assert len(parse_feed(site / "public" / "index.xml").entries) == 3


def test_a_digest_of_a_hugo_site_holds_its_main_section(tmp_path):
    """The digest is a Hugo site's posts: the largest section (Hugo's rule for mainSections), not its other pages."""
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "content" / "notes").mkdir()
    (site / "hugo.toml").write_text('baseURL = "https://d.example/"\ntitle = "D"\n', encoding="utf-8")
    page = "---\ntitle: {}\ndate: 2026-11-1{}T10:00:00Z\n---\nWords.\n"
    for name, day in (("posts/one", 0), ("posts/two", 1), ("notes/aside", 2), ("about", 3)):
        (site / "content" / f"{name}.md").write_text(page.format(name.split("/")[-1].capitalize(), day),
                                                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["digest", "--site", str(site), "--now", "2026-11-17T09:00:00+00:00"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (site / "public" / "digest" / "2026-W46.txt").read_text(encoding="utf-8")
    assert "One" in text and "Two" in text
    assert "Aside" not in text and "About" not in text
    (site / "hugo.toml").write_text('baseURL = "https://d.example/"\ntitle = "D"\n[params]\nmainSections = ["notes"]\n',
                                    encoding="utf-8")
    assert CliRunner().invoke(cli, ["digest", "--site", str(site), "--now", "2026-11-17T09:00:00+00:00"]).exit_code == 0
    text = (site / "public" / "digest" / "2026-W46.txt").read_text(encoding="utf-8")
    assert "Aside" in text and "One" not in text


def test_a_ref_to_no_post_is_a_warning_naming_the_line(tmp_path):
    """Hugo stops at a ref to nothing; syndicate warns (file:line), leaves the link empty, and publishes."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "blog", site)
    (site / "content" / "posts" / "dangling.md").write_text(
        '---\ntitle: Dangling\ndate: 2021-12-01T00:00:00Z\n---\nFirst line.\n\n'
        'See [this]({{< ref "no-such-post" >}}).\n',
        encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code == 0, result.output
    warning = 'content/posts/dangling.md:7: warning: Hugo shortcode {{< ref "no-such-post" >}} cannot run here'
    assert warning in result.stderr
    entry = next(e for e in parse_feed(site / "public" / "atom.xml").entries if e.title == "Dangling")
    assert "{{" not in entry.content[0].value


@pytest.mark.parametrize("name", NAMES)
def test_check_against_hugos_feed_finds_no_entry_shown_again(built, name):
    """``syndicate check --against`` Hugo's index.xml, as README tells a Hugo user to run before switching."""
    site = built[name]
    result = CliRunner().invoke(cli, ["check", "--site", str(site.site), "--now", NOW,
                                      "--against", str(site.oracle / "index.xml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 do not, 0 change links" in result.output


@pytest.mark.parametrize("file, text, expected", [
    ("config.json", '{\n  "title": "x",\n  "baseURL": \n}\n', "config.json:4: not valid JSON"),
    ("config/_default/params.toml", "- a list\n", "config/_default/params.toml:1: not valid TOML"),
    ("config.json", "[1, 2]\n", "config.json: must be a mapping of settings"),
])
def test_a_configuration_file_that_does_not_parse_is_named(tmp_path, file, text, expected):
    site = tmp_path / "site"
    shutil.copytree(SITES / "json-config", site)
    (site / file).write_text(text, encoding="utf-8")
    result = syndicate_build(site)
    assert result.exit_code != 0
    assert expected in result.output and "Traceback" not in result.output
