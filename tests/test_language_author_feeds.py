"""One feed per language (``feed.languages``) and per author (``feed.authors``), as category feeds are."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BASIC_CONFIG, NOW, entry_titles as titles, parse_feed

POSTS = {
    "posts/2026-11-01-hello.md": "---\ntitle: Hello\nlang: en-GB\nauthor: Jane Park\n---\nIn English.\n",
    "posts/2026-11-02-annyeong.md": "---\ntitle: 안녕하세요\nlang: ko\nauthor: Jane Park\n---\n한국어로.\n",
    "posts/2026-11-03-site.md": "---\ntitle: In the site's language\n---\nNo lang, no author.\n",
    "posts/2026-11-04-again.md": "---\ntitle: Again\nlang: en-gb\n---\nEnglish again.\n",
}
CONFIG = BASIC_CONFIG + "[feed]\nlanguages = true\nauthors = true\n"


def build(run, root, *flags):
    result = run("build", "--site", root, "--now", NOW, *flags)
    assert result.exit_code == 0, result.output
    return result


def test_one_feed_per_language_from_each_posts_lang_else_the_sites(make_site, run):
    root = make_site(POSTS, config=CONFIG)
    build(run, root)
    out = root / "public/feeds/lang"
    assert sorted(path.name for path in out.iterdir()) == ["en-gb.json", "en-gb.xml", "en.json", "en.xml",
                                                          "ko.json", "ko.xml"]
    assert titles(out / "en-gb.xml") == ["Again", "Hello"]  # "en-GB" and "en-gb" share a feed
    assert titles(out / "en.xml") == ["In the site's language"]  # the site's language: en
    assert titles(out / "ko.xml") == ["안녕하세요"]
    korean = parse_feed(out / "ko.xml")
    assert korean.feed.language == "ko" and korean.feed.title == "Test Site — ko"
    twin = json.loads((out / "ko.json").read_text(encoding="utf-8"))
    assert twin["language"] == "ko" and [item["title"] for item in twin["items"]] == ["안녕하세요"]
    assert "language" not in twin["items"][0]  # the feed's own language, said once


def test_one_feed_per_author_from_each_posts_author_else_the_sites(make_site, run):
    root = make_site(POSTS, config=CONFIG)
    build(run, root)
    out = root / "public/feeds/author"
    assert sorted(path.name for path in out.iterdir()) == ["jane-park.json", "jane-park.xml",
                                                          "tess-ter.json", "tess-ter.xml"]
    assert titles(out / "jane-park.xml") == ["안녕하세요", "Hello"]
    assert titles(out / "tess-ter.xml") == ["Again", "In the site's language"]
    assert parse_feed(out / "jane-park.xml").feed.title == "Test Site — Jane Park"
    twin = json.loads((out / "jane-park.json").read_text(encoding="utf-8"))
    assert [item["title"] for item in twin["items"]] == ["안녕하세요", "Hello"]


def test_off_by_default(make_site, run):
    root = make_site(POSTS)
    build(run, root)
    assert not (root / "public/feeds/lang").exists() and not (root / "public/feeds/author").exists()


@pytest.mark.parametrize("remove_state", [False, True])
def test_a_language_or_author_no_post_has_any_more_loses_its_feed(make_site, run, remove_state):
    root = make_site(POSTS, config=CONFIG)
    build(run, root)
    (root / "posts/2026-11-02-annyeong.md").unlink()
    (root / "posts/2026-11-01-hello.md").unlink()
    if remove_state:
        (root / ".syndicate/last-run.json").unlink(missing_ok=True)
    output = build(run, root, "-v").output.splitlines()
    for path in ("lang/ko.xml", "lang/ko.json", "author/jane-park.xml", "author/jane-park.json"):
        assert f"removed public/feeds/{path}: no post is in this feed any more" in output
        assert not (root / "public/feeds" / path).exists()
    assert (root / "public/feeds/lang/en-gb.xml").exists() and (root / "public/feeds/author/tess-ter.xml").exists()


@pytest.mark.parametrize("key", ["languages", "authors"])
def test_the_switches_must_be_true_or_false(make_site, run, key):
    root = make_site(POSTS, config=BASIC_CONFIG + f'[feed]\n{key} = 1\n')
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code != 0
    assert f"syndicate.toml: feed.{key} must be true or false" in result.output
