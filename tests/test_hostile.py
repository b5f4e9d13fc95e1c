"""Hostile and broken input: every bad post gets one clear line, nothing else is lost.

Each family of cases is a folder of posts under tests/hostile/ (front-matter,
encoding, characters, collisions, paths, html, config); the filesystem cases
are made in the test. A family's site is checked and built through the CLI,
and its feeds are read back with feedparser and, where it is installed, the
W3C feed validator.
"""

from __future__ import annotations

import email
import errno
import html
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from email import policy
from pathlib import Path

import feedparser
import pytest
import yaml
from lxml import etree

from syndicate.sources import safe_yaml
from syndicate.errors import PublishError
from syndicate.sources.postfile import legacy_korean
from syndicate.text import XML_FORBIDDEN
from syndicate.text import safe_name
from syndicate.write.files import output_path
from tests.conftest import NOW, parse_feed

HOSTILE = Path(__file__).resolve().parent / "hostile"
SITE_URL = "https://example.com/blog/"
CONFIG = f"""\
title = "Hostile"
url = "{SITE_URL}"
timezone = "Asia/Seoul"
author = {{ name = "Tess Ter", email = "tess@example.com" }}

[feed]
categories = true
tags = true

[digest]
full_content = true
unsubscribe_url = "https://example.com/unsubscribe"

[email]
from = "Hostile <news@example.com>"
"""
VALIDATOR = Path("/tmp/validate.py")
VALIDATOR_PYTHON = Path("/tmp/fvenv/bin/python")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def hostile_site(tmp_path: Path, *families: str) -> Path:
    """A site whose posts folder holds the posts of ``families``."""
    root = tmp_path / "site"
    (root / "posts").mkdir(parents=True, exist_ok=True)
    (root / "syndicate.toml").write_text(CONFIG, encoding="utf-8")
    for family in families:
        shutil.copytree(HOSTILE / family / "posts", root / "posts", dirs_exist_ok=True)
    return root


def lines(text: str) -> list[str]:
    return text.splitlines()


def feeds(root: Path) -> list[Path]:
    return sorted((root / "public").rglob("*.xml"))


def parsed(path: Path):
    feed = feedparser.parse(path.read_bytes())
    assert feed.bozo == 0, (path, feed.get("bozo_exception"))
    return feed


def titles(root: Path, name: str = "atom.xml") -> set[str]:
    return {entry.title for entry in parsed(root / "public" / name).entries}


def assert_feeds_are_sound(root: Path) -> None:
    """Every feed parses (bozo 0), holds no XML-forbidden character, and both main feeds agree."""
    assert feeds(root), "no feeds were written"
    for path in feeds(root):
        parsed(path)
        text = path.read_bytes().decode("utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text), path
        etree.fromstring(path.read_bytes())  # well-formed for a strict XML parser too
    assert titles(root, "feed.xml") == titles(root, "atom.xml")


def validate(root: Path) -> str:
    """The W3C feed validator's verdict on every feed of ``root``, or skip when it is not installed."""
    if not (VALIDATOR.exists() and VALIDATOR_PYTHON.exists()):
        pytest.skip("the W3C feed validator is not installed at /tmp/fv")
    result = subprocess.run([str(VALIDATOR_PYTHON), str(VALIDATOR), SITE_URL, *map(str, feeds(root))],
                            capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


# --- front matter -------------------------------------------------------------

FRONT_MATTER_PROBLEMS = [
    "posts/alias-bomb.md:7: invalid front matter: too large once its aliases are expanded (over 10000 values)",
    "posts/alias-loop.md:3: invalid front matter: an alias refers to the list or mapping it is in",
    'posts/date-impossible-quoted.md:3: \'date\' is not a date: "2024-13-45"',
    'posts/date-impossible.md:3: invalid front matter: "2024-13-45" is not a date (month must be in 1..12)',
    'posts/date-soon.md:3: \'date\' is not a date: "soon"',
    'posts/date-year-9999.md:3: \'date\' is not a date: "9999-12-31 23:59:59 -1200"',
    'posts/date-year-one.md:3: \'date\' is out of range (years 1000 to 9998): "0001-01-01"',
    "posts/deep-nesting.md:2: invalid front matter: exceeded maximum nesting depth",
    "posts/duplicate-keys.md:4: invalid front matter: duplicate key 'title' (first on line 2)",
    "posts/huge-number.md:3: invalid front matter: number too long (5000 characters)",
    "posts/invalid-yaml.md:3: invalid front matter: did not find expected ',' or ']' "
    "(while parsing a flow sequence started on line 2)",
    "posts/json-invalid.md:3: invalid front matter: Expecting value",
    "posts/list-not-mapping.md:2: invalid front matter: expected key: value pairs, got a list",
    "posts/string-not-mapping.md:2: invalid front matter: expected key: value pairs, got a string",
    "posts/tab-indent.md:3: invalid front matter: found a tab character that violates indentation "
    "(while scanning a plain scalar started on line 2)",
    "posts/title-list.md:2: title must be text, got a list",
    "posts/title-mapping.md:2: title must be text, got a mapping",
    "posts/toml-invalid.md:3: invalid front matter: Invalid value",
    "posts/unclosed.md:1: front matter is never closed (no closing ---)",
    "posts/2024-03-07-empty.md: warning: skipped: the file is empty",
    'posts/2024-03-09-body-only.md: warning: no title; using "Body only"',
    "failed: 19 problem(s)",
]


def test_front_matter_problems_are_one_line_each_and_the_good_posts_publish(tmp_path, run):
    root = hostile_site(tmp_path, "front-matter")
    check = run("check", "--site", root, "--now", NOW)
    assert check.exit_code == 1
    assert lines(check.stderr) == FRONT_MATTER_PROBLEMS
    build = run("build", "--site", root, "--now", NOW)
    assert build.exit_code == 1
    assert lines(build.stderr) == FRONT_MATTER_PROBLEMS
    # A number is a title; a file with no front matter, or no body, is a post.
    assert titles(root) == {"A good post", "1984", "Front matter only", "Body only", "Windows line ends",
                            "Old Mac line ends"}
    assert_feeds_are_sound(root)
    entries = {e.title: e for e in parsed(root / "public" / "atom.xml").entries}
    assert entries["Windows line ends"].summary == "Body line one. Body line two."
    assert "\r" not in (root / "public" / "atom.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("loader", [safe_yaml.SafeLoader, safe_yaml.PythonSafeLoader], ids=["libyaml", "python"])
@pytest.mark.parametrize("document, problem", [
    ((HOSTILE / "front-matter/posts/alias-bomb.md").read_text().split("---")[1],
     "too large once its aliases are expanded (over 10000 values)"),
    ("tags: &t [news, *t]", "an alias refers to the list or mapping it is in"),
    ("title: " + "[" * 60 + "]" * 60, "nested more than 50 levels deep"),
    ("a: &a {k: v}\nb: {<<: *a, j: w}\nb: 2", "duplicate key 'b' (first on line 2)"),
    ("n: " + "1" * 5000, "number too long (5000 characters)"),
])
def test_both_yaml_loaders_refuse_before_building_anything(monkeypatch, loader, document, problem):
    # The LibYAML loader composes in C; the pure-Python one is the fallback
    # where PyYAML was built without it. Neither may build a value first.
    built = []
    original = yaml.constructor.BaseConstructor.construct_object
    monkeypatch.setattr(yaml.constructor.BaseConstructor, "construct_object",
                        lambda self, node, deep=False: built.append(node) or original(self, node, deep))
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.load(document, Loader=loader)
    assert caught.value.problem == problem
    if "number" not in problem and "duplicate" not in problem:
        assert built == []


def test_a_key_said_twice_on_one_line_is_refused_too():
    # A flow mapping puts both keys on one line; the line must not be what tells them apart.
    for loader in (safe_yaml.SafeLoader, safe_yaml.PythonSafeLoader):
        with pytest.raises(yaml.YAMLError) as caught:
            yaml.load("title: Hi\ntags: {a: 1, a: 2}", Loader=loader)
        assert caught.value.problem == "duplicate key 'a' (first on line 2)"


def test_the_bounded_loader_still_reads_ordinary_front_matter():
    document = "title: Hi\ntags: &t [a, b]\nalso: *t\nbase: &b {x: 1}\nmerged: {<<: *b, y: 2}\nn: 0x1F"
    for loader in (safe_yaml.SafeLoader, safe_yaml.PythonSafeLoader):
        assert yaml.load(document, Loader=loader) == {
            "title": "Hi", "tags": ["a", "b"], "also": ["a", "b"], "base": {"x": 1},
            "merged": {"x": 1, "y": 2}, "n": 31}
    # _config.yml keeps Jekyll's rule: the last of two keys wins.
    assert safe_yaml.load("a: 1\na: 2", unique_keys=False) == {"a": 2}


def test_a_scalars_tag_is_remembered_only_for_the_same_plain_text(monkeypatch):
    """Plain scalars' tags are kept by text (safe_yaml._RESOLVED): never for a quoted one, never past the bound."""
    monkeypatch.setattr(safe_yaml, "_RESOLVED", {})
    document = "1: 1\ny: yes\nq: '1'\nd: 2026-11-24\nn: ~\ns: '~'\nf: 1.5\nt: \"yes\"\n"
    expected = {1: 1, "y": True, "q": "1", "d": date(2026, 11, 24), "n": None, "s": "~", "f": 1.5, "t": "yes"}
    for loader in (safe_yaml.SafeLoader, safe_yaml.PythonSafeLoader):
        assert yaml.load(document, Loader=loader) == expected  # the second loader from what the first left
    assert safe_yaml._RESOLVED["1"] == "tag:yaml.org,2002:int" and "'1'" not in safe_yaml._RESOLVED
    monkeypatch.setattr(safe_yaml, "MAX_RESOLVED", len(safe_yaml._RESOLVED))
    assert safe_yaml.load("new: 2") == {"new": 2}
    assert "new" not in safe_yaml._RESOLVED and "2" not in safe_yaml._RESOLVED


def test_a_50_mb_post_is_refused_without_being_read(tmp_path, run, monkeypatch):
    root = hostile_site(tmp_path)
    (root / "posts" / "2024-03-11-good.md").write_text("---\ntitle: Good\n---\nx\n")
    huge = root / "posts" / "2024-03-10-huge.md"
    with huge.open("wb") as file:
        file.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    # Bounded memory, shown without measuring it: the file is never opened
    # (Path.read_bytes, which the posts index hashes with, opens through
    # Path.open; a post's head is read through os.open).
    opened = []
    real_open, real_os_open = Path.open, os.open
    monkeypatch.setattr(Path, "open", lambda self, *args, **kwargs: opened.append(self.name)
                        or real_open(self, *args, **kwargs))
    monkeypatch.setattr(os, "open", lambda path, *args, **kwargs: opened.append(os.path.basename(path))
                        or real_os_open(path, *args, **kwargs))
    for command in ("check", "build"):
        result = run(command, "--site", root, "--now", NOW)
        assert result.exit_code == 1
        assert lines(result.stderr) == ["posts/2024-03-10-huge.md: file is 50 MB; posts over 10 MB are refused",
                                        "failed: 1 problem(s)"]
    assert huge.name not in opened and "2024-03-11-good.md" in opened
    assert titles(root) == {"Good"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_named_like_a_post_is_refused_not_waited_on(tmp_path, run):
    root = hostile_site(tmp_path)
    (root / "posts" / "2024-03-11-good.md").write_text("---\ntitle: Good\n---\nx\n")
    os.mkfifo(root / "posts" / "pipe.md")  # opening it for reading would block forever
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert lines(result.stderr) == ["posts/pipe.md: not a regular file (a device, pipe or socket); not read",
                                    "failed: 1 problem(s)"]
    assert titles(root) == {"Good"}


def test_a_link_to_a_file_outside_the_site_is_not_published(tmp_path, run):
    root = hostile_site(tmp_path)
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (root / "posts" / "key.md").symlink_to(secret)
    (root / "posts" / "2024-03-12-good.md").write_text("---\ntitle: Good\n---\nx\n")
    inside = root / "drafts" / "2024-03-13-linked.md"
    inside.parent.mkdir()
    inside.write_text("---\ntitle: Linked from inside\n---\nx\n")
    (root / "posts" / "2024-03-13-linked.md").symlink_to(inside)
    result = run("build", "--site", root, "--now", NOW)
    assert lines(result.stderr) == ["posts/key.md: a link to a file outside the site folder; not read",
                                    "failed: 1 problem(s)"]
    assert titles(root) == {"Good", "Linked from inside"}
    for path in feeds(root):
        assert b"PRIVATE KEY" not in path.read_bytes()


def test_a_link_to_itself_and_a_dangling_link_are_named(tmp_path, run):
    root = hostile_site(tmp_path)
    (root / "posts" / "loop.md").symlink_to("loop.md")
    (root / "posts" / "dangling.md").symlink_to("gone.md")
    (root / "posts" / "2024-03-14-good.md").write_text("---\ntitle: Good\n---\nx\n")
    result = run("build", "--site", root, "--now", NOW)
    assert lines(result.stderr) == ["posts/dangling.md: cannot read: No such file or directory",
                                    "posts/loop.md: cannot read: Too many levels of symbolic links",
                                    "failed: 2 problem(s)"]
    assert titles(root) == {"Good"}


@pytest.mark.parametrize("markdown", [
    "*a " * 10000, "[" * 10000 + "x" + "]" * 10000, "> " * 10000 + "x", "_a" * 10000, "`a" * 10000,
    "".join("  " * depth + "- x\n" for depth in range(1000)), "<div>" * 10000 + "x" + "</div>" * 10000,
])
def test_pathological_markdown_and_nesting_still_give_sound_feeds(tmp_path, run, markdown):
    root = hostile_site(tmp_path)
    (root / "posts" / "2024-03-15-nested.md").write_text("---\ntitle: Nested\n---\n" + markdown + "\n")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert titles(root) == {"Nested"}
    assert_feeds_are_sound(root)


# --- encoding -----------------------------------------------------------------


def test_encodings_are_decoded_or_named_and_leftovers_are_ignored(tmp_path, run):
    root = hostile_site(tmp_path, "encoding")
    posts = root / "posts"
    # Editor and OS leftovers: never a word about them.
    for name in (".2024-04-09-good.md.swp", "2024-04-09-good.md~", ".DS_Store", ".hidden.md", "#draft.md#",
                 ".#draft.md", "_unpublished.md"):
        (posts / name).write_bytes(b"\x00\x01 leftover \xff")
    (posts / ".git").mkdir()
    (posts / ".git" / "HEAD.md").write_text("ref: refs/heads/main\n")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "posts/invalid-utf8.md:6: not UTF-8 text (byte 0xff); save the file as UTF-8",
        "posts/latin-1.md:2: not UTF-8 text (byte 0xe9); save the file as UTF-8",
        "posts/picture.md:3: binary file, not a text post (it contains NUL bytes)",
        "posts/utf16-odd.md:4: not UTF-16 text (byte 0x00); save the file as UTF-8",
        "posts/photo.png: warning: skipped: not a post (only .htm, .html, .markdown, .md files are read)",
        "failed: 4 problem(s)",
    ]
    feed = parsed(root / "public" / "atom.xml")
    assert {(e.title, e.summary) for e in feed.entries} == {
        ("UTF-8 with a BOM", "본문"),
        ("UTF-16 LE 한글", "본문"),
        ("UTF-16 BE 한글", "본문"),
        # 똠 is one of CP949's additions to EUC-KR.
        ("서울 경제 소식 똠방각하", "안녕하세요. 옛 인코딩으로 저장한 글입니다."),
        ("부산 소식", "부산에서 보내는 편지입니다."),
        ("Plain UTF-8", "Fine."),
    }
    assert_feeds_are_sound(root)


@pytest.mark.parametrize("text, encoding", [
    ("Déjà vu à la française, été comme hiver.", "latin-1"),
    ("Übergröße für Straßenbahnen.", "latin-1"),
    ("Año nuevo, señor; ¿qué tal?", "cp1252"),
    ("日本語のテキストです。東京都。", "shift_jis"),
    ("中文文本，北京。", "gb2312"),
    ("Ελληνικά κείμενα.", "iso8859_7"),
])
def test_other_legacy_encodings_are_not_taken_for_korean(text, encoding):
    raw = text.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert legacy_korean(raw) is None


def test_korean_in_euc_kr_and_cp949_is_recognised():
    for text in ("서울 소식입니다.", "한글 본문, 漢字 한두 자와 “따옴표”.", "똠방각하 똘똘이"):
        assert legacy_korean(text.encode("cp949")) == text


# --- characters ---------------------------------------------------------------


def test_forbidden_characters_are_removed_with_a_warning_and_rtl_and_combining_text_kept(tmp_path, run):
    root = hostile_site(tmp_path, "characters")
    result = run("build", "--site", root, "--now", NOW)
    assert lines(result.stderr) == [
        # PyYAML refuses a lone surrogate in an escape; the line says where.
        "posts/2024-05-06-yaml-surrogate.md:2: invalid front matter: found invalid Unicode character escape code",
        "posts/2024-05-01-controls.md: warning: removed 7 control character(s) from the front matter",
        "posts/2024-05-02-raw-title.md: warning: removed 2 control character(s) from the front matter",
        "posts/2024-05-03-surrogates.md: warning: removed 2 control character(s) from the front matter",
        "posts/2024-05-03-surrogates.md: warning: removed 1 control character(s) from the body",
        "posts/2024-05-01-controls.md: warning: removed 7 control character(s) from the body",
        "failed: 1 problem(s)",
    ]
    assert_feeds_are_sound(root)
    for name in ("atom.xml", "feed.xml"):
        entries = {e.title: e for e in parsed(root / "public" / name).entries}
        assert set(entries) == {
            "Bell NUL FFFE FFFF end", "Rawcontrol title", "Lone surrogate",
            "שלום עולם — مرحبا بالعالم",
            "Cafe\u0301 \u1112\u1161\u11ab\u1100\u1173\u11af and Z\u0351\u0308",  # not normalised
        }
        controls = entries["Bell NUL FFFE FFFF end"]
        assert controls.summary == "Tab formfeed"
        assert [t.term for t in controls.tags] == ["news"]
        assert controls.author == "Kim" if name == "feed.xml" else controls.author_detail.name == "Kim"
        rtl = entries["שלום עולם — مرحبا بالعالم"]
        assert rtl.summary == "\u200fקצר\u200e"  # direction marks kept
        body = html.unescape(rtl.content[0].value)
        assert "עברית ועربية" in body and "e\u0301 a\u0308 \u1100\u1161\u11a8" in body and "\u0915\u094d\u0937" in body
        assert "Raw  and  controls, references     and  in the body." in html.unescape(
            controls.content[0].value)


# --- collisions ---------------------------------------------------------------


def test_posts_sharing_a_url_or_id_keep_distinct_feed_ids_and_one_warning_names_both(tmp_path, run):
    root = hostile_site(tmp_path, "collisions")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0
    assert lines(result.stderr) == [
        "posts/2024-06-01-same.md: warning: same id as posts/2024-06-01-same.html "
        "(https://example.com/blog/2024/06/01/same.html); this post's feed id gets #posts-2024-06-01-same-md added",
        "posts/guid-b.md: warning: same id as posts/guid-a.md (tag:example.com,2024:1); "
        "this post's feed id gets #posts-guid-b-md added",
        "posts/url-b.md: warning: same URL as posts/url-a.md (https://example.com/blog/shared/); "
        "feed readers will link both posts to one page",
    ]
    assert_feeds_are_sound(root)
    for name in ("atom.xml", "feed.xml"):
        entries = parsed(root / "public" / name).entries
        assert len(entries) == 6
        assert len({e.id for e in entries}) == 6
    # Run to run the ids stay put: a reader must not see the posts as new.
    first = (root / "public" / "atom.xml").read_bytes()
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    assert (root / "public" / "atom.xml").read_bytes() == first


# --- paths --------------------------------------------------------------------


def all_files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def test_slugs_permalinks_and_categories_never_lead_outside_the_output_folder(tmp_path, run):
    root = hostile_site(tmp_path, "paths")
    before = all_files(tmp_path)
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0
    assert lines(result.stderr) == [
        "posts/2024-07-06-nul.md: warning: removed 4 control character(s) from the front matter",
        'posts/2024-07-07-scheme.md: warning: image "javascript:alert(1)" is not an http(s) URL; left out',
        'posts/2024-07-08-data-image.md: warning: image "data:text/html,<script>alert(1)</script>" '
        "is not an http(s) URL; left out",
    ]
    written = all_files(tmp_path) - before
    assert written and all(path.is_relative_to(root / "public") or path.is_relative_to(root / ".syndicate")
                           for path in written)
    for path in written:
        name = path.name
        assert len(name.encode("utf-8")) <= 255 and not re.search(r"[\x00-\x1f\\:*?\"<>|]", name)
        assert name.split(".")[0].lower() not in WINDOWS_RESERVED
    categories = {p.name for p in (root / "public" / "feeds" / "category").iterdir()}
    assert {"etc-passwd.xml", "abs-path.xml", "c-windows-system32.xml", "con-.xml", "nul-.xml",
            "null.xml"} <= categories
    assert_feeds_are_sound(root)
    for name in ("atom.xml", "feed.xml"):
        for entry in parsed(root / "public" / name).entries:
            assert entry.link.startswith(SITE_URL), entry.link
            assert all(link.href.startswith("https://") for link in entry.links)
    assert b"javascript:alert" not in (root / "public" / "feed.xml").read_bytes().split(b"<link>")[0]


def test_categories_whose_long_names_shorten_alike_share_one_feed(tmp_path, run):
    root = hostile_site(tmp_path)
    for day, end in ((1, "A"), (2, "B")):  # 80 Hangul letters are 240 bytes: both names are cut at 65
        (root / "posts" / f"2024-07-1{day}-{end}.md").write_text(
            f"---\ntitle: {end}\ncategories: [\"{'가' * 80}{end}\"]\n---\nx\n", encoding="utf-8")
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    [feed, twin] = sorted((root / "public" / "feeds" / "category").iterdir(), key=lambda path: path.suffix, reverse=True)
    assert (feed.name, twin.name) == ("가" * 65 + ".xml", "가" * 65 + ".json")
    assert {entry.title for entry in parsed(feed).entries} == {"A", "B"}  # neither overwrote the other


@pytest.mark.parametrize("title", ["가" * 150, "../../etc/passwd", "/abs/path", "con", "", "\u202eevil"])
def test_new_makes_a_post_inside_the_posts_folder_whatever_the_title(tmp_path, run, title):
    root = hostile_site(tmp_path)
    result = run("new", title, "--site", root, "--now", NOW)
    assert result.exit_code == 0, result.output
    [post] = (root / "posts").iterdir()
    assert len(post.name.encode("utf-8")) <= 255 and post.name.startswith("2026-11-25-")
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    assert len(parsed(root / "public" / "atom.xml").entries) == 1


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd.xml", "-..-etc-passwd.xml"),
    ("/abs/path.xml", "-abs-path.xml"),
    ("con.xml", "con-.xml"),
    ("CON", "CON-"),
    ("a\x00b.xml", "a-b.xml"),
    ("가" * 500 + ".xml", "가" * 65 + ".xml"),
])
def test_safe_name_is_one_harmless_path_component(name, safe):
    assert safe_name(name) == safe


@pytest.mark.parametrize("name", ["", "..", ".", "\x00", "/"])
def test_safe_name_refuses_a_name_with_nothing_left(name):
    with pytest.raises(ValueError):
        safe_name(name)


@pytest.mark.parametrize("relative", ["../outside.xml", "/etc/passwd", "feeds/../../x.xml", ".", ""])
def test_output_path_refuses_anything_outside_the_output_folder(tmp_path, relative):
    with pytest.raises(PublishError):
        output_path(tmp_path / "public", relative)


# --- HTML ---------------------------------------------------------------------

DANGERS = re.compile(r"<script|<style|<iframe|<object|<embed|<form|<input|<svg|<math|\son\w+\s*=|javascript:"
                     r"|data:text/html|vbscript:", re.IGNORECASE)


def test_dangerous_html_is_removed_from_feeds_and_nothing_else_is_lost(tmp_path, run):
    root = hostile_site(tmp_path, "html")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0
    assert lines(result.stderr) == ['posts/2024-08-06-hostile-fields.md: warning: lang "<script>alert(1)</script>" '
                                    'is not a language tag such as "ko" or "en-US"; left out']
    assert_feeds_are_sound(root)
    for name in ("atom.xml", "feed.xml"):
        entries = {e.title: e for e in parsed(root / "public" / name).entries}
        for title in ("Dangerous HTML", "Dangerous Markdown"):
            # The escaped HTML as it is in the XML, not feedparser's own sanitising.
            body = entries[title].content[0].value
            assert not DANGERS.search(body), (name, title, DANGERS.search(body))
            # Text after the <embed> (which libxml2 nests the rest inside) survives.
            for words in ("Before the dangers.", "Handlers", "js link", "Unclosed", "bold", "italic",
                          "CDATA-looking ]]&gt; text", "A video"):
                assert words in body, (name, title, words)
            assert 'href="https://www.youtube.com/embed/xyz"' in body
    raw = {name: (root / "public" / name).read_text(encoding="utf-8") for name in ("atom.xml", "feed.xml")}
    for text in raw.values():
        assert "<script" not in html.unescape(text).lower().replace("&lt;script", "")


def test_content_is_checked_in_the_raw_xml_not_only_through_feedparser(tmp_path, run):
    root = hostile_site(tmp_path, "html")
    run("build", "--site", root, "--now", NOW)
    for name in ("atom.xml", "feed.xml"):
        tree = etree.parse(str(root / "public" / name))
        bodies = [element.text or "" for element in tree.iter()
                  if etree.QName(element).localname in ("content", "encoded")]
        assert bodies and not any(DANGERS.search(body) for body in bodies)


def test_titles_and_excerpts_are_escaped_exactly_once(tmp_path, run):
    root = hostile_site(tmp_path, "html")
    run("build", "--site", root, "--now", NOW)
    title = "Q&A: 5 < 6 > 4, \"quoted\" and 'single' — Fish & Chips"
    excerpt = 'AT&T says 1 < 2 & "yes"; <b> is shown, not bold'
    atom = {e.title: e for e in parsed(root / "public" / "atom.xml").entries}
    assert atom[title].summary == excerpt and atom[title].title_detail.type == "text/plain"
    assert "Ends ]]> here" in atom
    rss = {e.title: e for e in parsed(root / "public" / "feed.xml").entries}
    # An RSS description is HTML to every reader: it must read back as the text.
    assert html.unescape(rss[title].summary) == excerpt
    assert "Ends ]]> here" in rss
    for name in ("atom.xml", "feed.xml"):
        tree = etree.parse(str(root / "public" / name))
        texts = {element.text for element in tree.iter() if etree.QName(element).localname == "title"}
        assert title in texts  # the XML text is the title itself: escaped once, by the XML writer
        assert "&amp;amp;" not in "".join(re.findall(r"<title>.*?</title>", (root / "public" / name).read_text()))
    assert "&amp;amp;" not in (root / "public" / "atom.xml").read_text()


def test_escaped_markup_before_the_first_element_stays_text(tmp_path, run):
    # lxml gives the text before a fragment's first element decoded; written
    # back unescaped, "&lt;script&gt;" became a live <script> in the email.
    root = hostile_site(tmp_path)
    (root / "posts" / "2024-08-07-code.html").write_text(
        "---\ntitle: Code\n---\n&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;not bold&lt;/b&gt;"
        '<img src="x.png" alt="x">\n', encoding="utf-8")
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    [entry] = parsed(root / "public" / "atom.xml").entries
    assert entry.content[0].value.startswith("&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;not bold")
    result = run("digest", "--site", root, "--now", NOW, "--since", "2024-08-07", "--until", "2024-08-07")
    assert result.exit_code == 0, result.output
    digest = (root / "public" / "digest" / "latest.html").read_text(encoding="utf-8")
    assert "<script" not in digest.lower() and "<b>not bold" not in digest
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;not bold&lt;/b&gt;" in digest


def test_other_fields_carry_no_markup_or_script_urls_into_the_feeds(tmp_path, run):
    root = hostile_site(tmp_path, "html")
    run("build", "--site", root, "--now", NOW)
    atom = {e.title: e for e in parsed(root / "public" / "atom.xml").entries}["Hostile fields"]
    assert atom.author_detail.name == "Bob & co"
    assert atom.id == "https://example.com/blog/javascript%3Aalert(1)"
    for name in ("atom.xml", "feed.xml"):
        raw = (root / "public" / name).read_text(encoding="utf-8")
        assert "alert(1)</script>" not in html.unescape(raw) and "<b>Bob" not in html.unescape(raw)


def test_the_html_feeds_pass_the_w3c_validator(tmp_path, run):
    root = hostile_site(tmp_path, "html")
    run("build", "--site", root, "--now", NOW)
    verdict = validate(root)
    assert "==" not in verdict, verdict


@pytest.mark.parametrize("family", ["front-matter", "encoding", "characters", "collisions", "paths"])
def test_every_familys_feeds_pass_the_w3c_validator(tmp_path, run, family):
    root = hostile_site(tmp_path, family)
    run("build", "--site", root, "--now", NOW)
    verdict = validate(root)
    assert "==" not in verdict, verdict


def test_the_email_digest_holds_none_of_the_dangerous_parts(tmp_path, run):
    root = hostile_site(tmp_path, "html")
    result = run("digest", "--site", root, "--now", NOW, "--since", "2024-08-01", "--until", "2024-08-06")
    assert result.exit_code == 0, result.output
    folder = root / "public" / "digest"
    message = email.message_from_bytes((folder / "latest.eml").read_bytes(), policy=policy.default)
    html_part = message.get_body(("html",)).get_content()
    text_part = message.get_body(("plain",)).get_content()
    assert html_part.replace("\r\n", "\n") == (folder / "latest.html").read_text(encoding="utf-8")
    body = html_part[html_part.index("<body"):]  # the template's own <style> is in the head
    assert not DANGERS.search(body), DANGERS.search(body)
    assert "Handlers" in html_part and "Unclosed" in html_part
    assert "Fish &amp; Chips" in html_part and "&amp;amp;" not in html_part
    assert "Q&A: 5 < 6 > 4, \"quoted\" and 'single' — Fish & Chips" in text_part
    assert "javascript:" not in text_part.lower() and "<script" not in text_part.lower()


# --- configuration ------------------------------------------------------------


@pytest.mark.parametrize("config, message", [
    ("missing-url.toml", "syndicate.toml: url is required"),
    ("relative-url.toml", 'syndicate.toml: url must be an absolute http(s) URL, got "/blog/"'),
    ("unknown-timezone.toml",
     'syndicate.toml: timezone must be an IANA time zone such as "Asia/Seoul", got "Mars/Olympus_Mons"'),
    ("negative-limit.toml", "syndicate.toml: feed.limit must be a positive integer, got -5"),
    ("header-injection.toml",
     'syndicate.toml: email.from must be one line, got "News <news@example.com>\\r\\nBcc: everyone@example.org"'),
    ("bad-language.toml", 'syndicate.toml: language must be a language tag such as "ko" or "en-US", got "<script>"'),
    ("not-toml.toml", "syndicate.toml:1: not valid TOML: Expected '=' after a key in a key/value pair (column 6)"),
    ("not-utf8.toml", "syndicate.toml:1: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
    ("several-problems.toml",
     'syndicate.toml: url must be an absolute http(s) URL, got "example.com"\n'
     'syndicate.toml: timezone must be an IANA time zone such as "Asia/Seoul", got "Nowhere"\n'
     "syndicate.toml: feed.limit must be a positive integer, got 0\n"
     "syndicate.toml: title is required"),
])
def test_a_bad_configuration_is_one_clear_message_naming_the_key(tmp_path, run, config, message):
    root = hostile_site(tmp_path, "front-matter")
    shutil.copy(HOSTILE / "config" / config, root / "syndicate.toml")
    for command in ("check", "build"):
        result = run(command, "--site", root, "--now", NOW)
        assert result.exit_code == 1
        assert result.stderr == message + "\n"
    assert not (root / "public").exists()


def test_a_jekyll_config_alias_bomb_is_refused(tmp_path, run):
    root = tmp_path / "site"
    (root / "_posts").mkdir(parents=True)
    bomb = (HOSTILE / "front-matter/posts/alias-bomb.md").read_text().split("---")[1]
    (root / "_config.yml").write_text("url: https://example.com\n" + bomb, encoding="utf-8")
    result = run("check", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == ("_config.yml:8: not valid YAML: too large once its aliases are expanded "
                             "(over 10000 values)\n")


def test_a_jekyll_locale_style_language_is_taken_as_a_tag(tmp_path, run):
    root = tmp_path / "site"
    (root / "_posts").mkdir(parents=True)
    (root / "_posts" / "2024-01-01-a.md").write_text("---\ntitle: A\n---\nx\n")
    (root / "_config.yml").write_text("title: T\nurl: https://example.com\nlang: ko_KR\n")
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    assert parsed(root / "public" / "feed.xml").feed.language == "ko-KR"


def test_a_jekyll_config_that_is_not_utf8_names_its_line(tmp_path, run):
    root = tmp_path / "site"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_bytes("url: https://example.com\ntitle: Caf\xe9\n".encode("latin-1"))
    result = run("check", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == "_config.yml:2: not UTF-8 text (byte 0xe9); save the file as UTF-8\n"


def test_an_unreadable_config_is_one_line(tmp_path, run, monkeypatch):
    root = hostile_site(tmp_path)
    real_read_bytes = Path.read_bytes

    def deny(self):
        if self.name == "syndicate.toml":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    result = run("check", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == "syndicate.toml: cannot read: Permission denied\n"


# --- filesystem ---------------------------------------------------------------


def test_a_missing_posts_folder_is_one_clear_error(tmp_path, run):
    root = hostile_site(tmp_path)
    (root / "posts").rmdir()
    for command in ("check", "build"):
        result = run(command, "--site", root, "--now", NOW)
        assert result.exit_code == 1
        assert result.stderr == "posts folder posts does not exist\n"


def test_an_unreadable_post_is_named_and_the_others_publish(tmp_path, run, monkeypatch):
    root = hostile_site(tmp_path, "encoding")
    locked = root / "posts" / "2024-04-10-locked.md"
    locked.write_text("---\ntitle: Locked\n---\nx\n")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: make the open fail as it would for a user
        real_open = Path.open

        def deny(self, *args, **kwargs):
            if self.name == locked.name:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", deny)
        real_os_open = os.open

        def deny_os(path, *args, **kwargs):  # a post's head is read through os.open
            if os.path.basename(path) == locked.name:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_os_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", deny_os)
        import syndicate.incremental.cache

        def read_bytes(path):
            with deny(path, "rb") as file:
                return file.read()

        monkeypatch.setattr(syndicate.incremental.cache, "read_post_bytes", read_bytes)
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert "posts/2024-04-10-locked.md: cannot read: Permission denied" in lines(result.stderr)
    assert "Plain UTF-8" in titles(root) and "Locked" not in titles(root)


def published_site(tmp_path, run) -> tuple[Path, dict[Path, bytes]]:
    root = hostile_site(tmp_path, "encoding")
    assert run("build", "--site", root, "--now", NOW).exit_code == 1  # the family's bad posts
    (root / "posts" / "2024-04-11-new.md").write_text("---\ntitle: New post\n---\nx\n", encoding="utf-8")
    return root, {path: path.read_bytes() for path in feeds(root)}


def refuse_writes_in(monkeypatch, folder: Path, error: OSError) -> None:
    """Make every atomic write into ``folder`` fail with ``error``, as a full or read-only disk does."""
    import syndicate.write.files

    real_mkstemp = syndicate.write.files.tempfile.mkstemp

    def refuse(*args, dir=None, **kwargs):
        if Path(dir).is_relative_to(folder):
            raise error
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(syndicate.write.files.tempfile, "mkstemp", refuse)


def test_an_output_folder_that_cannot_be_written_leaves_the_published_feeds_intact(tmp_path, run, monkeypatch):
    root, before = published_site(tmp_path, run)
    refuse_writes_in(monkeypatch, root / "public", PermissionError(errno.EACCES, "Permission denied"))
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert f"cannot write {root / 'public' / 'feed.xml'}: Permission denied" in lines(result.stderr)
    assert f"cannot write {root / 'public' / 'atom.xml'}: Permission denied" in lines(result.stderr)
    assert {path: path.read_bytes() for path in feeds(root)} == before


def test_a_full_disk_leaves_the_published_feeds_intact_and_no_temporary_files(tmp_path, run, monkeypatch):
    root, before = published_site(tmp_path, run)
    import syndicate.write.files

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, data):
            self.file.write(data[:10])  # a little gets out, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(syndicate.write.files.os, "fdopen", lambda fd, mode="r": FullDisk(real_fdopen(fd, mode)))
    result = run("build", "--site", root, "--now", NOW)
    monkeypatch.undo()
    assert result.exit_code == 1
    assert (f"cannot write {root / 'public' / 'feed.xml'}: the disk is full; the previous file is left as it was"
            in lines(result.stderr))
    assert {path: path.read_bytes() for path in feeds(root)} == before
    assert not [p for p in (root / "public").rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("state", [
    '{"posts/dateless.md": "0001-01-01T00:00:00+14:00"}', '{"posts/dateless.md": ["x"]}', "[1, 2]",
    "\x00\xff{not json",
])
def test_a_corrupt_state_folder_is_distrusted_not_a_crash(tmp_path, run, state):
    root = hostile_site(tmp_path)
    (root / "posts" / "dateless.md").write_text("---\ntitle: Dateless\n---\nx\n")
    (root / ".syndicate").mkdir()
    for name in ("first-seen.json", "posts-index.json", "last-run.json"):
        (root / ".syndicate" / name).write_text(state, encoding="utf-8", errors="surrogateescape")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert lines(result.stderr) == ["posts/dateless.md: warning: no date in front matter or file name; "
                                    "dated 2026-11-25T09:00:00+09:00, when first seen"]
    assert titles(root) == {"Dateless"}


def test_a_file_name_that_is_not_utf8_is_named_not_a_crash(tmp_path, run):
    if sys.platform == "darwin":
        pytest.skip("macOS file systems refuse names that are not UTF-8")
    root = hostile_site(tmp_path)
    posts = os.fsencode(root / "posts")
    with open(posts + b"/2024-09-01-\xbc\xad.md", "wb") as file:
        file.write(b"---\ntitle: Legacy name\n---\nx\n")
    (root / "posts" / "2024-09-02-new\nline.md").write_text("---\ntitle: Newline\n---\nx\n")
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "posts/2024-09-01-\\xbc\\xad.md: the file name is not UTF-8 text; rename the file",
        "posts/2024-09-02-new\\x0aline.md: warning: no date in front matter or file name; "
        "dated 2026-11-25T09:00:00+09:00, when first seen",
        "failed: 1 problem(s)"]
    assert titles(root) == {"Newline"}
    # And again, now that the state folder knows the posts.
    assert run("build", "--site", root, "--now", NOW).exit_code == 1


@pytest.mark.parametrize("name, shown", [
    ("bad\nname.md", "bad\\x0aname.md"), ("line\u2028sep.md", "line\\u2028sep.md"),
    ("\u202edm.exe.md", "\\u202edm.exe.md"), ("nel\x85.md", "nel\\x85.md"),
])
def test_control_characters_in_ashown_path_stay_on_one_line(tmp_path, run, name, shown):
    root = hostile_site(tmp_path)
    (root / "posts" / name).write_text("---\ntitle: [x\n---\n")
    result = run("check", "--site", root, "--now", NOW)
    assert lines(result.stderr)[0].startswith(f"posts/{shown}:3: invalid front matter")
    assert len(lines(result.stderr)) == 2


def test_forbidden_character_references_are_counted_like_the_characters():
    assert XML_FORBIDDEN.findall("&#1; &#x0B; &#xFFFE; &#65535; &#0; &#55296;") != []
    for kept in ("&#9;", "&#10;", "&#13;", "&#32;", "&#x41;", "&#65533;", "&#80;", "&#x1F600;"):
        assert XML_FORBIDDEN.search(kept) is None, kept


@pytest.mark.parametrize("command", ["build", "publish"])
def test_a_state_folder_that_cannot_be_written_costs_no_report(make_site, run, monkeypatch, command):
    """The feeds are written and every problem listed, the state folder's beside a broken post's."""
    root = make_site({"posts/2026-11-20-good.md": "---\ntitle: Good\n---\nx\n",
                      "posts/undated.md": "---\ntitle: Undated\n---\nFirst seen now.\n",
                      "posts/2026-11-21-broken.md": "---\ntitle: [unclosed\n---\nx\n"})
    refuse_writes_in(monkeypatch, root / ".syndicate", OSError(errno.ENOSPC, "No space left on device"))
    result = run(command, "--site", root, "--now", NOW)
    assert result.exit_code == 1
    errors = lines(result.stderr)
    assert any(line.startswith("posts/2026-11-21-broken.md:3: invalid front matter") for line in errors), errors
    assert f"cannot write {root / '.syndicate' / 'first-seen.json'}: No space left on device" in errors
    assert "wrote public/feed.xml" in lines(result.stdout)
    assert {"Good", "Undated"} <= titles(root, "feed.xml")


# --- nesting deep enough to exhaust Python's recursion limit (issue 15, item 9) ---

DEEP = 600  # past MAX_DEPTH, and deep enough that the parsers alone would recurse past Python's limit


@pytest.mark.parametrize("front_matter", [
    f"+++\ntitle = \"Deep\"\nk = {'[' * DEEP}1{']' * DEEP}\n+++\n",
    f"+++\ntitle = \"Deep\"\nk = {'{a = ' * DEEP}1{' }' * DEEP}\n+++\n",
    # Dotted keys nest tables without a bracket; the escape makes the values be walked to clean them.
    f"+++\ntitle = \"Deep \\u0001\"\n{'.'.join(['k'] * 5000)} = 1\n+++\n",
    f"+++\ntitle = \"Deep\"\n[{'.'.join(['k'] * 5000)}]\nx = 1\n+++\n",
    f"---\ntitle: Deep\nk: {'[' * DEEP}1{']' * DEEP}\n---\n",
    f'{{\n"title": "Deep",\n"k": {"[" * 5000}{"]" * 5000}\n}}\n',
])
def test_deeply_nested_front_matter_is_one_line_and_the_other_posts_publish(tmp_path, run, front_matter):
    root = hostile_site(tmp_path)
    (root / "posts" / "2024-03-12-good.md").write_text("---\ntitle: Good\n---\nx\n")
    (root / "posts" / "2024-03-13-deep.md").write_text(front_matter + "body\n")
    for command in ("build", "check", "publish"):
        result = run(command, "--site", root, "--now", NOW)
        assert result.exit_code == 1, result.output
        assert lines(result.stderr) == ["posts/2024-03-13-deep.md:3: invalid front matter: nested more than "
                                        "50 levels deep", "failed: 1 problem(s)"]
        assert titles(root) == {"Good"}


def in_digest_table(lines: str) -> str:
    """CONFIG with ``lines`` added to its [digest] table."""
    return CONFIG.replace("[digest]\n", "[digest]\n" + lines)


DEEP_JSON = '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("command", [["build"], ["check"], ["publish"], ["digest", "--week", "2026-W47"]])
def test_deeply_nested_cache_files_are_treated_as_empty(tmp_path, run, command):
    root = hostile_site(tmp_path)
    (root / "posts" / "2026-11-18-good.md").write_text("---\ntitle: Good\n---\nx\n")
    (root / ".syndicate").mkdir()
    for name in ("first-seen.json", "posts-index.json", "last-run.json", "last-run-posts.json"):
        (root / ".syndicate" / name).write_text(DEEP_JSON)
    for _ in range(2):  # and again, over the files the first run wrote
        result = run(*command, "--site", root, "--now", NOW)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
    if command[0] in ("build", "publish"):
        assert titles(root) == {"Good"}


def test_a_deeply_nested_state_json_is_one_line_and_the_feeds_publish(tmp_path, run):
    root = hostile_site(tmp_path)
    (root / "syndicate.toml").write_text(in_digest_table('schedule = { weekday = "mon", time = "08:00" }\n'))
    (root / "posts" / "2026-11-18-good.md").write_text("---\ntitle: Good\n---\nx\n")
    (root / ".syndicate").mkdir()
    (root / ".syndicate" / "state.json").write_text(DEEP_JSON)
    result = run("publish", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        ".syndicate/state.json: corrupt (nested too deeply); it records which digests were sent, so syndicate "
        "will not guess: restore it from a backup, or delete it to start afresh", "failed: 1 problem(s)"]
    assert titles(root) == {"Good"}


@pytest.mark.parametrize("deep, line", [(f"x = {'[' * DEEP}{']' * DEEP}\n", 2),
                                        (f"{'.'.join(['k'] * 5000)} = 1\n", 2)])
def test_a_deeply_nested_configuration_is_one_line(tmp_path, run, deep, line):
    root = hostile_site(tmp_path)
    (root / "syndicate.toml").write_text("# the title comes next\n" + deep + CONFIG)
    result = run("build", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == f"syndicate.toml:{line}: not valid TOML: nested more than 50 levels deep\n"


@pytest.mark.parametrize("args, config, message", [
    (["--week", "9999-W52"], "", "--week is out of range: '9999-W52' (years 1000 to 9998)"),
    (["--week", "0001-W01"], "", "--week is out of range: '0001-W01' (years 1000 to 9998)"),
    (["--days", "1000000000000"], "",
     "--days is too large: 1000000000000 days before now is before the calendar starts"),
    ([], "days = 3000000\n",
     "syndicate.toml: digest.days is too large: 3000000 days before now is before the calendar starts"),
    (["--since", "2026-01-01", "--until", "9999-12-31"], "", "--until is out of range: '9999-12-31'"),
    (["--week", "2026-W47"], 'utm = { source = "{{ 1/0 }}" }\n', "syndicate.toml: digest.utm.source: division by zero"),
])
def test_digest_windows_and_settings_out_of_range_are_one_line(tmp_path, run, args, config, message):
    root = hostile_site(tmp_path)
    (root / "syndicate.toml").write_text(in_digest_table(config))
    (root / "posts" / "2026-11-18-good.md").write_text("---\ntitle: Good\n---\nx\n")
    result = run("digest", *args, "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert lines(result.stderr) == [message]


# --- srcset (issue 15, item 10) ------------------------------------------------

SRCSET_POST = """\
---
title: Pictures
date: 2026-11-18
---
<p><img src="a.png" alt="one" srcset="a-2x.png 2x, javascript:alert(1) 1x, JavaScript:alert(2) 3x"></p>
<picture><source srcset="b.webp 1x, data:text/html,&lt;script&gt;alert(3)&lt;/script&gt; 2x"><source srcset="b.webp 1x, javascript:alert(4)"><img src="b.png" alt="two" srcset="b.png 1x, data:text/html;base64,PHNjcmlwdD4= 2x"></picture>
<p>Text stays.</p>
"""
POST_URL = f"{SITE_URL}2026/11/18/"
SCRIPT_URL = re.compile(r"javascript:|data:text/html", re.IGNORECASE)


def test_script_urls_in_srcset_are_removed_from_feeds_and_the_digest(tmp_path, run):
    root = hostile_site(tmp_path)
    (root / "posts" / "pictures.md").write_text(SRCSET_POST)
    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    for name in ("atom.xml", "feed.xml"):
        entry, = parse_feed(root / "public" / name).entries  # feedparser's own sanitiser off
        content = entry.content[0].value
        assert not SCRIPT_URL.search(content), content
        assert f"{POST_URL}a-2x.png 2x" in content and f"{POST_URL}b.webp 1x" in content
        assert "Text stays." in content
        assert not SCRIPT_URL.search((root / "public" / name).read_text())
    result = run("digest", "--site", root, "--now", NOW, "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    for name in ("latest.html", "latest.eml", "latest.txt"):
        text = (root / "public" / "digest" / name).read_text(encoding="utf-8")
        assert not SCRIPT_URL.search(text), (name, SCRIPT_URL.search(text))
    assert f"{POST_URL}a-2x.png 2x" in (root / "public" / "digest" / "latest.html").read_text(encoding="utf-8")


# --- a posts folder linked from outside (issue 15, item 7) ---------------------


@pytest.mark.parametrize("posts_dir", ["posts", "content/posts"])
def test_a_posts_folder_linked_to_a_folder_outside_the_site_is_refused(tmp_path, run, posts_dir):
    root = hostile_site(tmp_path)
    (root / "posts").rmdir()
    (root / "syndicate.toml").write_text(f'posts_dir = "{posts_dir}"\n' + CONFIG)
    outside = tmp_path / "home" / "posts"
    outside.mkdir(parents=True)
    (outside / "2024-03-12-secret.md").write_text("---\ntitle: Secret\n---\nPRIVATE KEY\n")
    if posts_dir == "posts":
        (root / "posts").symlink_to(outside)
    else:  # a folder above the posts folder is the link
        (root / "content").symlink_to(outside.parent)
    for command in (["build"], ["check"], ["publish"], ["digest", "--week", "2024-W11"]):
        result = run(*command, "--site", root, "--now", NOW)
        assert result.exit_code == 1, result.output
        assert result.stderr == (f"posts folder {posts_dir} is a link to a folder outside the site folder; "
                                 "not read\n")
    assert not any(b"PRIVATE KEY" in path.read_bytes() for path in (root / "public").rglob("*") if path.is_file())


def test_a_posts_folder_linked_to_a_folder_inside_the_site_is_read(tmp_path, run):
    root = hostile_site(tmp_path)
    (root / "posts").rmdir()
    (root / "content" / "blog").mkdir(parents=True)
    (root / "content" / "blog" / "2024-03-12-good.md").write_text("---\ntitle: Good\n---\nx\n")
    (root / "posts").symlink_to(root / "content" / "blog")
    for _ in range(2):  # and again, answered by the state folder
        result = run("build", "--site", root, "--now", NOW)
        assert result.exit_code == 0, result.output
        assert titles(root) == {"Good"}


# --- thousands of tags in one string (issue 15, item 8) ------------------------


@pytest.mark.slow
def test_thousands_of_tags_keep_the_first_hundred_and_build_in_bounded_time(tmp_path):
    root = hostile_site(tmp_path)
    tags = [f"tag{number}" for number in range(5000)]
    (root / "posts" / "2026-11-18-many.md").write_text(
        f"---\ntitle: Many\ncategories: {' '.join(f'c{n}' for n in range(300))}\ntags: {' '.join(tags)}\n---\nx\n")
    (root / "posts" / "2026-11-17-few.md").write_text("---\ntitle: Few\ntags: tag1 other\n---\nx\n")
    # Generous for a shared machine: this took over 150 s (and was killed) before.
    result = subprocess.run([sys.executable, "-m", "syndicate", "build", "--site", str(root), "--now", NOW],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr) == ["posts/2026-11-18-many.md: warning: 300 categories; only the first 100 are kept",
                                    "posts/2026-11-18-many.md: warning: 5000 tags; only the first 100 are kept"]
    tag_feeds = sorted(path.name for path in (root / "public" / "feeds" / "tag").glob("*.xml"))
    assert tag_feeds == sorted([f"{tag}.xml" for tag in tags[:100]] + ["other.xml"])
    entry, = parse_feed(root / "public" / "feeds" / "tag" / "tag99.xml").entries
    assert [term.term for term in entry.tags] == [f"c{n}" for n in range(100)] + tags[:100]
    assert len(parse_feed(root / "public" / "feeds" / "tag" / "tag1.xml").entries) == 2
    assert len(list((root / "public" / "feeds" / "category").glob("*.xml"))) == 100


def test_a_feed_entry_costs_time_linear_in_its_terms(tmp_path):
    """Past the reader's bound (a post built in code): 10,000 terms in one entry, one call to feedgen."""
    import dataclasses
    import time

    from syndicate.pipeline import read_site
    from syndicate.render.content import render_post
    from syndicate.render.feeds import RSS, FeedSpec, render_feed
    from syndicate.sources.config import load_site
    from syndicate.sources.posts import parse_date

    root = hostile_site(tmp_path)
    (root / "posts" / "2026-11-18-many.md").write_text("---\ntitle: Many\n---\nx\n")
    site = load_site(root)
    _, (post,), _ = read_site(site, parse_date(NOW, site.timezone))
    tags = tuple(f"tag{number}" for number in range(10_000))
    post = dataclasses.replace(post, tags=tags)
    started = time.process_time()
    data = render_feed(site, FeedSpec("feeds/tag/tag1.xml", RSS, "Many", (post,)), {post.name: render_post(site, post)})
    # CPU time, so other jobs on the machine do not count: 0.03 s here, where
    # feedgen's list of terms, rebuilt for each term, took 7.7 s.
    assert time.process_time() - started < 2
    entry, = feedparser.parse(data).entries
    assert [term.term for term in entry.tags] == list(tags)
