"""Email-ready HTML: post bodies sanitised, CSS inlined, every URL absolute.

premailer does the inlining, but its defaults are wrong for email digests.
Each of these is worked around here, and each has a test (premailer 3.10):

* It fetches ``<link rel=stylesheet>`` (and cssutils fetches ``@import``)
  over the network with no timeout. We pass ``allow_network=False``, remove
  such links and ``@import`` rules ourselves, and say so in a warning.
* It strips ``!important`` from the ``@media`` rules it keeps, so the mobile
  and dark-mode rules would lose to the inline styles, and it crashes on a
  nested ``@media``. At-rules and pseudo-class rules never reach premailer:
  they are split off, kept verbatim, and put back in one ``<style>`` block.
* Its ``base_url`` rewriting (and libxml2's serialiser) percent-encode merge
  tags in ``href`` and turn ``*|UNSUB|*`` into site URLs. We never use
  ``base_url``; merge tags go in after serialisation (syndicate.render.mail).
* Its CSS ``width``/``height`` overwrite ``<img width height>`` (giving
  ``height="auto"``, which Outlook mishandles): ``disable_basic_attributes``.
* ``base_url`` does not touch ``srcset`` or CSS ``url()``: our own pass makes
  ``src``, ``href``, ``srcset`` and ``url()`` absolute.
* cssutils logs to stderr through a global handler (and premailer adds one
  per instance when given a handler): its messages are collected while we
  inline and returned as warnings naming the template instead.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from typing import Callable, Iterator
from urllib.parse import urljoin

from syndicate.render.content import (SRCSET_ATTRIBUTES, URL_ATTRIBUTES, absolute_srcset, embeds_as_links,
                                      safe_srcset)
from syndicate.text import URL_IN_TEXT, breakable, parse_fragment, serialise_children, short_url

# Post bodies may keep these tags and attributes; everything else (scripts,
# forms, styles, event handlers, data-* attributes) goes; players become links.
BODY_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
BODY_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "srcset", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}, "ol": {"start"},
    "blockquote": {"cite"}, "q": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Removed with everything inside: a form's labels and buttons mean nothing without it.
BODY_DROPPED_WHOLE = {"script", "style", "template", "noscript", "form", "button", "select", "textarea"}
# The widest an image can be inside the 600px column with its padding.
CONTENT_WIDTH = 536
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)


def sanitise_body(html: str, image_size: Callable[[str], tuple[int, int] | None] = lambda url: None,
                  title: str = "") -> str:
    """A post body made inert and narrow for email with nh3: no scripts, handlers or ``javascript:``.

    An embedded player becomes a link to it; a form goes with its labels and
    buttons; a link whose URL was dropped becomes its text. Every image gets
    ``width`` and ``height`` attributes (from its file, through ``image_size``,
    when the post gives none), scaled down to the column, because Outlook
    sizes images by their attributes alone; an image's alt text that repeats
    ``title`` (or is missing) is empty, so images off show nothing twice. A URL
    shown as a link's text is shortened, tables scroll inside the column, and
    long runs without spaces get break opportunities (``syndicate.text.breakable``).
    """
    import nh3

    clean = nh3.clean(embeds_as_links(html), tags=BODY_TAGS, attributes=BODY_ATTRIBUTES,
                      clean_content_tags=BODY_DROPPED_WHOLE, url_schemes=URL_SCHEMES,
                      link_rel="noopener", strip_comments=True, attribute_filter=_body_attribute)
    if not clean.strip():
        return clean
    root = parse_fragment(clean)
    for element in list(root.iter("a", "img", "table")):
        if element.tag == "a":
            _email_link(element)
        elif element.tag == "img":
            _email_image(element, image_size, title)
        elif next(element.iterancestors("table"), None) is None:  # the outermost table of a nest scrolls
            _scrolling(element)
    _break_long_runs(root)
    # The feeds' serialiser, so the text before the first tag is escaped again
    # here too: written back decoded, "&lt;script&gt;" would become a script.
    return serialise_children(root)


def _email_link(link) -> None:
    """A link without a URL (nh3 dropped a ``javascript:`` one) as plain text; a URL shown as its text shortened."""
    href = link.get("href")
    if not href:
        link.drop_tag()
    elif len(link) == 0 and URL_IN_TEXT.fullmatch((link.text or "").strip()):
        link.text = short_url(link.text.strip())


def _email_image(image, image_size: Callable[[str], tuple[int, int] | None], title: str) -> None:
    """An image's ``width`` and ``height``, from its file when missing, scaled to the column; its alt text."""
    alt = image.get("alt")
    if alt is None or " ".join(alt.split()) == " ".join(title.split()):
        image.set("alt", "")
    width, height = image.get("width", ""), image.get("height", "")
    if not (width.isdigit() and height.isdigit()):
        found = image_size(image.get("src", ""))
        if found is not None:
            shown_width, shown_height = found
            if width.isdigit() and int(width):
                height = str(round(int(width) * shown_height / shown_width))
            elif height.isdigit() and int(height):
                width = str(round(int(height) * shown_width / shown_height))
            else:
                width, height = str(shown_width), str(shown_height)
    if width.isdigit():
        fitted = in_column(int(width), int(height) if height.isdigit() else None)
        width, height = str(fitted[0]), str(fitted[1] or "")
    for name, value in (("width", width), ("height", height)):
        if value.isdigit():
            image.set(name, value)


def in_column(width: int, height: int | None) -> tuple[int, int | None]:
    """An image's size scaled down, proportionally, to fit the column; as it is when it fits."""
    if width <= CONTENT_WIDTH:
        return width, height
    return CONTENT_WIDTH, None if height is None else round(height * CONTENT_WIDTH / width)


def _scrolling(table) -> None:
    """A table inside a ``<div class="table-scroll">``: wide, it scrolls in the column instead of widening it."""
    import lxml.html

    holder = lxml.html.Element("div", {"class": "table-scroll"})
    table.addprevious(holder)
    holder.append(table)  # moves the table, and its tail with it
    holder.tail, table.tail = table.tail, None


def _break_long_runs(root) -> None:
    """``breakable`` on every text outside ``<pre>`` and ``<code>``, where breaks would change the code."""
    verbatim = {"pre", "code"}

    def kept(element) -> bool:
        return element.tag in verbatim or any(a.tag in verbatim for a in element.iterancestors())

    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text and not kept(element):
            element.text = breakable(element.text)
        parent = element.getparent()
        if element.tail and parent is not None and not kept(parent):
            element.tail = breakable(element.tail)


def image_sources(html: str) -> set[str]:
    """The ``src`` of every image in a body."""
    if "<img" not in html:
        return set()
    return {image.get("src", "") for image in parse_fragment(html).iter("img")}


def _body_attribute(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter for email: a ``srcset`` keeps only its http(s) and relative candidates."""
    return safe_srcset(value) if attribute == "srcset" else value


def split_css(css: str) -> tuple[str, str, list[str]]:
    """Split a style sheet into (rules to inline, rules to keep, rules dropped).

    Kept are at-rules (``@media``, ``@font-face``, …), pseudo-class rules and
    Outlook.com's ``[data-ogsc]`` ones, verbatim; dropped are ``@import`` (a network fetch) and ``@charset``.
    cssutils' tokenizer does the lexing, so braces in strings and comments are
    no trouble, and joining the tokens gives back the exact source text.
    """
    from cssutils.tokenize2 import Tokenizer

    inline, keep, dropped = [], [], []
    rule: list[tuple] = []
    depth = 0
    for token in Tokenizer().tokenize(css, fullsheet=True):
        rule.append(token)
        if token[1] == "{":
            depth += 1
        elif token[1] == "}":
            depth -= 1
        if depth <= 0 and token[1] in ("}", ";"):
            depth = 0
            _sort_rule(rule, inline, keep, dropped)
            rule = []
    _sort_rule(rule, inline, keep, dropped)
    return "\n".join(inline), "\n".join(keep), dropped


def _sort_rule(tokens: list[tuple], inline: list[str], keep: list[str], dropped: list[str]) -> None:
    meaningful = [t for t in tokens if t[0] not in ("S", "COMMENT")]
    if not meaningful:
        return
    text = "".join(t[1] for t in tokens).strip()
    head = meaningful[0][1].strip().lower()
    if head in ("@import", "@charset"):
        dropped.append(text)
    elif head.startswith("@"):
        keep.append(text)
    elif any(mark in "".join(t[1] for t in _selector(meaningful)) for mark in (":", "[data-og")):
        # A pseudo-class such as a:hover cannot be inlined; Outlook.com adds
        # data-ogsc and data-ogsb to the document in dark mode, after sending.
        keep.append(text)
    else:
        inline.append(text)


def _selector(tokens: list[tuple]) -> Iterator[tuple]:
    for token in tokens:
        if token[1] == "{":
            return
        yield token


class _Collect(logging.Handler):
    def __init__(self, found: list[str]):
        super().__init__(logging.WARNING)
        self.found = found

    def emit(self, record: logging.LogRecord) -> None:
        self.found.append(record.getMessage())


@contextmanager
def cssutils_messages(found: list[str]) -> Iterator[None]:
    """Collect what cssutils would print to stderr into ``found`` instead."""
    import cssutils

    # An unregistered logger: nothing is added to the logging module's tree.
    logger = logging.Logger("syndicate.cssutils", logging.WARNING)
    logger.addHandler(_Collect(found))
    cssutils.log.setLog(logger)
    try:
        yield
    finally:
        cssutils.log.setLog(logging.getLogger("CSSUTILS"))


def absolute_css_urls(css: str, base: str) -> str:
    """Make every ``url()`` in CSS text absolute against ``base``."""
    return CSS_URL.sub(lambda m: f"url({m.group(1)}{urljoin(base, m.group(2).strip())}{m.group(1)})", css)


def email_ready(html: str, base: str, link: Callable[[str], str] = lambda url: url) -> tuple[str, list[str]]:
    """Turn a rendered HTML document into what mail clients need.

    CSS is inlined, at-rules are kept in one ``<style>`` block, scripts and
    stylesheet links are removed, every URL is made absolute against
    ``base`` and every link passed through ``link`` (for UTM parameters).
    Returns the HTML and the problems found (one line each).
    """
    import lxml.html
    from premailer import Premailer

    problems: list[str] = []
    doc = lxml.html.document_fromstring(html)
    for element in doc.xpath("//script | //link[contains(concat(' ', normalize-space(@rel), ' '), ' stylesheet ')]"):
        what = "a <script>" if element.tag == "script" else f"a stylesheet link ({element.get('href', '')})"
        problems.append(f"removed {what}: mail clients block it; put the CSS in the template's <style>")
        element.drop_tree()
    inline_css, kept_css = [], []
    for style in doc.xpath("//style"):
        inline, keep, dropped = split_css(style.text or "")
        inline_css.append(inline)
        kept_css.append(keep)
        problems += [f"removed an @import rule ({' '.join(rule.split())}): it would need the network"
                     for rule in dropped if "@import" in rule.lower()]
        style.drop_tree()

    found: list[str] = []
    premailer = Premailer(
        allow_network=False,
        disable_link_rewrites=True,
        disable_basic_attributes=["width", "height"],
        css_text=[css for css in inline_css if css.strip()],
        disable_leftover_css=True,
        disable_validation=True,
        cache_css_parsing=False,
    )
    with cssutils_messages(found):
        # Given a parsed tree, premailer styles it in place and never serialises
        # it: the document is parsed once here and written once below.
        premailer.transform(doc)
    problems += [f"CSS: {message}" for message in dict.fromkeys(found)]

    _absolute(doc, base, link)
    kept = "\n".join(css for css in kept_css if css.strip())
    if kept:
        head = doc.find("head")
        if head is None:
            head = lxml.html.Element("head")
            doc.insert(0, head)
        style = lxml.html.Element("style")
        style.text = "\n" + absolute_css_urls(kept, base) + "\n"
        head.append(style)
    html = lxml.html.tostring(doc, doctype="<!DOCTYPE html>", encoding="unicode", method="html")
    return html + "\n", problems


def _absolute(root, base: str, link: Callable[[str], str]) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, such as Outlook's conditional ones
        for attribute in URL_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None:
                url = urljoin(base, value.strip())
                element.set(attribute, link(url) if attribute == "href" else url)
        for attribute in SRCSET_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None:
                element.set(attribute, absolute_srcset(value, base))
        style = element.get("style")
        if style and "url(" in style.lower():
            element.set("style", absolute_css_urls(style, base))
