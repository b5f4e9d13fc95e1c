"""One run at a time: a lock file in the state folder.

The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking``
on Windows) on ``.syndicate/lock``, so it ends with its process: a run killed
with ``kill -9`` leaves the file but not the lock, and the next run takes it
over at once. The file itself only says who holds it (pid, start time), for
messages; it is never deleted, because deleting a lock file that another run
has just opened lets a third run lock a new file beside it, nor truncated: the
holder's line is written over the first ``HOLDER_BYTES`` in place.

A site's repository may ship ``.syndicate/``: the lock file is opened without
following a symbolic link, and a link anywhere in the state folder stops the
run, with one line naming it, before anything else there is read or written.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator

from syndicate.sources.config import Site
from syndicate.errors import PublishError
from syndicate.sources.posts import shown_path
from syndicate.write.state import NOFOLLOW, link_error, refuse_links

LOCK_NAME = "lock"
POLL_SECONDS = 0.1
HOLDER_BYTES = 100  # the holder's line, padded with spaces: "" (spaces only) when nobody holds the lock

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt


@dataclass(frozen=True)
class Held:
    """The lock, held by this process; ``previous`` is what an earlier holder left."""

    path: str  # as shown to the user
    previous: str  # "pid 123 since 2026-11-25T08:00:00+00:00", or "" when the file was empty
    previous_pid: int | None
    waited: float  # seconds


@dataclass(frozen=True)
class Busy:
    """Another run holds the lock and did not let go within the timeout."""

    path: str
    holder: str  # "pid 123 since …"
    waited: float

    def __str__(self) -> str:
        who = f" ({self.holder})" if self.holder else ""
        return f"another syndicate run holds {self.path}{who}; waited {self.waited:.0f} s, this run did nothing"


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        # What "held by another process" looks like on each system.
        if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _say(fd: int, holder: str) -> None:
    """Write the holder's line over the first HOLDER_BYTES of the lock file, padded; nothing else moves."""
    line = holder.encode("utf-8")[:HOLDER_BYTES - 1].ljust(HOLDER_BYTES - 1) + b"\n"
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, line)


def _holder(fd: int) -> tuple[str, int | None]:
    """What the lock file says about who holds it."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, HOLDER_BYTES).decode("utf-8", "replace").strip()
    except OSError:
        return "", None
    words = text.split()
    pid = int(words[1]) if len(words) > 1 and words[0] == "pid" and words[1].isdigit() else None
    return text, pid


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists, but belongs to someone else
    return True


@contextmanager
def site_lock(site: Site, timeout: float | None = None, *, sleep: Callable[[float], None] = time.sleep,
              clock: Callable[[], float] = time.monotonic) -> Iterator[Held | Busy]:
    """Hold the site's lock for the ``with`` block, waiting up to ``timeout`` seconds.

    Yields ``Held`` when this run has the lock, ``Busy`` when another run kept
    it for the whole wait (the caller then does nothing and exits 0). The
    timeout defaults to ``publish.lock_timeout``.
    """
    timeout = site.publish.lock_timeout if timeout is None else timeout
    path = site.state_dir / LOCK_NAME
    shown = shown_path(site, path)
    try:
        site.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise link_error(site, path) from None
        raise PublishError(f"cannot open the lock file: {exc.strerror or exc}", shown) from None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_nlink > 1:
            what = "has other names (hard links)" if stat.S_ISREG(found.st_mode) else "is not a regular file"
            raise PublishError(f"{what}; remove it (the next run makes it afresh)", shown)
        started = clock()
        while not _try_lock(fd):
            waited = clock() - started
            if waited >= timeout:
                yield Busy(shown, _holder(fd)[0], waited)
                return
            sleep(min(POLL_SECONDS, max(timeout - waited, 0.0)))
        try:
            refuse_links(site)  # once the lock is held: no other run is making files there now
            previous, pid = _holder(fd)
            stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            try:
                _say(fd, f"pid {os.getpid()} since {stamp}")
            except OSError as exc:
                raise PublishError(f"cannot write the lock file: {exc.strerror or exc}", shown) from None
            yield Held(shown, previous, pid, clock() - started)
        finally:
            # Spaces say "nobody" (in place: the first line took the space
            # they need); a file still naming a pid after its run has gone is
            # a run that was killed.
            with suppress(OSError):
                _say(fd, "")
            _unlock(fd)
    finally:
        os.close(fd)
