"""Golden digests: whole sites' digests with a fixed clock, compared byte for byte.

Each folder in tests/digest_golden/ is a site with ``expected/``, the digest
folder as ``syndicate digest --now 2026-11-25T09:00:00+09:00`` must write it;
``example`` is the repository's example site. After a deliberate change:

    python3 -m pytest tests/test_digest_golden.py --update-golden && git diff tests/digest_golden
"""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path

import pytest

from tests.conftest import NOW, copy_example_site

CASES = Path(__file__).parent / "digest_golden"


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("case", ["example", "korean-full"])
def test_digest_golden(case, tmp_path, run, update_golden):
    if case == "example":
        site = copy_example_site(tmp_path / case)
    else:
        site = tmp_path / case
        shutil.copytree(CASES / case, site, ignore=shutil.ignore_patterns("expected"))
    result = run("digest", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    built = files(site / "public" / "digest")
    expected_dir = CASES / case / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        expected_dir.mkdir(parents=True)
        for name, data in built.items():
            (expected_dir / name).write_bytes(data)
    expected = files(expected_dir)
    assert sorted(built) == sorted(expected) == sorted(
        [f"{stem}.{kind}" for stem in ("2026-W47", "latest") for kind in ("eml", "html", "txt")]
        + ["feed.xml", "index.html"])
    for name in expected:
        if not name.endswith(".eml"):
            assert built[name].decode("utf-8") == expected[name].decode("utf-8"), name
        assert built[name] == expected[name], name
    # What the golden files must hold, asserted so a regenerated file can't freeze a mistake.
    message = email.message_from_bytes(built["2026-W47.eml"], policy=email.policy.default)
    text = built["2026-W47.txt"].decode("utf-8")
    assert str(message["Subject"]).endswith(" — 2026년 11월 16일~22일")
    assert "서울 스타트업 소식: 11월 셋째 주\n2026년 11월 16일" in text
    assert "https://news.example.com/news/2026/11/16/seoul-startup-roundup.html" in text
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
