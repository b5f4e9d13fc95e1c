"""The digest as subscribers see it, in a real browser: Debian's chromium, driven by Playwright.

Each golden digest (tests/digest_golden/*/expected/2026-W47.html) and a
hostile week (tests/digest_browser/hostile: a 400-character URL, a long Hangul
run, a 7-column table, a 2400 px image without width, an image without alt,
a YouTube iframe, a form, a ``javascript:`` link), in full-content and
excerpt mode, is opened at 375 px and 600 px wide, light and dark
(``prefers-color-scheme``), images on and off. In each we assert what a reader
would see go wrong:

* the page is no wider than the screen (``document.documentElement.scrollWidth``);
* no image is wider than the column;
* no post title is shown twice (with images off, or broken, an image shows its alt text), the
  "in this issue" list aside;
* every piece of text has a contrast of at least 4.5:1 against what is behind it (WCAG 2).

Screenshots of every page go to pytest's temporary folder
(``digest-screenshots*``), printed at the end of a failing test. The
site's own URLs are served from the site folder; nothing reaches the network.

The browser is ``/usr/bin/chromium``, with a Korean font (``.ci/run`` installs
Debian's ``chromium`` and ``fonts-nanum`` when they are missing); Playwright's
own browser downloads are never used. These tests fail, never skip, when
chromium, the font or Playwright is missing.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import subprocess
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest

from tests.conftest import NOW, REPO

CHROMIUM = Path("/usr/bin/chromium")
GOLDEN = Path(__file__).parent / "digest_golden"
HOSTILE = Path(__file__).parent / "digest_browser" / "hostile"
WIDTHS = (375, 600)
# A shared machine with two cores: generous, and never a timing window under a second.
TIMEOUT_MS = 60_000

# What the page shows, measured in the page. Contrast follows WCAG 2's
# relative luminance; a background is the first opaque one up the tree
# (translucent ones blended over it), white at the top as in mail clients.
MEASURE = r"""
() => {
  const parse = (text) => {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 1];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const blend = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const background = (element) => {
    const layers = [];
    for (let e = element; e && e.nodeType === 1; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = blend(layer, colour);
    return colour;
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const visible = (e) => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    for (let a = e; a && a.nodeType === 1; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return false;
    }
    return true;
  };
  const shown = (img) => img.complete && img.naturalWidth > 0;
  const container = document.querySelector('.container');
  const column = container ? container.getBoundingClientRect() : {left: 0, right: innerWidth, width: innerWidth};
  const low = [];
  for (const e of document.body.querySelectorAll('*')) {
    const own = e.tagName === 'IMG' ? (shown(e) ? '' : (e.alt || ''))
      : Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('');
    if (!own.trim() || !visible(e)) continue;
    const ratio = contrast(blend(parse(getComputedStyle(e).color), background(e)), background(e));
    if (ratio < 4.5) low.push({tag: e.tagName.toLowerCase(), text: own.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100,
                               color: getComputedStyle(e).color, background: 'rgb(' + background(e).slice(0, 3).map(Math.round).join(', ') + ')'});
  }
  const images = Array.from(document.images).filter(visible).map(img => {
    const r = img.getBoundingClientRect();
    return {src: img.getAttribute('src').slice(-40), width: Math.round(r.width), left: Math.round(r.left), right: Math.round(r.right)};
  });
  const alts = Array.from(document.images).filter(img => visible(img) && !shown(img)).map(img => img.alt || '');
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: innerWidth,
    column: {left: Math.round(column.left), right: Math.round(Math.min(column.right, innerWidth)), width: Math.round(column.width)},
    images,
    titles: Array.from(document.querySelectorAll('.post-title')).map(t => t.innerText.trim()),
    // The "in this issue" list names each post once more, by design.
    shownText: document.body.innerText.replace(document.querySelector('.contents')?.innerText || '', '') + '\n' + alts.join('\n'),
    lowContrast: low,
  };
}
"""


def _cases() -> dict[str, Path]:
    """Case name → the folder its images are served from.

    korean-full's posts are on the example site's host and show its image
    (their ``small.png`` exists nowhere: a broken image, whose alt text shows).
    """
    return {"example": REPO, "korean-full": REPO, "hostile-full": HOSTILE, "hostile-excerpt": HOSTILE}


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright, one for the module; a clear failure when either is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(apt-get install chromium; .ci/run installs it)", pytrace=False)
    korean = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=False).stdout
    if not korean.strip():
        pytest.fail("no Korean font: Hangul would be measured as boxes of another width "
                    "(apt-get install fonts-nanum; .ci/run installs it)", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), timeout=TIMEOUT_MS,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def hostile_images(site: Path) -> None:
    """The hostile week's local images: a poster-sized one and a tall one, made here rather than kept in git."""
    from PIL import Image

    folder = site / "assets" / "img"
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (2400, 1600), (200, 120, 40)).save(folder / "huge.png")
    Image.new("RGB", (400, 800), (40, 120, 200)).save(folder / "tall.png")


@pytest.fixture(scope="module")
def digests(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Case → (site folder, digest HTML): the golden files as they are, the hostile week rendered now."""
    from click.testing import CliRunner

    from syndicate.cli import cli

    built = {case: (site, (GOLDEN / case / "expected" / "2026-W47.html").read_text(encoding="utf-8"))
             for case, site in _cases().items() if not case.startswith("hostile")}
    for mode in ("full", "excerpt"):
        site = tmp_path_factory.mktemp(f"hostile-{mode}")
        shutil.copytree(HOSTILE, site, dirs_exist_ok=True)
        hostile_images(site)
        if mode == "excerpt":
            config = site / "syndicate.toml"
            config.write_text(config.read_text(encoding="utf-8").replace("full_content = true", "full_content = false"),
                              encoding="utf-8")
        result = CliRunner().invoke(cli, ["digest", "--site", str(site), "--now", NOW], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        built[f"hostile-{mode}"] = (site, (site / "public" / "digest" / "2026-W47.html").read_text(encoding="utf-8"))
    return built


def _serve(site: Path, base: str, images: bool):
    """A route handler: the site's own files from its folder, nothing from the network; no images when ``images`` is off."""

    def handle(route):
        request = route.request
        if request.resource_type == "image" and not images:
            return route.abort("blockedbyclient")
        if request.url.startswith(base):
            path = site / unquote(urlsplit(request.url).path[len(urlsplit(base).path):])
            if path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return route.fulfill(status=200, body=path.read_bytes(), content_type=kind)
            return route.fulfill(status=404, body=b"")
        return route.abort("internetdisconnected")

    return handle


def _site_url(html: str) -> str:
    """The site's URL, as the masthead links to it: the files under it are served from the site folder."""
    # Without its query: korean-full's links carry UTM parameters, and no file's URL has them.
    return urlunsplit(urlsplit(html_unescape(re.search(r'<a class="site-title" href="([^"]+)"', html).group(1)))
                      ._replace(query=""))


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where every page's screenshot goes: a folder in pytest's temporary folder, kept as pytest keeps them."""
    return tmp_path_factory.mktemp("digest-screenshots")


@pytest.mark.slow
@pytest.mark.parametrize("images", ["images", "no-images"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(_cases()))
def test_digest_in_a_browser(case, width, scheme, images, browser, digests, screenshots):
    site, html = digests[case]
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.route("**/*", _serve(site, _site_url(html), images == "images"))
        page.set_content(html, wait_until="load")
        shot = screenshots / f"{case}-{width}-{scheme}-{images}.png"
        page.screenshot(path=str(shot), full_page=True)
        seen = page.evaluate(MEASURE)
    finally:
        context.close()
    where = f"{case} at {width} px, {scheme}, {images} (screenshot: {shot})"
    problems = what_goes_wrong(seen, width)
    assert not problems, f"{where}:\n" + "\n".join(problems)


def what_goes_wrong(seen: dict, width: int) -> list[str]:
    """What a reader would see go wrong on the page ``MEASURE`` measured, one line each."""
    problems = []
    if seen["scrollWidth"] > width:
        problems.append(f"the page is {seen['scrollWidth']} px wide on a {width} px screen")
    column = seen["column"]
    wide = [image for image in seen["images"] if image["width"] > column["width"]
            or image["left"] < column["left"] - 1 or image["right"] > column["right"] + 1]
    if wide:
        problems.append(f"images wider than the {column['width']} px column: {wide}")
    if not seen["titles"]:
        problems.append("no post titles found")
    repeated = {title: seen["shownText"].count(title) for title in seen["titles"] if seen["shownText"].count(title) > 1}
    if repeated:
        problems.append(f"post titles shown more than once: {repeated}")
    if seen["lowContrast"]:
        problems.append(f"text under 4.5:1 contrast: {seen['lowContrast']}")
    return problems
