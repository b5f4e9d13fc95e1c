"""Telling a WebSub hub that a feed changed (https://www.w3.org/TR/websub/, "publishing").

A ping is one form POST to the hub, ``hub.mode=publish`` with the feed's
self URL as ``hub.url`` and ``hub.topic`` (hubs read one name or the other);
any 2xx answer is success. Nothing is followed: a redirect (which urllib
would turn into a GET, dropping the form) counts as a failure, as does a
hub that does not answer within a few seconds. What to ping, and when to
try again, is the commands' business (``syndicate.commands.websub``).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlencode

from syndicate import __version__
from syndicate.errors import PublishError

# Seconds to wait for one hub: a ping is a courtesy, and cron runs every few minutes.
TIMEOUT = 5.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx itself comes back as an HTTPError


_OPENER = urllib.request.build_opener(_NoRedirects)


def ping(hub: str, topic: str, timeout: float = TIMEOUT) -> None:
    """Tell ``hub`` that the feed at ``topic`` changed; raises PublishError when it did not take it."""
    form = urlencode({"hub.mode": "publish", "hub.url": topic, "hub.topic": topic}).encode("ascii")
    request = urllib.request.Request(hub, data=form, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "User-Agent": f"syndicate/{__version__}"})
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        exc.close()
        status = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, unknown host, timeout, TLS
        reason = getattr(exc, "reason", exc)
        raise PublishError(f"not reached: {reason}") from None
    if not 200 <= status < 300:
        raise PublishError(f"answered HTTP {status}")
