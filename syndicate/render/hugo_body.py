"""A Hugo page's body as Hugo renders it, as far as it can be without Hugo: shortcodes and summaries.

Shortcodes are Go templates, Hugo's own and the site's (``layouts/shortcodes/``).
Hugo 0.111's built-in ones that a feed can show are rendered here:
``figure``, ``highlight``, ``param``, ``details`` (Hugo 0.140's), and the embeds (``youtube``,
``vimeo``, ``gist``, ``tweet``/``x``, ``instagram``) as a link with its
title, since feed readers drop iframes and scripts. A site's own shortcode
cannot run: its tags go and its inner text stays, with a warning naming
the file and line, so that no reader sees ``{{< note >}}``. Printed raw they
would show to every reader; 78 summaries on one site were nothing else.

The summary is Hugo's ``.Summary``: the front matter's, else the text before
``<!--more-->``, else Hugo 0.111's automatic one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Callable, Mapping

from datetime import datetime
from pathlib import Path

from syndicate.errors import Notice, PostError
from syndicate.sources.config import Site
from syndicate.sources.hugo import CONTENT_SUFFIXES
from syndicate.sources.posts import Post, load_post, walk_posts_folder
from syndicate.text import html_to_text

# A shortcode's tag: {{< name … >}} or {{% name … %}}, closing ones ({{< /name >}})
# and self-closing ones ({{< name … />}}) too; {{</* … */>}} is Hugo's way to show one as text.
SHORTCODE = re.compile(r"\{\{(?P<open><|%)(?P<escape>/\*)?\s*(?P<close>/)?\s*(?P<name>[\w./-]+)(?P<args>.*?)"
                       r"(?P<end_escape>\*/)?\s*(?:>|%)\}\}", re.DOTALL)
# One argument: name="value", name=value, "value" or value (Go's raw `value` too).
ARGUMENT = re.compile(r'(?:(\w+)=)?("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)')
MORE = "<!--more-->"
# Where a {{< … >}} shortcode's output waits while the body is rendered, as in Hugo: letters only,
# which Markdown leaves alone (in a link's URL too), and raw HTML it is not (goldmark's unsafe = false).
PLACEHOLDER = "HAHAHUGOSHORTCODE{}HBHB"
PLACEHOLDERS = re.compile(r"(<p>)?HAHAHUGOSHORTCODE(\d+)HBHB(</p>)?")


class Arguments:
    """A shortcode's arguments, by name and by position, as ``.Get`` reads them."""

    def __init__(self, text: str):
        self.named: dict[str, str] = {}
        self.positional: list[str] = []
        for name, value in ARGUMENT.findall(text.strip().removesuffix("/")):
            if value[:1] == '"':
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            elif value[:1] == "`":
                value = value[1:-1]
            if name:
                self.named[name] = value
            else:
                self.positional.append(value)

    def get(self, name: str, position: int | None = None) -> str:
        if name in self.named:
            return self.named[name]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return ""


@dataclass(frozen=True)
class Page:
    """What a shortcode may read of its page: its ``.Param``s, and Markdown to HTML (``markdownify``)."""

    params: Mapping[str, Any]  # the page's front matter over the site's params, keys lower-cased
    inline_markdown: Callable[[str], str]  # Markdown rendered with no paragraph around it
    ref: Callable[[str], str | None]  # a page's path or name (ref, relref) → its URL; None: no such post
    markdown: Callable[[str], str] = str  # Markdown rendered as the body is (a mapped shortcode's inner content)
    snippets: Mapping[str, str] = field(default_factory=dict)  # [hugo.shortcodes]: name → Jinja snippet


def _attribute(value: str) -> str:
    return html.escape(value, quote=True)


def _figure(args: Arguments, inner: str, page: Page) -> str:
    """Hugo 0.111's ``figure``: the image (in its link), then a caption of title, caption and attribution."""
    src, link, caption, title, attr = (args.get(k) for k in ("src", "link", "caption", "title", "attr"))
    alt = args.get("alt") or html_to_text(page.inline_markdown(caption)) if (args.get("alt") or caption) else ""
    image = f'<img src="{_attribute(src)}"' + (f' alt="{_attribute(alt)}"' if alt else "")
    image += "".join(f' {k}="{_attribute(args.get(k))}"' for k in ("width", "height") if args.get(k)) + "/>"
    if link:
        image = f'<a href="{_attribute(link)}">{image}</a>'
    caption_html = ""
    if title or caption or attr:
        caption_html = "<figcaption>" + (f"<h4>{html.escape(title)}</h4>" if title else "")
        if caption or attr:
            attribution = page.inline_markdown(attr) if attr else ""
            if attr and args.get("attrlink"):
                attribution = f'<a href="{_attribute(args.get("attrlink"))}">{attribution}</a>'
            caption_html += f"<p>{page.inline_markdown(caption) if caption else ''}{attribution}</p>"
        caption_html += "</figcaption>"
    css = f' class="{_attribute(args.get("class"))}"' if args.get("class") else ""
    return f"<figure{css}>{image}{caption_html}</figure>"


def _highlight(args: Arguments, inner: str, page: Page) -> str:
    """``highlight``: the code as a code block in its language (Hugo's colours are only markup)."""
    language = args.get("", 0)
    css = f' class="language-{_attribute(language)}"' if language else ""
    return f"<pre><code{css}>{html.escape(inner.strip(chr(10)))}</code></pre>"


def _details(args: Arguments, inner: str, page: Page) -> str:
    """``details`` (built in since Hugo 0.140), as its embedded template writes it: a ``<details>`` element
    with ``class``, ``name``, ``open`` and ``title``, its ``summary`` (default "Details") rendered as inline
    Markdown, then the inner content as Markdown."""
    attributes = "".join(f' {name}="{_attribute(args.get(name))}"' for name in ("class", "name") if args.get(name))
    attributes += " open" if args.get("open") in ("true", "1") else ""
    attributes += f' title="{_attribute(args.get("title"))}"' if args.get("title") else ""
    summary = page.inline_markdown(args.get("summary") or "Details")
    return f"<details{attributes}>\n  <summary>{summary}</summary>\n  {page.markdown(inner).strip()}\n</details>"


def _param(args: Arguments, inner: str, page: Page) -> str:
    """``param``: the page's front-matter value of that name, else the site's ``params``, as text."""
    value = page.params.get(args.get("", 0).lower())
    return "" if value is None else html.escape(str(value))


Renderer = Callable[[Arguments, str, Page], str]  # the arguments, the inner content (paired ones), the page


class CannotRun(Exception):
    """A shortcode that cannot be rendered here: it is left out, with a warning."""


class RefNotFound(CannotRun):
    """A ``ref``/``relref`` to no post of the site (Hugo stops the build; here the link is left empty)."""


def _ref(args: Arguments, inner: str, page: Page) -> str:
    """``ref`` and ``relref``: the absolute URL of the post named (a feed's links must be absolute either way)."""
    target = args.get("path", 0)
    url = page.ref(target)
    if url is None:
        raise RefNotFound(target)
    return url


def _embed(url: str, title: str) -> Renderer:
    """An embed (``youtube``, ``vimeo``…) as a link to its page: feed readers show no iframe or script."""
    def render(args: Arguments, inner: str, page: Page) -> str:
        values = {"id": args.get("id", 0), "user": args.get("user", 0), "gist": args.get("", 1)}
        if not all(values[key] for key in re.findall(r"\{(\w+)\}", url)):
            return ""
        href = url.format(**{key: _attribute(value) for key, value in values.items()})
        text = html.escape(args.get("title") or title.format(**values))
        return f'<p><a href="{href}">{text}</a></p>'
    return render


@lru_cache(maxsize=None)
def _template(source: str):
    """A ``[hugo.shortcodes]`` snippet, compiled once a process, its values HTML-escaped."""
    import jinja2

    return jinja2.Environment(autoescape=True).from_string(source)


def _snippet(args: Arguments, inner: str, page: Page, source: str) -> str:
    """A site's shortcode as its ``[hugo.shortcodes]`` snippet: its named arguments by name, the others as
    ``args[0]``…, and ``inner``, the inner content (between the tags) rendered as Markdown.

    A name the shortcode was not given is empty, as Hugo's ``.Get`` gives it.
    """
    import jinja2
    from markupsafe import Markup

    values = {**args.named, "args": args.positional, "inner": Markup(page.markdown(inner).strip()) if inner else ""}
    try:
        return _template(source).render(values)
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise CannotRun(str(exc) or type(exc).__name__) from None


BUILT_IN: dict[str, Renderer] = {
    "details": _details,
    "figure": _figure,
    "highlight": _highlight,
    "param": _param,
    "ref": _ref,
    "relref": _ref,
    "youtube": _embed("https://www.youtube.com/watch?v={id}", "YouTube video"),
    "vimeo": _embed("https://vimeo.com/{id}", "Vimeo video"),
    "gist": _embed("https://gist.github.com/{user}/{gist}", "Gist {user}/{gist}"),
    "tweet": _embed("https://twitter.com/{user}/status/{id}", "Post by @{user}"),
    "x": _embed("https://x.com/{user}/status/{id}", "Post by @{user}"),
    "instagram": _embed("https://www.instagram.com/p/{id}/", "Instagram post"),
}
PAIRED = frozenset({"details", "highlight"})  # built-ins whose inner content is theirs, not the page's


def render_shortcodes(body: str, page: Page) -> tuple[str, list[tuple[int, str, str]], list[str]]:
    """The body with Hugo's built-in shortcodes rendered and the site's taken out (their inner content kept).

    Returns the body, each shortcode that could not run (its line in the
    body, its tag as written, why, when its snippet failed), and the
    outputs of the ``{{< … >}}`` ones: the body holds placeholders for them,
    which ``restore_shortcodes`` replaces once it is rendered, as Hugo does
    (a ``{{% … %}}`` one's output is Markdown, rendered with the body). An
    escaped one (``{{</* x */>}}``) is shown as Hugo shows it, ``{{< x >}}``.
    """
    matches = list(SHORTCODE.finditer(body))
    out: list[str] = []
    outputs: list[str] = []
    left_out: list[tuple[int, str, str]] = []  # (line, tag, why): each one that cannot run
    position = index = 0
    while index < len(matches):
        found = matches[index]
        out.append(body[position:found.start()])
        position = found.end()
        index += 1
        if found["escape"] and found["end_escape"]:
            inner = found.group(0)[len("{{" + found["open"] + "/*"):-len("*/" + found.group(0)[-3:])]
            out.append("{{" + found["open"] + inner + found.group(0)[-3:])
            continue
        if found["close"]:
            continue  # a site shortcode's closing tag: its opening one was reported
        name = found["name"]
        inner = ""
        if name in PAIRED or name in page.snippets:
            closing = next((i for i in range(index, len(matches))
                            if matches[i]["close"] and matches[i]["name"] == name), None)
            if closing is not None:
                inner, position, index = body[found.end():matches[closing].start()], matches[closing].end(), closing + 1
        source = page.snippets.get(name)
        render = BUILT_IN.get(name) if source is None else partial(_snippet, source=source)
        try:
            if render is None:
                raise CannotRun()
            rendered = render(Arguments(found["args"]), inner, page)
            if found["open"] == "<":
                outputs.append(rendered)
                rendered = PLACEHOLDER.format(len(outputs) - 1)
            out.append(rendered)
        except CannotRun as exc:
            out.append(inner)  # a mapped one's, whose snippet failed: kept as another site shortcode's is
            left_out.append((body.count("\n", 0, found.start()) + 1, found.group(0)[:80], str(exc)))
    out.append(body[position:])
    return "".join(out), left_out, outputs


def restore_shortcodes(html_text: str, outputs: list[str]) -> str:
    """The rendered body with each ``{{< … >}}`` shortcode's output in its placeholder's place.

    A placeholder alone in a paragraph takes the paragraph's place, as in Hugo.
    """
    if not outputs:
        return html_text

    def output(found: re.Match) -> str:
        index = int(found[2])
        if index >= len(outputs):
            return found[0]
        if found[1] and found[3]:
            return outputs[index]
        return (found[1] or "") + outputs[index] + (found[3] or "")

    return PLACEHOLDERS.sub(output, html_text)


def hugo_shortcodes(site: Site, post: Post, meta: Mapping, body: str, body_line: int,
                    inline_markdown: Callable[[str], str], markdown: Callable[[str], str],
                    named: Callable[[str], str | None]) -> tuple[str, list[Notice], list[str]]:
    """``render_shortcodes`` of a page's body, with a warning at the first shortcode that cannot run, counting them.

    ``named`` finds the URL of a page that ``ref`` and ``relref`` name (``named_posts``).
    """
    if "{{" not in body:
        return body, [], []
    params = {**dict(site.hugo.params), **{str(key).lower(): value for key, value in meta.items()}}
    body, left_out, outputs = render_shortcodes(body, Page(params, inline_markdown, named,
                                                           markdown, dict(site.hugo.shortcodes)))
    if not left_out:
        return body, [], outputs
    line, tag, why = left_out[0]
    more = f" (and {len(left_out) - 1} more)" if len(left_out) > 1 else ""
    why = f" (its [hugo.shortcodes] snippet failed: {why})" if why else ""
    return body, [Notice(f"Hugo shortcode {tag} cannot run here{why}; left out, its inner text kept{more}",
                         post.name, body_line + line - 1)], outputs


def named_posts(site: Site, post: Post) -> Callable[[str], str | None]:
    """``ref``/``relref``'s look-up for ``post``'s body: a page's path or name → its URL (``_References``)."""
    return _References(site, post).url


class _References:
    """``ref``/``relref``'s look-up, as Hugo's ``GetPage`` finds a page: a path under the content folder
    (``posts/x.md``, ``/posts/bundle``), one relative to the page's folder, or a file's name anywhere
    (``x``, ``x.md``); ``#anchor`` kept. Looked up when asked: a body that refers to nothing costs nothing.
    """

    def __init__(self, site: Site, post: Post):
        self.site, self.post = site, post
        self.content = site.root / site.hugo.content_root(post.name)  # a language's own folder, where it has one

    def url(self, target: str) -> str | None:
        path, _, anchor = target.strip().partition("#")
        fragment = "#" + anchor if anchor else ""
        if not path:
            return self.post.url + fragment
        bases = [self.content] if path.startswith("/") else [self.post.source.parent, self.content]
        for base in bases:
            found = self._file(base / path.lstrip("/"))
            if found is not None:
                return self._post_url(found, fragment)
        name = Path(path).name
        wanted = {name} | {name + suffix for suffix in CONTENT_SUFFIXES}
        named = [Path(folder, entry.name) for folder, entries in walk_posts_folder(self.site) for entry in entries or ()
                 if entry.name in wanted]
        return self._post_url(named[0], fragment) if len(named) == 1 else None

    def _file(self, path: Path) -> Path | None:
        candidates = [path] if path.suffix in CONTENT_SUFFIXES else []
        candidates += [path.with_name(path.name + suffix) for suffix in CONTENT_SUFFIXES]
        candidates += [path / f"index{suffix}" for suffix in CONTENT_SUFFIXES]
        for candidate in candidates:
            if candidate.is_file() and candidate.resolve().is_relative_to(self.content.resolve()):
                return candidate
        return None

    def _post_url(self, path: Path, fragment: str) -> str | None:
        try:
            post, _ = load_post(self.site, path, {}, datetime.max.replace(tzinfo=self.site.timezone))
        except PostError:
            return None
        return post.url + fragment if post is not None else None


def end_of_sentence(character: str) -> bool:
    return character in '.?!"\n'


def automatic_summary(html_text: str, length: int) -> str:
    """Hugo 0.111's automatic summary: the text of the HTML, cut after the sentence holding its ``length``-th word.

    Hugo's ``TruncateWordsToWholeSentence`` on ``StripHTML``'s text: line
    breaks become spaces and paragraph ends line breaks; every white-space
    character ends a word; from the last one counted, the text runs to the
    next ". ? ! \"" or line break, in the text as written in HTML: goldmark
    writes a straight quote as ``&quot;`` (a curly one as ``&rdquo;``), which
    ends nothing.
    """
    text = re.sub(r"<br\s*/?>|</p>", "\n", html_text.replace("\n", " "))
    text = re.sub(r"<[^>]*>", "", text).replace('"', "&quot;")
    return html.unescape(_whole_sentences(text, length)).strip()


def _whole_sentences(text: str, length: int) -> str:
    """``text`` cut after the sentence holding its ``length``-th word (``automatic_summary``'s rule)."""
    count, last = 0, -1
    for index, character in enumerate(text):
        if character.isspace():
            count, last = count + 1, index
            if count >= length:
                break
    if last == -1:
        return text.strip()
    end = next((index + 1 for index in range(last, len(text)) if end_of_sentence(text[index])), None)
    return text.strip() if end is None else text[:end].strip()


def hugo_summary(post: Post, body: str, html_body: str, summary_length: int,
                 markup: Callable[[str], str]) -> str:
    """Hugo's ``.Summary``, as text: the front matter's, else the body before ``<!--more-->``, else the automatic one.

    ``markup``: the body's Markdown (or HTML) to HTML.
    """
    if post.excerpt:
        return post.excerpt
    if MORE in body:
        return html_to_text(markup(body.split(MORE, 1)[0]))
    return automatic_summary(html_body, summary_length)
