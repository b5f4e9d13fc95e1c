"""The last run's record: an unchanged site is not read again, a changed one always is."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import time
from pathlib import Path

import pytest

import syndicate.incremental.cache
import syndicate.incremental.lastrun
import syndicate.sources.posts
import syndicate.write.state
from syndicate.commands.run import resolve_now
from syndicate.sources.config import load_site
from tests.conftest import BASIC_CONFIG, NOW, age

POSTS = {
    "posts/2026-11-20-seoul.md": "---\ntitle: 서울 소식\nimage: /assets/x.png\ncategories: [뉴스]\n---\n본문입니다.\n",
    "posts/2026-11-21-second.md": "---\ntitle: Second\n---\nSecond body.\n",
    "posts/2026-12-01-later.md": "---\ntitle: Later\ndate: 2026-12-01 09:00:00 +0900\n---\nScheduled.\n",
    "posts/undated.md": "---\ntitle: No date\n---\nDated when first seen.\n",
    "assets/x.png": b"\x89PNG 1234",
}
CONFIG = BASIC_CONFIG + "\n[feed]\ncategories = true\n"
HOUR_AGO = time.time() - 3600


@pytest.fixture
def site_root(make_site):
    root = make_site(POSTS, config=CONFIG)
    age(root, HOUR_AGO)
    return root


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every post head read and every posts-index load, in order."""
    seen: list[str] = []
    real_head, real_load = syndicate.sources.posts.read_post_head, syndicate.incremental.cache.PostsIndex.load

    def head(path, name, *within):
        seen.append(name)
        return real_head(path, name, *within)

    def load(site, **options):
        seen.append("index")
        return real_load(site, **options)

    monkeypatch.setattr(syndicate.sources.posts, "read_post_head", head)
    monkeypatch.setattr(syndicate.incremental.cache.PostsIndex, "load", staticmethod(load))
    return seen


def build(run, root: Path, now: str = NOW, *flags: str):
    result = run("build", "--site", root, "--now", now, *flags)
    assert result.exit_code == 0, result.output
    # first-seen.json is written by the first run; a second run settles it.
    return result


def settled(run, root: Path, now: str = NOW) -> dict[str, bytes]:
    """Build twice (the first run dates the undated post), age everything, return the outputs."""
    build(run, root, now)
    build(run, root, now)
    age(root, HOUR_AGO)
    build(run, root, now)
    return outputs(root)


def outputs(root: Path) -> dict[str, bytes]:
    out = root / "public"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_an_unchanged_site_reads_no_post_and_says_the_same(site_root, run, reads):
    before = outputs(site_root) if (site_root / "public").exists() else None
    assert before is None
    expected = settled(run, site_root)
    reads.clear()
    result = build(run, site_root, NOW, "-v")
    assert reads == []
    assert outputs(site_root) == expected
    # The undated post's warning is printed again, and -v says why nothing was done.
    assert "posts/undated.md: warning: no date" in result.output
    assert "unchanged public/feed.xml" in result.output
    assert "nothing changed since the last run" in result.output


def test_an_edited_post_is_read_again(site_root, run, reads):
    settled(run, site_root)
    post = site_root / "posts/2026-11-21-second.md"
    post.write_text("---\ntitle: Second, edited\n---\nSecond body.\n", encoding="utf-8")
    os.utime(post, (HOUR_AGO + 60, HOUR_AGO + 60))
    reads.clear()
    build(run, site_root)
    assert reads == ["posts/2026-11-21-second.md"]  # that post alone (see test_partial.py)
    assert "Second, edited" in (site_root / "public/feed.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("change", ["new post", "deleted output", "edited output", "image size",
                                    "configuration", "clock set back", "first-seen.json"])
def test_anything_an_output_depends_on_means_a_full_run(site_root, run, reads, change):
    expected = settled(run, site_root)
    now = NOW
    if change == "new post":
        (site_root / "posts/2026-11-22-new.md").write_text("---\ntitle: New\n---\nNew.\n", encoding="utf-8")
        age(site_root, HOUR_AGO)
    elif change == "deleted output":
        (site_root / "public/atom.xml").unlink()
    elif change == "edited output":
        (site_root / "public/feed.xml").write_bytes(b"broken")
    elif change == "image size":
        (site_root / "assets/x.png").write_bytes(b"\x89PNG 1234567890")
    elif change == "configuration":
        (site_root / "syndicate.toml").write_text(CONFIG.replace("Test Site", "Renamed Site"), encoding="utf-8")
    elif change == "clock set back":
        now = "2026-11-24T09:00:00+09:00"
    elif change == "first-seen.json":
        (site_root / ".syndicate/first-seen.json").write_text(
            '{"posts/undated.md": "2026-11-01T00:00:00+09:00"}\n', encoding="utf-8")
    reads.clear()
    build(run, site_root, now)
    assert "index" in reads
    if change == "deleted output" or change == "edited output":
        assert outputs(site_root) == expected
    elif change == "image size":
        assert 'length="15"' in (site_root / "public/feed.xml").read_text(encoding="utf-8")
    elif change == "configuration":
        assert "Renamed Site" in (site_root / "public/feed.xml").read_text(encoding="utf-8")


def test_a_scheduled_post_appears_when_due(site_root, run, reads):
    settled(run, site_root)
    reads.clear()
    build(run, site_root, "2026-11-30T09:00:00+09:00")  # later, but before the post's date
    assert reads == []
    build(run, site_root, "2026-12-01T09:00:00+09:00")
    # No full run, and not even its front matter read again: the record keeps
    # scheduled posts as Posts; only its body is read, to render it.
    assert reads == []
    assert "<title>Later</title>" in (site_root / "public/feed.xml").read_text(encoding="utf-8")


def test_a_post_saved_just_before_a_run_is_read_again_alone(site_root, run, reads):
    """A post changed within two seconds of the scan is not trusted to the record; the rest of the record is."""
    settled(run, site_root)
    post = site_root / "posts/2026-11-21-second.md"
    post.write_text("---\ntitle: Just saved\n---\nSecond body.\n", encoding="utf-8")  # mtime: now
    build(run, site_root)
    # Recorded, with that file's stat left out: a file system whose clock
    # ticks once a second may give the next edit the same stat.
    site = load_site(site_root)
    record = syndicate.incremental.lastrun.trusted(site, resolve_now(NOW, site))
    kept = syndicate.incremental.lastrun.details(site, record).lines
    assert "posts/2026-11-21-second.md\0racy" in kept
    assert sum(line.endswith("\0racy") for line in kept) == 1
    # Saved again within the same mtime tick and size: still seen, and that post alone is read.
    post.write_text("---\ntitle: Just SAVED\n---\nSecond body.\n", encoding="utf-8")
    os.utime(post, ns=(post.stat().st_atime_ns, post.stat().st_mtime_ns))
    reads.clear()
    result = build(run, site_root, NOW, "-v")
    assert reads == ["posts/2026-11-21-second.md"]
    assert "1 post file(s) changed since the last run" in result.output
    assert "Just SAVED" in (site_root / "public/feed.xml").read_text(encoding="utf-8")
    # Once it is older than two seconds, the record trusts it again: nothing is read.
    age(site_root, HOUR_AGO)
    build(run, site_root)
    reads.clear()
    assert "nothing changed since the last run" in build(run, site_root, NOW, "-v").output
    assert reads == []


def test_a_run_with_errors_leaves_no_record(site_root, run, reads):
    settled(run, site_root)
    broken = site_root / "posts/2026-11-22-broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    age(site_root, HOUR_AGO)
    for _ in range(2):
        result = run("build", "--site", site_root, "--now", NOW)
        assert result.exit_code == 1
        assert "posts/2026-11-22-broken.md:3: invalid front matter" in result.output
    assert not (site_root / ".syndicate/last-run.json").exists()


def test_publish_reads_nothing_until_the_next_digest_is_due(make_site, run, reads):
    config = CONFIG + '\n[digest]\nunsubscribe_url = "https://example.com/u"\n\n[digest.schedule]\nweekday = "mon"\ntime = "08:00"\n'
    root = make_site(POSTS, config=config)
    age(root, HOUR_AGO)

    def publish(now: str) -> str:
        result = run("publish", "--site", root, "--now", now, "-v")
        assert result.exit_code == 0, result.output
        return result.output

    # NOW is a Wednesday: the digest of the week before is due and rendered.
    assert "wrote public/digest/" in publish(NOW)
    publish(NOW)  # first-seen.json settles
    age(root, HOUR_AGO)
    publish(NOW)
    reads.clear()
    output = publish("2026-11-29T09:00:00+09:00")  # Sunday: nothing new is due
    assert reads == []
    assert "no digest is due" in output
    output = publish("2026-11-30T09:00:00+09:00")  # Monday: the next digest is due
    assert "index" in reads
    assert "digest 2026-W48" in output


def test_a_change_of_permissions_means_the_post_is_read_again(site_root, run, reads):
    """chmod moves the ctime, not the mtime: a post made unreadable must be reported."""
    settled(run, site_root)
    post = site_root / "posts/2026-11-21-second.md"
    mtime = post.stat().st_mtime_ns
    post.chmod(0o600)
    assert post.stat().st_mtime_ns == mtime
    reads.clear()
    build(run, site_root)
    assert reads == ["posts/2026-11-21-second.md"]
    post.chmod(0o000)
    if os.access(post, os.R_OK):
        return  # root reads anything
    result = run("build", "--site", site_root, "--now", NOW)
    assert result.exit_code == 1
    assert "posts/2026-11-21-second.md" in result.output


@pytest.fixture
def fresh_code_digest():
    syndicate.sources.inputs.code_digest.cache_clear()
    yield
    syndicate.sources.inputs.code_digest.cache_clear()


def test_a_library_upgrade_means_a_full_run(site_root, run, reads, monkeypatch, tmp_path, fresh_code_digest):
    """A library is known by its package folder and that folder's mtime, which an upgrade changes."""
    settled(run, site_root)
    upgraded = tmp_path / "feedgen"
    upgraded.mkdir()
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return importlib.machinery.ModuleSpec(name, None, origin=str(upgraded)) if name == "feedgen" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    syndicate.sources.inputs.code_digest.cache_clear()
    reads.clear()
    build(run, site_root)
    assert "index" in reads
    reads.clear()
    build(run, site_root)  # settled with the new copy
    assert reads == []


def test_the_record_keeps_the_feeds_not_the_digest(make_site, run):
    """A publish that rendered the digest must not make later runs repeat its files and warnings."""
    config = CONFIG + '\n[digest.schedule]\nweekday = "mon"\ntime = "08:00"\n'  # no unsubscribe URL: warnings
    root = make_site({"posts/2026-11-18-a.md": "---\ntitle: A\n---\na\n"}, config=config)
    age(root, HOUR_AGO)
    first = run("publish", "--site", root, "--now", "2026-11-23T09:00:00+09:00")
    assert first.exit_code == 0 and "wrote public/digest/" in first.output and "warning" in first.output
    later = run("publish", "--site", root, "--now", "2026-11-23T09:05:00+09:00", "--strict", "-v")
    assert later.exit_code == 0, later.output
    assert "nothing changed" in later.output
    built = run("build", "--site", root, "--now", "2026-11-23T09:06:00+09:00", "-v")
    assert built.exit_code == 0
    assert "warning" not in built.output and "digest" not in built.output


# --- a record checked against what it was derived from (issue 15, item 13) ---


def rewrite_json(path: Path, edit) -> None:
    import json

    data = json.loads(path.read_bytes())
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_an_edited_record_is_not_trusted_and_a_due_post_appears(site_root, run, reads):
    settled(run, site_root)
    rewrite_json(site_root / ".syndicate/last-run.json", lambda record: record.update(valid_until=None))
    result = build(run, site_root, "2026-12-02T09:00:00+09:00")
    assert "wrote public/feed.xml" in result.output
    assert "index" in reads  # a full run
    assert b"<title>Later</title>" in (site_root / "public/feed.xml").read_bytes()


def test_edited_details_are_not_trusted_by_a_partial_run(site_root, run, reads):
    settled(run, site_root)

    def edit(details):
        for fields in details["posts"]:
            if fields["title"] == "Second":
                fields["title"] = "Edited in the details"

    rewrite_json(site_root / ".syndicate/last-run-posts.json", edit)
    post = site_root / "posts/2026-11-20-seoul.md"
    post.write_text(post.read_text(encoding="utf-8").replace("본문입니다.", "본문을 고쳤습니다."), encoding="utf-8")
    os.utime(post, (HOUR_AGO + 60, HOUR_AGO + 60))
    build(run, site_root)
    for name in ("feed.xml", "atom.xml"):
        text = (site_root / "public" / name).read_text(encoding="utf-8")
        assert "Edited in the details" not in text and "Second" in text and "본문을 고쳤습니다." in text


@pytest.mark.skipif(os.name == "nt", reason="links as POSIX has them")
def test_a_full_run_reads_the_files_the_scan_listed(make_site):
    """The scan's walk stands in for the pipeline's (posts.post_files): the same files, in the same order,
    whatever the folder holds besides posts."""
    root = make_site({**POSTS, "posts/.hidden.md": "x", "posts/#draft.md#": "x", "posts/old.md~": "x",
                      "posts/notes.txt": "x", "posts/b/2026-11-22-deep.md": "---\ntitle: Deep\n---\nx\n",
                      "posts/a/_private/2026-11-23-skip.md": "x", "elsewhere/2026-11-25-y.md": "x"}, config=CONFIG)
    (root / "posts" / "to-elsewhere").symlink_to(root / "elsewhere", target_is_directory=True)
    (root / "posts" / "2026-11-26-link.md").symlink_to(root / "posts" / "2026-11-21-second.md")
    site = load_site(root)
    listed = list(syndicate.sources.posts.post_files(site, syndicate.incremental.lastrun.scan_posts(site).listing))
    walked = list(syndicate.sources.posts.post_files(site))
    assert listed == walked
    assert [path.relative_to(root / "posts").as_posix() for path in walked] == [
        "2026-11-20-seoul.md", "2026-11-21-second.md", "2026-11-26-link.md", "2026-12-01-later.md", "notes.txt",
        "undated.md", "b/2026-11-22-deep.md"]


@pytest.mark.skipif(os.name == "nt", reason="links as POSIX has them")
def test_files_stated_after_the_listing_give_the_scan_of_both_at_once(make_site):
    # A run with no record lists the files, and states them while its
    # workers read posts (layer.Speedups.scan): its record must be what a
    # scan of both at once gives, or the next run would not find the site unchanged.
    root = make_site({**POSTS, "posts/old.md~": "x", "posts/notes.txt": "x", "elsewhere/a.md": "x",
                      "posts/b/2026-11-22-deep.md": "---\ntitle: Deep\n---\nx\n"}, config=CONFIG)
    (root / "posts" / "to-elsewhere").symlink_to(root / "elsewhere", target_is_directory=True)
    (root / "posts" / "2026-11-26-link.md").symlink_to(root / "posts" / "2026-11-21-second.md")
    age(root, HOUR_AGO)
    site = load_site(root)
    scan_posts = syndicate.incremental.lastrun.scan_posts
    listed = scan_posts(site, stat=False)
    assert listed.lines == () and listed.listing == scan_posts(site).listing
    at_once, later = scan_posts(site), listed.stated(site)
    assert (later.lines, later.names, later.racy, later.digest) == (at_once.lines, at_once.names, (), at_once.digest)
    assert "posts/to-elsewhere" in later.names and "posts/old.md~" in later.names
    # A file changed after the listing is racy (read again next time), one removed says so.
    (root / "posts/2026-11-21-second.md").write_text("---\ntitle: Changed\n---\n", encoding="utf-8")
    (root / "posts/notes.txt").unlink()
    later = listed.stated(site)
    assert [later.names[number] for number in later.racy] == ["posts/2026-11-21-second.md", "posts/2026-11-26-link.md"]
    assert "posts/notes.txt\0-" in later.lines


def test_a_record_made_while_workers_read_answers_the_next_run(make_site, run, reads, monkeypatch):
    # Every post dated: the first run writes no first-seen.json, so the second finds nothing changed.
    root = make_site({name: text for name, text in POSTS.items() if name != "posts/undated.md"}, config=CONFIG)
    age(root, HOUR_AGO)
    monkeypatch.setenv("SYNDICATE_WORKERS", "2")
    build(run, root)
    reads.clear()
    result = build(run, root, NOW, "-v")
    assert "nothing changed since the last run" in result.output and reads == []
