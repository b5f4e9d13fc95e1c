"""The last run's record: a run in which nothing changed does nothing.

cron runs syndicate every few minutes, and nearly every time nothing changed.
``.syndicate/last-run.json`` keeps what the outputs of the last run without
errors depend on: the code, its libraries and the configuration; the name,
size, mtime and ctime of every file in the posts folder and of first-seen.json
(ctime changes with permissions too, so a post made unreadable is read again
and reported); the local images the feeds describe; the span of time in which the same posts
are published (until the next scheduled post is due); and the size and mtime
of every output. When all of it is unchanged, a run stats each post file once,
repeats the last run's warnings, and stops: no post is read or parsed, no feed
rendered.

Anything else (a post touched, an output edited or deleted, a scheduled post
due, the clock set back, new code) means a full run, which writes a new
record if it had no errors. Posts changed less than a second before a run
began are not trusted to the record, as git does not trust files changed in
the same tick as its index: a second edit within the file system's mtime
resolution could otherwise go unseen.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

from syndicate.config import Site
from syndicate.errors import Notice
from syndicate.posts import skipped_folder
from syndicate.state import FIRST_SEEN, fingerprint, read_json, write_json

RECORD_NAME = "last-run.json"
FORMAT = 1
RACY_NS = 1_000_000_000


@dataclass(frozen=True)
class Scan:
    """The posts folder as one run saw it before reading any post."""

    digest: str  # of every file's name, size, mtime and ctime
    newest_mtime_ns: int
    taken_ns: int


def scan_posts(site: Site) -> Scan:
    """Stat every file in the posts folder (and first-seen.json); read none."""
    taken = time.time_ns()
    lines: list[str] = []
    newest = 0

    def add(path: str, stat: os.stat_result | None) -> None:
        nonlocal newest
        if stat is None:
            lines.append(f"{path}\0-")
            return
        lines.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}")
        newest = max(newest, stat.st_mtime_ns)

    def walk(folder: str) -> None:
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError:
            add(folder, None)
            return
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    # Every file counts, but not in the folders posts.post_files skips.
                    if not skipped_folder(entry.name):
                        walk(entry.path)
                    continue
                stat = entry.stat()
            except OSError:
                stat = None
            add(entry.path, stat)

    # Plain strings and scandir: pathlib costs more than the stat itself here.
    first_seen = os.path.join(site.state_dir, FIRST_SEEN)
    try:
        add(first_seen, os.stat(first_seen))
    except OSError:
        add(first_seen, None)
    walk(str(site.posts_dir))
    digest = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
    return Scan(digest, newest, taken)


def _fingerprint(site: Site) -> str:
    """The code, libraries and configuration that outputs depend on, in one hash."""
    # Every module: any of them may change an output's bytes.
    return fingerprint(FORMAT, site, sorted(module.stem for module in Path(__file__).parent.glob("*.py")))


def _stat(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _image_sizes(site: Site, urls: Iterable[str]) -> dict[str, int | None]:
    """Each local image's size; None where the feeds give no length (not local, not readable)."""
    return {url: site.local_file_size(url) for url in sorted(set(urls))}


def unchanged(site: Site, now: datetime, scan: Scan) -> tuple[list[str], list[Notice]] | None:
    """The last run's outputs and warnings when nothing they depend on changed, else None.

    Outputs are paths relative to the site, as the CLI shows them.
    """
    data = read_json(site.state_dir / RECORD_NAME)
    try:
        if (data.get("format") != FORMAT or data["posts"] != scan.digest
                or data["fingerprint"] != _fingerprint(site)):
            return None
        valid_from = datetime.fromisoformat(data["valid_from"])
        valid_until = datetime.fromisoformat(data["valid_until"]) if data["valid_until"] else None
        if now < valid_from or (valid_until is not None and now >= valid_until):
            return None  # the clock went back, or a scheduled post is due
        for shown, expected in data["outputs"].items():
            if _stat(site.root / shown) != expected:
                return None
        if _image_sizes(site, data["images"]) != data["images"]:
            return None
        notices = [Notice(str(message), path, line) for message, path, line in data["notices"]]
    except (KeyError, TypeError, ValueError, OSError):
        return None  # a record from elsewhere, or damaged: never trusted
    return list(data["outputs"]), notices


def save(site: Site, now: datetime, scan: Scan, *, next_due: datetime | None,
         outputs: Iterable[str], images: Iterable[str], notices: Iterable[Notice]) -> bool:
    """Record a run without errors; returns whether a record was kept.

    ``next_due`` is the date of the next scheduled post, ``outputs`` the files
    the run wrote or left unchanged (relative to the site), ``images`` the URLs
    of the images the feeds describe.
    """
    path = site.state_dir / RECORD_NAME
    if scan.newest_mtime_ns >= scan.taken_ns - RACY_NS:
        forget(site)  # a post changed just now; see the module docstring
        return False
    record = {
        "format": FORMAT,
        "fingerprint": _fingerprint(site),
        "posts": scan.digest,
        "valid_from": now.isoformat(),
        "valid_until": next_due.isoformat() if next_due else None,
        "outputs": {shown: _stat(site.root / shown) for shown in sorted(outputs)},
        "images": _image_sizes(site, images),
        "notices": [[n.message, n.path, n.line] for n in notices],
    }
    if None in record["outputs"].values():
        forget(site)
        return False
    write_json(path, record)
    return True


def forget(site: Site) -> None:
    """Drop the record, so the next run is a full one."""
    try:
        (site.state_dir / RECORD_NAME).unlink()
    except OSError:
        pass  # none, or not ours to delete: it is checked against every input anyway
