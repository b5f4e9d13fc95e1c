"""Golden files: whole sites built with a fixed clock, compared byte for byte.

Each folder in tests/cases/ is a site (``syndicate.toml`` or a Jekyll
``_config.yml``, and its posts) with ``expected/``, the output folder as it must
come out of ``syndicate build --now 2026-11-25T09:00:00+09:00``. The ``example``
case has no site of its own: it is the repository's example site (posts/).

After a deliberate change to the output, regenerate and review the diff:

    python3 -m pytest tests/test_golden.py --update-golden && git diff tests/cases
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import NOW, copy_example_site, parse_feed

CASES = Path(__file__).parent / "cases"


def site_of_case(case: Path, target: Path) -> Path:
    """A copy of the case's site in ``target``, without its expected outputs."""
    if case.name == "example":
        return copy_example_site(target)
    shutil.copytree(case, target, ignore=shutil.ignore_patterns("expected"))
    return target


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: relative path → bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_golden(case, tmp_path, run, update_golden):
    site = site_of_case(CASES / case, tmp_path / case)
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    built = tree(site / "public")
    expected_dir = CASES / case / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for name, data in built.items():
            (expected_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / name).write_bytes(data)
    expected = tree(expected_dir)
    assert sorted(built) == sorted(expected)
    for name in expected:
        # Compared as text first, so a failure shows a readable diff.
        assert built[name].decode("utf-8") == expected[name].decode("utf-8"), name
        assert built[name] == expected[name], name
    for name in built:
        if name.endswith(".xml"):
            assert parse_feed(site / "public" / name).bozo == 0, name


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_second_build_writes_nothing(case, tmp_path, run):
    site = site_of_case(CASES / case, tmp_path / case)
    run("build", "--site", site, "--now", NOW)
    files = [p for p in (site / "public").rglob("*") if p.is_file()]
    state = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    again = run("build", "--site", site, "--now", NOW)
    assert again.exit_code == 0
    assert "wrote" not in again.stdout
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == state
    # No file appears or vanishes either.
    assert sorted(p for p in (site / "public").rglob("*") if p.is_file()) == sorted(files)

