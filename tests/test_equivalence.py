"""Speed-ups change no byte of output.

A generated 300-post site (bench/gen_posts.py) builds to the same bytes with
the posts index cold, warm, after a touch and after an edit as without the
index at all; and reading only a post's head gives the same front matter as
reading the whole file.
"""

from __future__ import annotations

import codecs
import importlib.util
import os
import shutil
import time
from pathlib import Path
from urllib.parse import quote, urljoin

import pytest
from hypothesis import example, given, settings, strategies as st

import syndicate.incremental.cache
import syndicate.render.content
import syndicate.sources.posts
from syndicate.commands.run import resolve_now
from syndicate.outcome import Outcome
from syndicate.pipeline import feeds_and_bodies, read_site
from syndicate.sources.config import load_site
from syndicate.errors import PostError
from syndicate.sources.postfile import HEAD_BYTES, post_head_of, read_post_head, read_post_text, split_front_matter
from syndicate.text import join_url
from tests.conftest import REPO, age

_spec = importlib.util.spec_from_file_location("gen_posts", REPO / "bench" / "gen_posts.py")
gen_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_posts)
NOW = gen_posts.NOW


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The 300-post benchmark site, generated once for this module."""
    root = tmp_path_factory.mktemp("generated") / "site"
    gen_posts.generate(root, 300, seed=3)
    age(root / "_posts")
    return root


@pytest.fixture
def site_root(generated, tmp_path) -> Path:
    """A fresh copy of the generated site, with no outputs and no state."""
    root = tmp_path / "site"
    shutil.copytree(generated, root)
    return root


def uncached(root: Path) -> dict[str, bytes]:
    """Every feed's bytes, rendered straight from the posts: no index involved."""
    site = load_site(root)
    loaded, published, _ = read_site(site, resolve_now(NOW, site))
    outcome = Outcome()
    _, _, files = feeds_and_bodies(site, published, outcome)
    assert not loaded.errors and not outcome.errors
    return files


def written(root: Path) -> dict[str, bytes]:
    """The files in the site's output folder, by path relative to it."""
    out = root / "public"
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*"))
            if path.is_file()}


def build(run, root: Path) -> dict[str, bytes]:
    """Run ``syndicate build`` on a site with no outputs; return what it wrote."""
    shutil.rmtree(root / "public", ignore_errors=True)
    result = run("build", "--site", root, "--now", NOW, "-q")
    assert result.exit_code == 0, result.output
    return written(root)


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The post files read during the test, by either read path."""
    names: list[str] = []

    def spy(real):
        def read(path, name, *within):
            names.append(name)
            return real(path, name, *within)
        return read

    monkeypatch.setattr(syndicate.sources.posts, "read_post_head", spy(syndicate.sources.posts.read_post_head))
    monkeypatch.setattr(syndicate.render.content, "read_post_text", spy(syndicate.render.content.read_post_text))
    # The posts index reads a new post whole, hashes it and parses its head from those bytes.
    real_bytes = syndicate.incremental.cache.read_post_bytes
    monkeypatch.setattr(syndicate.incremental.cache, "read_post_bytes",
                        lambda path: names.append(path.name) or real_bytes(path))
    return names


def test_generated_site_is_what_the_benchmark_measures(site_root):
    files = uncached(site_root)
    assert {"feed.xml", "atom.xml"} <= files.keys()
    assert len([f for f in files if f.startswith("feeds/category/") and f.endswith(".xml")]) == len(gen_posts.CATEGORIES)
    # Hangul category feeds and percent-encoded Korean URLs are in the comparison.
    assert "feeds/category/서울.xml" in files
    assert "%EC%" in files["feed.xml"].decode()


@pytest.mark.slow
def test_cold_and_warm_builds_equal_the_uncached_render(site_root, run, opened):
    expected = uncached(site_root)
    opened.clear()

    assert build(run, site_root) == expected  # cold: no index yet, and none filled (syndicate.incremental.cache)
    assert (site_root / ".syndicate" / "posts-index.json").is_file()
    assert len(opened) >= 300  # every post read once, bodies for the feeds

    opened.clear()
    assert build(run, site_root) == expected  # the full run that fills the index
    assert len(opened) >= 300  # every post read once (to hash and parse), bodies for the feeds

    opened.clear()
    assert build(run, site_root) == expected  # warm: every answer from the index
    assert opened == []


@pytest.mark.slow
def test_touched_posts_build_the_same_bytes(site_root, run):
    expected = uncached(site_root)
    build(run, site_root)
    # A checkout or a copy changes every mtime and no byte.
    later = time.time() - 60
    for path in (site_root / "_posts").iterdir():
        os.utime(path, (later, later))
    assert build(run, site_root) == expected


@pytest.mark.slow
def test_an_edited_post_builds_as_if_there_were_no_index(site_root, run):
    build(run, site_root)
    newest = sorted((site_root / "_posts").iterdir())[-5]
    text = newest.read_text(encoding="utf-8")
    newest.write_text(text.replace("\n---\n", "\nupdated: 2026-11-22 10:00:00 +0900\n---\n", 1)
                      + "\nAn added paragraph.\n", encoding="utf-8")
    expected = uncached(site_root)
    assert "An added paragraph." in expected["feed.xml"].decode()
    assert build(run, site_root) == expected


# --- the head of a post reads like the whole file ----------------------------


def _pad(size: int, fill: str = "가") -> str:
    """Text of about ``size`` UTF-8 bytes, in lines, with multi-byte letters."""
    line = fill * 20 + "\n"
    return line * (size // len(line.encode("utf-8")) + 1)


def _cases() -> dict[str, bytes]:
    long_excerpt = "excerpt: >\n" + "".join(f"  {'한국어 요약 ' * 12}\n" for _ in range(30))
    cases = {
        "short": "---\ntitle: a\n---\nbody\n",
        "no front matter": "Just a body.\n\n" + _pad(6000),
        "front matter longer than the first read": f"---\ntitle: 긴 글\n{long_excerpt}---\n본문\n" + _pad(5000),
        "only white space after the closing line": "---\ntitle: a\n---\n" + "\n" * 5000,
        "blank lines across the first read": "---\ntitle: a\n---\n" + " \n" * 3000 + "body\n",
        "unicode space after the closing line": "---\ntitle: a\n---\u3000\n\u3000\n" + "x" * 5000,
        "closing line with trailing spaces": "---\ntitle: a\n-----   \n\n\nbody\n" + _pad(4000),
        "windows line ends": "---\r\ntitle: a\r\n---\r\n\r\nbody\r\n" + _pad(4000).replace("\n", "\r\n"),
        "never closed": "---\ntitle: a\n" + _pad(6000),
        "toml": "+++\ntitle = \"a\"\n+++\nbody\n" + _pad(4000),
        "json": "{\n\"title\": \"a\"\n}\nbody\n" + _pad(4000),
        "invalid front matter": "---\ntitle: [a\n---\n" + _pad(4000),
        "dashes in the body": "---\ntitle: a\n---\n\n---\n\n" + _pad(4000),
    }
    data = {name: text.encode("utf-8") for name, text in cases.items()}
    data["byte order mark"] = codecs.BOM_UTF8 + data["front matter longer than the first read"]
    data["utf-16"] = "---\ntitle: 가\n---\n본문\n".encode("utf-16") + "x\n".encode("utf-16-le") * 3000
    data["bad byte in the front matter"] = b"---\ntitle: \xff\n---\n" + _pad(4000).encode()
    # The closing line lands on every position around the first read's end.
    for shift in range(-6, 7):
        head = "---\ntitle: " + "가" * ((HEAD_BYTES - 40) // 3) + "\n"
        head += "x" * max(0, HEAD_BYTES + shift - len(head.encode()) - 5) + ": 1\n"
        data[f"closing line at {shift:+d}"] = (head + "---\n\n" + _pad(3000)).encode("utf-8")
    return data


CASES = _cases()


def _split(read, path: Path):
    try:
        meta, body, line = split_front_matter(read(path, "post.md"), "post.md")
    except PostError as exc:
        return str(exc), None
    return (meta, line), body


@pytest.mark.parametrize("name", CASES)
def test_head_splits_like_the_whole_file(tmp_path, name):
    path = tmp_path / "post.md"
    path.write_bytes(CASES[name])
    whole, whole_body = _split(read_post_text, path)
    head, head_body = _split(read_post_head, path)
    assert head == whole
    if whole_body is not None:
        assert whole_body.startswith(head_body)


@pytest.mark.parametrize("name", CASES)
def test_head_of_bytes_read_whole_is_the_head_read_from_disk(tmp_path, name):
    path = tmp_path / "post.md"
    path.write_bytes(CASES[name])
    assert _split(lambda path, name: post_head_of(path.read_bytes(), name), path) == _split(read_post_head, path)


@pytest.mark.parametrize("name", CASES)
def test_reads_that_stop_short_give_the_same_text(tmp_path, name, monkeypatch):
    # A network file system may give fewer bytes than asked before the end:
    # a post is read until the end all the same.
    path = tmp_path / "post.md"
    path.write_bytes(CASES[name])
    expected = _split(read_post_text, path), _split(read_post_head, path)
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, size: real_read(fd, min(size, 700)))
    assert (_split(read_post_text, path), _split(read_post_head, path)) == expected


def test_head_skips_most_of_a_long_body(tmp_path):
    path = tmp_path / "post.md"
    path.write_bytes(("---\ntitle: a\n---\n" + _pad(200_000)).encode("utf-8"))
    assert len(read_post_head(path, "post.md").encode("utf-8")) <= HEAD_BYTES


def test_a_body_that_fails_late_gives_its_place_to_the_next_post(make_site, run):
    """Bodies are read only for the feeds; a bad one still costs no feed entry."""
    from tests.conftest import BASIC_CONFIG

    posts = {f"posts/2026-10-{day:02d}-post-{day}.md": f"---\ntitle: Post {day}\n---\nBody {day}.\n"
             for day in range(1, 23)}
    root = make_site(posts, config=BASIC_CONFIG + "\n[feed]\nlimit = 20\n")
    # Not UTF-8, but only far into the body: the front matter reads fine.
    (root / "posts/2026-10-22-post-22.md").write_bytes(
        b"---\ntitle: Post 22\n---\n" + b"ok\n" * 2000 + b"\xff\xfe broken\n")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert "posts/2026-10-22-post-22.md:2004: not UTF-8 text (byte 0xff); save the file as UTF-8\n" in result.output
    assert "failed: 1 problem(s)" in result.output
    feed = (root / "public" / "feed.xml").read_text(encoding="utf-8")
    titles = [f"<title>Post {day}</title>" in feed for day in range(1, 23)]
    # Posts 3-21 and post 2, which took the broken post's place; not post 1.
    assert titles == [False] + [True] * 20 + [False]


# --- join_url's shortcut gives what urljoin and quote give -------------------

URL_PIECES = st.sampled_from(list("ab/.:%?#~-_ 서@") + ["..", "./", "//", "http://", "https://h.com/", "%2F", "\t",
                                                      "/x.png", "https://e.com/a/b.png", "http://h.com:80/", "%EA%B5"])


@settings(max_examples=500, deadline=None)
@given(st.lists(URL_PIECES, max_size=10).map("".join), st.lists(URL_PIECES, max_size=10).map("".join))
@example("%EA%B5%AD/2026/a.html", "/assets/img/x.png")  # the shortcuts' cases: from the site's root,
@example("a.html", "/about/")
@example("a/", "https://e.com/a/b.png")  # absolute already,
@example("a/", "b/c.png")  # and relative
def test_join_url_is_urljoin_then_quote(tail, url):
    for base in (tail, "https://h.com/" + tail, "http://news.example.com:8080/x/" + tail):
        assert join_url(base, url) == quote(urljoin(base, url.strip()), safe="!#$%&'()*+,/:;=?@[]~")


@pytest.mark.slow
def test_archives_build_as_the_uncached_render(site_root, run):
    """RFC 5005 archives (feed.archives): every month's, cold, warm and after an edit, as without the index."""
    config = site_root / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[feed]\n", "[feed]\narchives = true\n"),
                      encoding="utf-8")
    expected = uncached(site_root)
    months = [path for path in expected if path.startswith("feeds/archive/") and path.endswith(".xml")]
    assert len(months) > 24  # about five years of posts
    assert build(run, site_root) == expected
    assert build(run, site_root) == expected
    oldest = min((site_root / "_posts").iterdir())
    oldest.write_text(oldest.read_text(encoding="utf-8") + "\nAn old correction.\n", encoding="utf-8")
    expected = uncached(site_root)
    assert "An old correction." in "".join(data.decode() for path, data in expected.items() if path in months)
    assert build(run, site_root) == expected
