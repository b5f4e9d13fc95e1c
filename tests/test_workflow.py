"""docs/github-pages-workflow.yml: the workflow README offers, parsed, and its syndicate steps run as written.

GitHub's runner is not here; the steps that are syndicate's own are run on a
Jekyll fixture site whose _site Jekyll built, as the workflow's first steps do.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, parse_feed
from tests.test_jekyll import SITES, jekyll_build

WORKFLOW = REPO / "docs" / "github-pages-workflow.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["build"]["steps"]


def test_it_runs_on_a_schedule_on_push_and_by_hand(workflow):
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads "on" as true
    assert triggers["schedule"][0]["cron"].split()[1] == "*"  # hourly
    assert "push" in triggers and "workflow_dispatch" in triggers
    assert workflow["concurrency"]["cancel-in-progress"] is False  # never stop a run that is sending
    assert workflow["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}


def test_syndicate_runs_after_jekyll_and_before_the_upload(workflow):
    names = [step.get("uses") or step.get("run") for step in steps(workflow)]
    jekyll = names.index("bundle exec jekyll build")
    upload = next(i for i, name in enumerate(names) if name.startswith("actions/upload-pages-artifact"))
    ours = [i for i, name in enumerate(names) if name.startswith("syndicate ")]
    assert ours and jekyll < min(ours) and max(ours) < upload
    assert steps(workflow)[upload]["with"]["path"] == "_site"


def test_what_it_commits_back_is_what_syndicate_must_remember(workflow):
    keep = next(step["run"] for step in steps(workflow) if step.get("name") == "Keep what syndicate remembers")
    assert ".syndicate/state.json" in keep and ".syndicate/first-seen.json" in keep
    assert "posts-index" not in keep and "last-run" not in keep  # caches are not committed


@pytest.mark.slow
def test_its_syndicate_steps_run_on_a_jekyll_site(workflow, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal-mistakes", site)
    jekyll_build(site, site / "_site")  # "bundle exec jekyll build"
    jekyll_feed = parse_feed(site / "_site" / "feed.xml")
    for step in steps(workflow):
        command = step.get("run", "")
        if not command.startswith("syndicate "):
            continue
        args = shlex.split(command)[1:]
        done = subprocess.run([sys.executable, "-m", "syndicate", *args, "--now", "2026-11-25T09:00:00+09:00"],
                              cwd=site, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    ours = parse_feed(site / "_site" / "feed.xml")
    assert ours.feed.get("generator") != jekyll_feed.feed.get("generator")  # written over by syndicate
    assert [e.id for e in ours.entries] == [e.id for e in jekyll_feed.entries]
    assert (site / "_site" / "feed.rss.xml").is_file()
    assert not (site / "public").exists()  # --out _site: nothing elsewhere
