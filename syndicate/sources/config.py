"""Site configuration: ``syndicate.toml``, or a Jekyll ``_config.yml`` as is.

The file is checked key by key against a schema; every bad key is reported
with its name and value in one go, so a user fixes the file in one pass.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from functools import lru_cache
from stat import S_ISLNK, S_ISREG
from typing import TYPE_CHECKING, Any, Callable, Mapping
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syndicate.sources import safe_yaml
from syndicate.errors import ConfigError, Notice
from syndicate.text import XML_FORBIDDEN, join_url

if TYPE_CHECKING:
    from syndicate.sources.hugo import HugoConfig
    from syndicate.sources.jekyll import Default, JekyllConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_NAME = "syndicate.toml"
JEKYLL_CONFIG_NAME = "_config.yml"

# Jekyll's named permalink styles, so a Jekyll site's links come out the same.
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
DEFAULT_PERMALINK = "/:categories/:year/:month/:day/:slug.html"
LIST_TOOLS = ("mailchimp", "listmonk", "sendy", "buttondown", "campaign-monitor", "mailman", "plain")
# The folders of the category, tag, language, author and archive feeds, in the
# output folder: syndicate's own, so a feed file there that no run writes any
# more can be removed (and no ``feed.extra`` feed may go there).
CATEGORY_FEEDS, TAG_FEEDS = "feeds/category", "feeds/tag"
LANGUAGE_FEEDS, AUTHOR_FEEDS, ARCHIVE_FEEDS = "feeds/lang", "feeds/author", "feeds/archive"
FEED_FOLDERS = (CATEGORY_FEEDS, TAG_FEEDS, LANGUAGE_FEEDS, AUTHOR_FEEDS, ARCHIVE_FEEDS)
# ``feed.page``'s outputs, by path in the output folder, and the template each is rendered from.
FEEDS_PAGE_TEMPLATES = {"feeds.html": "feeds.html.j2", "feeds-head.html": "feeds-head.html.j2"}
# The main feeds' and their JSON twin's paths, on any site: no ``feed.extra`` feed takes them.
MAIN_FEED_PATHS = frozenset({"feed.xml", "atom.xml", "feed.json", "feed.rss.xml"})


@dataclass(frozen=True)
class Author:
    """Who wrote a post or runs a site; ``email`` may be empty."""

    name: str
    email: str = ""


@dataclass(frozen=True)
class ExtraFeed:
    """A ``[[feed.extra]]`` table: one more feed, of the posts in any of its categories or tags, or with any of its flags."""

    path: str  # relative to the output folder, "/"-separated, ending in ".xml"
    title: str = ""  # "" for "Site title — <file name>"
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # a post's front matter "syndicate: {flags: [...]}"


@dataclass(frozen=True)
class FeedConfig:
    """The ``[feed]`` table."""

    limit: int = 20
    full_content: bool = True
    categories: bool = False
    tags: bool = False
    icon: str = ""  # absolute URL of a small square image (Atom icon, JSON Feed favicon); "" for none
    logo: str = ""  # absolute URL of a larger image (Atom logo, RSS image, JSON Feed icon); "" for none
    hubs: tuple[str, ...] = ()  # WebSub hubs: linked from every feed, pinged when a feed changes
    archives: bool = False  # monthly archive documents (RFC 5005) behind the main feed
    languages: bool = False  # one feed per language (a post's lang, else the site's)
    authors: bool = False  # one feed per author (a post's, else the site's)
    extra: tuple[ExtraFeed, ...] = ()  # filtered feeds, for a mailing-list tool that reads a feed
    page: bool = False  # feeds.html (every feed, for people) and feeds-head.html (<link rel="alternate"> tags)


@dataclass(frozen=True)
class Schedule:
    """When ``syndicate publish`` sends the digest, in the site's time zone, and which period it covers.

    ``cadence`` "daily" (periods named ``2026-11-25``), "weekly" (ISO weeks,
    ``2026-W47``, sent on ``weekday``), "monthly" (``2026-11``, sent on
    ``day``) or "days": every ``days`` days counted from ``start``
    (``2026-11-22_2026-11-24``).
    """

    cadence: str = "weekly"
    weekday: int = 0  # weekly: Monday, as datetime.weekday() counts
    time: str = "08:00"  # HH:MM
    day: int = 1  # monthly: the day of the month, 1 to 28
    days: int = 0  # cadence "days": the days in a period
    start: date | None = None  # cadence "days": the first day of one period (the others follow from it)


@dataclass(frozen=True)
class DigestConfig:
    """The ``[digest]`` table."""

    days: int | None = None  # None: the last complete ISO week; N: the N days ending now
    order: str = "newest"  # or "oldest"
    subject: str = "{{ site.title }} — {{ period_text }}"
    preheader: str = ""
    full_content: bool = False
    list_tool: str = "plain"
    unsubscribe_url: str = ""
    unsubscribe_mailto: str = ""  # "mailto:…", given in List-Unsubscribe beside an https unsubscribe_url
    logo: str = ""  # absolute URL of the image above the site's title; "" for none
    intro: str = ""  # Markdown above the posts, unless the issue has its own file in intro_dir
    intro_dir: str = "_intros"  # relative to the site folder: <period>.md is that intro
    contents_after: int = 5  # an "in this issue" list when a digest has more posts than this
    utm: dict = field(default_factory=dict)  # source, medium, campaign, term, content
    schedule: Schedule | None = None
    send: bool = False
    catch_up: bool = True
    language: str = ""  # a Hugo site's language (a key of [languages]) whose posts it holds; "": the default one


@dataclass(frozen=True)
class EmailConfig:
    """The ``[email]`` table: the envelope of the digest message."""

    from_address: str = ""
    to: str = ""
    reply_to: str = ""
    list_id: str = ""  # RFC 2919; "" for digest.<the site's host>
    postal_address: str = ""  # in the digest's footer, one line of the footer per line


@dataclass(frozen=True)
class SmtpConfig:
    """The ``[smtp]`` table; the password comes from the environment only."""

    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str = ""
    password_env: str = ""  # the name of the environment variable
    timeout: int = 30


@dataclass(frozen=True)
class PublishConfig:
    """The ``[publish]`` table."""

    lock_timeout: int = 10  # seconds a second run waits for the first


@dataclass(frozen=True)
class Site:
    """Everything about a site that outputs need, already validated."""

    root: Path
    title: str
    url: str  # absolute, always ending in "/"
    description: str = ""
    language: str = "en"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    author: Author | None = None
    posts_dir: Path = Path("posts")
    output_dir: Path = Path("public")
    state_dir: Path = Path(".syndicate")
    templates_dir: Path = Path("templates")
    permalink: str = DEFAULT_PERMALINK
    excerpt_separator: str = "<!--more-->"
    feed: FeedConfig = FeedConfig()
    digest: DigestConfig = DigestConfig()
    email: EmailConfig = EmailConfig()
    smtp: SmtpConfig = SmtpConfig()
    publish: PublishConfig = PublishConfig()
    config_file: str = CONFIG_NAME
    # A site configured by _config.yml alone: Jekyll's rules for posts, URLs,
    # ids and the feed's path (syndicate.sources.jekyll). None: syndicate.toml.
    jekyll: JekyllConfig | None = None
    # A site configured by hugo.toml (config.*, config/_default/) alone: Hugo's
    # rules for pages, URLs and feed paths (syndicate.sources.hugo).
    hugo: HugoConfig | None = None
    # Warnings about the configuration (a value Jekyll reads in its own way): every command prints them.
    notices: tuple[Notice, ...] = ()

    def absolute_url(self, path: str) -> str:
        """The absolute URL of a site-relative path such as ``/feed.xml``."""
        return self.url + path.lstrip("/")

    def feed_url(self, path: str) -> str:
        """The URL of an output at ``path`` (relative to the output folder): a feed's self link, its WebSub topic."""
        return self.absolute_url(quote(path))

    def _site_file(self, url: str) -> Path | None:
        """Where in the site folder an absolute URL on this site points, links not followed; None elsewhere.

        On a Hugo site: the file Hugo published there (in its publishDir, where
        syndicate writes too), else the one in ``static/``; the site's own
        files are not served as they are.
        """
        if not url.startswith(self.url):
            return None
        relative = unquote(urlsplit(url).path[len(urlsplit(self.url).path):])
        if self.hugo is None:
            return self.root / relative
        published = self.output_dir / relative
        return published if published.is_file() else self.root / "static" / relative

    def local_file_size(self, url: str) -> int | None:
        """The size of the regular file in the site folder an absolute URL names, if any.

        The feeds' enclosure lengths and the last-run record both use it, so the
        record notices exactly the changes that would change a feed.
        """
        found = self.local_file(url)
        return None if found is None else found[1]

    def local_file(self, url: str) -> tuple[Path, int] | None:
        """The regular file in the site folder an absolute URL names, and its size; None when there is none."""
        local = self._site_file(url)
        if local is None:
            return None
        try:
            # This runs for every image on every cron run: the folder is
            # resolved once per run, and the file itself is lstat'ed. A link
            # (it might lead out of the site) is resolved in full.
            if not _real_folder(local.parent).is_relative_to(self.root):
                return None
            status = local.lstat()
            if S_ISLNK(status.st_mode):
                status = local.stat() if local.resolve().is_relative_to(self.root) else None
        except (OSError, ValueError):
            return None
        return (local, status.st_size) if status is not None and S_ISREG(status.st_mode) else None


@lru_cache(maxsize=256)
def _real_folder(folder: Path) -> Path:
    """A folder with its links resolved, remembered for the run: images share a few folders."""
    return folder.resolve()


# --- value checkers: each returns the converted value or raises ValueError ---


Checker = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if XML_FORBIDDEN.search(value):
        # A "\u0001" escape would crash the feed writer later, far from here.
        raise ValueError("must not contain control characters")
    return value.strip()


def _nonempty_text(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValueError("must not be empty")
    return text


def _separator(value: Any) -> str:
    """An excerpt separator, kept as written: Jekyll's own default is a blank line, "\\n\\n"."""
    if not isinstance(value, str) or XML_FORBIDDEN.search(value):
        return _text(value)  # the same message as any text
    if not value:
        raise ValueError("must not be empty")
    return value


def _one_line(value: Any) -> str:
    """Text bound for a mail header or an SMTP command, where a line break would start a new one."""
    text = _nonempty_text(value)
    if "\r" in text or "\n" in text:
        raise ValueError("must be one line")
    return text


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _absolute_url(value: Any) -> str:
    url = _nonempty_text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return url.rstrip("/") + "/"


def _http_url(value: Any) -> str:
    """An absolute http(s) URL, kept as written (a hub's path may not end in "/")."""
    url = _nonempty_text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ValueError("must be an absolute http(s) URL")
    return url


def _http_urls(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError("must be a list of absolute http(s) URLs")
    try:
        return tuple(dict.fromkeys(_http_url(item) for item in value))
    except ValueError:
        raise ValueError("must be a list of absolute http(s) URLs") from None


def _site_image(value: Any) -> str:
    """An image on the site (``/assets/icon.png``, relative to the site's URL) or an absolute http(s) URL."""
    text = _nonempty_text(value)
    scheme = urlsplit(text).scheme
    if text.startswith("//") or (scheme and scheme not in ("http", "https")) or "\n" in text:
        raise ValueError("must be a path on the site such as \"/assets/icon.png\" or an absolute http(s) URL")
    return _http_url(text) if scheme else text


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError("must be a list of names")
    return tuple(dict.fromkeys(item.strip() for item in value))


def _extra_feed_path(value: Any) -> str:
    """A path in the output folder for a ``feed.extra`` feed: relative, ``.xml``, none of syndicate's own."""
    path = _nonempty_text(value)
    parts = path.split("/")
    if (not path.endswith(".xml") or "\\" in path or any(part in ("", ".", "..") for part in parts)
            or path in MAIN_FEED_PATHS or any(path.startswith(folder + "/") for folder in FEED_FOLDERS)):
        raise ValueError("must be a relative path ending in .xml, such as \"feeds/newsletter.xml\", "
                         "and not a main feed's or in syndicate's own feed folders")
    return path


EXTRA_FEED = {"path": _extra_feed_path, "title": _nonempty_text, "categories": _names, "tags": _names,
              "flags": _names}


def _extra_feeds(value: Any) -> tuple[ExtraFeed, ...]:
    """``[[feed.extra]]``: a list of tables, each with a path and at least one of categories, tags and flags."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError("must be a list of tables ([[feed.extra]])")
    feeds: list[ExtraFeed] = []
    for number, table in enumerate(value, 1):
        values, problems = check_table(table, EXTRA_FEED, "", "")
        if problems:
            raise ValueError(f"entry {number}: {problems[0].removeprefix(': ').rsplit(', got ', 1)[0]}")
        if "path" not in values:
            raise ValueError(f"entry {number}: path is required")
        if not (values.get("categories") or values.get("tags") or values.get("flags")):
            raise ValueError(f"entry {number}: needs categories, tags or flags to choose its posts")
        if any(feed.path == values["path"] for feed in feeds):
            raise ValueError(f"entry {number}: path {values['path']} is another entry's too")
        feeds.append(ExtraFeed(**values))
    return tuple(feeds)


def _timezone(value: Any) -> ZoneInfo:
    name = _nonempty_text(value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as \"Asia/Seoul\"") from None


# Loose on purpose: it only catches what feed readers and validators reject
# (a missing @ or domain, spaces), not every address RFC 5322 allows.
EMAIL_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")


# BCP 47's shape, as xml:lang and dc:language need it: "ko", "en-US", "zh-Hant-TW".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def language_tag(value: str) -> str | None:
    """``value`` as a language tag (Jekyll's ``ko_KR`` becomes ``ko-KR``), or None if it is not one."""
    tag = value.strip().replace("_", "-")
    return tag if LANGUAGE_TAG.fullmatch(tag) else None


def _language(value: Any) -> str:
    tag = language_tag(_nonempty_text(value))
    if tag is None:
        raise ValueError("must be a language tag such as \"ko\" or \"en-US\"")
    return tag


def _author(value: Any) -> Author:
    if isinstance(value, str) and value.strip():
        return Author(value.strip())
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"].strip():
        email = value.get("email") or ""  # Jekyll themes leave "email:" empty
        if not isinstance(email, str):
            raise ValueError("email must be a string")
        if email.strip() and not EMAIL_ADDRESS.fullmatch(email.strip()):
            raise ValueError("email must be an email address such as \"news@example.com\"")
        return Author(value["name"].strip(), email.strip())
    raise ValueError("must be a name or a table with name and email")


def _one_of(*choices: str) -> Checker:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(f'"{c}"' for c in choices))
        return value
    return check


def _link(value: Any) -> str:
    """An absolute http(s) URL or a mailto: address, as unsubscribe links are."""
    url = _nonempty_text(value)
    parts = urlsplit(url)
    if (parts.scheme == "mailto" and "@" in parts.path) or (parts.scheme in ("http", "https") and parts.netloc):
        return url
    raise ValueError("must be an absolute http(s) URL or a mailto: address")


def _mailto(value: Any) -> str:
    """A ``mailto:`` unsubscribe address; a bare address gets the ``mailto:``."""
    text = _nonempty_text(value)
    url = text if text.lower().startswith("mailto:") else f"mailto:{text}"
    if not EMAIL_ADDRESS.fullmatch(urlsplit(url).path):
        raise ValueError("must be a mailto: address such as \"mailto:leave@example.com\"")
    return url


def _list_id(value: Any) -> str:
    """An RFC 2919 list id: dot-separated labels, at least two (``weekly.example.com``)."""
    text = _nonempty_text(value).strip("<>")
    if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+", text):
        raise ValueError("must be a list id such as \"weekly.example.com\" (letters, digits, - and _, "
                         "in two or more parts joined by dots)")
    return text


def _port(value: Any) -> int:
    port = _positive_int(value)
    if port > 65535:
        raise ValueError("must be a port number (1-65535)")
    return port


def _env_name(value: Any) -> str:
    name = _nonempty_text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError("must be the name of an environment variable, not the password itself")
    return name


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(value: Any) -> int:
    text = _nonempty_text(value).lower()[:3]
    if text not in WEEKDAYS:
        raise ValueError("must be a weekday such as \"mon\"")
    return WEEKDAYS.index(text)


def _clock_time(value: Any) -> str:
    text = _nonempty_text(value)
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise ValueError("must be a time of day such as \"08:00\"")
    return f"{int(found.group(1)):02d}:{found.group(2)}"


CADENCES = ("daily", "weekly", "monthly", "days")


def _month_day(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 28:
        raise ValueError("must be a day of the month from 1 to 28 (every month has it)")
    return value


def _period_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 366:
        raise ValueError("must be a number of days from 2 to 366 (for one day, cadence = \"daily\")")
    return value


def _first_day(value: Any) -> date:
    """A calendar date: TOML's own (2026-11-02) or text such as "2026-11-02"."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    try:
        return date.fromisoformat(_nonempty_text(value))
    except ValueError:
        raise ValueError("must be a date such as 2026-11-02") from None


# Which schedule keys each cadence reads, besides time.
CADENCE_KEYS = {"daily": (), "weekly": ("weekday",), "monthly": ("day",), "days": ("days", "start")}


def _schedule_problems(schedule: dict, source: str, found: list[str]) -> list[str]:
    """``digest.schedule``'s keys that its cadence does not read, and those it needs and lacks (not in ``found``)."""
    cadence = schedule.get("cadence", "weekly")
    if cadence not in CADENCE_KEYS:
        return []  # already reported
    wanted = CADENCE_KEYS[cadence]
    problems = [f"{source}: digest.schedule.{key} is not read with cadence = \"{cadence}\""
                for key in ("weekday", "day", "days", "start") if key in schedule and key not in wanted]
    if cadence == "days":
        problems += [f"{source}: digest.schedule.{key} is required with cadence = \"days\""
                     for key in wanted if key not in schedule
                     and not any(f"digest.schedule.{key} " in problem for problem in found)]
    return problems


def _relative_dir(value: Any) -> Path:
    return Path(_nonempty_text(value))


def _language_key(value: Any) -> str:
    """A key of a Hugo site's ``[languages]`` ("en", "pt-br"), lower-cased as Hugo reads it."""
    key = _nonempty_text(value).lower()
    if not re.fullmatch(r"[\w-]+", key):
        raise ValueError("must be one of the site's languages, a key of its [languages] such as \"en\"")
    return key


def _permalink(value: Any) -> str:
    pattern = _nonempty_text(value)
    pattern = PERMALINK_STYLES.get(pattern, pattern)
    if not pattern.startswith("/"):
        raise ValueError("must start with \"/\" or be one of " + ", ".join(PERMALINK_STYLES))
    return pattern


@dataclass(frozen=True)
class AnyKeys:
    """A table whose keys the user names (``[hugo.shortcodes]``), each value checked by ``check``."""

    check: Checker


def _jinja_snippet(value: Any) -> str:
    """A small Jinja template, parsed here so that a mistake is named with its key before any post is read."""
    import jinja2

    if not isinstance(value, str):
        raise ValueError("must be a Jinja template (text)")
    try:
        jinja2.Environment().parse(value)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"is not a Jinja template: {exc.message}") from None
    return value


# The schema of syndicate.toml: a key maps to a checker, a table to a dict.
SCHEMA: dict[str, Any] = {
    "title": _nonempty_text,
    "url": _absolute_url,
    "description": _text,
    "language": _language,
    "timezone": _timezone,
    "author": _author,
    "posts_dir": _relative_dir,
    "output_dir": _relative_dir,
    "state_dir": _relative_dir,
    "templates_dir": _relative_dir,
    "permalink": _permalink,
    "excerpt_separator": _separator,
    "feed": {
        "limit": _positive_int,
        "full_content": _boolean,
        "categories": _boolean,
        "tags": _boolean,
        "icon": _site_image,
        "logo": _site_image,
        "hubs": _http_urls,
        "archives": _boolean,
        "languages": _boolean,
        "authors": _boolean,
        "extra": _extra_feeds,
        "page": _boolean,
    },
    "digest": {
        "days": _positive_int,
        "order": _one_of("newest", "oldest"),
        "subject": _nonempty_text,
        "preheader": _text,
        "full_content": _boolean,
        "list_tool": _one_of(*LIST_TOOLS),
        "unsubscribe_url": _link,
        "unsubscribe_mailto": _mailto,
        "logo": _site_image,
        "intro": _text,
        "intro_dir": _nonempty_text,
        "contents_after": _positive_int,
        "utm": {key: _nonempty_text for key in ("source", "medium", "campaign", "term", "content")},
        "schedule": {"cadence": _one_of(*CADENCES), "weekday": _weekday, "time": _clock_time, "day": _month_day,
                     "days": _period_days, "start": _first_day},
        "send": _boolean,
        "catch_up": _boolean,
        "language": _language_key,
    },
    "email": {"from": _one_line, "to": _one_line, "reply_to": _one_line, "list_id": _list_id,
              "postal_address": _text},
    "smtp": {
        "host": _one_line,
        "port": _port,
        "security": _one_of("starttls", "ssl", "none"),
        "username": _text,
        "password_env": _env_name,
        "timeout": _positive_int,
    },
    "publish": {"lock_timeout": _positive_int},
    # Beside a Hugo configuration only: a site's own shortcode → the snippet it renders as.
    "hugo": {"shortcodes": AnyKeys(_jinja_snippet)},
}
REQUIRED = ("title", "url")


def host_title(url: str) -> str:
    """A feed's title when the site's generator gives none: its URL's host."""
    return urlsplit(url).netloc or url


def _shown(value: Any) -> str:
    """A value as the user wrote it, for error messages."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def check_table(data: dict, schema: dict, source: str, prefix: str = "") -> tuple[dict, list[str]]:
    """Convert ``data`` by ``schema``; return the values and every problem found.

    Unknown keys are problems too: a misspelt key silently falling back to its
    default is the worst kind of configuration bug.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        name = prefix + key
        rule = schema.get(key)
        if rule is None:
            problems.append(f"{source}: unknown key {name}")
        elif isinstance(rule, (dict, AnyKeys)):
            if not isinstance(value, dict):
                problems.append(f"{source}: {name} must be a table, got {_shown(value)}")
                continue
            rules = rule if isinstance(rule, dict) else {item: rule.check for item in value}
            values[key], more = check_table(value, rules, source, name + ".")
            problems += more
        else:
            try:
                values[key] = rule(value)
            except ValueError as exc:
                problems.append(f"{source}: {name} {exc}, got {_shown(value)}")
    return values, problems


def load_site(root: Path, output_dir: Path | None = None) -> Site:
    """Read the configuration of the site in ``root``.

    A Jekyll ``_config.yml``, else a Hugo configuration, is read as Jekyll or
    Hugo reads it, so that an existing site works with zero setup; a
    ``syndicate.toml`` beside it adds and overrides syndicate's own options
    (its digest, email and SMTP settings, or any other), unless it says
    ``standalone = true``: then, as on a site with neither, it alone
    configures the site, with syndicate's own rules for posts and ids.
    ``output_dir`` (from ``--out``) overrides the configured one. Raises
    ConfigError naming every bad key.
    """
    root = root.resolve()
    toml_path = root / CONFIG_NAME
    toml = _read_toml(toml_path) if toml_path.is_file() else None
    problems: list[str] = []
    standalone = toml.pop("standalone", False) if toml is not None else False
    if standalone not in (True, False):
        problems.append(f"{CONFIG_NAME}: standalone must be true or false, got {_shown(standalone)}")
    generator = None if standalone is True else _generator_config(root)
    jekyll: dict | None = None
    hugo: dict | None = None
    if generator is not None:
        data, jekyll, hugo, found, source = generator
        problems += found
        values, more = check_table(data, SCHEMA, source)
        if toml is not None:
            overrides, more_here = check_table(toml, SCHEMA, CONFIG_NAME)
            values, more, source = _overlaid(values, overrides), more + more_here, CONFIG_NAME
            if jekyll is not None and "url" in overrides:  # the ids follow it too: url, base path included
                jekyll["url"], jekyll["baseurl"] = overrides["url"], ""
        if hugo is not None:
            # What the Hugo configuration lacks and syndicate.toml does not give either.
            problems += [message for option, message in hugo.pop("needs").items() if option not in (toml or {})]
            if "title" not in values and "url" in values:
                values["title"] = host_title(values["url"])
                hugo["notices"] += (Notice(f"no title: the feeds are titled {_shown(values['title'])}, as Hugo "
                                           "gives them none; set title in the Hugo configuration to choose",
                                           hugo["config_files"][0]),)
    elif toml is not None:
        values, more = check_table(toml, SCHEMA, CONFIG_NAME)
        more += [f"{CONFIG_NAME}: {key} is required" for key in REQUIRED if key not in toml]
        source = CONFIG_NAME
    else:
        raise ConfigError(f"no {CONFIG_NAME}, {JEKYLL_CONFIG_NAME} or hugo.toml (config.toml, config/_default/) "
                          f"in {root}")
    problems += more
    problems += _schedule_problems(values.get("digest", {}).get("schedule", {}), source, problems)
    hugo_options = values.pop("hugo", {})
    if hugo_options and hugo is None:
        problems.append(f"{CONFIG_NAME}: [hugo] is read only beside a Hugo configuration (without standalone = true)")
    problems += _digest_language_problems(values.get("digest", {}).get("language"), hugo)
    if problems:
        # One line per problem, but a single error: the file is fixed as a whole.
        raise ConfigError("\n".join(problems))

    _build_sections(values)
    values["feed"] = _feed_images(values["feed"], values["url"])
    values["digest"] = replace(values["digest"], logo=_absolute_image(values["digest"].logo, values["url"]))
    dirs = ("posts_dir", "output_dir", "state_dir", "templates_dir")
    for key in dirs:
        if key in values:
            values[key] = root / values[key]
    if output_dir is not None:
        values["output_dir"] = output_dir.resolve()
    defaults = {key: root / getattr(Site, key) for key in dirs if key not in values}
    if jekyll is not None:
        from syndicate.sources.jekyll import JekyllConfig, absolute_base

        url, baseurl = jekyll.pop("url"), jekyll.pop("baseurl")
        values["notices"] = jekyll.pop("notices")
        values["jekyll"] = JekyllConfig(absolute_base=absolute_base(url, baseurl), **jekyll)
    if hugo is not None:
        from syndicate.sources.hugo import HugoConfig

        values["notices"] = hugo.pop("notices")
        values["hugo"] = HugoConfig(**hugo, shortcodes=tuple(sorted(hugo_options.get("shortcodes", {}).items())))
    return Site(root=root, config_file=source, **defaults, **values)


def _digest_language_problems(language: str | None, hugo: dict | None) -> list[str]:
    """``digest.language``: one of a Hugo site's languages, turned on; else the one problem saying why not."""
    if language is None:
        return []
    if hugo is None:
        return [f"{CONFIG_NAME}: digest.language is read only beside a Hugo configuration, whose languages it "
                f"names (without standalone = true), got {_shown(language)}"]
    languages = hugo["languages"]
    if language not in languages:
        return [f"{CONFIG_NAME}: digest.language must be one of the site's languages ("
                + ", ".join(languages) + f"), got {_shown(language)}"]
    if language in hugo.get("disabled_languages", ()):
        return [f"{CONFIG_NAME}: digest.language names a language the site turns off (disabled or "
                f"disableLanguages), got {_shown(language)}"]
    return []


def _table_at(config: Mapping, *keys: str) -> Mapping:
    """The table at ``keys`` in a configuration (``markup.goldmark.renderer``); empty when any of them is none."""
    for key in keys:
        config = config.get(key) if isinstance(config, Mapping) else None
    return config if isinstance(config, Mapping) else {}


def _generator_config(root: Path) -> tuple[dict, dict | None, dict | None, list[str], str] | None:
    """The site generator's configuration, read as it reads it: Jekyll's, else Hugo's; None for neither.

    Returns syndicate's options from it, the JekyllConfig or HugoConfig
    fields, the problems found, and the file to name in messages.
    """
    if (root / JEKYLL_CONFIG_NAME).is_file():
        data, jekyll, problems = _read_jekyll(root / JEKYLL_CONFIG_NAME)
        return data, jekyll, None, problems, JEKYLL_CONFIG_NAME
    from syndicate.sources.hugo import config_files, environment  # not imported for a Jekyll site

    # The environment `hugo` builds in (production, unless HUGO_ENVIRONMENT says otherwise): its config/<env>/.
    hugo_environment = environment(os.environ)
    hugo_files = config_files(root, hugo_environment)
    if hugo_files:
        data, hugo, problems = _read_hugo(root, hugo_files, hugo_environment)
        return data, None, hugo, problems, hugo["config_files"][0]
    return None


def _overlaid(values: dict, overrides: dict) -> dict:
    """``values`` with ``overrides`` put over them, table by table (``[digest]`` keeps what it does not say)."""
    merged = dict(values)
    for key, value in overrides.items():
        table = merged.get(key)
        merged[key] = {**table, **value} if isinstance(value, dict) and isinstance(table, dict) else value
    return merged


def _build_sections(values: dict) -> None:
    """Replace the checked tables in ``values`` by their dataclasses."""
    values["feed"] = FeedConfig(**values.get("feed", {}))
    digest = dict(values.get("digest", {}))
    if "schedule" in digest:
        digest["schedule"] = Schedule(**digest["schedule"])
    values["digest"] = DigestConfig(**digest)
    email = dict(values.get("email", {}))
    if "from" in email:
        email["from_address"] = email.pop("from")
    values["email"] = EmailConfig(**email)
    values["smtp"] = SmtpConfig(**values.get("smtp", {}))
    values["publish"] = PublishConfig(**values.get("publish", {}))


def _absolute_image(image: str, site_url: str) -> str:
    """An image setting as an absolute URL: a path is relative to the site's URL, as a post's image."""
    return image if not image or urlsplit(image).scheme else join_url(site_url, image.lstrip("/"))


def _feed_images(feed: FeedConfig, site_url: str) -> FeedConfig:
    """``feed.icon`` and ``feed.logo`` as absolute URLs."""
    return replace(feed, icon=_absolute_image(feed.icon, site_url), logo=_absolute_image(feed.logo, site_url))


def _read_text(path: Path) -> str:
    """A configuration file's text; ConfigError with the line of a byte that is not UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", path.name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                          path.name, line) from None


def _read_toml(path: Path) -> dict:
    text = _read_text(path)
    try:
        return safe_yaml.toml_loads(text)
    except safe_yaml.TooDeep as exc:
        raise ConfigError(f"not valid TOML: {exc}", path.name, exc.line) from None
    except tomllib.TOMLDecodeError as exc:
        # "Expected '=' (at line 3, column 6)" → "syndicate.toml:3: ... (column 6)"
        found = re.search(r" \(at line (\d+), (column \d+)\)$", str(exc))
        message = str(exc)[:found.start()] + f" ({found.group(2)})" if found else str(exc)
        raise ConfigError(f"not valid TOML: {message}", path.name, int(found.group(1)) if found else None) from None


def _read_jekyll(path: Path) -> tuple[dict, dict, list[str]]:
    """Read a Jekyll ``_config.yml`` as Jekyll (and jekyll-feed) read it.

    Returns the values of syndicate's own options, under syndicate's names
    (checked by SCHEMA as syndicate.toml's are), the fields of the site's
    JekyllConfig (with its raw ``url`` and ``baseurl``), and the problems
    found in Jekyll-only keys.
    """
    import yaml

    from syndicate.sources.jekyll import (DEFAULT_EXCLUDES, DEFAULT_INCLUDES, FEED_PATH, POSTS_LIMIT, beside,
                                          body_inputs_digest, pages_url, sites_own_file)

    try:
        # Jekyll accepts a key said twice (the last wins), so this does too.
        config = safe_yaml.load(_read_text(path), unique_keys=False) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path.name, line) from None
    if not isinstance(config, dict):
        raise ConfigError("must be a mapping of settings", path.name)

    source = path.name
    problems: list[str] = []
    notices: list[Notice] = []

    def given(key: str) -> Any:
        value = config.get(key)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    data: dict[str, Any] = {"posts_dir": "_posts"}
    # jekyll-feed's title is "site.title | default: site.name"; its lang is
    # site.lang, and themes (minimal-mistakes) keep it as locale.
    for key, jekyll_keys in [("title", ("title", "name")), ("description", ("description",)),
                             ("timezone", ("timezone",)), ("language", ("lang", "locale"))]:
        value = next((given(k) for k in jekyll_keys if given(k) is not None), None)
        if value is not None:
            data[key] = value
    if "timezone" in data and not _known_zone(data["timezone"]):
        # Jekyll puts it in TZ, and Ruby (glibc) reads a name it does not know as UTC.
        notices.append(Notice(f"timezone {_shown(data['timezone'])} is not a time zone name, so Jekyll reads "
                              "times as UTC, and so does syndicate; set an IANA name such as \"Asia/Seoul\"",
                              source, _key_line(path, "timezone")))
        data["timezone"] = "UTC"
    author = given("author")
    body_inputs = body_inputs_digest(path.parent)
    if isinstance(author, str):
        # jekyll-feed's entries: "site.data.authors[author] | default: author".
        author = _data_author(path.parent, body_inputs, author) or author
    if isinstance(author, dict) and not (isinstance(author.get("name"), str) and author["name"].strip()):
        author = None  # a theme's author block left unfilled ("name:" empty): no site author
    if author is not None:
        data["author"] = author
    # Kept as written: Jekyll's own "\n\n" splits at the first blank line.
    if config.get("excerpt_separator") not in (None, ""):
        data["excerpt_separator"] = config["excerpt_separator"]

    # The posts' URL template: collections.posts.permalink, else the site's
    # permalink (a style name, Jekyll's default "date"). Jekyll puts a "/"
    # before a template that has none; a collection's is never a style name.
    collections = config.get("collections")
    posts_collection = collections.get("posts") if isinstance(collections, dict) else None
    collection_permalink = posts_collection.get("permalink") if isinstance(posts_collection, dict) else None
    if isinstance(collection_permalink, str) and collection_permalink.strip():
        data["permalink"] = "/" + collection_permalink.strip().lstrip("/")
    else:
        permalink = given("permalink") or "date"
        if isinstance(permalink, str) and permalink.strip() not in PERMALINK_STYLES:
            permalink = "/" + permalink.strip().lstrip("/")
        data["permalink"] = permalink

    url, baseurl = given("url"), config.get("baseurl")
    baseurl = "" if baseurl is None else str(baseurl)
    if url is None:
        try:
            found = pages_url(path.parent, config.get("repository"))
        except (OSError, ValueError) as exc:
            problems.append(str(exc))
            found = None
        if found is not None:
            url, pages_baseurl, _ = found
            if pages_baseurl and baseurl.strip() in ("", "/"):
                baseurl = pages_baseurl
        elif not any(problem.startswith("CNAME:") for problem in problems):
            problems.append(f'{source}: url is required: set url: "https://…" in {source} '
                            "(or add a CNAME file, or an origin remote on github.com)")
    if url is not None:
        data["url"] = str(url).rstrip("/") + "/" + baseurl.strip("/")
        if "title" not in data:
            # jekyll-feed then writes a feed without a title, which Atom does not allow.
            data["title"] = host_title(data["url"])
            notices.append(Notice(f"no title (or name): the feeds are titled {_shown(data['title'])}, "
                                  "as jekyll-feed gives them none; set title: to choose", source))

    jekyll: dict[str, Any] = {"url": str(url or ""), "baseurl": baseurl, "body_inputs": body_inputs,
                              "future": config.get("future") not in (None, False)}
    feed = config.get("feed")
    feed = feed if isinstance(feed, dict) else {}
    limit = feed.get("posts_limit")
    try:
        data["feed"] = {"limit": POSTS_LIMIT if limit is None else SCHEMA["feed"]["limit"](limit)}
    except ValueError as exc:
        problems.append(f"{source}: feed.posts_limit {exc}, got {_shown(limit)}")
    excerpt_only = feed.get("excerpt_only")
    if excerpt_only is not None:
        if isinstance(excerpt_only, bool):
            data.setdefault("feed", {})["full_content"] = not excerpt_only  # entries without <content>
        else:
            problems.append(f"{source}: feed.excerpt_only must be true or false, got {_shown(excerpt_only)}")
    # syndicate's own, beside jekyll-feed's keys (which has none of them), checked as syndicate.toml's are.
    for key in ("icon", "logo", "hubs", "archives", "languages", "authors", "extra", "page"):
        if feed.get(key) is not None:
            data.setdefault("feed", {})[key] = feed[key]
    # jekyll-feed's normalize_posts_meta: feed.collections.posts' path and categories come first.
    feed_collections = _feed_collections(feed.get("collections"), source, problems)
    posts_meta = feed_collections.pop("posts", {})
    feed_path = posts_meta.get("path") or feed.get("path")
    if feed_path is not None:
        shown = feed_path
        feed_path = feed_path.strip().lstrip("/") if isinstance(feed_path, str) else ""
        parts = feed_path.split("/")
        if not feed_path or any(part in ("", ".", "..") for part in parts) or "\\" in feed_path:
            problems.append(f"{source}: feed.path must be a path in the site such as feed.xml, got {_shown(shown)}")
        else:
            jekyll["feed_path"] = feed_path
    jekyll.setdefault("feed_path", FEED_PATH)
    if sites_own_file(path.parent, jekyll["feed_path"]):
        # The site's own feed page is what subscribers read.
        jekyll["own_feed_page"] = True
        notices.append(Notice(
            f"the site has its own feed page at {jekyll['feed_path']}, which jekyll-feed leaves alone, and so does "
            f"syndicate: its Atom feed goes to {beside(jekyll['feed_path'], 'atom')} "
            "(its ids are jekyll-feed's, not the page's: syndicate check --against shows what readers would see)",
            jekyll["feed_path"]))
    categories = posts_meta.get("categories") or feed.get("categories")
    if categories is not None:
        if isinstance(categories, list) and all(isinstance(c, (str, int)) for c in categories):
            jekyll["feed_categories"] = tuple(str(c) for c in categories)
        else:
            problems.append(f"{source}: feed.categories must be a list of categories, got {_shown(categories)}")
    tags = feed.get("tags")
    if tags:
        tags = tags if isinstance(tags, dict) else {}
        only, left_out = tags.get("only"), tags.get("except") or []
        folder = str(tags.get("path") or "/feed/by_tag/").strip("/") + "/"
        if (only is not None and not isinstance(only, list)) or not isinstance(left_out, list) or ".." in folder:
            problems.append(f"{source}: feed.tags must be true or a mapping with only, except and path lists, "
                            f"got {_shown(feed.get('tags'))}")
        else:
            jekyll["feed_tags"] = (None if only is None else tuple(map(str, only)), tuple(map(str, left_out)),
                                   folder)

    collections_dir = config.get("collections_dir") or ""
    if not isinstance(collections_dir, str) or ".." in collections_dir.split("/") or "\\" in collections_dir:
        problems.append(f"{source}: collections_dir must be a folder of the site, got {_shown(collections_dir)}")
        collections_dir = ""
    jekyll["collections_dir"] = collections_dir = collections_dir.strip().strip("/")
    jekyll["collections"] = _collections(config, feed_collections, collections_dir, source, problems)

    for key, default, added in (("exclude", (), DEFAULT_EXCLUDES), ("include", DEFAULT_INCLUDES, ())):
        value = config.get(key)
        if value is None:
            value = list(default)
        elif not isinstance(value, list):
            problems.append(f"{source}: {key} must be a list, got {_shown(value)}")
            value = []
        # Jekyll joins each pattern to the site folder: "/docs" is the site's docs/.
        patterns = [str(v).lstrip("/") or "/" for v in value if v is not None]
        jekyll[key] = tuple(dict.fromkeys(patterns + list(added)))
    jekyll["defaults"] = _front_matter_defaults(config.get("defaults"))
    jekyll["notices"] = tuple(notices)  # the Site's, not the JekyllConfig's: load_site moves them
    return data, jekyll, problems


def _read_hugo(root: Path, files: list[Path], environment: str) -> tuple[dict, dict, list[str]]:
    """Read a Hugo site's configuration as Hugo 0.111 reads it, in ``environment`` (its ``config/<environment>/``).

    Returns the values of syndicate's own options under syndicate's names
    (checked by SCHEMA as syndicate.toml's are), the fields of the site's
    HugoConfig (with its notices), and the problems found, each naming the
    file and Hugo's key.
    """
    from syndicate.sources.hugo import (GOLDMARK_SETTINGS, PERMALINK_KINDS, UNLIMITED, ConfigFileError, Goldmark,
                                        check_permalink, date_sources, disabled_kinds, key_path, kinds_without_rss,
                                        list_titles, merged, parse_config_file, rss_limit, scalar_params)

    read: list[tuple[Path, dict]] = []
    origin: dict[str, str] = {}  # a top-level key → the last file that set it (the one that counts), for messages
    for path in files:
        shown = path.relative_to(root).as_posix()
        try:
            data = parse_config_file(path, _read_text(path))
        except ConfigFileError as exc:
            raise ConfigError(str(exc), shown, exc.line) from None
        read.append((path, data))
        place = key_path(root, path)
        for key in (place[:1] if place else (str(k).lower() for k in data)):
            origin[key] = shown
    config = merged(root, read)
    first = files[0].relative_to(root).as_posix()
    problems: list[str] = []
    notices: list[Notice] = []

    def checked(key: str, value: Any, shown_key: str, check: Checker, into: dict, name: str) -> None:
        """``value`` into ``into[name]`` when ``check`` takes it; else a problem naming Hugo's key and its file."""
        try:
            check(value)
        except ValueError as exc:
            problems.append(f"{origin.get(key, first)}: {shown_key} {exc}, got {_shown(value)}")
        else:
            into[name] = value

    params = config.get("params") if isinstance(config.get("params"), dict) else {}
    data: dict[str, Any] = {}
    for key, shown_key, name in (("title", "title", "title"), ("timezone", "timeZone", "timezone")):
        if config.get(key) not in (None, ""):
            checked(key, config[key], shown_key, SCHEMA[name], data, name)
    # A CI build often gives the real baseURL (hugo --baseURL) to a site configured with "/":
    # syndicate.toml's url is the way to give it here, so a problem only if that does not.
    needs: dict[str, str] = {}
    where = f"{origin.get('baseurl', first)}: baseURL"
    if config.get("baseurl") in (None, ""):
        needs["url"] = f"{where} is required; set it, or url = \"https://…\" in {CONFIG_NAME} beside it"
    else:
        try:
            data["url"] = SCHEMA["url"](config["baseurl"])
        except ValueError as exc:
            needs["url"] = (f"{where} {exc}, got {_shown(config['baseurl'])}; set url = \"https://…\" in "
                            f"{CONFIG_NAME} beside it (hugo --baseURL is not read)")
    default_language = str(config.get("defaultcontentlanguage") or "en").lower()
    languages = config.get("languages")
    hugo_languages = tuple(str(key).lower() for key in languages) if isinstance(languages, dict) and languages \
        else (default_language,)
    language = config.get("languagecode") or config.get("defaultcontentlanguage")
    if language not in (None, ""):
        key = "languagecode" if config.get("languagecode") else "defaultcontentlanguage"
        checked(key, language, "languageCode" if key == "languagecode" else "defaultContentLanguage",
                _language, data, "language")
    if params.get("description") not in (None, ""):
        checked("params", params["description"], "params.description", _text, data, "description")
    author = params.get("author") or config.get("author")
    if author not in (None, "", {}):
        try:
            _author(author)
            data["author"] = author
        except ValueError as exc:
            notices.append(Notice(f"author {exc}, got {_shown(author)}; the feeds name no site author",
                                  origin.get("params" if params.get("author") else "author", first)))
    for key, shown_key, name in (("contentdir", "contentDir", "posts_dir"),
                                 ("publishdir", "publishDir", "output_dir")):
        if config.get(key) not in (None, ""):
            checked(key, config[key], shown_key, _relative_dir, data, name)
    data.setdefault("posts_dir", "content")
    hugo: dict[str, Any] = {"config_files": tuple(p.relative_to(root).as_posix() for p in files),
                            "content_dir": _folder_name(data["posts_dir"]), "environment": environment,
                            "languages": hugo_languages, "default_language": default_language,
                            "default_in_subdir": config.get("defaultcontentlanguageinsubdir") is True}
    git_info = config.get("enablegitinfo")
    if git_info is not None:
        checked("enablegitinfo", git_info, "enableGitInfo", _boolean, hugo, "git_info")
    if hugo.pop("git_info", False):
        from syndicate.sources.gitinfo import head_commit

        # The commit is an input: a new one is a new configuration (sources/inputs.py).
        hugo["git_commit"], why = head_commit(root)
        if why:
            notices.append(Notice(f"enableGitInfo: {why}; lastmod (and any [frontmatter] :git date) comes from "
                                  "the next source", origin.get("enablegitinfo", first)))
    goldmark: dict[str, Any] = {}
    for setting in GOLDMARK_SETTINGS:
        *tables, name = setting.metadata["key"].lower().split(".")
        value = _table_at(config, "markup", "goldmark", *tables).get(name)
        if isinstance(value, Mapping):  # Hugo 0.112's tables (typographer): disable = true turns it off
            disable = value.get("disable")
            value = not disable if isinstance(disable, bool) else disable
        if value is not None:
            choices = setting.metadata["choices"]
            checked("markup", value, "markup.goldmark." + setting.metadata["key"],
                    _one_of(*choices) if choices else _boolean, goldmark, setting.name)
    hugo["goldmark"] = Goldmark(**goldmark)
    if isinstance(languages, dict):
        # Each language's own title and languageCode: its feeds' (/en/index.xml's).
        own = {str(key).lower(): value for key, value in languages.items() if isinstance(value, dict)}
        disabled = config.get("disablelanguages")
        disabled = {str(key).lower() for key in disabled} if isinstance(disabled, list) else set()
        hugo["disabled_languages"] = tuple(sorted(disabled | {key for key, value in own.items()
                                                              if value.get("disabled") is True}))
        hugo["language_titles"], hugo["language_codes"] = (
            tuple((key, str(value[name])) for key, value in own.items() if isinstance(value.get(name), str)
                  and value[name].strip()) for name in ("title", "languagecode"))
        folders = {}
        for key, value in own.items():
            if value.get("contentdir") not in (None, ""):
                checked("languages", value["contentdir"], f"languages.{key}.contentDir", _relative_dir, folders, key)
        if folders:
            hugo["language_dirs"] = _language_dirs(hugo_languages, default_language, hugo["content_dir"],
                                                   folders, origin.get("languages", first), notices)

    limit, key = rss_limit(config)
    if limit is None or (isinstance(limit, int) and not isinstance(limit, bool) and limit <= 0):
        data["feed"] = {"limit": UNLIMITED}  # Hugo's default: every page
    else:
        feed: dict = {}
        checked(key, limit, "services.rss.limit" if key == "services" else "rssLimit", _positive_int, feed, "limit")
        data["feed"] = feed
    summary_length = config.get("summarylength")
    if summary_length is not None:
        if isinstance(summary_length, bool) or not isinstance(summary_length, int) or summary_length < 0:
            problems.append(f"{origin.get('summarylength', first)}: summaryLength must be a whole number of words, "
                            f"got {_shown(summary_length)}")
        else:
            hugo["summary_length"] = summary_length
    ugly = config.get("uglyurls")
    if ugly is not None:
        checked("uglyurls", ugly, "uglyURLs", _boolean, hugo, "ugly_urls")
    permalinks = config.get("permalinks")
    if permalinks is not None:
        if not isinstance(permalinks, dict):
            problems.append(f"{origin.get('permalinks', first)}: permalinks must be a table of sections and "
                            f"patterns, got {_shown(permalinks)}")
        else:
            where = origin.get("permalinks", first)
            # Hugo 0.115's tables by kind ([permalinks.page] posts = …) beside, or instead of, 0.111's flat one.
            kinds = {kind: table for kind, table in permalinks.items()
                     if kind in PERMALINK_KINDS and isinstance(table, dict)}
            flat = {f"permalinks.{section}": pattern for section, pattern in permalinks.items() if section not in kinds}
            pages = {**flat, **{f"permalinks.page.{section}": pattern
                                for section, pattern in kinds.get("page", {}).items()}}
            patterns = []
            for key, pattern in sorted(pages.items()):
                try:
                    patterns.append((key.rpartition(".")[2], check_permalink(pattern)))
                except ValueError as exc:
                    problems.append(f"{where}: {key} {exc}, got {_shown(pattern)}")
            hugo["permalinks"] = tuple(patterns)
            moved = [kind for kind in PERMALINK_KINDS[1:] if kinds.get(kind)]
            if moved:
                notices.append(Notice(f"permalinks.{moved[0]} (Hugo 0.115) moves list pages and their feeds; "
                                      "syndicate writes those feeds where Hugo 0.111 does (/posts/index.xml, "
                                      "/tags/<tag>/index.xml), not at the moved paths", where))
    taxonomies = config.get("taxonomies")
    if taxonomies is not None:
        if not isinstance(taxonomies, dict) or not all(isinstance(v, str) for v in taxonomies.values()):
            problems.append(f"{origin.get('taxonomies', first)}: taxonomies must be a table such as "
                            f"tag = \"tags\", got {_shown(taxonomies)}")
        else:
            hugo["taxonomies"] = tuple(sorted((singular, plural.lower()) for singular, plural in taxonomies.items()))
    hugo["no_rss"], hugo["terms_disabled"] = kinds_without_rss(config), "term" in disabled_kinds(config)
    # The titles of the sections' (and terms') _index files, their feeds' titles: read with the configuration.
    hugo["list_titles"] = list_titles(root, hugo["content_dir"], hugo_languages, default_language)
    sections = params.get("mainsections", config.get("mainsections"))
    if sections is not None:
        sections = [sections] if isinstance(sections, str) else sections
        if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
            problems.append(f"{origin.get('params', first)}: mainSections must be a list of sections, "
                            f"got {_shown(sections)}")
        else:
            hugo["main_sections"] = tuple(sections)
    if config.get("frontmatter") is not None:
        checked("frontmatter", config["frontmatter"], "frontmatter", date_sources, hugo, "dates")
        if "dates" in hugo:
            hugo["dates"] = date_sources(hugo["dates"])
    hugo["params"] = scalar_params(params)
    hugo["notices"] = tuple(notices)
    hugo["needs"] = needs
    return data, hugo, problems


def _folder_name(value: Any) -> str:
    """A content folder as the site's files are named under it: "content", "content/en" (no "./", no "/" at the end)."""
    import posixpath

    return posixpath.normpath(str(value).replace("\\", "/")).strip("/")


def _language_dirs(languages: tuple[str, ...], default: str, content_dir: str, own: dict[str, Any], where: str,
                   notices: list[Notice]) -> tuple[tuple[str, str], ...]:
    """Each language's content folder, its own ``contentDir`` else the site's; a notice for one inside another's.

    Hugo 0.111 reads a file in both languages when one's folder holds the
    other's (``content`` and ``content/en``), two pages at one URL;
    syndicate reads it once, in the language of the deepest folder.
    """
    found = tuple((language, _folder_name(own[language]) if language in own else content_dir)
                  for language in languages)
    for language, folder in found:
        outer = next(((other, place) for other, place in found if folder.startswith(place + "/")), None)
        if outer is not None:
            notices.append(Notice(f"{folder}, the content folder of {language}, is inside {outer[1]}, the folder "
                                  f"of {outer[0]}: Hugo reads its pages in both languages, syndicate in {language} "
                                  "only; give each language a folder of its own", where))
    return found


def _data_author(root: Path, body_inputs: str, key: str) -> dict | None:
    """The entry of ``_data/authors`` named ``key``: its name and email, as jekyll-feed uses them."""
    from syndicate.sources.jekyll import site_variables

    authors = site_variables(root, body_inputs)["data"].get("authors")
    found = authors.get(key) if isinstance(authors, dict) else None
    if not isinstance(found, dict):
        return None
    return {field: found[field] for field in ("name", "email") if field in found}


def _known_zone(value: Any) -> bool:
    try:
        _timezone(value)
    except ValueError:
        return False
    return True


def _key_line(path: Path, key: str) -> int | None:
    """The line of a top-level key in a YAML file, where it can be found."""
    pattern = re.compile(rf"^[\"']?{re.escape(key)}[\"']?\s*:")
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _feed_collections(value: Any, source: str, problems: list[str]) -> dict[str, dict]:
    """``feed.collections`` as jekyll-feed reads it: a list of labels, or labels mapped to ``path`` and ``categories``."""
    if value is None:
        return {}
    if isinstance(value, list) and all(isinstance(label, str) for label in value):
        return {label: {} for label in value}
    if isinstance(value, dict) and all(isinstance(meta, dict) or meta is None for meta in value.values()):
        return {str(label): dict(meta or {}) for label, meta in value.items()}
    problems.append(f"{source}: feed.collections must be a list of collections, or a mapping of them to "
                    f"path and categories, got {_shown(value)}")
    return {}


def _collections(config: dict, wanted: dict[str, dict], collections_dir: str, source: str,
                 problems: list[str]) -> tuple:
    """The collections jekyll-feed gives a feed, besides the posts (``feed.collections``)."""
    from syndicate.sources.jekyll import Collection, collection_permalink

    declared = config.get("collections")
    if isinstance(declared, list):  # "collections: [notes, recipes]"
        declared = {str(label): {} for label in declared if isinstance(label, (str, int))}
    declared = declared if isinstance(declared, dict) else {}
    style = str(config.get("permalink") or "date").strip()
    found = []
    for label, meta in wanted.items():
        path, categories = meta.get("path"), meta.get("categories") or []
        if not re.fullmatch(r"[\w.-]+", label) or label.startswith("."):
            problems.append(f"{source}: feed.collections has {_shown(label)}, which is not a collection name")
            continue
        if path is not None and (not isinstance(path, str) or ".." in path.split("/") or not path.strip("/")):
            problems.append(f"{source}: feed.collections.{label}.path must be a path in the site, got {_shown(path)}")
            continue
        if not isinstance(categories, list):
            problems.append(f"{source}: feed.collections.{label}.categories must be a list, got {_shown(categories)}")
            continue
        own = declared.get(label) if isinstance(declared.get(label), dict) else {}
        permalink = own.get("permalink")
        permalink = ("/" + permalink.strip().lstrip("/") if isinstance(permalink, str) and permalink.strip()
                     else collection_permalink(style))
        folder = f"{collections_dir}/_{label}" if collections_dir else f"_{label}"
        found.append(Collection(label, folder, (path or f"feed/{label}.xml").strip("/"), tuple(map(str, categories)),
                                permalink, documents=label in declared))
    return tuple(found)


# Jekyll's old singular type names in a defaults scope.
DEFAULT_TYPES = {"post": "posts", "page": "pages", "draft": "drafts"}


def _front_matter_defaults(sets: Any) -> tuple[Default, ...]:
    """The ``defaults:`` sets Jekyll uses: each a mapping with a mapping of values (others it skips)."""
    from syndicate.sources.jekyll import Default

    if not isinstance(sets, list):
        return ()
    found = []
    for entry in sets:
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            continue
        scope = entry.get("scope") if isinstance(entry.get("scope"), dict) else {}
        kind = scope.get("type")
        kind = DEFAULT_TYPES.get(str(kind), str(kind)) if kind is not None else None
        path = scope.get("path")
        found.append(Default(path if isinstance(path, str) else "", kind, entry["values"]))
    return tuple(found)
