"""syndicate publish: feeds every run, the digest once per period, by real SMTP on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import smtplib
import ssl
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from aiosmtpd.controller import Controller

import syndicate.write.smtp
import syndicate.write.state
from syndicate.sources.config import load_site
from syndicate.sources.posts import parse_date
from syndicate.commands.publish import due_window, publish, scheduled_moment
from tests.conftest import BASIC_CONFIG, age
from tests.smtp_sink import digest_config, free_port

# Monday 2026-11-23 08:00 in Seoul is the scheduled moment; the digest due
# then covers ISO week 2026-W47 (Mon 16 to Sun 22 November).
DUE = "2026-11-23T08:00:00+09:00"
WEEK_POSTS = {
    "posts/2026-11-16-monday.md": "---\ntitle: Monday news\nexcerpt: The week begins.\n---\nBody one.\n",
    "posts/2026-11-19-thursday.md": "---\ntitle: 목요일 소식\nexcerpt: 한국어 요약.\n---\n본문.\n",
    "posts/2026-11-22-sunday.md": ("---\ntitle: Sunday late\ndate: 2026-11-22 23:30:00 +0900\n"
                                  "excerpt: Just in.\n---\nBody.\n"),
    # The week before: never in this digest.
    "posts/2026-11-10-older.md": "---\ntitle: Older\n---\nOld.\n",
}


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and can answer with scripted codes."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.replies: list[str] = []  # answers to DATA, used first to last, then "250 OK"
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.replies:
            reply = self.replies.pop(0)
            if not reply.startswith("250"):
                return reply
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1, on a free port, for the length of one test."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    try:
        yield mailbox
    finally:
        controller.stop()


def config(port: int, send: bool = True, extra: str = "") -> str:
    return BASIC_CONFIG + digest_config(port, send=send) + extra


@pytest.fixture
def digest_site(make_site, smtp_server):
    """A site whose digest goes to the test's SMTP server."""
    return make_site(WEEK_POSTS, config=config(smtp_server.port))


def at(site, text: str):
    return parse_date(text, site.timezone)


def run_publish(root: Path, now: str, **kwargs):
    site = load_site(root)
    return publish(site, at(site, now), sleep=kwargs.pop("sleep", lambda seconds: None), **kwargs)


def state(root: Path) -> dict:
    return {d["period"]: d for d in json.loads((root / ".syndicate/state.json").read_text())["digests"]}


def mtimes(*folders: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for folder in folders for p in folder.rglob("*")
            if p.is_file() and p.name != "lock"}


# --- the schedule -------------------------------------------------------------------


@pytest.mark.parametrize("now, moment, period", [
    ("2026-11-23T08:00:00+09:00", "2026-11-23T08:00:00+09:00", "2026-W47"),
    ("2026-11-23T07:59:59+09:00", "2026-11-16T08:00:00+09:00", "2026-W46"),
    ("2026-11-29T23:00:00+09:00", "2026-11-23T08:00:00+09:00", "2026-W47"),
    ("2026-11-22T23:00:00Z", "2026-11-23T08:00:00+09:00", "2026-W47"),  # Monday morning in Seoul
])
def test_due_moment_and_week(make_site, now, moment, period):
    site = load_site(make_site(config=config(25)))
    found = scheduled_moment(site.digest.schedule, at(site, now), site)
    assert found == at(site, moment)
    window = due_window(site, found)
    assert window.period == period
    assert (window.end - window.start).days == 7 and window.start.weekday() == 0


def test_friday_schedule_covers_the_current_week(make_site):
    site = load_site(make_site(config=config(25).replace('weekday = "mon"', 'weekday = "fri"')
                               .replace('"08:00"', '"17:00"')))
    moment = scheduled_moment(site.digest.schedule, at(site, "2026-11-28T10:00:00+09:00"), site)
    assert moment == at(site, "2026-11-27T17:00:00+09:00")
    assert due_window(site, moment).period == "2026-W48"


# --- sending exactly once -----------------------------------------------------------


def test_five_runs_in_the_due_window_send_one_digest(digest_site, smtp_server):
    outputs = []
    for minute in ("00", "05", "10", "15", "20"):
        outcome = run_publish(digest_site, f"2026-11-23T08:{minute}:00+09:00")
        assert not outcome.errors
        outputs.append(outcome.events)
    assert len(smtp_server.messages) == 1
    assert outputs[0] == ["sent digest 2026-W47 (3 posts) to list@example.com"]
    assert outputs[1:] == [[]] * 4
    message = smtp_server.messages[0]
    assert smtp_server.envelopes == [("tess@example.com", ["list@example.com"])]
    assert message["Message-ID"] == state(digest_site)["2026-W47"]["message_id"]
    text = message.get_body(("plain",)).get_content()
    assert "Monday news" in text and "목요일 소식" in text and "Sunday late" in text and "Older" not in text
    record = state(digest_site)["2026-W47"]
    assert record["status"] == "sent" and record["sent_to"] == "list@example.com"
    assert len(record["posts"]) == 3


def test_not_due_before_the_scheduled_time(digest_site, smtp_server):
    # At 07:59 the due digest is still last week's (W46), which has "Older".
    outcome = run_publish(digest_site, "2026-11-23T07:59:00+09:00")
    assert outcome.events == ["sent digest 2026-W46 (1 post) to list@example.com"]
    assert "2026-W47" not in state(digest_site)
    run_publish(digest_site, "2026-11-23T08:00:00+09:00")
    assert [m["Message-ID"] for m in smtp_server.messages] == [
        state(digest_site)[period]["message_id"] for period in ("2026-W46", "2026-W47")]
    posts = [set(state(digest_site)[p]["posts"]) for p in ("2026-W46", "2026-W47")]
    assert len(posts[0]) == 1 and len(posts[1]) == 3 and not posts[0] & posts[1]


def test_temporary_failure_is_retried_then_sent_once(digest_site, smtp_server):
    smtp_server.replies = ["451 4.3.0 Try again later"]
    pauses: list[float] = []
    outcome = run_publish(digest_site, DUE, sleep=pauses.append)
    assert not outcome.errors
    assert smtp_server.attempts == 2 and len(smtp_server.messages) == 1
    assert pauses == [syndicate.write.smtp.RETRY_DELAYS[0]]
    run_publish(digest_site, "2026-11-23T08:05:00+09:00")
    assert len(smtp_server.messages) == 1


def test_lasting_temporary_failure_fails_the_run_and_the_next_run_sends(digest_site, smtp_server):
    smtp_server.replies = ["451 4.3.0 Try again later"] * 4
    pauses: list[float] = []
    outcome = run_publish(digest_site, DUE, sleep=pauses.append)
    assert pauses == list(syndicate.write.smtp.RETRY_DELAYS)
    assert [str(e) for e in outcome.errors] == [
        f"digest 2026-W47 not sent: 127.0.0.1:{smtp_server.port} failed 4 times, last: 451 4.3.0 Try again "
        "later; the next run tries again"]
    assert smtp_server.messages == [] and state(digest_site)["2026-W47"]["status"] == "sending"
    outcome = run_publish(digest_site, "2026-11-23T08:05:00+09:00")
    assert outcome.events == ["sent digest 2026-W47 (3 posts) to list@example.com"]
    assert len(smtp_server.messages) == 1


def test_permanent_failure_says_so_and_is_not_retried(digest_site, smtp_server):
    smtp_server.replies = ["554 5.7.1 Relaying denied"]
    pauses: list[float] = []
    outcome = run_publish(digest_site, DUE, sleep=pauses.append)
    assert pauses == [] and smtp_server.attempts == 1
    assert [str(e) for e in outcome.errors] == [
        f"digest 2026-W47 not sent: 127.0.0.1:{smtp_server.port} refused it permanently: 554 5.7.1 Relaying "
        "denied; check [smtp] and [email] in syndicate.toml"]
    assert state(digest_site)["2026-W47"]["status"] == "sending"


def test_connection_refused_is_temporary(make_site):
    root = make_site(WEEK_POSTS, config=config(free_port()))
    pauses: list[float] = []
    outcome = run_publish(root, DUE, sleep=pauses.append)
    assert len(pauses) == len(syndicate.write.smtp.RETRY_DELAYS)
    assert len(outcome.errors) == 1 and "connection refused; the next run tries again" in str(outcome.errors[0])
    assert (root / "public/feed.xml").is_file()  # the feeds went out all the same


class Crash(BaseException):
    """A run dying on the spot (kill -9, power cut), as far as the code can tell."""


def test_crash_between_render_and_send_sends_once(digest_site, smtp_server, monkeypatch):
    def crash(*args, **kwargs):
        raise Crash
    with monkeypatch.context() as patch:
        patch.setattr(syndicate.write.smtp, "send_message", crash)
        with pytest.raises(Crash):
            run_publish(digest_site, DUE)
    assert state(digest_site)["2026-W47"]["status"] == "sending"
    eml = digest_site / "public/digest/2026-W47.eml"
    written = eml.stat().st_mtime_ns
    # A late post arrives before the next run: the resumed digest keeps its posts.
    (digest_site / "posts/2026-11-21-late.md").write_text("---\ntitle: Late one\n---\nx\n", encoding="utf-8")
    for minute in ("05", "10", "15"):
        run_publish(digest_site, f"2026-11-23T08:{minute}:00+09:00")
    assert len(smtp_server.messages) == 1
    assert eml.stat().st_mtime_ns == written  # the same bytes were sent
    sent = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert smtp_server.messages[0]["Message-ID"] == sent["Message-ID"]
    assert "Late one" not in smtp_server.messages[0].get_body(("plain",)).get_content()


def test_crash_before_the_record_is_saved_sends_once(digest_site, smtp_server, monkeypatch):
    import syndicate.commands.publish

    def crash(*args, **kwargs):
        raise Crash
    with monkeypatch.context() as patch:
        patch.setattr(syndicate.commands.publish, "save_digest", crash)
        with pytest.raises(Crash):
            run_publish(digest_site, DUE)
    assert smtp_server.messages == []
    run_publish(digest_site, "2026-11-23T08:05:00+09:00")
    run_publish(digest_site, "2026-11-23T08:10:00+09:00")
    assert len(smtp_server.messages) == 1


def test_late_post_goes_into_the_next_digest(digest_site, smtp_server):
    run_publish(digest_site, DUE)
    # Written on Tuesday, dated in the week that was already sent.
    (digest_site / "posts/2026-11-20-late.md").write_text("---\ntitle: Late post\n---\nx\n", encoding="utf-8")
    (digest_site / "posts/2026-11-25-next.md").write_text("---\ntitle: Next week\n---\nx\n", encoding="utf-8")
    run_publish(digest_site, "2026-11-24T12:00:00+09:00")
    assert len(smtp_server.messages) == 1
    run_publish(digest_site, "2026-11-30T08:00:00+09:00")
    assert len(smtp_server.messages) == 2
    text = smtp_server.messages[1].get_body(("plain",)).get_content()
    assert "Late post" in text and "Next week" in text
    assert "Monday news" not in text  # already in W47's digest
    periods = state(digest_site)
    assert not set(periods["2026-W47"]["posts"]) & set(periods["2026-W48"]["posts"])


def test_without_catch_up_late_posts_stay_out(make_site, smtp_server):
    root = make_site(WEEK_POSTS, config=config(smtp_server.port).replace(
        "send = true", "send = true\ncatch_up = false"))
    run_publish(root, DUE)
    (root / "posts/2026-11-20-late.md").write_text("---\ntitle: Late post\n---\nx\n", encoding="utf-8")
    (root / "posts/2026-11-25-next.md").write_text("---\ntitle: Next week\n---\nx\n", encoding="utf-8")
    run_publish(root, "2026-11-30T08:00:00+09:00")
    text = smtp_server.messages[1].get_body(("plain",)).get_content()
    assert "Next week" in text and "Late post" not in text


def test_empty_week_sends_nothing_and_is_remembered(make_site, smtp_server):
    root = make_site({"posts/2026-11-10-older.md": "---\ntitle: Older\n---\nOld.\n"},
                     config=config(smtp_server.port))
    run_publish(root, "2026-11-16T08:00:00+09:00")  # W46: "Older"
    outcome = run_publish(root, DUE)  # W47: nothing new
    assert len(smtp_server.messages) == 1
    assert state(root)["2026-W47"]["status"] == "empty"
    assert not (root / "public/digest/2026-W47.html").exists()
    assert outcome.events == [] and outcome.written == []


def test_missed_week_is_caught_up(make_site, smtp_server):
    """The machine was off on the 16th: W46's post goes out with W47's digest."""
    root = make_site(WEEK_POSTS, config=config(smtp_server.port))
    run_publish(root, "2026-11-09T08:00:00+09:00")  # W45: empty, but now there is a record
    run_publish(root, DUE)
    assert len(smtp_server.messages) == 1
    assert "Older" in smtp_server.messages[0].get_body(("plain",)).get_content()
    assert len(state(root)["2026-W47"]["posts"]) == 4


def test_no_send_renders_and_records_without_connecting(make_site, smtp_server):
    root = make_site(WEEK_POSTS, config=config(smtp_server.port, send=False))
    outcome = run_publish(root, DUE)
    assert smtp_server.attempts == 0
    assert "public/digest/2026-W47.eml" in outcome.written
    assert state(root)["2026-W47"]["status"] == "rendered"
    # --send later does not send a period whose digest was rendered with sending off.
    run_publish(root, "2026-11-23T09:00:00+09:00", send=True)
    assert smtp_server.attempts == 0


def test_send_flag_overrides_config(make_site, smtp_server):
    root = make_site(WEEK_POSTS, config=config(smtp_server.port, send=False))
    run_publish(root, DUE, send=True)
    assert len(smtp_server.messages) == 1


def test_dry_run_writes_and_sends_nothing(digest_site, smtp_server, run):
    result = run("publish", "--site", digest_site, "--now", DUE, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would write public/feed.xml" in result.output
    assert "would send digest 2026-W47 (3 posts) to list@example.com" in result.output
    assert smtp_server.attempts == 0
    assert not (digest_site / "public").exists() and not (digest_site / ".syndicate").exists()


def test_password_comes_from_the_environment_only(make_site, smtp_server, monkeypatch):
    root = make_site(WEEK_POSTS, config=config(smtp_server.port).replace(
        "timeout = 5", 'timeout = 5\nusername = "tess"\npassword_env = "SYNDICATE_TEST_SMTP_PASSWORD"'))
    monkeypatch.delenv("SYNDICATE_TEST_SMTP_PASSWORD", raising=False)
    outcome = run_publish(root, DUE)
    assert [str(e) for e in outcome.errors] == [
        "syndicate.toml: digest 2026-W47 not sent: the environment variable SYNDICATE_TEST_SMTP_PASSWORD "
        "(smtp.password_env) is not set"]
    assert smtp_server.attempts == 0


# --- the command --------------------------------------------------------------------


def test_publish_is_silent_unless_something_changed(digest_site, smtp_server, run):
    first = run("publish", "--site", digest_site, "--now", DUE)
    assert first.exit_code == 0
    lines = first.output.splitlines()
    assert "wrote public/feed.xml" in lines and "wrote public/atom.xml" in lines
    assert lines[-1] == "sent digest 2026-W47 (3 posts) to list@example.com"
    second = run("publish", "--site", digest_site, "--now", "2026-11-23T08:05:00+09:00")
    assert second.exit_code == 0 and second.output == ""


def test_verbose_explains_every_decision(make_site, smtp_server, run):
    root = make_site({**WEEK_POSTS,
                      "posts/2026-12-01-later.md": "---\ntitle: Later\n---\nx\n",
                      "posts/2026-11-18-draft.md": "---\ntitle: Draft\ndraft: true\n---\nx\n"},
                     config=config(smtp_server.port))
    run("publish", "--site", root, "--now", DUE)
    (root / ".syndicate/last-run.json").unlink()  # a full run, which reads every post
    result = run("publish", "--site", root, "--now", "2026-11-24T10:00:00+09:00", "-v")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "posts/2026-12-01-later.md: scheduled for 2026-12-01T00:00:00+09:00; left out until then" in lines
    assert "posts/2026-11-18-draft.md: draft or published: false; left out" in lines
    assert "unchanged public/feed.xml" in lines
    assert any(line.startswith("digest 2026-W47: sent at 2026-11-23T08:00:00+09:00 to list@example.com "
                               "(3 posts); the next is due Mon 2026-11-30 08:00 +0900") for line in lines)


def test_broken_post_fails_the_run_but_not_the_others(make_site, smtp_server, run):
    root = make_site({**WEEK_POSTS, "posts/2026-11-20-broken.md": "---\ntitle: [oops\n---\nx\n"},
                     config=config(smtp_server.port))
    result = run("publish", "--site", root, "--now", DUE)
    assert result.exit_code == 1
    assert "posts/2026-11-20-broken.md:" in result.output
    assert len(smtp_server.messages) == 1
    titles = [e.title for e in feedparser.parse((root / "public/feed.xml").read_bytes()).entries]
    assert "Monday news" in titles


def test_corrupt_state_is_an_error_not_a_fresh_start(digest_site, smtp_server, run):
    run("publish", "--site", digest_site, "--now", DUE)
    (digest_site / ".syndicate/state.json").write_text("{\"digests\": [", encoding="utf-8")
    result = run("publish", "--site", digest_site, "--now", "2026-11-23T08:05:00+09:00")
    assert result.exit_code == 1
    assert result.output.startswith(".syndicate/state.json: corrupt (")
    assert len(smtp_server.messages) == 1


def test_resend_on_purpose(digest_site, smtp_server, run):
    run("publish", "--site", digest_site, "--now", DUE)
    refused = run("digest", "--site", digest_site, "--now", "2026-11-24T10:00:00+09:00",
                  "--week", "2026-W47", "--send")
    assert refused.exit_code == 1
    assert "digest 2026-W47 was sent at 2026-11-23T08:00:00+09:00 to list@example.com; add --force" \
        in refused.output
    forced = run("digest", "--site", digest_site, "--now", "2026-11-24T10:00:00+09:00",
                 "--week", "2026-W47", "--send", "--force")
    assert forced.exit_code == 0, forced.output
    assert "sent digest 2026-W47 (3 posts) to list@example.com" in forced.output
    assert len(smtp_server.messages) == 2
    assert state(digest_site)["2026-W47"]["sent_at"] == "2026-11-24T10:00:00+09:00"
    # publish does not send it a third time.
    run("publish", "--site", digest_site, "--now", "2026-11-24T10:05:00+09:00")
    assert len(smtp_server.messages) == 2


def test_digest_send_by_hand_is_recorded_for_publish(digest_site, smtp_server, run):
    result = run("digest", "--site", digest_site, "--now", "2026-11-23T07:00:00+09:00",
                 "--week", "2026-W47", "--send")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "sent digest 2026-W47 (3 posts) to list@example.com"
    outcome = run_publish(digest_site, DUE)
    assert outcome.events == [] and len(smtp_server.messages) == 1


def test_force_needs_send(digest_site, run):
    result = CliRunnerResult = run("digest", "--site", digest_site, "--week", "2026-W47", "--force")
    assert CliRunnerResult.exit_code == 2 and "--force only applies with --send" in result.output


# --- scheduled posts and idempotence -------------------------------------------------


def test_scheduled_post_appears_on_the_first_run_after_its_date(make_site, run):
    root = make_site({"posts/2026-11-20-now.md": "---\ntitle: Already out\n---\nx\n",
                      "posts/2026-11-26-soon.md": ("---\ntitle: Scheduled\ndate: 2026-11-26 09:00:00 +0900\n"
                                                   "---\nx\n")})
    import os
    import time

    past = time.time() - 60  # older than the runs, so the quick no-change path is taken when it may be
    for post in (root / "posts").iterdir():
        os.utime(post, (past, past))
    before = mtimes(root / "posts")
    assert run("publish", "--site", root, "--now", "2026-11-26T08:59:58+09:00").exit_code == 0
    titles = [e.title for e in feedparser.parse((root / "public/feed.xml").read_bytes()).entries]
    assert titles == ["Already out"]
    assert run("publish", "--site", root, "--now", "2026-11-26T08:59:59+09:00").output == ""
    result = run("publish", "--site", root, "--now", "2026-11-26T09:00:00+09:00")
    assert result.exit_code == 0 and "wrote public/feed.xml" in result.output
    titles = [e.title for e in feedparser.parse((root / "public/feed.xml").read_bytes()).entries]
    assert titles == ["Scheduled", "Already out"]
    assert mtimes(root / "posts") == before


@pytest.mark.parametrize("saved", ["an hour ago", "just now"])
def test_same_clock_twice_writes_nothing(digest_site, smtp_server, run, saved):
    """Outputs and what was sent never move; only the speed-ups' records may, once, however old the posts."""
    if saved == "an hour ago":
        age(digest_site)
    assert run("publish", "--site", digest_site, "--now", DUE).exit_code == 0
    before = mtimes(digest_site / "public", digest_site / ".syndicate")
    assert any(name.endswith("state.json") for name in before)
    result = run("publish", "--site", digest_site, "--now", DUE)
    assert result.exit_code == 0 and result.output == ""
    after = mtimes(digest_site / "public", digest_site / ".syndicate")
    moved = {Path(name).relative_to(digest_site).as_posix() for name in after if after[name] != before[name]}
    if saved == "an hour ago":
        assert moved == set()  # the last run's record answers: nothing is read or written
    else:
        # Posts saved within a second of the first run are read again (the
        # record does not trust them yet), and the record and the posts index
        # are brought up to date; no output and nothing sent moves.
        assert moved <= {".syndicate/posts-index.json", ".syndicate/last-run.json",
                         ".syndicate/last-run-posts.json", ".syndicate/last-run-files.txt"}
    age(digest_site)
    result = run("publish", "--site", digest_site, "--now", DUE)
    assert result.exit_code == 0 and result.output == ""
    settled = mtimes(digest_site / "public", digest_site / ".syndicate")
    result = run("publish", "--site", digest_site, "--now", DUE)
    assert result.exit_code == 0 and result.output == ""
    assert mtimes(digest_site / "public", digest_site / ".syndicate") == settled


def test_leftover_temp_files_of_killed_runs_are_removed(digest_site, run):
    import os
    import time

    (digest_site / "public").mkdir()
    old = digest_site / "public/.feed.xml.k3j_x9q2.tmp"
    new = digest_site / "public/.atom.xml.abcdefgh.tmp"
    other = digest_site / "public/.keep.tmp"
    for path in (old, new, other):
        path.write_bytes(b"<rss")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    run("publish", "--site", digest_site, "--now", DUE)
    # The run holds the lock: however young, a file named so is a killed run's.
    assert not old.exists() and not new.exists() and other.exists()


# --- TLS and login -------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(certificate):
    """SMTP servers on 127.0.0.1 that need TLS and a login: STARTTLS and implicit TLS."""
    from aiosmtpd.smtp import AuthResult

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    mailbox = Mailbox()
    mailbox.logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        mailbox.logins.append((auth_data.login, auth_data.password))
        # handled=False: aiosmtpd then answers a failure with 535 itself.
        return AuthResult(success=auth_data.password == b"s3cret pass", handled=False)

    ports = {"starttls": free_port(), "ssl": free_port()}
    controllers = [
        Controller(mailbox, hostname="127.0.0.1", port=ports["starttls"], tls_context=context,
                   require_starttls=True, authenticator=authenticator, auth_require_tls=True),
        # aiosmtpd counts only STARTTLS as TLS; this connection is TLS from the start.
        Controller(mailbox, hostname="127.0.0.1", port=ports["ssl"], ssl_context=context,
                   authenticator=authenticator, auth_require_tls=False),
    ]
    for controller in controllers:
        controller.start()
    mailbox.ports = ports
    try:
        yield mailbox
    finally:
        for controller in controllers:
            controller.stop()


def tls_config(port: int, security: str) -> str:
    return config(port).replace('security = "none"', f'security = "{security}"').replace(
        "timeout = 5", 'timeout = 5\nusername = "tess"\npassword_env = "SYNDICATE_TEST_SMTP_PASSWORD"')


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login_with_the_password_from_the_environment(make_site, tls_server, certificate, monkeypatch,
                                                              security):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test certificate
    monkeypatch.setenv("SYNDICATE_TEST_SMTP_PASSWORD", "s3cret pass")
    root = make_site(WEEK_POSTS, config=tls_config(tls_server.ports[security], security))
    outcome = run_publish(root, DUE)
    assert not outcome.errors, outcome.errors
    assert tls_server.logins == [(b"tess", b"s3cret pass")]
    assert len(tls_server.messages) == 1
    assert "s3cret" not in (root / "syndicate.toml").read_text()


def test_certificate_that_does_not_verify_is_permanent(make_site, tls_server, monkeypatch):
    monkeypatch.setenv("SYNDICATE_TEST_SMTP_PASSWORD", "s3cret pass")
    root = make_site(WEEK_POSTS, config=tls_config(tls_server.ports["starttls"], "starttls"))
    pauses: list[float] = []
    outcome = run_publish(root, DUE, sleep=pauses.append)
    assert pauses == [] and tls_server.logins == [] and tls_server.messages == []
    assert len(outcome.errors) == 1
    assert "refused it permanently: TLS certificate does not verify: self-signed certificate" \
        in str(outcome.errors[0])


def test_wrong_password_is_permanent(make_site, tls_server, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("SYNDICATE_TEST_SMTP_PASSWORD", "wrong")
    root = make_site(WEEK_POSTS, config=tls_config(tls_server.ports["starttls"], "starttls"))
    outcome = run_publish(root, DUE)
    assert len(outcome.errors) == 1 and "refused it permanently: 535" in str(outcome.errors[0])
    assert state(root)["2026-W47"]["status"] == "sending"


def test_corrupt_state_is_reported_even_when_nothing_else_changed(digest_site, smtp_server, run):
    run("publish", "--site", digest_site, "--now", DUE)
    assert run("publish", "--site", digest_site, "--now", "2026-11-23T08:01:00+09:00").output == ""
    (digest_site / ".syndicate/state.json").write_text("[]", encoding="utf-8")
    result = run("publish", "--site", digest_site, "--now", "2026-11-23T08:02:00+09:00")
    assert result.exit_code == 1
    assert result.output.startswith(".syndicate/state.json: corrupt (expected {\"digests\": [...]})")
    assert len(smtp_server.messages) == 1


def test_verbose_no_change_run_still_says_where_the_digest_stands(digest_site, smtp_server, run):
    import os
    import time

    run("publish", "--site", digest_site, "--now", DUE)
    # Posts older than the last run, so that run's record is trusted.
    past = time.time() - 60
    for post in (digest_site / "posts").iterdir():
        os.utime(post, (past, past))
    run("publish", "--site", digest_site, "--now", "2026-11-23T08:05:00+09:00")
    result = run("publish", "--site", digest_site, "--now", "2026-11-23T08:10:00+09:00", "-v")
    lines = result.output.splitlines()
    assert "nothing changed since the last run and no digest is due: no post read, no feed rendered" in lines
    assert ("digest 2026-W47: sent at 2026-11-23T08:00:00+09:00 to list@example.com (3 posts); "
            "the next is due Mon 2026-11-30 08:00 +0900") in lines


def test_turning_sending_off_leaves_a_failed_digest_waiting_and_renders_the_next(make_site, smtp_server):
    root = make_site({**WEEK_POSTS, "posts/2026-11-25-next.md": "---\ntitle: Next week\n---\nx\n"},
                     config=config(smtp_server.port))
    smtp_server.replies = ["554 5.7.1 Relaying denied"]
    run_publish(root, DUE)
    assert state(root)["2026-W47"]["status"] == "sending"
    outcome = run_publish(root, "2026-11-30T08:00:00+09:00", send=False)
    assert smtp_server.attempts == 1
    periods = state(root)
    assert periods["2026-W47"]["status"] == "sending" and periods["2026-W48"]["status"] == "rendered"
    assert any("2026-W47: rendered at" in line and "sending is off" in line for line in outcome.decisions)
    # Sending on again: the waiting W47 goes out; W48 was rendered with sending off and stays so.
    run_publish(root, "2026-11-30T08:05:00+09:00")
    assert len(smtp_server.messages) == 1 and state(root)["2026-W47"]["status"] == "sent"


@pytest.mark.slow
def test_installed_command_sends_once_from_cron(digest_site, smtp_server):
    """The console script, run as cron runs it: output only when something happened."""
    command = [str(Path(sys.executable).parent / "syndicate"), "publish"]
    outputs = []
    for minute in ("00", "05"):
        done = subprocess.run([*command, "--now", f"2026-11-23T08:{minute}:00+09:00"], cwd=digest_site,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stderr.count("warning") == done.stderr.count("\n"), done.stderr
        outputs.append(done.stdout)
    assert outputs[0].splitlines()[-1] == "sent digest 2026-W47 (3 posts) to list@example.com"
    assert outputs[1] == ""
    assert len(smtp_server.messages) == 1


# --- the SMTP rules, one by one ------------------------------------------------------


def test_password_rules(make_site, monkeypatch):
    from syndicate.errors import ConfigError
    from syndicate.write.smtp import password

    def site_with(smtp: str):
        return load_site(make_site(config=BASIC_CONFIG + "\n[smtp]\n" + smtp))

    assert password(site_with('host = "mail.example.com"')) is None  # no username: no login
    with pytest.raises(ConfigError, match="smtp.username is set but smtp.password_env is not"):
        password(site_with('username = "tess"'))
    monkeypatch.setenv("SYNDICATE_TEST_PW", "pw")
    assert password(site_with('username = "tess"\npassword_env = "SYNDICATE_TEST_PW"')) == "pw"
    with pytest.raises(ConfigError, match="would send the password to mail.example.com unencrypted"):
        password(site_with('host = "mail.example.com"\nsecurity = "none"\nusername = "tess"\n'
                           'password_env = "SYNDICATE_TEST_PW"'))


def test_the_password_itself_in_the_config_is_refused(make_site):
    from syndicate.errors import ConfigError

    root = make_site(config=BASIC_CONFIG + '\n[smtp]\npassword_env = "hunter2 is my password"\n')
    with pytest.raises(ConfigError, match="must be the name of an environment variable"):
        load_site(root)


@pytest.mark.parametrize("error, temporary, said", [
    (smtplib.SMTPDataError(451, b"4.3.0 Try again later"), True, "451 4.3.0 Try again later"),
    (smtplib.SMTPDataError(554, b"5.7.1 Rejected"), False, "554 5.7.1 Rejected"),
    (smtplib.SMTPSenderRefused(550, b"5.1.0 Sender unknown", "a@b"), False, "550 5.1.0 Sender unknown"),
    (smtplib.SMTPRecipientsRefused({"l@x": (450, b"mailbox busy")}), True, "l@x: 450 mailbox busy"),
    (smtplib.SMTPRecipientsRefused({"l@x": (550, b"no such list")}), False, "l@x: 550 no such list"),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"), False, "535 5.7.8 bad credentials"),
    (smtplib.SMTPAuthenticationError(454, b"4.7.0 try later"), True, "454 4.7.0 try later"),
    (smtplib.SMTPServerDisconnected(), True, "the server closed the connection"),
    (ConnectionRefusedError(), True, "connection refused"),
    (TimeoutError(), True, "timed out"),
    (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."), False,
     "STARTTLS extension not supported by server."),
])
def test_classify_sending_errors(error, temporary, said):
    from syndicate.write.smtp import classify

    assert classify(error) == (temporary, said)


def test_a_bug_is_not_mistaken_for_a_sending_failure():
    from syndicate.write.smtp import classify

    with pytest.raises(KeyError):
        classify(KeyError("a bug"))


def test_a_new_site_url_does_not_resend_every_post(digest_site, smtp_server):
    run_publish(digest_site, DUE)
    config_file = digest_site / "syndicate.toml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        "https://example.com/blog/", "https://news.example.org/"), encoding="utf-8")
    (digest_site / "posts/2026-11-25-next.md").write_text("---\ntitle: Next week\n---\nx\n", encoding="utf-8")
    run_publish(digest_site, "2026-11-30T08:00:00+09:00")
    record = state(digest_site)["2026-W48"]
    assert record["files"] == ["posts/2026-11-25-next.md"]
    assert record["posts"] == ["https://news.example.org/2026/11/25/next.html"]
    assert len(smtp_server.messages) == 2


def test_an_older_week_never_follows_a_newer_one_sent_by_hand(digest_site, smtp_server, run):
    result = run("digest", "--site", digest_site, "--now", "2026-11-20T09:00:00+09:00", "--week", "2026-W47",
                 "--send")
    assert result.exit_code == 0, result.output
    outcome = run_publish(digest_site, "2026-11-20T10:00:00+09:00")  # W46 is due
    assert len(smtp_server.messages) == 1 and "2026-W46" not in state(digest_site)
    assert "digest 2026-W46: not rendered; the later 2026-W47 is already recorded" in outcome.decisions


def test_a_clock_gone_back_past_a_recorded_run_is_an_error_and_does_not_block(digest_site, smtp_server):
    run_publish(digest_site, DUE)
    outcome = run_publish(digest_site, "2026-11-20T09:00:00+09:00")  # the clock went back
    assert [str(e) for e in outcome.errors] == [
        ".syndicate/state.json: the clock (2026-11-20T09:00:00+09:00) is behind the run that recorded digest "
        "2026-W47 at 2026-11-23T08:00:00+09:00: check this machine's clock; this run went on by it"]
    # Which clock was wrong no run can tell: the week due by this one goes out.
    assert state(digest_site)["2026-W46"]["status"] == "sent" and len(smtp_server.messages) == 2
