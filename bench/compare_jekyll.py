"""Compare syndicate's feed with jekyll-feed's on real Jekyll sites (run by hand, not by the tests).

    python bench/compare_jekyll.py SITE [SITE ...] [--now ISO] [--json] [--examples N] [--keep]

Needs ``jekyll`` with jekyll-feed, feedparser, and syndicate installed. Each SITE is
copied to a temp folder (with its git remote, not its history) whose ``_config.yml``
gets a huge ``feed.posts_limit``, read by both tools. Jekyll also reads an extra
config: jekyll-feed on, missing plugins and themes off, ``time:`` = syndicate's
``--now`` (default: now), and without ``url:`` the one GitHub Pages would give. If
that build fails, it is retried with ``--safe``, no layouts and only the folders
holding posts (column "jekyll build"). Syndicate's entries are matched to Jekyll's by
id, else link, else the URL's last segment; "ids" … "updated" count equal ones over
Jekyll's entries (titles as text, dates as instants); marker columns count entries
holding it outside code, and "images" the ``<img src>`` of matched entries, both as
syndicate/jekyll. ``--examples N`` prints N mismatches of each kind to stderr.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import yaml

from syndicate.sources.jekyll import origin_remote, pages_url

POSTS_LIMIT = 1_000_000
MARKERS = ("{%", "{{", "{:", "[^", "**")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# jekyll-feed writes a link's "&" as is, which is not XML: mend it first.
BARE_AMP = re.compile(r"&(?!#?\w+;)")
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.IGNORECASE | re.DOTALL)  # markers there are the post's text
IMG = re.compile(r"<img\b[^>]*\ssrc\s*=", re.IGNORECASE)
SKIP = shutil.ignore_patterns(".git", "_site", ".jekyll-cache", ".jekyll-metadata", ".sass-cache",
                              ".syndicate", "node_modules", "vendor", "Gemfile", "Gemfile.lock")
COLUMNS = ("site", "theme", "posts", "jekyll", "syndicate", "ids", "links", "titles", "published", "updated",
           *MARKERS, "images", "errors/warnings", "jekyll build")


def installed_gems() -> set[str]:
    out = subprocess.run(["gem", "list", "--no-versions"], capture_output=True, text=True).stdout
    return set(out.split())


def post_files(root: Path) -> list[Path]:
    return [p for folder in root.rglob("_posts") if folder.is_dir()
            for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]


def prepare(site: Path, work: Path) -> tuple[Path, dict, str]:
    """Copy the site; give the copy's _config.yml a huge feed.posts_limit. Returns (copy, config, feed path)."""
    copy = work / "site"
    shutil.copytree(site, copy, ignore=SKIP, symlinks=True)
    # The git remote, without the history: syndicate may take the site's URL from it.
    remote = origin_remote(site)
    if remote:
        (copy / ".git").mkdir(exist_ok=True)
        (copy / ".git" / "config").write_text(f'[remote "origin"]\n\turl = {remote}\n', encoding="utf-8")
    config_file = copy / "_config.yml"
    text = config_file.read_text(encoding="utf-8-sig") if config_file.is_file() else ""
    try:
        config = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        config = {}
    config = config if isinstance(config, dict) else {}
    feed = config.get("feed") if isinstance(config.get("feed"), dict) else {}
    feed = {**feed, "posts_limit": POSTS_LIMIT}
    # JSON is YAML; Jekyll and syndicate both let the last of two keys win.
    config_file.write_text(text.rstrip("\n") + "\n\nfeed: " + json.dumps(feed) + "\n", encoding="utf-8")
    feed_path = str(feed.get("path") or "feed.xml").lstrip("/")
    # A page of the site's own at the feed's path makes jekyll-feed write nothing.
    for own in (copy / feed_path, copy / (feed_path.rsplit(".", 1)[0] + ".html")):
        if own.is_file():
            own.unlink()
    return copy, config, feed_path


def jekyll_build(copy: Path, config: dict, out: Path, now: str, work: Path) -> tuple[str, str]:
    """Build with jekyll-feed on; returns (how it built, or "failed"; jekyll's first error, if any)."""
    gems = installed_gems()
    wanted = [p for key in ("plugins", "gems") for p in (config.get(key) or []) if isinstance(p, str)]
    plugins = sorted({p for p in wanted if p in gems} | {"jekyll-feed"})
    # Jekyll's merge keeps the old value under a null: a theme off is `false`.
    extra = {"plugins": plugins, "gems": [], "remote_theme": False, "time": now}
    if config.get("theme") and config["theme"] not in gems:
        extra["theme"] = False
    if not config.get("url"):
        # jekyll-github-metadata's URL on GitHub Pages (CNAME, else the repository's), not installed here.
        try:
            found = pages_url(copy)
        except ValueError:
            found = None
        if found:
            extra["url"] = found[0]
            if found[1] and not config.get("baseurl"):
                extra["baseurl"] = found[1]
    posts_dirs = {p.relative_to(copy).parts[0] for p in copy.rglob("_posts") if p.is_dir()}
    exclude = [str(e) for e in (config.get("exclude") or []) if isinstance(e, str)]
    safe = {**extra, "whitelist": plugins, "layouts_dir": "_compare_no_layouts",
            "exclude": exclude + [p.name for p in copy.iterdir() if p.name not in posts_dirs
                                  and p.name not in ("_config.yml", "_data", "_includes")]}
    env = {**os.environ, "JEKYLL_NO_BUNDLER_REQUIRE": "1", "JEKYLL_ENV": "production"}
    first = ""
    for mode, settings, flags in (("as is", extra, []), ("--safe, posts only", safe, ["--safe"])):
        extra_file = work / "extra.yml"
        extra_file.write_text(json.dumps(settings), encoding="utf-8")
        shutil.rmtree(out, ignore_errors=True)
        done = subprocess.run(["jekyll", "build", "--source", str(copy), "--destination", str(out),
                               "--config", f"{copy / '_config.yml'},{extra_file}", "--disable-disk-cache",
                               *flags], capture_output=True, text=True, env=env, cwd=copy)
        if done.returncode == 0:
            return mode, first
        lines = [ANSI.sub("", line).strip() for line in (done.stdout + done.stderr).splitlines()
                 if ("Exception" in line or "Error" in line) and not ("Warning" in line or "YAML" in line)]
        first = first or (lines or ["exit %d" % done.returncode])[0][:160]
    return "failed", first


def syndicate_build(copy: Path, out: Path, now: str) -> tuple[int, int, str]:
    """``syndicate build``; returns (errors, warnings, the first error line)."""
    done = subprocess.run([sys.executable, "-m", "syndicate", "build", "--site", str(copy), "--out", str(out),
                           "--now", now], capture_output=True, text=True)
    if "Traceback" in done.stderr:  # a crash, not a report
        return 1, 0, done.stderr.strip().splitlines()[-1]
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("failed: ")]
    warnings = [line for line in lines if "warning: " in line]
    errors = [line for line in lines if line not in warnings]
    return len(errors), len(warnings), (errors or [""])[0]


def entries(path: Path) -> list:
    if not path.is_file():
        return []
    text = BARE_AMP.sub("&amp;", path.read_text(encoding="utf-8"))
    return feedparser.parse(text, sanitize_html=False, resolve_relative_uris=False).entries


def title(entry) -> str:
    """The title as text: jekyll-feed's is type="html", syndicate's plain text."""
    detail = entry.get("title_detail") or {}
    text = entry.get("title", "")
    return html.unescape(text) if detail.get("type") == "text/html" else text


def content(entry) -> str:
    return entry.content[0].value if entry.get("content") else ""


def prose(entry) -> str:
    return CODE.sub("", content(entry))


def slug(entry) -> str:
    return urlsplit(entry.get("link", "")).path.rstrip("/").rpartition("/")[2]


def instant(text: str | None):
    """A date as an instant: Atom's ISO 8601 or RSS's RFC 822; else the text."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return text


def compare(site: Path, now: str | None, examples: int, keep: bool) -> dict:
    work = Path(tempfile.mkdtemp(prefix="compare-jekyll-"))
    try:
        copy, config, feed_path = prepare(site, work)
        now = now or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        mode, why = jekyll_build(copy, config, work / "jekyll", now, work)
        errors, warnings, first_error = syndicate_build(copy, work / "syndicate", now)
        jekyll, ours = entries(work / "jekyll" / feed_path), entries(work / "syndicate" / feed_path)
        theme = str(config.get("theme") or config.get("remote_theme") or "-")
        row = {"site": site.name, "theme": theme, "posts": len(post_files(copy)),
               "jekyll": len(jekyll), "syndicate": len(ours)}
    finally:
        if keep:
            print(f"{site.name}: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    matched, shown = compare_entries(ours, jekyll, "jekyll", MARKERS, lambda j: len(IMG.findall(content(j))),
                                     examples)
    row.update(matched)
    row["errors/warnings"] = f"{errors}/{warnings}"
    row["jekyll build"] = mode if mode != "failed" else f"failed: {why}"
    if why and mode != "failed":
        shown.append(f"jekyll as is: {why}")
    if first_error:
        shown.append(f"syndicate: {first_error}")
    row["examples"] = shown
    return row


def compare_entries(ours: list, theirs: list, who: str, markers: tuple[str, ...], images_of,
                    examples: int) -> tuple[dict, list[str]]:
    """Match syndicate's entries to another feed's; the columns "ids" … "images" and up to ``examples`` mismatches.

    Matched by id, else link, else the URL's last segment; ``images_of(their entry)``
    counts the images the other generator shows for it.
    """
    row: dict = {}
    by_id = {e.get("id"): e for e in theirs}
    by_link = {e.get("link"): e for e in theirs}
    by_slug = {slug(e): e for e in theirs}  # when the two feeds' site URLs differ
    pairs = [(e, by_id.get(e.get("id")) or by_link.get(e.get("link")) or by_slug.get(slug(e))) for e in ours]
    pairs = [(s, j) for s, j in pairs if j is not None]
    fields = {"ids": lambda e: e.get("id"), "links": lambda e: e.get("link"), "titles": title,
              "published": lambda e: e.get("published"), "updated": lambda e: e.get("updated")}
    shown = []
    for name, field in fields.items():
        same = (lambda a, b: instant(a) == instant(b)) if name in ("published", "updated") else str.__eq__
        differ = [(s, j) for s, j in pairs if not same(field(s) or "", field(j) or "")]
        row[name] = f"{len(pairs) - len(differ)}/{len(theirs)}"
        shown += [f"{name}: {field(j)!r} ({who}) vs {field(s)!r} (syndicate)" for s, j in differ[:examples]]
    for marker in markers:
        left = [(s, j) for s, j in pairs if marker in prose(s) and marker not in prose(j)]
        row[marker] = f"{sum(marker in prose(s) for s in ours)}/{sum(marker in prose(j) for j in theirs)}"
        shown += [f"{marker} left in {s.get('link')}: …{_around(prose(s), marker)}…" for s, _ in left[:examples]]
    images = [(len(IMG.findall(content(s))), images_of(j), s) for s, j in pairs]
    row["images"] = f"{sum(n for n, _, _ in images)}/{sum(n for _, n, _ in images)}"
    shown += [f"images: {n} of {m} in {s.get('link')}" for n, m, s in images if n != m][:examples]
    unmatched = [s.get("id") for s in ours if not any(s is p for p, _ in pairs)]
    missing = set(by_id) - {j.get("id") for _, j in pairs}
    shown += [f"only syndicate: {i}" for i in unmatched[:examples]]
    shown += [f"only {who}: {i}" for i in sorted(missing)[:examples]]
    return row, shown


def _around(text: str, marker: str, width: int = 40) -> str:
    at = text.find(marker)
    return " ".join(text[max(0, at - width):at + width].split())


def main() -> None:
    report(arguments(__doc__, "a Jekyll site folder (_config.yml)"), COLUMNS, compare)


def arguments(doc: str, site_help: str) -> argparse.Namespace:
    """The command line both comparison scripts take."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("sites", nargs="+", type=Path, metavar="SITE", help=site_help)
    parser.add_argument("--now", metavar="ISO", help="the clock for both builds (default: now)")
    parser.add_argument("--json", action="store_true", help="print each row as a JSON object")
    parser.add_argument("--examples", type=int, default=0, metavar="N",
                        help="also print up to N mismatches of each kind (stderr)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (copy and both outputs)")
    return parser.parse_args()


def report(args, columns: tuple[str, ...], compare_site) -> None:
    """Print ``compare_site(site, now, examples, keep)``'s row of each of ``args.sites``, and its mismatches."""
    if not args.json:
        print("| " + " | ".join(columns) + " |")
        print("|" + " --- |" * len(columns))
    for site in args.sites:
        row = compare_site(site.resolve(), args.now, args.examples, args.keep)
        for line in row.pop("examples"):
            print(f"{site.name}: {line}", file=sys.stderr)
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print("| " + " | ".join(str(row[c]).replace("|", "\\|") for c in columns) + " |", flush=True)


if __name__ == "__main__":
    main()
