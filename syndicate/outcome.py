"""What a run did and what it found: every layer adds to it, the CLI reports it."""

from __future__ import annotations

from dataclasses import dataclass, field

from syndicate.errors import Notice, SyndicateError


@dataclass
class Outcome:
    """What a run did and what it found, for the CLI to report."""

    written: list[str] = field(default_factory=list)  # output paths, relative to the site
    unchanged: list[str] = field(default_factory=list)
    errors: list[SyndicateError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # other changes, one line each ("sent digest …")
    decisions: list[str] = field(default_factory=list)  # why things were (not) done, for -v

    def failed(self, strict: bool = False) -> bool:
        """Whether the run must exit non-zero."""
        return bool(self.errors) or (strict and bool(self.notices))
