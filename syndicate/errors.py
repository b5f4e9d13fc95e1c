"""The one error type for problems a user can fix, and the warnings beside it.

Every message is one line shaped like a compiler's: ``posts/x.md:3: message``.
The location is relative to the site folder, so the same site gives the same
messages wherever it is checked out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click


# In a file name: line breaks (C0, C1, U+2028/9) would split the one-line
# message, bidirectional controls would reorder it on screen, and bytes that
# are not UTF-8 (kept by Python as lone surrogates) cannot be printed at all.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte os.fsdecode could not decode
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes shown as escapes."""
    return UNPRINTABLE.sub(_escape, text)


def _location(path: str | None, line: int | None) -> str:
    if path is None:
        return ""
    path = printable(path)
    return f"{path}:{line}: " if line else f"{path}: "


class SyndicateError(click.ClickException):
    """A problem in the user's posts, configuration or environment.

    Carries the file (as shown to the user) and the line where known. The CLI
    prints it as one line and exits 1; tracebacks are kept for real bugs.
    """

    exit_code = 1

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.detail = message
        super().__init__(message)

    def format_message(self) -> str:
        return _location(self.path, self.line) + self.detail

    def __reduce__(self):
        # Posts parsed in worker processes (syndicate.incremental.workers) send their
        # errors back pickled; Exception's own pickling keeps the message only.
        return type(self), (self.detail, self.path, self.line)

    def show(self, file=None) -> None:  # noqa: D102 - click's signature
        click.echo(str(self), err=True)

    def __str__(self) -> str:
        return self.format_message()


class ConfigError(SyndicateError):
    """The site configuration is missing, unreadable or invalid."""


class PostError(SyndicateError):
    """One post cannot be read; the others still publish."""


class PublishError(SyndicateError):
    """Writing or sending an output failed."""


@dataclass(frozen=True)
class Notice:
    """Something worth telling the user that does not stop publishing."""

    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return f"{_location(self.path, self.line)}warning: {self.message}"

    def data(self) -> list:
        """The notice as JSON data, for the records in the state folder."""
        return [self.message, self.path, self.line]

    @classmethod
    def from_data(cls, data: list) -> "Notice":
        """The notice ``data`` kept. Raises TypeError or ValueError on malformed data."""
        message, path, line = data
        return cls(str(message), path, line)
