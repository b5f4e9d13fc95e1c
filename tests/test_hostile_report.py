"""One folder holding every hostile case: `check` lists each problem on one line, `build` still publishes.

Run as a real process, as cron runs it: the messages must survive the real
stderr (a file name that is not UTF-8 included), and nothing may hang.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from tests.conftest import NOW
from tests.test_hostile import CONFIG, HOSTILE

FAMILIES = ("front-matter", "encoding", "characters", "collisions", "paths", "html")

# Every post that must come out, by title; the others are broken on purpose.
GOOD_TITLES = {
    # front matter
    "A good post", "1984", "Front matter only", "Body only", "Windows line ends", "Old Mac line ends",
    # encoding
    "UTF-8 with a BOM", "UTF-16 LE 한글", "UTF-16 BE 한글", "서울 경제 소식 똠방각하", "부산 소식", "Plain UTF-8",
    # characters
    "Bell NUL FFFE FFFF end", "Rawcontrol title", "Lone surrogate", "שלום עולם — مرحبا بالعالم",
    "Cafe\u0301 \u1112\u1161\u11ab\u1100\u1173\u11af and Z\u0351\u0308",
    # collisions
    "Same as Markdown", "Same as HTML", "Guid A", "Guid B", "URL A", "URL B",
    # paths
    "Traversal", "Absolute", "Reserved", "Empty names", "Long", "NUL", "Scheme", "Data image",
    # HTML
    "Dangerous HTML", "Dangerous Markdown", "Q&A: 5 < 6 > 4, \"quoted\" and 'single' — Fish & Chips",
    "Ends ]]> here", "Before", "Hostile fields",
}

# Files that are errors, and those of them whose problem has no line to point at.
BROKEN = {
    "2024-05-06-yaml-surrogate.md", "alias-bomb.md", "alias-loop.md", "date-impossible-quoted.md",
    "date-impossible.md", "date-soon.md", "date-year-one.md", "date-year-9999.md", "deep-nesting.md", "duplicate-keys.md", "huge-number.md",
    "invalid-utf8.md", "invalid-yaml.md", "json-invalid.md", "latin-1.md", "list-not-mapping.md", "picture.md",
    "string-not-mapping.md", "tab-indent.md", "title-list.md", "title-mapping.md", "toml-invalid.md", "unclosed.md",
    "utf16-odd.md",
    # made below
    "huge.md", "pipe.md", "secret.md", "\\xbc\\xad.md",
}
NO_LINE = {"huge.md", "pipe.md", "secret.md", "\\xbc\\xad.md"}
WARNED = {
    "2024-03-07-empty.md", "2024-03-09-body-only.md", "2024-05-01-controls.md", "2024-05-02-raw-title.md",
    "2024-05-03-surrogates.md", "2024-07-06-nul.md", "2024-07-07-scheme.md", "2024-07-08-data-image.md",
    "photo.png", "2024-06-01-same.md", "guid-b.md", "url-b.md", "2024-08-06-hostile-fields.md",
}
LINE = re.compile(r"^posts/(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?P<warning>warning: )?\S.*$")


@pytest.fixture
def everything(tmp_path) -> Path:
    root = tmp_path / "site"
    (root / "posts").mkdir(parents=True)
    # Room for every good post in the main feeds.
    (root / "syndicate.toml").write_text(CONFIG.replace("[feed]\n", "[feed]\nlimit = 100\n"), encoding="utf-8")
    for family in FAMILIES:
        shutil.copytree(HOSTILE / family / "posts", root / "posts", dirs_exist_ok=True)
    posts = root / "posts"
    with (posts / "huge.md").open("wb") as file:
        file.truncate(50 * 1024 * 1024)
    if hasattr(os, "mkfifo"):
        os.mkfifo(posts / "pipe.md")
    (tmp_path / "secret.txt").write_text("password=hunter2\n")
    (posts / "secret.md").symlink_to(tmp_path / "secret.txt")
    with open(os.fsencode(posts) + b"/\xbc\xad.md", "wb") as file:
        file.write(b"---\ntitle: Legacy name\n---\nx\n")
    for leftover in (".DS_Store", "notes.md~", ".notes.md.swp", ".hidden.md"):
        (posts / leftover).write_bytes(b"\x00junk\xff")
    return root


def syndicate(*args, encoding: str = "utf-8") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "syndicate", *map(str, args)], capture_output=True,
                          timeout=120, check=False, env={**os.environ, "PYTHONIOENCODING": encoding})


def test_check_lists_every_problem_once_on_its_own_line_with_file_and_line(everything):
    result = syndicate("check", "--site", everything, "--now", NOW)
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    *problems, last = result.stderr.decode("utf-8").splitlines()
    errors, warnings = {}, set()
    for problem in problems:
        found = LINE.match(problem)
        assert found, f"not one line shaped 'posts/FILE[:LINE]: message': {problem!r}"
        if found["warning"]:
            warnings.add(found["file"])
        else:
            assert found["file"] not in errors, f"reported twice: {problem}"
            errors[found["file"]] = found["line"]
    expected = BROKEN if hasattr(os, "mkfifo") else BROKEN - {"pipe.md"}
    assert set(errors) == expected
    assert {name for name, line in errors.items() if line is None} == NO_LINE & expected
    assert warnings == WARNED
    assert last == f"failed: {len(expected)} problem(s)"
    assert not (everything / "public").exists()  # check writes nothing


def test_build_still_publishes_every_good_post(everything):
    result = syndicate("build", "--site", everything, "--now", NOW)
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((everything / "public" / name).read_bytes())
        assert feed.bozo == 0
        assert {entry.title for entry in feed.entries} == GOOD_TITLES
    published = b"".join(path.read_bytes() for path in (everything / "public").rglob("*.xml"))
    assert b"hunter2" not in published and b"Legacy name" not in published


def test_a_legacy_locale_gets_escapes_not_a_traceback(everything):
    # cron on an old server: LANG=en_US.ISO-8859-1, and Hangul file names to print.
    result = syndicate("build", "--site", everything, "--now", NOW, "-v", encoding="latin-1")
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"wrote public/feeds/category/\\uac00\\uac00" in result.stdout
    assert {entry.title for entry in feedparser.parse((everything / "public" / "atom.xml").read_bytes()).entries} \
        == GOOD_TITLES
