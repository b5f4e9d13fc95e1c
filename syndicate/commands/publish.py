"""One unattended publish run: every feed, then the digest when it is due.

``syndicate publish`` is made to run from cron every few minutes, forever:

- it holds the site's lock (``syndicate.commands.lock``) for the whole run, so two runs
  never interleave; a run that cannot get it within ``publish.lock_timeout``
  does nothing and exits 0;
- it writes a file only when its bytes change, atomically, so an unchanged
  site gives a run that writes nothing and a killed run leaves whole files;
- it sends each digest period once: its files are written (and read back)
  first, state.json says which periods and posts went out, and the record
  that says "sent" is made ready before sending and put in place the moment
  an SMTP server answers 250 to the message, before QUIT. The one window left
  is a lost 250 (``syndicate.write.smtp.Unanswered``): the next run sends the
  digest again, and after ``UNANSWERED_LIMIT`` of those it counts as sent.

**Which digest, when.** With ``[digest.schedule]`` (``time`` in the site's time
zone, and a ``cadence``: daily, weekly on ``weekday``, monthly on ``day``, or
every ``days`` days from ``start``), the digest due at the latest scheduled
moment at or before now covers the period of the cadence that holds most of
the time since the moment before: for a weekly Monday 08:00, the ISO week
(Monday 00:00 to Monday 00:00) that just ended, ``2026-W48``; for a Friday
17:00 schedule, the current week; daily at 08:00, yesterday, ``2026-11-25``;
monthly on the 1st, last month, ``2026-11``; every N days, the N days that
just ended, ``2026-11-22_2026-11-24``. The period is named as ``syndicate
digest --week``/``--period`` names it, so the same period can be rendered or
resent by hand. Periods missed (the machine was off) are not sent one by
one: the due digest takes their posts. A post dated in a period that was
already sent (written late, or scheduled after the digest went out) goes into
the next digest (``digest.catch_up``), and a post is never in two digests.

**The clock.** A run whose clock is behind a recorded run says so (an error)
and still goes by its own clock: a period recorded by a clock that was ahead
never holds back the ones due since.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time as clock_time, timedelta
from typing import Callable, Iterable

from syndicate.commands.run import Sleep, leave_to_exit, locked
from syndicate.commands.websub import announce
from syndicate.errors import ConfigError, Notice, PublishError, SyndicateError
from syndicate.incremental.layer import Speedups
from syndicate.outcome import Outcome
from syndicate.sources.config import WEEKDAYS, Schedule, Site
from syndicate.sources.posts import Loaded, Post, shown_path
from syndicate.write.files import output_path
from syndicate.write.state import (EMPTY, RENDERED, SENDING, SENT, STATE, DigestRecord, commit_sent,
                                   load_digests, prepare_sent, save_digest, save_first_seen)

NO_SCHEDULE = "digest: no [digest.schedule] in the configuration; publish renders none"
# Sends of one digest whose answer never came (each may have delivered it)
# after which it counts as sent.
UNANSWERED_LIMIT = 2


# --- the schedule -----------------------------------------------------------------


def scheduled_moment(schedule: Schedule, now: datetime, site: Site) -> datetime:
    """The latest scheduled digest time at or before ``now``, in the site's time zone."""
    local = now.astimezone(site.timezone)
    hour, minute = map(int, schedule.time.split(":"))
    day = _scheduled_day(schedule, local.date())
    moment = datetime.combine(day, clock_time(hour, minute), site.timezone)
    if moment > local:
        moment = datetime.combine(_scheduled_day(schedule, day - timedelta(days=1)), clock_time(hour, minute),
                                  site.timezone)
    return moment


def _scheduled_day(schedule: Schedule, today: date) -> date:
    """The latest day on or before ``today`` on which the schedule sends a digest."""
    if schedule.cadence == "daily":
        return today
    if schedule.cadence == "monthly":
        if today.day >= schedule.day:
            return today.replace(day=schedule.day)
        return (today.replace(day=1) - timedelta(days=1)).replace(day=schedule.day)
    if schedule.cadence == "days":
        return today - timedelta(days=(today - schedule.start).days % schedule.days)
    return today - timedelta(days=(today.weekday() - schedule.weekday) % 7)


def next_moment(schedule: Schedule, moment: datetime) -> datetime:
    """The scheduled moment after ``moment`` (itself one), on the wall clock."""
    day = moment.date()
    if schedule.cadence == "monthly":
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=schedule.day)
    else:
        following = day + timedelta(days={"daily": 1, "days": schedule.days}.get(schedule.cadence, 7))
    return datetime.combine(following, moment.timetz())


def due_window(site: Site, moment: datetime):
    """The digest window due at ``moment``: the period of the cadence holding most of the time since the last moment.

    Weekly: the ISO week holding most of the 7 days before it; daily: the day
    holding most of the 24 hours before it; monthly: the month holding the day
    15 days before it; every N days: the period holding most of the N days before it.
    """
    from syndicate.render.digest import day_window, month_window, window_for

    schedule = site.digest.schedule
    # Wall-clock arithmetic (the same tzinfo), so a DST change shifts nothing.
    if schedule.cadence == "daily":
        return day_window(site, (moment - timedelta(hours=12)).date())
    if schedule.cadence == "monthly":
        middle = moment - timedelta(days=15)
        return month_window(site, middle.year, middle.month)
    if schedule.cadence == "days":
        middle = (moment - timedelta(hours=12 * schedule.days)).date()
        first = middle - timedelta(days=(middle - schedule.start).days % schedule.days)
        return window_for(site, moment, since=first, until=first + timedelta(days=schedule.days - 1))
    middle = moment - timedelta(days=3, hours=12)
    year, week, _ = middle.isocalendar()
    return window_for(site, moment, week=f"{year}-W{week:02d}")


def _period_flag(period: str) -> str:
    """The ``syndicate digest`` option that names ``period``: ``--week`` for a week, else ``--period``."""
    from syndicate.render.digest import WEEK

    return f"--week {period}" if WEEK.match(period) else f"--period {period}"


def _when(moment: datetime) -> str:
    return f"{WEEKDAYS[moment.weekday()].capitalize()} {moment:%Y-%m-%d %H:%M %z}"


# --- the publish run --------------------------------------------------------------


def publish(site: Site, now: datetime, *, send: bool | None = None, dry_run: bool = False,
            strict: bool = False, progress=None, sleep: Sleep | None = None) -> Outcome:
    """Build every feed and, when one is due, render (and send) the digest.

    ``send`` overrides ``digest.send`` (--send/--no-send). ``dry_run`` writes
    and sends nothing and says what it would do. Warnings are printed only when
    the run changed something (or with ``strict``), so cron stays quiet.
    """
    outcome = locked(site, lambda outcome: _publish(site, now, outcome, send, dry_run, progress, sleep),
                     sleep=sleep, dry_run=dry_run)
    if not (outcome.written or outcome.events or strict):
        # Nothing changed: the same warnings as last time would make cron
        # send the same mail every few minutes. -v still shows them.
        outcome.decisions += [str(n) for n in outcome.notices]
        outcome.notices = []
    return outcome


def _publish(site: Site, now: datetime, outcome: Outcome, send: bool | None, dry_run: bool, progress,
             sleep: Sleep | None) -> None:
    """``publish``'s work, into ``outcome``, once the lock is held; then the WebSub hubs of the feeds it changed."""
    feeds_written = _publish_feeds_and_digest(site, now, outcome, send, dry_run, progress, sleep)
    if not dry_run:
        announce(site, feeds_written, outcome)  # after the record: a hub's warning is not a post's


def _publish_feeds_and_digest(site: Site, now: datetime, outcome: Outcome, send: bool | None, dry_run: bool,
                              progress, sleep: Sleep | None) -> list[str]:
    """Write the feeds, then the digest when due; returns the feeds written (``Outcome.written``'s paths)."""
    # The usual cron run: a stat per post file shows nothing changed since
    # the last run (syndicate.incremental.lastrun) and no digest is due; nothing is read.
    settled = None if dry_run else _settled_digest_status(site, now)
    fast = Speedups(site, now, trust_record=settled is not None)
    last = fast.unchanged()
    if last is not None:
        outcome.unchanged, outcome.notices = last
        outcome.decisions.append("nothing changed since the last run and no digest is due: "
                                 "no post read, no feed rendered")
        outcome.decisions.append(settled)
        return []
    if settled is not None:
        partial = fast.update(outcome)
        if partial is not None:
            outcome.decisions.append(settled)
            return list(outcome.written)  # no digest was due: every file written is a feed
    from syndicate import pipeline

    feeds = pipeline.read_and_render(site, now, outcome, progress, fast.source, fast.renderer, fast.post_files())
    _explain_posts(feeds.loaded, feeds.published, now, fast.index.reads, outcome)
    if dry_run:
        _dry_write(site, feeds.files, outcome)
    else:
        pipeline.write_outputs(site, feeds.files, outcome)
        pipeline.remove_emptied_feeds(site, feeds.specs, outcome)
        pipeline.save_state(outcome, lambda: save_first_seen(site, feeds.loaded))
    # What the feeds alone gave: the record must not replay the digest's files and warnings.
    feeds_done = replace(outcome, written=list(outcome.written), unchanged=list(outcome.unchanged),
                         notices=list(outcome.notices))
    sending = site.digest.send if send is None else send
    try:
        _digest_when_due(_DigestRun(site, now, fast.renderer, outcome, sending, dry_run, sleep), feeds.published)
    except SyndicateError as exc:
        outcome.errors.append(exc)
    if not dry_run:
        # Errors from the digest too: a run with errors leaves no record.
        pipeline.save_state(outcome, *fast.saves(feeds, replace(feeds_done, errors=outcome.errors)))
    leave_to_exit(feeds, fast)
    return feeds_done.written


def _settled_digest_status(site: Site, now: datetime) -> str | None:
    """The -v line on the digest when no digest needs this run; None when one may.

    Settled means none is scheduled, or none is waiting to be sent and the
    due one is recorded. state.json is read once, on every unchanged cron run.
    """
    if site.digest.schedule is None:
        return NO_SCHEDULE
    try:
        records = load_digests(site)
    except SyndicateError:
        return None  # the full run reports it
    if any(record.status == SENDING for record in records.values()) or _recorded_after(records.values(), now):
        return None
    moment = scheduled_moment(site.digest.schedule, now, site)
    record = records.get(due_window(site, moment).period)
    return _digest_status(record, site.digest.schedule, moment) if record else None


def _recorded_at(record: DigestRecord) -> datetime:
    """When the run that last wrote ``record`` thought it was."""
    return max(record.rendered_at, record.sent_at or record.rendered_at)


def _recorded_after(records: Iterable[DigestRecord], now: datetime) -> DigestRecord | None:
    """The record written latest by a run whose clock was ahead of ``now``, if any."""
    return max((r for r in records if _recorded_at(r) > now), key=_recorded_at, default=None)


def _digest_status(record: DigestRecord, schedule: Schedule, moment: datetime) -> str:
    """One line for -v: the period due at ``moment``, what became of it, and when the next is due."""
    return f"digest {record.period}: {_describe(record)}; the next is due {_when(next_moment(schedule, moment))}"


def _explain_posts(loaded: Loaded, published: list[Post], now: datetime, reads: int, outcome: Outcome) -> None:
    names = {p.name for p in published}
    for post in sorted(loaded.posts, key=lambda p: p.name):
        if post.name in names:
            continue
        if post.draft:
            outcome.decisions.append(f"{post.name}: draft or published: false; left out")
        elif post.expiry_date is not None and post.expiry_date < now:
            outcome.decisions.append(f"{post.name}: expired {post.expiry_date.isoformat()}; left out")
        elif (post.publish_date or post.date) > now:
            outcome.decisions.append(f"{post.name}: scheduled for {(post.publish_date or post.date).isoformat()}; "
                                     "left out until then")
    outcome.decisions.append(f"posts: {len(loaded.posts)} read ({reads} file reads, the rest from "
                             f"the posts index), {len(published)} published, {len(loaded.errors)} with errors")


def _dry_write(site: Site, files: dict[str, bytes], outcome: Outcome) -> None:
    """What write_outputs would do, said and not done."""
    from syndicate.pipeline import holds

    for relative, data in files.items():
        path = output_path(site.output_dir, relative)
        shown = shown_path(site, path)
        if holds(path, data):
            outcome.unchanged.append(shown)
        else:
            outcome.events.append(f"would write {shown}")


# --- the digest -------------------------------------------------------------------


@dataclass(frozen=True)
class _DigestRun:
    """What every step of rendering, recording and sending a digest shares within one run."""

    site: Site
    now: datetime
    renderer: Callable  # renders the bodies: the pipeline's BodyRenderer
    outcome: Outcome  # collects what happened
    sending: bool  # digest.send, or --send/--no-send
    dry_run: bool  # write, record and send nothing; say what would be done
    sleep: Sleep | None  # between SMTP retries


def _digest_when_due(run: _DigestRun, published: list[Post]) -> None:
    site, now, outcome = run.site, run.now, run.outcome
    schedule = site.digest.schedule
    if schedule is None:
        outcome.decisions.append(NO_SCHEDULE)
        return
    records = load_digests(site)
    # A digest that was rendered for sending but not accepted yet goes first:
    # the next one must not overtake it. With sending off it waits, and new
    # periods are rendered all the same.
    for record in sorted((r for r in records.values() if r.status == SENDING), key=lambda r: r.start):
        if not run.sending:
            outcome.decisions.append(f"digest {record.period}: rendered at {record.rendered_at.isoformat()}, "
                                     "waiting to be sent, but sending is off (digest.send, --send)")
            continue
        outcome.decisions.append(f"digest {record.period}: resuming; rendered at "
                                 f"{record.rendered_at.isoformat()}, not accepted by a server yet")
        if not _resume(run, record, published):
            return
    records = load_digests(site) if not run.dry_run else records

    moment = scheduled_moment(schedule, now, site)
    window = due_window(site, moment)
    following = next_moment(schedule, moment)
    ahead = _recorded_after(records.values(), now)
    if ahead is not None:
        # This clock or that run's is wrong, and only a person can tell which.
        # One run with a clock ahead (a machine booting before NTP) must not
        # stop every digest until that date, so this one goes on as due.
        outcome.errors.append(PublishError(
            f"the clock ({now.isoformat()}) is behind the run that recorded digest {ahead.period} at "
            f"{_recorded_at(ahead).isoformat()}: check this machine's clock; this run went on by it",
            shown_path(site, site.state_dir / STATE)))
    record = records.get(window.period)
    if record is not None:
        outcome.decisions.append(_digest_status(record, schedule, moment))
        return
    newest = max((r for r in records.values() if _recorded_at(r) <= now), key=lambda r: r.start, default=None)
    if newest is not None and newest.start > window.start:
        # A later week was sent by hand: an older week after a newer one
        # would only confuse readers.
        outcome.decisions.append(f"digest {window.period}: not rendered; the later {newest.period} is "
                                 "already recorded")
        return
    outcome.decisions.append(f"digest {window.period}: due since {_when(moment)} "
                             f"(covers {window.start:%Y-%m-%d} to {window.last_day:%Y-%m-%d})")
    posts = digest_posts(site, published, window, records.values())
    if not posts:
        outcome.decisions.append(f"digest {window.period}: no new posts; nothing to render or send; "
                                 f"the next is due {_when(following)}")
        if not run.dry_run:
            save_digest(site, DigestRecord(window.period, window.start, window.end, (), EMPTY, now))
        return
    _new_digest(run, window, posts)


def digest_posts(site: Site, published: list[Post], window, records: Iterable[DigestRecord],
                 *, catch_up: bool = True, everything: bool = False) -> list[Post]:
    """The posts for the digest of ``window``: its own, plus late ones, minus those already sent.

    With ``digest.catch_up`` a post dated in an earlier period that is in no
    digest yet (it was written late, or its scheduled date came after that
    digest went out) joins this one; posts older than the first recorded digest
    never do. ``catch_up=False`` keeps to the window (a digest asked for by
    hand); ``everything`` (a forced resend) keeps posts already in a digest.
    """
    from syndicate.render.digest import Window, select_posts

    records = [r for r in records if r.period != window.period]
    done = set() if everything else {key for r in records for key in (*r.post_ids, *r.post_files)}
    start = window.start
    if catch_up and site.digest.catch_up and records and not everything:
        start = min([start, *(r.start for r in records)])
    span = Window(start, window.end, window.period)
    return [p for p in select_posts(site, published, span) if p.id not in done and p.name not in done]


def recorded_posts(record: DigestRecord, published: list[Post]) -> list[Post]:
    """The published posts a recorded digest holds, in its order, found by id or else by file."""
    by_id = {p.id: p for p in published}
    by_file = {p.name: p for p in published}
    files = record.post_files if len(record.post_files) == len(record.post_ids) else ("",) * len(record.post_ids)
    found = (by_id.get(pid) or by_file.get(name) for pid, name in zip(record.post_ids, files))
    return [post for post in found if post is not None]


def _describe(record: DigestRecord) -> str:
    if record.status == SENT:
        return (f"sent at {record.sent_at.isoformat() if record.sent_at else '?'} to {record.sent_to} "
                f"({_posts(len(record.post_ids))})")
    if record.status == EMPTY:
        return "had no new posts"
    return f"rendered at {record.rendered_at.isoformat()} with sending off ({_posts(len(record.post_ids))})"


def _posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"


def _render(run: _DigestRun, posts: list[Post], window, rendered_at: datetime, list_tool: str | None = None):
    """The digest files of ``posts`` as of ``rendered_at``; None when no body could be rendered."""
    from syndicate.pipeline import digest_of

    return digest_of(run.site, posts, window, rendered_at, run.outcome, run.renderer, list_tool)


def _files_of(posts: list[Post], files) -> tuple[str, ...]:
    """The file names of the posts a rendered digest holds, in its order."""
    by_id = {p.id: p.name for p in posts}
    return tuple(by_id[pid] for pid in files.post_ids)


def _write_digest(run: _DigestRun, files) -> bool:
    """Write the digest's files (a dry run: say which it would); returns whether they are all on disk.

    When they are not, the digest is neither recorded nor sent: the errors say
    why, and the next run tries again.
    """
    from syndicate.pipeline import write_digest
    from syndicate.render.digest import digest_outputs

    if run.dry_run:
        _dry_write(run.site, digest_outputs(files), run.outcome)
        return True
    if write_digest(run.site, files, run.outcome):
        return True
    run.outcome.errors.append(PublishError(f"digest {files.period}: its files could not be written, so it is "
                                           "neither recorded nor sent; the next run tries again"))
    return False


def _refused(site: Site, list_tool: str | None) -> SyndicateError | None:
    """Why this digest must not go out by SMTP (see ``render.mail.send_refusal``); None when it may."""
    from syndicate.render.mail import MERGE_TAGS, send_refusal

    reason = send_refusal(site, list_tool or site.digest.list_tool, flag=list_tool is not None)
    if reason is None:
        return None
    # A tool given by --for is the command line's doing, not the configuration's.
    return SyndicateError(reason) if list_tool in MERGE_TAGS else ConfigError(reason, site.config_file)


def _new_digest(run: _DigestRun, window, posts: list[Post]) -> bool:
    site, outcome = run.site, run.outcome
    refusal = _refused(site, None) if run.sending else None
    if refusal is not None:
        # Neither rendered nor recorded: once the configuration allows it, the next run sends it.
        outcome.errors.append(refusal)
        return False
    files = _render(run, posts, window, run.now)
    if files is None:
        return False  # every body failed; the errors say why, the next run tries again
    if not _write_digest(run, files):
        return False
    record = DigestRecord(window.period, window.start, window.end, files.post_ids,
                          SENDING if run.sending else RENDERED, run.now, files.message_id,
                          post_files=_files_of(posts, files))
    if not run.sending:
        outcome.decisions.append(f"digest {window.period}: rendered ({_posts(len(files.post_ids))}); "
                                 "not sent: sending is off (digest.send, --send)")
        if not run.dry_run:
            save_digest(site, record)
        return True
    if not run.dry_run:
        # Recorded before sending: a run killed from here on resumes this very
        # digest (same posts, same bytes) instead of choosing posts again.
        save_digest(site, record)
    return _send(run, record, files)


def _resume(run: _DigestRun, record: DigestRecord, published: list[Post]) -> bool:
    """Send a digest that an earlier run rendered but no server accepted; returns whether it went."""
    from syndicate.render.digest import Window

    site, outcome, dry_run = run.site, run.outcome, run.dry_run
    refusal = _refused(site, None)
    if refusal is not None:
        outcome.errors.append(refusal)
        return False
    posts = recorded_posts(record, published)
    gone = len(record.post_ids) - len(posts)
    if gone:
        outcome.notices.append(Notice(f"digest {record.period}: {gone} of its posts are no longer published; "
                                      "sending the others"))
    window = Window(record.start, record.end, record.period)
    # Rendered with the first attempt's clock, so the files and the message
    # are the very bytes that were written then.
    files = _render(run, posts, window, record.rendered_at) if posts else None
    if files is None:
        outcome.decisions.append(f"digest {record.period}: none of its posts is published any more; dropped")
        if not dry_run:
            save_digest(site, replace(record, post_ids=(), status=EMPTY))
        return True
    if not _write_digest(run, files):
        return False
    if files.post_ids != record.post_ids:
        record = replace(record, post_ids=files.post_ids, message_id=files.message_id,
                         post_files=_files_of(posts, files))
        if not dry_run:
            save_digest(site, record)
    return _send(run, record, files)


def _send(run: _DigestRun, record: DigestRecord, files) -> bool:
    """Send the digest and record it as sent once a server accepted it; returns whether it went."""
    from syndicate.write.smtp import Unanswered, send_message

    site, now, outcome = run.site, run.now, run.outcome
    what = f"digest {record.period} ({_posts(len(files.post_ids))}) to {site.email.to}"
    if run.dry_run:
        outcome.events.append(f"would send {what}")
        return True
    try:
        # Recorded the moment the server accepts, before QUIT; made ready
        # now, so that recording it then needs no disk space.
        prepared = prepare_sent(site, replace(record, status=SENT, sent_at=now, sent_to=site.email.to))
    except SyndicateError as exc:
        outcome.errors.append(PublishError(f"digest {record.period} not sent, as it could not be recorded as "
                                           f"sent: {exc.detail}", exc.path, exc.line))
        return False
    unrecorded: list[SyndicateError] = []

    def accepted() -> None:
        try:
            commit_sent(site, prepared)
        except SyndicateError as exc:
            unrecorded.append(exc)

    try:
        refused = send_message(site, files.eml, accepted=accepted, sleep=run.sleep)
    except Unanswered as exc:
        from syndicate.pipeline import save_state

        record = replace(record, unanswered=record.unanswered + 1)
        if record.unanswered < UNANSWERED_LIMIT:
            then = "not sent again in this run; the next run sends it again"
        else:
            # A server that takes every copy and never answers must not get one per run.
            record = replace(record, status=SENT, sent_at=now, sent_to=site.email.to)
            then = (f"{record.unanswered} times now, so it counts as sent; if the list did not get it, "
                    f"`syndicate digest {_period_flag(record.period)} --send --force` sends it again")
        outcome.errors.append(PublishError(f"digest {record.period} may have been sent: {exc.detail}; {then}"))
        save_state(outcome, lambda: save_digest(site, record))
        return False
    except SyndicateError as exc:
        outcome.errors.append(PublishError(f"digest {record.period} not sent: {exc.detail}", exc.path, exc.line))
        return False
    outcome.events.append(f"sent {what}")
    outcome.errors += unrecorded
    if refused:
        outcome.errors.append(PublishError(f"digest {record.period}: the server refused "
                                           f"{', '.join(refused)}; the other recipients got it"))
    return True


# --- syndicate digest --send ----------------------------------------------------------


def send_digest(site: Site, now: datetime, *, days: int | None = None, since: str | None = None,
                until: str | None = None, week: str | None = None, period: str | None = None,
                list_tool: str | None = None, force: bool = False, sleep: Sleep | None = None) -> Outcome:
    """``syndicate digest … --send``: render one window's digest and send it now, holding the site's lock.

    A period that state.json says was sent is refused unless ``force``; a
    forced resend renders the posts that period was sent with. A new period
    takes the window's posts that are in no other digest, and is recorded as
    publish records its own, so publish will not send it again.
    """
    from syndicate.render.digest import window_for

    window = window_for(site, now, days=days, since=since, until=until, week=week, period=period)
    refusal = _refused(site, list_tool)
    if refusal is not None:
        raise refusal  # before anything is read, written or recorded
    return locked(site, lambda outcome: _send_digest(site, now, window, list_tool, force, sleep, outcome),
                  sleep=sleep)


def _send_digest(site: Site, now: datetime, window, list_tool: str | None, force: bool, sleep: Sleep | None,
                 outcome: Outcome) -> None:
    from syndicate import pipeline
    from syndicate.render.digest import Window

    fast = Speedups(site, now, trust_record=False)
    loaded, published = pipeline.read_into(site, now, outcome, source=fast.source)
    save_first_seen(site, loaded)
    records = load_digests(site)
    record = records.get(window.period)
    if record is not None and record.status == SENT and not force:
        outcome.errors.append(PublishError(f"digest {window.period} was sent at "
                                           f"{record.sent_at.isoformat() if record.sent_at else '?'} to "
                                           f"{record.sent_to}; add --force to send it again"))
        return
    if record is not None and record.post_ids:
        window = Window(record.start, record.end, record.period)
        posts = recorded_posts(record, published)
    else:
        posts = digest_posts(site, published, window, records.values(), catch_up=False, everything=force)
    run = _DigestRun(site, now, fast.renderer, outcome, sending=True, dry_run=False, sleep=sleep)
    files = _render(run, posts, window, now, list_tool) if posts else None
    if files is None:
        outcome.events.append(f"no posts for digest {window.period}; nothing sent")
    elif _write_digest(run, files):
        record = DigestRecord(window.period, window.start, window.end, files.post_ids, SENDING, now,
                              files.message_id, post_files=_files_of(posts, files))
        save_digest(site, record)
        _send(run, record, files)
    fast.index.save()
