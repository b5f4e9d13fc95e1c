"""Site configuration: syndicate.toml checked key by key, or a Jekyll _config.yml as is."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from syndicate.sources.config import DEFAULT_PERMALINK, load_site
from syndicate.errors import ConfigError
from tests.conftest import NOW, parse_feed

MINIMAL = 'title = "T"\nurl = "https://example.com"\n'


def config_error(make_site, config: str) -> str:
    root = make_site(config=config)
    with pytest.raises(ConfigError) as caught:
        load_site(root)
    return str(caught.value)


def test_minimal_config_and_its_defaults(make_site):
    root = make_site(config=MINIMAL)
    site = load_site(root)
    assert site.url == "https://example.com/"
    assert (site.title, site.description, site.language, str(site.timezone)) == ("T", "", "en", "UTC")
    assert site.posts_dir == root.resolve() / "posts"
    assert site.output_dir == root.resolve() / "public"
    assert site.state_dir == root.resolve() / ".syndicate"
    assert site.permalink == DEFAULT_PERMALINK
    assert (site.feed.limit, site.feed.full_content, site.feed.categories, site.feed.tags) == (20, True, False, False)
    assert site.author is None


def test_full_config(make_site):
    root = make_site(config="""\
        title = "Example News"
        url = "https://news.example.com/blog"
        description = "About."
        language = "ko"
        timezone = "Asia/Seoul"
        author = { name = "Newsroom", email = "news@example.com" }
        posts_dir = "content/posts"
        output_dir = "site/feeds"
        permalink = "pretty"

        [feed]
        limit = 5
        full_content = false
        categories = true
        tags = true
        """)
    site = load_site(root)
    assert site.url == "https://news.example.com/blog/"
    assert site.absolute_url("/feed.xml") == "https://news.example.com/blog/feed.xml"
    assert site.timezone.key == "Asia/Seoul"
    assert (site.author.name, site.author.email) == ("Newsroom", "news@example.com")
    assert site.posts_dir == root.resolve() / "content" / "posts"
    assert site.output_dir == root.resolve() / "site" / "feeds"
    assert site.permalink == "/:categories/:year/:month/:day/:title/"
    assert (site.feed.limit, site.feed.full_content, site.feed.categories, site.feed.tags) == (5, False, True, True)


def test_wrong_type_names_the_key_and_value(make_site, run):
    root = make_site(config=MINIMAL + '[feed]\nlimit = "ten"\n')
    result = run("build", "--site", root)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == 'syndicate.toml: feed.limit must be a positive integer, got "ten"\n'


@pytest.mark.parametrize("line, message", [
    ('url = "/blog/"', 'url must be an absolute http(s) URL, got "/blog/"'),
    ('url = "ftp://example.com/"', 'url must be an absolute http(s) URL, got "ftp://example.com/"'),
    ('timezone = "Seoul"', 'timezone must be an IANA time zone such as "Asia/Seoul", got "Seoul"'),
    ("title = 3", "title must be a string, got 3"),
    ('title = ""', 'title must not be empty, got ""'),
    ("feed = 10", "feed must be a table, got 10"),
    ('description = "Bell\\u0007"', 'description must not contain control characters, got "Bell\\u0007"'),
    ("[feed]\nlimit = 0", "feed.limit must be a positive integer, got 0"),
    ("[feed]\nlimit = true", "feed.limit must be a positive integer, got true"),
    ('[feed]\nfull_content = "no"', 'feed.full_content must be true or false, got "no"'),
    ('author = { email = "a@b.c" }', 'author must be a name or a table with name and email, got {"email": "a@b.c"}'),
    ('author = { name = "N", email = "n at example" }',
     'author email must be an email address such as "news@example.com", got {"name": "N", "email": "n at example"}'),
    ('permalink = "year/slug"', 'permalink must start with "/" or be one of date, pretty, ordinal, weekdate, none, '
                                'got "year/slug"'),
])
def test_each_bad_value(make_site, line, message):
    base = MINIMAL.replace('url = "https://example.com"\n', "") if line.startswith("url") else MINIMAL
    if line.startswith("title"):
        base = base.replace('title = "T"\n', "")
    assert config_error(make_site, base + line + "\n") == f"syndicate.toml: {message}"


def test_unknown_keys_are_errors_and_every_problem_is_listed(make_site, run):
    root = make_site(config='title = "T"\ntitel = "typo"\n[feed]\nlimt = 5\nlimit = "ten"\n')
    result = run("check", "--site", root)
    assert result.exit_code == 1
    assert result.stderr == (
        "syndicate.toml: unknown key titel\n"
        "syndicate.toml: unknown key feed.limt\n"
        'syndicate.toml: feed.limit must be a positive integer, got "ten"\n'
        "syndicate.toml: url is required\n")


def test_missing_url(make_site):
    assert config_error(make_site, 'title = "T"\n') == "syndicate.toml: url is required"


def test_not_toml(make_site):
    assert config_error(make_site, 'title = "T"\nurl = \n') == (
        "syndicate.toml:2: not valid TOML: Invalid value (column 7)")


def test_no_configuration_at_all(tmp_path, run):
    result = run("build", "--site", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (f"no syndicate.toml, _config.yml or hugo.toml (config.toml, config/_default/) "
                             f"in {tmp_path.resolve()}\n")


def test_missing_posts_folder(make_site, run):
    root = make_site(config=MINIMAL + 'posts_dir = "articles"\n')
    result = run("build", "--site", root)
    assert result.exit_code == 1
    assert result.stderr == "posts folder articles does not exist\n"


def test_out_overrides_output_dir(make_site, tmp_path):
    root = make_site(config=MINIMAL)
    assert load_site(root, tmp_path / "elsewhere").output_dir == (tmp_path / "elsewhere").resolve()


# --- a Jekyll site, as it is -------------------------------------------------------------


JEKYLL_CONFIG = """\
title: 서울 일기
description: >-
  A Jekyll blog.
url: "https://diary.example.com"
baseurl: "/blog"
lang: ko
timezone: Asia/Seoul
permalink: pretty
author:
  name: 김민지
  email: minji@example.com
  twitter: minji
theme: minima
plugins: [jekyll-feed, jekyll-seo-tag]
"""


def test_jekyll_config_is_read(tmp_path):
    (tmp_path / "_config.yml").write_text(JEKYLL_CONFIG, encoding="utf-8")
    site = load_site(tmp_path)
    assert site.config_file == "_config.yml"
    assert site.title == "서울 일기"
    assert site.description == "A Jekyll blog."
    assert site.url == "https://diary.example.com/blog/"
    assert site.language == "ko"
    assert site.timezone.key == "Asia/Seoul"
    assert site.permalink == "/:categories/:year/:month/:day/:title/"
    assert (site.author.name, site.author.email) == ("김민지", "minji@example.com")
    assert site.posts_dir == tmp_path.resolve() / "_posts"


def test_jekyll_site_builds_with_zero_setup(tmp_path, run):
    (tmp_path / "_config.yml").write_text(JEKYLL_CONFIG, encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    (posts / "2026-11-20-첫-글.md").write_text(
        "---\nlayout: post\ntitle: 첫 글\ncategories: diary\n---\n![사진](/assets/a.jpg)\n", encoding="utf-8")
    (posts / "2026-11-21-second.markdown").write_text(
        "---\nlayout: post\ntitle: Second\ndate: 2026-11-21 22:00:00\n---\nHello.\n", encoding="utf-8")
    result = run("build", "--site", tmp_path, "--now", NOW)
    assert result.exit_code == 0, result.output
    # Atom where jekyll-feed had it, RSS and JSON Feed beside it.
    assert result.stdout == "wrote public/feed.rss.xml\nwrote public/feed.xml\nwrote public/feed.json\n"
    feed = parse_feed(tmp_path / "public" / "feed.xml")
    assert feed.bozo == 0
    assert feed.version == "atom10"
    assert feed.feed.language == "ko"
    # A YAML timestamp without a zone is UTC, as Jekyll (Psych) reads it: the
    # post is dated 07:00 the next day in Seoul, and its URL says so.
    assert [(e.title, e.link, e.id) for e in feed.entries] == [
        ("Second", "https://diary.example.com/blog/2026/11/22/second/",
         "https://diary.example.com/blog/2026/11/22/second"),
        ("첫 글", "https://diary.example.com/blog/diary/2026/11/20/%EC%B2%AB-%EA%B8%80/",
         "https://diary.example.com/blog/diary/2026/11/20/%EC%B2%AB-%EA%B8%80"),
    ]
    seoul = timezone(timedelta(hours=9))
    assert datetime(*feed.entries[0].published_parsed[:6], tzinfo=timezone.utc) == datetime(
        2026, 11, 22, 7, 0, tzinfo=seoul)
    # Markdown's site-relative image is absolute, on the host (as a browser reads it).
    assert 'src="https://diary.example.com/assets/a.jpg"' in feed.entries[1].content[0].value
    assert parse_feed(tmp_path / "public" / "feed.rss.xml").version == "rss20"


def test_jekyll_config_without_url(tmp_path):
    (tmp_path / "_config.yml").write_text("title: Blog\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    assert str(caught.value) == ('_config.yml: url is required: set url: "https://…" in _config.yml '
                                 "(or add a CNAME file, or an origin remote on github.com)")


def test_jekyll_config_bad_yaml_names_the_line(tmp_path):
    (tmp_path / "_config.yml").write_text("title: Blog\nurl: [https://x\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    assert str(caught.value).startswith("_config.yml:3: not valid YAML: ")


def test_jekyll_config_impossible_date_names_the_line(tmp_path):
    # Any key, even one syndicate never reads: PyYAML builds every date it sees.
    (tmp_path / "_config.yml").write_text("title: Blog\nurl: https://x.com\nfounded: 2026-02-30\n",
                                          encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    assert str(caught.value) == ('_config.yml:3: not valid YAML: "2026-02-30" is not a date '
                                 "(day is out of range for month)")


def test_jekyll_config_as_a_theme_writes_it(tmp_path):
    # minimal-mistakes: "name" and no "title", "locale", Jekyll's own excerpt
    # separator written out, an author block whose email is left empty.
    (tmp_path / "_config.yml").write_text(
        'name: "김민지의 기록"\nlocale: ko_KR\nurl: https://minji.example.com\nexcerpt_separator: "\\n\\n"\n'
        "author:\n  name: 김민지\n  avatar: /a.jpg\n  email:\n  links:\n    - label: GitHub\n", encoding="utf-8")
    site = load_site(tmp_path)
    assert (site.title, site.language, site.excerpt_separator) == ("김민지의 기록", "ko-KR", "\n\n")
    assert (site.author.name, site.author.email) == ("김민지", "")
    # Jekyll's defaults, and jekyll-feed's.
    assert site.permalink == "/:categories/:year/:month/:day/:title:output_ext"
    assert (site.feed.limit, site.jekyll.feed_path, site.jekyll.rss_path) == (10, "feed.xml", "feed.rss.xml")
    assert site.jekyll.future is False


def test_jekyll_config_feed_future_and_collection_permalink(tmp_path):
    (tmp_path / "_config.yml").write_text(
        "title: T\nurl: https://x.com\nfuture: true\npermalink: pretty\nfeed:\n  path: /atom.xml\n"
        "  posts_limit: 25\n  tags: true\ncollections:\n  posts:\n    permalink: blog/:title\n", encoding="utf-8")
    site = load_site(tmp_path)
    assert site.permalink == "/blog/:title"  # the collection's wins over the site's style
    assert (site.feed.limit, site.jekyll.feed_path, site.jekyll.rss_path) == (25, "atom.xml", "atom.rss.xml")
    assert site.jekyll.future is True


def test_jekyll_only_keys_name_themselves_in_errors(tmp_path):
    (tmp_path / "_config.yml").write_text(
        "url: https://x.com\nfeed:\n  posts_limit: ten\n  path: ../feed.xml\nexclude: vendor\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    assert str(caught.value).splitlines() == [
        '_config.yml: feed.posts_limit must be a positive integer, got "ten"',
        '_config.yml: feed.path must be a path in the site such as feed.xml, got "../feed.xml"',
        '_config.yml: exclude must be a list, got "vendor"',
    ]


def test_a_jekyll_site_without_a_title_is_titled_by_its_host(tmp_path, run):
    # jekyll-feed writes such a feed without a <title>, which Atom does not allow.
    (tmp_path / "_config.yml").write_text("url: https://notes.example.org\n", encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2026-11-20-a.md").write_text("---\ntitle: A\n---\nBody.\n", encoding="utf-8")
    result = run("build", "--site", tmp_path, "--now", NOW)
    assert result.exit_code == 0
    assert result.stderr.startswith('_config.yml: warning: no title (or name): the feeds are titled '
                                    '"notes.example.org"')
    assert parse_feed(tmp_path / "public" / "feed.xml").feed.title == "notes.example.org"


def test_a_blank_line_separator_ends_the_excerpt_there(tmp_path, run):
    (tmp_path / "_config.yml").write_text('title: T\nurl: https://x.com\nexcerpt_separator: "\\n\\n"\n',
                                          encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2026-11-20-a.md").write_text(
        "---\ntitle: A\n---\nFirst line\nof the excerpt.\n\nNot the excerpt.\n", encoding="utf-8")
    assert run("build", "--site", tmp_path, "--now", NOW).exit_code == 0
    [entry] = parse_feed(tmp_path / "public" / "feed.xml").entries
    assert entry.summary == "First line of the excerpt."


def test_syndicate_toml_beside_jekyll_adds_and_overrides(make_site):
    # What Jekyll has no key for (the digest, email, SMTP) goes in syndicate.toml;
    # posts, URLs and ids are still read by Jekyll's rules.
    root = make_site(config='title = "T"\n[digest]\nunsubscribe_url = "https://diary.example.com/stop"\n'
                            '[feed]\nlimit = 3\n')
    (root / "_config.yml").write_text(JEKYLL_CONFIG, encoding="utf-8")
    site = load_site(root)
    assert site.jekyll is not None and site.jekyll.absolute_base == "https://diary.example.com/blog"
    assert (site.title, site.url, site.language) == ("T", "https://diary.example.com/blog/", "ko")
    assert (site.digest.unsubscribe_url, site.feed.limit) == ("https://diary.example.com/stop", 3)
    assert site.config_file == "syndicate.toml"  # where digest and email problems are said to be


def test_a_standalone_syndicate_toml_configures_the_site_alone(make_site):
    root = make_site(config="standalone = true\n" + MINIMAL)
    (root / "_config.yml").write_text(JEKYLL_CONFIG, encoding="utf-8")
    site = load_site(root)
    assert (site.jekyll, site.title, site.url) == (None, "T", "https://example.com/")
    assert config_error(make_site, 'standalone = "no"\n' + MINIMAL) == 'syndicate.toml: standalone must be true or false, got "no"'
