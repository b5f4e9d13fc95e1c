"""What a run's outputs depend on, declared once.

The incremental layer keeps work from one run for the next (the posts index,
the last run's record) only while every input it was made from is unchanged.
Both read this list; a stage that starts reading something new adds it here,
and the tests edit each kind (tests/test_inputs.py).

==================  ====================================================  ===============================
input               what it is                                            how a change is seen
==================  ====================================================  ===============================
code                every module of the syndicate package                 ``fingerprint``: all is redone
libraries           ``LIBRARIES``, the installed copies                   ``fingerprint``
configuration       the ``Site`` read from syndicate.toml / _config.yml    ``fingerprint``
                    or a Hugo site's hugo.toml, config/_default/,
                    config/<environment>/ (HUGO_ENVIRONMENT, HUGO_ENV)
git commit          with Hugo's enableGitInfo: the commit the site's      ``fingerprint``
                    repository is at (``HugoConfig.git_commit``)
posts               every file in the posts folder (``posts.post_files``)  each file's stat, then its bytes
first-seen dates    ``.syndicate/first-seen.json``: dateless posts' dates  its stat (last run); each post's
                                                                          date (posts index)
images              local images the feeds describe (enclosure lengths)   their sizes (last run)
the clock           the next scheduled or expiring post's date            the record's ``valid_until``
outputs             the files the last run wrote                          their stat (last run)
==================  ====================================================  ===============================

A Jekyll site's bodies read more than their own file: Liquid's ``site.*``
(``_config.yml``), ``site.data`` (``_data/``) and ``{% include %}``
(``_includes/``). ``jekyll.BODY_INPUTS`` lists them; the Site keeps a hash of
their bytes (``JekyllConfig.body_inputs``), so an edit to any of them is a
change of configuration: every kept body is rendered again.

A Jekyll site's configuration is more than ``_config.yml``: with an empty
``url``, its ``CNAME`` file or its git repository's ``origin`` remote
(``.git/config``) gives the URL, and with it every post's URL and id. Nothing
reads those files but ``config.load_site``, on every run, into the Site:
they count as the configuration, through the Site's repr in the fingerprint.
Its posts are in every ``_posts`` folder of the site (``posts.walk_posts_folder``).

A Hugo site's configuration files (``HugoConfig.config_files``) are read
into the Site on every run, as ``_config.yml`` is: an edit to any of them
that changes a value syndicate uses changes the fingerprint, and so does
another environment (``HugoConfig.environment``: which ``config/<env>/`` is
read). So are the titles of its list pages' ``_index.*`` files
(``HugoConfig.list_titles``), which title its section and term feeds: those
files are no posts. Its bodies read nothing else but the pages ``ref`` and ``relref``
name (shortcodes do not run).

With ``enableGitInfo``, a page's ``lastmod`` is its file's last commit
(``syndicate.sources.gitinfo``), which no stat of the file shows: the commit
the repository is at is read with the configuration on every run (one
``git rev-parse``), into ``HugoConfig.git_commit``, so a new commit changes
the fingerprint and every post is read again, its dates from the new history
(tests/test_hugo_languages.py commits with no file changed, and compares).

Other posts a body names: Jekyll's ``{% post_url %}`` and ``{% link %}``,
Hugo's ``ref`` and ``relref`` put another file's URL into the body. The
rendered body keeps each name with the URL it got (``Rendered.links``); a
kept body is used (posts index, last run's details) only while every name
still gets that URL (``content.links_hold``), so editing one post's slug or
permalink renders the bodies that link to it again.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from syndicate import __version__
from syndicate.sources.config import Site

# Libraries (their import names) whose upgrade can change what a post reads as or an output's bytes.
LIBRARIES = ("feedgen", "lxml", "markdown_it", "mdit_py_plugins", "nh3", "yaml", "frontmatter")
PACKAGE = Path(__file__).resolve().parent.parent
FIRST_SEEN = "first-seen.json"


def first_seen_path(site: Site) -> Path:
    """Where the dates given to dateless posts are kept."""
    return site.state_dir / FIRST_SEEN


def fingerprint(record_format: int, site: Site) -> str:
    """One hash of the inputs that every kept result depends on: code, libraries, configuration.

    ``record_format`` is the format of the record that keeps it: a new
    format, like any of these, makes the record stale.
    """
    digest = hashlib.sha256(f"{record_format}\0{__version__}\0{site!r}\0".encode())
    digest.update(code_digest())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_digest() -> bytes:
    """The libraries' installed copies and the package's source, hashed once per process: a run asks twice.

    A library is known by its package folder's path and mtime, which any
    install, upgrade or removal changes: importing importlib.metadata to read
    versions would cost a tenth of a run in which nothing changed.
    """
    from importlib.util import find_spec

    digest = hashlib.sha256()
    for library in LIBRARIES:
        try:
            spec = find_spec(library)
            folder = spec.submodule_search_locations[0] if spec.submodule_search_locations else spec.origin
            digest.update(f"{library}={folder}:{os.stat(folder).st_mtime_ns}\0".encode())
        except (AttributeError, ImportError, OSError, TypeError, ValueError):
            digest.update(f"{library}=?\0".encode())
    for module in sorted(PACKAGE.rglob("*.py")):
        try:
            source = module.read_bytes()
        except OSError:
            source = b"?"
        digest.update(module.relative_to(PACKAGE).as_posix().encode() + b"\0" + source)
    return digest.digest()
