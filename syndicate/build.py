"""Building feeds: read every post, then render, then write — in that order.

Every post is read and checked before anything is written, so one broken post
is reported and left out while the others still publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from syndicate.cache import PostsIndex
from syndicate.config import Site
from syndicate.content import Rendered, render_post, render_posts
from syndicate.errors import Notice, PostError, SyndicateError
from syndicate.posts import Loaded, Post, shown_path, load_posts, newest_first, parse_date
from syndicate.text import slugify
from syndicate.state import load_first_seen, save_first_seen
from syndicate.write import output_path, remove_unlisted, write_all_if_changed

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
    loaded = load_posts(site, now, load_first_seen(site), progress, index.read_posts if index else None)
    posts, notices = distinct_ids(loaded.posts)
    published = newest_first(p for p in posts if p.is_published(now))
    return loaded, published, list(loaded.notices) + notices


def render_all(site: Site, posts: Iterable[Post], outcome: Outcome,
               render: Callable[[Site, Post], Rendered] = render_post) -> dict[str, Rendered]:
    """Render the bodies of ``posts``; a body that fails is reported and left out.

    ``render`` stands in for ``content.render_post`` (the posts index's).
    Those two render many bodies at once, in worker processes when there are
    many (syndicate.workers); any other function is called post by post.
    """
    return dict(rendered_in_order(site, posts, outcome, render))


def rendered_in_order(site: Site, posts: Iterable[Post], outcome: Outcome,
                      render: Callable[[Site, Post], Rendered] = render_post) -> Iterator[tuple[str, Rendered]]:
    """``render_all``'s bodies one at a time, as (post name, body), in the order of ``posts``.

    Each comes as soon as it is ready, while worker processes may still be
    rendering the ones after it.
    """
    firsts: dict[str, Post] = {}
    for post in posts:
        firsts.setdefault(post.name, post)  # a post in several feeds is rendered, and reported, once
    wanted = list(firsts.values())
    for post, rendered in zip(wanted, _render_many(site, wanted, render)):
        if isinstance(rendered, PostError):
            outcome.errors.append(rendered)
            continue
        outcome.notices.extend(rendered.notices)
        yield post.name, rendered


def _render_many(site: Site, posts: list[Post], render: Callable[[Site, Post], Rendered]
                 ) -> Iterable[Rendered | PostError]:
    """``render`` of each post, in order, the error in place of a body that fails."""
    owner = getattr(render, "__self__", None)
    if isinstance(owner, PostsIndex) and render == owner.render_post:
        return owner.render_posts(site, posts)
    if render is render_post:
        return render_posts(site, posts)
    return (_rendered_or_error(render, site, post) for post in posts)


def _rendered_or_error(render: Callable[[Site, Post], Rendered], site: Site, post: Post) -> Rendered | PostError:
    try:
        return render(site, post)
    except PostError as exc:
        return exc


def write_outputs(site: Site, files: dict[str, bytes], outcome: Outcome) -> None:
    """Write each output that changed; paths are relative to the output folder."""
    paths = [output_path(site.output_dir, relative) for relative in files]
    for path, result in zip(paths, write_all_if_changed(list(zip(paths, files.values())))):
        if isinstance(result, SyndicateError):
            outcome.errors.append(result)
            continue
        (outcome.written if result else outcome.unchanged).append(shown_path(site, path))


def remove_emptied_feeds(site: Site, specs: Iterable, outcome: Outcome) -> None:
    """Delete the category and tag feeds that no post is in any more, and say so.

    A feed no run writes would go on serving its last posts, a deleted one
    among them, forever. Only ``*.xml`` files in syndicate's own feed folders
    (feeds.CATEGORY_FEEDS, feeds.TAG_FEEDS) are touched.
    """
    from syndicate.feeds import CATEGORY_FEEDS, TAG_FEEDS

    paths = {spec.path for spec in specs}
    for folder in (CATEGORY_FEEDS, TAG_FEEDS):
        keep = {path.rsplit("/", 1)[1] for path in paths if path.startswith(folder + "/")}
        try:
            removed = remove_unlisted(output_path(site.output_dir, folder), keep, ".xml")
        except SyndicateError as exc:
            outcome.errors.append(exc)
            continue
        outcome.events.extend(f"removed {shown_path(site, path)}: no post is in this feed any more"
                              for path in removed)


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
    from syndicate.partial import remember_run, update

    updated = update(site, now, scan, record)
    if updated is not None:
        return updated
    index = PostsIndex.load(site)
    loaded, published, notices = read_site(site, now, progress, index)
    outcome = Outcome(errors=list(loaded.errors), notices=notices)
    specs, bodies, files = feeds_and_bodies(site, published, outcome, index.render_post)
    write_outputs(site, files, outcome)
    remove_emptied_feeds(site, specs, outcome)
    save_state(outcome, lambda: save_first_seen(site, loaded), index.save,
               lambda: remember_run(site, now, scan, loaded, published, specs, bodies, outcome, record))
    return outcome


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


def feeds_and_bodies(site: Site, published: list[Post], outcome: Outcome,
                     render: Callable[[Site, Post], Rendered] = render_post
                     ) -> tuple[list, dict[str, Rendered], dict[str, bytes]]:
    """Every feed the site asks for (feeds.FeedSpec), the rendered bodies of their posts, and each feed's bytes.

    The bytes map paths relative to the output folder; nothing is written.
    Each feed is rendered as soon as the last of its bodies is: while worker
    processes render the other bodies, this process renders feeds, instead
    of rendering all of them after the last body.
    """
    from syndicate.feeds import feed_specs, render_feed

    specs = feed_specs(site, published)
    bodies: dict[str, Rendered] = {}
    done: dict[str, tuple] = {}  # path → (the spec rendered, its bytes)

    def render_once(spec) -> None:
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
        for name, body in rendered_in_order(site, wanted, outcome, render):
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
    return specs, bodies, {spec.path: done[spec.path][1] for spec in specs}


def check(site: Site, now: datetime, progress: Progress | None = None) -> Outcome:
    """Read every post and render every published body; write nothing."""
    # The posts index is used but not saved: check writes nothing at all.
    index = PostsIndex.load(site, keep=False)
    loaded, published, notices = read_site(site, now, progress, index)
    outcome = Outcome(errors=list(loaded.errors), notices=notices)
    render_all(site, published, outcome, index.render_post)
    return outcome
