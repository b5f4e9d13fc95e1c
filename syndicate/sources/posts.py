"""Reading posts: files → front matter → ``Post`` values.

Only front matter is kept for every post. Bodies are read again, converted and
rewritten by ``syndicate.render.content`` only for the few posts that land in an
output, so a site of 100,000 posts costs a front-matter parse per post.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from stat import S_ISDIR
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, urlsplit

from syndicate.sources.config import EMAIL_ADDRESS, Author, Site, language_tag
from syndicate.errors import ConfigError, Notice, PostError
from syndicate.sources.postfile import (post_head_of, read_post_head, refuse_a_link_outside, split_front_matter,
                                        value_kind)
from syndicate.sources.safe_yaml import DUPLICATE_KEY
from syndicate.text import XML_FORBIDDEN, clean_text, join_url, plain_text, slugify

if TYPE_CHECKING:
    from syndicate.sources.hugo import HugoPage

POST_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
# Jekyll's post file name: 2024-05-01-my-post.md
JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
DATE_TEXT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
# os.fsdecode keeps each byte of a file name that is not UTF-8 as one of these.
UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Post:
    """One post's metadata; its body stays on disk until an output needs it."""

    source: Path
    name: str  # the path shown to the user, relative to the site
    title: str
    date: datetime  # always aware
    url: str
    id: str
    slug: str
    body_format: str  # "markdown" or "html"
    date_origin: str = "front matter"  # or "file name", "first seen"
    updated: datetime | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    excerpt: str | None = None  # plain text, from the front matter
    author: Author | None = None
    image: str | None = None  # absolute URL
    lang: str | None = None
    draft: bool = False
    body_line: int = 1  # the file line where the body starts
    future: bool = False  # published even when dated after now (Jekyll's "future: true")
    excerpt_only: bool = False  # its feed entries leave the body out (front matter "feed: {excerpt_only: true}")
    collection: str = "posts"  # on a Jekyll site, another collection's document (only in that collection's feeds)
    publish_date: datetime | None = None  # out from then, not from its date (Hugo's publishDate)
    expiry_date: datetime | None = None  # out of every output after then (Hugo's expiryDate)
    hugo: HugoPage | None = None  # on a Hugo site: its weight, terms, _build options (sources.hugo)
    # Front matter "syndicate: {feeds: false, digest: false, flags: [...]}" (``_routing``).
    in_feeds: bool = True  # in the feeds (false: in none of them)
    in_digest: bool = True  # in the digest
    flags: tuple[str, ...] = ()  # names a ``feed.extra`` feed may choose it by

    def is_published(self, now: datetime) -> bool:
        """Whether the post is out by ``now``: not a draft, not scheduled later, not expired."""
        return (not self.draft and ((self.publish_date or self.date) <= now or self.future)
                and (self.expiry_date is None or now <= self.expiry_date))

    def next_change(self, now: datetime) -> datetime | None:
        """The first moment after ``now`` at which ``is_published`` changes its answer; None: never."""
        if self.draft:
            return None
        start = self.publish_date or self.date  # a "future" post's date counts too: digests go by dates
        if self.expiry_date is None:  # nearly every post: asked of each one at the end of a full run
            return start if start > now else None
        return min((moment for moment in (start, self.expiry_date) if moment > now), default=None)


@dataclass(frozen=True)
class Loaded:
    """The outcome of reading a posts folder: good posts and every problem."""

    posts: tuple[Post, ...]
    errors: tuple[PostError, ...] = ()
    notices: tuple[Notice, ...] = ()


# --- field parsing --------------------------------------------------------


def parse_date(value: Any, tz: Any) -> datetime:
    """A front-matter date as an aware datetime; naive values are in ``tz``.

    Accepts what YAML and TOML produce (datetime, date) and Jekyll's text forms
    (``2024-05-01``, ``2024-05-01 10:30:00 +0900``, ISO 8601). Raises ValueError.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        found = DATE_TEXT.match(value.strip())
        if not found:
            raise ValueError("not a date")
        y, mo, d, h, mi, s, offset = found.groups()
        moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        if offset:
            moment = datetime.fromisoformat(moment.isoformat() + ("+00:00" if offset == "Z" else
                                                                  offset[:3] + ":" + offset[-2:]))
    else:
        raise ValueError("not a date")
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _front_matter_date(key: str, value: Any, tz: Any, read: Any = None) -> datetime:
    """A front-matter date in ``tz``; ValueError naming ``key`` when it is not one.

    ``read`` stands in for ``parse_date`` (a Jekyll site's ``jekyll.post_time``).
    Years outside 1000-9998 are refused: moving such a date between time
    zones (the feeds, the posts index) overflows Python's calendar.
    """
    try:
        moment = (read or parse_date)(value, tz).astimezone(tz)
    except (ValueError, OverflowError):
        raise ValueError(f"'{key}' is not a date: {_shown_value(value)}") from None
    if not 1000 <= moment.year <= 9998:
        raise ValueError(f"'{key}' is out of range (years 1000 to 9998): {_shown_value(value)}")
    return moment


def _shown_value(value: Any) -> str:
    """A front-matter value quoted for an error message.

    Built only once a date is refused: every post's dates pass through
    ``_front_matter_date`` on every cold run.
    """
    return json.dumps(str(value), ensure_ascii=False)


def _words(value: Any, key: str) -> tuple[str, ...]:
    """Jekyll's lists: a YAML list, or one space-separated string."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return tuple(filter(None, (" ".join(str(v).split()) for v in value)))  # white space alone is no word
    raise ValueError(f"{key} must be a list of words")


# A post in more categories or tags than this keeps the first ones, with a
# warning: each of them is a feed that lists all of them (README, "Posts").
MAX_TERMS = 100


def _first_terms(terms: tuple[str, ...], what: str, name: str, notices: list[Notice]) -> tuple[str, ...]:
    """``terms`` (a post's categories or tags), past MAX_TERMS cut to the first MAX_TERMS with a warning."""
    if len(terms) <= MAX_TERMS:
        return terms
    notices.append(Notice(f"{len(terms)} {what}; only the first {MAX_TERMS} are kept", name))
    return terms[:MAX_TERMS]


def _terms(meta: Mapping, *keys: str) -> tuple[str, ...]:
    """The categories or tags under ``keys``: repeats go, order stays.

    Terms are plain text like titles: "R&amp;D" is "R&D".
    """
    words = (word for key in keys for word in _words(meta.get(key), key))
    return tuple(dict.fromkeys(term for term in map(_term_text, words) if term))


# Posts share their categories and tags: each one's text is made once.
_term_text = lru_cache(maxsize=4096)(plain_text)


PERMALINK_PART = re.compile(r":(output_ext|categories|short_year|short_day|i_month|i_day|y_day|"
                            r"year|month|day|hour|minute|second|week|title|slug)")
PERMALINK_PARTS = {
    "year": lambda date, slug, categories: f"{date.year:04d}",
    "month": lambda date, slug, categories: f"{date.month:02d}",
    "day": lambda date, slug, categories: f"{date.day:02d}",
    "i_month": lambda date, slug, categories: str(date.month),
    "i_day": lambda date, slug, categories: str(date.day),
    "short_year": lambda date, slug, categories: f"{date.year % 100:02d}",
    "hour": lambda date, slug, categories: f"{date.hour:02d}",
    "minute": lambda date, slug, categories: f"{date.minute:02d}",
    "second": lambda date, slug, categories: f"{date.second:02d}",
    "y_day": lambda date, slug, categories: f"{date.timetuple().tm_yday:03d}",
    "week": lambda date, slug, categories: f"{date.isocalendar()[1]:02d}",
    "short_day": lambda date, slug, categories: date.strftime("%a"),
    "title": lambda date, slug, categories: slug,
    "slug": lambda date, slug, categories: slug,
    "output_ext": lambda date, slug, categories: ".html",
    "categories": lambda date, slug, categories: _categories_path(tuple(categories)),
}


@lru_cache(maxsize=4096)
def _categories_path(categories: tuple[str, ...]) -> str:
    """The ``:categories`` of a permalink; a site has few sets of them."""
    return "/".join(slugify(c) or "-" for c in categories)


def expand_permalink(pattern: str, *, date: datetime, slug: str, categories: Iterable[str]) -> str:
    """Fill in a Jekyll permalink pattern and normalise it to a safe URL path.

    ``..`` segments cannot climb above the site root, whatever the pattern says.
    """
    # Only the parts the pattern names are worked out: this runs for every post.
    pieces = _permalink_pieces(pattern)
    path = "".join(piece if type(piece) is str else piece(date, slug, categories) for piece in pieces)
    trailing = "/" if path.endswith("/") else ""
    plain = path.lstrip("/")
    if PLAIN_PERMALINK.fullmatch(plain):
        # No "." or ".." segment, no "//", no "\\": what normpath would leave.
        path = plain[:-1] if trailing else plain
    else:
        path = posixpath.normpath("/" + path.replace("\\", "/")).lstrip("/")
        path = "" if path == "." else path
        path = path.replace("\x00", "")
    path += trailing if path else ""
    # quote leaves these unchanged; asking costs more than the check.
    return path if SAFE_PERMALINK.fullmatch(path) else "/".join(map(_quoted_segment, path.split("/")))


@lru_cache(maxsize=4096)
def _quoted_segment(segment: str) -> str:
    """One segment of a permalink path, percent-encoded.

    Cached: most segments (categories, dates) recur on many posts, and quote
    costs a call per byte of Hangul.
    """
    return quote(segment, safe=":@!$&'()*+,;=-._~")


# A path of plain segments: no empty, "." or ".." one, no backslash or NUL.
PLAIN_PERMALINK = re.compile(r"(?:(?!\.\.?(?:/|$))[^/\\\x00]+/)*(?:(?!\.\.?$)[^/\\\x00]+)?")
SAFE_PERMALINK = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=._~-]*")


@lru_cache(maxsize=64)
def _permalink_pieces(pattern: str) -> tuple:
    """A permalink pattern as literal text and the functions of its ``:parts``, in order."""
    texts = PERMALINK_PART.split(pattern)  # literal, part name, literal, ...
    return tuple(PERMALINK_PARTS[text] if number % 2 else text for number, text in enumerate(texts) if text)


def _str_field(meta: Mapping, *keys: str) -> str | None:
    """The first of ``keys`` that is set, as text (numbers too); ValueError for a list or mapping."""
    for key in keys:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError(f"{key} must be text, got a {value_kind(value)}")
        return str(value)
    return None


def _image(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("path") or value.get("url")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("image must be a URL or a table with a path")
    return value.strip() or None


def _feed_id(site: Site, value: str) -> str:
    """A front-matter ``id``/``guid`` as a feed id.

    A URI (``tag:…``, ``urn:uuid:…``, a URL) is kept; anything else, such as
    ``post-123``, is made absolute on the site, as jekyll-feed does, because
    an Atom id must be a URI and feed readers compare ids as given. A script
    or data "URI" is made a path on the site too: some readers link an id.
    """
    value = value.strip().lstrip("/")
    if urlsplit(value).scheme.lower() in ("javascript", "vbscript", "data", "file"):
        value = value.replace(":", "%3A", 1)
    return join_url(site.url, value)


def _image_url(site: Site, post_url: str, image: str) -> str:
    """A post image as an absolute URL.

    ``/assets/x.png`` is relative to the site, base path included, as Jekyll's
    ``absolute_url`` (and jekyll-seo-tag) read it; other relative paths are
    relative to the post, as in its body.
    """
    if image.startswith("/") and not image.startswith("//"):
        return join_url(site.url, image.lstrip("/"))
    return join_url(post_url, image)


def _author(value: Any) -> Author | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        return _author(value)
    if isinstance(value, str):
        return _named_author(value)
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return Author(plain_text(value["name"]), str(value.get("email") or "").strip())
    raise ValueError("author must be a name or a mapping with a name")


# Posts share their authors: each name's Author (frozen) is made once, and shared.
@lru_cache(maxsize=4096)
def _named_author(value: str) -> Author | None:
    """An author given by name alone; a name is plain text like a title: "<b>Bob</b> &amp; co" is "Bob & co"."""
    return Author(name) if (name := plain_text(value)) else None


def _clean_values(value: Any, seen: dict[int, Any] | None = None) -> tuple[Any, int]:
    """Front matter with the characters XML forbids removed from every string.

    Any text may reach a feed (title, categories, author, id), and lxml refuses
    control characters there; YAML's "\x01" escapes can produce them. Each
    list or mapping is cleaned once (``seen``): YAML aliases can make a
    structure refer to itself, or to one list a billion times over.
    """
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, (Mapping, list)):
        return value, 0
    seen = {} if seen is None else seen
    if id(value) in seen:
        return seen[id(value)], 0
    count = 0
    if isinstance(value, list):
        items: list = []
        seen[id(value)] = items
        for item in value:
            item, removed = _clean_values(item, seen)
            items.append(item)
            count += removed
        return items, count
    mapping: dict = {}
    seen[id(value)] = mapping
    for key, item in value.items():
        (key, in_key), (item, in_item) = _clean_values(key, seen), _clean_values(item, seen)
        mapping[key] = item
        count += in_key + in_item
    return mapping, count


def build_post(site: Site, path: Path, name: str, meta: Mapping, body_line: int,
               first_seen: Mapping[str, datetime], now: datetime) -> tuple[Post | None, list[Notice]]:
    """Turn one file's front matter into a Post, with notices for what was guessed or left out.

    None for a page that is no post (on a Hugo site, one in no list).
    Raises ValueError, never PostError: ``load_post`` adds the file and, since
    each message starts with the key at fault ("'date' is not a date: …"),
    the line of that key.
    """
    if site.jekyll is not None:
        return _build_jekyll_post(site, path, name, meta, body_line, first_seen, now)
    if site.hugo is not None:
        return _build_hugo_post(site, path, name, meta, body_line, first_seen, now)
    notices: list[Notice] = []
    stem = path.stem
    jekyll = JEKYLL_NAME.match(stem)
    file_slug = jekyll.group(4) if jekyll else stem

    title = _str_field(meta, "title")
    title = plain_text(title) if title is not None else ""
    if not title:
        title = " ".join(file_slug.replace("-", " ").replace("_", " ").split()).capitalize() or stem
        notices.append(Notice(f"no title; using \"{title}\"", name))

    # Jekyll's "published: false" is a draft too.
    draft = meta.get("draft", False) is True or meta.get("published", True) is False

    if meta.get("date") is not None:
        moment = _front_matter_date("date", meta["date"], site.timezone)
        origin = "front matter"
    elif jekyll:
        try:
            moment = datetime(*map(int, jekyll.group(1, 2, 3)), tzinfo=site.timezone)
        except ValueError:
            raise ValueError(f"file name date {jekyll.group(1)}-{jekyll.group(2)}-{jekyll.group(3)} is not a date") from None
        origin = "file name"
    else:
        # The first time a dateless post is seen becomes its date, so it keeps
        # its place in the feed and joins that week's digest.
        moment = first_seen.get(name, now)
        origin = "first seen"
        if draft:
            # A draft is not remembered (state.save_first_seen): "dated now"
            # would change with every run's clock, and say nothing true.
            notices.append(Notice("no date in front matter or file name; a draft, so it is dated when it "
                                  "is first published", name))
        else:
            notices.append(Notice(f"no date in front matter or file name; dated {moment.isoformat()}, "
                                  "when first seen", name))
    moment = moment.astimezone(site.timezone)

    updated = None
    for key in ("updated", "last_modified_at"):
        if meta.get(key) is not None:
            updated = _front_matter_date(key, meta[key], site.timezone)
            break

    categories = _first_terms(_terms(meta, "categories", "category"), "categories", name, notices)
    tags = _first_terms(_terms(meta, "tags"), "tags", name, notices)

    excerpt = _str_field(meta, "excerpt", "summary", "description")
    excerpt = plain_text(excerpt) if excerpt is not None else None

    slug_text = _str_field(meta, "slug")
    slug = slugify(slug_text if slug_text is not None else file_slug) or slugify(stem) or "post"

    pattern = _str_field(meta, "permalink")
    url = site.absolute_url(expand_permalink(pattern or site.permalink, date=moment, slug=slug,
                                             categories=categories))
    guid = _str_field(meta, "id", "guid")
    return _post_with(site, meta, notices, meta.get("author"), dict(
        source=path, name=name, title=title, date=moment, date_origin=origin,
        updated=updated, url=url, id=_feed_id(site, guid) if guid and guid.strip() else url, slug=slug,
        body_format=POST_SUFFIXES[path.suffix.lower()], categories=categories, tags=tags,
        excerpt=excerpt or None, draft=draft, body_line=body_line,
    ))


def _post_with(site: Site, meta: Mapping, notices: list[Notice], author_value: Any,
               fields: dict) -> tuple[Post, list[Notice]]:
    """The Post of ``fields`` with its image, language and author, each checked; the notices with theirs."""
    name, url = fields["name"], fields["url"]
    image = _image(meta.get("image"))
    lang_text = _str_field(meta, "lang")
    lang = language_tag(lang_text) if lang_text is not None else None
    if lang_text is not None and lang is None:
        notices.append(Notice(f"lang {json.dumps(lang_text[:40], ensure_ascii=False)} is not a language tag "
                              "such as \"ko\" or \"en-US\"; left out", name))
    author = _author(author_value)
    image_url = _image_url(site, url, image) if image else None
    if (image_url and not image_url.startswith(("http://", "https://"))
            and urlsplit(image_url).scheme not in ("http", "https")):
        # A javascript: or data: "image" would go out as a feed enclosure.
        notices.append(Notice(f"image {json.dumps(image[:80], ensure_ascii=False)} is not an http(s) URL; left out", name))
        image_url = None
    if author and author.email and not EMAIL_ADDRESS.fullmatch(author.email):
        # Feeds would be invalid with it; the name alone still credits the author.
        notices.append(Notice(f"author email {json.dumps(author.email, ensure_ascii=False)} "
                              "is not an email address; left out", name))
        author = Author(author.name)
    in_feeds, in_digest, flags = _routing(meta)
    fields.update(author=author, image=image_url, lang=lang, excerpt_only=_excerpt_only(meta), in_feeds=in_feeds,
                  in_digest=in_digest, flags=flags)
    fields.setdefault("future", False)
    fields.setdefault("collection", "posts")
    fields.setdefault("publish_date", None)
    fields.setdefault("expiry_date", None)
    fields.setdefault("hugo", None)
    return post_of(fields), notices


ROUTING_KEYS = ("feeds", "digest", "flags")


def _routing(meta: Mapping) -> tuple[bool, bool, tuple[str, ...]]:
    """A post's ``syndicate:`` front matter: whether it is in the feeds, in the digest, and its flags.

    A mapping of its own, so it never clashes with jekyll-feed's ``feed:``
    key. ValueError for anything else, naming the key.
    """
    value = meta.get("syndicate")
    if value is None:
        return True, True, ()
    if not isinstance(value, Mapping):
        raise ValueError(f"syndicate must be a mapping such as {{feeds: false, digest: false}}, "
                         f"got a {value_kind(value)}")
    for key in value:
        if key not in ROUTING_KEYS:
            raise ValueError(f"syndicate.{key} is not a key syndicate reads: {', '.join(ROUTING_KEYS)}")
    switches = []
    for key in ("feeds", "digest"):
        switch = value.get(key, True)
        if not isinstance(switch, bool):
            raise ValueError(f"syndicate.{key} must be true or false, got a {value_kind(switch)}")
        switches.append(switch)
    flags = value.get("flags", [])
    flags = [flags] if isinstance(flags, str) else flags
    if not isinstance(flags, list) or not all(isinstance(flag, str) and flag.strip() for flag in flags):
        raise ValueError(f"syndicate.flags must be a list of names, got a {value_kind(flags)}")
    return switches[0], switches[1], tuple(dict.fromkeys(flag.strip() for flag in flags))


def _excerpt_only(meta: Mapping) -> bool:
    """A post's ``feed.excerpt_only``, true as Liquid's ``default`` filter sees it (jekyll-feed's test)."""
    feed = meta.get("feed")
    value = feed.get("excerpt_only") if isinstance(feed, Mapping) else None
    return value not in (None, False, "", [], {})


def _build_jekyll_post(site: Site, path: Path, name: str, front_matter: Mapping, body_line: int,
                       first_seen: Mapping[str, datetime], now: datetime) -> tuple[Post, list[Notice]]:
    """``build_post`` for a site configured by _config.yml: the post as Jekyll and jekyll-feed see it.

    Its front matter is merged over the ``defaults:`` whose scope holds it;
    its categories start with the folders above its ``_posts``; its date is
    read as Ruby reads it; its URL is the permalink (front matter, defaults,
    then the site's) filled in with Jekyll's placeholders; its feed id is
    jekyll-feed's, ``post.id | absolute_url``. ``load_post`` has checked
    that the file is named as Jekyll's posts are, or is a document of a
    collection in ``feed.collections`` (its URL template is the
    collection's; with no date in its front matter or file name it is dated
    when first seen, where Jekyll dates it anew at every build).
    """
    from syndicate.sources.jekyll import (POST_NAME, categories_from_path, deep_merged, defaults_for, document_id,
                                          expand_url, merged_categories, smartify, titleized, url_placeholders)

    jekyll, tz = site.jekyll, site.timezone
    collection = jekyll.collection_of(name) if jekyll.collections else None
    label, folder = (collection.label, collection.folder) if collection is not None else ("posts", jekyll.posts_folder)
    notices: list[Notice] = []
    named = POST_NAME.fullmatch(path.stem)
    # Document#populate_title: the file name's slug, after its date when it has one.
    file_slug = (named.group(4) if named else path.stem).rstrip(".")
    defaults = defaults_for(jekyll.defaults, name, label) if jekyll.defaults else {}
    meta = deep_merged(defaults, front_matter) if defaults else front_matter

    title = _str_field(meta, "title")
    # jekyll-feed's title: "post.title | smartify | strip_html | normalize_whitespace".
    title = plain_text(smartify(title)) if title is not None else ""
    if not title:
        title = plain_text(titleized(file_slug)) or path.stem
        notices.append(Notice(f"no title; using \"{title}\"", name))
    # Jekyll leaves out a post whose "published" is false or empty.
    draft = meta.get("draft", False) is True or ("published" in meta and meta["published"] in (False, None))

    if meta.get("date") not in (None, False):
        moment, origin = _jekyll_date("date", meta["date"], tz), "front matter"
    elif named:
        try:
            moment = datetime(*map(int, named.group(1, 2, 3)), tzinfo=tz)
        except ValueError:
            raise ValueError(f"file name date {named.group(1)}-{named.group(2)}-{named.group(3)} is not a date") from None
        origin = "file name"
    else:
        moment, origin = first_seen.get(name, now).astimezone(tz), "first seen"
    # jekyll-feed's <updated> is last_modified_at, else the date.
    modified = meta.get("last_modified_at")
    updated = _jekyll_date("last_modified_at", modified, tz) if modified not in (None, False) else None

    words = [str(c) for c in merged_categories(categories_from_path(name, folder), defaults, front_matter)]
    categories = _first_terms(_terms({"categories": words}, "categories"), "categories", name, notices)
    tags = _first_terms(_terms(meta, "tag") if meta.get("tag") is not None else _terms(meta, "tags"),
                        "tags", name, notices)
    # jekyll-feed's summary is "post.description | default: post.excerpt".
    excerpt = _str_field(meta, "description", "excerpt", "summary")
    excerpt = plain_text(excerpt) if excerpt is not None else None

    slug_value = _str_field(meta, "slug")
    slug_value = file_slug if slug_value is None else slug_value
    body_format = POST_SUFFIXES[path.suffix.lower()]
    pattern = _str_field(meta, "permalink")
    template = site.permalink if collection is None else collection.permalink
    relative = expand_url(template if pattern is None else pattern, url_placeholders(
        moment, slug=slug_value, stem=path.stem, categories=words, relative=name,
        output_ext=".html" if body_format == "markdown" else path.suffix, collection=label, folder=folder))
    url = jekyll.absolute_url(relative)
    return _post_with(site, meta, notices, _jekyll_author(site, meta), dict(
        source=path, name=name, title=title, date=moment, date_origin=origin, updated=updated, url=url,
        id=jekyll.absolute_url(document_id(relative, slug_value)),
        slug=slugify(slug_value) or slugify(path.stem) or "post", body_format=body_format,
        categories=categories, tags=tags, excerpt=excerpt or None, draft=draft, body_line=body_line,
        future=jekyll.future, collection=label,
    ))


def _build_hugo_post(site: Site, path: Path, name: str, front_matter: Mapping, body_line: int,
                     first_seen: Mapping[str, datetime], now: datetime) -> tuple[Post | None, list[Notice]]:
    """``build_post`` for a site configured by Hugo's configuration: the page as Hugo 0.111 sees it.

    Front-matter keys are read whatever their case; ``load_post`` has
    checked that the file is a page (not a leaf bundle's resource, not an
    ``_index``). A page in no list (a headless bundle, ``_build: {list:
    never}``) is still in its terms' feeds, as in Hugo 0.111's, and in no other
    output (``HugoPage.lists``). Its URL is ``url``, else the section's
    permalink, else its path (``hugo.page_path``); its feed id is that URL,
    Hugo's ``<guid>`` (empty in Hugo's feeds for a page never rendered).
    """
    from syndicate.sources.hugo import (FILENAME_DATE, HugoPage, PagePath, build_options, content_parts, escaped,
                                        front_matter_weight, is_bundle_index, lower_keys, page_path, resources_url,
                                        sections_of)

    hugo, tz = site.hugo, site.timezone
    meta = lower_keys(front_matter)
    root = hugo.content_root(name)
    parts = content_parts(name, root) or [path.name]
    stem, language = hugo.language_of(path.stem, hugo.folder_language(root))
    bundle = is_bundle_index(stem) and len(parts) > 1
    if language in hugo.disabled_languages:
        return None, []
    lists, rendered = build_options(meta, bundle)
    if language != hugo.default_language:
        meta["lang"] = hugo.language_code(language) or language  # its feeds' (/en/index.xml's) language
    notices: list[Notice] = []
    filename = parts[-2] if bundle else stem

    title = _str_field(meta, "title")
    title = plain_text(title) if title is not None else ""
    if not title:
        title = " ".join(filename.replace("-", " ").replace("_", " ").split()).capitalize() or path.stem
        notices.append(Notice(f"no title; using \"{title}\"", name))
    draft = meta.get("draft", False) is True

    named = FILENAME_DATE.fullmatch(filename)
    dated: list[str] = []  # where the date came from

    def first_date(kind: str) -> datetime | None:
        """The page's date of ``kind`` from the first of its sources that gives one ([frontmatter])."""
        for source in hugo.date_sources(kind):
            if source == ":filename" and named:
                dated.append(source)
                return _front_matter_date("file name", named.group(1), tz)
            if source == ":filemodtime":
                return datetime.fromtimestamp(path.stat().st_mtime, tz)
            if source == ":git" and hugo.git_commit:
                from syndicate.sources.gitinfo import last_commits

                found = last_commits(site.root, hugo.git_commit).get(name)
                if found is not None:
                    return found.astimezone(tz)  # in the site's zone, as every date of a post
            if not source.startswith(":") and meta.get(source) not in (None, ""):
                return _front_matter_date(source, meta[source], tz)
        return None

    moment, origin = first_date("date"), "file name" if dated else "front matter"
    if moment is None:
        # Hugo dates such a page in year 1, last in its feeds, and so do Hugo's feeds here (hugo.page_order);
        # the Atom feed and the digest date it when first seen, as elsewhere.
        moment, origin = first_seen.get(name, now).astimezone(tz), "first seen"
        if not draft:
            notices.append(Notice(f"no date in front matter; last in Hugo's feeds, dated year 1 there as Hugo does, "
                                  f"and {moment.isoformat()} (when first seen) in the Atom feed", name))
    publish_date = first_date("publishdate")

    slug = _str_field(meta, "slug")
    if slug is None and dated and named.group(2):
        slug = named.group(2)  # Hugo's :filename: the slug is the name after its date
    own_url = _str_field(meta, "url")
    folders = parts[:-2] if bundle else parts[:-1]
    sections = sections_of(site.root, hugo, parts, root)
    relative = page_path(hugo, PagePath(tuple(sections), tuple(folders), filename, slug, title, moment), own_url)
    url = site.absolute_url(escaped(relative if own_url is not None else hugo.prefix(language) + relative))
    # Every taxonomy's terms (each a feed of Hugo's), as many as a post may have; tags and categories
    # are the Post's too, when the site has those taxonomies.
    terms = {plural: _first_terms(_terms(meta, plural), plural, name, notices) for _, plural in hugo.taxonomies}
    categories, tags = terms.get("categories", ()), terms.get("tags", ())
    link_title = _str_field(meta, "linktitle")
    page = HugoPage(front_matter_weight(meta.get("weight")), plain_text(link_title) if link_title else title,
                    tuple((plural, found) for plural, found in terms.items() if found), lists, rendered)
    excerpt = _str_field(meta, "summary")  # Hugo's .Summary: its description is no summary
    excerpt = plain_text(excerpt) if excerpt is not None else None
    images = meta.get("images")
    if isinstance(images, list) and images:
        meta["image"] = images[0]
    elif isinstance(images, str) and images.strip():
        meta["image"] = images
    image = meta.get("image")
    if isinstance(image, str) and not image.startswith("/") and not urlsplit(image).scheme:
        meta["image"] = join_url(resources_url(hugo, name, url, meta), image)  # a bundle's file, where Hugo puts it
    post, notices = _post_with(site, meta, notices, meta.get("author"), dict(
        source=path, name=name, title=title, date=moment, date_origin=origin, updated=first_date("lastmod"),
        url=url, id=url, slug=slugify(slug if slug is not None else filename) or "post",
        body_format=POST_SUFFIXES[path.suffix.lower()], categories=categories, tags=tags, excerpt=excerpt or None,
        draft=draft, body_line=body_line, publish_date=publish_date if publish_date != moment else None,
        expiry_date=first_date("expirydate"), hugo=page,
    ))
    if lists != "always" or not rendered:
        # Not in the site's own lists: in Hugo's feeds of its section or terms only, never in the digest.
        post = replace(post, in_digest=False)
    return post, notices


def _jekyll_date(key: str, value: Any, tz: Any) -> datetime:
    """A date of a Jekyll post's front matter, read as Jekyll reads it (``jekyll.post_time``)."""
    from syndicate.sources.jekyll import post_time

    return _front_matter_date(key, value, tz, post_time)


def post_of(fields: dict) -> Post:
    """``Post(**fields)`` for a value of every field, made as unpickling makes one.

    A frozen dataclass sets its fields one ``object.__setattr__`` at a time,
    2 us a post; a cold run makes a Post of every post of the site, in this
    process or in a worker and again here (syndicate.incremental.cache).
    """
    post = object.__new__(Post)
    vars(post).update(fields)
    return post


# --- the folder -----------------------------------------------------------


def skipped_folder(name: str) -> bool:
    """Whether a folder under the posts folder is left out (hidden, or Jekyll's _drafts and the like)."""
    return name.startswith((".", "_"))


def ignored_file(name: str) -> bool:
    """Whether a file of this name is an editor leftover or hidden, skipped without a word."""
    return name.startswith((".", "#", "_")) or name.endswith(("~", ".swp", ".swo", ".tmp", ".bak"))


class Entry(NamedTuple):
    """A file (or anything but a folder to enter) in the posts folder, as ``walk_posts_folder`` gives it."""

    name: str  # in the folder walk_posts_folder gives with it
    enter: bool  # a folder to walk into (never given: the walk enters it)
    links_to_folder: bool
    stat: os.stat_result | None  # with ``stats=True``; None then: it could not be stated


def walk_posts_folder(site: Site, stats: bool = False) -> Iterator[tuple[str, list[Entry] | None]]:
    """Every file of the posts folder, in batches with their folder, in a fixed order; ``None``: a folder not listed.

    A folder's entries come sorted by name, then each of its folders in turn,
    depth first, so output never depends on the file system. Folders that
    ``skipped_folder`` names are not entered; a link to a folder is an entry,
    not entered either. The one walk of the folder: ``post_files`` and the
    incremental layer's stat of every file (``stats=True``) both take it. A
    folder's files come in batches of at most ``BATCH``, so that a run in
    which nothing changed holds no stat of 100,000 files at once.

    A Jekyll site's posts are in every ``_posts`` folder of the site that
    Jekyll reads (``jekyll_posts_folders``), the one at the root first.
    """
    if site.jekyll is None:
        for folder in posts_folders(site):
            _refuse_a_folder_outside(site, folder)
            yield from _walk(str(folder), stats)
        return
    for folder, relative in jekyll_posts_folders(site):
        yield from _walk(folder, stats, site if site.jekyll.exclusions_under(relative) else None, relative)
    for collection in site.jekyll.collections:
        # feed.collections: the documents of each collection, from its folder.
        relative = collection.folder + "/"
        folder = site.root / collection.folder
        if collection.documents and folder.is_dir() and not folder.is_symlink() and not site.jekyll.excluded(relative):
            yield from _walk(str(folder), stats, site if site.jekyll.exclusions_under(relative) else None, relative)


def posts_folders(site: Site) -> list[Path]:
    """The folders a site's posts are in, outside Jekyll's ``_posts``: the posts folder, or a Hugo site's language folders.

    A multilingual Hugo site whose languages have folders of their own
    (``[languages.en] contentDir``) has its pages there, and only there.
    """
    if site.hugo is not None and site.hugo.language_dirs:
        return [site.root / folder for folder in site.hugo.content_folders()]
    return [site.posts_dir]


def _refuse_a_folder_outside(site: Site, folder: Path) -> None:
    """ConfigError when a posts folder is (or is in) a link to a folder outside the site.

    As for a link to a single post (``load_post``): a cloned site must not
    publish ~/.ssh through posts -> /home/someone. A link to a folder
    inside the site is read; links to folders within the posts folder are
    never entered (``_walk``).
    """
    real = os.path.realpath(folder)
    # A posts_dir the configuration sets outside the site ("../shared") is the owner's choice, not a link's.
    if real != os.path.abspath(folder) and not Path(real).is_relative_to(os.path.realpath(site.root)):
        raise ConfigError(f"posts folder {shown_path(site, folder)} is a link to a folder outside "
                          "the site folder; not read")


BATCH = 500


def _walk(top: str, stats: bool, site: Site | None = None, relative: str = ""
          ) -> Iterator[tuple[str, list[Entry] | None]]:
    """``walk_posts_folder`` of one folder; with ``site``, leaving out the files its ``exclude:`` names.

    ``relative``: the folder's path from the site root, "/"-terminated.
    """
    # A stack, not a function that calls itself, which would be a reference
    # cycle holding these lists (commands run without the cycle collector).
    pending = [(top, relative)]
    while pending:
        folder, relative = pending.pop()
        listed = _stated_listing(folder) if stats else _typed_listing(folder)
        if listed is None:
            yield folder, None
            continue
        folders, batch = [], []
        for entry in listed:
            if site is not None and site.jekyll.excluded(relative + entry.name):
                continue
            if not entry.enter:
                batch.append(entry)
                if len(batch) == BATCH:
                    yield folder, batch
                    batch = []
            elif not skipped_folder(entry.name):
                folders.append((os.path.join(folder, entry.name), relative + entry.name + "/"))
        if batch:
            yield folder, batch
        pending.extend(reversed(folders))


Listing = Iterator[Entry]  # a folder's entries, by name


def _typed_listing(folder: str) -> Listing | None:
    """A folder's entries told apart by the types its listing gives (no stat); None: not listed."""
    try:
        with os.scandir(folder) as listing:
            by_name = {entry.name: entry for entry in listing}
    except OSError:
        return None
    return _typed(by_name)


def _typed(by_name: dict[str, os.DirEntry]) -> Listing:
    # Sorting the names, not the entries by a key function, which costs more.
    for name in sorted(by_name):
        entry = by_name[name]
        try:
            enter = entry.is_dir(follow_symlinks=False)
            yield Entry(name, enter, not enter and entry.is_dir(), None)
        except OSError:
            yield Entry(name, False, False, None)


def _stated_listing(folder: str) -> Listing | None:
    """A folder's entries, each with its stat (following links); None: not listed."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    return stated_entries(folder, names)


def stated_entries(folder: str, names: Iterable[str]) -> Listing:
    """The entries of ``folder`` of these names, each with its stat (following links).

    Stats are taken relative to the open folder where the system allows: no
    path to resolve for each file, which a run in which nothing changed pays
    once per post.
    """
    try:
        fd = os.open(folder, os.O_RDONLY) if os.stat in os.supports_dir_fd else None
    except OSError:
        fd = None  # gone since it was listed: each stat fails, and says so
    try:
        for name in names:
            try:
                stat = os.stat(name, dir_fd=fd) if fd is not None else os.stat(os.path.join(folder, name))
            except OSError:
                yield Entry(name, False, False, None)
                continue
            if S_ISDIR(stat.st_mode):
                link = os.path.islink(os.path.join(folder, name))
                yield Entry(name, not link, link, stat)
            else:
                yield Entry(name, False, False, stat)
    finally:
        if fd is not None:
            os.close(fd)


def jekyll_posts_folders(site: Site) -> Iterator[tuple[str, str]]:
    """A Jekyll site's ``_posts`` folders, as Jekyll's reader finds them: (path, path from the site root + "/").

    From the site root down, a folder's ``_posts`` comes before its other
    folders, those in name order, depth first. Folders Jekyll does not read
    (``_`` or ``.`` first, ``exclude:``), links to folders, the output and
    state folders are not entered.
    """
    from syndicate.sources.jekyll import POSTS_FOLDER

    jekyll = site.jekyll
    own = {str(site.output_dir), str(site.state_dir)}
    # With collections_dir, Jekyll reads posts only from _posts folders inside it.
    top = jekyll.collections_dir
    if top and not (site.root / top).is_dir():
        return
    pending = [(str(site.root / top), top + "/")] if top else [(str(site.root), "")]
    while pending:
        folder, relative = pending.pop()
        posts, folders = None, []
        for entry in _typed_listing(folder) or ():
            if not entry.enter:
                continue
            name = entry.name
            path = os.path.join(folder, name)
            if name == POSTS_FOLDER:
                if not jekyll.excluded(relative + POSTS_FOLDER):
                    posts = path
            elif path not in own and jekyll.reads_folder(relative + name, name):
                folders.append((path, relative + name + "/"))
        if posts is not None:
            yield posts, relative + POSTS_FOLDER + "/"
        pending.extend(reversed(folders))


def post_files(site: Site, listing: Iterable[tuple[str, Sequence[str]]] | None = None) -> Iterator[Path]:
    """Every file in the posts folder that may be a post, in ``walk_posts_folder``'s order.

    Hidden files and editor leftovers are left out, and so are links to
    folders and folders that cannot be listed, without a word. ``listing``:
    each folder of a walk taken already, with ``files_of`` of its entries;
    by default the folder is walked now.
    """
    if site.jekyll is None and not any(folder.is_dir() for folder in posts_folders(site)):
        # A Hugo language's folder that does not exist holds no page, as in Hugo; but not one does: a mistake.
        raise ConfigError(f"posts folder {shown_path(site, posts_folders(site)[0])} does not exist")
    if site.jekyll is not None and next(jekyll_posts_folders(site), None) is None:
        # Not one _posts folder anywhere in the site: a mistake, not an empty blog.
        raise ConfigError(f"posts folder {shown_path(site, site.posts_dir)} does not exist")
    if listing is None:
        listing = ((folder, files_of(entries)) for folder, entries in walk_posts_folder(site))
    for folder, names in listing:
        parent = Path(folder)
        for name in names:
            if not ignored_file(name):
                yield parent.joinpath(name)  # the same Path as "/" gives, at half its cost


def files_of(entries: list[Entry] | None) -> tuple[str, ...]:
    """The names of a batch of ``walk_posts_folder``'s entries that may be posts: links to folders are not."""
    return tuple(entry.name for entry in entries or () if not entry.links_to_folder)


def shown_path(site: Site, path: Path) -> str:
    """A path as messages and state files name it: relative to the site, "/"-separated.

    A path outside the site is shown whole.
    """
    # Comparing strings gives Path.relative_to's answer for the paths
    # post_files makes (normalised, absolute) at a tenth of its cost, which
    # counts once per post on every run.
    text, root = str(path), str(site.root).rstrip("/") + "/"
    if os.sep == "/" and text.startswith(root):
        return text[len(root):]
    try:
        return path.relative_to(site.root).as_posix()
    except ValueError:
        return str(path)


def load_post(site: Site, path: Path, first_seen: Mapping[str, datetime], now: datetime,
              raw: bytes | None = None) -> tuple[Post | None, list[Notice]]:
    """Read one file's front matter into a Post. Returns (None, notices) for files that are not posts.

    ``raw``: the file's bytes when the caller has read them already. Raises
    PostError, with the line where known, for a file that cannot be a post.
    """
    result = load_many(site, [path], first_seen, now, [raw])[0]
    if isinstance(result, PostError):
        raise result
    return result


# How many files ``read_posts`` gives ``load_many`` at a time.
MANY = 100


def load_many(site: Site, paths: list[Path], first_seen: Mapping[str, datetime], now: datetime,
              raws: list[bytes | None] | None = None) -> list[tuple[Post | None, list[Notice]] | PostError]:
    """``load_post`` of each file, in order, a broken file's PostError in place of its result.

    ``raws``: each file's bytes when the caller has read them already (None
    for those it has not). The work goes a stage at a time over all the
    files: the heads are read, then the front matters parsed, then the Posts
    built. Each stage's code then stays in the processor's caches, where one
    file at a time through all three evicts the others': on 10,000 posts of
    the benchmark's Jekyll site, batches of a hundred take 28% less CPU.
    """
    results: list = [None] * len(paths)
    heads = []
    for number, path in enumerate(paths):
        try:
            head = _head(site, path, raws[number] if raws else None)
        except PostError as exc:
            results[number] = exc
            continue
        if isinstance(head, _Head):
            heads.append((number, head))
        else:
            results[number] = head
    parsed = []
    for number, head in heads:
        try:
            parsed.append((number, head, *_meta(site, head)))
        except PostError as exc:
            results[number] = exc
    for number, head, meta, body_line, said in parsed:
        try:
            post, notices = build_post(site, paths[number], head.name, meta, body_line, first_seen, now)
        except ValueError as exc:
            results[number] = PostError(str(exc), head.name, _line_of(head.text, body_line, str(exc),
                                                                      any_case=site.hugo is not None))
            continue
        results[number] = (post, said + notices) if said else (post, notices)
    return results


class _Head(NamedTuple):
    """A post file's name, as ``shown_path`` gives it, and its head (``read_post_head``)."""

    name: str
    text: str


def _head(site: Site, path: Path, raw: bytes | None) -> _Head | tuple[None, list[Notice]]:
    """``load_post``'s first stage: the file's head, or (None, notices) for a file that is no post.

    Raises PostError for one that cannot be read.
    """
    name = shown_path(site, path)
    collection = site.jekyll.collection_of(name) if site.jekyll is not None and site.jekyll.collections else None
    if site.hugo is not None and _hugo_resource(site, path, name):
        return None, []  # a bundle's or a section's images and files, which Hugo copies as they are
    if path.suffix.lower() not in POST_SUFFIXES:
        if collection is not None:
            return None, []  # a collection's images and other files, which Jekyll copies as they are
        return None, [Notice(f"skipped: not a post (only {', '.join(sorted(POST_SUFFIXES))} files are read)", name)]
    if site.jekyll is not None and collection is None and not _jekyll_post_name(path.stem):
        # Jekyll's rule (Document::DATE_FILENAME_MATCHER): such a file is no post, however dated inside.
        return None, [Notice("skipped: not a post (Jekyll reads only files named YYYY-MM-DD-title in _posts)", name)]
    if UNDECODED_BYTE.search(name):
        # Python keeps such bytes as lone surrogates, which no output can hold.
        raise PostError("the file name is not UTF-8 text; rename the file", name)
    if raw is None:
        text = read_post_head(path, name, site.root)  # a link is read only if it leads into the site
    else:
        refuse_a_link_outside(path, name, site.root)
        text = post_head_of(raw, name)
    if collection is not None and not YAML_HEADER.match(text):
        return None, []  # Jekyll copies a collection's files without front matter as they are
    if not text.strip() and site.jekyll is None:
        # Jekyll publishes an empty file in _posts (titled by its name), and jekyll-feed lists it.
        return None, [Notice("skipped: the file is empty", name)]
    return _Head(name, text)


def _meta(site: Site, head: _Head) -> tuple[Mapping, int, list[Notice]]:
    """``load_post``'s second stage: the front matter, the line its body starts on, and the warnings of reading it.

    Raises PostError for front matter that does not parse.
    """
    text, name = head.text, head.name
    meta, body, body_line, twice = _front_matter(site, text, name)
    said = [] if twice is None else [twice]
    # Raw control characters in the head were dropped before parsing; YAML
    # escapes ("\x01") can still put them in values.
    removed = len(XML_FORBIDDEN.findall(text, 0, len(text) - len(body)))
    # Only an escape can put one in a value, and every escape has a backslash.
    meta, escaped = _clean_values(meta) if "\\" in text[:len(text) - len(body)] else (meta, 0)
    if removed + escaped:
        said.append(Notice(f"removed {removed + escaped} control character(s) from the front matter", name))
    return meta, body_line, said


def _hugo_resource(site: Site, path: Path, name: str) -> bool:
    """Whether a file under a Hugo site's content folder is no page: not a content file, or in a leaf bundle."""
    from syndicate.sources.hugo import content_parts, in_leaf_bundle

    if path.suffix.lower() not in POST_SUFFIXES:
        return True
    root = site.hugo.content_root(name)
    parts = content_parts(name, root)
    return parts is not None and in_leaf_bundle(site.root, site.hugo, parts, root)


def _front_matter(site: Site, text: str, name: str) -> tuple[dict, str, int, Notice | None]:
    """``split_front_matter``; on a Jekyll site a YAML key said twice is a warning, the last value used.

    Psych (Jekyll's YAML) keeps the last value and Jekyll publishes the post;
    elsewhere it is an error, since which value was meant cannot be known.
    """
    try:
        return (*split_front_matter(text, name, space_first=site.hugo is not None), None)
    except PostError as exc:
        if site.jekyll is None or not exc.detail.startswith(f"invalid front matter: {DUPLICATE_KEY}"):
            raise
        said_twice = Notice(exc.detail.removeprefix("invalid front matter: ") + "; the last value is used, "
                            "as Jekyll does", name, exc.line)
    return (*split_front_matter(text, name, last_key_wins=True), said_twice)


# Utils.has_yaml_header?: what makes a file in a collection's folder a document.
YAML_HEADER = re.compile(r"---[ \t]*\r?\n")


def _line_of(text: str, body_line: int, message: str, any_case: bool = False) -> int | None:
    """The front-matter line of the key a message names, where it can be found (``any_case``: as Hugo reads keys)."""
    found = re.match(r"'?(\w+)'?", message)
    if not found:
        return None
    key = re.compile(rf"^\s*\"?{re.escape(found.group(1))}\"?\s*[:=]", re.IGNORECASE if any_case else 0)
    for number, line in enumerate(text.split("\n", body_line)[:body_line], start=1):
        if key.match(line):
            return number
    return None


def load_posts(site: Site, now: datetime, first_seen: Mapping[str, datetime] | None = None,
               progress: Any = None, source: Any = None, files: list[Path] | None = None) -> Loaded:
    """Read every post in the site; a broken one is reported, never fatal.

    ``first_seen`` holds the dates given earlier to posts with no date of their
    own. ``progress`` optionally wraps the list of files (for a progress bar).
    ``source`` stands in for ``read_posts`` (the incremental layer's posts index).
    ``files``: ``post_files``, when the caller has them already.
    """
    files = list(post_files(site)) if files is None else files
    results = (source or read_posts)(site, files, first_seen or {}, now)
    posts: list[Post] = []
    errors: list[PostError] = []
    notices: list[Notice] = []
    for _ in progress(files) if progress else files:
        result = next(results)
        if isinstance(result, PostError):
            errors.append(result)
            continue
        post, more = result
        notices += more
        if post is not None:
            posts.append(post)
    return Loaded(tuple(posts), tuple(errors), tuple(notices))


def read_posts(site: Site, files: list[Path], first_seen: Mapping[str, datetime],
               now: datetime) -> Iterator[tuple[Post | None, list[Notice]] | PostError]:
    """``load_post`` of every file, in order, the error in place of a broken post's result.

    The pipeline's ``PostSource``; the incremental layer has one that answers
    for unchanged files and reads many in worker processes.
    """
    for start in range(0, len(files), MANY):
        yield from load_many(site, files[start:start + MANY], first_seen, now)


def newest_first(posts: Iterable[Post]) -> list[Post]:
    """Posts by date, newest first; ties broken by id so order never wobbles."""
    return sorted(posts, key=lambda p: (p.date, p.id), reverse=True)


def _jekyll_post_name(stem: str) -> bool:
    """Whether a file in a Jekyll site's ``_posts`` is named as Jekyll's posts are (``YYYY-MM-DD-title``)."""
    from syndicate.sources.jekyll import POST_NAME

    return POST_NAME.fullmatch(stem) is not None


def _jekyll_author(site: Site, meta: Mapping) -> Any:
    """jekyll-feed's author of a post: ``author``, else the first of ``authors``, looked up in ``_data/authors``.

    A name that ``site.data.authors`` holds stands for that entry (its name
    and email); the site's own author is the Site's, as for every site.
    """
    author = meta.get("author")
    if author is None:
        authors = meta.get("authors")
        author = authors[0] if isinstance(authors, list) and authors else authors
    if isinstance(author, str):
        from syndicate.sources.jekyll import site_variables

        known = site_variables(site.root, site.jekyll.body_inputs).get("data", {}).get("authors")
        if isinstance(known, dict) and isinstance(known.get(author), dict):
            return known[author]
    return author
