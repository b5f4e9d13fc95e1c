"""A Hugo site's git dates (``enableGitInfo``): each file's last commit, from one ``git log`` of its repository.

Hugo 0.111 (through its ``gitmap`` package) runs ``git log --name-only
--no-merges`` once over the repository the site is in, and gives each file
the author date of the newest commit that touched it: the page's ``:git``
date, first in ``lastmod``'s sources. syndicate runs the same log, once per
process, and only when a page asks (a run in which no post is read again
runs none). The commit the repository is at (``head_commit``, read with the
configuration) is in the Site, so a new commit is a new configuration to the
incremental layer (``syndicate.sources.inputs``).

A file git names in quotes (non-ASCII or with a ``"`` in its name, unless
``core.quotePath`` is off) matches no page in Hugo 0.111, and none here:
such a page takes its date from the next source, as in Hugo. Uncommitted
changes are not seen, as in Hugo. Nothing here goes to the network.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from functools import lru_cache
from pathlib import Path

# Seconds a git command may take: a log of a large history, names included, is the slow one.
TIMEOUT = 300
RECORD = "\x1e"  # before each commit in the log's output


def _git(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    """``git -C root …``, its output as text; OSError when there is no git, TimeoutExpired when it hangs."""
    git = shutil.which("git")
    if git is None:
        raise FileNotFoundError("git")
    return subprocess.run([git, "-C", str(root), *arguments], capture_output=True, text=True, encoding="utf-8",
                          errors="surrogateescape", stdin=subprocess.DEVNULL, timeout=TIMEOUT)


def head_commit(root: Path) -> tuple[str, str]:
    """The commit the git repository holding ``root`` is at, and ""; or "" and why there is none."""
    try:
        done = _git(root, "rev-parse", "--verify", "HEAD")
    except FileNotFoundError:
        return "", "git is not installed"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", f"git did not run ({exc})"
    if done.returncode == 0:
        return done.stdout.strip(), ""
    if "not a git repository" in done.stderr:
        return "", "the site is in no git repository"
    if "Needed a single revision" in done.stderr:
        return "", "its git repository has no commit yet"
    # Anything else (git refusing a repository another user owns, a broken one): git's own words.
    said = next((line.strip() for line in done.stderr.splitlines() if line.strip()), "")
    return "", f"git rev-parse failed ({said[:200] or f'exit status {done.returncode}'})"


@lru_cache(maxsize=4)
def last_commits(root: Path, commit: str) -> dict[str, datetime]:
    """Each file's newest commit's author date, at ``commit``, by its path from ``root`` ("content/posts/x.md").

    One ``git log`` of the history below ``root``, remembered for the
    process. Merges are left out and the first (newest) commit naming a file
    wins, as in Hugo. Empty when git fails (``head_commit`` has already
    answered for the repository).
    """
    try:
        done = _git(root, "-c", "log.showSignature=false", "log", "--relative", "--name-only", "--no-merges",
                    "--no-color", f"--format={RECORD}%aI", commit, "--")
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if done.returncode != 0:
        return {}
    dates: dict[str, datetime] = {}
    for record in done.stdout.split(RECORD)[1:]:
        head, _, names = record.partition("\n")
        try:
            moment = datetime.fromisoformat(head.strip())
        except ValueError:
            continue
        for name in names.splitlines():
            if name and not name.startswith('"'):  # a quoted name: none of Hugo's pages either
                dates.setdefault(name, moment)
    return dates
