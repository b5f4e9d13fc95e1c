"""``syndicate digest``: one window's digest, written to the output folder (``--send``: see commands.publish)."""

from __future__ import annotations

from datetime import datetime

from syndicate.commands.run import Sleep, locked
from syndicate.incremental.layer import Speedups
from syndicate.outcome import Outcome
from syndicate.render.content import render_posts
from syndicate.render.digest import select_posts, window_for
from syndicate.sources.config import Site


def digest(site: Site, now: datetime, *, days: int | None = None, since: str | None = None,
           until: str | None = None, week: str | None = None, period: str | None = None,
           list_tool: str | None = None, sleep: Sleep | None = None) -> Outcome:
    """Read the site, pick the window's posts, write the digest, holding the site's lock.

    An empty window writes nothing and says so; it is not a failure, so a
    quiet week never makes cron complain.
    """
    window = window_for(site, now, days=days, since=since, until=until, week=week, period=period)
    return locked(site, lambda outcome: _digest(site, now, window, list_tool, outcome), sleep=sleep)


def _digest(site: Site, now: datetime, window, list_tool: str | None, outcome: Outcome) -> None:
    from syndicate import pipeline
    from syndicate.write.state import save_first_seen

    fast = Speedups(site, now, keep_index=False)
    found = fast.window_posts(window.start, window.end)
    if found is not None:
        # Nothing changed since the last build or publish: the window's posts
        # alone are read, and the warnings are that run's.
        posts, notices = found
        outcome.notices += notices
        outcome.decisions.append(
            f"nothing changed since the last run: read only the {len(posts)} post(s) dated in {window.period}")
        renderer = render_posts
    else:
        # The posts index answers for unchanged posts. It is not saved, as with
        # check: it keeps rendered bodies for the feeds' posts, not the digest's.
        loaded, posts = pipeline.read_into(site, now, outcome, source=fast.source)
        # Dateless posts keep the date they were first seen, as with build.
        pipeline.save_state(outcome, lambda: save_first_seen(site, loaded))
        renderer = fast.renderer
    files = pipeline.digest_of(site, select_posts(site, posts, window), window, now, outcome, renderer, list_tool)
    if files is None:
        outcome.events.append(f"no posts from {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} "
                              f"({window.period}); no digest written")
        return
    pipeline.write_digest(site, files, outcome, remember=True)
