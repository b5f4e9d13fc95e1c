"""Jekyll's own rules, for a site configured by ``_config.yml`` alone.

A Jekyll blog's readers are subscribed to jekyll-feed's ``/feed.xml``, and
their feed readers know each post by the id jekyll-feed gave it. To take over
such a site without showing every post again, syndicate must compute what
Jekyll 4.3 and jekyll-feed 0.17 compute, character for character:

- where posts are: every ``_posts`` folder under the site (not in folders
  starting with ``_``, ``.``, ``#`` or ``~``, nor in ``exclude:``); the
  folders above one are the posts' first categories (``reader.rb``,
  ``entry_filter.rb``, ``document.rb``);
- which files are posts: ``YYYY-MM-DD-title.ext`` (``DATE_FILENAME_MATCHER``);
- front matter ``defaults:`` by path and type, the longest path winning
  (``frontmatter_defaults.rb``);
- dates as Ruby's ``Time.parse`` reads them, a YAML timestamp without a zone
  being UTC (Psych), in the site's time zone (``utils.rb``);
- URLs: the permalink template with ``url_drop.rb``'s placeholders, escaped
  and cleaned as ``url.rb`` does, made absolute as the ``absolute_url``
  filter does (Addressable's normalisation);
- the entry id: ``Document#id``, the URL's folder and the slug, made
  absolute the same way.

Nothing here reads a file except ``pages_url`` (CNAME, the git config); the
Site keeps the result, so the fingerprint of every kept result covers it.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from fnmatch import fnmatchcase
from functools import lru_cache
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

# jekyll-feed's defaults: where the posts' feed goes, how many entries it has.
FEED_PATH = "feed.xml"
POSTS_LIMIT = 10
# configuration.rb's DEFAULT_EXCLUDES, added to whatever the site excludes.
DEFAULT_EXCLUDES = (".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
                    "vendor/bundle/", "vendor/cache/", "vendor/gems/", "vendor/ruby/")
DEFAULT_INCLUDES = (".htaccess",)
POSTS_FOLDER = "_posts"
# Document::DATE_FILENAME_MATCHER, on a file name without its extension.
POST_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-(.*)", re.DOTALL)
# EntryFilter: names Jekyll never reads (unless included).
SPECIAL_START = (".", "_", "#", "~")


@dataclass(frozen=True)
class Default:
    """One set of front matter ``defaults:``: a scope and its values."""

    path: str  # as written; "" for every path
    type: str | None  # "posts", "pages", …; None for every type
    values: dict


@dataclass(frozen=True)
class Collection:
    """A collection other than the posts that jekyll-feed gives a feed (``feed.collections``)."""

    label: str  # its name: its documents are in _<label>/ (under collections_dir)
    folder: str  # that folder, from the site root
    feed_path: str  # where its feed goes, relative to the output folder
    categories: tuple[str, ...]  # a feed of each of these too, at feed/<label>/<category>.xml
    permalink: str  # its documents' URL template (collections.<label>.permalink, else Jekyll's default)
    documents: bool = True  # a collection of the site (collections:), whose folder Jekyll reads; else its feed is empty


@dataclass(frozen=True)
class JekyllConfig:
    """What a Jekyll site's ``_config.yml`` says beyond syndicate's own options."""

    # What Jekyll's absolute_url filter puts before a site path: url and
    # baseurl, normalised as Addressable does (so "https://x.com/" and
    # "/blog" give "https://x.com//blog", as jekyll-feed writes them).
    absolute_base: str
    feed_path: str = FEED_PATH  # jekyll-feed's feed.path, relative to the output folder
    future: bool = False  # posts dated after now are published
    defaults: tuple[Default, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    include: tuple[str, ...] = DEFAULT_INCLUDES
    # jekyll-feed's feeds of one category each (feed.categories), written at feed/<category>.xml.
    feed_categories: tuple[str, ...] = ()
    # jekyll-feed's feeds of one tag each (feed.tags): None when off; else
    # (the tags, or None for every tag; the tags left out; the folder).
    feed_tags: tuple[tuple[str, ...] | None, tuple[str, ...], str] | None = None
    # A hash of what every body may read besides its own file (BODY_INPUTS):
    # a part of the Site, so any change to them makes every kept body stale.
    body_inputs: str = ""
    # The site has a file of its own at feed_path (a hand-written feed page):
    # jekyll-feed writes nothing there, and neither does syndicate.
    own_feed_page: bool = False
    # jekyll-feed's feeds of other collections, in the order feed.collections names them.
    collections: tuple[Collection, ...] = ()
    # collections_dir: the folder (from the site root) holding _posts and the collections; "" for the root.
    collections_dir: str = ""

    @property
    def posts_folder(self) -> str:
        """The posts' collection folder, as Jekyll names it (``_posts``, or ``<collections_dir>/_posts``)."""
        return f"{self.collections_dir}/{POSTS_FOLDER}" if self.collections_dir else POSTS_FOLDER

    def collection_of(self, relative: str) -> Collection | None:
        """The collection a file at ``relative`` (from the site root) belongs to; None for a post."""
        return next((c for c in self.collections if relative.startswith(c.folder + "/")), None)

    @property
    def rss_path(self) -> str:
        """Where the RSS feed goes: beside the Atom feed, ``feed.xml`` → ``feed.rss.xml``.

        Derived from ``feed_path``, so it never collides with it, whatever
        ``feed.path`` says; not ``rss.xml`` or ``atom.xml``, names that
        Jekyll sites often give their own hand-written feed pages.
        """
        return beside(self.feed_path, "rss")

    @property
    def atom_path(self) -> str:
        """Where the Atom feed goes: ``feed_path``, unless the site's own page is there (then ``feed.atom.xml``)."""
        return beside(self.feed_path, "atom") if self.own_feed_page else self.feed_path

    def absolute_url(self, path: str) -> str:
        """``path`` (relative to the site) as ``{{ path | absolute_url }}`` gives it."""
        return self.absolute_base + normalized_path(leading_slash(path))

    def reads_folder(self, relative: str, name: str) -> bool:
        """Whether Jekyll looks into a folder of the site (``relative``: its path from the site root)."""
        included = _matches(self.include, relative) or _matches(self.include, name)
        if not included and _matches(self.exclude, relative):
            return False
        return included or not (name.startswith(SPECIAL_START) or name.endswith("~"))

    def excluded(self, relative: str) -> bool:
        """Whether ``exclude:`` leaves out the file at ``relative`` (and ``include:`` does not take it back)."""
        return _matches(self.exclude, relative) and not (
            _matches(self.include, relative) or _matches(self.include, relative.rpartition("/")[2]))

    def exclusions_under(self, folder: str) -> bool:
        """Whether any ``exclude:`` pattern may leave out a file under ``folder`` (a path from the site root).

        The walk asks once per posts folder, so that a site whose patterns
        cannot reach its posts (the usual case) checks no file.
        """
        folder = folder.rstrip("/") + "/"
        return any(_has_glob(pattern) or pattern.startswith(folder) or folder.startswith(pattern)
                   for pattern in self.exclude)


def collection_permalink(permalink_style: str) -> str:
    """A collection's default URL template: ``Utils.add_permalink_suffix("/:collection/:path", style)``."""
    template = "/:collection/:path"
    if permalink_style == "pretty":
        return template + "/"
    if permalink_style in ("date", "ordinal", "none"):
        return template + ":output_ext"
    return (template + ("/" if permalink_style.endswith("/") else "")
            + (":output_ext" if permalink_style.endswith(":output_ext") else ""))


def sites_own_file(root: Path, path: str) -> bool:
    """jekyll-feed's ``file_exists?``: the site has a file of its own where a feed would go, so no feed is written there."""
    return (root / path).is_file()


def beside(feed_path: str, kind: str) -> str:
    """A feed's path beside jekyll-feed's: ``feed.xml`` → ``feed.rss.xml`` (``kind`` "rss") or ``feed.atom.xml``."""
    folder, _, name = feed_path.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return (folder + "/" if folder else "") + f"{stem}.{kind}.xml"


def _has_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[{")


def _matches(patterns: tuple[str, ...], relative: str) -> bool:
    """EntryFilter#glob_include?: a pattern matches as a glob, or as a prefix of the path (or of the folder)."""
    for pattern in patterns:
        if fnmatchcase(relative, pattern) or relative.startswith(pattern) or pattern == relative + "/":
            return True
    return False


# --- the site's URL ---------------------------------------------------------


HOST_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
# An origin remote on GitHub: git@github.com:o/r.git, https://github.com/o/r, ssh://git@github.com/o/r.git
GITHUB_REMOTE = re.compile(r"github\.com[:/]+([\w-]+)/([\w.-]+?)(?:\.git)?/*$")
REPOSITORY = re.compile(r"([\w-]+)/([\w.-]+)")


def pages_url(root: Path, repository: Any = None) -> tuple[str, str | None, str] | None:
    """The URL GitHub Pages serves a site from: (url, baseurl or None, where it came from); None if unknown.

    A ``CNAME`` file at the site root names the domain; else the site's
    repository (``PAGES_REPO_NWO``, which GitHub's builder sets, else the
    ``origin`` remote of the git repository the site is in, else
    ``repository: owner/name`` in _config.yml): ``owner.github.io`` for a
    repository of that name, ``owner.github.io/name`` for any other, as
    jekyll-github-metadata works it out. Raises ValueError for a CNAME file
    that holds no domain name.
    """
    cname = root / "CNAME"
    if cname.is_file():
        lines = [line.strip() for line in cname.read_text(encoding="utf-8-sig", errors="replace").splitlines()]
        domain = next((line for line in lines if line), "")
        if domain:
            if not HOST_NAME.fullmatch(domain):
                raise ValueError(f"CNAME: {domain[:80]!r} is not a domain name such as blog.example.com")
            return "https://" + domain.lower(), None, "CNAME"
    # The repository GitHub Pages builds: what its builder says (PAGES_REPO_NWO),
    # else the checkout's origin remote, and only then _config.yml's
    # "repository", which some themes use for another repository (comments).
    nwo = os.environ.get("PAGES_REPO_NWO", "").strip()
    remote = origin_remote(root)
    for found, source in ((REPOSITORY.fullmatch(nwo), "PAGES_REPO_NWO"),
                          (GITHUB_REMOTE.search(remote) if remote else None, "the git remote origin"),
                          (REPOSITORY.fullmatch(repository.strip()) if isinstance(repository, str) else None,
                           "repository in _config.yml")):
        if found is not None:
            break
    else:
        return None
    owner, name = found.group(1), found.group(2)
    domain = f"{owner}.github.io".lower()
    if name.lower() in (domain, f"{owner}.github.com".lower()):
        return "https://" + domain, None, source
    return "https://" + domain, "/" + name, source


def origin_remote(root: Path) -> str | None:
    """The URL of the ``origin`` remote of the git repository ``root`` is in, read from its config file."""
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        try:
            if dot_git.is_dir():
                git_dir = dot_git
            elif dot_git.is_file():
                # A worktree or a submodule: "gitdir: <path>", relative to the folder.
                line = dot_git.read_text(encoding="utf-8", errors="replace").strip()
                if not line.startswith("gitdir:"):
                    return None
                git_dir = (folder / line[len("gitdir:"):].strip()).resolve()
                common = git_dir / "commondir"
                if common.is_file():
                    git_dir = (git_dir / common.read_text(encoding="utf-8").strip()).resolve()
            else:
                continue
            text = (git_dir / "config").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return remote_url(text, "origin")
    return None


GIT_SECTION = re.compile(r'\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]')


def remote_url(config: str, remote: str) -> str | None:
    """The first ``url`` of ``[remote "<remote>"]`` in a git config file's text."""
    section = None
    for line in config.splitlines():
        line = line.strip()
        found = GIT_SECTION.match(line)
        if found:
            section = (found.group(1).lower(), found.group(2))
            line = line[found.end():].strip()
        if not line or line.startswith(("#", ";")) or section != ("remote", remote):
            continue
        key, equals, value = line.partition("=")
        if equals and key.strip().lower() == "url":
            value = value.strip()
            if value.startswith('"') and value.endswith('"') and len(value) > 1:
                value = value[1:-1]
            return value
    return None


def absolute_base(url: str, baseurl: str) -> str:
    """What Jekyll's ``absolute_url`` puts before a path: Addressable's normal form of url + baseurl.

    The host is lower-cased and a default port dropped; the path keeps a
    trailing "/" of ``url`` before baseurl's "/", as Jekyll joins them.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port is not None and (scheme, parts.port) not in (("http", 80), ("https", 443)):
        host += f":{parts.port}"
    if "@" in parts.netloc:
        host = parts.netloc.rpartition("@")[0] + "@" + host
    base = baseurl[:-1] if baseurl.endswith("/") else baseurl
    return f"{scheme}://{host}" + normalized_path(parts.path + leading_slash(base))


def leading_slash(path: str) -> str:
    """``path`` with a "/" in front, unless it is empty or has one (Jekyll's ``ensure_leading_slash``)."""
    return path if not path or path.startswith("/") else "/" + path


# --- URLs -----------------------------------------------------------------


# Addressable's PCHAR, and "/": what a normalised path keeps as it is.
PATH_SAFE = "/!$&'()*+,;=:@-._~"
_PCHAR = r"A-Za-z0-9!$&'()*+,;=:@._~-"  # the same, less "/", as a regex class's contents (its "-" last)
PLAIN_PATH = re.compile(rf"[/{_PCHAR}]*")
# A plain path with the escapes of bytes above 0x7F, as normalising writes them.
ESCAPED_PATH = re.compile(rf"(?:[/{_PCHAR}]|%[89A-F][0-9A-F])*")
# A last segment that normalising leaves as it is, and that is no dot segment.
PLAIN_SEGMENT = re.compile(rf"(?!\.\.?$)[{_PCHAR}]+")


# What Addressable 2.8's normalize keeps as it is in a query (the rest is
# encoded; "&" splits it, ";" is encoded, "%2B" stays) and in a fragment.
QUERY_SAFE = "!$'()*+,=:@/?-._~"
FRAGMENT_SAFE = "!$&'()*+,;=:@/?-._~"
RESERVED_SAFE = ":/?#[]@!$&'()*+,;=-._~"  # encode_component's default class
ESCAPE_RUN = re.compile(r"((?:%[0-9A-Fa-f]{2})+)")


def normalized_path(path: str) -> str:
    """A site path as Addressable's ``normalize`` writes it (what Jekyll's ``absolute_url`` gives).

    A last segment that needs nothing (and no query or fragment before it)
    comes out as it is, after its folder's normalised path: a site's posts
    share a few hundred folders (categories and dates), each normalised
    once, where their URLs are all different.
    """
    folder, slash, last = path.rpartition("/")
    if slash and PLAIN_SEGMENT.fullmatch(last) and "?" not in folder and "#" not in folder:
        # Any other such segment ("_") goes through every rule as this one
        # does, dot segments too, and comes out as it went in.
        return _normalized(folder + "/_")[:-1] + last
    return _normalized(path)


@lru_cache(maxsize=4096)
def _normalized(path: str) -> str:
    """``normalized_path``, by the rules.

    Each segment decoded, NFKC, encoded again: what is not a path character
    is percent-encoded (upper-case hex), escapes of characters that need none
    are decoded, dot segments are removed, and "//" is kept. A "?" starts the
    query and a "#" the fragment, each normalised as Addressable does, and
    dropped when empty.
    """
    head, _, fragment = path.partition("#")
    head, question, query = head.partition("?")
    if not PLAIN_PATH.fullmatch(head) and not (ESCAPED_PATH.fullmatch(head) and _normal_escapes(head)):
        head = "/".join(map(_normalized_segment, head.split("/")))
    if "/." in head or head.startswith("."):
        head = without_dot_segments(head)
    if question:
        query = normalized_query(query)
        head += "?" + query if query else ""
    if "#" in path:
        fragment = normalize_component(fragment, FRAGMENT_SAFE)
        head += "#" + fragment if fragment else ""
    return head


# A site's URLs share most of their segments (categories, years, months): each is worked out once.
@lru_cache(maxsize=4096)
def _normalized_segment(segment: str) -> str:
    return normalize_component(segment, PATH_SAFE)


def normalized_query(query: str) -> str:
    """Addressable's ``normalized_query``: each ``&``-separated pair normalised, ``%2B`` left encoded."""
    return "&".join(normalize_component(pair, QUERY_SAFE, leave="+") for pair in query.split("&"))


def normalize_component(text: str, safe: str, leave: str = "") -> str:
    """Addressable's ``normalize_component``: escapes decoded (but those of ``leave``), NFKC, encoded again.

    What is not alphanumeric or in ``safe`` is percent-encoded, upper-case;
    an escape of a ``leave`` character stays as written. Text whose escapes
    are not UTF-8 is only encoded where needed, as Addressable falls back to.
    """
    if not ("%" in text or not text.isascii() or _needs_quoting(text, safe)):
        return text
    raw = bytearray()
    for index, part in enumerate(ESCAPE_RUN.split(text)):
        if index % 2 == 0:
            raw += part.encode("utf-8", "surrogateescape")
            continue
        for escape in part[1:].split("%"):
            byte = int(escape, 16)
            raw += ("%" + escape).encode() if chr(byte) in leave else bytes((byte,))
    try:
        decoded = unicodedata.normalize("NFKC", raw.decode("utf-8"))
    except UnicodeDecodeError:
        return quote(bytes(raw), safe=RESERVED_SAFE)
    if not leave:
        return quote(decoded, safe=safe)
    kept = re.compile("(" + "|".join(f"%{ord(c):02X}|%{ord(c):02x}" for c in leave) + ")")
    return "".join(part if index % 2 else quote(part, safe=safe) for index, part in enumerate(kept.split(decoded)))


def _needs_quoting(text: str, safe: str) -> bool:
    return any(not (c.isalnum() or c in safe) for c in text)


def _normal_escapes(path: str) -> bool:
    """Whether a path of ``ESCAPED_PATH`` is normalised already: its escapes are UTF-8 text in NFKC.

    Such escapes (upper-case hex, bytes above 0x7F) are what Jekyll's
    escape_path writes for Hangul; decoding them here, in C, is a tenth of
    decoding and encoding each segment again.
    """
    try:
        text = path.replace("%", "\\x").encode("ascii").decode("unicode_escape").encode("latin-1").decode("utf-8")
    except UnicodeError:
        return False
    return unicodedata.is_normalized("NFKC", text)


def without_dot_segments(path: str) -> str:
    """RFC 3986's remove_dot_segments, which keeps empty segments ("//")."""
    output: list[str] = []
    segments = path.split("/")
    for number, segment in enumerate(segments):
        last = number == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1 or (output and output[0]):
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


UNESCAPED_VALUE = re.compile(r"[a-zA-Z0-9./-]+")
SLASHES = re.compile("/{2,}")


@lru_cache(maxsize=4096)
def escape_path(value: str) -> str:
    """A placeholder's value as ``URL.escape_path`` puts it into a URL."""
    if not value or UNESCAPED_VALUE.fullmatch(value):
        return value
    # Addressable::URI.encode leaves "?" (it starts the query), Jekyll then encodes the first "#".
    return quote(value, safe="/:@!$&'()*+,;=-._~?")


def sanitized_url(url: str) -> str:
    """``URL#sanitize_url``: a leading "/", ".." made "/", "./" removed, runs of "/" made one."""
    url = ("/" + url).replace("..", "/").replace("./", "")
    return SLASHES.sub("/", url) if "//" in url else url


PLACEHOLDER = re.compile(r":([a-z_]+)")


def expand_url(template: str, values: Callable[[str], str | None]) -> str:
    """A permalink template with its ``:placeholders`` filled in, as Jekyll's URL#to_s gives it.

    ``values(name)`` is a placeholder's value, or None for a name Jekyll does
    not know: ValueError then, as Jekyll stops the build.
    """
    pieces = []
    for number, piece in enumerate(_template_pieces(template)):
        if number % 2 == 0:
            pieces.append(piece)
            continue
        value = values(piece)
        if value is None:
            raise ValueError(f"permalink {template!r} has :{piece}, which Jekyll does not know")
        pieces.append(escape_path(value))
    return sanitized_url("".join(pieces))


@lru_cache(maxsize=64)
def _template_pieces(template: str) -> tuple[str, ...]:
    """A permalink template as literal text and placeholder names, by turns (a site has a few templates)."""
    pieces: list[str] = []
    start = 0
    for found in PLACEHOLDER.finditer(template):
        name = found.group(1)
        key = name[:-1] if name.endswith("_") else name  # ":month_:day" is :month, "_", :day
        pieces += [template[start:found.start()], key]
        start = found.start() + 1 + len(key)
    pieces.append(template[start:])
    return tuple(pieces)


def document_id(url: str, slug: str) -> str:
    """``Document#id``: the folder of the post's URL, then its slug (``File.join(File.dirname(url), slug)``)."""
    trimmed = url.rstrip("/")
    folder = trimmed.rpartition("/")[0].rstrip("/") if "/" in trimmed else ""
    return folder + "/" + slug.lstrip("/")


# --- slugs ----------------------------------------------------------------


PRETTY_KEPT = frozenset("._~!$&'()+,;=@")
ASCII_DEFAULT = re.compile(r"[^A-Za-z0-9]+")
ASCII_PRETTY = re.compile(r"[^A-Za-z0-9._~!$&'()+,;=@]+")
NOT_KEPT_RUN = re.compile("\0+")


@lru_cache(maxsize=None)
def _hangul_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Korean and Chinese titles: every character a Hangul syllable, a CJK ideograph (all letters) or ASCII;
    and the runs of other characters that slugify's default and pretty modes replace.

    Compiled when first needed: Python's compiler walks their 32,000
    characters one at a time (4 ms), which a site of ASCII file names
    would pay at the start of every run.
    """
    return (re.compile("[\x00-\x7f\uac00-\ud7a3\u4e00-\u9fff]*"),
            re.compile("[^A-Za-z0-9\uac00-\ud7a3\u4e00-\u9fff]+"),
            re.compile("[^A-Za-z0-9._~!$&'()+,;=@\uac00-\ud7a3\u4e00-\u9fff]+"))


@lru_cache(maxsize=8192)
def _kept(character: str) -> bool:
    """A letter, a mark or a decimal digit: what every slugify mode keeps (\\p{L}, \\p{M}, \\p{Nd})."""
    category = unicodedata.category(character)
    return category[0] in "LM" or category == "Nd"


SLUG_MODES = ("raw", "default", "pretty", "ascii", "latin")
RUBY_SPACES = re.compile("[ \t\r\n\f\v]+")  # Ruby's \s: ASCII white space only
# I18n.transliterate's table for letters NFKD does not take apart.
LATIN = {"Æ": "AE", "æ": "ae", "Ð": "D", "ð": "d", "Ø": "O", "ø": "o", "Þ": "Th", "þ": "th", "ß": "ss",
         "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ĳ": "IJ", "ĳ": "ij", "ĸ": "k", "Ŀ": "L",
         "ŀ": "l", "Ł": "L", "ł": "l", "ŉ": "'n", "Ŋ": "N", "ŋ": "n", "Œ": "OE", "œ": "oe", "Ŧ": "T",
         "ŧ": "t", "ſ": "s", "×": "x"}


@lru_cache(maxsize=8192)
def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify(text, mode:, cased:)``.

    "default": every run of characters that are not letters, marks or decimal
    digits becomes "-"; "pretty" also keeps ``._~!$&'()+,;=@``; "ascii" keeps
    only ASCII letters and digits; "latin" transliterates first, then is
    "default"; "raw" replaces only white space. One "-" is taken off each end;
    lower-cased unless ``cased``. An unknown mode only lower-cases.
    """
    if mode not in SLUG_MODES:
        return text if cased else text.lower()
    if mode == "latin":
        text = transliterated(text)
    pretty = mode == "pretty"
    if mode == "raw":
        slug = RUBY_SPACES.sub("-", text)
    elif mode == "ascii":
        slug = ASCII_DEFAULT.sub("-", text)
    elif text.isascii():
        slug = (ASCII_PRETTY if pretty else ASCII_DEFAULT).sub("-", text)
    elif (hangul := _hangul_patterns())[0].fullmatch(text):
        # Hangul syllables and CJK ideographs are letters: the ASCII rule, with them kept.
        slug = hangul[2 if pretty else 1].sub("-", text)
    else:
        marked = "".join(c if _kept(c) or (pretty and c in PRETTY_KEPT) else "\0" for c in text)
        slug = NOT_KEPT_RUN.sub("-", marked)
    if slug.startswith("-"):
        slug = slug[1:]
    if slug.endswith("-"):
        slug = slug[:-1]
    return slug if cased else slug.lower()


def transliterated(text: str) -> str:
    """Latin letters without their accents, and "?" for any other letter (I18n's default)."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
        elif char in LATIN:
            out.append(LATIN[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if "\u00a0" <= char <= "\u017f" and base.isascii() and base else "?")
    return "".join(out)


def titleized(slug: str) -> str:
    """``Utils.titleize_slug``: the title Jekyll gives a post without one ("my-first-post" → "My First Post")."""
    words = slug.split("-")
    while words and not words[-1]:
        words.pop()  # Ruby's split drops trailing empty fields
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def url_placeholders(moment: datetime, *, slug: str, stem: str, categories: list[str], relative: str,
                     output_ext: str, collection: str = "posts", folder: str = POSTS_FOLDER
                     ) -> Callable[[str], str | None]:
    """``Drops::UrlDrop``: each placeholder's value for one document (None for an unknown name).

    ``slug``: the front matter's slug, else the file name's; ``stem``: the
    file name without its extension; ``relative``: the file's path from the
    site root; ``moment``: the post's date in the site's time zone;
    ``collection``: its collection's label; ``folder``: that collection's folder.
    """
    def value(name: str) -> str | None:
        part = DATE_PARTS.get(name)  # most of a template's placeholders: tried first
        if part is not None:
            return part(moment)
        if name == "title":
            return slugify(slug, "pretty", cased=True)
        if name == "slug":
            return slugify(slug)
        if name == "name":
            return slugify(stem)
        if name == "categories":
            return "/".join(dict.fromkeys(c.lower() for c in categories))
        if name == "slugified_categories":
            return "/".join(dict.fromkeys(slugify(c) for c in categories))
        if name == "output_ext":
            return output_ext
        if name == "collection":
            return collection
        if name == "path":
            # Document#cleaned_relative_path: the collection's folder and the extension taken out.
            cleaned = relative[:len(relative) - len(posixpath.splitext(relative)[1])]
            return cleaned.replace(folder, "", 1).rstrip(".")
        return None

    return value


DATE_PARTS: dict[str, Callable[[datetime], str]] = {
    "year": lambda d: f"{d.year:04d}",
    "month": lambda d: f"{d.month:02d}",
    "day": lambda d: f"{d.day:02d}",
    "hour": lambda d: f"{d.hour:02d}",
    "minute": lambda d: f"{d.minute:02d}",
    "second": lambda d: f"{d.second:02d}",
    "i_day": lambda d: str(d.day),
    "i_month": lambda d: str(d.month),
    "short_month": lambda d: MONTHS[d.month - 1][:3],
    "long_month": lambda d: MONTHS[d.month - 1],
    "short_year": lambda d: f"{d.year % 100:02d}",
    "w_year": lambda d: str(d.isocalendar()[0]),
    "week": lambda d: f"{d.isocalendar()[1]:02d}",
    "w_day": lambda d: str(d.isoweekday()),
    "short_day": lambda d: WEEKDAYS[d.weekday()][:3],
    "long_day": lambda d: WEEKDAYS[d.weekday()],
    "y_day": lambda d: f"{d.timetuple().tm_yday:03d}",
}


# --- front matter ---------------------------------------------------------


def has_liquid(text: str, front_matter: Mapping) -> bool:
    """Whether Jekyll renders Liquid in a document: it has ``{{`` or ``{%`` and no ``render_with_liquid: false``."""
    return front_matter.get("render_with_liquid") is not False and ("{{" in text or "{%" in text)


def categories_from_path(relative: str, folder: str = POSTS_FOLDER) -> list[str]:
    """``Document#categories_from_path``: the folders above ``_posts`` (``es/_posts/x.md`` → ``["es"]``).

    ``folder``: the collection's (a collection's documents are in ``_<label>/`` at the root: none).
    """
    if relative.startswith(folder):
        return []
    above = relative.split(folder, 1)[0]
    basename = relative.rpartition("/")[2]
    return [part for part in above.split("/") if part and part != folder and part != basename]


def defaults_for(defaults: tuple[Default, ...], relative: str, kind: str = "posts") -> dict:
    """``FrontmatterDefaults#all`` for a document of collection ``kind`` at ``relative``: the matching sets' values, merged.

    A set with a longer path wins; with paths of one length, the one with a
    type; otherwise the later one.
    """
    merged: dict = {}
    winner: Default | None = None
    for default in defaults:
        if default.type not in (None, kind) or not _in_scope(default.path, relative):
            continue
        if _precedes(winner, default):
            merged = deep_merged(merged, default.values)
            winner = default
        else:
            merged = deep_merged(default.values, merged)
    return merged


def _in_scope(scope: str, relative: str) -> bool:
    if not scope:
        return True
    if "*" in scope:
        # Jekyll globs the scope in the site folder and takes any match that
        # starts the post's path: the post's own path and its folders are the
        # only existing paths that can.
        pattern = _glob_pattern(scope)
        parts = relative.split("/")
        return any(pattern.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1))
    return relative.startswith(scope)


@lru_cache(maxsize=64)
def _glob_pattern(glob: str) -> re.Pattern:
    """A Ruby ``Dir.glob`` pattern as a regex: ``*`` stays in a folder, ``**/`` crosses folders, ``{a,b}``."""
    out, i = [], 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:[^/.][^/]*/)*")
            i += 3
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            end = glob.find("}", i)
            if end < 0:
                out.append(re.escape(c))
            else:
                out.append("(?:" + "|".join(re.escape(a) for a in glob[i + 1:end].split(",")) + ")")
                i = end
        elif c == "[":
            end = glob.find("]", i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = glob[i + 1:end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def _precedes(old: Default | None, new: Default) -> bool:
    """``FrontmatterDefaults#has_precedence?``: lengths are compared without a leading "/"."""
    if old is None:
        return True
    new_length, old_length = len(new.path.removeprefix("/")), len(old.path.removeprefix("/"))
    if new_length != old_length:
        return new_length >= old_length
    return new.type is not None or old.type is None


def deep_merged(target: Mapping, overwrite: Mapping) -> dict:
    """``Utils.deep_merge_hashes``: mappings merged key by key, a null value keeping the old one."""
    merged = dict(target)
    for key, new in overwrite.items():
        old = merged.get(key)
        if new is None and key in merged:
            continue
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            merged[key] = deep_merged(old, new)
        else:
            merged[key] = new
    return merged


def merged_categories(path_categories: list[str], defaults: Mapping, front_matter: Mapping) -> list:
    """The post's categories as Jekyll gathers them, in order.

    The folders above ``_posts``, then the defaults' and the front matter's
    ``categories`` (a string is split on spaces), each added to the ones
    before (``merge_categories!``), then ``category`` (``populate_categories``).
    """
    categories: list = list(path_categories)
    for source in (defaults, front_matter):
        value = source.get("categories")
        if isinstance(value, str):
            value = value.split()
        if isinstance(value, list):
            categories = _union(categories, value)
    # deep_merged(defaults, front_matter)["category"]: a null in the front matter keeps the default's.
    single = front_matter.get("category")
    if single is None:
        single = defaults.get("category")
    if single is not None:
        categories = _union(categories, single if isinstance(single, list) else [single])
    return [category for category in categories if category is not None]


def _union(first: list, second: list) -> list:
    return list(dict.fromkeys([*first, *second]))


# --- dates ----------------------------------------------------------------


# The shapes of Ruby's Date._parse that posts use: an ISO-like date, a time
# (12-hour too) and a zone right after the time; whatever follows is ignored,
# as Ruby ignores it ("2023-01-29 18:30:22 2023 -0800" is 18:30:22 local).
TIME_TEXT = re.compile(
    r"\s*(\d{4})([-/])(\d{1,2})\2(\d{1,2})"
    r"(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(?:\s*([AaPp])\.?[Mm]\.?(?![A-Za-z]))?"
    r"(?:\s*(Z(?![A-Za-z])|[A-Za-z]+|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?))?)?"
    r"(?![\d:])")
# Time::ZoneOffset: the only zone names Time.parse knows; any other leaves the time local.
ZONE_HOURS = {"UTC": 0, "Z": 0, "UT": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
              "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
              **{letter: hours for hours, letter in enumerate("ABCDEFGHI", 1)},
              **{letter: hours for hours, letter in enumerate("KLM", 10)},
              **{letter: -hours for hours, letter in enumerate("NOPQRSTUVWXY", 1)}}
NUMERIC_ZONE = re.compile(r"([+-])(\d\d)(?:(:?)(\d\d)(?:\3(\d\d))?)?")


def parse_time(text: str, tz: Any) -> datetime:
    """A date written as text, read as Ruby's ``Time.parse`` reads it; naive times are in ``tz``.

    Raises ValueError for text that starts with no date.
    """
    found = TIME_TEXT.match(text)
    if not found:
        raise ValueError("not a date")
    year, _, month, day, hour, minute, second, fraction, half, zone = found.groups()
    hour_number = int(hour or 0)
    if half:
        hour_number = hour_number % 12 + (12 if half in "Pp" else 0)
    moment = datetime(int(year), int(month), int(day), hour_number, int(minute or 0), int(second or 0),
                      int((fraction or "0")[:6].ljust(6, "0")))
    fixed = _fixed_zone(zone) if zone else None
    return moment.replace(tzinfo=tz if fixed is None else fixed)


# A site's posts are written in a few zones: each is read once.
@lru_cache(maxsize=64)
def _fixed_zone(zone: str) -> timezone | None:
    """``Time.zone_offset``: "+09:00", "-0800", "+09", or a name it knows, as a zone; None for any other."""
    numeric = NUMERIC_ZONE.fullmatch(zone)
    if numeric:
        sign = -1 if numeric.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(numeric.group(2)), minutes=int(numeric.group(4) or 0),
                                         seconds=int(numeric.group(5) or 0)))
    hours = ZONE_HOURS.get(zone.upper())
    return None if hours is None else timezone(timedelta(hours=hours))


def post_time(value: Any, tz: Any) -> datetime:
    """A front matter date as Jekyll reads it, in ``tz``. Raises ValueError.

    YAML's timestamps are Psych's: without a zone they are UTC. A date is
    midnight in ``tz``; text goes through ``parse_time``.
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(), tzinfo=tz)
    elif isinstance(value, str):
        moment = parse_time(value, tz)
    else:
        raise ValueError("not a date")
    return moment.astimezone(tz)


# --- what every body of a Jekyll site may read besides its own file ---------------

# Liquid reads _config.yml (site.*), _data/ (site.data) and _includes/ ({% include %}).
BODY_INPUTS = ("_config.yml", "_includes", "_data")
DATA_SUFFIXES = (".yml", ".yaml", ".json", ".csv", ".tsv")


def body_inputs_digest(root: Path) -> str:
    """A SHA-256 of every file in ``BODY_INPUTS``: its path and its bytes (links left out).

    Read on every run with the configuration; these folders are small, and
    hashing their bytes sees an edit that keeps a file's size and mtime.
    """
    digest = hashlib.sha256()
    for name in BODY_INPUTS:
        top = root / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else []
        for path in files:
            if path.is_symlink():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                data = b"?"
            digest.update(path.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


@lru_cache(maxsize=8)
def site_variables(root: Path, body_inputs: str) -> dict:
    """Liquid's ``site``: _config.yml's values, and ``site.data`` from _data/ (YAML, JSON, CSV, TSV).

    Cached by ``body_inputs`` (``body_inputs_digest``), which changes with any
    of those files. A data file that cannot be read is left out; the
    configuration was checked when the site was loaded.
    """
    from syndicate.sources import safe_yaml

    try:
        config = safe_yaml.load((root / "_config.yml").read_text(encoding="utf-8-sig"), unique_keys=False) or {}
    except Exception:  # noqa: BLE001 - load_site has reported any problem with it already
        config = {}
    variables = dict(config) if isinstance(config, dict) else {}
    variables["data"] = _data_folder(root / "_data")
    return variables


def _data_folder(folder: Path) -> dict:
    """``site.data``: each file by its name without suffix, each subfolder a nested mapping."""
    data: dict = {}
    if not folder.is_dir() or folder.is_symlink():
        return data
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            continue
        if path.is_dir():
            data[path.name] = _data_folder(path)
        elif path.suffix.lower() in DATA_SUFFIXES:
            value = _data_file(path)
            if value is not None:
                data[path.stem] = value
    return data


def _data_file(path: Path) -> Any:
    import csv
    import json

    from syndicate.sources import safe_yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
        suffix = path.suffix.lower()
        if suffix == ".json":
            return json.loads(text)
        if suffix in (".csv", ".tsv"):
            return list(csv.DictReader(text.splitlines(), delimiter="\t" if suffix == ".tsv" else ","))
        return safe_yaml.load(text, unique_keys=False)
    except Exception:  # noqa: BLE001 - a broken data file is left out, as the rest of the site still renders
        return None


# --- typography -----------------------------------------------------------------


_SMARTENED = re.compile(r"[-'\".<>&]")  # a title with none of these is its own smartify
_HTML_PIECE = re.compile(r"(<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")
_OPENS_QUOTE = "\\s([{\u201c\u2018\u2014\u2013-"


def _smart_quotes(text: str) -> str:
    text = re.sub(r"(?<=\w)'(?=\w)", "\u2019", text)
    text = re.sub(r"'(?=[0-9]{2}s\b)", "\u2019", text)
    text = re.sub(rf"(?:(?<=^)|(?<=[{_OPENS_QUOTE}]))\"(?=\S)", "\u201c", text)
    text = re.sub(rf"(?:(?<=^)|(?<=[{_OPENS_QUOTE}]))'(?=\S)", "\u2018", text)
    return text.replace('"', "\u201d").replace("'", "\u2019")


def _smart_text(text: str) -> str:
    text = text.replace("---", "\u2014").replace("--", "\u2013")
    text = re.sub(r"\.\.\.|\. \. \.", "\u2026", text)
    return html_escape(_smart_quotes(text), quote=False)


def smartify(text: str) -> str:
    """Jekyll's ``smartify`` (kramdown's SmartyPants), near enough: curly quotes, dashes, ellipses; HTML kept.

    jekyll-feed passes every title through it.
    """
    if not _SMARTENED.search(text):
        return text
    pieces = _HTML_PIECE.split(text)
    return "".join(piece if index % 2 else _smart_text(piece) for index, piece in enumerate(pieces))


# --- jekyll-feed's feeds of a category or a tag ----------------------------------------

TAG_FEED_NAME = re.compile(r"[a-zA-Z0-9_]+")  # jekyll-feed writes tag feeds only for these


def ruby_capitalize(text: str) -> str:
    """Ruby's ``String#capitalize``: the first letter upper case, the rest lower case."""
    return text[:1].upper() + text[1:].lower()


def category_feeds(jekyll: JekyllConfig) -> list[tuple[str, str]]:
    """jekyll-feed's category feeds: (path relative to the output folder, category), as configured."""
    return [(f"feed/{category}.xml", category) for category in jekyll.feed_categories]


def tag_feeds(jekyll: JekyllConfig, tags: list[str]) -> list[tuple[str, str]]:
    """jekyll-feed's tag feeds: (path, tag) for the site's ``tags`` as ``feed.tags`` selects them."""
    if jekyll.feed_tags is None:
        return []
    only, left_out, folder = jekyll.feed_tags
    chosen = [tag for tag in (tags if only is None else only) if tag not in left_out]
    return [(f"{folder}{tag}.xml", tag) for tag in chosen if TAG_FEED_NAME.fullmatch(tag)]
