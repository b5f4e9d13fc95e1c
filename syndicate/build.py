"""Building feeds: read every post, then render, then write — in that order.

Every post is read and checked before anything is written, so one broken post
is reported and left out while the others still publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from syndicate.cache import PostsIndex
from syndicate.config import Site
from syndicate.content import Rendered, render_post
from syndicate.errors import Notice, PostError, SyndicateError
from syndicate.posts import Loaded, Post, ignored_file, load_post, load_posts, newest_first, parse_date, shown_path
from syndicate.text import slugify
from syndicate.state import load_first_seen, save_first_seen
from syndicate.write import output_path, write_if_changed

Progress = Callable[[list], Iterable]


@dataclass
class Outcome:
    """What a run did and what it found, for the CLI to report."""

    written: list[str] = field(default_factory=list)  # output paths, relative to the site
    unchanged: list[str] = field(default_factory=list)
    errors: list[SyndicateError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # other changes, one line each ("sent digest …")
    decisions: list[str] = field(default_factory=list)  # why things were (not) done, for -v

    def failed(self, strict: bool = False) -> bool:
        """Whether the run must exit non-zero."""
        return bool(self.errors) or (strict and bool(self.notices))


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


def distinct_ids(posts: Iterable[Post]) -> tuple[list[Post], list[Notice]]:
    """Give posts that share an id (or URL) distinct ids, with one warning each.

    The first post by file name keeps the id; the others get the file name as
    a fragment, which stays the same from run to run. Posts with distinct ids
    but one URL keep their ids and get a warning: one of the links is wrong.
    """

    seen: dict[str, Post] = {}
    urls: dict[str, Post] = {}
    result, notices = [], []
    for post in sorted(posts, key=lambda p: p.name):
        first = seen.get(post.id)
        if first is None:
            seen[post.id] = post
            same_url = urls.setdefault(post.url, post)
            if same_url is not post:
                notices.append(Notice(f"same URL as {same_url.name} ({post.url}); feed readers will link "
                                      "both posts to one page", post.name))
            result.append(post)
            continue
        new_id = f"{post.id}#{slugify(post.name)}"
        while new_id in seen:  # an explicit id may already be that
            new_id += "-"
        notices.append(Notice(f"same id as {first.name} ({post.id}); this post's feed id gets "
                              f"{new_id[len(post.id):]} added", post.name))
        seen[new_id] = post
        urls.setdefault(post.url, post)
        result.append(replace(post, id=new_id))
    return result, notices


def read_site(site: Site, now: datetime, progress: Progress | None = None,
              index: PostsIndex | None = None) -> tuple[Loaded, list[Post], list[Notice]]:
    """Read every post; return what was loaded and the published posts, newest first.

    With the posts ``index`` (syndicate.cache), unchanged posts are not opened.
    """
    loaded = load_posts(site, now, load_first_seen(site), progress, index.load_post if index else None)
    posts, notices = distinct_ids(loaded.posts)
    published = newest_first(p for p in posts if p.is_published(now))
    return loaded, published, list(loaded.notices) + notices


def render_all(site: Site, posts: Iterable[Post], outcome: Outcome,
               render: Callable[[Site, Post], Rendered] = render_post) -> dict[str, Rendered]:
    """Render the bodies of ``posts``; a body that fails is reported and left out.

    ``render`` stands in for ``content.render_post`` (the posts index's).
    """
    bodies = {}
    failed = set()  # a post in several feeds is tried, and reported, once
    for post in posts:
        if post.name in bodies or post.name in failed:
            continue
        try:
            rendered = render(site, post)
        except PostError as exc:
            outcome.errors.append(exc)
            failed.add(post.name)
            continue
        bodies[post.name] = rendered
        outcome.notices.extend(rendered.notices)
    return bodies


def write_outputs(site: Site, files: dict[str, bytes], outcome: Outcome) -> None:
    """Write each output that changed; paths are relative to the output folder."""
    for relative, data in files.items():
        path = output_path(site.output_dir, relative)
        shown = shown_path(site, path)
        try:
            changed = write_if_changed(path, data)
        except SyndicateError as exc:
            outcome.errors.append(exc)
            continue
        (outcome.written if changed else outcome.unchanged).append(shown)


def build(site: Site, now: datetime, progress: Progress | None = None) -> Outcome:
    """Build every feed of the site as of ``now``.

    Scheduled, draft and unpublished posts are left out; a post with an error
    is reported and left out; nothing is written until everything is read.
    """
    from syndicate import lastrun

    scan = lastrun.scan_posts(site)
    record = lastrun.trusted(site, now)
    last = lastrun.unchanged(record, now, scan)
    if last is not None:
        outputs, notices = last
        return Outcome(unchanged=outputs, notices=notices,
                       decisions=["nothing changed since the last run: no post read, no feed rendered"])
    updated = update(site, now, scan, record)
    if updated is not None:
        return updated
    index = PostsIndex.load(site)
    loaded, published, notices = read_site(site, now, progress, index)
    outcome = Outcome(errors=list(loaded.errors), notices=notices)
    specs, bodies = feeds_and_bodies(site, published, outcome, index.render_post)
    write_outputs(site, feed_files(site, specs, bodies), outcome)
    # A state folder that cannot be written (disk full) is one more problem
    # to list beside the feeds', not a reason to drop the ones already found.
    for save in (lambda: save_first_seen(site, loaded),
                 index.save):
        try:
            save()
        except SyndicateError as exc:
            outcome.errors.append(exc)
    remember_run(site, now, scan, loaded, specs, bodies, outcome, record)
    return outcome


def remember_run(site: Site, now: datetime, scan, loaded: Loaded, specs: list, bodies: dict[str, Rendered],
                 outcome: Outcome, record: dict | None = None) -> None:
    """Record a run without errors (syndicate.lastrun): an unchanged site then costs a stat
    per post file, and one with a few changed files a read of those (``update``).

    ``record`` is the last run's, from ``lastrun.trusted``.
    """
    from syndicate import lastrun

    if outcome.errors:
        lastrun.forget(site)  # errors are reported on every run until fixed
        return
    notices: dict[str, list[Notice]] = {}
    for notice in loaded.notices:
        notices.setdefault(notice.path, []).append(notice)
    feeds = {spec.path: tuple(post.name for post in spec.posts) for spec in specs}
    members = {name for names in feeds.values() for name in names}
    keys = {post.name: (lastrun.short_hash(post.id), lastrun.short_hash(post.url)) for post in loaded.posts}
    posts = {post.name: lastrun.summary_of(post) for post in loaded.posts
             if post.name in members or (not post.draft and post.date > now)}
    entries = {name: entry for name in sorted(members) if (entry := body_entry(site, bodies[name])) is not None}
    body_notices = {name: list(bodies[name].notices) for name in members}
    lastrun.save(site, now, scan, lastrun.Details(scan.files(), keys, posts, notices, feeds, entries, body_notices),
                 outputs=outcome.written + outcome.unchanged, notices=outcome.notices, record=record)


def body_entry(site: Site, rendered: Rendered) -> bytes | None:
    """A feed post and its rendered body as a line of JSON, for the last run's details; None if it cannot be kept."""
    import json

    from syndicate.cache import encode_post

    post = encode_post(rendered.post, [], site)
    if post is None:
        return None
    entry = {"post": post, "html": rendered.html, "excerpt": rendered.excerpt,
             "notices": [[n.message, n.path, n.line] for n in rendered.notices]}
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _kept_body(site: Site, line: bytes | None, source: Path) -> Rendered | None:
    """The Rendered kept by ``body_entry``; None when missing or damaged."""
    import json

    from syndicate.cache import decode_post

    try:
        entry = json.loads(line)
        post, _ = decode_post(entry["post"], site, source)
        notices = tuple(Notice(str(message), path, number) for message, path, number in entry["notices"])
        return Rendered(post, str(entry["html"]), str(entry["excerpt"]), notices)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


# More changed post files than this, and a full run (with the posts index) costs no more.
MOST_CHANGED = 200


def update(site: Site, now: datetime, scan, record: dict | None, outcome: Outcome | None = None,
           before_write: Callable[[dict], None] | None = None) -> Outcome | None:
    """Bring the feeds up to date after a few post files changed, as a full run would.

    Only the changed files are read, and only the feeds whose posts changed
    are rendered; the rest comes from the last run's details (``record`` is
    ``lastrun.trusted``'s). Returns None, having written nothing, whenever a
    full run is needed: no usable details, many changes, a file removed or
    with an error, a new dateless post (first-seen.json must record it), ids
    or URLs that collide, or a feed's post that changed so that another post
    may take its place (the details do not keep every post).
    ``outcome`` collects what happened (a new one by default); ``before_write``
    gets the feeds about to be written.
    """
    from syndicate import lastrun
    from syndicate.feeds import feed_specs, render_feed

    last = lastrun.details(site, record)
    if last is None:
        return None
    stats = scan.files()  # first-seen.json's line first, then the post files'
    changed = [name for name, line in stats.items() if last.lines.get(name) != line]
    if len(changed) > MOST_CHANGED or not last.lines.keys() <= stats.keys():
        return None  # many changes, or a file removed
    if changed[:1] == list(stats)[:1]:
        return None  # first-seen.json changed

    keys, notices = dict(last.keys), dict(last.notices)
    fresh: dict[str, Post] = {}
    first_seen = load_first_seen(site) if changed else {}
    for name in changed:
        path = site.root / name
        if path.is_dir():
            return None  # a link to a folder
        keys.pop(name, None)
        if ignored_file(path):
            continue
        try:
            post, read = load_post(site, path, first_seen, now)
        except PostError:
            return None  # a full run reports it, beside everything else
        notices[name] = read
        if post is None:
            continue
        if post.date_origin == "first seen" and not post.draft and name not in first_seen:
            return None
        fresh[name] = post
        keys[name] = (lastrun.short_hash(post.id), lastrun.short_hash(post.url))
    if len({key[0] for key in keys.values()}) != len(keys) or len({key[1] for key in keys.values()}) != len(keys):
        return None  # distinct_ids has warnings to give

    now_stamp = lastrun.stamp(now)
    gone = set(changed)
    candidates = {name: summary for name, summary in last.posts.items() if name not in gone}
    candidates.update((name, lastrun.summary_of(post)) for name, post in fresh.items())
    specs = feed_specs(site, lastrun.newest_first(p for p in candidates.values() if p.is_published(now_stamp)))
    names_of = {spec.path: tuple(p.name for p in spec.posts) for spec in specs}
    if not _no_post_left_out(site, last, names_of, candidates, gone):
        return None
    stale = [spec for spec in specs
             if names_of[spec.path] != last.feeds.get(spec.path) or not fresh.keys().isdisjoint(names_of[spec.path])]
    bodies: dict[str, Rendered] = {}
    rendered = set()  # the bodies not kept from the last run
    for name in (name for spec in stale for name in names_of[spec.path]):
        if name in bodies:
            continue
        source = site.root / name
        body = None if name in fresh else _kept_body(site, last.bodies.get(name), source)
        try:
            if body is None:
                post = fresh.get(name) or load_post(site, source, first_seen, now)[0]
                body = render_post(site, post) if post is not None else None
                rendered.add(name)
        except PostError:
            return None
        if body is None:
            return None
        bodies[name] = body

    # Warnings in the order a full run gives them: each file's, then each feed post's body's.
    position = {name: number for number, name in enumerate(stats)}
    shown = [n for name in sorted(notices, key=lambda name: position.get(name, -1)) for n in notices[name]]
    entries: dict[str, bytes] = {}
    body_notices: dict[str, list[Notice]] = {}
    for name in dict.fromkeys(name for spec in specs for name in names_of[spec.path]):
        if name in rendered:
            entry, body_notices[name] = body_entry(site, bodies[name]), list(bodies[name].notices)
        else:
            entry, body_notices[name] = last.bodies.get(name), last.body_notices.get(name, [])
        shown.extend(body_notices[name])
        if entry is not None:
            entries[name] = entry

    outcome = Outcome() if outcome is None else outcome
    outcome.notices += shown
    files = {spec.path: render_feed(site, replace(spec, posts=tuple(bodies[n].post for n in names_of[spec.path])),
                                    bodies) for spec in stale}
    if before_write is not None:
        before_write(files)
    write_outputs(site, files, outcome)
    for spec in specs:
        if spec.path not in files:
            outcome.unchanged.append(shown_path(site, output_path(site.output_dir, spec.path)))
    outcome.decisions.append(f"{len(changed)} post file(s) changed since the last run: read those, "
                             f"rendered {len(stale)} of {len(specs)} feeds")
    if outcome.errors:
        lastrun.forget(site)
        return outcome
    members = {name for names in names_of.values() for name in names}
    kept = {name: summary for name, summary in candidates.items()
            if name in members or (not summary.draft and summary.stamp > now_stamp)}
    lastrun.save(site, now, scan, lastrun.Details(stats, keys, kept, notices, names_of, entries, body_notices),
                 outputs=outcome.written + outcome.unchanged, notices=shown, record=record)
    return outcome


def _no_post_left_out(site: Site, last, names_of: dict[str, tuple[str, ...]], candidates: dict,
                      changed: set[str]) -> bool:
    """Whether choosing the feeds' posts from ``candidates`` alone chose as from every post.

    The candidates are the last run's feed posts and scheduled posts, and the
    changed ones. A post left out of them was in no full feed's first
    ``feed.limit``: it can only get in when a changed post leaves that feed
    or falls below the feed's last post, so neither may happen.
    """
    for path, names in last.feeds.items():
        if len(names) < site.feed.limit:
            continue  # every post of this feed was in it, so none is left out
        now_in = set(names_of.get(path, ()))
        last_one = last.posts[names[-1]]
        threshold = (last_one.stamp, last_one.id)
        for name in changed.intersection(names):
            summary = candidates.get(name)  # None: no longer a post
            if summary is None or name not in now_in or (summary.stamp, summary.id) < threshold:
                return False
    return True


def feeds_and_bodies(site: Site, published: list[Post], outcome: Outcome,
                     render: Callable[[Site, Post], Rendered] = render_post) -> tuple[list, dict[str, Rendered]]:
    """Every feed the site asks for (feeds.FeedSpec) and the rendered bodies of their posts."""
    from syndicate.feeds import feed_specs

    specs = feed_specs(site, published)
    bodies = render_all(site, (post for spec in specs for post in spec.posts), outcome, render)
    # Bodies are read only now, for the posts that land in a feed. One that
    # fails (not UTF-8, gone) is reported and gives its place in every feed to
    # the next post, as if it had failed when its front matter was read.
    while failed := {post.name for spec in specs for post in spec.posts if post.name not in bodies}:
        published = [post for post in published if post.name not in failed]
        specs = feed_specs(site, published)
        bodies.update(render_all(site, (post for spec in specs for post in spec.posts
                                        if post.name not in bodies), outcome, render))
    return specs, bodies


def feed_files(site: Site, specs: list, bodies: dict[str, Rendered]) -> dict[str, bytes]:
    """The bytes of each feed (path relative to the output folder → bytes); writes nothing."""
    from syndicate.feeds import render_feed

    return {spec.path: render_feed(site, spec, bodies) for spec in specs}


def render_feeds(site: Site, published: list[Post], outcome: Outcome,
                 render: Callable[[Site, Post], Rendered] = render_post) -> dict[str, bytes]:
    """The bytes of every feed (path relative to the output folder → bytes); writes nothing."""
    return feed_files(site, *feeds_and_bodies(site, published, outcome, render))


def check(site: Site, now: datetime, progress: Progress | None = None) -> Outcome:
    """Read every post and render every published body; write nothing."""
    # The posts index is used but not saved: check writes nothing at all.
    index = PostsIndex.load(site)
    loaded, published, notices = read_site(site, now, progress, index)
    outcome = Outcome(errors=list(loaded.errors), notices=notices)
    render_all(site, published, outcome, index.render_post)
    return outcome
