"""``syndicate new``: a dated post skeleton in the posts folder."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from syndicate.errors import PostError
from syndicate.sources.config import Site
from syndicate.sources.posts import shown_path
from syndicate.text import safe_name, slugify


def new_post(site: Site, title: str, now: datetime) -> Path:
    """Write a dated post skeleton in the posts folder; never overwrite a file.

    Returns the new file's path. Raises PostError when it exists already.
    """
    slug = slugify(title) or "post"
    day = now.astimezone(site.timezone)
    folder = site.posts_dir
    if site.hugo is not None and site.hugo.language_dirs:
        # Hugo reads no page outside its languages' folders: the default language's.
        folder = site.root / dict(site.hugo.language_dirs).get(site.hugo.default_language, site.hugo.content_dir)
    # safe_name: a 120-letter Hangul slug is more bytes than a file name may have.
    path = folder / safe_name(f"{day:%Y-%m-%d}-{slug}.md")
    name = shown_path(site, path)
    text = (
        "---\n"
        f"title: {json.dumps(title, ensure_ascii=False)}\n"
        f"date: {day:%Y-%m-%d %H:%M:%S %z}\n"
        "categories: []\n"
        "tags: []\n"
        "excerpt: >\n"
        "  One or two sentences that readers see in their feed reader and email.\n"
        "---\n\n"
        "Write the post here, in Markdown.\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise PostError("already exists; not overwritten", name) from None
    except OSError as exc:
        raise PostError(f"cannot write: {exc.strerror or exc}", name) from None
    return path
