"""The digest as mail: list tools' merge tags, and the complete .eml message.

Merge tags cannot go through the HTML pipeline: libxml2's serialiser
percent-encodes ``{{ UnsubscribeURL }}`` in an ``href`` and premailer's
``base_url`` would turn ``*|UNSUB|*`` into a site URL. The templates get
placeholder URLs instead, and the tool's own tags replace them in the
finished text, byte for byte. The configured unsubscribe link of ``plain``
and ``mailman`` goes the same way, so a ``{recipient}`` in it stays as written.

Only the tool itself fills in its tags, when it sends: syndicate does not
send for a tool with tags (``send_refusal``), and merge-tag syntax that comes
from posts is broken up (``neutralise``) so the tool shows it as text.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from urllib.parse import urlsplit

from markupsafe import escape

from syndicate.sources.config import Site
from syndicate.errors import ConfigError, Notice

UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.syndicate.invalid/"
WEB_VERSION_PLACEHOLDER = "https://web-version.syndicate.invalid/"
# .eml bodies must survive 7-bit transport: the email package then picks
# quoted-printable or base64 for UTF-8 text, whichever is shorter.
POLICY = email.policy.SMTP.clone(cte_type="7bit")


@dataclass(frozen=True)
class MergeTags:
    """A list tool's tags for the unsubscribe and web-version links."""

    unsubscribe: str
    web_version: str
    # Campaign Monitor marks links with its own elements in HTML instead.
    html_elements: bool = False


MERGE_TAGS = {
    "mailchimp": MergeTags("*|UNSUB|*", "*|ARCHIVE|*"),
    "listmonk": MergeTags("{{ UnsubscribeURL }}", "{{ MessageURL }}"),
    "sendy": MergeTags("[unsubscribe]", "[webversion]"),
    "buttondown": MergeTags("{{ unsubscribe_url }}", "{{ email.absolute_url }}"),
    "campaign-monitor": MergeTags("[unsubscribe]", "[webversion]", html_elements=True),
}


# Each tool's own substitution syntax, as its documentation gives it: what a
# post must not carry into the HTML the tool fills in. Mailman and plain have
# none: Mailman substitutes only in the list's own header and footer.
WORD_JOINER = "\u2060"  # invisible, and no tool's delimiter any more once inside one
_FIELDS = r"[A-Za-z][\w ]*,fallback=[^\]\n]*"
MERGE_SYNTAX = {
    "mailchimp": re.compile(r"\*\|[^|*\n]+\|\*"),  # *|EMAIL|*, *|IF:FNAME|*
    "listmonk": re.compile(r"\{\{.*?\}\}", re.DOTALL),  # Go templates: {{ .Subscriber.Email }}
    "buttondown": re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL),  # {{ subscriber.email }}
    "sendy": re.compile(r"\[(?:" + _FIELDS + r"|Name|Email|unsubscribe|webversion|reconsent"
                        r"|currentday(?:number)?|currentmonth(?:number)?|currentyear)\]", re.IGNORECASE),
    "campaign-monitor": re.compile(r"\[(?:" + _FIELDS + r"|email|firstname|lastname|fullname|unsubscribe"
                                   r"|webversion|forwardtoafriend|preferences)\]", re.IGNORECASE),
}
TOOL_NAMES = {"mailchimp": "Mailchimp", "listmonk": "listmonk", "sendy": "Sendy", "buttondown": "Buttondown",
              "campaign-monitor": "Campaign Monitor"}
# What marks an unsubscribe URL as naming its recipient, for one-click
# (RFC 8058): a {recipient}-style placeholder, or any tool's merge tag.
RECIPIENT_PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.]*\}")


def neutralise(text: str, list_tool: str) -> tuple[str, list[str]]:
    """``text`` with the tool's merge-tag syntax broken up by an invisible character; and what was found.

    Readers see the same characters; the tool no longer recognises a tag.
    """
    syntax = MERGE_SYNTAX.get(list_tool)
    if syntax is None or not text:
        return text, []
    found = [m.group() for m in syntax.finditer(text)]
    if not found:
        return text, []
    return syntax.sub(lambda m: m.group()[0] + WORD_JOINER + m.group()[1:-1] + WORD_JOINER + m.group()[-1],
                      text), found


def per_recipient(url: str) -> bool:
    """Whether ``url`` carries a token for its recipient that the sender fills in."""
    return bool(RECIPIENT_PLACEHOLDER.search(url)) or any(s.search(url) for s in MERGE_SYNTAX.values())


def send_refusal(site: Site, list_tool: str, *, flag: bool) -> str | None:
    """Why syndicate must not send this digest by SMTP, in one line; None when it may.

    ``flag``: the tool came from ``--for``, not from ``digest.list_tool``.
    """
    if list_tool in MERGE_TAGS:
        tags = MERGE_TAGS[list_tool]
        named = f"--for {list_tool}" if flag else f'digest.list_tool = "{list_tool}"'
        return (f"{named}: not sent, as only {TOOL_NAMES[list_tool]} fills in its tags "
                f"({tags.unsubscribe}, {tags.web_version}) when it sends; import public/digest/ into "
                f"{TOOL_NAMES[list_tool]}, or send with --for plain or mailman")
    if not unsubscribe_links(site):
        return ("digest.unsubscribe_url is not set: a digest is not sent without an unsubscribe link "
                "(set digest.unsubscribe_url or digest.unsubscribe_mailto)")
    return None


def unsubscribe_links(site: Site) -> list[str]:
    """The configured unsubscribe links, https first: what ``List-Unsubscribe`` gives."""
    links = [site.digest.unsubscribe_url, site.digest.unsubscribe_mailto]
    return sorted(dict.fromkeys(link for link in links if link), key=lambda link: link.startswith("mailto:"))


def links_for(site: Site, list_tool: str, web_version: str) -> tuple[str, str]:
    """The (unsubscribe, web version) URLs the templates see for ``list_tool``.

    Tools with merge tags get placeholders, replaced by ``put_merge_tags``;
    ``mailman`` and ``plain`` get a placeholder for the configured unsubscribe
    URL (or ``mailto:`` address; empty when none), and the digest's own web address.
    """
    if list_tool in MERGE_TAGS:
        return UNSUBSCRIBE_PLACEHOLDER, WEB_VERSION_PLACEHOLDER
    links = unsubscribe_links(site)
    return (UNSUBSCRIBE_PLACEHOLDER if links else ""), web_version


def put_merge_tags(site: Site, text: str, list_tool: str, *, html: bool) -> str:
    """Replace the placeholder links in a finished HTML or text part by the tool's tags (or the configured link)."""
    tags = MERGE_TAGS.get(list_tool)
    if tags is None:
        links = unsubscribe_links(site)
        if not links:
            return text
        return text.replace(UNSUBSCRIBE_PLACEHOLDER, str(escape(links[0])) if html else links[0])
    if html and tags.html_elements:
        for placeholder, element in ((UNSUBSCRIBE_PLACEHOLDER, "unsubscribe"), (WEB_VERSION_PLACEHOLDER, "webversion")):
            # <a href="PLACEHOLDER" style="…">Unsubscribe</a> → <unsubscribe style="…">Unsubscribe</unsubscribe>
            anchor = re.compile(r'<a\b([^>]*?)\s+href="' + re.escape(placeholder) + r'"([^>]*)>(.*?)</a>', re.DOTALL)
            text = anchor.sub(lambda m, e=element: f"<{e}{m.group(1)}{m.group(2)}>{m.group(3)}</{e}>", text)
    for placeholder, tag in ((UNSUBSCRIBE_PLACEHOLDER, tags.unsubscribe), (WEB_VERSION_PLACEHOLDER, tags.web_version)):
        text = text.replace(placeholder, str(escape(tag)) if html else tag)
    return text


def message_id(site: Site, period: str, post_ids: tuple[str, ...], list_tool: str = "plain",
               full_content: bool = False) -> str:
    """A Message-ID that is the same for the same site, period, posts and variant.

    Each list tool's message, and excerpts or full content, is a message of
    its own. (Plain excerpts keep the ids that came before variants had any.)
    """
    host = urlsplit(site.url).hostname or "localhost"
    variant = () if (list_tool, full_content) == ("plain", False) else (
        f"variant={list_tool}/{'full' if full_content else 'excerpt'}",)
    digest = hashlib.sha256("\n".join((host, period, *post_ids, *variant)).encode("utf-8")).hexdigest()[:20]
    return f"<digest.{period}.{digest}@{host}>"


def list_id(site: Site) -> str:
    """The ``List-Id`` header (RFC 2919): the site's title and ``email.list_id`` (default ``digest.<host>``)."""
    label = site.email.list_id or f"digest.{urlsplit(site.url).hostname or 'localhost'}"
    title = " ".join(site.title.split())
    if title.isascii():
        title = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{title} <{label}>"


def _address(site: Site, key: str, value: str) -> str:
    """An address header's value, checked so a typo is a clear error, not a bounce."""
    found = getaddresses([value])
    if not found or any("@" not in addr for _, addr in found):
        raise ConfigError(f"email.{key} is not an email address: {value!r}", site.config_file)
    return value


def build_message(site: Site, *, subject: str, text: str, html: str, now: datetime,
                  msgid: str) -> tuple[bytes, list[Notice]]:
    """The complete .eml: multipart/alternative (text, then HTML), ready to send.

    From/To/Reply-To come from ``[email]`` (From falls back to the site author's
    address); ``List-Unsubscribe`` from ``digest.unsubscribe_url`` and
    ``digest.unsubscribe_mailto``, with one-click ``List-Unsubscribe-Post``
    only when the https URL names its recipient (``per_recipient``);
    ``List-Id`` from ``email.list_id``, by default ``digest.<host>``.
    """
    notices: list[Notice] = []
    message = EmailMessage(policy=POLICY)
    sender = site.email.from_address
    if not sender and site.author and site.author.email:
        sender = f"{site.author.name} <{site.author.email}>"
    if sender:
        message["From"] = _address(site, "from", sender)
    else:
        notices.append(Notice("no email.from (or author email): the .eml has no From header", site.config_file))
    if site.email.to:
        message["To"] = _address(site, "to", site.email.to)
    if site.email.reply_to:
        message["Reply-To"] = _address(site, "reply_to", site.email.reply_to)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = msgid
    message["Content-Language"] = site.language
    message["List-Id"] = list_id(site)
    links = unsubscribe_links(site)
    if links:
        message["List-Unsubscribe"] = ", ".join(f"<{link}>" for link in links)
        if links[0].startswith("https://") and per_recipient(links[0]):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # The email package picks a random boundary; derive it from the message
    # instead, so the same digest is the same bytes.
    message.set_boundary("=_" + hashlib.sha256(msgid.encode("utf-8")).hexdigest()[:32])
    return message.as_bytes(policy=POLICY), notices
