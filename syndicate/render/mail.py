"""The digest as mail: list tools' merge tags, and the complete .eml message.

Merge tags cannot go through the HTML pipeline: libxml2's serialiser
percent-encodes ``{{ UnsubscribeURL }}`` in an ``href`` and premailer's
``base_url`` would turn ``*|UNSUB|*`` into a site URL. The templates get
placeholder URLs instead, and the tool's own tags replace them in the
finished text, byte for byte.
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


def links_for(site: Site, list_tool: str, web_version: str) -> tuple[str, str]:
    """The (unsubscribe, web version) URLs the templates see for ``list_tool``.

    Tools with merge tags get placeholders, replaced by ``put_merge_tags``;
    ``mailman`` and ``plain`` get the configured unsubscribe URL (or
    ``mailto:`` address; empty when none) and the digest's own web address.
    """
    if list_tool in MERGE_TAGS:
        return UNSUBSCRIBE_PLACEHOLDER, WEB_VERSION_PLACEHOLDER
    return site.digest.unsubscribe_url, web_version


def put_merge_tags(text: str, list_tool: str, *, html: bool) -> str:
    """Replace the placeholder links in a finished HTML or text part by the tool's tags."""
    tags = MERGE_TAGS.get(list_tool)
    if tags is None:
        return text
    if html and tags.html_elements:
        for placeholder, element in ((UNSUBSCRIBE_PLACEHOLDER, "unsubscribe"), (WEB_VERSION_PLACEHOLDER, "webversion")):
            # <a href="PLACEHOLDER" style="…">Unsubscribe</a> → <unsubscribe style="…">Unsubscribe</unsubscribe>
            anchor = re.compile(r'<a\b([^>]*?)\s+href="' + re.escape(placeholder) + r'"([^>]*)>(.*?)</a>', re.DOTALL)
            text = anchor.sub(lambda m, e=element: f"<{e}{m.group(1)}{m.group(2)}>{m.group(3)}</{e}>", text)
    for placeholder, tag in ((UNSUBSCRIBE_PLACEHOLDER, tags.unsubscribe), (WEB_VERSION_PLACEHOLDER, tags.web_version)):
        text = text.replace(placeholder, str(escape(tag)) if html else tag)
    return text


def message_id(site: Site, period: str, post_ids: tuple[str, ...]) -> str:
    """A Message-ID that is the same for the same site, period and posts."""
    host = urlsplit(site.url).hostname or "localhost"
    digest = hashlib.sha256("\n".join((host, period, *post_ids)).encode("utf-8")).hexdigest()[:20]
    return f"<digest.{period}.{digest}@{host}>"


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
    address); ``List-Unsubscribe`` comes from ``digest.unsubscribe_url``, with
    one-click ``List-Unsubscribe-Post`` when it is an https URL.
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
    unsubscribe = site.digest.unsubscribe_url
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        if unsubscribe.startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # The email package picks a random boundary; derive it from the message
    # instead, so the same digest is the same bytes.
    message.set_boundary("=_" + hashlib.sha256(msgid.encode("utf-8")).hexdigest()[:32])
    return message.as_bytes(policy=POLICY), notices
