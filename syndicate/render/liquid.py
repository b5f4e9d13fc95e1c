"""A post body's Liquid, rendered the way Jekyll 4.3 (Liquid 5.4) renders it.

Jekyll renders a post's Liquid first and its Markdown after; this module is the
first step, for the body renderer of Jekyll sites. It uses python-liquid for
the language and adds what Jekyll adds, so a post renders here as it does on
the site (``tests/test_liquid.py`` builds a site with ``jekyll`` and compares).

Supported:

- Liquid's tags: ``assign``, ``capture``, ``if``/``elsif``/``else``,
  ``unless``, ``case``/``when``, ``for`` (``limit``, ``offset``, ``reversed``,
  ``break``, ``continue``, ``forloop``), ``tablerow``, ``cycle``, ``comment``,
  ``{% # %}``, ``raw``, ``increment``/``decrement``, ``echo``, ``liquid``,
  ``ifchanged``; Liquid 5.4's standard filters.
- Jekyll's tags: ``highlight`` (see below), ``post_url`` (also with a
  subfolder), ``link``, ``include`` (``_includes/``, ``include.param``, a
  ``{{ variable }}`` file name), ``include_relative`` (next to the post) and
  ``include_cached`` (the jekyll-include-cache plugin: the same output).
- Jekyll's filters: ``relative_url``, ``absolute_url``, ``strip_index``,
  ``date_to_xmlschema``, ``date_to_rfc822``, ``date_to_string``,
  ``date_to_long_string`` (``"ordinal"``, ``"US"``), ``xml_escape``,
  ``cgi_escape``, ``uri_escape``, ``markdownify``, ``smartify``, ``slugify``
  (its five modes), ``jsonify``, ``inspect``, ``where``, ``where_exp``,
  ``find``, ``find_exp``, ``sort`` (with ``nils``), ``group_by``,
  ``group_by_exp``, ``number_of_words`` (``"cjk"``, ``"auto"``),
  ``normalize_whitespace``, ``array_to_sentence_string``, ``to_integer``,
  ``push``, ``pop``, ``shift``, ``unshift``, ``sample``.
- Values print as Ruby prints them: ``true``, ``1.0``, ``1.0e+20``, a time
  as ``2026-11-01 16:30:00 +0900``, a hash as ``{"a"=>1}``, an array joined;
  ``map``, ``join`` and the string filters read nil as Ruby does ("", not
  python-liquid's "None").
- ``render_with_liquid: false`` in the front matter, or a body without ``{{``
  and ``{%``, is returned as it is (Jekyll does the same).

Different from Jekyll, on purpose:

- ``highlight`` gives ``<pre><code class="language-x">`` and the escaped code,
  without Rouge's colour spans (feed readers drop stylesheets) and without
  Jekyll's ``<figure>``; ``linenos`` changes nothing, the code stays plain.
- Where Jekyll stops the build (an unknown tag, a syntax error, a missing
  include or post), this module warns with ``file:line`` and goes on: an unknown
  tag is removed, with its block up to ``{% endname %}`` if it has one; a tag
  with a syntax error is removed (its end tag and ``else`` too, its content
  kept); a missing include or post renders nothing. An unknown filter warns
  and leaves the value unfiltered (Jekyll leaves it silently).
- ``seo`` and ``feed_meta`` (jekyll-seo-tag, jekyll-feed) write into a page's
  ``<head>``; in a feed body they are removed without a warning.
- Deterministic: ``sample`` takes the first element(s); ``"now"`` in the
  ``date`` filter is ``site.time`` (Jekyll's build time), not the clock.
- Dates are shown in ``site.timezone``, UTC when it is not set (Jekyll uses the
  machine's zone then).

Known difference (a strict xfail in the tests): Liquid 5.4 ignores
``reversed`` after ``limit:``/``offset:`` (``for i in a limit:2 reversed``),
python-liquid does not. ``markdownify`` reads Markdown as kramdown does (render.kramdown).
``smartify`` follows kramdown's SmartyPants for quotes, dashes and ellipses,
not for every corner of its quote rules.

Left out: ``render`` (Jekyll 4.3 has no file system for it: a warning), ``sassify`` and
``scssify`` (no CSS in a feed body), Liquid filters newer than 5.4 (``sum``,
``reject``, ``has``, ...), which Jekyll does not know either, and plugins'
tags and filters, which warn as above. ``site.posts`` and other collections
are whatever the caller puts in ``site``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from functools import cmp_to_key, lru_cache, wraps
from html import escape as html_escape
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Mapping, Optional
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from liquid import Environment, Mode
from liquid.ast import Node
from liquid.builtin.expressions import BooleanExpression, FilteredExpression, parse_primitive, tokenize
from liquid.builtin.output import Output, OutputNode
from liquid.builtin.tags.echo_tag import EchoNode, EchoTag
from liquid.context import RenderContext
from liquid.exceptions import FilterArgumentError, LiquidError, LiquidSyntaxError
from liquid.filter import with_context
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.template import BoundTemplate
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_ILLEGAL, TOKEN_TAG, Token
from liquid.undefined import is_undefined

from syndicate.errors import Notice
from syndicate.sources.jekyll import (FRAGMENT_SAFE, PATH_SAFE, RESERVED_SAFE, has_liquid, leading_slash,
                                      normalize_component, normalized_query, smartify, without_dot_segments)
from syndicate.sources.jekyll import slugify as jekyll_slugify


# --------------------------------------------------------------------------
# The public API


@dataclass(frozen=True)
class JekyllContext:
    """What a post's Liquid can see, and where its messages point."""

    root: Path  # the site folder (where _includes/ and _data/ are)
    site: Mapping[str, Any]  # site.*: _config.yml, site.data, site.url, site.baseurl, site.time ...
    page: Mapping[str, Any]  # page.*: front matter plus url, date, title, categories, tags, path, id
    # "2026-11-01-hello" (or "sub/2026-11-01-hello") and site paths such as
    # "_posts/2026-11-01-hello.md" or "about.md" -> URL as Jekyll's page.url,
    # without the baseurl (post_url and link add it, as Jekyll does); None: no such file.
    posts: Callable[[str], Optional[str]]
    source: str  # the post's name for messages: "_posts/2026-11-01-hello.md"
    line_offset: int = 1  # the file line where the body starts
    markdownify: Optional[Callable[[str], str]] = None  # default: kramdown's reading (render.kramdown), as Jekyll's
    environment: str = "production"  # jekyll.environment (JEKYLL_ENV)


def render_liquid(text: str, context: JekyllContext) -> tuple[str, list[Notice]]:
    """The body ``text`` with its Liquid rendered, and the warnings about it.

    Never raises for anything in the post: problems become warnings that read
    ``_posts/x.md:12: warning: ...``.
    """
    if not has_liquid(text, context.page):
        return text, []
    env = _environment()
    env.begin(context)
    try:
        template = env.parse_file(text, context.source, max(context.line_offset, 1))
        rendered = text if template is None else template.render(**_globals(context))
    except Exception as err:  # noqa: BLE001 - a bug here must not stop a build
        env.notice(f"Liquid could not be rendered ({type(err).__name__}: {err}); the body is left as written")
        rendered = text
    return rendered, _in_order(env.notices, context.source)


def _in_order(notices: list[Notice], source: str) -> list[Notice]:
    """The post's warnings by line, then those about its includes."""
    return sorted(notices, key=lambda notice: (notice.path != source, notice.path or "", notice.line or 0))


# --------------------------------------------------------------------------
# Ruby's way of printing values


class _Time(datetime):
    """A datetime that prints as Ruby's Time does: ``2026-11-01 16:30:00 +0900``."""

    def __str__(self) -> str:
        return _ruby_time(self)


def _as_time(value: datetime) -> _Time:
    return _Time.combine(value.date(), value.timetz(), tzinfo=value.tzinfo)


def _ruby_time(value: datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text} {value.strftime('%z')}" if value.utcoffset() is not None else text


def _ruby_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{exponent}"
    return text


def _to_s(value: Any) -> str:
    """Ruby's ``to_s``: what Jekyll's filters compare and join."""
    if value is None or is_undefined(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _ruby_float(value)
    if isinstance(value, datetime):
        return _ruby_time(value)
    if isinstance(value, (list, tuple, Mapping)):
        return _inspect(value)
    if isinstance(value, range):
        return f"{value.start}..{value.stop - 1}"
    return str(value)


def _output(value: Any) -> str:
    """What ``{{ value }}`` prints: Liquid joins arrays, the rest is ``to_s``."""
    if isinstance(value, (list, tuple)):
        return "".join(_output(item) if isinstance(item, (list, tuple)) else _to_s(item) for item in value)
    return _to_s(value)


_STRING_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f",
                   "\v": "\\v", "\b": "\\b", "\a": "\\a", "\x1b": "\\e"}


def _inspect_string(value: str) -> str:
    out = []
    for index, char in enumerate(value):
        if char in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[char])
        elif char == "#" and value[index + 1:index + 2] in ("{", "$", "@"):
            out.append("\\#")
        elif unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            out.append(f"\\u{ord(char):04X}" if ord(char) < 0x10000 else f"\\u{{{ord(char):X}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _inspect(value: Any) -> str:
    """Ruby 3.1's ``inspect``: ``{"a"=>[1, nil]}``."""
    if value is None or is_undefined(value):
        return "nil"
    if isinstance(value, str):
        return _inspect_string(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_inspect(k)}=>{_inspect(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inspect(item) for item in value) + "]"
    if isinstance(value, datetime):
        return _ruby_time(value)
    if isinstance(value, date):
        day = value.toordinal() + 1721425
        return f"#<Date: {value.isoformat()} (({day}j,0s,0n),+0s,2299161j)>"
    return _to_s(value)


def _to_json(value: Any) -> str:
    """Ruby's ``to_json``: compact, UTF-8 as is, ``1.0e+20``, times as their ``to_s``."""
    if value is None or is_undefined(value):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{_ruby_float(value)} not allowed in JSON")
        return _ruby_float(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_to_json(_to_s(k))}:{_to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, range)):
        return "[" + ",".join(_to_json(item) for item in value) + "]"
    return json.dumps(_to_s(value), ensure_ascii=False)


def _liquid_values(value: Any) -> Any:
    """The caller's data with datetimes that print as Ruby's and lists for tuples."""
    if isinstance(value, Mapping):
        return {key: _liquid_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_liquid_values(item) for item in value]
    if isinstance(value, datetime) and not isinstance(value, _Time):
        return _as_time(value)
    return value


def _globals(context: JekyllContext) -> dict[str, Any]:
    tz = _site_zone(context.site)
    page = _liquid_values(context.page)
    if isinstance(page.get("date"), datetime):
        page["date"] = _as_time(_aware(page["date"], tz).astimezone(tz))  # Jekyll's post dates are local
    return {"site": _liquid_values(context.site), "page": page,
            "jekyll": {"environment": context.environment}, "paginator": None}


# --------------------------------------------------------------------------
# Time


def _site_zone(site: Mapping[str, Any]) -> tzinfo:
    name = site.get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):  # not a zone's name ("America" is a folder)
            pass
    return timezone.utc


def _aware(value: datetime, tz: tzinfo) -> datetime:
    return value.replace(tzinfo=tz) if value.utcoffset() is None else value


def _now(context: RenderContext) -> datetime:
    jekyll = context.env.jekyll
    tz = _site_zone(jekyll.site)
    found = jekyll.site.get("time")
    if isinstance(found, datetime):
        return _aware(found, tz)
    if isinstance(found, date):
        return datetime.combine(found, datetime.min.time(), tz)
    return datetime(1970, 1, 1, tzinfo=tz)


def _parse_time(text: str, context: RenderContext) -> Optional[datetime]:
    from dateutil import parser  # python-liquid depends on it

    tz = _site_zone(context.env.jekyll.site)
    default = _now(context).astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        return _aware(parser.parse(text, default=default), tz)
    except (ValueError, OverflowError):
        return None


def _liquid_time(value: Any, context: RenderContext, day_zone: Optional[tzinfo] = None) -> Optional[datetime]:
    """Liquid's reading of a date: a time, a day (at midnight in ``day_zone``), "now", seconds, or text."""
    tz = _site_zone(context.env.jekyll.site)
    if isinstance(value, datetime):
        return _aware(value, tz)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), day_zone or tz)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return datetime.fromtimestamp(value, tz)
    if not isinstance(value, str) or not value:
        return None
    lowered = value.lower()
    if lowered in ("now", "today"):
        return _now(context)
    if re.fullmatch(r"[0-9]+", lowered):
        return datetime.fromtimestamp(int(lowered), tz)
    return _parse_time(value, context)


def _local_time(value: Any, context: RenderContext) -> datetime:
    """Jekyll's date filters: the time in the site's zone, or a warning-worthy error."""
    found = _liquid_time(value, context)
    if found is None:
        raise FilterArgumentError(f"invalid date: {_inspect(value)} is not a valid datetime", token=None)
    return found.astimezone(_site_zone(context.env.jekyll.site))


_STRFTIME_DIRECTIVE = re.compile(r"%([-_0^#]*)([0-9]*)(:{0,2}[a-zA-Z%+])")


def _strftime(value: datetime, fmt: str) -> str:
    """Ruby's strftime: the C library's, plus ``%L``, ``%N``, ``%:z`` and ``%::z``."""
    def directive(match: re.Match) -> str:
        flags, width, name = match.groups()
        if name == "L":
            return f"{value.microsecond // 1000:03d}"
        if name == "N":
            return f"{value.microsecond * 1000:09d}"[: int(width) if width else 9]
        if name in (":z", "::z"):
            offset = value.strftime("%z") or "+0000"
            return offset[:3] + ":" + offset[3:5] + (":00" if name == "::z" else "")
        if name == "s":
            return str(int(value.timestamp()))
        if name == "+":
            return value.strftime("%a %b %e %H:%M:%S %Z %Y")
        return value.strftime(match.group())
    return _STRFTIME_DIRECTIVE.sub(directive, fmt)


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


def _stringify_date(value: Any, month: str, kind: Any, style: Any, context: RenderContext) -> Any:
    if _to_s(value) == "":
        return value
    time = _local_time(value, context)
    if kind == "ordinal":
        day = _ordinal(time.day)
        if style == "US":
            return _strftime(time, f"{month} {day}, %Y")
        return _strftime(time, f"{day} {month} %Y")
    return _strftime(time, f"%d {month} %Y")


# --------------------------------------------------------------------------
# The environment: tags, filters, and warnings instead of exceptions


@dataclass(frozen=True)
class _Origin:
    """A template's text and where it comes from, for messages."""

    text: str
    path: str
    first_line: int

    def line(self, index: int) -> int:
        return self.first_line + self.text.count("\n", 0, max(index, 0))


class _Context(RenderContext):
    """Unknown filters warn and pass their value through."""

    def filter(self, name: str, token: Optional[Token]) -> Callable[..., object]:  # noqa: A003
        if name not in self.env.filters:
            self.env.notice(f"unknown Liquid filter '{name}', the value is left unfiltered", token)
            return _unfiltered
        return super().filter(name, token)


def _unfiltered(value: object, *_args: object, **_kwargs: object) -> object:
    return value


class _Template(BoundTemplate):
    context_class = _Context


class _Environment(Environment):
    """Jekyll's tags and filters, and the post being rendered (``begin``) with the warnings it collects."""

    template_class = _Template

    def __init__(self) -> None:
        super().__init__(tolerance=Mode.LAX, strict_filters=True)
        self.begin(None)

    def begin(self, jekyll: Optional[JekyllContext]) -> None:
        """Start rendering a post: its context, and no warnings, texts or includes of the one before."""
        self.jekyll = jekyll
        self.notices: list[Notice] = []
        self._seen: set[Notice] = set()
        self._origins: dict[int, _Origin] = {}
        self._parse_errors: Optional[list[LiquidError]] = None
        self.partials: dict[Path, Optional[BoundTemplate]] = {}
        self.expressions: dict[tuple[str, str], Any] = {}

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:  # noqa: ARG002
        super().setup_tags_and_filters(extra=False)
        for name in _NEWER_THAN_LIQUID_5_4:
            self.filters.pop(name, None)
        for name in _STRING_FILTERS:
            self.filters[name] = _ruby_strings(self.filters[name])
        self.tags.pop("render", None)
        for tag in _TAGS:
            self.add_tag(tag)
        for name, function in _FILTERS.items():
            self.add_filter(name, function)
        for tag in self.tags.values():
            tag.parse = _locating(tag.parse)  # type: ignore[method-assign]

    # Messages

    def notice(self, message: str, token: Optional[Token] = None, origin: Optional[_Origin] = None) -> None:
        """Record a warning at ``token`` (or the start of ``origin``, or the post)."""
        origin = origin or (self._origins.get(id(token.source)) if token else None)
        if origin is not None and token is not None and token.start_index >= 0:
            line: Optional[int] = origin.line(token.start_index)
        elif origin is not None:
            line = origin.first_line
        else:
            line = None
        path = origin.path if origin else self.jekyll.source
        notice = Notice(" ".join(message.split()), path, line)
        if notice not in self._seen:
            self._seen.add(notice)
            self.notices.append(notice)

    def error(self, exc: Any, msg: Optional[str] = None, token: Optional[Token] = None) -> None:
        """python-liquid's errors: kept while parsing, warned about while rendering."""
        if not isinstance(exc, LiquidError):
            exc = exc(msg, token=token)
        elif not exc.token:
            exc.token = token
        if self._parse_errors is not None:
            self._parse_errors.append(exc)
            return
        located = exc.token if exc.token is not None and id(exc.token.source) in self._origins else token
        self.notice(f"Liquid error: {exc.message}", located)

    # Parsing, with syntax errors and unknown tags taken out

    def parse_file(self, text: str, path: str, first_line: int) -> Optional[BoundTemplate]:
        """``text`` parsed; each broken or unknown tag is warned about and removed."""
        origin = _Origin(text, path, first_line)
        for _attempt in range(_MAX_REPAIRS):
            self._origins[id(origin.text)] = origin
            template, errors = self._try_parse(origin)
            if not errors:
                return template
            edits = _repairs(origin.text, errors, self.tags)
            if not edits:
                for error in errors:
                    self.notice(_describe(error, None), error.token)
                return template
            for edit in edits:
                self.notice(edit.message, origin=origin, token=_at(origin.text, edit.start))
            origin = _Origin(_apply(origin.text, edits), path, first_line)
        self.notice(f"more than {_MAX_REPAIRS} Liquid errors, the text is left as written", origin=origin)
        return None

    def _try_parse(self, origin: _Origin) -> tuple[Optional[BoundTemplate], list[LiquidError]]:
        errors: list[LiquidError] = []
        self._parse_errors = errors
        try:
            return self.from_string(origin.text, name=origin.path), errors
        except LiquidSyntaxError as err:  # the lexer's: "{{" or "{%" never closed
            return None, [*errors, _LexerError(err)]
        finally:
            self._parse_errors = None

    def parse_inline(self, markup: str, token: Token) -> BoundTemplate:
        """A tag's argument with ``{{ }}`` in it, as a template; its syntax errors are the tag's."""
        saved, self._parse_errors = self._parse_errors, []
        try:
            template = self.from_string(markup)
            failed = self._parse_errors
        except LiquidSyntaxError as err:
            failed = [err]
        finally:
            self._parse_errors = saved
        if failed:
            raise LiquidSyntaxError(f"in {markup!r}: {failed[0].message}", token=token)
        return template

    def partial(self, path: Path, token: Token) -> Optional[BoundTemplate]:
        """An included file, parsed once per render."""
        if path not in self.partials:
            name = path.relative_to(self.jekyll.root.resolve()).as_posix()
            try:
                text = path.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff")
            except OSError as err:
                self.notice(f"cannot read {name}: {err.strerror}, nothing included", token)
                text = None
            self.partials[path] = None if text is None else self.parse_file(text, name, 1)
        return self.partials[path]


_MAX_REPAIRS = 200


@lru_cache(maxsize=1)
def _environment() -> _Environment:
    """The environment every post of a process is rendered in, each in turn (``render_liquid``).

    Setting up Jekyll's tags and filters took 0.4 ms, once for each post with
    Liquid in it; a post's own state is reset by ``begin``.
    """
    return _Environment()


def _locating(parse: Callable[[TokenStream], Node]) -> Callable[[TokenStream], Node]:
    """A tag's parse that marks its errors with the tag's own token."""
    @wraps(parse)
    def located(stream: TokenStream) -> Node:
        start = stream.current
        try:
            return parse(stream)
        except LiquidError as err:
            if getattr(err, "markup_token", None) is None:
                err.markup_token = start  # type: ignore[attr-defined]
            raise
    return located


def _at(text: str, index: int) -> Token:
    return Token(TOKEN_TAG, "", index, text)


class _LexerError(LiquidSyntaxError):
    """A ``{{`` or ``{%`` that the lexer could not close."""

    def __init__(self, err: LiquidSyntaxError):
        super().__init__(err.message, token=err.token)


class _UnknownTagError(LiquidSyntaxError):
    def __init__(self, name: str, token: Token):
        super().__init__(f"unknown tag '{name}'", token=token)
        self.name = name


# --------------------------------------------------------------------------
# Repairs: where in the text a broken tag is, and what to take out


@dataclass(frozen=True)
class _Markup:
    start: int
    end: int
    name: Optional[str]  # a tag's name; None for {{ output }}, "raw" for a raw block


@dataclass(frozen=True)
class _Edit:
    """Take out the markup at ``spans``, all inside [start, end); the text between stays."""

    start: int
    end: int
    spans: tuple[tuple[int, int], ...]
    message: str


_MARKUP = re.compile(
    r"(?P<raw>\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\})"
    r"|\{%-?\s*(?P<name>#|\w+).*?%\}"
    r"|\{\{.*?\}\}",
    re.S,
)
_INNER_TAGS = {"else", "elsif", "when"}


def _markups(text: str) -> list[_Markup]:
    found = []
    for match in _MARKUP.finditer(text):
        name = "raw" if match.group("raw") else match.group("name")
        found.append(_Markup(match.start(), match.end(), name))
    return found


def _anchor(error: LiquidError, text: str) -> int:
    for token in (getattr(error, "markup_token", None), error.token):
        if token is not None and token.source is text and token.start_index >= 0:
            return token.start_index
    return -1


def _repairs(text: str, errors: Iterable[LiquidError], tags: Mapping[str, Tag]) -> list[_Edit]:
    """The non-overlapping edits that take the broken markup out of ``text``."""
    markups = _markups(text)
    blocks = {name for name, tag in tags.items() if tag.block and getattr(tag, "end", "")}
    edits: list[_Edit] = []
    for error in errors:
        edit = _repair(text, error, markups, blocks)
        if edit and not any(edit.start < other.end and other.start < edit.end for other in edits):
            edits.append(edit)
    return sorted(edits, key=lambda edit: edit.start)


def _repair(text: str, error: LiquidError, markups: list[_Markup], blocks: set[str]) -> Optional[_Edit]:
    index = _anchor(error, text)
    if index < 0:
        return None
    if isinstance(error, _LexerError):
        closing = text.find("%}", index) if text.startswith("{%", index) else -1
        end = closing + 2 if closing >= 0 else index + 2
        message = f"Liquid syntax error: {text[index:index + 2]!r} is never closed, removed"
        return _Edit(index, end, ((index, end),), message)
    position = next((i for i, m in enumerate(markups) if m.start <= index < m.end), None)
    if position is None:
        return None
    if isinstance(error, _UnknownTagError):
        return _remove_unknown(markups, position, error.name, text)
    markup = markups[position]
    message = _describe(error, _shown(text[markup.start:markup.end]))
    parts = _block_parts(markups, position) if markup.name in blocks else None
    spans = [(markup.start, markup.end)] + [(markups[i].start, markups[i].end) for i in parts or ()]
    return _Edit(markup.start, spans[-1][1], tuple(spans), message)


def _remove_unknown(markups: list[_Markup], position: int, name: str, text: str) -> _Edit:
    markup = markups[position]
    alone = ((markup.start, markup.end),)
    if name == "raw":
        return _Edit(markup.start, markup.end, alone, "Liquid syntax error: 'raw' is never closed, tag removed")
    if name == "render":
        return _Edit(markup.start, markup.end, alone, "Jekyll 4.3 cannot render {% render %} (use include), removed")
    if name.startswith("end") or name in _INNER_TAGS:
        shown = _shown(text[markup.start:markup.end])
        return _Edit(markup.start, markup.end, alone, f"unexpected Liquid tag {shown}, removed")
    parts = _block_parts(markups, position)
    if parts:
        end = markups[parts[-1]].end
        return _Edit(markup.start, end, ((markup.start, end),),
                     f"unknown Liquid tag '{name}' (a plugin's?), removed with its block up to {{% end{name} %}}")
    return _Edit(markup.start, markup.end, alone, f"unknown Liquid tag '{name}' (a plugin's?), removed")


def _block_parts(markups: list[_Markup], position: int) -> Optional[list[int]]:
    """The positions of a block's own ``else``/``when`` tags and end tag, or None."""
    name = markups[position].name
    stack: list[str] = []
    parts: list[int] = []
    index = position + 1
    while index < len(markups):
        tag = markups[index].name
        if tag == "comment":
            index = _after_comment(markups, index)
            continue
        if tag is None or tag == "raw":
            pass
        elif tag.startswith("end") and stack and stack[-1] == tag[3:]:
            stack.pop()
        elif not stack and tag == f"end{name}":
            return [*parts, index]
        elif not stack and tag in _INNER_TAGS:
            parts.append(index)
        elif any(m.name == f"end{tag}" for m in markups[index + 1:]):
            stack.append(tag)
        index += 1
    return None


def _after_comment(markups: list[_Markup], index: int) -> int:
    depth = 0
    while index < len(markups):
        depth += {"comment": 1, "endcomment": -1}.get(markups[index].name or "", 0)
        index += 1
        if depth == 0:
            break
    return index


def _shown(markup: str) -> str:
    markup = " ".join(markup.split())
    return markup if len(markup) <= 60 else markup[:57] + "..."


def _describe(error: LiquidError, shown: Optional[str]) -> str:
    message = " ".join(str(error.message).split())
    return f"Liquid syntax error: {message}" + (f"; {shown} removed" if shown else "")


def _blank(text: str, start: int, end: int) -> str:
    """Markup that renders nothing, keeping the line count and the whitespace control."""
    left = "{%-" if text.startswith("-", start + 2) else "{%"
    right = "-%}" if text[end - 3:end] in ("-%}", "-}}") else "%}"
    return left + "#" + "\n" * text.count("\n", start, end) + right


def _apply(text: str, edits: list[_Edit]) -> str:
    out = []
    last = 0
    for edit in edits:
        for start, end in edit.spans:
            out.append(text[last:start])
            out.append(_blank(text, start, end))
            last = end
    out.append(text[last:])
    return "".join(out)


# --------------------------------------------------------------------------
# Tags


def _markup_of(stream: TokenStream) -> tuple[Token, str]:
    """The tag's token and the text after its name; the stream stays on the tag's last token."""
    token = stream.expect(TOKEN_TAG)
    if stream.peek.kind == TOKEN_EXPRESSION:
        next(stream)
        return token, stream.current.value
    return token, ""


def _render_inline(template: BoundTemplate, context: RenderContext) -> str:
    buffer = context.get_buffer()
    template.render_with_context(context, buffer, partial=True)
    return buffer.getvalue()


class _UnknownTag(Tag):
    """Any tag python-liquid does not know: an error the repairs remove."""

    name = TOKEN_ILLEGAL
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, _markup = _markup_of(stream)
        raise _UnknownTagError(token.value, token)


class _NothingNode(Node):
    def render_to_output(self, context: RenderContext, buffer: Any) -> int:  # noqa: ARG002
        return 0


class _HeadTag(Tag):
    """A plugin tag that writes into a page's <head>: nothing in a feed body."""

    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, _markup = _markup_of(stream)
        return _NothingNode(token)


class _SeoTag(_HeadTag):
    name = "seo"


class _FeedMetaTag(_HeadTag):
    name = "feed_meta"


def _print(node: OutputNode, context: RenderContext, buffer: Any) -> int:
    return buffer.write(_output(node.expression.evaluate(context)))


class _OutputNode(OutputNode):
    render_to_output = _print


class _OutputTag(Output):
    node_class = _OutputNode


class _EchoNode(EchoNode):
    render_to_output = _print


class _EchoTag(EchoTag):
    node_class = _EchoNode


_HIGHLIGHT = re.compile(r'([\w.+#-]+)((?:\s+\w+(?:=(?:\w+|"[\d\s]*"))?)*)')


class _HighlightNode(Node):
    __slots__ = ("language", "block")

    def __init__(self, token: Token, language: str, block: Node):
        super().__init__(token)
        self.language = language
        self.block = block
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: Any) -> int:
        inner = context.get_buffer(buffer)
        self.block.render(context, inner)
        code = html_escape(inner.getvalue().strip("\r\n"), quote=False)
        return buffer.write(f'<pre><code class="language-{self.language}">{code}</code></pre>')


class _HighlightTag(Tag):
    """``{% highlight lang [linenos] %}``: plain, escaped code (no colours, no line numbers)."""

    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup_of(stream)
        found = _HIGHLIGHT.fullmatch(markup.strip())
        if not found:
            raise LiquidSyntaxError(f"highlight wants a language: '{{% highlight ruby [linenos] %}}', found {markup!r}",
                                    token=token)
        next(stream)
        block = get_parser(self.env).parse_block(stream, (self.end, TOKEN_EOF))
        stream.expect(TOKEN_TAG, value=self.end)
        language = found.group(1).lower().replace("+", "-")
        return _HighlightNode(token, language, block)


_POST_NAME = re.compile(r"(?:.+/)*\d+-\d+-\d+-.*")


class _PostUrlNode(Node):
    __slots__ = ("post",)

    def __init__(self, token: Token, post: str):
        super().__init__(token)
        self.post = post
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: Any) -> int:
        return _write_document_url(context, buffer, self.token, (self.post, PurePosixPath(self.post).name),
                                   f"post_url: there is no post '{self.post}', nothing written")


class _PostUrlTag(Tag):
    """``{% post_url 2026-11-01-hello %}``: the post's URL with the baseurl."""

    name = "post_url"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup_of(stream)
        post = markup.strip().lstrip("/")
        if not _POST_NAME.fullmatch(post):
            raise LiquidSyntaxError(f"post_url wants a post's name (2026-11-01-title), found {markup!r}", token=token)
        return _PostUrlNode(token, post)


class _LinkNode(Node):
    __slots__ = ("path",)

    def __init__(self, token: Token, path: str | BoundTemplate):
        super().__init__(token)
        self.path = path
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: Any) -> int:
        path = self.path if isinstance(self.path, str) else _render_inline(self.path, context).strip()
        return _write_document_url(context, buffer, self.token, (path, path.lstrip("/")),
                                   f"link: there is no document '{path}' in the site, nothing written")


def _write_document_url(context: RenderContext, buffer: Any, token: Token, keys: tuple[str, str],
                        missing: str) -> int:
    """``post_url`` and ``link``: the URL the first of ``keys`` finds, with the baseurl; else the warning ``missing``."""
    posts = context.env.jekyll.posts
    url = posts(keys[0]) or posts(keys[1])
    if url is None:
        context.env.notice(missing, token)
        return 0
    return buffer.write(_relative_url(url, context))


class _LinkTag(Tag):
    """``{% link _posts/2026-11-01-hello.md %}``: that file's URL with the baseurl."""

    name = "link"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup_of(stream)
        markup = markup.strip()
        if not markup:
            raise LiquidSyntaxError("link wants a file's path in the site", token=token)
        path = self.env.parse_inline(markup, token) if "{" in markup else markup
        return _LinkNode(token, path)


_INCLUDE = re.compile(r"((?:\{\{.*?\}\}|[^\s{]|\{(?!\{))+)\s*(.*)", re.S)
_PARAM = r"""([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([\w.-]+))"""
_PARAMS = re.compile(rf"\s*(?:{_PARAM}(?=\s|$)\s*)*", re.S)
_FILE_NAME = re.compile(r"[\w/.\-()+~#@]+")
_BAD_SEQUENCE = re.compile(r"[./]{2,}")


def _include_params(env: _Environment, markup: str, token: Token) -> dict[str, Any]:
    if not _PARAMS.fullmatch(markup):
        raise LiquidSyntaxError(f"include parameters are name=\"value\" or name=variable, found {markup!r}",
                                token=token)
    params: dict[str, Any] = {}
    for name, double, single, variable in re.findall(_PARAM, markup):
        if variable:
            expression = Token(TOKEN_EXPRESSION, variable, token.start_index, token.source)
            params[name] = parse_primitive(env, TokenStream(tokenize(variable, expression)))
        elif double or not single:
            params[name] = double.replace('\\"', '"')
        else:
            params[name] = single.replace("\\'", "'")
    return params


class _IncludeNode(Node):
    __slots__ = ("tag", "file", "params")

    def __init__(self, token: Token, tag: str, file: str | BoundTemplate, params: Optional[dict[str, Any]]):
        super().__init__(token)
        self.tag = tag
        self.file = file
        self.params = params
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: Any) -> int:
        env = context.env
        name = self.file if isinstance(self.file, str) else _render_inline(self.file, context).strip()
        path = _locate(env, self.tag, name, self.token)
        template = env.partial(path, self.token) if path else None
        if template is None:
            return 0
        namespace = {}
        if self.params is not None:
            namespace["include"] = {key: value if isinstance(value, str) else value.evaluate(context)
                                    for key, value in self.params.items()}
        with context.extend(namespace, template=template):
            template.render_with_context(context, buffer, partial=True)
        return 1


class _IncludeTag(Tag):
    """``{% include note.html text="x" other=page.title %}``, from ``_includes/``."""

    name = "include"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup_of(stream)
        found = _INCLUDE.fullmatch(markup.strip())
        if not found:
            raise LiquidSyntaxError(f"{self.name} wants a file name", token=token)
        file_markup, params_markup = found.groups()
        dynamic = "{{" in file_markup
        file = self.env.parse_inline(file_markup, token) if dynamic else file_markup
        params = _include_params(self.env, params_markup, token) if params_markup or dynamic else None
        return _IncludeNode(token, self.name, file, params)


class _IncludeRelativeTag(_IncludeTag):
    """``{% include_relative other.md %}``, from the post's own folder."""

    name = "include_relative"


class _IncludeCachedTag(_IncludeTag):
    """jekyll-include-cache's tag: the output is the include's."""

    name = "include_cached"


def _locate(env: _Environment, tag: str, name: str, token: Token) -> Optional[Path]:
    """The file an include tag names, inside the site folder, or None and a warning."""
    if _BAD_SEQUENCE.search(name) or not _FILE_NAME.fullmatch(name):
        env.notice(f"{tag}: refused '{name}' (a path with '..', './', '//' or odd characters), nothing included",
                   token)
        return None
    jekyll = env.jekyll
    root = jekyll.root.resolve()
    if tag == "include_relative":
        folder = PurePosixPath(str(jekyll.page.get("path") or jekyll.source)).parent
    else:
        folder = PurePosixPath(str(jekyll.site.get("includes_dir") or "_includes"))
    path = (root / folder / name).resolve()
    if not path.is_relative_to(root):
        env.notice(f"{tag}: '{name}' is outside the site folder, nothing included", token)
        return None
    if not path.is_file():
        env.notice(f"{tag}: could not find '{name}' in {folder.as_posix()}/, nothing included", token)
        return None
    return path


_TAGS = (_UnknownTag, _OutputTag, _EchoTag, _SeoTag, _FeedMetaTag, _HighlightTag, _PostUrlTag, _LinkTag,
         _IncludeTag, _IncludeRelativeTag, _IncludeCachedTag)


# --------------------------------------------------------------------------
# Filters


def _filter(function: Callable[..., Any], *, context: bool = False) -> Callable[..., Any]:
    """A filter whose Python errors become Liquid errors (TypeError: python-liquid's own)."""
    @wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (LiquidError, TypeError):
            raise
        except Exception as err:  # noqa: BLE001
            raise FilterArgumentError(f"{function.__name__.strip('_')}: {err}", token=None) from err
    return with_context(guarded) if context else guarded


def _jekyll(context: RenderContext) -> JekyllContext:
    return context.env.jekyll


# URLs, after Addressable's normalisation as Jekyll uses it

_URI = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)
_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}


def _normalize_authority(authority: str, scheme: Optional[str]) -> str:
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.rpartition(":") if ":" in hostport and not hostport.endswith("]") else (
        hostport, "", "")
    if colon and (port == "" or port == _DEFAULT_PORTS.get(scheme or "")):
        colon = port = ""
    return f"{userinfo}{at}{host.lower()}{colon}{port}"


def _normalize_uri(uri: str) -> str:
    scheme, authority, path, query, fragment = _URI.fullmatch(uri).groups()
    out = []
    if scheme is not None:
        scheme = scheme.lower()
        out.append(scheme + ":")
    if authority is not None:
        out.append("//" + _normalize_authority(authority, scheme))
    path = "/".join(normalize_component(segment, PATH_SAFE) for segment in path.split("/"))
    if path.startswith("/") or authority is not None:
        path = without_dot_segments(path)
    out.append("/" if authority is not None and not path else path)
    query = normalized_query(query) if query is not None else ""
    if query:
        out.append("?" + query)
    fragment = normalize_component(fragment, FRAGMENT_SAFE) if fragment is not None else ""
    if fragment:
        out.append("#" + fragment)
    return "".join(out)


def _is_absolute(url: str) -> bool:
    return re.match(r"[^:/?#]+:", url) is not None


def _relative_url(value: Any, context: RenderContext) -> Any:
    if value is None or is_undefined(value):
        return None
    url = _to_s(value)
    if _is_absolute(url):
        return url
    base = _to_s(_jekyll(context).site.get("baseurl"))
    base = base[:-1] if base.endswith("/") else base
    return _normalize_uri(leading_slash(base) + leading_slash(url))


def _absolute_url(value: Any, context: RenderContext) -> Any:
    relative = _relative_url(value, context)  # None, an absolute URL as it was, or a site path
    site_url = _to_s(_jekyll(context).site.get("url"))
    if relative is None or _is_absolute(relative) or not site_url:
        return relative
    return _normalize_uri(site_url + relative)


def _strip_index(value: Any) -> Any:
    if value is None or _to_s(value) == "":
        return None
    return re.sub(r"/index\.html?$", "/", _to_s(value), flags=re.M)


def _uri_escape(value: Any) -> str:
    return normalize_component(_to_s(value), RESERVED_SAFE)  # Addressable's default class


def _cgi_escape(value: Any) -> str:
    return quote_plus(_to_s(value), safe="")


def _xml_escape(value: Any) -> str:
    text = _to_s(value)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&apos;")):
        text = text.replace(char, entity)
    return text


# Dates


def _date(value: Any, fmt: Any = None, *, context: RenderContext) -> Any:
    fmt = _to_s(fmt)
    if not fmt:
        return value
    time = _liquid_time(value, context, day_zone=timezone.utc)  # Ruby's Date prints at +0000
    return value if time is None else _strftime(time, fmt)


def _date_to_xmlschema(value: Any, *, context: RenderContext) -> Any:
    if _to_s(value) == "":
        return value
    return _local_time(value, context).isoformat(timespec="seconds")


def _date_to_rfc822(value: Any, *, context: RenderContext) -> Any:
    if _to_s(value) == "":
        return value
    return _strftime(_local_time(value, context), "%a, %d %b %Y %H:%M:%S %z")


def _date_to_string(value: Any, kind: Any = None, style: Any = None, *, context: RenderContext) -> Any:
    return _stringify_date(value, "%b", kind, style, context)


def _date_to_long_string(value: Any, kind: Any = None, style: Any = None, *, context: RenderContext) -> Any:
    return _stringify_date(value, "%B", kind, style, context)


# Text

_RUBY_SPACE = " \t\n\v\f\r"
_RUBY_SPACES = re.compile(f"[{_RUBY_SPACE}]+")
_CJK_RANGES = (
    "\u1100-\u11ff\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u302e\u302f"
    "\u3038-\u303b\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fd-\u30ff\u3131-\u318e\u31f0-\u31ff"
    "\u3200-\u321e\u3260-\u327e\u32d0-\u32fe\u3300-\u3357\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97c"
    "\uac00-\ud7a3\ud7b0-\ud7c6\ud7cb-\ud7fb\uf900-\ufa6d\ufa70-\ufad9\uff66-\uff6f\uff71-\uff9d"
    "\uffa0-\uffbe\uffc2-\uffc7\uffca-\uffcf\uffd2-\uffd7\uffda-\uffdc\U0001b000-\U0001b16f"
    "\U00020000-\U0003134f"
)  # the Han, Hiragana, Katakana and Hangul scripts


@lru_cache(maxsize=None)
def _cjk_patterns() -> tuple[re.Pattern, re.Pattern]:
    """A CJK character, and a run of other characters than those and spaces: ``number_of_words``'s "cjk" words.

    Compiled when first needed: Python's compiler walks their ranges a
    character at a time (4 ms), which every run that renders Liquid paid.
    """
    return re.compile(f"[{_CJK_RANGES}]"), re.compile(f"[^{_CJK_RANGES}{_RUBY_SPACE}]+")


def _words(text: str) -> list[str]:
    return [word for word in _RUBY_SPACES.split(text) if word]


def _number_of_words(value: Any, mode: Any = None) -> int:
    text = _to_s(value)
    if mode in ("cjk", "auto"):
        cjk_character, other_word = _cjk_patterns()
        cjk = len(cjk_character.findall(text))
        if cjk or mode == "cjk":
            return cjk + len(other_word.findall(text))
    return len(_words(text))


def _normalize_whitespace(value: Any) -> str:
    return _RUBY_SPACES.sub(" ", _to_s(value)).strip(_RUBY_SPACE + "\0")


def _array_to_sentence_string(value: Any, connector: Any = "and") -> str:
    if not isinstance(value, (list, tuple)):
        return _to_s(value)
    items = [_to_s(item) for item in value]
    connector = _to_s(connector)
    if len(items) < 2:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {connector} {items[1]}"
    return f"{', '.join(items[:-1])}, {connector} {items[-1]}"


def _slugify(value: Any, mode: Any = None) -> Any:
    if value is None or is_undefined(value):
        return None
    return jekyll_slugify(_to_s(value), mode if isinstance(mode, str) and mode else "default")


def _smartify(value: Any) -> str:
    """Kramdown's SmartyPants, near enough: curly quotes, dashes, ellipses; HTML kept (``jekyll.smartify``)."""
    return smartify(_to_s(value))


def _markdownify(value: Any, *, context: RenderContext) -> str:
    from syndicate.render.kramdown import kramdown_html

    convert = _jekyll(context).markdownify or kramdown_html
    return convert(_to_s(value))


def _jsonify(value: Any) -> str:
    return _to_json(value)


def _inspect_filter(value: Any) -> str:
    return _xml_escape(_inspect(value))


# Arrays and hashes

_INTEGER_LIKE = re.compile(r"[ \t\n\v\f\r]*-?[0-9]+[ \t\n\v\f\r]*")
_FLOAT_LIKE = re.compile(r"[ \t\n\v\f\r]*-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[ \t\n\v\f\r]*")


def _items(value: Any) -> Optional[list[Any]]:
    """What Jekyll's filters go through: an array, or a hash's values; None for the rest."""
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _as_number(value: Any) -> Any:
    text = _to_s(value)
    if _INTEGER_LIKE.fullmatch(text):
        return int(text)
    if _FLOAT_LIKE.fullmatch(text):
        return float(text)
    return value


def _property(item: Any, name: Any) -> Any:
    """``item[name]``, a dotted ``name`` going deeper; numbers in text read as numbers."""
    value = item if isinstance(item, Mapping) else None
    for key in _to_s(name).split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return _as_number(None if is_undefined(value) else value)


def _ruby_array(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [[key, item] for key, item in value.items()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _matches(found: Any, target: Any) -> bool:
    if target is None or is_undefined(target):
        return found is None
    target = _to_s(target)
    if isinstance(found, str):
        return found == target
    return any(_to_s(item) == target for item in _ruby_array(found))


def _where(value: Any, name: Any = None, target: Any = None) -> Any:
    items = _items(value)
    if items is None or name is None or name is False or isinstance(target, (list, tuple, Mapping)):
        return value
    return [item for item in items if _matches(_property(item, name), target)]


def _find(value: Any, name: Any = None, target: Any = None) -> Any:
    items = _items(value)
    if items is None or name is None or name is False or isinstance(target, (list, tuple, Mapping)):
        return value
    return next((item for item in items if _matches(_property(item, name), target)), None)


def _flattened(value: Any) -> list[Any]:
    """Liquid's view of a filter's input as an array: nested arrays flattened, nil empty."""
    if value is None or is_undefined(value):
        return []
    if not isinstance(value, (list, tuple)):
        return [value]
    out: list[Any] = []
    for item in value:
        out.extend(_flattened(item) if isinstance(item, (list, tuple)) else [item])
    return out


def _map(value: Any, name: Any) -> list[Any]:
    """Each item's ``name``: nil where it has none (python-liquid's is not nil to ``compact``)."""
    key = _to_s(name)
    found = []
    for item in _flattened(value):
        if isinstance(item, Mapping):
            found.append(item.get(key))
        elif isinstance(item, str):
            found.append(key if key in item else None)
        else:
            raise FilterArgumentError(f"cannot select the property '{key}' of {_inspect(item)}", token=None)
    return found


def _join(value: Any, glue: Any = " ") -> str:
    return _to_s(glue).join(_to_s(item) for item in _flattened(value))


def _parsed(context: RenderContext, kind: str, expression: Any) -> Any:
    env = context.env
    key = (kind, _to_s(expression))
    if key not in env.expressions:
        source = key[1]
        tokens = TokenStream(tokenize(source, Token(TOKEN_EXPRESSION, source, 0, source)))
        try:
            parse = BooleanExpression.parse if kind == "condition" else FilteredExpression.parse
            env.expressions[key] = parse(env, tokens)
        except LiquidError as err:
            raise FilterArgumentError(f"cannot read {source!r}: {err.message}", token=None) from err
    return env.expressions[key]


def _each_bound(items: list[Any], variable: Any, expression: Any, context: RenderContext) -> Iterable[Any]:
    """(item, the expression's value with ``variable`` set to the item) for each item."""
    for item in items:
        with context.extend({_to_s(variable): item}):
            yield item, expression.evaluate(context)


def _where_exp(value: Any, variable: Any, expression: Any, *, context: RenderContext) -> Any:
    items = _items(value)
    if items is None:
        return value
    condition = _parsed(context, "condition", expression)
    return [item for item, keep in _each_bound(items, variable, condition, context) if keep]


def _find_exp(value: Any, variable: Any, expression: Any, *, context: RenderContext) -> Any:
    items = _items(value)
    if items is None:
        return value
    condition = _parsed(context, "condition", expression)
    return next((item for item, keep in _each_bound(items, variable, condition, context) if keep), None)


def _grouped(pairs: Iterable[tuple[Any, Any]]) -> list[dict[str, Any]]:
    groups: list[tuple[Any, list[Any]]] = []
    for key, item in pairs:
        group = next((members for name, members in groups if name == key and type(name) is type(key)), None)
        if group is None:
            groups.append((key, [item]))
        else:
            group.append(item)
    return [{"name": name, "items": members, "size": len(members)} for name, members in groups]


def _groupable(value: Any) -> Optional[list[Any]]:
    if isinstance(value, Mapping):
        return [[key, item] for key, item in value.items()]
    return list(value) if isinstance(value, (list, tuple)) else None


def _group_by(value: Any, name: Any) -> Any:
    items = _groupable(value)
    if items is None:
        return value
    return _grouped((_to_s(_property(item, name)), item) for item in items)


def _group_by_exp(value: Any, variable: Any, expression: Any, *, context: RenderContext) -> Any:
    items = _groupable(value)
    if items is None:
        return value
    parsed = _parsed(context, "value", expression)
    return _grouped((key, item) for item, key in _each_bound(items, variable, parsed, context))


def _spaceship(left: Any, right: Any) -> Optional[int]:
    """Ruby's ``<=>``: -1, 0, 1, or None when the two do not compare."""
    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    if (number(left) and number(right)) or (isinstance(left, str) and isinstance(right, str)) or (
            isinstance(left, datetime) and isinstance(right, datetime)):
        return (left > right) - (left < right)
    if isinstance(left, list) and isinstance(right, list):
        for a, b in zip(left, right):
            found = _spaceship(a, b)
            if found != 0:
                return found
        return (len(left) > len(right)) - (len(left) < len(right))
    return 0 if left is right or (type(left) is type(right) and left == right) else None


def _strict_order(left: Any, right: Any) -> int:
    found = _spaceship(left, right)
    if found is None:
        raise FilterArgumentError(f"comparison of {_inspect(left)} with {_inspect(right)} failed", token=None)
    return found


def _sort(value: Any, name: Any = None, nils: Any = "first") -> list[Any]:
    if value is None or is_undefined(value):
        raise FilterArgumentError("cannot sort a null object", token=None)
    items = _groupable(value)
    if items is None:
        raise FilterArgumentError(f"cannot sort {_inspect(value)}", token=None)
    if name is None:
        return sorted(items, key=cmp_to_key(_strict_order))
    if nils not in ("first", "last"):
        raise FilterArgumentError(f"invalid nils order: '{_to_s(nils)}' is not 'first' or 'last'", token=None)
    order = -1 if nils == "first" else 1

    def compare(left: tuple[Any, Any], right: tuple[Any, Any]) -> int:
        a, b = left[0], right[0]
        if (a is None) != (b is None):
            return order if a is None else -order
        found = _spaceship(a, b)
        return found if found is not None else _strict_order(_to_s(a), _to_s(b))

    keyed = sorted(((_property(item, name), item) for item in items), key=cmp_to_key(compare))
    return [item for _key, item in keyed]


def _to_integer(value: Any) -> int:
    if value is True:
        return 1
    if value is False or value is None or is_undefined(value):
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    found = re.match(r"[ \t\n\v\f\r]*([-+]?[0-9]+(?:_[0-9]+)*)", _to_s(value))
    return int(found.group(1).replace("_", "")) if found else 0


def _count(num: Any) -> int:
    count = _to_integer(num)
    if count < 0:
        raise FilterArgumentError("negative array size", token=None)
    return count


def _push(value: Any, item: Any) -> Any:
    return [*value, item] if isinstance(value, list) else value


def _unshift(value: Any, item: Any) -> Any:
    return [item, *value] if isinstance(value, list) else value


def _pop(value: Any, num: Any = 1) -> Any:
    if not isinstance(value, list):
        return value
    count = _count(num)
    return value[:len(value) - count] if count < len(value) else []


def _shift(value: Any, num: Any = 1) -> Any:
    return value[_count(num):] if isinstance(value, list) else value


def _sample(value: Any, num: Any = 1) -> Any:
    """Deterministic: the first element (or the first ``num``), not a random one."""
    if not isinstance(value, list):
        return value
    count = _to_integer(num)
    if count == 1:
        return value[0] if value else None
    return value[:_count(count)]


def _ruby_strings(function: Callable[..., Any]) -> Callable[..., Any]:
    """A python-liquid string filter given Ruby's ``to_s`` of its input and of nil or true arguments."""
    @wraps(function)
    def converted(value: Any, *args: Any, **kwargs: Any) -> Any:
        args = tuple(_to_s(arg) if arg is None or isinstance(arg, bool) or is_undefined(arg) else arg
                     for arg in args)
        return function(_to_s(value), *args, **kwargs)
    return converted


# python-liquid's filters that read their input (and arguments) as text.
_STRING_FILTERS = ("append", "prepend", "replace", "replace_first", "replace_last", "remove", "remove_first",
                   "remove_last", "split", "upcase", "downcase", "capitalize", "strip", "lstrip", "rstrip",
                   "strip_newlines", "newline_to_br", "escape_once", "url_encode", "url_decode",
                   "base64_encode", "base64_decode", "base64_url_safe_encode", "base64_url_safe_decode",
                   "truncate", "truncatewords", "strip_html")

# Liquid filters python-liquid has and Liquid 5.4 (so Jekyll 4.3) has not.
_NEWER_THAN_LIQUID_5_4 = ("sum", "find_index", "has", "reject", "squish", "escapejs", "safe")

_FILTERS: dict[str, Callable[..., Any]] = {
    "relative_url": _filter(_relative_url, context=True),
    "absolute_url": _filter(_absolute_url, context=True),
    "strip_index": _filter(_strip_index),
    "date": _filter(_date, context=True),
    "date_to_xmlschema": _filter(_date_to_xmlschema, context=True),
    "date_to_rfc822": _filter(_date_to_rfc822, context=True),
    "date_to_string": _filter(_date_to_string, context=True),
    "date_to_long_string": _filter(_date_to_long_string, context=True),
    "xml_escape": _filter(_xml_escape),
    "cgi_escape": _filter(_cgi_escape),
    "uri_escape": _filter(_uri_escape),
    "markdownify": _filter(_markdownify, context=True),
    "smartify": _filter(_smartify),
    "slugify": _filter(_slugify),
    "jsonify": _filter(_jsonify),
    "inspect": _filter(_inspect_filter),
    "where": _filter(_where),
    "where_exp": _filter(_where_exp, context=True),
    "find": _filter(_find),
    "map": _filter(_map),
    "join": _filter(_join),
    "find_exp": _filter(_find_exp, context=True),
    "sort": _filter(_sort),
    "group_by": _filter(_group_by),
    "group_by_exp": _filter(_group_by_exp, context=True),
    "number_of_words": _filter(_number_of_words),
    "normalize_whitespace": _filter(_normalize_whitespace),
    "array_to_sentence_string": _filter(_array_to_sentence_string),
    "to_integer": _filter(_to_integer),
    "push": _filter(_push),
    "pop": _filter(_pop),
    "shift": _filter(_shift),
    "unshift": _filter(_unshift),
    "sample": _filter(_sample),
}
