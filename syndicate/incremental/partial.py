"""A run after a few post files changed: read those alone, render only their feeds.

A full run reads every post (from the posts index) and renders every feed.
When only a few post files changed since a run without errors, the last
run's details (``lastrun.Details``) answer for the rest: every file's stat,
the summaries of each feed's first posts (``RESERVE`` more than it shows)
and of the scheduled ones, and the feeds' rendered bodies. ``update`` gives
the bytes and warnings a full run would, or returns None and leaves the run
to the full path whenever the details cannot answer (see its docstring). ``remember_run`` writes the details at
the end of a full run. ``window_posts`` answers a digest the same way: on a
site in which nothing changed, it reads only the posts of the digest's period.
"""

from __future__ import annotations

import json
from dataclasses import astuple, dataclass, replace
from datetime import datetime
from typing import Iterable, Mapping

from syndicate.errors import Notice, PostError
from syndicate.incremental import lastrun
from syndicate.incremental.cache import NOT_A_POST, keys_of, rendered_data, rendered_from, stamp
from syndicate.outcome import Outcome
from syndicate.pipeline import feed_pages, remove_emptied_feeds, write_outputs
from syndicate.render.content import Rendered, links_hold, render_post
from syndicate.sources.config import Site
from syndicate.sources.posts import Loaded, Post, ignored_file, load_post, newest_first, shown_path
from syndicate.write.files import output_path
from syndicate.write.state import compact_json, load_first_seen

# More changed post files than this, and a full run (with the posts index) costs no more.
MOST_CHANGED = 200
# Posts kept beyond each feed's last (with feed.limit = 20, the 21st to the
# 30th), so that a post leaving a feed (deleted, made a draft, dated back)
# is replaced from the details rather than by a full run.
RESERVE = 10


def remember_run(site: Site, now: datetime, scan: lastrun.Scan, loaded: Loaded, published: list[Post],
                 specs: list, bodies: dict[str, Rendered], outcome: Outcome, record: dict | None = None,
                 keys: Mapping[str, tuple] | None = None) -> None:
    """Record a full run without errors: an unchanged site then costs a stat per post file,
    and one with a few changed files a read of those (``update``).

    ``published`` are the run's published posts, newest first; ``specs`` and
    ``bodies`` the feeds written and their posts' bodies; ``record`` is the
    last run's, from ``lastrun.trusted``; ``keys`` the ``keys_of`` of
    posts worked out already, by name.
    """
    if outcome.errors:
        lastrun.forget(site)  # errors are reported on every run until fixed
        return
    notices: dict[str, list[Notice]] = {}
    for notice in loaded.notices:
        notices.setdefault(notice.path, []).append(notice)
    feeds = {spec.path: tuple(post.name for post in spec.posts) for spec in specs}
    members = {name for names in feeds.values() for name in names}
    by_name = {post.name: post for post in loaded.posts}
    known = keys or {}
    keys = tuple((known.get(name) or keys_of(by_name[name])) if name in by_name else NOT_A_POST
                 for name in scan.names)
    reach, cuts = _reach(site, published, {})
    posts = {post.name: post for post in loaded.posts if post.name in reach or post.next_change(now) is not None}
    entries = {name: body_entry(bodies[name]) for name in sorted(members)}
    body_notices = {name: list(bodies[name].notices) for name in members}
    lastrun.save(site, now, scan, lastrun.Details(scan.lines, keys, posts, notices, feeds, cuts, entries,
                                                  body_notices, histories(specs)),
                 outputs=outcome.written + outcome.unchanged, notices=outcome.notices, record=record)


def histories(specs: list) -> dict[str, list]:
    """Each feed's RFC 5005 history (``feeds.History``) as ``lastrun.Details.histories`` keeps it: the default left out."""
    from syndicate.render.feeds import History

    return {spec.path: list(astuple(spec.history)) for spec in specs if spec.history != History()}


def _reach(site: Site, published: list[Post], cuts: dict[str, tuple]) -> tuple[set[str], dict[str, tuple]]:
    """The posts the details keep, and each feed's cut.

    ``published`` are newest first; a post's ``_key`` is its place in that
    order. The details keep each feed's first
    ``feed.limit + RESERVE`` posts, so that one leaving a feed is replaced
    without a full run. A feed's cut is the key of the last post kept when
    there may be more: every post of the feed at or above its cut is kept.
    A cut from an earlier run (``cuts``) never moves down, for the posts
    below it were never kept.
    """
    from syndicate.render.feeds import feed_specs

    wide = site.feed.limit + RESERVE
    kept: set[str] = set()
    new_cuts: dict[str, tuple] = {}
    for spec in feed_specs(replace(site, feed=replace(site.feed, limit=wide)), published):
        kept.update(post.name for post in spec.posts)
        if spec.history.archive:
            continue  # every post of its month, never limited: nothing is below it
        cut = cuts.get(spec.path)
        if len(spec.posts) == wide:
            cut = max(cut, _key(spec.posts[-1])) if cut is not None else _key(spec.posts[-1])
        if cut is not None:
            new_cuts[spec.path] = cut
    return kept, new_cuts


def _key(post: Post) -> tuple:
    """A post's place in the feeds, highest first: (date as ``stamp``, id), ``posts.newest_first``'s order.

    A Hugo site's feeds are in Hugo's order (``hugo.page_rank``).
    """
    if post.hugo is not None:
        from syndicate.sources.hugo import page_rank

        return page_rank(post)
    return stamp(post.date), post.id


def body_entry(rendered: Rendered) -> bytes:
    """A feed post's rendered body as a line of JSON; the details keep its post beside it."""
    return compact_json(rendered_data(rendered))


def kept_body(line: bytes | None, post: Post | None) -> Rendered | None:
    """``post`` with the body that ``body_entry`` kept; None when missing or damaged."""
    if line is None or post is None:
        return None
    try:
        return rendered_from(post, json.loads(line))
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class _Changes:
    """The changed files, read."""

    names: list[str]  # every changed file, in the order post_files gives them
    removed: list[str]  # every file gone since the last run
    fresh: dict[str, Post]  # the changed files that are posts
    keys: tuple[tuple[str, str, str], ...]  # every file's (lastrun.Details.keys), in the scan's order
    notices: dict[str, list[Notice]]  # every file's warnings, changed ones included
    first_seen: dict[str, datetime]


def update(site: Site, now: datetime, scan: lastrun.Scan, record: dict | None,
           outcome: Outcome | None = None) -> Outcome | None:
    """Bring the feeds up to date after a few post files changed, as a full run would.

    Only the changed files are read, and only the feeds whose posts changed
    are rendered; the rest comes from the details of the run that wrote
    ``record`` (``lastrun.trusted``'s). Returns None, having written nothing,
    whenever a full run is needed: no usable details, many changes, a file
    with an error, a new or removed dateless post (first-seen.json must
    record it), ids or URLs that collide, or a feed that lost more posts
    than the details keep beyond its last (``RESERVE``). ``outcome``
    collects what happened (a new one by default).
    """
    last = lastrun.details(site, record)
    changes = _read_changes(site, now, last, scan) if last is not None else None
    if changes is None:
        return None
    # Imported here, not before: a first run (no details) and the digest's
    # reading of its period (window_posts) never need feedgen (0.02 s).
    from syndicate.render.feeds import feed_specs, render_feed
    gone = set(changes.names).union(changes.removed)
    candidates = {name: post for name, post in last.posts.items() if name not in gone}
    candidates.update(changes.fresh)
    published = newest_first(post for post in candidates.values() if post.is_published(now))
    specs = feed_specs(site, published)
    feeds = {spec.path: tuple(p.name for p in spec.posts) for spec in specs}
    if not _no_post_left_out(site, last, feeds, candidates):
        return None
    if any(spec.history.complete and spec.path in last.cuts for spec in specs):
        return None  # posts below the cut may be left: only a full run can tell the feed holds every post
    now_histories = histories(specs)
    stale = [spec for spec in specs
             if feeds[spec.path] != last.feeds.get(spec.path) or not changes.fresh.keys().isdisjoint(feeds[spec.path])
             or now_histories.get(spec.path) != last.histories.get(spec.path)]
    found = _bodies(site, last, changes, candidates, (name for spec in stale for name in feeds[spec.path]))
    if found is None:
        return None
    bodies, rendered = found

    # Warnings in the order a full run gives them: each file's, then each feed post's body's.
    position = dict(zip(scan.names, range(len(scan.names))))
    shown = [n for name in sorted(changes.notices, key=lambda name: position.get(name, -1))
             for n in changes.notices[name]]
    entries: dict[str, bytes] = {}
    body_notices: dict[str, list[Notice]] = {}
    for name in dict.fromkeys(name for names in feeds.values() for name in names):
        if name in rendered:
            entry, body_notices[name] = body_entry(bodies[name]), list(bodies[name].notices)
        else:
            entry, body_notices[name] = last.bodies.get(name), last.body_notices.get(name, [])
        shown.extend(body_notices[name])
        if entry is not None:
            entries[name] = entry

    outcome = Outcome() if outcome is None else outcome
    outcome.notices += shown
    files = {spec.path: render_feed(site, spec, bodies) for spec in stale}
    for spec in specs:  # in the order a full run lists them
        if spec.path in files:
            write_outputs(site, {spec.path: files[spec.path]}, outcome)
        else:
            outcome.unchanged.append(shown_path(site, output_path(site.output_dir, spec.path)))
    write_outputs(site, feed_pages(site, specs, outcome), outcome)  # from the specs alone: cheap, and written if changed
    remove_emptied_feeds(site, specs, outcome)
    outcome.decisions.append(f"{len(gone)} post file(s) changed since the last run: read those, "
                             f"rendered {len(stale)} of {len(specs)} feeds")
    if outcome.errors:
        lastrun.forget(site)
        return outcome
    reach, cuts = _reach(site, published, last.cuts)
    kept = {name: post for name, post in candidates.items()
            if name in reach or post.next_change(now) is not None}
    lastrun.save(site, now, scan, lastrun.Details(scan.lines, changes.keys, kept, changes.notices, feeds, cuts,
                                                  entries, body_notices, now_histories),
                 outputs=outcome.written + outcome.unchanged, notices=shown, record=record)
    return outcome


def _read_changes(site: Site, now: datetime, last: lastrun.Details, scan: lastrun.Scan) -> _Changes | None:
    """Read the files whose stat changed since the last run; None when a full run must."""
    kept = set(last.lines)
    changed = [number for number, line in enumerate(scan.lines) if line not in kept]
    if changed[:1] == [0]:
        return None  # first-seen.json (the scan's first line) changed
    names = [scan.names[number] for number in changed]
    now_there = set(scan.lines)
    removed = sorted({line.split("\0", 1)[0] for line in kept - now_there}.difference(names))
    if len(names) + len(removed) > MOST_CHANGED:
        return None
    if not lastrun.distinct(last.keys):
        return None  # the last run gave posts new ids (distinct_ids), which a fix may undo
    first_seen = load_first_seen(site)
    if not first_seen.keys().isdisjoint(removed):
        return None  # first-seen.json loses this post: state.save_first_seen's work
    notices = {name: listed for name, listed in last.notices.items() if name not in removed}
    fresh: dict[str, Post] = {}
    new_keys: dict[str, tuple[str, str, str]] = {}
    for name in names:
        path = site.root / name
        if path.is_dir():
            return None  # a link to a folder
        if ignored_file(path.name):
            continue
        try:
            post, notices[name] = load_post(site, path, first_seen, now)
        except PostError:
            return None  # a full run reports it, beside everything else
        dated_when_seen = post is not None and post.date_origin == "first seen" and not post.draft
        if dated_when_seen != (name in first_seen):
            return None  # first-seen.json gains or loses this post: state.save_first_seen's work
        if post is not None:
            fresh[name], new_keys[name] = post, keys_of(post)
    keys = _keys_now(last, scan, new_keys, set(names), bool(removed))
    if not lastrun.distinct(keys):
        return None  # distinct_ids has warnings to give
    return _Changes(names, removed, fresh, keys, notices, first_seen)


def _keys_now(last: lastrun.Details, scan: lastrun.Scan, fresh: dict[str, tuple[str, str, str]],
              changed: set[str], removed: bool) -> tuple[tuple[str, str, str], ...]:
    """Every file's keys in this scan's order: the changed files' ``fresh`` ones, the others' as kept."""
    if not removed and len(scan.lines) == len(last.lines):
        # No file added or removed: every file keeps its place.
        keys = list(last.keys)
        for number, name in enumerate(scan.names):
            if name in changed:
                keys[number] = fresh.get(name, NOT_A_POST)
        return tuple(keys)
    place = dict(zip(last.lines, range(len(last.lines))))
    return tuple(fresh.get(name, NOT_A_POST) if name in changed else last.keys[place[line]]
                 for name, line in zip(scan.names, scan.lines))


def window_posts(site: Site, now: datetime, start: datetime, end: datetime) -> tuple[list[Post], list[Notice]] | None:
    """The published posts dated from ``start`` to before ``end``, and every file's warnings, as a full read gives them.

    Only those posts are read, and only when no post file changed since the
    last run without errors (``lastrun.unchanged``): its details then hold
    every post's date, and its warnings are still every file's. None when a
    full read is needed: anything changed, ids or URLs collide (distinct_ids
    would rename one), or a post cannot be read as it was.
    """
    scan = lastrun.scan_posts(site)
    record = lastrun.trusted(site, now)
    if lastrun.unchanged(record, now, scan) is None:
        return None
    last = lastrun.details(site, record, posts=False)
    if last is None or last.lines != scan.lines or not lastrun.distinct(last.keys):
        return None
    first, until, now_stamp = stamp(start), stamp(end), stamp(now)
    first_seen = load_first_seen(site)
    posts = []
    for name, keys in zip(scan.names, last.keys):  # the same files as the last run's, unchanged
        dated = int(keys[2]) if keys[2] else None  # None: not a post, or a draft
        if dated is None or not first <= dated < until or dated > now_stamp:
            continue
        try:
            post = load_post(site, site.root / name, first_seen, now)[0]
        except PostError:
            return None
        if post is None or keys_of(post) != keys:
            return None  # not the post the details describe
        posts.append(post)
    notices = [notice for name in scan.names for notice in last.notices.get(name, ())]
    return posts, notices


def _no_post_left_out(site: Site, last: lastrun.Details, feeds: dict[str, tuple[str, ...]],
                      candidates: dict[str, Post]) -> bool:
    """Whether choosing the feeds' posts from ``candidates`` alone chose as from every post.

    The candidates are the posts the details keep (every feed's posts at or
    above its cut, and the scheduled ones) and the changed ones. A post left
    out of them is below its feeds' cuts, and can only get into a feed when
    fewer than ``feed.limit`` candidates at or above the cut are left there.
    """
    for path, cut in last.cuts.items():
        names = feeds.get(path, ())
        if len(names) < site.feed.limit:
            return False
        if _key(candidates[names[-1]]) < cut:
            return False
    return True


def _bodies(site: Site, last: lastrun.Details, changes: _Changes, candidates: dict[str, Post],
            names: Iterable[str]) -> tuple[dict[str, Rendered], set[str]] | None:
    """The rendered bodies of the posts ``names``, and which of them were rendered now, not kept."""
    bodies: dict[str, Rendered] = {}
    rendered: set[str] = set()
    for name in names:
        if name in bodies:
            continue
        post = candidates[name]
        body = None if name in changes.fresh else kept_body(last.bodies.get(name), post)
        if body is None or not links_hold(site, body):
            try:
                body = render_post(site, post)
            except PostError:
                return None  # a full run reports it, beside everything else
            rendered.add(name)
        bodies[name] = body
    return bodies, rendered
