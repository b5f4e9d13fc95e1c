"""One run's speed-ups, as the commands use them around the pipeline.

In the order a run tries them:

1. ``unchanged``: nothing the outputs depend on changed since the last run
   (``sources.inputs``); a stat per post file, no post read (syndicate.incremental.lastrun).
2. ``update``: only a few post files changed; those are read and only their
   feeds rendered (syndicate.incremental.partial).
3. the full pipeline, fed by the posts index (``source``, ``renderer``):
   unchanged post files are not opened, kept bodies not rendered again, the
   rest done in worker processes (syndicate.incremental.cache, .workers).
   ``saves`` then keeps what the next run needs.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import Callable, Iterable

from syndicate.errors import Notice
from syndicate.incremental import lastrun
from syndicate.incremental.cache import PostsIndex
from syndicate.outcome import Outcome
from syndicate.sources.config import Site
from syndicate.sources.posts import post_files


class Speedups:
    """The last run's record, partial runs and the posts index, for one run of one site."""

    def __init__(self, site: Site, now: datetime, *, trust_record: bool = True, keep_index: bool = True):
        """``trust_record=False``: the record cannot answer for this run (a digest may be due).

        ``keep_index=False``, for runs that write no state (check, digest):
        the index answers for unchanged posts but makes no new entries.
        """
        self.site, self.now = site, now
        self._trust_record = trust_record
        self._keep_index = keep_index

    @cached_property
    def scan(self) -> lastrun.Scan:
        """Every post file's stat, taken before any post is read when a record may answer for this run.

        With no record to compare them with, a full run follows: the files
        are only listed here, and stated while its workers read posts, or
        just before it reads them without workers (``source``). Stats taken
        then hold as well (``Scan.stated``), and the run's own process takes
        them while the workers, forked already, read (a cold build of 10,000
        posts: 1.58 -> 1.55 s, medians of twenty alternated).
        """
        if self.record is not None:
            return lastrun.scan_posts(self.site)
        return lastrun.scan_posts(self.site, stat=False)

    def _state_files(self) -> None:
        """``source``'s work alongside the read: the scan, stated."""
        self.scan = self.scan.stated(self.site)

    @cached_property
    def record(self) -> dict | None:
        """The last run's record, when it can answer for this run."""
        return lastrun.trusted(self.site, self.now) if self._trust_record else None

    def unchanged(self) -> tuple[list[str], list[Notice]] | None:
        """The last run's outputs and warnings when nothing changed since, else None."""
        return lastrun.unchanged(self.record, self.now, self.scan)

    def update(self, outcome: Outcome | None = None) -> Outcome | None:
        """Bring the feeds up to date after a few post files changed (``partial.update``).

        None, having written nothing, when a full run is needed.
        """
        from syndicate.incremental.partial import update

        return update(self.site, self.now, self.scan, self.record, outcome)

    def window_posts(self, start: datetime, end: datetime) -> tuple[list, list[Notice]] | None:
        """The published posts dated in ``[start, end)`` and every file's warnings, when nothing changed; else None."""
        from syndicate.incremental.partial import window_posts

        return window_posts(self.site, self.now, start, end)

    @cached_property
    def index(self) -> PostsIndex:
        """The posts index, loaded when first asked for."""
        return PostsIndex.load(self.site, keep=self._keep_index)

    @property
    def source(self):
        """The pipeline's ``PostSource``: the index's, reading only changed files, many in workers.

        It states the files of a scan that only listed them (``scan``).
        """
        if "scan" in vars(self) and self.scan.unstated is not None:
            return partial(self.index.read_posts, alongside=self._state_files)
        return self.index.read_posts

    def post_files(self) -> list[Path] | None:
        """The post files of the scan (``posts.post_files``), when this run has taken it; None: the pipeline walks.

        A full run after ``unchanged`` and ``update`` said no reads the files
        they stated, without a second walk of the folder (20 ms at 10,000
        posts); a run that never needed the scan (a check) is not made to take one.
        """
        if "scan" not in vars(self):
            return None
        return list(post_files(self.site, self.scan.listing))

    @property
    def renderer(self):
        """The pipeline's ``BodyRenderer``: the index's, rendering only changed bodies, many in workers."""
        return self.index.render_posts

    def saves(self, feeds, outcome: Outcome) -> Iterable[Callable[[], object]]:
        """What keeps a full run's work for the next one: the posts index, then the record of this run.

        ``feeds`` is the pipeline's ``Feeds``; ``outcome`` what the feeds gave
        (a run with errors leaves no record).
        """
        from syndicate.incremental.partial import remember_run

        site, now = self.site, self.now
        return (self.index.save,
                lambda: remember_run(site, now, self.scan.stated(site), feeds.loaded, feeds.published, feeds.specs,
                                     feeds.bodies, outcome, self.record, self.index.keys))
