"""The digest's plain-text part: post bodies as text, and paragraphs folded at 72 columns.

A body keeps what its HTML meant: paragraphs, lists numbered as the post
numbers them and indented as they nest, code as it was written (indented four
spaces, never reflowed), tables as aligned columns when they fit and as
``label: value`` rows when they do not, and each link's URL after its text.
``wrap`` folds the paragraphs and leaves code and tables alone.
"""

from __future__ import annotations

import re
from typing import Callable

from syndicate.text import BLOCKS, ZWSP, display_width, parse_fragment, short_url

TEXT_WIDTH = 72
VERBATIM = "    "  # code and tables: wrap keeps a paragraph indented so as it is
LIST_INDENT = "   "  # one level of list nesting, under the text of "1. "
LIST_ITEM = re.compile(r"( *)(\d+\. |- )")


def wrap(text: str, width: int = TEXT_WIDTH) -> str:
    """Word-wrap paragraphs to ``width`` columns, counting wide letters as two.

    textwrap counts characters, which makes Hangul lines twice too wide. Words
    longer than a line (URLs) are never broken: they get a line of their own.
    A paragraph indented four spaces (code, a table) is kept as it is; a list
    item's lines hang under its text.
    """
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text):
        if not paragraph.strip():
            continue
        if _verbatim(paragraph):
            paragraphs.append("\n".join(line.rstrip() for line in paragraph.strip("\n").split("\n")))
            continue
        item = LIST_ITEM.match(paragraph)
        first = item.group() if item else re.match(r" *", paragraph).group()
        paragraphs.append(_fold(paragraph[len(first):].split(), first, width))
    return "\n\n".join(paragraphs)


def _verbatim(paragraph: str) -> bool:
    """Code or a table: every line indented four spaces, unless it is one list item (nested deep)."""
    lines = paragraph.strip("\n").split("\n")
    if len(lines) == 1 and LIST_ITEM.match(lines[0]):
        return False
    return all(line.startswith(VERBATIM) or not line.strip() for line in lines)


def _fold(words: list[str], first: str, width: int) -> str:
    """``words`` in lines of ``width`` columns, the first starting with ``first``, the others as far in."""
    hang = " " * display_width(first)
    lines, line, used = [], [], display_width(first)
    for word in words:
        size = display_width(word)
        if line and used + 1 + size > width:
            lines.append(" ".join(line))
            line, used = [], len(hang)
        used += size + (1 if line else 0)
        line.append(word)
    if line:
        lines.append(" ".join(line))
    return "\n".join((first if number == 0 else hang) + text for number, text in enumerate(lines))


class _Blocks:
    """Paragraphs being collected: inline text builds one, a block element ends it."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.pieces: list[str] = []
        self.prefix = ""  # what the next paragraph starts with (a list item's marker)
        self.hang = ""  # what the item's later paragraphs start with

    def add(self, text: str | None) -> None:
        if text:
            self.pieces.append(text)

    def end(self) -> None:
        text = " ".join("".join(self.pieces).split())
        self.pieces = []
        if text:
            self.done.append(self.prefix + text)
            self.prefix = self.hang

    def verbatim(self, text: str) -> None:
        self.end()
        if text.strip():
            self.done.append(text)


def html_to_paragraphs(html: str, link: Callable[[str], str] = lambda url: url) -> str:
    """HTML as plain-text paragraphs, each link's URL (through ``link``) in <> after its text."""
    if not html.strip():
        return ""
    root = parse_fragment(html.replace(ZWSP, ""))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        href = element.get("href", "") if element.tag == "a" else ""
        shown = " ".join(element.text_content().split())
        if href and shown == short_url(href):  # a URL the HTML part shows shortened: here in full
            element.clear(keep_tail=True)
            element.text = link(href)
        elif href.startswith(("http://", "https://", "mailto:")) and shown != href:
            element.tail = f" <{link(href)}>" + (element.tail or "")
        if element.tag == "img" and element.get("alt"):
            element.tail = f" [{element.get('alt')}]" + (element.tail or "")
    blocks = _Blocks()
    _walk(root, blocks, "")
    blocks.end()
    return "\n\n".join(blocks.done)


def _walk(element, blocks: _Blocks, indent: str) -> None:
    """Add ``element``'s content (not its tail) to ``blocks``; ``indent`` is the list nesting's."""
    if element.tag == "pre":
        lines = element.text_content().expandtabs(4).strip("\n").split("\n")
        blocks.verbatim("\n".join(VERBATIM + line.rstrip() for line in lines))
        return
    if element.tag == "table":
        blocks.verbatim(_table(element))
        return
    if element.tag in ("ul", "ol"):
        _list(element, blocks, indent)
        return
    block = element.tag in BLOCKS
    if block:
        blocks.end()
    blocks.add(element.text)
    for child in element:
        if isinstance(child.tag, str):
            _walk(child, blocks, indent)
        blocks.add(child.tail)
    if block:
        blocks.end()


def _list(element, blocks: _Blocks, indent: str) -> None:
    """A list's items, numbered from ``start`` when ordered, each indented as deep as the list is nested."""
    blocks.end()
    saved = blocks.prefix, blocks.hang
    start = int(element.get("start")) if (element.get("start") or "").isdigit() else 1
    items = [child for child in element if child.tag == "li"]
    for number, item in enumerate(items, start=start):
        marker = f"{number}. " if element.tag == "ol" else "- "
        blocks.prefix, blocks.hang = indent + marker, indent + " " * len(marker)
        _walk(item, blocks, indent + LIST_INDENT)
        blocks.end()
    blocks.prefix, blocks.hang = saved


def _table(table) -> str:
    """A table as aligned columns when they fit in the text width, else as ``label: value`` rows; indented."""
    rows = [[" ".join(cell.text_content().split()) for cell in row if cell.tag in ("td", "th")]
            for row in table.iter("tr")]
    rows = [row for row in rows if any(row)]
    if not rows:
        return ""
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(display_width(row[i]) for row in rows) for i in range(columns)]
    if len(VERBATIM) + sum(widths) + 2 * (columns - 1) <= TEXT_WIDTH:
        return "\n".join(VERBATIM + "  ".join(cell + " " * (widths[i] - display_width(cell))
                                              for i, cell in enumerate(row)).rstrip() for row in rows)
    header = [cell.tag == "th" for cell in next(table.iter("tr"))]
    labels, body = (rows[0], rows[1:]) if header and all(header) else ([""] * columns, rows)
    return "\n\n".join("\n".join(VERBATIM + (f"{label}: " if label else "") + value
                                 for label, value in zip(labels, row) if value) for row in body)
