"""Post bodies: Markdown to HTML, relative URLs made absolute, excerpts.

Called only for posts that land in an output. HTML is parsed with lxml, which
keeps ``data-*`` attributes, entities and Hangul intact and repairs unclosed
tags, so what goes into a feed is always well-formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

from syndicate.sources.config import Site
from syndicate.errors import Notice, PostError
from syndicate.sources.postfile import read_post_text, split_front_matter
from syndicate.sources.posts import Post
from syndicate.text import clean_text, html_to_text, join_url, parse_fragment, serialise_children

URL_ATTRIBUTES = ("href", "src", "poster", "cite", "action", "background", "data")  # data: <object>'s
SRCSET_ATTRIBUTES = ("srcset",)
SRCSET_CANDIDATE = re.compile(r"\s*([^\s,][^\s]*?)(?:\s+([^,]*?))?\s*(?:,|$)")


@dataclass(frozen=True)
class Rendered:
    """A post with its body ready for outputs."""

    post: Post
    html: str  # the full body, URLs absolute, XML-safe
    excerpt: str  # plain text
    notices: tuple[Notice, ...] = ()
    # The posts the body names ({% post_url %}, {% link %}, {{< ref >}}), each with the URL it got (None: not
    # found). A kept body holds only while they get the same (links_hold).
    links: tuple[tuple[str, str | None], ...] = ()


class NamedLinks:
    """A body's look-up of the posts it names by file (``named_posts``), remembering each answer."""

    def __init__(self, look_up: Callable[[], Callable[[str], str | None]]):
        self._make, self._look_up = look_up, None
        self.answers: dict[str, str | None] = {}

    def get(self, name: str) -> str | None:
        if name not in self.answers:
            self._look_up = self._look_up or self._make()
            self.answers[name] = self._look_up(name)
        return self.answers[name]


def named_posts(site: Site, post: Post) -> Callable[[str], str | None]:
    """How ``post``'s body finds the URL of a post it names: Jekyll's ``post_url``/``link``, Hugo's ``ref``."""
    if site.jekyll is not None:
        from syndicate.render.jekyll_body import named_posts as jekyll_named

        return jekyll_named(site)
    if site.hugo is not None:
        from syndicate.render.hugo_body import named_posts as hugo_named

        return hugo_named(site, post)
    return lambda name: None


def links_hold(site: Site, rendered: Rendered) -> bool:
    """Whether every post a kept body names still gets the URL the body was rendered with.

    A body is kept while its own file and the site's inputs are unchanged;
    one that links to another post by name must be rendered again when that
    post's URL changed (its slug or permalink edited, the post gone or new).
    """
    if not rendered.links:
        return True
    look_up = named_posts(site, rendered.post)
    return all(look_up(name) == url for name, url in rendered.links)


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    # CommonMark passes raw HTML through; tables and strikethrough are what
    # Jekyll's kramdown users expect to keep working.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def to_html(body: str, body_format: str) -> str:
    """The body as HTML: Markdown rendered as CommonMark, HTML kept as is."""
    return _markdown().render(body) if body_format == "markdown" else body


def absolute_srcset(value: str, base: str) -> str:
    """Make every candidate URL of a ``srcset`` absolute, keeping descriptors."""
    candidates = []
    for found in SRCSET_CANDIDATE.finditer(value):
        url, descriptor = found.groups()
        if url:
            candidates.append(join_url(base, url) + (f" {descriptor}" if descriptor else ""))
    return ", ".join(candidates)


def safe_srcset(value: str, data_images: bool = False) -> str | None:
    """A ``srcset`` with only its http(s) and relative candidates (and ``data:image/`` ones with ``data_images``).

    nh3 checks the schemes of ``src`` and ``href``, not of the candidates of
    a ``srcset``, where a ``javascript:`` or ``data:text/html`` URL would go
    through. None when no candidate is left, so the attribute goes.
    """
    kept = []
    for found in SRCSET_CANDIDATE.finditer(value):
        url, descriptor = found.groups()
        if not url:
            continue
        scheme = SCHEME.match(url)
        if scheme and scheme.group(1).lower() not in ("http", "https") and not (
                data_images and scheme.group(1).lower() == "data" and url[5:11].lower() == "image/"):
            continue
        kept.append(url + (f" {descriptor}" if descriptor else ""))
    return ", ".join(kept) or None


# A URL's scheme, as browsers read one: letters first, then letters, digits, "+", "-" and ".".
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def absolute_urls(html: str, base: str) -> str:
    """Rewrite every relative URL in an HTML fragment against ``base``.

    Readers and mail clients show a post away from the site, where a relative
    image or link would be broken. A link within the body (``href="#fn:1"``,
    a footnote's) becomes the post's page with that fragment: readers resolve
    a bare fragment against the feed, or drop the ids it points to.
    """
    if not html.strip():
        return ""
    root = parse_fragment(html)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        # The attributes an element has (most have none), not each one it may have.
        for attribute in element.keys():
            if attribute in URL_ATTRIBUTES:
                element.set(attribute, join_url(base, element.get(attribute)))
            elif attribute in SRCSET_ATTRIBUTES:
                element.set(attribute, absolute_srcset(element.get(attribute), base))
    return serialise_children(root)


# What a feed entry's HTML may hold: the elements the W3C feed validator deems
# safe, less forms. Scripts, style sheets, frames and plug-ins go (feed readers
# strip them anyway, some only after running them); data-* attributes stay.
FEED_TAGS = {
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "bdi", "big",
    "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "data", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "footer", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "i", "img", "ins", "kbd", "li", "main", "map",
    "mark", "nav", "ol", "p", "picture", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section",
    "small", "source", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "track", "tt", "u", "ul", "var", "video", "wbr",
}
FEED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "style", "align", "width", "height"},
    "a": {"href", "hreflang", "name", "rel", "target", "type"},
    "img": {"src", "srcset", "sizes", "alt", "loading", "decoding", "usemap"},
    "video": {"src", "poster", "controls", "loop", "muted", "playsinline", "preload"},
    "audio": {"src", "controls", "loop", "muted", "preload"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "td": {"colspan", "rowspan", "headers"}, "th": {"colspan", "rowspan", "headers", "scope"},
    "col": {"span"}, "colgroup": {"span"}, "ol": {"start", "reversed", "type"}, "li": {"value"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "time": {"datetime"}, "data": {"value"}, "font": {"color", "face", "size"},
    "area": {"href", "alt", "shape", "coords"}, "map": {"name"}, "details": {"open"},
}
# Inline styles keep only what says how text looks; positioning and
# background images are what the validator (and readers) object to.
FEED_STYLE_PROPERTIES = {
    "color", "background-color", "text-align", "text-decoration", "text-indent", "font-size",
    "font-style", "font-weight", "line-height", "letter-spacing", "white-space", "vertical-align",
    "width", "height", "float", "clear", "direction", "list-style-type", "border-collapse",
}
# A declaration's value as the validator accepts it: words, numbers, units,
# #hex and whole-number rgb(); nothing that can call url() or expression().
PLAIN_CSS_VALUE = re.compile(r"[#\w.%]+(?:-[\w.%]+)*(?:\s+[#\w.%]+(?:-[\w.%]+)*)*"
                             r"|rgb\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*\)", re.ASCII)
# background-* values are held to the validator's colours only.
PLAIN_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)")
EMBEDS = {"iframe": "src", "embed": "src", "object": "data"}


def _data_urls_for_images_only(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: a ``data:`` URL stays only as an image.

    ``<a href="data:text/html,<script>…">`` is a page with a script in it,
    opened from nowhere; ``<img src="data:image/png;base64,…">`` is a picture.
    """
    if value.lstrip()[:5].lower() == "data:" and attribute in ("href", "src", "srcset", "cite", "poster"):
        if element not in ("img", "source") or value.lstrip()[5:11].lower() != "image/":
            return None
    return value


def plain_style(value: str) -> str | None:
    """Only the declarations of an inline style that readers and the validator accept.

    ``color: rgba(0,0,0,.5)`` or ``width: calc(…)`` would earn a "dangerous
    content" warning for the whole feed; they go, ``color: #ee2323`` stays.
    """
    kept = []
    for declaration in value.split(";"):
        name, _, text = declaration.partition(":")
        name, text = name.strip().lower(), text.strip()
        if name not in FEED_STYLE_PROPERTIES or not PLAIN_CSS_VALUE.fullmatch(text):
            continue
        if name.startswith("background") and not PLAIN_CSS_COLOUR.fullmatch(text):
            continue
        kept.append(f"{name}: {text}")
    return "; ".join(kept) or None


def _feed_attribute(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter for feeds: data: URLs for images only, plain styles only, safe srcsets."""
    if attribute == "style":
        return plain_style(value)
    if attribute == "srcset":
        return safe_srcset(value, data_images=element in ("img", "source"))
    return _data_urls_for_images_only(element, attribute, value)


def embeds_as_links(html: str) -> str:
    """Each embedded player (``<iframe>``, ``<embed>``, ``<object>``) as a link to what it showed, titled by its ``title``.

    Feeds and the digest both drop players; the link keeps the video findable.
    """
    import lxml.html

    if not any(f"<{tag}" in html for tag in EMBEDS):
        return html
    root = parse_fragment(html)
    for element in list(root.iter(*EMBEDS)):
        url = (element.get(EMBEDS[element.tag]) or "").strip()
        if urlsplit(url).scheme.lower() in ("http", "https"):
            link = lxml.html.Element("a", href=url)
            link.text = element.get("title") or url
            element.addprevious(link)
        if element.tag == "iframe":
            element.text = None  # fallback text, for browsers without frames
        # drop_tag, not drop_tree: libxml2 does not know <embed> is empty and
        # nests everything after it inside, which would all be lost.
        element.drop_tag()
    return serialise_children(root)


# One run renders each body once, and the feeds it is in (the home feed, a section's, a tag's, each in
# RSS, Atom and JSON Feed) take it each: a bound smaller than the posts in feeds (every page, on a Hugo
# site without an rssLimit) would clean each body again for every feed.
@lru_cache(maxsize=None)
def feed_html(html: str) -> str:
    """A rendered body as feed entries carry it: safe markup, nothing of the text lost.

    An embedded player (``<iframe>``, ``<embed>``, ``<object>``) becomes a link
    to what it showed, so readers still find the video. ``&nbsp;`` stays the
    character U+00A0, as in the post.
    """
    import nh3

    if not html.strip():
        return ""
    html = embeds_as_links(html)
    clean = nh3.clean(html, tags=FEED_TAGS, attributes=FEED_ATTRIBUTES, generic_attribute_prefixes={"data-"},
                      clean_content_tags={"script", "style", "template", "noscript", "textarea", "select"},
                      url_schemes={"http", "https", "mailto", "tel", "ftp", "data"}, link_rel=None,
                      attribute_filter=_feed_attribute,
                      strip_comments=True, filter_style_properties=FEED_STYLE_PROPERTIES)
    # html5ever writes U+00A0 as "&nbsp;"; a literal "&" is always "&amp;",
    # so this touches the entity only.
    return clean.replace("&nbsp;", "\u00a0")


def first_paragraph(html: str) -> str:
    """The text of the first paragraph with words in it, or of the whole body."""
    if not html.strip():
        return ""
    root = parse_fragment(html)
    for paragraph in root.iter("p"):
        text = " ".join(paragraph.text_content().split())
        if text:
            return text
    return html_to_text(html)


def render_post(site: Site, post: Post) -> Rendered:
    """Read a post's body again and make it ready for feeds and digests.

    The excerpt is the front-matter one; else the text before the site's
    excerpt separator (``<!--more-->``); else the first paragraph. Raises PostError.
    """
    result = render_many(site, [post])[0]
    if isinstance(result, PostError):
        raise result
    return result


def render_many(site: Site, posts: list[Post]) -> list[Rendered | PostError]:
    """``render_post`` of each post, in order, a body that fails giving its PostError in its place.

    A stage at a time over all the posts, as ``posts.load_many`` reads them:
    the bodies are read, then their Liquid or shortcodes run, then their
    Markdown is rendered and their URLs made absolute, then the excerpts
    made. Each stage's code stays in the processor's caches: the 244 bodies
    of the bench's 10,000-post Jekyll site take 7% less CPU in batches of 7
    (a render worker's chunk), 9% in batches of 100, than one at a time.
    """
    results: list = [None] * len(posts)
    drafts = []
    for number, post in enumerate(posts):
        try:
            drafts.append(_read_body(site, number, post))
        except PostError as exc:
            results[number] = exc
    for step in (_run_templates, _to_html, _excerpt):
        drafts = _stage(site, step, drafts, results)
    for draft in drafts:
        results[draft.number] = Rendered(draft.post, draft.html, draft.excerpt, tuple(draft.notices),
                                         tuple(sorted(draft.links.answers.items())))
    return results


@dataclass
class _Draft:
    """One body on its way through ``render_many``'s stages."""

    number: int  # its place in render_many's list
    post: Post
    meta: dict
    body: str  # as read; then with its Liquid or shortcodes run (render.jekyll_body, render.hugo_body)
    body_line: int
    links: NamedLinks
    notices: list[Notice]
    outputs: list[str] = field(default_factory=list)  # a Hugo page's {{< … >}} shortcodes' outputs
    html: str = ""
    excerpt: str = ""

    def markup(self, site: Site, text: str) -> str:
        """Text of this body as HTML, its shortcodes' outputs put in place."""
        rendered = _markup(site, text, self.post.body_format)
        if not self.outputs:
            return rendered
        from syndicate.render.hugo_body import restore_shortcodes

        return restore_shortcodes(rendered, self.outputs)


def _stage(site: Site, step: Callable[[Site, _Draft], None], drafts: list[_Draft], results: list) -> list[_Draft]:
    """``step`` of each draft; a draft whose step raises PostError leaves the stages, its error in ``results``."""
    done = []
    for draft in drafts:
        try:
            step(site, draft)
        except PostError as exc:
            results[draft.number] = exc
            continue
        done.append(draft)
    return done


def _read_body(site: Site, number: int, post: Post) -> _Draft:
    text = read_post_text(post.source, post.name)
    meta, body, body_line = split_front_matter(text, post.name, last_key_wins=site.jekyll is not None,
                                               space_first=site.hugo is not None)
    notices: list[Notice] = []
    body, removed = clean_text(body)
    if removed:
        notices.append(Notice(f"removed {removed} control character(s) from the body", post.name))
    return _Draft(number, post, meta, body, body_line, NamedLinks(lambda: named_posts(site, post)), notices)


def _run_templates(site: Site, draft: _Draft) -> None:
    """Liquid on a Jekyll site, shortcodes on a Hugo site: what the generator runs before Markdown."""
    post = draft.post
    if site.jekyll is not None:
        from syndicate.render.jekyll_body import jekyll_liquid

        draft.body, more = jekyll_liquid(site, post, draft.meta, draft.body, draft.body_line, draft.links.get)
        draft.notices += more
    if site.hugo is not None:
        from syndicate.render.goldmark import goldmark
        from syndicate.render.hugo_body import hugo_shortcodes

        inline = goldmark(site.hugo.goldmark).renderInline
        draft.body, more, draft.outputs = hugo_shortcodes(
            site, post, draft.meta, draft.body, draft.body_line, lambda text: inline(text).strip(),
            lambda text: _markup(site, text, post.body_format), draft.links.get)
        draft.notices += more


def _to_html(site: Site, draft: _Draft) -> None:
    base = draft.post.url
    if site.hugo is not None:
        from syndicate.sources.hugo import resources_url

        # An uglyURLs bundle's files are in a folder.
        base = resources_url(site.hugo, draft.post.name, draft.post.url, draft.meta)
    draft.html = absolute_urls(draft.markup(site, draft.body), base)


def _excerpt(site: Site, draft: _Draft) -> None:
    post, body = draft.post, draft.body
    excerpt = post.excerpt
    if site.hugo is not None:
        from syndicate.render.hugo_body import hugo_summary

        excerpt = hugo_summary(post, body, draft.html, site.hugo.summary_length,
                               lambda text: draft.markup(site, text))
    elif excerpt is None and site.excerpt_separator in body:
        head = body.split(site.excerpt_separator, 1)[0]
        excerpt = html_to_text(_markup(site, head, post.body_format))
    draft.excerpt = excerpt or first_paragraph(draft.html)


def _markup(site: Site, body: str, body_format: str) -> str:
    """A body's HTML: Markdown as kramdown reads it on a Jekyll site, as CommonMark elsewhere."""
    if site.jekyll is not None and body_format == "markdown":
        from syndicate.render.kramdown import kramdown_html

        return kramdown_html(body)
    if site.hugo is not None and body_format == "markdown":
        from syndicate.render.goldmark import goldmark

        return goldmark(site.hugo.goldmark).render(body)
    return to_html(body, body_format)


def missing_alt_text(post: Post, html: str) -> list[Notice]:
    """A warning for each image in a rendered body with no alt text, at the line of the post file that names it.

    With images off (many mail clients' default) such an image shows its file
    name or a blank box, and a screen reader has nothing to say.
    """
    if "<img" not in html:
        return []
    bare = [image.get("src", "") for image in parse_fragment(html).iter("img") if not image.get("alt", "").strip()]
    if not bare:
        return []
    lines = read_post_text(post.source, post.name).split("\n")
    notices, start = [], post.body_line - 1
    for src in bare:
        name = unquote(urlsplit(src).path.rsplit("/", 1)[-1])
        found = next((i for i in range(start, len(lines)) if name and name in unquote(lines[i])), None)
        if found is not None:
            start = found + 1
        notices.append(Notice(f"an image has no alt text ({name or src}): with images off, readers see nothing "
                              "or its file name; describe it, e.g. ![a chart of sales](chart.png)",
                              post.name, None if found is None else found + 1))
    return notices


def render_posts(site: Site, posts: list[Post]) -> Iterator[Rendered | PostError]:
    """``render_post`` of each post, in order, with the error in place of a body that fails.

    The pipeline's ``BodyRenderer``; the incremental layer has one that keeps
    bodies and renders many in worker processes.
    """
    for start in range(0, len(posts), RENDER_BATCH):
        yield from render_many(site, posts[start:start + RENDER_BATCH])


RENDER_BATCH = 100  # bodies ``render_posts`` gives ``render_many`` at a time


def prepare(site: Site) -> None:
    """Import and build what rendering a body needs, before worker processes are forked from this one."""
    import lxml.html  # noqa: F401

    _markdown()
    if site.hugo is not None:
        from syndicate.render.goldmark import goldmark

        goldmark(site.hugo.goldmark)
    if site.jekyll is not None:
        from syndicate.render.jekyll_body import prepare as prepare_jekyll

        prepare_jekyll(site)
