"""Each digest exactly once, though the mail server, the disk or the clock misbehave (issue 15, items 1 to 6).

Deliveries are counted at a real SMTP server on 127.0.0.1 (tests/smtp_sink.py)
that answers QUIT with 421 or 500, drops the connection once it has the
message, or says nothing to QUIT while the test kills the run.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from tests.conftest import BASIC_CONFIG, REPO, write_files
from tests.smtp_sink import DROP, STALL, Sink, digest_config, running

DUE = "2026-11-23T09:00:00Z"  # Monday 18:00 in Seoul: the digest of 2026-W47 is due
POSTS = {"posts/2026-11-18-news.md": "---\ntitle: Wednesday news\n---\nBody.\n"}


def config(port: int, timeout: int = 5) -> str:
    return BASIC_CONFIG + digest_config(port, timeout=timeout)


@pytest.fixture
def sink():
    found = Sink()
    with running(found) as port:
        found.port = port
        yield found


@pytest.fixture
def site(tmp_path, sink) -> Path:
    root = tmp_path / "site"
    write_files(root, {"syndicate.toml": config(sink.port), **POSTS})
    return root


def publish(root: Path, now: str = DUE, *args: str):
    """``syndicate publish`` in-process, with stdout and stderr apart."""
    return CliRunner().invoke(cli, ["publish", "--site", str(root), "--now", now, *args],
                              prog_name="syndicate", catch_exceptions=False)


def errors(result) -> list[str]:
    """The error lines on stderr, without the closing count."""
    return [line for line in result.stderr.splitlines() if not line.startswith("failed: ")]


def digests(root: Path) -> dict[str, dict]:
    return {d["period"]: d for d in json.loads((root / ".syndicate/state.json").read_text())["digests"]}


def eml(root: Path, period: str = "2026-W47") -> email.message.EmailMessage:
    return email.message_from_bytes((root / f"public/digest/{period}.eml").read_bytes(),
                                    policy=email.policy.default)


def later(minutes: int) -> str:
    return f"2026-11-23T09:{minutes:02d}:00Z"


# --- 1. QUIT's answer does not matter --------------------------------------------------


@pytest.mark.parametrize("reply", ["421 4.3.2 Shutting down", "500 5.5.1 What?"])
def test_a_quit_answered_with_an_error_sends_one_digest(site, sink, reply):
    sink.quit_reply = reply
    first = publish(site)
    assert len(sink.messages) == 1
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[-1] == "sent digest 2026-W47 (1 post) to list@example.com"
    for minutes in (5, 10):
        assert publish(site, later(minutes)).exit_code == 0
    assert len(sink.messages) == 1
    assert sink.messages[0]["Message-ID"] == eml(site)["Message-ID"]
    assert digests(site)["2026-W47"]["status"] == "sent"


def test_a_connection_dropped_after_the_message_is_not_retried_in_the_run(site, sink):
    sink.data_replies = [DROP]
    first = publish(site)
    assert len(sink.messages) == 1  # one copy, not one per retry
    assert first.exit_code == 1
    assert errors(first) == [
        f"digest 2026-W47 may have been sent: 127.0.0.1:{sink.port} took the whole message but its answer "
        "never came (Connection unexpectedly closed); not sent again in this run; the next run sends it again"]
    assert digests(site)["2026-W47"]["status"] == "sending"
    # The one window README states: the next run cannot know, and sends it again, once.
    assert publish(site, later(5)).exit_code == 0
    assert publish(site, later(10)).exit_code == 0
    assert [m["Message-ID"] for m in sink.messages] == [eml(site)["Message-ID"]] * 2
    assert digests(site)["2026-W47"]["status"] == "sent"


def test_a_server_that_never_answers_the_message_gets_it_twice_at_most(site, sink):
    sink.data_replies = [DROP] * 10
    assert publish(site).exit_code == 1
    second = publish(site, later(5))
    assert second.exit_code == 1
    assert errors(second) == [
        f"digest 2026-W47 may have been sent: 127.0.0.1:{sink.port} took the whole message but its answer never "
        "came (Connection unexpectedly closed); 2 times now, so it counts as sent; if the list did not get it, "
        "`syndicate digest --week 2026-W47 --send --force` sends it again"]
    for minutes in (10, 15):
        assert publish(site, later(minutes)).exit_code == 0
    assert len(sink.messages) == 2
    assert digests(site)["2026-W47"]["status"] == "sent" and digests(site)["2026-W47"]["unanswered"] == 2
    sink.data_replies = []
    by_hand = CliRunner().invoke(cli, ["digest", "--site", str(site), "--now", later(25), "--week", "2026-W47",
                                       "--send", "--force"], prog_name="syndicate", catch_exceptions=False)
    assert by_hand.exit_code == 0, by_hand.output
    assert len(sink.messages) == 3 and digests(site)["2026-W47"]["status"] == "sent"
    assert publish(site, later(30)).exit_code == 0 and len(sink.messages) == 3


# --- 2. recorded at the 250, before QUIT ------------------------------------------------


@pytest.mark.slow
def test_a_run_killed_waiting_for_quit_has_recorded_the_digest(site, sink):
    (site / "syndicate.toml").write_text(config(sink.port, timeout=120), encoding="utf-8")
    sink.quit_reply = STALL
    child = subprocess.Popen([sys.executable, "-m", "syndicate", "publish", "--site", str(site), "--now", DUE],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        assert sink.quit_seen.wait(120), "the run never said QUIT"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        child.kill()
        child.wait()
    sink.quit_reply = "221 Bye"
    sink.release.set()
    assert digests(site)["2026-W47"]["status"] == "sent"
    assert not (site / ".syndicate/state.json.if-sent").exists()
    for minutes in (5, 10):
        again = publish(site, later(minutes))
        assert again.exit_code == 0 and again.stdout == "", again.output
    assert len(sink.messages) == 1


# --- 3. a full disk under the state folder ----------------------------------------------


@pytest.fixture
def small_state_folder(site):
    """``.syndicate`` on a 64 KiB tmpfs, filled to one free page (the lock file already there)."""
    folder = site / ".syndicate"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root, as .ci/run has): {mounted.stderr.strip()}")
    try:
        (folder / "lock").write_bytes(b" " * 99 + b"\n")
        page = os.statvfs(folder).f_frsize
        (folder / "filler").write_bytes(b"x" * (os.statvfs(folder).f_bavail - 1) * page)
        assert os.statvfs(folder).f_bavail == 1
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.mark.slow
def test_a_full_state_folder_stops_sending_instead_of_sending_every_run(site, sink, small_state_folder):
    for minutes in (0, 5, 10, 15):
        result = publish(site, later(minutes))
        assert sink.messages == []
        assert result.exit_code == 1
        assert any(line.startswith("digest 2026-W47 not sent, as it could not be recorded as sent: cannot "
                                   "write ") and line.endswith("the disk is full; the previous file is left "
                                                               "as it was") for line in errors(result)), result.stderr
    assert digests(site)["2026-W47"]["status"] == "sending"
    (small_state_folder / "filler").unlink()  # the disk has room again
    result = publish(site, later(20))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "sent digest 2026-W47 (1 post) to list@example.com"
    assert publish(site, later(25)).stdout == ""
    assert len(sink.messages) == 1 and digests(site)["2026-W47"]["status"] == "sent"


# --- 4. the clock ------------------------------------------------------------------------


def test_one_run_with_the_clock_ahead_does_not_stop_later_digests(site, sink):
    ahead = publish(site, "2030-03-04T09:00:00Z")  # a machine that booted before NTP set its clock
    assert ahead.exit_code == 0, ahead.output
    assert digests(site)["2030-W09"]["status"] == "empty"
    for week in range(5):
        monday = date(2026, 11, 23) + timedelta(weeks=week)
        if week:  # a post on the Wednesday before
            wednesday = monday - timedelta(days=5)
            write_files(site, {f"posts/{wednesday}-week-{week}.md": f"---\ntitle: Week {week}\n---\nx\n"})
        result = publish(site, f"{monday}T09:00:00Z")
        assert errors(result) == [
            f".syndicate/state.json: the clock ({monday}T18:00:00+09:00) is behind the run that recorded digest "
            "2030-W09 at 2030-03-04T18:00:00+09:00: check this machine's clock; this run went on by it"]
        assert result.exit_code == 1
        assert result.stdout.splitlines()[-1].startswith("sent digest "), result.output
    assert len(sink.messages) == 5 == len(set(sink.periods()))
    texts = [m.get_body(("plain",)).get_content() for m in sink.messages]
    assert "Wednesday news" in texts[0]
    assert all(f"Week {week}" in texts[week] for week in range(1, 5))


def test_the_clock_gone_back_past_a_recorded_run_says_so_and_sends_nothing_twice(site, sink):
    assert publish(site).exit_code == 0
    back = publish(site, "2026-11-23T08:30:00Z")  # an hour before the run that sent W47, same week due
    assert back.exit_code == 1
    assert errors(back) == [
        ".syndicate/state.json: the clock (2026-11-23T17:30:00+09:00) is behind the run that recorded digest "
        "2026-W47 at 2026-11-23T18:00:00+09:00: check this machine's clock; this run went on by it"]
    assert len(sink.messages) == 1
    assert publish(site, later(5)).exit_code == 0  # the clock right again: quiet


# --- 5. the files first -------------------------------------------------------------------


def test_a_digest_whose_files_cannot_be_written_is_not_sent(site, sink):
    (site / "public/digest/2026-W47.eml").mkdir(parents=True)  # in the way of the file
    result = publish(site)
    assert sink.messages == []
    assert result.exit_code == 1
    assert "digest 2026-W47: its files could not be written, so it is neither recorded nor sent; the next run " \
           "tries again" in errors(result)
    assert not (site / ".syndicate/state.json").exists() or "2026-W47" not in digests(site)
    (site / "public/digest/2026-W47.eml").rmdir()
    assert publish(site, later(5)).exit_code == 0
    assert len(sink.messages) == 1
    assert sink.messages[0]["Message-ID"] == eml(site)["Message-ID"]
    html = (site / "public/digest/2026-W47.html").read_text(encoding="utf-8")
    assert "Wednesday news" in html


# --- 6. links in the state folder ----------------------------------------------------------


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(site, sink, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    (site / ".syndicate").mkdir()
    (site / ".syndicate/lock").symlink_to(precious)
    result = subprocess.run([sys.executable, "-m", "syndicate", "publish", "--site", str(site), "--now", DUE],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (".syndicate/lock: is a symbolic link; syndicate follows no links "
                                             "in its state folder: remove it (the next run makes the file afresh)")
    assert not (site / "public").exists() and sink.messages == []


@pytest.mark.parametrize("name", ["state.json", "posts-index.json"])
def test_any_link_in_the_state_folder_is_refused(site, sink, tmp_path, name):
    outside = tmp_path / "outside.json"
    outside.write_text('{"digests": []}\n', encoding="utf-8")
    (site / ".syndicate").mkdir()
    (site / ".syndicate" / name).symlink_to(outside)
    result = publish(site)
    assert result.exit_code == 1
    assert errors(result) == [f".syndicate/{name}: is a symbolic link; syndicate follows no links in its state "
                              "folder: remove it (the next run makes the file afresh)"]
    assert outside.read_text(encoding="utf-8") == '{"digests": []}\n'
    assert sink.messages == []


def test_a_lock_file_with_other_names_is_refused(site, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    (site / ".syndicate").mkdir()
    os.link(precious, site / ".syndicate/lock")
    result = publish(site)
    assert result.exit_code == 1
    assert errors(result) == [".syndicate/lock: has other names (hard links); remove it (the next run makes it "
                              "afresh)"]
    assert precious.read_text(encoding="utf-8") == "keep me\n"


def test_the_lock_file_is_never_truncated(site):
    (site / ".syndicate").mkdir()
    lock = site / ".syndicate/lock"
    lock.write_bytes(b" " * 99 + b"\n" + b"written by someone else\n")
    assert publish(site).exit_code == 0
    assert lock.read_bytes() == b" " * 99 + b"\n" + b"written by someone else\n"
