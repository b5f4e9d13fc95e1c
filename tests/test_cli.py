"""The syndicate command: exit codes and exact output, in-process and as a real program."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from syndicate import __version__
from syndicate.cli import Run, cli
from tests.conftest import NOW, copy_example_site, parse_feed

EXAMPLE_WRITTEN = """\
wrote public/feed.xml
wrote public/atom.xml
wrote public/feed.json
wrote public/feeds/category/announcements.xml
wrote public/feeds/category/announcements.json
wrote public/feeds/category/guides.xml
wrote public/feeds/category/guides.json
wrote public/feeds/category/news.xml
wrote public/feeds/category/news.json
wrote public/feeds/category/notes.xml
wrote public/feeds/category/notes.json
wrote public/feeds/tag/feeds.xml
wrote public/feeds/tag/feeds.json
wrote public/feeds/tag/meta.xml
wrote public/feeds/tag/meta.json
wrote public/feeds/tag/toml.xml
wrote public/feeds/tag/toml.json
wrote public/feeds/tag/서울.xml
wrote public/feeds/tag/서울.json
wrote public/feeds/tag/스타트업.xml
wrote public/feeds/tag/스타트업.json
"""
UNDATED_WARNING = ("posts/korean-markdown-notes.md: warning: no date in front matter or file name; "
                   "dated 2026-11-25T09:00:00+09:00, when first seen\n")


# --- build ---------------------------------------------------------------------------


def test_build_prints_what_it_wrote(example_site, run):
    result = run("build", "--site", example_site, "--now", NOW)
    assert result.exit_code == 0
    assert result.stdout == EXAMPLE_WRITTEN
    assert result.stderr == UNDATED_WARNING


def test_build_quiet_prints_nothing_but_errors(example_site, run):
    result = run("build", "--site", example_site, "--now", NOW, "-q")
    assert (result.exit_code, result.output) == (0, "")
    (example_site / "posts" / "broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = run("build", "--site", example_site, "--now", NOW, "--quiet")
    assert result.exit_code == 1
    assert result.stdout == ""
    # YAML meets the closing line (3) while still looking for the list's content.
    assert result.stderr == ("posts/broken.md:3: invalid front matter: did not find expected node content\n"
                             "failed: 1 problem(s)\n")


def test_build_verbose_prints_unchanged_files(example_site, run):
    run("build", "--site", example_site, "--now", NOW)
    result = run("build", "--site", example_site, "--now", NOW, "-v")
    assert result.exit_code == 0
    unchanged = [line for line in result.stdout.splitlines() if line.startswith("unchanged ")]
    assert unchanged == [line.replace("wrote", "unchanged") for line in EXAMPLE_WRITTEN.splitlines()]


def test_build_strict_fails_on_warnings(example_site, run):
    result = run("build", "--site", example_site, "--now", NOW, "--strict")
    assert result.exit_code == 1
    assert result.stderr == UNDATED_WARNING + "failed: 1 problem(s)\n"


def test_build_out_writes_elsewhere(example_site, tmp_path, run):
    out = tmp_path / "www"
    result = run("build", "--site", example_site, "--now", NOW, "--out", out, "-q")
    assert result.exit_code == 0
    assert not (example_site / "public").exists()
    assert parse_feed(out / "feed.xml").bozo == 0
    assert (out / "feeds" / "tag" / "서울.xml").is_file()


def test_build_runs_in_the_current_folder_by_default(example_site, run, monkeypatch):
    monkeypatch.chdir(example_site)
    result = run("build", "--now", NOW)
    assert result.exit_code == 0
    assert result.stdout == EXAMPLE_WRITTEN


def test_bad_now_is_an_error(example_site, run):
    result = run("build", "--site", example_site, "--now", "next week")
    assert result.exit_code == 1
    assert result.stderr == ("--now is not a date: 'next week' "
                             "(use ISO 8601, e.g. 2026-11-25T08:00:00+09:00)\n")
    assert not (example_site / "public").exists()


def test_naive_now_is_in_the_site_time_zone(example_site, run):
    run("build", "--site", example_site, "--now", "2026-11-25T09:00:00")
    assert (example_site / ".syndicate" / "first-seen.json").read_text(encoding="utf-8") == (
        '{\n  "posts/korean-markdown-notes.md": "2026-11-25T09:00:00+09:00"\n}\n')


def test_the_real_clock_dates_in_whole_seconds(make_site, run):
    import re

    root = make_site({"posts/undated.md": "---\ntitle: Undated\n---\nx\n"})
    assert run("build", "--site", root, "-q").exit_code == 0  # no --now: today, whatever it is
    stored = (root / ".syndicate" / "first-seen.json").read_text(encoding="utf-8")
    assert re.fullmatch(r'\{\n  "posts/undated.md": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00"\n\}\n', stored), stored


def test_missing_site_folder_is_a_usage_error(tmp_path, run):
    result = run("build", "--site", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.stderr == (f"no syndicate.toml, _config.yml or hugo.toml (config.toml, config/_default/) "
                             f"in {(tmp_path / 'nowhere').resolve()}\n")


def test_usage_errors_exit_2(run):
    result = run("build", "--no-such-option")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: No such option '--no-such-option'.\n")
    assert run("no-such-command").exit_code == 2


# --- check -------------------------------------------------------------------------------


def test_check_a_clean_site(make_site, run):
    root = make_site({"posts/2026-11-01-a.md": "---\ntitle: A\n---\nx\n"})
    result = run("check", "--site", root, "--now", NOW)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "no problems found\n", "")


def test_check_with_warnings_only(example_site, run):
    result = run("check", "--site", example_site, "--now", NOW)
    assert result.exit_code == 0
    assert result.stdout == "no errors found\n"
    assert result.stderr == UNDATED_WARNING
    assert run("check", "--site", example_site, "--now", NOW, "--strict").exit_code == 1


def test_check_prints_every_problem_and_writes_nothing(example_site, run):
    (example_site / "posts" / "a.md").write_text("---\ntitle: A\ndate: soon\n---\n", encoding="utf-8")
    (example_site / "posts" / "b.md").write_bytes(b"---\ntitle: B\n---\n\xff\n")
    result = run("check", "--site", example_site, "--now", NOW)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "posts/a.md:3: 'date' is not a date: \"soon\"\n"
        "posts/b.md:4: not UTF-8 text (byte 0xff); save the file as UTF-8\n"
        + UNDATED_WARNING
        + "failed: 2 problem(s)\n")
    assert sorted(p.name for p in example_site.iterdir()) == ["assets", "posts", "syndicate.toml"]


def test_check_warns_about_each_image_without_alt_text_at_its_line(make_site, run):
    root = make_site({"posts/2026-11-01-a.md": (
        "---\ntitle: A\n---\nText.\n\n![](/img/chart.png)\n\n![a described chart](/img/ok.png)\n\n"
        "<p><img src='/img/%EC%84%9C%EC%9A%B8.png'></p>\n<img src='/img/chart.png' alt=''>\n")})
    result = run("check", "--site", root, "--now", NOW)
    assert result.exit_code == 0 and result.stdout == "no errors found\n"
    advice = "with images off, readers see nothing or its file name; describe it, e.g. ![a chart of sales](chart.png)"
    assert result.stderr == "".join(f"posts/2026-11-01-a.md:{line}: warning: an image has no alt text ({name}): {advice}\n"
                                    for line, name in ((6, "chart.png"), (10, "서울.png"), (11, "chart.png")))


# --- new ---------------------------------------------------------------------------------


def test_new_writes_a_post_that_builds(make_site, run):
    root = make_site()
    result = run("new", "서울 소식: 첫 주", "--site", root, "--now", NOW)
    assert (result.exit_code, result.output) == (0, "created posts/2026-11-25-서울-소식-첫-주.md\n")
    text = (root / "posts" / "2026-11-25-서울-소식-첫-주.md").read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "서울 소식: 첫 주"\ndate: 2026-11-25 09:00:00 +0900\n')

    assert run("build", "--site", root, "--now", NOW).exit_code == 0
    [entry] = parse_feed(root / "public" / "atom.xml").entries
    assert entry.title == "서울 소식: 첫 주"


def test_new_in_a_jekyll_site_writes_to_posts(tmp_path, run):
    (tmp_path / "_config.yml").write_text("title: Blog\nurl: https://blog.example.com\ntimezone: Asia/Seoul\n",
                                          encoding="utf-8")
    result = run("new", "Hello Jekyll", "--site", tmp_path, "--now", NOW)
    assert (result.exit_code, result.output) == (0, "created _posts/2026-11-25-hello-jekyll.md\n")
    assert run("build", "--site", tmp_path, "--now", NOW).exit_code == 0
    [entry] = parse_feed(tmp_path / "public" / "feed.xml").entries
    assert entry.link == "https://blog.example.com/2026/11/25/hello-jekyll.html"


def test_new_refuses_to_overwrite(make_site, run):
    root = make_site()
    run("new", "Hello", "--site", root, "--now", NOW)
    path = root / "posts" / "2026-11-25-hello.md"
    path.write_text("my words", encoding="utf-8")
    result = run("new", "Hello", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "posts/2026-11-25-hello.md: already exists; not overwritten\n"
    assert path.read_text(encoding="utf-8") == "my words"


def test_new_quiet(make_site, run):
    root = make_site()
    result = run("new", "Quiet one", "--site", root, "--now", NOW, "-q")
    assert (result.exit_code, result.output) == (0, "")
    assert (root / "posts" / "2026-11-25-quiet-one.md").is_file()


def test_new_needs_a_title(make_site, run):
    result = run("new", "--site", make_site())
    assert result.exit_code == 2
    assert "Missing argument 'TITLE'" in result.stderr


# --- version and help -------------------------------------------------------------------------


def test_version(run):
    result = run("--version")
    assert (result.exit_code, result.output) == (0, f"syndicate, version {__version__}\n")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_help_on_every_command(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: syndicate {command} [OPTIONS]")
    for option in ("--site DIRECTORY", "--out DIRECTORY", "--now ISO", "-q, --quiet", "-v, --verbose",
                   "--strict", "-h, --help"):
        assert option in result.output, (command, option)
    assert run(command, "-h").output == result.output


def test_progress_bar_only_on_a_terminal():
    files = [Path(f"posts/{n}.md") for n in range(1000)]
    # Under pytest stderr is not a terminal, as under cron: the list comes back as is.
    assert Run(quiet=False, verbose=False, strict=False).progress(files) is files


# --- the real program ------------------------------------------------------------------------


def console_script() -> Path:
    """The installed ``syndicate`` script of the Python running the tests."""
    folder = Path(sys.executable).parent
    script = folder / ("syndicate.exe" if os.name == "nt" else "syndicate")
    assert script.is_file(), f"syndicate is not installed next to {sys.executable}"
    return script


@pytest.mark.slow
def test_installed_console_script_from_an_unrelated_folder(tmp_path):
    site = copy_example_site(tmp_path / "blog")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([str(console_script()), "build", "--site", str(site), "--now", NOW],
                            cwd=elsewhere, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXAMPLE_WRITTEN
    assert result.stderr == UNDATED_WARNING
    assert list(elsewhere.iterdir()) == []
    for name in ("feed.xml", "atom.xml"):
        feed = parse_feed(site / "public" / name)
        assert feed.bozo == 0 and len(feed.entries) == 4

    # A broken post: one line, exit 1, the rest still published.
    (site / "posts" / "broken.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    result = subprocess.run([str(console_script()), "build", "-q", "--now", NOW],
                            cwd=site, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ("posts/broken.md:3: binary file, not a text post (it contains NUL bytes)\n"
                             "failed: 1 problem(s)\n")
    assert len(parse_feed(site / "public" / "feed.xml").entries) == 4


def test_python_dash_m_syndicate(tmp_path):
    result = subprocess.run([sys.executable, "-m", "syndicate", "--version"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, f"syndicate, version {__version__}\n")
    result = subprocess.run([sys.executable, "-m", "syndicate", "check", "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: syndicate check [OPTIONS]")
    # The script ends the process itself (cli.main): click's usage error keeps its status and its message.
    result = subprocess.run([sys.executable, "-m", "syndicate", "build", "--no-such-option"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.endswith("Error: No such option '--no-such-option'.\n")


@pytest.mark.skipif(os.name == "nt", reason="closes a descriptor before exec")
def test_the_console_script_runs_with_its_output_closed(tmp_path):
    """cron with ``>&-``: Python starts with no sys.stdout, and the script's own exit must not trip on it."""
    result = subprocess.run([sys.executable, "-m", "syndicate", "--version"], cwd=tmp_path,
                            preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")


def test_exit_status_as_sys_exit_gives_it(capsys):
    from syndicate.cli import _exit_status

    assert [_exit_status(code) for code in (None, 0, 1, 2)] == [0, 0, 1, 2]
    assert _exit_status("stopped") == 1
    assert capsys.readouterr().err == "stopped\n"


@pytest.mark.skipif(os.name == "nt", reason="needs a POSIX pseudo-terminal")
@pytest.mark.slow
def test_progress_bar_on_a_terminal_for_many_posts(make_site):
    import pty
    import select

    root = make_site({f"posts/2026-11-01-p{n}.md": f"---\ntitle: P{n}\n---\nx\n" for n in range(320)})
    leader, follower = pty.openpty()
    process = subprocess.Popen([str(console_script()), "check", "--now", NOW], cwd=root,
                               stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    stdout, _ = process.communicate(timeout=120)
    terminal = b""
    # The process has ended: what it wrote is there, or on its way. Reading
    # stops at the end of it (an error, or nothing, once the terminal is closed).
    while select.select([leader], [], [], 60)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end is closed: all read
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    assert (process.returncode, stdout) == (0, b"no problems found\n")
    assert b"Reading posts" in terminal and b"100%" in terminal
