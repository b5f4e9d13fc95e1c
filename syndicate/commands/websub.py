"""WebSub: after a run that changed feeds, tell the site's hubs (``feed.hubs``), once per change.

Only feeds whose bytes this run wrote are announced, so an unchanged site
pings no hub and the same bytes are never announced twice. A ping a hub did
not take is a warning, never a failed run: it is remembered in the state
folder (``websub.json``) and sent by the next run, whether or not that run
changes anything. A hub that cannot be reached is not asked again within the
run: its other pings wait for the next one, so a dead hub costs one timeout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from syndicate.errors import Notice, SyndicateError
from syndicate.outcome import Outcome
from syndicate.sources.config import Site
from syndicate.write.state import load_pings, save_pings


def announce(site: Site, written: Iterable[str], outcome: Outcome) -> None:
    """Ping every hub for each feed in ``written`` (paths as ``Outcome.written`` gives them) and for those pending."""
    if not site.feed.hubs:
        return
    from syndicate.write.websub import ping  # urllib.request: only for a site with hubs

    topics = [site.feed_url(path) for path in _outputs(site, written)]
    wanted = [pair for pair in load_pings(site) if pair[0] in site.feed.hubs]
    wanted += [(hub, topic) for topic in topics for hub in site.feed.hubs]
    pending: list[tuple[str, str]] = []
    unreachable: dict[str, SyndicateError] = {}
    for hub, topic in dict.fromkeys(wanted):
        if hub in unreachable:
            pending.append((hub, topic))
            continue
        try:
            ping(hub, topic)
        except SyndicateError as exc:
            unreachable[hub] = exc
            pending.append((hub, topic))
            continue
        outcome.decisions.append(f"websub: told {hub} that {topic} changed")
    for hub, exc in unreachable.items():
        count = sum(1 for pair in pending if pair[0] == hub)
        outcome.notices.append(Notice(f"WebSub hub {hub} {exc.detail}; {count} feed change(s) not announced, "
                                      "the next run tries again"))
    try:
        save_pings(site, pending)
    except SyndicateError as exc:
        outcome.errors.append(exc)


def _outputs(site: Site, written: Iterable[str]) -> list[str]:
    """The paths, relative to the output folder, of the feeds (``.xml``, ``.json``) among outputs shown
    relative to the site (or whole): not the feeds page (``feed.page``)."""
    out = site.output_dir.resolve()
    found = []
    for shown in written:
        try:
            relative = Path(site.root, shown).relative_to(out).as_posix()
        except ValueError:
            continue
        if relative.endswith((".xml", ".json")):
            found.append(relative)
    return found
