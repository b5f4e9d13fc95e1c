"""A kept body that names another post ({% post_url %}, {{< ref >}}) follows that post's URL.

Bodies are kept (the posts index, the last run's details) while their own
file and the site's inputs are unchanged. A body that links to another post
by its file holds that post's URL too: when only the other post's URL
changes (its permalink or slug edited), the next run, partial or full, must
write what a clean build writes, not the old link.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from tests.conftest import age, parse_feed

NOW = "2026-11-25T09:00:00+09:00"

SITES = {
    "jekyll": {
        "files": {
            "_config.yml": "title: Links\nurl: https://example.org\n",
            "_posts/2026-11-01-target.md": "---\ntitle: Target\n---\nThe post linked to.\n",
            "_posts/2026-11-02-linker.md": "---\ntitle: Linker\n---\nSee [the target]({% post_url 2026-11-01-target %}).\n",
        },
        "edit": ("_posts/2026-11-01-target.md", "title: Target\n", "title: Target\npermalink: /moved/\n"),
        "feed": "feed.xml",
        "old": "https://example.org/2026/11/01/target.html",
        "new": "https://example.org/moved/",
    },
    "hugo": {
        "files": {
            "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "Links"\n',
            "content/posts/target.md": "---\ntitle: Target\ndate: 2026-11-01\n---\nThe post linked to.\n",
            "content/posts/linker.md": '---\ntitle: Linker\ndate: 2026-11-02\n---\nSee [the target]({{< ref "target" >}}).\n',
        },
        "edit": ("content/posts/target.md", "title: Target\n", "title: Target\nslug: moved\n"),
        "feed": "index.xml",
        "old": "https://example.org/posts/target/",
        "new": "https://example.org/posts/moved/",
    },
}


def build(site: Path, *flags: str) -> str:
    result = CliRunner().invoke(cli, ["build", "--site", str(site), "--now", NOW, *flags])
    assert result.exit_code == 0, result.output
    return result.output


def linker_links(public: Path, feed: str) -> str:
    [entry] = [entry for entry in parse_feed(public / feed).entries if entry.title == "Linker"]
    return entry.get("content", [{}])[0].get("value") or entry.summary


@pytest.mark.parametrize("run", ["partial", "full"])
@pytest.mark.parametrize("generator", SITES)
def test_a_body_follows_the_url_of_the_post_it_names(tmp_path, generator, run):
    case = SITES[generator]
    site = tmp_path / "site"
    for name, text in case["files"].items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    build(site)
    build(site)  # fills the posts index, bodies and all
    age(site)
    build(site)
    assert "nothing changed" in build(site, "-v")
    assert case["old"] in linker_links(site / "public", case["feed"])

    name, old, new = case["edit"]
    path = site / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    if run == "full":
        (site / ".syndicate" / "last-run.json").unlink()  # no record: a full run, bodies from the posts index
    output = build(site, "-v")
    assert ("post file(s) changed since the last run" in output) == (run == "partial")

    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("public", ".syndicate"))
    build(clean)
    assert case["new"] in linker_links(site / "public", case["feed"])
    assert case["old"] not in linker_links(site / "public", case["feed"])
    for feed in sorted(p.relative_to(clean / "public") for p in (clean / "public").rglob("*") if p.is_file()):
        assert (site / "public" / feed).read_bytes() == (clean / "public" / feed).read_bytes(), feed
