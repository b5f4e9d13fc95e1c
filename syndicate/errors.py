"""The one error type for problems a user can fix, and the warnings beside it.

Every message is one line shaped like a compiler's: ``posts/x.md:3: message``.
The location is relative to the site folder, so the same site gives the same
messages wherever it is checked out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


def _location(path: str | None, line: int | None) -> str:
    if path is None:
        return ""
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
