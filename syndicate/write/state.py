"""The state folder (``.syndicate/``): what syndicate remembers between runs.

Everything in it is written atomically and read defensively, never through a
symbolic link (``refuse_links``): a missing or corrupt file is treated as
empty, never trusted blindly, with one exception: state.json, which says
which digests went out (see ``load_digests``), and whose "sent" is made
ready before a digest is sent (``prepare_sent``, ``commit_sent``).
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syndicate.sources.config import Site
from syndicate.sources.safe_yaml import json_loads
from syndicate.sources.inputs import first_seen_path
from syndicate.errors import PublishError
from syndicate.sources.posts import Loaded, shown_path
from syndicate.write.files import write_if_changed

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # 0 on Windows, which has no symbolic links to speak of


def read_state_file(path: Path) -> bytes:
    """The bytes of a file in the state folder, never through a symbolic link (ELOOP then)."""
    fd = os.open(path, os.O_RDONLY | NOFOLLOW)
    with os.fdopen(fd, "rb") as file:
        return file.read()


def link_error(site: Site, path: Path) -> PublishError:
    """The error for a symbolic link where syndicate keeps its own files."""
    return PublishError("is a symbolic link; syndicate follows no links in its state folder: "
                        "remove it (the next run makes the file afresh)", shown_path(site, path))


def refuse_links(site: Site) -> None:
    """Raise ``link_error`` for the first symbolic link in the state folder, by name.

    A site's repository may ship ``.syndicate/``: a link there would make
    syndicate read, or write, a file anywhere the link points.
    """
    try:
        names = sorted(entry.name for entry in os.scandir(site.state_dir) if entry.is_symlink())
    except FileNotFoundError:
        return
    except OSError as exc:
        raise PublishError(f"cannot list: {exc.strerror or exc}", shown_path(site, site.state_dir)) from None
    if names:
        raise link_error(site, site.state_dir / names[0])


def read_json(path: Path) -> dict:
    """A JSON object from the state folder, or {} when missing, corrupt or a link."""
    try:
        data = json_loads(read_state_file(path).decode("utf-8"))
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


# --- WebSub: the hub pings that failed, for the next run to send -----------------

PINGS = "websub.json"


def load_pings(site: Site) -> list[tuple[str, str]]:
    """The (hub, feed URL) pings that a run could not deliver; none when the file is missing or damaged."""
    pending = read_json(site.state_dir / PINGS).get("pending")
    if not isinstance(pending, list):
        return []
    return [(pair[0], pair[1]) for pair in pending
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)]


def save_pings(site: Site, pending: list[tuple[str, str]]) -> None:
    """Remember the pings still to send, atomically; no file for a site that never needed one."""
    path = site.state_dir / PINGS
    if not pending and not path.exists():
        return
    write_json(path, {"pending": [list(pair) for pair in pending]})


# --- digests: which periods were rendered and sent, with which posts ----------

STATE = "state.json"
PREPARED = "state.json.if-sent"  # state.json as it will be once the digest being sent is accepted
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
    # Attempts whose answer never came once the whole message had gone
    # (smtp.Unanswered): each may have delivered it.
    unanswered: int = 0

    def to_json(self) -> dict:
        """The record as it is stored in state.json."""
        return {"period": self.period, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "posts": list(self.post_ids), "status": self.status,
                "rendered_at": self.rendered_at.isoformat(), "message_id": self.message_id,
                "sent_at": self.sent_at.isoformat() if self.sent_at else None, "sent_to": self.sent_to,
                "files": list(self.post_files), **({"unanswered": self.unanswered} if self.unanswered else {})}

    @classmethod
    def from_json(cls, data: dict) -> "DigestRecord":
        """A record read back from state.json; raises ValueError when malformed."""
        try:
            moments = [datetime.fromisoformat(data[key]) for key in ("start", "end", "rendered_at")]
            sent_at = datetime.fromisoformat(data["sent_at"]) if data.get("sent_at") else None
            posts, files, unanswered = data["posts"], data.get("files", []), data.get("unanswered", 0)
            if (data["status"] not in STATUSES or not isinstance(data["period"], str)
                    or type(unanswered) is not int or unanswered < 0
                    or not all(isinstance(v, list) and all(isinstance(p, str) for p in v) for v in (posts, files))
                    or any(m.tzinfo is None for m in moments)):
                raise ValueError
            return cls(data["period"], moments[0], moments[1], tuple(posts), data["status"], moments[2],
                       str(data.get("message_id") or ""), sent_at, str(data.get("sent_to") or ""), tuple(files),
                       unanswered)
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
    write_json(site.state_dir / STATE, _with_record(site, record))


def prepare_sent(site: Site, record: DigestRecord) -> Path:
    """Write, before sending, state.json as it is to be once ``record`` (sent) is accepted; returns its path.

    ``commit_sent`` then puts it in place with a rename, which needs no free
    space: on a full disk this raises PublishError and the digest is not sent,
    where sending first would leave it sent but not recorded, and so sent
    again by every run. The prepared file is not a record: until the rename
    it says nothing, and the next preparation replaces it.
    """
    path = site.state_dir / PREPARED
    write_json(path, _with_record(site, record))
    return path


def commit_sent(site: Site, prepared: Path) -> None:
    """Record the digest ``prepared`` holds as sent: rename it over state.json, and flush the folder."""
    try:
        os.replace(prepared, site.state_dir / STATE)
    except OSError as exc:
        raise PublishError(f"the digest was accepted but cannot be recorded as sent ({exc.strerror or exc}); "
                           "the next run would send it again", shown_path(site, site.state_dir / STATE)) from None
    try:  # the rename itself, to disk; where folders cannot be opened (Windows), the system's own time
        folder = os.open(site.state_dir, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError:
        pass


def _with_record(site: Site, record: DigestRecord) -> dict:
    """state.json's data with ``record`` added or replacing its period's."""
    # Refuses a corrupt state.json like load_digests, rather than overwrite it.
    data, records = _load_state(site)
    records[record.period] = record
    # Keys written by other versions are kept, not dropped.
    data["digests"] = [r.to_json() for r in sorted(records.values(), key=lambda r: (r.start, r.period))]
    return data


def _load_state(site: Site) -> tuple[dict, dict[str, DigestRecord]]:
    """state.json as read (a JSON object) and its digest records; ({}, {}) when it is missing."""
    path = site.state_dir / STATE
    shown = shown_path(site, path)
    try:
        data = json_loads(read_state_file(path).decode("utf-8"))
    except FileNotFoundError:
        return {}, {}
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise link_error(site, path) from None
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


# --- the digest archive: what each digest written to the output folder held ---------

ARCHIVE = "archive.json"


def load_archive(site: Site) -> dict[str, dict]:
    """Each digest written to the output folder, by period: its ``start``, ``end`` (ISO), ``posts`` and ``subject``.

    What public/digest/index.html and its feed list beside state.json's
    records, for digests written by ``syndicate digest``, which records no
    sending. Missing or damaged: empty (the archive then reads the files).
    """
    entries = read_json(site.state_dir / ARCHIVE).get("digests")
    if not isinstance(entries, dict):
        return {}
    return {period: entry for period, entry in entries.items() if isinstance(entry, dict)}


def save_archived(site: Site, period: str, entry: dict) -> None:
    """Add or replace one period's entry in archive.json, atomically."""
    entries = load_archive(site)
    entries[period] = entry
    write_json(site.state_dir / ARCHIVE, {"digests": entries})
