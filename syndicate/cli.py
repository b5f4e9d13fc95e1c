"""The ``syndicate`` command: flags in, one library call per command, report out."""

from __future__ import annotations

import gc
import os
import sys
from functools import wraps
from pathlib import Path

import click

from syndicate import __version__
from syndicate.sources.config import LIST_TOOLS


def site_options(command):
    """The options every command takes: where the site is, the clock, verbosity."""

    @click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
                  show_default=True, help="The site folder (with syndicate.toml or _config.yml).")
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Write outputs here instead of the configured output_dir.")
    @click.option("--now", default=None, metavar="ISO",
                  help="Pretend the clock says this (e.g. 2026-11-25T08:00:00+09:00); for tests.")
    @click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
    @click.option("-v", "--verbose", is_flag=True, help="Also print unchanged files and every decision.")
    @click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
    @wraps(command)
    def wrapper(site_dir, out_dir, now, quiet, verbose, strict, **kwargs):
        from syndicate.commands.run import resolve_now
        from syndicate.sources.config import load_site

        site = load_site(site_dir, out_dir)
        run = Run(quiet=quiet, verbose=verbose, strict=strict, notices=site.notices)
        return command(site=site, now=resolve_now(now, site), run=run, **kwargs)

    return wrapper


class Run:
    """How to report: quiet, verbose, strict; and a progress bar on terminals."""

    def __init__(self, quiet: bool, verbose: bool, strict: bool, notices: tuple = ()):
        self.quiet, self.verbose, self.strict = quiet, verbose, strict
        self.notices = notices  # the configuration's warnings, reported with every run's

    def progress(self, files: list):
        """A progress bar over many files, only when a person is watching."""
        if len(files) < 300 or self.quiet or not sys.stderr.isatty():
            return files
        return self._bar(files)

    @staticmethod
    def _bar(files: list):
        with click.progressbar(files, label="Reading posts", file=sys.stderr) as bar:
            yield from bar

    def report(self, outcome) -> None:
        """Print what happened and exit 1 when it failed."""
        outcome.notices[:0] = self.notices
        for error in outcome.errors:
            click.echo(str(error), err=True)
        if not self.quiet:
            for notice in outcome.notices:
                click.echo(str(notice), err=True)
            for path in outcome.written:
                click.echo(f"wrote {path}")
            for line in outcome.events:
                click.echo(line)
            if self.verbose:
                for path in outcome.unchanged:
                    click.echo(f"unchanged {path}")
                for line in outcome.decisions:
                    click.echo(line)
        if outcome.failed(self.strict):
            problems = len(outcome.errors) + (len(outcome.notices) if self.strict else 0)
            click.echo(f"failed: {problems} problem(s)", err=True)
            sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syndicate")
def cli():
    """Publish a blog's posts as RSS and Atom feeds and email digests.

    Run the commands from the site folder (the one with syndicate.toml or a
    Jekyll _config.yml), or point at it with --site.
    """


@cli.command()
@site_options
def build(site, now, run):
    """Write the RSS, Atom and JSON feeds (and the category, tag, language, author and archive feeds) to the output folder."""
    from syndicate.commands.build import build as build_site

    run.report(build_site(site, now, run.progress))


@cli.command()
@click.option("--against", "against", default=None, metavar="FEED",
              help="Compare with the feed subscribers read now (a file or an http(s) URL): exit 1 if any "
                   "entry's id would change, which readers would show again as new.")
@site_options
def check(site, now, run, against):
    """Read every post and print every problem; write nothing. Exit 1 if any."""
    if against is not None:
        from syndicate.commands.against import check_against

        run.report(check_against(site, now, against, run.progress))
        if not run.quiet:
            click.echo(f"no entry of {against} would be shown again")
        return
    from syndicate.commands.build import check as check_site

    outcome = check_site(site, now, run.progress)
    run.report(outcome)
    if not run.quiet:
        click.echo("no problems found" if not outcome.notices else "no errors found")


@cli.command()
@click.argument("title")
@site_options
def new(site, now, run, title):
    """Write a dated post skeleton in the posts folder (never overwrites)."""
    from syndicate.commands.new import new_post

    path = new_post(site, title, now)
    if not run.quiet:
        click.echo(f"created {path.relative_to(site.root) if path.is_relative_to(site.root) else path}")


@cli.command()
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="The N days ending now (default: the last complete ISO week, or digest.days).")
@click.option("--since", default=None, metavar="DATE", help="From this date or time (site time zone).")
@click.option("--until", default=None, metavar="DATE",
              help="Up to this date (included) or time (excluded); default now.")
@click.option("--week", default=None, metavar="YYYY-Www", help="One ISO week, e.g. 2026-W48.")
@click.option("--period", default=None, metavar="NAME",
              help="One period as publish names it: 2026-11-25, 2026-W48, 2026-11 or 2026-11-22_2026-11-24.")
@click.option("--for", "list_tool", type=click.Choice(LIST_TOOLS), default=None,
              help="Put this mailing-list tool's unsubscribe and web-version tags in (default: digest.list_tool).")
@click.option("--send", is_flag=True,
              help="Also send it by SMTP to email.to, once per period (recorded in .syndicate/state.json).")
@click.option("--force", is_flag=True, help="With --send: send a period again that was already sent.")
@site_options
def digest(site, now, run, days, since, until, week, period, list_tool, send, force):
    """Write the email digest (HTML, plain text, .eml) to the output folder's digest/."""
    from syndicate.commands.digest import digest as write_digest
    from syndicate.commands.publish import send_digest

    if force and not send:
        raise click.UsageError("--force only applies with --send")
    if send:
        run.report(send_digest(site, now, days=days, since=since, until=until, week=week, period=period,
                               list_tool=list_tool, force=force))
        return
    run.report(write_digest(site, now, days=days, since=since, until=until, week=week, period=period,
                            list_tool=list_tool))


@cli.command()
@click.option("--send/--no-send", default=None,
              help="Send a due digest by SMTP, or only render it (default: digest.send).")
@click.option("--dry-run", is_flag=True, help="Write and send nothing; print what would be done.")
@site_options
def publish(site, now, run, send, dry_run):
    """Build every feed and send the digest when it is due; made for cron. Silent unless something changed."""
    from syndicate.commands.publish import publish as publish_site

    run.report(publish_site(site, now, send=send, dry_run=dry_run, strict=run.strict, progress=run.progress))


def main():
    """Entry point of the ``syndicate`` console script."""
    # One command is one short process, and reference counting frees what it
    # makes: a run leaves the same few dozen objects of cyclic garbage however
    # many posts it reads (tests/test_garbage.py). The cycle collector would
    # still start every 700 allocations and walk every post read so far, a
    # tenth of a cold build. docs/decisions.md has the figures.
    gc.disable()
    # Under a legacy locale (cron with LANG=en_US.ISO-8859-1), printing a
    # Hangul file name would raise after the work is done: escape it instead.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        cli(prog_name="syndicate")
    except SystemExit as done:
        # The command is over: its files written and closed, its lock
        # released, its worker processes gone. Python's own exit would free
        # every object the command left (commands.run.leave_to_exit), one at
        # a time; the system takes the process's memory back whole.
        os._exit(_flushed(_exit_status(done.code)))
    finally:
        # When the command raised instead (a bug's traceback, Ctrl-C), Python
        # exits as usual, and collects cycles once more, walking every object
        # the run still holds (tens of thousands of posts' values); frozen, they are skipped.
        gc.freeze()


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` gives: 0 for None, the number, else 1 with the message printed."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _flushed(status: int) -> int:
    """``status``, once what the command printed is out; 120 when it cannot be, as Python's own exit says.

    A stream is None when the process started with it closed (``>&-``).
    """
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return status or 120
    return status
