"""The state folder (``.syndicate/``): what syndicate remembers between runs.

Everything in it is written atomically and read defensively: a missing or
corrupt file is treated as empty, never trusted blindly.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from syndicate.config import Site
from syndicate.write import write_if_changed

if TYPE_CHECKING:
    from syndicate.posts import Post

FIRST_SEEN = "first-seen.json"


def read_json(path: Path) -> dict:
    """A JSON object from the state folder, or {} when missing or corrupt."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict) -> bool:
    """Write a JSON object atomically, in a stable form; returns whether it changed."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return write_if_changed(path, text.encode("utf-8"))


def load_first_seen(site: Site) -> dict[str, datetime]:
    """The dates given to posts that have none, by post name."""
    dates = {}
    for name, text in read_json(site.state_dir / FIRST_SEEN).items():
        try:
            moment = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            continue
        if moment.tzinfo is not None:
            dates[name] = moment
    return dates


def save_first_seen(site: Site, posts: Iterable[Post], unread: Iterable[str] = ()) -> bool:
    """Remember the dates given to dateless posts, so they stay put from run to run.

    ``unread`` names posts that could not be read this run: their dates are
    kept, or fixing a typo in one would move it to the top of the feed.
    """
    dates = {p.name: p.date.isoformat() for p in posts if p.date_origin == "first seen"}
    path = site.state_dir / FIRST_SEEN
    earlier = read_json(path)
    dates.update({name: earlier[name] for name in unread if name in earlier})
    if not dates and not path.exists():
        return False  # no state folder for sites that never need one
    return write_json(path, dates)
