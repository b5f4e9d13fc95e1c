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

When only post files changed (or a scheduled post came due), the record's
details (``last-run-posts.json``, ``last-run-files.txt``: see ``Details``)
let ``partial.update`` read just those files and render just their feeds.
Anything else (an output edited or deleted, the clock set back, new code)
means a full run, which writes a new record if it had no errors. A post
file changed less than two seconds (FAT's mtime resolution, the coarsest)
before a run began is not trusted to the record, as git does not trust files
changed in the same tick as its index: a second edit within the file
system's mtime resolution could otherwise go unseen. The record marks that file alone (``RACY``), and the next run reads
it again as a changed file, leaving the rest of the record to answer.

The record carries a check (``cache.check_of``) of its own fields and of
the bytes of its details: a record or details edited by hand, or damaged,
are not trusted at all, and the next run is a full one.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from syndicate.sources.config import FEEDS_PAGE_TEMPLATES, Site
from syndicate.errors import Notice
from syndicate.incremental.cache import check_of, decode_post, encode_post
from syndicate.sources.posts import Entry, Post, files_of, stated_entries, walk_posts_folder
from syndicate.sources.inputs import fingerprint, first_seen_path
from syndicate.sources.safe_yaml import json_loads
from syndicate.write.state import compact_json, read_json, write_json
from syndicate.write.files import write_bytes

RECORD_NAME = "last-run.json"
DETAILS_NAME = "last-run-posts.json"
FILES_NAME = "last-run-files.txt"
FORMAT = 4
# The coarsest mtime granularity in use (FAT's two seconds): a file changed
# after the scan began has an mtime no older than this before it.
RACY_NS = 2_000_000_000
RACY = "racy"  # in place of a file's stat, in the record: changed less than RACY_NS before the scan


@dataclass(frozen=True)
class Scan:
    """The posts folder as one run saw it: every file, and its stat.

    Each file is stated before the run reads any post, or while its workers read them (``stated``).
    """

    digest: str  # of every file's name, size, mtime and ctime
    taken_ns: int  # when the scan began
    # One per file, "name\0size\0mtime\0ctime", in post_files' order; the
    # name is the path relative to the site, as posts.shown_path gives it.
    lines: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the name in each line
    racy: tuple[int, ...] = ()  # the lines of files changed less than RACY_NS before the scan
    # Each folder and the names of its files (posts.files_of): a full run
    # reads the files of this walk (posts.post_files) instead of walking again.
    listing: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Not stated yet (``scan_posts(stat=False)``): each folder and the names
    # of all its entries, None for a folder that could not be listed.
    unstated: tuple[tuple[str, tuple[str, ...] | None], ...] | None = None

    def trusted_lines(self) -> tuple[tuple[str, ...], str]:
        """The lines a record keeps, a racy file's stat replaced by ``RACY``, and their digest.

        A racy file's line then matches no later scan, so the next run reads
        that file again, however little its stat changed in the meantime; the
        record's digest matches no later scan either, so that run is never
        answered by ``unchanged``.
        """
        if not self.racy:
            return self.lines, self.digest
        lines = list(self.lines)
        for number in self.racy:
            lines[number] = f"{self.names[number]}\0{RACY}"
        return tuple(lines), _digest_of(lines)

    def stated(self, site: Site) -> "Scan":
        """The scan with every file's stat, taken now when ``scan_posts`` left them out.

        Stats taken while posts are being read hold as well as those taken
        before: a file changed after the scan began has an mtime no older
        than ``taken_ns`` less RACY_NS, so it is racy, and the next run reads it again.
        """
        if self.unstated is None:
            return self
        walked = ((folder, None if names is None else stated_entries(folder, names))
                  for folder, names in self.unstated)
        return _scan(site, self.taken_ns, walked, self.listing)


def scan_posts(site: Site, stat: bool = True) -> Scan:
    """Stat every file in the posts folder (and first-seen.json); read none.

    Files come in the order ``posts.walk_posts_folder`` gives them, the order
    of ``posts.post_files``, so a partial run can keep warnings in the same
    order. Every file counts, editor leftovers and links to folders too.
    ``stat=False``: the files listed, and stated later (``Scan.stated``), by a
    full run while its workers read posts.
    """
    taken = time.time_ns()
    if stat:
        return _scan(site, taken, walk_posts_folder(site, stats=True))
    walked = list(walk_posts_folder(site))
    return Scan("", taken, listing=tuple((folder, files_of(entries)) for folder, entries in walked),
                unstated=tuple((folder, None if entries is None else tuple(entry.name for entry in entries))
                               for folder, entries in walked))


def _scan(site: Site, taken: int, walked: Iterable[tuple[str, Iterable[Entry] | None]],
          listing: tuple[tuple[str, tuple[str, ...]], ...] | None = None) -> Scan:
    """The Scan of every stated entry of ``walked`` (``walk_posts_folder(stats=True)``'s), begun at ``taken``.

    ``listing``: each folder's files, when known already.
    """
    lines: list[str] = []
    file_names: list[str] = []  # the name in each line
    racy: list[int] = []
    root = str(site.root).rstrip(os.sep) + os.sep

    def shown(path: str) -> str:
        return path[len(root):].replace(os.sep, "/") if path.startswith(root) else path

    def add(name: str, stat: os.stat_result | None) -> None:
        """One file's line; "-" for one that cannot be stated (or listed)."""
        file_names.append(name)
        if stat is None:
            lines.append(f"{name}\0-")
            return
        if stat.st_mtime_ns >= taken - RACY_NS:
            racy.append(len(lines))
        lines.append(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}")

    first_seen = str(first_seen_path(site))
    try:
        add(shown(first_seen), os.stat(first_seen))
    except OSError:
        add(shown(first_seen), None)
    folders = []
    for folder, entries in walked:
        if entries is None:
            folders.append((folder, ()))
            add(shown(folder), None)
            continue
        entries = list(entries)
        folders.append((folder, files_of(entries)))
        prefix = shown(os.path.join(folder, ""))
        for entry in entries:
            if not entry.enter:  # a file that became a folder since it was listed is no file
                add(prefix + entry.name, entry.stat)
    return Scan(_digest_of(lines), taken, tuple(lines), tuple(file_names), tuple(racy),
                tuple(folders) if listing is None else listing)


def _digest_of(lines: list[str] | tuple[str, ...]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def _fingerprint(site: Site) -> str:
    """The code, libraries and configuration that outputs depend on, in one hash;
    with ``feed.page`` on, the site's own templates of the feeds page too."""
    found = fingerprint(FORMAT, site)
    if site.feed.page:
        own = [_read_or_none(site.templates_dir / name) for name in FEEDS_PAGE_TEMPLATES.values()]
        found += ":" + check_of(compact_json([None if data is None else check_of(data) for data in own]))
    return found


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _stat(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _image_sizes(site: Site, urls: Iterable[str], known: dict | None = None) -> dict[str, int | None]:
    """Each local image's size; None where the feeds give no length (not local, not readable).

    ``known``: sizes checked earlier in this run, not looked up again.
    """
    known = known or {}
    return {url: known[url] if url in known else site.local_file_size(url) for url in sorted(set(urls))}


def trusted(site: Site, now: datetime) -> dict | None:
    """The last run's record when nothing but the post files may have changed since, else None.

    The code, libraries and configuration are the same, the clock has not
    gone back, and the outputs and the images they describe are as written.
    """
    data = read_json(site.state_dir / RECORD_NAME)
    try:
        if data.get("format") != FORMAT or data.get("check") != _record_check(data):
            return None
        if data["fingerprint"] != _fingerprint(site):
            return None
        if now < datetime.fromisoformat(data["valid_from"]):
            return None  # the clock went back
        for shown, expected in data["outputs"].items():
            if _stat(site.root / shown) != expected:
                return None
        if _image_sizes(site, data["images"]) != data["images"]:
            return None
    except (KeyError, TypeError, ValueError, OSError, AttributeError):
        return None  # a record from elsewhere, or damaged: never trusted
    return data


def unchanged(record: dict | None, now: datetime, scan: Scan) -> tuple[list[str], list[Notice]] | None:
    """The last run's outputs and warnings when no post file changed either, else None.

    ``record`` comes from ``trusted``. Outputs are paths relative to the site,
    as the CLI shows them.
    """
    try:
        if record is None or record["posts"] != scan.digest:
            return None
        if record["valid_until"] and now >= datetime.fromisoformat(record["valid_until"]):
            return None  # a scheduled post is due
        notices = [Notice.from_data(item) for item in record["notices"]]
    except (KeyError, TypeError, ValueError):
        return None
    return list(record["outputs"]), notices


# --- what a partial run needs: the feeds, their posts and bodies, every file's stat ---


@dataclass(frozen=True)
class Details:
    """What the last run read and wrote, for a run in which only a few post files changed.

    Not every post is kept: each feed's first posts, a few more than it
    shows (``partial.RESERVE``), and the scheduled ones are, with the feeds'
    bodies; of the others only their file's stat and their ``cache.keys_of``.
    ``partial.update`` relies on that: a post that is kept for no feed and
    not scheduled is below its feeds' cuts, and can only enter one when more
    posts left it than were kept beyond its last, which sends the run back
    to a full one. Every file's stat and keys are kept in columns, in the
    scan's order, which is cheaper to read and write for 100,000 files than
    a mapping by name.
    """

    lines: tuple[str, ...]  # every file in the posts folder: its Scan line
    keys: tuple[tuple[str, str, str], ...]  # every file's cache.keys_of, cache.NOT_A_POST for a file that is no post
    posts: dict[str, Post]  # each feed's first posts (partial.RESERVE more than it shows), scheduled ones
    notices: dict[str, list[Notice]]  # the warnings reading each file gave, by name
    feeds: dict[str, tuple[str, ...]]  # each feed (relative to the output folder) → its posts' names
    # Each feed that has more posts than are kept → the (stamp, id) of its
    # last kept one: every post of the feed at or above it is kept.
    cuts: dict[str, tuple]  # each feed's: partial._key of its last post kept
    bodies: dict[str, bytes]  # the feeds' posts with their rendered bodies, a line of JSON each (partial.body_entry)
    body_notices: dict[str, list[Notice]]  # the warnings rendering each feed post's body gave
    # Each feed whose RFC 5005 history (feeds.History) is not the default → its fields, as a list.
    histories: dict[str, list] = field(default_factory=dict)


def distinct(keys: Iterable[tuple[str, str, str]]) -> bool:
    """Whether no two posts share an id or a URL (as far as their hashes tell)."""
    posts = [key for key in keys if key[0]]
    return len({key[0] for key in posts}) == len(posts) and len({key[1] for key in posts}) == len(posts)


def details(site: Site, record: dict | None, posts: bool = True) -> Details | None:
    """The details of the run that wrote ``record`` (from ``trusted``); None when missing or not its own.

    ``posts=False`` leaves ``Details.posts`` empty, for a reader that needs
    only every file's keys (a digest's period): decoding the kept posts is
    most of the cost of reading the details.
    """
    if record is None:
        return None
    try:
        raw, files = (site.state_dir / DETAILS_NAME).read_bytes(), (site.state_dir / FILES_NAME).read_bytes()
        if _details_check(raw, files) != record["details"]:
            return None
        data = json_loads(raw)
        if data.get("format") != FORMAT or data.get("run") != record["posts"]:
            return None
        kept = {}
        for fields in data["posts"] if posts else ():
            post = decode_post({"post": fields, "notices": ()}, site)[0]
            kept[post.name] = post
        notices, body_notices = (
            {name: [Notice.from_data(item) for item in listed] for name, listed in data[key].items()}
            for key in ("notices", "body_notices"))
        feeds = {path: tuple(names) for path, names in data["feeds"].items()}
        cuts = {path: _tupled(key) for path, key in data["cuts"].items()}
        histories = {path: list(fields) for path, fields in data["histories"].items()}
        count = len(data["bodies"])
        head, *rest = files.split(b"\n")
        if head != data["run"].encode() or len(rest) != count + 4:
            return None  # not this run's, or a file name with a line break in it (see _save_details)
        bodies = dict(zip(data["bodies"], rest))
        lines, *columns = (part.decode("utf-8", "surrogateescape").split(separator)
                           for part, separator in zip(rest[count:], ("\0\0", "\0", "\0", "\0")))
        if any(len(column) != len(lines) for column in columns):
            return None
    except (KeyError, TypeError, ValueError, AttributeError, OSError):
        return None
    return Details(tuple(lines), tuple(zip(*columns)), kept, notices, feeds, cuts, bodies, body_notices, histories)


def _tupled(value: Any) -> Any:
    """A feed's cut as JSON keeps it (lists) back as the key it was (tuples): (stamp, id), or a Hugo page's rank."""
    return tuple(_tupled(item) for item in value) if isinstance(value, list) else value


def _record_check(data: dict) -> str:
    """The check of a record: of every field but itself, the details' check among them."""
    return check_of(compact_json({key: value for key, value in data.items() if key != "check"}))


def _details_check(details: bytes, files: bytes) -> str:
    return check_of(check_of(details).encode() + check_of(files).encode())


def _save_details(site: Site, run: str, done: Details, posts: list[dict]) -> str:
    """Write the details; returns their check, for the record."""
    # A text file, not JSON: a body kept from the last run is written back
    # as it was read, and 100,000 stats and keys are split and joined, not
    # escaped and unescaped. The stat lines, one "\0" between their fields,
    # are joined by two; a file name with a line break in it makes more
    # lines than details() expects, and the site then gets full runs.
    ids, urls, stamps = zip(*done.keys) if done.keys else ((), (), ())
    files = b"\n".join([
        run.encode(), *done.bodies.values(),
        *("\0\0".join(done.lines).encode("utf-8", "surrogateescape"),
          *("\0".join(column).encode() for column in (ids, urls, stamps)))])
    details = compact_json({
        "format": FORMAT,
        "run": run,
        "posts": posts,
        "notices": _notices_data(done.notices),
        "body_notices": _notices_data(done.body_notices),
        "feeds": done.feeds,
        "cuts": done.cuts,
        "histories": done.histories,
        "bodies": list(done.bodies),
    })
    write_bytes(site.state_dir / FILES_NAME, files)
    write_bytes(site.state_dir / DETAILS_NAME, details)
    return _details_check(details, files)


def _notices_data(notices: dict[str, list[Notice]]) -> dict[str, list]:
    return {name: [n.data() for n in listed] for name, listed in notices.items() if listed}


def save(site: Site, now: datetime, scan: Scan, done: Details, *, outputs: Iterable[str],
         notices: Iterable[Notice], record: dict | None = None) -> bool:
    """Record a run without errors; returns whether a record was kept.

    ``done`` holds what it read and wrote; ``outputs`` the files the run wrote
    or left unchanged (relative to the site); ``record`` the last run's, from
    ``trusted``, whose image sizes still hold.
    """
    outputs = {shown: _stat(site.root / shown) for shown in sorted(outputs)}
    if None in outputs.values():
        forget(site)
        return False
    posts = [encode_post(post, [], site) for post in done.posts.values()]
    if None in posts:
        forget(site)  # a post the details cannot keep as it is
        return False
    due = min(filter(None, (post.next_change(now) for post in done.posts.values())), default=None)
    images = {done.posts[name].image for names in done.feeds.values() for name in names} - {None}
    lines, run = scan.trusted_lines()  # a post changed just now is read again next time
    # The details first: the record names the run they must come from.
    checked = _save_details(site, run, replace(done, lines=lines), [data["post"] for data in posts])
    kept = {
        "details": checked,
        "format": FORMAT,
        "fingerprint": _fingerprint(site),
        "posts": run,
        "valid_from": now.isoformat(),
        "valid_until": due.isoformat() if due is not None else None,
        "outputs": outputs,
        "images": _image_sizes(site, images, record.get("images") if record else None),
        "notices": [n.data() for n in notices],
    }
    write_json(site.state_dir / RECORD_NAME, {**kept, "check": _record_check(kept)})
    return True


def forget(site: Site) -> None:
    """Drop the record, so the next run is a full one."""
    for name in (RECORD_NAME, DETAILS_NAME, FILES_NAME):
        try:
            (site.state_dir / name).unlink()
        except OSError:
            pass  # none, or not ours to delete: it is checked against every input anyway
