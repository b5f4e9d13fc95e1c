"""The state folder (``.syndicate/``): what syndicate remembers between runs.

Everything in it is written atomically and read defensively: a missing or
corrupt file is treated as empty, never trusted blindly, with one exception:
state.json, which says which digests went out (see ``load_digests``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syndicate.sources.config import Site
from syndicate.sources.safe_yaml import json_loads
from syndicate.sources.inputs import first_seen_path
from syndicate.errors import PublishError
from syndicate.sources.posts import Loaded, shown_path
from syndicate.write.files import write_if_changed



def read_json(path: Path) -> dict:
    """A JSON object from the state folder, or {} when missing or corrupt."""
    try:
        data = json_loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict) -> bool:
    """Write a JSON object atomically, in a stable form; returns whether it changed."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return write_if_changed(path, text.encode("utf-8"))


def compact_json(data) -> bytes:
    """JSON in one line, for records of every post that no one reads by eye."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def load_first_seen(site: Site) -> dict[str, datetime]:
    """The dates given to posts that have none, by post name."""
    dates = {}
    for name, text in read_json(first_seen_path(site)).items():
        try:
            moment = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            continue
        # Naive, or at an end of the calendar (year 1 overflows when moved to
        # the site's time zone): not a date syndicate wrote, so not trusted.
        if moment.tzinfo is not None and 1000 <= moment.year <= 9998:
            dates[name] = moment
    return dates


def save_first_seen(site: Site, loaded: Loaded) -> bool:
    """Remember the dates given to dateless posts, so they stay put from run to run.

    Posts that could not be read this run (``loaded.errors``) keep their
    dates, or fixing a typo in one would move it to the top of the feed.
    """
    # A draft is not remembered: a dateless post is dated when it is first
    # seen published, or one drafted for weeks would come out weeks old and
    # miss its week's digest.
    dates = {p.name: p.date.isoformat() for p in loaded.posts if p.date_origin == "first seen" and not p.draft}
    path = first_seen_path(site)
    earlier = read_json(path)
    unread = (error.path for error in loaded.errors if error.path)
    dates.update({name: earlier[name] for name in unread if name in earlier})
    if not dates and not path.exists():
        return False  # no state folder for sites that never need one
    return write_json(path, dates)


# --- digests: which periods were rendered and sent, with which posts ----------

STATE = "state.json"
# What a digest record's status means:
RENDERED = "rendered"  # files written; sending was off, so this period is done
SENDING = "sending"  # files written and sending is on, but no server has accepted it yet
SENT = "sent"  # an SMTP server accepted the message
EMPTY = "empty"  # the period had no new posts; nothing was written or sent
STATUSES = (RENDERED, SENDING, SENT, EMPTY)


@dataclass(frozen=True)
class DigestRecord:
    """One digest period as state.json remembers it."""

    period: str  # "2026-W48"
    start: datetime
    end: datetime
    post_ids: tuple[str, ...]
    status: str  # one of STATUSES
    rendered_at: datetime
    message_id: str = ""
    sent_at: datetime | None = None
    sent_to: str = ""
    # The same posts by file name: a post's id is its URL unless it has one of
    # its own, and a new url in the configuration must not resend everything.
    post_files: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The record as it is stored in state.json."""
        return {"period": self.period, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "posts": list(self.post_ids), "status": self.status,
                "rendered_at": self.rendered_at.isoformat(), "message_id": self.message_id,
                "sent_at": self.sent_at.isoformat() if self.sent_at else None, "sent_to": self.sent_to,
                "files": list(self.post_files)}

    @classmethod
    def from_json(cls, data: dict) -> "DigestRecord":
        """A record read back from state.json; raises ValueError when malformed."""
        try:
            moments = [datetime.fromisoformat(data[key]) for key in ("start", "end", "rendered_at")]
            sent_at = datetime.fromisoformat(data["sent_at"]) if data.get("sent_at") else None
            posts, files = data["posts"], data.get("files", [])
            if (data["status"] not in STATUSES or not isinstance(data["period"], str)
                    or not all(isinstance(v, list) and all(isinstance(p, str) for p in v) for v in (posts, files))
                    or any(m.tzinfo is None for m in moments)):
                raise ValueError
            return cls(data["period"], moments[0], moments[1], tuple(posts), data["status"], moments[2],
                       str(data.get("message_id") or ""), sent_at, str(data.get("sent_to") or ""), tuple(files))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"malformed digest record: {json.dumps(data, ensure_ascii=False)[:120]}") from None


def load_digests(site: Site) -> dict[str, DigestRecord]:
    """Every digest period recorded in state.json, by period name.

    Unlike the other state files, a corrupt state.json is an error and is never
    read as empty: forgetting which digests went out would send them again.
    """
    return _load_state(site)[1]


def save_digest(site: Site, record: DigestRecord) -> None:
    """Add or replace one period's record in state.json, atomically."""
    # Refuses a corrupt state.json like load_digests, rather than overwrite it.
    data, records = _load_state(site)
    records[record.period] = record
    # Keys written by other versions are kept, not dropped.
    data["digests"] = [r.to_json() for r in sorted(records.values(), key=lambda r: (r.start, r.period))]
    write_json(site.state_dir / STATE, data)


def _load_state(site: Site) -> tuple[dict, dict[str, DigestRecord]]:
    """state.json as read (a JSON object) and its digest records; ({}, {}) when it is missing."""
    path = site.state_dir / STATE
    shown = shown_path(site, path)
    try:
        data = json_loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, {}
    except OSError as exc:
        raise PublishError(f"cannot read: {exc.strerror or exc}", shown) from None
    except ValueError as exc:
        raise PublishError(f"corrupt ({exc}); it records which digests were sent, so syndicate will "
                           "not guess: restore it from a backup, or delete it to start afresh", shown) from None
    try:
        if not isinstance(data, dict) or not isinstance(data.get("digests", []), list):
            raise ValueError("expected {\"digests\": [...]}")
        records = [DigestRecord.from_json(item) for item in data.get("digests", [])]
    except ValueError as exc:
        raise PublishError(f"corrupt ({exc}); restore it from a backup, or delete it to start afresh",
                           shown) from None
    return data, {record.period: record for record in records}
