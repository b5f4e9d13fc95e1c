"""Shared fixtures: a site in a temporary folder, written from a dict of files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndicate.cli import cli

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-25T09:00:00+09:00"

BASIC_CONFIG = """\
title = "Test Site"
url = "https://example.com/blog/"
description = "A site for tests."
language = "en"
timezone = "Asia/Seoul"
author = { name = "Tess Ter", email = "tess@example.com" }
"""


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
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke
