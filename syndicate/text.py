"""Text helpers shared by every stage: plain text, XML-safe text, slugs."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote, urljoin

# What XML 1.0 forbids: feedgen (lxml) raises on these at serialisation. The
# numeric references to them count too: lxml's HTML parser turns "&#1;" into
# the character itself and then refuses it. DEL and the C1 controls XML only
# discourages go as well: feed readers take them for Windows-1252 ("\x80" is
# shown as "€"), and no one means them in text.
_FORBIDDEN_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
# After "&": "#1;", "#x0B", "#65535" and the like, the ";" optional as in HTML.
_FORBIDDEN_REFERENCE = (
    "#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])(?![0-9a-fA-F])"
    "|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}"
    "|573[0-3][0-9]|5734[0-3]|6553[45])(?![0-9]));?"
)
# A forbidden character, or "&" and a forbidden reference: the same matches as
# "[chars]|&reference", written to start with one set of characters, which
# the regex engine skips ahead by. Every post's front matter is searched on
# every cold run, and the alternation took three times as long.
XML_FORBIDDEN = re.compile(f"[{_FORBIDDEN_CHARACTERS}&](?:(?<=&){_FORBIDDEN_REFERENCE}|(?<!&))")
# A relative path of plain segments (no dot segments, no empty ones, nothing
# to escape) and an http(s) base of the same kind: joining them is concatenation.
# Also a path from the root of plain segments (a trailing "/" too), and a
# plain base's scheme and host: join_url's shortcuts.
_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
_ORIGIN = r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?"
PLAIN_PATH = re.compile(rf"(?:{_SEGMENT}/)*{_SEGMENT}")
PLAIN_BASE = re.compile(rf"{_ORIGIN}/(?:(?!\.\.?/)[A-Za-z0-9._~-]+/)*[A-Za-z0-9._~-]*")
ROOTED_PATH = re.compile(rf"/(?:{_SEGMENT}/)*(?:{_SEGMENT})?")
PLAIN_ORIGIN = re.compile(rf"{_ORIGIN}(?=/)")
# What a slug turns into a hyphen: anything but letters, digits and "_".
NOT_WORD = re.compile(r"[^\w]+")
# Elements that end a line of text when HTML is read as plain text.
# Names Windows reserves in any folder; a category called "con" must not
# become a file that cannot be copied to such a machine.
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                  *(f"lpt{i}" for i in range(1, 10))}
MAX_NAME_BYTES = 200
BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
          "blockquote", "pre", "figure", "figcaption", "table", "section", "article", "hr", "dd", "dt"}
# Email: the widest run without a break a phone's column holds, in columns
# (Hangul counts two: 16 of them at 16 px take 256 of the 343 px; word-break:
# keep-all makes a Hangul run one word), and the longest URL shown. Mail
# clients ignore overflow-wrap: the text itself must break.
LONG_RUN = 32
SHORT_URL = 32
ZWSP = "\u200b"  # a break opportunity even under keep-all, in every client; invisible
_RUN = re.compile(r"\S{17,}")
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?')\]]")


def join_url(base: str, url: str) -> str:
    """``url`` made absolute against ``base``, spaces and non-ASCII percent-encoded.

    Existing %-escapes and URL punctuation stay as they are; a feed reader (and
    the W3C validator) refuses ``서울 사진.jpg`` but takes its encoded form.
    """
    url = url.strip()
    # What urljoin and quote would give, at a tenth of the cost, for the
    # URLs most bodies hold: this runs for every post's image and every link
    # in the bodies that are rendered.
    if PLAIN_BASE.fullmatch(url):
        return url  # absolute already
    if url.startswith("/") and ROOTED_PATH.fullmatch(url) and (origin := PLAIN_ORIGIN.match(base)):
        return origin.group() + url  # from the site's root, whatever the post's own URL holds
    if PLAIN_PATH.fullmatch(url) and PLAIN_BASE.fullmatch(base):
        return base[:base.rindex("/") + 1] + url
    return quote(urljoin(base, url), safe="!#$%&'()*+,/:;=?@[]~")


def clean_text(value: str) -> tuple[str, int]:
    """Remove characters XML forbids, raw or as references; return the text and how many went.

    Removing one can join its neighbours into another ("&#\x000;" leaves
    "&#0;"), so it repeats until none is left; each pass shortens the text.
    """
    removed = 0
    while True:
        value, count = XML_FORBIDDEN.subn("", value)
        if not count:
            return value, removed
        removed += count


def html_text(value: str) -> str:
    """Plain text as HTML that shows it unchanged, for fields readers take as HTML.

    RSS readers (and the W3C validator) read an item's description as HTML,
    so "1 < 2" must go out as "1 &lt; 2" and "AT&T" as "AT&amp;T" (the XML
    writer then escapes that "&" once more, as it must). Every "&" is
    escaped: the validator's HTML parser rejects even 'print("&")'.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_text(value: str) -> str:
    """Markup-free, entity-decoded, whitespace-folded text for titles and excerpts."""
    if "<" in value or "&" in value:
        value = html_to_text(value)
    return " ".join(value.split())


def display_width(text: str) -> int:
    """Columns ``text`` takes in a fixed-width font: Hangul and CJK take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def breakable(text: str) -> str:
    """``text`` with a zero-width space after every ``LONG_RUN`` columns of a run without spaces."""
    return _RUN.sub(lambda run: _break_run(run[0]), text)


def _break_run(run: str) -> str:
    if display_width(run) <= LONG_RUN:
        return run
    pieces, piece, used = [], "", 0
    for letter in run:
        size = display_width(letter)
        if used + size > LONG_RUN:
            pieces.append(piece)
            piece, used = "", 0
        piece += letter
        used += size
    return ZWSP.join(pieces + [piece])


def short_url(url: str) -> str:
    """A URL as an email shows it: without its scheme and ``www.``, cut to ``SHORT_URL`` characters."""
    shown = re.sub(r"^[a-z]+://(?:www\.)?", "", url, flags=re.IGNORECASE)
    return shown if len(shown) <= SHORT_URL else shown[:SHORT_URL - 1] + "…"


def parse_fragment(html: str):
    """An HTML fragment parsed by lxml under one <div> parent."""
    import lxml.html

    # Callers clean text first and count what went; this is the last guard,
    # since one forbidden character makes lxml refuse the whole fragment.
    return lxml.html.fragment_fromstring(XML_FORBIDDEN.sub("", html), create_parent="div")


def serialise_children(root) -> str:
    """A fragment parsed by ``parse_fragment`` as HTML again, without its wrapping <div>.

    Every stage that edits a parsed body writes it back through here (inline's
    sanitise_body too): serialising the text before the first tag by hand is
    where "&lt;script&gt;" once came back as a live script. ``root`` is the
    bare <div> ``parse_fragment`` made, with no tail.
    """
    import lxml.html

    # The whole <div> in one call, its tags cut off: lxml escapes the text
    # before the first child as it does every other text, and writes each
    # child with its tail, as serialising them one at a time did, in a
    # fraction of the calls (every body that lands in a feed comes through here).
    return lxml.html.tostring(root, encoding="unicode", method="html")[len("<div>"):-len("</div>")]


def html_to_text(html: str) -> str:
    """HTML as plain text: tags dropped, entities decoded, whitespace folded."""
    if not html.strip():
        return ""
    root = parse_fragment(html)
    for element in list(root.iter("script", "style", "template")):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in BLOCKS:
            element.tail = " " + (element.tail or "")
            element.text = " " + (element.text or "")
    return " ".join(root.text_content().split())


# Cached: a site's few hundred category and tag names are slugified for every
# post that carries them, by the permalink and by the category feeds.
@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """A URL and file-name safe slug that keeps letters of every script.

    Hangul, kana and accented letters stay (browsers show them, servers accept
    them percent-encoded); everything else becomes a hyphen.
    """
    text = unicodedata.normalize("NFC", text).lower()
    slug = NOT_WORD.sub("-", text).strip("-_")
    return slug[:120].strip("-_")


def safe_name(name: str) -> str:
    """A single path component that is safe on every file system.

    Keeps letters of every script; no separators, no ``..``, no NUL, not
    reserved, not too long. Raises ValueError when nothing usable is left.
    """
    name = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "-", name).strip(" .")
    stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
    if stem.lower() in RESERVED_NAMES:
        stem += "-"
    name = stem + dot + suffix
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
        name = stem + dot + suffix
    if not stem.strip(" .-"):
        raise ValueError(f"no usable file name in {name!r}")
    return name
