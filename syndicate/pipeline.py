"""One run's pipeline: read every post, then render, then write — in that order.

Every post is read and checked before anything is written, so one broken post
is reported and left out while the others still publish. Every command goes
through these functions; the incremental layer (``syndicate.incremental``)
wraps them and hands them its posts and bodies through two interfaces:

- a ``PostSource`` reads post files into Posts (``posts.read_posts``, or the
  posts index's, which answers for unchanged files);
- a ``BodyRenderer`` renders the bodies of many posts (``content.render_posts``,
  or the posts index's, which keeps bodies and renders in worker processes).

Nothing here imports the incremental layer or the commands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from syndicate.errors import Notice, PostError, PublishError, SyndicateError
from syndicate.outcome import Outcome
from syndicate.render.content import Rendered, render_posts
from syndicate.sources.config import FEED_FOLDERS, Site
from syndicate.sources.posts import Loaded, Post, load_posts, newest_first, read_posts, shown_path
from syndicate.text import slugify
from syndicate.write.files import output_path, remove_unlisted, write_all_if_changed
from syndicate.write.state import load_first_seen

if TYPE_CHECKING:
    from syndicate.render.digest import DigestFiles, Window
    from syndicate.render.feeds import FeedSpec

Progress = Callable[[list], Iterable]
# Post files in, each one's (Post or None, warnings) or its PostError out, in order.
PostSource = Callable[[Site, list[Path], Mapping[str, datetime], datetime],
                      Iterator["tuple[Post | None, list[Notice]] | PostError"]]
# Posts in, each one's Rendered body or its PostError out, in order.
BodyRenderer = Callable[[Site, list[Post]], Iterator["Rendered | PostError"]]


# --- read ---------------------------------------------------------------------


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


def read_site(site: Site, now: datetime, progress: Progress | None = None, source: PostSource = read_posts,
              files: list[Path] | None = None) -> tuple[Loaded, list[Post], list[Notice]]:
    """Read every post; return what was loaded and the published posts, newest first.

    ``files``: the site's post files (``posts.post_files``), when the caller listed them already.
    """
    loaded = load_posts(site, now, load_first_seen(site), progress, source, files)
    posts, notices = distinct_ids(loaded.posts)
    published = newest_first(p for p in posts if p.is_published(now))
    return loaded, published, list(loaded.notices) + notices


def read_into(site: Site, now: datetime, outcome: Outcome, progress: Progress | None = None,
              source: PostSource = read_posts, files: list[Path] | None = None) -> tuple[Loaded, list[Post]]:
    """``read_site``, with the errors and warnings of reading added to ``outcome``."""
    loaded, published, notices = read_site(site, now, progress, source, files)
    outcome.errors += loaded.errors
    outcome.notices += notices
    return loaded, published


# --- render -------------------------------------------------------------------


def render_bodies(site: Site, posts: Iterable[Post], outcome: Outcome,
                  renderer: BodyRenderer = render_posts) -> Iterator[tuple[str, Rendered]]:
    """The bodies of ``posts`` one at a time, as (post name, body), in order; a body that fails is reported.

    Each comes as soon as it is ready, while the renderer (worker processes)
    may still be rendering the ones after it.
    """
    firsts: dict[str, Post] = {}
    for post in posts:
        firsts.setdefault(post.name, post)  # a post in several feeds is rendered, and reported, once
    wanted = list(firsts.values())
    for post, rendered in zip(wanted, renderer(site, wanted)):
        if isinstance(rendered, PostError):
            outcome.errors.append(rendered)
            continue
        outcome.notices.extend(rendered.notices)
        yield post.name, rendered


@dataclass(frozen=True)
class Feeds:
    """A full run's feeds: what was read, each feed's spec, its posts' bodies and its bytes."""

    loaded: Loaded
    published: list[Post]  # newest first
    specs: list[FeedSpec]
    bodies: dict[str, Rendered]  # by post name
    files: dict[str, bytes]  # by path, relative to the output folder


def read_and_render(site: Site, now: datetime, outcome: Outcome, progress: Progress | None = None,
                    source: PostSource = read_posts, renderer: BodyRenderer = render_posts,
                    files: list[Path] | None = None) -> Feeds:
    """Read every post, then render every feed; errors and warnings go into ``outcome``. Nothing is written.

    ``files`` as ``read_site`` takes them.
    """
    loaded, published = read_into(site, now, outcome, progress, source, files)
    specs, bodies, outputs = feeds_and_bodies(site, published, outcome, renderer)
    return Feeds(loaded, published, specs, bodies, outputs)


def feeds_and_bodies(site: Site, published: list[Post], outcome: Outcome, renderer: BodyRenderer = render_posts
                     ) -> tuple[list[FeedSpec], dict[str, Rendered], dict[str, bytes]]:
    """Every feed the site asks for (feeds.FeedSpec), the rendered bodies of their posts, and each feed's bytes.

    The bytes map paths relative to the output folder; nothing is written.
    Each feed is rendered as soon as the last of its bodies is: while worker
    processes render the other bodies, this process renders feeds, instead
    of rendering all of them after the last body.
    """
    # Imported here, as the digest's renderer is: feedgen is a tenth of a digest's run.
    from syndicate.render.feeds import feed_specs, render_feed

    specs = feed_specs(site, published)
    bodies: dict[str, Rendered] = {}
    done: dict[str, tuple] = {}  # path → (the spec rendered, its bytes)

    def render_once(spec: FeedSpec) -> None:
        if spec.path not in done or done[spec.path][0] != spec:
            done[spec.path] = (spec, render_feed(site, spec, bodies))

    while True:
        waiting: dict[str, set[str]] = {}  # feed path → its posts with no body yet
        feeds_of: dict[str, list] = {}  # post name → the feeds it is in
        for spec in specs:
            waiting[spec.path] = {post.name for post in spec.posts} - bodies.keys()
            for name in waiting[spec.path]:
                feeds_of.setdefault(name, []).append(spec)
        wanted = (post for spec in specs for post in spec.posts if post.name not in bodies)
        for name, body in render_bodies(site, wanted, outcome, renderer):
            bodies[name] = body
            for spec in feeds_of.get(name, ()):
                waiting[spec.path].discard(name)
                if not waiting[spec.path]:
                    render_once(spec)
        # Bodies are read only now, for the posts that land in a feed. One that
        # fails (not UTF-8, gone) is reported and gives its place in every feed to
        # the next post, as if it had failed when its front matter was read.
        failed = {post.name for spec in specs for post in spec.posts if post.name not in bodies}
        if not failed:
            break
        published = [post for post in published if post.name not in failed]
        specs = feed_specs(site, published)
    for spec in specs:
        render_once(spec)  # those whose posts changed after a failure, and those with none
    return specs, bodies, {**{spec.path: done[spec.path][1] for spec in specs}, **feed_pages(site, specs, outcome)}


def feed_pages(site: Site, specs: list[FeedSpec], outcome: Outcome) -> dict[str, bytes]:
    """With ``feed.page`` on, ``feeds.html`` and ``feeds-head.html`` (feeds_page), by path; a template mistake
    is reported in ``outcome`` and leaves them out."""
    if not site.feed.page:
        return {}
    from syndicate.render.feeds_page import render_feed_pages

    try:
        return render_feed_pages(site, specs)
    except SyndicateError as exc:
        outcome.errors.append(exc)
        return {}


def digest_of(site: Site, posts: list[Post], window: Window, now: datetime, outcome: Outcome,
              renderer: BodyRenderer = render_posts, list_tool: str | None = None) -> DigestFiles | None:
    """Render the bodies of ``posts``, then their digest; None when no body rendered.

    A post whose body fails is reported in ``outcome`` and left out, as in the feeds.
    """
    # Imported here: a run that writes no digest never needs it.
    from syndicate.render.digest import render_digest

    bodies = dict(render_bodies(site, posts, outcome, renderer))
    rendered = [bodies[p.name] for p in posts if p.name in bodies]
    if not rendered:
        return None
    files = render_digest(site, rendered, window, now, list_tool)
    outcome.notices.extend(files.notices)
    return files


# --- write --------------------------------------------------------------------


def write_outputs(site: Site, files: dict[str, bytes], outcome: Outcome) -> None:
    """Write each output that changed; paths are relative to the output folder."""
    paths = [output_path(site.output_dir, relative) for relative in files]
    for path, result in zip(paths, write_all_if_changed(list(zip(paths, files.values())))):
        if isinstance(result, SyndicateError):
            outcome.errors.append(result)
            continue
        (outcome.written if result else outcome.unchanged).append(shown_path(site, path))


def holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` has exactly the bytes ``data``."""
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def write_digest(site: Site, files: DigestFiles, outcome: Outcome, remember: bool = False) -> bool:
    """Write ``<period>.html/.txt/.eml`` and the ``latest.*`` copies, each atomically and only if changed.

    Returns whether every one of them is on disk with its bytes, as read back
    afterwards: a digest is sent only then, or its "view in your browser"
    link would lead nowhere. What is missing is reported in ``outcome``.
    Then the archive (``write_archive``); ``remember``: record the digest for
    it in the state folder (``syndicate digest``: publish records its own).
    """
    from syndicate.render.digest import digest_outputs

    outputs = digest_outputs(files)
    errors = len(outcome.errors)
    write_outputs(site, outputs, outcome)
    if len(outcome.errors) > errors:
        return False
    for relative, data in outputs.items():
        path = output_path(site.output_dir, relative)
        if not holds(path, data):
            outcome.errors.append(PublishError("not what was just written there; another program "
                                               "changed or removed it", shown_path(site, path)))
            return False
    write_archive(site, files, outcome, remember)
    return True


def write_archive(site: Site, files: DigestFiles, outcome: Outcome, remember: bool) -> None:
    """Write ``digest/index.html`` and ``digest/feed.xml`` if they changed; ``remember``: record ``files`` first.

    They list every ``<period>.html`` in the output folder's ``digest/``: its
    days and post count as ``files`` (the digest just written) or the state
    folder says (state.json's records, archive.json's), else as its period
    name says.
    """
    from syndicate.render.archive import Issue, render_archive
    from syndicate.render.digest import Window, window_named
    from syndicate.write.state import load_archive, load_digests, save_archived

    window = files.window
    current = {"start": window.start.isoformat(), "end": window.end.isoformat(), "posts": len(files.post_ids),
               "subject": files.subject}
    if remember:
        save_state(outcome, lambda: save_archived(site, files.period, current))
    archived = {**load_archive(site), files.period: current}
    try:
        records = load_digests(site)
    except SyndicateError:
        records = {}  # publish reports a damaged state.json; the archive does without it
    folder = output_path(site.output_dir, "digest")
    issues = []
    for path in sorted(folder.glob("*.html")):
        period = path.stem
        entry, record = archived.get(period, {}), None if period in archived else records.get(period)
        try:
            found = window_named(site, period) if not entry and record is None else None
            if entry:
                found = Window(datetime.fromisoformat(entry["start"]), datetime.fromisoformat(entry["end"]), period)
            elif record is not None:
                found = Window(record.start, record.end, period)
            html = files.html if period == files.period else path.read_bytes()
        except (KeyError, TypeError, ValueError, OSError):
            continue  # a damaged entry, or a file gone since it was listed
        if found is None:
            continue  # latest.html, index.html, a file of the user's
        posts = entry.get("posts") if isinstance(entry.get("posts"), int) else (
            len(record.post_ids) if record is not None else None)
        issues.append(Issue(found, posts, entry.get("subject") if isinstance(entry.get("subject"), str) else "", html))
    try:
        write_outputs(site, render_archive(site, issues), outcome)
    except SyndicateError as exc:
        outcome.errors.append(exc)


def remove_emptied_feeds(site: Site, specs: Iterable[FeedSpec], outcome: Outcome) -> None:
    """Delete the category, tag and archive feeds that no post is in any more, and say so.

    A feed no run writes would go on serving its last posts, a deleted one
    among them, forever. Only ``*.xml`` and ``*.json`` (JSON Feed) files in
    syndicate's own feed folders (config.FEED_FOLDERS) are touched.
    """
    paths = {spec.path for spec in specs}
    for folder in FEED_FOLDERS:
        keep = {path.rsplit("/", 1)[1] for path in paths if path.startswith(folder + "/")}
        try:
            removed = remove_unlisted(output_path(site.output_dir, folder), keep, (".xml", ".json"))
        except SyndicateError as exc:
            outcome.errors.append(exc)
            continue
        outcome.events.extend(f"removed {shown_path(site, path)}: no post is in this feed any more"
                              for path in removed)


def save_state(outcome: Outcome, *saves: Callable[[], object]) -> None:
    """Call each of ``saves``, which write the state folder, in order.

    A state folder that cannot be written (disk full) is one more problem to
    list beside the run's, not a reason to drop the ones already found, nor
    the report of the feeds already written.
    """
    for save in saves:
        try:
            save()
        except SyndicateError as exc:
            outcome.errors.append(exc)
