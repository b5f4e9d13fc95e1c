"""Which posts a digest covers: the window, its edges, time zones, order, quiet weeks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from syndicate.pipeline import read_site
from syndicate.sources.config import load_site
from syndicate.render.digest import select_posts, window_for
from syndicate.errors import SyndicateError
from tests.conftest import BASIC_CONFIG, NOW

SEOUL = ZoneInfo("Asia/Seoul")
WEDNESDAY = datetime(2026, 11, 25, 9, 0, tzinfo=SEOUL)


def post(title: str, date: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\nBody of {title}.\n"


def test_default_window_is_the_last_complete_iso_week(make_site):
    site = load_site(make_site())
    window = window_for(site, WEDNESDAY)
    assert (window.start, window.end, window.period) == (
        datetime(2026, 11, 16, tzinfo=SEOUL), datetime(2026, 11, 23, tzinfo=SEOUL), "2026-W47")
    # Run again later the same week: the same period, not a shifted one.
    assert window_for(site, datetime(2026, 11, 29, 23, 59, tzinfo=SEOUL)) == window


def test_digest_days_in_config_makes_the_default_n_days_ending_now(make_site):
    site = load_site(make_site(config=BASIC_CONFIG + "[digest]\ndays = 3\n"))
    window = window_for(site, WEDNESDAY)
    assert (window.start, window.end, window.period) == (
        datetime(2026, 11, 22, 9, tzinfo=SEOUL), WEDNESDAY, "2026-11-22_2026-11-25")


def test_days_window_ends_now_and_is_named_by_its_days(make_site):
    window = window_for(load_site(make_site()), WEDNESDAY, days=7)
    assert (window.start, window.end, window.period) == (
        datetime(2026, 11, 18, 9, tzinfo=SEOUL), WEDNESDAY, "2026-11-18_2026-11-25")


def test_a_days_window_that_is_exactly_an_iso_week_is_named_by_the_week(make_site):
    monday = datetime(2026, 11, 30, tzinfo=SEOUL)
    assert window_for(load_site(make_site()), monday, days=7).period == "2026-W48"


def test_week_is_an_iso_week_in_the_site_time_zone(make_site):
    window = window_for(load_site(make_site()), WEDNESDAY, week="2026-W01")
    # ISO week 1 of 2026 starts on Monday 29 December 2025.
    assert (window.start, window.end, window.period) == (
        datetime(2025, 12, 29, tzinfo=SEOUL), datetime(2026, 1, 5, tzinfo=SEOUL), "2026-W01")
    assert window.start.utcoffset().total_seconds() == 9 * 3600


def test_since_and_until_dates_include_the_until_day(make_site):
    window = window_for(load_site(make_site()), WEDNESDAY, since="2026-11-01", until="2026-11-10")
    assert (window.start, window.end, window.period) == (
        datetime(2026, 11, 1, tzinfo=SEOUL), datetime(2026, 11, 11, tzinfo=SEOUL), "2026-11-01_2026-11-10")
    # A time is an exact, excluded end; no --until means now.
    window = window_for(load_site(make_site()), WEDNESDAY, since="2026-11-01", until="2026-11-10T12:00:00+09:00")
    assert window.end == datetime(2026, 11, 10, 12, tzinfo=SEOUL)
    assert window_for(load_site(make_site()), WEDNESDAY, since="2026-11-20").end == WEDNESDAY


@pytest.mark.parametrize("flags, message", [
    ({"week": "2026-48"}, "--week is not an ISO week: '2026-48' (use e.g. 2026-W48)"),
    ({"week": "2025-W53"}, "--week is not an ISO week: '2025-W53' (use e.g. 2026-W48)"),
    ({"since": "last tuesday"}, "--since is not a date: 'last tuesday'"),
    ({"until": "2026-11-10"}, "--until needs --since"),
    ({"since": "2026-11-10", "until": "2026-11-01"}, "--until 2026-11-01 is not after --since 2026-11-10"),
    ({"days": 3, "week": "2026-W48"}, "choose one of --days, --since/--until, --week and --period"),
])
def test_bad_window_flags_are_clear_errors(make_site, flags, message):
    with pytest.raises(SyndicateError) as caught:
        window_for(load_site(make_site()), WEDNESDAY, **flags)
    assert str(caught.value).startswith(message)


def selected(root, **flags) -> list[str]:
    site = load_site(root)
    _, published, _ = read_site(site, WEDNESDAY)
    return [p.title for p in select_posts(site, published, window_for(site, WEDNESDAY, **flags))]


def test_posts_on_the_edges_and_across_time_zones(make_site):
    root = make_site({
        "posts/a.md": post("Monday midnight", "2026-11-16 00:00:00 +0900"),
        "posts/b.md": post("Sunday 23:30 Seoul", "2026-11-22 23:30:00 +0900"),
        # Sunday 15:30 in UTC, but already Monday in Seoul: next week.
        "posts/c.md": post("Monday 00:30 Seoul", "2026-11-23 00:30:00 +0900"),
        "posts/d.md": post("Next Monday midnight", "2026-11-23 00:00:00 +0900"),
        "posts/e.md": post("A second before", "2026-11-15 23:59:59 +0900"),
        # 23:30 on Sunday in New York is Monday 13:30 in Seoul.
        "posts/f.md": post("Sunday night in New York", "2026-11-22 23:30:00 -0500"),
    })
    assert selected(root, week="2026-W47") == ["Sunday 23:30 Seoul", "Monday midnight"]
    assert selected(root, week="2026-W48") == ["Sunday night in New York", "Monday 00:30 Seoul",
                                               "Next Monday midnight"]


def test_drafts_and_scheduled_posts_stay_out(make_site):
    root = make_site({
        "posts/a.md": post("Out", "2026-11-24 10:00:00"),
        "posts/b.md": post("Draft", "2026-11-24 11:00:00", "draft: true\n"),
        "posts/c.md": post("Scheduled", "2026-11-25 09:00:01"),
    })
    assert selected(root, week="2026-W48") == ["Out"]


def test_order_oldest_first(make_site):
    files = {"posts/a.md": post("First", "2026-11-17 10:00:00"), "posts/b.md": post("Second", "2026-11-18 10:00:00")}
    assert selected(make_site(files)) == ["Second", "First"]
    assert selected(make_site(files, config=BASIC_CONFIG + '[digest]\norder = "oldest"\n')) == ["First", "Second"]


def test_an_empty_week_writes_nothing_says_so_and_succeeds(make_site, run):
    root = make_site({"posts/a.md": post("Old", "2026-10-01 10:00:00")})
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 0
    assert result.output == "no posts from 2026-11-16 00:00 to 2026-11-23 00:00 (2026-W47); no digest written\n"
    assert not (root / "public" / "digest").exists()
    quiet = run("digest", "--site", root, "--now", NOW, "-q")
    assert (quiet.exit_code, quiet.output) == (0, "")


def test_bad_flags_fail_with_one_line(make_site, run):
    result = run("digest", "--site", make_site(), "--now", NOW, "--week", "soon")
    assert result.exit_code == 1
    assert result.output == "--week is not an ISO week: 'soon' (use e.g. 2026-W48)\n"
    assert run("digest", "--site", make_site(), "--for", "gmail").exit_code == 2
