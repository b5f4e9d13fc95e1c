"""What a site's own image files tell: type, size in bytes, and dimensions as shown.

The feeds put them in enclosures and Media RSS; the digest gives body images
the ``width`` and ``height`` attributes Outlook sizes them by. Only the
file's header is read (Pillow), and only for files in the site folder.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

from syndicate.sources.config import Site

# EXIF orientations that turn an image a quarter: its width is its height as shown.
TURNED = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class LocalImage:
    """An image URL, and what its file tells where the site folder has it."""

    url: str
    type: str | None  # MIME type, from the file or the URL's suffix
    length: int | None  # bytes
    width: int | None  # pixels, as shown (EXIF rotation applied)
    height: int | None

    def media(self) -> dict[str, str]:
        """``media:content``'s attributes (Media RSS), as Mailchimp's RSS-to-email reads them."""
        known = {"type": self.type, "fileSize": self.length, "width": self.width, "height": self.height}
        return {"url": self.url, "medium": "image", **{k: str(v) for k, v in known.items() if v is not None}}


def local_image(site: Site, url: str) -> LocalImage:
    """An image URL, with its type, size and dimensions where the site folder has its file."""
    kind = mimetypes.guess_type(urlsplit(url).path)[0]
    found = site.local_file(url)
    if found is None:
        return LocalImage(url, kind, None, None, None)
    path, length = found
    width = height = None
    from PIL import Image, UnidentifiedImageError  # only where a post has a local image

    try:
        with Image.open(path) as image:  # reads the header, not the pixels
            width, height = image.size
            kind = Image.MIME.get(image.format or "", kind)
            if image.getexif().get(0x0112) in TURNED:
                width, height = height, width
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        pass  # not an image we can read: the URL and length still go out
    return LocalImage(url, kind, length, width, height)


def image_size(site: Site, url: str) -> tuple[int, int] | None:
    """An image's width and height as shown, when the site folder has its file and Pillow can read it."""
    image = local_image(site, url)
    return (image.width, image.height) if image.width and image.height else None
