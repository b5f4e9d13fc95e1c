"""Each kind of input in syndicate/sources/inputs.py's table, changed after a site settled, is seen.

For every row (code, libraries, configuration, posts, first-seen dates,
images, the clock, outputs): settle a site (the posts index and the last
run's record both made, a further build doing nothing), change that one
input, build again, and compare every file under public/ with a clean build
of the changed site. first-seen.json is an input (a row of the table), not
kept work, so the clean copy keeps it and nothing else of .syndicate/.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import syndicate
import syndicate.incremental.cache
import syndicate.sources.inputs
from tests.conftest import BASIC_CONFIG, age

NOW = "2026-11-23T09:00:00+09:00"
DUE = "2026-11-28T10:00:00+09:00"  # after the scheduled post's date
HOUR_AGO = time.time() - 3600
SECOND = "posts/2026-11-21-second.md"
POSTS = {
    "posts/2026-11-20-seoul.md": "---\ntitle: 서울 소식\nimage: /assets/x.png\n---\n본문입니다.\n",
    SECOND: "---\ntitle: Second\n---\nSecond body.\n",
    "posts/2026-11-28-later.md": "---\ntitle: Later\ndate: 2026-11-28 09:00:00 +0900\n---\nScheduled.\n",
    "posts/undated.md": "---\ntitle: No date\n---\nDated when first seen.\n",
    "assets/x.png": b"\x89PNG 1234",
}


def outputs(root: Path) -> dict[str, bytes]:
    out = root / "public"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def site(make_site) -> Path:
    root = make_site(POSTS)
    age(root, HOUR_AGO)
    return root


@pytest.fixture
def build(run):
    """``build(root, now, *flags)`` in this process; returns what it printed."""

    def invoke(root: Path, now: str = NOW, *flags: str) -> str:
        result = run("build", "--site", root, "--now", now, *flags)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def settle(build, root: Path) -> dict[str, bytes]:
    """Build until the index and the record exist and a build does nothing; return the outputs."""
    build(root)
    build(root)  # fills the index; first-seen.json settles
    age(root, HOUR_AGO)
    build(root)
    assert "nothing changed since the last run" in build(root, NOW, "-v")
    assert (root / ".syndicate/posts-index.json").is_file() and (root / ".syndicate/last-run.json").is_file()
    return outputs(root)


def clean_build(build, root: Path, now: str) -> dict[str, bytes]:
    """The outputs of one build of a copy of ``root`` without outputs or kept work."""
    clean = root.parent / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("public", ".syndicate"))
    (clean / ".syndicate").mkdir()
    shutil.copy(root / ".syndicate/first-seen.json", clean / ".syndicate")
    build(clean, now)
    return outputs(clean)


def rewrite_keeping_mtime(path: Path, text: str) -> None:
    """Change a file's bytes but not its size or mtime: only its ctime tells."""
    stat = path.stat()
    assert len(text.encode()) == stat.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def redate_undated(root: Path) -> None:
    path = root / ".syndicate/first-seen.json"
    dates = json.loads(path.read_text(encoding="utf-8"))
    assert "posts/undated.md" in dates
    path.write_text(json.dumps({**dates, "posts/undated.md": "2026-11-01T00:00:00+09:00"}), encoding="utf-8")


# name: (change, the --now of the build after it, the outputs that must differ: none for outputs restored)
CHANGES = {
    "config title": (lambda r: (r / "syndicate.toml").write_text(BASIC_CONFIG.replace("Test Site", "Renamed")),
                     NOW, ["feed.xml", "atom.xml"]),
    "config feed.limit": (lambda r: (r / "syndicate.toml").write_text(BASIC_CONFIG + "\n[feed]\nlimit = 1\n"),
                          NOW, ["feed.xml", "atom.xml"]),
    "post edited": (lambda r: (r / SECOND).write_text("---\ntitle: Second, edited\n---\nA longer body.\n"),
                    NOW, ["feed.xml"]),
    "post same size, mtime kept": (lambda r: rewrite_keeping_mtime(r / SECOND, "---\ntitle: Secnod\n---\nSecnod body.\n"),
                                   NOW, ["feed.xml"]),
    "post added": (lambda r: (r / "posts/2026-11-22-new.md").write_text("---\ntitle: New\n---\nNew.\n"),
                   NOW, ["feed.xml"]),
    "post deleted": (lambda r: (r / SECOND).unlink(), NOW, ["feed.xml"]),
    "first-seen date": (redate_undated, NOW, ["feed.xml"]),
    "image size": (lambda r: (r / "assets/x.png").write_bytes(b"\x89PNG 1234567890"), NOW, ["feed.xml"]),
    "clock: scheduled post due": (lambda r: None, DUE, ["feed.xml"]),
    "output deleted": (lambda r: (r / "public/atom.xml").unlink(), NOW, []),
    "output edited": (lambda r: (r / "public/feed.xml").write_bytes(b"broken"), NOW, []),
}


@pytest.mark.parametrize("name", CHANGES)
def test_a_changed_input_builds_what_a_clean_build_does(site, build, name):
    change, now, shows = CHANGES[name]
    before = settle(build, site)
    change(site)
    build(site, now)
    after = outputs(site)
    assert after == clean_build(build, site, now)
    for feed in shows:
        assert after[feed] != before[feed], feed
    if not shows:
        assert after == before  # the output is restored


# The code: an edit to a copy of the package, run as a subprocess. (file, text, replacement): one in the
# feeds' own bytes, kept by the record; one in a post's rendered body, kept by the posts index too.
CODE_EDITS = {
    "feed generator": ("render/feeds.py", 'generator.generator("syndicate",', 'generator.generator("syndicate-edited",'),
    "rendered body": ("render/content.py", "Rendered(draft.post, draft.html,", 'Rendered(draft.post, draft.html + "<p>edited</p>",'),
}


@pytest.mark.parametrize("edit", CODE_EDITS)
def test_a_code_change_builds_what_a_clean_build_does(site, tmp_path, edit):
    package = tmp_path / "code" / "syndicate"
    shutil.copytree(Path(syndicate.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package.parent), os.environ.get("PYTHONPATH")]))}

    def build(root: Path, now: str = NOW, *flags: str) -> str:
        result = subprocess.run([sys.executable, "-m", "syndicate", "build", "--site", str(root), "--now", now, *flags],
                                env=env, capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    before = settle(build, site)
    module, text, replacement = CODE_EDITS[edit]
    source = (package / module).read_text(encoding="utf-8")
    assert source.count(text) == 1, f"{module} no longer has {text!r}: pick another edit"
    (package / module).write_text(source.replace(text, replacement), encoding="utf-8")
    build(site)
    after = outputs(site)
    assert after == clean_build(build, site, NOW)
    assert after["feed.xml"] != before["feed.xml"] and b"edited" in after["feed.xml"]


def test_a_library_upgrade_means_a_full_run(site, build, monkeypatch, tmp_path):
    """A library is known by its installed folder and that folder's mtime; a new one means a full run."""
    before = settle(build, site)
    upgraded = tmp_path / "upgraded"
    upgraded.mkdir()
    library = syndicate.sources.inputs.LIBRARIES[0]
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        if name == library:
            return importlib.machinery.ModuleSpec(name, None, origin=str(upgraded))
        return real_find_spec(name, *args)

    loads = []
    real_load = syndicate.incremental.cache.PostsIndex.load
    monkeypatch.setattr(syndicate.incremental.cache.PostsIndex, "load",
                        staticmethod(lambda *a, **k: loads.append(1) or real_load(*a, **k)))
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    syndicate.sources.inputs.code_digest.cache_clear()
    try:
        assert "nothing changed" not in build(site, NOW, "-v")
        assert loads, "a full run loads the posts index"
        assert outputs(site) == before == clean_build(build, site, NOW)
    finally:
        monkeypatch.undo()
        syndicate.sources.inputs.code_digest.cache_clear()
