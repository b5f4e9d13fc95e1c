"""Compare syndicate's feeds with Hugo's on real Hugo sites (run by hand, not by the tests).

    python bench/compare_hugo.py SITE [SITE ...] [--now ISO] [--json] [--examples N] [--keep]

Needs ``hugo`` (Debian's 0.111), feedparser, and syndicate installed. Each SITE is
copied to a temp folder (no .git, public/ or resources/) and built by Hugo with its
built-in RSS template (the site's own ``rss.xml`` templates are set aside: syndicate
writes what Hugo's own template writes) and a single-page layout of ``{{ .Content }}``,
so that a post's page is its body. A theme that is not there (a git submodule not
checked out) is an empty folder. If that build fails, it is retried with only that
layout and the site's shortcodes (``layouts/_shortcodes`` too, Hugo 0.146's folder),
then with every shortcode not built into Hugo as its inner content, or nothing
(column "hugo build"). A ``baseURL`` that is no absolute URL (``/``, no scheme: the real one given in CI)
is given to Hugo as ``--baseURL`` and to syndicate as ``url`` in the copy's syndicate.toml.
Syndicate builds the same copy with ``--now`` (default: now).

Columns: content pages (bundles once, ``_index`` pages not), entries in Hugo's home
``index.xml`` and in syndicate's, then as in compare_jekyll.py (matched by guid, else
link, else the URL's last segment, counted over Hugo's entries); ``{{<`` and ``{{%``
count entries holding one outside code, as syndicate/hugo; "images" the ``<img src>``
of syndicate's entries against those of Hugo's page of the post; "feeds" Hugo's
``index.xml`` files of posts that syndicate writes too, over Hugo's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from compare_jekyll import ANSI, IMG, arguments, compare_entries, entries, report, syndicate_build

from syndicate.sources.hugo import (CONTENT_SUFFIXES, ConfigFileError, config_files, is_bundle_index, merged,
                                    parse_config_file)

MARKERS = ("{{<", "{{%")
SKIP = shutil.ignore_patterns(".git", "public", "resources", ".hugo_build.lock", ".syndicate", "node_modules")
SHORTCODE_NAME = re.compile(r"\{\{[<%]\s*(/?\s*[\w.-][\w./-]*)")
# Hugo 0.111's own shortcodes: never stubbed.
BUILT_IN = frozenset({"figure", "gist", "highlight", "instagram", "instagram_simple", "param", "ref", "relref",
                      "tweet", "twitter", "twitter_simple", "vimeo", "vimeo_simple", "youtube"})
SINGLE = "{{ .Content }}"
COLUMNS = ("site", "theme", "posts", "hugo", "syndicate", "ids", "links", "titles", "published", *MARKERS,
           "images", "feeds", "errors/warnings", "hugo build")


def read_config(copy: Path) -> dict:
    try:
        return merged(copy, [(p, parse_config_file(p, p.read_text(encoding="utf-8-sig"))) for p in config_files(copy)])
    except (ConfigFileError, OSError, UnicodeDecodeError):
        return {}


def content_pages(copy: Path, content_dir: str) -> int:
    """The site's pages: content files but list pages (``_index``) and a leaf bundle's other files, each language's."""
    files = [p for p in (copy / content_dir).rglob("*") if p.suffix in CONTENT_SUFFIXES and p.is_file()
             and not p.name.startswith("_")]
    bundles = {p.parent for p in files if is_bundle_index(p.stem)}
    return sum(1 for p in files if is_bundle_index(p.stem) or not bundles.intersection(p.parents))


def themes(config: dict) -> list[str]:
    theme = config.get("theme") or []
    return [theme] if isinstance(theme, str) else [t for t in theme if isinstance(t, str)]


def prepare(copy: Path, config: dict) -> list[str]:
    """Set the copy up for Hugo 0.111: its RSS templates aside, missing themes empty, pages as their bodies."""
    notes = []
    layouts = copy / "layouts"
    for template in [*layouts.rglob("*.xml"), *(copy / "themes").rglob("layouts/**/*.xml")]:
        if "rss" in template.name:
            template.unlink()
            notes.append(f"own RSS template set aside: {template.relative_to(copy)}")
    for theme in themes(config):
        if not (copy / "themes" / theme).is_dir():
            (copy / "themes" / theme).mkdir(parents=True)
            notes.append(f"theme {theme} not there: built without it")
    (layouts / "_default").mkdir(parents=True, exist_ok=True)
    (layouts / "_default" / "single.html").write_text(SINGLE, encoding="utf-8")
    return notes


def minimal_layouts(copy: Path, stub_all: bool) -> None:
    """Layouts of only the single page and shortcodes: the site's (``stub_all``: none, each one its inner content)."""
    layouts = copy / "layouts"
    own = {p.name: p.read_bytes() for folder in ("shortcodes", "_shortcodes") if (layouts / folder).is_dir()
           for p in (layouts / folder).iterdir() if p.is_file()}
    shutil.rmtree(layouts)
    (layouts / "_default").mkdir(parents=True)
    (layouts / "_default" / "single.html").write_text(SINGLE, encoding="utf-8")
    (layouts / "shortcodes").mkdir()
    for name, data in ({} if stub_all else own).items():
        (layouts / "shortcodes" / name).write_bytes(data)
    text = "\n".join(page.read_text(encoding="utf-8", errors="replace") for page in (copy / "content").rglob("*")
                     if page.suffix in CONTENT_SUFFIXES)
    used = {name for name in SHORTCODE_NAME.findall(text) if not name.startswith("/")}
    closed = {name.lstrip("/").strip() for name in SHORTCODE_NAME.findall(text) if name.startswith("/")}
    for name in sorted(used - BUILT_IN):
        if name + ".html" not in own or stub_all:
            # Hugo refuses an unclosed shortcode whose template reads .Inner.
            stub = "{{ .Inner }}" if name in closed else ""
            (layouts / "shortcodes" / f"{name}.html").write_text(stub, encoding="utf-8")

def base_url(copy: Path, config: dict) -> str | None:
    """The URL to build with when the site's baseURL is none (``/``, no scheme): CI gives it, ``hugo --baseURL``.

    Written into the copy's syndicate.toml, as README tells such a site to do.
    """
    base = str(config.get("baseurl") or "")
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    host = base.strip("/").split("/")[0]
    url = f"https://{host}/" if "." in host else "https://example.invalid/"
    toml = copy / "syndicate.toml"
    old = toml.read_text(encoding="utf-8") if toml.is_file() else ""
    toml.write_text(f'url = "{url}"\n' + old, encoding="utf-8")
    return url


def hugo_build(copy: Path, out: Path, url: str | None) -> tuple[str, str]:
    """Build as above; returns (how it built, or "failed"; Hugo's first error, if any)."""
    env = {**os.environ, "HUGO_ENVIRONMENT": "production"}
    first = ""
    for mode in ("as is", "minimal layouts", "shortcodes stubbed"):
        if mode != "as is":
            minimal_layouts(copy, stub_all=mode == "shortcodes stubbed")
        shutil.rmtree(out, ignore_errors=True)
        done = subprocess.run(["hugo", "--source", str(copy), "--destination", str(out), "--quiet",
                               "--cacheDir", str(out.parent / "hugo-cache"), *(["--baseURL", url] if url else [])],
                              capture_output=True, text=True, env=env)
        if done.returncode == 0:
            return mode, first
        lines = [ANSI.sub("", line).strip() for line in (done.stdout + done.stderr).splitlines()
                 if "ERROR" in line or line.startswith("Error")]
        first = first or (lines or ["exit %d" % done.returncode])[0][:200]
    return "failed", first


def post_feeds(public: Path) -> set[str]:
    """The ``index.xml`` files in ``public`` with an item that is a page (not a list of terms)."""
    found = set()
    for path in public.rglob("index.xml"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "<item>" in text and not (path.parent.name in ("tags", "categories") and path.parent != public):
            found.add(path.relative_to(public).as_posix())
    return found


def page_images(public: Path):
    """The number of images on Hugo's page of an entry (its body, by the single layout)."""
    def count(entry) -> int:
        path = unquote(urlsplit(entry.get("link", "")).path).lstrip("/")
        page = public / path / "index.html" if not path or path.endswith("/") else public / path
        return len(IMG.findall(page.read_text(encoding="utf-8"))) if page.is_file() else 0
    return count


def compare(site: Path, now: str | None, examples: int, keep: bool) -> dict:
    work = Path(tempfile.mkdtemp(prefix="compare-hugo-"))
    try:
        copy = work / "site"
        shutil.copytree(site, copy, ignore=SKIP, symlinks=True)
        config = read_config(copy)
        content_dir = str(config.get("contentdir") or "content")
        posts = content_pages(copy, content_dir)
        notes = prepare(copy, config)
        url = base_url(copy, config)
        if url:
            notes.append(f"baseURL {config.get('baseurl')!r}: built with --baseURL {url}, syndicate.toml's url")
        now = now or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        mode, why = hugo_build(copy, work / "hugo", url)
        errors, warnings, first_error = syndicate_build(copy, work / "syndicate", now)
        hugo, ours = entries(work / "hugo" / "index.xml"), entries(work / "syndicate" / "index.xml")
        theirs_feeds, our_feeds = post_feeds(work / "hugo"), post_feeds(work / "syndicate")
        row = {"site": site.name, "theme": ",".join(themes(config)) or "-", "posts": posts,
               "hugo": len(hugo), "syndicate": len(ours)}
        matched, shown = compare_entries(ours, hugo, "hugo", MARKERS, page_images(work / "hugo"), examples)
    finally:
        if keep:
            print(f"{site.name}: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    row.update(matched)
    row["feeds"] = f"{len(theirs_feeds & our_feeds)}/{len(theirs_feeds)}"
    shown += [f"only hugo: {path}" for path in sorted(theirs_feeds - our_feeds)[:examples]]
    shown += [f"only syndicate: {path}" for path in sorted(our_feeds - theirs_feeds)[:examples]]
    row["errors/warnings"] = f"{errors}/{warnings}"
    row["hugo build"] = mode if mode != "failed" else f"failed: {why}"
    if why and mode != "failed":
        shown.append(f"hugo as is: {why}")
    shown += notes[:examples]
    if first_error:
        shown.append(f"syndicate: {first_error}")
    row["examples"] = shown
    return row


def main() -> None:
    report(arguments(__doc__, "a Hugo site folder (hugo.toml, config.toml, config/_default/)"), COLUMNS, compare)


if __name__ == "__main__":
    main()
