"""Markdown as Hugo 0.111 renders it: goldmark 1.5.4, with Hugo's extensions and the site's ``markup.goldmark``.

markdown-it-py parses CommonMark as goldmark does; what goldmark adds is
added here as markdown-it rules, each writing goldmark's markup (checked
against the pages ``hugo`` 0.111.3 writes, tests/test_hugo_markup.py):

- raw HTML omitted (``<!-- raw HTML omitted -->``) unless ``renderer.unsafe``;
- the typographer: curly quotes, – — … « »;
- linkify: ``https://…``, ``www.…`` (with ``linkifyProtocol``) and e-mail
  addresses as links, by goldmark's own patterns and trimming rules (not
  linkify-it's: goldmark links no bare ``example.com``, and keeps a ``)``
  linkify-it would drop), where goldmark looks for one: at a line's start,
  after a space, ``(``, ``*``, ``_``, ``~``, or any other inline element;
- footnotes (mdit-py-plugins' parser, goldmark's markup:
  ``<sup id="fnref:1">``, ``<div class="footnotes" role="doc-endnotes">``);
- definition lists (goldmark's rules: each line of the paragraph above a
  ``: `` line is a term; a description after a blank line is loose);
- task lists: ``[ ]``, ``[x]`` in a list item's first paragraph;
- strikethrough (``~~``) and tables, markdown-it's own;
- heading ids (``parser.autoHeadingID``, github, github-ascii or
  blackfriday), made from the heading's source text as goldmark makes them,
  ``-1``, ``-2`` for repeats; ``{#id .class key=value}`` after a heading
  (``parser.attribute.title``) and on a line under a block
  (``parser.attribute.block``);
- ``renderer.hardWraps`` and ``renderer.xhtml``.

The plugins markdown-it-py has for these write other markup (mdit-py-plugins'
tasklists, anchors, deflist, attrs) or follow other rules (a term of one line
only, the list tight or loose as a whole; ids from the rendered text;
attributes before a block); where so, the rule is goldmark's, written here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from syndicate.sources.hugo import Goldmark

RAW_HTML_OMITTED = "<!-- raw HTML omitted -->"

# goldmark's typographer, besides curly quotes: dashes, ellipses and angle quotes ("(c)" stays);
# an apostrophe before a number ('90s) is a closing quote.
TYPOGRAPHER = re.compile(r"---|--|\.\.\.|<<|>>|(?<![^\s(\[])'(?=\d)")
TYPOGRAPHER_CHARACTERS = {"---": "\u2014", "--": "\u2013", "...": "\u2026", "<<": "\u00ab", ">>": "\u00bb",
                          "'": "\u2019"}

# goldmark's linkify patterns (extension/linkify.go), and what ends an e-mail address's local part.
URL = re.compile(r"(?:http|https|ftp)://[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]+(?::[0-9]+)?"
                 r"(?:[/#?][-a-zA-Z0-9@:%_+.~#$!?&/=();,'\">^{}\[\]`]*)?")
WWW = re.compile(r"www\.[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]+(?:[/#?][-a-zA-Z0-9@:%_+.~#!?&/=();,'\">^{}\[\]`]*)?")
EMAIL_LOCAL = re.compile(r"[-!#$%&'*+./0-9=?A-Z^_`a-z{|}~]+")
LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
EMAIL_DOMAIN = re.compile(rf"{LABEL}(?:\.{LABEL})*")
ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
SPACE = " \t\n\x0b\x0c\r"
# Where goldmark tries a link: after white space and what its linkify parser itself is triggered by, and
# after any other inline element: with the typographer, a dash, an ellipsis, an opening quote.
TRIGGERS = (re.compile(r"[ \t\n\x0b\x0c\r(*_~]"),
            re.compile(r"(?<=--|\.\.|<<|>>)|(?:^|(?<=[\s!-/:-@\[-`{-~]))[\"']"))
# goldmark's task check box (extension/tasklist.go): in a list item's first paragraph, anywhere.
TASK = re.compile(r"\[([ \t\n\x0c\rxX])\][ \t\n\x0c\r]*")

# The attributes goldmark writes on each element (renderer/html: the global ones, and each element's own);
# a heading takes any but on* (Hugo's heading renderer), every element data-*.
GLOBAL_ATTRIBUTES = frozenset({
    "accesskey", "autocapitalize", "autofocus", "class", "contenteditable", "dir", "draggable", "enterkeyhint",
    "hidden", "id", "inert", "inputmode", "is", "itemid", "itemprop", "itemref", "itemscope", "itemtype", "lang",
    "part", "role", "slot", "spellcheck", "style", "tabindex", "title", "translate"})
OWN_ATTRIBUTES = {
    "blockquote_open": {"cite"}, "bullet_list_open": {"start", "reversed", "type"},
    "ordered_list_open": {"start", "reversed", "type"}, "hr": {"align", "color", "noshade", "size", "width"},
    "table_open": {"align", "bgcolor", "border", "cellpadding", "cellspacing", "frame", "rules", "summary", "width"},
    "paragraph_open": set(), "dl_open": set(), "heading_open": set(),
}


@lru_cache(maxsize=8)
def goldmark(settings: Goldmark):
    """A markdown-it parser and renderer that writes what Hugo 0.111 writes with ``settings``."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": True, "xhtmlOut": settings.xhtml, "breaks": settings.hard_wraps})
    if settings.table:
        markdown.enable("table")
        if settings.xhtml:  # goldmark's cell alignment: an attribute in XHTML, a style in HTML
            markdown.core.ruler.push("goldmark_align", _align_attributes)
    if settings.strikethrough:
        markdown.enable("strikethrough")
        markdown.add_render_rule("s_open", lambda *_: "<del>")
        markdown.add_render_rule("s_close", lambda *_: "</del>")
    if not settings.unsafe:
        markdown.add_render_rule("html_block", lambda *_: RAW_HTML_OMITTED + "\n")
        markdown.add_render_rule("html_inline", lambda *_: RAW_HTML_OMITTED)
    if settings.attribute_block:
        markdown.block.ruler.before("paragraph", "goldmark_attributes", _attribute_block,
                                    {"alt": ["paragraph", "blockquote", "list"]})
    if settings.definition_list:
        markdown.block.ruler.before("paragraph", "goldmark_definitions", _definition, {"alt": ["paragraph"]})
    if settings.footnote:
        from mdit_py_plugins.footnote import footnote_plugin

        markdown.use(footnote_plugin, inline=False)
        for name, render in _FOOTNOTE_RENDERERS.items():
            markdown.add_render_rule(name, render)
    markdown.core.ruler.after("block", "goldmark_headings", lambda state: _headings(state, settings))
    if settings.linkify:
        markdown.core.ruler.after("inline", "goldmark_linkify", lambda state: _linkify(state, settings))
    if settings.task_list:
        markdown.core.ruler.before("text_join", "goldmark_tasks", _tasks)
        markdown.add_render_rule("goldmark_checkbox", _checkbox)
    if settings.typographer:
        markdown.options["typographer"] = True
        markdown.enable("smartquotes")
        # Before text_join: an escaped character (\-\-) is not the typographer's, as in goldmark.
        markdown.core.ruler.before("text_join", "hugo_typographer", _typographer)
    return markdown


def _align_attributes(state) -> None:
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and str(token.attrs.get("style", "")).startswith("text-align:"):
            token.attrs = {"align": str(token.attrs.pop("style")).removeprefix("text-align:"), **token.attrs}


# --- the typographer --------------------------------------------------------


def _typographer(state) -> None:
    """A core rule after markdown-it's smart quotes: goldmark's other substitutions, in text (not in a URL shown)."""
    for token in state.tokens:
        autolink = False
        for child in token.children or ():
            if child.type in ("link_open", "link_close"):
                autolink = child.type == "link_open" and child.info == "auto"
            elif child.type == "text" and not autolink:
                child.content = TYPOGRAPHER.sub(lambda found: TYPOGRAPHER_CHARACTERS[found[0]], child.content)


# --- linkify ------------------------------------------------------------------


def _linkify(state, settings: Goldmark) -> None:
    """Bare URLs, ``www.`` names and e-mail addresses in text as links, where goldmark's linkify finds them."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children, link, previous = [], 0, None
        for index, child in enumerate(token.children):
            if child.type == "link_open":
                link += 1
            elif child.type == "link_close":
                link -= 1
            if child.type == "text" and not link and child.content:
                # A text that follows any other inline element starts where goldmark looks for a link;
                # one that follows an escaped character or an entity (text_special) does not.
                head = previous is None or previous.type != "text_special"
                following = token.children[index + 1] if index + 1 < len(token.children) else None
                after = following.markup[:1] if following is not None and following.type != "text" else ""
                children += _links_in(child, head, after if after == "_" else "", state.md, settings)
            else:
                children.append(child)
            previous = child
        token.children = children


def _links_in(text, head: bool, after: str, md, settings: Goldmark) -> list:
    """``text`` as texts and links; ``head``: whether goldmark looks for a link at its start; ``after``: the
    character of the source just after it, where known (an emphasis's "_")."""
    from markdown_it.token import Token

    content = text.content
    if "://" not in content and "www." not in content and "@" not in content:
        return [text]
    line = content + after
    candidates = sorted({found.end() for pattern in (TRIGGERS if settings.typographer else TRIGGERS[:1])
                         for found in pattern.finditer(content)} | ({0} if head else set()))
    out, start = [], 0
    for position in candidates:
        if position < start or position >= len(content):
            continue
        found = _link_at(line, position)
        if found is None:
            continue
        end, kind = found
        end = min(end, len(content))
        label = content[position:end]
        href = {"url": label, "www": f"{settings.linkify_protocol}://{label}", "email": f"mailto:{label}"}[kind]
        if position > start:
            out.append(_text(content[start:position], text))
        link = Token("link_open", "a", 1, attrs={"href": md.normalizeLink(href)}, markup="linkify", info="auto",
                     level=text.level)
        # text_special: markdown-it's smart quotes and goldmark's typographer leave a URL as written
        out += [link, Token("text_special", "", 0, content=label, level=text.level + 1),
                Token("link_close", "a", -1, markup="linkify", info="auto", level=text.level)]
        start = end
    if start == 0:
        return [text]
    if start < len(content):
        out.append(_text(content[start:], text))
    return out


def _text(content: str, like):
    from markdown_it.token import Token

    return Token("text", "", 0, content=content, level=like.level)


def _link_at(line: str, position: int) -> tuple[int, str] | None:
    """goldmark's linkify at ``position`` of ``line``: where the link ends and its kind ("url", "www", "email")."""
    found = URL.match(line, position) if line.startswith(("http:", "https:", "ftp:"), position) else None
    kind = "url"
    if found is None and line.startswith("www.", position):
        found, kind = WWW.match(line, position), "www"
    if found is not None:
        end = found.end()
        last = line[end - 1]
        if last == ".":
            end -= 1
        elif last == ")":
            closing = line.count(")", position, end) - line.count("(", position, end)
            if closing > 0:
                end -= closing
        elif last == ";":
            i = end - 2
            while i >= position and line[i].isascii() and line[i].isalnum():
                i -= 1
            if i != end - 2 and line[i] == "&":
                end = i
    else:
        if line[position] in ASCII_PUNCTUATION:
            return None
        end = _email_end(line, position)
        if end is None:
            return None
        kind = "email"
    i = end - 1
    while i > position and line[i] in "?!.,:*_~":
        i -= 1
    return i + 1, kind


def _email_end(line: str, position: int) -> int | None:
    local = EMAIL_LOCAL.match(line, position)
    if local is None or line[local.end():local.end() + 1] != "@":
        return None
    at = local.end()
    domain = EMAIL_DOMAIN.match(line, at + 1)
    if domain is None:
        return None
    stop = domain.end()
    if "." not in line[at:stop - 1]:
        return None
    if line[stop - 1] == ".":
        stop -= 1
    if line[stop:stop + 1] in ("-", "_"):
        return None
    return stop


# --- task lists ---------------------------------------------------------------


def _tasks(state) -> None:
    """``[ ]`` and ``[x]`` in the first paragraph of a list item as goldmark's disabled check boxes."""
    from markdown_it.token import Token

    tokens = state.tokens
    for index in range(len(tokens) - 2):
        if tokens[index].type != "list_item_open" or tokens[index + 1].type != "paragraph_open":
            continue
        inline = tokens[index + 2]
        children, link = [], 0
        for child in inline.children or ():
            link += (child.type == "link_open") - (child.type == "link_close")
            if child.type != "text" or link or "[" not in child.content:
                children.append(child)
                continue
            start = 0
            for found in TASK.finditer(child.content):
                if found.start() > start:
                    children.append(_text(child.content[start:found.start()], child))
                children.append(Token("goldmark_checkbox", "input", 0, level=child.level,
                                      meta={"checked": found[1] in "xX"}))
                start = found.end()
            if start < len(child.content):
                children.append(_text(child.content[start:], child))
        inline.children = children


def _checkbox(renderer, tokens, index, options, env) -> str:
    checked = 'checked="" ' if tokens[index].meta["checked"] else ""
    return f'<input {checked}disabled="" type="checkbox"' + (" /> " if options["xhtmlOut"] else "> ")


# --- footnotes: mdit-py-plugins' tokens, goldmark's markup ---------------------


def _number(token) -> str:
    return str(token.meta["id"] + 1)


def _reference(token) -> str:
    """``fnref:1`` for a footnote's first reference, ``fnref1:1`` for its second, as goldmark names them."""
    return f"fnref{token.meta.get('subId') or ''}:{_number(token)}"


_FOOTNOTE_RENDERERS = {
    "footnote_ref": lambda self, tokens, i, options, env: (
        f'<sup id="{_reference(tokens[i])}"><a href="#fn:{_number(tokens[i])}" class="footnote-ref" '
        f'role="doc-noteref">{_number(tokens[i])}</a></sup>'),
    "footnote_block_open": lambda self, tokens, i, options, env: (
        '<div class="footnotes" role="doc-endnotes">\n' + ("<hr />" if options["xhtmlOut"] else "<hr>") + "\n<ol>\n"),
    "footnote_block_close": lambda *_: "</ol>\n</div>\n",
    "footnote_open": lambda self, tokens, i, options, env: f'<li id="fn:{_number(tokens[i])}">\n',
    "footnote_close": lambda *_: "</li>\n",
    "footnote_anchor": lambda self, tokens, i, options, env: (
        f'&#160;<a href="#{_reference(tokens[i])}" class="footnote-backref" role="doc-backlink">&#x21a9;&#xfe0e;</a>'),
}


# --- definition lists -----------------------------------------------------------


def _definition(state, start: int, end: int, silent: bool) -> bool:
    """A ``: `` line: a description of the terms above it, goldmark's way (extension/definition_list.go).

    Each line of the paragraph just above is a term; a description after
    another joins its list. One is tight (no ``<p>``) unless a blank line
    comes before it.
    """
    # At the block's own indentation; less, inside a description: that ends it, as goldmark's list ends it.
    if state.sCount[start] != state.blkIndent and not (0 <= state.sCount[start] < state.ddIndent):
        return False
    marker = state.bMarks[start] + state.tShift[start]
    maximum = state.eMarks[start]
    if marker >= maximum or state.src[marker] != ":":
        return False
    column, position = state.sCount[start] + 1, marker + 1
    while position < maximum and state.src[position] in " \t":
        column += 4 - column % 4 if state.src[position] == "\t" else 1
        position += 1
    width = column - state.sCount[start] - 1
    if width < 1:
        return False
    if silent:
        return True
    tokens, level = state.tokens, state.level
    last = tokens[-1] if tokens else None
    if last is None or last.level != level or last.type not in ("paragraph_close", "dl_close"):
        return False
    terms: list[str] = []
    if last.type == "paragraph_close":
        terms = tokens[-2].content.split("\n")
        first_line = tokens[-3].map[0] if tokens[-3].map else start
        del tokens[-3:]
        last = tokens[-1] if tokens else None
    if last is not None and last.type == "dl_close" and last.level == level:
        tokens.pop()
        state.level = level + 1
    else:
        state.push("dl_open", "dl", 1).map = [first_line, 0]
    for term in terms:
        state.push("dt_open", "dt", 1)
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = term.strip(), [start - 1, start], []
        state.push("dt_close", "dt", -1)
    description = state.push("dd_open", "dd", 1)
    description.map = [start, 0]
    opened = len(tokens)
    saved = state.tShift[start], state.sCount[start], state.blkIndent, state.parentType, state.ddIndent
    state.blkIndent = state.ddIndent = state.sCount[start] + 1 + (5 if width >= 8 else width)
    state.tShift[start] = position - state.bMarks[start]
    state.sCount[start] = column
    state.parentType = "deflist"
    state.md.block.tokenize(state, start, end)
    state.tShift[start], state.sCount[start], state.blkIndent, state.parentType, state.ddIndent = saved
    if not (start > 0 and state.isEmpty(start - 1)):
        # Tight: its first paragraph is text alone (goldmark's loop stops at the first it replaces).
        for index in range(opened, len(tokens)):
            if tokens[index].level == description.level + 1 and tokens[index].type == "paragraph_open":
                tokens[index].hidden = tokens[index + 2].hidden = True
                break
    state.push("dd_close", "dd", -1)
    description.map[1] = state.line
    state.push("dl_close", "dl", -1)
    return True


# --- attributes and heading ids -----------------------------------------------------


def parse_attributes(text: str, position: int) -> tuple[list[tuple[str, Any]], int] | None:
    """goldmark's ``{#id .class key=value}`` at ``position`` (spaces before it skipped): the attributes and where
    they end; None when there are none. Classes are joined in the first one's place."""
    position = _skip_spaces(text, position)
    if text[position:position + 1] != "{":
        return None
    position += 1
    attributes: list[tuple[str, Any]] = []
    while True:
        if text[position:position + 1] == "}":
            return attributes, position + 1
        found = _attribute(text, position)
        if found is None:
            return None
        (name, value), position = found
        if name == "class" and any(n == "class" for n, _ in attributes):
            attributes = [(n, f"{v} {value}" if n == "class" else v) for n, v in attributes]
        else:
            attributes.append((name, value))
        position = _skip_spaces(text, position)
        if text[position:position + 1] == ",":
            position = _skip_spaces(text, position + 1)


NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:.\-]*")
NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]*)?")


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position] in SPACE:
        position += 1
    return position


def _attribute(text: str, position: int) -> tuple[tuple[str, Any], int] | None:
    position = _skip_spaces(text, position)
    mark = text[position:position + 1]
    if mark in ("#", ".") and mark:
        end = position + 1
        while end < len(text) and text[end] not in SPACE and (
                text[end] not in ASCII_PUNCTUATION or text[end] in "_-:."):
            end += 1
        return ("id" if mark == "#" else "class", text[position + 1:end]), end
    name = NAME.match(text, position)
    if name is None:
        return None
    position = _skip_spaces(text, name.end())
    if text[position:position + 1] != "=":
        return None
    found = _value(text, _skip_spaces(text, position + 1))
    if found is None or (name[0] == "class" and not isinstance(found[0], str)):
        return None
    return (name[0], found[0]), found[1]


def _value(text: str, position: int) -> tuple[Any, int] | None:
    mark = text[position:position + 1]
    if not mark:
        return None
    if mark == "{":
        found = parse_attributes(text, position)
        return None if found is None else (found[0], found[1])
    if mark == "[":
        values, position = [], position + 1
        while True:
            if text[position:position + 1] == "]":
                return values, position + 1
            if values and text[position:position + 1] == ",":
                position += 1
                if text[position:position + 1] == "]":
                    return None
            item = _value(text, _skip_spaces(text, position))
            if item is None:
                return None
            values.append(item[0])
            position = _skip_spaces(text, item[1])
    if mark == '"':
        out, position = [], position + 1
        escapes = {'"': '"', "/": "/", "\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
        while position < len(text) and text[position] != "\n":
            character = text[position]
            if character == "\\" and position + 1 < len(text) and text[position + 1] != "\n":
                escaped = escapes.get(text[position + 1])
                out.append(escaped if escaped is not None else "\\")
                position += 2 if escaped is not None else 1
                continue
            if character == '"':
                return "".join(out), position + 1
            out.append(character)
            position += 1
        return None
    if mark in "-+" or mark.isdigit():
        number = NUMBER.match(text, position)
        if number is None or not any(c.isdigit() for c in number[0]):
            return None
        try:
            return float(number[0]), number.end()
        except ValueError:
            return None
    name = NAME.match(text, position)
    if name is None:
        return None
    return {"true": True, "false": False, "null": None}.get(name[0], name[0]), name.end()


def _shown(value: Any) -> str:
    """An attribute's value as Hugo writes it (``cast.ToString``): 3 for 3.0, true, "" for none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value if isinstance(value, str) else ""


def _last_line_attributes(line: str) -> tuple[str, list[tuple[str, Any]]]:
    """goldmark's ``parseLastLineAttributes``: the attributes of the last ``{`` of a heading's line, when
    nothing but spaces follows them; the line without them."""
    found = None
    position = 0
    while position < len(line):
        character = line[position]
        if character == "\\":
            position += 2 if line[position + 1:position + 2] == "{" else 1
            continue
        if character == "{":
            parsed = parse_attributes(line, position)
            found = (position, parsed)
        position += 1
    if found is None or found[1] is None or line[found[1][1]:].strip(SPACE):
        return line, []
    return line[:found[0]], found[1][0]


def _atx_closing_attributes(content: str) -> tuple[str, list[tuple[str, Any]]] | None:
    """``## Title ## {#id}``: goldmark's special case of attributes after an ATX heading's closing sequence."""
    position = 0
    while position < len(content):
        if content[position] == "\\" and content[position + 1:position + 2] in ASCII_PUNCTUATION:
            position += 2
        elif content[position] in SPACE and content[position + 1:position + 2] == "#":
            close = position + 1
            while close < len(content) and content[close] == "#":
                close += 1
            parsed = parse_attributes(content, close)
            if parsed is not None and not content[parsed[1]:].strip(SPACE):
                return content[:position], parsed[0]
            return None
        else:
            position += 1
    return None


def heading_id(text: str, kind: str) -> str:
    """A heading's id as Hugo 0.111 makes it of its source text (``markup/goldmark/autoid.go``), before repeats
    are numbered: "github" keeps letters, digits and ``_`` (lower-cased), a space or "-" is "-", the rest goes;
    "github-ascii" first takes accents off and keeps ASCII only; "blackfriday" joins runs of letters and
    numbers with one "-"."""
    if kind == "blackfriday":
        out, dash = [], False
        for character in text:
            if character.isalpha() or unicodedata.category(character).startswith("N"):
                if dash and out:
                    out.append("-")
                dash = False
                out.append(character.lower())
            else:
                dash = True
        return "".join(out)
    if kind == "github-ascii":
        text = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text)
                                                     if unicodedata.category(c) != "Mn"))
    out = []
    for character in text.strip():
        if kind == "github-ascii" and not character.isascii():
            continue
        if character in "- ":
            out.append("-")
        elif character == "_" or character.isalpha() or unicodedata.category(character) == "Nd":
            out.append(character.lower())
    return "".join(out)


def _headings(state, settings: Goldmark) -> None:
    """Each heading's ``{…}`` attributes (``parser.attribute.title``) and id (``parser.autoHeadingID``), goldmark's
    way, then the attributes of the ``{…}`` lines under blocks (``parser.attribute.block``)."""
    seen: set[str] = set()
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        inline = state.tokens[index + 1]
        attributes: list[tuple[str, Any]] = []
        if settings.attribute_title:
            if token.markup.startswith("#"):
                closing = _atx_closing_attributes(inline.content)
                if closing is not None:
                    inline.content, attributes = closing[0].rstrip(SPACE), closing[1]
            if not any(name == "id" for name, _ in attributes):
                head, _, last = inline.content.rpartition("\n")
                last, more = _last_line_attributes(last)
                if more:
                    inline.content, attributes = (head + "\n" if head else "") + last.rstrip(SPACE), attributes + more
        explicit = next((value for name, value in attributes if name == "id"), None)
        if settings.auto_heading_id:
            if explicit is None:
                value = heading_id(inline.content.rpartition("\n")[2], settings.auto_heading_id_type) or "heading"
                if value in seen:
                    number = 1
                    while f"{value}-{number}" in seen:
                        number += 1
                    value = f"{value}-{number}"
                seen.add(value)
                attributes.append(("id", value))
            elif isinstance(explicit, str):
                seen.add(explicit)
        token.attrs = {name: _shown(value) for name, value in attributes if not name.lower().startswith("on")}
    for token in state.tokens:
        block = token.meta.get("goldmark_attributes") if token.meta else None
        if block:
            allowed = GLOBAL_ATTRIBUTES | OWN_ATTRIBUTES.get(token.type, set())
            for name, value in block:
                if token.type == "heading_open":
                    if name not in token.attrs and not name.lower().startswith("on"):
                        token.attrs[name] = _shown(value)
                elif isinstance(value, str) and (name in allowed or name.startswith("data-")) \
                        and name not in token.attrs:
                    token.attrs[name] = value


def _attribute_block(state, start: int, end: int, silent: bool) -> bool:
    """A ``{…}`` line (``parser.attribute.block``): attributes of the block just above it, Hugo's way.

    It ends a paragraph, a list or a quotation; with no block just above
    (a blank line between), or under fenced code, it is left out.
    """
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    position = state.bMarks[start] + state.tShift[start]
    line = state.src[position:state.eMarks[start]]
    if not line.startswith("{"):
        return False
    parsed = parse_attributes(line, 0)
    if parsed is None:
        return False
    if silent:
        return True
    state.line = start + 1
    if start > 0 and state.isEmpty(start - 1):
        return True
    opener = _previous_block(state.tokens, state.level)
    if opener is not None and opener.type in OWN_ATTRIBUTES:
        opener.meta = {**(opener.meta or {}),
                       "goldmark_attributes": (opener.meta or {}).get("goldmark_attributes", []) + parsed[0]}
    return True


def _previous_block(tokens: list, level: int):
    """The opening token of the block before the one being parsed at ``level``; None when it is the first."""
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if token.level < level:
            return None
        if token.level == level:
            if token.nesting != -1:
                return token
            for earlier in range(index - 1, -1, -1):
                if tokens[earlier].level == level and tokens[earlier].nesting == 1:
                    return tokens[earlier]
            return None
    return None
