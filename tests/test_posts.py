"""Reading posts: front matter, dates, excerpts, URLs, and every kind of bad file."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest

from syndicate.commands.run import resolve_now
from syndicate.sources.config import load_site
from syndicate.render.content import absolute_srcset, absolute_urls, render_post
from syndicate.errors import PostError
from syndicate.sources.posts import Post, expand_permalink, load_many, load_posts
from tests.conftest import BASIC_CONFIG, NOW, parse_feed

SEOUL = timezone(timedelta(hours=9))


def read(root, now: str = NOW):
    """Load the site at ``root``: (posts by file name, the Loaded outcome)."""
    site = load_site(root)
    loaded = load_posts(site, resolve_now(now, site))
    return {p.name.removeprefix("posts/"): p for p in loaded.posts}, loaded


def rendered(root, name: str, now: str = NOW):
    """The rendered body and excerpt of one post."""
    site = load_site(root)
    posts, _ = read(root, now)
    return render_post(site, posts[name])


# --- front matter formats -----------------------------------------------------


def test_yaml_toml_and_json_front_matter_read_alike(make_site):
    root = make_site({
        "posts/yaml.md": """\
            ---
            title: From YAML
            date: 2026-11-01 10:00:00 +0900
            tags: [a, b]
            ---
            Body.
            """,
        "posts/toml.md": """\
            +++
            title = "From TOML"
            date = 2026-11-01T10:00:00+09:00
            tags = ["a", "b"]
            +++
            Body.
            """,
        "posts/json.md": """\
            {
              "title": "From JSON",
              "date": "2026-11-01T10:00:00+09:00",
              "tags": ["a", "b"]
            }
            Body.
            """,
    })
    posts, loaded = read(root)
    assert loaded.errors == ()
    moment = datetime(2026, 11, 1, 10, tzinfo=SEOUL)
    assert {name: (p.title, p.date, p.tags) for name, p in posts.items()} == {
        "yaml.md": ("From YAML", moment, ("a", "b")),
        "toml.md": ("From TOML", moment, ("a", "b")),
        "json.md": ("From JSON", moment, ("a", "b")),
    }
    for name in posts:
        assert rendered(root, name).html == "<p>Body.</p>\n"


def test_a_post_read_is_the_post_its_fields_make(make_site):
    # Posts are made without the dataclass's __init__ (posts.post_of): every
    # field must be given, and the value must be the one __init__ would make.
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\ntags: x\n---\nBody.\n"})
    post = read(root)[0]["2026-11-01-a.md"]
    assert vars(post).keys() == {field.name for field in fields(Post)}
    assert Post(**vars(post)) == post and hash(Post(**vars(post))) == hash(post)


def test_tags_and_categories_jekyll_style(make_site):
    root = make_site({
        "posts/2026-11-01-a.md": "---\ntitle: A\ntags: 서울 startups  ai\ncategory: News\ncategories: Local News\n---\nx\n",
        "posts/2026-11-02-b.md": "---\ntitle: B\ntags: [big data, ai]\ncategories: [News, News]\n---\nx\n",
    })
    posts, _ = read(root)
    assert posts["2026-11-01-a.md"].tags == ("서울", "startups", "ai")
    assert posts["2026-11-01-a.md"].categories == ("Local", "News")
    assert posts["2026-11-02-b.md"].tags == ("big data", "ai")
    assert posts["2026-11-02-b.md"].categories == ("News",)
    # Categories make the Jekyll permalink.
    assert posts["2026-11-01-a.md"].url == "https://example.com/blog/local/news/2026/11/01/a.html"


def test_categories_and_tags_are_plain_text(make_site):
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\ncategories: ['R&amp;D', '<b>Bold</b>', '<i></i>']\n"
                                                "tags: [Q&amp;A, 'q&a']\n---\nx\n"})
    post = read(root)[0]["2026-11-01-a.md"]
    assert post.categories == ("R&D", "Bold")
    assert post.tags == ("Q&A", "q&a")


def test_other_keys(make_site):
    root = make_site({"posts/2026-11-01-keys.md": """\
        ---
        title: Keys
        summary: The summary key.
        author: { name: Min-ji Kim, email: minji@example.com }
        image: { path: pictures/cover.jpg }
        slug: Custom Slug
        lang: ko
        updated: 2026-11-03
        ---
        x
        """})
    post = read(root)[0]["2026-11-01-keys.md"]
    assert post.excerpt == "The summary key."
    assert (post.author.name, post.author.email) == ("Min-ji Kim", "minji@example.com")
    assert post.url == "https://example.com/blog/2026/11/01/custom-slug.html"
    # A relative image is relative to the post, as a link in its body would be.
    assert post.image == "https://example.com/blog/2026/11/01/pictures/cover.jpg"
    assert post.lang == "ko"
    assert post.updated == datetime(2026, 11, 3, tzinfo=SEOUL)


def test_ids_that_are_not_uris_become_site_urls(make_site):
    root = make_site({
        "posts/2026-11-01-a.md": "---\ntitle: A\nid: post-123\n---\nx\n",
        "posts/2026-11-01-b.md": "---\ntitle: B\nguid: /2026/old-b\n---\nx\n",
        "posts/2026-11-01-c.md": "---\ntitle: C\nid: tag:example.com,2026:c\n---\nx\n",
        "posts/2026-11-01-d.md": "---\ntitle: D\nid: urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e\n---\nx\n",
        "posts/2026-11-01-e.md": "---\ntitle: E\nid: 42\n---\nx\n",
    })
    posts, _ = read(root)
    # As jekyll-feed makes them: an Atom id must be a URI.
    assert {name[11]: p.id for name, p in posts.items()} == {
        "a": "https://example.com/blog/post-123",
        "b": "https://example.com/blog/2026/old-b",
        "c": "tag:example.com,2026:c",
        "d": "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        "e": "https://example.com/blog/42",
    }


def test_a_bad_author_email_is_left_out_with_a_warning(make_site):
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\nauthor: {name: 김기자, email: kim at example}\n---\nx\n"})
    posts, loaded = read(root)
    assert (posts["2026-11-01-a.md"].author.name, posts["2026-11-01-a.md"].author.email) == ("김기자", "")
    assert [str(n) for n in loaded.notices] == [
        'posts/2026-11-01-a.md: warning: author email "kim at example" is not an email address; left out']


def test_site_relative_image_keeps_the_sites_base_path(make_site):
    # As Jekyll's absolute_url filter (and jekyll-seo-tag) read it.
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\nimage: '/assets/img/x.png'\n---\nx\n"})
    assert read(root)[0]["2026-11-01-a.md"].image == "https://example.com/blog/assets/img/x.png"


def test_permalink_cannot_climb_out_of_the_site(make_site):
    root = make_site({
        "posts/2026-11-01-a.md": "---\ntitle: A\npermalink: /../../../etc/passwd\n---\nx\n",
        "posts/2026-11-01-b.md": "---\ntitle: B\npermalink: /:categories/:slug/\ncategories: [\"..\", 뉴스]\n---\nx\n",
    })
    posts, _ = read(root)
    assert posts["2026-11-01-a.md"].url == "https://example.com/blog/etc/passwd"
    assert posts["2026-11-01-b.md"].url == "https://example.com/blog/-/%EB%89%B4%EC%8A%A4/b/"
    assert expand_permalink("/:year/../../:slug.html", date=datetime(2026, 1, 2), slug="x",
                            categories=()) == "x.html"


# --- titles and excerpts ----------------------------------------------------------


def test_titles_and_excerpts_are_plain_text(make_site):
    root = make_site({"posts/2026-11-01-a.md": """\
        ---
        title: "<em>Fish</em> &amp; chips &mdash; a&nbsp;review"
        excerpt: >
          Crisp <b>batter</b>,
          soft &lt;fish&gt;.
        ---
        x
        """})
    post = read(root)[0]["2026-11-01-a.md"]
    assert post.title == "Fish & chips — a review"
    assert post.excerpt == "Crisp batter, soft <fish>."


def test_excerpt_before_the_more_marker(make_site):
    root = make_site({"posts/2026-11-01-a.md": """\
        ---
        title: A
        ---
        First *part*,

        still the excerpt.

        <!--more-->

        The rest.
        """})
    assert rendered(root, "2026-11-01-a.md").excerpt == "First part, still the excerpt."


def test_excerpt_separator_from_config(make_site):
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\n---\nShort.\n\n<!-- cut -->\n\nLong.\n"},
                     config=BASIC_CONFIG + 'excerpt_separator = "<!-- cut -->"\n')
    assert rendered(root, "2026-11-01-a.md").excerpt == "Short."


def test_excerpt_is_the_first_paragraph_with_words(make_site):
    root = make_site({"posts/2026-11-01-a.html": """\
        ---
        title: A
        ---
        <figure><img src="a.png"></figure>
        <p>&nbsp;</p>
        <p>The <a href="x">first</a> words &amp; more.</p>
        <p>Second.</p>
        """})
    assert rendered(root, "2026-11-01-a.html").excerpt == "The first words & more."


# --- dates and publishing ----------------------------------------------------------


def test_dates(make_site):
    root = make_site({
        "posts/2026-11-01-from-name.md": "---\ntitle: A\n---\nx\n",
        "posts/2026-11-01-overridden.md": "---\ntitle: B\ndate: 2026-10-15\n---\nx\n",
        "posts/naive.md": "---\ntitle: C\ndate: 2026-11-03 07:30:00\n---\nx\n",
        "posts/utc.md": "---\ntitle: D\ndate: 2026-11-03T07:30:00Z\n---\nx\n",
        "posts/jekyll-text.md": "---\ntitle: E\ndate: '2026-11-03 07:30:00 -0500'\n---\nx\n",
    })
    posts, loaded = read(root)
    assert loaded.errors == () and loaded.notices == ()
    assert posts["2026-11-01-from-name.md"].date == datetime(2026, 11, 1, tzinfo=SEOUL)
    assert posts["2026-11-01-overridden.md"].date == datetime(2026, 10, 15, tzinfo=SEOUL)
    # Naive times are in the site time zone (Asia/Seoul).
    assert posts["naive.md"].date == datetime(2026, 11, 3, 7, 30, tzinfo=SEOUL)
    assert posts["utc.md"].date == datetime(2026, 11, 3, 16, 30, tzinfo=SEOUL)
    assert posts["jekyll-text.md"].date == datetime(2026, 11, 3, 21, 30, tzinfo=SEOUL)


def test_drafts_unpublished_and_scheduled_posts_stay_out(make_site, run):
    root = make_site({
        "posts/2026-11-01-out.md": "---\ntitle: Out\n---\nx\n",
        "posts/2026-11-02-draft.md": "---\ntitle: Draft\ndraft: true\n---\nx\n",
        "posts/2026-11-03-unpublished.md": "---\ntitle: Unpublished\npublished: false\n---\nx\n",
        "posts/2026-11-04-later.md": "---\ntitle: Later\ndate: 2026-11-25 09:00:01\n---\nx\n",
    })
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    assert [e.title for e in parse_feed(root / "public" / "feed.xml").entries] == ["Out"]
    run("build", "--site", root, "--now", "2026-11-25T09:00:01+09:00")
    assert [e.title for e in parse_feed(root / "public" / "feed.xml").entries] == ["Later", "Out"]


# --- bodies -------------------------------------------------------------------------


def test_relative_urls_become_absolute_against_the_post(make_site):
    root = make_site({"posts/2026-11-01-media.html": """\
        ---
        title: Media
        ---
        <p><a href="other.html">sibling</a> <a href="/about/">root</a> <a href="#top">anchor</a>
        <a href="mailto:desk@example.com">mail</a> <a href="https://elsewhere.example/">away</a></p>
        <img src="../img/a.png" srcset="a-1x.png 1x, /img/a-2x.png 2x,https://cdn.example/a.png 3x">
        <video poster="still.jpg" src="clip.mp4"></video>
        """})
    html = rendered(root, "2026-11-01-media.html").html
    base = "https://example.com/blog/2026/11/01/"
    assert f'href="{base}other.html"' in html
    assert 'href="https://example.com/about/"' in html
    assert f'href="{base}media.html#top"' in html
    assert 'href="mailto:desk@example.com"' in html
    assert 'href="https://elsewhere.example/"' in html
    assert 'src="https://example.com/blog/2026/11/img/a.png"' in html
    assert (f'srcset="{base}a-1x.png 1x, https://example.com/img/a-2x.png 2x, https://cdn.example/a.png 3x"'
            in html)
    assert f'poster="{base}still.jpg"' in html and f'src="{base}clip.mp4"' in html


def test_absolute_srcset_keeps_descriptors():
    assert absolute_srcset("a.png, b.png 480w,c.png   2x", "https://x.example/p/") == (
        "https://x.example/p/a.png, https://x.example/p/b.png 480w, https://x.example/p/c.png 2x")


def test_markdown_is_commonmark_with_raw_html(make_site):
    root = make_site({"posts/2026-11-01-md.md": """\
        ---
        title: Md
        ---
        # Heading

        <div class="note" data-kind="tip">Raw <b>HTML</b> &nbsp;passes.</div>

        | a | b |
        |---|---|
        | 1 | ~~2~~ |
        """})
    html = rendered(root, "2026-11-01-md.md").html
    assert "<h1>Heading</h1>" in html
    assert '<div class="note" data-kind="tip">Raw <b>HTML</b> \u00a0passes.</div>' in html
    assert "<td><s>2</s></td>" in html


def test_control_characters_are_removed_with_a_warning(make_site, run):
    root = make_site({
        "posts/2026-11-01-ctrl.md": (
            '---\ntitle: "Bell\\x07 & whistle"\ncategories: ["Form\\ffeed"]\n'
            "excerpt: Escape\x1b here\n---\nBody\x01 with\x0b controls.\n"),
    })
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0
    assert result.stderr == (
        "posts/2026-11-01-ctrl.md: warning: removed 3 control character(s) from the front matter\n"
        "posts/2026-11-01-ctrl.md: warning: removed 2 control character(s) from the body\n")
    for name in ("feed.xml", "atom.xml"):
        feed = parse_feed(root / "public" / name)
        assert feed.bozo == 0
        [entry] = feed.entries
        assert entry.title == "Bell & whistle"
        assert entry.summary == "Escape here"
        assert entry.tags[0].term == "Formfeed"
        assert entry.content[0].value.strip() == "<p>Body with controls.</p>"
    # --strict turns the warnings into a failure.
    assert run("build", "--site", root, "--now", NOW, "--strict").exit_code == 1


# --- bad files: one line each, the others still publish ---------------------------------


BAD_POSTS = {
    "bad-yaml.md": (
        "---\ntitle: Broken\ndate: 2026-11-01\ntitle: : nope\n---\nx\n",
        "posts/bad-yaml.md:4: invalid front matter: mapping values are not allowed in this context"),
    "unclosed-list.md": (
        "---\ntitle: Broken\ntags: [a, b\ncategories: x\n---\nx\n",
        "posts/unclosed-list.md:4: invalid front matter: did not find expected ',' or ']' "
        "(while parsing a flow sequence started on line 3)"),
    "bad-date.md": (
        "---\ntitle: Broken\ndate: next tuesday\n---\nx\n",
        "posts/bad-date.md:3: 'date' is not a date: \"next tuesday\""),
    "impossible-date.md": (
        "---\ntitle: Broken\n\ndate: 2026-02-30\n---\nx\n",
        "posts/impossible-date.md:4: invalid front matter: \"2026-02-30\" is not a date "
        "(day is out of range for month)"),
    "bad-toml.md": (
        "+++\ntitle = \"Broken\"\ndate = 2026-02-30\n+++\nx\n",
        "posts/bad-toml.md:3: invalid front matter: Invalid date or datetime"),
    "bad-json.md": (
        "{\n  \"title\": \"Broken\",\n  \"date\": soon\n}\nx\n",
        "posts/bad-json.md:3: invalid front matter: Expecting value"),
    "latin-1.md": (
        "---\ntitle: Broken\n---\nfine\ncaf\xe9\n".encode("latin-1"),
        "posts/latin-1.md:5: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
    "image.md": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "posts/image.md:3: binary file, not a text post (it contains NUL bytes)"),
    "nul.md": (
        b"---\ntitle: Broken\n---\ntext\x00text\n",
        "posts/nul.md:4: binary file, not a text post (it contains NUL bytes)"),
    "unclosed.md": (
        "---\ntitle: Broken\n\nNo closing line.\n",
        "posts/unclosed.md:1: front matter is never closed (no closing ---)"),
    "list.md": (
        "---\n- a\n- b\n---\nx\n",
        "posts/list.md:2: invalid front matter: expected key: value pairs, got a list"),
    "aliases.md": (
        # A YAML alias that refers to itself, and an escape that makes the
        # front matter be cleaned of control characters: no RecursionError.
        '---\ntitle: "Loop\\x01"\ntags: &a [x, *a]\n---\nx\n',
        "posts/aliases.md:3: invalid front matter: an alias refers to the list or mapping it is in"),
    "2026-02-31-bad-name.md": (
        "---\ntitle: Broken\n---\nx\n",
        "posts/2026-02-31-bad-name.md: file name date 2026-02-31 is not a date"),
}


@pytest.mark.parametrize("name", sorted(BAD_POSTS))
def test_a_bad_post_is_one_line_and_the_others_publish(make_site, run, name):
    content, message = BAD_POSTS[name]
    root = make_site({
        f"posts/{name}": content,
        "posts/2026-11-01-good.md": "---\ntitle: Good\n---\nStill here.\n",
    })
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == f"{message}\nfailed: 1 problem(s)\n"
    assert result.stdout == "wrote public/feed.xml\nwrote public/atom.xml\nwrote public/feed.json\n"
    for feed in ("feed.xml", "atom.xml"):
        assert [e.title for e in parse_feed(root / "public" / feed).entries] == ["Good"]


def test_bad_bytes_deep_in_a_long_body_name_their_line(make_site, run):
    # Past the head that is read for every post: found when the body is rendered.
    body = "".join(f"Line {n} of a long post.\n" for n in range(1, 301)).encode()
    root = make_site({
        "posts/2026-11-01-long.md": b"---\ntitle: Long\n---\n" + body + b"caf\xe9\n",
        "posts/2026-11-02-nul.md": b"---\ntitle: Nul\n---\n" + body + b"a\x00b\n",
        "posts/2026-11-03-good.md": "---\ntitle: Good\n---\nfine\n",
    })
    for command in ("build", "check"):
        result = run(command, "--site", root, "--now", NOW)
        assert result.exit_code == 1
        assert sorted(result.stderr.splitlines()) == [
            "failed: 2 problem(s)",
            "posts/2026-11-01-long.md:304: not UTF-8 text (byte 0xe9); save the file as UTF-8",
            "posts/2026-11-02-nul.md:304: binary file, not a text post (it contains NUL bytes)",
        ]
    assert [e.title for e in parse_feed(root / "public" / "feed.xml").entries] == ["Good"]


def test_every_bad_post_is_reported_in_one_run(make_site, run):
    root = make_site({f"posts/{name}": content for name, (content, _) in BAD_POSTS.items()})
    result = run("check", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    expected = sorted(message for _, message in BAD_POSTS.values())
    assert result.stderr == "\n".join(expected) + f"\nfailed: {len(expected)} problem(s)\n"


def test_a_batch_gives_each_file_what_it_gives_alone(make_site):
    # load_many reads a batch a stage at a time (heads, front matter, Posts):
    # each file gets its own post, warnings or error, in the batch's order,
    # whatever is broken beside it and at whichever stage.
    files = {f"posts/{name}": content for name, (content, _) in BAD_POSTS.items()}
    files.update({"posts/2026-11-01-good.md": "---\ntitle: Good\n---\nx\n", "posts/notes.txt": "not a post",
                  "posts/2026-11-02-bell.md": '---\ntitle: "Bell\\x07"\n---\nx\n'})
    root = make_site(files)
    site = load_site(root)
    now = resolve_now(NOW, site)
    paths = sorted((root / "posts").iterdir())

    def outcome(result):
        return (result.path, result.line, result.detail) if isinstance(result, PostError) else result

    alone = [outcome(load_many(site, [path], {}, now)[0]) for path in paths]
    assert sum(isinstance(result, tuple) and isinstance(result[0], Post) for result in alone) == 2
    assert sum(isinstance(result[1], int) for result in alone) == len(BAD_POSTS) - 1  # one bad name has no line
    assert [outcome(result) for result in load_many(site, paths, {}, now)] == alone
    assert [outcome(result) for result in load_many(site, paths[::-1], {}, now)] == alone[::-1]


def test_aliases_repeated_a_million_times_are_refused_before_expanding(make_site, run):
    # syndicate.sources.safe_yaml refuses a document past 10,000 values once expanded
    # (tests/test_hostile.py covers the loader itself).
    levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"{b}: &{b} [{', '.join(['*' + a] * 10)}]" for a, b in zip("abcdef", "bcdefg")]
    root = make_site({"posts/2026-11-01-laughs.md": "---\n" + "\n".join(levels)
                      + '\ntitle: "Laughs\\x07"\n---\nx\n'})
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == ("posts/2026-11-01-laughs.md:5: invalid front matter: too large once its aliases "
                             "are expanded (over 10000 values)\nfailed: 1 problem(s)\n")


def test_files_that_are_not_posts_are_skipped_with_a_warning(make_site, run):
    root = make_site({
        "posts/2026-11-01-a.md": "---\ntitle: A\n---\nx\n",
        "posts/notes.txt": "not a post",
        "posts/.hidden.md": "---\ntitle: Hidden\n---\n",
        "posts/2026-11-01-a.md~": "editor backup",
        "posts/_drafts/2026-11-02-b.md": "---\ntitle: B\n---\n",
    })
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0
    assert result.stderr == ("posts/notes.txt: warning: skipped: not a post "
                             "(only .htm, .html, .markdown, .md files are read)\n")
    assert [e.title for e in parse_feed(root / "public" / "feed.xml").entries] == ["A"]


def test_absolute_urls_of_an_empty_body():
    assert absolute_urls("  \n", "https://x.example/") == ""


# --- property tests on the pure helpers -------------------------------------------------------

import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from syndicate.sources.posts import parse_date  # noqa: E402
from syndicate import text  # noqa: E402
from syndicate.text import XML_FORBIDDEN, clean_text, slugify  # noqa: E402
from syndicate.text import safe_name  # noqa: E402

PATIENT = settings(max_examples=150, deadline=None, derandomize=True)  # shared machine: time is not the point; CI must be stable


@PATIENT
@given(st.text())
def test_slugs_are_safe_file_names(text):
    slug = slugify(text)
    assert "/" not in slug and "\\" not in slug and "." not in slug
    assert not slug.startswith(("-", "_")) and not slug.endswith(("-", "_"))
    assert len(slug) <= 120
    assert slugify(slug) == slug  # stable: a slug slugifies to itself
    if slug:
        name = safe_name(slug + ".xml")
        assert len(name.encode("utf-8")) <= 200 and name.endswith(".xml")


@PATIENT
@given(pattern=st.text(), slug=st.text(), categories=st.lists(st.text(), max_size=3))
def test_permalinks_never_leave_the_site(pattern, slug, categories):
    path = expand_permalink("/" + pattern, date=datetime(2026, 11, 25), slug=slugify(slug) or "post",
                            categories=categories)
    assert not path.startswith("/")
    assert ".." not in path.split("/")
    assert path == path.encode("ascii").decode("ascii")  # percent-encoded, ready for a URL


@PATIENT
@given(st.text())
def test_clean_text_leaves_what_xml_accepts(text):
    import lxml.etree

    cleaned, removed = clean_text(text)
    assert not XML_FORBIDDEN.search(cleaned)
    # One per forbidden character or reference ("&#0;" is one, four characters long).
    assert (removed == 0) == (cleaned == text)
    assert removed <= len(text) - len(cleaned)
    lxml.etree.Element("title").text = cleaned  # what feedgen does; raises on a forbidden character


# The pattern as first written, plainly: a forbidden character, or "&" and a
# forbidden reference. XML_FORBIDDEN is written differently, to search faster.
PLAIN_FORBIDDEN = re.compile(f"[{text._FORBIDDEN_CHARACTERS}]|&{text._FORBIDDEN_REFERENCE}")
NEAR_REFERENCES = st.text(alphabet=st.sampled_from("&#xX;0123456789aAbBcCdDeEfF \x00\x0b\x7f\ud800한"), max_size=40)


@PATIENT
@given(st.one_of(NEAR_REFERENCES, st.text()))
def test_forbidden_text_is_found_as_the_plain_pattern_finds_it(value):
    assert [m.span() for m in XML_FORBIDDEN.finditer(value)] == [m.span() for m in PLAIN_FORBIDDEN.finditer(value)]


@PATIENT
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 31),
                    timezones=st.sampled_from([timezone.utc, SEOUL, timezone(timedelta(hours=-5, minutes=-30))])))
def test_iso_dates_round_trip(moment):
    moment = moment.replace(microsecond=0)
    assert parse_date(moment.isoformat(), timezone.utc) == moment
    assert parse_date(moment.replace(tzinfo=None).isoformat(" "), moment.tzinfo) == moment


def test_clean_text_removes_a_reference_that_a_removal_forms():
    # Dropping the NUL joins "&#" and "0;" into a forbidden reference, dropped too.
    assert clean_text("a&#\x000;b") == ("ab", 2)
