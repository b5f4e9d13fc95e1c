"""digest.schedule's cadences: daily, weekly, monthly and every N days, each sent once per period (issue 16, item 4).

Each cadence is run as cron runs it, by real SMTP on 127.0.0.1: once when
due, again in the same period, and after missed periods, whose posts the due
digest takes (the weekly rule, tests/test_publish.py).
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import timedelta

import pytest

from syndicate.commands.publish import due_window, next_moment, scheduled_moment
from syndicate.sources.config import load_site
from syndicate.errors import ConfigError
from tests.conftest import BASIC_CONFIG
from tests.smtp_sink import digest_config
from tests.test_publish import at, run_publish, smtp_server, state  # noqa: F401 - the fixture

WEEKLY = '{ weekday = "mon", time = "08:00" }'


@dataclass(frozen=True)
class Cadence:
    schedule: str  # the digest.schedule table
    posts: dict[str, str]  # by file: two in the period due at ``due``, one in the period before
    earlier: str  # a scheduled moment some periods before ``due``: its period has no posts
    before: str  # the moment before ``due``, whose period holds the earlier post
    due: str
    period: str  # the period due at ``due``
    starts: str  # its first and last day
    ends: str
    following: str  # the next scheduled moment after ``due``


def posts(period: str, first: str, second: str, missed: str) -> dict[str, str]:
    """Two posts dated in the period due, and one in the period before, titled "Missed …"."""
    titles = [(first, f"First of the {period}"), (second, f"Second of the {period}"), (missed, f"Missed {period}")]
    return {f"posts/{day}-{number}.md": f"---\ntitle: {title}\n---\nBody.\n"
            for number, (day, title) in enumerate(titles)}


CADENCES = {
    "daily": Cadence(
        '{ cadence = "daily", time = "08:00" }',
        posts("day", "2026-11-25", "2026-11-25", "2026-11-24"),
        "2026-11-22T08:00:00+09:00", "2026-11-25T08:00:00+09:00", "2026-11-26T08:00:00+09:00",
        "2026-11-25", "2026-11-25", "2026-11-25", "Fri 2026-11-27 08:00 +0900"),
    "weekly": Cadence(
        '{ cadence = "weekly", weekday = "mon", time = "08:00" }',
        posts("week", "2026-11-17", "2026-11-20", "2026-11-11"),
        "2026-11-02T08:00:00+09:00", "2026-11-16T08:00:00+09:00", "2026-11-23T08:00:00+09:00",
        "2026-W47", "2026-11-16", "2026-11-22", "Mon 2026-11-30 08:00 +0900"),
    "monthly": Cadence(
        '{ cadence = "monthly", day = 1, time = "08:00" }',
        posts("month", "2026-11-03", "2026-11-30", "2026-10-15"),
        "2026-09-01T08:00:00+09:00", "2026-11-01T08:00:00+09:00", "2026-12-01T08:00:00+09:00",
        "2026-11", "2026-11-01", "2026-11-30", "Fri 2027-01-01 08:00 +0900"),
    "every 3 days": Cadence(
        '{ cadence = "days", days = 3, start = 2026-11-02, time = "08:00" }',
        posts("three days", "2026-11-23", "2026-11-25", "2026-11-21"),
        "2026-11-14T08:00:00+09:00", "2026-11-23T08:00:00+09:00", "2026-11-26T08:00:00+09:00",
        "2026-11-23_2026-11-25", "2026-11-23", "2026-11-25", "Sun 2026-11-29 08:00 +0900"),
}


def site_with(make_site, cadence: Cadence, port: int):
    config = BASIC_CONFIG + digest_config(port).replace(WEEKLY, cadence.schedule)
    return make_site(cadence.posts, config=config)


def eml(root, period: str) -> email.message.EmailMessage:
    return email.message_from_bytes((root / f"public/digest/{period}.eml").read_bytes(), policy=email.policy.default)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture(params=list(CADENCES))
def cadence(request) -> Cadence:
    return CADENCES[request.param]


def test_the_due_moment_and_period(make_site, cadence):
    site = load_site(site_with(make_site, cadence, 25))
    moment = scheduled_moment(site.digest.schedule, at(site, cadence.due), site)
    assert moment == at(site, cadence.due)
    # A minute before, the period before is due; any time until the next moment, this one.
    earlier = scheduled_moment(site.digest.schedule, at(site, cadence.due.replace("08:00:00", "07:59:00")), site)
    assert earlier == at(site, cadence.before)
    following = next_moment(site.digest.schedule, moment)
    assert scheduled_moment(site.digest.schedule, following - timedelta(minutes=1), site) == moment
    assert scheduled_moment(site.digest.schedule, following, site) == following
    window = due_window(site, moment)
    assert (window.period, f"{window.start:%Y-%m-%d}", f"{window.last_day:%Y-%m-%d}") == (
        cadence.period, cadence.starts, cadence.ends)
    assert window.start.hour == 0 and window.end.hour == 0


def test_sent_once_when_due_and_never_again_in_the_period(make_site, smtp_server, cadence, run):
    root = site_with(make_site, cadence, smtp_server.port)
    outcome = run_publish(root, cadence.due)
    assert not outcome.errors
    assert outcome.events == [f"sent digest {cadence.period} (2 posts) to list@example.com"]
    for minutes in ("05", "30"):
        again = run_publish(root, cadence.due.replace("08:00", f"08:{minutes}"))
        assert not again.errors and again.events == []
    assert len(smtp_server.messages) == 1
    record = state(root)[cadence.period]
    assert record["status"] == "sent" and len(record["posts"]) == 2
    assert list(state(root)) == [cadence.period]  # the period before had no record: no run was due then
    # The period's name on disk and in the message.
    message = smtp_server.messages[0]
    assert message["Message-ID"] == eml(root, cadence.period)["Message-ID"] == record["message_id"]
    assert f"digest/{cadence.period}.html" in message.get_body(("html",)).get_content()
    assert (root / f"public/digest/{cadence.period}.html").is_file()
    assert "Missed" not in text_of(message)
    # -v says when the next one is due.
    result = run("publish", "--site", root, "--now", cadence.due.replace("08:00", "09:00"), "-v")
    assert any(line.startswith(f"digest {cadence.period}: sent at ") and
               line.endswith(f"the next is due {cadence.following}") for line in result.output.splitlines())
    # The archive lists it by its name.
    assert f'href="{cadence.period}.html"' in (root / "public/digest/index.html").read_text(encoding="utf-8")


def test_the_period_before_is_due_until_the_scheduled_time(make_site, smtp_server, cadence):
    root = site_with(make_site, cadence, smtp_server.port)
    just_before = cadence.due.replace("08:00:00", "07:59:00")
    assert run_publish(root, just_before).events == [f"sent digest {due_period(root, cadence.before)} (1 post) "
                                                     "to list@example.com"]
    assert run_publish(root, cadence.due).events == [f"sent digest {cadence.period} (2 posts) to list@example.com"]
    assert len(smtp_server.messages) == 2
    posts = [set(record["posts"]) for record in state(root).values()]
    assert not posts[0] & posts[1]


def due_period(root, moment: str) -> str:
    site = load_site(root)
    return due_window(site, at(site, moment)).period


def test_missed_periods_are_caught_up_in_the_due_digest(make_site, smtp_server, cadence):
    """The machine was off for some periods: their posts go out once, with the due period's."""
    root = site_with(make_site, cadence, smtp_server.port)
    run_publish(root, cadence.earlier)  # no posts then, but now there is a record
    outcome = run_publish(root, cadence.due)
    assert outcome.events == [f"sent digest {cadence.period} (3 posts) to list@example.com"]
    run_publish(root, cadence.due.replace("08:00", "08:05"))
    assert len(smtp_server.messages) == 1
    assert "Missed" in text_of(smtp_server.messages[0])
    assert sorted(state(root)) == sorted([due_period(root, cadence.earlier), cadence.period])
    assert state(root)[due_period(root, cadence.earlier)]["status"] == "empty"


def test_without_catch_up_a_missed_period_stays_out(make_site, smtp_server, cadence):
    root = site_with(make_site, cadence, smtp_server.port)
    (root / "syndicate.toml").write_text((root / "syndicate.toml").read_text(encoding="utf-8").replace(
        "send = true", "send = true\ncatch_up = false"), encoding="utf-8")
    run_publish(root, cadence.earlier)
    assert run_publish(root, cadence.due).events == [f"sent digest {cadence.period} (2 posts) to list@example.com"]


def test_a_period_resent_by_its_name(make_site, smtp_server, cadence, run):
    root = site_with(make_site, cadence, smtp_server.port)
    run_publish(root, cadence.due)
    flag = "--week" if cadence.period.startswith("2026-W") else "--period"
    refused = run("digest", "--site", root, "--now", cadence.following[4:14] + "T09:00:00+09:00",
                  flag, cadence.period, "--send")
    assert refused.exit_code == 1 and f"digest {cadence.period} was sent at" in refused.output
    forced = run("digest", "--site", root, "--now", cadence.following[4:14] + "T09:00:00+09:00",
                 flag, cadence.period, "--send", "--force")
    assert forced.exit_code == 0, forced.output
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[1]["Message-ID"] == smtp_server.messages[0]["Message-ID"]


@pytest.mark.parametrize("schedule, problem", [
    ('{ cadence = "hourly" }', 'digest.schedule.cadence must be one of "daily", "weekly", "monthly", "days"'),
    ('{ cadence = "daily", weekday = "mon" }', 'digest.schedule.weekday is not read with cadence = "daily"'),
    ('{ cadence = "monthly", day = 31 }', "digest.schedule.day must be a day of the month from 1 to 28"),
    ('{ cadence = "days", days = 3 }', 'digest.schedule.start is required with cadence = "days"'),
    ('{ cadence = "days", days = 1, start = 2026-11-02 }', "digest.schedule.days must be a number of days from 2"),
    ('{ cadence = "days", days = 3, start = "soon" }', "digest.schedule.start must be a date such as 2026-11-02"),
    ('{ day = 1 }', 'digest.schedule.day is not read with cadence = "weekly"'),
])
def test_a_schedule_that_does_not_fit_its_cadence_is_refused(make_site, schedule, problem):
    root = make_site(config=BASIC_CONFIG + digest_config(25).replace(WEEKLY, schedule))
    with pytest.raises(ConfigError) as raised:
        load_site(root)
    assert problem in str(raised.value)
    assert str(raised.value).count("digest.schedule") == 1


def test_a_weekly_schedule_without_cadence_is_unchanged(make_site):
    old = load_site(make_site(config=BASIC_CONFIG + digest_config(25))).digest.schedule
    assert (old.cadence, old.weekday, old.time) == ("weekly", 0, "08:00")
