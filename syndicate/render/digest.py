"""The email digest: which posts, rendered as inlined HTML, plain text and .eml.

A digest covers a window of time ``[start, end)`` in the site's time zone: an
ISO week, the last N days, or a range of dates. Its posts are rendered through
two Jinja templates (``digest.html.j2``, ``digest.txt.j2``), the HTML is made
email-ready by ``syndicate.render.inline`` and both parts are wrapped into one MIME
message by ``syndicate.render.mail``. Nothing here touches the network.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from markupsafe import Markup, escape

from syndicate.sources.config import Site
from syndicate.render.content import Rendered
from syndicate.errors import Notice, SyndicateError
from syndicate.sources.posts import Post, parse_date
from syndicate.render.plain import html_to_paragraphs, wrap
from syndicate.text import URL_IN_TEXT, breakable, short_url

# The logo's largest width in the masthead, in CSS pixels.
LOGO_WIDTH = 200
# Gmail clips a message whose HTML is over 102 KB behind a "View entire message" link.
GMAIL_CLIP_BYTES = 102 * 1024
WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # a daily digest's period
MONTH = re.compile(r"^(\d{4})-(\d{2})$")  # a monthly digest's period
DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


# The few words the default templates print, in the languages we can vouch
# for; other languages get English (a site's own templates can say anything).
LABELS = {
    "en": {"read_more": "Read more →", "web_version": "View this email in your browser",
           "web_version_text": "View in your browser", "unsubscribe": "Unsubscribe",
           "why": "You are receiving this because you subscribed to {title}.", "contents": "In this issue",
           "archive": "{title}: every digest", "posts": ["{n} post", "{n} posts"], "feed": "Follow in a feed reader",
           "empty": "No digest yet."},
    "ko": {"read_more": "더 읽기 →", "web_version": "브라우저에서 보기",
           "web_version_text": "브라우저에서 보기", "unsubscribe": "수신 거부",
           "why": "{title} 구독을 신청하셔서 받으시는 메일입니다.", "contents": "이번 호에서는",
           "archive": "{title}: 지난 소식지", "posts": ["글 {n}편", "글 {n}편"], "feed": "피드 리더로 구독하기",
           "empty": "아직 소식지가 없습니다."},
}


# --- the window -------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The time a digest covers: ``[start, end)`` in the site's time zone.

    ``period`` names it in file names and subjects: ``2026-W48`` when the
    window is exactly an ISO week, else its first and last day,
    ``2026-11-18_2026-11-25``; a daily schedule's digests are named by
    their day (``2026-11-25``, ``day_window``), a monthly one's by their
    month (``2026-11``, ``month_window``).
    """

    start: datetime
    end: datetime
    period: str

    @property
    def last_day(self) -> date:
        """The last calendar day the window touches."""
        return _last_day(self.end)


def _last_day(end: datetime) -> date:
    # The end is excluded: a window ending at Monday 00:00 ends on Sunday.
    return (end - timedelta(microseconds=1)).date()


def _window(start: datetime, end: datetime) -> Window:
    """A window named by its ISO week when it is exactly one, else by its first and last day."""
    year, week, weekday = start.isocalendar()
    monday_midnight = start.time() == time() and weekday == 1
    if monday_midnight and end == datetime.combine(start.date() + timedelta(days=7), time(), start.tzinfo):
        return Window(start, end, f"{year}-W{week:02d}")
    return Window(start, end, f"{start.date().isoformat()}_{_last_day(end).isoformat()}")


def day_window(site: Site, day: date) -> Window:
    """One calendar day in the site's time zone, named ``2026-11-25``: a daily digest's period."""
    start = datetime.combine(day, time(), site.timezone)
    return Window(start, datetime.combine(day + timedelta(days=1), time(), site.timezone), day.isoformat())


def month_window(site: Site, year: int, month: int) -> Window:
    """One calendar month in the site's time zone, named ``2026-11``: a monthly digest's period."""
    following = date(year + month // 12, month % 12 + 1, 1)
    start = datetime.combine(date(year, month, 1), time(), site.timezone)
    return Window(start, datetime.combine(following, time(), site.timezone), f"{year:04d}-{month:02d}")


def _moment(value: str | date | datetime, site: Site, flag: str) -> tuple[datetime, bool]:
    """A --since/--until value as an aware datetime, and whether it was a bare date."""
    bare = ((isinstance(value, date) and not isinstance(value, datetime))
            or (isinstance(value, str) and bool(DATE_ONLY.match(value.strip()))))
    try:
        return parse_date(value, site.timezone).astimezone(site.timezone), bare
    except (ValueError, OverflowError):
        raise SyndicateError(f"{flag} is not a date: {value!r} (use 2026-11-18 or 2026-11-18T09:00:00+09:00)") from None


def window_for(site: Site, now: datetime, *, days: int | None = None, since: str | date | None = None,
               until: str | date | None = None, week: str | None = None, period: str | None = None) -> Window:
    """The digest window the flags ask for.

    By default the last complete ISO week before ``now`` (or, when the site
    sets ``digest.days``, that many days ending now). ``days`` is the N days
    ending now; ``week`` an ISO week (``2026-W48``) in the site's time zone; ``since``
    and ``until`` are dates or datetimes; a bare ``until`` date is included
    whole, and ``until`` defaults to now; ``period`` a digest's period name
    (``window_named``). Raises SyndicateError.
    """
    if sum(x is not None for x in (days, since or until, week, period)) > 1:
        raise SyndicateError("choose one of --days, --since/--until, --week and --period")
    if period is not None:
        named = window_named(site, period.strip())
        if named is None:
            raise SyndicateError(f"--period is not a digest period: {period!r} (use e.g. 2026-11-25, 2026-W48, "
                                 "2026-11 or 2026-11-22_2026-11-24)")
        return named
    if until is not None and since is None:
        raise SyndicateError("--until needs --since")
    now = now.astimezone(site.timezone)
    if week is not None:
        found = WEEK.match(week.strip())
        try:
            monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1) if found else None
        except ValueError:
            monday = None
        if monday is None:
            raise SyndicateError(f"--week is not an ISO week: {week!r} (use e.g. 2026-W48)")
        if not 1000 <= monday.year <= 9998:
            # As for posts' dates: the week's end, or a post's date moved between zones, overflows.
            raise SyndicateError(f"--week is out of range: {week!r} (years 1000 to 9998)")
        start = datetime.combine(monday, time(), site.timezone)
        return _window(start, datetime.combine(monday + timedelta(days=7), time(), site.timezone))
    if since is not None:
        start, _ = _moment(since, site, "--since")
        end, bare = _moment(until, site, "--until") if until is not None else (now, False)
        if bare:
            try:
                end = datetime.combine(end.date() + timedelta(days=1), time(), site.timezone)
            except OverflowError:
                raise SyndicateError(f"--until is out of range: {until!r}") from None
        if end <= start:
            raise SyndicateError(f"--until {until or now.isoformat()} is not after --since {since}")
        return _window(start, end)
    count = days if days is not None else site.digest.days
    if count is None:
        # A weekly digest run from cron on Monday morning covers last week,
        # and a second run that day gives the same period, not a shifted one.
        this_monday = datetime.combine(now.date() - timedelta(days=now.weekday()), time(), site.timezone)
        start = datetime.combine(this_monday.date() - timedelta(days=7), time(), site.timezone)
        return _window(start, this_monday)
    if count <= 0:
        raise SyndicateError(f"--days must be a positive number, got {count}")
    try:
        start = now - timedelta(days=count)
    except OverflowError:
        flag, where = ("--days", None) if days is not None else ("digest.days", site.config_file)
        raise SyndicateError(f"{flag} is too large: {count} days before now is before the calendar starts",
                             where) from None
    return _window(start, now)


PERIOD_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})$")


def window_named(site: Site, period: str) -> Window | None:
    """The window a digest's period name stands for (``2026-W47``, ``2026-11-18_2026-11-24``, ``2026-11-25``,
    ``2026-11``); None for other names."""
    found = PERIOD_RANGE.match(period)
    month = MONTH.match(period)
    now = datetime(2000, 1, 1, tzinfo=timezone.utc)  # not used: a week, or two dates, name the whole window
    try:
        if found:
            window = window_for(site, now, since=found[1], until=found[2])
        elif WEEK.match(period):
            window = window_for(site, now, week=period)
        elif DAY.match(period):
            window = day_window(site, date.fromisoformat(period))
        elif month and 1000 <= int(month[1]) <= 9998 and 1 <= int(month[2]) <= 12:
            window = month_window(site, int(month[1]), int(month[2]))
        else:
            return None
    except (SyndicateError, ValueError, OverflowError):
        return None
    return window if window.period == period else None


def period_text(window: Window, locale) -> str:
    """The days of ``window`` in the locale's words: "Nov 16 – 22, 2026", "2026. 11. 16. ~ 22."."""
    from babel.dates import format_date, format_interval

    if window.start.date() == window.last_day:
        return format_date(window.start.date(), "long", locale=locale)
    return format_interval(window.start.date(), window.last_day, "yMMMd", locale=locale)


def select_posts(site: Site, published: Sequence[Post], window: Window) -> list[Post]:
    """The ``published`` posts dated inside ``window``, in ``digest.order`` (newest first by default).

    ``published`` is what ``pipeline.read_site`` gives: drafts and scheduled
    posts are already out (``Post.is_published``).
    """
    # Posts only: a Jekyll collection's documents (feed.collections) have feeds of their own;
    # and not those whose front matter says "syndicate: {digest: false}".
    chosen = [p for p in published
              if window.start <= p.date < window.end and p.collection == "posts" and p.in_digest]
    if site.hugo is not None:
        # A Hugo site's posts are its main sections' pages (mainSections, else
        # the largest section), as its theme's home page lists them: not "about";
        # and in one language, digest.language, else the default one (each has its own feeds).
        from syndicate.sources.hugo import main_sections, section_of

        hugo = site.hugo
        language = site.digest.language or hugo.default_language
        own = [p for p in published if hugo.page_language(p.name) == language]
        main = main_sections(hugo, [p.name for p in own])
        chosen = [p for p in chosen if section_of(hugo, p.name) in main and hugo.page_language(p.name) == language]
    chosen.sort(key=lambda p: (p.date, p.id), reverse=site.digest.order == "newest")
    return chosen


# --- plain text in the HTML part ----------------------------------------------


def email_text(text: str) -> Markup:
    """Plain text as email HTML that no word can widen: URLs as shortened links, long runs breakable."""
    parts, start = [], 0
    for found in URL_IN_TEXT.finditer(text):
        parts.append(escape(breakable(text[start:found.start()])))
        url = found.group()
        parts.append(Markup('<a href="{}">{}</a>').format(url, short_url(url)))
        start = found.end()
    parts.append(escape(breakable(text[start:])))
    return Markup("").join(parts)


# --- rendering ------------------------------------------------------------------


@dataclass(frozen=True)
class DigestPost:
    """One post as the digest templates see it."""

    title: str
    url: str  # with the UTM parameters, if configured
    date: datetime  # in the site's time zone
    date_text: str  # the date in the site's language: "2026년 11월 16일"
    excerpt: str
    image: str | None  # absolute URL
    image_alt: str
    image_width: int  # as shown in the column: Outlook sizes images by their attributes
    image_height: int | None  # None when the site folder has no file to read it from
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: str
    body: Markup | None  # the sanitised body, when digest.full_content is on
    text: str  # the excerpt, or the body as plain text when full_content is on


@dataclass(frozen=True)
class DigestFiles:
    """A rendered digest: the bytes of each file and what identifies the message."""

    period: str
    subject: str
    html: bytes
    text: bytes
    eml: bytes
    message_id: str
    post_ids: tuple[str, ...]
    window: Window  # the time it covers
    notices: tuple[Notice, ...] = ()


def in_digest_language(site: Site) -> Site:
    """The site as its digest speaks: a Hugo site's ``digest.language`` with that language's title and languageCode.

    So the subject (``{{ site.title }}``), the dates and the template's words
    are the language of the posts (``select_posts``); any other site as it is.
    """
    hugo = site.hugo
    language = site.digest.language
    if hugo is None or not language or language == hugo.default_language:
        return site
    return replace(site, title=hugo.language_title(language) or site.title,
                   language=hugo.language_code(language) or language)


def site_locale(site: Site):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(site.language.replace("_", "-"), sep="-"), None
    except (ValueError, UnknownLocaleError):
        return Locale("en"), Notice(f"language {site.language!r} is not a known locale; digest dates are in English",
                                    site.config_file)


def with_utm(site: Site, url: str, utm: dict[str, str]) -> str:
    """``url`` with the UTM parameters added, if it is a link to this site.

    Links to other sites are left alone, as are parameters already present.
    """
    if not utm:
        return url
    parts, home = urlsplit(url), urlsplit(site.url)
    if (parts.scheme, parts.netloc) != (home.scheme, home.netloc) or not parts.path.startswith(home.path):
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    query += [(key, value) for key, value in utm.items() if key not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _post_view(site: Site, rendered: Rendered, locale, link: Callable[[str], str]) -> DigestPost:
    """The template's view of one post; ``link`` adds the UTM parameters to a URL."""
    from babel.dates import format_date

    from syndicate.render.images import image_size
    from syndicate.render.inline import CONTENT_WIDTH, image_sources, in_column, sanitise_body

    post = rendered.post
    body = image = None
    if site.digest.full_content:
        body = Markup(sanitise_body(rendered.html, lambda url: image_size(site, url), post.title))
    if post.image and (body is None or post.image not in image_sources(body)):
        image = post.image  # not shown twice when the body has it
    size = image_size(site, image) if image else None
    width, height = in_column(*size) if size else (CONTENT_WIDTH, None)
    return DigestPost(
        title=post.title, url=link(post.url), date=post.date,
        date_text=format_date(post.date.astimezone(site.timezone), "long", locale=locale),
        # The title follows the image: as its alt text, images off would show it twice.
        excerpt=rendered.excerpt, image=image, image_alt="", image_width=width, image_height=height,
        categories=post.categories, tags=post.tags,
        author=(post.author or site.author).name if (post.author or site.author) else "",
        body=body, text=html_to_paragraphs(str(body), link)
        if body is not None else rendered.excerpt,
    )


def _logo(site: Site) -> dict | None:
    """``digest.logo`` as the template shows it: its URL, and a width and height no wider than ``LOGO_WIDTH``."""
    from syndicate.render.images import image_size

    if not site.digest.logo:
        return None
    size = image_size(site, site.digest.logo)
    width, height = size if size else (LOGO_WIDTH, None)
    if width > LOGO_WIDTH:
        width, height = LOGO_WIDTH, None if height is None else round(height * LOGO_WIDTH / width)
    return {"url": site.digest.logo, "width": width, "height": height}


def _intro(site: Site, period: str) -> Markup | None:
    """The issue's intro as sanitised HTML: ``<digest.intro_dir>/<period>.md``, else ``digest.intro``; Markdown."""
    from syndicate.render.content import absolute_urls, to_html
    from syndicate.render.images import image_size
    from syndicate.render.inline import sanitise_body

    path = site.root / site.digest.intro_dir / f"{period}.md"
    source = site.digest.intro
    if path.is_file():
        shown = f"{site.digest.intro_dir}/{period}.md"
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SyndicateError(f"cannot read this issue's intro: {getattr(exc, 'strerror', None) or exc}",
                                 shown) from None
    if not source.strip():
        return None
    html = absolute_urls(to_html(source, "markdown"), site.url)
    return Markup(sanitise_body(html, lambda url: image_size(site, url)))


def _without_merge_tags(view: DigestPost, tool: str, post: Post) -> tuple[DigestPost, Notice | None]:
    """``view`` with the list tool's merge-tag syntax in its words shown as text, never filled in."""
    from syndicate.render.mail import TOOL_NAMES, neutralise

    found: dict[str, list[str]] = {}

    def plain(what: str, value: str) -> str:
        value, tags = neutralise(value, tool)
        if tags:
            found.setdefault(what, []).extend(tags)
        return value

    changed = {"title": plain("title", view.title), "excerpt": plain("excerpt", view.excerpt),
               "text": plain("body" if view.body is not None else "excerpt", view.text),
               "categories": tuple(plain("categories", c) for c in view.categories),
               "tags": tuple(plain("tags", t) for t in view.tags)}
    if view.body is not None:
        changed["body"] = Markup(plain("body", str(view.body)))
    if not found:
        return view, None
    where = ", ".join(f"{what} ({found[what][0]})" for what in found)
    return replace(view, **changed), Notice(
        f"{TOOL_NAMES[tool]} merge-tag syntax in the {where}: shown as text, not filled in", post.name)


def render_digest(site: Site, rendered: Sequence[Rendered], window: Window, now: datetime,
                  list_tool: str | None = None) -> DigestFiles:
    """Render the digest of ``rendered`` posts (already selected and ordered); write nothing.

    ``list_tool`` (default ``digest.list_tool``) decides the unsubscribe and
    web-version links. Bodies are rendered by the caller (``pipeline.digest_of``),
    which reports and leaves out a post whose body fails. Template mistakes
    raise SyndicateError with the template's file and line.
    """
    from syndicate.render.inline import email_ready
    from syndicate.render.jinja import environment, render_string, render_template, template_path
    from syndicate.render.mail import build_message, links_for, message_id, put_merge_tags

    site = in_digest_language(site)
    tool = list_tool or site.digest.list_tool
    locale, problem = site_locale(site)
    notices = [problem] if problem else []
    context = {"site": site, "period": window.period, "period_text": period_text(window, locale), "window": window}
    utm = {f"utm_{key}": render_string(value, context, f"digest.utm.{key}", site)
           for key, value in sorted(site.digest.utm.items())}

    def link(url: str) -> str:
        return with_utm(site, url, utm)

    views = []
    for post in rendered:
        view, problem = _without_merge_tags(_post_view(site, post, locale, link), tool, post.post)
        views.append(view)
        notices += [problem] if problem else []
    context["posts"] = views
    subject = " ".join(render_string(site.digest.subject, context, "digest.subject", site).split())
    if site.digest.preheader:
        preheader = render_string(site.digest.preheader, context, "digest.preheader", site)
    else:
        preheader = textwrap.shorten(views[0].excerpt, 150, placeholder="…") if views else ""
    web_version = site.absolute_url(f"digest/{window.period}.html")
    unsubscribe, web = links_for(site, tool, web_version)
    if tool == "plain" and not unsubscribe:
        notices.append(Notice("digest.unsubscribe_url is not set: the digest has no unsubscribe link",
                              site.config_file))
    labels = LABELS.get(locale.language, LABELS["en"])
    intro = _intro(site, window.period)
    context.update(subject=subject, preheader=" ".join(preheader.split()), unsubscribe=unsubscribe,
                   web_version=link(web), list_tool=tool, labels=labels,
                   why=labels["why"].format(title=" ".join(site.title.split())),
                   postal_address=[line.strip() for line in site.email.postal_address.splitlines() if line.strip()],
                   logo=_logo(site), intro=intro,
                   contents=views if len(views) > site.digest.contents_after else [],
                   intro_text=html_to_paragraphs(str(intro), link) if intro is not None else "",
                   full_content=site.digest.full_content)

    env = environment(site)
    env.filters["wrap"] = wrap
    env.filters["email_text"] = email_text
    html_source = render_template(site, env, "digest.html.j2", context)
    # The unsubscribe link stays exactly as configured: it may carry a token.
    html, problems = email_ready(html_source, site.url,
                                 lambda url: url if url == unsubscribe else link(url))
    shown = template_path(site, env, "digest.html.j2")
    notices += [Notice(problem, shown) for problem in problems]
    html = put_merge_tags(site, html, tool, html=True)
    text = put_merge_tags(site, render_template(site, env, "digest.txt.j2", context), tool, html=False)

    html_bytes = html.encode("utf-8")
    if len(html_bytes) > GMAIL_CLIP_BYTES:
        notices.append(Notice(f"the HTML is {len(html_bytes) / 1024:.0f} KB; Gmail clips messages over "
                              f"{GMAIL_CLIP_BYTES // 1024} KB (fewer posts, or digest.full_content = false)",
                              f"digest/{window.period}.html"))
    post_ids = tuple(r.post.id for r in rendered)
    msgid = message_id(site, window.period, post_ids, tool, site.digest.full_content)
    eml, more = build_message(site, subject=subject, text=text, html=html, now=now, msgid=msgid)
    return DigestFiles(window.period, subject, html_bytes, text.encode("utf-8"), eml, msgid, post_ids, window,
                       tuple(notices + more))


def digest_outputs(files: DigestFiles) -> dict[str, bytes]:
    """The files of a digest, relative to the output folder: the period's and ``latest.*``."""
    outputs = {}
    for name in (files.period, "latest"):
        outputs[f"digest/{name}.html"] = files.html
        outputs[f"digest/{name}.txt"] = files.text
        outputs[f"digest/{name}.eml"] = files.eml
    return outputs
