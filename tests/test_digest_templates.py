"""The digest templates: site overrides first, and the defaults inside a wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from syndicate.render.jinja import default_templates_dir
from tests.conftest import NOW, REPO

POST = "---\ntitle: One\ndate: 2026-11-17 10:00:00\n---\nBody.\n"


def test_a_site_template_overrides_the_default_by_name(make_site, run):
    root = make_site({"posts/a.md": POST, "templates/digest.txt.j2": "{% for post in posts %}{{ post.title }}\n{% endfor %}"})
    assert run("digest", "--site", root, "--now", NOW, "-q").exit_code == 0
    assert (root / "public/digest/2026-W47.txt").read_text("utf-8") == "One\n"
    assert "<html" in (root / "public/digest/2026-W47.html").read_text("utf-8")  # still the default


def test_template_mistakes_name_the_file_and_line(make_site, run):
    root = make_site({"posts/a.md": POST, "templates/digest.txt.j2": "{{ site.title }}\n{{ post.nope }}\n"})
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.output == "templates/digest.txt.j2:2: template error: 'post' is undefined\n"
    root = make_site({"posts/a.md": POST, "templates/digest.txt.j2": "{% for post in posts %}\n"})
    result = run("digest", "--site", root, "--now", NOW)
    assert result.output.startswith("templates/digest.txt.j2:1: template error: Unexpected end of template.")
    assert not (root / "public" / "digest").exists()


def test_a_bad_subject_template_names_the_setting(make_site, run):
    from tests.conftest import BASIC_CONFIG

    root = make_site({"posts/a.md": POST}, config=BASIC_CONFIG + '[digest]\nsubject = "{{ site.title "\n')
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.output.startswith("syndicate.toml: digest.subject: ")


def test_in_the_repository_the_defaults_are_the_top_level_templates():
    assert default_templates_dir() == REPO / "templates"


@pytest.mark.slow
def test_the_wheel_carries_the_templates_and_finds_them(tmp_path):
    # Building offline needs the build backend at hand (it is in the dev venv).
    pytest.importorskip("build")
    pytest.importorskip("hatchling")
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
                             str(REPO)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("syndicate-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert {"syndicate/templates/digest.html.j2", "syndicate/templates/digest.txt.j2"} <= set(names)
        archive.extractall(tmp_path / "installed")
    found = subprocess.run([sys.executable, "-c", "from syndicate.render.jinja import default_templates_dir as d; print(d())"],
                           cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "installed")},
                           capture_output=True, text=True, check=True)
    assert found.stdout.strip() == str(tmp_path / "installed" / "syndicate" / "templates")
