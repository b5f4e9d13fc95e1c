"""``syndicate check --against FEED``: would switching to syndicate show subscribers a post again?

A feed reader knows each entry by its id (Atom ``<id>``, RSS ``<guid>``, else
its link). The feed subscribers read now (a file, or an http(s) URL) is
compared with the posts syndicate would publish: an entry whose post is
still there under another id is shown again as new by every reader, which
is the one thing a migration must not do; a changed link sends readers
elsewhere; an entry no post stands for any more vanishes. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from syndicate.errors import SyndicateError
from syndicate.outcome import Outcome
from syndicate.sources.config import Site
from syndicate.sources.posts import Post

ATOM = "{http://www.w3.org/2005/Atom}"
TIMEOUT_SECONDS = 20
MAX_FEED_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class OldEntry:
    """An entry of the feed subscribers read now."""

    id: str
    link: str
    title: str


def check_against(site: Site, now: datetime, feed: str, progress=None) -> Outcome:
    """Compare the feed at ``feed`` with what syndicate would publish; an id that changes is an error."""
    from syndicate.commands.build import read_for_check

    old = parse_feed(read_feed(feed), feed)
    _, published, outcome = read_for_check(site, now, progress)
    if site.hugo is not None:
        from syndicate.sources.hugo import in_site_lists, page_order

        # Hugo's home feed: its pages in Hugo's order, without those out of the site's lists (_build.list).
        published = sorted(filter(in_site_lists, published), key=page_order)
    compare(old, published, feed, outcome)
    return outcome


def compare(old: list[OldEntry], published: list[Post], feed: str, outcome: Outcome) -> None:
    """Add to ``outcome`` one line per entry that changes, and an error per entry readers would show again."""
    by_id = {post.id: post for post in published}
    by_link = {_plain(post.url): post for post in published}
    # A post found again only by its title is the same post under a new id and
    # link (a permalink changed): readers would show it again all the same.
    by_title: dict[str, Post] = {}
    for post in published:
        by_title.setdefault(_words(post.title), post)
    old_ids = {entry.id for entry in old}
    same = moved = 0
    for entry in old:
        if not entry.id and not entry.link and entry.title:
            # Hugo's item of a page it never renders (_build.render: never): no id or link, nothing a
            # reader could show again; syndicate leaves it out (feeds._rendered).
            post = by_title.get(_words(entry.title))
            if post is not None and post.hugo is not None and not post.hugo.rendered:
                same += 1
                continue
        post = by_id.get(entry.id)
        if post is not None:
            same += 1
            if entry.link and _plain(entry.link) != _plain(post.url):
                moved += 1
                outcome.events.append(f"link changes: {entry.link} → {post.url} ({post.name})")
            continue
        post = (by_link.get(_plain(entry.link)) or by_link.get(_plain(entry.id))
                or (by_title.get(_words(entry.title)) if entry.title else None))
        if post is not None and post.id not in old_ids:
            outcome.errors.append(SyndicateError(
                f"id changes: {entry.id} → {post.id}; feed readers would show \"{entry.title}\" again as new",
                post.name))
        else:
            outcome.events.append(f"vanishes: {entry.id} (\"{entry.title}\"): no published post has this id or link")
    known = {_plain(entry.link) for entry in old} | {_plain(entry.id) for entry in old}
    titles = {_words(entry.title) for entry in old}
    appear = [post for post in published[:len(old)] if post.id not in old_ids and _plain(post.url) not in known
              and _words(post.title) not in titles]
    for post in appear:
        outcome.events.append(f"appears: {post.id} ({post.name}): not in {feed}")
    changed = len(old) - same
    outcome.events.append(f"compared {len(old)} entries of {feed}: {same} keep their ids, {changed} do not, "
                          f"{moved} change links, {len(appear)} newer posts appear")


def _words(title: str) -> str:
    """A title as text to compare: whitespace folded, entities and tags as the feed gave them."""
    return " ".join(title.split()).casefold()


def _plain(url: str) -> str:
    """A URL as readers compare links: no trailing slash, no ``index.html``."""
    url = url.strip()
    if url.endswith("/index.html"):
        url = url[:-len("index.html")]
    return url.rstrip("/")


def read_feed(feed: str) -> bytes:
    """The bytes of a feed file, or of the feed an http(s) URL serves."""
    if urlsplit(feed).scheme in ("http", "https"):
        from urllib.error import URLError
        from urllib.request import Request, urlopen

        request = Request(feed, headers={"User-Agent": "syndicate check --against"})
        try:
            with urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only, checked above
                data = response.read(MAX_FEED_BYTES + 1)
        except (URLError, OSError, ValueError) as exc:
            raise SyndicateError(f"cannot fetch the feed: {getattr(exc, 'reason', exc)}", feed) from None
    else:
        try:
            data = Path(feed).read_bytes()
        except OSError as exc:
            raise SyndicateError(f"cannot read the feed: {exc.strerror or exc}", feed) from None
    if len(data) > MAX_FEED_BYTES:
        raise SyndicateError(f"larger than {MAX_FEED_BYTES // (1024 * 1024)} MB; not a feed", feed)
    return data


def parse_feed(data: bytes, feed: str) -> list[OldEntry]:
    """The entries of an Atom or RSS 2.0 feed, in order; SyndicateError naming the feed when it is neither."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SyndicateError(f"not XML: {exc.msg}", feed, exc.lineno) from None
    if root.tag == ATOM + "feed":
        return [_atom_entry(entry) for entry in root.iter(ATOM + "entry")]
    if root.tag == "rss":
        return [_rss_item(item) for item in root.iter("item")]
    raise SyndicateError(f"neither an Atom feed nor an RSS 2.0 feed (its root is <{etree.QName(root).localname}>)",
                         feed)


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _atom_entry(entry) -> OldEntry:
    links = entry.findall(ATOM + "link")
    link = next((element.get("href", "") for element in links if element.get("rel", "alternate") == "alternate"), "")
    return OldEntry(_text(entry.find(ATOM + "id")) or link, link, _text(entry.find(ATOM + "title")))


def _rss_item(item) -> OldEntry:
    link = _text(item.find("link"))
    return OldEntry(_text(item.find("guid")) or link, link, _text(item.find("title")))
