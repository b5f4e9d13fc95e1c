"""Shared fixtures: a site in a temporary folder, written from a dict of files.

Tests marked ``slow`` (subprocesses, installed commands, kill -9) run by default, as in CI; ``-m "not slow"`` skips them.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

import syndicate.sources.posts
from syndicate.cli import cli

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-25T09:00:00+09:00"

# Hypothesis would fail an example that takes over 200 ms, or data that is
# slow to draw: on a machine shared with other jobs, that is the machine.
settings.register_profile("shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared-machine")


def age(root: Path, moment: float | None = None) -> None:
    """Date every file under ``root`` back (an hour, or to ``moment``), as files saved before the last run are."""
    moment = time.time() - 3600 if moment is None else moment
    for path in root.rglob("*"):
        os.utime(path, (moment, moment))

BASIC_CONFIG = """\
title = "Test Site"
url = "https://example.com/blog/"
description = "A site for tests."
language = "en"
timezone = "Asia/Seoul"
author = { name = "Tess Ter", email = "tess@example.com" }
"""


def pytest_addoption(parser):
    """``pytest --update-golden`` rewrites tests/cases/*/expected from today's output."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite the golden files in tests/cases/*/expected instead of comparing.")


@pytest.fixture
def update_golden(request) -> bool:
    """Whether this run rewrites golden files (``--update-golden``)."""
    return request.config.getoption("--update-golden")


def copy_example_site(target: Path) -> Path:
    """A copy of the repository's example site (config, posts, assets) at ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "posts", target / "posts")
    shutil.copytree(REPO / "assets", target / "assets")
    shutil.copy(REPO / "syndicate.toml", target)
    return target


@pytest.fixture
def example_site(tmp_path) -> Path:
    """A fresh copy of the example site in posts/, never built."""
    return copy_example_site(tmp_path / "example")


def parse_feed(path: Path):
    """A feed file as feedparser reads it, without feedparser's own repairs.

    Sanitising would drop data-* attributes and resolving would make relative
    URLs absolute, hiding exactly what the tests look for.
    """
    import io

    import feedparser

    # A stream, never a string: feedparser may take a string for a URL.
    return feedparser.parse(io.BytesIO(path.read_bytes()), sanitize_html=False, resolve_relative_uris=False)


def entry_titles(path: Path) -> list[str]:
    """The titles of a feed file's entries, in order; the feed must parse cleanly."""
    feed = parse_feed(path)
    assert feed.bozo == 0, feed.bozo_exception
    return [entry.title for entry in feed.entries]


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` (relative path → text or bytes) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def make_site(tmp_path):
    """Build a site folder: ``make_site({"posts/a.md": "..."}, config=...)``."""

    def make(files: dict[str, str | bytes] | None = None, config: str = BASIC_CONFIG) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        write_files(root, {"syndicate.toml": config, **(files or {})})
        (root / "posts").mkdir(exist_ok=True)
        return root

    return make


@pytest.fixture
def run():
    """Invoke the CLI in-process: ``run("build", "--site", path)``."""

    def invoke(*args: str):
        return CliRunner().invoke(cli, [str(a) for a in args], prog_name="syndicate", catch_exceptions=False)

    return invoke


@pytest.fixture
def heads(monkeypatch) -> list[str]:
    """Each post whose front matter is read, by name."""
    names: list[str] = []
    real = syndicate.sources.posts.read_post_head
    monkeypatch.setattr(syndicate.sources.posts, "read_post_head",
                        lambda path, name, *within: names.append(name) or real(path, name, *within))
    return names
