"""A Jekyll post's body as Jekyll renders it: Liquid first, then Markdown as kramdown reads it.

``content.render_post`` calls ``jekyll_liquid`` for a site configured by
``_config.yml``, then renders the Markdown with ``render.kramdown``; the
result goes on as every body does (URLs made absolute, sanitised for feeds). Liquid sees what Jekyll gives it: ``site.*`` from
_config.yml and ``site.data`` from _data/ (``sources.jekyll.site_variables``),
``page.*`` from the post, ``{% include %}`` from _includes/, and the URL of
any post or page a ``{% post_url %}`` or ``{% link %}`` names.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from syndicate.errors import Notice, PostError
from syndicate.render.kramdown import kramdown_html
from syndicate.sources.config import Site
from syndicate.sources.jekyll import POSTS_FOLDER, has_liquid, site_variables
from syndicate.sources.posts import POST_SUFFIXES, Post, load_post, walk_posts_folder


def jekyll_liquid(site: Site, post: Post, meta: Mapping[str, Any], body: str, body_line: int,
                  named: Callable[[str], str | None]) -> tuple[str, list[Notice]]:
    """A Jekyll post's body with its Liquid rendered, and the warnings that gave; Markdown is the caller's.

    ``named`` finds the URL of a post or page that ``post_url`` and ``link`` name (``named_posts``).
    """
    if not has_liquid(body, meta):
        return body, []
    # Imported only for a body with Liquid in it: python-liquid takes a fifth of
    # a second to import, and many sites' posts have none.
    from syndicate.render.liquid import JekyllContext, render_liquid

    context = JekyllContext(root=site.root, site=_site_variables(site), page=_page(site, post, meta),
                            posts=named, source=post.name, line_offset=body_line)
    return render_liquid(body, context)


def named_posts(site: Site) -> Callable[[str], str | None]:
    """``post_url`` and ``link``'s look-up: a post's name or a file's path → its URL path (``_Documents``)."""
    return _Documents(site).get


def prepare(site: Site) -> None:
    """Build kramdown's parser, import the Liquid renderer, read ``site.*``: once, before workers fork (content.prepare)."""
    import syndicate.render.liquid  # noqa: F401 - python-liquid, with Babel and asyncio: 0.07 s

    kramdown_html("")
    _site_variables(site)


def _site_variables(site: Site) -> dict:
    """``site.*``, with the URL and base URL the site resolved (a CNAME, a git remote) when _config.yml has none."""
    variables = dict(site_variables(site.root, site.jekyll.body_inputs))
    parts = urlsplit(site.url)
    if not variables.get("url"):
        variables["url"] = f"{parts.scheme}://{parts.netloc}"
    if not variables.get("baseurl"):
        variables["baseurl"] = parts.path.rstrip("/")
    return variables


def _page(site: Site, post: Post, meta: Mapping[str, Any]) -> dict:
    """``page.*``: the front matter, and what Jekyll works out for a post."""
    url = _site_path(site, post.url)
    return {**meta, "title": post.title, "date": post.date, "url": url, "id": _site_path(site, post.id),
            "categories": list(post.categories), "tags": list(post.tags), "path": post.name,
            "slug": post.slug, "collection": post.collection}


def _site_path(site: Site, url: str) -> str:
    """An absolute URL on the site as Jekyll's ``page.url``: the path after the base URL."""
    base = site.jekyll.absolute_base
    return "/" + url[len(base):].lstrip("/") if url.startswith(base) else url


class _Documents:
    """``{% post_url %}`` and ``{% link %}``'s look-up: a post's name or a file's path → its URL path.

    Looked up when asked, not listed ahead: a body that links nowhere costs
    nothing, and a post named by ``post_url`` is almost always in ``_posts/``,
    found with a stat; only other folders cost a walk of the posts folders.
    """

    def __init__(self, site: Site):
        self.site = site
        self._by_stem: dict[str, Path] | None = None

    def get(self, key: str) -> str | None:
        path = self._post_file(key) if "." not in PurePosixPath(key).name else self._site_file(key)
        if path is None:
            return None
        relative = path.relative_to(self.site.root)
        document = POSTS_FOLDER in relative.parts or self.site.jekyll.collection_of(relative.as_posix())
        if path.suffix.lower() in POST_SUFFIXES and document:
            try:
                post, _ = load_post(self.site, path, {}, datetime.max.replace(tzinfo=self.site.timezone))
            except PostError:
                return None
            return _site_path(self.site, post.url) if post is not None else None
        return _page_url(relative.as_posix())

    def _site_file(self, relative: str) -> Path | None:
        # A document's path is relative to collections_dir, as Jekyll gives it (Document#relative_path).
        for top in dict.fromkeys(("", self.site.jekyll.collections_dir)):
            path = (self.site.root / top / relative.lstrip("/")).resolve()
            if path.is_relative_to(self.site.root) and path.is_file():
                return path
        return None

    def _post_file(self, stem: str) -> Path | None:
        for suffix in POST_SUFFIXES:
            path = self.site.root / self.site.jekyll.posts_folder / f"{stem}{suffix}"
            if path.is_file():
                return path
        if self._by_stem is None:
            self._by_stem = {}
            for folder, entries in walk_posts_folder(self.site):
                for entry in entries or ():
                    path = Path(folder, entry.name)
                    self._by_stem.setdefault(path.stem, path)
        return self._by_stem.get(PurePosixPath(stem).name)


def _page_url(relative: str) -> str:
    """A page's URL as Jekyll's default for pages gives it: ``about.md`` → ``/about.html``, ``index`` → its folder."""
    path = PurePosixPath(relative)
    if path.stem == "index":
        folder = path.parent.as_posix()
        return "/" if folder == "." else f"/{folder}/"
    suffix = ".html" if path.suffix.lower() in (".md", ".markdown", ".html", ".htm") else path.suffix
    return "/" + path.with_suffix(suffix).as_posix()
