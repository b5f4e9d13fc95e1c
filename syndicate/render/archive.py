"""The digest archive: ``digest/index.html``, every digest written, newest first, and ``digest/feed.xml``, their Atom feed.

Rendered from what the pipeline gathers (the state folder's records and the
``<period>.html`` files in the output folder), through ``digest-index.html.j2``
(autoescaped; a site's own templates/ may replace it) and
``syndicate.render.feeds``. Nothing here reads or writes files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from lxml import html as lxml_html

from syndicate.render.digest import LABELS, Window, in_digest_language, period_text, site_locale
from syndicate.sources.config import Site

INDEX = "digest/index.html"
FEED = "digest/feed.xml"


@dataclass(frozen=True)
class Issue:
    """One digest in the archive."""

    window: Window
    posts: int | None  # None when nothing recorded how many (a digest written by an older syndicate)
    subject: str  # "" when nothing recorded it: the HTML's <title> is then taken
    html: bytes  # <period>.html as written


@dataclass(frozen=True)
class IssueView:
    """One digest as ``digest-index.html.j2`` sees it."""

    period: str  # "2026-W47"
    title: str  # its subject
    dates: str  # "Nov 16 – 22, 2026", in the site's language
    start: datetime
    end: datetime
    posts: int | None
    href: str  # relative to the index: "2026-W47.html"
    url: str  # absolute


def _title(issue: Issue) -> str:
    if issue.subject:
        return issue.subject
    try:
        found = lxml_html.fromstring(issue.html).findtext(".//title")
    except (ValueError, SyntaxError):  # lxml's ParserError is a SyntaxError; an empty file a ValueError
        found = None
    return " ".join((found or "").split()) or issue.window.period


HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)


def _body(html: bytes) -> str:
    """A digest's HTML as a feed entry's content: its <body>, without what mail clients hide (the preheader)."""
    try:
        document = lxml_html.document_fromstring(html)
    except (ValueError, SyntaxError):
        return ""
    body = document.find("body")
    if body is None:
        return ""
    for hidden in [element for element in body.iter() if HIDDEN.search(element.get("style") or "")]:
        hidden.drop_tree()
    return "".join(lxml_html.tostring(child, encoding="unicode") for child in body)


def render_archive(site: Site, issues: Sequence[Issue]) -> dict[str, bytes]:
    """The archive page and its feed, relative to the output folder; the same digests give the same bytes."""
    from syndicate.render.feeds import FeedItem, render_page_feed
    from syndicate.render.jinja import environment, render_template

    site = in_digest_language(site)  # the digests' language: a Hugo site's digest.language
    locale, _ = site_locale(site)  # the digest itself says when the language is unknown
    labels = LABELS.get(locale.language, LABELS["en"])
    ordered = sorted(issues, key=lambda issue: (issue.window.start, issue.window.end, issue.window.period),
                     reverse=True)
    views = [IssueView(issue.window.period, _title(issue), period_text(issue.window, locale), issue.window.start,
                       issue.window.end, issue.posts, f"{issue.window.period}.html",
                       site.feed_url(f"digest/{issue.window.period}.html")) for issue in ordered]
    title = labels["archive"].format(title=" ".join(site.title.split()))
    page = render_template(site, environment(site), "digest-index.html.j2",
                           {"site": site, "title": title, "issues": views, "labels": labels, "feed": "feed.xml"})
    items = [FeedItem(view.url, view.title, view.end, _body(issue.html))
             for view, issue in zip(views, ordered)]
    return {INDEX: page.encode("utf-8"), FEED: render_page_feed(site, FEED, title, INDEX, items)}
