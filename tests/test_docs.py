"""README and the program must not drift apart."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from syndicate.cli import cli
from syndicate.sources.config import SCHEMA
from tests.conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of one ``## title`` section of README."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.MULTILINE | re.DOTALL)
    assert found, f"README has no '## {title}' section"
    return found.group(1)


def shell_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"^```sh\n(.*?)^```", text, re.MULTILINE | re.DOTALL)]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_readme(name):
    command = cli.commands[name]
    assert command.help and command.help.strip(), f"syndicate {name} has no help text"
    assert command.get_short_help_str().strip()
    assert f"syndicate {name}" in README, f"README does not mention `syndicate {name}`"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_has_help(name):
    for param in cli.commands[name].params:
        if param.param_type_name == "option":
            assert param.help, f"syndicate {name} {param.opts[0]} has no help text"


def test_readme_documents_the_options_every_command_takes():
    commands = list(cli.commands.values())
    common = set.intersection(*({p.name for p in command.params} for command in commands))
    assert {"site_dir", "out_dir", "now", "quiet", "verbose", "strict"} <= common
    for param in commands[0].params:
        if param.name in common:
            assert any(f"`{opt}" in README for opt in param.opts), f"README does not mention {param.opts}"
    assert "`--help`" in README


def test_readme_documents_every_site_and_feed_key():
    for key, rule in SCHEMA.items():
        if not isinstance(rule, dict):
            assert f"`{key}`" in README, key
    for key in SCHEMA["feed"]:
        assert f"`feed.{key}`" in README, key


def test_quick_start_is_two_complete_commands():
    blocks = shell_blocks(section("Quick start"))
    assert len(blocks) == 2, blocks
    install, test = blocks
    assert "\n" not in install and "\n" not in test
    assert re.fullmatch(r"python3 -m pip install \. && syndicate build && syndicate digest --week \d{4}-W\d\d",
                        install), install
    assert "pip install '.[test]'" in test and "-m pytest" in test


def test_the_quick_start_leaves_feeds_and_a_digest_to_open(example_site):
    """The first command's syndicate steps, as README gives them, on the example site (no --now: as a newcomer runs them)."""
    from click.testing import CliRunner

    install = shell_blocks(section("Quick start"))[0]
    for step in install.split(" && ")[1:]:
        words = step.split()
        assert words[0] == "syndicate"
        result = CliRunner().invoke(cli, [*words[1:2], "--site", str(example_site), *words[2:]])
        assert result.exit_code == 0, result.output
    public = example_site / "public"
    assert (public / "feed.xml").is_file() and (public / "atom.xml").is_file()
    page = (public / "digest" / "latest.html").read_text(encoding="utf-8")
    assert "서울" in page and (public / "digest" / "latest.eml").is_file()


def test_ci_runs_the_readme_test_command():
    """.ci/run extracts its command from README with awk; run that very extraction."""
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    found = re.search(r"^command=\$\((awk .*)\)$", script, re.MULTILINE)
    assert found, ".ci/run no longer extracts its command with awk"
    extracted = subprocess.run(["bash", "-c", found.group(1)], cwd=REPO, capture_output=True, text=True,
                               check=True, timeout=30).stdout.strip()
    assert extracted == shell_blocks(section("Quick start"))[1]
    assert 'eval "$command"' in script


def test_test_extras_hold_what_the_tests_import():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = " ".join(project["optional-dependencies"]["test"])
    for package in ("pytest", "feedparser"):
        assert package in extras
    assert project["scripts"] == {"syndicate": "syndicate.cli:main"}
