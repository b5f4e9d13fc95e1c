"""A run after a few post files changed reads only those, and writes what a full run would.

Each case edits a settled 150-post site (bench/gen_posts.py, with category
and tag feeds), builds it, and compares the feeds and the warnings with a
full build of a copy that has no record of any earlier run. Cases that the
last run's details cannot answer must take the full path, and still agree.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import syndicate.incremental.cache
from syndicate.cli import cli
from tests.conftest import BASIC_CONFIG, REPO, age

_spec = importlib.util.spec_from_file_location("gen_posts", REPO / "bench" / "gen_posts.py")
gen_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_posts)
NOW = gen_posts.NOW  # 2026-11-23T09:00:00+09:00
PARTIAL = "post file(s) changed since the last run"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("partial") / "site"
    gen_posts.generate(root, 150, seed=11)
    config = root / "syndicate.toml"
    # Short feeds, so that most category feeds are full and a changed post can leave a gap.
    text = config.read_text(encoding="utf-8").replace("limit = 20", "limit = 8")
    config.write_text(text.replace("categories = true", "categories = true\ntags = true"), encoding="utf-8")
    return root


def invoke(*args):
    """The ``run`` fixture's CLI call, for the module's own fixtures."""
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="syndicate", catch_exceptions=False)


@pytest.fixture(scope="module")
def settled(generated) -> tuple[Path, Path]:
    """The generated site built and settled once: (the folder each test's site is, a copy of it as settled).

    Every test's site is at the same path, because the last run's record
    and the posts index hold for the site's path alone.
    """
    root = generated.parent / "settled"
    shutil.copytree(generated, root)
    age(root)
    build(invoke, root)  # cold: writes every feed, and an empty posts index
    age(root)
    build(invoke, root)  # fills the posts index
    assert "nothing changed" in build(invoke, root, "-v").output
    reference = generated.parent / "reference"
    shutil.copytree(root, reference, symlinks=True)  # copy2: the mtimes stay
    return root, reference


@pytest.fixture
def site_root(settled, run) -> Path:
    """A copy of the generated site, built and settled: its next run may be a partial one.

    A copy has new ctimes, which the record and the index hold: one full run
    (every post hashed, none parsed: the index holds) settles it again.
    """
    root, reference = settled
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(reference, root, symlinks=True)
    age(root)  # the outputs too: the record is not trusted, so the run is a full one
    assert PARTIAL not in build(run, root, "-v").output
    assert "nothing changed" in build(run, root, "-v").output
    return root


@pytest.fixture
def index_loads(monkeypatch) -> list[str]:
    """Each load of the posts index: a full run."""
    loads: list[str] = []
    real = syndicate.incremental.cache.PostsIndex.load
    monkeypatch.setattr(syndicate.incremental.cache.PostsIndex, "load",
                        staticmethod(lambda site, **options: loads.append("index") or real(site, **options)))
    return loads


def build(run, root: Path, *flags: str, now: str = NOW, code: int = 0):
    result = run("build", "--site", root, "--now", now, *flags)
    assert result.exit_code == code, result.output
    return result


def outputs(root: Path) -> dict[str, bytes]:
    out = root / "public"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": warning: " in line or ": error: " in line]


def full_build(run, root: Path, tmp_path: Path, now: str = NOW, code: int = 0) -> tuple[dict[str, bytes], list[str]]:
    """What a full run gives for the site as it is: a copy with no outputs and no record but first-seen.json."""
    copy = tmp_path / "full"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("public", "*.json*"))
    if (root / ".syndicate/first-seen.json").exists():
        shutil.copy2(root / ".syndicate/first-seen.json", copy / ".syndicate/first-seen.json")
    result = build(run, copy, now=now, code=code)
    return outputs(copy), warnings(result.output)


def newest_posts(root: Path, count: int) -> list[Path]:
    """The newest published posts by file name (the generator dates posts by file name day)."""
    posts = sorted(p for p in (root / "_posts").iterdir() if p.name[:10] <= NOW[:10])
    return posts[-count:]


def save(path: Path, text: str) -> None:
    """Write a post as an editor does, a few seconds before the run."""
    path.write_text(text, encoding="utf-8")
    past = time.time() - 5
    os.utime(path, (past, past))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    save(path, text.replace(old, new, 1))


def front_matter_line(path: Path, key: str) -> str:
    return next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(f"{key}:"))


def change(root: Path, case: str) -> None:
    newest = newest_posts(root, 1)[0]
    oldest = min((root / "_posts").iterdir())
    if case == "body of the newest post":
        save(newest, newest.read_text(encoding="utf-8") + "\nOne more paragraph, 한 문단 더.\n")
    elif case == "title of the newest post":
        edit(newest, front_matter_line(newest, "title"), 'title: "A new title, 새 제목"')
    elif case == "body of an old post":
        save(oldest, oldest.read_text(encoding="utf-8") + "\nAn old correction.\n")
    elif case == "new newest post":
        save(root / "_posts" / f"{NOW[:10]}-breaking.md",
             "---\ntitle: Breaking 속보\ndate: 2026-11-23 08:59:00 +0900\ncategories: [서울]\ntags: [breaking]\n---\n"
             "Just in. [More](/more/).\n")
    elif case == "new old post":
        save(root / "_posts" / "2020-01-02-archive.md", "---\ntitle: From the archive\n---\nOld news.\n")
    elif case == "a non-post file":
        save(root / "_posts" / "notes.txt", "not a post\n")
    elif case == "newest post moved back":
        edit(newest, front_matter_line(newest, "date"), "date: 2019-01-01 10:00:00 +0900")
    elif case == "newest post made a draft":
        edit(newest, "---\n", "---\ndraft: true\n")
    elif case == "newest post loses its categories":
        edit(newest, front_matter_line(newest, "categories"), "categories: []")
    elif case == "a post deleted":
        newest.unlink()
    elif case == "new dateless post":
        save(root / "_posts" / "undated.md", "---\ntitle: Undated\n---\nWhen?\n")
    elif case == "new post with a taken id":
        text = newest.read_text(encoding="utf-8")
        save(root / "_posts" / f"{newest.name[:11]}zz-copy.md", text.replace("---\n", f"---\nid: {_url_of(root, newest)}\n", 1))
    elif case == "a broken post":
        edit(newest, "---\n", "---\ntitle: [unclosed\n")
    else:
        raise AssertionError(case)


def _url_of(root: Path, post: Path) -> str:
    """The URL the settled RSS feed gives ``post``."""
    feed = (root / "public/feed.xml").read_text(encoding="utf-8")
    title = front_matter_line(post, "title").split(":", 1)[1].strip().strip("'\"")
    entry = feed[feed.index(f"<title>{title}</title>"):]
    return entry[entry.index("<link>") + 6:entry.index("</link>")]


PARTIAL_CASES = ["body of the newest post", "title of the newest post", "body of an old post",
                 "new newest post", "new old post", "a non-post file", "newest post moved back",
                 "newest post made a draft", "newest post loses its categories", "a post deleted"]
FULL_CASES = ["new dateless post", "new post with a taken id"]


@pytest.mark.parametrize("case", PARTIAL_CASES)
def test_a_few_changed_posts_are_read_alone_and_give_a_full_runs_bytes(site_root, run, tmp_path, case,
                                                                       index_loads, heads):
    change(site_root, case)
    heads.clear()
    result = build(run, site_root, "-v")
    assert PARTIAL in result.output
    assert index_loads == []
    # The changed file, and the posts that took the places it left (one per feed it was in, at most).
    assert len(set(heads)) <= 1 + len([p for p in outputs(site_root) if p.endswith(".xml")])
    expected, expected_warnings = full_build(run, site_root, tmp_path)
    assert outputs(site_root) == expected
    assert warnings(result.output) == expected_warnings
    # The partial run kept a record: with nothing changed since, nothing is read.
    age(site_root)
    build(run, site_root)
    heads.clear()
    assert "nothing changed" in build(run, site_root, "-v").output
    assert heads == []


@pytest.mark.parametrize("case", FULL_CASES)
def test_changes_the_details_cannot_answer_take_a_full_run(site_root, run, tmp_path, case, index_loads):
    change(site_root, case)
    result = build(run, site_root, "-v")
    loads = list(index_loads)
    expected, expected_warnings = full_build(run, site_root, tmp_path)
    assert outputs(site_root) == expected
    assert warnings(result.output) == expected_warnings
    assert PARTIAL not in result.output
    assert loads == ["index"]


def test_a_dateless_post_deleted_takes_a_full_run(site_root, run, tmp_path, index_loads):
    """first-seen.json must forget it, which only a full run writes."""
    change(site_root, "new dateless post")
    build(run, site_root)
    age(site_root)
    build(run, site_root)
    index_loads.clear()
    (site_root / "_posts" / "undated.md").unlink()
    result = build(run, site_root, "-v")
    assert index_loads == ["index"] and PARTIAL not in result.output
    assert "undated.md" not in (site_root / ".syndicate/first-seen.json").read_text(encoding="utf-8")
    expected, expected_warnings = full_build(run, site_root, tmp_path)
    assert outputs(site_root) == expected
    assert warnings(result.output) == expected_warnings


def test_a_feed_that_loses_more_posts_than_are_kept_takes_a_full_run(site_root, run, tmp_path, index_loads):
    """Each feed keeps partial.RESERVE posts beyond its last: deleting more than that leaves a gap."""
    from syndicate.incremental.partial import RESERVE

    for post in newest_posts(site_root, RESERVE + 1):
        post.unlink()
    result = build(run, site_root, "-v")
    assert index_loads == ["index"] and PARTIAL not in result.output
    expected, expected_warnings = full_build(run, site_root, tmp_path)
    assert outputs(site_root) == expected
    assert warnings(result.output) == expected_warnings


def test_a_broken_post_is_reported_by_a_full_run(site_root, run, tmp_path, index_loads):
    change(site_root, "a broken post")
    result = build(run, site_root, code=1)
    assert index_loads == ["index"]
    assert "invalid front matter" in result.output
    expected, _ = full_build(run, site_root, tmp_path, code=1)
    assert outputs(site_root) == expected


def test_only_the_feeds_whose_posts_changed_are_written(site_root, run):
    change(site_root, "new old post")  # in no feed
    result = build(run, site_root, "-v")
    assert "rendered 0 of" in result.output
    assert "wrote" not in result.output
    change(site_root, "body of the newest post")
    result = build(run, site_root, "-v")
    written = [line for line in result.output.splitlines() if line.startswith("wrote ")]
    assert "wrote public/feed.xml" in written and "wrote public/atom.xml" in written
    assert len(written) < 20  # of some 120 feeds (60, and their JSON Feed twins)


@pytest.mark.slow
def test_edits_in_a_row_stay_equal_to_full_runs(site_root, run, tmp_path, index_loads):
    for number, post in enumerate(newest_posts(site_root, 25)[::3]):
        save(post, post.read_text(encoding="utf-8") + f"\nEdit {number}.\n")
        if number % 3 == 2:
            edit(post, front_matter_line(post, "title"), f"title: Retitled {number}")
        index_loads.clear()
        result = build(run, site_root, "-v")
        assert PARTIAL in result.output and index_loads == []
        expected, expected_warnings = full_build(run, site_root, tmp_path)
        assert outputs(site_root) == expected, number
        assert warnings(result.output) == expected_warnings


def test_a_scheduled_post_comes_due_without_a_full_run(site_root, run, tmp_path, index_loads, heads):
    save(site_root / "_posts" / "2026-11-24-tomorrow.md",
         "---\ntitle: Tomorrow 내일\ndate: 2026-11-24 07:00:00 +0900\ncategories: [서울]\n---\nScheduled.\n")
    build(run, site_root)
    age(site_root)
    build(run, site_root)  # settles the record
    assert "Tomorrow" not in (site_root / "public/feed.xml").read_text(encoding="utf-8")
    index_loads.clear()
    heads.clear()
    later = "2026-11-24T08:00:00+09:00"
    result = build(run, site_root, "-v", now=later)
    assert PARTIAL in result.output and index_loads == []
    assert heads == []  # the record keeps scheduled posts as Posts: only the body is read, to render it
    assert "Tomorrow 내일" in (site_root / "public/feed.xml").read_text(encoding="utf-8")
    expected, _ = full_build(run, site_root, tmp_path, now=later)
    assert outputs(site_root) == expected


def test_damaged_details_mean_a_full_run(site_root, run, tmp_path, index_loads):
    for name in ("last-run-posts.json", "last-run-files.txt"):
        (site_root / ".syndicate" / name).write_bytes(b'{"format": 1, "run": "')
        change(site_root, "body of the newest post")
        index_loads.clear()
        build(run, site_root)
        assert index_loads == ["index"]
        expected, _ = full_build(run, site_root, tmp_path)
        assert outputs(site_root) == expected


def test_publish_takes_the_partial_path_when_no_digest_is_due(site_root, run, index_loads):
    config = site_root / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[digest.schedule]\nweekday = "mon"\ntime = "08:00"\n', encoding="utf-8")
    assert run("publish", "--site", site_root, "--now", NOW).exit_code == 0
    age(site_root)
    assert run("publish", "--site", site_root, "--now", NOW).exit_code == 0
    assert "nothing changed" in run("publish", "--site", site_root, "--now", NOW, "-v").output
    change(site_root, "body of the newest post")
    index_loads.clear()
    result = run("publish", "--site", site_root, "--now", NOW, "-v")
    assert result.exit_code == 0, result.output
    assert PARTIAL in result.output and index_loads == []
    assert "wrote public/feed.xml" in result.output


@pytest.mark.parametrize("case", ["newest post moved back", "newest post made a draft", "a post deleted"])
def test_the_post_after_a_feeds_last_takes_a_freed_place(site_root, run, tmp_path, case):
    """With only the main feeds, the ninth newest post is in no feed: the details do not have it."""
    config = site_root / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("categories = true\ntags = true", "categories = false"),
                      encoding="utf-8")
    build(run, site_root)
    age(site_root)
    build(run, site_root)
    ninth = newest_posts(site_root, 9)[0]
    title = front_matter_line(ninth, "title").split(":", 1)[1].strip().strip("'\"")
    assert title not in (site_root / "public/feed.xml").read_text(encoding="utf-8")
    change(site_root, case)
    build(run, site_root)
    expected, _ = full_build(run, site_root, tmp_path)
    main_feeds = ("feed.xml", "atom.xml")  # the category feeds of before are left as they were
    assert {name: outputs(site_root)[name] for name in main_feeds} == {name: expected[name] for name in main_feeds}
    assert title in (site_root / "public/feed.xml").read_text(encoding="utf-8")


# --- small sites: cases a review found ---------------------------------------

SMALL = "[feed]\nlimit = 5\ncategories = false\n"


@pytest.fixture
def small(make_site, run):
    """A small site, and a way to settle it at a moment."""

    def make(posts: dict[str, str], now: str = "2026-11-20T09:00:00+09:00") -> Path:
        root = make_site(posts, config=BASIC_CONFIG + SMALL)
        age(root)
        build(run, root, now=now)
        build(run, root, now=now)
        age(root)
        build(run, root, now=now)
        return root

    return make


def test_a_dateless_post_drafted_and_published_again_is_dated_anew(small, run, tmp_path):
    """first-seen.json forgets a post while it is a draft; a partial run must not keep its old date."""
    root = small({"posts/2026-11-01-dated.md": "---\ntitle: Dated\n---\nx\n",
                  "posts/nodate.md": "---\ntitle: Nodate\n---\nbody\n"})
    save(root / "posts/nodate.md", "---\ntitle: Nodate\ndraft: true\n---\nbody\n")
    build(run, root, now="2026-11-21T09:00:00+09:00")
    assert "nodate.md" not in (root / ".syndicate/first-seen.json").read_text(encoding="utf-8")
    save(root / "posts/nodate.md", "---\ntitle: Nodate\n---\nbody\n")
    result = build(run, root, now="2026-11-24T09:00:00+09:00")
    assert "dated 2026-11-24T09:00:00+09:00, when first seen" in result.output
    expected, _ = full_build(run, root, tmp_path, now="2026-11-24T09:00:00+09:00")
    assert outputs(root) == expected


def test_a_fixed_id_collision_gives_the_other_post_its_own_id_back(small, run, tmp_path):
    root = small({"posts/2026-11-01-a.md": "---\ntitle: A\nid: tag:example.com,2026:same\n---\na\n",
                  "posts/2026-11-02-b.md": "---\ntitle: B\nid: tag:example.com,2026:same\n---\nb\n"})
    assert "same#" in (root / "public/atom.xml").read_text(encoding="utf-8")
    save(root / "posts/2026-11-01-a.md", "---\ntitle: A\nid: tag:example.com,2026:a\n---\na\n")
    build(run, root, now="2026-11-21T09:00:00+09:00")
    assert "same#" not in (root / "public/atom.xml").read_text(encoding="utf-8")
    expected, _ = full_build(run, root, tmp_path, now="2026-11-21T09:00:00+09:00")
    assert outputs(root) == expected


def test_a_dateless_drafts_warning_does_not_go_stale(small, run):
    root = small({"posts/2026-11-01-a.md": "---\ntitle: A\n---\na\n",
                  "posts/idea.md": "---\ntitle: Idea\ndraft: true\n---\nwip\n"})
    for now in ("2026-11-25T09:00:00+09:00", "2026-11-26T09:00:00+09:00"):
        save(root / "posts/2026-11-01-a.md", f"---\ntitle: A {now[:10]}\n---\na\n")
        result = build(run, root, now=now)
        assert "posts/idea.md: warning: no date in front matter or file name; a draft, so it is dated when " \
               "it is first published" in result.output


def test_a_partial_run_lists_the_feeds_in_a_full_runs_order(site_root, run, tmp_path):
    newest = newest_posts(site_root, 1)[0]
    save(newest, newest.read_text(encoding="utf-8"))  # touched: its feeds are rendered, and come out the same
    lines = build(run, site_root, "-v").output.splitlines()
    assert any(PARTIAL in line for line in lines)
    copy = tmp_path / "copy"
    shutil.copytree(site_root, copy, ignore=shutil.ignore_patterns(".syndicate"))  # the feeds, not the record
    order = [line.split(" ", 1)[1] for line in build(run, copy, "-v").output.splitlines()
             if line.startswith("unchanged ")]  # the copy has every feed already: all unchanged
    for kind in ("wrote ", "unchanged "):
        listed = [line.split(" ", 1)[1] for line in lines if line.startswith(kind)]
        assert listed == [path for path in order if path in listed]


# --- the digest of a settled site reads its window's posts alone --------------

WINDOW = "read only the"


def digest(run, root: Path, *flags: str, now: str = NOW):
    result = run("digest", "--site", root, "--now", now, "--week", gen_posts.DIGEST_WEEK, *flags)
    assert result.exit_code == 0, result.output
    return result


def full_digest(run, root: Path, tmp_path: Path) -> tuple[dict[str, bytes], list[str]]:
    """The digest a full read of the site gives: a copy with no record of any run but first-seen.json."""
    copy = tmp_path / "full-digest"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("public", "*.json*"))
    if (root / ".syndicate/first-seen.json").exists():
        shutil.copy2(root / ".syndicate/first-seen.json", copy / ".syndicate/first-seen.json")
    result = digest(run, copy, "-v")
    assert WINDOW not in result.output
    return digests(copy), warnings(result.output)


def digests(root: Path) -> dict[str, bytes]:
    return {name: data for name, data in outputs(root).items() if name.startswith("digest/")}


def test_the_digest_of_a_settled_site_reads_its_window_alone(site_root, run, tmp_path, index_loads, heads):
    (site_root / "_posts" / "notes.txt").write_text("not a post\n", encoding="utf-8")  # a warning to repeat
    age(site_root)
    build(run, site_root)
    heads.clear()
    index_loads.clear()
    result = digest(run, site_root, "-v")
    assert f"{WINDOW} 50 post(s) dated in {gen_posts.DIGEST_WEEK}" in result.output
    assert index_loads == []
    assert len(heads) == 50  # the week's posts, and no other
    expected, expected_warnings = full_digest(run, site_root, tmp_path)
    assert digests(site_root) == expected
    assert warnings(result.output) == expected_warnings
    assert any("notes.txt: warning: skipped: not a post" in line for line in expected_warnings)


@pytest.mark.parametrize("case", ["body of the newest post", "new post with a taken id", "a broken post"])
def test_a_digest_after_a_change_reads_every_post(site_root, run, tmp_path, index_loads, case):
    change(site_root, case)
    result = run("digest", "--site", site_root, "--now", NOW, "--week", gen_posts.DIGEST_WEEK, "-v")
    assert WINDOW not in result.output
    assert index_loads == ["index"]
    copy = tmp_path / "copy"
    shutil.copytree(site_root, copy, ignore=shutil.ignore_patterns("public", "*.json*"))
    expected = run("digest", "--site", copy, "--now", NOW, "--week", gen_posts.DIGEST_WEEK)
    assert (result.exit_code, warnings(result.output)) == (expected.exit_code, warnings(expected.output))
    assert digests(site_root) == digests(copy)


def test_a_digest_needs_the_details_to_describe_the_posts(site_root, run, tmp_path, index_loads):
    """A post whose stat did not change but whose date did (mtime set back) is not trusted to the details."""
    newest = newest_posts(site_root, 1)[0]
    before = newest.stat()
    edit(newest, front_matter_line(newest, "date"), "date: 2019-01-01 10:00:00 +0900")
    os.utime(newest, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = digest(run, site_root, "-v")
    assert index_loads == ["index"]  # ctime changed: the scan sees it
    assert WINDOW not in result.output
    assert digests(site_root) == full_digest(run, site_root, tmp_path)[0]


def test_a_feeds_cut_never_moves_down(make_site, run, tmp_path, monkeypatch):
    """A post kept for another feed, below this feed's cut, must not lower the cut:
    the posts between were never kept, and a later gap would be filled past them."""
    import syndicate.incremental.partial

    monkeypatch.setattr(syndicate.incremental.partial, "RESERVE", 1)  # each feed keeps 2 + 1 posts
    posts = {f"posts/2026-11-0{day}-p{day}.md": f"---\ntitle: P{day}\ncategories: [f]\n---\nx\n" for day in range(1, 5)}
    posts["posts/2026-10-01-old.md"] = "---\ntitle: Old\ncategories: [f, g]\n---\nkept for g\n"
    root = make_site(posts, config=BASIC_CONFIG + "[feed]\nlimit = 2\ncategories = true\n")
    age(root)
    build(run, root, now=NOW)
    build(run, root, now=NOW)
    for day in (4, 3):  # the newest, then the next: the second gap reaches below the cut
        (root / f"posts/2026-11-0{day}-p{day}.md").unlink()
        build(run, root, now=NOW)
        expected, _ = full_build(run, root, tmp_path)
        assert {name: outputs(root)[name] for name in expected} == expected
    assert "P2" in (root / "public/feeds/category/f.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["build", "publish"])
@pytest.mark.parametrize("partial", [True, False])
def test_a_feed_no_post_is_in_any_more_is_removed(make_site, run, command, partial):
    """Its last post deleted (a takedown, say): the category's feed must not go on serving it."""
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: Taken down\ncategories: [x]\n---\na\n",
                      "posts/2026-11-02-b.md": "---\ntitle: Stays\ncategories: [y]\n---\nb\n"},
                     config=BASIC_CONFIG + "[feed]\ncategories = true\n")
    age(root)
    build(run, root)
    build(run, root)
    mine = root / "public/feeds/category/notes.txt"
    mine.write_text("not a feed\n", encoding="utf-8")
    (root / "posts/2026-11-01-a.md").unlink()
    if not partial:
        (root / ".syndicate/last-run.json").unlink()
    result = run(command, "--site", root, "--now", NOW, "-v")
    assert result.exit_code == 0, result.output
    assert (PARTIAL in result.output) == partial
    assert "removed public/feeds/category/x.xml: no post is in this feed any more" in result.output.splitlines()
    assert not (root / "public/feeds/category/x.xml").exists()
    assert (root / "public/feeds/category/y.xml").exists() and mine.exists()
    assert "Taken down" not in (root / "public/feed.xml").read_text(encoding="utf-8")
    assert "nothing changed" in build(run, root, "-v").output


HISTORY_POSTS = {f"posts/{day}-p.md": f"---\ntitle: Post {day}\n---\nBody of {day}.\n"
                 for day in ("2026-07-03", "2026-09-03", "2026-10-01", "2026-10-20")}
HISTORY_CASES = {
    # An old post in a month with none: no feed's posts but the new archive's change; its neighbours relink.
    "old post in an empty month": ("archives = true", "posts/2026-08-01-new.md", "---\ntitle: August\n---\nx\n"),
    "old post edited": ("archives = true", "posts/2026-09-03-p.md", "---\ntitle: September, edited\n---\ny\n"),
    "a month's only post deleted": ("archives = true", "posts/2026-07-03-p.md", None),
    "newest post in a new month": ("archives = true", "posts/2026-11-22-p.md", "---\ntitle: Newest\n---\nz\n"),
    # The main feed's posts stay; whether it holds every post changes.
    "a post added below a complete feed": ("limit = 4", "posts/2026-01-01-old.md", "---\ntitle: Old\n---\nx\n"),
    "a post deleted below the feed's last": ("limit = 3", "posts/2026-07-03-p.md", None),
    # Per-post routing (tests/test_routing.py): the feeds a post leaves or enters.
    "a post taken out of the feeds": ("limit = 3\narchives = true", "posts/2026-10-20-p.md",
                                      "---\ntitle: Gone\nsyndicate: {feeds: false}\n---\nx\n"),
    "a post flagged for an extra feed": ('limit = 3\n[[feed.extra]]\npath = "n.xml"\nflags = ["n"]',
                                         "posts/2026-07-03-p.md", "---\ntitle: Old news\nsyndicate: {flags: [n]}\n---\nx\n"),
}


@pytest.mark.parametrize("case", HISTORY_CASES)
def test_feed_history_and_routing_after_a_partial_run_are_a_full_runs(make_site, run, tmp_path, case):
    """RFC 5005's archives, their links and fh:complete (tests/test_history.py), and the feeds
    a post is routed to, as a full run writes them."""
    option, name, text = HISTORY_CASES[case]
    config = BASIC_CONFIG + "[feed]\nlimit = 2\n" + option + "\n"
    if option.startswith("limit"):
        config = BASIC_CONFIG + "[feed]\n" + option + "\n"
    root = make_site(HISTORY_POSTS, config=config)
    age(root)
    build(run, root)
    build(run, root)
    age(root)
    build(run, root)
    assert "nothing changed" in build(run, root, "-v").output
    if text is None:
        (root / name).unlink()
    else:
        save(root / name, text)
    result = build(run, root, "-v")
    assert PARTIAL in result.output
    expected, _ = full_build(run, root, tmp_path)
    assert outputs(root) == expected


def test_a_feed_that_seems_to_hold_every_post_below_its_cut_takes_a_full_run(make_site, run, tmp_path):
    """The details keep a feed's first posts only: that it holds every post is known to a full run alone."""
    posts = {f"posts/2026-10-{day:02}-p.md": f"---\ntitle: Post {day}\n---\nx\n" for day in range(1, 15)}
    root = make_site(posts, config=BASIC_CONFIG + "[feed]\nlimit = 2\n")
    age(root)
    build(run, root)
    build(run, root)
    age(root)
    build(run, root)
    for day in range(5, 15):  # the newest ten of the twelve kept (limit 2 + RESERVE 10)
        (root / f"posts/2026-10-{day:02}-p.md").unlink()
    result = build(run, root, "-v")
    assert PARTIAL not in result.output
    expected, _ = full_build(run, root, tmp_path)
    assert outputs(root) == expected
    assert b"fh:complete" not in expected["feed.xml"]
