"""Jekyll sites as they are, against the incumbent: ``jekyll build`` with jekyll-feed.

Each folder in tests/jekyll/ is a site shaped like a real one (minima,
minimal-mistakes, Chirpy) with one post per construct. Every site is built
once per module by Jekyll 4.3 with jekyll-feed 0.17 (the oracle) and by
syndicate, and the two ``feed.xml`` (Atom on both sides) are compared entry
by entry as feedparser reads them: ids, links, titles, published and updated
dates, authors, images. A reader subscribed to jekyll-feed's feed must see
no post again, so every id must be the same, character for character.

The oracle must be installed (``.ci/run`` installs Debian's jekyll and
ruby-jekyll-feed): without ``jekyll`` on PATH these tests fail, never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote, unquote_to_bytes, urldefrag, urljoin, urlsplit

import lxml.html
import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from syndicate.errors import ConfigError
from syndicate.sources.config import load_site
from tests.conftest import age, parse_feed

SITES = Path(__file__).parent / "jekyll"
NAMES = sorted(p.name for p in SITES.iterdir() if (p / "_config.yml").is_file())
# What GitHub Pages gives a site whose url is empty: its CNAME file's domain.
# The oracle is told so in an extra config file, as jekyll-github-metadata
# would tell it (that plugin asks GitHub's API, which a test cannot).
ORACLE_CONFIG = {"chirpy": {"url": "https://notes.example.org"}}
DATE_SHAPES = ["ruby-date-output", "minutes", "single-digits", "offset-without-colon", "iso-offset",
               "us-zone-name", "other-zone-name", "twelve-hour", "quoted-timestamp", "fraction-utc", "other-day"]


@dataclass
class Built:
    """One fixture site built by Jekyll and by syndicate."""

    oracle: Path  # jekyll-feed's feed.xml
    site: Path  # syndicate's copy of the site; its outputs are in public/
    stdout: str
    stderr: str


def jekyll_build(source: Path, destination: Path, extra: dict | None = None) -> None:
    """``jekyll build`` of ``source``; the test fails, with Jekyll's output, if it does."""
    jekyll = shutil.which("jekyll")
    if jekyll is None:
        pytest.fail("jekyll is not on PATH: these tests compare syndicate with Jekyll and jekyll-feed "
                    "(Debian: apt-get install jekyll ruby-jekyll-feed; .ci/run does it)", pytrace=False)
    configs = [str(source / "_config.yml")]
    if extra:
        overlay = destination.parent / f"{source.name}-oracle.yml"
        overlay.write_text(json.dumps(extra), encoding="utf-8")  # JSON is YAML
        configs.append(str(overlay))
    # TZ: Jekyll takes each fixture's timezone from _config.yml; this only keeps
    # the machine's own out of it. The locale lets Ruby read UTF-8 file names.
    env = {**os.environ, "TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "JEKYLL_ENV": "production"}
    done = subprocess.run([jekyll, "build", "--source", str(source), "--destination", str(destination),
                           "--config", ",".join(configs), "--disable-disk-cache"],
                          env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not (destination / "feed.xml").is_file():
        pytest.fail(f"jekyll build {source.name} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Built]:
    """Every fixture site, built once by Jekyll and once by syndicate (at the same moment)."""
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    sites = {}
    for name in NAMES:
        work = tmp_path_factory.mktemp(name)
        source = work / "jekyll-source"
        shutil.copytree(SITES / name, source)
        jekyll_build(source, work / "_site", ORACLE_CONFIG.get(name))
        ours = work / "site"
        shutil.copytree(SITES / name, ours)
        result = CliRunner().invoke(cli, ["build", "--site", str(ours), "--now", now], prog_name="syndicate",
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        sites[name] = Built(work / "_site" / "feed.xml", ours, result.stdout, result.stderr)
    return sites


def entry_fields(entry) -> dict:
    """What a reader keeps of an entry, as feedparser reads it from either feed."""
    images = [link.href for link in entry.get("links", ()) if link.get("rel") == "enclosure"]
    images += [thumbnail["url"] for thumbnail in entry.get("media_thumbnail", ())]
    return {
        # jekyll-feed's media:thumbnail and media:content (what Mailchimp's RSS-to-email shows).
        "thumbnails": [thumbnail["url"] for thumbnail in entry.get("media_thumbnail", ())],
        "media": [(media.get("url"), media.get("medium")) for media in entry.get("media_content", ())],
        # feed.excerpt_only, the site's and the post's (an empty body is no content either way)
        "has_content": any(content.value.strip() for content in entry.get("content", ())),
        "id": entry.id,
        "link": entry.link,
        "title": entry.title,
        "published": datetime(*entry.published_parsed[:6], tzinfo=timezone.utc),
        "updated": datetime(*entry.updated_parsed[:6], tzinfo=timezone.utc),
        "author": (entry.get("author_detail") or {}).get("name") or "",
        "image": images[0] if images else None,
    }


def entries(path: Path) -> list[dict]:
    feed = parse_feed(path)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return [entry_fields(entry) for entry in feed.entries]


def comparison(site: Built) -> dict[str, str]:
    """One row of the comparison table: how many entries agree, field by field."""
    oracle = {e["id"]: e for e in entries(site.oracle)}
    ours = entries(site.site / "public" / "feed.xml")
    same = [(e, oracle[e["id"]]) for e in ours if e["id"] in oracle]
    total = f"/{len(oracle)}"
    return {
        "entries": f"{len(ours)}{total}",
        "ids": f"{len(same)}{total}",
        **{field: f"{sum(a[field] == b[field] for a, b in same)}{total}"
           for field in ("link", "title", "published", "updated", "author", "image", "media", "has_content")},
    }


@pytest.mark.parametrize("name", NAMES)
def test_every_entry_is_jekyll_feeds(built, name):
    site = built[name]
    oracle, ours = entries(site.oracle), entries(site.site / "public" / "feed.xml")
    assert oracle, "the oracle's feed has no entries"
    assert [e["id"] for e in ours] == [e["id"] for e in oracle]
    for mine, theirs in zip(ours, oracle):
        assert mine == theirs


def body_view(html: str, page: str) -> dict:
    """What a reader sees of a body: its words (whitespace folded), and where its images and links lead.

    URLs are resolved against the entry's page, as a reader resolves them
    (jekyll-feed leaves them relative; syndicate makes them absolute), and
    links within the page (footnotes) are left out.
    """
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")

    def where(url: str) -> str:
        return quote(unquote(urljoin(page, url)), safe=":/#?=&%")

    links = (where(a.get("href", "")) for a in root.iter("a"))
    # Rouge's highlighting (Jekyll) and our plain <pre><code> differ only in markup.
    return {"text": " ".join(root.text_content().split()),
            "images": sorted(where(img.get("src", "")) for img in root.iter("img")),
            "links": sorted(link for link in links if urldefrag(link)[0] != page)}


def bodies(path: Path) -> dict[str, dict]:
    feed = parse_feed(path)
    return {entry.id: body_view(entry.content[0].value if entry.get("content") else "", entry.link)
            for entry in feed.entries}


BODY_POSTS = sorted(p.stem for p in (SITES / "bodies" / "_posts").iterdir())


@pytest.mark.parametrize("post", BODY_POSTS)
def test_a_body_renders_as_jekyll_renders_it(built, post):
    """Liquid, then kramdown: the words, image and link URLs of each entry's content are Jekyll's."""
    site = built["bodies"]
    oracle, ours = bodies(site.oracle), bodies(site.site / "public" / "feed.xml")
    slug = post.split("-", 3)[3].rstrip("?")  # an empty query is no part of an id
    entry = next(i for i in oracle if unquote(i).rstrip("/").endswith(slug))
    assert ours[entry] == oracle[entry]


def test_no_body_shows_liquid_or_kramdown_syntax(built):
    """Only the two posts that show Liquid on purpose ({% raw %}, render_with_liquid: false) show it."""
    site = built["bodies"]
    shown = {entry.rsplit("/", 1)[1] for entry, view in bodies(site.site / "public" / "feed.xml").items()
             if any(mark in view["text"] for mark in ("{%", "{{", "{:", "[^", "**", "$$ "))}
    assert shown == {"liquid-raw", "render-with-liquid-false"}


FEEDS_OF_MORE = {"feeds", "collections", "collections-dir"}  # the fixture sites with feeds besides feed.xml


@pytest.mark.parametrize("name, paths", [
    ("collections", ["feed/kitchen.xml", "feed/notes.xml", "feed/notes/go.xml", "recipes.xml"]),
    ("collections-dir", ["feed/notes.xml"]),  # collections_dir: the documents in stories/_notes
])
def test_each_collection_has_jekyll_feeds_feeds(built, name, paths):
    """feed.collections: a feed for each collection (its path, its categories), the same entries as jekyll-feed's."""
    site = built[name]
    theirs_root, ours_root = site.oracle.parent, site.site / "public"
    for path in paths:
        oracle, mine = parse_feed(theirs_root / path), parse_feed(ours_root / path)
        assert mine.bozo == 0 and oracle.entries, path
        assert (mine.feed.id, mine.feed.title) == (oracle.feed.id, oracle.feed.title), path
        assert [entry_fields(e) for e in mine.entries] == [entry_fields(e) for e in oracle.entries], path
    if name == "collections":
        # Documents are in their collection's feeds only: not in the posts' feed, nor in a digest.
        assert [e["title"] for e in entries(ours_root / "feed.xml")] == ["A post"]
        assert "skipped" not in site.stderr  # plain.md (no front matter) is a file Jekyll copies, not a document


def test_a_collections_documents_stay_out_of_the_digest(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "collections", site)
    result = CliRunner().invoke(cli, ["digest", "--site", str(site), "--since", "2024-04-28", "--until", "2024-05-08",
                                      "--now", "2026-11-25T09:00:00+09:00"])
    assert result.exit_code == 0, result.output
    text = (site / "public" / "digest" / "latest.txt").read_text(encoding="utf-8")
    assert "A post" in text
    assert not any(title in text for title in ("Soup", "Bread", "Dated by its file name", "A note dated inside"))


def test_a_document_without_a_date_keeps_the_one_it_was_first_seen_with(tmp_path):
    # Jekyll dates it at every build (site.time), so it would be new at every
    # build; syndicate dates it when first seen, as it does posts without a date.
    site = tmp_path / "site"
    shutil.copytree(SITES / "collections", site)
    (site / "_notes" / "undated.md").write_text("---\ntitle: Undated\n---\nNo date anywhere.\n", encoding="utf-8")
    for now in ("2026-11-25T09:00:00+09:00", "2026-11-27T09:00:00+09:00"):
        result = CliRunner().invoke(cli, ["build", "--site", str(site), "--now", now])
        assert result.exit_code == 0, result.output
        [entry] = [e for e in entries(site / "public" / "feed" / "notes.xml") if e["title"] == "Undated"]
        assert entry["published"] == datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)


def test_jekyll_feeds_category_and_tag_feeds_are_where_it_wrote_them(built):
    """feed.categories and feed.tags (only, except, path): the same files, ids, titles and entries."""
    site = built["feeds"]
    theirs_root, ours_root = site.oracle.parent / "feed", site.site / "public" / "feed"
    theirs = sorted(p.relative_to(theirs_root).as_posix() for p in theirs_root.rglob("*.xml"))
    ours = sorted(p.relative_to(ours_root).as_posix() for p in ours_root.rglob("*.xml"))
    assert ours == theirs == ["Updates.xml", "by_tag/python.xml", "by_tag/release.xml", "by_tag/walk.xml",
                              "empty.xml", "news.xml", "서울.xml"]
    for path in theirs:
        oracle, mine = parse_feed(theirs_root / path), parse_feed(ours_root / path)
        assert mine.bozo == 0, path
        assert (mine.feed.id, mine.feed.title) == (oracle.feed.id, oracle.feed.title), path
        assert [entry_fields(e) for e in mine.entries] == [entry_fields(e) for e in oracle.entries], path


@pytest.mark.parametrize("name", NAMES)
def test_the_feed_is_where_jekyll_feed_had_it(built, name):
    site = built[name]
    oracle, ours = parse_feed(site.oracle), parse_feed(site.site / "public" / "feed.xml")
    assert ours.version == oracle.version == "atom10"
    assert ours.feed.id == oracle.feed.id
    assert ours.feed.title == oracle.feed.title
    # RSS goes beside it, with the same entries and ids (never permalinks).
    rss = parse_feed(site.site / "public" / "feed.rss.xml")
    assert rss.version == "rss20"
    assert [e.id for e in rss.entries] == [e.id for e in ours.entries]
    assert not (site.site / "public" / "atom.xml").exists()
    assert site.stdout.startswith("wrote public/feed.rss.xml\nwrote public/feed.xml\nwrote public/feed.json\n")
    # Every other feed written is one jekyll-feed wrote, at the same path, or its JSON Feed twin.
    written = [line.removeprefix("wrote public/") for line in site.stdout.splitlines()[3:]]
    others = [path for path in written if not path.endswith(".json")]
    assert all((site.oracle.parent / path).is_file() for path in others), others
    assert [path for path in written if path.endswith(".json")] == [path[:-len(".xml")] + ".json" for path in others]
    assert bool(others) == (name in FEEDS_OF_MORE)


@pytest.mark.parametrize("shape", DATE_SHAPES)
def test_a_date_is_read_as_jekyll_reads_it(built, shape):
    site = built["minima"]
    title = f"Date shape {shape}"
    [theirs] = [e for e in entries(site.oracle) if e["title"] == title]
    [mine] = [e for e in entries(site.site / "public" / "feed.xml") if e["title"] == title]
    assert (mine["published"], mine["link"], mine["id"]) == (theirs["published"], theirs["link"], theirs["id"])


def test_the_ruby_date_output_keeps_local_time(built):
    # "2024-02-01 18:30:22 2024 -0800": Time.parse ignores the zone after the
    # second year, so the time is New York's, not UTC-8.
    [entry] = [e for e in entries(built["minima"].oracle) if e["title"] == "Date shape ruby-date-output"]
    assert entry["published"] == datetime(2024, 2, 1, 23, 30, 22, tzinfo=timezone.utc)


def test_jekyll_feed_shows_ten_posts_unless_told(built):
    site = built["minimal-mistakes"]
    assert len(entries(site.oracle)) == len(entries(site.site / "public" / "feed.xml")) == 10


def test_chirpy_constructs(built):
    site = built["chirpy"]
    titles = [e["title"] for e in entries(site.site / "public" / "feed.xml")]
    assert "Dated in the future" in titles  # future: true
    assert "In an excluded folder" not in titles  # exclude: [tools]
    assert "Notes without a date in the file name" not in titles
    assert ("_posts/notes-without-a-date.md: warning: skipped: not a post "
            "(Jekyll reads only files named YYYY-MM-DD-title in _posts)") in site.stderr
    links = {e["title"]: e["link"] for e in entries(site.site / "public" / "feed.xml")}
    assert links["AWS 정리 (1)"] == "https://notes.example.org/posts/AWS(1)/"
    assert links["From a category folder"] == "https://notes.example.org/posts/from-a-category-folder/"


def test_what_jekyll_lets_a_site_get_away_with_is_a_warning(built):
    # An unknown time zone (Ruby reads times as UTC) and a key said twice (the
    # last wins): Jekyll publishes every post, so does syndicate, and says why.
    site = built["lenient"]
    assert '_config.yml:5: warning: timezone "KR" is not a time zone name' in site.stderr
    assert ("_posts/2024-03-02-said-twice.md:5: warning: duplicate key 'cover-img' (first on line 3); "
            "the last value is used, as Jekyll does") in site.stderr
    titles = [e["title"] for e in entries(site.site / "public" / "feed.xml")]
    assert titles == ["Two authors listed", "Dated by its file name", "The last title wins", "현지 시각"]
    authors = [e["author"] for e in entries(site.site / "public" / "feed.xml")]
    assert authors == ["김기자", "편집국", "편집국", "편집국"]  # _data/authors.yml's names, for the site's too


OWN_FEED_PAGE = """\
---
layout: null
---
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{{ site.title }}</title><link>{{ site.url }}</link><description>Own</description>
{% for post in site.posts limit:5 %}<item><title>{{ post.title | xml_escape }}</title>
<guid isPermaLink="true">{{ post.url | absolute_url }}</guid></item>{% endfor %}
</channel></rss>
"""


def test_the_sites_own_feed_page_is_left_to_it(tmp_path):
    # A hand-written feed.xml (3 of 10 real blogs): jekyll-feed writes nothing
    # there and its subscribers read the page, so syndicate must not replace it.
    source = tmp_path / "source"
    shutil.copytree(SITES / "feeds", source)
    (source / "feed.xml").write_text(OWN_FEED_PAGE, encoding="utf-8")
    (source / "feed").mkdir()
    (source / "feed" / "news.xml").write_text("<rss version='2.0'><channel/></rss>\n", encoding="utf-8")
    jekyll_build(source, tmp_path / "_site")
    assert parse_feed(tmp_path / "_site" / "feed.xml").version == "rss20"  # the page, not jekyll-feed's Atom
    result = CliRunner().invoke(cli, ["build", "--site", str(source), "--now", "2026-11-25T09:00:00+09:00"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("feed.xml: warning: the site has its own feed page at feed.xml, which "
                                    "jekyll-feed leaves alone, and so does syndicate: its Atom feed goes to "
                                    "feed.atom.xml")
    public = source / "public"
    assert not (public / "feed.xml").exists() and not (public / "feed" / "news.xml").exists()
    assert parse_feed(public / "feed.atom.xml").version == "atom10"
    assert (public / "feed" / "서울.xml").is_file()  # the category feeds the site has no page for


def test_a_post_added_to_a_category_folder_comes_in_the_next_run(tmp_path, heads):
    # The run after a build reads only the new file (a partial run); it must
    # give what a clean build of the same site gives.
    site, clean = tmp_path / "site", tmp_path / "clean"
    shutil.copytree(SITES / "chirpy", site)
    runner, now = CliRunner(), "2026-11-25T09:00:00+09:00"
    assert runner.invoke(cli, ["build", "--site", str(site), "--now", now]).exit_code == 0
    age(site)  # the outputs too: one more full run settles the site
    assert runner.invoke(cli, ["build", "--site", str(site), "--now", now]).exit_code == 0
    assert "nothing changed" in runner.invoke(cli, ["build", "--site", str(site), "--now", now, "-v"]).output
    added = "---\ntitle: Added later\ndate: 2024-04-08 10:00:00 +0900\n---\nNew.\n"
    (site / "notes" / "_posts" / "2024-04-08-added-later.md").write_text(added, encoding="utf-8")
    heads.clear()
    result = runner.invoke(cli, ["build", "--site", str(site), "--now", now, "-v"])
    assert result.exit_code == 0
    assert "post file(s) changed since the last run" in result.output  # a partial run
    assert heads == ["notes/_posts/2024-04-08-added-later.md"]
    shutil.copytree(SITES / "chirpy", clean)
    shutil.copy(site / "notes" / "_posts" / "2024-04-08-added-later.md", clean / "notes" / "_posts")
    assert runner.invoke(cli, ["build", "--site", str(clean), "--now", now]).exit_code == 0
    for name in ("feed.xml", "feed.rss.xml"):
        assert (site / "public" / name).read_bytes() == (clean / "public" / name).read_bytes()
    [entry] = [e for e in entries(site / "public" / "feed.xml") if e["title"] == "Added later"]
    assert entry["id"] == "https://notes.example.org/posts/added-later"


@pytest.mark.parametrize("edit", ["_includes/note.html", "_data/authors.yml", "_config.yml"])
def test_an_edited_include_data_file_or_config_renders_the_bodies_again(tmp_path, edit):
    """What Liquid reads besides the post (sources.jekyll.BODY_INPUTS) is an input of every kept body."""
    site, clean = tmp_path / "site", tmp_path / "clean"
    shutil.copytree(SITES / "bodies", site)
    runner, now = CliRunner(), "2026-11-25T09:00:00+09:00"
    for _ in range(2):  # the second run fills the posts index, with every body
        assert runner.invoke(cli, ["build", "--site", str(site), "--now", now]).exit_code == 0
    age(site)
    assert runner.invoke(cli, ["build", "--site", str(site), "--now", now]).exit_code == 0
    assert "nothing changed" in runner.invoke(cli, ["build", "--site", str(site), "--now", now, "-v"]).output
    before = (site / "public" / "feed.xml").read_bytes()
    changes = {"_includes/note.html": ("{{ include.text }}", "주의: {{ include.text }}", "주의: 조심하세요"),
               "_data/authors.yml": ("김민지", "김민지 기자", "김민지 기자"),
               "_config.yml": ("repository: minji/bodies", "repository: minji/news", "minji/news")}
    old, new, shown = changes[edit]
    path = site / edit
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    age(site)  # an edit that keeps the mtime of an hour ago changes nothing but the bytes
    assert runner.invoke(cli, ["build", "--site", str(site), "--now", now]).exit_code == 0
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("public", ".syndicate"))
    assert runner.invoke(cli, ["build", "--site", str(clean), "--now", now]).exit_code == 0
    after = (site / "public" / "feed.xml").read_bytes()
    assert after == (clean / "public" / "feed.xml").read_bytes()
    assert after != before and shown.encode() in after


def test_a_new_cname_changes_the_next_run(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "chirpy", site)
    runner, now = CliRunner(), "2026-11-25T09:00:00+09:00"
    assert runner.invoke(cli, ["build", "--site", str(site), "--now", now]).exit_code == 0
    (site / "CNAME").write_text("www.example.net\n", encoding="utf-8")
    assert runner.invoke(cli, ["build", "--site", str(site), "--now", now]).exit_code == 0
    assert {urlsplit(e["id"]).netloc for e in entries(site / "public" / "feed.xml")} == {"www.example.net"}


# --- the site's URL when _config.yml has none ---------------------------------------------


def jekyll_site(root: Path, config: str = "title: Blog\nurl: \"\"\n", files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(config, encoding="utf-8")
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def git_config(origin: str) -> str:
    return ("[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
            f'[remote "origin"]\n\turl = {origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'
            '[branch "main"]\n\tremote = origin\n')


def test_a_cname_file_gives_the_url(tmp_path):
    root = jekyll_site(tmp_path / "site", files={"CNAME": "\n Blog.Example.com \n"})
    site = load_site(root)
    assert site.url == "https://blog.example.com/"
    assert site.jekyll.absolute_url("/2024/01/01/a") == "https://blog.example.com/2024/01/01/a"


def test_a_cname_file_wins_over_the_remote(tmp_path):
    root = jekyll_site(tmp_path / "site", files={"CNAME": "blog.example.com\n",
                                                 ".git/config": git_config("git@github.com:minji/blog.git")})
    assert load_site(root).url == "https://blog.example.com/"


def test_a_cname_file_that_is_not_a_domain(tmp_path):
    root = jekyll_site(tmp_path / "site", files={"CNAME": "https://blog.example.com/\n"})
    with pytest.raises(ConfigError) as caught:
        load_site(root)
    assert str(caught.value) == "CNAME: 'https://blog.example.com/' is not a domain name such as blog.example.com"


@pytest.mark.parametrize("origin", ["git@github.com:Minji/minji.github.io.git",
                                    "https://github.com/Minji/minji.github.io",
                                    "ssh://git@github.com/Minji/Minji.github.io.git"])
def test_a_user_pages_repository_is_served_at_the_root(tmp_path, origin):
    root = jekyll_site(tmp_path / "site", files={".git/config": git_config(origin)})
    site = load_site(root)
    assert site.url == "https://minji.github.io/"
    assert site.jekyll.absolute_base == "https://minji.github.io"


@pytest.mark.parametrize("origin", ["git@github.com:minji/blog.git", "https://github.com/minji/blog.git",
                                    "https://minji@github.com/minji/blog"])
def test_a_project_repository_is_served_under_its_name(tmp_path, origin):
    root = jekyll_site(tmp_path / "site", files={".git/config": git_config(origin)})
    site = load_site(root)
    assert site.url == "https://minji.github.io/blog/"
    assert site.jekyll.absolute_url("/posts/a") == "https://minji.github.io/blog/posts/a"


def test_a_project_repository_keeps_a_baseurl_of_its_own(tmp_path):
    root = jekyll_site(tmp_path / "site", "title: Blog\nurl: \"\"\nbaseurl: /notes\n",
                       {".git/config": git_config("git@github.com:minji/blog.git")})
    assert load_site(root).url == "https://minji.github.io/notes/"


def test_the_git_folder_may_be_above_the_site(tmp_path):
    jekyll_site(tmp_path / "repo", files={".git/config": git_config("git@github.com:minji/blog.git")})
    root = jekyll_site(tmp_path / "repo" / "docs")
    assert load_site(root).url == "https://minji.github.io/blog/"


def test_a_worktree_reads_the_config_of_its_repository(tmp_path):
    jekyll_site(tmp_path / "main", files={".git/config": git_config("git@github.com:minji/blog.git"),
                                          ".git/worktrees/site/commondir": "../..\n"})
    root = jekyll_site(tmp_path / "site", files={".git": f"gitdir: {tmp_path / 'main/.git/worktrees/site'}\n"})
    assert load_site(root).url == "https://minji.github.io/blog/"


def test_the_repository_key_names_the_repository_without_a_github_remote(tmp_path):
    root = jekyll_site(tmp_path / "site", "title: Blog\nurl: \"\"\nrepository: minji/notes\n")
    assert load_site(root).url == "https://minji.github.io/notes/"


def test_the_remote_wins_over_the_repository_key(tmp_path, monkeypatch):
    """Themes use "repository" for other repositories (comments); Pages builds the one it is in."""
    monkeypatch.delenv("PAGES_REPO_NWO", raising=False)
    root = jekyll_site(tmp_path / "site", "title: Blog\nurl: \"\"\nrepository: minji/comments\n",
                       {".git/config": git_config("git@github.com:minji/minji.github.io.git")})
    assert load_site(root).url == "https://minji.github.io/"


def test_pages_repo_nwo_wins_over_everything_but_a_cname(tmp_path, monkeypatch):
    """GitHub's Pages builder names the repository it builds in PAGES_REPO_NWO."""
    monkeypatch.setenv("PAGES_REPO_NWO", "minji/blog")
    root = jekyll_site(tmp_path / "site", "title: Blog\nurl: \"\"\nrepository: minji/comments\n",
                       {".git/config": git_config("git@github.com:minji/minji.github.io.git")})
    assert load_site(root).url == "https://minji.github.io/blog/"


@pytest.mark.parametrize("files", [{}, {".git/config": git_config("git@gitlab.com:minji/blog.git")},
                                   {".git/config": "[core]\n\tbare = false\n"}])
def test_no_url_anywhere_is_one_line_naming_url(tmp_path, files):
    root = jekyll_site(tmp_path / "site", files=files)
    with pytest.raises(ConfigError) as caught:
        load_site(root)
    assert str(caught.value) == ('_config.yml: url is required: set url: "https://…" in _config.yml '
                                 "(or add a CNAME file, or an origin remote on github.com)")


def test_a_url_in_the_config_wins(tmp_path):
    root = jekyll_site(tmp_path / "site", "title: Blog\nurl: https://Blog.Example.com/\n",
                       {"CNAME": "other.example.com\n"})
    site = load_site(root)
    assert site.url == "https://Blog.Example.com/"
    # As jekyll-feed writes it: a trailing "/" in url gives "//" before the path.
    assert site.jekyll.absolute_url("/a") == "https://blog.example.com//a"


@pytest.mark.parametrize("value, full", [("true", False), ("false", True)])
def test_excerpt_only_leaves_the_bodies_out(tmp_path, value, full):
    root = jekyll_site(tmp_path / "site", f"title: Blog\nurl: https://b.example.com\nfeed:\n  excerpt_only: {value}\n")
    assert load_site(root).feed.full_content is full


def test_excerpt_only_that_is_not_true_or_false_is_one_line(tmp_path):
    root = jekyll_site(tmp_path / "site", "title: Blog\nurl: https://b.example.com\nfeed:\n  excerpt_only: maybe\n")
    with pytest.raises(ConfigError) as caught:
        load_site(root)
    assert str(caught.value) == '_config.yml: feed.excerpt_only must be true or false, got "maybe"'



# --- Jekyll's URL rules, against their definitions -------------------------------------------

import unicodedata  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from syndicate.sources import jekyll  # noqa: E402

PATIENT = settings(max_examples=300, deadline=None, derandomize=True)
# Korean and Chinese titles (the fast paths), with ASCII and some that are neither.
TITLE_TEXT = st.text(st.sampled_from("aZ09 -_.~!$&'()+,;=@/?#%한글뉴스中文ﬁé\u0301①Ａ"), max_size=12)


@PATIENT
@given(TITLE_TEXT, st.booleans(), st.booleans())
def test_slugify_keeps_letters_marks_and_digits_as_ruby_does(text, pretty, cased):
    # Utils.slugify: runs of anything but \p{L}, \p{M}, \p{Nd} (and pretty's few) become one "-".
    kept = "".join(c if unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd"
                   or (pretty and c in "._~!$&'()+,;=@") else "\0" for c in text)
    expected = "-".join(kept.split("\0")) if kept else ""
    while "--" in expected:
        expected = expected.replace("--", "-")
    expected = expected[1:] if expected.startswith("-") else expected
    expected = expected[:-1] if expected.endswith("-") else expected
    assert jekyll.slugify(text, "pretty" if pretty else "default", cased) == (expected if cased else expected.lower())


def _addressable_normalized(path: str) -> str:
    """Addressable's normalize of a path, segment by segment: decoded, NFKC, encoded again."""
    def segment(part: str) -> str:
        raw = unquote_to_bytes(part)
        try:
            return quote(unicodedata.normalize("NFKC", raw.decode("utf-8")), safe=jekyll.PATH_SAFE)
        except UnicodeDecodeError:
            return quote(raw, safe=jekyll.PATH_SAFE)
    return "/".join(map(segment, path.split("/")))


@PATIENT
@given(st.lists(TITLE_TEXT | st.sampled_from(["%ED%95%9C", "%C3%A9", "%e3%81%82", "%80", "%41", "%2F"]),
                min_size=1, max_size=4), st.booleans())
def test_absolute_url_normalises_a_path_as_addressable_does(parts, escaped):
    path = "/" + "/".join(jekyll.escape_path(p) if escaped else p for p in parts)
    path = path.split("?")[0].split("#")[0]
    if "/." in path or path.startswith("."):
        return  # dot segments: test_jekyll's fixture posts cover them
    assert jekyll.normalized_path(path) == _addressable_normalized(path)


@PATIENT
@given(st.lists(TITLE_TEXT | st.sampled_from(["%ED%95%9C", "%2F", "%2e", "．", "／", ".", "..", "", "?", "#"]),
                min_size=1, max_size=5))
def test_a_plain_last_segment_after_a_normalised_folder_is_the_whole_path_normalised(parts):
    # normalized_path's short way (a site's folders normalised once) gives what the rules give the
    # whole path, dot segments and escaped slashes or dots ("%2F.", "．．") in the folder too.
    path = "/".join(parts)
    assert jekyll.normalized_path(path) == jekyll._normalized.__wrapped__(path)
