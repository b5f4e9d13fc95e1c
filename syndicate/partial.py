"""A run after a few post files changed: read those alone, render only their feeds.

A full run reads every post (from the posts index) and renders every feed.
When only a few post files changed since a run without errors, the last
run's details (``lastrun.Details``) answer for the rest: every file's stat,
the summaries of the feeds' posts and of the scheduled ones, and the feeds'
rendered bodies. ``update`` gives the bytes and warnings a full run would,
or returns None and leaves the run to the full path whenever the details
cannot answer (see its docstring). ``remember_run`` writes the details at
the end of a full run. ``window_posts`` answers a digest the same way: on a
site in which nothing changed, it reads only the posts of the digest's period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from syndicate import lastrun
from syndicate.build import Outcome, write_outputs
from syndicate.config import Site
from syndicate.content import Rendered, render_post
from syndicate.errors import Notice, PostError
from syndicate.posts import Loaded, Post, ignored_file, load_post, shown_path
from syndicate.state import compact_json, load_first_seen
from syndicate.write import output_path

# More changed post files than this, and a full run (with the posts index) costs no more.
MOST_CHANGED = 200


def remember_run(site: Site, now: datetime, scan: lastrun.Scan, loaded: Loaded, specs: list,
                 bodies: dict[str, Rendered], outcome: Outcome, record: dict | None = None) -> None:
    """Record a full run without errors: an unchanged site then costs a stat per post file,
    and one with a few changed files a read of those (``update``).

    ``specs`` and ``bodies`` are the feeds written and their posts' bodies;
    ``record`` is the last run's, from ``lastrun.trusted``.
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
    keys = tuple(lastrun.keys_of(by_name[name]) if name in by_name else lastrun.NOT_A_POST for name in scan.names)
    posts = {post.name: lastrun.summary_of(post) for post in loaded.posts
             if post.name in members or (not post.draft and post.date > now)}
    entries = {name: entry for name in sorted(members) if (entry := body_entry(site, bodies[name])) is not None}
    body_notices = {name: list(bodies[name].notices) for name in members}
    lastrun.save(site, now, scan, lastrun.Details(scan.lines, keys, posts, notices, feeds, entries, body_notices),
                 outputs=outcome.written + outcome.unchanged, notices=outcome.notices, record=record)


def body_entry(site: Site, rendered: Rendered) -> bytes | None:
    """A feed post and its rendered body as a line of JSON; None when it cannot be kept."""
    from syndicate.cache import encode_post, rendered_data

    post = encode_post(rendered.post, [], site)
    return None if post is None else compact_json({"post": post, **rendered_data(rendered)})


def kept_body(site: Site, line: bytes | None, source: Path) -> Rendered | None:
    """The Rendered that ``body_entry`` kept; None when missing or damaged."""
    from syndicate.cache import decode_post, rendered_from

    try:
        entry = json.loads(line)
        return rendered_from(decode_post(entry["post"], site, source)[0], entry)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class _Changes:
    """The changed files, read."""

    names: list[str]  # every changed file, in the order post_files gives them
    fresh: dict[str, Post]  # the changed files that are posts
    keys: tuple[tuple[str, str, str], ...]  # every file's (lastrun.Details.keys), in the scan's order
    notices: dict[str, list[Notice]]  # every file's warnings, changed ones included
    first_seen: dict[str, datetime]


def update(site: Site, now: datetime, scan: lastrun.Scan, record: dict | None, outcome: Outcome | None = None,
           before_write: Callable[[dict], None] | None = None) -> Outcome | None:
    """Bring the feeds up to date after a few post files changed, as a full run would.

    Only the changed files are read, and only the feeds whose posts changed
    are rendered; the rest comes from the details of the run that wrote
    ``record`` (``lastrun.trusted``'s). Returns None, having written nothing,
    whenever a full run is needed: no usable details, many changes, a file
    removed or with an error, a new dateless post (first-seen.json must
    record it), ids or URLs that collide, or a feed's post that changed so
    that another post may take its place (the details do not keep every
    post). ``outcome`` collects what happened (a new one by default);
    ``before_write`` gets the feeds about to be written.
    """
    from syndicate.feeds import feed_specs, render_feed

    last = lastrun.details(site, record)
    changes = _read_changes(site, now, last, scan) if last is not None else None
    if changes is None:
        return None
    now_stamp = lastrun.stamp(now)
    candidates = {name: summary for name, summary in last.posts.items() if name not in changes.names}
    candidates.update((name, lastrun.summary_of(post)) for name, post in changes.fresh.items())
    specs = feed_specs(site, lastrun.newest_first(p for p in candidates.values() if p.is_published(now_stamp)))
    feeds = {spec.path: tuple(p.name for p in spec.posts) for spec in specs}
    if not _no_post_left_out(site, last, feeds, candidates, set(changes.names)):
        return None
    stale = [spec for spec in specs
             if feeds[spec.path] != last.feeds.get(spec.path) or not changes.fresh.keys().isdisjoint(feeds[spec.path])]
    found = _bodies(site, now, last, changes, (name for spec in stale for name in feeds[spec.path]))
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
            entry, body_notices[name] = body_entry(site, bodies[name]), list(bodies[name].notices)
        else:
            entry, body_notices[name] = last.bodies.get(name), last.body_notices.get(name, [])
        shown.extend(body_notices[name])
        if entry is not None:
            entries[name] = entry

    outcome = Outcome() if outcome is None else outcome
    outcome.notices += shown
    files = {spec.path: render_feed(site, replace(spec, posts=tuple(bodies[name].post for name in feeds[spec.path])),
                                    bodies) for spec in stale}
    if before_write is not None:
        before_write(files)
    for spec in specs:  # in the order a full run lists them
        if spec.path in files:
            write_outputs(site, {spec.path: files[spec.path]}, outcome)
        else:
            outcome.unchanged.append(shown_path(site, output_path(site.output_dir, spec.path)))
    outcome.decisions.append(f"{len(changes.names)} post file(s) changed since the last run: read those, "
                             f"rendered {len(stale)} of {len(specs)} feeds")
    if outcome.errors:
        lastrun.forget(site)
        return outcome
    members = {name for names in feeds.values() for name in names}
    kept = {name: summary for name, summary in candidates.items()
            if name in members or (not summary.draft and summary.stamp > now_stamp)}
    lastrun.save(site, now, scan, lastrun.Details(scan.lines, changes.keys, kept, changes.notices, feeds, entries,
                                                  body_notices),
                 outputs=outcome.written + outcome.unchanged, notices=shown, record=record)
    return outcome


def _read_changes(site: Site, now: datetime, last: lastrun.Details, scan: lastrun.Scan) -> _Changes | None:
    """Read the files whose stat changed since the last run; None when a full run must."""
    kept = set(last.lines)
    changed = [number for number, line in enumerate(scan.lines) if line not in kept]
    if len(changed) > MOST_CHANGED:
        return None
    if changed[:1] == [0]:
        return None  # first-seen.json (the scan's first line) changed
    names = [scan.names[number] for number in changed]
    now_there = set(scan.lines)
    if not {line.split("\0", 1)[0] for line in kept - now_there} <= set(names):
        return None  # a file removed
    if not lastrun.distinct(last.keys):
        return None  # the last run gave posts new ids (distinct_ids), which a fix may undo
    notices = dict(last.notices)
    fresh: dict[str, Post] = {}
    new_keys: dict[str, tuple[str, str, str]] = {}
    first_seen = load_first_seen(site)
    for name in names:
        path = site.root / name
        if path.is_dir():
            return None  # a link to a folder
        if ignored_file(path):
            continue
        try:
            post, notices[name] = load_post(site, path, first_seen, now)
        except PostError:
            return None  # a full run reports it, beside everything else
        dated_when_seen = post is not None and post.date_origin == "first seen" and not post.draft
        if dated_when_seen != (name in first_seen):
            return None  # first-seen.json gains or loses this post: state.save_first_seen's work
        if post is not None:
            fresh[name], new_keys[name] = post, lastrun.keys_of(post)
    keys = _keys_now(last, scan, new_keys, set(names))
    if not lastrun.distinct(keys):
        return None  # distinct_ids has warnings to give
    return _Changes(names, fresh, keys, notices, first_seen)


def _keys_now(last: lastrun.Details, scan: lastrun.Scan, fresh: dict[str, tuple[str, str, str]],
              changed: set[str]) -> tuple[tuple[str, str, str], ...]:
    """Every file's keys in this scan's order: the changed files' ``fresh`` ones, the others' as kept."""
    if len(scan.lines) == len(last.lines):
        # No file added (and none removed): every file keeps its place.
        keys = list(last.keys)
        for number, name in enumerate(scan.names):
            if name in changed:
                keys[number] = fresh.get(name, lastrun.NOT_A_POST)
        return tuple(keys)
    place = dict(zip(last.lines, range(len(last.lines))))
    return tuple(fresh.get(name, lastrun.NOT_A_POST) if name in changed else last.keys[place[line]]
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
    last = lastrun.details(site, record)
    if last is None or last.lines != scan.lines or not lastrun.distinct(last.keys):
        return None
    first, until, now_stamp = lastrun.stamp(start), lastrun.stamp(end), lastrun.stamp(now)
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
        if post is None or lastrun.keys_of(post) != keys:
            return None  # not the post the details describe
        posts.append(post)
    notices = [notice for name in scan.names for notice in last.notices.get(name, ())]
    return posts, notices


def _no_post_left_out(site: Site, last: lastrun.Details, feeds: dict[str, tuple[str, ...]],
                      candidates: dict[str, lastrun.PostSummary], changed: set[str]) -> bool:
    """Whether choosing the feeds' posts from ``candidates`` alone chose as from every post.

    The candidates are the last run's feed posts and scheduled posts, and the
    changed ones. A post left out of them was in no full feed's first
    ``feed.limit``: it can only get in when a changed post leaves that feed
    or falls below the feed's last post, so neither may happen.
    """
    for path, names in last.feeds.items():
        if len(names) < site.feed.limit:
            continue  # every post of this feed was in it, so none is left out
        now_in = set(feeds.get(path, ()))
        last_one = last.posts[names[-1]]
        threshold = (last_one.stamp, last_one.id)
        for name in changed.intersection(names):
            summary = candidates.get(name)  # None: no longer a post
            if summary is None or name not in now_in or (summary.stamp, summary.id) < threshold:
                return False
    return True


def _bodies(site: Site, now: datetime, last: lastrun.Details, changes: _Changes,
            names: Iterable[str]) -> tuple[dict[str, Rendered], set[str]] | None:
    """The rendered bodies of the posts ``names``, and which of them were rendered now, not kept."""
    bodies: dict[str, Rendered] = {}
    rendered: set[str] = set()
    for name in names:
        if name in bodies:
            continue
        source = site.root / name
        body = None if name in changes.fresh else kept_body(site, last.bodies.get(name), source)
        try:
            if body is None:
                post = changes.fresh.get(name) or load_post(site, source, changes.first_seen, now)[0]
                body = render_post(site, post) if post is not None else None
                rendered.add(name)
        except PostError:
            return None
        if body is None:
            return None
        bodies[name] = body
    return bodies, rendered
