"""The posts index: a full run opens only the posts that changed.

``.syndicate/posts-index.json`` remembers, for each post file, its size,
mtime, ctime and SHA-256, the ``Post`` (and warnings) read from it, and the
rendered body of the posts that landed in a feed. A file whose stat is
unchanged is not opened at all; a file whose stat changed is read and
hashed, and parsed again only when its bytes changed too (a ``git
checkout`` touches mtimes, not contents). The ctime counts, as it does for
git: an edit whose mtime was set back (``touch -r``, a restore) moves it.
The posts to parse, all of them when the index is filled, are parsed and
their entries encoded in worker processes when there are many
(syndicate.incremental.workers).

A run that finds no index file at all (a first build, a fresh checkout in
CI) does not fill one: hashing every post and encoding its entry is a fifth
of a cold build, and a build from a fresh checkout would throw the index
away. It writes an empty index instead, and the next full run (which the
last run's details, syndicate.incremental.lastrun, make rare) fills it.

The index is a speed-up, never a source of truth. It is thrown away whole
(and filled again) when it is corrupt, from another version of the code or
its libraries, or written for another configuration; an entry whose check
(a hash over the entry, its file's stat and hash included) does not verify,
or that does not decode, is read again from the post. A post whose mtime
is not older than the moment the run that kept its entry began reading,
as the file system's clock tells it (``fs_now``: at its granularity, one
second on ext4 with 128-byte inodes or HFS+, two on FAT), is hashed before
it is trusted: it may have changed, with the same size and stat, after it
was read (git's "racily clean" case). Posts with errors are never cached,
so they are read and reported on every run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from stat import S_ISREG
from typing import Any, NamedTuple

from syndicate.sources.config import Author, Site
from syndicate.render import content
from syndicate.render.content import Rendered, links_hold, render_many
from syndicate.errors import Notice, PostError
from syndicate.sources.postfile import MAX_POST_BYTES
from syndicate.sources.posts import POST_SUFFIXES, Post, load_many, post_of, shown_path
from syndicate.sources.inputs import fingerprint
from syndicate.sources.safe_yaml import json_loads
from syndicate.incremental.workers import in_worker, map_in_order, worker_count
from syndicate.write.files import write_chunks_if_changed

INDEX_NAME = "posts-index.json"
FORMAT = 3


def check_of(data: bytes) -> str:
    """The check kept beside a cache entry: a hash of the entry's JSON, which holds what it was derived from.

    An entry edited by hand, or damaged, no longer matches it, and is
    dropped; the posts index and the last run's record (syndicate.incremental.lastrun) both use it.
    """
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def fs_now(folder: Path) -> int:
    """The time now as the file system of ``folder`` stamps files, in ns; 0 when nothing can be written there.

    Its clock, at its granularity: a file changed from now on gets an mtime at
    or after this, on a file system with one-second (or two-second) times, or
    on a network share whose server's clock is not this machine's, too.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Named as files.remove_temporaries knows them: a killed run's is removed.
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".clock.", suffix=".tmp")
    except OSError:
        return 0
    try:
        # Stamped twice, the second time after its time was looked at: a kernel
        # with multigrain timestamps then gives it a fine one, later than any
        # it gave before (a coarse one may equal a post's touched just before).
        os.fstat(fd)
        os.utime(fd if os.utime in os.supports_fd else temporary)
        return os.fstat(fd).st_mtime_ns
    finally:
        os.close(fd)
        os.unlink(temporary)


def read_post_bytes(path: Path) -> bytes:
    """The bytes of a post file, for hashing. Tests count calls to this."""
    return path.read_bytes()


def _fingerprint(site: Site) -> str:
    """What every entry depends on besides the post file: code, libraries and configuration."""
    # --out does not change what a post reads as, so it keeps the index.
    return fingerprint(FORMAT, replace(site, output_dir=Path()))


# --- Post <-> JSON ----------------------------------------------------------


def _encode(value: Any, site: Site) -> Any:
    # Only values that come back equal are taken; anything else raises.
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, datetime) and value.tzinfo is site.timezone:
        # In the site's zone, as decoding leaves it: the same UTC offset too.
        return {"datetime": value.isoformat()}
    if isinstance(value, Path):
        return {"path": str(value)}
    if isinstance(value, Author) and isinstance(value.name, str) and isinstance(value.email, str):
        return {"author": [value.name, value.email]}
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    # Imported here: only a Hugo site's posts have one, and other sites' runs never import its rules.
    from syndicate.sources.hugo import HugoPage

    if isinstance(value, HugoPage):
        return {"hugo": [value.weight, value.link_title, [[plural, list(terms)] for plural, terms in value.terms],
                         value.lists, value.rendered]}
    raise TypeError(f"cannot keep a {type(value).__name__} in the posts index")


def _decode(value: Any, site: Site, source: Path | None) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        (kind, data), = value.items()
        if kind == "datetime":
            # The same instant in the site's zone, as posts.build_post leaves it.
            return datetime.fromisoformat(data).astimezone(site.timezone)
        if kind == "path":
            # The file being looked up, when it is the one kept: building a
            # Path costs more than the rest of the entry.
            return source if source is not None and data == str(source) else Path(data)
        if kind == "author":
            name, email = data
            return Author(name, email)
        if kind == "hugo":
            from syndicate.sources.hugo import HugoPage

            weight, link_title, terms, lists, rendered = data
            return HugoPage(weight, link_title, tuple((plural, tuple(found)) for plural, found in terms), lists,
                            rendered)
        raise ValueError(kind)
    return value


_round_trip_checked = False


def encode_post(post: Post, notices: list[Notice], site: Site) -> dict | None:
    """A post and its warnings as JSON data; None when it would not come back equal."""
    global _round_trip_checked
    try:
        values = vars(post)
        # Keys in sorted order, as the index file has them: parse_post_files
        # encodes entries without sorting again. Most values are text.
        data = {"notices": [n.data() for n in notices],
                "post": {name: value if type(value) in _AS_IS else _encode(value, site)
                         for name in _SORTED_FIELDS for value in (values[name],)}}
        if _round_trip_checked:
            return data
        back, back_notices = decode_post(data, site)
    except (TypeError, ValueError):
        return None
    # Checked once per process rather than trusted: a field added to Post
    # that does not survive the round trip keeps every post out of the index.
    # _encode takes only values that come back equal, so once is enough.
    if back != post or back.date.utcoffset() != post.date.utcoffset() or back_notices != notices:
        return None
    _round_trip_checked = True
    return data


def decode_post(data: Mapping, site: Site, source: Path | None = None) -> tuple[Post, list[Notice]]:
    """The post and warnings kept by ``encode_post``. Raises on malformed data.

    ``source``: the post file's path, reused when the entry names that file.
    """
    fields = {key: value if type(value) is str else _decode(value, site, source)
              for key, value in data["post"].items()}
    if fields.keys() != _FIELD_NAMES:
        raise ValueError("not the fields of a Post")
    return post_of(fields), [Notice.from_data(item) for item in data["notices"]]


def rendered_data(rendered: Rendered) -> dict:
    """A rendered body (not its post) as JSON data: the posts index and the last run's details keep it so."""
    data = {"html": rendered.html, "excerpt": rendered.excerpt, "notices": [n.data() for n in rendered.notices]}
    if rendered.links:
        data["links"] = [list(link) for link in rendered.links]
    return data


def rendered_from(post: Post, data: Mapping) -> Rendered:
    """``post`` with the body ``rendered_data`` kept. Raises on malformed data."""
    links = tuple((str(name), None if url is None else str(url)) for name, url in data.get("links", ()))
    return Rendered(post, str(data["html"]), str(data["excerpt"]), tuple(Notice.from_data(n) for n in data["notices"]),
                    links)


_POST_FIELDS = dataclasses.fields(Post)
_SORTED_FIELDS = sorted(f.name for f in _POST_FIELDS)
_FIELD_NAMES = frozenset(_SORTED_FIELDS)
_AS_IS = frozenset({str, bool, int, type(None)})  # what _encode keeps unchanged


def _body_key(post: Post) -> str:
    """What a kept body depends on besides the file: every field of its post."""
    return hashlib.sha256(repr(post).encode()).hexdigest()


# --- reading a post the index cannot answer for ------------------------------


# An entry's stat, in this order in _Unread.stat: any change means the file is read again.
_STAT_KEYS = ("size", "mtime_ns", "ctime_ns")


class _Unread(NamedTuple):
    """A post file the index has no valid entry for, and what is known of it so far.

    A tuple: one is made for every new post and sent to a worker.
    """

    path: Path
    name: str  # as posts.shown_path gives it, for the index; "" when nothing is kept
    stat: tuple[int, int, int] | None = None  # an entry's _STAT_KEYS; None: not a post file to keep
    raw: bytes | None = None  # the bytes, when checking the hash read them already
    digest: str | None = None


def _read(path: Path) -> tuple[bytes | None, str | None]:
    """The file's bytes and their SHA-256; (None, None) when it cannot be read."""
    try:
        raw = read_post_bytes(path)
    except OSError:
        return None, None
    return raw, hashlib.sha256(raw).hexdigest()


def parse_post_files(site: Site, first_seen: Mapping[str, datetime], now: datetime, unread: list[_Unread]
                     ) -> list[tuple[Post | None, list[Notice], bytes | None] | PostError]:
    """``posts.load_many`` of the files, each post with its index entry as UTF-8 JSON (None: not to be kept).

    A broken file's PostError stands in its place, so the rest of a chunk is
    still read. The entries are encoded here, not when the index is saved,
    so that worker processes (syndicate.incremental.workers) share that work too.
    """
    # Parsed from the bytes just hashed (read again only if that read failed,
    # to report why), so a file is opened once and what is kept is what was hashed.
    read = [_read(found.path) if found.stat is not None and found.raw is None else (found.raw, found.digest)
            for found in unread]
    loaded = load_many(site, [found.path for found in unread], first_seen, now, [raw for raw, _ in read])
    results: list = []
    for found, (_, digest), result in zip(unread, read, loaded):
        if isinstance(result, PostError):
            results.append(result)
            continue
        post, notices = result
        data = encode_post(post, notices, site) if post is not None and found.stat is not None else None
        if data is None:
            results.append((post, notices, None))
            continue
        size, mtime_ns, ctime_ns = found.stat
        # In sorted key order all through (encode_post's too): the text is what
        # _ENCODE, which sorts, would write.
        entry = {"ctime_ns": ctime_ns, "mtime_ns": mtime_ns, "notices": data["notices"], "post": data["post"],
                 "sha256": digest, "size": size}
        # Bytes, not text: one Hangul letter makes a str two bytes a character,
        # and a large site keeps an entry for every post until the index is saved.
        results.append((post, notices, _checked(_ENCODE_IN_ORDER(entry).encode("utf-8"))))
    return results


def _checked(entry: bytes) -> bytes:
    """An entry's JSON (an object, keys sorted, no "check") with its check added, as its first key."""
    return b'{"check":"' + check_of(entry).encode() + b'",' + entry[1:]


def _verified(entry: Any) -> dict | None:
    """An entry read from the index file when its check verifies, else None."""
    if not isinstance(entry, dict) or not isinstance(entry.get("check"), str):
        return None
    rest = {key: value for key, value in entry.items() if key != "check"}
    try:
        text = _ENCODE(rest).encode("utf-8")
    except (TypeError, ValueError):
        return None
    return entry if check_of(text) == entry["check"] else None


def _changed(entry: dict, **changes: Any) -> dict:
    """A kept entry with ``changes``, its check to be worked out again when the index is saved."""
    return {**{key: value for key, value in entry.items() if key != "check"}, **changes}


def _parse_to_send(site: Site, first_seen: Mapping[str, datetime], now: datetime, unread: list[_Unread]
                   ) -> list[tuple[Post | dict | None, list[Notice], bytes | None, tuple] | PostError]:
    """``parse_post_files`` for ``workers.map_in_order``: each post with its keys; from a worker, as its fields.

    The keys are the record's (``keys_of``), which the run's own process
    would otherwise work out for every post, alone, once the feeds are
    written. Unpickling a Post and its Path costs the run, which is parsing
    posts of its own meanwhile, ten microseconds a post: a worker sends the
    fields less the path, and ``_keep`` puts them back into a Post with the
    path the run has already (the file it named).
    """
    results = parse_post_files(site, first_seen, now, unread)
    for number, parsed in enumerate(results):
        if not isinstance(parsed, PostError) and parsed[0] is not None:
            post, notices, entry = parsed
            sent = post
            if in_worker():
                sent = dict(vars(post))
                del sent["source"]
            results[number] = sent, notices, entry, keys_of(post)
    return results


# How the index file is written, sorted keys and all: an entry encoded
# early is the same text as one encoded when the index is saved.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_ENCODE_IN_ORDER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# --- the last run's record's keys of a post (syndicate.incremental.lastrun) ---


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def stamp(moment: datetime) -> int:
    """An aware datetime as microseconds since 1970: the same order, as an integer."""
    return (moment - EPOCH) // MICROSECOND


def keys_of(post) -> tuple[str, str, str]:
    """What the details keep of every post: hashes of its id and URL, and its date.

    Enough to tell whether a changed post collides with another, and which
    posts a digest's period holds. The date is ``stamp``'s, in decimal, and
    "" for a draft, which no digest takes.
    """
    id_hash = short_hash(post.id)
    # Most posts' id is their URL: hashed once, for every post of a full run.
    url_hash = id_hash if post.url == post.id else short_hash(post.url)
    return id_hash, url_hash, "" if post.draft else str(stamp(post.date))


NOT_A_POST = ("", "", "")  # the keys of a file that is not a post


def short_hash(text: str) -> str:
    """A 48-bit hash of an id or URL: enough to tell that two of 100,000 differ, in little space."""
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()


# --- bodies, rendered in worker processes when there are many ---


# A body costs a few hundred times a front matter to render, so far fewer
# of them pay for worker processes.
MIN_PARALLEL_RENDERS = 100


def _get_ready(site: Site, alongside: Callable[[], object] | None = None) -> None:
    """Ready, while workers read posts, what the run does next: render bodies (``content.prepare``) and feeds.

    ``alongside`` first: the read's own (``PostsIndex.read_posts``).

    Both are needed once every post is read, by this process and, for the
    bodies, by the render workers forked from it then, which find them
    ready. Done here, the work is shared with the read workers, which take
    more chunks meanwhile; done after the read, this process would do it
    alone, and each render worker again. 10,000-post Jekyll site of the
    bench, ten runs each: 1.77 -> 1.71 s (median).
    """
    if alongside is not None:
        alongside()
    import syndicate.render.feeds  # noqa: F401 - feedgen, lxml, dateutil

    content.prepare(site)


def render_in_workers(site: Site, posts: list[Post]) -> Iterator[Rendered | PostError]:
    """``content.render_posts``, in worker processes when there are many posts (syndicate.incremental.workers)."""
    workers = worker_count(len(posts), MIN_PARALLEL_RENDERS)
    if workers > 1:
        # Before any worker starts, so that workers forked from this process
        # find them ready; this process needs them anyway.
        content.prepare(site)
    for post, result in zip(posts, map_in_order(_render_to_send, posts, (site,), workers, batched=True)):
        # The post sent back is a copy: the caller's own one goes with its body.
        yield result if isinstance(result, PostError) else Rendered(post, *result)


def _render_to_send(site: Site, posts: list[Post]) -> list[tuple | PostError]:
    """``content.render_many`` in a worker process: each body alone goes back, not a copy of its post."""
    return [result if isinstance(result, PostError) else (result.html, result.excerpt, result.notices, result.links)
            for result in render_many(site, posts)]


# --- the index ----------------------------------------------------------------


class PostsIndex:
    """The posts index of one site, loaded at the start of a run and saved at its end.

    ``read_posts`` and ``render_posts`` are the pipeline's ``PostSource`` and
    ``BodyRenderer`` (``syndicate.pipeline``).
    """

    def __init__(self, site: Site, entries: dict[str, dict], trusted_before_ns: int, filling: bool = True):
        # trusted_before_ns: when the run that saved the index began reading,
        # by the file system's clock (fs_now); 0 for none.
        self.site = site
        self._filling = filling  # False: no entry is made for a post the index lacks
        self.path = site.state_dir / INDEX_NAME
        self._old = entries
        self._new: dict[str, dict | bytes] = {}  # bytes: an entry encoded by parse_post_files
        self._trusted_before_ns = trusted_before_ns
        self._changed = False
        self._rendered: set[str] = set()  # posts whose body an output used this run
        self._read_ns = 0  # when this run began reading, by fs_now; what the saved index trusts before
        self._reads = 0  # post files opened this run, for -v (``reads``)
        self._read_all: list[Path] = []  # files read without looking them up; counted only when asked
        # keys_of of the posts read in worker processes, by name: worked
        # out there, they are not this process's work at the end of the run.
        self.keys: dict[str, tuple[str, str, str]] = {}

    @property
    def reads(self) -> int:
        """Post files opened this run, for -v."""
        return self._reads + sum(path.suffix.lower() in POST_SUFFIXES for path in self._read_all)

    @classmethod
    def load(cls, site: Site, keep: bool = True) -> "PostsIndex":
        """The site's index; an empty one when corrupt or out of date.

        ``keep=False``, for runs that never save the index (check, digest),
        makes no entries for posts it lacks; nor does a run that finds no
        index file (see the module's docstring).
        """
        path = site.state_dir / INDEX_NAME
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(site, {}, 0, filling=False)
        except OSError:
            return cls(site, {}, 0, filling=keep)
        try:
            data = json_loads(raw)
            if (not isinstance(data, dict) or data.get("fingerprint") != _fingerprint(site)
                    or not isinstance(data.get("posts"), dict) or type(data.get("read_ns")) is not int
                    or data.get("check") != _head_check(data["fingerprint"], data["read_ns"])):
                raise ValueError("stale")
        except ValueError:
            return cls(site, {}, 0, filling=keep)
        return cls(site, data["posts"], data["read_ns"], filling=keep)

    def read_posts(self, site: Site, files: list[Path], first_seen: Mapping[str, datetime], now: datetime,
                   alongside: Callable[[], object] | None = None
                   ) -> Iterator[tuple[Post | None, list[Notice]] | PostError]:
        """``posts.read_posts``, answered from the index for unchanged files: the pipeline's ``PostSource``.

        The others are parsed in worker processes when there are many
        (syndicate.incremental.workers), as on a first run. ``alongside``:
        what this process does while the workers read, or before it reads
        without them.
        """
        if self._filling:
            # Before any post is stated: what the index saved at the end of this run trusts.
            self._read_ns = fs_now(site.state_dir)
        if self._filling or self._old:
            looked = [self._look_up(site, path, first_seen, now) for path in files]
        else:
            # Nothing to look up or keep: every file is read as on a first
            # run, and a large site's look-ups would only delay the workers.
            self._read_all += files
            looked = [_Unread(path, "") for path in files]
        unread = [found for found in looked if isinstance(found, _Unread)]
        if worker_count(len(unread)) > 1:
            parse, meanwhile = _parse_to_send, partial(_get_ready, site, alongside)
        else:
            parse, meanwhile = parse_post_files, None
            if alongside is not None:
                alongside()
        parsed = map_in_order(parse, unread, (site, first_seen, now), batched=True, meanwhile=meanwhile)
        for found in looked:
            yield self._keep(found, next(parsed)) if isinstance(found, _Unread) else found

    def _look_up(self, site: Site, path: Path, first_seen: Mapping[str, datetime],
                 now: datetime) -> tuple[Post | None, list[Notice]] | _Unread:
        """The kept post and warnings of an unchanged file, else what ``parse_post_files`` needs."""
        name = shown_path(site, path)  # the name load_post gives the post
        if path.suffix.lower() not in POST_SUFFIXES:
            return _Unread(path, name)  # load_post reads nothing
        if not self._filling and name not in self._old:
            self._reads += 1
            return _Unread(path, name)  # read, and not kept
        try:
            stat = path.stat()
        except OSError:
            return _Unread(path, name)  # load_post reports the problem
        if not S_ISREG(stat.st_mode) or stat.st_size > MAX_POST_BYTES:
            # Hashing would read all of a 5 GB file, or /dev/zero forever.
            return _Unread(path, name)  # load_post refuses it, reading nothing
        entry = _verified(self._old.get(name))
        now_stat = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        raw = digest = None
        if entry is not None and not (tuple(map(entry.get, _STAT_KEYS)) == now_stat
                                      and stat.st_mtime_ns < self._trusted_before_ns):
            # The stat changed, or the post may have changed after the run
            # that kept the entry read it: the entry holds only if the bytes are the same.
            self._reads += 1
            raw, digest = _read(path)
            if digest != entry.get("sha256"):
                entry = None
        found = self._cached(entry, path, name, first_seen, now) if entry is not None else None
        if found is None:
            return _Unread(path, name, now_stat, raw, digest)
        if digest is not None:
            # Same bytes: remember the new stat, and save the index again, so
            # that it trusts the post from the time this run began reading.
            entry = _changed(entry, **dict(zip(_STAT_KEYS, now_stat)))
            self._changed = True
        self._new[name] = entry
        return found

    def _keep(self, unread: _Unread, parsed: tuple[Post | None, list[Notice], bytes | None] | PostError
              ) -> tuple[Post | None, list[Notice]] | PostError:
        """Remember what ``parse_post_files`` made of a file; its post and warnings, or its error."""
        if not isinstance(parsed, PostError) and len(parsed) == 4:
            post, notices, entry, keys = parsed
            if type(post) is dict:  # its fields, from a worker
                post = post_of({"source": unread.path, **post})
            parsed = post, notices, entry
            self.keys[post.name] = keys
        if unread.stat is None:
            return parsed if isinstance(parsed, PostError) else parsed[:2]
        if unread.raw is None:
            self._reads += 1  # read by parse_post_files, here or in a worker
        self._changed = True
        if isinstance(parsed, PostError):
            return parsed  # posts with errors are read again on every run
        post, notices, entry = parsed
        if entry is not None:
            self._new[unread.name] = entry
        return post, notices

    def _cached(self, entry: dict, path: Path, name: str, first_seen: Mapping[str, datetime],
                now: datetime) -> tuple[Post, list[Notice]] | None:
        try:
            post, notices = decode_post(entry, self.site, path)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None
        if post.name != name:
            return None
        # A dateless post is dated by first-seen.json, or now; a cached date
        # that no longer agrees (state restored from a backup) is read afresh.
        if post.date_origin == "first seen" and post.date != first_seen.get(name, now):
            return None
        return post, notices

    def render_posts(self, site: Site, posts: list[Post]) -> Iterator[Rendered | PostError]:
        """``content.render_posts``, answered from the index for unchanged posts: the pipeline's ``BodyRenderer``."""
        kept = [self._kept_body(post) for post in posts]
        rendered = render_in_workers(site, [post for post, found in zip(posts, kept) if found is None])
        for post, found in zip(posts, kept):
            if found is None:
                found = next(rendered)
                if not isinstance(found, PostError):
                    found = self._keep_body(post, found)
            yield found

    def _kept_body(self, post: Post) -> Rendered | None:
        """The body kept for ``post``, if the post is the one it was rendered from."""
        entry = self._new.get(post.name)
        if type(entry) is bytes:
            entry = self._new[post.name] = json.loads(entry)  # the body is kept beside it
        self._rendered.add(post.name)
        kept = entry.get("rendered") if entry else None
        if isinstance(kept, dict) and kept.get("key") == _body_key(post):
            try:
                rendered = rendered_from(post, kept)
            except (AttributeError, KeyError, TypeError, ValueError):
                return None
            return rendered if links_hold(self.site, rendered) else None
        return None

    def _keep_body(self, post: Post, rendered: Rendered) -> Rendered:
        entry = self._new.get(post.name)
        if entry is not None:
            self._new[post.name] = _changed(entry, rendered={"key": _body_key(post), **rendered_data(rendered)})
            self._changed = True
        return rendered

    def save(self) -> bool:
        """Write the index when anything in it changed; returns whether it was written.

        Only the posts seen in this run are kept, so deleted posts drop out, and
        a rendered body is kept only while its post stays unchanged.
        """
        for name, entry in self._new.items():
            # Bodies are kept only for posts in today's outputs, or the index
            # would grow into a copy of every post ever in a feed.
            if type(entry) is dict and "rendered" in entry and name not in self._rendered:
                self._new[name] = {k: v for k, v in entry.items() if k not in ("rendered", "check")}
                self._changed = True
        if self._filling and not self._changed and self._new.keys() == self._old.keys():
            return False
        # Not filling (no index file was found; runs loaded with keep=False never
        # save): an empty index, written for the next full run to fill.
        return write_chunks_if_changed(self.path, self._chunks())

    def _chunks(self) -> Iterator[bytes]:
        """The index as JSON, entry by entry: the whole text of a large site is tens of MB."""
        encode = _ENCODE
        fingerprint = _fingerprint(self.site)
        head = {"check": _head_check(fingerprint, self._read_ns), "fingerprint": fingerprint, "format": FORMAT}
        # The keys in sorted order, as one json.dumps(..., sort_keys=True) would write them.
        yield encode(head)[:-1].encode("utf-8") + b',"posts":{'
        batch: list[bytes] = []
        for number, name in enumerate(sorted(self._new)):
            entry = self._new[name]
            if type(entry) is bytes:  # parse_post_files's, checked
                data = entry
            elif "check" in entry:  # as it was read and verified
                data = encode(entry).encode("utf-8")
            else:
                data = _checked(encode(entry).encode("utf-8"))
            batch.append((b"," if number else b"") + encode(name).encode("utf-8") + b":" + data)
            if len(batch) == 500:
                yield b"".join(batch)
                batch.clear()
        yield b"".join(batch) + b'},"read_ns":' + str(self._read_ns).encode() + b"}"


def _head_check(fingerprint: str, read_ns: int) -> str:
    """The check of the index's own fields: an index trusted from a later moment than it was read would trust edits."""
    return check_of(f"{fingerprint}\0{read_ns}".encode())
