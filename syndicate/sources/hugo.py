"""Hugo's own rules, for a site configured by ``hugo.toml`` (or ``config.*``, ``config/_default/``) alone.

A Hugo blog's readers are subscribed to Hugo's ``/index.xml`` (and a
section's, a tag's, a category's ``index.xml``), and their feed readers know
each post by its permalink, Hugo's ``<guid>``. To take over such a site
without showing every post again, syndicate computes what Hugo 0.111 (the
version Debian ships, the tests' oracle) computes:

- the configuration: the first of ``hugo.toml|yaml|json`` and
  ``config.toml|yaml|json`` at the site root, then the files of
  ``config/_default/``, then those of ``config/<environment>/``
  (``production`` unless ``HUGO_ENVIRONMENT`` or ``HUGO_ENV`` says
  otherwise), each over what came before (``params.yaml`` is the ``params``
  table, ``hugo.*``/``config.*`` there the root), keys read whatever their case;
- which files are pages: content files under ``content/`` (or each
  language's own ``contentDir``); ``_index.*`` is a list page, not a post;
  ``name.LANG.md`` is ``name`` in the language LANG when the site has it,
  else it is in its folder's language (another language's pages are under
  its prefix, ``/en/``, and in its own feeds); in a leaf bundle (a folder with an ``index.*``)
  the index is the page and every other file, Markdown too, is one of its
  resources; a page with ``_build: {list: never}`` is only in its terms'
  feeds, ``list: local`` only in its section's and terms', and a headless
  bundle or a page with ``render: never`` in none;
- a page's section: the first folder under ``content/``, or a deeper folder
  with an ``_index.*`` (a nested section);
- URLs: the front matter's ``url``, else the section's ``[permalinks]``
  pattern with Hugo's tokens, else the page's path (``slug`` in place of the
  file name), urlized and lower-cased as Hugo does, ``.html`` for
  ``uglyURLs`` (a leaf bundle's resources then in a folder of the page's
  name, ``resources_url``);
- dates: ``date`` (else ``publishDate``, else ``lastmod``), out from
  ``publishDate`` (else the date), gone after ``expiryDate``; with
  ``enableGitInfo``, ``lastmod`` from git first (``syndicate.sources.gitinfo``).

Nothing here reads a file but ``config_files``, ``parse_config_file`` and
``list_titles`` (the ``_index.*`` files' titles, read with the
configuration); ``in_leaf_bundle`` and ``sections_of`` ask whether a folder
has an ``index.*`` or ``_index.*``. Hugo's feeds of sections and terms, their
titles and the order of their pages are ``feed_groups``, ``section_title``
and ``page_order``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# The project configuration files Hugo 0.111 looks for, the first found winning.
CONFIG_NAMES = tuple(f"{stem}.{suffix}" for stem in ("hugo", "config") for suffix in ("toml", "yaml", "yml", "json"))
CONFIG_DIR = "config/_default"
CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
# What a build (``hugo``, not ``hugo server``) runs in, unless HUGO_ENVIRONMENT or HUGO_ENV says otherwise.
DEFAULT_ENVIRONMENT = "production"
CONTENT_SUFFIXES = (".md", ".markdown", ".html", ".htm")
# Hugo's defaults when the configuration says nothing.
DEFAULT_TAXONOMIES = (("category", "categories"), ("tag", "tags"))
SUMMARY_LENGTH = 70
# services.rss.limit (rssLimit) of -1 or 0: every page. A feed's limit is a
# number everywhere else (the incremental layer adds to it), so "every" is this.
UNLIMITED = 2 ** 31 - 1
# The tokens of [permalinks] patterns Hugo 0.111 knows (it refuses others), and Hugo 0.144's two, which name
# what :filename does (a leaf bundle's folder, else the file's name): sites built by a newer Hugo use them.
PERMALINK_TOKEN = re.compile(r":([a-z]+)")
KNOWN_TOKENS = frozenset({"year", "month", "monthname", "day", "weekday", "weekdayname", "yearday", "section",
                          "sections", "title", "slug", "slugorfilename", "filename", "contentbasename",
                          "slugorcontentbasename"})
# Hugo 0.115's [permalinks] tables by kind of page: "page" holds the sections' patterns of pages, as the
# flat table does; the others move list pages (and their feeds), which syndicate leaves where 0.111 has them.
PERMALINK_KINDS = ("page", "section", "taxonomy", "term")
# Where a page's dates come from ([frontmatter]): front-matter keys (lower-cased) or
# Hugo's ":filename" (a YYYY-MM-DD- prefix), ":filemodtime" and ":git" (the
# last commit of the file, with enableGitInfo). Each kind's ":default" is Hugo
# 0.111's list, but for lastmod's last resort, the date: an entry's updated is its date then.
DEFAULT_DATES = (
    ("date", ("date", "publishdate", "pubdate", "published", "lastmod", "modified")),
    ("publishdate", ("publishdate", "pubdate", "published", "date")),
    ("lastmod", (":git", "lastmod", "modified")),
    ("expirydate", ("expirydate", "unpublishdate")),
)
FILENAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[-_](.+))?")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


def _goldmark(key: str, default: Any, *choices: str) -> Any:
    """A ``Goldmark`` setting: its key under ``markup.goldmark`` as Hugo's documentation spells it, its default."""
    return field(default=default, metadata={"key": key, "choices": choices})


@dataclass(frozen=True)
class Goldmark:
    """The ``markup.goldmark`` settings that change a body, each with Hugo 0.111's default.

    Each is declared here once: ``config`` reads every field at its key
    (a true/false, or one of its choices), and ``render.goldmark`` renders
    with them.
    """

    unsafe: bool = _goldmark("renderer.unsafe", False)  # raw HTML kept (else "<!-- raw HTML omitted -->")
    hard_wraps: bool = _goldmark("renderer.hardWraps", False)  # a line break is a <br>
    xhtml: bool = _goldmark("renderer.xhtml", False)  # <br />, <hr />, <input … />
    typographer: bool = _goldmark("extensions.typographer", True)  # curly quotes, dashes, ellipses
    linkify: bool = _goldmark("extensions.linkify", True)  # bare URLs, www. and e-mail addresses as links
    linkify_protocol: str = _goldmark("extensions.linkifyProtocol", "https", "https", "http")  # www.x's scheme
    footnote: bool = _goldmark("extensions.footnote", True)
    definition_list: bool = _goldmark("extensions.definitionList", True)
    task_list: bool = _goldmark("extensions.taskList", True)
    strikethrough: bool = _goldmark("extensions.strikethrough", True)
    table: bool = _goldmark("extensions.table", True)
    auto_heading_id: bool = _goldmark("parser.autoHeadingID", True)
    auto_heading_id_type: str = _goldmark("parser.autoHeadingIDType", "github", "github", "github-ascii",
                                          "blackfriday")
    attribute_title: bool = _goldmark("parser.attribute.title", True)  # ## Title {#id .class}
    attribute_block: bool = _goldmark("parser.attribute.block", False)  # {.class} under a paragraph, list…


GOLDMARK_SETTINGS = tuple(fields(Goldmark))


@dataclass(frozen=True)
class HugoConfig:
    """What a Hugo site's configuration says beyond syndicate's own options."""

    config_files: tuple[str, ...]  # the files read, relative to the site, in the order they were merged
    content_dir: str = "content"
    environment: str = DEFAULT_ENVIRONMENT  # whose config/<environment>/ was read
    # Each language's content folder (its own contentDir, else content_dir), when any language has one
    # of its own: (language, folder from the site root). Empty: every page is under content_dir.
    language_dirs: tuple[tuple[str, str], ...] = ()
    permalinks: tuple[tuple[str, str], ...] = ()  # (section, pattern)
    ugly_urls: bool = False
    taxonomies: tuple[tuple[str, str], ...] = DEFAULT_TAXONOMIES  # (singular, plural)
    summary_length: int = SUMMARY_LENGTH
    main_sections: tuple[str, ...] = ()  # params.mainSections; empty: Hugo's rule (the largest section)
    # The site's [params] of one value (text, number, true/false), keys lower-cased: the param shortcode's.
    params: tuple[tuple[str, Any], ...] = ()
    dates: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_DATES  # [frontmatter], ":default" expanded
    # The site's languages (the keys of [languages], lower-cased), and defaultContentLanguage: a
    # content file named name.LANG.md is a page in LANG (in the default one without it).
    languages: tuple[str, ...] = ("en",)
    default_language: str = "en"
    # defaultContentLanguageInSubdir: the default language's pages and feeds are under /LANG/ too.
    default_in_subdir: bool = False
    # Languages turned off ([languages.en] disabled = true, disableLanguages): their pages are in no feed.
    disabled_languages: tuple[str, ...] = ()
    # Each language's own title and languageCode ([languages.en] title, languageCode), where it sets them.
    language_titles: tuple[tuple[str, str], ...] = ()
    language_codes: tuple[tuple[str, str], ...] = ()
    # markup.goldmark: how a body's Markdown is rendered.
    goldmark: Goldmark = Goldmark()
    # syndicate.toml's [hugo.shortcodes]: (a site's shortcode, the Jinja snippet it renders as).
    shortcodes: tuple[tuple[str, str], ...] = ()
    # enableGitInfo: the commit the site's repository is at (its files' ":git" dates are that commit's
    # history); "" when git info is off or cannot be had (no git, no repository).
    git_commit: str = ""
    # The kinds of list pages ("home", "section", "taxonomy", "term") with no RSS feed: disableKinds, [outputs].
    no_rss: tuple[str, ...] = ()
    terms_disabled: bool = False  # disableKinds = ["term"]: no term pages, so none in a taxonomy's feed of terms
    # Each list page's _index file: (its folder under the content folder, its language, its title or "").
    list_titles: tuple[tuple[str, str, str], ...] = ()

    def date_sources(self, kind: str) -> tuple[str, ...]:
        """Where a page's ``kind`` of date ("date", "publishdate", "lastmod", "expirydate") comes from, in order."""
        return next(sources for name, sources in self.dates if name == kind)

    def permalink_of(self, section: str) -> str | None:
        """The ``[permalinks]`` pattern of a (first-level) section, if the site gives one."""
        return next((pattern for name, pattern in self.permalinks if name == section), None)

    def language_of(self, stem: str, folder_language: str | None = None) -> tuple[str, str]:
        """A content file's name (without its extension) as Hugo reads it: (its name without the language, the language).

        ``first.ko`` is ``first`` in Korean when ``ko`` is one of the site's
        languages; ``release.v2`` is ``release.v2``, in its folder's language
        (``folder_language``), else the default one.
        """
        base, dot, suffix = stem.rpartition(".")
        if dot and base and suffix.lower() in self.languages:
            return base, suffix.lower()
        return stem, folder_language or self.default_language

    def page_language(self, name: str) -> str:
        """The language of the page in the file ``name`` (``content/en/posts/first.md``, ``…/first.en.md``: ``en``).

        A language in the file's name wins over its folder's, as in Hugo 0.111.
        """
        return self.language_of(Path(name).stem, self.folder_language(self.content_root(name)))[1]

    def content_folders(self) -> tuple[str, ...]:
        """The folders pages are read from, relative to the site: one per language folder, none inside another."""
        folders = sorted({folder for _, folder in self.language_dirs} or {self.content_dir})
        return tuple(folder for folder in folders
                     if not any(folder.startswith(other + "/") for other in folders if other != folder))

    def content_root(self, name: str) -> str:
        """The content folder of the file ``name`` (from the site root): the deepest language folder holding it."""
        if not self.language_dirs:
            return self.content_dir
        holding = [folder for _, folder in self.language_dirs if name.startswith(folder + "/")]
        return max(holding, key=len) if holding else self.content_dir

    def folder_language(self, folder: str) -> str:
        """The language of a content folder's pages that name none: the default one if it reads it, else its first."""
        owners = [language for language, own in self.language_dirs if own == folder]
        return self.default_language if not owners or self.default_language in owners else owners[0]

    def prefix(self, language: str) -> str:
        """Where a language's pages and feeds are on the site: "" for the default one (unless in a subdir), "en/"."""
        return "" if language == self.default_language and not self.default_in_subdir else f"{language}/"

    def language_code(self, language: str) -> str | None:
        """A language's own ``languageCode``, else None (the site's then, for the default language; the key else)."""
        return next((code for key, code in self.language_codes if key == language), None)

    def language_title(self, language: str) -> str | None:
        """A language's own ``title`` ([languages.en] title), else None: the site's."""
        return next((title for key, title in self.language_titles if key == language), None)

    def index_stems(self, stem: str) -> tuple[str, ...]:
        """``stem`` (``index``, ``_index``) and its names in each of the site's languages (``index.ko``)."""
        return (stem, *(f"{stem}.{language}" for language in self.languages))

    def taxonomy(self, plural: str) -> bool:
        """Whether the site has the taxonomy ``plural`` ("tags", "categories"): Hugo writes its feeds."""
        return any(name == plural for _, name in self.taxonomies)

    def writes_rss(self, kind: str) -> bool:
        """Whether Hugo writes the RSS feeds of a kind of list page: "home", "section", "taxonomy", "term"."""
        return kind not in self.no_rss

    def list_title(self, folder: str, language: str, default: str) -> str:
        """A list page's title: its ``_index`` file's (none there: ""), else ``default``, as Hugo titles it."""
        return next((title for where, lang, title in self.list_titles if where == folder and lang == language),
                    default)


# --- the configuration ----------------------------------------------------


def environment(variables: Mapping[str, str]) -> str:
    """The environment a ``hugo`` build runs in: ``HUGO_ENVIRONMENT``, else ``HUGO_ENV``, else production.

    As Hugo 0.111 reads them: a ``HUGO_ENVIRONMENT`` that is set but empty
    means production, whatever ``HUGO_ENV`` says.
    """
    if "HUGO_ENVIRONMENT" in variables:
        return variables["HUGO_ENVIRONMENT"].strip() or DEFAULT_ENVIRONMENT
    return variables.get("HUGO_ENV", "").strip() or DEFAULT_ENVIRONMENT


def config_files(root: Path, environment: str = DEFAULT_ENVIRONMENT) -> list[Path]:
    """The files of a Hugo site's configuration in the order Hugo merges them; empty when it is no Hugo site.

    The root file, then ``config/_default/``'s files, then those of
    ``config/<environment>/``, each folder's by name.
    """
    found = next((root / name for name in CONFIG_NAMES if (root / name).is_file()), None)
    folders = [root / CONFIG_DIR]
    if environment not in ("_default", ".", "..") and not set("/\\") & set(environment):
        folders.append(root / "config" / environment)
    extra = [path for folder in folders if folder.is_dir() for path in sorted(folder.iterdir())
             if path.suffix in CONFIG_SUFFIXES and path.is_file()]
    return ([found] if found else []) + extra


class ConfigFileError(ValueError):
    """A configuration file that does not parse: the message, and its line where known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse_config_file(path: Path, text: str) -> dict:
    """One configuration file's settings; ConfigFileError when it is not TOML, YAML or JSON as its name says."""
    from syndicate.sources import safe_yaml

    suffix = path.suffix
    try:
        if suffix == ".toml":
            data = safe_yaml.toml_loads(text)
        elif suffix == ".json":
            data = json.loads(text) if text.strip() else {}
        else:
            data = safe_yaml.load(text, unique_keys=False) or {}
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r" \(at line (\d+), (column \d+)\)$", str(exc))
        raise ConfigFileError(f"not valid TOML: {str(exc)[:found.start()] if found else exc}",
                              int(found.group(1)) if found else None) from None
    except json.JSONDecodeError as exc:
        raise ConfigFileError(f"not valid JSON: {exc.msg}", exc.lineno) from None
    except safe_yaml.TooDeep as exc:
        raise ConfigFileError(f"too deeply nested: {exc}", exc.line) from None
    except Exception as exc:  # yaml.YAMLError, without importing yaml for a TOML site
        if type(exc).__module__.split(".")[0] != "yaml":
            raise
        mark = getattr(exc, "problem_mark", None)
        raise ConfigFileError(f"not valid YAML: {getattr(exc, 'problem', exc)}",
                              mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise ConfigFileError("must be a mapping of settings")
    return data


def lower_keys(value: Any) -> Any:
    """``value`` with the keys of every mapping in it lower-cased, as Hugo reads its configuration and front matter."""
    if isinstance(value, Mapping):
        return {str(key).lower(): lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lower_keys(item) for item in value]
    return value


def key_path(root: Path, path: Path) -> tuple[str, ...]:
    """Where a configuration file's settings go in the whole: () for the root table.

    The root file and a config folder's ``hugo.*``/``config.*`` are the root
    table; another file of a config folder is the table of its name
    (``params.toml`` is ``[params]``), and one with a language in its name
    that language's (``params.en.toml`` is ``[languages.en.params]``,
    ``menus.en.toml`` its ``menus``), as Hugo 0.111 places them.
    """
    if path.parent == root or path.stem.lower() in ("hugo", "config"):
        return ()
    name, dot, language = path.stem.lower().rpartition(".")
    if not dot:
        return (language,)
    if name in ("params", "menu", "menus"):
        return ("languages", language, "menus" if name.startswith("menu") else name)
    return ("languages", language)


def merged(root: Path, files: list[tuple[Path, dict]]) -> dict:
    """The settings of a site's configuration files, merged as Hugo 0.111 merges them.

    ``files`` in ``config_files``' order, each one's settings put over those
    before it, table by table: ``config/_default/`` over the root file (where
    both set a key, Hugo 0.111 takes ``config/_default/``'s), then
    ``config/production/`` over both; in a folder, by file name.
    """
    result: dict = {}
    for path, data in files:
        data = lower_keys(data)
        for key in reversed(key_path(root, path)):
            data = {key: data}
        _put(result, data)
    return result


def _put(target: dict, source: Mapping) -> None:
    """Put what ``source`` has over ``target``, table by table: a table merges into a table, other values replace."""
    for key, value in source.items():
        if isinstance(target.get(key), dict) and isinstance(value, Mapping):
            _put(target[key], value)
        else:
            target[key] = value


def date_sources(table: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``[frontmatter]`` as Hugo reads it, each kind's ``:default`` expanded; ValueError naming the kind at fault."""
    if not isinstance(table, Mapping):
        raise ValueError("must be a table such as date = [\":filename\", \":default\"]")
    unknown = sorted(set(table) - {kind for kind, _ in DEFAULT_DATES})
    if unknown:
        raise ValueError(f"has {unknown[0]}, which is none of " + ", ".join(kind for kind, _ in DEFAULT_DATES))
    found = []
    for kind, default in DEFAULT_DATES:
        sources = table.get(kind, [":default"])
        sources = [sources] if isinstance(sources, str) else sources
        if not isinstance(sources, list) or not all(isinstance(source, str) for source in sources):
            raise ValueError(f"{kind} must be a list of front-matter keys and :filename, :fileModTime, :default")
        expanded: list[str] = []
        for source in (source.strip().lower() for source in sources):
            expanded += default if source == ":default" else [source]
        found.append((kind, tuple(dict.fromkeys(expanded))))
    return tuple(found)


def scalar_params(params: Mapping) -> tuple[tuple[str, Any], ...]:
    """The ``[params]`` that hold one value (not a table or list), sorted, as the ``param`` shortcode reads them."""
    return tuple(sorted((key, value) for key, value in params.items()
                        if isinstance(value, (str, int, float, bool)) and not isinstance(value, datetime)))


def rss_limit(config: Mapping) -> tuple[Any, str]:
    """``services.rss.limit``, else the older ``rssLimit`` (None when neither is set), and the key that set it."""
    services = config.get("services")
    rss = services.get("rss") if isinstance(services, Mapping) else None
    limit = rss.get("limit") if isinstance(rss, Mapping) else None
    return (config.get("rsslimit"), "rsslimit") if limit is None else (limit, "services")


def check_permalink(pattern: Any) -> str:
    """A ``[permalinks]`` pattern; ValueError naming a token Hugo does not know."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError("must be a URL pattern such as \"/:year/:month/:slug/\"")
    unknown = [token for token in PERMALINK_TOKEN.findall(pattern) if token not in KNOWN_TOKENS]
    if unknown:
        raise ValueError(f"has :{unknown[0]}, which Hugo does not know (it knows "
                         + ", ".join(":" + t for t in sorted(KNOWN_TOKENS)) + ")")
    return pattern.strip()


# --- pages ----------------------------------------------------------------


@lru_cache(maxsize=4096)  # a site's sections and terms recur on many pages
def urlize(text: str) -> str:
    """A path part as Hugo makes it (``MakePathSanitized``): spaces become "-", other punctuation goes, lower case.

    Letters, digits and marks are kept, and ``. _ - # + ~ @ /``; runs of
    spaces and hyphens become one hyphen.
    """
    out: list[str] = []
    hyphen = False
    for character in unicodedata.normalize("NFC", text.strip()):
        if character.isalnum() or unicodedata.category(character).startswith("M") or character in "._#+~@/%":
            if hyphen:
                out.append("-")
                hyphen = False
            out.append(character)
        elif character == "-" or character.isspace():
            hyphen = bool(out)
    return "".join(out).lower()


def escaped(path: str) -> str:
    """A site path as it goes into a URL (Hangul and spaces percent-encoded)."""
    return quote(path, safe="/:@!$&'()*+,;=-._~%")


def content_parts(name: str, content_dir: str) -> list[str] | None:
    """The folders and file of a page under the content folder (``name``: from the site root); None elsewhere."""
    prefix = content_dir.strip("/") + "/"
    return name[len(prefix):].split("/") if name.startswith(prefix) else None


def is_bundle_index(stem: str) -> bool:
    """Whether a content file's name (without its extension) is a leaf bundle's index: ``index``, ``index.ko``."""
    return stem.partition(".")[0] == "index"


def has_index(hugo: HugoConfig, folder: str, stem: str) -> bool:
    """Whether ``folder`` holds a content file named ``stem`` (``index``, ``_index``), in any of the site's languages."""
    return any(os.path.isfile(os.path.join(folder, name + suffix))
               for name in hugo.index_stems(stem) for suffix in CONTENT_SUFFIXES)


def in_leaf_bundle(site_root: Path, hugo: HugoConfig, parts: list[str], content_dir: str) -> bool:
    """Whether the file at ``parts`` (under its content folder, ``content_dir``) is a resource of a leaf bundle.

    The index itself is the bundle's page, not a resource.
    """
    folder = os.path.join(site_root, content_dir)
    folders = parts[:-1]
    for depth, part in enumerate(folders):
        folder = os.path.join(folder, part)
        is_own_index = depth == len(folders) - 1 and is_bundle_index(Path(parts[-1]).stem)
        if not is_own_index and has_index(hugo, folder, "index"):
            return True
    return False


def sections_of(site_root: Path, hugo: HugoConfig, parts: list[str], content_dir: str) -> list[str]:
    """A page's sections, outermost first: the first folder, then each deeper folder with an ``_index.*``.

    ``parts``: the page's path under its content folder, ``content_dir``
    (``HugoConfig.content_root``: a language's own, else the site's). A leaf bundle's own folder
    is the page, not a section. A page at the top of the content folder has none.
    """
    folders = parts[:-1]
    if is_bundle_index(Path(parts[-1]).stem) and folders:
        folders = folders[:-1]
    if not folders:
        return []
    sections = [folders[0]]
    folder = os.path.join(site_root, content_dir, folders[0])
    for part in folders[1:]:
        folder = os.path.join(folder, part)
        if not has_index(hugo, folder, "_index"):
            break
        sections.append(part)
    return sections


@dataclass(frozen=True)
class PagePath:
    """What a page's URL is made of."""

    sections: tuple[str, ...]  # outermost first
    folders: tuple[str, ...]  # the folders between the content folder and the file (a bundle's own excluded)
    filename: str  # the file name without its extension; a leaf bundle's folder name
    slug: str | None  # the front matter's
    title: str
    date: datetime


def page_path(hugo: HugoConfig, page: PagePath, own_url: str | None) -> str:
    """A page's path on the site, without the leading "/", as Hugo 0.111 gives it."""
    if own_url is not None:
        path = own_url.strip().lstrip("/")
        # "/custom" is a folder, "/custom/", as Hugo publishes it; "/custom.html", "/a/b.v2" a file.
        return path if not path or path.endswith("/") or "." in path.rpartition("/")[2] else path + "/"
    pattern = hugo.permalink_of(page.sections[0]) if page.sections else None
    if pattern is not None:
        path = PERMALINK_TOKEN.sub(lambda found: _token(found.group(1), page), pattern)
        path = re.sub("/+", "/", path).lstrip("/")
        if hugo.ugly_urls and path and not path.endswith("/"):
            path += ".html"
        elif path and not path.endswith("/"):
            path += "/"
        return path
    name = urlize(page.slug) if page.slug else urlize(page.filename)
    folder = "/".join(urlize(part) for part in page.folders)
    folder = folder + "/" if folder else ""
    return f"{folder}{name}.html" if hugo.ugly_urls else f"{folder}{name}/"


def _token(token: str, page: PagePath) -> str:
    moment = page.date
    values = {
        "year": lambda: f"{moment.year:04d}",
        "month": lambda: f"{moment.month:02d}",
        "monthname": lambda: MONTHS[moment.month - 1],
        "day": lambda: f"{moment.day:02d}",
        "weekday": lambda: str((moment.weekday() + 1) % 7),  # Go's: Sunday is 0
        "weekdayname": lambda: moment.strftime("%A").lower(),
        "yearday": lambda: str(moment.timetuple().tm_yday),
        "section": lambda: urlize(page.sections[0]) if page.sections else "",
        "sections": lambda: "/".join(urlize(s) for s in page.sections),
        "title": lambda: urlize(page.title),
        "slug": lambda: urlize(page.slug) if page.slug else urlize(page.title),
        "slugorfilename": lambda: urlize(page.slug) if page.slug else urlize(page.filename),
        "filename": lambda: urlize(page.filename),
        "contentbasename": lambda: urlize(page.filename),
        "slugorcontentbasename": lambda: urlize(page.slug) if page.slug else urlize(page.filename),
    }
    return values[token]()


def resources_url(hugo: HugoConfig, name: str, url: str, front_matter: Mapping) -> str:
    """The URL a page's relative links and images are resolved against: where Hugo publishes its bundle's files.

    The page's own URL, but for a leaf bundle on an ``uglyURLs`` site: Hugo
    0.111 publishes ``posts/trip/index.md`` at ``posts/trip.html`` and its
    ``photo.png`` at ``posts/trip/photo.png`` (the page's own ``<img
    src="photo.png">`` points beside the page, where there is none), so
    its files are resolved against ``posts/trip/``. A bundle with its own
    ``url`` has its files where that URL is.
    """
    parts = content_parts(name, hugo.content_root(name)) or []
    bundle = len(parts) > 1 and is_bundle_index(Path(name).stem)
    own_url = any(str(key).lower() == "url" for key in front_matter)
    if hugo.ugly_urls and bundle and not own_url and url.endswith(".html"):
        return url[:-len(".html")] + "/"
    return url


def term_path(plural: str, term: str) -> str:
    """The folder of a taxonomy term's pages and feed: ``tags/two-words``."""
    return f"{urlize(plural)}/{urlize(term)}"


def section_of(hugo: HugoConfig, name: str) -> str:
    """The first-level section of a page (``name``: from the site root); "" for a page at the top."""
    parts = content_parts(name, hugo.content_root(name)) or []
    return parts[0] if len(parts) > 1 else ""


def main_sections(hugo: HugoConfig, names: list[str]) -> set[str]:
    """``mainSections``, else Hugo's rule: the first-level section with the most pages (of ``names``)."""
    if hugo.main_sections:
        return set(hugo.main_sections)
    counts: dict[str, int] = {}
    for name in names:
        section = section_of(hugo, name)
        if section:
            counts[section] = counts.get(section, 0) + 1
    if not counts:
        return set()
    return {min(counts, key=lambda section: (-counts[section], section))}


# --- feeds ----------------------------------------------------------------

# Hugo's home feed; syndicate's Atom feed goes where Hugo writes nothing.
RSS_PATH = "index.xml"
ATOM_PATH = "atom.xml"


def feed_groups(hugo: HugoConfig, site_root: Path, posts: list) -> list[FeedGroup]:
    """Hugo's feeds of sections and terms: one per section with a page, one per term of each of the site's taxonomies.

    ``posts`` are in Hugo's order (``page_order``); each group keeps it. A
    section's feed has the pages listed in it (``list: local`` too, not
    ``list: never``); a term's every page that has the term, whatever its
    ``list`` (Hugo 0.111 lists them there all). Terms that urlize alike
    ("Python", "python") share one feed, labelled as the first page by its
    file's path writes it. Sorted by path.
    """
    groups: dict[str, FeedGroup] = {}
    spellers: dict[str, str] = {}  # each group's page whose spelling labels it: the first by path
    for post in posts:  # in Hugo's order, which each group keeps
        page = post.hugo or PAGE
        root = hugo.content_root(post.name)
        parts = content_parts(post.name, root)
        sections = sections_of(site_root, hugo, parts, root) if parts else []
        found = []
        if sections and page.lists != "never":
            found.append(("/".join(urlize(s) for s in sections), sections[-1], SECTION, ""))
        for plural, terms in page.terms:
            found += [(term_path(plural, term), term, TERM, plural) for term in terms if urlize(term)]
        for folder, label, kind, plural in found:
            group = groups.get(folder)
            if group is None:
                group = groups[folder] = FeedGroup(folder, label, kind, plural, [])
                spellers[folder] = post.name
            elif post.name < spellers[folder]:
                group.label, spellers[folder] = label, post.name
            if not group.posts or group.posts[-1] is not post:  # once, if two of its terms urlize alike
                group.posts.append(post)
    return [groups[folder] for folder in sorted(groups)]


@dataclass
class FeedGroup:
    """One of Hugo's feeds of a list page: a section's or a term's."""

    folder: str  # where it is on the site: "posts", "tags/two-words"
    label: str  # the section's folder name, or the term as first written
    kind: str  # SECTION or TERM
    plural: str  # a term's taxonomy ("tags"); "" for a section
    posts: list  # in Hugo's order


SECTION, TERM = "section", "term"


@dataclass(frozen=True)
class HugoPage:
    """What Hugo's lists and feeds need of a page beyond a Post's own fields."""

    weight: int = 0  # front matter weight; 0 (unset) sorts after every weighted page
    link_title: str = ""  # linkTitle, else the title: Hugo's order breaks ties in date by it
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (taxonomy, the page's terms) for each of the site's taxonomies
    lists: str = "always"  # _build.list: "local" (its section's and terms' feeds), "never" (its terms' feeds only)
    rendered: bool = True  # _build.render: never (or headless): no page, in no feed of ours


PAGE = HugoPage()


def in_site_lists(post) -> bool:
    """Whether a page is in the site's own lists (its home feed): ``_build.list`` is neither local nor never."""
    return post.hugo is None or post.hugo.lists == "always"


# Hugo's date of a page without one: year 1 (Go's zero time.Time), as seconds since 1970.
YEAR_ONE_SECONDS = -62135596800


def page_seconds(post) -> int:
    """A page's date as Hugo compares dates: whole seconds; year 1 for one with no date (syndicate's "first seen")."""
    return YEAR_ONE_SECONDS if post.date_origin == "first seen" else int(post.date.timestamp())


def collation_key(text: str) -> tuple[str, str, str]:
    """Text in about the order Hugo's collator (Unicode's) puts it: letters before case, then accents, lower case first.

    Not all of Unicode's collation: punctuation and digits come in code point order.
    """
    decomposed = unicodedata.normalize("NFD", text)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.casefold(), decomposed.casefold(), text.swapcase()


def page_order(post) -> tuple:
    """Hugo's default order of pages (``DefaultPageSort``), as a sort key: first is first.

    Weighted pages first, by weight (a weight of 0 is none); then the newest,
    to the second; then by linkTitle (else title) as Hugo's collator orders
    text; then by the file's path.
    """
    page = post.hugo or PAGE
    return (page.weight == 0, page.weight, -page_seconds(post), collation_key(page.link_title or post.title),
            post.name.lower(), post.name)


def page_rank(post) -> tuple:
    """``page_order`` reversed, for comparisons that keep the highest: ``a < b`` when ``a`` comes after ``b``.

    Numbers are negated; text becomes its negated code points and a 1
    after them, so that a prefix still comes first.
    """
    def reverse(text: str) -> tuple[int, ...]:
        return (*(-ord(character) for character in text), 1)

    unweighted, weight, seconds, title, lower, name = page_order(post)
    return (-unweighted, -weight, -seconds, tuple(reverse(part) for part in title), reverse(lower), reverse(name))


def front_matter_weight(value: Any) -> int:
    """A page's ``weight`` as Hugo casts it to a whole number; 0 (none) when it is not a number."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def build_options(meta: Mapping, bundle_index: bool) -> tuple[str, bool]:
    """A page's ``_build`` options as Hugo 0.111 reads them: (``list``: "always", "local", "never"; rendered).

    ``list: false`` is "never", ``true`` "always"; ``render: never`` or
    ``false`` is not rendered (``link``: its permalink stays). A headless leaf
    bundle is neither listed nor rendered. ``build`` is the newer name of
    ``_build`` (Hugo 0.111 reads only ``_build``).
    """
    lists, rendered = "always", True
    if bundle_index and meta.get("headless") is True:
        return "never", False
    for key in ("_build", "build"):
        options = meta.get(key)
        if not isinstance(options, Mapping):
            continue
        value = str(options.get("list", "")).lower()
        if value in ("never", "false"):
            lists = "never"
        elif value == "local":
            lists = "local"
        if str(options.get("render", "")).lower() in ("never", "false"):
            rendered = False
    return lists, rendered


def _kind_names(value: Any) -> set[str]:
    """Kinds (or output formats) as a setting lists them, lower-cased; ``taxonomyTerm`` is Hugo's older ``taxonomy``."""
    values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return {"taxonomy" if str(item).lower() == "taxonomyterm" else str(item).lower() for item in values}


def disabled_kinds(config: Mapping) -> set[str]:
    """``disableKinds``: the kinds of pages (and "rss") Hugo makes none of."""
    return _kind_names(config.get("disablekinds"))


def kinds_without_rss(config: Mapping) -> tuple[str, ...]:
    """The kinds of list pages Hugo writes no RSS feed for: ``disableKinds`` (``RSS``: all), ``[outputs]`` without RSS."""
    names = _kind_names
    off = disabled_kinds(config)
    if "rss" in off:
        return FEED_KINDS
    outputs = config.get("outputs")
    if isinstance(outputs, Mapping):
        off |= {kind for kind in names(list(outputs)) if "rss" not in names(outputs.get(kind) or
                                                                             outputs.get("taxonomyterm"))}
    return tuple(kind for kind in FEED_KINDS if kind in off)


FEED_KINDS = ("home", "section", "taxonomy", "term")


def list_titles(root: Path, content_dir: str, languages: tuple[str, ...],
                default_language: str) -> tuple[tuple[str, str, str], ...]:
    """Every list page's title: (its folder as on the site, its language, the title of its ``_index`` file or "").

    A section's feed is titled by it (``content/posts/_index.md``), as a
    term's (``content/tags/diary/_index.md``) and a taxonomy's. An
    ``_index`` file whose front matter does not parse counts as untitled.
    """
    from syndicate.errors import PostError
    from syndicate.sources.postfile import read_post_head, split_front_matter

    top = root / content_dir
    found = []
    for folder, _, files in sorted(os.walk(top)):
        for file in sorted(files):
            stem, suffix = os.path.splitext(file)
            base, _, language = stem.partition(".")
            if base != "_index" or suffix.lower() not in CONTENT_SUFFIXES:
                continue
            language = language.lower() if language.lower() in languages else default_language
            where = "/".join(urlize(part) for part in Path(folder).relative_to(top).parts)
            try:
                meta = lower_keys(split_front_matter(read_post_head(Path(folder, file), file), file,
                                                     space_first=True)[0])
            except (PostError, OSError):
                meta = {}
            title = meta.get("title")
            found.append((where, language, title.strip() if isinstance(title, str) else ""))
    return tuple(found)


# flect's (Hugo's pluralizer's) rules, as English has them: (singular ending, plural ending), longest first.
# A word that already ends in a plural form is left as it is; a section's
# name becomes its feed's title so: "post" → "Posts", "diary" → "Diaries".
PLURAL_WORDS = {
    "aircraft": "aircraft", "alias": "aliases", "analysis": "analyses", "axis": "axes", "basis": "bases",
    "bus": "buses", "crisis": "crises", "curriculum": "curriculums", "datum": "data", "deer": "deer",
    "equipment": "equipment", "fish": "fish", "focus": "foci", "foot": "feet", "fungus": "fungi", "goose": "geese",
    "human": "humans", "index": "indices", "information": "information", "jeans": "jeans", "matrix": "matrices",
    "medium": "media", "money": "money", "mouse": "mice", "news": "news", "ox": "oxen", "photo": "photos",
    "piano": "pianos", "police": "police", "quiz": "quizzes", "rice": "rice", "series": "series", "sheep": "sheep",
    "species": "species", "status": "statuses", "syllabus": "syllabi", "thesis": "theses", "tooth": "teeth",
    "vertex": "vertices", "wife": "wives", "wolf": "wolves", "half": "halves", "fez": "fezzes", "genus": "genera",
    "cactus": "cacti", "criterion": "criteria", "phenomenon": "phenomena", "virus": "viri", "hero": "heroes",
    "campus": "campuses", "child": "children", "person": "people",
}
PLURAL_ENDINGS = sorted([
    ("person", "people"), ("campus", "campuses"), ("child", "children"), ("movie", "movies"), ("media", "media"),
    ("actus", "acti"), ("irus", "iri"), ("atum", "ata"), ("ium", "ia"), ("man", "men"), ("box", "boxes"),
    ("ouse", "ouses"), ("oose", "eese"), ("ife", "ives"), ("afe", "aves"), ("lf", "lves"), ("rf", "rves"),
    ("quy", "quies"), ("ch", "ches"), ("sh", "shes"), ("ss", "sses"), ("tz", "tzes"), ("zz", "zzes"),
    ("ex", "ices"), ("io", "ios"), ("o", "oes"), ("x", "xes"), ("isis", "ises"), ("tus", "tuses"),
    *((consonant + "y", consonant + "ies") for consonant in "bcdfghjklmnpqrstvwxz"),
], key=lambda rule: -len(rule[0]))


def pluralized(word: str) -> str:
    """A name made plural as Hugo 0.111's pluralizer (gobuffalo/flect) makes it, for its last word.

    A known word keeps its capital ("Photo" → "Photos"); an ending rule
    replaces the ending as written in lower case ("Box" → "boxes", as Hugo).
    """
    last = re.split(r"[\s]+|(?<=[^\W_])(?=[A-Z])", word.strip())[-1] if word.strip() else ""
    lower = last.lower()
    if not last or lower in PLURAL_WORDS.values():
        return word
    head = word[:len(word) - len(last)]
    if lower in PLURAL_WORDS:
        plural = PLURAL_WORDS[lower]
        return head + (plural[:1].upper() + plural[1:] if last[:1].isupper() else plural)
    for singular, plural in PLURAL_ENDINGS:
        if lower.endswith(plural):
            return word
        if lower.endswith(singular):
            return head + last[:len(last) - len(singular)] + plural
    return word if lower.endswith("s") else word + "s"


def section_title(name: str) -> str:
    """A section's title when its ``_index`` file gives none (or it has none): its folder's name, capitalised, plural."""
    return pluralized(name[:1].upper() + name[1:])
