"""RSS 2.0 and Atom 1.0 feeds, written by feedgen, and their JSON Feed 1.1 twins, written by ``json``.

This is the only module that imports feedgen, so its surprises are handled
here once: entries are appended in our order (``add_entry`` prepends by
default), ``self`` is added before ``alternate`` (RSS's channel link is the last
link added), a name-only author goes out as ``dc:creator`` (RSS drops it),
every date is aware and set by us (feedgen would stamp the build time),
RFC 822 dates are formatted without feedgen's process-wide locale switch, and
Atom entry links are written by ``_AtomLinks`` (feedgen 1.0 drops their
``rel`` and ``type``, turning an enclosure into a second alternate link).
RSS channel links other than ``self`` (WebSub hubs) are written by ``_RssHubs``:
feedgen writes only the self link of the list into RSS; RFC 5005's elements
and links (``fh:complete``, ``fh:archive``, ``prev-archive``…) by ``_FeedHistory``.
"""

from __future__ import annotations

import email.utils
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache
from itertools import islice
from typing import Sequence

import feedgen.entry
import feedgen.feed
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate import __version__
from syndicate.sources.config import (ARCHIVE_FEEDS, AUTHOR_FEEDS, CATEGORY_FEEDS, LANGUAGE_FEEDS, TAG_FEEDS, Author,
                                      ExtraFeed, Site)
from syndicate.render.content import Rendered, feed_html
from syndicate.render.images import local_image
from syndicate.sources.posts import Post
from syndicate.text import html_text, plain_text, slugify
from syndicate.text import safe_name

# feedgen's formatRFC2822 calls locale.setlocale around strftime, which is
# process-wide state; email.utils gives the same RFC 822 text without it.
feedgen.entry.formatRFC2822 = feedgen.feed.formatRFC2822 = email.utils.format_datetime

RSS, ATOM, JSON = "rss", "atom", "json"
MEDIA_TYPES = {RSS: "application/rss+xml", ATOM: "application/atom+xml", JSON: "application/feed+json"}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
HISTORY_NAMESPACE = "http://purl.org/syndication/history/1.0"
# The date of a feed with no entries: fixed, so an empty feed is byte-stable,
# and not before 1990, which the W3C validator calls implausible.
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Hugo's date of a page with no date (Go's zero time), which its RSS prints: "Mon, 01 Jan 0001".
YEAR_ONE = datetime(1, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class History:
    """What a feed says of the history it belongs to (RFC 5005, Feed Paging and Archiving).

    Paths are of XML feeds, relative to the output folder; "" for none.
    """

    complete: bool = False  # the feed holds every post it selects from: <fh:complete/>
    archive: bool = False  # a monthly archive document: <fh:archive/>, its posts never limited
    current: str = ""  # an archive's main feed (rel="current")
    prev: str = ""  # the next older archive (rel="prev-archive"; JSON Feed next_url)
    next: str = ""  # the next newer archive (rel="next-archive")


@dataclass(frozen=True)
class FeedSpec:
    """One feed file to write: where, in which format, with which posts."""

    path: str  # relative to the output folder, "/"-separated
    kind: str  # RSS, ATOM or JSON
    title: str
    posts: tuple[Post, ...]  # newest first, already limited
    history: History = History()
    language: str = ""  # the feed's language (a language feed's); "" for the site's
    home: str = ""  # the page it is the feed of (its alternate link): "" for the site's home
    # Hugo's feed of a taxonomy's terms (tags/index.xml): its items, each a term; ``posts`` are then the
    # pages each term's title and date come from, so that a change to any of them renders it again.
    terms: tuple[TermItem, ...] | None = None


@dataclass(frozen=True)
class TermItem:
    """An item of Hugo's feed of a taxonomy's terms: the term's page and its newest page's date."""

    title: str
    url: str
    date: datetime | None  # None: its pages have no date (Hugo's year 1)


def feed_specs(site: Site, published: list[Post]) -> list[FeedSpec]:
    """Every feed the site asks for, from its published posts (newest first).

    The main RSS and Atom feeds always; one feed per category, tag, language
    (a post's ``lang``, else the site's) and author (a post's, else the
    site's) when ``feed.categories`` / ``feed.tags`` / ``feed.languages`` /
    ``feed.authors`` are on; the monthly archives with ``feed.archives``
    (``_archive_specs``). Groups whose names slugify alike ("News", "news")
    share one feed. Each feed has a JSON Feed twin (``json_twins``).
    """
    limit = site.feed.limit
    published = [post for post in published if post.in_feeds]  # "syndicate: {feeds: false}": in none
    documents = published
    if site.jekyll is not None and site.jekyll.collections:
        # feed.collections: other collections' documents are only in their own feeds.
        published = [post for post in documents if post.collection == "posts"]
    hugo_home = None
    if site.hugo is not None:
        from syndicate.sources.hugo import in_site_lists, page_order

        # Hugo's order. A multilingual site's other languages' pages are only in their own feeds
        # (/en/index.xml); pages out of the site's lists (_build.list) only in their section's or terms'.
        documents = sorted(documents, key=page_order)
        listed = [post for post in documents
                  if site.hugo.page_language(post.name) == site.hugo.default_language and in_site_lists(post)]
        hugo_home = _rendered(listed[:limit]) if site.hugo.writes_rss("home") else None
        published = [post for post in listed if _has_page(post)]  # a page never rendered is in no feed
    main = tuple(published[:limit])
    rss_path, atom_path = main_feed_paths(site)
    archives = _archive_specs(site, published, rss_path) if site.feed.archives and len(published) > limit else []
    history = History(complete=len(published) <= limit, prev=archives[-1].path if archives else "")
    specs = [FeedSpec(rss_path, RSS, site.title if site.hugo is None else _hugo_home_title(site, site.title),
                      main if hugo_home is None else hugo_home, history),
             FeedSpec(atom_path, ATOM, site.title, main, history)]
    if site.hugo is not None and hugo_home is None:
        specs = specs[1:]  # Hugo writes no RSS of its home page (disableKinds, [outputs]); the Atom feed stays
    if site.jekyll is not None:
        specs += _jekyll_feed_specs(site, published)
        specs += _collection_feed_specs(site, documents)
    if site.hugo is not None:
        specs = _with_language_atoms(site, specs + _hugo_feed_specs(site, documents))

    def author_of(post: Post) -> tuple[str, ...]:
        author = post.author or site.author
        return (author.name,) if author else ()

    for enabled, folder, terms_of in ((site.feed.categories, CATEGORY_FEEDS, lambda p: p.categories),
                                      (site.feed.tags, TAG_FEEDS, lambda p: p.tags),
                                      (site.feed.languages, LANGUAGE_FEEDS, lambda p: (p.lang or site.language,)),
                                      (site.feed.authors, AUTHOR_FEEDS, author_of)):
        if not enabled:
            continue
        # Grouped by file name, not slug: safe_name shortens a long Hangul
        # slug ("con" cannot be a file on Windows either), and two slugs that
        # shorten alike must share the file, not overwrite each other's feed.
        groups: dict[str, tuple[str, list[Post]]] = {}
        counts: dict[str, int] = {}  # each file's posts, beyond the limit too
        for post in published:
            files = set()
            for term in terms_of(post):
                file = _feed_file(term)
                if file is None or file in files:
                    continue
                files.add(file)
                counts[file] = counts.get(file, 0) + 1
                if file not in groups:
                    groups[file] = (term, [])  # named as the newest post spells it
                members = groups[file][1]
                if len(members) < limit:
                    members.append(post)
        for file in sorted(groups, key=lambda file: file[:-len(".xml")]):  # by slug, as ever
            label, members = groups[file]
            specs.append(FeedSpec(f"{folder}/{file}", RSS, f"{site.title} — {label}", tuple(members),
                                  History(complete=counts[file] <= limit),
                                  label if folder == LANGUAGE_FEEDS else ""))
    taken = {spec.path for spec in specs}
    specs += [_extra_spec(site, extra, published) for extra in site.feed.extra if extra.path not in taken]
    return json_twins(site, specs + archives)


def _extra_spec(site: Site, extra: ExtraFeed, published: list[Post]) -> FeedSpec:
    """A ``feed.extra`` feed: the posts in any of its categories or tags (as slugs), or with any of its flags."""
    categories, tags = {slugify(term) for term in extra.categories}, {slugify(term) for term in extra.tags}
    flags = set(extra.flags)
    chosen = [post for post in published
              if not (categories.isdisjoint(map(slugify, post.categories)) and tags.isdisjoint(map(slugify, post.tags))
                      and flags.isdisjoint(post.flags))]
    title = extra.title or f"{site.title} — {extra.path.rsplit('/', 1)[-1][:-len('.xml')]}"
    return FeedSpec(extra.path, RSS, title, tuple(chosen[:site.feed.limit]),
                    History(complete=len(chosen) <= site.feed.limit))


def _archive_specs(site: Site, published: list[Post], current: str) -> list[FeedSpec]:
    """One archive document per month that has posts (RFC 5005), oldest first: every post of its month.

    A month is the site's time zone's. Each links its main feed (``current``)
    and the archives of the months before and after it that have posts.
    """
    months: dict[str, list[Post]] = {}
    for post in published:  # newest first, so each month's posts are too
        months.setdefault(post.date.astimezone(site.timezone).strftime("%Y-%m"), []).append(post)
    names = sorted(months)
    paths = [f"{ARCHIVE_FEEDS}/{name}.xml" for name in names]
    return [FeedSpec(path, RSS, f"{site.title} — {name}", tuple(months[name]),
                     History(archive=True, current=current, prev=paths[at - 1] if at else "",
                             next=paths[at + 1] if at + 1 < len(paths) else ""))
            for at, (name, path) in enumerate(zip(names, paths))]


def json_twins(site: Site, specs: list[FeedSpec]) -> list[FeedSpec]:
    """``specs``, each followed by its JSON Feed twin: the same posts and title, ``.json`` for ``.xml``.

    The main RSS and Atom feeds share one twin, ``feed.json``, after both (on a Jekyll
    site, beside jekyll-feed's feed: ``feed.xml`` gives ``feed.json``; on a
    Hugo site ``index.json``), and so do the RSS and Atom feeds of each other
    language of a Hugo site (``en/index.json``). A twin whose path another
    feed has, or where a Jekyll site has a file of its own, is not written.
    """
    pairs = feed_pairs(site)
    main = pairs[0]
    twins = {atom: _json_path(rss) for rss, atom in pairs[1:]}
    twins[main[1]] = _json_path(site.jekyll.feed_path if site.jekyll is not None else main[0])
    firsts = {rss for rss, _ in pairs}
    taken = {spec.path for spec in specs}
    result: list[FeedSpec] = []
    for spec in specs:
        result.append(spec)
        if spec.path in firsts and spec.kind == RSS:
            continue  # the twin of both follows the Atom feed
        path = twins.get(spec.path) or _json_path(spec.path)
        if path in taken or _sites_own(site, path) or spec.terms is not None:
            continue  # a list of terms has no posts to give
        taken.add(path)
        result.append(replace(spec, path=path, kind=JSON))
    return result


def _has_page(post: Post) -> bool:
    """Whether a post has a page: on a Hugo site, one with ``_build.render: never`` (or headless) has none."""
    return post.hugo is None or post.hugo.rendered


def _rendered(posts: list[Post]) -> tuple[Post, ...]:
    """A Hugo feed's pages, cut to its limit already, less those with no page (``_has_page``).

    Hugo's RSS lists such a page with an empty link and guid, which no
    validator passes and no reader can tell apart from a new item (its
    content is ours, not Hugo's): it is left out. Cut first, so that no older
    page takes its place as a newcomer.
    """
    return tuple(post for post in posts if _has_page(post))


def _json_path(path: str) -> str:
    """The path of a feed's JSON twin: ``feeds/tag/x.xml`` → ``feeds/tag/x.json``."""
    return (path[:-len(".xml")] if path.endswith(".xml") else path) + ".json"


def main_feed_paths(site: Site) -> tuple[str, str]:
    """The paths of the RSS and the Atom feed of every post.

    ``feed.xml`` and ``atom.xml``; on a site configured by _config.yml, the
    Atom feed is where jekyll-feed wrote it (``feed.path``, default
    ``feed.xml``), so its subscribers keep their feed, and the RSS feed goes
    beside it (``feed.rss.xml``).
    """
    if site.hugo is not None:
        from syndicate.sources.hugo import ATOM_PATH, RSS_PATH

        return site.hugo.prefix(site.hugo.default_language) + RSS_PATH, ATOM_PATH  # ko/index.xml in a subdir
    if site.jekyll is None:
        return "feed.xml", "atom.xml"
    return site.jekyll.rss_path, site.jekyll.atom_path


def feed_pairs(site: Site) -> list[tuple[str, str]]:
    """The RSS and Atom feeds that are one feed in two formats: the main ones (``main_feed_paths``) first.

    Then, on a multilingual Hugo site, each other language's (turned on):
    Hugo's ``en/index.xml`` and syndicate's Atom beside it, ``en/atom.xml``,
    where Hugo writes nothing, as ``atom.xml`` is beside ``index.xml``.
    """
    pairs = [main_feed_paths(site)]
    if site.hugo is not None:
        from syndicate.sources.hugo import ATOM_PATH, RSS_PATH

        hugo = site.hugo
        pairs += [(hugo.prefix(language) + RSS_PATH, hugo.prefix(language) + ATOM_PATH) for language in hugo.languages
                  if language != hugo.default_language and language not in hugo.disabled_languages]
    return pairs


def _with_language_atoms(site: Site, specs: list[FeedSpec]) -> list[FeedSpec]:
    """``specs``, with each other language's Atom feed after its RSS one (``feed_pairs``): the same posts and title.

    Both link that language's home page (``/en/``), as Hugo's RSS does.
    """
    from syndicate.sources.hugo import RSS_PATH, escaped

    hugo = site.hugo
    atoms = dict(feed_pairs(site)[1:])
    titles = {hugo.prefix(language) + RSS_PATH: hugo.language_title(language) or site.title
              for language in hugo.languages}
    result = []
    for spec in specs:
        if spec.kind != RSS or spec.path not in atoms:
            result.append(spec)
            continue
        home = site.absolute_url(escaped(spec.path.rpartition("/")[0] + "/"))
        # Titled as the main Atom feed is: the site's (the language's) title.
        result += [replace(spec, home=home), replace(spec, path=atoms[spec.path], kind=ATOM, home=home,
                                                     title=titles.get(spec.path, spec.title))]
    return result


def _hugo_feed_specs(site: Site, documents: list[Post]) -> list[FeedSpec]:
    """Hugo's RSS feeds of each section, each term of each taxonomy, each taxonomy's terms, each other language.

    Where Hugo 0.111 writes them, with its titles, in its order
    (``documents`` are): a section's feed (``posts/index.xml``) has the
    pages right in it, not those of a nested section, which has its own; a
    term's (``series/two-words/index.xml``) the pages that have it, however
    its case is written; a taxonomy's (``tags/index.xml``) its terms
    (``_term_list_spec``). Each with Hugo's limit, as the home feed. A kind
    of page without RSS (``disableKinds``, ``[outputs]``) has none. A
    multilingual site's other languages have the same feeds of their own
    pages under their prefix (``en/index.xml``, ``en/tags/diary/index.xml``),
    titled with the language's ``title`` and in its ``languageCode``.
    """
    from syndicate.sources.hugo import SECTION, feed_groups, in_site_lists, section_title, urlize

    hugo, limit = site.hugo, site.feed.limit
    specs: list[FeedSpec] = []
    for language in (language for language in hugo.languages if language not in hugo.disabled_languages):
        posts = [post for post in documents if hugo.page_language(post.name) == language]
        prefix, title = hugo.prefix(language), hugo.language_title(language) or site.title
        own = "" if language == hugo.default_language else hugo.language_code(language) or language

        def titled(label: str) -> str:
            """Hugo's RSS template: "Label on Site", the site's title alone for a page without a title (or with it)."""
            return f"{label} on {title}" if label and label != title else title

        if language != hugo.default_language and hugo.writes_rss("home"):  # the default language's is the main feed
            home = [post for post in posts if in_site_lists(post)]
            specs.append(FeedSpec(prefix + "index.xml", RSS, _hugo_home_title(site, title, language),
                                  _rendered(home[:limit]), language=own))
        groups = feed_groups(hugo, site.root, posts)
        for group in groups:
            if hugo.writes_rss(group.kind):
                label = hugo.list_title(group.folder, language,
                                        section_title(group.label) if group.kind == SECTION else group.label)
                specs.append(FeedSpec(f"{prefix}{group.folder}/index.xml", RSS, titled(label),
                                      _rendered(group.posts[:limit]), language=own))
        if hugo.writes_rss("section"):
            # A section with an _index file and no page of its own still has its (empty) feed in Hugo.
            taken = {group.folder for group in groups} | {urlize(plural) for _, plural in hugo.taxonomies}
            specs += [FeedSpec(f"{prefix}{folder}/index.xml", RSS, titled(label), (), language=own)
                      for folder, lang, label in hugo.list_titles
                      if lang == language and folder and folder.split("/")[0] not in taken and folder not in taken]
        if hugo.writes_rss("taxonomy"):
            specs += [_term_list_spec(site, plural, [] if hugo.terms_disabled else
                                      [group for group in groups if group.plural == plural], prefix, language,
                                      titled, own) for _, plural in hugo.taxonomies]
    return sorted(specs, key=lambda spec: spec.path)


def _hugo_home_title(site: Site, title: str, language: str = "") -> str:
    """The title of Hugo's home feed in a language: "Home on Site" when content/_index.md titles the home page."""
    home = site.hugo.list_title("", language or site.hugo.default_language, title)
    return f"{home} on {title}" if home and home != title else title


def _term_list_spec(site: Site, plural: str, groups: list, prefix: str, language: str, titled, own: str) -> FeedSpec:
    """Hugo's feed of a taxonomy's terms (``tags/index.xml``): an item per term, as Hugo 0.111 writes it.

    Each item is the term's page: its title, its URL as link and guid, the
    date of its newest page (year 1 when none has a date, or the term holds a "/"), no description;
    in Hugo's order of pages (newest first, then by title), limited as any
    feed. The spec's posts are the pages each item comes from: the newest
    page of each term and the one that spells it (the first by path).
    """
    from syndicate.sources.hugo import YEAR_ONE_SECONDS, collation_key, escaped, page_seconds, term_path, urlize

    hugo = site.hugo
    items: list[tuple[tuple, TermItem, tuple[Post, ...]]] = []
    for group in groups:
        newest = max(group.posts, key=page_seconds)
        # Hugo 0.111 gives a term with a "/" ("CI/CD": categories/ci/cd/) no date in this list: year 1.
        seconds = YEAR_ONE_SECONDS if "/" in urlize(group.label) else page_seconds(newest)
        label = hugo.list_title(group.folder, language, group.label)
        speller = min(group.posts, key=lambda post: post.name)
        folder = prefix + term_path(plural, group.label)
        url = site.absolute_url(escaped(folder + (".html" if hugo.ugly_urls else "/")))
        item = TermItem(label, url, None if seconds == YEAR_ONE_SECONDS else newest.date)
        items.append(((-seconds, collation_key(label), folder), item, (newest, speller)))
    items.sort(key=lambda found: found[0])
    chosen = items[:site.feed.limit]
    posts = tuple(dict.fromkeys(post for _, _, pages in chosen for post in pages))
    default = " ".join(word[:1].upper() + word[1:] for word in plural.split(" "))  # Hugo's title of "tags"
    return FeedSpec(f"{prefix}{urlize(plural)}/index.xml", RSS, titled(hugo.list_title(urlize(plural), language,
                                                                                          default)),
                    posts, language=own, terms=tuple(item for _, item, _ in chosen))


def _jekyll_feed_specs(site: Site, published: list[Post]) -> list[FeedSpec]:
    """jekyll-feed's feeds of a category (``feed.categories``) and of a tag (``feed.tags``), where it wrote them.

    Atom, like its feed of every post: a category's posts are those whose
    categories hold it as written, a tag's those whose tags do; its title is
    the site's, "| Category" added for a category, as jekyll-feed titles them.
    """
    from syndicate.sources.jekyll import category_feeds, ruby_capitalize, smartify, tag_feeds

    limit = site.feed.limit
    specs: list[FeedSpec] = []
    for path, category in category_feeds(site.jekyll):
        if _sites_own(site, path):
            continue
        posts = tuple(islice((post for post in published if category in post.categories), limit))
        specs.append(FeedSpec(path, ATOM, smartify(f"{site.title} | {ruby_capitalize(category)}"), posts))
    # Every tag of every post, oldest first, for feed.tags alone: a site
    # without it skips the walk (twice a run, over every published post).
    tags = [] if site.jekyll.feed_tags is None else list(
        dict.fromkeys(tag for post in reversed(published) for tag in post.tags))
    for path, tag in tag_feeds(site.jekyll, tags):
        if _sites_own(site, path):
            continue
        posts = tuple(islice((post for post in published if tag in post.tags), limit))
        specs.append(FeedSpec(path, ATOM, smartify(site.title), posts))
    return specs


def _collection_feed_specs(site: Site, documents: list[Post]) -> list[FeedSpec]:
    """jekyll-feed's feed of each collection in ``feed.collections``, and of each of its ``categories``.

    A collection's feed is titled "Site | Label", a category's "Site | Label | Category";
    a path where the site has a file of its own is left to that file.
    """
    from syndicate.sources.jekyll import ruby_capitalize, smartify

    limit = site.feed.limit
    specs = []
    for collection in site.jekyll.collections:
        members = [post for post in documents if post.collection == collection.label]
        title = f"{site.title} | {ruby_capitalize(collection.label)}"
        feeds = [(collection.feed_path, title, members)]
        feeds += [(f"feed/{collection.label}/{category}.xml", f"{title} | {ruby_capitalize(category)}",
                   [post for post in members if category in post.categories]) for category in collection.categories]
        specs += [FeedSpec(path, ATOM, smartify(title), tuple(posts[:limit]))
                  for path, title, posts in feeds if not _sites_own(site, path)]
    return specs


def _sites_own(site: Site, path: str) -> bool:
    """Whether a Jekyll site has a file of its own where a feed would go: jekyll-feed then writes none."""
    from syndicate.sources.jekyll import sites_own_file

    return site.jekyll is not None and sites_own_file(site.root, path)


@lru_cache(maxsize=4096)
def _feed_file(term: str) -> str | None:
    """The file name of a category or tag's feed; None for a term with no slug.

    Cached: feed_specs asks for every term of every published post.
    """
    slug = slugify(term)
    return safe_name(slug + ".xml") if slug else None


class _AtomLinks(BaseEntryExtension):
    """Extra Atom entry links (enclosures), written with every attribute."""

    def __init__(self):
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry):
        namespace = etree.QName(entry).namespace
        for attributes in self.links:
            etree.SubElement(entry, etree.QName(namespace, "link") if namespace else "link", attributes)
        return entry


class _RssHubs(BaseExtension):
    """WebSub hub links in an RSS channel, after its self link (feedgen writes no other atom:link there)."""

    def __init__(self):
        self.hubs: tuple[str, ...] = ()

    def extend_rss(self, feed):
        channel = feed.find("channel")
        after = channel.find("{http://www.w3.org/2005/Atom}link")
        for hub in reversed(self.hubs):
            link = etree.Element("{http://www.w3.org/2005/Atom}link", {"href": hub, "rel": "hub"})
            after.addnext(link)
        return feed


class _FeedHistory(BaseExtension):
    """RFC 5005's ``fh:complete`` or ``fh:archive``, and in RSS its ``atom:link``s (feedgen writes only ``self``)."""

    def __init__(self):
        self.element = ""  # "complete" or "archive"
        self.links: list[dict[str, str]] = []  # RSS only: Atom's go through FeedGenerator.link

    def extend_ns(self):
        return {"fh": HISTORY_NAMESPACE}

    def _add(self, parent):
        if self.element:
            etree.SubElement(parent, f"{{{HISTORY_NAMESPACE}}}{self.element}")

    def extend_atom(self, feed):
        self._add(feed)
        return feed

    def extend_rss(self, feed):
        channel = feed.find("channel")
        after = channel.findall("{http://www.w3.org/2005/Atom}link")[-1]
        for attributes in reversed(self.links):
            after.addnext(etree.Element("{http://www.w3.org/2005/Atom}link", attributes))
        self._add(channel)
        return feed


class _AtomLanguage(BaseEntryExtension):
    """A post's own language as the Atom entry's xml:lang (feedgen has no setter for it)."""

    def __init__(self):
        self.lang: str | None = None

    def extend_atom(self, entry):
        if self.lang:
            entry.set("{http://www.w3.org/XML/1998/namespace}lang", self.lang)
        return entry


# RSS elements that hold plain text, as lxml writes them (their text never
# holds a raw "<"). The channel's <description> is the first one in the file.
RSS_PLAIN_TEXT = re.compile(rb"(<(?:title|category|dc:creator)>)([^<]*)(</)")
RSS_CHANNEL_DESCRIPTION = re.compile(rb"(<description>)([^<]*)(</description>)")


def _hex_references(rss: bytes) -> bytes:
    """Write "&" and "<" in RSS plain text as ``&#x26;`` and ``&#x3C;``.

    The same characters to any XML parser; but RSS never said whether a title
    is text or HTML, and the RSS Profile (and the W3C validator) ask for
    hexadecimal references so no reader takes "Using <details>" for markup.
    """
    def encode(found: re.Match) -> bytes:
        return found[1] + found[2].replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;") + found[3]

    return RSS_CHANNEL_DESCRIPTION.sub(encode, RSS_PLAIN_TEXT.sub(encode, rss), count=1)


def render_feed(site: Site, spec: FeedSpec, bodies: dict[str, Rendered]) -> bytes:
    """The bytes of one feed file; the same posts always give the same bytes."""
    if spec.kind == JSON:
        return render_json_feed(site, spec, bodies)
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    if any(post.image for post in spec.posts):
        generator.load_extension("media", atom=True, rss=True)
    generator.register_extension("links", BaseExtension, _AtomLinks, atom=True, rss=False)
    generator.register_extension("xml_lang", BaseExtension, _AtomLanguage, atom=True, rss=False)
    self_url = site.feed_url(spec.path)
    if site.jekyll is not None:
        generator.id(site.jekyll.absolute_url(spec.path))  # jekyll-feed's: "page.url | absolute_url"
    else:
        generator.id(site.url if spec.path in ("feed.xml", "atom.xml") else self_url)
    # Plain text, as post titles are: a site description may hold HTML.
    title = plain_text(spec.title)
    generator.title(title)
    generator.subtitle(plain_text(site.description) or title)
    generator.link(href=self_url, rel="self", type=MEDIA_TYPES[spec.kind])
    if spec.kind == ATOM:
        for hub in site.feed.hubs:
            generator.link(href=hub, rel="hub")
    elif site.feed.hubs:
        generator.register_extension("hubs", _RssHubs, atom=False, rss=True)
        generator.hubs.hubs = site.feed.hubs
    _add_history(site, generator, spec)
    generator.link(href=spec.home or site.url, rel="alternate", type="text/html")
    _about(site, generator, spec.kind, spec.language or site.language, title)
    newest = max((p.updated or p.date for p in spec.posts), default=EPOCH)
    generator.updated(newest)
    generator.lastBuildDate(newest)
    if spec.terms is None:
        for post in spec.posts:
            _add_entry(site, generator, post, bodies[post.name], spec.kind, spec.language or site.language)
    else:
        for term in spec.terms:
            entry = generator.add_entry(order="append")
            entry.guid(term.url, permalink=True)
            entry.title(term.title)
            entry.link(href=term.url)
            entry.published(term.date or YEAR_ONE)
    if spec.kind == RSS:
        return _hex_references(generator.rss_str(pretty=True))
    return generator.atom_str(pretty=True)


def _about(site: Site, generator: FeedGenerator, kind: str, language: str, title: str) -> None:
    """A feed's language, generator, author, and its icon and logo."""
    generator.language(language)
    generator.generator("syndicate", version=__version__)
    # feedgen writes no <email> (and no RSS managingEditor) for an empty email.
    generator.author({"name": site.author.name, "email": site.author.email} if site.author
                     else {"name": site.title})
    if kind == RSS and (site.feed.logo or site.feed.icon):
        # The logo, else the icon; its title and link are the channel's, as the RSS Profile asks.
        generator.image(site.feed.logo or site.feed.icon, title=title, link=site.url)
    if kind == ATOM:
        if site.feed.icon:
            generator.icon(site.feed.icon)
        if site.feed.logo:
            generator.logo(site.feed.logo)


def _add_history(site: Site, generator: FeedGenerator, spec: FeedSpec) -> None:
    """A feed's RFC 5005 element and its ``current``, ``prev-archive`` and ``next-archive`` links."""
    history = spec.history
    links = [{"href": site.feed_url(path), "rel": rel, "type": MEDIA_TYPES[RSS]}
             for rel, path in (("current", history.current), ("prev-archive", history.prev),
                               ("next-archive", history.next)) if path]
    if not (history.complete or history.archive or links):
        return
    generator.register_extension("history", _FeedHistory, atom=True, rss=True)
    generator.history.element = "archive" if history.archive else "complete" if history.complete else ""
    if spec.kind == ATOM:
        for link in links:
            generator.link(link)
    else:
        generator.history.links = links


def render_json_feed(site: Site, spec: FeedSpec, bodies: dict[str, Rendered]) -> bytes:
    """A JSON Feed 1.1 document: the entries of the XML feeds, with their ids, links, dates and HTML.

    Keys in a fixed order (``version`` first), UTF-8 as is, a newline at the
    end: the same posts always give the same bytes. Both the 1.1 ``authors``
    and the 1.0 ``author`` go out, for readers of either version.
    """
    author = site.author or Author(site.title)
    document: dict = {"version": JSON_FEED_VERSION, "title": plain_text(spec.title),
                      "home_page_url": spec.home or site.url, "feed_url": site.feed_url(spec.path)}
    if plain_text(site.description):
        document["description"] = plain_text(site.description)
    if site.feed.logo:
        document["icon"] = site.feed.logo  # JSON Feed's icon is the large one (512 pixels)
    if site.feed.icon:
        document["favicon"] = site.feed.icon
    document.update(_json_authors(author))
    document["language"] = spec.language or site.language
    if site.feed.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in site.feed.hubs]
    if spec.history.prev:
        document["next_url"] = site.feed_url(_json_path(spec.history.prev))  # the next older page: an archive
    language = spec.language or site.language
    document["items"] = [_json_item(site, post, bodies[post.name], author, language) for post in spec.posts]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_authors(author: Author) -> dict:
    """``authors`` (JSON Feed 1.1) and ``author`` (1.0) for one author."""
    return {"authors": [{"name": author.name}], "author": {"name": author.name}}


def _json_item(site: Site, post: Post, rendered: Rendered, feed_author: Author, feed_language: str) -> dict:
    """One post as a JSON Feed item, with what its RSS and Atom entries say."""
    item: dict = {"id": post.id, "url": post.url, "title": post.title}
    summary = rendered.excerpt or post.title  # as the XML feeds' summary
    content = feed_html(rendered.html) if site.feed.full_content and not post.excerpt_only else ""
    if content.strip():
        item["content_html"] = content
    else:
        item["content_text"] = summary  # one of the two is required
    item["summary"] = summary
    if post.image:
        item["image"] = post.image
    item["date_published"] = post.date.isoformat()
    item["date_modified"] = (post.updated or post.date).isoformat()
    author = post.author or site.author
    if author and author != feed_author:
        item.update(_json_authors(author))
    terms = list(dict.fromkeys(post.categories + post.tags))
    if terms:
        item["tags"] = terms
    if post.lang and post.lang != feed_language:
        item["language"] = post.lang
    return item


def _add_entry(site: Site, generator: FeedGenerator, post: Post, rendered: Rendered,
               kind_of_feed: str, feed_language: str) -> None:
    entry = generator.add_entry(order="append")
    if post.id == post.url:
        entry.guid(post.id, permalink=True)
    else:
        entry.id(post.id)  # also sets the RSS guid, with isPermaLink="false"
    entry.title(post.title)
    entry.link(href=post.url, rel="alternate")
    # Hugo dates a page without a date in year 1, and its RSS says so; Atom keeps when syndicate first saw it.
    dateless = post.hugo is not None and post.date_origin == "first seen" and kind_of_feed == RSS
    entry.published(YEAR_ONE if dateless else post.date)
    entry.updated(post.updated or post.date)
    author = post.author or site.author
    if author:
        entry.author({"name": author.name, "email": author.email})
        if not author.email:
            entry.dc.dc_creator(author.name)
    if post.lang and post.lang != feed_language:
        # An English post on a Korean site: readers pick fonts and hyphenation by it.
        entry.xml_lang.lang = post.lang
        entry.dc.dc_language(post.lang)
    terms = post.categories + post.tags
    if terms:
        # In one call: feedgen rebuilds the entry's whole list of categories on
        # each, which made a feed of a post with N tags cost N² (issue 15).
        entry.category([{"term": term} for term in terms])
    # An empty <summary> is invalid Atom, and an entry with neither summary nor
    # content has no text at all: a post with no words gets its title.
    summary = rendered.excerpt or post.title
    # RSS readers (and the W3C validator) read a description as HTML: plain
    # text must be escaped as HTML once, or "1 < 2" is broken markup.
    entry.summary(html_text(summary) if kind_of_feed == RSS else summary)
    content = feed_html(rendered.html) if site.feed.full_content and not post.excerpt_only else ""
    if content.strip():  # a body of only scripts or comments is blank once cleaned
        entry.content(content, type="html")
    if post.image:
        image = local_image(site, post.image)
        # An enclosure must say its type and length: unknown ones are guessed, as before.
        length, kind = str(image.length or 0), image.type or "image/jpeg"
        if kind_of_feed == RSS:
            entry.enclosure(post.image, length, kind)
        entry.links.links.append({"rel": "enclosure", "type": kind, "length": length, "href": post.image})
        # jekyll-feed's (and Mailchimp's *|RSSITEM:IMAGE|*): the image as Media RSS.
        entry.media.thumbnail({k: v for k, v in image.media().items() if k in ("url", "width", "height")},
                              group=None)
        entry.media.content(image.media(), group=None)


@dataclass(frozen=True)
class FeedItem:
    """An entry of a feed of pages that are not posts (the digest archive's): its HTML is its content."""

    url: str  # its id and its link
    title: str
    date: datetime
    html: str


def render_page_feed(site: Site, path: str, title: str, home: str, items: Sequence[FeedItem]) -> bytes:
    """An Atom feed of ``items`` (newest first), as the post feeds are written: the same items give the same bytes.

    Each entry's id is its URL, which never changes; its content the page's
    HTML cleaned as a post's body is for feeds (``feed_html``).
    """
    generator = FeedGenerator()
    self_url = site.feed_url(path)
    generator.id(self_url)
    generator.title(plain_text(title))
    generator.link(href=self_url, rel="self", type=MEDIA_TYPES[ATOM])
    generator.link(href=site.feed_url(home), rel="alternate", type="text/html")  # the page that lists them
    _about(site, generator, ATOM, site.language, title)
    generator.updated(max((item.date for item in items), default=EPOCH))
    for item in items:
        entry = generator.add_entry(order="append")
        entry.id(item.url)
        entry.title(plain_text(item.title))
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.published(item.date)
        entry.updated(item.date)
        entry.content(feed_html(item.html), type="html")
    return generator.atom_str(pretty=True)
