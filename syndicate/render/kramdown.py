"""Markdown rendered the way Jekyll renders it: kramdown, GFM input.

Jekyll 4 gives a post's body to kramdown 2.4 with ``input: GFM``,
``hard_wrap: false``, ``auto_ids: true``, ``entity_output: as_char``,
``smart_quotes: lsquo,rsquo,ldquo,rdquo``, ``footnote_nr: 1``,
``toc_levels: 1..6``, the mathjax math engine and the rouge highlighter.
kramdown is not CommonMark. :func:`kramdown_html` keeps markdown-it-py's
machinery (block, inline and core rules over one token stream; its
paragraph, thematic break, link definition, entity and HTML tag rules; the
renderer) and mdit-py-plugins' footnote marker rule, and writes a rule or a
pass over the tokens for each place kramdown differs:

Inline (one rule each, in kramdown's order of span parsers)
  - Emphasis: kramdown reads left to right; ``*``/``**`` not followed by
    whitespace opens, the first ``*``/``**`` not preceded by whitespace
    closes (``_`` not inside a word). CommonMark's flanking rules also weigh
    punctuation, so ``**"경계"**에서`` stays literal there and is
    ``<strong>“경계”</strong>에서`` here: every ``*``/``_`` becomes a
    delimiter (:func:`_emphasis`) and :class:`_Emphasis` pairs them with
    kramdown's algorithm instead of markdown-it's balance_pairs.
  - Smart quotes (kramdown's ten rules, which look one character behind the
    quote) and only ``---``, ``--``, ``...``, ``<<``, ``>>`` as typography.
  - Code spans (a lone backtick between spaces is text), escapes (only
    kramdown's set), line breaks (two spaces or a backslash), ``~~del~~``.
  - Links and images: the URL may hold spaces (``![a](/my image.png)``) and
    is written as is, not percent-encoded; ``alt`` is the label's source;
    a link definition's IAL goes to its links; the last definition wins.
  - ``$$...$$`` is math, written ``\\(...\\)`` as kramdown's mathjax engine
    does; a single ``$`` is text.
  - Span IALs ``{: .c #i k="v"}`` after an element; ``{::comment}``,
    ``{::nomarkdown}``, ``{::options /}``.
  - Inline HTML: span-level tags are levels of their own; the content of
    ``<code>``, ``<kbd>``, ``<mark>``, unknown tags... is raw; block-level
    tags and stray end tags are text; ``markdown`` attributes are honoured.

Blocks (kramdown's parsers, in kramdown's order)
  - Lists, blockquotes, definition lists and footnote definitions collect
    their lines the kramdown way (lazy lines, indentation by the first line's
    text, ``1)`` no marker, start numbers ignored) and parse their text again;
    whether an item's first paragraph gets ``<p>`` is decided item by item.
  - Block IALs, ALDs (``{:ref: .c}`` then ``{: ref}``), ``{::...}``
    extensions and ``^``: an IAL right under a block is that block's (a
    Chirpy ``{: .prompt-info }`` under a blockquote); after a blank line it
    is the next block's. mdit-py-plugins' attrs plugin does not fit: no
    ``{:`` form, no ALDs, and it only looks at the block below.
  - HTML blocks run to the matching end tag, blank lines included, and stay
    raw unless ``markdown="1"``; text after the end tag starts a block.
  - Setext headings, tables and ``$$`` blocks need block boundaries (a blank
    line before and after), so none interrupts a paragraph; neither does a
    thematic break. GFM tables need a pipe on every line, not a separator
    line; ``text-align: left``; ``&nbsp;`` in an empty cell. Fences must be
    closed; the language is the info up to a ``?``.
  - Definition lists (kramdown's: the paragraph above becomes the terms; the
    deflist plugin's pandoc rules differ), abbreviations (no plugin),
    footnotes numbered as kramdown's converter meets them, with its markup.
  - Heading ids: kramdown-parser-gfm's (lowercase; keep letters, marks,
    digits, ``_``, ``-``, spaces; spaces to ``-``; ``-1``, ``-2``... for
    repeats), so Hangul, kana and hanzi stay; ``{#id}``; ``{:toc}``.

Not done, on purpose or as not worth it:
  - Highlighting. Code is ``<pre><code class="language-ruby">`` as kramdown
    writes it without a highlighter; Jekyll's rouge wraps it in ``<div
    class="language-ruby highlighter-rouge"><div class="highlight"><pre
    class="highlight"><code>`` with ``<span class="...">`` colours, puts a
    code block's IAL on that ``div``, and gives inline code ``class=
    "language-plaintext highlighter-rouge"``.
  - Raw HTML is passed through as written: kramdown re-serialises it,
    escaping a ``<`` that starts no tag, and honours ``markdown="1"`` on
    elements nested inside a raw block.
  - ``javascript:``-like URLs in Markdown links are refused, as markdown-it
    refuses them (kramdown links them).
  - kramdown's whitespace between tags.
"""

from __future__ import annotations

import bisect
import html.entities
import re
import unicodedata
from functools import lru_cache
from typing import Any, Callable

from markdown_it import MarkdownIt, rules_block, rules_inline
from markdown_it.common.utils import escapeHtml, normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

__all__ = ["kramdown_html"]


def kramdown_html(text: str) -> str:
    """Render a post body's Markdown as Jekyll's kramdown (GFM input) does."""
    return _markdown().render(text, {})


# --- kramdown's character classes -------------------------------------------
# Ruby's \w, \s and \d are ASCII-only; its \b and [[:alpha:]] are Unicode.

_RB_SPACE = " \t\r\n\f\v"
_W = "A-Za-z0-9_"
_S = r" \t\r\n\f\v"


def _is_word_char(ch: str) -> bool:
    """Ruby's \\p{Word}: letters, marks, decimal digits, connector punctuation."""
    category = unicodedata.category(ch)
    return category[0] in "LM" or category in ("Nd", "Nl", "Pc") or ch in "\u200c\u200d"


# --- attribute lists: IALs and ALDs (kramdown/parser/kramdown/extensions.rb) --

_ALD_ANY = r"(?:\\\}|[^}])"
_ALD_ID_NAME = rf"[{_W}][{_W}-]*"
_ALD_TYPE_ANY = re.compile(
    rf"(?:\A|[{_S}])(?:"
    rf"(?P<key>{_ALD_ID_NAME})=(?P<q>[\"'])(?P<val>(?:\\\}}|\\(?P=q)|[^}}\x02])*?)(?P=q)"
    rf"|(?P<ref>{_ALD_ID_NAME})"
    rf"|(?P<idcls>(?:#[A-Za-z][{_W}:-]*|\.[^{_S}.#]+)+)"
    rf")(?=[{_S}]|\Z)"
)
_ID_OR_CLASS = re.compile(rf"#([A-Za-z][{_W}:-]*)|\.([^{_S}.#]+)")

IAL_LINE = re.compile(rf"\{{:(?![:/])({_ALD_ANY}+)\}}[ \t]*$")
ALD_LINE = re.compile(rf"\{{:({_ALD_ID_NAME}):({_ALD_ANY}+)\}}[ \t]*$")
EXT_LINE = re.compile(rf"\{{::([{_W}]+)(?:[{_S}]({_ALD_ANY}*?)|)(/)?\}}[ \t]*$")
EOB_LINE = re.compile(r"\^[ \t]*$")
IAL_SPAN = re.compile(rf"\{{:(?![:/])({_ALD_ANY}+)\}}")
EXT_SPAN = re.compile(rf"\{{::([{_W}]+)(?:[{_S}]({_ALD_ANY}*?)|)(/)?\}}")
LIST_ITEM_IAL = re.compile(rf"^[{_S}]*\{{:(?!(?:{_ALD_ID_NAME})?:|/)({_ALD_ANY}+)\}}[{_S}]*")


def parse_attribute_list(text: str, into: dict[str, Any] | None = None) -> dict[str, Any]:
    """kramdown's attribute list (``.cls #id key="v" ref``) → dict; refs under "refs"."""
    attrs: dict[str, Any] = {} if into is None else into
    for found in _ALD_TYPE_ANY.finditer(text):
        if found["key"]:
            quote = found["q"]
            attrs[found["key"]] = re.sub(r"\\(\}|" + re.escape(quote) + ")", r"\1", found["val"])
        elif found["ref"]:
            attrs.setdefault("refs", []).append(found["ref"])
        else:
            for id_, cls in _ID_OR_CLASS.findall(found["idcls"]):
                if cls:
                    attrs["class"] = f"{attrs.get('class', '')} {cls}".lstrip()
                else:
                    attrs["id"] = id_
    return attrs


def _apply_attrs(token: Token, ial: dict[str, Any], alds: dict[str, dict], depth: int = 0) -> None:
    """Set an IAL's attributes on a token the way kramdown's update_attr_with_ial does."""
    for ref in ial.get("refs", ()):
        if ref in alds and depth < 10:
            _apply_attrs(token, alds[ref], alds, depth + 1)
        token.meta.setdefault("kd_refs", []).append(ref)
    for key, value in ial.items():
        if key == "refs":
            continue
        if key == "class":
            token.attrs["class"] = f"{token.attrs.get('class', '')} {value}".lstrip()
        else:
            token.attrs[key] = value


# --- block rules ---------------------------------------------------------------


def _line(state: StateBlock, line: int) -> str:
    """A line's text after its indentation."""
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _is_code(state: StateBlock, line: int) -> bool:
    return state.sCount[line] - state.blkIndent >= 4


def _starts_with(state: StateBlock, line: int, marks: str) -> bool:
    """Whether a line's first character after its indentation is one of ``marks``.

    Every block rule is asked at every block's first line: this test, before
    a rule reads the line (``_raw``), turns most of them away at once.
    """
    position = state.bMarks[line] + state.tShift[line]
    return position < state.eMarks[line] and state.src[position] in marks


def _previous_sibling(state: StateBlock) -> int | None:
    """Index of the opening (or only) token of the block before, in this container."""
    tokens = state.tokens
    if not tokens or tokens[-1].level < state.level:
        return None
    index = len(tokens) - 1
    if tokens[index].nesting == -1:
        depth = 0
        while index >= 0:
            depth += tokens[index].nesting
            if depth == 0:
                break
            index -= 1
    return index


def _after_block_boundary(state: StateBlock, line: int) -> bool:
    """kramdown's after_block_boundary?: first in its container, after a blank line, ``^`` or an IAL."""
    index = _previous_sibling(state)
    if index is not None and state.tokens[index].meta.get("shares_line"):
        return False  # the rest of a line after HTML
    if line == 0 or state.isEmpty(line - 1) or index is None:
        return True
    previous = state.tokens[index]
    if previous.type == "kd_eob":
        return previous.meta.get("kind") is None
    if previous.type == "html_block" and previous.meta.get("blank_after"):
        return True
    return previous.type == "kd_ial" and previous.meta.get("mode") == "next"


def _ends_at_block_boundary(state: StateBlock, line: int, end: int) -> bool:
    """kramdown's before_block_boundary?: a blank line, ``^``, an IAL or the end follows."""
    if line >= end:
        # Inside <div markdown="1"> the end tag's line follows, which is no boundary.
        return line != getattr(state, "kd_html_end", None)
    if state.isEmpty(line) or state.sCount[line] < state.blkIndent:
        return True
    text = _line(state, line)
    return bool(EOB_LINE.match(text) or IAL_LINE.match(text))


def _block_extension(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``{: ial}``, ``{:ald: ...}``, ``^`` and ``{::comment|nomarkdown|options}`` lines."""
    if _is_code(state, start):
        return False
    text = _line(state, start)
    if not text.startswith(("{:", "^")):
        return False
    if EOB_LINE.match(text):
        if not silent:
            _push_block(state, "kd_eob", start, start + 1)
        return True
    found = ALD_LINE.match(text)
    if found:
        if not silent:
            alds = state.env.setdefault("kd_alds", {})
            parse_attribute_list(found[2], alds.setdefault(found[1], {}))
            _push_block(state, "kd_eob", start, start + 1).meta["kind"] = "ald"
        return True
    found = IAL_LINE.match(text)
    if found:
        if not silent:
            _push_ial(state, start, parse_attribute_list(found[1]))
        return True
    found = EXT_LINE.match(text)
    if not found or silent or found[1] not in ("comment", "nomarkdown", "options"):
        return False
    name, options = found[1], parse_attribute_list(found[2] or "")
    stop, body = start + 1, None
    if not found[3]:
        stop_line = re.compile(r"\{:/(" + re.escape(name) + r")?\}[ \t]*$")
        while stop < end and not (not _is_code(state, stop) and stop_line.match(_line(state, stop))):
            stop += 1
        if stop >= end:
            return False
        body = state.getLines(start + 1, stop, state.blkIndent, True).removesuffix("\n")
        stop += 1
    if name == "comment":
        _push_block(state, "kd_comment", start, stop).content = body or ""
    elif name == "nomarkdown":
        wanted = str(options.get("type", "")).split()
        if body is not None and (not wanted or "html" in wanted):
            token = _push_block(state, "html_block", start, stop)
            token.content, token.meta["kd_raw"] = body + "\n", True
    else:
        state.env.setdefault("kd_options", {}).update(options)
        _push_block(state, "kd_eob", start, stop).meta["kind"] = "extension"
    state.line = stop
    return True


def _growing_source(state: StateBlock, start: int, end: int):
    """(text, whether it runs to ``end``) for more and more lines from ``start``.

    A block that looks for its end (``-->``, an end tag, ``$$``) mostly finds
    it within a few lines; reading the rest of the document each time would
    make many such blocks quadratic.
    """
    size = 8
    while True:
        stop = min(end, start + size)
        yield state.getLines(start, stop, state.blkIndent, True), stop >= end
        if stop >= end:
            return
        size *= 4


def _push_block(state: StateBlock, kind: str, start: int, stop: int) -> Token:
    token = state.push(kind, "", 0)
    token.map = [start, stop]
    token.block = True
    state.line = stop
    return token


def _push_ial(state: StateBlock, line: int, ial: dict[str, Any]) -> None:
    """An IAL applies to the block just before it, or (after a blank line) to the next block.

    kramdown keeps an IAL for the next block across blank lines only when a
    blank line came before it too (the two merge into one blank element); a
    blank line that starts anew, like a ``^``, takes the IAL and shows nothing.
    """
    index = _previous_sibling(state)
    token = _push_block(state, "kd_ial", line, line + 1)
    token.meta["ial"] = ial
    blank_before = line > 0 and state.isEmpty(line - 1)
    if index is not None and state.tokens[index].meta.get("blank_after"):
        blank_before = True  # after <script>, <hr>...: kramdown saw a blank line
    blank_after = line + 1 >= state.lineMax or state.isEmpty(line + 1)
    previous = state.tokens[index] if index is not None and not blank_before else None
    if previous is not None and previous.type == "kd_ial":
        blank_before = previous.meta["blank_before"]  # one IAL, written on several lines
        token.meta.update(mode=previous.meta["mode"], target=previous.meta.get("target"))
        if token.meta["mode"] == "next" and blank_after and not blank_before:
            token.meta["mode"] = "drop"
    elif previous is not None and previous.type == "kd_eob" and previous.meta.get("kind") == "definition":
        token.meta.update(mode="prev", target=previous)  # an abbreviation's: its <abbr>s get it
    elif previous is None or previous.type == "kd_eob":
        token.meta["mode"] = "drop" if blank_after and not blank_before else "next"
    elif previous.map and previous.map[1] == line:
        token.meta.update(mode="prev", target=previous)
    else:
        token.meta["mode"] = "drop"  # the line above was a link definition
    token.meta["blank_before"] = blank_before


def _abbreviation_definition(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``*[HTML]: Hyper Text Markup Language``"""
    if _is_code(state, start):
        return False
    found = re.match(r"\*\[(.+?)\]:(.*)$", _line(state, start))
    if not found:
        return False
    if not silent:
        state.env.setdefault("kd_abbrevs", {})[found[1]] = found[2].strip()
        _push_block(state, "kd_eob", start, start + 1).meta.update(kind="definition", abbr=found[1])
    return True


def _math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``$$ ... $$`` standing alone between block boundaries."""
    if silent or _is_code(state, start) or not _line(state, start).startswith("$$"):
        return False
    if not _after_block_boundary(state, start):
        return False
    for text, complete in _growing_source(state, start, end):
        found = re.match(r"[ ]{0,3}\$\$(.*?)\$\$", text, re.S)
        if found or complete:
            break
    if not found or text[found.end() :].split("\n", 1)[0].strip(_RB_SPACE):
        return False
    stop = start + text[: found.end()].count("\n") + 1
    if not _ends_at_block_boundary(state, stop, end):
        return False
    _push_block(state, "math_block", start, stop).content = found[1].strip()
    return True


def _setext_heading(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """kramdown's setext heading: one line of text right after a block boundary."""
    underline = start + 1
    if silent or underline >= end or _is_code(state, start):
        return False
    if state.sCount[underline] != state.blkIndent:
        return False
    marks = _line(state, underline).rstrip(" \t\r\f\v")
    if not re.fullmatch(r"[-=]+", marks) or not _after_block_boundary(state, start):
        return False
    content = _line(state, start).strip()
    if not content:
        return False
    level = 1 if marks[0] == "=" else 2
    _push_heading(state, level, content, start, underline + 1, marks[0])
    return True


def _push_heading(state: StateBlock, level: int, content: str, start: int, stop: int, markup: str) -> None:
    token = state.push("heading_open", f"h{level}", 1)
    token.markup, token.map = markup, [start, stop]
    token = state.push("inline", "", 0)
    token.content, token.map, token.children = content, [start, stop], []
    token = state.push("heading_close", f"h{level}", -1)
    token.markup = markup
    state.line = stop


def _paragraph(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A paragraph; right after another one (a line no other rule took) it goes on with it."""
    index = _previous_sibling(state)
    if not rules_block.paragraph(state, start, end, silent):
        return False
    previous = state.tokens[index] if index is not None else None
    if previous is not None and previous.type == "paragraph_open" and previous.map and previous.map[1] == start:
        opener, inline, _ = state.tokens[-3:]
        del state.tokens[-3:]
        joiner = "  \n" if state.src.endswith("  ", 0, state.eMarks[start - 1]) else "\n"  # no copy of the text so far
        state.tokens[index + 1].content += joiner + inline.content
        previous.map[1] = state.tokens[index + 1].map[1] = opener.map[1]
    return True


def _link_definition(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``[id]: url "title"``; unlike CommonMark the last definition of an id wins."""
    found = (None if silent or not _starts_with(state, start, "[")
             else re.match(r" {0,3}\[([^\n\]]+)\]:", _raw(state, start)))
    if not found:
        return rules_block.reference(state, start, end, silent)
    references = state.env.setdefault("references", {})
    label = normalizeReference(found[1])
    earlier = references.pop(label, None)
    if not rules_block.reference(state, start, end, silent):
        if earlier is not None:
            references[label] = earlier
        return False
    token = _push_block(state, "kd_eob", start, state.line)
    token.meta.update(kind="definition", link=label)
    state.env.setdefault("kd_link_definitions", {})[label] = token
    return True


# Lists and blockquotes (kramdown/parser/kramdown/list.rb, blockquote.rb) are
# parsed the kramdown way: the lines of each item (or quote) are collected,
# their indentation (or ">") removed, and the text parsed again as blocks.
# Any non-blank line right after an item's text belongs to the item
# (lazily), a list start ends a paragraph, "1)" is no list marker, and
# whether an item's first paragraph gets <p> is decided per item.

LIST_START = re.compile(r"( {0,3}(?:[+*-]|\d+\.))([\t| ].*)$")
_BULLET = re.compile(r"( {0,3}[+*-])([\t| ].*)$")
_ORDERED = re.compile(r"( {0,3}\d+\.)([\t| ].*)$")
HR_LINE = re.compile(r" {0,3}([*\-_])[ \t]*\1[ \t]*\1(?:\1|[ \t])*$")


def _raw(state: StateBlock, line: int) -> str:
    """A line as its container sees it (the container's indentation removed)."""
    return state.getLines(line, line + 1, state.blkIndent, False)


def _blank(text: str) -> bool:
    return not text.strip(_RB_SPACE)


def _ends_lazily(text: str, indent: int) -> bool:
    """A line no list item or quote takes in lazily: an IAL or a block-level HTML tag."""
    spaces = len(text) - len(text.lstrip(" "))
    if spaces > min(indent, 3):
        return False
    return bool(IAL_LINE.match(text[spaces:]) or _block_html_tag(text[spaces:]))


def _block_html_tag(text: str) -> bool:
    """A start or end tag that ends a paragraph: neither span-level nor ``script``."""
    found = re.match(rf"</?({_NAME})", text)
    return bool(found) and found[1].lower() not in SPAN_ELEMENTS | {"script"}


def _first_list_line(indentation: int, content: str) -> tuple[str, int]:
    """kramdown's parse_first_list_line: an item's text and the indentation of what follows."""
    if re.fullmatch(rf"(?:[{_S}]*\{{:(?!(?:{_ALD_ID_NAME})?:|/){_ALD_ANY}+\}}[{_S}]*)?[{_S}]*", content):
        indentation = 4
    else:
        while re.match(r" *\t", content):
            spaces = len(content) - len(content.lstrip(" "))
            tabs = re.match(r"( *)(\t+)", content)
            width = 4 - (spaces + indentation) % 4 + (len(tabs[2]) - 1) * 4
            content = tabs[1] + " " * width + content[tabs.end() :]
        indentation += len(content) - len(content.lstrip(" "))
    return content.lstrip(_RB_SPACE), indentation


def _list(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if _is_code(state, start) or not _starts_with(state, start, "+*-0123456789"):
        return False
    first = LIST_START.match(_raw(state, start))
    if not first:
        return False
    if silent:
        return True  # any list start ends a paragraph ("2." too; CommonMark: "1." only)
    ordered = first[1].strip()[-1] == "."
    marker = _ORDERED if ordered else _BULLET
    items: list[dict[str, Any]] = []
    line, last_is_blank, eob = start, False, False
    indentation, nested = 0, False
    while line < end:
        text = _raw(state, line)
        found = marker.match(text)
        if last_is_blank and HR_LINE.match(text):
            break
        if EOB_LINE.match(text):
            eob, line = True, line + 1
            break
        if found:
            content, indentation = _first_list_line(len(found[1]), found[2])
            bullet = r"\d+\." if ordered else "[+*-]"
            marker = re.compile(rf"( {{0,{min(indentation, 4) - 1}}}{bullet})([\t| ].*)$")
            ial = LIST_ITEM_IAL.match(content)
            items.append({"line": line, "text": content[ial.end() :] if ial else content, "ial": ial})
            nested = bool(LIST_START.match(items[-1]["text"]))
            items[-1]["text"] += "\n"
            items[-1]["chunks"] = [line]
            last_is_blank = False
        elif not _blank(text) and (
            _indented(text, indentation) or (not last_is_blank and not _ends_lazily(text, indentation))
        ):
            text = re.sub(r"^\t+", lambda tabs: " " * 4 * len(tabs[0]), text)
            indented = text.startswith(" " * indentation)
            if indented:
                text = text[indentation:]
            if not nested and indented and LIST_START.match(text):
                nested = True  # the nested list is parsed on its own, apart from the text above
                items[-1]["chunks"].append(line)
            elif nested and not indented and LIST_START.match(text):
                text = " " * (indentation + 4) + text  # a lazy list line nests under the item's own list
            items[-1]["text"] += text + "\n"
            last_is_blank = False
        elif _blank(text):
            nested = last_is_blank = True
            items[-1]["text"] += "\n"
        else:
            break
        line += 1
    _push_list(state, items, ordered, start, line, eob)
    return True


def _indented(text: str, indentation: int) -> bool:
    """kramdown's content_re: the line is indented by at least the item's indentation."""
    return bool(_content_re(indentation).match(text))


@lru_cache(maxsize=64)
def _content_re(indentation: int) -> re.Pattern[str]:
    """``_indented``'s pattern, built once for each indentation: it is asked of every line of every list."""
    quotient, remainder = divmod(indentation, 4)
    return re.compile(rf"(?:(?:\t| {{4}}){{{quotient}}} {{{remainder}}}|(?:\t| {{4}}){{{quotient + 1}}})")


def _push_list(state: StateBlock, items: list[dict], ordered: bool, start: int, stop: int, eob: bool) -> None:
    kind, tag = ("ordered_list", "ol") if ordered else ("bullet_list", "ul")
    list_opener = state.push(f"{kind}_open", tag, 1)
    list_opener.map = [start, stop]
    transparent_before = is_task_list = False
    for number, item in enumerate(items):
        following = items[number + 1]["line"] if number + 1 < len(items) else stop
        opener = state.push("list_item_open", "li", 1)
        opener.map = [item["line"], following]
        if item["ial"]:
            opener.meta["kd_ial"] = parse_attribute_list(item["ial"][1])
        lines = item["text"].split("\n")
        bounds = [first - item["line"] for first in item["chunks"]] + [len(lines) - 1]
        children = []
        for chunk, (begin, until) in enumerate(zip(bounds, bounds[1:])):
            chunk_text = "\n".join(lines[begin:until]) + "\n"
            children += _parse_nested(state, chunk_text, item["chunks"][chunk])
        blocks = [i for i, t in enumerate(children) if t.level == state.level and t.nesting >= 0 and t.type != "kd_ial"]
        if blocks and children[blocks[0]].type == "paragraph_open":
            first = blocks[0]
            # kramdown's rule: no <p> for the first paragraph unless a blank line
            # follows it in the item, or all the items before have <p> (last item).
            after = children[first].map[1] - item["line"]
            blank_after = after < len(lines) - 1 and _blank(lines[after])
            last = number == len(items) - 1
            transparent = (not blank_after or (last and len(blocks) == 1 and not eob)) and (
                not last or len(items) == 1 or transparent_before
            )
            children[first].hidden = children[_close_of(children, first)].hidden = transparent
            transparent_before = transparent_before or transparent
            if transparent and len(blocks) > 1 and not blank_after:
                _drop_final_backslash(children[first + 1])
            is_task_list = _task_item(children[first + 1]) or is_task_list
            if is_task_list:  # kramdown-parser-gfm marks every item from the first task on
                opener.attrs["class"] = "task-list-item"
        else:
            transparent_before = True
        state.tokens.extend(children)
        state.push("list_item_close", "li", -1)
    if is_task_list:
        list_opener.attrs["class"] = "task-list"
    state.push(f"{kind}_close", tag, -1)
    state.line = stop


_CHECKBOX = '<input type="checkbox" class="task-list-item-checkbox" disabled="disabled"{} />'


def _task_item(inline: Token) -> bool:
    """``[ ]`` or ``[x]`` starting an item's first paragraph becomes a checkbox, as in kramdown-parser-gfm."""
    found = re.match(rf"[{_S}]*\[([ xX])\][{_S}]+", inline.content)
    if found:
        box = _CHECKBOX.format("" if found[1] == " " else ' checked="checked"')
        inline.content = box + inline.content[found.end() :]
    return bool(found)


def _drop_final_backslash(inline: Token) -> None:
    """kramdown adds a newline to a transparent paragraph followed by more blocks; a
    backslash at its end then makes a line break, which is dropped at the end."""
    if inline.content.endswith("\\"):
        inline.content = inline.content[:-1].rstrip(" ")


def _parse_nested(state: StateBlock, text: str, first_line: int) -> list[Token]:
    """Block tokens for a container's text, at the current nesting level, mapped to source lines.

    Past markdown-it's nesting limit the text stays one paragraph, so hostile
    input cannot exhaust the stack.
    """
    tokens: list[Token] = []
    depth = state.env.get("kd_depth", 0)
    if depth >= state.md.options["maxNesting"]:
        tokens = [Token("paragraph_open", "p", 1), Token("inline", "", 0), Token("paragraph_close", "p", -1)]
        tokens[1].content, tokens[1].children, tokens[1].level = text.strip(), [], 1
        tokens[0].map = [0, text.count("\n")]
    else:
        state.env["kd_depth"] = depth + 1
        state.md.block.parse(text, state.md, state.env, tokens)
        state.env["kd_depth"] = depth
    for token in tokens:
        token.level += state.level
        if token.map:
            token.map = [token.map[0] + first_line, token.map[1] + first_line]
    return tokens


_QUOTE_MARK = re.compile(r" {0,3}> ?")


def _blockquote(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``>`` lines, and the lines after them up to a blank line, an IAL or a block-level HTML tag."""
    if _is_code(state, start) or not _starts_with(state, start, ">") or not _QUOTE_MARK.match(_raw(state, start)):
        return False
    if silent:
        return True
    lines, line = [], start
    while line < end:
        text = _raw(state, line)
        if line > start and (_blank(text) or _ends_lazily(text, 3) or EOB_LINE.match(text)):
            break
        quoted = _QUOTE_MARK.match(text)
        lines.append(text[quoted.end() :] if quoted else text)
        line += 1
    state.push("blockquote_open", "blockquote", 1).map = [start, line]
    state.tokens.extend(_parse_nested(state, "\n".join(lines) + "\n", start))
    state.push("blockquote_close", "blockquote", -1)
    state.line = line
    return True


FENCE_OPEN = re.compile(r" {0,3}(([~`])[~`]{2,})[ \t\r\f\v]*?((\S+?)(?:\?\S*)?)?[ \t\r\f\v]*$")


def _fence(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A fenced code block, only when it is closed; the language is the info up to a ``?``."""
    if _is_code(state, start) or not _starts_with(state, start, "~`"):
        return False
    text = _raw(state, start)
    if silent:
        return bool(re.match(r" {0,3}[~`]{3,}", text))
    opening = FENCE_OPEN.match(text)
    if not opening:
        return False
    closing = re.compile(rf" {{0,3}}{re.escape(opening[1])}{re.escape(opening[2])}*[{_S}]*$")
    stop = next((line for line in range(start + 1, end) if closing.match(_raw(state, line))), None)
    if stop is None:
        return False
    token = _push_block(state, "fence", start, stop + 1)
    token.content = "".join(_raw(state, line) + "\n" for line in range(start + 1, stop))
    token.info, token.markup = opening[4] or "", opening[1]
    return True


def _atx_heading(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``# Heading``: the hashes at the start of the line, then a space or tab."""
    found = None if not _starts_with(state, start, "#") else re.match(r"(#{1,6})[\t ]+(.*)$", _raw(state, start))
    if not found:
        return False
    content = re.sub(r"[\t ]#+$", "", found[2].rstrip()).rstrip()
    if not content:
        return False
    if not silent:
        _push_heading(state, len(found[1]), content, start, start + 1, found[1])
    return True


def _code_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """An indented code block; non-blank lines right after an indented one belong to it (lazily)."""
    if silent or not _indented(_raw(state, start), 4):
        return False
    stop = _indented_lines(state, start, end)
    lines = [_raw(state, line) for line in range(start, stop)]
    text = "\n".join(lines) + "\n"
    text = re.sub(r"\n( {0,3}\S)", r" \1", text)
    text = "".join(re.sub(r"^(?:\t| {4})", "", line) for line in text.splitlines(True))
    _push_block(state, "code_block", start, stop).content = text
    return True


def _indented_lines(state: StateBlock, start: int, end: int) -> int:
    """kramdown's CODEBLOCK_MATCH from ``start``: indented lines, blank lines between them, lazy lines after them."""
    line, stop = start, start
    while line < end:
        text = _raw(state, line)
        if _indented(text, 4) and not _blank(text):
            line = stop = line + 1
            while line < end and not _blank(_raw(state, line)) and not _lazy_stop(_raw(state, line)):
                line = stop = line + 1
        elif _blank(text):
            line += 1
        else:
            break
    return stop


def _lazy_stop(text: str) -> bool:
    stripped = text.lstrip(" ")
    return bool(
        EOB_LINE.match(text)
        or (len(text) - len(stripped) <= 3 and (IAL_LINE.match(stripped) or _block_html_tag(stripped)))
    )


FOOTNOTE_START = re.compile(rf" {{0,3}}\[\^({_ALD_ID_NAME})\]:[{_S}]*?(.*)$")


def _footnote_definition(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``[^name]: text``, continued by indented lines only (no lazy paragraph lines)."""
    found = (None if silent or _is_code(state, start) or not _starts_with(state, start, "[")
             else FOOTNOTE_START.match(_raw(state, start)))
    if not found:
        return False
    stop = _indented_lines(state, start + 1, end)
    text = found[2] + "\n" + "".join(
        re.sub(r"^(?:\t| {4})", "", _raw(state, line)) + "\n" for line in range(start + 1, stop)
    )
    label = found[1]
    footnotes = state.env.setdefault("footnotes", {})
    footnotes.setdefault("refs", {})[":" + label] = -1
    footnotes.setdefault("list", {})
    opener = state.push("footnote_reference_open", "", 1)
    opener.meta, opener.map = {"label": label}, [start, stop]
    state.tokens.extend(_parse_nested(state, text, start))
    state.push("footnote_reference_close", "", -1)
    state.line = stop
    return True


DEFINITION_START = re.compile(r"( {0,3}:)([\t| ].*)$")


def _definition_list(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``term`` lines, then ``: definition``: the paragraph before a ``:`` line becomes the terms."""
    if _is_code(state, start) or not _starts_with(state, start, ":") or not DEFINITION_START.match(_raw(state, start)):
        return False
    if silent:
        return True
    index = _previous_sibling(state)
    if index is None or state.tokens[index].type != "paragraph_open":
        return False
    paragraph = state.tokens[index]
    gap = start - paragraph.map[1]
    if gap not in (0, 1) or (gap == 1 and not state.isEmpty(start - 1)):
        return False
    terms = state.tokens[index + 1].content.split("\n")
    del state.tokens[index:]
    state.level = paragraph.level
    items, line, last_is_blank, first_as_para = [], start, False, gap == 1
    marker, indentation = DEFINITION_START, 0
    while line < end:
        text = _raw(state, line)
        found = marker.match(text)
        if found:
            content, indentation = _first_list_line(len(found[1]), found[2])
            marker = re.compile(rf"( {{0,{min(indentation, 4) - 1}}}:)([\t| ].*)$")
            ial = LIST_ITEM_IAL.match(content)
            items.append({"line": line, "text": (content[ial.end() :] if ial else content) + "\n",
                          "ial": ial, "as_paragraph": first_as_para})
            first_as_para = last_is_blank = False
        elif EOB_LINE.match(text):
            break
        elif not _blank(text) and (
            _indented(text, indentation) or (not last_is_blank and not _ends_lazily(text, indentation))
        ):
            text = re.sub(r"^\t+", lambda tabs: " " * 4 * len(tabs[0]), text)
            items[-1]["text"] += (text[indentation:] if text.startswith(" " * indentation) else text) + "\n"
            first_as_para = last_is_blank = False
        elif _blank(text):
            first_as_para = last_is_blank = True
            items[-1]["text"] += "\n"
        else:
            break
        line += 1
    _push_definitions(state, terms, items, paragraph.map[0], line)
    return True


def _push_definitions(state: StateBlock, terms: list[str], items: list[dict], start: int, stop: int) -> None:
    index = _previous_sibling(state)
    merge = index is not None and state.tokens[index].type == "dl_open"
    if merge:  # a definition list right before (blank lines between or not) goes on
        closing = state.tokens.pop()
        state.level += 1
        state.tokens[index].map[1] = stop
    else:
        state.push("dl_open", "dl", 1).map = [start, stop]
    for term in terms:
        ial = LIST_ITEM_IAL.match(term)
        opener = state.push("dt_open", "dt", 1)
        if ial:
            opener.meta["kd_ial"] = parse_attribute_list(ial[1])
        inline = state.push("inline", "", 0)
        inline.content = (term[ial.end() :] if ial else term).strip()
        inline.map, inline.children = [start, stop], []
        state.push("dt_close", "dt", -1)
    for item in items:
        opener = state.push("dd_open", "dd", 1)
        opener.map = [item["line"], stop]
        if item["ial"]:
            opener.meta["kd_ial"] = parse_attribute_list(item["ial"][1])
        children = _parse_nested(state, item["text"], item["line"])
        if children and children[0].type == "paragraph_open" and not item["as_paragraph"]:
            children[0].hidden = children[_close_of(children, 0)].hidden = True
            if _close_of(children, 0) + 1 < len(children):
                _drop_final_backslash(children[1])
        state.tokens.extend(children)
        state.push("dd_close", "dd", -1)
    if merge:
        state.level -= 1
        state.tokens.append(closing)
    else:
        state.push("dl_close", "dl", -1)
    state.line = stop


# Tables (kramdown/parser/kramdown/table.rb): every line holds a pipe; a
# separator line after the first rows makes them the head, ``|===|`` starts
# the foot; no separator at all is a table without head.
TABLE_LINE = re.compile(r"(?:\||.*?[^\\\n]\|)")
TABLE_SEPARATOR = re.compile(r"([+|: \t-]*?-[+|: \t-]*?)[ \t]*$")
TABLE_FOOTER = re.compile(r"[+|: \t=]*?=[+|: \t=]*?[ \t]*$")
TABLE_ALIGN = re.compile(r"[ \t]?(:?)-+(:?)[ \t]?")


def _table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    # Tried at the start of every line: most have no "|", which a search in C
    # tells at once, where TABLE_LINE tries to end at every character.
    if (silent or _is_code(state, start) or state.src.find("|", state.bMarks[start], state.eMarks[start]) < 0
            or not TABLE_LINE.match(_line(state, start))):
        return False
    if not _after_block_boundary(state, start):
        return False
    if not _table_rows(state, start, end):
        # kramdown made the table element, taking a pending IAL, before giving up.
        index = _previous_sibling(state)
        if index is not None and state.tokens[index].type == "kd_ial" and state.tokens[index].meta["mode"] == "next":
            state.tokens[index].meta["mode"] = "drop"
        return False
    return True


def _table_rows(state: StateBlock, start: int, end: int) -> bool:
    leading_pipe = _line(state, start).startswith("|")
    sections: list[tuple[str, list[list[str]]]] = []
    rows: list[list[str]] = []
    alignment: list[str] | None = None
    footer = False

    def close_section(kind: str, force: bool = False) -> None:
        nonlocal rows
        if not footer or kind != "tbody" or force:
            sections.append((kind, rows))
            rows = []

    line = start
    while line < end and not state.isEmpty(line) and TABLE_LINE.match(_line(state, line)):
        text = _line(state, line)
        separator = TABLE_SEPARATOR.fullmatch(text)
        if separator:
            if line == start or not rows:
                pass
            elif alignment is None and not footer:
                close_section("thead")
                alignment = [_alignment(left, right) for left, right in TABLE_ALIGN.findall(separator[1])]
            else:
                close_section("tbody")
        elif TABLE_FOOTER.fullmatch(text):
            if rows:
                close_section("tbody", True)
            footer = True
        else:
            rows.append(_table_cells(text, leading_pipe))
        line += 1
    if not _ends_at_block_boundary(state, line, end):
        return False
    if rows:
        close_section("tfoot" if footer else "tbody")
    if not any(kind == "tbody" for kind, _ in sections):
        return False
    columns = max(len(row) for _, section in sections for row in section)
    alignment = ((alignment or []) + ["default"] * columns)[:columns]
    _push_table(state, sections, alignment, columns, start, line)
    return True


def _alignment(left: str, right: str) -> str:
    if left and right:
        return "center"
    return "left" if left else "right" if right else "default"


def _table_cells(text: str, leading_pipe: bool) -> list[str]:
    """A row's cells: split at pipes that are neither escaped nor inside a code span."""
    cells, current, position = [], "", 0
    while position < len(text):
        char = text[position]
        if char == "`":
            run = re.match(r"`+", text[position:])[0]
            closing = text.find(run, position + len(run))
            if closing >= 0:
                current += text[position : closing + len(run)]
                position = closing + len(run)
                continue
            current += run
            position += len(run)
        elif char == "\\" and text.startswith("|", position + 1):
            current += "|"
            position += 2
        elif char == "|":
            cells.append(current)
            current, position = "", position + 1
        else:
            current += char
            position += 1
    cells.append(current)
    if leading_pipe and cells and not cells[0].strip():
        cells.pop(0)
    if cells and not cells[-1].strip():
        cells.pop()
    return [cell.strip() for cell in cells]


def _push_table(state: StateBlock, sections, alignment: list[str], columns: int, start: int, stop: int) -> None:
    state.push("table_open", "table", 1).map = [start, stop]
    for kind, rows in sections:
        state.push(f"{kind}_open", kind, 1)
        for row in rows:
            state.push("tr_open", "tr", 1)
            for column in range(columns):
                cell = "th" if kind == "thead" else "td"
                token = state.push(f"{cell}_open", cell, 1)
                if alignment[column] != "default":
                    token.attrs["style"] = f"text-align: {alignment[column]}"
                inline = state.push("inline", "", 0)
                inline.content = row[column] if column < len(row) else ""
                inline.map, inline.children = [start, stop], []
                state.push(f"{cell}_close", cell, -1)
            state.push("tr_close", "tr", -1)
        state.push(f"{kind}_close", kind, -1)
    state.push("table_close", "table", -1)
    state.line = stop


# HTML blocks (kramdown/parser/kramdown/html.rb, kramdown/parser/html.rb)

SPAN_ELEMENTS = frozenset(
    "a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark option q"
    " rb rbc rp rt rtc ruby samp select small span strong sub sup tt u var".split()
)
CONTENT_MODEL = {
    **dict.fromkeys(
        "address applet article aside blockquote body dd details div dl fieldset figure figcaption"
        " footer form header hgroup iframe li main map menu nav noscript object section summary td".split(),
        "block",
    ),
    **dict.fromkeys(
        "a abbr acronym b bdo big button cite caption del dfn dt em h1 h2 h3 h4 h5 h6 i ins label legend"
        " optgroup p q rb rbc rp rt rtc ruby select small span strong sub sup th tt".split(),
        "span",
    ),
}
ELEMENTS_WITHOUT_BODY = frozenset(
    "area base br col command embed hr img input keygen link meta param source track wbr".split()
)
BLOCK_ELEMENTS = frozenset(
    "address article aside applet body blockquote caption col colgroup dd div dl dt fieldset figcaption footer"
    " form h1 h2 h3 h4 h5 h6 header hgroup hr html head iframe legend menu li main map nav ol optgroup p pre"
    " section summary table tbody td th thead tfoot tr ul".split()
)
RAW_ELEMENTS = frozenset("script style math option textarea pre code kbd samp var".split())
KNOWN_ELEMENTS = SPAN_ELEMENTS | BLOCK_ELEMENTS | ELEMENTS_WITHOUT_BODY | RAW_ELEMENTS | CONTENT_MODEL.keys()
_NAME = r"(?:[A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*"
HTML_TAG = re.compile(
    rf"<({_NAME})\s*((?:\s+{_NAME}(?:\s*=\s*(?:[^\W]+|([\"']).*?\3))?)*)\s*(/)?>", re.S
)
HTML_ATTRIBUTE = re.compile(rf"\s*({_NAME})(?:\s*=\s*(?:([^\W]+)|([\"'])(.*?)\3))?", re.S)
HTML_CLOSE = re.compile(rf"</({_NAME})\s*>")


def _html_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if _is_code(state, start) or not _line(state, start).startswith("<"):
        return False
    text = _line(state, start)
    if silent:
        return _block_html_tag(text)
    if text.startswith("<!--"):
        return _html_comment_block(state, start, end)
    for source, complete in _growing_source(state, start, end):
        source = source.lstrip(" ")
        tag = HTML_TAG.match(source)
        if not tag and not complete:
            continue  # the start tag may go on over more lines
        if not tag or tag[1].lower() in SPAN_ELEMENTS:
            return False
        name = tag[1].lower() if tag[1].lower() in KNOWN_ELEMENTS else tag[1]
        attrs = {m[1].lower(): (m[2] or m[4] or "") for m in HTML_ATTRIBUTE.finditer(tag[2])}
        markdown = attrs.pop("markdown", None)
        model = {"1": CONTENT_MODEL.get(name, "raw"), "block": "block", "span": "span"}.get(markdown or "", "raw")
        blank_after = False
        if tag[4] or name in ELEMENTS_WITHOUT_BODY:
            offset = tag.end()
            blank_after = True  # kramdown leaves the end of the line as a blank line
        elif name in ("script", "style"):
            close = _end_tag(name).search(source, tag.end())
            offset = close.end() if close else None
            blank_after = True  # kramdown leaves the end of the line as a blank line
        elif model == "block" and source[tag.end() :].split("\n", 1)[0].strip() == "":
            return _markdown_html_block(state, start, end, tag, name, attrs)
        elif model == "span" and (close := _end_tag(name).search(source, tag.end())):
            return _markdown_html_span(state, start, source, tag, name, attrs, close)
        else:
            offset = _matching_close(source, tag.end(), name)
        if offset is not None or complete:
            break
    start_tag = tag[0]
    if markdown is not None:  # kramdown drops the attribute
        start_tag = _start_tag(name, attrs, bool(tag[4]))
        source = start_tag + source[tag.end() :]
        offset = None if offset is None else offset + len(start_tag) - len(tag[0])
    token = _push_html(state, start, end, source, offset)
    token.meta.update(start_tag=(start_tag, name, attrs), blank_after=blank_after)
    return True


def _end_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}\s*>", re.I)


def _start_tag(name: str, attrs: dict[str, str], closed: bool = False) -> str:
    rendered = "".join(f' {key}="{escapeHtml(value)}"' for key, value in attrs.items())
    return f"<{name}{rendered}{' /' if closed else ''}>"


def _end_line(source: str, offset: int, start: int) -> int:
    """The line after the one that holds ``source[offset - 1]``."""
    return start + source.count("\n", 0, max(offset - 1, 0)) + 1


def _matching_close(source: str, offset: int, name: str) -> int | None:
    """Offset just after the end tag matching a start tag of ``name`` (same-name nesting counted)."""
    depth = 1
    pattern = re.compile(rf"<(/?)({re.escape(name)})\b[^>]*?(/?)>|<!--.*?-->", re.I | re.S)
    for found in pattern.finditer(source, offset):
        if not found[2] or found[3]:
            continue
        depth += -1 if found[1] else 1
        if depth == 0:
            return found.end()
    return None


def _html_comment_block(state: StateBlock, start: int, end: int) -> bool:
    for source, complete in _growing_source(state, start, end):
        close = source.find("-->", source.find("<!--") + 4)
        if close >= 0 or complete:
            break
    _push_html(state, start, end, source, close + 3 if close >= 0 else None).meta["kd_raw"] = True
    return True


def _push_html(state: StateBlock, start: int, end: int, source: str, offset: int | None) -> Token:
    """An HTML block ending at ``source[offset]``; text after it on its line starts a block."""
    if offset is None:
        token = _push_block(state, "html_block", start, end)
        token.content = source
        return token
    stop = _end_line(source, offset, start)
    rest = source[offset:].split("\n", 1)[0]
    if not rest.strip():
        token = _push_block(state, "html_block", start, stop)
        token.content = source[: offset] + "\n"
        return token
    token = _push_block(state, "html_block", start, stop - 1)
    token.content, token.meta["shares_line"] = source[:offset] + "\n", True
    line = stop - 1
    saved = state.bMarks[line], state.tShift[line], state.sCount[line]
    state.bMarks[line] = state.eMarks[line] - len(rest)
    state.tShift[line] = len(rest) - len(rest.lstrip(" \t"))
    state.sCount[line] = state.blkIndent + state.tShift[line]
    state.md.block.tokenize(state, line, end)  # the rest of the line starts a block, and so on
    state.bMarks[line], state.tShift[line], state.sCount[line] = saved
    return token


def _markdown_html_block(state, start, end, tag, name, attrs) -> bool:
    """``<div markdown="1">``: the start and end tags on lines of their own, Markdown between."""
    depth, line = 1, start + 1
    opener, closer = re.compile(rf"<{re.escape(name)}\b", re.I), _end_tag(name)
    while line < end:
        text = _line(state, line) if not _is_code(state, line) else ""
        if closer.match(text) and depth == 1:
            break
        depth += len(opener.findall(text)) - len(closer.findall(text))
        line += 1
    stop = min(line + 1, end)

    def content() -> None:
        outer, state.kd_html_end = getattr(state, "kd_html_end", None), line
        state.md.block.tokenize(state, start + 1, line)
        state.kd_html_end = outer

    _push_html_element(state, name, attrs, start, stop, "\n", content)
    state.line = stop
    return True


def _markdown_html_span(state, start, source, tag, name, attrs, close) -> bool:
    """``<p markdown="1">*x*</p>``: the content parsed as inline Markdown."""
    stop = _end_line(source, close.end(), start)

    def content() -> None:
        token = state.push("inline", "", 0)
        token.content, token.map, token.children = source[tag.end() : close.start()].strip(), [start, stop], []

    _push_html_element(state, name, attrs, start, stop, "", content)
    state.line = stop
    return True


def _push_html_element(state, name, attrs, start, stop, newline, push_content) -> None:
    """An HTML element whose content is Markdown: an opening and a closing token around it."""
    opener = state.push("kd_html_open", "", 1)
    opener.map, opener.block = [start, stop], True
    opener.meta["start_tag"] = (_start_tag(name, attrs), name, attrs)
    opener.content = _start_tag(name, attrs) + newline
    push_content()
    closer = state.push("kd_html_close", "", -1)
    closer.content, closer.block = f"</{name}>\n", True


# --- inline rules --------------------------------------------------------------


def _append(state: StateInline, text: str) -> None:
    state.pending += text


# Text runs up to markdown-it's terminator characters and also up to quotes and
# "...", where kramdown's smart quotes and ellipsis start. Not to every ".":
# sentences would be cut at each full stop, and every rule asked about it.
_TEXT_END = re.compile(r"[\n!#$%&*+\-:<=>@\[\\\]^_`{}~\"']|\.\.\.")


def _plain_text(state: StateInline, silent: bool) -> bool:
    """Plain text up to the next character some rule may start at."""
    found = _TEXT_END.search(state.src, state.pos, state.posMax)
    end = found.start() if found else state.posMax
    if end == state.pos:
        return False
    if not silent:
        state.pending += state.src[state.pos : end]
    state.pos = end
    return True


def _search(state: StateInline, pattern: re.Pattern[str], start: int) -> re.Match[str] | None:
    """``pattern.search`` up to the end of the inline text, remembering misses.

    A search that found nothing from ``start`` finds nothing from further on
    either, so hostile text (thousands of unclosed ``[a](``, ``~~``, ``<http``)
    costs one scan, not one per opener.
    """
    misses = state.__dict__.setdefault("kd_misses", {})
    key = (pattern.pattern, state.posMax)
    if start >= misses.get(key, len(state.src) + 1):
        return None
    found = pattern.search(state.src, start, state.posMax)
    if found is None:
        misses[key] = start
    return found


def _emphasis(state: StateInline, silent: bool) -> bool:
    """Every ``*`` and ``_`` becomes a delimiter; :func:`_pair_emphasis` pairs them as kramdown does."""
    marker = state.src[state.pos]
    if silent or marker not in "*_":
        return False
    token = state.push("text", "", 0)
    token.content, token.meta["pos"] = marker, state.pos
    state.delimiters.append(Delimiter(ord(marker), 1, len(state.tokens) - 1, -1, True, True))
    state.pos += 1
    return True


def _pair_emphasis(state: StateInline) -> None:
    """kramdown's emphasis parser, run over the delimiters of each nesting level.

    kramdown reads left to right: ``**`` (or ``*``) not followed by whitespace
    opens, and the first matching delimiter not preceded by whitespace closes.
    CommonMark also asks whether the neighbours are punctuation, which is why
    it refuses ``**"경계"**에서`` and kramdown does not.
    """
    levels = [state.delimiters] + [m["delimiters"] for m in state.tokens_meta if m and "delimiters" in m]
    for delimiters in levels:
        found = [(state.tokens[d.token].meta["pos"], d.token) for d in delimiters if chr(d.marker) in "*_"]
        if found:
            _Emphasis(state, found).run()


class _Emphasis:
    """The pairing of one level's delimiters: (source position, token index), in order.

    kramdown's parser, memoised so that it stays linear on hostile input
    (thousands of unpaired ``**``): ``open`` is decided once per delimiter and
    enclosing emphasis, ``scan`` once per delimiter and wanted closer.
    """

    def __init__(self, state: StateInline, delimiters: list[tuple[int, int]]) -> None:
        self.src, self.tokens, self.delimiters = state.src, state.tokens, delimiters
        self.opened: dict[tuple[int, tuple[str, ...]], tuple[int, tuple | None]] = {}
        self.scanned: dict[tuple[int, str, str, tuple[str, ...]], int | None] = {}

    def run(self) -> None:
        self.mark_between(0, len(self.delimiters), ())

    def mark_between(self, index: int, stop: int, inside: tuple[str, ...]) -> None:
        """Turn the emphasis found from ``index`` up to ``stop`` into tokens."""
        while index < stop:
            following, pair = self.open(index, inside)
            if pair is not None:
                closing, width, kind, content = pair
                self.mark(index, width, kind, 1)
                self.mark(closing, width, kind, -1)
                self.mark_between(content, closing, inside + (kind,))
            index = following

    def char(self, index: int) -> str:
        return self.src[self.delimiters[index][0]]

    def pair_at(self, index: int) -> bool:
        """Whether ``index`` and the next delimiter form an adjacent ``**``/``__``."""
        after = index + 1
        return (
            after < len(self.delimiters)
            and self.delimiters[after][0] == self.delimiters[index][0] + 1
            and self.char(after) == self.char(index)
        )

    def open(self, index: int, inside: tuple[str, ...]) -> tuple[int, tuple | None]:
        """Try an opener at ``index``: (index to go on from, (closer, width, kind, content) or None)."""
        key = (index, inside)
        if key not in self.opened:
            self.opened[key] = self.try_open(index, inside)
        return self.opened[key]

    def try_open(self, index: int, inside: tuple[str, ...]) -> tuple[int, tuple | None]:
        src, position = self.src, self.delimiters[index][0]
        char = self.char(index)
        width = 2 if self.pair_at(index) else 1
        kind = "strong" if width == 2 else "em"
        after = src[position + width : position + width + 1]
        if (char == "_" and _letter_before(src, position)) or (after and after in _RB_SPACE) or kind in inside:
            return index + width, None
        closing = self.scan_content(index + width, char, kind, position + width, inside + (kind,))
        if closing is not None:
            return closing + width, (closing, width, kind, index + width)
        if kind == "strong" and (not inside or inside[-1] != "em"):
            # kramdown's fallback: the first "*" opens an em whose text starts with the second.
            closing = self.scan_content(index + 1, char, "em", position + 1, inside + ("em",))
            if closing is not None:
                return closing + 1, (closing, 1, "em", index + 1)
        return index + width, None

    def scan_content(self, index: int, char: str, kind: str, content_start: int, inside: tuple[str, ...]):
        """The closer of an emphasis whose text starts at ``content_start`` (it may not be empty)."""
        if index < len(self.delimiters) and self.delimiters[index][0] <= content_start:
            index = self.open(index, inside)[0]
        return self.scan(index, char, kind, inside)

    def scan(self, index: int, char: str, kind: str, inside: tuple[str, ...]) -> int | None:
        """Parse on from ``index`` to the delimiter that closes ``kind``, if any."""
        visited = []
        closing = None
        while index < len(self.delimiters):
            key = (index, char, kind, inside)
            if key in self.scanned:
                closing = self.scanned[key]
                break
            visited.append(key)
            if self.char(index) == char and self.closes(index, kind):
                closing = index
                break
            index = self.open(index, inside)[0]
        for key in visited:
            self.scanned[key] = closing
        return closing

    def closes(self, index: int, kind: str) -> bool:
        src, position = self.src, self.delimiters[index][0]
        char = src[position]
        width = 2 if kind == "strong" else 1
        if width == 2 and not self.pair_at(index):
            return False
        if src[position - 1] in _RB_SPACE:
            return False
        if kind == "em" and src[position : position + 2] == char * 2 and src[position + 2 : position + 3] != char:
            return False
        return not (char == "_" and src[position + width : position + width + 1].isalnum())

    def mark(self, index: int, width: int, kind: str, nesting: int) -> None:
        token = self.tokens[self.delimiters[index][1]]
        token.type = f"{kind}_{'open' if nesting == 1 else 'close'}"
        token.tag, token.nesting, token.content = kind, nesting, ""
        token.markup = self.char(index) * width
        if width == 2:
            self.tokens[self.delimiters[index + 1][1]].content = ""


def _letter_before(src: str, position: int) -> bool:
    """kramdown's ``[[:alpha:]]-?[[:alpha:]]*\\z`` before an ``_``: it is inside a word."""
    before = src[position - 1 : position]
    return before.isalpha() or (before == "-" and src[position - 2 : position - 1].isalpha())


_STRIKE_CLOSE = re.compile(r"(?<=[^ \t\r\n\f\v~])~~")


def _strikethrough(state: StateInline, silent: bool) -> bool:
    """``~~text~~`` as ``<del>``: kramdown's ``~~(?!\\s|~).*?[^\\s~]~~``."""
    src, start, maximum = state.src, state.pos, state.posMax
    if not src.startswith("~~", start, maximum) or src[start + 2 : start + 3] in ("", "~", *_RB_SPACE):
        return False
    closing = _search(state, _STRIKE_CLOSE, start + 3)
    if not closing:
        return False
    if not silent:
        state.push("s_open", "del", 1).markup = "~~"
        state.pos, state.posMax = start + 2, closing.start()
        open_before = len(_open_elements(state))
        state.md.inline.tokenize(state)
        _close_elements(state, open_before)
        state.push("s_close", "del", -1).markup = "~~"
        state.posMax = maximum
    state.pos = closing.end()
    return True


def _codespan(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    if src[start] != "`":
        return False
    end = start
    while end < state.posMax and src[end] == "`":
        end += 1
    run = src[start:end]
    after = src[end : end + 1]
    if len(run) == 1 and (start == 0 or src[start - 1] in _RB_SPACE) and after and after in _RB_SPACE:
        closing = -1  # a lone backtick between spaces is text
    else:
        found = _search(state, re.compile(re.escape(run)), end)
        closing = found.start() if found else -1
    if closing < 0:
        if not silent:
            _append(state, run)
        state.pos = end
        return True
    code = src[end:closing]
    if len(run) > 1:
        code = code.removeprefix(" ").removesuffix(" ")
    if not silent:
        token = state.push("code_inline", "code", 0)
        token.content, token.markup = code, run
    state.pos = closing + len(run)
    return True


def _newline(state: StateInline, silent: bool) -> bool:
    """A line break is two spaces before the newline; more spaces stay text, as in kramdown."""
    if state.src[state.pos] != "\n":
        return False
    if not silent:
        pending = state.pending
        if pending.endswith("  "):
            state.pending = pending[:-2]
            state.push("hardbreak", "br", 0)
        else:
            state.push("softbreak", "br", 0)
    position = state.pos + 1
    while position < state.posMax and state.src[position] in " \t":
        position += 1
    state.pos = position
    return True


ESCAPABLE = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")


def _escape(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "\\" or pos + 1 >= state.posMax:
        return False
    char = src[pos + 1]
    if char == "\\" and src.startswith("\n", pos + 2, state.posMax):
        char = "\n"  # kramdown: two backslashes before a newline are a line break too
        pos += 1
    if char == "\n":
        if not silent:
            state.push("hardbreak", "br", 0).markup = "\\"
        pos += 2
        while pos < state.posMax and src[pos] in " \t":
            pos += 1
        state.pos = pos
        return True
    if char not in ESCAPABLE:
        return False
    if not silent:
        token = state.push("text_special", "", 0)
        token.content, token.markup, token.info = char, "\\" + char, "escape"
    state.pos += 2
    return True


_LINK_ID = re.compile(rf"[{_S}]*?\[([^\]]+)?\]")
_PAREN_STOP = re.compile(rf"(\()|(\))|[{_S}](?=['\"])")
_LINK_TITLE = re.compile(rf"[{_S}]*?([\"'])(.+?)\1[{_S}]*?\)", re.S)
_KRAMDOWN_ESCAPED = re.compile(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=-])")


def _link(state: StateInline, silent: bool) -> bool:
    """``[text](url "title")``, ``[text][id]``, ``[text]``, and ``!`` for images, as kramdown reads them."""
    src, pos, maximum = state.src, state.pos, state.posMax
    image = src.startswith("![", pos, maximum)
    if not image and src[pos] != "[":
        return False
    label_start = pos + (2 if image else 1)
    if label_start >= maximum or src[label_start] == "^" or (not image and state.linkLevel > 0):
        return False
    label_end = state.md.helpers.parseLinkLabel(state, label_start - 1, False)
    if label_end < 0:
        return False
    if not image and _emphasis_runs_past(src, label_start, label_end, maximum):
        return False
    label = src[label_start:label_end]
    after = label_end + 1
    reference = _LINK_ID.match(src, after, maximum)
    if reference or not src.startswith("(", after, maximum):
        key = normalizeReference(reference[1] if reference and reference[1] else _unescape(label))
        definition = state.env.get("references", {}).get(key)
        if not definition:
            return False
        href, title = definition["href"], definition.get("title") or None
        end = reference.end() if reference else after
        definition_token = state.env.get("kd_link_definitions", {}).get(key)
        ial_attrs = dict(definition_token.attrs) if definition_token is not None else {}
    else:
        parsed = _link_destination(state, after)
        if parsed is None:
            return False
        href, title, end = parsed
        ial_attrs = {}
    if not state.md.validateLink(href):
        return False
    if not silent:
        _push_link(state, image, href, title, label, label_start, label_end, ial_attrs)
    state.pos = end
    return True


def _emphasis_runs_past(src: str, start: int, end: int, maximum: int) -> bool:
    """Whether an emphasis that opens in a link's text (``start``..``end``) closes only after it.

    kramdown parses the text's spans left to right, and an emphasis looks
    for its closer beyond the "]": ``[**`x`](url)** more`` is no link, but
    "[" and then ``<strong>`x`](url)</strong>``. Code spans and escapes are
    skipped; a delimiter that never closes is text.
    """
    index = start
    while index < end:
        char = src[index]
        if char == "\\":
            index += 2
        elif char == "`":
            run = len(src[index:end]) - len(src[index:end].lstrip("`"))
            close = src.find("`" * run, index + run, end)
            index = close + run if close >= 0 else index + run
        elif char in "*_":
            width = 2 if src.startswith(char * 2, index) else 1
            following = src[index + width : index + width + 1]
            opens = following and following not in _RB_SPACE and not (char == "_" and _letter_before(src, index))
            closer = _closer(src, char * width, index + width + 1, maximum) if opens else None
            if closer is not None and closer >= end:
                return True
            index = closer + width if closer is not None else index + width
        else:
            index += 1
    return False


def _closer(src: str, delimiter: str, start: int, maximum: int) -> int | None:
    """The first ``delimiter`` from ``start`` that can close an emphasis (no white space before it)."""
    found = src.find(delimiter, start, maximum)
    while found >= 0 and src[found - 1] in _RB_SPACE:
        found = src.find(delimiter, found + 1, maximum)
    return found if found >= 0 else None


def _unescape(text: str) -> str:
    return _KRAMDOWN_ESCAPED.sub(r"\1", text)


_ENTITY = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));")


def decode_entities(text: str) -> str:
    """Character references in an attribute value, decoded: kramdown writes them out unescaped."""

    def decode(found: re.Match) -> str:
        if found[3]:
            return html.entities.html5.get(found[3] + ";", found[0])
        code = int(found[1] or found[2], 10 if found[1] else 16)
        return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"

    return _ENTITY.sub(decode, text) if "&" in text else text


def _link_destination(state: StateInline, start: int) -> tuple[str, str | None, int] | None:
    """``(url)``, ``(<url>)``, ``(url "title")`` from ``start`` (at ``(``) → (url, title, end).

    kramdown's scan: the URL runs to the matching ``)``, or to a space before
    a quote, where a title starts.
    """
    src, maximum = state.src, state.posMax
    if src.startswith("(<", start, maximum):
        closing = _search(state, _GREATER, start + 2)
        if closing is None:
            return None
        url, position = src[start + 2 : closing.start()], closing.end()
        if src.startswith(")", position, maximum):
            return url, None, position + 1
    else:
        matching, spaces = _paren_stops(state)
        closing = matching.get(start, maximum)
        space = spaces[bisect.bisect_left(spaces, start)] if spaces and spaces[-1] >= start else maximum
        if min(closing, space) >= maximum:
            return None
        url = src[start + 1 : min(closing, space)].strip(_RB_SPACE)
        if closing < space:
            return url, None, closing + 1
        position = space + 1
    titled = _LINK_TITLE.match(src, position, maximum)
    return (url, titled[2], titled.end()) if titled else None


_GREATER = re.compile(">")
_PARENS = re.compile(r"[()]")


def _paren_stops(state: StateInline) -> tuple[dict[int, int], list[int]]:
    """Each ``(``'s matching ``)`` and where a space comes before a quote, found once per inline text."""
    cached = state.__dict__.get("kd_paren_stops")
    if cached is None:
        matching, stack = {}, []
        for found in _PARENS.finditer(state.src):  # the parentheses alone, not every character
            if found[0] == "(":
                stack.append(found.start())
            elif stack:
                matching[stack.pop()] = found.start()
        spaces = [found.start() for found in _PAREN_STOP.finditer(state.src) if not found[1] and not found[2]]
        cached = state.kd_paren_stops = (matching, spaces)
    return cached


def _push_link(
    state: StateInline, image: bool, href: str, title: str | None, label: str, start: int, end: int, attrs: dict
) -> None:
    """A link or image; ``attrs`` come from an IAL on its link definition."""
    if image:
        token = state.push("image", "img", 0)
        token.attrs = {**attrs, "src": decode_entities(href), "alt": decode_entities(_unescape(label))}
        if title is not None:
            token.attrs["title"] = decode_entities(title)
        token.children, token.content = [], label
        return
    old_pos, old_max = state.pos, state.posMax
    token = state.push("link_open", "a", 1)
    token.attrs = {**attrs, "href": decode_entities(href)}
    if title is not None:
        token.attrs["title"] = decode_entities(title)
    state.pos, state.posMax = start, end
    state.linkLevel += 1
    open_before = len(_open_elements(state))
    state.md.inline.tokenize(state)
    _close_elements(state, open_before)
    state.linkLevel -= 1
    state.push("link_close", "a", -1)
    state.pos, state.posMax = old_pos, old_max


_AUTOLINK = re.compile(r"<((mailto|https?|ftps?):.+?|[\w\-.]+?@[\w\-.]+?)>")


def _autolink(state: StateInline, silent: bool) -> bool:
    """``<http://...>``, ``<mailto:...>``, ``<ftp://...>``, ``<me@example.com>``: up to the first ``>``."""
    if state.src[state.pos] != "<":
        return False
    closing = _search(state, _GREATER, state.pos + 1)
    found = closing and _AUTOLINK.fullmatch(state.src, state.pos, closing.end())
    if not found:
        return False
    if not silent:
        href = found[1] if found[2] else "mailto:" + found[1]
        if not state.md.validateLink(href):
            return False
        state.push("link_open", "a", 1).attrs = {"href": href}
        state.push("text", "", 0).content = found[1].removeprefix("mailto:")
        state.push("link_close", "a", -1)
    state.pos = found.end()
    return True


# Smart quotes (kramdown/parser/kramdown/smart_quotes.rb). Each rule is tried
# from the character before the quote, when that character is plain text.
_SQ_PUNCT = r"""[!"#$%'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
_SQ_CLOSE = r"[^ \\\t\r\n\[{(\-]"
_SQ_RULES = [
    (re.compile(rf"(\"|')(?=[_*]{{1,2}}[^{_S}])"), ["lquote1"]),
    (re.compile(rf"(\"|')(?={_SQ_PUNCT}(?!\.\.)\B)"), ["rquote1"]),
    (re.compile(rf"([{_S}]?)\"'(?=[{_W}])"), [1, "ldquo", "lsquo"]),
    (re.compile(rf"([{_S}]?)'\"(?=[{_W}])"), [1, "lsquo", "ldquo"]),
    (re.compile(rf"([{_S}]?)'(?=[0-9][0-9]s)"), [1, "rsquo"]),
    (re.compile(rf"([{_S}])('|\")(?=[{_W}])"), [1, "lquote2"]),
    (re.compile(rf"({_SQ_CLOSE})('|\")"), [1, "rquote2"]),
    (re.compile(rf"(\"|')(?=[{_S}]|s\b|$)"), ["rquote1"]),
    (re.compile(r"(.?)'", re.S), [1, "lsquo"]),
    (re.compile(r"(.?)\"", re.S), [1, "ldquo"]),
]
_QUOTES = {"lsquo": "\u2018", "rsquo": "\u2019", "ldquo": "\u201c", "rdquo": "\u201d"}


def _smart_quote(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if silent or src[pos] not in "\"'":
        return False
    plain_before = state.pending and pos > getattr(state, "kd_symbol_end", -1) and src[pos - 1] != "\\"
    # After a line break kramdown sees the newline as text before the quote.
    after_break = not state.pending and state.tokens and state.tokens[-1].type in ("softbreak", "hardbreak")
    text = ("\n" if after_break else "") + src[pos : state.posMax]
    offset = pos - 1 if plain_before else pos
    if plain_before:
        text = src[offset : state.posMax]
    for pattern, substitutions in _SQ_RULES:
        found = pattern.match(text)
        if found:
            break
    else:  # unreachable: the last two rules match any quote
        return False
    shift = offset - (1 if after_break else 0)
    out = []
    for item in substitutions:
        if isinstance(item, int):
            out.append(src[max(found.start(item) + shift, pos) : found.end(item) + shift])
        else:
            if item.endswith(("quote1", "quote2")):
                side = "l" if item.startswith("l") else "r"
                item = side + ("dquo" if found[int(item[-1])] == '"' else "squo")
            out.append(_QUOTES[item])
    _append(state, "".join(out))
    state.pos = found.end() + shift
    state.kd_symbol_end = state.pos
    return True


def _typographic(state: StateInline, silent: bool) -> bool:
    """``---`` ``--`` ``...`` ``<<`` ``>>`` as kramdown's typographic symbols."""
    src, pos, maximum = state.src, state.pos, state.posMax
    if src.startswith("---", pos, maximum):
        symbol, length = "\u2014", 3
    elif src.startswith("--", pos, maximum):
        symbol, length = "\u2013", 2
    elif src.startswith("...", pos, maximum):
        symbol, length = "\u2026", 3
    elif src.startswith("<< ", pos, maximum):
        symbol, length = "\u00ab\u00a0", 3
    elif src.startswith("<<", pos, maximum):
        symbol, length = "\u00ab", 2
    elif src.startswith(">>", pos, maximum):
        symbol, length = "\u00bb", 2
        pending = state.pending
        if pending.endswith(" ") and pos > getattr(state, "kd_symbol_end", -1):
            state.pending, symbol = pending[:-1], "\u00a0\u00bb"
    else:
        return False
    if not silent:
        _append(state, symbol)
    state.pos += length
    state.kd_symbol_end = state.pos
    return True


def _html_inline(state: StateInline, silent: bool) -> bool:
    """Inline HTML the way kramdown's span parser takes it.

    A span-level tag is kept (without the ``markdown`` attribute, which
    kramdown removes); the content of ``<code>``, ``<kbd>``, ``<mark>``, an
    unknown tag... is raw (no Markdown, no smart quotes) up to its end tag or
    the end of the paragraph; a block-level tag, or an end tag that closes
    nothing open, is text.
    """
    if not rules_inline.html_inline(state, silent):
        return False
    if silent:
        return True
    token = state.tokens[-1]
    open_elements = _open_elements(state)
    closing = HTML_CLOSE.fullmatch(token.content)
    if closing:
        if open_elements and open_elements[-1] == closing[1].lower():
            open_elements.pop()
            _renest(state, token, -1)
        else:
            token.type = "text"
        return True
    tag = HTML_TAG.fullmatch(token.content)
    if not tag:
        return True
    name = tag[1].lower()
    if name in BLOCK_ELEMENTS:
        token.type = "text"
        return True
    attrs = {m[1].lower(): (m[2] or m[4] or "") for m in HTML_ATTRIBUTE.finditer(tag[2])}
    markdown = attrs.pop("markdown", None)
    if markdown is not None:
        token.content = _start_tag(tag[1], attrs, bool(tag[4]))
    token.meta["start_tag"] = (token.content, tag[1], attrs)
    if tag[4] or name in ELEMENTS_WITHOUT_BODY:
        return True
    model = CONTENT_MODEL.get(name, "raw")  # kramdown: unknown elements are raw too
    if markdown in ("1", "span"):
        model = "span" if model != "raw" or markdown == "span" else "raw"
    elif markdown == "0":
        model = "raw"
    if model != "raw":
        # Its content is a level of its own: emphasis does not pair across the tags.
        open_elements.append(name)
        _renest(state, token, 1)
        return True
    end_tag = _search(state, _end_tag(tag[1]), state.pos)
    end = end_tag.start() if end_tag else state.posMax
    raw = state.push("html_inline", "", 0)
    raw.content, raw.meta["raw_text"] = state.src[state.pos : end], True
    state.push("html_inline", "", 0).content = end_tag[0] if end_tag else f"</{tag[1]}>"
    state.pos = end_tag.end() if end_tag else state.posMax
    return True


def _open_elements(state: StateInline) -> list[str]:
    """The span-level HTML elements open at this point of the inline text."""
    return state.__dict__.setdefault("kd_open_elements", [])


def _renest(state: StateInline, token: Token, nesting: int) -> None:
    """Push ``token`` again as an opening or closing one."""
    state.tokens.pop()
    state.tokens_meta.pop()
    again = state.push("html_inline", "", nesting)
    again.content, again.meta = token.content, token.meta


def _close_elements(state: StateInline, keep: int = 0) -> None:
    """kramdown closes span-level elements left open at the end of their text."""
    open_elements = _open_elements(state)
    while len(open_elements) > keep:
        state.push("html_inline", "", -1).content = f"</{open_elements.pop()}>"


_DOLLARS = re.compile(r"\$\$")


def _math_inline(state: StateInline, silent: bool) -> bool:
    """``$$...$$`` in text, kept for MathJax."""
    if not state.src.startswith("$$", state.pos, state.posMax):
        return False
    closing = _search(state, _DOLLARS, state.pos + 2)
    if not closing:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = state.src[state.pos + 2 : closing.start()].strip(), "$$"
    state.pos = closing.end()
    return True


def _span_extension(state: StateInline, silent: bool) -> bool:
    """``{: ial}`` after an element, ``{::comment}..{:/comment}``, ``{::nomarkdown}..``, ``{::options /}``."""
    src, pos, maximum = state.src, state.pos, state.posMax
    if not src.startswith("{:", pos, maximum):
        return False
    found = EXT_SPAN.match(src, pos, maximum)
    if found and found[1] in ("comment", "nomarkdown", "options"):
        stop, body = found.end(), None
        if not found[3]:
            closing = _search(state, re.compile(r"\{:/(" + re.escape(found[1]) + r")?\}"), found.end())
            if not closing:
                return False
            stop, body = closing.end(), src[found.end() : closing.start()]
        if not silent:
            _push_span_extension(state, found[1], parse_attribute_list(found[2] or ""), body)
        state.pos = stop
        return True
    found = IAL_SPAN.match(src, pos, maximum)
    if not found or state.pending or not state.tokens:
        return False
    if not silent:
        token = state.push("kd_span_ial", "", 0)
        token.meta["ial"], token.content = parse_attribute_list(found[1]), found[0]
    state.pos = found.end()
    return True


def _push_span_extension(state: StateInline, name: str, options: dict[str, Any], body: str | None) -> None:
    if name == "comment" and body is not None:
        state.push("kd_comment", "", 0).content = body
    elif name == "nomarkdown" and body is not None:
        wanted = str(options.get("type", "")).split()
        if not wanted or "html" in wanted:
            state.push("html_inline", "", 0).content = body
    elif name == "options":
        state.env.setdefault("kd_options", {}).update(options)


# --- passes over the token stream ---------------------------------------------


def _before_inline(state: StateCore) -> None:
    """``# Heading {#id}``, then the block IALs: all blocks and ALDs are known now."""
    tokens = state.tokens
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1]
        if token.type == "heading_open" and following.type == "inline":
            found = re.search(r"[\t ]\{#([^\W\d][\w.:\-]*)\}$", following.content)
            if found:
                following.content = following.content[: found.start()].rstrip()
                token.attrs["id"] = found[1]
    _resolve_block_ials(tokens, state.env)


def _after_inline(state: StateCore) -> None:
    """What needs the inline tokens: span IALs, abbreviations, heading ids, tables' cells, the TOC."""
    env = state.env
    for token in state.tokens:
        if token.children:  # drop what emphasis left of its delimiters
            token.children = [c for c in token.children if c.type != "text" or c.content]
        if token.children and token.children[-1].type == "hardbreak" and token.children[-1].markup == "\\":
            token.children.pop()  # kramdown-parser-gfm drops a backslash break that ends a paragraph
    _resolve_span_ials(state.tokens, env)
    _abbreviations(state.tokens, env.get("kd_abbrevs", {}), _abbreviation_attrs(state.tokens))
    _heading_ids(state.tokens, env)
    for index, token in enumerate(state.tokens):
        if token.type in ("th_open", "td_open"):
            _table_cell(state.tokens, index)
    _table_of_contents(state)
    state.tokens = [t for t in state.tokens if t.type not in ("kd_ial", "kd_eob")]


def _abbreviation_attrs(tokens: list[Token]) -> dict[str, dict]:
    """An IAL on an abbreviation's definition goes to every ``<abbr>`` it makes."""
    return {t.meta["abbr"]: dict(t.attrs) for t in tokens if t.type == "kd_eob" and "abbr" in t.meta}


def _resolve_span_ials(tokens: list[Token], env: dict) -> None:
    """``{: ...}`` right after an element sets its attributes, as kramdown's span extension parser does."""
    alds = env.get("kd_alds", {})
    for inline in tokens:
        children = inline.children or []
        for index, token in enumerate(children):
            if token.type != "kd_span_ial":
                continue
            target = _element_before(children, index)
            if target is None:
                token.type = "text"  # kramdown: an IAL after text is text
            else:
                _apply_attrs(target, token.meta["ial"], alds)
                token.type, token.content = "text", ""


def _element_before(children: list[Token], index: int) -> Token | None:
    """The element a span IAL at ``index`` belongs to: the one ending right before it."""
    if index == 0:
        return None
    before = children[index - 1]
    if before.type in ("image", "code_inline", "math_inline"):
        return before
    if before.nesting == -1:
        depth = 0
        for position in range(index - 1, -1, -1):
            depth += children[position].nesting
            if depth == 0:
                return children[position]
    return None


def _resolve_block_ials(tokens: list[Token], env: dict) -> None:
    """Each block's IALs, merged in order into one (as kramdown does), then applied."""
    targets = _ial_targets(tokens)
    merged: dict[int, tuple[Token, dict[str, Any]]] = {}
    for index, token in enumerate(tokens):
        if "kd_ial" in token.meta:
            _merge_ial(merged, token, token.meta.pop("kd_ial"))
        if token.type == "kd_ial" and targets.get(index) is not None:
            _merge_ial(merged, targets[index], token.meta["ial"])
    alds = env.get("kd_alds", {})
    for target, ial in merged.values():
        _apply_attrs(target, ial, alds)


def _ial_targets(tokens: list[Token]) -> dict[int, Token | None]:
    """The block each IAL applies to, found from the last token back."""
    targets: dict[int, Token | None] = {}
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if token.type != "kd_ial":
            continue
        mode = token.meta.get("mode")
        if mode == "prev":
            targets[index] = token.meta.get("target")
        elif mode == "next":
            targets[index] = _next_sibling(tokens, index, targets)
    return targets


def _merge_ial(merged: dict, target: Token, ial: dict[str, Any]) -> None:
    _, into = merged.setdefault(id(target), (target, {}))
    for key, value in ial.items():
        if key == "refs":
            into.setdefault("refs", []).extend(value)
        elif key == "class":
            into["class"] = f"{into.get('class', '')} {value}".lstrip()
        else:
            into[key] = value


def _next_sibling(tokens: list[Token], index: int, targets: dict[int, Token | None]) -> Token | None:
    """The block an IAL for the next block lands on, if any.

    Comments and raw HTML from ``{::nomarkdown}`` let it pass, but a blank
    line after them takes it; so do ``^``, ALDs and definitions. Another IAL
    for the next block right after it lands on the same block.
    """
    level, skipped_until = tokens[index].level, None
    for position in range(index + 1, len(tokens)):
        token = tokens[position]
        if token.level < level or token.nesting == -1:
            return None
        if token.level != level:
            continue
        if skipped_until is not None and token.map and token.map[0] > skipped_until:
            return None
        if token.type == "kd_ial":
            if token.meta.get("mode") == "drop":
                return None
            if token.meta.get("mode") == "next" and skipped_until is None:
                return targets.get(position)
            if skipped_until is not None and token.map:
                skipped_until = token.map[1]
        elif token.type == "kd_comment" or token.meta.get("kd_raw"):
            skipped_until = token.map[1] if token.map else None
        else:
            return token
    return None


def _footnotes(state: StateCore) -> None:
    """Footnotes numbered and listed as kramdown's converter does.

    kramdown numbers a footnote when the converter first meets its marker:
    the body first, then the footnotes' own text, in the order they are
    listed. A definition no marker reaches is left out.
    """
    definitions: dict[str, list[Token]] = {}
    body: list[Token] = []
    tokens, index = state.tokens, 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "footnote_reference_open":
            end = _close_of(tokens, index)
            definitions[token.meta["label"]] = tokens[index + 1 : end]  # the last one wins
            index = end + 1
            continue
        body.append(token)
        index += 1
    if not definitions:
        state.tokens = body
        return
    order: list[str] = []
    repeats: dict[str, int] = {}
    _number_markers(body, definitions, order, repeats)
    backlinks: dict[str, int] = {}
    position = 0
    while position < len(order):
        label = order[position]
        backlinks[label] = repeats[label]  # counted before the footnote's own text is converted
        _number_markers(definitions[label], definitions, order, repeats)
        position += 1
    if order:
        body.append(Token("footnote_block_open", "", 1))
        for label in order:
            opener = Token("footnote_open", "", 1)
            opener.meta = {"label": label}
            content = _with_backlinks(definitions[label], label, backlinks[label])
            body += [opener, *content, Token("footnote_close", "", -1)]
        body.append(Token("footnote_block_close", "", -1))
    state.tokens = body


def _number_markers(tokens: list[Token], definitions: dict, order: list[str], repeats: dict[str, int]) -> None:
    for token in tokens:
        for child in token.children or ():
            if child.type != "footnote_ref":
                continue
            label = child.meta["label"]
            if label not in definitions:
                child.type, child.content = "text", f"[^{label}]"
                continue
            if label not in repeats:
                order.append(label)
                repeats[label] = 0
            else:
                repeats[label] += 1
            child.meta.update(id=order.index(label), subId=repeats[label])


def _with_backlinks(content: list[Token], label: str, repeats: int) -> list[Token]:
    """The backlinks go at the end of the last paragraph, or in a paragraph of their own."""
    anchors = []
    for number in range(repeats + 1):
        anchor = Token("footnote_anchor", "", 0)
        anchor.meta = {"label": label, "subId": number}
        anchors.append(anchor)
    if content and content[-1].type == "paragraph_close" and not content[-1].hidden:
        inline = content[-2]
        inline.children = [*(inline.children or []), *anchors]
        return content
    anchors[0].meta["no_space"] = True
    inline = Token("inline", "", 0)
    inline.children = anchors
    return [*content, Token("paragraph_open", "p", 1), inline, Token("paragraph_close", "p", -1)]


def _abbreviations(tokens: list[Token], abbrevs: dict[str, str], attrs: dict[str, dict]) -> None:
    if not abbrevs:
        return
    names = sorted(abbrevs, key=len, reverse=True)
    union = "|".join(re.escape(name) for name in names)
    pattern = re.compile(rf"(?:(?<=[^{_W}])|(?<=^)|^)({union})(?![{_W}])", re.M)
    for inline in tokens:
        if inline.type != "inline" or not inline.children:
            continue
        children = []
        for child in inline.children:
            if child.type != "text" or not pattern.search(child.content):
                children.append(child)
                continue
            position = 0
            for found in pattern.finditer(child.content):
                children.append(_text(child.content[position : found.start(1)]))
                abbr = Token("kd_abbr", "abbr", 0)
                abbr.content, abbr.attrs = found[1], dict(attrs.get(found[1], {}))
                if abbrevs[found[1]]:
                    abbr.attrs["title"] = abbrevs[found[1]]
                children.append(abbr)
                position = found.end(1)
            children.append(_text(child.content[position:]))
        inline.children = [c for c in children if c.type != "text" or c.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _raw_text(children: list[Token]) -> str:
    """What kramdown builds a heading's id from: the text, code and math, not images or notes."""
    return "".join(
        child.content
        if child.type in ("text", "code_inline", "math_inline", "kd_abbr", "text_special") or child.meta.get("raw_text")
        else
        "\n" if child.type == "softbreak" else ""
        for child in children
    )


def gfm_header_id(text: str) -> str:
    """kramdown-parser-gfm's id for a heading's text (before repeats are numbered)."""
    kept = "".join(ch for ch in text.lower() if ch in "- \t" or _is_word_char(ch))
    return kept.replace(" ", "-").replace("\t", "-")


def _heading_ids(tokens: list[Token], env: dict) -> None:
    if str(env.get("kd_options", {}).get("auto_ids", "true")).lower() == "false":
        return
    counter: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "footnote_block_open":
            break  # kramdown gives headings inside footnotes no ids
        if token.type != "heading_open" or "id" in token.attrs:
            continue
        result = gfm_header_id(_raw_text(tokens[index + 1].children or []))
        counter[result] = counter.get(result, -1) + 1
        if counter[result] > 0:
            result += f"-{counter[result]}"
        if result.strip():
            token.attrs["id"] = result
        else:
            token.meta["kd_blank_id"] = result  # not written out, but listed in a TOC


def _table_of_contents(state: StateCore) -> None:
    """A list with ``{:toc}`` becomes the table of contents, as kramdown builds it."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open") and "toc" in token.meta.get("kd_refs", ()):
            break
    else:
        return
    end = _close_of(tokens, index)
    entries = [
        (int(t.tag[1]), str(t.attrs.get("id", t.meta.get("kd_blank_id"))), tokens[i + 1].children or [])
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
        and not index < i < end  # kramdown never converts the headings inside the replaced list
        and ("id" in t.attrs or "kd_blank_id" in t.meta)
        and "no_toc" not in str(t.attrs.get("class", "")).split()
    ]
    attrs = {key: value for key, value in token.attrs.items()}
    attrs.setdefault("id", "markdown-toc")
    state.tokens = tokens[:index] + _toc_tokens(entries, token, attrs) + tokens[end + 1 :]


def _close_of(tokens: list[Token], index: int) -> int:
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def _toc_tokens(entries: list[tuple[int, str, list[Token]]], list_token: Token, attrs: dict) -> list[Token]:
    """kramdown's generate_toc_tree: an entry nests under the last one of a lower level."""
    root: list = []
    stack: list[tuple[int, list]] = []  # (level, that entry's sub-entries)
    for level, id_, children in entries:
        while stack and stack[-1][0] >= level:
            stack.pop()
        entry = (id_, children, [])
        (stack[-1][1] if stack else root).append(entry)
        stack.append((level, entry[2]))
    if not root:
        return []
    kind, tag = list_token.type.removesuffix("_open"), list_token.tag
    return _toc_list(root, kind, tag, attrs, attrs["id"])


def _toc_list(entries: list, kind: str, tag: str, attrs: dict, prefix: str) -> list[Token]:
    opener = Token(f"{kind}_open", tag, 1)
    opener.attrs = dict(attrs)
    out = [opener]
    for id_, children, sub_entries in entries:
        paragraph, closing = Token("paragraph_open", "p", 1), Token("paragraph_close", "p", -1)
        paragraph.hidden = closing.hidden = True
        link = Token("link_open", "a", 1)
        link.attrs = {"href": f"#{id_}", "id": f"{prefix}-{id_}"}
        inline = Token("inline", "", 0)
        inline.children = [link, *_toc_entry(children), Token("link_close", "a", -1)]
        out += [Token("list_item_open", "li", 1), paragraph, inline, closing]
        if sub_entries:
            out += _toc_list(sub_entries, kind, tag, {}, prefix)
        out.append(Token("list_item_close", "li", -1))
    return out + [Token(f"{kind}_close", tag, -1)]


def _toc_entry(children: list[Token]) -> list[Token]:
    """A heading's inline tokens for a TOC entry: without footnotes, links unwrapped."""
    return [c for c in children if c.type not in ("footnote_ref", "link_open", "link_close")]


def _table_cell(tokens: list[Token], index: int) -> None:
    """kramdown puts ``&nbsp;`` in an empty cell."""
    inline = tokens[index + 1]
    if inline.type == "inline" and not inline.children:
        inline.children = [_text("\u00a0")]


# --- rendering -----------------------------------------------------------------


def _render_rules() -> dict[str, Callable]:
    def fence(self, tokens, idx, options, env):
        token = tokens[idx]
        code_class = f' class="language-{escapeHtml(token.info)}"' if token.info else ""
        return f"<pre{self.renderAttrs(token)}><code{code_class}>{escapeHtml(token.content)}</code></pre>\n"

    def html_block(self, tokens, idx, options, env):
        """Raw HTML; a start tag an IAL gave attributes to is written anew."""
        token = tokens[idx]
        if not token.attrs or "start_tag" not in token.meta:
            return token.content
        tag, name, attrs = token.meta["start_tag"]
        merged = dict(attrs)
        for key, value in token.attrs.items():
            merged[key] = f"{merged.get(key, '')} {value}".lstrip() if key == "class" else str(value)
        return token.content.replace(tag, _start_tag(name, merged), 1)

    def code_block(self, tokens, idx, options, env):
        return f"<pre{self.renderAttrs(tokens[idx])}><code>{escapeHtml(tokens[idx].content)}</code></pre>\n"

    def image(self, tokens, idx, options, env):
        return f"<img{self.renderAttrs(tokens[idx])} />"

    def math_inline(self, tokens, idx, options, env):
        return f"\\({escapeHtml(tokens[idx].content)}\\)"

    def math_block(self, tokens, idx, options, env):
        token = tokens[idx]
        math = f"\\[{escapeHtml(token.content)}\\]"
        return f"<div{self.renderAttrs(token)}>{math}</div>\n" if token.attrs else math + "\n"

    def comment(self, tokens, idx, options, env):
        return f"<!-- {tokens[idx].content} -->" + ("\n" if tokens[idx].block else "")

    def abbr(self, tokens, idx, options, env):
        return f"<abbr{self.renderAttrs(tokens[idx])}>{escapeHtml(tokens[idx].content)}</abbr>"

    def nothing(self, tokens, idx, options, env):
        return ""

    def footnote_ref(self, tokens, idx, options, env):
        meta = tokens[idx].meta
        name = escapeHtml(meta["label"])
        repeat = f":{meta['subId']}" if meta.get("subId", 0) > 0 else ""
        return (
            f'<sup id="fnref:{name}{repeat}" role="doc-noteref">'
            f'<a href="#fn:{name}" class="footnote" rel="footnote">{meta["id"] + 1}</a></sup>'
        )

    def footnote_block_open(self, tokens, idx, options, env):
        return '<div class="footnotes" role="doc-endnotes">\n<ol>\n'

    def footnote_block_close(self, tokens, idx, options, env):
        return "</ol>\n</div>\n"

    def footnote_open(self, tokens, idx, options, env):
        return f'<li id="fn:{escapeHtml(tokens[idx].meta["label"])}" role="doc-endnote">'

    def footnote_close(self, tokens, idx, options, env):
        return "</li>\n"

    def footnote_anchor(self, tokens, idx, options, env):
        meta = tokens[idx].meta
        name = escapeHtml(meta["label"])
        space = "" if meta.get("no_space") else "\u00a0"
        if meta["subId"] == 0:
            return f'{space}<a href="#fnref:{name}" class="reversefootnote" role="doc-backlink">&#8617;</a>'
        return (
            f'{space}<a href="#fnref:{name}:{meta["subId"]}" class="reversefootnote" role="doc-backlink">'
            f'&#8617;<sup>{meta["subId"] + 1}</sup></a>'
        )

    return {
        "fence": fence,
        "html_block": html_block,
        "kd_html_open": html_block,
        "html_inline": html_block,
        "kd_html_close": html_block,
        "code_block": code_block,
        "image": image,
        "math_inline": math_inline,
        "math_block": math_block,
        "kd_comment": comment,
        "kd_abbr": abbr,
        "kd_ial": nothing,
        "kd_eob": nothing,
        "kd_span_ial": nothing,
        "footnote_ref": footnote_ref,
        "footnote_block_open": footnote_block_open,
        "footnote_block_close": footnote_block_close,
        "footnote_open": footnote_open,
        "footnote_close": footnote_close,
        "footnote_anchor": footnote_anchor,
    }


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": True, "typographer": False})
    md.enable("strikethrough")
    md.normalizeLink = lambda url: url  # kramdown writes URLs as they are
    md.normalizeLinkText = lambda url: url
    footnote_plugin(md, inline=False)  # its marker rule; definitions and the list are kramdown's

    # The block rules in kramdown's order; "alt" says which may end a paragraph.
    block = md.block.ruler
    block.disable(block.get_all_rules())
    ends_paragraph = {"alt": ["paragraph", "reference"]}
    for name, rule, options in (
        ("kd_code", _code_block, {}),
        ("kd_fence", _fence, ends_paragraph),
        ("kd_blockquote", _blockquote, ends_paragraph),
        ("kd_heading", _atx_heading, ends_paragraph),
        ("kd_hr", rules_block.hr, {}),
        ("kd_list", _list, ends_paragraph),
        ("kd_definition_list", _definition_list, ends_paragraph),
        ("kd_html", _html_block, ends_paragraph),
        ("kd_setext", _setext_heading, {}),
        ("kd_math", _math_block, {}),
        ("kd_table", _table, {}),
        ("kd_footnote", _footnote_definition, {}),
        ("kd_reference", _link_definition, {}),
        ("kd_abbreviation", _abbreviation_definition, {}),
        ("kd_extension", _block_extension, ends_paragraph),
        ("kd_paragraph", _paragraph, {}),
    ):
        block.push(name, rule, options)

    inline = md.inline.ruler
    inline.at("text", _plain_text)
    inline.at("newline", _newline)
    inline.at("escape", _escape)
    inline.at("backticks", _codespan)
    inline.at("strikethrough", _strikethrough)
    inline.at("emphasis", _emphasis)
    md.inline.ruler2.disable(["balance_pairs", "strikethrough"])
    md.inline.ruler2.at("emphasis", _pair_emphasis)
    md.inline.ruler2.before("emphasis", "kd_close_elements", _close_elements)
    inline.at("link", _link)
    inline.disable("image")
    inline.at("autolink", _autolink)
    inline.at("html_inline", _html_inline)
    inline.before("autolink", "kd_typographic", _typographic)
    inline.after("link", "kd_smart_quote", _smart_quote)
    inline.after("kd_smart_quote", "kd_math", _math_inline)
    inline.after("kd_math", "kd_span_extension", _span_extension)

    md.core.ruler.after("block", "kd_before_inline", _before_inline)
    md.core.ruler.at("footnote_tail", _footnotes)
    md.core.ruler.push("kd_after_inline", _after_inline)
    for name, rule in _render_rules().items():
        md.add_render_rule(name, rule)
    md.add_render_rule("s_open", lambda self, tokens, idx, options, env: "<del>")
    md.add_render_rule("s_close", lambda self, tokens, idx, options, env: "</del>")
    return md


