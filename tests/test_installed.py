"""A plain (non-editable) install finds its default templates from any folder.

CI installs the project with ``pip install '.[test]'``, which is such an
install, so there these tests prove what a user's ``pip install .`` gets. In
an editable development install the package reads the templates from the
checkout instead, which test_digest_templates.py covers.
"""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest

from tests.conftest import NOW, copy_example_site


def _editable() -> bool:
    info = json.loads(distribution("syndicate").read_text("direct_url.json") or "{}")
    return bool(info.get("dir_info", {}).get("editable"))


def test_a_plain_install_carries_the_default_templates():
    if _editable():
        pytest.skip("editable install: the templates come from the checkout")
    files = {str(f).replace("\\", "/") for f in distribution("syndicate").files}
    assert {"syndicate/templates/digest.html.j2", "syndicate/templates/digest.txt.j2",
            "syndicate/templates/feeds.html.j2", "syndicate/templates/feeds-head.html.j2"} <= files


@pytest.mark.slow
def test_the_installed_command_renders_a_digest_from_an_unrelated_folder(tmp_path):
    site = copy_example_site(tmp_path / "blog")
    assert not (site / "templates").exists()  # only the package's defaults can serve
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = Path(sys.executable).parent / "syndicate"
    result = subprocess.run([str(script), "digest", "--site", str(site), "--week", "2026-W47", "--now", NOW],
                            cwd=elsewhere, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    message = email.message_from_bytes((site / "public" / "digest" / "2026-W47.eml").read_bytes(),
                                       policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    assert "서울 스타트업 소식" in html and "<table" in html
    assert list(elsewhere.iterdir()) == []
