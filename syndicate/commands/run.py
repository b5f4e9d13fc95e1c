"""What every command does around its work: the clock, and for a command that writes, the site's lock.

The configuration is loaded and the outcome reported by the CLI
(``syndicate.cli``); everything between is a command's own.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from syndicate.commands.lock import Busy, Held, pid_alive, site_lock
from syndicate.errors import SyndicateError
from syndicate.outcome import Outcome
from syndicate.sources.config import Site
from syndicate.sources.posts import parse_date
from syndicate.write.files import remove_temporaries

Sleep = Callable[[float], None]

# What the last command made, kept from being freed until the process ends (leave_to_exit).
_left: list = []


def leave_to_exit(*made: object) -> None:
    """Keep what a command made (its posts, feeds, bodies) alive until the process ends.

    The console script ends the process without freeing anything
    (``cli.main``): the system takes its memory back whole, where Python would
    free a large site's posts and bodies one object at a time once the
    command returned, with the feeds long written (28 ms of a cold build of
    10,000 posts). In a process that runs many commands, a library user's or
    the tests', each command's data replaces the last's.
    """
    _left[:] = made


def resolve_now(text: str | None, site: Site) -> datetime:
    """The clock: ``--now`` when given (naive means the site's time zone), else now."""
    if text is None:
        # Whole seconds: a dateless post is dated by this clock, and its date
        # is shown in feeds and kept in first-seen.json.
        return datetime.now(timezone.utc).replace(microsecond=0).astimezone(site.timezone)
    try:
        return parse_date(text, site.timezone).astimezone(site.timezone)
    except (ValueError, OverflowError):
        raise SyndicateError(f"--now is not a date: {text!r} (use ISO 8601, e.g. 2026-11-25T08:00:00+09:00)") from None


def locked(site: Site, work: Callable[[Outcome], object], *, sleep: Sleep | None = None,
           dry_run: bool = False) -> Outcome:
    """Run ``work`` with the site's lock held, so that two runs that write never interleave.

    A run that cannot get the lock within ``publish.lock_timeout`` does
    nothing and says so, with exit 0: cron starts another soon. A dry run
    writes nothing, not even the lock file, and so takes none. A run that
    holds the lock removes the temporary files that earlier runs, killed
    while writing, left beside its outputs and in the state folder.
    """
    outcome = Outcome()
    with (nullcontext() if dry_run else site_lock(site, sleep=sleep or time.sleep)) as lock:
        if isinstance(lock, Busy):
            outcome.events.append(str(lock))
            return outcome
        if lock is None:
            work(outcome)
            return outcome
        _explain_lock(lock, outcome)
        # What killed runs left: before the work, where disk space may be short,
        # and after it in every folder an output of this run is in.
        cleaned = _remove_leftovers({site.state_dir, site.output_dir, site.output_dir / "digest"})
        work(outcome)
        _remove_leftovers({(site.root / shown).parent for shown in outcome.written + outcome.unchanged} - cleaned)
    return outcome


def _remove_leftovers(folders: set[Path]) -> set[Path]:
    """``files.remove_temporaries`` of ``folders``, for a run that holds the site's lock; returns ``folders``."""
    remove_temporaries(folders)
    return folders


def _explain_lock(lock: Held, outcome: Outcome) -> None:
    if lock.previous_pid is not None:
        state = "no longer running" if not pid_alive(lock.previous_pid) else "still running but without the lock"
        outcome.decisions.append(f"lock: took over {lock.path} from pid {lock.previous_pid} ({state}); "
                                 "that run was killed")
    if lock.waited >= 0.05:
        outcome.decisions.append(f"lock: waited {lock.waited:.1f} s for another run to finish")
