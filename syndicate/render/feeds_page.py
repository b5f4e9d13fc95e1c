"""A page for people (``feeds.html``) and the ``<link rel="alternate">`` tags for a site's ``<head>`` (``feeds-head.html``).

Browsers show a feed's XML as raw text (and are removing XSLT), so a person
who clicks a feed link learns nothing: the page lists every feed the site
has, with what it holds, a subscribe link for each format and its newest
entries. Both are rendered with Jinja from ``feeds.html.j2`` and
``feeds-head.html.j2`` (the site's ``templates/`` first, then the defaults),
from the feeds' specs alone: no post body, and the same feeds always give the
same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from syndicate.render.feeds import ATOM, JSON, MEDIA_TYPES, RSS, FeedSpec, feed_pairs, main_feed_paths
from syndicate.sources.config import (ARCHIVE_FEEDS, AUTHOR_FEEDS, CATEGORY_FEEDS, FEEDS_PAGE_TEMPLATES, LANGUAGE_FEEDS,
                                      TAG_FEEDS, Site)
from syndicate.text import plain_text

PAGE = "feeds.html"
NEWEST = 5  # entries shown for each feed
FORMAT_NAMES = {RSS: "RSS", ATOM: "Atom", JSON: "JSON Feed"}
# What a feed holds, by its folder: the page's words for each kind (a site's template can say others).
KINDS = {CATEGORY_FEEDS: "category", TAG_FEEDS: "tag", LANGUAGE_FEEDS: "language", AUTHOR_FEEDS: "author",
         ARCHIVE_FEEDS: "archive"}


@dataclass(frozen=True)
class Link:
    """One format of a feed: its name ("RSS"), media type and absolute URL."""

    format: str
    type: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One of a feed's newest posts, as the page shows it."""

    title: str
    url: str
    date: str  # YYYY-MM-DD, in the site's time zone


@dataclass(frozen=True)
class PageFeed:
    """One feed on the page, with every format it is written in."""

    title: str
    kind: str  # "main", "category", "tag", "language", "author", "archive" or "other" (an extra or Jekyll feed)
    links: tuple[Link, ...]
    entries: tuple[Entry, ...]  # the newest NEWEST
    count: int  # entries in the feed
    complete: bool  # it holds every post it could (RFC 5005's fh:complete)


def page_feeds(site: Site, specs: list[FeedSpec]) -> list[PageFeed]:
    """The site's feeds in ``feed_specs``' order, each with its formats: the main RSS, Atom and
    JSON Feed as one, every other feed with its JSON Feed twin."""
    main = set(main_feed_paths(site))
    # The RSS and Atom feeds of one feed (the main ones, a Hugo language's) are one entry.
    pair_of = {path: number for number, pair in enumerate(feed_pairs(site)) for path in pair}
    groups: list[tuple[FeedSpec, list[FeedSpec]]] = []
    for spec in specs:
        joins = groups and (spec.kind == JSON or pair_of.get(spec.path, -1) == pair_of.get(groups[-1][0].path, -2))
        if joins:
            groups[-1][1].append(spec)
        else:
            groups.append((spec, [spec]))
    return [PageFeed(title=plain_text(first.title),
                     kind="main" if first.path in main else "language" if first.path in pair_of else _kind(first.path),
                     links=tuple(Link(FORMAT_NAMES[spec.kind], MEDIA_TYPES[spec.kind], site.feed_url(spec.path))
                                 for spec in formats),
                     entries=tuple(Entry(post.title, post.url, post.date.astimezone(site.timezone).strftime("%Y-%m-%d"))
                                   for post in first.posts[:NEWEST]),
                     count=len(first.posts), complete=first.history.complete)
            for first, formats in groups]


def _kind(path: str) -> str:
    folder = path.rsplit("/", 1)[0]
    return KINDS.get(folder, "other")


def render_feed_pages(site: Site, specs: list[FeedSpec]) -> dict[str, bytes]:
    """``feeds.html`` and ``feeds-head.html``'s bytes, by path in the output folder.

    Raises SyndicateError (with the template's file and line) for a template mistake.
    """
    from syndicate.render.jinja import environment, render_template

    feeds = page_feeds(site, specs)
    context = {"site": site, "feeds": feeds, "main": [feed for feed in feeds if feed.kind == "main"],
               "page_url": site.feed_url(PAGE), "limit": site.feed.limit}
    env = environment(site)
    return {path: render_template(site, env, template, context).encode("utf-8") for path, template in FEEDS_PAGE_TEMPLATES.items()}
