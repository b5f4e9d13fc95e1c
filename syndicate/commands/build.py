"""``syndicate build`` and ``syndicate check``: the pipeline, with the speed-ups around it."""

from __future__ import annotations

from datetime import datetime

from syndicate.commands.run import Sleep, leave_to_exit, locked
from syndicate.commands.websub import announce
from syndicate.incremental.layer import Speedups
from syndicate.outcome import Outcome
from syndicate.sources.config import Site

# The pipeline (syndicate.pipeline) imports the renderers and feedgen: a run
# in which nothing changed never needs them, so each command imports it late.


def build(site: Site, now: datetime, progress=None, *, sleep: Sleep | None = None) -> Outcome:
    """Build every feed of the site as of ``now``, holding the site's lock.

    Scheduled, draft and unpublished posts are left out; a post with an error
    is reported and left out; nothing is written until everything is read.
    """
    return locked(site, lambda outcome: build_feeds(site, now, outcome, progress), sleep=sleep)


def build_feeds(site: Site, now: datetime, outcome: Outcome, progress=None) -> None:
    """``build``'s work, into ``outcome``, once the lock is held; then the WebSub hubs of the feeds it changed."""
    _write_feeds(site, now, outcome, progress)
    announce(site, outcome.written, outcome)  # after the record: a hub's warning is not a post's


def _write_feeds(site: Site, now: datetime, outcome: Outcome, progress=None) -> None:
    fast = Speedups(site, now)
    last = fast.unchanged()
    if last is not None:
        outcome.unchanged, outcome.notices = last
        outcome.decisions.append("nothing changed since the last run: no post read, no feed rendered")
        return
    if fast.update(outcome) is not None:
        return
    from syndicate import pipeline
    from syndicate.write.state import save_first_seen

    feeds = pipeline.read_and_render(site, now, outcome, progress, fast.source, fast.renderer, fast.post_files())
    pipeline.write_outputs(site, feeds.files, outcome)
    pipeline.remove_emptied_feeds(site, feeds.specs, outcome)
    pipeline.save_state(outcome, lambda: save_first_seen(site, feeds.loaded), *fast.saves(feeds, outcome))
    leave_to_exit(feeds, fast)


def check(site: Site, now: datetime, progress=None) -> Outcome:
    """Read every post and render every published body; write nothing.

    Besides what reading and rendering report, an image without alt text is a warning.
    """
    from syndicate import pipeline
    from syndicate.render.content import missing_alt_text

    fast, published, outcome = read_for_check(site, now, progress)
    for _, rendered in pipeline.render_bodies(site, published, outcome, fast.renderer):
        outcome.notices.extend(missing_alt_text(rendered.post, rendered.html))
    return outcome


def read_for_check(site: Site, now: datetime, progress=None) -> tuple[Speedups, list, Outcome]:
    """The published posts, read as ``check`` reads them, and an outcome holding what reading found.

    The posts index answers for unchanged posts, and is not saved: a check
    writes nothing at all.
    """
    from syndicate import pipeline

    fast = Speedups(site, now, trust_record=False, keep_index=False)
    outcome = Outcome()
    _, published = pipeline.read_into(site, now, outcome, progress, fast.source)
    return fast, published, outcome
